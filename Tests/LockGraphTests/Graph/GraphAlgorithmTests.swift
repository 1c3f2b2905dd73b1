import Testing
@testable import LockGraph

/// A step of a generated case whose nodes `GraphAlgorithmTests.shrink` can merge and rename.
protocol ShrinkableOperation {
    var nodes: [UInt64] { get }
    func renaming(_ rename: (UInt64) -> UInt64) -> Self
}

extension GraphAlgorithmTests.Operation: ShrinkableOperation {}

/// `GraphCycles` (Pearce–Kelly) against a brute-force reference: a plain adjacency-set model
/// with a reachability search, over random insertions, removals and queries.
@Suite("Graph algorithm")
struct GraphAlgorithmTests {
    /// A tiny deterministic generator so a failing seed can be replayed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// The reference: adjacency sets and a depth-first search, nothing clever. It keeps the
    /// predecessors too only so that removing a node touches its neighbours rather than every
    /// node (the scale test removes thousands of nodes from a 1,000-node graph).
    struct Model {
        var successors: [UInt64: Set<UInt64>] = [:]
        var predecessors: [UInt64: Set<UInt64>] = [:]
        /// Nodes named by any insertion (of distinct endpoints) and not removed since.
        var nodes: Set<UInt64> = []
        private(set) var edgeCount = 0

        func reaches(_ start: UInt64, _ target: UInt64) -> Bool {
            if start == target { return true }
            var frontier = [start]
            var seen: Set<UInt64> = [start]
            while let node = frontier.popLast() {
                for next in successors[node] ?? [] where seen.insert(next).inserted {
                    if next == target { return true }
                    frontier.append(next)
                }
            }
            return false
        }

        func isPath(_ path: [UInt64]) -> Bool {
            zip(path, path.dropFirst()).allSatisfy { successors[$0]?.contains($1) ?? false }
        }

        mutating func insert(_ x: UInt64, _ y: UInt64) {
            if successors[x, default: []].insert(y).inserted { edgeCount += 1 }
            predecessors[y, default: []].insert(x)
        }

        mutating func remove(_ node: UInt64) {
            nodes.remove(node)
            for next in successors.removeValue(forKey: node) ?? [] {
                predecessors[next]?.remove(node)
                edgeCount -= 1
            }
            for previous in predecessors.removeValue(forKey: node) ?? [] {
                successors[previous]?.remove(node)
                edgeCount -= 1
            }
        }
    }

    /// One step of a generated case.
    enum Operation: Equatable, CustomStringConvertible {
        case insert(UInt64, UInt64)
        case remove(UInt64)
        case query(UInt64, UInt64)
        case removeAll

        var description: String {
            switch self {
            case .insert(let x, let y): "insert \(x)->\(y)"
            case .remove(let x): "remove \(x)"
            case .query(let x, let y): "path \(x)..\(y)"
            case .removeAll: "remove all"
            }
        }

        var nodes: [UInt64] {
            switch self {
            case .insert(let x, let y), .query(let x, let y): [x, y]
            case .remove(let x): [x]
            case .removeAll: []
            }
        }

        func renaming(_ rename: (UInt64) -> UInt64) -> Operation {
            switch self {
            case .insert(let x, let y): .insert(rename(x), rename(y))
            case .remove(let x): .remove(rename(x))
            case .query(let x, let y): .query(rename(x), rename(y))
            case .removeAll: .removeAll
            }
        }
    }

    /// 70% inserts, 10% node removals, 20% path queries over 30-60 nodes.
    static func generate(seed: Int, count: Int) -> [Operation] {
        var random = Random(state: UInt64(seed) &* 7919 &+ 1)
        let nodeCount = 30 + random.below(31)
        return (0..<count).map { _ in
            let roll = random.below(100)
            let x = UInt64(random.below(nodeCount) + 1)
            let y = UInt64(random.below(nodeCount) + 1)
            return roll < 70 ? .insert(x, y) : roll < 80 ? .remove(x) : .query(x, y)
        }
    }

    /// `GraphCycles` and the model side by side: applies one operation to both and returns
    /// the first disagreement or broken invariant (`checkInvariants()` after every change).
    /// With `modelForgetsRemovals` the reference is deliberately wrong (it keeps a removed
    /// node's edges), which gives the shrinker a known failure to minimise.
    struct Replay {
        var graph: GraphCycles
        var model = Model()
        var step = 0
        /// Edges added with `insertUnsettled` (so a test can require that some were).
        var unsettledInserts = 0
        let modelForgetsRemovals: Bool

        init(spacing: Int, modelForgetsRemovals: Bool = false) {
            graph = GraphCycles(spacing: spacing)
            self.modelForgetsRemovals = modelForgetsRemovals
        }

        mutating func apply(_ operation: Operation) -> String? {
            defer { step += 1 }
            let context = "step \(step) (\(operation))"
            switch operation {
            case .insert(let x, let y):
                // Reachability between the endpoints alone decides the answer.
                let expectedCycle = model.reaches(y, x)
                let alreadyThere = model.successors[x]?.contains(y) ?? false
                if x != y {
                    model.nodes.insert(x)
                    model.nodes.insert(y)
                }
                // Every other new edge that agrees with the ranks goes in unsettled, as the
                // store's drain adds them, so reorders, removals and queries meet unsettled edges.
                if step % 2 == 0, !alreadyThere, let from = graph.rank(of: x), let to = graph.rank(of: y), from < to {
                    graph.insertUnsettled(from: x, to: y)
                    model.insert(x, y)
                    unsettledInserts += 1
                    break
                }
                // `insertEdge` takes an unsettled edge for a new one (its callers know which edges
                // they have: the order graph's edge table), so a repeat settles it first.
                if alreadyThere && graph.unsettled.contains(where: { $0 == (x, y) }) { graph.settle() }
                switch graph.insertEdge(from: x, to: y) {
                case .cycle(let path):
                    if !expectedCycle { return "\(context): false cycle" }
                    if path.first != y || path.last != x || !model.isPath(path) { return "\(context): bad cycle path \(path)" }
                case .alreadyPresent:
                    if !alreadyThere { return "\(context): claimed present" }
                case .inserted:
                    if expectedCycle || alreadyThere { return "\(context): inserted (cycle \(expectedCycle), present \(alreadyThere))" }
                    model.insert(x, y)
                }
            case .remove(let x):
                graph.removeNode(x)
                if !modelForgetsRemovals { model.remove(x) }
            case .query(let x, let y):
                // `path` reads the adjacency sets, which only a settled graph has complete.
                graph.settle()
                let path = graph.path(from: x, to: y)
                let reachable = model.reaches(x, y) && (x != y || model.nodes.contains(x))
                if (path != nil) != reachable { return "\(context): path \(String(describing: path)), expected reachable \(reachable)" }
                if let path, !(model.isPath(path) && path.first == x && path.last == y) { return "\(context): bad path \(path)" }
            case .removeAll:
                graph.removeAll()
                model = Model()
            }
            // A query only settles, which `checkInvariants()` after the previous step covers.
            if case .query = operation { return nil }
            if let violation = graph.checkInvariants() { return "\(context): \(violation)" }
            if !modelForgetsRemovals && (graph.edgeCount, graph.nodeCount) != (model.edgeCount, model.nodes.count) {
                return "\(context): \(graph.edgeCount) edges, \(graph.nodeCount) nodes; model \(model.edgeCount), \(model.nodes.count)"
            }
            return nil
        }
    }

    /// Replays `operations` from an empty graph; returns the first disagreement, nil when the
    /// graph and the model agree throughout.
    static func firstDisagreement(_ operations: [Operation], spacing: Int = 1 << 20, modelForgetsRemovals: Bool = false) -> String? {
        var replay = Replay(spacing: spacing, modelForgetsRemovals: modelForgetsRemovals)
        for operation in operations {
            if let failure = replay.apply(operation) { return failure }
        }
        return nil
    }

    /// Shrinks a failing case: delta debugging removes ever smaller chunks of operations while
    /// the case still fails, then pairs of nodes are merged (one renamed to the other), and the
    /// two repeat until neither makes progress. Nodes are finally renamed 1, 2, 3... in order of
    /// appearance when that still fails (set iteration order can depend on the names).
    static func shrink<Step: ShrinkableOperation>(_ operations: [Step], fails: ([Step]) -> Bool) -> [Step] {
        var current = operations
        var progress = true
        while progress {
            progress = false
            var chunk = max(1, current.count / 2)
            while true {
                var start = 0
                var removedAny = false
                while start < current.count {
                    var candidate = current
                    candidate.removeSubrange(start..<min(start + chunk, current.count))
                    if fails(candidate) {
                        current = candidate
                        removedAny = true
                        progress = true
                    } else {
                        start += chunk
                    }
                }
                if chunk == 1 && !removedAny { break }
                if !removedAny { chunk = max(1, chunk / 2) }
            }
            let nodes = Array(Set(current.flatMap(\.nodes))).sorted()
            merging: for (index, kept) in nodes.enumerated() {
                for merged in nodes[(index + 1)...] {
                    let candidate = current.map { $0.renaming { $0 == merged ? kept : $0 } }
                    if fails(candidate) {
                        current = candidate
                        progress = true
                        break merging
                    }
                }
            }
        }
        var names: [UInt64: UInt64] = [:]
        for node in current.flatMap(\.nodes) where names[node] == nil { names[node] = UInt64(names.count + 1) }
        let renamed = current.map { $0.renaming { names[$0] ?? $0 } }
        return fails(renamed) ? renamed : current
    }

    /// 40 seeds x 2,500 operations = 100,000 operations; any disagreement is reported with the
    /// shrunk, minimal sequence that reproduces it. Rank spacings of 1 and 3 exhaust the gaps
    /// at once, so renumbering and the Pearce–Kelly fallback run as often as the gap moves.
    @Test(arguments: 0..<40)
    func agreesWithBruteForce(seed: Int) {
        let spacing = [1, 3, 1 << 20][seed % 3]
        let operations = Self.generate(seed: seed, count: 2_500)
        guard let failure = Self.firstDisagreement(operations, spacing: spacing) else { return }
        let minimal = Self.shrink(operations) { Self.firstDisagreement($0, spacing: spacing) != nil }
        Issue.record("seed \(seed), spacing \(spacing): \(failure)\nminimal case (\(minimal.count) operations): \(minimal)\n\(Self.firstDisagreement(minimal, spacing: spacing) ?? "")")
    }

    /// The shrinker itself, on a known bug: a reference that forgets node removals disagrees
    /// after insert a->b, remove a, then a query or an insert through the stale edge. A
    /// 2,500-operation failing case must shrink to at most three operations that still fail.
    @Test func shrinkerReducesAKnownFailureToAMinimalCase() throws {
        let failing = try #require((0..<40).lazy.map { Self.generate(seed: $0, count: 2_500) }
            .first { Self.firstDisagreement($0, modelForgetsRemovals: true) != nil })
        let minimal = Self.shrink(failing) { Self.firstDisagreement($0, modelForgetsRemovals: true) != nil }
        #expect(Self.firstDisagreement(minimal, modelForgetsRemovals: true) != nil)
        #expect(minimal.count <= 3, "\(minimal): \(Self.firstDisagreement(minimal, modelForgetsRemovals: true) ?? "")")
        #expect(minimal.contains { if case .remove = $0 { true } else { false } })
        #expect(Set(minimal.flatMap(\.nodes)).isSubset(of: [1, 2, 3]))
    }

    @Test func abbaIsACycleAndTheEdgeIsNotInserted() {
        var graph = GraphCycles()
        #expect(graph.insertEdge(from: 1, to: 2) == .inserted)
        #expect(graph.insertEdge(from: 1, to: 2) == .alreadyPresent)
        #expect(graph.insertEdge(from: 2, to: 1) == .cycle(path: [1, 2]))
        #expect(!graph.hasEdge(from: 2, to: 1))
        #expect(graph.insertEdge(from: 3, to: 3) == .cycle(path: [3]))
    }

    @Test func edgeAgainstTheCurrentOrderIsReorderedNotRejected() {
        var graph = GraphCycles()
        #expect(graph.insertEdge(from: 3, to: 4) == .inserted)  // ranks by id: 3 < 4
        #expect(graph.insertEdge(from: 1, to: 2) == .inserted)  // ranks by id: 1 < 2 < 3
        #expect(graph.insertEdge(from: 4, to: 1) == .inserted)  // against the ranks: reorder
        #expect(graph.isTopologicallyOrdered())
        #expect(graph.path(from: 3, to: 2) == [3, 4, 1, 2])
        #expect(graph.insertEdge(from: 2, to: 3) == .cycle(path: [3, 4, 1, 2]))
    }

    @Test func removingANodeRemovesItsEdges() {
        var graph = GraphCycles()
        _ = graph.insertEdge(from: 1, to: 2)
        _ = graph.insertEdge(from: 2, to: 3)
        #expect(graph.insertEdge(from: 3, to: 1) == .cycle(path: [1, 2, 3]))
        graph.removeNode(2)
        #expect(graph.edgeCount == 0)
        #expect(graph.insertEdge(from: 3, to: 1) == .inserted)
        graph.removeAll()
        #expect(graph.nodeCount == 0)
    }

    // MARK: The order graph: inversion edges, dedupe, removal, guards, reader-writer nodes

    private func lock(_ name: String, readerWriter: Bool = false) -> LockInfo {
        LockInfo(name: name, file: #fileID, line: #line, kind: readerWriter ? .readerWriter : .mutex)
    }

    private func edge(_ from: LockInfo, _ to: LockInfo, guards: Set<UInt64> = [],
                      fromNode: UInt64? = nil, toNode: UInt64? = nil) -> EdgeRecord {
        EdgeRecord(from: from, to: to, fromNode: fromNode ?? from.id, toNode: toNode ?? to.id,
                   data: EdgeData(holderStack: 0, acquirerStack: 0, thread: 0), guards: guards)
    }

    private func names(_ cycle: [EdgeRecord]?) -> [String] {
        cycle?.map { "\($0.from.name!)>\($0.to.name!)" } ?? []
    }

    @Test func eachCycleIsReportedOnce() {
        var graph = TestOrderGraph()
        let a = lock("a"), b = lock("b")
        #expect(graph.add(edge(a, b)).cycles.isEmpty)
        let cycles = graph.add(edge(b, a)).cycles
        #expect(cycles.count == 1)
        #expect(names(cycles.first) == ["a>b", "b>a"])
        #expect(graph.add(edge(b, a)).cycles.isEmpty)
    }

    @Test func aCycleThroughAnEarlierInversionEdgeIsFound() {
        var graph = TestOrderGraph()
        let a = lock("a"), b = lock("b"), c = lock("c")
        _ = graph.add(edge(a, b))
        #expect(graph.add(edge(b, a)).cycles.count == 1)  // b->a kept aside as an inversion edge
        #expect(graph.add(edge(a, c)).cycles.isEmpty)
        // c->b is acyclic in the order graph, but b->a->c->b runs through the inversion edge.
        let cycles = graph.add(edge(c, b)).cycles
        #expect(cycles.count == 1)
        #expect(Set(names(cycles.first)) == ["b>a", "a>c", "c>b"])
        #expect(graph.add(edge(c, b)).cycles.isEmpty)
    }

    @Test func removedNodesTakeTheirEdgesAndPendingCyclesAlong() {
        var graph = TestOrderGraph()
        let a = lock("a"), b = lock("b"), g = lock("g")
        _ = graph.add(edge(a, b, guards: [g.id]))
        _ = graph.add(edge(b, a, guards: [g.id]))
        #expect(graph.gatedCycles.count == 1)
        graph.remove([a.id])
        #expect(graph.edges.isEmpty && graph.inversionEdges.isEmpty && graph.gatedCycles.isEmpty)
        #expect(!graph.graph.graph.contains(node: a.id))
    }

    /// Gate locks: a cycle whose every edge was taken under one same lock is not reported; once
    /// any of its edges is taken without that lock, it is (once).
    @Test func aCommonGuardSuppressesTheCycleUntilAnEdgeLosesIt() {
        var graph = TestOrderGraph()
        let a = lock("a"), b = lock("b"), g = lock("g"), h = lock("h")
        #expect(graph.add(edge(a, b, guards: [g.id, h.id])).unguarded == false)
        #expect(graph.add(edge(b, a, guards: [g.id])).cycles.isEmpty)
        #expect(graph.gatedCycles.count == 1)
        // a->b again under g only: guards narrow to {g}, still a common guard.
        #expect(graph.add(edge(a, b, guards: [g.id])).cycles.isEmpty)
        // b->a without any guard: the gate is broken, the cycle is reported now.
        let outcome = graph.add(edge(b, a))
        #expect(outcome.unguarded)
        #expect(names(outcome.cycles.first) == ["a>b", "b>a"])
        #expect(graph.gatedCycles.isEmpty)
        #expect(graph.add(edge(a, b)).cycles.isEmpty)
    }

    @Test func differentGuardsOnEachEdgeDoNotSuppress() {
        var graph = TestOrderGraph()
        let a = lock("a"), b = lock("b"), g = lock("g"), h = lock("h")
        _ = graph.add(edge(a, b, guards: [g.id]))
        #expect(graph.add(edge(b, a, guards: [h.id])).cycles.count == 1)
    }

    /// Reader-writer locks: read->read junctions break a cycle; a write on either side closes it.
    @Test func readerWriterNodesFollowTheReadLockRule() {
        func rwGraph(_ locks: [LockInfo]) -> TestOrderGraph {
            var graph = TestOrderGraph()
            for lock in locks { graph.addInternalEdges(of: lock) }
            return graph
        }
        let a = lock("a", readerWriter: true), b = lock("b", readerWriter: true)
        func read(_ x: LockInfo, _ y: LockInfo) -> EdgeRecord {
            edge(x, y, fromNode: LockNode.make(x.id, .readOut), toNode: LockNode.make(y.id, .readIn))
        }
        func write(_ x: LockInfo, _ y: LockInfo) -> EdgeRecord {
            edge(x, y, fromNode: LockNode.make(x.id, .writeOut), toNode: LockNode.make(y.id, .writeIn))
        }
        var readers = rwGraph([a, b])
        _ = readers.add(read(a, b))
        #expect(readers.add(read(b, a)).cycles.isEmpty)  // readers never wait for readers

        var mixed = rwGraph([a, b])
        _ = mixed.add(read(a, b))
        let cycle = mixed.add(write(b, a)).cycles  // holds b for writing: a reader of b waits for it
        #expect(names(cycle.first).sorted() == ["a>b", "b>a"])

        var writers = rwGraph([a, b])
        _ = writers.add(write(a, b))
        #expect(writers.add(write(b, a)).cycles.count == 1)
    }
}
