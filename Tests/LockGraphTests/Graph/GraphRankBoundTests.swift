import Testing
@testable import LockGraph

/// Rank arithmetic: ranks must stay bounded however long the graph lives.
extension GraphAlgorithmTests {
    /// The pattern behind the release-build `arithmetic overflow` in `moveAbove`: `x` (ranked
    /// low, with an ancestor `p`) gains an edge to a new source `y` whose only successor is a
    /// new sink. The forward search finishes first, so `y` moves above `x`. The old code set
    /// `nextRank` to `lowest + (ceiling - floor) + spacing`, half again the distance from `x`
    /// to the top, so the rank space grew geometrically and overflowed within about 80 rounds,
    /// although the graph never holds more than four nodes.
    @Test(arguments: [1 << 20, 1 << 50, Int.max])
    func repeatedMovesAboveKeepRanksBounded(spacing: Int) {
        let bound = GraphCycles.rankBound
        var graph = GraphCycles(spacing: spacing)
        let p: UInt64 = 1, x: UInt64 = 2
        #expect(graph.insertEdge(from: p, to: x) == .inserted)
        var nextID: UInt64 = 3
        for round in 0..<10_000 {
            // `y` has the higher id, so it is not placed by id (that would put it after `z`)
            // but as a new source, first: the pattern above.
            let y = nextID + 1, z = nextID
            nextID += 2
            #expect(graph.insertEdge(from: y, to: z) == .inserted)
            #expect(graph.insertEdge(from: x, to: y) == .inserted)
            let ranks = [p, x, y, z].compactMap { graph.rank(of: $0) }
            guard ranks.count == 4, ranks.allSatisfy({ abs($0) <= bound }), graph.isTopologicallyOrdered() else {
                Issue.record("round \(round): ranks \(ranks) out of bounds or out of order")
                return
            }
            if let violation = graph.checkInvariants() {
                Issue.record("round \(round): \(violation)")
                return
            }
            // Churn: the program destroys these locks and makes new ones.
            graph.removeNode(y)
            graph.removeNode(z)
        }
        #expect(graph.nodeCount == 2)
    }

    /// Moves into the space beyond either end, over and over, with spacings so large that the
    /// space runs out every few moves: the move must then renumber instead of leaving the
    /// bound. Below: `x` has no predecessor, so each new low node `y` it gains an edge to
    /// moves it below everything. Above: `y` (low, no successors) moves above `x`, whose
    /// ancestor `p` keeps the backward search busy so the forward one finishes first.
    @Test(arguments: [1 << 56, Int.max])
    func movesBeyondTheEndsRenumberAtTheBound(spacing: Int) {
        var graph = GraphCycles(spacing: spacing)
        var nextID: UInt64 = 10
        func fresh() -> UInt64 {
            defer { nextID += 1 }
            return nextID
        }
        let x: UInt64 = 1, p: UInt64 = 2, other: UInt64 = 3
        #expect(graph.insertEdge(from: other, to: x) == .inserted)  // x takes a sink's rank
        graph.removeNode(other)
        for round in 0..<2_000 {
            // Below: a new source y (the lowest node), then x -> y.
            let y = fresh(), t = fresh()
            #expect(graph.insertEdge(from: y, to: t) == .inserted)
            graph.removeNode(t)
            #expect(graph.insertEdge(from: x, to: y) == .inserted)
            if let violation = graph.checkInvariants() {
                Issue.record("round \(round), below: \(violation)")
                return
            }
            graph.removeNode(y)
        }
        #expect(graph.insertEdge(from: p, to: x) == .inserted)
        for round in 0..<2_000 {
            // Above: a lone low node y, then x -> y.
            let y = fresh(), t = fresh()
            #expect(graph.insertEdge(from: y, to: t) == .inserted)
            graph.removeNode(t)
            #expect(graph.insertEdge(from: x, to: y) == .inserted)
            if let violation = graph.checkInvariants() {
                Issue.record("round \(round), above: \(violation)")
                return
            }
            #expect(graph.path(from: p, to: y) == [p, x, y])
            graph.removeNode(y)
        }
    }
}
