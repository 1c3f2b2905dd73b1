import Foundation
import LockGraph

// One report per code path. Like a server that creates its locks per call (SwiftNIO does),
// `settle(payment:)` makes two fresh, unnamed locks on every call and takes them in both
// orders: every call is the same inversion, on new lock instances. LockGraph prints it once and
// counts the rest; `refund()` is another code path and gets a report of its own. At exit a
// summary line says how many occurrences were not printed.
// Run with `lockgraph scenario repeated-code-path`.

@inline(never)
func settle(payment: Int) {
    let ledger = TrackedMutex()
    let journal = TrackedMutex()
    ledger.withLock { journal.withLock {} }
    journal.withLock { ledger.withLock {} }
}

@inline(never)
func refund() {
    let ledger = TrackedMutex()
    let journal = TrackedMutex()
    ledger.withLock { journal.withLock {} }
    journal.withLock { ledger.withLock {} }
}

extension Scenario {
    static let repeatedCodePath = Scenario(
        name: "repeated-code-path",
        summary: "settle(payment:) inverts two per-call locks three times; refund() once",
        expectation: "two lock-order inversion reports, the first seen 3 times; an exit line counting 2 more occurrences"
    ) {
        for payment in 1...3 { settle(payment: payment) }
        refund()
        let inversions = LockMonitor.violations.filter { $0.kind == .lockOrderInversion }
        say("lock-order inversion reports: \(inversions.count)")
        say("occurrences per report: \(inversions.map(\.occurrences).map(String.init).joined(separator: ", "))")
        say("dump shows the count: \(LockMonitor.dumpText().contains("(seen 3 times)"))")
        return 0
    }
}

extension Scenario {
    /// A report detected just before the process exits, never read: the exit flushes it.
    static let reportAtExit = Scenario(
        name: "report-at-exit",
        summary: "refund() inverts two locks, then the program exits at once",
        expectation: "the inversion report is printed anyway (pending reports are flushed at exit)"
    ) {
        refund()
        return 0
    }
}
