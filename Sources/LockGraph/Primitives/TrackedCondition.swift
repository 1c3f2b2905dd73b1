import Foundation

/// A condition variable with its own lock, shaped like `NSCondition`.
///
/// `lock()`/`unlock()` are tracked like ``TrackedMutex``. ``wait()`` releases the lock while
/// waiting and re-acquires it on wake-up with the ordinary order checks. Calling `wait` without
/// holding the lock is reported as ``LockViolation/Kind/invalidUnlock`` and returns at once
/// (callers re-check their predicate in a loop, as with any condition variable).
public final class TrackedCondition: TrackedLocking, @unchecked Sendable {
    let info: LockInfo
    let mutex = RawMutex(recursive: false)
    let condition = RawCondition(monotonic: false)

    /// Creates a condition. `name` appears in reports; without one, the creation site does.
    public init(name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
        info = LockInfo(name: name, file: file, line: line, type: "TrackedCondition")
        Tracking.register(info)
    }

    deinit {
        if Tracking.destroy(info, mutex: mutex) {
            condition.destroy()
            mutex.destroy()
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
