extension Tracking {
    /// A held lock precedes `lock` in an order not in the thread's cache. First, with no stack
    /// and under one shard only, the graph tells which of these edges it already has (another
    /// thread made them, or the cache forgot them): those go into the cache. Only if a new edge
    /// remains is the stack captured, the edges added, and any cycle they close reported.
    /// Returns the captured stack's depth in the thread's scratch buffer and its `StackTable` id,
    /// so the push publishes it as this lock's acquisition stack, or nil when every edge was known.
    ///
    /// No heap allocation of its own for a usual held set: the candidates and the exclusively
    /// held locks live in temporary buffers on the stack, and the stack is captured into the
    /// thread's scratch buffer and interned from there (see `StackInternCache`).
    @inline(never)
    static func slowPath(into lock: LockInfo, target: UInt64, thread: ThreadState) -> (depth: Int, id: UInt32)? {
        let capacity = max(thread.heldCount, 1)
        return withUnsafeTemporaryAllocation(of: EdgeCandidate.self, capacity: capacity) { candidates in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { exclusivelyHeld in
                slowPath(into: lock, target: target, thread: thread, candidates: candidates, exclusivelyHeld: exclusivelyHeld)
            }
        }
    }

    /// `slowPath` with its scratch buffers (each at least the held count; uninitialised).
    private static func slowPath(into lock: LockInfo, target: UInt64, thread: ThreadState,
                                 candidates buffer: UnsafeMutableBufferPointer<EdgeCandidate>,
                                 exclusivelyHeld exclusiveBuffer: UnsafeMutableBufferPointer<UInt64>) -> (depth: Int, id: UInt32)? {
        let hot = thread.hot
        // Candidates: distinct held nodes (not the lock itself) whose edge is not cached.
        var candidateCount = 0, exclusiveCount = 0
        for index in 0..<hot.pointee.heldCount {
            let entry = hot.pointee.held[index]
            if LockNode.isExclusiveHold(entry.node) && !contains(entry.id, in: exclusiveBuffer, count: exclusiveCount) {
                exclusiveBuffer.initializeElement(at: exclusiveCount, to: entry.id)
                exclusiveCount += 1
            }
            guard entry.id != lock.id, !contains(node: entry.node, in: buffer, count: candidateCount),
                  !hot.pointee.knownEdges.contains(from: entry.node, to: target)
            else { continue }
            buffer.initializeElement(at: candidateCount, to: EdgeCandidate(from: entry.node, holderStack: 0, heldIndex: index))
            candidateCount += 1
        }
        let exclusivelyHeld = UnsafeBufferPointer(rebasing: exclusiveBuffer[..<exclusiveCount])
        let store = LockGraphStore.shared
        var unknownCount = 0
        var generation: UInt64 = 0
        if candidateCount > 0 {
            let candidates = UnsafeMutableBufferPointer(rebasing: buffer[..<candidateCount])
            generation = store.knownUnguarded(candidates, into: target, exclusivelyHeld: exclusivelyHeld, lock: lock.id, shard: thread.threadID)
            // Known edges go into the cache; the unknown ones move to the front.
            for index in 0..<candidateCount {
                if candidates[index].unguarded {
                    hot.pointee.knownEdges.insert(from: candidates[index].from, to: target)
                } else {
                    candidates[unknownCount] = candidates[index]
                    unknownCount += 1
                }
            }
        }
        guard unknownCount > 0 else {
            hot.pointee.knownChains.insert(from: thread.topChain, to: target)
            return nil
        }

        let captured = thread.captureIntoScratchInterned()
        let unknown = UnsafeMutableBufferPointer(rebasing: buffer[..<unknownCount])
        for index in 0..<unknownCount {
            unknown[index].holderStack = thread.holderStackID(at: unknown[index].heldIndex)
        }
        let outcome = store.addEdges(
            from: unknown,
            to: lock, target: target, exclusivelyHeld: exclusivelyHeld,
            thread: thread.descriptorID(), acquirerStack: captured.id, shard: thread.threadID, decidedAt: generation)
        for index in 0..<unknownCount where unknown[index].unguarded {
            hot.pointee.knownEdges.insert(from: unknown[index].from, to: target)
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
        return captured
    }

    @inline(__always)
    private static func contains(_ id: UInt64, in buffer: UnsafeMutableBufferPointer<UInt64>, count: Int) -> Bool {
        for index in 0..<count where buffer[index] == id { return true }
        return false
    }

    @inline(__always)
    private static func contains(node: UInt64, in buffer: UnsafeMutableBufferPointer<EdgeCandidate>, count: Int) -> Bool {
        for index in 0..<count where buffer[index].from == node { return true }
        return false
    }
}
