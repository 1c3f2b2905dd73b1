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
/// Invariants: an id, once returned, names the same stack for the life of the process (a
/// shard's stacks are only appended, never removed or moved, and the same stack always
/// interns to the same id), so edges and held-lock entries keep bare ids with no lock and no
/// reference count; and within each shard `ids` and `stacks` mirror each other
/// (`stacks[index]` has id `index << shardBits | shard` + 1 in `ids`).
enum StackTable {
    private static let shardBits: UInt32 = 4
    private static let shardCount = 1 << shardBits
    /// Set on the id of a one-frame stack that is only the acquisition's call site.
    static let siteOnly: UInt32 = 1 << 31

    private struct Shard {
        var ids: [StackTrace: UInt32] = [:]
        var stacks: [StackTrace] = []
    }

    private static let shards: [InternalProtected<Shard>] = (0..<shardCount).map { _ in InternalProtected(Shard()) }

    /// The id of `stack`, interning it if new; 0 for an empty stack.
    static func intern(_ stack: StackTrace) -> UInt32 {
        guard !stack.addresses.isEmpty else { return 0 }
        let shard = shardIndex(of: stack)
        return shards[shard].withLock { table in
            if let id = table.ids[stack] { return id }
            let index = UInt32(table.stacks.count)
            // 2^27 distinct stacks per shard before the id space (31 bits) runs out: far beyond
            // any program's code paths; past it, the stack is simply not kept.
            guard index < (1 << (31 - shardBits)) - 1 else { return 0 }
            let id = (index << shardBits | UInt32(shard)) + 1
            table.stacks.append(stack)
            table.ids[stack] = id
            return id
        }
    }

    /// The id of the one-frame stack `[site]`, flagged as a site only; 0 when the site is unknown.
    static func internSite(_ site: UInt) -> UInt32 {
        guard site != 0 else { return 0 }
        // A return address points after the call; one byte back lies inside the call
        // instruction, which symbolizes to the calling line (stacks do that for every frame
        // but the first, and this frame is stored as the first).
        let id = intern(StackTrace(addresses: [site &- 1]))
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

    private static func shardIndex(of stack: StackTrace) -> Int {
        // The innermost frames differ most between call sites.
        var mixed: UInt = UInt(truncatingIfNeeded: stack.addresses.count)
        for address in stack.addresses.prefix(4) {
            mixed = (mixed ^ address) &* 0x9E37_79B9_7F4A_7C15
        }
        return Int(truncatingIfNeeded: mixed >> 40) & (shardCount - 1)
    }
}
