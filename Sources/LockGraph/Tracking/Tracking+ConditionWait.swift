#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tracking {
    /// Waits on `condition`, releasing `lock` for the duration as `pthread_cond_wait` does, and
    /// restoring the thread's held-lock entry afterwards. A wait by a thread that does not hold
    /// the lock is reported as an invalid unlock and returns at once (`.notHeld`).
    ///
    /// `signal` is the identity of the condition whose signal the thread waits for (its signal
    /// node, see `LockNode`); nil for waits that record no evidence (a queue's internal waits).
    /// Unless `allowingHeldLocks`, the wait is recorded in the graph as an edge from every other
    /// lock the thread holds into that signal (`recordWait`): a wait whose signaller was seen
    /// needing one of those locks closes a cycle and is reported before the thread blocks.
    static func wait(_ lock: LockInfo, mutex: RawMutex, condition: RawCondition, deadline: timespec?,
                     signal: LockInfo? = nil, allowingHeldLocks: Bool = false) -> WaitOutcome {
        guard lock.isRegistered, let thread = currentThread() else {
            return condition.wait(mutex, deadline: deadline) ? .signalled : .timedOut
        }
        guard let index = thread.indexOfHeld(lock.id) else {
            Reporter.submit(thread.invalidUnlockRequest(of: lock, detail: "called wait() without holding it (wait releases the lock)"))
            return .notHeld
        }
        let signalled = waitReleasing(lock, at: index, thread: thread, signal: signal, allowingHeldLocks: allowingHeldLocks) {
            condition.wait(mutex, deadline: deadline)
        }
        return signalled ? .signalled : .timedOut
    }

    /// The core of `wait`, for a lock the thread holds at `index`: its entry is removed while
    /// `body` waits (the raw wait releases and re-takes the lock), the wait recorded as evidence
    /// against `signal` and published for the watchdog, the re-acquisition checked like a
    /// blocking one, and the entry restored when `body` returns.
    static func waitReleasing<Result>(_ lock: LockInfo, at index: Int, thread: ThreadState, signal: LockInfo?,
                                      allowingHeldLocks: Bool, body: () -> Result) -> Result {
        let stack = thread.acquisitionStack(at: index)
        let entry = thread.remove(at: index)
        defer { thread.reinsert(entry, lock: lock, stack: stack) }
        if let signal, !allowingHeldLocks && thread.heldCount > 0 && !thread.isReporting {
            recordWait(for: signal, thread: thread)
        }
        checkOrder(into: lock, thread: thread)
        Watchdog.shared.ensureStarted()
        thread.beginWait(for: lock.id, kind: .condition)
        let result = body()
        finishWait(thread, lock)
        return result
    }

    enum WaitOutcome { case signalled, timedOut, notHeld }

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
