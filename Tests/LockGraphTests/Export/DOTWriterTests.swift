import Testing
@_spi(Rendering) @testable import LockGraph

/// The one DOT writer behind `LockGraphSnapshot.dot()` and `lockgraph render`.
@Suite("DOT writer")
struct DOTWriterTests {
    @Test func aSmallGraphIsWrittenExactly() {
        let graph = DOTGraph(
            nodes: [DOTGraph.Node(id: "n1", label: "accounts\nBank.swift:12"), DOTGraph.Node(id: "n2", label: "TrackedMutex\nBank.swift:13"),
                    DOTGraph.Node(id: "n3")],
            edges: [DOTGraph.Edge(from: "n1", to: "n2", onCycle: true), DOTGraph.Edge(from: "n2", to: "n1", onCycle: true),
                    DOTGraph.Edge(from: "n1", to: "n3", onCycle: false)])
        #expect(graph.text == """
            digraph lockgraph {
              rankdir=LR;
              node [shape=box, fontname="monospace"];
              n1 [label="accounts\\nBank.swift:12"];
              n2 [label="TrackedMutex\\nBank.swift:13"];
              n3;
              n1 -> n2 [color=red, penwidth=2];
              n2 -> n1 [color=red, penwidth=2];
              n1 -> n3;
            }

            """)
        #expect(DOTGraph(nodes: [], edges: []).text == "digraph lockgraph {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n}\n")
    }

    @Test func onlyIDsThatNeedQuotesAreQuotedAndEscaped() {
        #expect(DOTGraph.id("accounts") == "accounts")
        #expect(DOTGraph.id("_a1") == "_a1")
        #expect(DOTGraph.id("1a") == "\"1a\"")
        #expect(DOTGraph.id("Bank.swift:12") == "\"Bank.swift:12\"")
        #expect(DOTGraph.id("pool slots") == "\"pool slots\"")
        #expect(DOTGraph.id("Node") == "\"Node\"")  // a keyword, in any case
        #expect(DOTGraph.id("") == "\"\"")
        #expect(DOTGraph.id("a\"b\\c\nd") == #""a\"b\\c\nd""#)
        #expect(DOTGraph.id("café") == "\"café\"")
    }
}

extension MonitorTests {
    /// `LockGraphSnapshot.dot()` through the writer (in the serialized suite: it uses the graph).
    @Suite("DOT of a snapshot")
    struct SnapshotDOTTests {
        @Test func aSnapshotIsWrittenWithLockIDsAndLabels() {
            let prefix = uniqueName("dot")
            let a = TrackedMutex(name: "\(prefix)-a")
            let b = TrackedMutex()
            a.withLock { b.withLock {} }
            let dot = LockMonitor.snapshot().dot()
            #expect(dot.contains("  n\(a.info.id) [label=\"\(prefix)-a\\n\(a.info.descriptor.shortSite)\"];\n"))
            #expect(dot.contains("  n\(b.info.id) [label=\"TrackedMutex\\n\(b.info.descriptor.shortSite)\"];\n"))
            #expect(dot.contains("  n\(a.info.id) -> n\(b.info.id);\n"))
        }
    }
}
