/// The global facade of LockGraph: mode, recorded violations, handlers, reset and snapshots.
///
/// Every tracked lock in the process feeds one lock graph. `LockMonitor` is how a program or a
/// test reads what that graph found.
public enum LockMonitor {
    /// The current mode. Initialised from `LOCKGRAPH_MODE` (`off`, `report`, `abort`; default
    /// `report`). Set it before tracked locks are in use: locks held while the mode changes are
    /// not tracked retroactively.
    public static var mode: Mode {
        get { Configuration.mode }
        set { Configuration.setMode(newValue) }
    }

    /// Every violation recorded since the process started or since the last ``reset()``,
    /// oldest first: one per code path, with ``LockViolation/occurrences`` counting how many
    /// times that path was detected so far.
    ///
    /// Reports are prepared on LockGraph's reporter thread; reading this first waits until every
    /// violation detected before the call is recorded (and printed, and handed to the
    /// handlers). The wait is bounded: after 10 s without progress (a handler blocked on a lock
    /// the reading thread holds) it says so on standard error and returns what is recorded. In
    /// a handler it returns at once.
    public static var violations: [LockViolation] {
        ReportQueue.shared.waitUntilDelivered()
        return Reporter.violations
    }

    /// Registers `handler` to run for every violation that is printed, after it was printed and
    /// recorded.
    ///
    /// Handlers run on LockGraph's reporter thread ("lockgraph-rpt"), one violation at a
    /// time in detection order, while the thread that detected it goes on (it does not wait
    /// for symbolication or handlers). A report that ends the process (mode `abort`, a
    /// non-recursive lock re-acquired by its holder) is the exception: it is delivered on the
    /// detecting thread, handlers included, before the process terminates. A repeat of a code
    /// path already reported is counted in ``LockViolation/occurrences`` and not handed to
    /// handlers again.
    ///
    /// Tracked locks a handler takes are tracked but not checked, so a handler never recurses
    /// into another report. A slow handler delays later reports and readers of ``violations``;
    /// one that waits for a lock another thread holds while reading ``violations`` stalls that
    /// reader for the bounded wait (10 s).
    /// - Returns: a registration whose ``ViolationHandlerRegistration/cancel()`` removes the handler.
    @discardableResult
    public static func onViolation(_ handler: @escaping @Sendable (LockViolation) -> Void) -> ViolationHandlerRegistration {
        ViolationHandlerRegistration(id: Reporter.addHandler(handler))
    }

    /// Forgets every edge, every reported cycle and every recorded violation (with their code
    /// paths, so a repeated path is reported again). Live locks and handlers stay. Reports
    /// detected before the call are delivered first (bounded wait). Meant for tests; threads
    /// drop their known-edge caches lazily.
    public static func reset() {
        ReportQueue.shared.waitUntilDelivered()
        LockGraphStore.shared.reset()
        Reporter.clearViolations()
    }

    /// A consistent copy of the graph: live locks, edges, and each thread's held locks.
    public static func snapshot() -> LockGraphSnapshot {
        LockGraphSnapshot.capture()
    }
}

/// Returned by ``LockMonitor/onViolation(_:)``; keeps the handler registered until cancelled.
public struct ViolationHandlerRegistration: Sendable {
    let id: UInt64

    /// Removes the handler, once every violation detected before the call has reached it
    /// (bounded wait; from a handler, at once). Calling it more than once has no effect.
    public func cancel() {
        ReportQueue.shared.waitUntilDelivered()
        Reporter.removeHandler(id)
    }
}

extension LockMonitor {
    /// What LockGraph does when a tracked lock is used.
    public enum Mode: String, Sendable, CaseIterable {
        /// Tracked types behave as plain locks: no graph, no per-thread state, no reports.
        case off
        /// Violations are printed to standard error, recorded in ``LockMonitor/violations`` and
        /// passed to every ``LockMonitor/onViolation(_:)`` handler; the program continues.
        case report
        /// Like ``report``, then the process aborts (so a CI run stops at the first violation).
        case abort
    }
}
