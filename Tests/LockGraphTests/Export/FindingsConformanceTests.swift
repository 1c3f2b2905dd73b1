import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LockGraph

/// The formats against their specifications: JUnit XML parsed by an XML parser and checked
/// against the common JUnit schema's elements and attributes; SARIF validated with the official
/// SARIF 2.1.0 JSON schema (Tests/Schemas) when python3's jsonschema is installed (`.ci/run`
/// installs it).
@Suite("Findings conformance")
struct FindingsConformanceTests {
    /// Lock names with markup characters and a control character, which a naive writer would
    /// turn into malformed XML.
    @Test func junitIsWellFormedWithOneFailedTestCasePerCycle() throws {
        let hostile = "<cache & \"index\"> 'v1'\u{1}"
        let check = FindingsSamples.check([FindingsSamples.document([
            FindingsSamples.edge("accounts", "audit", order: 0, heldLine: 10, acquiredLine: 11),
            FindingsSamples.edge("audit", "accounts", order: 1, heldLine: 20, acquiredLine: 21),
            FindingsSamples.edge(hostile, "ledger", order: 2, heldLine: 30, acquiredLine: 31),
            FindingsSamples.edge("ledger", hostile, order: 3, heldLine: 40, acquiredLine: 41),
        ])])
        try #require(check.findings.count == 2)
        let document = try XMLDocument(data: Data(check.report.rendered(as: .junit).utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        #expect(Self.attributes(root, ["name", "tests", "failures", "errors"]) == ["lockgraph check", "2", "2", "0"])
        let suites = root.elements(forName: "testsuite")
        try #require(suites.count == 1)
        #expect(Self.attributes(suites[0], ["name", "tests", "failures", "errors", "skipped"]) == ["lockgraph check", "2", "2", "0", "0"])
        let cases = suites[0].elements(forName: "testcase")
        try #require(cases.count == 2)
        // Every text comes back intact, but for the control character XML cannot carry.
        func carried(_ text: String) -> String { text.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}") }
        for (testCase, finding) in zip(cases, check.findings) {
            #expect(Self.attributes(testCase, ["name", "classname"]) == [carried(finding.title), "lockgraph.lock-order-inversion"])
            let failures = testCase.elements(forName: "failure")
            try #require(failures.count == 1)
            #expect(Self.attributes(failures[0], ["message", "type"]) == [carried(finding.title), "lockgraph/lock-order-inversion"])
            #expect(failures[0].stringValue == carried(finding.text))
        }
        #expect(cases[1].attribute(forName: "name")?.stringValue?.contains("<cache & \"index\"> 'v1'") == true)
    }

    @Test func junitWithoutCyclesIsOnePassingTestCase() throws {
        let check = FindingsSamples.check([FindingsSamples.document([FindingsSamples.edge("a", "b", order: 0, heldLine: 1, acquiredLine: 2)])])
        let root = try #require(try XMLDocument(data: Data(check.report.rendered(as: .junit).utf8)).rootElement())
        #expect(Self.attributes(root, ["tests", "failures", "errors"]) == ["1", "0", "0"])
        let cases = root.elements(forName: "testsuite").flatMap { $0.elements(forName: "testcase") }
        #expect(cases.count == 1)
        #expect(cases.first?.attribute(forName: "name")?.stringValue == "no lock-order cycle")
        #expect(cases.first?.elements(forName: "failure").isEmpty == true)
    }

    /// Every SARIF this code writes (a cycle with locations, one without, none at all, this
    /// process's violations so far) is valid
    /// SARIF 2.1.0; a log with an invalid `level` is not, so the validator really runs.
    @Test(.enabled(if: SARIFSchema.validatorAvailable, "python3 with jsonschema is needed (apt-get install python3-jsonschema)"))
    func sarifValidatesAgainstTheOfficialSchema() throws {
        var bare = FindingsSamples.edge("a", "b", order: 0, heldLine: 1, acquiredLine: 2)
        bare.holderStack = []
        bare.acquirerStack = []
        let logs = [
            FindingsSamples.check([FindingsSamples.abba]),
            FindingsSamples.check([FindingsSamples.document([bare, FindingsSamples.edge("b", "a", order: 1, heldLine: 0, acquiredLine: 0)])]),
            FindingsSamples.check([FindingsSamples.document([FindingsSamples.edge("a", "b", order: 0, heldLine: 1, acquiredLine: 2)])]),
        ].map { $0.report.rendered(as: .sarif) } + [LockMonitor.exportFindings(format: .sarif)]
        #expect(try SARIFSchema.validate(logs) == "")
        let invalid = try #require(logs.first?.replacingOccurrences(of: "\"level\" : \"error\"", with: "\"level\" : \"fatal\""))
        #expect(try SARIFSchema.validate([invalid]).contains("fatal"))
    }

    @Test func sourceRootIsTheNearestPackageOutsideBuild() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-root-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dependency = "\(base)/app/.build/checkouts/dep"
        for directory in ["\(base)/app/Sources/App", "\(dependency)/Sources/Dep"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for package in ["\(base)/app", dependency] {
            FileManager.default.createFile(atPath: "\(package)/Package.swift", contents: Data())
        }
        var roots = SourceRootResolver(override: nil)
        #expect(roots.locate("\(base)/app/Sources/App/Bank.swift") == .init(root: "\(base)/app", relativePath: "Sources/App/Bank.swift"))
        // A checkout under .build belongs to the package that builds it.
        #expect(roots.locate("\(dependency)/Sources/Dep/Lock.swift")
            == .init(root: "\(base)/app", relativePath: ".build/checkouts/dep/Sources/Dep/Lock.swift"))
        #expect(roots.locate("\(base)/app/Sources/../Sources/App/Bank.swift")?.relativePath == "Sources/App/Bank.swift")
        #expect(roots.locate("\(base)/elsewhere/File.swift") == nil)
        #expect(roots.locate("App/Bank.swift") == nil)  // a #fileID names no place on disk
        var overridden = SourceRootResolver(override: "\(base)/app/Sources")
        #expect(overridden.locate("\(base)/app/Sources/App/Bank.swift")?.relativePath == "App/Bank.swift")
        #expect(overridden.locate("\(base)/app/Package.swift")?.relativePath == "Package.swift")
    }

    /// Version 1 records (no `relativeFile`, no `order`) are still read and checked; their frames
    /// are located at check time, here through the checking process's source root.
    @Test func versionOneRecordsAreStillCheckedAndLocated() throws {
        let json = #"""
        {"schemaVersion": 1, "kind": "lockgraph-record",
         "process": {"pid": 5, "executable": "app", "date": "2026-11-25T00:00:00Z"}, "locks": [],
         "edges": [
          {"from": "a", "to": "b", "thread": {"id": 1}, "closesCycle": false, "holderStack": [],
           "acquirerStack": [{"address": "0x1", "file": "/ci/work/Sources/App/A.swift", "line": 7}]},
          {"from": "b", "to": "a", "thread": {"id": 1}, "closesCycle": false, "holderStack": [],
           "acquirerStack": [{"address": "0x2", "file": "/ci/work/Sources/App/B.swift", "line": 9}]}]}
        """#
        let document = try LockGraphDocument.decode(Data(json.utf8))
        #expect(document.schemaVersion == 1 && document.edges.allSatisfy { $0.order == nil })
        let check = RecordedCheck(documents: [("old.json", document)], sourceRoot: "/ci/work")
        let finding = try #require(check.findings.first)
        #expect(finding.location?.relativeFile == "Sources/App/B.swift" && finding.location?.line == 9)
        #expect(finding.relatedLocations.compactMap(\.relativeFile) == ["Sources/App/A.swift", "Sources/App/B.swift"])
    }

    private static func attributes(_ element: XMLElement, _ names: [String]) -> [String] {
        names.map { element.attribute(forName: $0)?.stringValue ?? "<missing \($0)>" }
    }
}

/// Runs Tests/Schemas/validate-sarif.py (the official SARIF 2.1.0 schema, vendored).
enum SARIFSchema {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Schemas")

    static let validatorAvailable: Bool = (try? python(["-c", "import jsonschema"]).status) == 0

    /// The validator's complaints about `logs` ("" when all are valid).
    static func validate(_ logs: [String]) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-sarif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let files = try logs.enumerated().map { index, log in
            let file = scratch.appendingPathComponent("\(index).sarif")
            try Data(log.utf8).write(to: file)
            return file.path
        }
        let (status, output) = try python([directory.appendingPathComponent("validate-sarif.py").path] + files)
        return status == 0 ? "" : output.isEmpty ? "exit status \(status)" : output
    }

    /// Debian's python3 when present (`.ci/run` installs python3-jsonschema for it; a pyenv
    /// `python3` first on PATH would not have the module), else the one on PATH.
    private static let interpreter: (executable: String, prefix: [String]) =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? ("/usr/bin/python3", []) : ("/usr/bin/env", ["python3"])

    /// python3 with `arguments`, bounded to 60 s (`InteractiveProcess` kills it after that).
    private static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = try InteractiveProcess(executable: URL(fileURLWithPath: interpreter.executable),
                                             arguments: interpreter.prefix + arguments)
        guard process.waitForExit(timeout: 60) else { return (-1, "python3 did not finish in 60 s") }
        return (process.exitStatus, process.standardOutput + process.standardError)
    }
}
