struct ClassEdgeKey: Hashable, Sendable {
    let from: String
    let to: String
}

struct EdgeKey: Hashable, Sendable {
    let from: UInt64
    let to: UInt64

    func hash(into hasher: inout Hasher) {
        hasher.combine(NodeHash.mix(from, to))
    }

    /// Set and Dictionary call this directly: a multiply-xorshift mix of the two ids instead of
    /// SipHash over 16 bytes (edges are hashed several times per new edge; the keys are
    /// process-internal ids, not attacker-chosen input, so hash flooding is not a concern).
    func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: NodeHash.mix(from, to) ^ UInt64(truncatingIfNeeded: seed))
    }
}

/// A cheap, well-mixed hash of graph node ids (all bits of the result depend on all input bits,
/// as the hash tables take the low bits for the bucket).
enum NodeHash {
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
        var x = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xC2B2_AE3D_27D4_EB4F
        x ^= x >> 32
        x = x &* 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        return x
    }
}

/// An edge as reports and exports see it: its locks and the stacks that first made it, resolved
/// from the compact `EdgeData` (built only when a report or an export needs it).
struct EdgeRecord: Sendable {
    let from: LockInfo
    let to: LockInfo
    /// The graph nodes (see `LockNode`): for reader-writer locks they carry the mode.
    let fromNode: UInt64
    let toNode: UInt64
    let data: EdgeData
    /// Other locks held exclusively every time this edge was taken (see `OrderGraph.guards`).
    var guards: Set<UInt64> { guardSet.set }
    let guardSet: GuardSet

    init(from: LockInfo, to: LockInfo, fromNode: UInt64, toNode: UInt64, data: EdgeData, guards: Set<UInt64>) {
        self.init(from: from, to: to, fromNode: fromNode, toNode: toNode, data: data, guardSet: GuardSet(base: guards))
    }

    init(from: LockInfo, to: LockInfo, fromNode: UInt64, toNode: UInt64, data: EdgeData, guardSet: GuardSet) {
        self.from = from
        self.to = to
        self.fromNode = fromNode
        self.toNode = toNode
        self.data = data
        self.guardSet = guardSet
    }

    var thread: ThreadDescriptor { ThreadTable.descriptor(data.thread) }
    /// Where `from` was acquired: the full stack, or only the call site when the lock was past
    /// its stack budget (see `holderStackIsSiteOnly`), or empty.
    var holderStack: StackTrace { StackTable.stack(data.holderStack) }
    /// True when `holderStack` is the one-frame call site that took `from`, not a whole stack.
    var holderStackIsSiteOnly: Bool { StackTable.isSiteOnly(data.holderStack) }
    /// Where `to` was acquired while `from` was held.
    var acquirerStack: StackTrace { StackTable.stack(data.acquirerStack) }
    /// The class keys of the two nodes (a signal node's is marked, see `LockNode.classKey`).
    var fromClassKey: String { LockNode.classKey(of: fromNode, lock: from) }
    var toClassKey: String { LockNode.classKey(of: toNode, lock: to) }
    /// In a cycle handed to the reporter: this edge's acquisition is the one that closed (or, by
    /// narrowing its guards, exposed) the cycle. Exports point at it (see `LockGraphFinding`).
    var closesCycle = false

    /// The records of `cycle` (edge keys in cycle order; an edge whose record is gone is left
    /// out), the one for `closing` flagged.
    static func cycle(_ cycle: [EdgeKey], closing: EdgeKey, record: (EdgeKey) -> EdgeRecord?) -> [EdgeRecord] {
        cycle.compactMap { key in
            guard var found = record(key) else { return nil }
            found.closesCycle = key == closing
            return found
        }
    }
}

/// One held lock that precedes a new acquisition, as the slow path hands it to the store.
struct EdgeCandidate {
    let from: UInt64
    var holderStack: UInt32
    /// Set by the store (`knownUnguarded`, `addEdges`): the edge is in the graph with no guard
    /// left, so the thread may cache it.
    var unguarded = false
    /// Set by `knownUnguarded`: the edge is unguarded and new, and the shared path may queue it
    /// (`OrderGraph.SharedDecision.approved`) as long as the state's generation is the one
    /// `knownUnguarded` returned.
    var approved = false
    /// The held entry it comes from: the caller's bookkeeping, not read by the store.
    var heldIndex = 0
}

/// What one slow-path call found (which edges ended unguarded is marked on the candidates).
struct EdgeOutcome {
    var cycles: [[EdgeRecord]] = []
    /// Cycles between lock classes (only with class checking on) not already covered by an
    /// instance cycle.
    var classCycles: [[EdgeRecord]] = []
    /// Edges between two locks of one class, first time for that class (class checking on).
    var sameClassNesting: [EdgeRecord] = []
}

/// The one global lock graph: live locks, the instance order graph and (opt-in) the class order
/// graph, and which reentrant queues were reported.
///
/// Guarded by a `GraphState`: most new edges agree with the current order and are added under
/// one shard of its lock (threads on other shards go on), everything else takes all shards.
/// Never held while user code runs.
///
/// Invariants: `State` is changed only under all shards (the shared path only queues instance
/// edges, which the next exclusive holder drains first; see `GraphState`); an edge is recorded
/// only from a lock found in `liveLocks` at that moment, and `unregister` removes a lock from
/// `liveLocks` and its nodes from `instances` in one exclusive section, so no edge of a
/// destroyed lock outlives it (lock ids are never reused).
final class LockGraphStore: Sendable {
    static let shared = LockGraphStore()

    struct State {
        /// Counts exclusive sections (`GraphState.withLock` bumps it before anything changes):
        /// two shared readings that see the same value saw the same state.
        var generation: UInt64 = 0
        var instances = OrderGraph()
        var liveLocks = NodeMap<LockInfo>()
        /// Queues whose reentrant use has been reported (once per queue).
        var reportedReentrantQueues: Set<UInt64> = []
        /// Class-level edges (see `LockDescriptor.classKey`) with the first record that made
        /// each; kept after the locks are destroyed. Filled only while `recordsClassEdges`.
        var classEdges: [ClassEdgeKey: EdgeRecord] = [:]
        /// The keys of `classEdges` in the order they were first taken: a record says which
        /// edge of a cycle came last (the acquisition that closed it).
        var classEdgeOrder: [ClassEdgeKey] = []
        var recordsClassEdges = Configuration.settings.recordDirectory != nil
        /// The class order graph, present while class checking is on, with the instance locks
        /// that first made each class edge (for its reports).
        var classes: OrderGraph? = LockClasses.enabledAtStart ? OrderGraph() : nil
        var classEndpoints: [EdgeKey: (from: LockInfo, to: LockInfo)] = [:]
        var classIDs: [String: UInt64] = [:]
        var reportedSameClass: Set<String> = []

        /// Every edge of the instance graph with its record, the cycle-closing ones flagged.
        func instanceRecords() -> [(record: EdgeRecord, closesCycle: Bool)] {
            let acyclic = instances.edges.compactMap { key, data in record(key, data).map { ($0, false) } }
            let closing = instances.inversionEdges.compactMap { key, data in record(key, data).map { ($0, true) } }
            return acyclic + closing
        }

        /// The record of an instance edge (nil if one of its locks is gone).
        func record(_ key: EdgeKey, _ data: EdgeData? = nil) -> EdgeRecord? {
            guard let data = data ?? instances.lookup(key),
                  let from = liveLocks[LockNode.lock(of: key.from)], let to = liveLocks[LockNode.lock(of: key.to)]
            else { return nil }
            // The stored `GuardSet`, not a materialised set: a snapshot of N nested locks has
            // N(N-1)/2 records whose guards share N held sets.
            return EdgeRecord(from: from, to: to, fromNode: key.from, toNode: key.to, data: data,
                              guardSet: instances.guards[key] ?? [])
        }

        /// The record of a class edge, with the instance locks that first made it.
        func classRecord(_ key: EdgeKey) -> EdgeRecord? {
            guard let classes, let data = classes.lookup(key), let locks = classEndpoints[key] else { return nil }
            return EdgeRecord(from: locks.from, to: locks.to, fromNode: key.from, toNode: key.to, data: data,
                              guardSet: classes.guards[key] ?? [])
        }

        mutating func classID(of lock: LockInfo) -> UInt64 {
            let key = lock.classKey
            if let id = classIDs[key] { return id }
            let id = UInt64(classIDs.count + 1)
            classIDs[key] = id
            return id
        }

        /// Whether the shared path may add unguarded forward edges: it records nothing beyond
        /// the instance graph, so class checking and recording take the exclusive path.
        var allowsSharedEdges: Bool { classes == nil && !recordsClassEdges }
    }

    let state = GraphState(State())
    /// A shard queue this long is drained into the graph by the thread that filled it.
    static let drainThreshold = 4_096

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
            state.instances.remove(lock.isReaderWriter ? LockNode.all(of: lock.id) : [lock.id, LockNode.signal(of: lock.id)])
            state.reportedReentrantQueues.remove(lock.id)
        }
    }

    /// True when an edge from `from` into `lock` has no guard (no third lock held exclusively).
    private static func isUnguarded(_ exclusivelyHeld: UnsafeBufferPointer<UInt64>, from: UInt64, lock: UInt64) -> Bool {
        let fromLock = LockNode.lock(of: from)
        for held in exclusivelyHeld where held != fromLock && held != lock { return false }
        return true
    }

    /// Marks `unguarded` the candidates whose edge into `target` the graph already has without
    /// guards, so the thread can cache them: read under one shard, no stack needed. (An edge
    /// queued on another shard is not seen yet; the caller then goes on to `addEdges`, which
    /// settles it.) Marks `approved` those the shared path may queue, and returns the state's
    /// generation, for `addEdges` to reuse these decisions while it has not changed.
    func knownUnguarded(_ candidates: UnsafeMutableBufferPointer<EdgeCandidate>, into target: UInt64,
                        exclusivelyHeld: UnsafeBufferPointer<UInt64>, lock: UInt64, shard: Int) -> UInt64 {
        state.withShared(shard: shard) { pointer, _ in
            for index in candidates.indices where Self.isUnguarded(exclusivelyHeld, from: candidates[index].from, lock: lock) {
                switch pointer.pointee.instances.sharedDecision(for: EdgeKey(from: candidates[index].from, to: target)) {
                case .knownUnguarded: candidates[index].unguarded = true
                case .approved: candidates[index].approved = true
                case .needsExclusive: break
                }
            }
            return pointer.pointee.generation
        }
    }

    /// Adds the edges from the nodes a thread holds (with the stacks where it acquired them)
    /// into `target` of `lock`, each guarded by `exclusivelyHeld` minus its own two locks, and
    /// marks `unguarded` the candidates whose edge has no guard left.
    /// Held locks are resolved through the registry under the store's lock, so a held lock
    /// destroyed meanwhile (or created while tracking was off) is simply skipped.
    ///
    /// First under one shard (`shard`, the caller's): every candidate that is already known
    /// unguarded, or new, unguarded and in agreement with the current order, is settled there
    /// (see `GraphState`). The rest, if any, under the whole lock. The candidates come in a
    /// buffer and their guards' set is built only when some edge has a guard: the common new
    /// edge allocates nothing here beyond the graph's own storage.
    ///
    /// `decidedAt`: the generation `knownUnguarded` returned for these candidates. While the
    /// state is still at it (no exclusive section ran since, so nothing changed), a candidate it
    /// marked `approved` is queued without asking the graph again.
    func addEdges(from held: UnsafeMutableBufferPointer<EdgeCandidate>, to lock: LockInfo, target: UInt64,
                  exclusivelyHeld: UnsafeBufferPointer<UInt64>, thread: UInt32, acquirerStack: UInt32, shard: Int,
                  decidedAt generation: UInt64? = nil) -> EdgeOutcome {
        var outcome = EdgeOutcome()
        var queued = 0
        let remaining: Int = state.withShared(shard: shard) { pointer, pending in
            defer { queued = pending.count }
            guard pointer.pointee.allowsSharedEdges else { return held.count }
            let decided = generation == pointer.pointee.generation
            var remaining = 0
            for index in held.indices {
                let from = held[index].from
                let key = EdgeKey(from: from, to: target)
                guard Self.isUnguarded(exclusivelyHeld, from: from, lock: lock.id) else {
                    remaining += 1
                    continue
                }
                switch decided && held[index].approved ? .approved : pointer.pointee.instances.sharedDecision(for: key) {
                case .knownUnguarded:
                    held[index].unguarded = true
                case .approved:
                    // A held lock gone meanwhile: left for the exclusive pass, which skips it.
                    guard let fromLock = pointer.pointee.liveLocks[LockNode.lock(of: from)] else {
                        remaining += 1
                        continue
                    }
                    fromLock.renewStackBudget()
                    lock.renewStackBudget()
                    pending.append((key, EdgeData(holderStack: held[index].holderStack, acquirerStack: acquirerStack, thread: thread)))
                    held[index].unguarded = true
                case .needsExclusive:
                    remaining += 1
                }
            }
            return remaining
        }
        guard remaining > 0 else {
            // Keep queues short: a queued edge is not yet visible to other shards (which may
            // queue it again) and costs its queue entry on top of its graph entry.
            if queued >= Self.drainThreshold { state.withLock { _ in } }
            return outcome
        }
        // The guards' base set, built once per acquisition (see `GuardSet`) and only if an
        // edge has a guard: an unguarded edge's guards are empty whatever the base.
        var guardBase: Set<UInt64>?
        state.withLock { state in
            for index in held.indices where !held[index].unguarded {
                let entry = held[index]
                guard let from = state.liveLocks[LockNode.lock(of: entry.from)] else { continue }
                let key = EdgeKey(from: entry.from, to: target)
                let data = EdgeData(holderStack: entry.holderStack, acquirerStack: acquirerStack, thread: thread)
                let guards: GuardSet
                if Self.isUnguarded(exclusivelyHeld, from: entry.from, lock: lock.id) {
                    guards = GuardSet(base: [])
                } else {
                    if guardBase == nil { guardBase = Set(exclusivelyHeld) }
                    guards = GuardSet(base: guardBase ?? [], excluding: LockNode.lock(of: entry.from), lock.id)
                }
                if state.instances.lookup(key) == nil {
                    from.renewStackBudget()
                    lock.renewStackBudget()
                    if state.recordsClassEdges {
                        let classKey = ClassEdgeKey(from: LockNode.classKey(of: entry.from, lock: from), to: LockNode.classKey(of: target, lock: lock))
                        if state.classEdges[classKey] == nil {
                            state.classEdgeOrder.append(classKey)
                            state.classEdges[classKey] = EdgeRecord(from: from, to: lock, fromNode: entry.from, toNode: target,
                                                                    data: data, guardSet: guards)
                        }
                    }
                }
                let added = state.instances.add(key, data, guardSet: guards)
                for cycle in added.cycles {
                    let records = EdgeRecord.cycle(cycle, closing: key) { state.record($0) }
                    if !records.isEmpty { outcome.cycles.append(records) }
                }
                if added.unguarded { held[index].unguarded = true }
                if state.classes != nil {
                    let record = EdgeRecord(from: from, to: lock, fromNode: entry.from, toNode: target, data: data, guardSet: guards)
                    LockClasses.add(record, to: &state, outcome: &outcome)
                }
            }
        }
        return outcome
    }

    /// Forgets every edge and reported cycle; live locks stay registered.
    func reset() {
        state.withLock { state in
            state.instances = OrderGraph()
            for lock in state.liveLocks.values {
                state.instances.addInternalEdges(of: lock)
            }
            if state.classes != nil {
                state.classes = OrderGraph()
                state.classEndpoints.removeAll()
            }
            state.reportedSameClass.removeAll()
            state.reportedReentrantQueues.removeAll()
        }
        for thread in ThreadRegistry.shared.all() {
            thread.cacheResets.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// The live lock with this id (nil once destroyed), read under one shard.
    func liveLock(_ id: UInt64, shard: Int) -> LockInfo? {
        state.withShared(shard: shard) { pointer, _ in pointer.pointee.liveLocks[id] }
    }

    /// Returns true the first time a reentrant use of `queue` is seen.
    func firstReentrancy(of queue: UInt64) -> Bool {
        state.withLock { $0.reportedReentrantQueues.insert(queue).inserted }
    }
}
