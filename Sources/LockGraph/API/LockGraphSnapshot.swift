/// A point-in-time copy of the lock graph.
public struct LockGraphSnapshot: Sendable {
    /// An edge of the graph: some thread acquired `to` while holding `from`.
    public struct Edge: Sendable, Hashable {
        /// The lock that was held.
        public let from: LockDescriptor
        /// The lock acquired while ``from`` was held.
        public let to: LockDescriptor
        /// The thread that first took the locks in this order.
        public let thread: ThreadDescriptor
        /// True when this edge closed a cycle (it was reported as an inversion).
        public let closesCycle: Bool
        let rawHolderStack: StackTrace
        let rawAcquirerStack: StackTrace

        /// The stacks that first made this edge, symbolized now (a few milliseconds each):
        /// where `from` was acquired and where `to` was acquired while `from` was held.
        public func stacks() -> (holder: LockBacktrace, acquirer: LockBacktrace) {
            (LockBacktrace(label: "\(from) acquired", thread: thread,
                           frames: Symbolication.frames(of: rawHolderStack)),
             LockBacktrace(label: "\(to) acquired while holding \(from)", thread: thread,
                           frames: Symbolication.frames(of: rawAcquirerStack)))
        }

        init(_ record: EdgeRecord, closesCycle: Bool) {
            from = record.from.descriptor
            to = record.to.descriptor
            thread = record.thread
            self.closesCycle = closesCycle
            rawHolderStack = record.holderStack
            rawAcquirerStack = record.acquirerStack
        }

        /// Equal when both locks, the thread and ``closesCycle`` are; the stacks are not compared.
        public static func == (lhs: Edge, rhs: Edge) -> Bool {
            lhs.from == rhs.from && lhs.to == rhs.to && lhs.thread == rhs.thread && lhs.closesCycle == rhs.closesCycle
        }

        /// Hashes the two locks only (equal edges have equal locks).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(from)
            hasher.combine(to)
        }
    }

    /// The locks one thread holds, outermost first.
    public struct ThreadLocks: Sendable, Hashable {
        /// The thread.
        public let thread: ThreadDescriptor
        /// The tracked locks it holds, outermost first.
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
            let edges = state.instanceRecords().map { Edge($0.record, closesCycle: $0.closesCycle) }
            let byID = Dictionary(uniqueKeysWithValues: locks.map { ($0.id, $0) })
            return (locks, edges.sorted { ($0.from.id, $0.to.id) < ($1.from.id, $1.to.id) }, byID)
        }
        let threads = ThreadRegistry.shared.observe().compactMap { observed -> ThreadLocks? in
            let held = observed.held.compactMap { byID[$0.id] }
            guard !held.isEmpty else { return nil }
            return ThreadLocks(thread: observed.thread, held: held)
        }
        return LockGraphSnapshot(locks: locks, edges: edges, threads: threads)
    }
}
