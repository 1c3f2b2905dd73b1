#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps LockGraph usable in the child of a `fork()`.
///
/// Only the forking thread exists in the child. Without care, an internal lock held by another
/// thread at the moment of the fork would stay locked forever in the child, and the child's
/// first report or new lock would hang. So, as glibc does for malloc:
/// - before the fork, the forking thread takes every internal lock (`InternalLockRegistry`);
/// - after it, the parent and the child release them;
/// - the child then forgets the threads that did not survive (their held locks and waits),
///   and lets the watchdog restart at its first contended wait.
///
/// Tracked locks themselves are not touched: one held by another thread at the fork stays held
/// in the child, exactly as with a plain pthread mutex (POSIX). The child's graph starts as a
/// copy of the parent's, so an order learned before the fork still counts.
enum ForkSafety {
    /// Installs the handlers once (at the first tracked lock).
    static let installed: Void = {
        pthread_atfork(
            { InternalLockRegistry.lockAll() },
            { InternalLockRegistry.unlockAll() },
            {
                InternalLockRegistry.unlockAll()
                ForkSafety.afterForkInChild()
            })
    }()

    /// In a forked child: the surviving thread's kernel id in the parent and in the child, so a
    /// tracked mutex the thread held across the fork can be released (see `RawMutex.unlock`).
    /// Written once, in the child's atfork handler, before any other thread exists.
    nonisolated(unsafe) private(set) static var inheritedOwner: (parent: Int, child: Int)?

    private static func afterForkInChild() {
        StandardError.afterFork()
        let survivor = ThreadState.existingCurrent
        let parentID = survivor?.threadID
        survivor?.refreshAfterFork()
        if let parentID, let survivor { inheritedOwner = (parentID, survivor.threadID) }
        ThreadRegistry.shared.keepOnly(survivor)
        Watchdog.shared.forgetThreadAfterFork()
        HoldClock.stop()
    }
}
