#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// The steady state of a non-recursive mutex, in straight-line code: an acquisition whose order
/// edges are all known and that keeps no stack, and the release of the lock the thread took
/// last. Anything else (a lock created while tracking was off, a first edge, a stack the lock's budget asks for, contention, re-entry,
/// statistics, a reset cache, a thread delivering a report, a thread without state yet) returns
/// false before changing anything, and the caller takes the general protocol (`beginAcquire`,
/// `complete`, `release`), which decides the same cases with every check.
///
/// Why this is sound without the general path's re-entry scan: the raw mutex is not recursive,
/// so a successful try-lock proves no thread held it, this one included; a failed try-lock
/// (held elsewhere, or by this thread: re-entry) falls back before anything is recorded. The
/// known-chain probe is the general path's own test (`knowsAllEdges`); a chain absent from the
/// cache falls back, and the general path inserts it once every edge is known.
///
/// Cost: one thread-local load, the mode, the lock's statistics and stack-budget words, the
/// call site (one load from the caller's frame), the chain probe when something is held, the
/// try-lock, and the push (the entry, its id and coarse time stamp for observers, the count
/// published with a releasing store). The release: the thread-local load, the top entry's id
/// and depth, the unlock, the count.
extension Tracking {
    /// Takes the non-recursive `lock` through `tryLock` (its raw try-lock, given the calling
    /// thread's id: true when taken) and records the hold, when this is the steady state
    /// described above. Returns false, having taken and recorded nothing, otherwise. `tryLock`
    /// must fail when the calling thread holds the raw lock (a non-recursive mutex's try-lock does).
    @inline(__always)
    static func lockKnown(_ lock: LockInfo, tryLock: (_ threadID: Int) -> Bool) -> Bool {
        // `isOffOnceRead` after `isRegistered`: registering the lock read the mode.
        guard lock.isRegistered, let state = lockgraph_thread_state_get(), lock.statistics == nil, !Configuration.isOffOnceRead else {
            return false
        }
        // Taken directly on the acquisition path, as in `beginAcquire` (see `callSite()`).
        let site = ThreadState.callSite()
        return Unmanaged<ThreadState>.fromOpaque(state)._withUnsafeGuaranteedRef { thread in
            guard thread.admitsKnownAcquire(of: lock), tryLock(thread.threadID) else { return false }
            thread.pushKnown(lock, site: site)
            return true
        }
    }

    /// Releases `lock` through `rawUnlock` and drops the hold, when it is the calling thread's
    /// last-taken entry, held once, without statistics; returns the raw unlock's result. Returns
    /// nil, having done nothing, otherwise (the caller takes `release`).
    @inline(__always)
    static func unlockKnown(_ lock: LockInfo, rawUnlock: () -> Int32) -> Int32? {
        guard let state = lockgraph_thread_state_get(), lock.statistics == nil else { return nil }
        return Unmanaged<ThreadState>.fromOpaque(state)._withUnsafeGuaranteedRef { thread in
            guard thread.topIsSingleHold(of: lock.id) else { return nil }
            // Unlock first, as `release` does: the bookkeeping below is the thread's own, and
            // nothing of `lock` is read after the raw unlock.
            let result = rawUnlock()
            thread.popKnown()
            return result
        }
    }

    /// The blocking acquisition of a non-recursive mutex: the steady state inline, everything
    /// else through `acquireInGeneral`.
    @inline(__always)
    static func acquireNonRecursive(_ lock: LockInfo, mutex: RawMutex) {
        if !lockKnown(lock, tryLock: { mutex.tryLock(threadID: $0) }) {
            // The site taken here, inline in the user's call: `acquireInGeneral` runs out of line.
            acquireInGeneral(lock, mutex: mutex, site: lock.isRegistered ? ThreadState.callSite() : 0)
        }
    }

    /// The release of a mutex: the steady state inline, everything else through `releaseInGeneral`.
    @inline(__always)
    static func release(_ lock: LockInfo, mutex: RawMutex) {
        if unlockKnown(lock, rawUnlock: { mutex.unlock() }) == nil {
            releaseInGeneral(lock, mutex: mutex)
        }
    }

    /// Out of line, so the steady state's caller keeps a small frame.
    @inline(never)
    static func acquireInGeneral(_ lock: LockInfo, mutex: RawMutex, site: UInt) {
        acquire(lock, mutex: mutex, recursive: false, site: site)
    }

    /// `unlockIfOwned`: `release` calls it for a hold it did not record too, whose owner only
    /// glibc knows.
    @inline(never)
    static func releaseInGeneral(_ lock: LockInfo, mutex: RawMutex) {
        release(lock) { mutex.unlockIfOwned() }
    }
}
