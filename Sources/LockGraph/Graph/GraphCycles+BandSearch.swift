extension GraphCycles {
    /// A depth-first search confined to a band of ranks, advanced one node at a time.
    struct BandSearch {
        let target: UInt64
        let forward: Bool
        /// Forward: only nodes ranked below it; backward: only nodes ranked above it.
        let bound: Int
        var stack: [UInt64]
        var found: [UInt64]
        var seen: NodeSet
        /// Each found node's neighbour towards the start, to rebuild a path.
        var parent = NodeMap<UInt64>()

        init(from start: UInt64, towards target: UInt64, forward: Bool, bound: Int) {
            self.target = target
            self.forward = forward
            self.bound = bound
            stack = [start]
            found = [start]
            seen = [start]
        }

        var isFinished: Bool { stack.isEmpty }

        /// Expands one node. Returns it if it is adjacent to the target (a cycle).
        mutating func step(_ nodes: NodeMap<Node>) -> UInt64? {
            guard let current = stack.popLast() else { return nil }
            let node = nodes[current]!
            for next in forward ? node.successors : node.predecessors {
                if next == target { return current }
                let rank = nodes[next]!.rank
                if (forward ? rank < bound : rank > bound) && seen.insert(next).inserted {
                    parent[next] = current
                    found.append(next)
                    stack.append(next)
                }
            }
            return nil
        }

        func sortedFound(_ nodes: NodeMap<Node>) -> [UInt64] {
            found.sorted { nodes[$0]!.rank < nodes[$1]!.rank }
        }
    }

    /// The path from `y` to `x` recorded in a search's `parents`, in that order.
    func pathBack(to x: UInt64, from y: UInt64, parents: NodeMap<UInt64>) -> [UInt64] {
        var path = [x]
        var current = x
        while current != y, let previous = parents[current] {
            path.append(previous)
            current = previous
        }
        return path.reversed()
    }

    /// A path `from ... to` along existing edges, or nil. Searches only nodes whose rank lies
    /// between the endpoints, since a topological order allows no path outside that band.
    func path(from start: UInt64, to target: UInt64) -> [UInt64]? {
        assert(unsettled.isEmpty, "GraphCycles.path on an unsettled graph")
        guard let startNode = nodes[start], let targetNode = nodes[target] else { return nil }
        if start == target { return [start] }
        guard startNode.rank < targetNode.rank else { return nil }
        var parent = NodeMap<UInt64>()
        var stack = [start]
        var visited: NodeSet = [start]
        while let current = stack.popLast() {
            for next in nodes[current]!.successors {
                if next == target {
                    parent[next] = current
                    return pathBack(to: target, from: start, parents: parent)
                }
                if nodes[next]!.rank < targetNode.rank && visited.insert(next).inserted {
                    parent[next] = current
                    stack.append(next)
                }
            }
        }
        return nil
    }
}
