#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// For `PTHREAD_MUTEX_RECURSIVE`: once RawMutex.swift imported CLockGraphSupport (whose header
// includes pthread.h), the release (whole-module) build no longer found that macro here
// through Glibc alone. Importing the C module too makes it visible in both configurations.
import CLockGraphSupport

/// Writes directly to file descriptor 2, unbuffered, so reports survive an abort that follows.
/// One call's text is never split by another writer's: each call holds `StandardError`'s lock.
func writeToStandardError(_ text: String) {
    StandardError.exclusively { write in write(text) }
}

/// Who writes to standard error now. A dump writes in pieces as it builds them (so its first
/// lines appear at once, however large the graph or busy the process); it holds the lock from
/// its first piece to its last, so no report lands inside it. Reports are written on the
/// reporter thread, which simply waits its turn.
///
/// The mutex is recursive (a warning printed while a dump is being written, on the dumping
/// thread, must not deadlock), and not one of `InternalLockRegistry`'s: a `fork()` need not
/// wait for a dump to finish. A child forked during a dump re-initialises it (`afterFork`),
/// since the dumping thread does not exist there.
enum StandardError {
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> =
        .initializedMutex(type: Int32(PTHREAD_MUTEX_RECURSIVE))

    /// Runs `body` with a writer for file descriptor 2, which no other thread writes to meanwhile.
    static func exclusively<Result>(_ body: ((String) -> Void) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(writeAll)
    }

    /// In a forked child, before anything is written: the lock free, whoever held it.
    static func afterFork() {
        mutex.initializeMutex(type: Int32(PTHREAD_MUTEX_RECURSIVE))
    }

    private static func writeAll(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
