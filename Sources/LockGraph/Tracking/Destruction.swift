#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension Tracking {
    /// Called from a tracked lock's `deinit`: forgets the lock, and reports it as
    /// ``LockViolation/Kind/destroyedWhileHeld`` if a thread still holds it.
    ///
    /// - If the destroying thread holds it, its held entry is dropped and the raw mutex released,
    ///   so the thread's later acquisitions do not carry a phantom lock.
    /// - If another thread holds it, the raw mutex is left allocated (destroying a locked pthread
    ///   mutex is undefined behaviour); it leaks, which is the lesser evil in a program that is
    ///   already wrong.
    /// - Returns: whether the caller may destroy the raw mutex.
    static func destroy(_ lock: LockInfo, mutex: RawMutex) -> Bool {
        defer { unregister(lock) }
        guard lock.isRegistered, !Configuration.isOff else { return true }
        let thread = ThreadState.current
        if let index = thread.indexOfHeld(lock.id) {
            let acquired = thread.acquisitionStack(at: index)
            let entry = thread.remove(at: index)
            for _ in 0..<max(1, Int(entry.recursion)) { mutex.unlock() }
            Reporter.destroyedWhileHeld(lock, holder: thread.descriptor(refreshName: true), acquired: acquired, by: thread)
            return true
        }
        if mutex.tryLock() {
            mutex.unlock()
            return true
        }
        // Held by another thread (which can no longer reach the object to unlock it).
        let holder = ThreadRegistry.shared.all().first { $0.observedHeldIDs().contains(lock.id) }
        let acquired = holder.flatMap { state in
            state.observedHeldIDs().firstIndex(of: lock.id).map { state.acquisitionStack(at: $0, expecting: lock.id) }
        } ?? .empty
        let descriptor = holder.map { ThreadDescriptor(id: $0.threadID, name: ThreadState.name(ofThread: $0.threadID)) }
        Reporter.destroyedWhileHeld(lock, holder: descriptor, acquired: acquired, by: thread)
        return false
    }
}

extension Reporter {
    static func destroyedWhileHeld(_ lock: LockInfo, holder: ThreadDescriptor?, acquired: StackTrace, by thread: ThreadState) {
        let destroyer = thread.descriptor(refreshName: true)
        let deallocated = StackTrace.capture()
        let date = Date()
        submit { scope in
            let holderText = holder.map { $0 == destroyer ? "the destroying thread itself (\($0))" : "\($0)" } ?? "another thread"
            var backtraces: [LockBacktrace] = []
            if !acquired.addresses.isEmpty {
                backtraces.append(LockBacktrace(label: "\(lock.descriptor) acquired", thread: holder ?? destroyer,
                                                frames: Symbolication.frames(of: acquired)))
            }
            backtraces.append(LockBacktrace(label: "\(lock.descriptor) deallocated", thread: destroyer,
                                            frames: Symbolication.frames(of: deallocated)))
            let outcome = holder == destroyer
                ? "LockGraph released it on the holder's behalf."
                : "Its holder can never unlock it; LockGraph leaks the mutex rather than destroy a locked one."
            return LockViolation(
                kind: .destroyedWhileHeld,
                locks: [lock.descriptor],
                threads: [holder, destroyer].compactMap { $0 }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } },
                edges: [],
                backtraces: backtraces,
                summary: "lock destroyed while held: \(lock.descriptor) was deallocated while held by \(holderText). \(outcome)",
                advice: "Release the lock before its last reference goes away (prefer withLock, which cannot leak a hold), and keep the lock alive as long as any thread may use it.",
                date: date,
                scopes: [lock.scope],
                detectingScope: scope
            )
        }
    }
}
