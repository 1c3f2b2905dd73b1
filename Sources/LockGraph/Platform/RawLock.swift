#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw pthread lock under a tracked primitive (`RawMutex`, recursive or not, and
/// `RawRWLock`): what `Tracking.destroy` needs to retire it the same way for every type.
///
/// Contract: a conforming value is a handle to one heap-allocated pthread lock; copies share it.
/// `destroy()` is called at most once, and only when no thread holds the lock.
protocol RawLock: Sendable {
    /// Takes the lock exclusively if no thread holds it in any mode; never blocks. Once the
    /// destroying thread has released its own holds, a failure means another thread holds it.
    func tryLockExclusively() -> Bool

    /// Releases one hold of the calling thread: one level of a recursive mutex, one read hold or
    /// the write hold of a reader-writer lock. Returns 0, or the pthread error.
    @discardableResult func unlock() -> Int32

    /// Destroys and frees the lock. Precondition: no thread holds it.
    func destroy()
}

/// Stops the process with a message naming `call` and its error when a pthread set-up call
/// failed (as swift-nio's `NIOLock` does): a lock that was never initialised must not be used.
/// Set-up runs once per lock, never on the acquisition path.
func checkSetUp(_ result: Int32, _ call: StaticString) {
    guard result != 0 else { return }
    fatalError("LockGraph: \(call) failed with error \(result) (\(String(cString: strerror(result))))")
}

extension UnsafeMutablePointer where Pointee == pthread_mutex_t {
    /// A newly allocated, initialised mutex of `type` (`PTHREAD_MUTEX_DEFAULT` when nil). It is
    /// never freed unless passed to `destroyMutex()`.
    static func initializedMutex(type: Int32? = nil) -> Self {
        let mutex = Self.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        mutex.initializeMutex(type: type)
        return mutex
    }

    /// Initialises (or, in a forked child, re-initialises: see `RawMutex.unlock`) the mutex
    /// this points to, unlocked, of `type` (the default type when nil).
    func initializeMutex(type: Int32?) {
        let mutex = self
        guard let type else {
            checkSetUp(pthread_mutex_init(mutex, nil), "pthread_mutex_init")
            return
        }
        var attributes = pthread_mutexattr_t()
        checkSetUp(pthread_mutexattr_init(&attributes), "pthread_mutexattr_init")
        defer { pthread_mutexattr_destroy(&attributes) }
        checkSetUp(pthread_mutexattr_settype(&attributes, type), "pthread_mutexattr_settype")
        checkSetUp(pthread_mutex_init(mutex, &attributes), "pthread_mutex_init")
    }

    /// Destroys and frees a mutex made by `initializedMutex`. Precondition: not held.
    func destroyMutex() {
        pthread_mutex_destroy(self)
        deinitialize(count: 1)
        deallocate()
    }
}

extension UnsafeMutablePointer where Pointee == pthread_cond_t {
    /// A newly allocated, initialised condition variable (see `initializeCondition`).
    static func initializedCondition(monotonic: Bool) -> Self {
        let condition = Self.allocate(capacity: 1)
        condition.initializeCondition(monotonic: monotonic)
        return condition
    }

    /// Initialises the condition variable here (allocated memory, or one whose waiters are
    /// gone, as in a forked child) on the monotonic clock (for `Duration` timeouts) or the wall
    /// clock (for `Date` deadlines).
    func initializeCondition(monotonic: Bool) {
        initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        checkSetUp(pthread_condattr_init(&attributes), "pthread_condattr_init")
        defer { pthread_condattr_destroy(&attributes) }
        if monotonic { checkSetUp(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC), "pthread_condattr_setclock") }
        checkSetUp(pthread_cond_init(self, &attributes), "pthread_cond_init")
    }
}

/// The pthread reader-writer lock under a `TrackedRWLock` (default attributes: on glibc a
/// reader is never blocked by a waiting writer, only by a writer holding the lock).
struct RawRWLock: RawLock, @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: pthread_rwlock_t())
        checkSetUp(pthread_rwlock_init(pointer, nil), "pthread_rwlock_init")
    }

    @inline(__always) func readLock() { pthread_rwlock_rdlock(pointer) }
    @inline(__always) func writeLock() { pthread_rwlock_wrlock(pointer) }
    @inline(__always) func tryReadLock() -> Bool { pthread_rwlock_tryrdlock(pointer) == 0 }
    @inline(__always) func tryWriteLock() -> Bool { pthread_rwlock_trywrlock(pointer) == 0 }

    /// Releases the calling thread's read hold or write hold. Undefined for a thread that holds
    /// neither: callers check that first.
    @inline(__always) @discardableResult func unlock() -> Int32 { pthread_rwlock_unlock(pointer) }

    func tryLockExclusively() -> Bool { tryWriteLock() }

    func destroy() {
        pthread_rwlock_destroy(pointer)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
