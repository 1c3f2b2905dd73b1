extension Tracking {
    /// A held lock precedes `lock` in an order not in the thread's cache. First, with no stack
    /// and under one shard only, the graph tells which of these edges it already has (another
    /// thread made them, or the cache forgot them): those go into the cache. Only if a new edge
    /// remains is the stack captured, the edges added, and any cycle they close reported.
    /// Returns the captured stack (and its `StackTable` id) so the push can reuse it as this
    /// lock's acquisition stack, or nil when every edge was known.
    @inline(never)
    static func slowPath(into lock: LockInfo, target: UInt64, thread: ThreadState) -> (trace: StackTrace, id: UInt32)? {
        let hot = thread.hot
        // Candidates: distinct held nodes (not the lock itself) whose edge is not cached.
        var candidates: [(node: UInt64, index: Int)] = []
        var nodes: [UInt64] = []
        var exclusivelyHeld: [UInt64] = []
        for index in 0..<hot.pointee.heldCount {
            let entry = hot.pointee.held[index]
            if LockNode.isExclusiveHold(entry.node) && !exclusivelyHeld.contains(entry.id) { exclusivelyHeld.append(entry.id) }
            guard entry.id != lock.id, !candidates.contains(where: { $0.node == entry.node }),
                  !hot.pointee.knownEdges.contains(from: entry.node, to: target)
            else { continue }
            candidates.append((entry.node, index))
            nodes.append(entry.node)
        }
        let store = LockGraphStore.shared
        let known = store.knownUnguarded(nodes, into: target, exclusivelyHeld: exclusivelyHeld,
                                         lock: lock.id, shard: thread.threadID)
        var unknown: [(node: UInt64, index: Int)] = []
        for candidate in candidates {
            if known.contains(candidate.node) {
                hot.pointee.knownEdges.insert(from: candidate.node, to: target)
            } else {
                unknown.append(candidate)
            }
        }
        guard !unknown.isEmpty else {
            hot.pointee.knownChains.insert(from: thread.topChain, to: target)
            return nil
        }

        let stack = StackTrace.capture()
        let stackID = thread.internStack(stack)
        var edges: [EdgeCandidate] = []
        for candidate in unknown {
            edges.append(EdgeCandidate(from: candidate.node, holderStack: thread.holderStackID(at: candidate.index)))
        }
        let outcome = store.addEdges(
            from: edges,
            to: lock, target: target, exclusivelyHeld: exclusivelyHeld,
            thread: thread.descriptorID(), acquirerStack: stackID, shard: thread.threadID)
        for from in outcome.unguarded {
            hot.pointee.knownEdges.insert(from: from, to: target)
        }
        // This exact held set is now fully recorded (guards narrowed for it).
        hot.pointee.knownChains.insert(from: thread.topChain, to: target)
        for cycle in outcome.cycles {
            Reporter.submit(.lockOrderInversion(cycle: cycle, betweenClasses: false))
        }
        for cycle in outcome.classCycles {
            Reporter.submit(.lockOrderInversion(cycle: cycle, betweenClasses: true))
        }
        for record in outcome.sameClassNesting {
            Reporter.submit(.sameClassNesting(record, thread: thread.descriptor(refreshName: true)))
        }
        return (stack, stackID)
    }
}
