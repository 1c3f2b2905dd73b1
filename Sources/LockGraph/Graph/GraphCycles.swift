/// A directed acyclic graph over lock identifiers that keeps a topological order up to date
/// as edges arrive (Pearce & Kelly, "A Dynamic Topological Sort Algorithm for Directed Acyclic
/// Graphs", 2006).
///
/// Inserting `x -> y` is free when `rank(x) < rank(y)`. Otherwise only nodes whose rank lies
/// between the two endpoints are visited: a backward search from `x` (bounded by `rank(y)`)
/// finds a cycle (it reaches `y`) or the set that must move before `y`. Ranks are assigned with
/// gaps, so that set (usually x alone, in lock graphs: a lock is new or newly nested) takes new
/// ranks in the gap below `y`; only when the gap is too small are ranks spread out again, and
/// only a set too large for any gap falls back to Pearce–Kelly's forward search and renumbering.
/// A new node takes the rank its id gives when its first edge agrees with it (node ids are
/// handed out in creation order, and locks are often taken in the order they were made: a
/// parent before the children it creates, accounts by number), else it starts as a source
/// (first) or a sink (last); either way its first edge is free. 1,000 accounts locked lower
/// number first, their nodes arriving in random order, took about 3,800 reorders when every new
/// node went first or last, and take none.
///
/// An edge that would close a cycle is not inserted; the caller gets the cycle's path instead.
/// Not thread-safe: the owner serialises access.
///
/// Invariants, after every operation (`checkInvariants()` verifies them):
/// - every edge goes from a lower to a higher rank;
/// - `-rankBound <= firstRank <= rank < nextRank <= rankBound` for every node, with
///   `rankBound` = 2^60, so the difference of any two of these values (at most 2^61 in
///   magnitude) fits in an `Int` and the rank arithmetic below can never overflow;
/// - successor and predecessor sets mirror each other and name only nodes in the graph;
/// - every unsettled edge (see `insertUnsettled`) joins two nodes of the graph, from the lower
///   rank to the higher, and is in neither adjacency set. So the searches, moves and removals,
///   which read those sets, settle first; nothing else needs them.
///
/// Ranks need not be distinct: a move gives nodes ranks in a gap between their neighbours,
/// which an unrelated node may already hold. Only edges order nodes, and the searches compare
/// strictly, so ties are harmless there; a gap bounded by a tie is too narrow and falls back
/// to renumbering. Right after a renumbering every rank is distinct, which is what the
/// Pearce–Kelly fallback (reusing the moved nodes' ranks) needs, and only then does it run.
///
/// Whenever an assignment would leave the bound (a new source or sink, a move into the space
/// beyond `firstRank` or `nextRank`), the ranks are first compacted to `index * spacing`, the
/// spacing reduced if `(count + 1) * spacing` would pass `rankBound / 2`. That leaves room
/// for n more nodes at either end, so the O(n log n) renumbering stays amortised; with the
/// default spacing and any realistic number of locks it never happens for the bound's sake.
struct GraphCycles {
    /// A node's rank and adjacency (internal for `BandSearch`, in its own file).
    struct Node {
        var rank: Int
        var successors: NodeSet = []
        var predecessors: NodeSet = []
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

    /// Every rank, `firstRank` and `nextRank` lie within `-rankBound...rankBound`.
    static let rankBound = 1 << 60

    private(set) var nodes = NodeMap<Node>()
    /// Edges added by `insertUnsettled` and not yet put into the adjacency sets (`settle()`).
    private(set) var unsettled: [(from: UInt64, to: UInt64)] = []
    /// Ranks are spaced `spacing` apart when assigned, so most reorders fit a few nodes into a
    /// gap instead of renumbering a band of the graph. (Tests use tiny spacings to exercise the
    /// renumbering and the Pearce–Kelly fallback, and huge ones to reach the bound.)
    private let maximumSpacing: Int
    /// `maximumSpacing`, unless the last renumbering packed the nodes tighter to fit them
    /// within half the bound. Always in `1...rankBound / 4`.
    private var spacing: Int
    /// Above every rank: the rank of the next new sink.
    private(set) var nextRank = 0
    /// At or below every rank: a new source takes the rank one spacing below it.
    private(set) var firstRank = 0

    init(spacing: Int = 1 << 20) {
        // At most a quarter of the bound: one step from 0 (after a renumbering) stays inside.
        maximumSpacing = min(max(1, spacing), Self.rankBound / 4)
        self.spacing = maximumSpacing
    }

    var nodeCount: Int { nodes.count }
    var edgeCount: Int { nodes.values.reduce(unsettled.count) { $0 + $1.successors.count } }

    func contains(node id: UInt64) -> Bool { nodes.contains(id) }

    /// Settled or not; O(unsettled edges) when the sets do not have it (tests and invariants).
    func hasEdge(from x: UInt64, to y: UInt64) -> Bool {
        nodes[x]?.successors.contains(y) ?? false || unsettled.contains { $0 == (x, y) }
    }

    /// A node's successors and predecessors: the graph must be settled (`settle()`).
    func successors(of id: UInt64) -> NodeSet {
        assert(unsettled.isEmpty, "GraphCycles.successors on an unsettled graph")
        return nodes[id]?.successors ?? []
    }

    func predecessors(of id: UInt64) -> NodeSet {
        assert(unsettled.isEmpty, "GraphCycles.predecessors on an unsettled graph")
        return nodes[id]?.predecessors ?? []
    }

    func rank(of id: UInt64) -> Int? { nodes[id]?.rank }

    /// Every edge, settled or not, as `(from, to)` pairs.
    var edges: [(from: UInt64, to: UInt64)] {
        nodes.flatMap { id, node in node.successors.map { (from: id, to: $0) } } + unsettled
    }

    /// Adds `x -> y`, which the caller knows is not in the graph yet (`insertEdge` would take
    /// an unsettled edge for a new one, and settling inserts it once) and agrees with the ranks
    /// (both nodes exist, `rank(x) < rank(y)`), without touching the adjacency sets: the edge
    /// is kept in `unsettled` until something needs the sets (`settle()`). Why: a new edge's
    /// two set inserts are two cache misses each, and they ran while the whole graph was
    /// locked (`GraphState`'s drain); most programs never reorder, search or remove after
    /// most of their edges, so the sets can wait. An unsettled edge takes 16 bytes, less than
    /// its two set entries. Its ranks keep agreeing until the next move, which settles first.
    mutating func insertUnsettled(from x: UInt64, to y: UInt64) {
        assert(x != y && (rank(of: x) ?? .max) < (rank(of: y) ?? .min), "insertUnsettled against the ranks")
        unsettled.append((x, y))
    }

    /// Puts every unsettled edge into the adjacency sets; O(1) when there is none. (Sorting the
    /// edges by node first, to look each node up once, cost more than it saved: 446 M
    /// instructions against 198 M for 400,000 edges.)
    mutating func settle() {
        guard !unsettled.isEmpty else { return }
        for (x, y) in unsettled {
            let sourceFound = nodes.update(x) { _ = $0.successors.insert(y) } != nil
            let targetFound = nodes.update(y) { _ = $0.predecessors.insert(x) } != nil
            assert(sourceFound && targetFound, "an unsettled edge lost a node")
        }
        unsettled.removeAll()
    }

    /// Adds a node for its first edge, with `other` (which it precedes when `asSource`): at
    /// `creationOrderRank`, else first or last. The room left at either end (at most 2^61, as
    /// both ends are within the bound) cannot overflow; when it is less than a step, renumber:
    /// then `firstRank` is 0 and `nextRank + spacing <= rankBound / 2`, so the step fits.
    /// Returns the position of a node that was there already, nil for one it added.
    @discardableResult
    private mutating func ensureNode(_ id: UInt64, asSource: Bool, other: UInt64) -> NodeMap<Node>.Position? {
        if let position = nodes.position(of: id) { return position }
        if nodes.isEmpty {
            // Nothing is ordered against an empty graph: start afresh wherever the ranks were.
            (firstRank, nextRank, spacing) = (0, 0, maximumSpacing)
        }
        if let rank = creationOrderRank(of: id, asSource: asSource, other: other) {
            nodes[id] = Node(rank: rank)
            // `rank + spacing <= 3/4 rankBound` (see `creationOrderRank`): both stay in the bound.
            firstRank = min(firstRank, rank)
            nextRank = max(nextRank, rank + spacing)
        } else if asSource && !nodes.isEmpty {
            if firstRank + Self.rankBound < spacing { renumber() }
            firstRank -= spacing
            nodes[id] = Node(rank: firstRank)
        } else {
            if Self.rankBound - nextRank < spacing { renumber() }
            nodes[id] = Node(rank: nextRank)
            nextRank += spacing
        }
        return nil
    }

    /// `id * spacing` when that agrees with the first edge (below `other`'s rank for a source,
    /// above it for a sink, anything when `other` is new too) and `id < rankBound / 2 / spacing`,
    /// so the rank plus a spacing (at most a quarter of the bound) stays within the bound; else
    /// nil. Mutating only to read `other`'s rank in place (a copied node retains its two sets).
    private mutating func creationOrderRank(of id: UInt64, asSource: Bool, other: UInt64) -> Int? {
        guard id < UInt64(Self.rankBound / 2 / spacing) else { return nil }
        let rank = Int(id) * spacing
        guard let position = nodes.position(of: other) else { return rank }
        let otherRank = nodes.update(at: position) { $0.rank }
        return (asSource ? rank < otherRank : rank > otherRank) ? rank : nil
    }

    /// Adds `x -> y` if it closes no cycle. An edge still unsettled counts as absent here (the
    /// callers know their edges: `OrderGraph` looks in its edge table first).
    mutating func insertEdge(from x: UInt64, to y: UInt64) -> InsertResult {
        if x == y { return .cycle(path: [x]) }
        let existingY = ensureNode(y, asSource: false, other: x)
        let existingX = ensureNode(x, asSource: true, other: y)
        // Two lookups for two nodes that exist (the usual case); adding x may move y.
        guard let positionOfX = existingX ?? nodes.position(of: x),
              let positionOfY = existingX == nil ? nodes.position(of: y) : existingY ?? nodes.position(of: y)
        else { preconditionFailure("GraphCycles: a node just ensured is missing") }
        let rankOfY = nodes.update(at: positionOfY) { $0.rank }
        // An edge present already agrees with the ranks, so one that does not is new; one that
        // does is inserted on that side at once (one set operation both asks and adds).
        let added = nodes.update(at: positionOfX) { node -> Bool? in node.rank < rankOfY ? node.successors.insert(y).inserted : nil }
        if added == true {
            nodes.update(at: positionOfY) { _ = $0.predecessors.insert(x) }
            return .inserted
        }
        if added == false { return .alreadyPresent }
        // Against the ranks: the searches and moves below read the adjacency sets. (No unsettled
        // edge is this one: those agree with the ranks.)
        settle()

        // Search both ways at once, one node per side per turn: backward from x over nodes
        // ranked above y, forward from y over nodes ranked below x. Every path y ... x lies in
        // that band, so either side reaching the other endpoint finds the cycle, and the first
        // side to finish proves there is none and is the (smaller) set to move.
        var backward = BandSearch(from: x, towards: y, forward: false, bound: rankOfY)
        var forward = BandSearch(from: y, towards: x, forward: true, bound: nodes[x]!.rank)
        while true {
            if let hit = backward.step(nodes) {
                return .cycle(path: [y] + pathBack(to: hit, from: x, parents: backward.parent).reversed())
            }
            if backward.isFinished {
                if moveBelow(y, backward.sortedFound(nodes), members: backward.seen) { break }
                return reorderAfterRenumbering(x, y)
            }
            if let hit = forward.step(nodes) {
                return .cycle(path: pathBack(to: hit, from: y, parents: forward.parent) + [x])
            }
            if forward.isFinished {
                if moveAbove(x, forward.sortedFound(nodes), members: forward.seen) { break }
                return reorderAfterRenumbering(x, y)
            }
        }
        addEdge(x, y)
        return .inserted
    }

    /// No gap was wide enough (or equal ranks were in the way, or the space beyond the ends
    /// ran out): spread the ranks out again, which also makes them distinct as Pearce–Kelly
    /// requires, and move the two sets there.
    private mutating func reorderAfterRenumbering(_ x: UInt64, _ y: UInt64) -> InsertResult {
        renumber()
        var backward = BandSearch(from: x, towards: y, forward: false, bound: nodes[y]!.rank)
        var forward = BandSearch(from: y, towards: x, forward: true, bound: nodes[x]!.rank)
        while !backward.isFinished { _ = backward.step(nodes) }
        while !forward.isFinished { _ = forward.step(nodes) }
        let ancestors = backward.sortedFound(nodes)
        let descendants = forward.sortedFound(nodes)
        if !moveBelow(y, ancestors, members: backward.seen) && !moveAbove(x, descendants, members: forward.seen) {
            // Pearce–Kelly: everything that reaches x goes before everything y reaches, reusing
            // the ranks these nodes held.
            let moved = ancestors + descendants
            let ranks = moved.map { nodes[$0]!.rank }.sorted()
            for (id, rank) in zip(moved, ranks) {
                nodes[id]!.rank = rank
            }
        }
        addEdge(x, y)
        return .inserted
    }

    /// Gives `moving` (sorted by rank: x and its ancestors ranked above y) new ranks between
    /// y's rank and the highest rank among their other predecessors, keeping their order.
    /// Every such predecessor ranks below y (one above y would reach x and be in the set).
    private mutating func moveBelow(_ y: UInt64, _ moving: [UInt64], members: NodeSet) -> Bool {
        let ceiling = nodes[y]!.rank
        var floor = Int.min
        for id in moving {
            for previous in nodes[id]!.predecessors where !members.contains(previous) {
                floor = max(floor, nodes[previous]!.rank)
            }
        }
        if floor == Int.min {
            // Nothing bounds the set from below: use room below every rank (`firstRank`, which
            // is at most `ceiling`), unless that would leave the bound.
            guard let room = offset(firstRank, bySpacings: moving.count + 1, downward: true) else { return false }
            floor = room
        }
        guard let given = spread(moving, above: floor, below: ceiling) else { return false }
        firstRank = min(firstRank, given.lowerBound)
        return true
    }

    /// The mirror image: gives `moving` (sorted by rank: y and its descendants ranked below x)
    /// new ranks between x's rank and the lowest rank among their other successors.
    private mutating func moveAbove(_ x: UInt64, _ moving: [UInt64], members: NodeSet) -> Bool {
        let floor = nodes[x]!.rank
        var ceiling = Int.max
        for id in moving {
            for next in nodes[id]!.successors where !members.contains(next) {
                ceiling = min(ceiling, nodes[next]!.rank)
            }
        }
        if ceiling == Int.max {
            // Nothing bounds the set from above: use room above every rank (`nextRank`, which
            // exceeds `floor`), unless that would leave the bound.
            guard let room = offset(nextRank, bySpacings: moving.count + 1, downward: false) else { return false }
            ceiling = room
        }
        guard let given = spread(moving, above: floor, below: ceiling) else { return false }
        // Just above the highest rank given (below `ceiling`, so within the bound). A ceiling
        // set by a successor is below `nextRank` already, and this changes nothing.
        nextRank = max(nextRank, given.upperBound + 1)
        return true
    }

    /// `rank` moved `steps` spacings down or up, or nil when that would leave the bound.
    /// `rank` is within the bound, so the room left (at most 2^61) cannot overflow, and the
    /// distance is only applied once it is known to fit that room.
    private func offset(_ rank: Int, bySpacings steps: Int, downward: Bool) -> Int? {
        let (distance, overflow) = spacing.multipliedReportingOverflow(by: steps)
        let room = downward ? rank + Self.rankBound : Self.rankBound - rank
        guard !overflow, distance <= room else { return nil }
        return downward ? rank - distance : rank + distance
    }

    /// Assigns `moving` evenly spaced ranks strictly between `floor` and `ceiling`, in order.
    /// Returns the lowest and highest ranks given, or nil (changing nothing) when the gap is
    /// too narrow. Both ends are within the bound, so `ceiling - floor` is at most 2^61, and
    /// `step * (index + 1) <= step * count < ceiling - floor`: no product or sum overflows,
    /// and every rank given lies strictly between the ends.
    private mutating func spread(_ moving: [UInt64], above floor: Int, below ceiling: Int) -> ClosedRange<Int>? {
        let gap = ceiling - floor
        guard gap > moving.count else { return nil }
        let step = gap / (moving.count + 1)
        for (index, id) in moving.enumerated() {
            nodes[id]!.rank = floor + step * (index + 1)
        }
        return (floor + step)...(floor + step * moving.count)
    }

    /// Spreads every rank `spacing` apart again from 0, keeping the order (ties broken
    /// arbitrarily: tied nodes have no edge between them), so all ranks become distinct. The
    /// spacing shrinks if `(count + 1) * spacing` would pass `rankBound / 2`, leaving half the
    /// bound free at each end. (No dictionary holds 2^59 nodes, so the quotient is never 0.)
    private mutating func renumber() {
        let ordered = nodes.map { (id: $0.id, rank: $0.value.rank) }.sorted { $0.rank < $1.rank }
        spacing = max(1, min(maximumSpacing, Self.rankBound / 2 / (ordered.count + 1)))
        for (index, entry) in ordered.enumerated() {
            nodes[entry.id]!.rank = index * spacing
        }
        firstRank = 0
        nextRank = ordered.count * spacing
        assert(checkInvariants(requireDistinctRanks: true) == nil,
               "GraphCycles after renumbering: \(checkInvariants(requireDistinctRanks: true) ?? "")")
    }

    private mutating func addEdge(_ x: UInt64, _ y: UInt64) {
        nodes.update(x) { _ = $0.successors.insert(y) }
        nodes.update(y) { _ = $0.predecessors.insert(x) }
    }

    mutating func removeAll() {
        nodes.removeAll()
        unsettled.removeAll()
        (nextRank, firstRank) = (0, 0)
    }

    /// Removes a node and its edges. The remaining ranks stay a valid topological order.
    mutating func removeNode(_ id: UInt64) {
        settle()
        guard let node = nodes.removeValue(forKey: id) else { return }
        for next in node.successors { nodes.update(next) { _ = $0.predecessors.remove(id) } }
        for previous in node.predecessors { nodes.update(previous) { _ = $0.successors.remove(id) } }
    }
}
