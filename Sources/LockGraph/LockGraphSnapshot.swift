/// A point-in-time copy of the lock graph.
public struct LockGraphSnapshot: Sendable {
    /// An edge of the graph: some thread acquired `to` while holding `from`.
    public struct Edge: Sendable, Hashable {
        public let from: LockDescriptor
        public let to: LockDescriptor
        /// The thread that first took the locks in this order.
        public let thread: ThreadDescriptor
        /// True when this edge closed a cycle (it was reported as an inversion).
        public let closesCycle: Bool
    }

    /// The locks one thread holds, outermost first.
    public struct ThreadLocks: Sendable, Hashable {
        public let thread: ThreadDescriptor
        public let held: [LockDescriptor]
    }

    /// Every tracked lock alive at the time of the snapshot.
    public let locks: [LockDescriptor]
    /// Every order edge between live locks.
    public let edges: [Edge]
    /// Threads that hold at least one tracked lock (read without stopping them: best effort).
    public let threads: [ThreadLocks]

    static func capture() -> LockGraphSnapshot {
        let (locks, edges, byID) = LockGraphStore.shared.state.withLock { state in
            let locks = state.liveLocks.values.map(\.descriptor).sorted { $0.id < $1.id }
            let acyclic = state.edges.values.map {
                Edge(from: $0.from.descriptor, to: $0.to.descriptor, thread: $0.thread, closesCycle: false)
            }
            let closing = state.inversionEdges.values.map {
                Edge(from: $0.from.descriptor, to: $0.to.descriptor, thread: $0.thread, closesCycle: true)
            }
            let byID = Dictionary(uniqueKeysWithValues: locks.map { ($0.id, $0) })
            return (locks, (acyclic + closing).sorted { ($0.from.id, $0.to.id) < ($1.from.id, $1.to.id) }, byID)
        }
        let threads = ThreadRegistry.shared.all().compactMap { state -> ThreadLocks? in
            let held = state.observedHeldIDs().compactMap { byID[$0] }
            guard !held.isEmpty else { return nil }
            return ThreadLocks(thread: ThreadDescriptor(id: state.threadID, name: ThreadState.name(ofThread: state.threadID)), held: held)
        }.sorted { $0.thread.id < $1.thread.id }
        return LockGraphSnapshot(locks: locks, edges: edges, threads: threads)
    }
}
