@testable import LockGraph

/// One step of a generated `OrderGraph` case, as the store would make it.
enum OrderGraphOperation: Equatable, CustomStringConvertible, ShrinkableOperation {
    /// A reader-writer lock registers: its internal edges (`addReaderWriterEdges`).
    case createReaderWriter(UInt64)
    /// An edge through the exclusive path (`add`), taken with these guards.
    case add(EdgeKey, guards: [UInt64])
    /// Unguarded edges from threads on the shared path: each decided (`sharedDecision`) against
    /// the same state, as concurrent shard holders would; the approved ones are then drained
    /// (`addApproved`, in order, duplicates included), the rest added through `add`.
    case shared([EdgeKey])
    /// A lock is destroyed: its nodes, as the store removes them (every role for a reader-writer
    /// lock, the lock and its signal node for another).
    case remove(UInt64, readerWriter: Bool)

    var description: String {
        let edge = OrderGraphOperation.name as (EdgeKey) -> String
        switch self {
        case .createReaderWriter(let lock): return "rw \(lock)"
        case .add(let key, let guards): return "add \(edge(key))" + (guards.isEmpty ? "" : " under \(Self.names(guards))")
        case .shared(let keys): return "shared [\(keys.map(edge).joined(separator: ", "))]"
        case .remove(let lock, _): return "remove \(lock)"
        }
    }

    /// `7`, or `7w>` / `7r<` for a reader-writer node (role, then `>` in or `<` out), `7s` for
    /// a signal node.
    static func name(_ node: UInt64) -> String {
        let lock = LockNode.lock(of: node)
        switch LockNode.role(of: node) {
        case .plain: return "\(lock)"
        case .readIn: return "\(lock)r>"
        case .writeIn: return "\(lock)w>"
        case .readOut: return "\(lock)r<"
        case .writeOut: return "\(lock)w<"
        case .signal: return "\(lock)s"
        }
    }

    /// `[g0, g2]` for guard labels (see `OrderGraphWorkload.guardLabels`).
    static func names<Guards: Sequence<UInt64>>(_ guards: Guards) -> String {
        "[" + guards.sorted().map { "g\($0 - OrderGraphWorkload.guardLabels[0])" }.joined(separator: ", ") + "]"
    }

    /// `1->2w>` for an edge.
    static func name(_ key: EdgeKey) -> String { "\(name(key.from))->\(name(key.to))" }

    /// Renames locks (node roles kept); guards are labels, not locks, and stay.
    func renaming(_ rename: (UInt64) -> UInt64) -> OrderGraphOperation {
        func node(_ id: UInt64) -> UInt64 { LockNode.make(rename(LockNode.lock(of: id)), LockNode.role(of: id)) }
        func edge(_ key: EdgeKey) -> EdgeKey { EdgeKey(from: node(key.from), to: node(key.to)) }
        switch self {
        case .createReaderWriter(let lock): return .createReaderWriter(rename(lock))
        case .add(let key, let guards): return .add(edge(key), guards: guards)
        case .shared(let keys): return .shared(keys.map(edge))
        case .remove(let lock, let readerWriter): return .remove(rename(lock), readerWriter: readerWriter)
        }
    }

    /// The locks it names (what the shrinker merges and renames).
    var nodes: [UInt64] {
        switch self {
        case .createReaderWriter(let lock), .remove(let lock, _): [lock]
        case .add(let key, _): [LockNode.lock(of: key.from), LockNode.lock(of: key.to)]
        case .shared(let keys): keys.flatMap { [LockNode.lock(of: $0.from), LockNode.lock(of: $0.to)] }
        }
    }
}

/// `OrderGraph` and `OrderGraphReference` side by side: applies one operation to both and
/// returns the first disagreement or broken invariant (`checkInvariants()` after every step).
struct OrderGraphReplay {
    var graph = OrderGraph()
    var reference = OrderGraphReference()
    private var step = 0
    /// What the replay went through, so the test can show that it reached every case.
    private(set) var statistics = Statistics()

    struct Statistics: CustomStringConvertible {
        /// Cycles returned.
        var reported = 0
        /// New edges that closed only gated cycles (held back).
        var gatedClosings = 0
        /// Narrowed guards that broke a gate (some cycle reported).
        var brokenGates = 0
        /// Edges queued on the shared path and drained.
        var approved = 0
        /// Narrowed guards that reported a cycle able to deadlock before as well (not reported
        /// then: one cycle per change is reported), none able only now.
        var olderCycles = 0

        mutating func add(_ other: Statistics) {
            reported += other.reported
            gatedClosings += other.gatedClosings
            brokenGates += other.brokenGates
            approved += other.approved
            olderCycles += other.olderCycles
        }

        var description: String {
            "\(reported) cycles reported, \(gatedClosings) closings held back by a gate, \(brokenGates) gates broken, "
                + "\(approved) edges approved on the shared path, \(olderCycles) older cycles reported on a narrowing"
        }
    }

    mutating func apply(_ operation: OrderGraphOperation) -> String? {
        defer { step += 1 }
        let context = "step \(step) (\(operation))"
        // Each record names its step, so the first record of an edge is recognisable.
        let data = EdgeData(holderStack: UInt32(truncatingIfNeeded: step), acquirerStack: 1, thread: 2)
        switch operation {
        case .createReaderWriter(let lock):
            graph.addReaderWriterEdges(of: lock)
            reference.addReaderWriter(lock)
        case .add(let key, let guards):
            if let failure = add(key, data, guards: Set(guards)) { return "\(context): \(failure)" }
        case .shared(let keys):
            var approved: [EdgeKey] = []
            var exclusive: [EdgeKey] = []
            for key in keys {
                switch graph.sharedDecision(for: key) {
                case .knownUnguarded:
                    guard reference.recorded[key]?.guards.isEmpty == true else {
                        return "\(context): \(OrderGraphOperation.name(key)) known unguarded, reference guards \(String(describing: reference.recorded[key]?.guards))"
                    }
                case .approved:
                    guard reference.recorded[key] == nil, !reference.reaches(key.to, key.from) else {
                        return "\(context): \(OrderGraphOperation.name(key)) approved, but it is known or closes a cycle"
                    }
                    approved.append(key)
                case .needsExclusive:
                    exclusive.append(key)
                }
            }
            for key in approved {
                graph.addApproved(key, data)
                statistics.approved += 1
                let change = reference.record(key, data, guards: [])
                guard change == .added([]) || change == .unchanged else { return "\(context): approved \(OrderGraphOperation.name(key)): \(change)" }
            }
            for key in exclusive {
                if let failure = add(key, data, guards: []) { return "\(context): \(failure)" }
            }
        case .remove(let lock, let readerWriter):
            graph.remove(readerWriter ? LockNode.all(of: lock) : [lock, LockNode.signal(of: lock)])
            reference.removeLock(lock)
        }
        if let broken = graph.checkInvariants() { return "\(context): \(broken)" }
        return agreement().map { "\(context): \($0)" }
    }

    private mutating func add(_ key: EdgeKey, _ data: EdgeData, guards: Set<UInt64>) -> String? {
        let result = graph.add(key, data, guards: guards)
        let change = reference.record(key, data, guards: guards)
        if result.unguarded != reference.guards(of: key).isEmpty {
            return "unguarded \(result.unguarded), reference guards \(reference.guards(of: key).sorted())"
        }
        let expected = reference.mustReport(key, change)
        if expected && result.cycles.isEmpty { return "no cycle reported for \(change)" }
        for cycle in result.cycles {
            if let problem = reference.problem(with: cycle, for: key, change) {
                return "reported [\(cycle.map(OrderGraphOperation.name).joined(separator: ", "))]: \(problem)"
            }
        }
        statistics.reported += result.cycles.count
        switch change {
        case .added where !expected && reference.reaches(key.to, key.from): statistics.gatedClosings += 1
        case .narrowed where !expected && !result.cycles.isEmpty: statistics.olderCycles += 1
        case .narrowed where expected: statistics.brokenGates += 1
        default: break
        }
        return nil
    }

    /// The same edges, records and guards on both sides.
    private func agreement() -> String? {
        let acyclic = graph.edges.count, closing = graph.inversionEdges.count
        guard acyclic + closing == reference.recorded.count else {
            return "\(acyclic) + \(closing) edges, reference \(reference.recorded.count)"
        }
        for (key, edge) in reference.recorded {
            guard graph.lookup(key) == edge.data else { return "edge \(OrderGraphOperation.name(key)): \(String(describing: graph.lookup(key))), reference \(edge.data)" }
            guard graph.guards(of: key) == edge.guards else { return "guards of \(OrderGraphOperation.name(key)): \(graph.guards(of: key)), reference \(edge.guards)" }
        }
        for key in reference.internalEdges where !graph.graph.hasEdge(from: key.from, to: key.to) {
            return "internal edge \(OrderGraphOperation.name(key)) missing"
        }
        return nil
    }
}

/// Random operations over a few live locks (so cycles, gates and broken gates are frequent),
/// drawn one at a time against the reference's current edges. A destroyed lock is replaced by
/// a new one (ids are never reused, as in the store).
struct OrderGraphWorkload {
    private var random: GraphAlgorithmTests.Random
    private var live: [(id: UInt64, readerWriter: Bool)] = []
    private var nextID: UInt64 = 1
    private var pending: [OrderGraphOperation] = []
    /// In a third of the rounds, 29 in 30 new edges go from an older lock to a newer one, so
    /// inversion edges are rare and the shared path (which needs none) approves edges often.
    private let ordered: Bool
    /// Guards are lock ids in the store; here three labels outside the lock ids, so an edge's
    /// own locks are never among its guards (the store leaves them out too).
    static let guardLabels: [UInt64] = [1 << 40, 1 << 40 + 1, 1 << 40 + 2]

    init(seed: UInt64) {
        random = GraphAlgorithmTests.Random(state: seed &* 0x2545_F491_4F6C_DD1D &+ 11)
        ordered = seed % 3 == 2
        let count = 3 + random.below(5)
        for _ in 0..<count { pending.append(contentsOf: newLock()) }
    }

    /// Per 100 operations: 30 exclusive adds of a new pair, 5 of a wait or signal edge, 20
    /// repeats of a known edge (duplicates and narrowing guards), 25 shared batches, 12 lock
    /// replacements, 8 adds under all guards.
    mutating func next(known: [EdgeKey]) -> OrderGraphOperation {
        if !pending.isEmpty { return pending.removeFirst() }
        let roll = random.below(100)
        switch roll {
        case ..<5:
            return .add(signalEdge(), guards: [])
        case ..<35, 92...:
            return .add(randomEdge(), guards: roll >= 92 ? Self.guardLabels : randomGuards())
        case ..<55:
            guard !known.isEmpty else { return .add(randomEdge(), guards: randomGuards()) }
            return .add(known[random.below(known.count)], guards: randomGuards())
        case ..<80:
            return .shared((0...random.below(4)).map { _ in
                !known.isEmpty && random.below(3) == 0 ? known[random.below(known.count)] : randomEdge()
            })
        default:
            let index = random.below(live.count)
            let gone = live.remove(at: index)
            pending = newLock()
            return .remove(gone.id, readerWriter: gone.readerWriter)
        }
    }

    /// Half the time no guard; otherwise one to three of the labels, biased towards the first.
    private mutating func randomGuards() -> [UInt64] {
        guard random.below(2) == 0 else { return [] }
        let chosen = Self.guardLabels.filter { _ in random.below(3) != 0 }
        return chosen.isEmpty ? [Self.guardLabels[0]] : chosen
    }

    /// From a node a thread holds (plain, or a reader-writer lock's read or write hold) into a
    /// node it acquires (plain, or read or write entry) of another lock.
    private mutating func randomEdge() -> EdgeKey {
        var from = live[random.below(live.count)]
        var to = live[random.below(live.count - 1)]
        if to.id == from.id { to = live[live.count - 1] }
        if ordered && from.id > to.id && random.below(30) != 0 { (from, to) = (to, from) }
        let fromNode = from.readerWriter ? LockNode.make(from.id, random.below(2) == 0 ? .readOut : .writeOut) : from.id
        let toNode = to.readerWriter ? LockNode.make(to.id, random.below(2) == 0 ? .readIn : .writeIn) : to.id
        return EdgeKey(from: fromNode, to: toNode)
    }

    /// A wait or a signal, as the store records them, unguarded: `H -> signal` (waiting for a
    /// lock's signal while holding H) or `signal -> L` (signalling while holding L, a hold node).
    private mutating func signalEdge() -> EdgeKey {
        let hold = randomEdge()
        let signal = LockNode.signal(of: LockNode.lock(of: hold.to))
        return random.below(2) == 0 ? EdgeKey(from: hold.from, to: signal) : EdgeKey(from: signal, to: hold.from)
    }

    /// A new lock; a reader-writer one (a quarter) registers its internal edges first.
    private mutating func newLock() -> [OrderGraphOperation] {
        let id = nextID
        nextID += 1
        let readerWriter = random.below(4) == 0
        live.append((id, readerWriter))
        return readerWriter ? [.createReaderWriter(id)] : []
    }
}

extension OrderGraphReplay {
    /// Replays `operations` from an empty graph: the first disagreement, or nil.
    static func firstDisagreement(_ operations: [OrderGraphOperation]) -> String? {
        var replay = OrderGraphReplay()
        for operation in operations {
            if let failure = replay.apply(operation) { return failure }
        }
        return nil
    }

    /// Shrinks a failing case with `GraphAlgorithmTests.shrink` (chunks of operations removed,
    /// locks merged, then renamed 1, 2, 3...), keeping it well formed, for at most `seconds`:
    /// after that every candidate counts as passing, which ends shrinking.
    static func shrink(_ operations: [OrderGraphOperation], seconds: Int) -> [OrderGraphOperation] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        return GraphAlgorithmTests.shrink(operations) { candidate in
            ContinuousClock.now < deadline && isWellFormed(candidate) && firstDisagreement(candidate) != nil
        }
    }

    /// What the store can produce (merging locks while shrinking may break it): no edge inside
    /// one lock, and no lock both plain and reader-writer.
    static func isWellFormed(_ operations: [OrderGraphOperation]) -> Bool {
        var readerWriter: [UInt64: Bool] = [:]
        func agrees(_ lock: UInt64, _ isReaderWriter: Bool) -> Bool {
            readerWriter.updateValue(isReaderWriter, forKey: lock).map { $0 == isReaderWriter } ?? true
        }
        func agrees(_ node: UInt64) -> Bool {
            let role = LockNode.role(of: node)
            return role == .signal || agrees(LockNode.lock(of: node), role != .plain)
        }
        func agrees(_ key: EdgeKey) -> Bool {
            LockNode.lock(of: key.from) != LockNode.lock(of: key.to) && agrees(key.from) && agrees(key.to)
        }
        return operations.allSatisfy { operation in
            switch operation {
            case .createReaderWriter(let lock): agrees(lock, true)
            case .remove(let lock, let isReaderWriter): agrees(lock, isReaderWriter)
            case .add(let key, _): agrees(key)
            case .shared(let keys): keys.allSatisfy(agrees)
            }
        }
    }
}
