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
        // A condition whose mutex is leaked (held by another thread) is leaked with it.
        if Tracking.destroy(info, raw: mutex) { condition.destroy() }
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

/// A value protected by a tracked lock, shaped like `NIOLockedValueBox`.
public final class TrackedLockedValueBox<Value> {
    let info: LockInfo
    let mutex = RawMutex(recursive: false)
    private var value: Value

    /// Wraps `value`. `name` appears in reports; without one, the creation site does.
    public init(_ value: Value, name: String? = nil, file: StaticString = #fileID, line: UInt = #line) {
        self.value = value
        info = LockInfo(name: name, file: file, line: line, type: "TrackedLockedValueBox")
        Tracking.register(info)
    }

    deinit {
        // The lock is only ever held inside `withLockedValue`, which keeps the box alive, so it
        // cannot be destroyed while held; it is retired the same way as every tracked lock.
        Tracking.destroy(info, raw: mutex)
    }

    /// Runs `body` with exclusive access to the value and returns its result.
    public func withLockedValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        Tracking.acquire(info, mutex: mutex, recursive: false)
        defer { Tracking.release(info) { mutex.unlock() } }
        return try body(&value)
    }
}

extension TrackedLockedValueBox: @unchecked Sendable where Value: Sendable {}
