import Foundation
import Testing
@_spi(Rendering) @testable import LockGraph

/// The layered layout behind the HTML page's whole-graph drawing.
@Suite("Layered layout")
struct LayeredLayoutTests {
    private func edges(_ pairs: [(Int, Int)], preferBack: Set<Int> = []) -> [LayeredLayout.Edge] {
        pairs.enumerated().map { LayeredLayout.Edge(from: $0.element.0, to: $0.element.1, preferBack: preferBack.contains($0.offset)) }
    }

    @Test func layersAreLongestPathsFromTheSources() {
        // 0 -> 1 -> 2 -> 3, and a shortcut 0 -> 3 that must not pull 3 left.
        let layout = LayeredLayout(nodeCount: 5, edges: edges([(0, 1), (1, 2), (2, 3), (0, 3)]))
        #expect(layout.layer == [0, 1, 2, 3, 0])
        #expect(layout.isBackEdge == [false, false, false, false])
        #expect(layout.layerSizes == [2, 1, 1, 1])
    }

    @Test func theEdgeThatClosedTheCycleIsTheBackEdge() {
        // a -> b -> c -> a where c -> a closed the cycle: the order reads a, b, c.
        let layout = LayeredLayout(nodeCount: 3, edges: edges([(0, 1), (1, 2), (2, 0)], preferBack: [2]))
        #expect(layout.isBackEdge == [false, false, true])
        #expect(layout.layer == [0, 1, 2])
        // Without a preference, the first depth-first search from node 0 finds the same back edge.
        #expect(LayeredLayout(nodeCount: 3, edges: edges([(0, 1), (1, 2), (2, 0)])).isBackEdge == [false, false, true])
        // Preferring an edge that is on no cycle changes nothing: it stays forward.
        #expect(LayeredLayout(nodeCount: 3, edges: edges([(0, 1), (1, 2)], preferBack: [0])).isBackEdge == [false, false])
    }

    @Test func selfLoopsAndEdgesToUnknownNodesDoNotDisturbTheLayout() {
        let layout = LayeredLayout(nodeCount: 2, edges: edges([(0, 0), (0, 1), (1, 7), (-1, 0)]))
        #expect(layout.layer == [0, 1])
        #expect(layout.isBackEdge == [false, false, false, false])
    }

    @Test func barycenterSweepsUncrossEdges() {
        // Layer 0: 0, 1. Layer 1 in input order: 2 (child of 1), 3 (child of 0): two crossing edges.
        let pairs = [(1, 2), (0, 3)]
        #expect(LayeredLayout(nodeCount: 4, edges: edges(pairs), sweeps: 0).order == [0, 1, 0, 1])
        let layout = LayeredLayout(nodeCount: 4, edges: edges(pairs))
        #expect(layout.order[3] < layout.order[2], "3 follows 0, 2 follows 1: no crossing")
        #expect(layout.order[0] < layout.order[1])
    }

    /// 500 classes, 2,000 edges with cycles: every edge left in goes strictly right, the back
    /// edges are exactly what breaks the cycles, positions in a layer are 0..<size, and it is fast.
    @Test func aLargeCyclicGraphIsLaidOutConsistentlyAndQuickly() throws {
        var state: UInt64 = 18  // a fixed linear congruential sequence: the same graph every run
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % 500
        }
        var pairs: [(Int, Int)] = []
        var seen: Set<[Int]> = []
        while pairs.count < 2000 {
            let from = next(), to = next()
            // Mostly forward in index order; one in 200 backward, so there are cycles.
            guard from != to, (from < to) != (pairs.count % 200 == 0), seen.insert([from, to]).inserted else { continue }
            pairs.append((from, to))
        }
        let started = ContinuousClock.now
        let layout = LayeredLayout(nodeCount: 500, edges: edges(pairs))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5), "laid out in \(elapsed)")
        #expect(layout.isBackEdge.contains(true))
        for (index, (from, to)) in pairs.enumerated() where !layout.isBackEdge[index] {
            #expect(layout.layer[from] < layout.layer[to])
        }
        // Each back edge closes a cycle: its target reaches its source over the forward edges.
        var successors = Array(repeating: [Int](), count: 500)
        for (index, (from, to)) in pairs.enumerated() where !layout.isBackEdge[index] { successors[from].append(to) }
        for (index, (from, to)) in pairs.enumerated() where layout.isBackEdge[index] {
            var reached: Set<Int> = [to], frontier = [to]
            while let node = frontier.popLast() {
                for next in successors[node] where reached.insert(next).inserted { frontier.append(next) }
            }
            #expect(reached.contains(from), "back edge \(from) -> \(to) is on a cycle")
        }
        for (layer, size) in layout.layerSizes.enumerated() {
            let positions = (0..<500).filter { layout.layer[$0] == layer }.map { layout.order[$0] }.sorted()
            #expect(positions == Array(0..<size))
        }
    }
}

/// The page `lockgraph render --format html` writes, without a browser (the browser test in
/// Tests/BrowserTests opens it in Chromium).
@Suite("Graph page")
struct GraphPageTests {
    private func frame(_ symbol: String, _ line: Int) -> LockGraphDocument.Frame {
        .init(address: "0x1", symbol: symbol, file: "Sources/Bank/Bank.swift", line: line, image: nil)
    }

    private func document(_ edges: [(String, String, Bool)], locks: [String] = []) -> LockGraphDocument {
        LockGraphDocument(
            kind: LockGraphDocument.recordKind,
            process: .init(pid: 7, executable: "bank", date: "2026-11-26T00:00:00Z"),
            locks: locks.enumerated().map { .init(id: nil, name: $0.element, classKey: $0.element, type: "TrackedMutex", file: "Sources/Bank/Bank.swift", line: UInt($0.offset + 1)) },
            edges: edges.map { .init(from: $0.0, to: $0.1, fromID: nil, toID: nil, thread: .init(id: 3, name: "teller"), closesCycle: $0.2,
                                     holderStack: [frame("hold_\($0.0)()", 10)], acquirerStack: [frame("take_\($0.1)()", 20)]) },
            threads: nil)
    }

    @Test func theModelHasTheCycleItsLayoutAndEachEdgesStacks() throws {
        let model = GraphPage.Model(document([("accounts", "audit", false), ("audit", "accounts", true), ("accounts", "ledger", false),
                                              ("accounts", "audit", false)], locks: ["accounts", "audit", "ledger", "accounts"]))
        #expect(model.nodes.map(\.name) == ["accounts", "audit", "ledger"])
        #expect(model.nodes.map(\.instances) == [2, 1, 1])
        #expect(model.nodes.map(\.onCycle) == [true, true, false])
        // The two recordings of accounts -> audit are one class-level edge.
        #expect(model.edges.map { [$0.from, $0.to] } == [[0, 1], [1, 0], [0, 2]])
        #expect(model.edges[0].records == [0, 3])
        #expect(model.edges.map(\.onCycle) == [true, true, false])
        // The acquire that closed the cycle is the one drawn against the order.
        #expect(model.edges.map(\.back) == [false, true, false])
        #expect(model.nodes.map(\.layer) == [0, 1, 1])
        #expect(model.cycles == [[0, 1]])
        let record = model.records[1]
        #expect(record.closesCycle && record.thread == "3 \"teller\"")
        #expect(model.stacks[record.holderStack] == "    #0 hold_audit() at Bank.swift:10")
        #expect(model.stacks[record.acquirerStack] == "    #0 take_accounts() at Bank.swift:20")
        // Equal stacks are stored once: 8 stacks recorded, 5 different.
        #expect(model.stacks.count == 5)
    }

    /// A stack on the page folds runtime frames into one line, as live reports do.
    @Test func stacksOnThePageFoldRuntimeFrames() {
        var edited = document([("accounts", "audit", false)])
        edited.edges[0].acquirerStack.insert(contentsOf: ["swift_retain", "swift_release"].map {
            LockGraphDocument.Frame(address: "0x9", symbol: $0, file: nil, line: nil, image: "/usr/lib/swift/linux/libswiftCore.so")
        }, at: 1)
        edited.edges[0].acquirerStack.append(frame("main", 3))
        let model = GraphPage.Model(edited)
        #expect(model.stacks[model.records[0].acquirerStack]
            == "    #0 take_audit() at Bank.swift:20\n    ... 2 frames in libswiftCore\n    #3 main at Bank.swift:3")
    }

    @Test func anEmptyGraphAndASelfLoopGiveAPage() {
        let empty = GraphPage.Model(document([]))
        #expect(empty.nodes.isEmpty && empty.edges.isEmpty && empty.cycles.isEmpty)
        #expect(GraphPage.html(document([])).contains("const cycles = [];"))
        // Same-class nesting is an edge of the drawing, on no cycle and not a back edge.
        let nesting = GraphPage.Model(document([("ledger", "ledger", false)], locks: ["ledger"]))
        #expect(nesting.edges.count == 1 && !nesting.edges[0].onCycle && !nesting.edges[0].back && nesting.cycles.isEmpty)
    }

    @Test func thePageIsSelfContained() {
        let page = GraphPage.html(document([("a", "b", false), ("b", "a", true)], locks: ["a", "b"]))
        #expect(page.hasPrefix("<!doctype html>"))
        for external in ["<script src", "<link", "@import", "url(http", "fetch(", "XMLHttpRequest", "<img", "<iframe"] {
            #expect(!page.contains(external), "the page has no \(external)")
        }
        // The only URL is the SVG namespace, which names and loads nothing.
        #expect(page.components(separatedBy: "http").count - 1 == page.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(page.contains("const edges = ") && page.contains("const cycles = [[0,1]];"))
    }

    /// Names, files and thread names that look like markup reach the page only inside its JSON,
    /// escaped, or as HTML-escaped text in the summary line.
    @Test func markupInNamesFilesAndThreadsStaysText() {
        let hostile = "<!--<script>&</script>"
        var input = document([(hostile, "b", false), ("b", hostile, true)], locks: [hostile, "b"])
        input.locks[0].file = "</script><b>.swift"
        input.edges[0].thread.name = "</script>"
        input.process.executable = "<img src=x>"
        let page = GraphPage.html(input)
        #expect(!page.contains(hostile) && !page.contains("</script><b>") && !page.contains("<img"))
        #expect(page.contains("\\u003c!--\\u003cscript\\u003e\\u0026\\u003c\\/script\\u003e") || page.contains("\\u003c!--\\u003cscript\\u003e\\u0026\\u003c/script\\u003e"))
        #expect(page.contains("&lt;img src=x&gt;"))
        #expect(page.components(separatedBy: "<script").count == 2 && page.components(separatedBy: "</script>").count == 2)
        #expect(!page.contains("<!--"))
    }

    /// A generated graph of 500 lock classes and 2,000 edges (stacks included) is written fast.
    @Test func aPageFor500ClassesAnd2000EdgesIsWrittenQuickly() {
        let names = (0..<500).map { "Module\($0 % 8).lock\($0)" }
        var edges: [(String, String, Bool)] = []
        var seen: Set<[Int]> = []
        var index = 0
        while edges.count < 2000 {
            let from = index % 499, to = min(499, from + 1 + (index * 7919) % 40)
            if seen.insert([from, to]).inserted { edges.append((names[from], names[to], false)) }
            index += 1
        }
        edges[1999] = (edges[5].1, edges[5].0, true)  // a cycle: an edge taken both ways
        let input = document(edges, locks: names)
        let started = ContinuousClock.now
        let page = GraphPage.html(input)
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(10), "written in \(elapsed)")
        #expect(page.utf8.count < 3_000_000)
        let model = GraphPage.Model(input)
        #expect(model.nodes.count == 500 && model.edges.count == 2000 && !model.cycles.isEmpty)
    }
}
