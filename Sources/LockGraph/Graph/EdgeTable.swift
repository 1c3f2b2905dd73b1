/// The order graph's edge records: a hash table from `EdgeKey` to `EdgeData` with open
/// addressing (linear probing, backward-shift deletion, no tombstones).
///
/// Why not `Dictionary`: a program with 1,000 locks taken in random pairs has ~500,000 edges.
/// `Dictionary` keeps its load under 3/4, so 400,000 edges sit in 1M buckets of 28 bytes, and
/// every access hashes through a per-instance seed. Here the load may reach 7/8 (the same
/// 400,000 edges fit in 512K buckets: half the memory), and a probe costs one multiply-xorshift.
/// Node ids are process-internal, never attacker-chosen, so a fixed hash is fine.
///
/// Invariant: every key is stored at the first empty-free run from its home slot, i.e. no empty
/// slot lies between a key's home and its slot (what lookups and backward-shift rely on);
/// `count` is the number of stored keys; capacity is a power of two above `count`.
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
        if let existing = slot(of: key) {
            values[existing] = value
            return
        }
        // Grow at 7/8 full (and from empty), so probes stay short and an empty slot always exists.
        if (count + 1) * 8 > keys.count * 7 { grow() }
        var index = home(of: key)
        while keys[index].from != 0 { index = (index + 1) & mask }
        keys[index] = key
        values[index] = value
        count += 1
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
        count = 0
        for index in oldKeys.indices where oldKeys[index].from != 0 {
            insert(oldKeys[index], oldValues[index])
        }
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

    /// Checks the invariant (debug builds and tests): every key reachable from its home, and
    /// `count` right.
    func isConsistent() -> Bool {
        var stored = 0
        for index in keys.indices where keys[index].from != 0 {
            stored += 1
            guard slot(of: keys[index]) == index else { return false }
        }
        return stored == count && (keys.isEmpty || count < keys.count)
    }
}
