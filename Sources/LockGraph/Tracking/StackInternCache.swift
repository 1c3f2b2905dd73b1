/// A thread's recently interned stacks with their `StackTable` ids (owner thread only).
///
/// Why: a thread records most of its new edges from a few code paths, and each new edge interns
/// two stacks (where the held lock was taken, where the new one is). Found here, a stack costs
/// its hash and one comparison of its frames: no `StackTable` shard lock, which every thread
/// recording edges from the same code path would otherwise take.
///
/// Two-way set-associative by `StackHash`: `entryCount` entries of one stack each (hash, id,
/// depth and frames) in pairs; a stack is looked for in both entries of its pair, and a new one
/// takes the pair's first entry, whose stack moves to the second. (Direct-mapped, the two stacks
/// a thread alternates between, its holder's and its acquirer's, shared one entry in about one
/// run in eight, by where ASLR put the code, and then missed every time: 3x the cost of
/// interning in the bank workload.) Invariant: a non-zero `ids[e]` is the
/// `StackTable` id of the `depths[e]` frames stored for entry `e`, whose hash is `hashes[e]`
/// (ids never change meaning, so an entry is never stale).
struct StackInternCache {
    private static let entryCount = 8
    private let hashes: UnsafeMutablePointer<UInt64>
    private let ids: UnsafeMutablePointer<UInt32>
    private let depths: UnsafeMutablePointer<Int>
    /// `entryCount` rows of `StackTrace.maximumDepth` frames.
    private let frames: UnsafeMutablePointer<UInt>
    /// Call sites interned as site-only stacks (`StackTable.internSite`), direct-mapped by
    /// address: `sites[s]` (0: empty) has the id `siteIDs[s]`. An edge whose held lock kept no
    /// stack interns its call site, and a thread makes such edges from a few lines.
    private static let siteCount = 16
    private let sites: UnsafeMutablePointer<UInt>
    private let siteIDs: UnsafeMutablePointer<UInt32>

    init() {
        hashes = .allocate(capacity: Self.entryCount)
        hashes.initialize(repeating: 0, count: Self.entryCount)
        ids = .allocate(capacity: Self.entryCount)
        ids.initialize(repeating: 0, count: Self.entryCount)
        depths = .allocate(capacity: Self.entryCount)
        depths.initialize(repeating: 0, count: Self.entryCount)
        frames = .allocate(capacity: Self.entryCount * StackTrace.maximumDepth)
        sites = .allocate(capacity: Self.siteCount)
        sites.initialize(repeating: 0, count: Self.siteCount)
        siteIDs = .allocate(capacity: Self.siteCount)
        siteIDs.initialize(repeating: 0, count: Self.siteCount)
    }

    /// `StackTable.internSite(site)`, from this cache when the thread interned `site` lately.
    func internSite(_ site: UInt) -> UInt32 {
        guard site != 0 else { return 0 }
        let slot = Int(truncatingIfNeeded: NodeHash.mix(UInt64(site)) >> 32) & (Self.siteCount - 1)
        if sites[slot] == site { return siteIDs[slot] }
        let id = StackTable.internSite(site)
        if id != 0 { (sites[slot], siteIDs[slot]) = (site, id) }
        return id
    }

    /// The id of `stack` (at most `StackTrace.maximumDepth` frames), from this cache or else
    /// interned in `StackTable` and remembered; 0 for an empty stack.
    func intern(_ stack: UnsafeBufferPointer<UInt>) -> UInt32 {
        guard !stack.isEmpty else { return 0 }
        let depth = min(stack.count, StackTrace.maximumDepth)
        let stack = UnsafeBufferPointer(rebasing: stack[..<depth])
        let hash = StackHash.of(stack)
        let entry = Int(truncatingIfNeeded: hash >> 32) & (Self.entryCount - 2)
        for way in entry...entry + 1 where ids[way] != 0 && hashes[way] == hash
            && StackHash.equal(UnsafeBufferPointer(start: frames + way * StackTrace.maximumDepth, count: depths[way]), stack) {
            return ids[way]
        }
        let id = StackTable.intern(stack, hash: hash)
        guard id != 0 else { return 0 }
        let row = frames + entry * StackTrace.maximumDepth
        if ids[entry] != 0 {
            (row + StackTrace.maximumDepth).update(from: row, count: depths[entry])
            (hashes[entry + 1], depths[entry + 1], ids[entry + 1]) = (hashes[entry], depths[entry], ids[entry])
        }
        _ = UnsafeMutableBufferPointer(start: row, count: depth).initialize(from: stack)
        hashes[entry] = hash
        depths[entry] = depth
        ids[entry] = id
        return id
    }

    func deallocate() {
        hashes.deallocate()
        ids.deallocate()
        depths.deallocate()
        frames.deallocate()
        sites.deallocate()
        siteIDs.deallocate()
    }
}
