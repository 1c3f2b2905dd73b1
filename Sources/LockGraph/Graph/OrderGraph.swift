/// What the graph keeps of one edge: 12 bytes. Both stacks and the thread are ids into
/// `StackTable` and `ThreadTable`, so a program with hundreds of thousands of edges but a few
/// hundred code paths stores each stack once. The locks are the edge's key (`EdgeKey`).
struct EdgeData: Hashable, Sendable {
    /// Where the held lock was acquired: a stack id, a site-only id (`StackTable.siteOnly`)
    /// when the lock was past its stack budget, or 0.
    var holderStack: UInt32
    /// Where the target was acquired while the other was held.
    var acquirerStack: UInt32
    /// The thread that first made the edge (`ThreadTable`).
    var thread: UInt32
}

/// One order graph: nodes are locks (or lock classes), edges "taken while holding", with the
/// compact record of who made each edge first and the locks that guarded it every time.
///
/// Used twice by `LockGraphStore`: for lock instances, and (opt-in) for lock classes.
///
/// A cycle is reported when it can deadlock: no two of its edges share a guard (see
/// `CycleSearch.swift`). `add` reports one such cycle through the edge it adds (or whose guards
/// it narrows) whenever one exists that could not deadlock before, and never a cycle twice.
///
/// Invariants (`checkInvariants()` verifies them):
/// - `graph` holds exactly the keys of `edges` plus the edges inside reader-writer locks, and
///   `GraphCycles`' own invariants hold (its ranks agree with every edge);
/// - `inversionEdges` are not in `graph` (each closed a cycle when it came) and both their
///   nodes are: removing a node forgets every edge touching it;
/// - `guards` only holds keys of `edges` or `inversionEdges`, each with a non-empty set;
/// - every gated cycle's edges exist, two of them share a guard, and it was not reported.
struct OrderGraph {
    var graph = GraphCycles()
    /// Edges of the acyclic graph.
    var edges = EdgeTable()
    /// Edges that closed a cycle; kept out of `graph` so its order stays valid, and remembered
    /// so the same cycle is not examined again.
    var inversionEdges: [EdgeKey: EdgeData] = [:]
    /// Other locks held exclusively every time an edge was taken (the intersection only
    /// shrinks), for the few edges that have any: a cycle two of whose edges share a guard
    /// cannot deadlock (those two threads cannot both hold it) and is not reported (a gate lock).
    /// Stored as `GuardSet`s, which share one held set between the edges of one acquisition.
    var guards: [EdgeKey: GuardSet] = [:]
    /// Normalised cycles (rotated to start at the smallest node) already reported.
    var reportedCycles: Set<[UInt64]> = []
    /// Cycles found that cannot deadlock, two of their edges always taken while one same lock
    /// was held exclusively (a gate lock). Examined again whenever one of their edges loses a
    /// guard, before any search (they are the cycles a narrowing most often frees).
    var gatedCycles: Set<[UInt64]> = []

    /// A reader-writer lock's edges between its own nodes (see `LockNode`); nothing for others.
    mutating func addInternalEdges(of lock: LockInfo) {
        guard lock.isReaderWriter else { return }
        addReaderWriterEdges(of: lock.id)
    }

    /// The edges inside reader-writer lock `id`. Added when the lock registers, before it has
    /// any other edge, so none of them can close a cycle.
    mutating func addReaderWriterEdges(of id: UInt64) {
        for (from, to) in LockNode.internalEdges(of: id) {
            _ = graph.insertEdge(from: from, to: to)
        }
    }

    func lookup(_ key: EdgeKey) -> EdgeData? {
        edges[key] ?? inversionEdges[key]
    }

    func guards(of key: EdgeKey) -> Set<UInt64> { guards[key]?.set ?? [] }

    /// What the shared path (see `GraphState`) may do with an unguarded edge `key`.
    enum SharedDecision {
        /// Known, with no guards left: nothing to do.
        case knownUnguarded
        /// New, and both nodes exist with ranks that already agree, and no inversion edge exists
        /// (a new edge could complete a cycle through one): it can be queued without a search.
        case approved
        /// Anything else (a new node, a reorder, guards to narrow): the exclusive path.
        case needsExclusive
    }

    func sharedDecision(for key: EdgeKey) -> SharedDecision {
        if edges[key] != nil { return guards.isEmpty || guards[key] == nil ? .knownUnguarded : .needsExclusive }
        guard inversionEdges.isEmpty, let from = graph.rank(of: key.from), let to = graph.rank(of: key.to), from < to
        else { return .needsExclusive }
        return .approved
    }

    /// Adds an edge that `sharedDecision` approved while the graph did not change since.
    /// A duplicate (two threads made the same edge) keeps the first record.
    ///
    /// The edge goes into the graph unsettled (`GraphCycles.insertUnsettled`): its record is
    /// in `edges` at once, for `sharedDecision` and reports, and the adjacency sets get it when
    /// a search, move or removal needs them. `edges` is what tells a duplicate here.
    mutating func addApproved(_ key: EdgeKey, _ data: EdgeData) {
        defer { assertInvariants() }
        guard LockNode.lock(of: key.from) == LockNode.lock(of: key.to) else {
            if edges.insertIfAbsent(key, data) { graph.insertUnsettled(from: key.from, to: key.to) }
            return
        }
        // Inside one reader-writer lock: such an edge is in the graph from the start, without
        // a record (see `LockNode`).
        switch graph.insertEdge(from: key.from, to: key.to) {
        case .inserted:
            edges[key] = data
        case .alreadyPresent:
            break
        case .cycle:
            // The ranks agreed when the edge was approved and no reorder ran since: impossible.
            assertionFailure("an approved edge closed a cycle")
        }
    }

    /// Adds an edge, or narrows the guards of a known one. Returns the cycles to report now (as
    /// their edge keys, in cycle order), and whether the edge's guards are empty (then they can
    /// never change again).
    mutating func add(_ key: EdgeKey, _ data: EdgeData, guards newGuards: Set<UInt64>) -> (cycles: [[EdgeKey]], unguarded: Bool) {
        add(key, data, guardSet: GuardSet(base: newGuards))
    }

    /// `add` with the guards as a `GuardSet` (the store's form: one held set per acquisition).
    mutating func add(_ key: EdgeKey, _ data: EdgeData, guardSet newGuards: GuardSet) -> (cycles: [[EdgeKey]], unguarded: Bool) {
        defer { assertInvariants() }
        if lookup(key) != nil {
            let existing = guards(of: key)
            let narrowed = existing.intersection(newGuards.set)
            guard narrowed != existing else { return ([], narrowed.isEmpty) }
            guards[key] = narrowed.isEmpty ? nil : GuardSet(base: narrowed)
            var found = gatedCycles.filter { Self.contains(key, in: $0) }.compactMap { examine($0) }
            if found.isEmpty, let cycle = searchCycle(through: key, narrowedFrom: existing) { found.append(cycle) }
            return (found, narrowed.isEmpty)
        }
        switch graph.insertEdge(from: key.from, to: key.to) {
        case .alreadyPresent:
            // An edge inside a reader-writer lock (see `LockNode`); it has no record.
            return ([], true)
        case .inserted:
            edges[key] = data
            if !newGuards.isEmpty { guards[key] = newGuards }
            return (searchCycle(through: key).map { [$0] } ?? [], newGuards.isEmpty)
        case .cycle(let path):
            inversionEdges[key] = data
            if !newGuards.isEmpty { guards[key] = newGuards }
            // `path` runs target ... source: the cycle the order found, which usually can
            // deadlock. When two of its edges share a guard, another cycle may still.
            if let cycle = examine(path) { return ([cycle], newGuards.isEmpty) }
            return (searchCycle(through: key).map { [$0] } ?? [], newGuards.isEmpty)
        }
    }

    private static func contains(_ key: EdgeKey, in cycle: [UInt64]) -> Bool {
        cycle.indices.contains { cycle[$0] == key.from && cycle[(cycle.index(after: $0)) % cycle.count] == key.to }
    }

    /// A cycle through `key` that can deadlock and was not reported, as `examine` returns it,
    /// or nil. For narrowed guards (`old`: the guards before), one that could not deadlock
    /// before, when there is one (see `CycleSearch.swift`).
    private mutating func searchCycle(through key: EdgeKey, narrowedFrom old: Set<UInt64> = []) -> [EdgeKey]? {
        // A cycle through an edge of the acyclic part takes an inversion edge, and the last one
        // it takes leads within the acyclic part back to the edge's source. Almost every new
        // edge closes nothing: this test (a band search per inversion edge) settles it cheaply.
        // With no inversion edge that test needs no search, and the graph no settling.
        let acyclic = edges[key] != nil
        if acyclic && inversionEdges.isEmpty { return nil }
        graph.settle()
        if acyclic && !inversionEdges.keys.contains(where: { graph.path(from: $0.to, to: key.from) != nil }) {
            return nil
        }
        let flagged = old.subtracting(guards(of: key))
        guard let found = deadlockPath(closing: key, flagged: flagged) else { return nil }
        if let cycle = examine(found.nodes) { return cycle }
        // Reported before, which only a narrowing can find: the walk's flagged edge lay on a
        // loop that was cut out.
        guard !flagged.isEmpty, !found.passesFlagged, let nodes = flaggedDeadlockPath(closing: key, flagged: flagged) else { return nil }
        return examine(nodes)
    }

    /// `nodes` lists a cycle once (`n0 -> n1 -> ... -> n0`). Returns its edges (edges inside a
    /// reader-writer lock left out) if it must be reported now: not reported before, and able
    /// to deadlock (no two of its edges share a guard). A gated cycle is remembered for `add` to
    /// examine again.
    mutating func examine(_ nodes: [UInt64]) -> [EdgeKey]? {
        guard let smallest = nodes.indices.min(by: { nodes[$0] < nodes[$1] }) else { return nil }
        let normalised = Array(nodes[smallest...] + nodes[..<smallest])
        guard !reportedCycles.contains(normalised) else { return nil }
        var keys: [EdgeKey] = []
        for index in normalised.indices {
            let key = EdgeKey(from: normalised[index], to: normalised[(index + 1) % normalised.count])
            if lookup(key) != nil {
                keys.append(key)
            } else if LockNode.lock(of: key.from) != LockNode.lock(of: key.to) {
                return nil
            }
        }
        guard !keys.isEmpty else { return nil }
        var held: Set<UInt64> = []
        for key in keys {
            let edgeGuards = guards(of: key)
            guard edgeGuards.isDisjoint(with: held) else {
                gatedCycles.insert(normalised)
                return nil
            }
            held.formUnion(edgeGuards)
        }
        gatedCycles.remove(normalised)
        reportedCycles.insert(normalised)
        return keys
    }

    /// Forgets `nodes` and every edge and pending cycle touching them.
    mutating func remove(_ nodes: [UInt64]) {
        defer { assertInvariants() }
        graph.settle()
        for node in nodes where graph.contains(node: node) {
            for next in graph.successors(of: node) { forget(EdgeKey(from: node, to: next)) }
            for previous in graph.predecessors(of: node) { forget(EdgeKey(from: previous, to: node)) }
            graph.removeNode(node)
        }
        let gone = Set(nodes)
        if !inversionEdges.isEmpty {
            for key in inversionEdges.keys where gone.contains(key.from) || gone.contains(key.to) { forget(key) }
        }
        if !gatedCycles.isEmpty {
            gatedCycles = gatedCycles.filter { $0.allSatisfy { !gone.contains($0) } }
        }
    }

    private mutating func forget(_ key: EdgeKey) {
        edges[key] = nil
        if !inversionEdges.isEmpty { inversionEdges[key] = nil }
        if !guards.isEmpty { guards[key] = nil }
    }

    /// Describes the first broken invariant (see the type's documentation), or returns nil when
    /// all hold. O(nodes + edges + guards + gated cycles): tests call it after every operation.
    func checkInvariants() -> String? {
        if let broken = graph.checkInvariants() { return "graph: \(broken)" }
        if let broken = edges.checkInvariants() { return "edge table: \(broken)" }
        for (key, _) in edges where !graph.hasEdge(from: key.from, to: key.to) {
            return "edge \(key.from)->\(key.to) has a record but is not in the graph"
        }
        for edge in graph.edges where edges[EdgeKey(from: edge.from, to: edge.to)] == nil {
            guard Self.isInternal(EdgeKey(from: edge.from, to: edge.to)) else {
                return "graph edge \(edge.from)->\(edge.to) has no record and is not inside a reader-writer lock"
            }
        }
        for key in inversionEdges.keys {
            guard edges[key] == nil, !graph.hasEdge(from: key.from, to: key.to) else {
                return "inversion edge \(key.from)->\(key.to) is in the acyclic graph too"
            }
            guard graph.contains(node: key.from), graph.contains(node: key.to) else {
                return "inversion edge \(key.from)->\(key.to) outlived one of its nodes"
            }
        }
        for (key, set) in guards where set.isEmpty || lookup(key) == nil {
            return "guards \(set.set.sorted()) kept for \(key.from)->\(key.to): empty, or no such edge"
        }
        for cycle in gatedCycles {
            var recorded: [EdgeKey] = []
            for index in cycle.indices {
                let key = EdgeKey(from: cycle[index], to: cycle[(index + 1) % cycle.count])
                if lookup(key) != nil {
                    recorded.append(key)
                } else if !(Self.isInternal(key) && graph.hasEdge(from: key.from, to: key.to)) {
                    return "gated cycle \(cycle): no edge \(key.from)->\(key.to)"
                }
            }
            let guardSets = recorded.map { guards(of: $0) }
            let shared = guardSets.reduce(0) { $0 + $1.count } > Set(guardSets.joined()).count
            guard shared, !reportedCycles.contains(cycle) else {
                return "gated cycle \(cycle): no two edges share a guard any more, or reported"
            }
        }
        return nil
    }

    /// Debug builds check every invariant after each change while the graph is small (at most
    /// 256 edges: a bounded cost, paid by every test with a few locks). Larger graphs are left
    /// to the tests that call `checkInvariants()`; release builds compile this away.
    @inline(__always)
    private func assertInvariants() {
        assert(edges.count + inversionEdges.count > 256 || checkInvariants() == nil, "OrderGraph: \(checkInvariants() ?? "")")
    }

    /// True for one of the edges inside a reader-writer lock (see `LockNode`).
    private static func isInternal(_ key: EdgeKey) -> Bool {
        LockNode.internalEdges(of: LockNode.lock(of: key.from)).contains { $0 == key.from && $1 == key.to }
    }
}
