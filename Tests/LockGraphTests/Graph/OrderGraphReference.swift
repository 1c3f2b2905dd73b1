@testable import LockGraph

/// The reference for `OrderGraph`: plain dictionaries of edges and guards, and an exhaustive
/// search over simple paths. Nothing incremental, no ranks, no remembered cycles.
///
/// What it decides (README, "Precision rules", gate locks): a deadlock is a *simple* cycle of
/// edges whose threads all wait at once, each holding the locks it held when it took its edge.
/// An edge's guards are the locks held exclusively every time it was taken, so two edges that
/// share a guard cannot both be waiting: a cycle can deadlock iff the guards of its recorded
/// edges are pairwise disjoint. (Edges inside a reader-writer lock have no record and no
/// guards.) So after each change to edge `x -> y`:
/// - a new edge with guards `S` must be reported (some cycle returned) iff a simple path
///   `y ... x` exists whose recorded edges' guards are pairwise disjoint and disjoint from `S`;
/// - guards narrowed from `old` to `new` must be reported iff such a path exists for `new` one
///   of whose guards meets `old`: a cycle that could not deadlock until now and can now;
/// - anything else (a known edge with guards unchanged) reports nothing.
/// One cycle per change is enough (the graph reports a cycle per closing edge, not every
/// cycle an edge closes). Every cycle returned must be simple, run through the edge, be able
/// to deadlock now, and not have been returned before.
struct OrderGraphReference {
    struct Edge {
        var data: EdgeData
        var guards: Set<UInt64>
    }

    /// What a change did to an edge's guards.
    enum Change: Equatable {
        /// Known, guards unchanged (including a duplicate).
        case unchanged
        /// A new edge with these guards.
        case added(Set<UInt64>)
        /// A known edge whose guards shrank.
        case narrowed(from: Set<UInt64>, to: Set<UInt64>)
    }

    /// Every edge with a record: the order graph's `edges` and `inversionEdges` together.
    private(set) var recorded: [EdgeKey: Edge] = [:]
    /// Edges inside live reader-writer locks (no record).
    private(set) var internalEdges: Set<EdgeKey> = []
    /// Recorded and internal edges, by source.
    private var successors: [UInt64: Set<UInt64>] = [:]
    /// Cycles returned so far, as nodes rotated to start at the smallest.
    private var reported: Set<[UInt64]> = []

    mutating func addReaderWriter(_ lock: UInt64) {
        for (from, to) in LockNode.internalEdges(of: lock) {
            let key = EdgeKey(from: from, to: to)
            internalEdges.insert(key)
            successors[from, default: []].insert(to)
        }
    }

    /// Records an edge taken with `guards`: the first record stays, the guards intersect.
    mutating func record(_ key: EdgeKey, _ data: EdgeData, guards: Set<UInt64>) -> Change {
        guard let existing = recorded[key] else {
            recorded[key] = Edge(data: data, guards: guards)
            successors[key.from, default: []].insert(key.to)
            return .added(guards)
        }
        let narrowed = existing.guards.intersection(guards)
        guard narrowed != existing.guards else { return .unchanged }
        recorded[key]?.guards = narrowed
        return .narrowed(from: existing.guards, to: narrowed)
    }

    /// Forgets every node of `lock` and every edge touching one.
    mutating func removeLock(_ lock: UInt64) {
        let gone = { (node: UInt64) in LockNode.lock(of: node) == lock }
        recorded = recorded.filter { !gone($0.key.from) && !gone($0.key.to) }
        internalEdges = internalEdges.filter { !gone($0.from) && !gone($0.to) }
        successors = successors.filter { !gone($0.key) }.mapValues { $0.filter { !gone($0) } }
        reported = reported.filter { !$0.contains(where: gone) }
    }

    func guards(of key: EdgeKey) -> Set<UInt64> { recorded[key]?.guards ?? [] }

    /// Whether any path `start ... target` exists (recorded or internal edges).
    func reaches(_ start: UInt64, _ target: UInt64) -> Bool {
        var frontier = [start]
        var seen: Set<UInt64> = [start]
        while let node = frontier.popLast() {
            if node == target { return true }
            for next in successors[node] ?? [] where seen.insert(next).inserted { frontier.append(next) }
        }
        return false
    }

    /// Whether `change` to `key` must be reported (see the type's documentation).
    func mustReport(_ key: EdgeKey, _ change: Change) -> Bool {
        switch change {
        case .unchanged:
            return false
        case .added(let guards):
            return simplePath(from: key.to, to: key.from, held: guards, flagged: [])
        case .narrowed(let old, let new):
            return simplePath(from: key.to, to: key.from, held: new, flagged: old.subtracting(new))
        }
    }

    /// Depth-first over simple paths `start ... target` whose recorded edges' guards are
    /// pairwise disjoint and disjoint from `held`; with `flagged`, one edge's guards must meet it.
    private func simplePath(from start: UInt64, to target: UInt64, held: Set<UInt64>, flagged: Set<UInt64>) -> Bool {
        var onPath: Set<UInt64> = [start]
        func extend(_ node: UInt64, _ held: Set<UInt64>, _ passedFlag: Bool) -> Bool {
            if node == target { return passedFlag || flagged.isEmpty }
            for next in successors[node] ?? [] where !onPath.contains(next) {
                let guards = self.guards(of: EdgeKey(from: node, to: next))
                guard guards.isDisjoint(with: held) else { continue }
                onPath.insert(next)
                defer { onPath.remove(next) }
                if extend(next, held.union(guards), passedFlag || !guards.isDisjoint(with: flagged)) { return true }
            }
            return false
        }
        return extend(start, held, false)
    }

    /// What is wrong with `cycle`, returned for `change` to `key`, or nil when it may be
    /// reported: recorded edges in cycle order (joined at most by an edge inside a reader-writer
    /// lock), no node twice, through `key`, guards pairwise disjoint, not returned before.
    /// Remembers it as returned.
    mutating func problem(with cycle: [EdgeKey], for key: EdgeKey, _ change: Change) -> String? {
        guard change != .unchanged else { return "reported although nothing changed" }
        guard !cycle.isEmpty else { return "empty cycle" }
        var nodes: [UInt64] = []
        for (index, edge) in cycle.enumerated() {
            guard recorded[edge] != nil else { return "\(OrderGraphOperation.name(edge)) is no recorded edge" }
            let next = cycle[(index + 1) % cycle.count]
            nodes.append(edge.from)
            if edge.to != next.from {
                let joint = EdgeKey(from: edge.to, to: next.from)
                guard internalEdges.contains(joint) else { return "\(OrderGraphOperation.name(edge)) does not lead to \(OrderGraphOperation.name(next.from))" }
                nodes.append(edge.to)
            }
        }
        guard Set(nodes).count == nodes.count else { return "not a simple cycle: \(nodes.map(OrderGraphOperation.name))" }
        guard cycle.contains(key) else { return "does not run through \(OrderGraphOperation.name(key))" }
        var held: Set<UInt64> = []
        for edge in cycle {
            let guards = guards(of: edge)
            guard guards.isDisjoint(with: held) else { return "two edges share \(OrderGraphOperation.names(guards.intersection(held))): cannot deadlock" }
            held.formUnion(guards)
        }
        guard let smallest = nodes.indices.min(by: { nodes[$0] < nodes[$1] }) else { return "no nodes" }
        guard reported.insert(Array(nodes[smallest...] + nodes[..<smallest])).inserted else { return "reported before" }
        return nil
    }
}
