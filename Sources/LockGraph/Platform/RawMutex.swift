#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport
import Foundation

/// The pthread mutex under every tracked lock.
///
/// Non-recursive locks are `PTHREAD_MUTEX_DEFAULT` mutexes, as `NSLock`'s and `NIOLock`'s are,
/// and the steady state takes and releases them inline (`lockgraph_plain_mutex.h`): the steps
/// glibc takes for that type, on the same fields, without its call, its type dispatch and the
/// read before its compare-exchange (BENCHMARKS.md section 24). The blocking, timed and general
/// paths and condition waits still go through glibc; the two mix freely on one mutex.
/// Where the inline steps would hide the lock from a tool that watches pthread calls
/// (ThreadSanitizer, valgrind's thread checkers), the mutex is `PTHREAD_MUTEX_ERRORCHECK`
/// instead, which the inline functions hand to glibc (`usesPlainMutexes`).
///
/// The error check is not needed: LockGraph records every hold, so `unlock()` is only called
/// for a hold the calling thread recorded, and an unlock it did not see the thread take goes
/// through `unlockIfOwned()`, which reads glibc's owner field as the error-checking type does. So
/// an unlock by a thread that does not own the mutex still fails with `EPERM` and leaves it
/// untouched instead of being undefined.
struct RawMutex: RawLock, @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_mutex_t>
    private let type: Int32

    init(recursive: Bool) {
        type = Int32(recursive ? PTHREAD_MUTEX_RECURSIVE
                     : Self.usesPlainMutexes ? PTHREAD_MUTEX_DEFAULT : PTHREAD_MUTEX_ERRORCHECK)
        pointer = .initializedMutex(type: type)
    }

    /// Whether non-recursive mutexes are made of the type the inline functions take themselves:
    /// not under ThreadSanitizer (their atomics, inlined into Swift code, are not instrumented)
    /// or valgrind (helgrind and drd see locks only through pthread calls). Read once.
    static let usesPlainMutexes = lockgraph_plain_mutexes_supported() != 0 && !Valgrind.isRunning

    func destroy() { pointer.destroyMutex() }

    @inline(__always) func lock() { pthread_mutex_lock(pointer) }

    /// Releases a hold the calling thread has (LockGraph recorded it). Returns 0, or `EPERM`
    /// when a recursive mutex is not the calling thread's.
    ///
    /// In a forked child, a mutex the forking thread held in the parent is owned by that
    /// thread's parent-side id, which the child's copy of the thread no longer has: a recursive
    /// mutex's unlock (or `unlockIfOwned`'s check) would fail with `EPERM`, leave the mutex
    /// locked, and the next lock would hang. That one case is recognised
    /// (`ForkSafety.inheritedOwner`) and the mutex is re-initialised unlocked.
    @inline(__always) @discardableResult func unlock() -> Int32 {
        let result = lockgraph_mutex_unlock_plain(pointer)
        return result == EPERM ? releaseHoldInheritedAcrossFork() : result
    }

    /// Releases the mutex when glibc records the calling thread as its owner, and returns 0;
    /// returns `EPERM`, touching nothing, otherwise (the check `PTHREAD_MUTEX_ERRORCHECK`
    /// makes). For an unlock of a hold LockGraph did not record: taken while tracking was off,
    /// or not taken by this thread at all.
    func unlockIfOwned() -> Int32 {
        // glibc checks a recursive mutex's owner itself.
        guard type != Int32(PTHREAD_MUTEX_RECURSIVE) else { return unlock() }
        guard owner == currentThreadID() else { return releaseHoldInheritedAcrossFork() }
        return unlock()
    }

    @inline(never)
    private func releaseHoldInheritedAcrossFork() -> Int32 {
        guard let inherited = ForkSafety.inheritedOwner, currentThreadID() == inherited.child,
              owner == inherited.parent
        else { return EPERM }
        pointer.initializeMutex(type: type)
        return 0
    }

    @inline(__always) func tryLock() -> Bool { pthread_mutex_trylock(pointer) == 0 }

    /// The thread id glibc records as the mutex's owner (0 when free), read atomically.
    var owner: Int { Int(lockgraph_mutex_owner(pointer)) }

    /// glibc's `__kind` word for the mutexes the inline functions take themselves.
    static let plainKind = Int32(LOCKGRAPH_PLAIN_MUTEX_KIND)
    /// The mutex's whole `__kind` word and its lock word (0 free, 1 held, 2 held with waiters):
    /// for tests.
    var kindWord: Int32 { lockgraph_mutex_kind_word(pointer) }
    var lockWord: Int32 { lockgraph_mutex_lock_word(pointer) }

    /// `tryLock()` for the steady state, which knows the calling thread's id (glibc records it as
    /// the owner): inline for the default type, glibc's try-lock for the others.
    @inline(__always) func tryLock(threadID: Int) -> Bool {
        lockgraph_mutex_trylock_plain(pointer, Int32(truncatingIfNeeded: threadID)) != 0
    }

    /// For a recursive mutex this also succeeds when the calling thread holds it (one more level).
    func tryLockExclusively() -> Bool { tryLock() }

    /// Waits until `deadline` (wall clock, like `NSLock.lock(before:)`).
    func lock(before deadline: Date) -> Bool {
        var time = timespec(wallClock: deadline)
        return pthread_mutex_timedlock(pointer, &time) == 0
    }
}

extension timespec {
    /// The absolute wall-clock time of `date`.
    init(wallClock date: Date) {
        let seconds = max(0, date.timeIntervalSince1970)
        let whole = seconds.rounded(.down)
        // Saturating: a date too far away to represent waits "forever" instead of trapping.
        guard whole < Double(Int.max) else {
            self.init(tv_sec: Int.max, tv_nsec: 0)
            return
        }
        self.init(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
    }

    /// Now plus `duration` on `CLOCK_MONOTONIC` (negative durations count as zero).
    static func monotonic(after duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        // At most about 1.8e10 seconds: no overflow, even for `.seconds(Int64.max)`.
        let nanoseconds = duration.clampedNanoseconds
        var total = timespec(tv_sec: now.tv_sec + Int(nanoseconds / 1_000_000_000),
                             tv_nsec: now.tv_nsec + Int(nanoseconds % 1_000_000_000))
        if total.tv_nsec >= 1_000_000_000 {
            total.tv_sec = total.tv_sec.addingSaturated(1)
            total.tv_nsec -= 1_000_000_000
        }
        return total
    }
}

/// A pthread condition variable, on the wall clock (for `Date` deadlines) or the monotonic
/// clock (for `Duration` timeouts).
struct RawCondition: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<pthread_cond_t>

    init(monotonic: Bool) {
        pointer = .initializedCondition(monotonic: monotonic)
    }

    func destroy() {
        pthread_cond_destroy(pointer)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    /// Waits (releasing `mutex`) until signalled or `deadline`; false on timeout.
    func wait(_ mutex: RawMutex, deadline: timespec?) -> Bool {
        guard var deadline else {
            pthread_cond_wait(pointer, mutex.pointer)
            return true
        }
        return pthread_cond_timedwait(pointer, mutex.pointer, &deadline) != ETIMEDOUT
    }

    func signal() { pthread_cond_signal(pointer) }
    func broadcast() { pthread_cond_broadcast(pointer) }
}

extension Int {
    /// `self + other`, clamped to `Int.min...Int.max` instead of trapping.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
