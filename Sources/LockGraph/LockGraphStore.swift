import Synchronization

struct ClassEdgeKey: Hashable, Sendable {
    let from: String
    let to: String
}

struct EdgeKey: Hashable, Sendable {
    let from: UInt64
    let to: UInt64
}

/// What the graph remembers about an edge: who made it first and both raw stacks.
struct EdgeRecord: Sendable {
    let from: LockInfo
    let to: LockInfo
    let thread: ThreadDescriptor
    /// Where `from` was acquired (empty when the lock was past its stack budget).
    let holderStack: StackTrace
    /// Where `to` was acquired while `from` was held.
    let acquirerStack: StackTrace
}

/// The one global lock graph: live locks, order edges with their first-seen stacks, the
/// incremental topological order, and which cycles were already reported.
///
/// Everything here is guarded by one `InternalLock`, taken only on the slow path (a new edge,
/// lock creation and destruction, snapshots), never while user code runs.
final class LockGraphStore: Sendable {
    static let shared = LockGraphStore()

    struct State {
        var graph = GraphCycles()
        /// Edges of the acyclic graph.
        var edges: [EdgeKey: EdgeRecord] = [:]
        /// Edges that closed a cycle; kept out of `graph` so its order stays valid, and
        /// remembered so the same inversion is not reported again.
        var inversionEdges: [EdgeKey: EdgeRecord] = [:]
        /// Normalised cycles (rotated to start at the smallest id) already reported.
        var reportedCycles: Set<[UInt64]> = []
        var liveLocks: [UInt64: LockInfo] = [:]
        /// Queues whose reentrant use has been reported (once per queue).
        var reportedReentrantQueues: Set<UInt64> = []
        /// Class-level edges (see `LockDescriptor.classKey`) with the first record that made
        /// each; kept after the locks are destroyed. Filled only while `recordsClassEdges`.
        var classEdges: [ClassEdgeKey: EdgeRecord] = [:]
        var recordsClassEdges = Configuration.environment("LOCKGRAPH_RECORD").map { !$0.isEmpty } ?? false

        func knows(_ key: EdgeKey) -> Bool {
            edges[key] != nil || inversionEdges[key] != nil
        }
    }

    let state = InternalProtected(State())
    /// Bumped by `reset()`, which also tells every thread to drop its known-edge cache.
    let epoch = Atomic<UInt64>(1)

    func register(_ lock: LockInfo) {
        state.withLock { $0.liveLocks[lock.id] = lock }
    }

    /// Forgets a destroyed lock: its node, its edges, and any inversion edge touching it.
    func unregister(_ lock: LockInfo) {
        let id = lock.id
        state.withLock { state in
            guard state.liveLocks.removeValue(forKey: id) != nil else { return }
            if state.graph.contains(node: id) {
                for next in state.graph.successors(of: id) {
                    state.edges[EdgeKey(from: id, to: next)] = nil
                }
                for previous in state.graph.predecessors(of: id) {
                    state.edges[EdgeKey(from: previous, to: id)] = nil
                }
                state.graph.removeNode(id)
            }
            if !state.inversionEdges.isEmpty {
                state.inversionEdges = state.inversionEdges.filter { $0.key.from != id && $0.key.to != id }
            }
            state.reportedReentrantQueues.remove(id)
        }
    }

    /// Adds the edges from the locks a thread holds (by id, with the stacks where it acquired
    /// them) into `lock`. Held locks are resolved through the registry under the store's lock, so
    /// a held lock destroyed meanwhile (or created while tracking was off) is simply skipped.
    func addEdges(from held: [(from: UInt64, holderStack: StackTrace)], to lock: LockInfo,
                  thread: ThreadDescriptor, acquirerStack: StackTrace) -> [[EdgeRecord]] {
        let records = state.withLock { state in
            held.compactMap { entry in
                state.liveLocks[entry.from].map {
                    EdgeRecord(from: $0, to: lock, thread: thread, holderStack: entry.holderStack, acquirerStack: acquirerStack)
                }
            }
        }
        return addEdges(records)
    }

    /// Adds the edges `held -> target` that are not yet known. Returns every cycle (as the
    /// edge records along it, in order) that these edges close for the first time.
    func addEdges(_ candidates: [EdgeRecord]) -> [[EdgeRecord]] {
        state.withLock { state in
            var cycles: [[EdgeRecord]] = []
            for record in candidates {
                let key = EdgeKey(from: record.from.id, to: record.to.id)
                guard !state.knows(key) else { continue }
                record.from.renewStackBudget()
                record.to.renewStackBudget()
                if state.recordsClassEdges {
                    let classKey = ClassEdgeKey(from: record.from.descriptor.classKey, to: record.to.descriptor.classKey)
                    if state.classEdges[classKey] == nil { state.classEdges[classKey] = record }
                }
                switch state.graph.insertEdge(from: key.from, to: key.to) {
                case .alreadyPresent:
                    continue
                case .inserted:
                    state.edges[key] = record
                    cycles += Self.cyclesThroughInversionEdges(after: key, in: &state)
                case .cycle(let path):
                    state.inversionEdges[key] = record
                    // path runs target ... source; the new edge closes it.
                    var nodes = path
                    if nodes.first == key.to { nodes.removeFirst() }
                    let cycleNodes = [key.to] + nodes
                    if let records = Self.recordCycle(cycleNodes, in: &state) {
                        cycles.append(records)
                    }
                }
            }
            return cycles
        }
    }

    /// A new acyclic edge `x -> y` can complete a cycle that runs through an earlier inversion
    /// edge `u -> v`: `v ... x -> y ... u -> v`. Inversion edges are few (each was reported),
    /// and each search is bounded by the topological order.
    private static func cyclesThroughInversionEdges(after key: EdgeKey, in state: inout State) -> [[EdgeRecord]] {
        var found: [[EdgeRecord]] = []
        for (inversion, record) in state.inversionEdges {
            guard let toSource = state.graph.path(from: inversion.to, to: key.from),
                  let fromTarget = state.graph.path(from: key.to, to: inversion.from)
            else { continue }
            let cycleNodes = toSource + fromTarget
            if let records = recordCycle(cycleNodes, in: &state) {
                found.append(records)
            }
        }
        return found
    }

    /// `nodes` lists the cycle once (`n0 -> n1 -> ... -> n0`). Returns the edge records along it
    /// if this cycle was not reported before.
    private static func recordCycle(_ nodes: [UInt64], in state: inout State) -> [EdgeRecord]? {
        guard let smallest = nodes.indices.min(by: { nodes[$0] < nodes[$1] }) else { return nil }
        let normalised = Array(nodes[smallest...] + nodes[..<smallest])
        guard state.reportedCycles.insert(normalised).inserted else { return nil }
        var records: [EdgeRecord] = []
        for index in nodes.indices {
            let key = EdgeKey(from: nodes[index], to: nodes[(index + 1) % nodes.count])
            guard let record = state.edges[key] ?? state.inversionEdges[key] else { return nil }
            records.append(record)
        }
        return records
    }

    /// Forgets every edge and reported cycle; live locks stay registered.
    func reset() {
        state.withLock { state in
            state.graph.removeAll()
            state.edges.removeAll()
            state.inversionEdges.removeAll()
            state.reportedCycles.removeAll()
            state.reportedReentrantQueues.removeAll()
        }
        epoch.wrappingAdd(1, ordering: .relaxed)
        for thread in ThreadRegistry.shared.all() {
            thread.cacheResets.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Returns true the first time a reentrant use of `queue` is seen.
    func firstReentrancy(of queue: UInt64) -> Bool {
        state.withLock { $0.reportedReentrantQueues.insert(queue).inserted }
    }
}
