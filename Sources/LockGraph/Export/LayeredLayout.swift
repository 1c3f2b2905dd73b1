/// A layered (Sugiyama-style) layout of a directed graph, left to right in lock order: the HTML
/// page of `lockgraph render` draws the whole graph with it.
///
/// - Back edges: inside each strongly connected component, edges preferred as back edges
///   (those that closed a cycle in their process) are taken out first, then the back edges of a
///   depth-first search in input order, until what is left is acyclic. Self-loops are neither
///   forward nor back and do not affect the layout.
/// - Layers: longest path from the sources over the remaining edges, so every remaining edge goes
///   from a lower layer to a strictly higher one: the lock order reads left to right.
/// - Order within a layer: initial order by input, then barycenter sweeps (down by
///   predecessors, up by successors) to cut crossings.
///
/// O(V + E) for the back edges and layers, O(sweeps × (E + V log V)) for the order.
@_spi(Rendering)
public struct LayeredLayout: Sendable {
    /// An edge between node indices; `preferBack` asks for it to be a back edge when it lies on a cycle.
    public struct Edge: Sendable {
        public var from: Int
        public var to: Int
        public var preferBack: Bool

        public init(from: Int, to: Int, preferBack: Bool = false) {
            self.from = from
            self.to = to
            self.preferBack = preferBack
        }
    }

    /// Layer of each node, 0 for sources.
    public private(set) var layer: [Int]
    /// Position of each node within its layer, 0 first.
    public private(set) var order: [Int]
    /// How many nodes each layer holds.
    public private(set) var layerSizes: [Int]
    /// For each edge: true when it was taken out to make the graph acyclic (it points against the
    /// order, right to left, or within one layer).
    public private(set) var isBackEdge: [Bool]

    /// Lays out `nodeCount` nodes; edges naming a node outside `0..<nodeCount` are ignored.
    public init(nodeCount: Int, edges: [Edge], sweeps: Int = 2) {
        let valid = edges.map { (0..<nodeCount).contains($0.from) && (0..<nodeCount).contains($0.to) }
        isBackEdge = Self.backEdges(nodeCount: nodeCount, edges: edges, valid: valid)
        var successors = Array(repeating: [Int](), count: nodeCount)
        var predecessors = Array(repeating: [Int](), count: nodeCount)
        for (index, edge) in edges.enumerated() where valid[index] && !isBackEdge[index] && edge.from != edge.to {
            successors[edge.from].append(edge.to)
            predecessors[edge.to].append(edge.from)
        }
        layer = Self.longestPathLayers(successors: successors, predecessors: predecessors)
        let layerCount = (layer.max() ?? -1) + 1
        var layers = Array(repeating: [Int](), count: layerCount)
        for node in 0..<nodeCount { layers[layer[node]].append(node) }
        layerSizes = layers.map(\.count)
        order = Array(repeating: 0, count: nodeCount)
        Self.number(layers, into: &order)
        for _ in 0..<sweeps {
            for index in layers.indices.dropFirst() {
                layers[index] = sortedByBarycenter(layers[index], neighbours: predecessors)
                Self.number([layers[index]], into: &order)
            }
            for index in layers.indices.reversed().dropFirst() {
                layers[index] = sortedByBarycenter(layers[index], neighbours: successors)
                Self.number([layers[index]], into: &order)
            }
        }
    }

    private static func number(_ layers: [[Int]], into order: inout [Int]) {
        for members in layers {
            for (position, node) in members.enumerated() { order[node] = position }
        }
    }

    /// `members` sorted by the mean relative position of their neighbours in other layers
    /// (position / layer size, so layers of different sizes compare); a node without neighbours
    /// keeps its own relative position. Stable, so ties keep the current order.
    private func sortedByBarycenter(_ members: [Int], neighbours: [[Int]]) -> [Int] {
        let count = Double(members.count)
        let keys = members.enumerated().map { position, node -> (Double, Int) in
            let around = neighbours[node]
            guard !around.isEmpty else { return ((Double(position) + 0.5) / count, position) }
            let sum = around.reduce(0.0) { $0 + (Double(order[$1]) + 0.5) / Double(layerSizes[layer[$1]]) }
            return (sum / Double(around.count), position)
        }
        return keys.sorted { $0 < $1 }.map { members[$0.1] }
    }

    /// Back edges that make the graph acyclic: preferred edges inside a strongly connected
    /// component first, then a depth-first search's back edges (iterative: no recursion depth limit).
    private static func backEdges(nodeCount: Int, edges: [Edge], valid: [Bool]) -> [Bool] {
        var back = Array(repeating: false, count: edges.count)
        let candidates = edges.indices.filter { valid[$0] && edges[$0].from != edges[$0].to }
        let component = CycleEdges.components(candidates.map { (edges[$0].from, edges[$0].to) })
        var successors = Array(repeating: [Int](), count: nodeCount)  // edge indices
        for index in candidates where component[edges[index].from] == component[edges[index].to] {
            if edges[index].preferBack {
                back[index] = true
            } else {
                successors[edges[index].from].append(index)
            }
        }
        enum Mark { case new, open, done }
        var mark = Array(repeating: Mark.new, count: nodeCount)
        for root in 0..<nodeCount where mark[root] == .new {
            var work: [(node: Int, next: Int)] = [(root, 0)]
            mark[root] = .open
            while let (node, next) = work.last {
                guard next < successors[node].count else {
                    mark[node] = .done
                    work.removeLast()
                    continue
                }
                work[work.count - 1].next += 1
                let index = successors[node][next]
                let target = edges[index].to
                switch mark[target] {
                case .new:
                    mark[target] = .open
                    work.append((target, 0))
                case .open:
                    back[index] = true
                case .done:
                    break
                }
            }
        }
        return back
    }

    /// Longest path from the sources, in Kahn's topological order.
    private static func longestPathLayers(successors: [[Int]], predecessors: [[Int]]) -> [Int] {
        var layer = Array(repeating: 0, count: successors.count)
        var remaining = predecessors.map(\.count)
        var ready = remaining.indices.filter { remaining[$0] == 0 }
        var position = 0
        while position < ready.count {
            let node = ready[position]
            position += 1
            for next in successors[node] {
                layer[next] = max(layer[next], layer[node] + 1)
                remaining[next] -= 1
                if remaining[next] == 0 { ready.append(next) }
            }
        }
        return layer
    }
}
