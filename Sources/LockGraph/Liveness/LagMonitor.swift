#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// Watches an event loop, serial queue or executor for work that blocks it, in the spirit of
/// asyncio's `slow_callback_duration`.
///
/// Every `interval` it schedules a heartbeat. When a heartbeat has not run after `threshold`,
/// it reports ``LockViolation/Kind/loopLag`` while the loop is still blocked, with the CURRENT
/// stack of the thread running it (the code blocking the loop), sampled by a signal. One report
/// per blocked heartbeat. The thread is the one that ran the previous heartbeat; for Dispatch
/// queues, whose blocks may move between worker threads, it is the thread found executing a
/// Dispatch block, if the previous one is idle.
public final class LagMonitor: Sendable {
    /// Runs `work` on the watched loop (for example `eventLoop.execute(work)`).
    public typealias Scheduler = @Sendable (_ work: @escaping @Sendable () -> Void) -> Void

    /// The watched loop's name, as shown in reports.
    public let name: String
    private let interval: Duration
    private let threshold: Duration
    private let scheduler: Scheduler
    private let usesDispatch: Bool

    private struct State {
        var running = false
        var sequence: UInt64 = 0
        var outstanding: (sequence: UInt64, postedAt: UInt64)?
        var reportedSequence: UInt64 = 0
        var lastRunner: Int?
    }
    private let state = InternalProtected(State())

    /// Watches any loop through `scheduler`.
    /// - Precondition: `interval` and `threshold` are positive.
    public convenience init(name: String, interval: Duration = .milliseconds(100), threshold: Duration = .milliseconds(500),
                            scheduler: @escaping Scheduler) {
        self.init(name: name, interval: interval, threshold: threshold, usesDispatch: false, scheduler: scheduler)
    }

    private init(name: String, interval: Duration, threshold: Duration, usesDispatch: Bool, scheduler: @escaping Scheduler) {
        precondition(interval > .zero && threshold > .zero, "LagMonitor interval and threshold must be positive")
        self.name = name
        self.interval = interval
        self.threshold = threshold
        self.scheduler = scheduler
        self.usesDispatch = usesDispatch
    }

    /// Watches a serial `DispatchQueue`.
    public convenience init(queue: DispatchQueue, name: String? = nil, interval: Duration = .milliseconds(100),
                            threshold: Duration = .milliseconds(500)) {
        self.init(name: name ?? queue.label, interval: interval, threshold: threshold, usesDispatch: true) { work in
            queue.async(execute: work)
        }
    }

    /// Watches Swift concurrency's global executor.
    public static func globalExecutor(interval: Duration = .milliseconds(100), threshold: Duration = .milliseconds(500)) -> LagMonitor {
        LagMonitor(name: "global executor", interval: interval, threshold: threshold, usesDispatch: true) { work in
            Task.detached { work() }
        }
    }

    /// Watches an actor's executor.
    public static func actor(_ actor: some Actor, name: String? = nil, interval: Duration = .milliseconds(100),
                             threshold: Duration = .milliseconds(500)) -> LagMonitor {
        LagMonitor(name: name ?? "\(type(of: actor))", interval: interval, threshold: threshold, usesDispatch: true) { work in
            Task { await runIsolated(to: actor, work) }
        }
    }

    /// Starts watching (idempotent).
    public func start() {
        let shouldStart = state.withLock { state -> Bool in
            defer { state.running = true }
            return !state.running
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "lockgraph-lag"
        thread.start()
    }

    /// Stops watching; the monitor thread ends within one interval.
    public func stop() {
        state.withLock { $0.running = false }
    }

    private func loop() {
        let step = min(interval.clampedNanoseconds, threshold.clampedNanoseconds / 4)
        var lastPost: UInt64 = 0
        while state.withLock({ $0.running }) {
            usleep(useconds_t(clamping: max(step / 1_000, 1_000)))
            let now = MonotonicClock.nanoseconds()
            let action = state.withLock { state -> (post: UInt64?, lag: (UInt64, Int?)?) in
                if let outstanding = state.outstanding {
                    if now - outstanding.postedAt > threshold.clampedNanoseconds, state.reportedSequence != outstanding.sequence {
                        state.reportedSequence = outstanding.sequence
                        return (nil, (now - outstanding.postedAt, state.lastRunner))
                    }
                    return (nil, nil)
                }
                guard now - lastPost >= interval.clampedNanoseconds else { return (nil, nil) }
                state.sequence += 1
                state.outstanding = (state.sequence, now)
                return (state.sequence, nil)
            }
            if let sequence = action.post {
                lastPost = now
                scheduler { [self] in heartbeat(sequence) }
            }
            if let (late, runner) = action.lag {
                report(lateBy: late, runner: runner)
            }
        }
    }

    private func heartbeat(_ sequence: UInt64) {
        let tid = currentThreadID()
        state.withLock { state in
            state.lastRunner = tid
            if state.outstanding?.sequence == sequence { state.outstanding = nil }
        }
    }

    private func report(lateBy late: UInt64, runner: Int?) {
        let (thread, stack) = LoopThreadFinder.blockingThread(lastRunner: runner, dispatch: usesDispatch)
        Reporter.submit(.loopLag(name: name, lateBy: late, threshold: threshold.clampedNanoseconds, thread: thread, stack: stack))
    }
}

private func runIsolated(to actor: isolated some Actor, _ work: @Sendable () -> Void) {
    work()
}

/// Finds the thread that is running a blocked loop and samples its stack.
enum LoopThreadFinder {
    /// The loop's thread and its stack now, or nils when no candidate answered.
    static func blockingThread(lastRunner: Int?, dispatch: Bool) -> (ThreadDescriptor?, StackTrace?) {
        var candidates: [Int] = lastRunner.map { [$0] } ?? []
        if dispatch {
            let own = currentThreadID()
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [])
                .compactMap(Int.init).filter { $0 != own && $0 != lastRunner }.sorted()
            candidates += others.prefix(256)
        }
        for tid in candidates {
            guard let stack = StackSampler.shared.sample(thread: tid, timeout: 0.1) else { continue }
            let allFrames = Symbolication.frames(of: stack, trimThreadStart: false)
            // Outside Dispatch, the loop's thread is the one that ran the last heartbeat. In
            // Dispatch, blocks can move between workers: take a worker executing a block.
            // (`_dispatch_client_callout` is inlined on Linux; the drain and call frames remain.)
            let dispatchExecution = ["_dispatch_client_callout", "_dispatch_call_block_and_release", "_dispatch_lane_serial_drain"]
            let runsDispatchBlock = allFrames.contains { frame in
                dispatchExecution.contains { frame.symbol?.contains($0) ?? false }
            }
            let runsCooperativeJob = allFrames.contains { $0.symbol?.contains("swift_job_run") ?? false }
            if !dispatch || runsDispatchBlock || runsCooperativeJob {
                return (ThreadDescriptor(threadID: tid), stack)
            }
        }
        return (nil, nil)
    }
}
