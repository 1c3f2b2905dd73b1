import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LockGraph

/// Recorded documents for the format tests: cycles whose stacks point into a package at
/// `/src/app`, as a record made on another machine would.
enum FindingsSamples {
    static let root = "/src/app"

    /// A frame at `line` of `relative` under `root`; `relative` nil: a file under no root.
    static func frame(_ symbol: String, _ file: String, line: Int, relative: Bool = true) -> LockGraphDocument.Frame {
        LockGraphDocument.Frame(address: "0x1", symbol: symbol, file: relative ? "\(root)/\(file)" : file, line: line, image: "app",
                                relativeFile: relative ? file : nil, sourceRoot: relative ? root : nil)
    }

    /// An edge `from -> to` first taken at position `order`, held at `heldLine`, acquired at
    /// `acquiredLine` of Sources/App/Bank.swift.
    static func edge(_ from: String, _ to: String, order: Int?, heldLine: Int, acquiredLine: Int,
                     closesCycle: Bool = false) -> LockGraphDocument.Edge {
        LockGraphDocument.Edge(
            from: from, to: to, fromID: nil, toID: nil, thread: .init(id: 7, name: "worker"), closesCycle: closesCycle,
            holderStack: [frame("hold()", "Sources/App/Bank.swift", line: heldLine)],
            acquirerStack: [frame("take()", "Sources/App/Bank.swift", line: acquiredLine),
                            frame("main", "Sources/App/main.swift", line: 3)],
            order: order)
    }

    static func document(_ edges: [LockGraphDocument.Edge], pid: Int32 = 10, date: String = "2026-11-26T00:00:00Z") -> LockGraphDocument {
        LockGraphDocument(kind: LockGraphDocument.recordKind, process: .init(pid: pid, executable: "app", date: date),
                          locks: [], edges: edges, threads: nil)
    }

    /// accounts -> audit taken first (lines 10, 11), audit -> accounts last (lines 20, 21).
    static let abba = document([
        edge("accounts", "audit", order: 0, heldLine: 10, acquiredLine: 11),
        edge("audit", "accounts", order: 1, heldLine: 20, acquiredLine: 21),
    ])

    static func check(_ documents: [LockGraphDocument]) -> RecordedCheck {
        RecordedCheck(documents: documents.enumerated().map { ("record-\($0.offset).json", $0.element) })
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

/// SARIF 2.1.0 field by field: what the specification requires and GitHub code scanning reads
/// (`version`, `$schema`, `runs[].tool.driver.name` and rules, `results[].ruleId`,
/// `message.text`, `locations[].physicalLocation.artifactLocation.uri` and `region.startLine`).
@Suite("Findings formats")
struct FindingsFormatTests {
    @Test func sarifHasOneResultPerCycleWithTheClosingAcquisitionAsItsLocation() throws {
        let check = FindingsSamples.check([FindingsSamples.abba])
        let log = try FindingsSamples.object(check.report.rendered(as: .sarif))
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.hasSuffix("sarif-schema-2.1.0.json") == true)
        let runs = try #require(log["runs"] as? [[String: Any]])
        try #require(runs.count == 1)
        let run = runs[0]
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "LockGraph")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == LockGraphFinding.Rule.cycleRules.map(\.id))
        for rule in rules {
            #expect(rule["name"] is String)
            #expect(((rule["shortDescription"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            #expect(((rule["fullDescription"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            #expect((rule["defaultConfiguration"] as? [String: Any])?["level"] as? String == "error")
        }
        #expect(((run["originalUriBaseIds"] as? [String: Any])?["%SRCROOT%"] as? [String: Any])?["uri"] as? String == "file:///src/app/")

        let results = try #require(run["results"] as? [[String: Any]])
        try #require(results.count == 1)
        let result = results[0]
        #expect(result["ruleId"] as? String == "lockgraph/lock-order-inversion")
        let ruleIndex = try #require(result["ruleIndex"] as? Int)
        #expect(rules[ruleIndex]["id"] as? String == "lockgraph/lock-order-inversion")
        #expect(result["level"] as? String == "error")
        let message = try #require((result["message"] as? [String: Any])?["text"] as? String)
        #expect(message == check.findings[0].text)
        #expect(message.hasPrefix("Cycle 1: \"accounts\" -> \"audit\" -> \"accounts\"") && message.contains("take() at Bank.swift:21"))

        // The primary location: audit -> accounts, taken last, acquired at line 21.
        let locations = try #require(result["locations"] as? [[String: Any]])
        #expect(locations.count == 1)
        #expect(Self.site(locations[0]) == "%SRCROOT%:Sources/App/Bank.swift:21")
        // Each edge's two acquisition sites, numbered, with a message.
        let related = try #require(result["relatedLocations"] as? [[String: Any]])
        #expect(related.map(Self.site) == ["%SRCROOT%:Sources/App/Bank.swift:10", "%SRCROOT%:Sources/App/Bank.swift:11",
                                           "%SRCROOT%:Sources/App/Bank.swift:20", "%SRCROOT%:Sources/App/Bank.swift:21"])
        #expect(related.compactMap { $0["id"] as? Int } == [1, 2, 3, 4])
        #expect(related.allSatisfy { (($0["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false })
        let fingerprints = try #require(result["partialFingerprints"] as? [String: String])
        #expect(fingerprints.values.allSatisfy { $0.count == 16 })
    }

    /// A frame whose file lies under no root, or has no line, gives no SARIF location: GitHub
    /// rejects an absolute path outside the checkout and a `startLine` of 0.
    @Test func locationsWithoutARootRelativeFileOrALineAreLeftOut() throws {
        var outside = FindingsSamples.edge("a", "b", order: 0, heldLine: 1, acquiredLine: 2)
        outside.holderStack = [FindingsSamples.frame("lib", "/usr/lib/swift/Lock.swift", line: 5, relative: false)]
        outside.acquirerStack = [FindingsSamples.frame("take()", "Sources/App/Bank.swift", line: 0)]
        var unsymbolized = FindingsSamples.edge("b", "a", order: 1, heldLine: 1, acquiredLine: 2)
        unsymbolized.holderStack = [LockGraphDocument.Frame(address: "0x2", symbol: nil, file: nil, line: nil, image: "app")]
        unsymbolized.acquirerStack = []
        let check = FindingsSamples.check([FindingsSamples.document([outside, unsymbolized])])
        let result = try #require(((try FindingsSamples.object(check.report.rendered(as: .sarif))["runs"] as? [[String: Any]])?
            .first?["results"] as? [[String: Any]])?.first)
        #expect(result["locations"] == nil)
        #expect(result["relatedLocations"] == nil)
        #expect((result["message"] as? [String: Any])?["text"] as? String == check.findings[0].text)
        // The JSON format still names the absolute file it knows.
        #expect(check.findings[0].relatedLocations.map(\.file) == ["/usr/lib/swift/Lock.swift"])
        #expect(check.findings[0].relatedLocations.first?.relativeFile == nil)
    }

    /// The edge taken last closed the cycle; a snapshot's `closesCycle` flag says so outright;
    /// version 1 records (no order) leave the cycle's last edge; across records, the later run.
    @Test func theClosingEdgeIsTheOneTakenLast() {
        func closingLine(_ documents: [LockGraphDocument]) -> Int? { FindingsSamples.check(documents).findings.first?.location?.line }
        #expect(closingLine([FindingsSamples.abba]) == 21)
        #expect(closingLine([FindingsSamples.document([
            FindingsSamples.edge("accounts", "audit", order: 1, heldLine: 10, acquiredLine: 11),
            FindingsSamples.edge("audit", "accounts", order: 0, heldLine: 20, acquiredLine: 21),
        ])]) == 11)
        #expect(closingLine([FindingsSamples.document([
            FindingsSamples.edge("accounts", "audit", order: nil, heldLine: 10, acquiredLine: 11, closesCycle: true),
            FindingsSamples.edge("audit", "accounts", order: nil, heldLine: 20, acquiredLine: 21),
        ])]) == 11)
        #expect(closingLine([
            FindingsSamples.document([FindingsSamples.edge("accounts", "audit", order: 5, heldLine: 10, acquiredLine: 11)],
                                     date: "2026-11-26T10:00:00Z"),
            FindingsSamples.document([FindingsSamples.edge("audit", "accounts", order: 0, heldLine: 20, acquiredLine: 21)],
                                     pid: 11, date: "2026-11-26T09:00:00Z"),
        ]) == 11)
    }

    /// The fingerprint names the problem, not the run: other pids, dates, lines and the lock a
    /// cycle is listed from do not change it; other locks or another rule do.
    @Test func fingerprintsAreStableAcrossRuns() {
        let first = FindingsSamples.check([FindingsSamples.abba]).findings[0].fingerprint
        let rerun = FindingsSamples.check([FindingsSamples.document([
            FindingsSamples.edge("audit", "accounts", order: 0, heldLine: 40, acquiredLine: 41),
            FindingsSamples.edge("accounts", "audit", order: 1, heldLine: 50, acquiredLine: 51),
        ], pid: 99, date: "2027-01-01T00:00:00Z")]).findings[0].fingerprint
        #expect(first == rerun)
        #expect(first == LockGraphFinding.fingerprint(rule: .lockOrderInversion, locks: ["audit", "accounts"]))
        #expect(first != LockGraphFinding.fingerprint(rule: .classInversion, locks: ["accounts", "audit"]))
        #expect(first != LockGraphFinding.fingerprint(rule: .lockOrderInversion, locks: ["accounts", "ledger"]))
    }

    @Test func aCycleThroughASignalUsesTheWaitSignalRule() {
        let check = FindingsSamples.check([FindingsSamples.document([
            FindingsSamples.edge("queue", "ready (signal)", order: 0, heldLine: 1, acquiredLine: 2),
            FindingsSamples.edge("ready (signal)", "queue", order: 1, heldLine: 3, acquiredLine: 4),
        ])])
        #expect(check.findings.map(\.rule.id) == ["lockgraph/wait-signal-cycle"])
    }

    @Test func jsonIsAVersionedListOfFindings() throws {
        let check = FindingsSamples.check([FindingsSamples.abba])
        let document = try FindingsSamples.object(check.report.rendered(as: .json))
        #expect(document["schemaVersion"] as? Int == 1)
        #expect(document["kind"] as? String == "lockgraph-findings")
        #expect(document["name"] as? String == "lockgraph check")
        let finding = try #require((document["findings"] as? [[String: Any]])?.first)
        #expect(finding["ruleId"] as? String == "lockgraph/lock-order-inversion")
        #expect(finding["title"] as? String == "Cycle 1: \"accounts\" -> \"audit\" -> \"accounts\"")
        #expect(finding["locks"] as? [String] == ["accounts", "audit"])
        #expect(finding["fingerprint"] as? String == check.findings[0].fingerprint)
        let location = try #require(finding["location"] as? [String: Any])
        #expect(location["file"] as? String == "/src/app/Sources/App/Bank.swift")
        #expect(location["relativeFile"] as? String == "Sources/App/Bank.swift")
        #expect(location["root"] as? String == "/src/app")
        #expect(location["line"] as? Int == 21)
        #expect((finding["relatedLocations"] as? [Any])?.count == 4)
    }

    /// The text format is the report `lockgraph check` printed before formats existed.
    @Test func textIsTheCheckReport() {
        let text = FindingsSamples.check([FindingsSamples.abba]).report.rendered(as: .text)
        #expect(text.hasPrefix("Checked 2 class-level edges from 1 file(s).\n\nCycle 1: \"accounts\" -> \"audit\" -> \"accounts\"\n"))
        #expect(text.hasSuffix("\n\n1 lock-order cycle(s): take these locks in one global order.\n"))
        let none = FindingsSamples.check([FindingsSamples.document([FindingsSamples.edge("a", "b", order: 0, heldLine: 1, acquiredLine: 2)])])
        #expect(none.report.rendered(as: .text) == "Checked 1 class-level edges from 1 file(s).\n\nNo lock-order cycle.\n")
    }

    /// Each cycle opens, as a live report does, on the code paths to change: the first user
    /// frame of each edge's acquisition (runtime and compiler glue stepped over).
    @Test func eachCycleOpensOnTheCodePathsToChange() {
        var glued = FindingsSamples.edge("audit", "accounts", order: 1, heldLine: 20, acquiredLine: 21)
        glued.acquirerStack.insert(LockGraphDocument.Frame(address: "0x2", symbol: "swift_release", file: nil, line: nil,
                                                           image: "/usr/lib/swift/linux/libswiftCore.so"), at: 0)
        let document = FindingsSamples.document([FindingsSamples.edge("accounts", "audit", order: 0, heldLine: 10, acquiredLine: 11), glued])
        let lines = FindingsSamples.check([document]).textLines
        let title = lines.firstIndex { $0.hasPrefix("Cycle 1: ") } ?? 0
        #expect(Array(lines[title + 1 ... title + 2]) == [
            "  fix one of: take() at Bank.swift:11 (takes \"audit\" while holding \"accounts\")",
            "          or: take() at Bank.swift:21 (takes \"accounts\" while holding \"audit\")",
        ])
    }

    /// Stacks in the text fold runtime and compiler-generated frames into one line, as live
    /// reports do, keeping the frames' numbers.
    @Test func stacksFoldRuntimeFramesAsLiveReportsDo() {
        var glued = FindingsSamples.edge("audit", "accounts", order: 1, heldLine: 20, acquiredLine: 21)
        let runtime = ["swift_release", "swift_deallocClassInstance"].map {
            LockGraphDocument.Frame(address: "0x2", symbol: $0, file: nil, line: nil, image: "/usr/lib/swift/linux/libswiftCore.so")
        }
        glued.acquirerStack.insert(contentsOf: runtime, at: 1)
        let document = FindingsSamples.document([FindingsSamples.edge("accounts", "audit", order: 0, heldLine: 10, acquiredLine: 11), glued])
        let lines = FindingsSamples.check([document]).textLines
        let acquired = lines.firstIndex { $0.hasSuffix("\"accounts\" acquired while holding \"audit\":") } ?? 0
        #expect(lines.count > acquired + 3)
        #expect(lines[acquired + 1].hasPrefix("        #0 take() at Bank.swift:21"), "\(lines)")
        #expect(lines[acquired + 2] == "        ... 2 frames in libswiftCore", "\(lines)")
        #expect(lines[acquired + 3].hasPrefix("        #3 "), "\(lines)")
        #expect(!lines.contains { $0.contains("swift_release") })
    }

    /// `site` of a SARIF location: `uriBaseId:uri:startLine`.
    static func site(_ location: [String: Any]) -> String {
        let physical = location["physicalLocation"] as? [String: Any]
        let artifact = physical?["artifactLocation"] as? [String: Any]
        let line = (physical?["region"] as? [String: Any])?["startLine"] as? Int
        return "\(artifact?["uriBaseId"] as? String ?? "-"):\(artifact?["uri"] as? String ?? "-"):\(line.map(String.init) ?? "-")"
    }
}
