import Testing
@testable import LockGraph

/// `OrderGraph.checkInvariants()` itself: it holds through ordinary use and names each kind of
/// corruption (made here by writing the graph's fields directly).
@Suite("Order graph invariants")
struct OrderGraphInvariantTests {
    private let data = EdgeData(holderStack: 0, acquirerStack: 0, thread: 0)

    /// 1->2, 2->1 (an inversion edge) and 2->3 under guard 9, with a reader-writer lock 4.
    private func sample() -> OrderGraph {
        var graph = OrderGraph()
        graph.addReaderWriterEdges(of: 4)
        _ = graph.add(EdgeKey(from: 1, to: 2), data, guards: [])
        _ = graph.add(EdgeKey(from: 2, to: 1), data, guards: [])
        _ = graph.add(EdgeKey(from: 2, to: 3), data, guards: [9])
        _ = graph.add(EdgeKey(from: LockNode.make(4, .writeOut), to: 1), data, guards: [])
        return graph
    }

    @Test func holdThroughOrdinaryUse() {
        var graph = sample()
        #expect(graph.checkInvariants() == nil)
        graph.remove([2])
        #expect(graph.checkInvariants() == nil)
        #expect(graph.inversionEdges.isEmpty && graph.guards.isEmpty)
    }

    @Test func nameEachCorruption() {
        var recordWithoutEdge = sample()
        recordWithoutEdge.edges[EdgeKey(from: 3, to: 1)] = data
        #expect(recordWithoutEdge.checkInvariants()?.contains("not in the graph") == true)

        var edgeWithoutRecord = sample()
        edgeWithoutRecord.edges[EdgeKey(from: 1, to: 2)] = nil
        #expect(edgeWithoutRecord.checkInvariants()?.contains("has no record") == true)

        var inversionInGraph = sample()
        inversionInGraph.inversionEdges[EdgeKey(from: 1, to: 2)] = data
        #expect(inversionInGraph.checkInvariants()?.contains("in the acyclic graph too") == true)

        var strayGuards = sample()
        strayGuards.guards[EdgeKey(from: 3, to: 2)] = [9]
        #expect(strayGuards.checkInvariants()?.contains("no such edge") == true)

        var emptyGuards = sample()
        emptyGuards.guards[EdgeKey(from: 1, to: 2)] = []
        #expect(emptyGuards.checkInvariants()?.contains("empty") == true)

        var staleGatedCycle = sample()
        staleGatedCycle.gatedCycles.insert([1, 3])
        #expect(staleGatedCycle.checkInvariants()?.contains("gated cycle") == true)
    }
}
