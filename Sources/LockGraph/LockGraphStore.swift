import Synchronization

struct ClassEdgeKey: Hashable, Sendable {
    let from: String
    let to: String
}

struct EdgeKey: Hashable, Sendable {
    let from: UInt64
    let to: UInt64
}

/// What the graph remembers about an edge: who made it first, both raw stacks, and its guards.
struct EdgeRecord: Sendable {
    let from: LockInfo
    let to: LockInfo
    /// The graph nodes (see `LockNode`): for reader-writer locks they carry the mode.
    let fromNode: UInt64
    let toNode: UInt64
    let thread: ThreadDescriptor
    /// Where `from` was acquired (empty when the lock was past its stack budget).
    let holderStack: StackTrace
    /// Where `to` was acquired while `from` was held.
    let acquirerStack: StackTrace
    /// Other locks held exclusively every time this edge was taken (the intersection only
    /// shrinks). A cycle whose edges share a guard is serialised by it and is not reported.
    var guards: Set<UInt64>
}

/// What one slow-path call found.
struct EdgeOutcome {
    var cycles: [[EdgeRecord]] = []
    /// Cycles between lock classes (only with class checking on) not already covered by an
    /// instance cycle.
    var classCycles: [[EdgeRecord]] = []
    /// Edges between two locks of one class, first time for that class (class checking on).
    var sameClassNesting: [EdgeRecord] = []
    /// From-nodes whose edge into the target has no guard left: the thread may cache them.
    var unguarded: Set<UInt64> = []
}

/// The one global lock graph: live locks, the instance order graph and (opt-in) the class order
/// graph, and which reentrant queues were reported.
///
/// Everything here is guarded by one `InternalLock`, taken only on the slow path (a new edge,
/// lock creation and destruction, snapshots), never while user code runs.
final class LockGraphStore: Sendable {
    static let shared = LockGraphStore()

    struct State {
        var instances = OrderGraph()
        var liveLocks: [UInt64: LockInfo] = [:]
        /// Queues whose reentrant use has been reported (once per queue).
        var reportedReentrantQueues: Set<UInt64> = []
        /// Class-level edges (see `LockDescriptor.classKey`) with the first record that made
        /// each; kept after the locks are destroyed. Filled only while `recordsClassEdges`.
        var classEdges: [ClassEdgeKey: EdgeRecord] = [:]
        var recordsClassEdges = Configuration.environment("LOCKGRAPH_RECORD").map { !$0.isEmpty } ?? false
        /// The class order graph, present while class checking is on.
        var classes: OrderGraph? = LockClasses.enabledAtStart ? OrderGraph() : nil
        var classIDs: [String: UInt64] = [:]
        var reportedSameClass: Set<String> = []

        var edges: [EdgeKey: EdgeRecord] { instances.edges }
        var inversionEdges: [EdgeKey: EdgeRecord] { instances.inversionEdges }

        mutating func classID(of lock: LockInfo) -> UInt64 {
            let key = lock.classKey
            if let id = classIDs[key] { return id }
            let id = UInt64(classIDs.count + 1)
            classIDs[key] = id
            return id
        }
    }

    let state = InternalProtected(State())

    func register(_ lock: LockInfo) {
        state.withLock { state in
            state.liveLocks[lock.id] = lock
            state.instances.addInternalEdges(of: lock)
        }
    }

    /// Forgets a destroyed lock: its nodes, its edges, and any cycle pending on it.
    func unregister(_ lock: LockInfo) {
        state.withLock { state in
            guard state.liveLocks.removeValue(forKey: lock.id) != nil else { return }
            state.instances.remove(lock.isReaderWriter ? LockNode.all(of: lock.id) : [lock.id])
            state.reportedReentrantQueues.remove(lock.id)
        }
    }

    /// Adds the edges from the nodes a thread holds (with the stacks where it acquired them)
    /// into `target` of `lock`, each guarded by `exclusivelyHeld` minus its own two locks.
    /// Held locks are resolved through the registry under the store's lock, so a held lock
    /// destroyed meanwhile (or created while tracking was off) is simply skipped.
    func addEdges(from held: [(from: UInt64, holderStack: StackTrace)], to lock: LockInfo, target: UInt64,
                  exclusivelyHeld: Set<UInt64>, thread: ThreadDescriptor, acquirerStack: StackTrace) -> EdgeOutcome {
        state.withLock { state in
            var outcome = EdgeOutcome()
            for entry in held {
                guard let from = state.liveLocks[LockNode.lock(of: entry.from)] else { continue }
                var guards = exclusivelyHeld
                guards.remove(from.id)
                guards.remove(lock.id)
                let record = EdgeRecord(from: from, to: lock, fromNode: entry.from, toNode: target, thread: thread,
                                        holderStack: entry.holderStack, acquirerStack: acquirerStack, guards: guards)
                let isNew = state.instances.lookup(EdgeKey(from: entry.from, to: target)) == nil
                if isNew {
                    from.renewStackBudget()
                    lock.renewStackBudget()
                    if state.recordsClassEdges {
                        let classKey = ClassEdgeKey(from: from.descriptor.classKey, to: lock.descriptor.classKey)
                        if state.classEdges[classKey] == nil { state.classEdges[classKey] = record }
                    }
                }
                let added = state.instances.add(record)
                outcome.cycles += added.cycles
                if added.unguarded { outcome.unguarded.insert(entry.from) }
                if state.classes != nil {
                    LockClasses.add(record, to: &state, outcome: &outcome)
                }
            }
            return outcome
        }
    }

    /// Forgets every edge and reported cycle; live locks stay registered.
    func reset() {
        state.withLock { state in
            state.instances = OrderGraph()
            for lock in state.liveLocks.values {
                state.instances.addInternalEdges(of: lock)
            }
            if state.classes != nil { state.classes = OrderGraph() }
            state.reportedSameClass.removeAll()
            state.reportedReentrantQueues.removeAll()
        }
        for thread in ThreadRegistry.shared.all() {
            thread.cacheResets.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Returns true the first time a reentrant use of `queue` is seen.
    func firstReentrancy(of queue: UInt64) -> Bool {
        state.withLock { $0.reportedReentrantQueues.insert(queue).inserted }
    }
}
