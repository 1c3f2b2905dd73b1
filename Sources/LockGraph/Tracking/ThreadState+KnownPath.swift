import Synchronization

/// The steady state's push and pop (see `Tracking.lockKnown`): the owner thread only.
extension ThreadState {
    /// Whether `Tracking.lockKnown` may take `lock` and push it with `pushKnown`: the thread is
    /// not delivering a report; the next entry has room and its observer slot shows no earlier
    /// frames; the lock's stack budget is spent (or the entry is past the observable depth,
    /// where no stack is kept); and, when something is held, the held stack's chain into `lock`
    /// is known in a cache not invalidated by a reset since.
    @inline(__always)
    func admitsKnownAcquire(of lock: LockInfo) -> Bool {
        let hot = self.hot
        let count = hot.pointee.heldCount
        guard !hot.pointee.isReporting, count < hot.pointee.heldCapacity else { return false }
        if count < Self.observableDepth {
            guard observedDepth[count].load(ordering: .relaxed) == 0, !lock.hasStackBudget else { return false }
        }
        guard count > 0 else { return true }
        return cacheResets.load(ordering: .relaxed) == hot.pointee.cacheGeneration
            && hot.pointee.knownChains.contains(from: hot.pointee.held[count - 1].chain, to: lock.id)
    }

    /// `push` for what `admitsKnownAcquire` admitted: a non-recursive lock held from its own
    /// node, with no stack and no statistics.
    @inline(__always)
    func pushKnown(_ lock: LockInfo, site: UInt) {
        let id = lock.id
        let index = hot.pointee.heldCount
        assert(index < hot.pointee.heldCapacity && indexOfHeld(id) == nil, "pushKnown without admitsKnownAcquire")
        if index < Self.observableDepth {
            assert(observedDepth[index].load(ordering: .relaxed) == 0, "stale frames in the slot")
            observedIDs[index].store(id, ordering: .relaxed)
            observedSince[index].store(HoldClock.current, ordering: .relaxed)
        }
        let chain = index == 0 ? lock.rootChain : Self.chain(hot.pointee.held[index - 1].chain, id)
        (hot.pointee.held + index).initialize(
            to: HeldLock(id: id, node: id, chain: chain, recursion: 1, stackDepth: 0, site: site))
        hot.pointee.heldCount = index + 1
        observedCount.store(index + 1, ordering: .releasing)
        #if DEBUG
        hot.pointee.knownAcquisitions += 1
        #endif
    }

    /// How many acquisitions this thread took by the steady-state path; nil in release builds,
    /// which do not count (for tests).
    var knownAcquisitions: Int? {
        #if DEBUG
        hot.pointee.knownAcquisitions
        #else
        nil
        #endif
    }

    /// True when the last-taken entry is `id`, held once (no recursion, so no virtual level).
    @inline(__always)
    func topIsSingleHold(of id: UInt64) -> Bool {
        let count = hot.pointee.heldCount
        guard count > 0 else { return false }
        let top = hot.pointee.held + (count - 1)
        return top.pointee.id == id && top.pointee.recursion == 1
    }

    /// Drops the last-taken entry (after `topIsSingleHold`).
    @inline(__always)
    func popKnown() {
        let newCount = hot.pointee.heldCount - 1
        hot.pointee.heldCount = newCount
        observedCount.store(newCount, ordering: .releasing)
    }
}
