#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tracking {
    /// Waits on `condition`, releasing `lock` for the duration as `pthread_cond_wait` does, and
    /// restoring the thread's held-lock entry afterwards. A wait by a thread that does not hold
    /// the lock is reported as an invalid unlock and returns at once (`.notHeld`).
    static func wait(_ lock: LockInfo, mutex: RawMutex, condition: RawCondition, deadline: timespec?,
                     allowingHeldLocks: Bool = false) -> WaitOutcome {
        guard lock.isRegistered, let thread = currentThread() else {
            return condition.wait(mutex, deadline: deadline) ? .signalled : .timedOut
        }
        guard let index = thread.indexOfHeld(lock.id) else {
            Reporter.invalidUnlock(of: lock, by: thread, detail: "called wait() without holding it (wait releases the lock)")
            return .notHeld
        }
        if !allowingHeldLocks && thread.heldCount > 1 && !thread.isReporting {
            checkWaitWhileHolding(lock, thread: thread)
        }
        let stack = thread.acquisitionStack(at: index)
        let entry = thread.remove(at: index)
        defer { thread.reinsert(entry, lock: lock, stack: stack) }
        checkOrder(into: lock, thread: thread)
        Watchdog.shared.ensureStarted()
        thread.beginWait(for: lock.id, kind: .condition)
        let signalled = condition.wait(mutex, deadline: deadline)
        finishWait(thread, lock)
        return signalled ? .signalled : .timedOut
    }

    enum WaitOutcome { case signalled, timedOut, notHeld }

    private static let reportedWaits = InternalProtected<Set<[UInt64]>>([])

    /// Reports a condition wait while other tracked locks are held, once per condition and set
    /// of held locks.
    private static func checkWaitWhileHolding(_ condition: LockInfo, thread: ThreadState) {
        // Deduplicate first: stacks and the registry are only needed for a first report.
        let held = (0..<thread.heldCount).map { (index: $0, id: thread.held(at: $0).id) }.filter { $0.id != condition.id }
        guard reportedWaits.withLock({ $0.insert([condition.id] + held.map(\.id)).inserted }) else { return }
        let live = LockGraphStore.shared.state.withLock { $0.liveLocks }
        let others = held.compactMap { entry in live[entry.id].map { (lock: $0, stack: thread.acquisitionStack(at: entry.index)) } }
        guard !others.isEmpty else { return }
        Reporter.waitWhileHolding(condition, others: others, by: thread)
    }

    /// Ends a published wait; a long one that began inside a Swift task is reported.
    @discardableResult
    static func finishWait(_ thread: ThreadState, _ lock: LockInfo) -> UInt64 {
        let waited = thread.endWait()
        // Only a long wait pays for the task check and the stack.
        if waited > AsyncBlocking.threshold && !thread.isReporting && withUnsafeCurrentTask(body: { $0 != nil }) {
            thread.captureWaitStack()
            AsyncBlocking.report(lock: lock, waited: waited, thread: thread)
        }
        return waited
    }
}
