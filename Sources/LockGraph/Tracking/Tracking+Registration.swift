#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tracking {
    /// Marks `lock` held by the calling thread without any acquisition (a block starting to run
    /// on a tracked queue). `stack` becomes the entry's acquisition stack (for async blocks: where
    /// the block was submitted).
    static func enter(_ lock: LockInfo, stack: StackTrace?) {
        guard lock.isRegistered, let thread = currentThread() else { return }
        thread.push(lock, node: lock.id, capturedStack: stack, site: ThreadState.callSite())
    }

    /// Ends what `enter` (or a finished acquisition) began, without any raw unlock.
    static func leave(_ lock: LockInfo) {
        guard lock.isRegistered, let thread = currentThread(), let index = thread.indexOfHeld(lock.id) else { return }
        if thread.releaseVirtualLevel(at: index) { return }
        thread.remove(at: index)
    }

    /// Registers a new lock as live (skipped when tracking is off).
    static func register(_ lock: LockInfo) {
        guard lock.isRegistered else { return }
        _ = DumpSignal.environmentInstall
        _ = EdgeRecorder.installed
        _ = ForkSafety.installed
        LockGraphStore.shared.register(lock)
    }

    /// Forgets a destroyed lock and its edges.
    static func unregister(_ lock: LockInfo) {
        guard lock.isRegistered else { return }
        LockGraphStore.shared.unregister(lock)
    }

    /// A timed acquisition of a non-recursive lock by its holder can only time out: report it
    /// (without terminating) before waiting.
    static func beforeTimedAcquire(_ lock: LockInfo) {
        guard let thread = currentThread(), let index = thread.indexOfHeld(lock.id) else { return }
        Reporter.submit(thread.reentrantAcquireRequest(of: lock, heldAt: index, outcome: .cannotSucceed))
    }
}
