import Testing
@testable import LockGraph

/// A lock's holder-stack budget (`LOCKGRAPH_HOLDER_STACKS`): renewed on the lock's 1st, 2nd,
/// 4th, 8th... new edge, so a lock in many edges captures a bounded number of stacks.
@Suite("Holder stack budget")
struct StackBudgetTests {
    @Test func theBudgetIsRenewedAtEachPowerOfTwoOfTheLocksNewEdges() throws {
        let budget = Configuration.holderStackBudget
        try #require(budget > 0 && budget != Int.max, "needs a finite, non-zero LOCKGRAPH_HOLDER_STACKS")
        let prefix = uniqueName("budget")
        let held = TrackedMutex(name: prefix + "-held")
        var renewedAt: [Int] = []
        for edge in 1...9 {
            // Spend the budget: each of these acquisitions captures a stack.
            for _ in 0..<budget { held.withLock {} }
            #expect(!held.info.hasStackBudget, "spent before edge \(edge)")
            // One new edge out of `held`, into a lock nothing was ever taken under.
            let other = TrackedMutex(name: prefix + "-\(edge)")
            held.withLock { other.withLock {} }
            if held.info.hasStackBudget { renewedAt.append(edge) }
        }
        #expect(renewedAt == [1, 2, 4, 8])
        #expect(violations(involving: prefix).isEmpty)
    }

    @Test func theBudgetOfBothLocksOfANewEdgeIsRenewed() throws {
        let budget = Configuration.holderStackBudget
        try #require(budget > 0 && budget != Int.max, "needs a finite, non-zero LOCKGRAPH_HOLDER_STACKS")
        let prefix = uniqueName("budget-both")
        let outer = TrackedMutex(name: prefix + "-outer")
        let inner = TrackedMutex(name: prefix + "-inner")
        for _ in 0..<budget {
            outer.withLock {}
            inner.withLock {}
        }
        #expect(!outer.info.hasStackBudget && !inner.info.hasStackBudget)
        outer.withLock { inner.withLock {} }
        #expect(outer.info.hasStackBudget && inner.info.hasStackBudget)
    }
}
