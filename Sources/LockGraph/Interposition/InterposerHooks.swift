#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

// The hooks the LD_PRELOAD interposer (`CLockGraphPreload`, product `LockGraphPreload`) calls
// for each pthread mutex call of the program. Contract (see lockgraph_preload.h): each runs
// with the calling thread's interposer guard set, so every pthread call made inside (LockGraph's
// own locks, the Swift runtime's, malloc's) passes straight through; the program's mutex itself
// is only ever taken through `lockgraph_real`, never through the interposed symbol.
//
// Each maps the mutex to its `InterposedMutex` and drives the ordinary tracking protocol, as a
// tracked type does, so every report kind, the watchdog and the dump work for it. They live in
// the LockGraph module because they use its internal tracking calls; nothing calls them unless
// the interposer library is loaded.

/// Set-up, before this instance's first hook call: from the interposer's constructor for the
/// library's own copy of LockGraph, or at attach for a program's copy (see hook_table.c).
@_cdecl("lockgraph_hook_install")
func lockgraphHookInstall(ownLow: UInt, ownHigh: UInt, wrapperLow: UInt, wrapperHigh: UInt) {
    InterposedNaming.ownText = ownLow..<max(ownLow, ownHigh)
    InterposedNaming.wrapperText = wrapperLow..<max(wrapperLow, wrapperHigh)
    // The call-site walk steps over LockGraph, the interposer functions, then the wrappers, to
    // the user's call. Located first, so the lazy symbol-table range does not later replace the
    // one set here.
    InternalCode.locate()
    if InterposedNaming.ownText.contains(InternalCode.probeAddress) {
        // The library's own copy: the whole library (LockGraph and the interposer) is internal.
        lockgraph_set_internal_text(ownLow, ownHigh)
    } else {
        // A program's copy: its LockGraph code stays internal; the library's frames (the
        // interposer functions) are stepped over like a wrapper's.
        lockgraph_add_wrapper_text(ownLow, ownHigh)
    }
    lockgraph_add_wrapper_text(wrapperLow, wrapperHigh)
}

@_cdecl("lockgraph_hook_mutex_init")
func lockgraphHookMutexInit(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, _ attributes: UnsafePointer<pthread_mutexattr_t>?) -> Int32 {
    let result = lockgraph_real_mutex_init(mutex, attributes)
    if result == 0 && !Configuration.isOff { InterposedMutexes.initialised(mutex) }
    return result
}

@_cdecl("lockgraph_hook_mutex_lock")
func lockgraphHookMutexLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> Int32 {
    guard !Configuration.isOff else { return lockgraph_real_mutex_lock(mutex) }
    // Unretained (see `InterposedMutexes.cached`): the mutex cannot be destroyed while this
    // call is about to lock it, nor once this thread holds it.
    return InterposedMutexes.cached(mutex)._withUnsafeGuaranteedRef { entry in
        // The steady state first (see `Tracking.lockKnown`): a normal or error-checking mutex's
        // try-lock fails when this thread holds it, so a re-lock falls through to the checks.
        if entry.kind != .recursive && Tracking.lockKnown(entry.info, tryLock: { _ in lockgraph_real_mutex_trylock(mutex) == 0 }) {
            return 0
        }
        // An error-checking mutex re-locked by its holder fails with EDEADLK instead of hanging:
        // the program sees the error, as without LockGraph.
        if entry.kind == .errorCheck && holdsCurrently(entry.info) { return lockgraph_real_mutex_lock(mutex) }
        var result: Int32 = 0
        Tracking.complete(entry.info, Tracking.beginAcquire(entry.info, recursive: entry.kind == .recursive),
                          tryLock: { lockgraph_real_mutex_trylock(mutex) == 0 },
                          lock: { result = lockgraph_real_mutex_lock(mutex) })
        return result
    }
}

@_cdecl("lockgraph_hook_mutex_trylock")
func lockgraphHookMutexTryLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> Int32 {
    let result = lockgraph_real_mutex_trylock(mutex)
    // A try cannot block: it adds no edge into the mutex, only the hold.
    if result == 0 && !Configuration.isOff {
        InterposedMutexes.cached(mutex)._withUnsafeGuaranteedRef { Tracking.didTryAcquire($0.info) }
    }
    return result
}

@_cdecl("lockgraph_hook_mutex_timedlock")
func lockgraphHookMutexTimedLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, _ deadline: UnsafePointer<timespec>?) -> Int32 {
    timedLockInterposed(mutex) { lockgraph_real_mutex_timedlock(mutex, deadline) }
}

@_cdecl("lockgraph_hook_mutex_clocklock")
func lockgraphHookMutexClockLock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, _ clock: clockid_t, _ deadline: UnsafePointer<timespec>?) -> Int32 {
    timedLockInterposed(mutex) { lockgraph_real_mutex_clocklock(mutex, clock, deadline) }
}

/// A timed lock (`pthread_mutex_timedlock`, `pthread_mutex_clocklock`) through `rawTimedLock`.
/// It can give up, like a try: no edge into the mutex, only the hold once taken.
private func timedLockInterposed(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, rawTimedLock: () -> Int32) -> Int32 {
    guard !Configuration.isOff else { return rawTimedLock() }
    let entry = InterposedMutexes.entry(for: mutex)
    // The holder's timed re-lock of a normal mutex can only time out: reported, not fatal.
    if entry.kind == .normal { Tracking.beforeTimedAcquire(entry.info) }
    let result = rawTimedLock()
    if result == 0 { Tracking.didTryAcquire(entry.info) }
    return result
}

@_cdecl("lockgraph_hook_mutex_unlock")
func lockgraphHookMutexUnlock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> Int32 {
    // A mutex never seen locked through the hooks (taken before the interposer was ready) has
    // no entry: nothing to release in the graph.
    guard !Configuration.isOff, let reference = InterposedMutexes.cachedIfKnown(mutex) else {
        return lockgraph_real_mutex_unlock(mutex)
    }
    // Unretained: once the mutex is free another thread may lawfully destroy it (the table then
    // drops the entry), and `Tracking.release` reads nothing of the lock after the raw unlock.
    return reference._withUnsafeGuaranteedRef { entry in
        Tracking.unlockKnown(entry.info) { lockgraph_real_mutex_unlock(mutex) }
            ?? releaseInterposed(entry.info) { lockgraph_real_mutex_unlock(mutex) }
    }
}

/// `Tracking.release` through `rawUnlock`, returning the raw unlock's result to the program.
@inline(__always)
func releaseInterposed(_ lock: LockInfo, rawUnlock: () -> Int32) -> Int32 {
    var result: Int32 = 0
    Tracking.release(lock) {
        result = rawUnlock()
        return result
    }
    return result
}

@_cdecl("lockgraph_hook_mutex_destroy")
func lockgraphHookMutexDestroy(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) -> Int32 {
    guard let entry = InterposedMutexes.remove(mutex) else { return lockgraph_real_mutex_destroy(mutex) }
    // Reports a mutex destroyed while held; leaves one held by another thread undestroyed
    // (EBUSY, as glibc answers for a locked mutex).
    return Tracking.destroy(entry.info, raw: InterposedRawMutex(pointer: mutex)) ? 0 : EBUSY
}

/// Whether the calling thread holds `lock` according to the graph.
private func holdsCurrently(_ lock: LockInfo) -> Bool {
    currentHold(of: lock) != nil
}

/// The calling thread's hold of `lock` according to the graph, if any. The thread state is used
/// unretained (it lives as long as its thread): no reference count on an interposed call.
/// Inlined: the acquisition that follows loads the same thread state.
@inline(__always)
func currentHold(of lock: LockInfo) -> HeldLock? {
    Tracking.currentThreadReference()?._withUnsafeGuaranteedRef { thread in
        thread.indexOfHeld(lock.id).map { thread.held(at: $0) }
    }
}
