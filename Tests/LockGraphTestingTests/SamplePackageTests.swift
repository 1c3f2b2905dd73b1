import Foundation
import Testing

/// End to end: the sample package at Examples/TestingSample uses LockGraphTesting exactly as a
/// user would. Its full test run must fail with the inversion report attributed to the failing
/// tests; its clean tests must pass. (The nested build takes about a minute on a fresh clone.)
@Suite("Sample package", .serialized)
struct SamplePackageTests {
    private static let sample = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/TestingSample")

    private func swiftTest(_ extra: [String]) throws -> (status: Int32, output: String) {
        // SwiftPM can keep a stale build plan for a path dependency whose source files were added
        // or removed since the last build (LockGraph, here): drop the plan, keep the objects.
        for plan in ["debug.yaml", "build.db"] {
            try? FileManager.default.removeItem(at: Self.sample.appendingPathComponent(".build/\(plan)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "test", "--package-path", Self.sample.path] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["LOCKGRAPH_MODE"] = "report"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { collected.append($0.availableData) }
        try process.run()
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        if finished.wait(timeout: .now() + 900) == .timedOut {
            process.terminate()
            Issue.record("swift test of the sample package did not finish in 15 minutes")
        }
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, collected.text)
    }

    @Test func failingTestsFailWithTheReportAndCleanTestsPass() throws {
        let full = try swiftTest([])
        #expect(full.status != 0)
        // Swift Testing: the inversion test fails with the report as its issue.
        #expect(full.output.contains("✘ Test inversionFailsThisTest() recorded an issue at BankSwiftTests.swift"))
        #expect(full.output.contains("✔ Test cleanOrderPasses() passed"))
        #expect(full.output.contains("✔ Test expectedInversionPasses() passed"))
        // XCTest: both the base class and the observer fail their inversion case, at the user's code.
        #expect(full.output.contains("Bank.swift:17: error: BankXCTests.testInversionFailsThisCase"))
        #expect(full.output.contains("Bank.swift:17: error: BankObservedXCTests.testObservedInversionFails"))
        #expect(full.output.contains("Executed 5 tests, with 3 failures"))
        // A reentrant acquire fails only its own test (XCTest above, Swift Testing here): no crash.
        #expect(full.output.contains("✘ Test reentrantAcquireFailsOnlyThisTest() recorded an issue at BankSwiftTests.swift"))
        #expect(full.output.contains("✔ Test cleanTransferPassesAfterReentry() passed"))
        #expect(full.output.contains("✔ Test cleanStatementPassesAfterReentry() passed"))
        #expect(full.output.contains("Suite BankReentrancyTests failed") && full.output.contains("with 1 issue"))
        #expect(full.output.contains("lets it proceed as if the lock were recursive"))
        #expect(!full.output.contains("LockGraph: terminating"))
        // The report names both code paths.
        #expect(full.output.contains("Cycle: \"accounts\" (Bank.swift:5) -> \"audit\" (Bank.swift:6) -> \"accounts\""))
        #expect(full.output.contains("Bank.transfer() at Bank.swift"))
        #expect(full.output.contains("Bank.runAudit() at Bank.swift"))

        let clean = try swiftTest(["--filter", "cleanOrderPasses|expectedInversionPasses|testCleanOrderPasses|testObservedCleanPasses"])
        #expect(clean.status == 0, "\(clean.output.suffix(3000))")
        #expect(clean.output.contains("Executed 2 tests, with 0 failures"))
    }
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
