extension GraphCycles {
    /// True when every edge, settled or not, goes from a lower to a higher rank (used by tests).
    func isTopologicallyOrdered() -> Bool {
        nodes.allSatisfy { _, node in node.successors.allSatisfy { nodes[$0].map { node.rank < $0.rank } ?? false } }
            && unsettled.allSatisfy { edge in (rank(of: edge.from) ?? .max) < (rank(of: edge.to) ?? .min) }
    }

    /// Describes the first broken invariant (see the type's documentation), or returns nil
    /// when all hold. With `requireDistinctRanks`, also that no two nodes share a rank, which
    /// holds right after a renumbering. O(nodes + edges): tests call it after every
    /// operation, debug builds only after a renumbering (itself O(n log n)).
    func checkInvariants(requireDistinctRanks: Bool = false) -> String? {
        guard -Self.rankBound <= firstRank, firstRank <= nextRank, nextRank <= Self.rankBound else {
            return "firstRank \(firstRank), nextRank \(nextRank): out of order or beyond ±2^60"
        }
        var ranks: Set<Int> = []
        var successorEntries = 0, predecessorEntries = 0
        for (id, node) in nodes {
            guard firstRank <= node.rank, node.rank < nextRank else {
                return "node \(id): rank \(node.rank) outside \(firstRank)..<\(nextRank)"
            }
            if requireDistinctRanks && !ranks.insert(node.rank).inserted {
                return "node \(id): rank \(node.rank) is shared with another node"
            }
            for next in node.successors {
                guard let successor = nodes[next] else { return "edge \(id)->\(next): no node \(next)" }
                guard node.rank < successor.rank, successor.predecessors.contains(id) else {
                    let mirrored = successor.predecessors.contains(id)
                    return "edge \(id)->\(next): ranks \(node.rank) -> \(successor.rank), mirrored: \(mirrored)"
                }
            }
            successorEntries += node.successors.count
            predecessorEntries += node.predecessors.count
        }
        for (from, to) in unsettled {
            guard let source = nodes[from], let target = nodes[to] else {
                return "unsettled edge \(from)->\(to): a node is missing"
            }
            guard source.rank < target.rank else {
                return "unsettled edge \(from)->\(to): ranks \(source.rank) -> \(target.rank)"
            }
        }
        // Every successor entry has its predecessor entry (checked above); equal counts mean
        // there is no other predecessor entry, so the two sides mirror each other exactly and
        // no predecessor entry names a missing node either.
        guard successorEntries == predecessorEntries else {
            return "\(predecessorEntries) predecessor entries for \(successorEntries) edges"
        }
        return nil
    }
}
