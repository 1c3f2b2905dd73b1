import Dispatch

/// A serial `DispatchQueue` that is a node of the lock graph.
///
/// Running a block on the queue counts as holding it, for `async` blocks as much as `sync`
/// ones. So a lock taken inside a block adds the edge queue → lock, and `sync` called while
/// holding a lock adds lock → queue: the classic lock-versus-queue deadlock (a thread holding a
/// lock calls `queue.sync` while a block already on the queue takes that lock) is a cycle,
/// reported like any inversion, the first time both orders are taken, even if that run did not
/// hang. For `async` blocks the report shows where the block was submitted.
///
/// `sync` onto the queue the calling thread is already running (directly, or through `sync`
/// calls onto other tracked queues that lead back, or from a `deinit` that runs there) is a
/// ``LockViolation/Kind/reentrantAcquire``, reported before the call would trap or hang. The
/// process then terminates, except inside a LockGraph test scope (or with
/// `LOCKGRAPH_ON_REENTRANT=continue`), where the work runs at once on the calling thread, as a
/// recursive lock would let it, and the test fails with the report. A thread blocked in `sync` is in the watchdog's wait-for graph, so a
/// real lock/queue deadlock is reported like a lock deadlock.
///
/// Each `async` captures its submission stack (about a microsecond).
///
/// Threads: the thread running a block holds the queue for the block's duration; the hold is
/// recorded in that thread's per-thread state when the block starts and removed when it ends,
/// on that thread. A thread blocked in `sync` publishes its wait in its own per-thread state
/// (atomics the watchdog reads). The queue object's stored properties are fixed at creation.
public final class TrackedDispatchQueue: @unchecked Sendable {
    let info: LockInfo
    /// The wrapped serial queue (blocks submitted to it directly are not tracked).
    public let underlying: DispatchQueue

    /// Creates a serial queue. `name` appears in reports (default: the label).
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(label: String, qos: DispatchQoS = .unspecified, name: String? = nil,
                creationSite: LockCreationSite = .initializerCall, file: StaticString = #fileID, line: UInt = #line) {
        underlying = DispatchQueue(label: label, qos: qos)
        info = LockInfo(name: name ?? label, file: file, line: line, kind: .dispatchQueue, creationSite: creationSite)
        Tracking.register(info)
    }

    deinit {
        Tracking.unregister(info)
    }

    /// Runs `work` on the queue and waits for it; returns its value or rethrows its error.
    public func sync<Result>(execute work: () throws -> Result) rethrows -> Result {
        guard info.isRegistered, let caller = Tracking.currentThread() else { return try underlying.sync(execute: work) }
        // Checks first: re-entry is fatal, and the order edges into the queue are recorded.
        let acquisition = Tracking.beginAcquire(info, target: info.id, holdNode: info.id) { _ in
            (false, "sync onto a queue this thread is already running: GCD would trap or hang")
        }
        if acquisition.grantsWithoutRawLock {
            // A reported re-entry allowed to proceed: run the work here, as a recursive lock
            // would, instead of a sync GCD would trap or hang on.
            Tracking.finishAcquire(info, acquisition)
            defer { Tracking.leave(info) }
            return try work()
        }
        Watchdog.shared.ensureStarted()
        caller.beginWait(for: info.id, kind: .acquiring)
        var ranOnCaller = false
        defer { if !ranOnCaller { caller.endWait() } }
        return try underlying.sync {
            if ThreadState.current === caller {
                ranOnCaller = true
                caller.endWait()
                Tracking.finishAcquire(info, acquisition)
            } else {
                Tracking.enter(info, stack: nil)
            }
            defer { Tracking.leave(info) }
            return try work()
        }
    }

    /// Submits `work` to run on the queue.
    public func async(execute work: @escaping @Sendable () -> Void) {
        underlying.async(execute: tracked(work))
    }

    /// Submits `work` to run on the queue at `deadline`.
    public func asyncAfter(deadline: DispatchTime, execute work: @escaping @Sendable () -> Void) {
        underlying.asyncAfter(deadline: deadline, execute: tracked(work))
    }

    private func tracked(_ work: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        guard info.isRegistered, !Configuration.isOff else { return work }
        let submitted = StackTrace.capture()
        let info = info
        return {
            Tracking.enter(info, stack: submitted)
            defer { Tracking.leave(info) }
            work()
        }
    }
}
