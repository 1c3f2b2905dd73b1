import Foundation

/// A condition variable with its own lock, shaped like `NSCondition`.
///
/// `lock()`/`unlock()` are tracked like ``TrackedMutex``. ``wait()`` releases the lock while
/// waiting and re-acquires it on wake-up with the ordinary order checks. Calling `wait` without
/// holding the lock is reported as ``LockViolation/Kind/invalidUnlock`` and returns at once
/// (callers re-check their predicate in a loop, as with any condition variable).
///
/// ``init(lock:)`` makes a condition that waits with an existing ``TrackedMutex`` instead, as
/// `pthread_cond_wait` does with any mutex (and NIO's `ConditionLock` with its `NIOLock`): then
/// `lock()`, `unlock()` and `wait()` act on that mutex, and reports name it.
public final class TrackedCondition: TrackedLocking, @unchecked Sendable {
    /// The lock the condition waits with: its own, or the bound mutex's.
    let info: LockInfo
    let mutex: RawMutex
    let condition = RawCondition(monotonic: false)
    /// The mutex given to ``init(lock:)``, kept alive as long as the condition; nil when the
    /// condition owns its lock (then `deinit` destroys that lock).
    private let boundMutex: TrackedMutex?

    /// Creates a condition with its own lock. `name` appears in reports; without one, the
    /// creation site does.
    public init(name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
        info = LockInfo(name: name, file: file, line: line, type: "TrackedCondition")
        mutex = RawMutex(recursive: false)
        boundMutex = nil
        Tracking.register(info)
    }

    /// Creates a condition that waits with `lock`: `wait()` must be called holding `lock`,
    /// releases it while waiting and re-acquires it (with the ordinary order checks), exactly as
    /// for a condition with its own lock. `lock()`/`unlock()` on the condition take and release
    /// `lock`. Any number of conditions may share one mutex.
    public init(lock: TrackedMutex) {
        info = lock.info
        mutex = lock.mutex
        boundMutex = lock
    }

    deinit {
        if boundMutex != nil {
            // The mutex belongs to the TrackedMutex, which outlives this reference.
            condition.destroy()
        } else if Tracking.destroy(info, raw: mutex) {
            // A condition whose mutex is leaked (held by another thread) is leaked with it.
            condition.destroy()
        }
    }

    /// Blocks until the condition's lock is acquired.
    public func lock() {
        Tracking.acquire(info, mutex: mutex, recursive: false)
    }

    /// Releases the condition's lock; reported as an invalid unlock if the thread does not hold it.
    public func unlock() {
        Tracking.release(info) { mutex.unlock() }
    }

    /// Releases the lock, waits for a signal (or a spurious wake-up), re-acquires the lock.
    ///
    /// Waiting while the thread holds another tracked lock is reported once (per condition and
    /// set of held locks) as ``LockViolation/Kind/waitWhileHolding``: that lock stays held while
    /// the thread sleeps, so a signaller that needs it never signals. Pass
    /// `allowingHeldLocks: true` for a deliberate wait whose signaller never needs them.
    public func wait(allowingHeldLocks: Bool = false) {
        _ = Tracking.wait(info, mutex: mutex, condition: condition, deadline: nil, allowingHeldLocks: allowingHeldLocks)
    }

    /// Like ``wait(allowingHeldLocks:)``, giving up at `limit`. Returns false if the time passed
    /// without a signal (at once for a past `limit`).
    public func wait(until limit: Date, allowingHeldLocks: Bool = false) -> Bool {
        Tracking.wait(info, mutex: mutex, condition: condition, deadline: timespec(wallClock: limit),
                      allowingHeldLocks: allowingHeldLocks) == .signalled
    }

    /// Wakes one waiting thread.
    public func signal() { condition.signal() }

    /// Wakes every waiting thread.
    public func broadcast() { condition.broadcast() }

}
