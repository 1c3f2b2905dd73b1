#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// The acquisition and release protocol every tracked primitive follows.
///
/// Hot path (edges already known): one mode load, one thread-local lookup, one epoch load,
/// a scan of the held stack and one probe of the per-thread edge cache per held lock. No global
/// lock, no allocation, no backtrace. Anything new goes to `slowPath`.
enum Tracking {
    /// What `beginAcquire` decided; pass it to `finishAcquire` once the raw lock is taken.
    struct Acquisition {
        fileprivate let thread: ThreadState?
        fileprivate let reentryIndex: Int?
        fileprivate let stack: StackTrace?

        static let untracked = Acquisition(thread: nil, reentryIndex: nil, stack: nil)
    }

    /// The calling thread's state, or nil when tracking is off.
    @inline(__always)
    static func currentThread() -> ThreadState? {
        guard Configuration.mode != .off else { return nil }
        let thread = ThreadState.current
        let epoch = LockGraphStore.shared.epoch.load(ordering: .relaxed)
        if thread.knownEdgesEpoch != epoch {
            thread.knownEdges.removeAll()
            thread.knownEdgesEpoch = epoch
        }
        return thread
    }

    /// Call before a blocking acquisition of `lock`. Runs every check first, so an inversion is
    /// reported even when the acquisition then deadlocks. A non-recursive lock re-acquired by
    /// its holder is reported and the process terminates (it could never proceed).
    @inline(__always)
    static func beginAcquire(_ lock: LockInfo, recursive: Bool) -> Acquisition {
        guard let thread = currentThread() else { return .untracked }
        if let index = thread.indexOfHeld(lock.id) {
            if recursive {
                return Acquisition(thread: thread, reentryIndex: index, stack: nil)
            }
            Reporter.reentrantAcquire(of: lock, heldAt: index, by: thread, fatal: true)
        }
        var stack: StackTrace?
        if !thread.isReporting && hasUnknownEdge(into: lock, thread: thread) {
            stack = slowPath(into: lock, thread: thread)
        }
        return Acquisition(thread: thread, reentryIndex: nil, stack: stack)
    }

    /// The whole blocking acquisition: checks, then the raw lock (publishing the wait only when
    /// the lock is contended, so an uncontended acquisition pays for one try-lock), then the
    /// held-lock bookkeeping.
    @inline(__always)
    static func acquire(_ lock: LockInfo, mutex: RawMutex, recursive: Bool) {
        let acquisition = beginAcquire(lock, recursive: recursive)
        if !mutex.tryLock() {
            if let thread = acquisition.thread {
                Watchdog.shared.ensureStarted()
                thread.beginWait(for: lock.id, kind: .acquiring)
                mutex.lock()
                finishWait(thread, lock)
            } else {
                mutex.lock()
            }
        }
        finishAcquire(lock, acquisition)
    }

    /// Call after the raw lock was taken following `beginAcquire`.
    @inline(__always)
    static func finishAcquire(_ lock: LockInfo, _ acquisition: Acquisition) {
        guard let thread = acquisition.thread else { return }
        if let index = acquisition.reentryIndex {
            thread.incrementRecursion(at: index)
        } else {
            thread.push(lock, capturedStack: acquisition.stack)
        }
    }

    /// Call after a successful try-acquisition (`tryLock`, `lock(before:)`): the lock is held
    /// and later edges out of it are recorded, but no edge into it, since a try cannot block.
    @inline(__always)
    static func didTryAcquire(_ lock: LockInfo) {
        guard let thread = currentThread() else { return }
        if let index = thread.indexOfHeld(lock.id) {
            thread.incrementRecursion(at: index)
        } else {
            thread.push(lock, capturedStack: nil)
        }
    }

    /// Call before a raw unlock. Returns false when the caller does not hold `lock` according
    /// to LockGraph; `rawUnlock` then decides: 0 means the thread did own it (taken while
    /// tracking was off), anything else is reported as an invalid unlock.
    @inline(__always)
    static func release(_ lock: LockInfo, rawUnlock: () -> Int32) {
        guard let thread = currentThread() else {
            _ = rawUnlock()
            return
        }
        guard let index = thread.indexOfHeld(lock.id) else {
            let result = rawUnlock()
            if result != 0 {
                Reporter.invalidUnlock(of: lock, by: thread, detail: "it does not hold it")
            }
            return
        }
        if thread.held[index].recursion > 1 {
            thread.decrementRecursion(at: index)
        } else {
            _ = thread.remove(at: index)
        }
        _ = rawUnlock()
    }

    /// Records the edges from every lock the thread holds into `lock`, as a blocking acquisition
    /// would, without acquiring anything (used before a condition wait re-acquires its lock).
    static func checkOrder(into lock: LockInfo, thread: ThreadState) {
        if !thread.isReporting && hasUnknownEdge(into: lock, thread: thread) {
            _ = slowPath(into: lock, thread: thread)
        }
    }

    /// Waits on `condition`, releasing `lock` for the duration as `pthread_cond_wait` does, and
    /// restoring the thread's held-lock entry afterwards. A wait by a thread that does not hold
    /// the lock is reported as an invalid unlock and returns at once (`.notHeld`).
    static func wait(_ lock: LockInfo, mutex: RawMutex, condition: RawCondition, deadline: timespec?) -> WaitOutcome {
        guard let thread = currentThread() else {
            return condition.wait(mutex, deadline: deadline) ? .signalled : .timedOut
        }
        guard let index = thread.indexOfHeld(lock.id) else {
            Reporter.invalidUnlock(of: lock, by: thread, detail: "called wait() without holding it (wait releases the lock)")
            return .notHeld
        }
        let stack = thread.acquisitionStack(at: index)
        let entry = thread.remove(at: index)
        checkOrder(into: lock, thread: thread)
        Watchdog.shared.ensureStarted()
        thread.beginWait(for: lock.id, kind: .condition)
        let signalled = condition.wait(mutex, deadline: deadline)
        finishWait(thread, lock)
        thread.reinsert(entry, stack: stack)
        return signalled ? .signalled : .timedOut
    }

    enum WaitOutcome { case signalled, timedOut, notHeld }

    /// Ends a published wait; a long one that began inside a Swift task is reported.
    private static func finishWait(_ thread: ThreadState, _ lock: LockInfo) {
        let waited = thread.endWait()
        if thread.waitIsInTask && waited > AsyncBlocking.threshold && !thread.isReporting {
            AsyncBlocking.report(lock: lock, waited: waited, thread: thread)
        }
    }

    @inline(__always)
    private static func hasUnknownEdge(into lock: LockInfo, thread: ThreadState) -> Bool {
        for entry in thread.held where entry.lock.id != lock.id {
            if !thread.knownEdges.contains(from: entry.lock.id, to: lock.id) { return true }
        }
        return false
    }

    /// A held lock precedes `lock` in an order not yet cached: capture the stack, add the
    /// edges to the global graph, report any cycle they close. Returns the captured stack so
    /// the push can reuse it as this lock's acquisition stack.
    @inline(never)
    private static func slowPath(into lock: LockInfo, thread: ThreadState) -> StackTrace {
        let stack = StackTrace.capture()
        let threadDescriptor = thread.descriptor()
        var candidates: [EdgeRecord] = []
        var seen: Set<UInt64> = []
        for (index, entry) in thread.held.enumerated() where entry.lock.id != lock.id {
            guard seen.insert(entry.lock.id).inserted,
                  !thread.knownEdges.contains(from: entry.lock.id, to: lock.id)
            else { continue }
            candidates.append(EdgeRecord(
                from: entry.lock,
                to: lock,
                thread: threadDescriptor,
                holderStack: thread.acquisitionStack(at: index),
                acquirerStack: stack
            ))
        }
        let cycles = LockGraphStore.shared.addEdges(candidates)
        for candidate in candidates {
            thread.knownEdges.insert(from: candidate.from.id, to: candidate.to.id)
        }
        for cycle in cycles {
            Reporter.lockOrderInversion(cycle, thread: thread)
        }
        return stack
    }
}

extension Tracking {
    /// Registers a new lock as live (skipped when tracking is off).
    static func register(_ lock: LockInfo) {
        guard lock.isRegistered else { return }
        _ = DumpSignal.environmentInstall
        _ = EdgeRecorder.installed
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
        Reporter.reentrantAcquire(of: lock, heldAt: index, by: thread, fatal: false)
    }
}
