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
    /// oldest first.
    public static var violations: [LockViolation] { Reporter.violations }

    /// Registers `handler` to run for every violation, on the thread that detected it, after the
    /// report was printed and recorded and before the thread blocks (or the process aborts).
    ///
    /// Tracked locks a handler takes are tracked but not checked, so a handler never recurses
    /// into another report. Handlers must not block for long: the reporting thread waits for them.
    /// - Returns: a registration whose ``ViolationHandlerRegistration/cancel()`` removes the handler.
    @discardableResult
    public static func onViolation(_ handler: @escaping @Sendable (LockViolation) -> Void) -> ViolationHandlerRegistration {
        ViolationHandlerRegistration(id: Reporter.addHandler(handler))
    }

    /// Forgets every edge, every reported cycle and every recorded violation. Live locks and
    /// handlers stay. Meant for tests; threads drop their known-edge caches lazily.
    public static func reset() {
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

    /// Removes the handler. Calling it more than once has no effect.
    public func cancel() { Reporter.removeHandler(id) }
}
