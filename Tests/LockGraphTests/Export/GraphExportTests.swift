import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("Export")
    struct GraphExportTests {
        @Test func snapshotExportsShowLocksEdgesAndCycles() throws {
            let prefix = uniqueName("export")
            let a = TrackedMutex(name: "\(prefix)-a")
            let b = TrackedMutex(name: "\(prefix)-b")
            let c = TrackedMutex(name: "\(prefix)-c")
            a.withLock { b.withLock {} }
            b.withLock { a.withLock {} }  // closes a cycle
            a.withLock { c.withLock {} }  // not on any cycle
            let snapshot = LockMonitor.snapshot()

            let dot = snapshot.dot()
            #expect(dot.hasPrefix("digraph lockgraph {"))
            #expect(dot.contains("n\(a.info.id) -> n\(b.info.id) [color=red, penwidth=2];"))
            #expect(dot.contains("n\(b.info.id) -> n\(a.info.id) [color=red, penwidth=2];"))
            #expect(dot.contains("n\(a.info.id) -> n\(c.info.id);"))

            let text = snapshot.text()
            #expect(text.contains("\"\(prefix)-a\""))
            #expect(text.contains("-> \"\(prefix)-b\"") && text.contains("[on a cycle]"))

            let document = try LockGraphDocument.decode(snapshot.json())
            #expect(document.schemaVersion == LockGraphDocument.currentSchemaVersion && document.kind == "lockgraph-snapshot")
            let mine = document.edges.filter { $0.from.hasPrefix(prefix) }
            #expect(mine.count == 3)
            let closing = try #require(mine.first { $0.from == "\(prefix)-b" })
            #expect(closing.closesCycle)
            #expect(closing.acquirerStack.contains { $0.symbol?.contains("snapshotExportsShowLocksEdgesAndCycles") ?? false })
            #expect(document.locks.contains { $0.id == a.info.id && $0.classKey == "\(prefix)-a" })
        }
    }
}

/// The document format and the cross-run checker, without processes.
@Suite("Cross-run check")
struct CrossRunCheckTests {
    private func document(_ edges: [(String, String)], pid: Int32 = 1) -> LockGraphDocument {
        LockGraphDocument(
            schemaVersion: 1, kind: LockGraphDocument.recordKind,
            process: .init(pid: pid, executable: "test", date: "2026-11-25T00:00:00Z"),
            locks: [],
            edges: edges.map { .init(from: $0.0, to: $0.1, fromID: nil, toID: nil, thread: .init(id: 1, name: nil),
                                     closesCycle: false, holderStack: [], acquirerStack: []) },
            threads: nil)
    }

    @Test func aCycleSplitAcrossFilesIsFound() throws {
        var graph = RecordedLockGraph()
        graph.merge(document([("accounts", "audit"), ("audit", "ledger")]), source: "shard-1")
        graph.merge(document([("ledger", "accounts"), ("x", "y")], pid: 2), source: "shard-2")
        let cycles = graph.cycles()
        try #require(cycles.count == 1)
        #expect(cycles[0].classes == ["accounts", "audit", "ledger"])
        #expect(cycles[0].spansSources)
        #expect(Set(cycles[0].edges.map(\.source)) == ["shard-1", "shard-2"])
    }

    @Test func acyclicGraphsAndSelfLoopsAreNotCycles() {
        var graph = RecordedLockGraph()
        graph.merge(document([("a", "b"), ("b", "c"), ("a", "c"), ("account", "account")]), source: "one")
        #expect(graph.cycles().isEmpty)
        #expect(graph.sameClassNesting.map(\.from) == ["account"])
    }

    /// One long cycle is found with one search, not one per edge (that was quadratic: 4,000 edges
    /// took 34 s, and a 20,000-edge ring did not finish in 300 s).
    @Test func aTwentyThousandEdgeRingIsCheckedInSeconds() throws {
        let count = 20_000
        let ring = (0..<count).map { ("lock-\($0)", "lock-\(($0 + 1) % count)") }
        var graph = RecordedLockGraph()
        graph.merge(document(ring), source: "ring")
        let start = Date()
        let cycles = graph.cycles()
        let seconds = Date().timeIntervalSince(start)
        try #require(cycles.count == 1)
        #expect(cycles[0].edges.count == count)
        #expect(seconds < 10, "took \(seconds) s")
    }

    @Test func everyEdgeOnACycleAppearsInAReportedCycle() {
        // Two cycles sharing a node: a<->b and b<->c.
        var graph = RecordedLockGraph()
        graph.merge(document([("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]), source: "one")
        let cycles = graph.cycles()
        let covered = Set(cycles.flatMap { $0.edges.map { "\($0.from)>\($0.to)" } })
        #expect(covered == ["a>b", "b>a", "b>c", "c>b"])
        #expect(cycles.count == 2)
    }

    @Test func fiftyThousandEdgesAreChecked() {
        // A layered DAG of 50,000 edges plus one back edge that closes a long cycle.
        var edges: [(String, String)] = []
        for layer in 0..<500 {
            for index in 0..<100 { edges.append(("n\(layer)-\(index)", "n\(layer + 1)-\((index * 7 + layer) % 100)")) }
        }
        // Every node has one successor: follow n0-0's chain to its end and close it there.
        var end = 0
        for layer in 0..<500 { end = (end * 7 + layer) % 100 }
        edges.append(("n500-\(end)", "n0-0"))
        var graph = RecordedLockGraph()
        graph.merge(document(edges), source: "big")
        #expect(graph.edges.count == 50_001)
        let cycles = graph.cycles()
        #expect(cycles.count == 1)
        #expect(cycles.first?.edges.count == 501)
        #expect(cycles.allSatisfy { cycle in
            zip(cycle.edges, cycle.edges.dropFirst() + cycle.edges.prefix(1)).allSatisfy { $0.to == $1.from }
        })
    }

    @Test func malformedDocumentsAreRejectedWithTheReason() {
        func reason(_ json: String) -> String {
            do {
                _ = try LockGraphDocument.decode(Data(json.utf8))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(reason("{not json").contains("not valid JSON: invalid value around character 1"))
        #expect(reason("{}").contains("missing \"schemaVersion\""))
        #expect(reason(#"{"schemaVersion": 3, "kind": "lockgraph-record"}"#).contains("schemaVersion 3 is not supported"))
        #expect(reason(#"{"schemaVersion": 1, "kind": "other"}"#).contains("\"kind\" must be"))
        #expect(reason(#"{"schemaVersion": 1, "kind": "lockgraph-record"}"#).contains("missing \"process\""))
        let valid = document([("a", "b")])
        #expect((try? LockGraphDocument.decode(valid.encoded())) == valid)
    }
}

/// `lockgraph check` and `render` as a user runs them, on recordings made by real processes.
@Suite("lockgraph CLI")
struct CommandLineTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func run(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture(executable), arguments: arguments, environment: environment)
        #expect(process.waitForExit(timeout: 60))
        return process
    }

    @Test func checkFindsTheCycleAcrossTwoRecordedRuns() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for shard in ["transfer", "audit"] {
            let run = try run("sharded-abba", environment: ["SHARD": shard, "LOCKGRAPH_RECORD": directory.path])
            #expect(run.exitStatus == 0)
            #expect(!run.standardError.contains("LockGraph:"), "each shard alone sees no inversion")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 2 && files.allSatisfy { $0.hasPrefix("lockgraph-") && $0.hasSuffix(".json") })

        let check = try run("lockgraph", ["check", directory.path])
        #expect(check.exitStatus == 1)
        #expect(check.standardOutput.contains("Cycle 1: \"accounts\" -> \"audit\" -> \"accounts\" (across runs: no single process saw it)"))
        #expect(check.standardOutput.contains("transferFunds() at Inversions.swift"))
        #expect(check.standardOutput.contains("runAudit() at Inversions.swift"))

        // One shard alone: no cycle.
        let single = try run("lockgraph", ["check", directory.appendingPathComponent(files.sorted()[0]).path])
        #expect(single.exitStatus == 0)
        #expect(single.standardOutput.contains("No lock-order cycle."))

        let html = directory.appendingPathComponent("graph.html")
        let render = try run("lockgraph", ["render", directory.appendingPathComponent(files[0]).path, "--format", "html", "-o", html.path])
        #expect(render.exitStatus == 0)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("const edges =") && page.contains("closesCycle"))
        #expect(!page.contains("<script src") && !page.contains("<link "))  // self-contained
        let dot = try run("lockgraph", ["render", directory.appendingPathComponent(files[0]).path])
        #expect(dot.standardOutput.hasPrefix("digraph lockgraph {"))
    }

    /// A lock name that looks like markup stays text: `<`, `>` and `&` in the page's inline JSON
    /// are escaped, so the name cannot open a comment or close the script.
    @Test func aLockNamedLikeMarkupCannotBreakTheHTMLPage() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hostile = "<!--<script>&</script>"
        let thread = LockGraphDocument.Thread(id: 1, name: "t")
        let document = LockGraphDocument(
            kind: LockGraphDocument.recordKind,
            process: .init(pid: 1, executable: "x", date: "2026-11-26T00:00:00Z"),
            locks: [.init(id: nil, name: hostile, classKey: hostile, type: "TrackedMutex", file: "A.swift", line: 1),
                    .init(id: nil, name: "b", classKey: "b", type: "TrackedMutex", file: "A.swift", line: 2)],
            edges: [.init(from: hostile, to: "b", fromID: nil, toID: nil, thread: thread, closesCycle: false, holderStack: [], acquirerStack: []),
                    .init(from: "b", to: hostile, fromID: nil, toID: nil, thread: thread, closesCycle: true, holderStack: [], acquirerStack: [])],
            threads: nil)
        let input = directory.appendingPathComponent("record.json")
        try document.encoded().write(to: input)
        let html = directory.appendingPathComponent("graph.html")
        let render = try run("lockgraph", ["render", input.path, "--format", "html", "-o", html.path])
        #expect(render.exitStatus == 0)
        let page = try String(contentsOf: html, encoding: .utf8)
        let script = try #require(page.range(of: "const edges =").map { page[$0.lowerBound...] })
        #expect(!script.contains("<!--"))
        #expect(script.contains("\\u003c!--\\u003cscript\\u003e\\u0026\\u003c"))
        // Exactly the page's own script tags remain.
        #expect(page.components(separatedBy: "<script").count - 1 == page.components(separatedBy: "</script>").count - 1)
    }

    @Test func badInputExitsWithStatusTwoAndNamesTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = try run("lockgraph", ["check", directory.path])
        #expect(empty.exitStatus == 2)
        #expect(empty.standardError.contains("no recorded graph files (*.json)"))

        let broken = directory.appendingPathComponent("broken.json")
        try Data("{\"schemaVersion\": 1, \"kind\": \"lockgraph-record\", \"edges\": [".utf8).write(to: broken)
        let malformed = try run("lockgraph", ["check", broken.path])
        #expect(malformed.exitStatus == 2)
        #expect(malformed.standardError.contains("broken.json"))

        let missing = try run("lockgraph", ["check", directory.appendingPathComponent("nope.json").path])
        #expect(missing.exitStatus == 2)
        #expect(missing.standardError.contains("nope.json: no such file or directory"))
    }
}
