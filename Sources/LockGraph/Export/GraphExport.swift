import Foundation

extension LockGraphSnapshot {
    /// Graphviz DOT. Edges on a cycle (an edge that closed one, and every edge of the cycle it
    /// closed) are red and bold.
    public func dot() -> String {
        let onCycle = CycleEdges.onCycles(edges.map { ($0.from.id, $0.to.id) })
        return DOTGraph(
            nodes: locks.map { DOTGraph.Node(id: "n\($0.id)", label: "\($0.name ?? $0.type)\n\($0.shortSite)") },
            edges: edges.map { edge in
                DOTGraph.Edge(from: "n\(edge.from.id)", to: "n\(edge.to.id)",
                              onCycle: onCycle.contains(EdgeKey(from: edge.from.id, to: edge.to.id)))
            }
        ).text
    }

    /// The JSON document (schema in <doc:RecordingAndChecking>), with each edge's stacks symbolized.
    public func json() -> Data {
        document().encoded()
    }

    /// A readable listing: locks, edges (cycle edges marked), threads' held locks.
    public func text() -> String {
        let onCycle = CycleEdges.onCycles(edges.map { ($0.from.id, $0.to.id) })
        var lines = ["Locks (\(locks.count)):"]
        lines += locks.map { "  \($0) [\($0.type) #\($0.id)]" }
        lines.append("Edges (\(edges.count)):")
        for edge in edges {
            let marker = onCycle.contains(EdgeKey(from: edge.from.id, to: edge.to.id)) ? "  [on a cycle]" : ""
            lines.append("  \(edge.from) -> \(edge.to), first taken by \(edge.thread)\(marker)")
        }
        lines.append("Threads holding tracked locks (\(threads.count)):")
        for thread in threads {
            lines.append("  \(thread.thread): " + thread.held.map(\.description).joined(separator: " -> "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func document() -> LockGraphDocument {
        LockGraphDocument(
            schemaVersion: LockGraphDocument.currentSchemaVersion,
            kind: LockGraphDocument.snapshotKind,
            process: .current(),
            locks: locks.map { LockGraphDocument.Lock($0, includeID: true) },
            edges: edges.map { edge in
                let stacks = edge.stacks()
                return LockGraphDocument.Edge(
                    from: edge.from.classKey, to: edge.to.classKey, fromID: edge.from.id, toID: edge.to.id,
                    thread: .init(edge.thread), closesCycle: edge.closesCycle,
                    holderStack: stacks.holder.frames.map(LockGraphDocument.Frame.init),
                    acquirerStack: stacks.acquirer.frames.map(LockGraphDocument.Frame.init))
            },
            threads: threads.map { .init(thread: .init($0.thread), held: $0.held.map(\.id)) })
    }
}

/// Strongly connected components (Tarjan, iterative) and the edges that lie on a cycle.
enum CycleEdges {
    /// Component index of every node.
    static func components<Node: Hashable>(_ edges: [(Node, Node)]) -> [Node: Int] {
        var successors: [Node: [Node]] = [:]
        var nodes: [Node] = []
        var seenNodes: Set<Node> = []
        for (from, to) in edges {
            successors[from, default: []].append(to)
            for node in [from, to] where seenNodes.insert(node).inserted { nodes.append(node) }
        }
        var index: [Node: Int] = [:], low: [Node: Int] = [:], onStack: Set<Node> = []
        var stack: [Node] = [], component: [Node: Int] = [:]
        var nextIndex = 0, nextComponent = 0
        for root in nodes where index[root] == nil {
            var work: [(node: Node, next: Int)] = [(root, 0)]
            index[root] = nextIndex; low[root] = nextIndex; nextIndex += 1
            stack.append(root); onStack.insert(root)
            while let (node, position) = work.last {
                let next = successors[node] ?? []
                if position < next.count {
                    work[work.count - 1].next += 1
                    let target = next[position]
                    if index[target] == nil {
                        index[target] = nextIndex; low[target] = nextIndex; nextIndex += 1
                        stack.append(target); onStack.insert(target)
                        work.append((target, 0))
                    } else if onStack.contains(target) {
                        low[node] = min(low[node]!, index[target]!)
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { low[parent] = min(low[parent]!, low[node]!) }
                if low[node] == index[node] {
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component[member] = nextComponent
                        if member == node { break }
                    }
                    nextComponent += 1
                }
            }
        }
        return component
    }

    /// Edges whose two ends are in the same strongly connected component (self-loops included).
    static func onCycles(_ edges: [(UInt64, UInt64)]) -> Set<EdgeKey> {
        let component = components(edges)
        return Set(edges.filter { component[$0.0] == component[$0.1] }.map { EdgeKey(from: $0.0, to: $0.1) })
    }
}
