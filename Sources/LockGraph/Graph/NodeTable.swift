/// Graph node ids as hash keys with a cheap hash: `Set<UInt64>` and `[UInt64: …]` hash every id
/// with SipHash, and the graph hashes several ids per new edge (its adjacency sets and its node
/// table). Node ids are process-internal, never attacker-chosen, so a fixed multiply-xorshift
/// mix (`NodeHash`) is enough.
///
/// Invariant: `hash(into:)` and `_rawHashValue(seed:)` are both functions of the id alone
/// (through `NodeHash.mix`), so equal keys hash equally whichever one the standard library
/// calls.
struct NodeKey: Hashable {
    let id: UInt64

    init(_ id: UInt64) { self.id = id }

    func hash(into hasher: inout Hasher) {
        hasher.combine(NodeHash.mix(id))
    }

    func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: NodeHash.mix(id) ^ UInt64(truncatingIfNeeded: seed))
    }
}

/// A set of node ids (see `NodeKey`), read and written as plain `UInt64`s.
struct NodeSet: Sequence, ExpressibleByArrayLiteral {
    private var storage: Set<NodeKey>

    init(arrayLiteral ids: UInt64...) {
        storage = Set(ids.map(NodeKey.init))
    }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    func contains(_ id: UInt64) -> Bool { storage.contains(NodeKey(id)) }

    @discardableResult
    mutating func insert(_ id: UInt64) -> (inserted: Bool, memberAfterInsert: UInt64) {
        let result = storage.insert(NodeKey(id))
        return (result.inserted, result.memberAfterInsert.id)
    }

    @discardableResult
    mutating func remove(_ id: UInt64) -> UInt64? { storage.remove(NodeKey(id))?.id }

    func makeIterator() -> LazyMapSequence<Set<NodeKey>, UInt64>.Iterator {
        storage.lazy.map(\.id).makeIterator()
    }
}

/// A table from node id (see `NodeKey`) to `Value`, read and written with plain `UInt64`s.
struct NodeMap<Value>: Sequence {
    private var storage: [NodeKey: Value] = [:]

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }
    var values: Dictionary<NodeKey, Value>.Values { storage.values }

    subscript(id: UInt64) -> Value? {
        get { storage[NodeKey(id)] }
        _modify { yield &storage[NodeKey(id)] }
    }

    /// Whether `id` has a value, without copying it out (a copy of a graph node retains its
    /// two adjacency sets).
    func contains(_ id: UInt64) -> Bool { storage.index(forKey: NodeKey(id)) != nil }

    /// Runs `body` on `id`'s value in place; nil (and `body` not run) when there is none.
    /// Why not the subscript's `_modify`: where the optimiser does not inline that coroutine
    /// (`GraphCycles.removeNode`), each call mallocs the coroutine's frame and moves the value
    /// out and back (about 960 instructions a call against about 100 here).
    @inline(__always)
    @discardableResult
    mutating func update<Result>(_ id: UInt64, _ body: (inout Value) -> Result) -> Result? {
        guard let position = position(of: id) else { return nil }
        return update(at: position, body)
    }

    /// Where a value is stored: valid until a value is added or removed (changing values in
    /// place keeps it), so one lookup serves several reads and updates.
    typealias Position = Dictionary<NodeKey, Value>.Index

    /// Where `id`'s value is, or nil.
    func position(of id: UInt64) -> Position? { storage.index(forKey: NodeKey(id)) }

    /// Also the way to read part of a value without copying it (a copied graph node retains
    /// and releases its two adjacency sets).
    @inline(__always)
    mutating func update<Result>(at position: Position, _ body: (inout Value) -> Result) -> Result {
        body(&storage.values[position])
    }

    @discardableResult
    mutating func removeValue(forKey id: UInt64) -> Value? { storage.removeValue(forKey: NodeKey(id)) }

    mutating func removeAll() { storage.removeAll() }

    func makeIterator() -> LazyMapSequence<[NodeKey: Value], (id: UInt64, value: Value)>.Iterator {
        storage.lazy.map { (id: $0.key.id, value: $0.value) }.makeIterator()
    }
}
