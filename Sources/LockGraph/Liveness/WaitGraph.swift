/// One reading of who holds and who waits for which tracked lock, taken by the watchdog
/// without stopping any thread.
struct WaitGraph {
    struct Waiter {
        /// The waiting thread as the reading saw it.
        let observed: ObservedThread
        let lock: LockInfo
        let since: UInt64
        var thread: ThreadDescriptor { observed.thread }
    }

    struct Holding {
        /// The holding thread as the reading saw it; the lock is its held entry `index`.
        let observed: ObservedThread
        let since: UInt64
        let index: Int
        var thread: ThreadDescriptor { observed.thread }
    }

    struct Stall {
        let lock: LockInfo
        let holder: Holding?
        let waiters: [Waiter]
        let episodeKey: String
    }

    var locks = NodeMap<LockInfo>()
    /// Threads blocked acquiring a lock (condition waits are not waits for a holder).
    var waiters: [Waiter] = []
    /// Threads blocked on a `TrackedSemaphore` (no holder: stalls, or a resource deadlock).
    var semaphoreWaiters: [Waiter] = []
    /// Threads blocked in a condition wait (no holder to wait for; read by `ResourceDeadlocks`).
    var conditionWaiters: [Waiter] = []
    /// lock id -> its holder.
    var holders: [UInt64: Holding] = [:]
    var now: UInt64 = 0

    static func capture() -> WaitGraph {
        var graph = WaitGraph()
        graph.locks = LockGraphStore.shared.state.withLock { $0.liveLocks }
        graph.now = MonotonicClock.nanoseconds()
        for observed in ThreadRegistry.shared.observe() {
            for (index, entry) in observed.held.enumerated() {
                graph.holders[entry.id] = Holding(observed: observed, since: entry.since, index: index)
            }
            if let wait = observed.wait, let lock = graph.locks[wait.lock] {
                let waiter = Waiter(observed: observed, lock: lock, since: wait.since)
                switch wait.kind {
                case .acquiring: graph.waiters.append(waiter)
                case .semaphore: graph.semaphoreWaiters.append(waiter)
                case .condition: graph.conditionWaiters.append(waiter)
                }
            }
        }
        return graph
    }

    /// Cycles thread -> awaited lock -> holder thread -> ... Each waiting thread has one
    /// outgoing edge, so following it from every waiter finds every cycle.
    func cycles() -> [[Waiter]] {
        let waiterByThread = Dictionary(waiters.map { ($0.thread.id, $0) }, uniquingKeysWith: { first, _ in first })
        var found: [[Waiter]] = []
        var seen: Set<Int> = []
        for start in waiters where !seen.contains(start.thread.id) {
            var path: [Waiter] = []
            var positions: [Int: Int] = [:]
            var current: Waiter? = start
            while let waiter = current, positions[waiter.thread.id] == nil, !seen.contains(waiter.thread.id) {
                positions[waiter.thread.id] = path.count
                path.append(waiter)
                guard let holder = holders[waiter.lock.id], holder.thread.id != waiter.thread.id else { break }
                current = waiterByThread[holder.thread.id]
                if let next = current, let position = positions[next.thread.id] {
                    found.append(Array(path[position...]))
                    break
                }
            }
            path.forEach { seen.insert($0.thread.id) }
        }
        return found
    }

    /// True when every thread of `cycle` still waits for the same lock since the same moment.
    func stillDeadlocked(_ cycle: [Waiter], comparedTo earlier: WaitGraph) -> Bool {
        cycle.allSatisfy { old in
            waiters.contains { $0.thread.id == old.thread.id && $0.lock.id == old.lock.id && $0.since == old.since }
                && holders[old.lock.id] != nil
        }
    }

    /// Locks whose waiters have waited longer than `threshold`, or that have been held that long
    /// while someone waits.
    func stalls(threshold: UInt64) -> [Stall] {
        var byLock: [UInt64: [Waiter]] = [:]
        for waiter in waiters + semaphoreWaiters { byLock[waiter.lock.id, default: []].append(waiter) }
        return byLock.compactMap { lockID, waiting -> Stall? in
            guard let lock = locks[lockID] else { return nil }
            let holder = holders[lockID]
            // Saturating: a wait or hold that began while this reading was taken is newer than `now`.
            let longestWait = waiting.map { MonotonicClock.elapsed(from: $0.since, to: now) }.max() ?? 0
            // A hold's stamp may precede the acquisition by one tick: judge by the lower bound.
            let heldFor = holder.map { HoldClock.heldAtLeast(since: $0.since, now: now) } ?? 0
            guard longestWait > threshold || heldFor > threshold else { return nil }
            let key = holder.map { "stall:\(lockID):held:\($0.thread.id)@\($0.since)" }
                ?? "stall:\(lockID):waited:" + waiting.map { "\($0.thread.id)@\($0.since)" }.sorted().joined(separator: ",")
            return Stall(lock: lock, holder: holder, waiters: waiting.sorted { $0.since < $1.since }, episodeKey: key)
        }
    }
}
