#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who a lock or a violation belongs to, for test integrations (`LockGraphTesting`).
///
/// A scope is an opaque number chosen by the integration (one per running test). The current
/// scope is the task-local value if set (Swift Testing runs each test in its own task), else the
/// calling thread's scope (XCTest runs a test case synchronously on one thread). Each lock keeps
/// the scope that was current when it was created; a violation belongs to the scopes of its locks
/// or, when none has one, to the scope current on the thread that detected it.
@_spi(Integration)
public enum ViolationScope {
    @TaskLocal public static var taskScope: UInt64?

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The scope current on this task or thread, if any.
    public static var current: UInt64? {
        if let scope = taskScope { return scope }
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return UInt64(UInt(bitPattern: pointer))
    }

    /// Sets (or with nil clears) the calling thread's scope.
    public static func setThreadScope(_ scope: UInt64?) {
        let pointer = scope.flatMap { UnsafeMutableRawPointer(bitPattern: UInt($0)) }
        pthread_setspecific(threadKey, pointer)
    }
}

extension LockViolation {
    /// The scopes this violation belongs to (see ``ViolationScope``).
    @_spi(Integration)
    public var scopes: Set<UInt64> { attribution }
}
