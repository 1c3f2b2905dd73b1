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

/// A set of node ids: an adjacency set of the graph (each node has two).
///
/// Why not `Set<NodeKey>`: a new edge inserts into two of these, and the standard set's insert
/// (about 220 instructions with its uniqueness check and resizing) was a fifth of the graph's
/// cost of a new edge. Here: open addressing with linear probing and backward-shift deletion
/// (as `EdgeTable`), slots of plain ids in one allocation, copied on write like a standard set.
///
/// Invariants: node id 0 is reserved (lock and class ids start at 1) and marks an empty slot;
/// capacity is 0 or a power of two from 4, and `count <= 3/4` of it, so every probe ends at an
/// empty slot; walking from an id's home slot to its slot passes no empty slot (a lookup stops
/// at the first one; deletion keeps this by shifting back the later members of the run).
struct NodeSet: Sequence, ExpressibleByArrayLiteral {
    fileprivate final class Storage {
        let mask: Int
        var count = 0
        let slots: UnsafeMutablePointer<UInt64>

        init(capacity: Int) {
            mask = capacity - 1
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: 0, count: capacity)
        }

        deinit { slots.deallocate() }

        @inline(__always)
        func home(of id: UInt64) -> Int { Int(truncatingIfNeeded: NodeHash.mix(id)) & mask }

        /// The slot holding `id`, or the empty slot where the probe for it ended (`found` false).
        @inline(__always)
        func probe(_ id: UInt64) -> (slot: Int, found: Bool) {
            var index = home(of: id)
            while slots[index] != 0 {
                if slots[index] == id { return (index, true) }
                index = (index + 1) & mask
            }
            return (index, false)
        }

        /// A copy with room for `count` members within the load limit (at least this capacity).
        func copy(minimumCount: Int) -> Storage {
            var capacity = mask + 1
            while minimumCount * 4 > capacity * 3 { capacity *= 2 }
            let copy = Storage(capacity: capacity)
            for index in 0...mask where slots[index] != 0 {
                copy.slots[copy.probe(slots[index]).slot] = slots[index]
            }
            copy.count = count
            return copy
        }
    }

    private var storage: Storage?

    init(arrayLiteral ids: UInt64...) {
        for id in ids { insert(id) }
    }

    var count: Int { storage?.count ?? 0 }
    var isEmpty: Bool { count == 0 }

    func contains(_ id: UInt64) -> Bool { storage?.probe(id).found ?? false }

    @discardableResult
    mutating func insert(_ id: UInt64) -> (inserted: Bool, memberAfterInsert: UInt64) {
        precondition(id != 0, "node id 0 is reserved")
        if storage == nil { storage = Storage(capacity: 4) }
        // Make room first (a copy if shared, a larger table at the load limit): one probe then
        // finds the id or the slot it takes. At worst a table grows one insertion early.
        if !isKnownUniquelyReferenced(&storage) || (count + 1) * 4 > (storage.unsafelyUnwrapped.mask + 1) * 3 {
            storage = storage.unsafelyUnwrapped.copy(minimumCount: count + 1)
        }
        let table = storage.unsafelyUnwrapped
        let (slot, found) = table.probe(id)
        if found { return (false, id) }
        table.slots[slot] = id
        table.count += 1
        return (true, id)
    }

    @discardableResult
    mutating func remove(_ id: UInt64) -> UInt64? {
        guard contains(id) else { return nil }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.unsafelyUnwrapped.copy(minimumCount: count) }
        let table = storage.unsafelyUnwrapped
        var hole = table.probe(id).slot
        table.slots[hole] = 0
        table.count -= 1
        var index = (hole + 1) & table.mask
        while table.slots[index] != 0 {
            let wanted = table.home(of: table.slots[index])
            if (hole - wanted) & table.mask < (index - wanted) & table.mask {
                table.slots[hole] = table.slots[index]
                table.slots[index] = 0
                hole = index
            }
            index = (index + 1) & table.mask
        }
        return id
    }

    struct Iterator: IteratorProtocol {
        fileprivate let storage: Storage?
        fileprivate var index = 0

        mutating func next() -> UInt64? {
            guard let storage else { return nil }
            while index <= storage.mask {
                defer { index += 1 }
                if storage.slots[index] != 0 { return storage.slots[index] }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(storage: storage) }
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
