#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

// The interposer's hooks for pthread condition variables (same contract as the mutex hooks in
// InterposerHooks.swift: each runs under the thread's interposer guard, and the program's
// condition and mutex are only touched through `lockgraph_real`).
//
// A wait releases its mutex in the graph for the wait's duration (an `NSCondition` waiter does
// not hold its lock while it sleeps) and re-takes it with the ordinary checks; it is the
// evidence-based wait rule's `H -> signal` for every other lock H the waiter holds. A signal or
// broadcast is its `signal -> L` for every lock L the signaller holds. A condition's identity is
// a `LockInfo` per address (`InterposedConditions`).

@_cdecl("lockgraph_hook_cond_init")
func lockgraphHookCondInit(_ condition: UnsafeMutablePointer<pthread_cond_t>, _ attributes: UnsafePointer<pthread_condattr_t>?) -> Int32 {
    let result = lockgraph_real_cond_init(condition, attributes)
    if result == 0 && !Configuration.isOff { InterposedConditions.initialised(condition) }
    return result
}

@_cdecl("lockgraph_hook_cond_wait")
func lockgraphHookCondWait(_ condition: UnsafeMutablePointer<pthread_cond_t>, _ mutex: UnsafeMutablePointer<pthread_mutex_t>,
                           _ clock: Int32, _ deadline: UnsafePointer<timespec>?) -> Int32 {
    let wait = {
        if let deadline { return lockgraph_real_cond_deadline_wait(condition, mutex, clock, deadline) }
        return lockgraph_real_cond_wait(condition, mutex)
    }
    guard !Configuration.isOff, let reference = InterposedMutexes.cachedIfKnown(mutex), let thread = Tracking.currentThread() else {
        return wait()
    }
    return reference._withUnsafeGuaranteedRef { entry in
        // A mutex the graph does not see held (taken before the interposer was ready) has nothing
        // to release; a recursive one held more than once stays held through the wait (pthread
        // releases only the last level), so the graph leaves it held too.
        guard let index = thread.indexOfHeld(entry.info.id), thread.held(at: index).recursion == 1 else { return wait() }
        return Tracking.waitReleasing(entry.info, at: index, thread: thread, signal: InterposedConditions.identity(of: condition),
                                      allowingHeldLocks: false, body: wait)
    }
}

@_cdecl("lockgraph_hook_cond_signal")
func lockgraphHookCondSignal(_ condition: UnsafeMutablePointer<pthread_cond_t>, _ broadcast: Int32) -> Int32 {
    if !Configuration.isOff { Tracking.signalled(InterposedConditions.identity(of: condition)) }
    return broadcast != 0 ? lockgraph_real_cond_broadcast(condition) : lockgraph_real_cond_signal(condition)
}

@_cdecl("lockgraph_hook_cond_destroy")
func lockgraphHookCondDestroy(_ condition: UnsafeMutablePointer<pthread_cond_t>) -> Int32 {
    InterposedConditions.forget(condition)
    return lockgraph_real_cond_destroy(condition)
}
