/// Merges recorded lock graphs (from several processes: shards of a test suite, separate test
/// runs) at the class level and finds the cycles none of them could see alone.
public struct RecordedLockGraph: Sendable {
    /// One class-level edge and where it came from.
    public struct Edge: Sendable {
        /// The class key of the lock that was held.
        public let from: String
        /// The class key of the lock acquired while ``from`` was held.
        public let to: String
        /// The file (or other label) the edge was read from.
        public let source: String
        /// The process that recorded it.
        public let process: LockGraphDocument.Process
        /// The edge as recorded, with its thread and stacks.
        public let record: LockGraphDocument.Edge
    }

    /// A cycle of lock classes: `edges[i].to == edges[i+1].from`, and the last leads back to the first.
    public struct Cycle: Sendable {
        /// The edges, in cycle order.
        public let edges: [Edge]
        /// The lock classes on the cycle, in order (the first is not repeated).
        public var classes: [String] { edges.map(\.from) }
        /// True when the edges came from more than one source (no single run saw it).
        public var spansSources: Bool { Set(edges.map(\.source)).count > 1 }
    }

    /// Edges by (from, to), first source wins.
    public private(set) var edges: [Edge] = []
    private var index: [String: Int] = [:]

    /// An empty graph; add documents with ``merge(_:source:)``.
    public init() {}

    /// Adds the edges of `document`, read from `source`.
    public mutating func merge(_ document: LockGraphDocument, source: String) {
        for edge in document.edges {
            let key = edge.from + "\u{0}" + edge.to
            guard index[key] == nil else { continue }
            index[key] = edges.count
            edges.append(Edge(from: edge.from, to: edge.to, source: source, process: document.process, record: edge))
        }
    }

    /// Class-level self-loops: two locks of one class nested (a parent and a child account, say).
    /// Consistent nesting of one class is common and not a cycle to fail on: listed as notes.
    public var sameClassNesting: [Edge] { edges.filter { $0.from == $0.to } }

    /// The cycles: within each strongly connected component of the class graph (self-loops
    /// excluded), the shortest cycle through each edge not already on a reported cycle,
    /// deduplicated. So every edge that lies on some cycle appears in at least one reported
    /// cycle. O(V + E) when there is no cycle; otherwise one BFS inside the component per edge
    /// that no earlier cycle covered (a ring of any length: one BFS).
    public func cycles() -> [Cycle] {
        let candidates = edges.filter { $0.from != $0.to }
        let component = CycleEdges.components(candidates.map { ($0.from, $0.to) })
        let inComponent = candidates.filter { component[$0.from] == component[$0.to] }
        var successors: [String: [Edge]] = [:]
        for edge in inComponent { successors[edge.from, default: []].append(edge) }
        var seen: Set<[String]> = []
        var found: [Cycle] = []
        var covered: Set<String> = []
        for edge in inComponent where !covered.contains(edge.from + "\u{0}" + edge.to) {
            guard let back = shortestPath(from: edge.to, to: edge.from, successors: successors) else { continue }
            let cycle = [edge] + back
            let classes = cycle.map(\.from)
            let smallest = classes.indices.min { classes[$0] < classes[$1] } ?? 0
            let rotated = Array(cycle[smallest...] + cycle[..<smallest])
            if seen.insert(rotated.map(\.from)).inserted { found.append(Cycle(edges: rotated)) }
            for step in cycle { covered.insert(step.from + "\u{0}" + step.to) }
        }
        return found
    }

    private func shortestPath(from start: String, to target: String, successors: [String: [Edge]]) -> [Edge]? {
        if start == target { return [] }
        var previous: [String: Edge] = [:]
        var frontier = [start]
        var visited: Set<String> = [start]
        while !frontier.isEmpty {
            var next: [String] = []
            for node in frontier {
                for edge in successors[node] ?? [] where visited.insert(edge.to).inserted {
                    previous[edge.to] = edge
                    if edge.to == target {
                        var path: [Edge] = []
                        var current = target
                        while current != start, let step = previous[current] {
                            path.append(step)
                            current = step.from
                        }
                        return path.reversed()
                    }
                    next.append(edge.to)
                }
            }
            frontier = next
        }
        return nil
    }
}
