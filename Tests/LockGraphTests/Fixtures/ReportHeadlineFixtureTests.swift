import Foundation
import Testing

/// The shape of the fixtures' reports: each opens on at most three lines naming the code to
/// change (see `ReportHeadline`), and runtime frames are one line in the stacks. The watchdog
/// fixtures' headlines and thread-exhaustion grouping are pinned in `WatchdogTests`.
extension FixtureScenarioTests {
    /// Runs `fixture` and checks that its report of `kind` opens on `expected`; returns the
    /// fixture's standard error.
    @discardableResult
    private func expectHeadline(of fixture: String, _ kind: String, _ expected: [String]) throws -> String {
        let report = try run(fixture).standardError
        #expect(reportHeadline(kind, in: report) == expected, "\(report)")
        return report
    }

    @Test func anABBAInversionOpensOnTheTwoCodePathsToChange() throws {
        try expectHeadline(of: "abba-inversion", "lock-order inversion", [
            "LockGraph: lock-order inversion between \"accounts\" and \"audit\"",
            "  fix one of: transferFunds() at Inversions.swift:14 (takes \"audit\" while holding \"accounts\")",
            "          or: runAudit() at Inversions.swift:23 (takes \"accounts\" while holding \"audit\")",
        ])
    }

    /// The third path shares the last line.
    @Test func aThreeLockCycleStillOpensOnThreeLines() throws {
        try expectHeadline(of: "three-lock-cycle", "lock-order inversion", [
            "LockGraph: lock-order inversion between \"orders\", \"inventory\" and \"shipping\"",
            "  fix one of: reserveStock(_:_:) at Inversions.swift:77 (takes \"inventory\" while holding \"orders\")",
            "          or: scheduleShipment(_:_:) at Inversions.swift:82 (takes \"shipping\" while holding \"inventory\"); "
                + "or: closeOrder(_:_:) at Inversions.swift:87 (takes \"orders\" while holding \"shipping\")",
        ])
    }

    @Test func aReentrantPutFromADeinitOpensOnBothOperationsAndFoldsTheReleaseMachinery() throws {
        let report = try expectHeadline(of: "deinit-during-put", "reentrant acquire", [
            "LockGraph: reentrant acquire: put on \"log\" inside an operation of that queue",
            "  fix one of: logConnectionClosed(_:) at Reentrancy.swift:49 (calls put on it again)",
            "          or: variable initialization expression of static Scenario.deinitDuringPut at Reentrancy.swift:86 "
                + "(is inside an operation of it, holding its lock)",
        ])
        // The release and deinit machinery between the deinit and the put that dropped the last
        // reference is one line; none of its frames is written.
        #expect(report.contains(try Regex(#"#1 Connection\.deinit at Reentrancy\.swift:43\n +\.\.\. \d+ frames in libswiftCore and compiler-generated code\n +#\d+ closure"#)), "\(report)")
        #expect(!report.contains("_swift_release_dealloc") && !report.contains("__deallocating_deinit"), "\(report)")
    }

    @Test func aSyncReenteredFromADeinitFoldsDispatchsSyncHelpers() throws {
        let report = try expectHeadline(of: "queue-sync-reentry", "reentrant acquire", [
            "LockGraph: reentrant acquire of \"connection\" (the process terminates)",
            "  fix one of: QueueConnection.deinit at DispatchQueues.swift:31 (takes it again)",
            "          or: variable initialization expression of static Scenario.queueSyncReentry at DispatchQueues.swift:79 "
                + "(holds it while calling the code above)",
        ])
        #expect(report.contains(try Regex(#"\n +\.\.\. \d+ frames in libswiftDispatch and libdispatch\n +#\d+ closure #1 in variable initialization expression of static Scenario\.queueSyncReentry"#)), "\(report)")
        #expect(!report.contains("_syncHelper"), "\(report)")
    }
}
