import Foundation

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
        Tracking.unregister(info)
        mutex.destroy()
    }

    /// Runs `body` with exclusive access to the value and returns its result.
    public func withLockedValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        Tracking.acquire(info, mutex: mutex, recursive: false)
        defer { Tracking.release(info) { mutex.unlock() } }
        return try body(&value)
    }
}

extension TrackedLockedValueBox: @unchecked Sendable where Value: Sendable {}
