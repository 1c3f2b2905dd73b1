import LockGraph

// Process-wide switches, checked in their own process so they cannot disturb parallel tests:
// reset() forgets edges, reported cycles and violations (and every thread's edge cache), and
// mode .off makes new tracked locks plain locks. Run with `lockgraph scenario reset-and-mode`.

extension Scenario {
    static let resetAndModeSwitch = Scenario(
        name: "reset-and-mode",
        summary: "LockMonitor.reset() and LockMonitor.mode = .off, checked in a fresh process",
        expectation: "prints PASS lines; exit 0"
    ) {
        let checks = ScenarioChecks()
        let a = TrackedMutex(name: "a")
        let b = TrackedMutex(name: "b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 1, "inversion reported before reset")

        LockMonitor.reset()
        checks.check(LockMonitor.violations.isEmpty, "reset forgets violations")
        checks.check(LockMonitor.snapshot().edges.isEmpty, "reset forgets edges")
        checks.check(LockMonitor.snapshot().locks.count == 2, "reset keeps live locks")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 1, "the same inversion is found again after reset (thread caches dropped)")

        // The same from the steady state (stack budgets spent, chains cached): a chain cached
        // before reset() is not trusted after it.
        LockMonitor.reset()
        let warmA = TrackedMutex(name: "warm-a")
        let warmB = TrackedMutex(name: "warm-b")
        for _ in 0..<40 { warmA.withLock { warmB.withLock {} } }
        LockMonitor.reset()
        warmB.withLock { warmA.withLock {} }
        warmA.withLock { warmB.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 1, "after reset, an order cached in the steady state is checked again")

        // Class checking switched on by API: two instances per class, one per path.
        LockMonitor.reset()
        checks.check(!LockMonitor.checksLockClasses, "class checking is off by default")
        LockMonitor.checksLockClasses = true
        let accountA = TrackedMutex(name: "account")
        let accountB = TrackedMutex(name: "account")
        let ledger = TrackedMutex(name: "ledger")
        accountA.withLock { ledger.withLock {} }
        ledger.withLock { accountB.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 1, "checksLockClasses = true reports an inversion between classes")
        LockMonitor.checksLockClasses = false
        let ledger2 = TrackedMutex(name: "ledger2")
        accountA.withLock { ledger2.withLock {} }
        ledger2.withLock { accountB.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 1, "checksLockClasses = false checks instances only")
        LockMonitor.reset()

        LockMonitor.mode = .off
        checks.check(LockMonitor.mode == .off, "mode reads back as off")
        let c = TrackedMutex(name: "c")
        let d = TrackedMutex(name: "d")
        c.withLock { d.withLock {} }
        d.withLock { c.withLock {} }
        checks.check(violationCount(.lockOrderInversion) == 0, "mode off reports nothing")
        checks.check(!LockMonitor.snapshot().locks.contains { $0.name == "c" }, "locks created while off are not tracked")
        LockMonitor.mode = .report

        // Switching modes at any time never gives a false report: a hold released while off
        // leaves no phantom entry behind.
        let e = TrackedMutex(name: "e")
        for _ in 0..<40 { e.withLock {} }   // the steady state: the next lock() is the short path
        e.lock()
        LockMonitor.mode = .off
        e.unlock()
        LockMonitor.mode = .report
        e.lock()
        e.unlock()
        checks.check(LockMonitor.violations.isEmpty, "lock, off, unlock, report, lock: no false reentrant acquire")
        checks.check(e.tryLock(), "that lock is free afterwards")
        e.unlock()
        LockMonitor.mode = .off
        e.lock()
        LockMonitor.mode = .report
        e.unlock()
        e.withLock {}
        checks.check(LockMonitor.violations.isEmpty, "lock while off, unlock while on: no false invalid unlock")
        return checks.exitStatus
    }
}
