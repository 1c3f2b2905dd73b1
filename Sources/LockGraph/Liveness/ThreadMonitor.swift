#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Samples the process's thread count (`/proc/self/task`) and reports
/// ``LockViolation/Kind/threadExhaustion`` when it passes `limit` or grows at every sample over
/// `window` by at least `growth` threads (threads created without bound, the classic thread-per-
/// request exhaustion), with the count history and the current stacks of the newest threads
/// (what the runaway threads are doing, which names the code that starts them).
/// One report per episode: it re-arms when the count falls back below half the limit.
public final class ThreadMonitor: Sendable {
    private let limit: Int
    private let window: Duration
    private let growth: Int
    private let samplingInterval: Duration
    private let running = InternalProtected(false)

    /// - Parameters:
    ///   - limit: thread count that is reported when passed (default `LOCKGRAPH_THREAD_LIMIT`, else 1000).
    ///   - window: how long steady growth must last to be reported.
    ///   - growth: how many threads that growth must add.
    ///   - samplingInterval: how often the thread count is read.
    /// - Precondition: `limit` and `growth` are positive, durations are positive.
    public init(limit: Int? = nil, window: Duration = .seconds(5), growth: Int = 256,
                samplingInterval: Duration = .milliseconds(100)) {
        self.limit = limit ?? Configuration.settings.threadLimit
        precondition(self.limit > 0 && growth > 0, "ThreadMonitor limit and growth must be positive")
        precondition(window > .zero && samplingInterval > .zero, "ThreadMonitor durations must be positive")
        self.window = window
        self.growth = growth
        self.samplingInterval = samplingInterval
    }

    /// The number of threads in this process now.
    public static func currentThreadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    /// Starts sampling on a thread of its own (`lockgraph-threads`); a second call while running
    /// does nothing.
    public func start() {
        let shouldStart = running.withLock { running -> Bool in
            defer { running = true }
            return !running
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "lockgraph-threads"
        thread.start()
    }

    /// Stops sampling after the current sample; ``start()`` may be called again.
    public func stop() { running.withLock { $0 = false } }

    private func loop() {
        let stepMicroseconds = useconds_t(clamping: max(1_000, samplingInterval.clampedNanoseconds / 1_000))
        let windowSamples = max(2, Int(Double(window.clampedNanoseconds) / 1e9 / (Double(stepMicroseconds) / 1e6)))
        var history: [(date: Date, count: Int)] = []
        var armed = true
        while running.withLock({ $0 }) {
            let count = Self.currentThreadCount()
            history.append((Date(), count))
            if history.count > 600 { history.removeFirst(history.count - 600) }
            if !armed && count < limit / 2 { armed = true }
            if armed {
                let recent = history.suffix(windowSamples)
                let steadyGrowth = recent.count == windowSamples
                    && zip(recent, recent.dropFirst()).allSatisfy { $1.count >= $0.count }
                    && (recent.last!.count - recent.first!.count) >= growth
                if count > limit || steadyGrowth {
                    armed = false
                    report(count: count, history: Array(history.suffix(20)), steadyGrowth: count <= limit)
                }
            }
            usleep(stepMicroseconds)
        }
    }

    private func report(count: Int, history: [(date: Date, count: Int)], steadyGrowth: Bool) {
        let newest = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [])
            .compactMap(Int.init).sorted().suffix(3)
        let stacks = newest.reversed().compactMap { tid -> (thread: ThreadDescriptor, stack: StackTrace)? in
            let thread = ThreadDescriptor(threadID: tid)
            guard let stack = StackSampler.shared.sample(thread: tid, timeout: 0.1) else { return nil }
            return (thread, stack)
        }
        Reporter.submit(.threadExhaustion(ReportRequest.ThreadExhaustionSighting(
            count: count, limit: limit, growth: growth, window: window, steadyGrowth: steadyGrowth, history: history,
            newestThreads: stacks)))
    }
}
