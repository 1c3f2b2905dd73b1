import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LockGraph

extension MonitorTests {
    /// `LockMonitor.exportFindings`: the running process's violations in the CI formats.
    @Suite("Findings export")
    struct FindingsExportTests {
        /// An inversion between `<prefix>-first` and `<prefix>-second`, created in that order.
        /// `firstTakenFirst`: first -> second is taken first, so second -> first closes the cycle.
        /// Returns the violation, its finding and the line of the closing acquisition.
        private func inversion(_ prefix: String, firstTakenFirst: Bool) throws -> (LockViolation, LockGraphFinding, closingLine: Int) {
            let first = TrackedMutex(name: "\(prefix)-first")
            let second = TrackedMutex(name: "\(prefix)-second")
            let closingLine: Int
            if firstTakenFirst {
                first.withLock { second.withLock {} }
                closingLine = #line + 1
                second.withLock { first.withLock {} }
            } else {
                second.withLock { first.withLock {} }
                closingLine = #line + 1
                first.withLock { second.withLock {} }
            }
            let violation = try #require(violations(involving: prefix).first)
            let finding = try #require(LockMonitor.findings.first { $0.locks.contains("\(prefix)-first") })
            return (violation, finding, closingLine)
        }

        @Test func aRunningProcessExportsItsInversionAsSARIFAndJUnit() throws {
            let prefix = uniqueName("findings")
            let (violation, finding, closingLine) = try inversion(prefix, firstTakenFirst: true)
            #expect(finding.rule == .lockOrderInversion)
            #expect(finding.text == violation.description)
            #expect(finding.locks == ["\(prefix)-first", "\(prefix)-second"])
            // This file, relative to the package root (the nearest directory with a Package.swift).
            let thisFile = "Tests/LockGraphTests/Export/FindingsExportTests.swift"
            #expect(finding.location?.relativeFile == thisFile && finding.location?.line == closingLine)
            #expect(finding.relatedLocations.count == 4)

            let log = try FindingsSamples.object(LockMonitor.exportFindings(format: .sarif))
            let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
            let result = try #require(results.first { (($0["message"] as? [String: Any])?["text"] as? String) == violation.description })
            #expect(result["ruleId"] as? String == "lockgraph/lock-order-inversion")
            let location = try #require((result["locations"] as? [[String: Any]])?.first)
            #expect(FindingsFormatTests.site(location) == "%SRCROOT%:\(thisFile):\(closingLine)")

            let junit = try XMLDocument(data: Data(LockMonitor.exportFindings(format: .junit).utf8))
            let cases = try #require(junit.rootElement()?.elements(forName: "testsuite").first?.elements(forName: "testcase"))
            // Other tests' inversions share the summary (the test case's name): match by report.
            let failure = try #require(cases.compactMap { $0.elements(forName: "failure").first }
                .first { $0.stringValue == violation.description })
            #expect(failure.attribute(forName: "type")?.stringValue == "lockgraph/lock-order-inversion")
            #expect(failure.attribute(forName: "message")?.stringValue == violation.summary)
        }

        /// The report lists a cycle from its oldest lock, so the closing edge (here the first
        /// listed) need not be the last: the store flags it, and the location follows the flag.
        @Test func theLocationIsTheAcquisitionThatClosedTheCycle() throws {
            let prefix = uniqueName("closing")
            let (violation, finding, closingLine) = try inversion(prefix, firstTakenFirst: false)
            let closing = try #require(violation.closingEdgeIndex)
            #expect(violation.edges[closing].from.name == "\(prefix)-first" && violation.edges[closing].to.name == "\(prefix)-second")
            #expect(finding.location?.line == closingLine)
            #expect(finding.location?.message.contains("\"\(prefix)-second\"") == true)
        }

        /// A cycle whose edges do not chain instance to instance was found between lock classes
        /// (class checking) and gets a rule of its own; a wait-while-holding report with edges is
        /// a wait/signal cycle; other kinds get `lockgraph/<kind>`.
        @Test func aViolationsRuleFollowsItsKindAndShape() {
            let thread = ThreadDescriptor(id: 1, name: nil)
            func lock(_ name: String, _ id: UInt64) -> LockDescriptor {
                LockDescriptor(name: name, id: id, file: "App/Bank.swift", line: UInt(id), kind: .mutex)
            }
            func violation(_ kind: LockViolation.Kind, _ pairs: [(LockDescriptor, LockDescriptor)]) -> LockViolation {
                let stack = LockBacktrace(label: "acquired", thread: thread, frames: [])
                let edges = pairs.map { LockEdge(from: $0.0, to: $0.1, thread: thread, holderStack: stack, acquirerStack: stack) }
                return LockViolation(kind: kind, locks: edges.map(\.from), threads: [thread], edges: edges, backtraces: [],
                                     summary: "s", advice: "a", date: Date(), scopes: [], detectingScope: nil)
            }
            let (a, b) = (lock("a", 1), lock("b", 2))
            #expect(LockGraphFinding.rule(of: violation(.lockOrderInversion, [(a, b), (b, a)])) == .lockOrderInversion)
            #expect(LockGraphFinding.rule(of: violation(.lockOrderInversion, [(a, b), (lock("b", 3), lock("a", 4))])) == .classInversion)
            #expect(LockGraphFinding.rule(of: violation(.waitWhileHolding, [(a, b), (b, a)])) == .waitSignalCycle)
            let reentry = LockGraphFinding.rule(of: violation(.reentrantAcquire, []))
            #expect(reentry.id == "lockgraph/reentrant-acquire" && reentry.name == "ReentrantAcquire")
        }
    }
}

/// `lockgraph check --format` and `--output` as a user runs them, on a record made by a real
/// process.
@Suite("lockgraph check formats")
struct CheckFormatCommandLineTests {
    private func run(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture(executable), arguments: arguments, environment: environment)
        #expect(process.waitForExit(timeout: 60))
        return process
    }

    @Test func checkWritesEachFormatAndKeepsItsExitStatus() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let record = try run("abba-inversion", environment: ["LOCKGRAPH_RECORD": directory.path])
        #expect(record.exitStatus == 0)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".json") })
        let recorded = try LockGraphDocument.decode(try Data(contentsOf: directory.appendingPathComponent(file)))
        #expect(recorded.schemaVersion == 2)
        #expect(Set(recorded.edges.compactMap(\.order)) == [0, 1])
        let frame = try #require(recorded.edges.first?.acquirerStack.first)
        #expect(frame.relativeFile == "Fixtures/Scenarios/Inversions.swift")
        #expect(frame.sourceRoot.map { frame.file == $0 + "/Fixtures/Scenarios/Inversions.swift" } == true)

        let sarif = try run("lockgraph", ["check", "--format", "sarif", directory.path])
        #expect(sarif.exitStatus == 1)
        let results = try #require((try FindingsSamples.object(sarif.standardOutput)["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        try #require(results.count == 1)
        // The closing acquisition: the acquirer site of the edge recorded last.
        let closing = try #require(recorded.edges.max { ($0.order ?? 0) < ($1.order ?? 0) }?.acquirerStack.first?.line)
        let location = try #require((results[0]["locations"] as? [[String: Any]])?.first)
        #expect(FindingsFormatTests.site(location) == "%SRCROOT%:Fixtures/Scenarios/Inversions.swift:\(closing)")

        let output = directory.appendingPathComponent("report.xml").path
        let junit = try run("lockgraph", ["check", "--format", "junit", "--output", output, directory.appendingPathComponent(file).path])
        #expect(junit.exitStatus == 1)
        #expect(junit.standardOutput.isEmpty)
        let root = try XMLDocument(contentsOf: URL(fileURLWithPath: output)).rootElement()
        #expect(root?.attribute(forName: "failures")?.stringValue == "1")

        let json = try run("lockgraph", ["check", "--format", "json", directory.appendingPathComponent(file).path])
        #expect(json.exitStatus == 1)
        #expect(try FindingsSamples.object(json.standardOutput)["kind"] as? String == "lockgraph-findings")

        let bad = try run("lockgraph", ["check", "--format", "yaml", directory.path])
        #expect(bad.exitStatus == 2)
        #expect(bad.standardError.contains("'yaml' is invalid for '--format"))
        let unwritable = try run("lockgraph", ["check", "--format", "sarif", "-o", "/nonexistent-dir/x.sarif", directory.path])
        #expect(unwritable.exitStatus == 2)
        #expect(unwritable.standardError.contains("/nonexistent-dir/x.sarif: cannot write the report"))
    }

    @Test func noCycleIsAnEmptySARIFRunAndExitStatusZero() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let record = try run("sharded-abba", environment: ["SHARD": "transfer", "LOCKGRAPH_RECORD": directory.path])
        #expect(record.exitStatus == 0)
        let sarif = try run("lockgraph", ["check", "--format", "sarif", directory.path])
        #expect(sarif.exitStatus == 0)
        let run = try #require((try FindingsSamples.object(sarif.standardOutput)["runs"] as? [[String: Any]])?.first)
        #expect((run["results"] as? [Any])?.isEmpty == true)
    }
}
