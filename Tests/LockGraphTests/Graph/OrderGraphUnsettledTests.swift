import Testing
@testable import LockGraph

/// Edges the shared path approved go into the graph unsettled (`OrderGraph.addApproved`): in
/// the edge table at once, in the adjacency sets only when a search, a reorder or a removal
/// needs them. Each test leaves edges unsettled, then does what must see them.
@Suite("Order graph: unsettled edges")
struct OrderGraphUnsettledTests {
    private static let data = EdgeData(holderStack: 0, acquirerStack: 0, thread: 1)

    /// Edges 1 -> 2 -> ... -> n approved on the shared path, as the drain adds them.
    private static func approvedChain(_ n: UInt64) -> OrderGraph {
        var graph = OrderGraph()
        // The nodes first, through the exclusive path (a new node is never approved).
        for id in 1...n { _ = graph.add(EdgeKey(from: id, to: id + 100), data, guards: []) }
        for id in 1..<n {
            let key = EdgeKey(from: id, to: id + 1)
            #expect(graph.sharedDecision(for: key) == .approved)
            graph.addApproved(key, data)
        }
        return graph
    }

    @Test func approvedEdgesWaitUnsettledAndAreKnown() {
        let graph = Self.approvedChain(5)
        #expect(graph.graph.unsettled.count == 4)
        #expect(graph.sharedDecision(for: EdgeKey(from: 2, to: 3)) == .knownUnguarded)
        #expect(graph.graph.hasEdge(from: 2, to: 3))
        #expect(graph.checkInvariants() == nil)
    }

    @Test func aDuplicateKeepsTheFirstRecordAndOneUnsettledEntry() {
        var graph = Self.approvedChain(3)
        let key = EdgeKey(from: 1, to: 2)
        graph.addApproved(key, EdgeData(holderStack: 9, acquirerStack: 9, thread: 9))
        #expect(graph.graph.unsettled.count == 2)
        #expect(graph.lookup(key) == Self.data)
        #expect(graph.checkInvariants() == nil)
    }

    /// 5 -> 1 closes 1 -> 2 -> 3 -> 4 -> 5, all of whose edges are unsettled: the reorder the
    /// edge asks for settles them first, so the cycle is found, not missed.
    @Test func aCycleThroughUnsettledEdgesIsFound() {
        var graph = Self.approvedChain(5)
        let closing = graph.add(EdgeKey(from: 5, to: 1), Self.data, guards: [])
        #expect(closing.cycles.count == 1)
        #expect(closing.cycles.first?.count == 5)
        #expect(graph.graph.unsettled.isEmpty)
        #expect(graph.checkInvariants() == nil)
    }

    /// Removing a lock forgets its unsettled edges along with the rest.
    @Test func removalForgetsUnsettledEdges() {
        var graph = Self.approvedChain(4)
        graph.remove([2])
        #expect(graph.lookup(EdgeKey(from: 1, to: 2)) == nil)
        #expect(graph.lookup(EdgeKey(from: 2, to: 3)) == nil)
        #expect(graph.lookup(EdgeKey(from: 3, to: 4)) != nil)
        #expect(!graph.graph.hasEdge(from: 1, to: 2) && !graph.graph.hasEdge(from: 2, to: 3))
        #expect(graph.checkInvariants() == nil)
        // 4 -> 1 closes nothing now: the path 1 -> 2 -> 3 went with lock 2.
        #expect(graph.add(EdgeKey(from: 4, to: 1), Self.data, guards: []).cycles.isEmpty)
    }
}
