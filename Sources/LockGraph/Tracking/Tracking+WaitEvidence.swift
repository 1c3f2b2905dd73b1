/// Evidence before a wait report.
///
/// A wait on a condition (or semaphore) while holding lock H can only hang if the signal needs
/// H. The graph learns that from signallers: `signal -> L` for every lock L a thread holds when
/// it signals, next to the waits' `H -> signal`. A wait is reported when those edges, with the
/// ordinary lock edges, close a cycle (`H -> signal -> L ->* H`): the signaller was seen holding
/// H, or holding a lock from which the order graph reaches H. Whichever side comes second
/// closes the cycle and is reported, before it blocks: a wait whose signaller was seen earlier
/// is reported before the thread waits. A wait with no such evidence is not reported (the
/// watchdog still reports a wait that really hangs).
///
/// Both kinds of edge are unguarded (a gate lock held by waiter and signaller does not
/// serialise them: the waiter sleeps inside the gate) and cached per thread like lock edges,
/// so a repeated signal under the same locks costs one cache probe per held lock.
extension Tracking {
    /// Called by a signal (or broadcast) of `signal`'s condition: records `signal -> L` for every
    /// lock L the thread holds that the thread's cache does not know yet.
    @inline(__always)
    static func signalled(_ signal: LockInfo) {
        guard signal.isRegistered, let reference = currentThreadReference() else { return }
        reference._withUnsafeGuaranteedRef { thread in
            let hot = thread.hot
            let count = hot.pointee.heldCount
            guard count > 0, !hot.pointee.isReporting else { return }
            let source = LockNode.signal(of: signal.id)
            for index in 0..<count where !hot.pointee.knownEdges.contains(from: source, to: hot.pointee.held[index].node) {
                recordSignal(signal, source: source, thread: thread)
                return
            }
        }
    }

    @inline(never)
    private static func recordSignal(_ signal: LockInfo, source: UInt64, thread: ThreadState) {
        let hot = thread.hot
        var unknown: [(node: UInt64, id: UInt64, index: Int)] = []
        for index in 0..<hot.pointee.heldCount {
            let entry = hot.pointee.held[index]
            guard !unknown.contains(where: { $0.node == entry.node }),
                  !hot.pointee.knownEdges.contains(from: source, to: entry.node)
            else { continue }
            unknown.append((entry.node, entry.id, index))
        }
        guard !unknown.isEmpty else { return }
        let store = LockGraphStore.shared
        let signalStack = thread.internStack(StackTrace.capture())
        let threadID = thread.descriptorID()
        for entry in unknown {
            guard let held = store.liveLock(entry.id, shard: thread.threadID) else { continue }
            // The edge's "holder" side is the signal (where it was sent); its "acquirer" side is
            // the held lock (where it was taken): what a report shows for `signal -> L`.
            var candidate = EdgeCandidate(from: source, holderStack: signalStack)
            let outcome = withUnsafeMutablePointer(to: &candidate) { pointer in
                store.addEdges(
                    from: UnsafeMutableBufferPointer(start: pointer, count: 1),
                    to: held, target: entry.node, exclusivelyHeld: UnsafeBufferPointer(start: nil, count: 0),
                    thread: threadID, acquirerStack: thread.holderStackID(at: entry.index), shard: thread.threadID)
            }
            if candidate.unguarded {
                hot.pointee.knownEdges.insert(from: source, to: entry.node)
            }
            for cycle in outcome.cycles {
                Reporter.submit(.lockOrderInversion(cycle: cycle, betweenClasses: false))
            }
        }
    }

    /// Records `H -> signal` for every lock H the waiting thread holds (the condition's own lock
    /// already released), and reports any cycle that closes.
    static func recordWait(for signal: LockInfo, thread: ThreadState) {
        let hot = thread.hot
        let target = LockNode.signal(of: signal.id)
        var unknown: [(node: UInt64, index: Int)] = []
        for index in 0..<hot.pointee.heldCount {
            let entry = hot.pointee.held[index]
            guard !unknown.contains(where: { $0.node == entry.node }),
                  !hot.pointee.knownEdges.contains(from: entry.node, to: target)
            else { continue }
            unknown.append((entry.node, index))
        }
        guard !unknown.isEmpty else { return }
        let waitStack = thread.internStack(StackTrace.capture())
        var candidates = unknown.map { EdgeCandidate(from: $0.node, holderStack: thread.holderStackID(at: $0.index)) }
        let outcome = candidates.withUnsafeMutableBufferPointer { candidates in
            LockGraphStore.shared.addEdges(
                from: candidates,
                to: signal, target: target, exclusivelyHeld: UnsafeBufferPointer(start: nil, count: 0),
                thread: thread.descriptorID(), acquirerStack: waitStack, shard: thread.threadID)
        }
        for candidate in candidates where candidate.unguarded {
            hot.pointee.knownEdges.insert(from: candidate.from, to: target)
        }
        for cycle in outcome.cycles {
            Reporter.submit(.lockOrderInversion(cycle: cycle, betweenClasses: false))
        }
    }
}
