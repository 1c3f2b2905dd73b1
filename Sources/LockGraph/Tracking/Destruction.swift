#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension Tracking {
    /// Called from the `deinit` of every tracked type that owns a raw lock: forgets the lock,
    /// reports it as ``LockViolation/Kind/destroyedWhileHeld`` if a thread still holds it, and
    /// destroys `raw` unless that would destroy a held lock. The same for every type:
    ///
    /// - Holds of the destroying thread (every recursion level, every read hold, the write hold)
    ///   are dropped from its held stack and released on its behalf, so its later acquisitions
    ///   do not carry a phantom lock.
    /// - Then, if another thread still holds it (a writer, another reader, a thread that exited
    ///   holding it), it is reported naming that thread, and `raw` is left allocated: destroying
    ///   a held pthread lock is undefined behaviour, and the holder can never reach the object to
    ///   unlock it. It leaks, the lesser evil in a program that is already wrong.
    /// - Otherwise `raw` is destroyed.
    ///
    /// A lock created while tracking was off, or destroyed while it is off, is destroyed without
    /// any check, as a plain lock would be.
    /// - Returns: whether `raw` was destroyed (so the caller may free what goes with it, such as
    ///   a condition variable).
    @discardableResult
    static func destroy(_ lock: LockInfo, raw: some RawLock) -> Bool {
        defer { unregister(lock) }
        guard lock.isRegistered, !Configuration.isOff else {
            raw.destroy()
            return true
        }
        let thread = ThreadState.current
        var ownHold: StackTrace?
        if let index = thread.indexOfHeld(lock.id) {
            ownHold = thread.acquisitionStack(at: index)
            let entry = thread.remove(at: index)
            // Virtual levels (re-entries allowed to proceed) hold nothing of the raw lock.
            for _ in 0..<max(1, Int(entry.recursion - entry.virtualLevels)) { raw.unlock() }
        }
        if raw.tryLockExclusively() {
            raw.unlock()
            if let ownHold {
                Reporter.submit(thread.destroyedWhileHeldRequest(lock, holder: thread.descriptor(refreshName: true), acquired: ownHold))
            }
            raw.destroy()
            return true
        }
        // Held by another thread (which can no longer reach the object to unlock it).
        let holder = ThreadRegistry.shared.observe().first { $0.thread.id != thread.threadID && $0.held.contains { $0.id == lock.id } }
        let acquired = holder?.acquisitionStack(of: lock.id) ?? .empty
        let descriptor = holder?.thread
        Reporter.submit(thread.destroyedWhileHeldRequest(lock, holder: descriptor, acquired: acquired, destroyerAlsoHeld: ownHold != nil))
        return false
    }
}
