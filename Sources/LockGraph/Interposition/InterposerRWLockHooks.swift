#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// The interposed reader-writer locks by address, each a reader-writer `LockInfo` (the graph's
/// read and write nodes, as for `TrackedRWLock`). Same reuse invariant as `InterposedMutexes`:
/// `pthread_rwlock_destroy` forgets the identity, `pthread_rwlock_init` gives the address a new
/// one, and a lock first seen without an init call gets one at its first acquisition; each
/// bumps the address's epoch, so no thread's cache (`ThreadCachedTable`) keeps the old one.
enum InterposedRWLocks: ThreadCachedTable {
    private static let table = AddressTable<LockInfo>(shardCount: 16)

    static var cacheKind: lockgraph_cache_kind { LOCKGRAPH_CACHE_RWLOCK }

    static func entry(for rwlock: UnsafeMutablePointer<pthread_rwlock_t>) -> LockInfo {
        let entry = table.entry(UInt(bitPattern: rwlock)) { make() }
        if entry.created { Tracking.register(entry.value) }
        return entry.value
    }

    static func lookup(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>) -> LockInfo? {
        table.lookup(UInt(bitPattern: rwlock))
    }

    static func initialised(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>) {
        let created = make()
        let address = UInt(bitPattern: rwlock)
        if let stale = table.replace(address, with: created) {
            lockgraph_mutex_epoch_bump(address)
            Tracking.unregister(stale)
        }
        Tracking.register(created)
    }

    static func remove(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>) -> LockInfo? {
        let address = UInt(bitPattern: rwlock)
        let removed = table.remove(address)
        if removed != nil { lockgraph_mutex_epoch_bump(address) }
        return removed
    }

    private static func make() -> LockInfo {
        InterposedNaming.newLock(defaultKind: .pthreadRWLock)
    }
}

// The interposer's hooks for pthread reader-writer locks (same contract as the mutex hooks).
// glibc's default rwlock prefers readers, which is the rule `TrackedRWLock` checks: readers
// never wait for readers, so a cycle of read acquisitions alone is no inversion.

@_cdecl("lockgraph_hook_rwlock_init")
func lockgraphHookRWLockInit(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>, _ attributes: UnsafePointer<pthread_rwlockattr_t>?) -> Int32 {
    let result = lockgraph_real_rwlock_init(rwlock, attributes)
    if result == 0 && !Configuration.isOff { InterposedRWLocks.initialised(rwlock) }
    return result
}

@_cdecl("lockgraph_hook_rwlock_lock")
func lockgraphHookRWLockLock(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>, _ write: Int32, _ clock: Int32,
                             _ deadline: UnsafePointer<timespec>?) -> Int32 {
    guard !Configuration.isOff else { return lockgraph_real_rwlock_lock(rwlock, write, clock, deadline) }
    // Unretained (see `ThreadCachedTable.cached`): the lock cannot be destroyed while this call
    // is about to take it.
    return InterposedRWLocks.cached(rwlock)._withUnsafeGuaranteedRef { info in
        let readOut = LockNode.make(info.id, .readOut)
        let holdNode = write != 0 ? LockNode.make(info.id, .writeOut) : readOut
        // Its writer asking again, in either mode: glibc answers EDEADLK, as without LockGraph.
        if let hold = currentHold(of: info), hold.node != readOut {
            return lockgraph_real_rwlock_lock(rwlock, write, clock, deadline)
        }
        // A timed acquisition (on the lock's clock or a chosen one) can give up: like a try, no
        // edge into the lock, only the hold.
        if deadline != nil {
            let result = lockgraph_real_rwlock_lock(rwlock, write, clock, deadline)
            if result == 0 { Tracking.didTryAcquire(info, holdNode: holdNode) }
            return result
        }
        // Held for reading by this thread: another read re-enters (glibc allows it); a write is an
        // upgrade, which waits for every reader, this one included (reported, then fatal).
        let acquisition = Tracking.beginAcquire(info, target: LockNode.make(info.id, write != 0 ? .writeIn : .readIn), holdNode: holdNode) { _ in
            write != 0 ? (false, "write lock requested while holding the read lock: an upgrade waits for every reader, itself included") : (true, nil)
        }
        var result: Int32 = 0
        Tracking.complete(info, acquisition, tryLock: { lockgraph_real_rwlock_trylock(rwlock, write) == 0 },
                          lock: { result = lockgraph_real_rwlock_lock(rwlock, write, -1, nil) })
        return result
    }
}

@_cdecl("lockgraph_hook_rwlock_trylock")
func lockgraphHookRWLockTryLock(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>, _ write: Int32) -> Int32 {
    let result = lockgraph_real_rwlock_trylock(rwlock, write)
    if result == 0 && !Configuration.isOff {
        InterposedRWLocks.cached(rwlock)._withUnsafeGuaranteedRef { info in
            Tracking.didTryAcquire(info, holdNode: LockNode.make(info.id, write != 0 ? .writeOut : .readOut))
        }
    }
    return result
}

@_cdecl("lockgraph_hook_rwlock_unlock")
func lockgraphHookRWLockUnlock(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>) -> Int32 {
    guard !Configuration.isOff, let reference = InterposedRWLocks.cachedIfKnown(rwlock) else { return lockgraph_real_rwlock_unlock(rwlock) }
    // Unretained: `Tracking.release` reads nothing of the lock after the raw unlock.
    return reference._withUnsafeGuaranteedRef { info in releaseInterposed(info) { lockgraph_real_rwlock_unlock(rwlock) } }
}

@_cdecl("lockgraph_hook_rwlock_destroy")
func lockgraphHookRWLockDestroy(_ rwlock: UnsafeMutablePointer<pthread_rwlock_t>) -> Int32 {
    guard let info = InterposedRWLocks.remove(rwlock) else { return lockgraph_real_rwlock_destroy(rwlock) }
    return Tracking.destroy(info, raw: InterposedRawRWLock(pointer: rwlock)) ? 0 : EBUSY
}

/// The program's rwlock driven through the real functions, for `Tracking.destroy`.
struct InterposedRawRWLock: RawLock, @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_rwlock_t>

    func tryLockExclusively() -> Bool { lockgraph_real_rwlock_trylock(pointer, 1) == 0 }

    @discardableResult func unlock() -> Int32 { lockgraph_real_rwlock_unlock(pointer) }

    func destroy() { _ = lockgraph_real_rwlock_destroy(pointer) }
}
