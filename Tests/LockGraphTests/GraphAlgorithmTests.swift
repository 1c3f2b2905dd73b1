import Testing
@testable import LockGraph

/// `GraphCycles` (Pearce–Kelly) against a brute-force reference: a plain adjacency-set model
/// with breadth-first reachability, over random insertions, removals and queries.
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

    struct Model {
        var successors: [UInt64: Set<UInt64>] = [:]

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

        var edgeCount: Int { successors.values.reduce(0) { $0 + $1.count } }

        mutating func remove(_ node: UInt64) {
            successors[node] = nil
            for key in successors.keys { successors[key]?.remove(node) }
        }
    }

    @Test(arguments: 0..<40)
    func agreesWithBruteForce(seed: Int) {
        var random = Random(state: UInt64(seed) &* 7919 &+ 1)
        var graph = GraphCycles()
        var model = Model()
        let nodeCount = 30 + random.below(31)
        for step in 0..<2_500 {
            let context = "seed \(seed), step \(step)"
            let roll = random.below(100)
            let x = UInt64(random.below(nodeCount) + 1)
            let y = UInt64(random.below(nodeCount) + 1)
            if roll < 70 {
                let expectedCycle = model.reaches(y, x)
                let alreadyThere = model.successors[x]?.contains(y) ?? false
                switch graph.insertEdge(from: x, to: y) {
                case .cycle(let path):
                    #expect(expectedCycle, "\(context): false cycle \(x)->\(y)")
                    #expect(path.first == y && path.last == x, "\(context): path \(path) does not run \(y)...\(x)")
                    #expect(model.isPath(path), "\(context): \(path) is not a path")
                case .alreadyPresent:
                    #expect(alreadyThere, "\(context): edge \(x)->\(y) claimed present")
                case .inserted:
                    #expect(!expectedCycle && !alreadyThere, "\(context): inserted \(x)->\(y) (cycle \(expectedCycle), present \(alreadyThere))")
                    model.successors[x, default: []].insert(y)
                }
            } else if roll < 80 {
                graph.removeNode(x)
                model.remove(x)
            } else {
                let path = graph.path(from: x, to: y)
                let reachable = model.reaches(x, y) && (x != y || graph.contains(node: x))
                #expect((path != nil) == reachable, "\(context): path(\(x), \(y)) = \(String(describing: path)), expected reachable \(reachable)")
                if let path { #expect(model.isPath(path) && path.first == x && path.last == y, "\(context): bad path \(path)") }
            }
            #expect(graph.isTopologicallyOrdered(), "\(context): order broken")
            #expect(graph.edgeCount == model.edgeCount, "\(context): \(graph.edgeCount) edges, model \(model.edgeCount)")
        }
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
        #expect(graph.insertEdge(from: 3, to: 4) == .inserted)  // ranks: 3 < 4
        #expect(graph.insertEdge(from: 1, to: 2) == .inserted)  // ranks: 1 < 2, both after 4
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

    // MARK: The store: inversion edges, dedupe, removal

    private func lock(_ name: String) -> LockInfo {
        LockInfo(name: name, file: #fileID, line: #line, type: "Test")
    }

    private func edge(_ from: LockInfo, _ to: LockInfo) -> EdgeRecord {
        EdgeRecord(from: from, to: to, thread: ThreadDescriptor(id: 1, name: "test"), holderStack: .empty, acquirerStack: .empty)
    }

    @Test func storeReportsEachCycleOnce() {
        let store = LockGraphStore()
        let a = lock("a"), b = lock("b")
        #expect(store.addEdges([edge(a, b)]).isEmpty)
        let cycles = store.addEdges([edge(b, a)])
        #expect(cycles.count == 1)
        #expect(cycles.first?.map { "\($0.from.name!)>\($0.to.name!)" } == ["a>b", "b>a"])
        #expect(store.addEdges([edge(b, a)]).isEmpty)
    }

    @Test func storeFindsACycleThroughAnEarlierInversionEdge() {
        let store = LockGraphStore()
        let a = lock("a"), b = lock("b"), c = lock("c")
        _ = store.addEdges([edge(a, b)])
        #expect(store.addEdges([edge(b, a)]).count == 1)  // b->a kept aside as an inversion edge
        #expect(store.addEdges([edge(a, c)]).isEmpty)
        // c->b is acyclic in the order graph, but b->a->c->b runs through the inversion edge.
        let cycles = store.addEdges([edge(c, b)])
        #expect(cycles.count == 1)
        let names = Set(cycles.first?.map { "\($0.from.name!)>\($0.to.name!)" } ?? [])
        #expect(names == ["b>a", "a>c", "c>b"])
        #expect(store.addEdges([edge(c, b)]).isEmpty)
    }

    @Test func unregisterAndResetForgetEdges() {
        let store = LockGraphStore()
        let a = lock("a"), b = lock("b")
        store.register(a)
        store.register(b)
        _ = store.addEdges([edge(a, b)])
        _ = store.addEdges([edge(b, a)])
        store.unregister(a)
        store.state.withLock { state in
            #expect(state.edges.isEmpty && state.inversionEdges.isEmpty)
            #expect(!state.graph.contains(node: a.id))
        }
        let epoch = store.epoch.load(ordering: .relaxed)
        _ = store.addEdges([edge(b, lock("c"))])
        store.reset()
        #expect(store.epoch.load(ordering: .relaxed) == epoch + 1)
        store.state.withLock { #expect($0.edges.isEmpty && $0.reportedCycles.isEmpty) }
    }
}
