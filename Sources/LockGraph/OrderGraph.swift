/// One order graph: nodes are locks (or lock classes), edges "taken while holding", with the
/// record of who made each edge first and the locks that guarded it every time.
///
/// Used twice by `LockGraphStore`: for lock instances, and (opt-in) for lock classes.
struct OrderGraph {
    var graph = GraphCycles()
    /// Edges of the acyclic graph.
    var edges: [EdgeKey: EdgeRecord] = [:]
    /// Edges that closed a cycle; kept out of `graph` so its order stays valid, and remembered
    /// so the same cycle is not examined again.
    var inversionEdges: [EdgeKey: EdgeRecord] = [:]
    /// Normalised cycles (rotated to start at the smallest node) already reported.
    var reportedCycles: Set<[UInt64]> = []
    /// Cycles every edge of which was always taken while one same exclusive lock was held (a
    /// gate lock: it serialises the paths, so the cycle cannot deadlock). Examined again whenever
    /// one of their edges is taken without that guard.
    var gatedCycles: Set<[UInt64]> = []

    /// A reader-writer lock's edges between its own nodes (see `LockNode`); nothing for others.
    mutating func addInternalEdges(of lock: LockInfo) {
        guard lock.isReaderWriter else { return }
        for (from, to) in LockNode.internalEdges(of: lock.id) {
            _ = graph.insertEdge(from: from, to: to)
        }
    }

    func lookup(_ key: EdgeKey) -> EdgeRecord? {
        edges[key] ?? inversionEdges[key]
    }

    /// Adds an edge, or narrows the guards of a known one. Returns the cycles to report now, and
    /// whether the edge's guards are empty (then they can never change again).
    mutating func add(_ record: EdgeRecord) -> (cycles: [[EdgeRecord]], unguarded: Bool) {
        let key = EdgeKey(from: record.fromNode, to: record.toNode)
        if let existing = lookup(key) {
            let narrowed = existing.guards.intersection(record.guards)
            guard narrowed != existing.guards else { return ([], narrowed.isEmpty) }
            if edges[key] != nil { edges[key]!.guards = narrowed } else { inversionEdges[key]!.guards = narrowed }
            let affected = gatedCycles.filter { Self.contains(key, in: $0) }
            return (affected.compactMap { examine($0) }, narrowed.isEmpty)
        }
        switch graph.insertEdge(from: key.from, to: key.to) {
        case .alreadyPresent:
            // An edge inside a reader-writer lock (see `LockNode`); it has no record.
            return ([], true)
        case .inserted:
            edges[key] = record
            return (cyclesThroughInversionEdges(after: key), record.guards.isEmpty)
        case .cycle(let path):
            inversionEdges[key] = record
            // path runs target ... source; the new edge closes it.
            var nodes = path
            if nodes.first == key.to { nodes.removeFirst() }
            return ([examine([key.to] + nodes)].compactMap { $0 }, record.guards.isEmpty)
        }
    }

    private static func contains(_ key: EdgeKey, in cycle: [UInt64]) -> Bool {
        cycle.indices.contains { cycle[$0] == key.from && cycle[(cycle.index(after: $0)) % cycle.count] == key.to }
    }

    /// A new acyclic edge `x -> y` can complete a cycle that runs through an earlier inversion
    /// edge `u -> v`: `v ... x -> y ... u -> v`. Inversion edges are few (each closed a cycle),
    /// and each search is bounded by the topological order.
    private mutating func cyclesThroughInversionEdges(after key: EdgeKey) -> [[EdgeRecord]] {
        var found: [[EdgeRecord]] = []
        for inversion in inversionEdges.keys {
            guard let toSource = graph.path(from: inversion.to, to: key.from),
                  let fromTarget = graph.path(from: key.to, to: inversion.from)
            else { continue }
            if let records = examine(toSource + fromTarget) { found.append(records) }
        }
        return found
    }

    /// `nodes` lists a cycle once (`n0 -> n1 -> ... -> n0`). Returns its edge records (edges
    /// inside a reader-writer lock left out) if it must be reported now: not reported before and
    /// not gated. A gated cycle is remembered for `add` to examine again.
    mutating func examine(_ nodes: [UInt64]) -> [EdgeRecord]? {
        guard let smallest = nodes.indices.min(by: { nodes[$0] < nodes[$1] }) else { return nil }
        let normalised = Array(nodes[smallest...] + nodes[..<smallest])
        guard !reportedCycles.contains(normalised) else { return nil }
        var records: [EdgeRecord] = []
        for index in normalised.indices {
            let key = EdgeKey(from: normalised[index], to: normalised[(index + 1) % normalised.count])
            if let record = lookup(key) {
                records.append(record)
            } else if LockNode.lock(of: key.from) != LockNode.lock(of: key.to) {
                return nil
            }
        }
        guard !records.isEmpty else { return nil }
        let commonGuards = records.dropFirst().reduce(records[0].guards) { $0.intersection($1.guards) }
        if !commonGuards.isEmpty {
            gatedCycles.insert(normalised)
            return nil
        }
        gatedCycles.remove(normalised)
        reportedCycles.insert(normalised)
        return records
    }

    /// Forgets `nodes` and every edge and pending cycle touching them.
    mutating func remove(_ nodes: [UInt64]) {
        for node in nodes where graph.contains(node: node) {
            for next in graph.successors(of: node) { edges[EdgeKey(from: node, to: next)] = nil }
            for previous in graph.predecessors(of: node) { edges[EdgeKey(from: previous, to: node)] = nil }
            graph.removeNode(node)
        }
        let gone = Set(nodes)
        if !inversionEdges.isEmpty {
            inversionEdges = inversionEdges.filter { !gone.contains($0.key.from) && !gone.contains($0.key.to) }
        }
        if !gatedCycles.isEmpty {
            gatedCycles = gatedCycles.filter { $0.allSatisfy { !gone.contains($0) } }
        }
    }
}
