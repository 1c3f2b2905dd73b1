#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// The acquisition and release protocol every tracked primitive follows.
///
/// Hot path (edges already known): one mode load, one thread-local load (a C `_Thread_local`),
/// one load of the thread's cache-reset counter, the call site (one word, see
/// `ThreadState.callSite()`), a scan of the held stack for re-entry and one probe of the
/// per-thread chain cache. No global lock, no allocation, no backtrace, no clock read (holds are
/// stamped from `HoldClock`). Anything new goes to `slowPath`. Non-recursive mutexes try the
/// straight-line steady state first (`lockKnown`/`unlockKnown`, Tracking+KnownPath.swift), which
/// needs no re-entry scan; this protocol decides everything that path hands back.
enum Tracking {
    /// What `beginAcquire` decided; pass it to `finishAcquire` once the raw lock is taken.
    /// Holds the thread state unretained: it lives as long as its thread.
    struct Acquisition {
        fileprivate let threadReference: Unmanaged<ThreadState>?
        fileprivate let reentryIndex: Int?
        /// The `StackTable` id of the stack captured before the raw lock was taken (then in the
        /// thread's scratch buffer, `scratchDepth` frames), 0 if none or not interned yet (a
        /// budgeted capture the capture cache does not keep). An id, not the trace, keeps this
        /// struct trivial: no reference counting or outlined copies on the hot path.
        fileprivate var stackID: UInt32 = 0
        /// The node the lock is held from once acquired (see `LockNode`).
        fileprivate let holdNode: UInt64
        /// The user's call site (see `ThreadState.callSite()`).
        fileprivate let site: UInt
        /// Frames captured into the thread's scratch buffer before the raw lock was taken (the
        /// lock's stack budget), 0 if none.
        fileprivate var scratchDepth = 0
        /// A re-entry of a non-recursive lock that was reported and allowed to proceed (see
        /// `reentryProceeds`): the caller must not take the raw lock, which this thread holds.
        fileprivate(set) var grantsWithoutRawLock = false

        static let untracked = Acquisition(threadReference: nil, reentryIndex: nil, holdNode: 0, site: 0)
    }

    /// The calling thread's state without retaining it (the hot path must not touch reference
    /// counts), or nil when tracking is off.
    @inline(__always)
    static func currentThreadReference() -> Unmanaged<ThreadState>? {
        guard !Configuration.isOff else { return nil }
        let reference = ThreadState.currentReference
        reference._withUnsafeGuaranteedRef { thread in
            let resets = thread.cacheResets.load(ordering: .relaxed)
            if thread.hot.pointee.cacheGeneration != resets {
                thread.hot.pointee.knownEdges.removeAll()
                thread.hot.pointee.knownChains.removeAll()
                thread.hot.pointee.cacheGeneration = resets
            }
        }
        return reference
    }

    /// The calling thread's state, or nil when tracking is off.
    @inline(__always)
    static func currentThread() -> ThreadState? {
        currentThreadReference()?.takeUnretainedValue()
    }

    /// Call before a blocking acquisition of `lock`. Runs every check first, so an inversion is
    /// reported even when the acquisition then deadlocks. A non-recursive lock re-acquired by
    /// its holder is reported and the process terminates (it could never proceed).
    @inline(__always)
    static func beginAcquire(_ lock: LockInfo, recursive: Bool, site: UInt? = nil) -> Acquisition {
        beginAcquire(lock, target: lock.id, holdNode: lock.id, site: site) { _ in (recursive, nil) }
    }

    /// `beginAcquire` for a lock with several graph nodes: edges go into `target`, and once
    /// acquired the lock is held from `holdNode` (see `LockNode`). When the thread already holds
    /// the lock, `reentry` decides from that entry whether this is a recursive re-entry, or fatal
    /// (with the reason the report gives).
    @inline(__always)
    static func beginAcquire(_ lock: LockInfo, target: UInt64, holdNode: UInt64, site knownSite: UInt? = nil,
                             reentry: (HeldLock) -> (recursive: Bool, reason: String?)) -> Acquisition {
        guard lock.isRegistered, let reference = currentThreadReference() else { return .untracked }
        // Taken here, directly on the acquisition path: no standard-library closure frame lies
        // between this function and the user's call (see `callSite()`). A caller that runs this
        // out of line passes the site it took inline (else the walk would start inside LockGraph).
        let site = knownSite ?? ThreadState.callSite()
        return reference._withUnsafeGuaranteedRef { thread in
            if let index = thread.indexOfHeld(lock.id) {
                let decision = reentry(thread.held(at: index))
                if decision.recursive {
                    return Acquisition(threadReference: reference, reentryIndex: index, holdNode: holdNode, site: site)
                }
                // A handler run on the detecting thread (a report that ends the process is
                // delivered there) re-entering a lock that thread holds proceeds without a report,
                // so a handler never recurses into another report and never waits for itself.
                if thread.isReporting || reentryProceeds(for: lock) {
                    if !thread.isReporting {
                        Reporter.submit(thread.reentrantAcquireRequest(of: lock, heldAt: index, outcome: .proceedsAsRecursive, reason: decision.reason))
                    }
                    var acquisition = Acquisition(threadReference: reference, reentryIndex: index, holdNode: holdNode, site: site)
                    acquisition.grantsWithoutRawLock = true
                    return acquisition
                }
                Reporter.submit(thread.reentrantAcquireRequest(of: lock, heldAt: index, outcome: .terminates, reason: decision.reason))
            }
            var acquisition = Acquisition(threadReference: reference, reentryIndex: nil, holdNode: holdNode, site: site)
            if !thread.isReporting && !knowsAllEdges(into: target, of: lock, thread: thread),
               let captured = slowPath(into: lock, target: target, thread: thread) {
                acquisition.scratchDepth = captured.depth
                acquisition.stackID = captured.id
            } else if thread.heldCount < ThreadState.observableDepth && lock.takeStackBudget() {
                // A stack the lock's budget asks for is captured now, before the raw lock is
                // taken: captured after, it would lengthen the hold and make others wait for it.
                let captured = thread.captureIntoScratchInterned(internIfUncached: false)
                acquisition.scratchDepth = captured.depth
                acquisition.stackID = captured.id
            }
            return acquisition
        }
    }

    /// The whole blocking acquisition of a mutex: checks, then `complete`.
    @inline(__always)
    static func acquire(_ lock: LockInfo, mutex: RawMutex, recursive: Bool, site: UInt? = nil) {
        // A lock created while tracking was off is a plain lock for life (its pthread type was
        // chosen then): no global state, no thread-local lookup.
        guard lock.isRegistered else {
            mutex.lock()
            return
        }
        complete(lock, beginAcquire(lock, recursive: recursive, site: site), tryLock: { mutex.tryLock() }, lock: { mutex.lock() })
    }

    /// Takes the raw lock after `beginAcquire`: one try-lock, and only when that fails is the
    /// wait published (for the watchdog and the dump) before blocking; then the held-lock
    /// bookkeeping and statistics.
    @inline(__always)
    static func complete(_ lock: LockInfo, _ acquisition: Acquisition, tryLock: () -> Bool, lock rawLock: () -> Void) {
        if acquisition.grantsWithoutRawLock {
            return finishAcquire(lock, acquisition)
        }
        var waited: UInt64?
        if !tryLock() {
            if let reference = acquisition.threadReference {
                waited = contendedLock(lock, thread: reference.takeUnretainedValue(), rawLock: rawLock)
            } else {
                rawLock()
            }
        }
        finishAcquire(lock, acquisition)
        if let statistics = lock.statistics, acquisition.reentryIndex == nil {
            count(statistics, waited: waited)
        }
    }

    /// The lock is taken: publish the wait (for the watchdog and the dump), then block.
    @inline(never)
    private static func contendedLock(_ lock: LockInfo, thread: ThreadState, rawLock: () -> Void) -> UInt64 {
        Watchdog.shared.ensureStarted()
        thread.beginWait(for: lock.id, kind: .acquiring)
        rawLock()
        return finishWait(thread, lock)
    }

    /// Call after the raw lock was taken following `beginAcquire`.
    @inline(__always)
    static func finishAcquire(_ lock: LockInfo, _ acquisition: Acquisition) {
        guard let reference = acquisition.threadReference else { return }
        reference._withUnsafeGuaranteedRef { thread in
            if let index = acquisition.reentryIndex {
                if acquisition.grantsWithoutRawLock {
                    thread.addVirtualLevel(at: index)
                } else {
                    thread.incrementRecursion(at: index)
                }
            } else {
                thread.push(lock, node: acquisition.holdNode, capturedStack: nil,
                            stackID: acquisition.stackID, site: acquisition.site,
                            scratchDepth: acquisition.scratchDepth, budgetChecked: true)
            }
        }
    }

    /// Call after a successful try-acquisition (`tryLock`, `lock(before:)`): the lock is held
    /// and later edges out of it are recorded, but no edge into it, since a try cannot block.
    @inline(__always)
    static func didTryAcquire(_ lock: LockInfo, holdNode: UInt64? = nil) {
        guard lock.isRegistered, let reference = currentThreadReference() else { return }
        let site = ThreadState.callSite()
        reference._withUnsafeGuaranteedRef { thread in
            if let index = thread.indexOfHeld(lock.id) {
                thread.incrementRecursion(at: index)
            } else {
                thread.push(lock, node: holdNode ?? lock.id, capturedStack: nil, site: site)
                if let statistics = lock.statistics { count(statistics, waited: nil) }
            }
        }
    }

    /// Releases `lock` through `rawUnlock`. When LockGraph does not record the caller as a holder,
    /// `rawUnlock`'s result decides: 0 means the thread did own it (taken while tracking was off),
    /// anything else (`EPERM`: it does not own the lock) is reported as an invalid unlock.
    ///
    /// Once a held lock's raw unlock returns, nothing of `lock` is read: another thread may then
    /// lawfully destroy the lock (an interposed pthread mutex, whose `LockInfo` the interposer's
    /// table then drops), so the caller need not keep `lock` alive past `rawUnlock`.
    @inline(__always)
    static func release(_ lock: LockInfo, rawUnlock: () -> Int32) {
        guard lock.isRegistered, let reference = currentThreadReference() else {
            // Released while tracking is off: a hold taken while it was on must not outlive the
            // lock as a phantom entry (the next acquisition would look reentrant).
            if lock.isRegistered { forgetHoldWhileOff(lock) }
            _ = rawUnlock()
            return
        }
        reference._withUnsafeGuaranteedRef { thread in
            guard let index = thread.indexOfHeld(lock.id) else {
                let result = rawUnlock()
                if result != 0 {
                    Reporter.submit(thread.invalidUnlockRequest(of: lock, detail: "it does not hold it"))
                }
                return
            }
            // A re-entry allowed to proceed took nothing of the raw lock: release nothing.
            if thread.releaseVirtualLevel(at: index) { return }
            // Unlock first: the bookkeeping below is thread-local, and doing it after the release
            // keeps the lock's hold time (and so contention) as short as with a plain lock. The
            // statistics are read before (see above: `lock` may be gone after the unlock).
            let statistics = lock.statistics
            _ = rawUnlock()
            if thread.held(at: index).recursion > 1 {
                thread.decrementRecursion(at: index)
            } else {
                let entry = thread.remove(at: index)
                if let statistics, entry.acquiredAt != 0 {
                    countHold(statistics, since: entry.acquiredAt)
                }
            }
        }
    }

    /// Records the edges from every lock the thread holds into `lock`, as a blocking acquisition
    /// would, without acquiring anything (used before a condition wait re-acquires its lock).
    static func checkOrder(into lock: LockInfo, thread: ThreadState) {
        if !thread.isReporting && !knowsAllEdges(into: lock.id, of: lock, thread: thread) {
            _ = slowPath(into: lock, target: lock.id, thread: thread)
        }
    }

    /// One probe in steady state: the held stack's chain key with the target node. A chain
    /// is remembered only once every edge from it is known (with its guards settled for this
    /// exact held set), so the next time is one probe.
    @inline(__always)
    static func knowsAllEdges(into target: UInt64, of lock: LockInfo, thread: ThreadState) -> Bool {
        let chain = thread.topChain
        if chain == 0 || thread.hot.pointee.knownChains.contains(from: chain, to: target) { return true }
        guard !hasUnknownEdge(into: target, of: lock, thread: thread) else { return false }
        thread.hot.pointee.knownChains.insert(from: chain, to: target)
        return true
    }

    /// True when some held node's edge into `target` is not in the thread's cache. The cache
    /// holds only edges without guards (see `EdgeRecord.guards`): a guarded edge taken under a
    /// new held set must reach the graph, which narrows its guards.
    @inline(__always)
    static func hasUnknownEdge(into target: UInt64, of lock: LockInfo, thread: ThreadState) -> Bool {
        let hot = thread.hot
        let held = hot.pointee.held
        for index in 0..<hot.pointee.heldCount {
            let entry = held[index]
            if entry.id != lock.id && !hot.pointee.knownEdges.contains(from: entry.node, to: target) { return true }
        }
        return false
    }

    /// The calling thread's entry for `lock`, if it has one, dropped without any check: a
    /// release while tracking is off (see `release`). Creates no thread state.
    @inline(never)
    static func forgetHoldWhileOff(_ lock: LockInfo) {
        guard let thread = ThreadState.existingCurrent, let index = thread.indexOfHeld(lock.id) else { return }
        if thread.releaseVirtualLevel(at: index) { return }
        if thread.held(at: index).recursion > 1 {
            thread.decrementRecursion(at: index)
        } else {
            thread.remove(at: index)
        }
    }

    /// Whether a reentrant acquire of a non-recursive lock, once reported, proceeds as if the
    /// lock were recursive instead of terminating the process: `LOCKGRAPH_ON_REENTRANT`, or by
    /// default inside a LockGraph test scope (the current task's or thread's, or the lock's own
    /// when it was created in a test), where the report fails that test and the other tests of
    /// the run keep their own results.
    static func reentryProceeds(for lock: LockInfo) -> Bool {
        switch Configuration.settings.onReentrant {
        case .abort: false
        case .continue: true
        case .continueInTests: ViolationScope.current != nil || lock.scope != nil
        }
    }
}
