/// Finding a cycle that can deadlock through one edge of an `OrderGraph`.
///
/// Which cycles can deadlock (WhatIsReported.md in the DocC catalog, "Precision rules", gate locks): in a deadlock every edge
/// of the cycle is being taken at once, each by its own thread, and each such thread holds the
/// edge's guards (the locks held exclusively every time the edge was taken). Two threads cannot
/// both hold one lock exclusively, so a cycle two of whose edges share a guard cannot deadlock.
/// A cycle can deadlock iff the guards of its edges are pairwise disjoint. (Edges inside a
/// reader-writer lock have no guards.)
///
/// The search runs over the whole order graph, the acyclic part and the inversion edges, from
/// the edge's target back to its source. It is breadth-first over states (node, union of the
/// guards passed, whether an edge with a flagged guard was passed). A walk whose edges' guards
/// are pairwise disjoint stays so when a loop is cut out of it, so the walk found is cut down
/// to a simple path: a cycle that can deadlock exists iff such a walk does, and the search is
/// exact. Its cost is linear in the states: one per node while no edge passed has guards (almost
/// always), one per distinct union of guards gathered on the way otherwise, and a state whose
/// union contains another's at the same node (and has no flag the other lacks) is not explored. In the acyclic part only nodes ranked at most the highest of the
/// target's and the inversion edges' sources' ranks can lead back to the target.
///
/// The flag is for narrowed guards: then a cycle is wanted that could not deadlock before, one
/// of whose edges has a guard the narrowed edge no longer has. Cutting a loop may drop that
/// edge; only then does a bounded depth-first search over simple paths take over.
extension OrderGraph {
    /// A path found by `deadlockPath`: simple, from the closing edge's target to its source.
    struct DeadlockPath {
        var nodes: [UInt64]
        /// Whether one of its edges has a flagged guard.
        var passesFlagged: Bool
    }

    private struct SearchState {
        let node: UInt64
        /// The guards of the closing edge and of every edge passed.
        let held: Set<UInt64>
        let passesFlagged: Bool
        let parent: Int
    }

    /// A simple path `key.to ... key.from` along existing edges but `key` that closes a cycle
    /// through `key` that can deadlock, preferring (exactly, unless a cut loop dropped it) one
    /// that passes an edge with a guard in `flagged`; nil when no such cycle exists.
    func deadlockPath(closing key: EdgeKey, flagged: Set<UInt64>) -> DeadlockPath? {
        guard let context = SearchContext(self, closing: key) else { return nil }
        var states = [SearchState(node: key.to, held: guards(of: key), passesFlagged: false, parent: -1)]
        var seen = NodeMap<[Int]>()
        seen[key.to] = [0]
        var fallback: Int?
        var index = 0
        while index < states.count {
            let (current, parent) = (states[index], index)
            index += 1
            // The target ends a walk: going on from it could only come back through a loop.
            guard current.node != key.from else { continue }
            for next in context.successors(of: current.node, in: self) where next != key.to {
                let guards = self.guards.isEmpty ? [] : self.guards(of: EdgeKey(from: current.node, to: next))
                guard guards.isDisjoint(with: current.held) else { continue }
                let passesFlagged = current.passesFlagged || !guards.isDisjoint(with: flagged)
                let held = guards.isEmpty ? current.held : current.held.union(guards)
                let dominated = seen[next]?.contains { states[$0].held.isSubset(of: held) && (states[$0].passesFlagged || !passesFlagged) }
                if dominated == true { continue }
                states.append(SearchState(node: next, held: held, passesFlagged: passesFlagged, parent: parent))
                seen[next] = (seen[next] ?? []) + [states.count - 1]
                guard next == key.from else { continue }
                if passesFlagged || flagged.isEmpty { return Self.path(endingAt: states.count - 1, in: states, flagged: flagged, self) }
                // The target is no place to go on from; keep it in case no flagged walk exists.
                fallback = fallback ?? states.count - 1
            }
        }
        return fallback.map { Self.path(endingAt: $0, in: states, flagged: flagged, self) }
    }

    /// The walk ending at `end`, with its loops cut out (its edges a subset of the walk's).
    private static func path(endingAt end: Int, in states: [SearchState], flagged: Set<UInt64>, _ graph: OrderGraph) -> DeadlockPath {
        var walk: [UInt64] = []
        var index = end
        while index >= 0 {
            walk.append(states[index].node)
            index = states[index].parent
        }
        var nodes: [UInt64] = []
        var position: [UInt64: Int] = [:]
        for node in walk.reversed() {
            if let earlier = position[node] {
                for dropped in nodes[(earlier + 1)...] { position[dropped] = nil }
                nodes.removeSubrange((earlier + 1)...)
            } else {
                position[node] = nodes.count
                nodes.append(node)
            }
        }
        let passesFlagged = !flagged.isEmpty && zip(nodes, nodes.dropFirst()).contains {
            !graph.guards(of: EdgeKey(from: $0, to: $1)).isDisjoint(with: flagged)
        }
        return DeadlockPath(nodes: nodes, passesFlagged: passesFlagged)
    }

    /// Depth-first over simple paths `key.to ... key.from` for one that closes a cycle through
    /// `key` that can deadlock and passes an edge with a guard in `flagged`. Exponential in the
    /// worst case, so it gives up (nil) after `budget` nodes; it runs only when the
    /// breadth-first walk lost its flagged edge in a loop.
    func flaggedDeadlockPath(closing key: EdgeKey, flagged: Set<UInt64>, budget: Int = 10_000) -> [UInt64]? {
        guard let context = SearchContext(self, closing: key) else { return nil }
        struct Frame {
            let successors: [UInt64]
            var next = 0
            let held: Set<UInt64>
            let passesFlagged: Bool
        }
        var path = [key.to]
        var onPath: Set<UInt64> = [key.to]
        var frames = [Frame(successors: context.successors(of: key.to, in: self), held: guards(of: key), passesFlagged: false)]
        var expanded = 0
        while let top = frames.last {
            guard top.next < top.successors.count else {
                frames.removeLast()
                onPath.remove(path.removeLast())
                continue
            }
            let next = top.successors[top.next]
            frames[frames.count - 1].next += 1
            let guards = self.guards(of: EdgeKey(from: path[path.count - 1], to: next))
            guard !onPath.contains(next), guards.isDisjoint(with: top.held) else { continue }
            let passesFlagged = top.passesFlagged || !guards.isDisjoint(with: flagged)
            if next == key.from {
                if passesFlagged { return path + [next] }
                continue
            }
            expanded += 1
            guard expanded <= budget else { return nil }
            path.append(next)
            onPath.insert(next)
            frames.append(Frame(successors: context.successors(of: next, in: self), held: top.held.union(guards), passesFlagged: passesFlagged))
        }
        return nil
    }

    /// What both searches need: the inversion edges by source, and the rank above which no
    /// node of the acyclic part leads back to the target.
    private struct SearchContext {
        var jumps: [UInt64: [UInt64]] = [:]
        var bound: Int

        init?(_ order: OrderGraph, closing key: EdgeKey) {
            guard order.graph.contains(node: key.to), let targetRank = order.graph.rank(of: key.from) else { return nil }
            bound = targetRank
            for jump in order.inversionEdges.keys where jump != key {
                jumps[jump.from, default: []].append(jump.to)
                bound = max(bound, order.graph.rank(of: jump.from) ?? bound)
            }
        }

        func successors(of node: UInt64, in order: OrderGraph) -> [UInt64] {
            var result = jumps[node] ?? []
            for next in order.graph.successors(of: node) where (order.graph.rank(of: next) ?? Int.max) <= bound {
                result.append(next)
            }
            return result
        }
    }
}
