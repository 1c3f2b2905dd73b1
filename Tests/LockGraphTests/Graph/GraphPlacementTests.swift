import Testing
@testable import LockGraph

/// Where a new node goes: at the rank its id gives when its first edge agrees (ids follow
/// creation order), else first (a source) or last (a sink).
extension GraphAlgorithmTests {
    /// Nodes arriving in random order, each edge from the lower id: every node is placed by
    /// id, so no later edge in id order moves any node.
    @Test func edgesInCreationOrderNeverReorder() throws {
        var graph = GraphCycles()
        var random = Random(state: 7)
        var ranks: [UInt64: Int] = [:]
        for _ in 0..<5_000 {
            let a = UInt64(random.below(300) + 1), b = UInt64(random.below(300) + 1)
            guard a != b else { continue }
            let result = graph.insertEdge(from: min(a, b), to: max(a, b))
            #expect(result == .inserted || result == .alreadyPresent)
            for id in [a, b] {
                let rank = try #require(graph.rank(of: id))
                if let earlier = ranks[id] {
                    #expect(rank == earlier, "node \(id) moved")
                }
                ranks[id] = rank
            }
        }
        #expect(graph.checkInvariants() == nil)
        #expect(graph.isTopologicallyOrdered())
    }

    /// A first edge against id order: the hint would break it, so the node goes first or
    /// last, and the edge is still free.
    @Test func aFirstEdgeAgainstIdOrderPlacesTheNodeAtAnEnd() throws {
        var graph = GraphCycles()
        #expect(graph.insertEdge(from: 5, to: 6) == .inserted)
        #expect(graph.insertEdge(from: 9, to: 2) == .inserted)   // 2 by id; 9 cannot precede it by id
        #expect(graph.insertEdge(from: 7, to: 1) == .inserted)   // 1 by id; 7 goes first
        let ranks = try [1, 2, 5, 6, 7, 9].map { try #require(graph.rank(of: UInt64($0))) }
        #expect(ranks[5] < ranks[1] && ranks[4] < ranks[0], "each source before its target")
        #expect(ranks[4] < ranks[5], "the later new source went first")
        #expect(ranks[0] < ranks[1] && ranks[1] < ranks[2] && ranks[2] < ranks[3], "the others by id")
        #expect(graph.checkInvariants() == nil)
    }
}
