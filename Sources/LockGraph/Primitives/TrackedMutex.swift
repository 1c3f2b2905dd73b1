import Foundation

/// A non-recursive lock shaped like `NSLock` and `NIOLock`, whose every acquisition feeds the
/// global lock graph.
///
/// - Taking it while holding other tracked locks records the order; an order that closes a
///   cycle is reported as ``LockViolation/Kind/lockOrderInversion`` before the thread blocks.
/// - Taking it again on the thread that holds it is reported as
///   ``LockViolation/Kind/reentrantAcquire``. Outside a LockGraph test scope the process then
///   terminates (the thread could never proceed); inside one, the failing test is the report
///   and the acquisition proceeds as if the lock were recursive: nothing is acquired again, and
///   the matching `unlock()` releases nothing (`LOCKGRAPH_ON_REENTRANT` overrides both).
/// - `unlock()` by a thread that does not hold it is reported as
///   ``LockViolation/Kind/invalidUnlock`` and leaves the lock untouched.
///
/// The lock's identity is the object: swap it in with a typealias (see <doc:SwappingLocksIn>).
///
/// Threads: any thread may lock it; the thread that locked it is its owner until it unlocks,
/// and only the owner may unlock it (as for any pthread mutex). The lock keeps no mutable state
/// of its own besides the raw mutex: its stored properties are fixed at creation, and the hold
/// is recorded in the owner's per-thread state, which only that thread writes.
public final class TrackedMutex: TrackedLocking, @unchecked Sendable {
    /// Fixed at creation; shared read-only by every thread.
    let info: LockInfo
    let mutex = RawMutex(recursive: false)
    /// The raw mutex when this lock was created with tracking off (it is then a plain lock for
    /// life), so `lock()`/`unlock()` inline to a bare pthread call; nil when tracked.
    @usableFromInline let untrackedMutex: UnsafeMutablePointer<pthread_mutex_t>?

    /// Creates a lock. `name` appears in reports; without one, the creation site does.
    /// `subclass` separates nested locks of one class for ``LockMonitor/checksLockClasses``
    /// (for example the child in a parent-then-child nesting). `creationSite`: where the lock
    /// counts as created, for a lock made inside a wrapper type (see ``LockCreationSite``).
    public convenience init(name: String? = nil, subclass: String? = nil, creationSite: LockCreationSite = .initializerCall,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init(name: name, subclass: subclass, kind: .mutex, creationSite: creationSite, file: file, line: line)
    }

    /// A mutex whose reports call it a `kind` (a tracked type built on this one).
    init(name: String?, subclass: String? = nil, kind: LockKind, creationSite: LockCreationSite = .initializerCall,
         file: StaticString, line: UInt) {
        info = LockInfo(name: name, file: file, line: line, kind: kind, subclass: subclass, creationSite: creationSite)
        untrackedMutex = info.isRegistered ? nil : mutex.pointer
        Tracking.register(info)
    }

    deinit {
        Tracking.destroy(info, raw: mutex)
    }

    /// Blocks until the lock is acquired.
    @inlinable
    public func lock() {
        if let untrackedMutex {
            pthread_mutex_lock(untrackedMutex)
        } else {
            trackedLock()
        }
    }

    /// Releases the lock; reported as an invalid unlock (and ignored) if the thread does not hold it.
    @inlinable
    public func unlock() {
        if let untrackedMutex {
            pthread_mutex_unlock(untrackedMutex)
        } else {
            trackedUnlock()
        }
    }

    @usableFromInline
    func trackedLock() {
        Tracking.acquireNonRecursive(info, mutex: mutex)
    }

    @usableFromInline
    func trackedUnlock() {
        Tracking.release(info, mutex: mutex)
    }

    /// Acquires the lock if it is free; never blocks and adds no order edge into this lock.
    public func tryLock() -> Bool {
        guard mutex.tryLock() else { return false }
        Tracking.didTryAcquire(info)
        return true
    }

    /// Waits until `limit` for the lock. Returns false if the time passed first.
    /// Like ``tryLock()``, a timed wait cannot deadlock forever, so it adds no edge into this lock.
    public func lock(before limit: Date) -> Bool {
        Tracking.beforeTimedAcquire(info)
        guard mutex.lock(before: limit) else { return false }
        Tracking.didTryAcquire(info)
        return true
    }


    /// `NSLock` spelling of ``tryLock()``, so the type swaps in for `NSLock` unchanged.
    public func `try`() -> Bool { tryLock() }
}

/// A recursive lock shaped like `NSRecursiveLock`: the holder may take it again, and each
/// `lock()` needs a matching `unlock()`. Re-entry by the holder adds nothing to the graph.
///
/// Threads: as for ``TrackedMutex``. The recursion depth is counted in the owner's per-thread
/// state (and in the raw mutex), never in the lock object.
public final class TrackedRecursiveMutex: TrackedLocking, @unchecked Sendable {
    let info: LockInfo
    let mutex = RawMutex(recursive: true)

    /// Creates a recursive lock. `name` appears in reports; without one, the creation site does.
    /// `subclass` and `creationSite`: see ``TrackedMutex/init(name:subclass:creationSite:file:line:)``.
    public init(name: String? = nil, subclass: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        info = LockInfo(name: name, file: file, line: line, kind: .recursiveMutex, subclass: subclass,
                        creationSite: creationSite)
        Tracking.register(info)
    }

    deinit {
        Tracking.destroy(info, raw: mutex)
    }

    /// Blocks until the lock is acquired (immediately if this thread already holds it).
    public func lock() {
        Tracking.acquire(info, mutex: mutex, recursive: true)
    }

    /// Releases one level of the lock; reported as an invalid unlock if the thread does not hold it.
    public func unlock() {
        Tracking.release(info, mutex: mutex)
    }

    /// Acquires the lock if it is free or already held by this thread; never blocks.
    public func tryLock() -> Bool {
        guard mutex.tryLock() else { return false }
        Tracking.didTryAcquire(info)
        return true
    }

    /// Waits until `limit` for the lock. Returns false if the time passed first.
    public func lock(before limit: Date) -> Bool {
        guard mutex.lock(before: limit) else { return false }
        Tracking.didTryAcquire(info)
        return true
    }


    /// `NSLock` spelling of ``tryLock()``, so the type swaps in for `NSLock` unchanged.
    public func `try`() -> Bool { tryLock() }
}

/// The lock shape shared by the tracked locks, like Foundation's `NSLocking`: `lock()` and
/// `unlock()`, with `withLock` and NIO's `withLockVoid` built on them.
public protocol TrackedLocking: AnyObject, Sendable {
    /// Blocks until the lock is acquired.
    func lock()
    /// Releases the lock.
    func unlock()
}

extension TrackedLocking {
    /// Runs `body` with the lock held and returns its result; the lock is released even if
    /// `body` throws.
    @inlinable
    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// `NIOLock` spelling of ``withLock(_:)`` for bodies that return nothing.
    @inlinable
    public func withLockVoid(_ body: () throws -> Void) rethrows {
        try withLock(body)
    }
}
