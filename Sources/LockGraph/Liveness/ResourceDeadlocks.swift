/// Resource cycles through a `TrackedSemaphore`, found from one watchdog reading: threads wait
/// for a unit longer than the stall threshold, and every thread holding a unit (see
/// `SemaphoreUnits`) is itself blocked that long, on a lock, a condition or a semaphore. Then no
/// holder can give a unit back until what it waits for happens, and the waiters for a unit are
/// among those it could be waiting for: one report names the whole cycle.
///
/// A holder blocked on a lock is followed through the lock's holders (the wait-for chain): when
/// the chain reaches a thread waiting for a unit, the cycle is closed by locks alone; otherwise
/// (a condition or semaphore) it waits for a signal that no thread has sent for the threshold.
struct ResourceDeadlock {
    struct Holder {
        let thread: ThreadDescriptor
        let units: Int
        /// Where it took its first unit still held (a return address, 0 if unknown).
        let site: UInt
        /// What it is blocked on.
        let wait: WaitGraph.Waiter
        /// The threads the lock chain from `wait` leads to, when it ends at a thread waiting for
        /// a unit of the semaphore.
        let chain: [ThreadDescriptor]
    }

    let semaphore: LockInfo
    let holders: [Holder]
    let waiters: [WaitGraph.Waiter]
    /// True once a thread has waited for a unit, and every holder has been blocked, longer than
    /// the threshold. Before that the cycle is forming: it is not reported yet, but the stalls
    /// it would explain are held back, so the cycle is one report whichever wait passes the
    /// threshold first.
    let isReportable: Bool

    /// The same episode gives the same key: the semaphore, each holder's wait and each waiter.
    var episodeKey: String {
        "resource:\(semaphore.id):" + (holders.map { "\($0.thread.id)@\($0.wait.since)" } + waiters.map { "\($0.thread.id)@\($0.since)" })
            .sorted().joined(separator: ",")
    }

    /// Every lock and semaphore whose stall this report replaces.
    var involvedLocks: Set<UInt64> { Set([semaphore.id] + holders.map(\.wait.lock.id)) }

    static func find(in graph: WaitGraph, threshold: UInt64) -> [ResourceDeadlock] {
        var bySemaphore: [UInt64: [WaitGraph.Waiter]] = [:]
        for waiter in graph.semaphoreWaiters { bySemaphore[waiter.lock.id, default: []].append(waiter) }
        let blocked = graph.waiters + graph.semaphoreWaiters + graph.conditionWaiters
        let waitByThread = Dictionary(blocked.map { ($0.thread.id, $0) }, uniquingKeysWith: { first, _ in first })
        return bySemaphore.compactMap { semaphoreID, waiting -> ResourceDeadlock? in
            guard let semaphore = graph.locks[semaphoreID] else { return nil }
            var isReportable = waiting.contains { MonotonicClock.elapsed(from: $0.since, to: graph.now) > threshold }
            let units = SemaphoreUnits.holders(of: semaphoreID)
            guard !units.isEmpty else { return nil }
            let waitingIDs = Set(waiting.map(\.thread.id))
            var holders: [Holder] = []
            for unit in units {
                // Every holder must be blocked (for longer than the threshold, to be reported).
                guard let wait = waitByThread[unit.thread] else { return nil }
                if MonotonicClock.elapsed(from: wait.since, to: graph.now) <= threshold { isReportable = false }
                holders.append(Holder(thread: wait.thread, units: unit.count, site: unit.site, wait: wait,
                                      chain: lockChain(from: wait, to: waitingIDs, in: graph, waits: waitByThread)))
            }
            return ResourceDeadlock(semaphore: semaphore, holders: holders, waiters: waiting.sorted { $0.since < $1.since },
                                    isReportable: isReportable)
        }
    }

    /// Follows a wait for a lock through the lock's holder and what that holder waits for,
    /// until a thread in `targets` (returned, with the threads on the way) or a dead end (empty).
    private static func lockChain(from start: WaitGraph.Waiter, to targets: Set<Int>, in graph: WaitGraph,
                                  waits: [Int: WaitGraph.Waiter]) -> [ThreadDescriptor] {
        var chain: [ThreadDescriptor] = []
        var seen: Set<Int> = [start.thread.id]
        var current = start
        while let holder = graph.holders[current.lock.id], seen.insert(holder.thread.id).inserted {
            chain.append(holder.thread)
            if targets.contains(holder.thread.id) { return chain }
            guard let next = waits[holder.thread.id] else { return [] }
            current = next
        }
        return []
    }
}
