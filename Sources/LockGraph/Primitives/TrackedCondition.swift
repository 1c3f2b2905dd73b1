import Foundation

/// A condition variable with its own lock, shaped like `NSCondition`.
///
/// `lock()`/`unlock()` are tracked like ``TrackedMutex``. ``wait(allowingHeldLocks:)`` releases the lock while
/// waiting and re-acquires it on wake-up with the ordinary order checks. Calling `wait` without
/// holding the lock is reported as ``LockViolation/Kind/invalidUnlock`` and returns at once
/// (callers re-check their predicate in a loop, as with any condition variable).
///
/// ``init(lock:name:creationSite:file:line:)`` makes a condition that waits with an existing ``TrackedMutex`` instead, as
/// `pthread_cond_wait` does with any mutex (and NIO's `ConditionLock` with its `NIOLock`): then
/// `lock()`, `unlock()` and `wait()` act on that mutex, and reports name it.
///
/// Threads: the lock (its own, or the bound mutex) is owned as a ``TrackedMutex`` is; `wait`
/// is called by the owner, gives the hold up while it sleeps and takes it back on the same
/// thread. `signal()` and `broadcast()` may come from any thread, holding the lock or not.
public final class TrackedCondition: TrackedLocking, @unchecked Sendable {
    /// The lock the condition waits with: its own, or the bound mutex's.
    let info: LockInfo
    let mutex: RawMutex
    let condition = RawCondition(monotonic: false)
    /// The mutex given to ``init(lock:)``, kept alive as long as the condition; nil when the
    /// condition owns its lock (then `deinit` destroys that lock).
    private let boundMutex: TrackedMutex?
    /// The condition's own identity in the graph, whose signal node records who signals it
    /// holding what (see `Tracking.signalled`): `info` for a condition with its own lock, a
    /// lock-less identity of its own for one bound to a mutex (several may share the mutex).
    let signalInfo: LockInfo

    /// Creates a condition with its own lock. `name` appears in reports; without one, the
    /// creation site does.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        info = LockInfo(name: name, file: file, line: line, kind: .condition, creationSite: creationSite)
        mutex = RawMutex(recursive: false)
        boundMutex = nil
        signalInfo = info
        Tracking.register(info)
    }

    /// Creates a condition that waits with `lock`: `wait()` must be called holding `lock`,
    /// releases it while waiting and re-acquires it (with the ordinary order checks), exactly as
    /// for a condition with its own lock. `lock()`/`unlock()` on the condition take and release
    /// `lock`. Any number of conditions may share one mutex. `name` names the condition in
    /// wait reports; without one, the creation site does.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(lock: TrackedMutex, name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        info = lock.info
        mutex = lock.mutex
        boundMutex = lock
        signalInfo = LockInfo(name: name, file: file, line: line, kind: .condition, creationSite: creationSite)
        Tracking.register(signalInfo)
    }

    deinit {
        if boundMutex != nil {
            // The mutex belongs to the TrackedMutex, which outlives this reference.
            Tracking.unregister(signalInfo)
            condition.destroy()
        } else if Tracking.destroy(info, raw: mutex) {
            // A condition whose mutex is leaked (held by another thread) is leaked with it.
            condition.destroy()
        }
    }

    /// Blocks until the condition's lock is acquired.
    public func lock() {
        Tracking.acquireNonRecursive(info, mutex: mutex)
    }

    /// Releases the condition's lock; reported as an invalid unlock if the thread does not hold it.
    public func unlock() {
        Tracking.release(info, mutex: mutex)
    }

    /// Releases the lock, waits for a signal (or a spurious wake-up), re-acquires the lock.
    ///
    /// Waiting while the thread holds another tracked lock H is reported as
    /// ``LockViolation/Kind/waitWhileHolding`` when there is evidence that signalling needs H:
    /// some thread signalled this condition while holding H, or while holding a lock from which
    /// the order graph reaches H. H stays held while the thread sleeps, so such a signaller
    /// could never signal. With the evidence already seen, the report comes before the thread
    /// blocks; evidence seen later (a signal under H) is reported then. A wait with no evidence
    /// is not reported. `allowingHeldLocks: true` records nothing for this wait.
    public func wait(allowingHeldLocks: Bool = false) {
        _ = Tracking.wait(info, mutex: mutex, condition: condition, deadline: nil, signal: signalInfo,
                          allowingHeldLocks: allowingHeldLocks)
    }

    /// Like ``wait(allowingHeldLocks:)``, giving up at `limit`. Returns false if the time passed
    /// without a signal (at once for a past `limit`).
    public func wait(until limit: Date, allowingHeldLocks: Bool = false) -> Bool {
        Tracking.wait(info, mutex: mutex, condition: condition, deadline: timespec(wallClock: limit),
                      signal: signalInfo, allowingHeldLocks: allowingHeldLocks) == .signalled
    }

    /// Wakes one waiting thread. The locks the calling thread holds are recorded as what the
    /// signal needs (the evidence ``wait(allowingHeldLocks:)`` is judged by).
    public func signal() {
        Tracking.signalled(signalInfo)
        condition.signal()
    }

    /// Wakes every waiting thread; recorded like ``signal()``.
    public func broadcast() {
        Tracking.signalled(signalInfo)
        condition.broadcast()
    }

}
