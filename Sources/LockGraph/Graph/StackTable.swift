/// Every distinct stack the graph keeps, stored once (lockdep keeps one stack-trace table too):
/// edges and held locks refer to a stack by a 32-bit id.
///
/// In a real program a few hundred acquisition sites make hundreds of thousands of edges, so
/// interning turns the edges' dominant cost (two stacks of up to 48 words each) into 8 bytes.
/// Stacks are never removed: their number is bounded by the program's distinct code paths,
/// not by its locks or edges.
///
/// Sharded by the stack's hash, each shard under its own internal lock, so threads recording
/// new edges at the same time rarely meet. Id layout: `index << shardBits | shard`, plus one,
/// so 0 means "no stack". The top bit marks a call site recorded without a stack (see
/// `siteOnly`).
///
/// Lookup is by `StackHash` (a multiply-xorshift over the frames, not SipHash: every new edge
/// interns a stack, and return addresses are not attacker-chosen) in an open-addressing index
/// per shard, and works on the frames in place (a thread's capture buffer): only a stack seen
/// for the first time is copied into an array.
///
/// Invariants: an id, once returned, names the same stack for the life of the process (a
/// shard's stacks are only appended, never removed or moved, and the same stack always
/// interns to the same id), so edges and held-lock entries keep bare ids with no lock and no
/// reference count; within each shard `stacks` and `hashes` are parallel, and `index` holds
/// `i + 1` for every `i` in `stacks.indices` exactly once, findable from the slot
/// `hashes[i] & mask` by linear probing without crossing an empty (0) slot.
enum StackTable {
    private static let shardBits: UInt32 = 4
    private static let shardCount = 1 << shardBits
    /// Set on the id of a one-frame stack that is only the acquisition's call site.
    static let siteOnly: UInt32 = 1 << 31

    private struct Shard {
        var stacks: [StackTrace] = []
        var hashes: [UInt64] = []
        /// Open addressing over `stacks`: `i + 1` for stack `i`, 0 for an empty slot. A power
        /// of two in size, at most half full.
        var index: [UInt32] = []

        func find(_ frames: UnsafeBufferPointer<UInt>, hash: UInt64) -> (slot: Int, id: UInt32?) {
            let mask = index.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while index[slot] != 0 {
                let position = Int(index[slot] - 1)
                if hashes[position] == hash && StackHash.equal(stacks[position].addresses, frames) {
                    return (slot, UInt32(position))
                }
                slot = (slot + 1) & mask
            }
            return (slot, nil)
        }

        mutating func grow() {
            let capacity = max(64, index.count * 2)
            index = [UInt32](repeating: 0, count: capacity)
            for position in hashes.indices {
                var slot = Int(truncatingIfNeeded: hashes[position]) & (capacity - 1)
                while index[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
                index[slot] = UInt32(position + 1)
            }
        }
    }

    private static let shards: [InternalProtected<Shard>] = (0..<shardCount).map { _ in InternalProtected(Shard()) }

    /// The id of `stack`, interning it if new; 0 for an empty stack.
    static func intern(_ stack: StackTrace) -> UInt32 {
        stack.addresses.withUnsafeBufferPointer { intern($0, hash: StackHash.of($0)) }
    }

    /// The id of the stack `frames` (whose `StackHash` is `hash`), interning a copy if new;
    /// 0 for an empty stack.
    static func intern(_ frames: UnsafeBufferPointer<UInt>, hash: UInt64) -> UInt32 {
        guard !frames.isEmpty else { return 0 }
        // The top bits pick the shard, the low bits the slot within it.
        let shard = Int(truncatingIfNeeded: hash >> 60) & (shardCount - 1)
        return shards[shard].withLock { table in
            if table.index.isEmpty { table.grow() }
            let lookup = table.find(frames, hash: hash)
            if let found = lookup.id { return (found << shardBits | UInt32(shard)) + 1 }
            var slot = lookup.slot
            let position = UInt32(table.stacks.count)
            // 2^27 distinct stacks per shard before the id space (31 bits) runs out: far beyond
            // any program's code paths; past it, the stack is simply not kept.
            guard position < (1 << (31 - shardBits)) - 1 else { return 0 }
            if (table.stacks.count + 1) * 2 > table.index.count {
                table.grow()
                slot = table.find(frames, hash: hash).slot
            }
            table.stacks.append(StackTrace(addresses: Array(frames)))
            table.hashes.append(hash)
            table.index[slot] = position + 1
            return (position << shardBits | UInt32(shard)) + 1
        }
    }

    /// The id of the one-frame stack `[site]`, flagged as a site only; 0 when the site is unknown.
    static func internSite(_ site: UInt) -> UInt32 {
        guard site != 0 else { return 0 }
        // A return address points after the call; one byte back lies inside the call
        // instruction, which symbolizes to the calling line (stacks do that for every frame
        // but the first, and this frame is stored as the first).
        var frame = site &- 1
        let id = withUnsafePointer(to: &frame) { pointer in
            let frames = UnsafeBufferPointer(start: pointer, count: 1)
            return intern(frames, hash: StackHash.of(frames))
        }
        return id == 0 ? 0 : id | siteOnly
    }

    /// The stack with this id (empty for 0 or an unknown id).
    static func stack(_ id: UInt32) -> StackTrace {
        let plain = id & ~siteOnly
        guard plain != 0 else { return .empty }
        let shard = Int((plain - 1) & UInt32(shardCount - 1))
        let index = Int((plain - 1) >> shardBits)
        return shards[shard].withLock { table in index < table.stacks.count ? table.stacks[index] : .empty }
    }

    /// True for the id of a site recorded without a stack.
    static func isSiteOnly(_ id: UInt32) -> Bool { id & siteOnly != 0 }

    /// Describes the first broken invariant of any shard (see the type's documentation), or nil.
    static func checkInvariants() -> String? {
        for (number, shard) in shards.enumerated() {
            let broken: String? = shard.withLock { table in
                guard table.stacks.count == table.hashes.count else { return "stacks and hashes differ in length" }
                guard table.index.filter({ $0 != 0 }).count == table.stacks.count else { return "index and stacks differ in count" }
                for position in table.stacks.indices {
                    let hash = table.hashes[position]
                    guard StackHash.of(table.stacks[position].addresses) == hash else { return "stack \(position): stale hash" }
                    let found = table.stacks[position].addresses.withUnsafeBufferPointer { table.find($0, hash: hash).id }
                    guard found == UInt32(position) else { return "stack \(position) not found through the index" }
                }
                return nil
            }
            if let broken { return "shard \(number): \(broken)" }
        }
        return nil
    }
}

/// The hash `StackTable` and the threads' intern caches key stacks by: a multiply-xorshift over
/// the frames and their count, well mixed in all 64 bits (the table takes the top bits for the
/// shard, the low bits for the slot).
enum StackHash {
    @inline(__always)
    static func of(_ frames: UnsafeBufferPointer<UInt>) -> UInt64 {
        var mixed = UInt64(frames.count) &* 0x9E37_79B9_7F4A_7C15
        for frame in frames {
            mixed = (mixed ^ UInt64(frame)) &* 0xBF58_476D_1CE4_E5B9
            mixed ^= mixed >> 29
        }
        return NodeHash.mix(mixed)
    }

    static func of(_ frames: [UInt]) -> UInt64 {
        frames.withUnsafeBufferPointer { of($0) }
    }

    /// Whether two stacks have the same frames (count included).
    @inline(__always)
    static func equal(_ stored: UnsafeBufferPointer<UInt>, _ frames: UnsafeBufferPointer<UInt>) -> Bool {
        guard stored.count == frames.count else { return false }
        for position in 0..<frames.count where stored[position] != frames[position] { return false }
        return true
    }

    @inline(__always)
    static func equal(_ stored: [UInt], _ frames: UnsafeBufferPointer<UInt>) -> Bool {
        stored.withUnsafeBufferPointer { equal($0, frames) }
    }
}
