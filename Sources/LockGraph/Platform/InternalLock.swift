#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain pthread mutex guarding LockGraph's own state.
///
/// It is never tracked and never appears in the lock graph, so the detector cannot deadlock
/// against the locks it watches. Critical sections under it never call user code.
/// Every instance is listed in `InternalLockRegistry`, so `fork()` can take them all first
/// (see `ForkSafety`): a child never inherits one locked by a thread that no longer exists.
final class InternalLock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .initializedMutex()
        InternalLockRegistry.add(mutex)
    }

    deinit {
        InternalLockRegistry.remove(mutex)
        mutex.destroyMutex()
    }

    /// For callers that hold several internal locks at once (`GraphState`); prefer `withLock`.
    @inline(__always)
    func lock() { pthread_mutex_lock(mutex) }

    @inline(__always)
    func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// State guarded by an `InternalLock`; the only way to reach the value is under the lock.
///
/// Used instead of `Synchronization.Mutex` throughout the package (the integrations too):
/// Mutex's contended path parks in the kernel without an instrumented atomic, so
/// ThreadSanitizer sees no happens-before through it and reports false races in the code of
/// anyone who runs their tests with `--sanitize=thread`. A pthread mutex is intercepted.
package final class InternalProtected<Value>: @unchecked Sendable {
    private let lock = InternalLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    @inline(__always)
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&value) }
    }
}

/// Every live `InternalLock` mutex, so the fork handlers can hold all of them across `fork()`.
/// Guarded by its own statically allocated mutex (never destroyed).
enum InternalLockRegistry {
    /// Heap-allocated (a stable address) and never freed.
    nonisolated(unsafe) private static let registryMutex: UnsafeMutablePointer<pthread_mutex_t> = .initializedMutex()
    nonisolated(unsafe) private static var mutexes: [UnsafeMutablePointer<pthread_mutex_t>] = []

    static func add(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        pthread_mutex_lock(registryMutex)
        mutexes.append(mutex)
        pthread_mutex_unlock(registryMutex)
    }

    static func remove(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        pthread_mutex_lock(registryMutex)
        mutexes.removeAll { $0 == mutex }
        pthread_mutex_unlock(registryMutex)
    }

    /// Takes the registry and every internal lock. Internal critical sections are short and
    /// never wait for user code, but they may nest in any order, so this takes everything by
    /// try-lock and backs off on a miss instead of blocking (which could deadlock against a
    /// nesting in the other order). Returns once all are held.
    static func lockAll() {
        while true {
            if pthread_mutex_trylock(registryMutex) == 0 {
                var taken = 0
                for mutex in mutexes {
                    guard pthread_mutex_trylock(mutex) == 0 else { break }
                    taken += 1
                }
                if taken == mutexes.count { return }
                for mutex in mutexes[..<taken].reversed() { pthread_mutex_unlock(mutex) }
                pthread_mutex_unlock(registryMutex)
            }
            sched_yield()
        }
    }

    /// Releases what `lockAll` took (in the parent, and in the child, whose only thread is the
    /// copy of the one that took them).
    static func unlockAll() {
        for mutex in mutexes.reversed() { pthread_mutex_unlock(mutex) }
        pthread_mutex_unlock(registryMutex)
    }
}
