/// A reader-writer lock shaped like `pthread_rwlock_t`, whose acquisitions feed the lock graph
/// with their mode.
///
/// What is reported (lockdep's rules for read locks, for a lock that prefers readers):
/// - A cycle of orders is an inversion only if it can really block: at every lock of the cycle,
///   the thread acquiring it there and the thread holding it on the next edge must not both be
///   readers (readers never wait for readers). So `read A -> read B` on one path and
///   `read B -> read A` on another is not reported; make either side a write and it is.
/// - A thread that holds the read lock and asks for the write lock (an upgrade), or holds the
///   write lock and asks for either, is a ``LockViolation/Kind/reentrantAcquire``: it would wait
///   for itself forever, so the report is followed by termination, as for ``TrackedMutex``.
/// - A thread that holds the read lock may take it again for reading (each `readLock()` needs
///   its `unlock()`).
/// - `unlock()` by a thread that holds neither mode is an ``LockViolation/Kind/invalidUnlock``
///   and leaves the lock untouched.
/// - Destroyed while held in either mode: ``LockViolation/Kind/destroyedWhileHeld``, handled as
///   for every tracked lock (the destroying thread's holds released, a lock another thread
///   holds leaked rather than destroyed).
///
/// Threads: every reader and the writer each own their hold, and each releases it on its own
/// thread. The mode a thread holds is recorded in that thread's per-thread state (written only
/// by it), which is how `unlock()` knows what it releases; the lock object keeps nothing
/// mutable besides the raw rwlock.
public final class TrackedRWLock: @unchecked Sendable {
    /// Fixed at creation; shared read-only by every thread.
    let info: LockInfo
    private let rwlock = RawRWLock()

    /// Creates a reader-writer lock (readers preferred: a reader is never blocked by a waiting
    /// writer, only by a writer holding the lock). `name` appears in reports; without one, the
    /// creation site does. `subclass` separates nested locks of one class for
    /// ``LockMonitor/checksLockClasses``.
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(name: String? = nil, subclass: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        info = LockInfo(name: name, file: file, line: line, kind: .readerWriter, subclass: subclass,
                        creationSite: creationSite)
        Tracking.register(info)
    }

    deinit {
        Tracking.destroy(info, raw: rwlock)
    }

    private var readIn: UInt64 { LockNode.make(info.id, .readIn) }
    private var readOut: UInt64 { LockNode.make(info.id, .readOut) }
    private var writeIn: UInt64 { LockNode.make(info.id, .writeIn) }
    private var writeOut: UInt64 { LockNode.make(info.id, .writeOut) }

    /// The mode this thread holds the lock in, if any.
    private func heldMode(_ thread: ThreadState) -> LockNode.Role? {
        thread.indexOfHeld(info.id).map { LockNode.role(of: thread.held(at: $0).node) }
    }

    /// Blocks until the lock is held for reading.
    public func readLock() {
        let readOut = readOut
        let acquisition = Tracking.beginAcquire(info, target: readIn, holdNode: readOut) { held in
            held.node == readOut ? (true, nil) : (false, "read lock requested while holding the write lock")
        }
        Tracking.complete(info, acquisition, tryLock: { rwlock.tryReadLock() }, lock: { rwlock.readLock() })
    }

    /// Blocks until the lock is held for writing.
    public func writeLock() {
        let readOut = readOut
        let acquisition = Tracking.beginAcquire(info, target: writeIn, holdNode: writeOut) { held in
            (false, held.node == readOut
                ? "write lock requested while holding the read lock: an upgrade waits for every reader, itself included"
                : "write lock requested while holding the write lock")
        }
        Tracking.complete(info, acquisition, tryLock: { rwlock.tryWriteLock() }, lock: { rwlock.writeLock() })
    }

    /// Takes the lock for reading if no writer holds it; never blocks and adds no edge into it.
    /// Returns false (and takes nothing) if this thread holds the write lock.
    public func tryReadLock() -> Bool {
        if let thread = Tracking.currentThread(), heldMode(thread) == .writeOut { return false }
        guard rwlock.tryReadLock() else { return false }
        Tracking.didTryAcquire(info, holdNode: readOut)
        return true
    }

    /// Takes the lock for writing if nobody holds it; never blocks and adds no edge into it.
    public func tryWriteLock() -> Bool {
        guard rwlock.tryWriteLock() else { return false }
        Tracking.didTryAcquire(info, holdNode: writeOut)
        return true
    }

    /// Releases one hold (read or write); reported as an invalid unlock, and ignored, if this
    /// thread holds the lock in neither mode.
    public func unlock() {
        guard info.isRegistered, let thread = Tracking.currentThread() else {
            rwlock.unlock()
            return
        }
        guard thread.indexOfHeld(info.id) != nil else {
            // pthread_rwlock_unlock by a non-holder is undefined: never call it.
            Reporter.submit(thread.invalidUnlockRequest(of: info, detail: "it holds it in neither mode"))
            return
        }
        Tracking.release(info) { rwlock.unlock() }
    }

    /// Runs `body` holding the lock for reading.
    public func withReadLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        readLock()
        defer { unlock() }
        return try body()
    }

    /// Runs `body` holding the lock for writing.
    public func withWriteLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        writeLock()
        defer { unlock() }
        return try body()
    }
}
