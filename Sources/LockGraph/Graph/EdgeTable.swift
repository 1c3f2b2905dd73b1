/// The order graph's edge records: a hash table from `EdgeKey` to `EdgeData` with open
/// addressing (linear probing, backward-shift deletion, no tombstones).
///
/// Why not `Dictionary`: a program with 1,000 locks taken in random pairs has ~500,000 edges.
/// `Dictionary` keeps its load under 3/4, so 400,000 edges sit in 1M buckets of 28 bytes, and
/// every access hashes through a per-instance seed. Here the load may reach 7/8 (the same
/// 400,000 edges fit in 512K buckets: half the memory), and a probe costs one multiply-xorshift.
/// Node ids are process-internal, never attacker-chosen, so a fixed hash is fine.
///
/// A value type: copies share the storage until one of them writes (copy on write).
///
/// Invariants (`checkInvariants()` verifies them; debug builds after every copy or growth):
/// - capacity is 0 or a power of two from 16, and `count` (the number of stored keys) is at most
///   7/8 of it, so an empty slot always exists and every probe loop ends;
/// - a slot is empty exactly when its tag is 0; an occupied slot's tag is its key's tag;
/// - probe sequence: walking from a key's home slot to its slot (cyclically) passes no empty
///   slot and no other copy of the key. A lookup stops at the first empty slot, so this is what
///   makes every stored key findable. Deletion keeps it without tombstones: it empties the slot,
///   then walks on through the run and moves back into the hole each key whose home does not lie
///   (cyclically) after the hole, that is each key whose probe path crosses the hole; the key
///   moved leaves a new hole, and the walk goes on until an empty slot ends the run.
struct EdgeTable: Sequence {
    /// The keys, values and tags in three arrays of plain memory (no per-access uniqueness or
    /// bounds checks as with Swift arrays). Shared between copies of the table until one of
    /// them writes (`makeWritable`).
    ///
    /// Why tags: most lookups are for edges the graph does not have yet, and 400,000 edges fill
    /// 8 MB of keys, so each such lookup missed the caches at the key's home slot (a sixth of
    /// the bank workload's time, by `perf`). A probe walks the tags instead, 1 byte a slot in
    /// an array 16 times smaller than the keys, and reads a key only where the tag matches.
    /// Keys and values stay apart: the lookups that decide an edge is known read only keys.
    fileprivate final class Storage {
        let mask: Int
        /// Only the slots whose tag is not 0 have an initialised key and value.
        let keys: UnsafeMutablePointer<EdgeKey>
        let values: UnsafeMutablePointer<EdgeData>
        /// 0: an empty slot; else `tag(of:)` of the slot's key.
        let tags: UnsafeMutablePointer<UInt8>

        init(capacity: Int) {
            mask = capacity - 1
            keys = .allocate(capacity: capacity)
            values = .allocate(capacity: capacity)
            tags = .allocate(capacity: capacity)
            tags.initialize(repeating: 0, count: capacity)
        }

        deinit {
            keys.deallocate()
            values.deallocate()
            tags.deallocate()
        }

        @inline(__always)
        static func hash(of key: EdgeKey) -> UInt64 { NodeHash.mix(key.from, key.to) }

        /// The top 7 bits of the hash with the high bit set: never 0, and independent of the
        /// home slot (the low bits), so keys in one run rarely share a tag.
        @inline(__always)
        static func tag(of hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 57) | 0x80 }

        @inline(__always)
        func home(of hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & mask }

        /// The slot holding `key`, or nil.
        @inline(__always)
        func slot(of key: EdgeKey) -> Int? {
            let hash = Self.hash(of: key)
            let found = probe(key, hash: hash, tag: Self.tag(of: hash))
            return found.found ? found.slot : nil
        }

        /// The slot holding `key` (`found`), or the empty slot where its probe ended, which a
        /// new key takes. `hash` and `tag` are `key`'s.
        @inline(__always)
        func probe(_ key: EdgeKey, hash: UInt64, tag: UInt8) -> (slot: Int, found: Bool) {
            var index = home(of: hash)
            while tags[index] != 0 {
                if tags[index] == tag && keys[index] == key { return (index, true) }
                index = (index + 1) & mask
            }
            return (index, false)
        }

        /// The slot a key not in the table would take: the first empty one from its home.
        @inline(__always)
        func emptySlot(from home: Int) -> Int {
            var index = home
            while tags[index] != 0 { index = (index + 1) & mask }
            return index
        }

        /// Stores a key, its value and its tag in the empty slot `index`.
        @inline(__always)
        func fill(_ index: Int, key: EdgeKey, value: EdgeData, tag: UInt8) {
            (keys + index).initialize(to: key)
            (values + index).initialize(to: value)
            tags[index] = tag
        }

        /// A copy with `capacity` slots (at least this table's count over 7/8 of it). The keys
        /// are distinct: each goes straight to its first empty slot, no lookup.
        func copy(capacity: Int) -> Storage {
            let copy = Storage(capacity: capacity)
            for index in 0...mask where tags[index] != 0 {
                let hash = Self.hash(of: keys[index])
                copy.fill(copy.emptySlot(from: copy.home(of: hash)), key: keys[index], value: values[index], tag: tags[index])
            }
            return copy
        }
    }

    private var storage: Storage?
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    private var capacity: Int { storage.map { $0.mask + 1 } ?? 0 }

    subscript(key: EdgeKey) -> EdgeData? {
        get {
            guard let storage, let index = storage.slot(of: key) else { return nil }
            return storage.values[index]
        }
        set {
            if let newValue { insert(key, newValue, replacing: true) } else { remove(key) }
        }
    }

    /// Adds `key` with `value` unless the key is present, which keeps the value it has (one
    /// probe instead of a lookup and an insert). Returns true when it added the key.
    @discardableResult
    mutating func insertIfAbsent(_ key: EdgeKey, _ value: EdgeData) -> Bool {
        insert(key, value, replacing: false)
    }

    /// Makes the storage this table's own, at least `capacity` slots.
    private mutating func makeWritable(capacity wanted: Int) {
        if storage == nil {
            storage = Storage(capacity: wanted)
        } else if !isKnownUniquelyReferenced(&storage) || wanted > capacity {
            storage = storage.unsafelyUnwrapped.copy(capacity: Swift.max(wanted, capacity))
            assert(checkInvariants() == nil, "EdgeTable after copying: \(checkInvariants() ?? "")")
        }
    }

    @discardableResult
    private mutating func insert(_ key: EdgeKey, _ value: EdgeData, replacing: Bool) -> Bool {
        precondition(key.from != 0, "node id 0 is reserved")
        // Grow at 7/8 full (and from empty), so probes stay short and an empty slot always
        // exists; at worst a table grows one insertion early (for a key already present).
        let wanted = (count + 1) * 8 > capacity * 7 ? Swift.max(16, capacity * 2) : capacity
        makeWritable(capacity: wanted)
        let table = storage.unsafelyUnwrapped
        // One probe finds the key or the empty slot a new key takes.
        let hash = Storage.hash(of: key)
        let tag = Storage.tag(of: hash)
        let (index, found) = table.probe(key, hash: hash, tag: tag)
        if found {
            if replacing { table.values[index] = value }
            return false
        }
        table.fill(index, key: key, value: value, tag: tag)
        count += 1
        return true
    }

    private mutating func remove(_ key: EdgeKey) {
        guard let found = storage?.slot(of: key) else { return }
        makeWritable(capacity: capacity)
        let table = storage.unsafelyUnwrapped
        let mask = table.mask
        var hole = found
        table.tags[hole] = 0
        count -= 1
        // Backward shift: move later members of the run into the hole when their home does not
        // lie (cyclically) after the hole, so no lookup ever stops at this hole too early.
        var index = (hole + 1) & mask
        while table.tags[index] != 0 {
            let wanted = table.home(of: Storage.hash(of: table.keys[index]))
            if (hole - wanted) & mask < (index - wanted) & mask {
                table.fill(hole, key: table.keys[index], value: table.values[index], tag: table.tags[index])
                table.tags[index] = 0
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    /// Every stored key (a copy: safe to mutate the table while iterating it).
    var storedKeys: [EdgeKey] {
        guard let storage else { return [] }
        return (0...storage.mask).compactMap { storage.tags[$0] != 0 ? storage.keys[$0] : nil }
    }

    func makeIterator() -> AnyIterator<(key: EdgeKey, value: EdgeData)> {
        // The iterator keeps the storage alive; a write to the table meanwhile copies it first.
        let storage = self.storage
        var index = 0
        return AnyIterator {
            guard let storage else { return nil }
            while index <= storage.mask {
                defer { index += 1 }
                if storage.tags[index] != 0 { return (storage.keys[index], storage.values[index]) }
            }
            return nil
        }
    }

    /// True when every invariant holds (see `checkInvariants()`).
    func isConsistent() -> Bool { checkInvariants() == nil }

    /// Describes the first broken invariant (see the type's documentation), or returns nil when
    /// all hold. O(capacity): tests call it, debug builds after every copy or growth (itself O(capacity)).
    func checkInvariants() -> String? {
        guard let storage else { return count == 0 ? nil : "count \(count) without storage" }
        let capacity = storage.mask + 1
        guard capacity >= 16, capacity & storage.mask == 0 else { return "capacity \(capacity): not a power of two from 16" }
        guard count * 8 <= capacity * 7 else { return "\(count) keys in \(capacity) slots: above 7/8" }
        var stored = 0
        for index in 0..<capacity where storage.tags[index] != 0 {
            stored += 1
            let key = storage.keys[index]
            guard key.from != 0 else { return "slot \(index) holds the reserved node id 0" }
            let hash = Storage.hash(of: key)
            guard storage.tags[index] == Storage.tag(of: hash) else { return "slot \(index): tag \(storage.tags[index]) does not match its key" }
            var probe = storage.home(of: hash)
            while probe != index {
                if storage.tags[probe] == 0 { return "key in slot \(index) cut off from its home by the empty slot \(probe)" }
                if storage.keys[probe] == key { return "key in slot \(index) stored twice (also in \(probe))" }
                probe = (probe + 1) & storage.mask
            }
        }
        return stored == count ? nil : "count \(count), \(stored) keys stored"
    }
}
