/// A directed acyclic graph over lock identifiers that keeps a topological order up to date
/// as edges arrive (Pearce & Kelly, "A Dynamic Topological Sort Algorithm for Directed Acyclic
/// Graphs", 2006).
///
/// Inserting `x -> y` is free when `rank(x) < rank(y)`. Otherwise only the nodes whose rank lies
/// between the two endpoints are visited: a forward search from `y` (bounded by `rank(x)`) finds
/// a cycle or the region to move, a backward search from `x` (bounded by `rank(y)`) finds the
/// rest, and the union is renumbered using the ranks it already held. So the cost of an edge is
/// proportional to the region it reorders, not to the size of the graph.
///
/// An edge that would close a cycle is not inserted; the caller gets the cycle's path instead.
/// Not thread-safe: the owner serialises access.
struct GraphCycles {
    private struct Node {
        var rank: Int
        var successors: Set<UInt64> = []
        var predecessors: Set<UInt64> = []
    }

    enum InsertResult: Equatable {
        /// The edge was already in the graph.
        case alreadyPresent
        /// The edge was added and the order kept.
        case inserted
        /// The edge would close a cycle and was not added. `path` runs from the edge's target
        /// to its source along existing edges: `[y, ..., x]`.
        case cycle(path: [UInt64])
    }

    private var nodes: [UInt64: Node] = [:]
    private var nextRank = 0

    var nodeCount: Int { nodes.count }
    var edgeCount: Int { nodes.values.reduce(0) { $0 + $1.successors.count } }

    func contains(node id: UInt64) -> Bool { nodes[id] != nil }

    func hasEdge(from x: UInt64, to y: UInt64) -> Bool {
        nodes[x]?.successors.contains(y) ?? false
    }

    func successors(of id: UInt64) -> Set<UInt64> { nodes[id]?.successors ?? [] }

    func predecessors(of id: UInt64) -> Set<UInt64> { nodes[id]?.predecessors ?? [] }

    func rank(of id: UInt64) -> Int? { nodes[id]?.rank }

    /// Every edge, as `(from, to)` pairs.
    var edges: [(from: UInt64, to: UInt64)] {
        nodes.flatMap { id, node in node.successors.map { (from: id, to: $0) } }
    }

    private mutating func ensureNode(_ id: UInt64) {
        if nodes[id] == nil {
            nodes[id] = Node(rank: nextRank)
            nextRank += 1
        }
    }

    mutating func insertEdge(from x: UInt64, to y: UInt64) -> InsertResult {
        if x == y { return .cycle(path: [x]) }
        ensureNode(x)
        ensureNode(y)
        if nodes[x]!.successors.contains(y) { return .alreadyPresent }

        let lowerBound = nodes[y]!.rank
        let upperBound = nodes[x]!.rank
        if upperBound < lowerBound {
            addEdge(x, y)
            return .inserted
        }

        // Forward search from y over nodes ranked at most rank(x): reaching x means a cycle.
        var parent: [UInt64: UInt64] = [:]
        var forward: [UInt64] = [y]
        var visited: Set<UInt64> = [y]
        var stack: [UInt64] = [y]
        while let current = stack.popLast() {
            for next in nodes[current]!.successors {
                if next == x {
                    parent[next] = current
                    return .cycle(path: pathBack(to: x, from: y, parents: parent))
                }
                let rank = nodes[next]!.rank
                if rank < upperBound && visited.insert(next).inserted {
                    parent[next] = current
                    forward.append(next)
                    stack.append(next)
                }
            }
        }

        // Backward search from x over nodes ranked at least rank(y).
        var backward: [UInt64] = [x]
        var seenBackward: Set<UInt64> = [x]
        stack = [x]
        while let current = stack.popLast() {
            for previous in nodes[current]!.predecessors {
                let rank = nodes[previous]!.rank
                if rank > lowerBound && seenBackward.insert(previous).inserted {
                    backward.append(previous)
                    stack.append(previous)
                }
            }
        }

        // Reorder: everything that reaches x goes before everything y reaches, reusing the
        // ranks the affected nodes held, each group keeping its internal order.
        backward.sort { nodes[$0]!.rank < nodes[$1]!.rank }
        forward.sort { nodes[$0]!.rank < nodes[$1]!.rank }
        let moved = backward + forward
        let ranks = moved.map { nodes[$0]!.rank }.sorted()
        for (id, rank) in zip(moved, ranks) {
            nodes[id]!.rank = rank
        }
        addEdge(x, y)
        return .inserted
    }

    private mutating func addEdge(_ x: UInt64, _ y: UInt64) {
        nodes[x]!.successors.insert(y)
        nodes[y]!.predecessors.insert(x)
    }

    private func pathBack(to x: UInt64, from y: UInt64, parents: [UInt64: UInt64]) -> [UInt64] {
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
        guard let startNode = nodes[start], let targetNode = nodes[target] else { return nil }
        if start == target { return [start] }
        guard startNode.rank < targetNode.rank else { return nil }
        var parent: [UInt64: UInt64] = [:]
        var stack = [start]
        var visited: Set<UInt64> = [start]
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

    /// Removes a node and its edges. The remaining ranks stay a valid topological order.
    mutating func removeNode(_ id: UInt64) {
        guard let node = nodes.removeValue(forKey: id) else { return }
        for next in node.successors { nodes[next]?.predecessors.remove(id) }
        for previous in node.predecessors { nodes[previous]?.successors.remove(id) }
    }

    mutating func removeAll() {
        nodes.removeAll()
        nextRank = 0
    }

    /// True when every edge goes from a lower to a higher rank (used by tests).
    func isTopologicallyOrdered() -> Bool {
        nodes.allSatisfy { _, node in
            node.successors.allSatisfy { nodes[$0].map { node.rank < $0.rank } ?? false }
        }
    }
}
