import Foundation

/// A value protected by a tracked lock, shaped like `NIOLockedValueBox`.
///
/// Threads: any thread may use the box; the value is read and written only by the thread that
/// holds its lock (inside ``withLockedValue(_:)``, or between `unsafe.lock()` and
/// `unsafe.unlock()`), and that thread alone may unlock it, as for ``TrackedMutex``.
public final class TrackedLockedValueBox<Value> {
    let info: LockInfo
    let mutex = RawMutex(recursive: false)
    /// Read and written only with `mutex` held (by `withLockedValue`, or by the caller of
    /// ``Unsafe/withValueAssumingLockIsAcquired(_:)``).
    fileprivate var value: Value

    /// Wraps `value`. `name` appears in reports; without one, the creation site does.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(_ value: Value, name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        self.value = value
        info = LockInfo(name: name, file: file, line: line, kind: .lockedValueBox, creationSite: creationSite)
        Tracking.register(info)
    }

    deinit {
        // Held only inside `withLockedValue` (which keeps the box alive) or through `unsafe`
        // (whose view keeps it alive too, but a caller can lock, then drop both): retired the
        // same way as every tracked lock.
        Tracking.destroy(info, raw: mutex)
    }

    /// Runs `body` with exclusive access to the value and returns its result.
    public func withLockedValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        Tracking.acquireNonRecursive(info, mutex: mutex)
        defer { Tracking.release(info, mutex: mutex) }
        return try body(&value)
    }
}

extension TrackedLockedValueBox {
    /// A view of the lock and the value for code that must lock and unlock by hand, shaped
    /// like `NIOLockedValueBox.unsafe`.
    public var unsafe: Unsafe { Unsafe(box: self) }

    /// See ``TrackedLockedValueBox/unsafe``. `lock()` and `unlock()` are tracked exactly as
    /// `withLockedValue` is (order, re-entry, an unlock by a thread that does not hold it).
    public struct Unsafe {
        let box: TrackedLockedValueBox<Value>

        /// Blocks until the box's lock is acquired.
        public func lock() {
            Tracking.acquireNonRecursive(box.info, mutex: box.mutex)
        }

        /// Releases the box's lock; reported as an invalid unlock (and ignored) if the thread
        /// does not hold it.
        public func unlock() {
            Tracking.release(box.info, mutex: box.mutex)
        }

        /// Runs `mutate` on the value without locking. The caller must hold the lock (taken with
        /// ``lock()``); as with NIO, this is not checked.
        public func withValueAssumingLockIsAcquired<Result>(_ mutate: (_ value: inout Value) throws -> Result) rethrows -> Result {
            try mutate(&box.value)
        }
    }
}

extension TrackedLockedValueBox: @unchecked Sendable where Value: Sendable {}

extension TrackedLockedValueBox.Unsafe: @unchecked Sendable where Value: Sendable {}
