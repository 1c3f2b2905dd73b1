/// The order graph's edge records: a hash table from `EdgeKey` to `EdgeData` with open
/// addressing (linear probing, backward-shift deletion, no tombstones).
///
/// Why not `Dictionary`: a program with 1,000 locks taken in random pairs has ~500,000 edges.
/// `Dictionary` keeps its load under 3/4, so 400,000 edges sit in 1M buckets of 28 bytes, and
/// every access hashes through a per-instance seed. Here the load may reach 7/8 (the same
/// 400,000 edges fit in 512K buckets: half the memory), and a probe costs one multiply-xorshift.
/// Node ids are process-internal, never attacker-chosen, so a fixed hash is fine.
///
/// Invariants (`checkInvariants()` verifies them; debug builds after every `grow()`):
/// - capacity is 0 or a power of two from 16, and `count` (the number of stored keys) is at most
///   7/8 of it, so an empty slot always exists and every probe loop ends;
/// - probe sequence: walking from a key's home slot to its slot (cyclically) passes no empty
///   slot and no other copy of the key. A lookup stops at the first empty slot, so this is what
///   makes every stored key findable. Deletion keeps it without tombstones: it empties the slot,
///   then walks on through the run and moves back into the hole each key whose home does not lie
///   (cyclically) after the hole, that is each key whose probe path crosses the hole; the key
///   moved leaves a new hole, and the walk goes on until an empty slot ends the run.
struct EdgeTable: Sequence {
    /// Node ids are never 0 (lock ids start at 1, class ids too), so `from == 0` marks an empty slot.
    private var keys: [EdgeKey]
    private var values: [EdgeData]
    private(set) var count = 0

    init() {
        keys = []
        values = []
    }

    var isEmpty: Bool { count == 0 }

    private var mask: Int { keys.count - 1 }

    @inline(__always)
    private func home(of key: EdgeKey) -> Int {
        Int(truncatingIfNeeded: NodeHash.mix(key.from, key.to)) & mask
    }

    private func slot(of key: EdgeKey) -> Int? {
        guard !keys.isEmpty else { return nil }
        var index = home(of: key)
        while keys[index].from != 0 {
            if keys[index] == key { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    subscript(key: EdgeKey) -> EdgeData? {
        get { slot(of: key).map { values[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: EdgeKey, _ value: EdgeData) {
        precondition(key.from != 0, "node id 0 is reserved")
        // One probe finds the key or the empty slot a new key takes (unless the table grows).
        var index = 0
        if !keys.isEmpty {
            index = home(of: key)
            while keys[index].from != 0 {
                if keys[index] == key {
                    values[index] = value
                    return
                }
                index = (index + 1) & mask
            }
        }
        // Grow at 7/8 full (and from empty), so probes stay short and an empty slot always exists.
        if (count + 1) * 8 > keys.count * 7 {
            grow()
            index = emptySlot(for: key)
        }
        keys[index] = key
        values[index] = value
        count += 1
    }

    /// The slot a key not in the table would take: the first empty one from its home.
    @inline(__always)
    private func emptySlot(for key: EdgeKey) -> Int {
        var index = home(of: key)
        while keys[index].from != 0 { index = (index + 1) & mask }
        return index
    }

    private mutating func remove(_ key: EdgeKey) {
        guard var hole = slot(of: key) else { return }
        keys[hole] = EdgeKey(from: 0, to: 0)
        count -= 1
        // Backward shift: move later members of the run into the hole when their home does not
        // lie (cyclically) after the hole, so no lookup ever stops at this hole too early.
        var index = (hole + 1) & mask
        while keys[index].from != 0 {
            let wanted = home(of: keys[index])
            let distanceToHole = (hole - wanted) & mask
            let distanceToIndex = (index - wanted) & mask
            if distanceToHole < distanceToIndex {
                keys[hole] = keys[index]
                values[hole] = values[index]
                keys[index] = EdgeKey(from: 0, to: 0)
                hole = index
            }
            index = (index + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let capacity = Swift.max(16, keys.count * 2)
        keys = Array(repeating: EdgeKey(from: 0, to: 0), count: capacity)
        values = Array(repeating: EdgeData(holderStack: 0, acquirerStack: 0, thread: 0), count: capacity)
        // The old keys are distinct: each goes straight to its first empty slot, no lookup.
        for index in oldKeys.indices where oldKeys[index].from != 0 {
            let slot = emptySlot(for: oldKeys[index])
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
        }
        assert(checkInvariants() == nil, "EdgeTable after growing: \(checkInvariants() ?? "")")
    }

    /// Every stored key (a copy: safe to mutate the table while iterating it).
    var storedKeys: [EdgeKey] { keys.filter { $0.from != 0 } }

    func makeIterator() -> AnyIterator<(key: EdgeKey, value: EdgeData)> {
        var index = 0
        return AnyIterator {
            while index < keys.count {
                defer { index += 1 }
                if keys[index].from != 0 { return (keys[index], values[index]) }
            }
            return nil
        }
    }

    /// True when every invariant holds (see `checkInvariants()`).
    func isConsistent() -> Bool { checkInvariants() == nil }

    /// Describes the first broken invariant (see the type's documentation), or returns nil when
    /// all hold. O(capacity): tests call it, debug builds after every `grow()` (itself O(capacity)).
    func checkInvariants() -> String? {
        guard keys.count == values.count else { return "\(keys.count) key slots, \(values.count) value slots" }
        guard !keys.isEmpty else { return count == 0 ? nil : "count \(count) without storage" }
        guard keys.count >= 16, keys.count & mask == 0 else { return "capacity \(keys.count): not a power of two from 16" }
        guard count * 8 <= keys.count * 7 else { return "\(count) keys in \(keys.count) slots: above 7/8" }
        var stored = 0
        for index in keys.indices where keys[index].from != 0 {
            stored += 1
            var probe = home(of: keys[index])
            while probe != index {
                if keys[probe].from == 0 { return "key in slot \(index) cut off from its home by the empty slot \(probe)" }
                if keys[probe] == keys[index] { return "key in slot \(index) stored twice (also in \(probe))" }
                probe = (probe + 1) & mask
            }
        }
        return stored == count ? nil : "count \(count), \(stored) keys stored"
    }
}
