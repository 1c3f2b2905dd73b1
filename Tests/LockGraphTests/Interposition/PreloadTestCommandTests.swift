import Foundation
import Testing

/// `lockgraph test` on Examples/PreloadTestSample: its Ledger takes two NSLocks in both orders and
/// knows nothing of LockGraph. Built normally (the nested build takes a few minutes on a fresh
/// clone), then tested with the interposer in the test processes only.
@Suite("lockgraph test (interposer)", .serialized)
struct PreloadTestCommandTests {
    private static let sample = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/PreloadTestSample")

    private func lockgraphTest(_ arguments: [String]) throws -> InteractiveProcess {
        // SwiftPM can keep a stale build plan for a path dependency whose files changed since the
        // last build (LockGraph, here): drop the plan, keep the objects.
        for plan in ["debug.yaml", "build.db"] {
            try? FileManager.default.removeItem(at: Self.sample.appendingPathComponent(".build/\(plan)"))
        }
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"),
                                             arguments: ["test", "--package-path", Self.sample.path] + arguments)
        #expect(process.waitForExit(timeout: 1200), "lockgraph test \(arguments) did not finish in 20 minutes")
        return process
    }

    /// The plain tests (XCTest and Swift Testing) pass as their frameworks see them, yet each
    /// test process reports the inversion and the run fails with the reports at its end; the
    /// LockGraphTesting suite's NSLock inversion fails its own test.
    @Test func inversionsInTestProcessesFailTheRun() throws {
        let full = try lockgraphTest([])
        let output = full.standardOutput + full.standardError
        #expect(full.exitStatus != 0)
        #expect(output.contains("✘ Test nslockInversionFailsThisTest() recorded an issue"), "\(output.suffix(6000))")
        #expect(output.contains("✔ Test nslockInOrderPasses() passed"))

        let plain = try lockgraphTest(["--skip-build", "--filter", "LedgerTests"])
        let text = plain.standardOutput + plain.standardError
        #expect(plain.exitStatus == 1, "\(text.suffix(6000))")
        #expect(text.contains("Executed 2 tests, with 0 failures"))
        #expect(text.contains("✔ Test transferThenAudit() passed"))
        // One report from the XCTest process and one from the Swift Testing process, each
        // printed as it happened and again at the end.
        #expect(text.contains("lockgraph test: 2 reports from the test processes that no test owns"))
        let summary = text.components(separatedBy: "lockgraph test: 2 reports").last ?? ""
        #expect(summary.ranges(of: "LockGraph: lock-order inversion").count == 2)
        #expect(summary.contains("(Ledger.swift:5) -> NSLock#"))
        #expect(summary.contains("#0 Ledger.transfer() at Ledger.swift:12"))
        #expect(summary.contains("#0 Ledger.audit() at Ledger.swift:19"))
    }

    @Test func helpIsThisCommandsNotSwiftBuilds() throws {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["test", "--help"])
        #expect(process.waitForExit(timeout: 60))
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("OVERVIEW: Build the package's tests, then run them with LockGraph interposed"))
    }

    /// `run` captures its arguments for the program too: a leading help flag is this command's
    /// (it used to be taken for the program: "cannot start --help").
    @Test(arguments: ["--help", "-h"])
    func runHelpIsThisCommandsNotAProgram(flag: String) throws {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["run", flag])
        #expect(process.waitForExit(timeout: 60))
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("OVERVIEW: Run an unmodified program with LockGraph interposed"))
        #expect(!process.standardError.contains("cannot start"))
    }

    @Test func missingLibraryExitsWithTwo() throws {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"),
                                             arguments: ["test", "--library", "/nonexistent/libLockGraphPreload.so"])
        #expect(process.waitForExit(timeout: 60))
        #expect(process.exitStatus == 2)
        #expect(process.standardError.contains("lockgraph test: cannot find the interposer library at /nonexistent/libLockGraphPreload.so"))
    }
}
