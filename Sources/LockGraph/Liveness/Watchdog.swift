#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The watchdog thread. Its state is outside the lock graph (internal locks only); it reads
/// other threads' published waits and held locks without stopping them, and confirms a cycle
/// by reading it twice before reporting.
final class Watchdog: Sendable {
    static let shared = Watchdog()

    struct Settings {
        var interval: UInt64 = Configuration.settings.watchdogInterval
        var stallThreshold: UInt64 = Configuration.settings.stallThreshold
        var onDeadlock: LockMonitor.DeadlockAction = Configuration.settings.onDeadlock
    }

    private let started = Atomic<Bool>(false)
    private let settings = InternalProtected(Settings())
    /// Episodes already reported (deadlock cycles, stalls), so each is reported once.
    private let reported = InternalProtected<Set<String>>([])

    func configure(interval: Duration?, stallThreshold: Duration?) {
        settings.withLock { settings in
            if let interval, let nanoseconds = Self.nanoseconds(interval) { settings.interval = nanoseconds }
            if let stallThreshold, let nanoseconds = Self.nanoseconds(stallThreshold) { settings.stallThreshold = nanoseconds }
        }
    }

    /// Nil for a duration that is not positive (the setting is then left as it was).
    private static func nanoseconds(_ duration: Duration) -> UInt64? {
        duration > .zero ? duration.clampedNanoseconds : nil
    }

    /// Starts the thread once; cheap to call on every contended wait.
    @inline(__always)
    func ensureStarted() {
        guard !started.load(ordering: .relaxed) else { return }
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        DetectorThread.start(name: "lockgraph-watch") { [self] in run() }
    }

    /// In a forked child the watchdog thread does not exist: start a new one when needed.
    func forgetThreadAfterFork() {
        started.store(false, ordering: .relaxed)
    }

    private func run() {
        HoldClock.advance(interval: settings.withLock { $0.interval })
        while true {
            let interval = settings.withLock { $0.interval }
            var pause = timespec(tv_sec: Int(interval / 1_000_000_000), tv_nsec: Int(interval % 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
            HoldClock.advance(interval: interval)
            guard Configuration.mode != .off else { continue }
            tick()
        }
    }

    func tick() {
        let first = WaitGraph.capture()
        let cycles = first.cycles()
        if !cycles.isEmpty {
            // Confirm on a second reading: a real deadlock does not move.
            usleep(20_000)
            let second = WaitGraph.capture()
            for cycle in cycles where second.stillDeadlocked(cycle, comparedTo: first) {
                reportDeadlock(cycle, in: second)
            }
        }
        let threshold = settings.withLock { $0.stallThreshold }
        // A resource cycle is one report; the stalls of its semaphore and of what its holders
        // wait on are part of it.
        var explained: Set<UInt64> = []
        for deadlock in ResourceDeadlock.find(in: first, threshold: threshold) {
            explained.formUnion(deadlock.involvedLocks)
            guard deadlock.isReportable, firstReport(of: deadlock.episodeKey) else { continue }
            Reporter.submit(first.resourceDeadlockRequest(deadlock))
        }
        for stall in first.stalls(threshold: threshold) where !explained.contains(stall.lock.id) {
            reportStall(stall, in: first)
        }
    }

    private func firstReport(of key: String) -> Bool {
        reported.withLock { $0.insert(key).inserted }
    }

    private func reportDeadlock(_ cycle: [WaitGraph.Waiter], in graph: WaitGraph) {
        let key = "deadlock:" + cycle.map { "\($0.thread.id)@\($0.since)" }.sorted().joined(separator: ",")
        guard firstReport(of: key) else { return }
        Reporter.submit(graph.deadlockRequest(cycle))
        if settings.withLock({ $0.onDeadlock }) == .abort {
            Reporter.terminate("LockGraph: deadlock: these threads can never proceed; aborting (LOCKGRAPH_ON_DEADLOCK=wait keeps the process waiting).\n")
        }
    }

    private func reportStall(_ stall: WaitGraph.Stall, in graph: WaitGraph) {
        guard firstReport(of: stall.episodeKey) else { return }
        Reporter.submit(graph.stallRequest(stall))
    }
}
