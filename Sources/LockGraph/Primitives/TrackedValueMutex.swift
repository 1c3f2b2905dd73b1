/// A value protected by a tracked lock, shaped like `Synchronization.Mutex<Value>`, so that
///
///     typealias AppMutex<Value> = TrackedValueMutex<Value>   // Mutex<Value> in release
///
/// swaps in for code written against `Mutex`.
///
/// Same surface as `Mutex`: `init(_:)`, `withLock(_:)` (the body gets `inout` access and may
/// throw a typed error; its result is returned) and `withLockIfAvailable(_:)`. Like `Mutex` it
/// is noncopyable, and `Sendable` whatever its value.
///
/// The checks are those of ``TrackedMutex``: `withLock` records the order against every tracked
/// lock the thread holds (a cycle is reported as ``LockViolation/Kind/lockOrderInversion`` before
/// the thread blocks), and `withLock` on the thread already inside `withLock` of the same mutex
/// is reported as ``LockViolation/Kind/reentrantAcquire`` (a `Mutex` would deadlock or trap
/// there). `withLockIfAvailable` never blocks, so, like ``TrackedMutex/tryLock()``, it adds no
/// edge into this lock and returns nil when the lock is taken, by this thread or another.
///
/// Threads: any thread may call it; the value is touched only inside the body, by the thread
/// holding the lock, which releases it on the same thread before returning.
public struct TrackedValueMutex<Value: ~Copyable>: ~Copyable {
    @usableFromInline let storage: TrackedValueMutexStorage<Value>

    /// Creates a mutex protecting `initialValue`. `name` appears in reports; without one, the
    /// creation site does.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(_ initialValue: consuming sending Value, name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        storage = TrackedValueMutexStorage(initialValue, name: name, creationSite: creationSite, file: file, line: line)
    }

    /// Runs `body` with the lock held and exclusive access to the value; returns its result.
    /// The lock is released when `body` returns or throws.
    @inlinable
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        storage.lock.lock()
        defer { storage.lock.unlock() }
        return try body(&storage.value)
    }

    /// Runs `body` with the lock held if it is free right now, and returns its result; returns
    /// nil at once, without running `body`, if the lock is taken (by any thread).
    @inlinable
    public borrowing func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard storage.lock.tryLock() else { return nil }
        defer { storage.lock.unlock() }
        return try body(&storage.value)
    }
}

extension TrackedValueMutex: @unchecked Sendable where Value: ~Copyable {}

/// The lock and the value of a ``TrackedValueMutex``: a class, so the lock has a stable
/// identity (the graph's node) and the value a stable address while the struct is moved.
/// Only ``TrackedValueMutex`` touches `value`, and only with `lock` held.
public final class TrackedValueMutexStorage<Value: ~Copyable> {
    @usableFromInline let lock: TrackedMutex
    @usableFromInline var value: Value

    init(_ value: consuming sending Value, name: String?, creationSite: LockCreationSite, file: StaticString, line: UInt) {
        self.value = value
        lock = TrackedMutex(name: name, kind: .valueMutex, creationSite: creationSite, file: file, line: line)
    }
}

extension TrackedValueMutexStorage: @unchecked Sendable where Value: ~Copyable {}
