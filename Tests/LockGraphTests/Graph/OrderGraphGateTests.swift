import Testing
@testable import LockGraph

/// Gate locks, minimal cases the model test (`OrderGraphModelTests`) found: a cycle can
/// deadlock iff no two of its edges share a guard, and every such cycle is found, not only the
/// first path the order graph happens to return. Locks are 1, 2, 3, 4; G and H are guards.
@Suite("Order graph gates")
struct OrderGraphGateTests {
    private static let g: UInt64 = 100, h: UInt64 = 101

    /// Adds `from -> to` taken under `guards`; returns the cycles reported, as node lists.
    private func add(_ graph: inout OrderGraph, _ from: UInt64, _ to: UInt64, _ guards: Set<UInt64> = []) -> [[UInt64]] {
        let result = graph.add(EdgeKey(from: from, to: to), EdgeData(holderStack: 0, acquirerStack: 0, thread: 0), guards: guards)
        return result.cycles.map { $0.map(\.from) }
    }

    /// 1->2 and 3->1 both under G: the threads waiting on them would both hold G, so 1->2->3->1
    /// cannot deadlock although G is not on 2->3. Reported only once 3->1 is taken without G.
    /// (Before: reported at once, a false positive.)
    @Test func twoEdgesSharingAGuardCannotDeadlock() {
        var graph = OrderGraph()
        #expect(add(&graph, 1, 2, [Self.g]).isEmpty)
        #expect(add(&graph, 2, 3).isEmpty)
        #expect(add(&graph, 3, 1, [Self.g]).isEmpty)
        #expect(graph.gatedCycles == [[1, 2, 3]])
        #expect(add(&graph, 3, 1) == [[1, 2, 3]])
        #expect(graph.checkInvariants() == nil)
    }

    /// 3->1 closes two cycles: 1->3->1 (both edges under G: cannot deadlock) and 1->2->3->1
    /// (only 3->1 under G: can). The order graph's own path is the short one. (Before: nothing
    /// reported, a missed deadlock.)
    @Test func aCycleBesideAGatedOneIsFound() {
        var graph = OrderGraph()
        #expect(add(&graph, 1, 2).isEmpty)
        #expect(add(&graph, 2, 3).isEmpty)
        #expect(add(&graph, 1, 3, [Self.g]).isEmpty)
        #expect(add(&graph, 3, 1, [Self.g]) == [[1, 2, 3]])
        #expect(graph.checkInvariants() == nil)
    }

    /// 1<->2 under G and 3<->4 under H are gated; then 1->4 and 3->2 without guards close
    /// 1->4->3->2->1 through both inversion edges (2->1 and 4->3), no two edges sharing a guard.
    /// (Before: only cycles through one inversion edge were looked for: nothing reported.)
    @Test func aCycleThroughTwoInversionEdgesIsFound() {
        var graph = OrderGraph()
        #expect(add(&graph, 1, 2, [Self.g]).isEmpty)
        #expect(add(&graph, 2, 1, [Self.g]).isEmpty)
        #expect(add(&graph, 3, 4, [Self.h]).isEmpty)
        #expect(add(&graph, 4, 3, [Self.h]).isEmpty)
        #expect(add(&graph, 1, 4).isEmpty)
        let cycles = add(&graph, 3, 2)
        #expect(cycles.map(Set.init) == [[1, 2, 3, 4]])
        #expect(graph.checkInvariants() == nil)
    }

    /// Every edge under G: 3->1 closes 1->3->1 and 1->2->3->1, only the first examined. Once
    /// 1->2 and 2->3 are taken without G, 1->2->3->1 can deadlock and must be reported, though
    /// it was never remembered as gated. (Before: only remembered cycles were examined again.)
    @Test func aNarrowingFreesACycleNeverExamined() {
        var graph = OrderGraph()
        #expect(add(&graph, 1, 3, [Self.g]).isEmpty)
        #expect(add(&graph, 1, 2, [Self.g]).isEmpty)
        #expect(add(&graph, 2, 3, [Self.g]).isEmpty)
        #expect(add(&graph, 3, 1, [Self.g]).isEmpty)
        #expect(graph.gatedCycles == [[1, 3]])
        #expect(add(&graph, 1, 2).isEmpty)  // 2->3 and 3->1 still share G
        #expect(add(&graph, 2, 3) == [[1, 2, 3]])
        #expect(graph.checkInvariants() == nil)
    }

    /// The search's fallback. 1->2 lost G; the cycles through it that could not deadlock before
    /// pass 8->1 (under G). The shortest walk with such an edge is 2->3->4->3->1: its G edge 4->3
    /// lies on a loop, and cut to 2->3->1 it is a cycle reported already. The depth-first
    /// fallback finds the simple 2->5->6->7->8->1, unless its budget runs out first.
    @Test func aNarrowingWhoseWalkLoopsFallsBackToSimplePaths() {
        var graph = OrderGraph()
        let narrowed = EdgeKey(from: 1, to: 2)
        #expect(add(&graph, 1, 2, [Self.g]).isEmpty)
        #expect(add(&graph, 2, 3).isEmpty)
        #expect(add(&graph, 3, 1) == [[1, 2, 3]])
        #expect(add(&graph, 3, 4).isEmpty)
        #expect(add(&graph, 4, 3, [Self.g]) == [[3, 4]])
        for (from, to) in [(2, 5), (5, 6), (6, 7), (7, 8)] as [(UInt64, UInt64)] { #expect(add(&graph, from, to).isEmpty) }
        #expect(add(&graph, 8, 1, [Self.g]).isEmpty)  // shares G with 1->2
        // Forget the gated cycle 1->2->5->6->7->8->1, so only the search can find it.
        graph.gatedCycles.removeAll()

        graph.guards[narrowed] = nil
        let walk = graph.deadlockPath(closing: narrowed, flagged: [Self.g])
        #expect(walk?.nodes == [2, 3, 1] && walk?.passesFlagged == false)
        #expect(graph.flaggedDeadlockPath(closing: narrowed, flagged: [Self.g]) == [2, 5, 6, 7, 8, 1])
        #expect(graph.flaggedDeadlockPath(closing: narrowed, flagged: [Self.g], budget: 3) == nil)

        graph.guards[narrowed] = [Self.g]
        #expect(add(&graph, 1, 2) == [[1, 2, 5, 6, 7, 8]])
        #expect(graph.checkInvariants() == nil)
    }
}
