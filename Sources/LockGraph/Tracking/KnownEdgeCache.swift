/// A per-thread, fixed-size set of lock-order edges this thread already knows are in the graph,
/// so an acquisition whose edges are all known takes no global lock. Lock ids are never reused,
/// so an entry can only go stale through `LockMonitor.reset()` (or class checking being turned
/// on), which bumps every thread's `cacheResets`: the owner clears its caches at its next acquisition.
struct KnownEdgeCache {
    private static let slotCount = 1024
    private static let probeLimit = 4
    private let keys: UnsafeMutablePointer<UInt64>  // pairs: from, to; 0 = empty
    private var nextVictim = 0

    init() {
        keys = .allocate(capacity: Self.slotCount * 2)
        keys.initialize(repeating: 0, count: Self.slotCount * 2)
    }

    @inline(__always)
    private static func home(_ from: UInt64, _ to: UInt64) -> Int {
        let mixed = (from &* 0x9E37_79B9_7F4A_7C15) ^ (to &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: mixed >> 32) & (slotCount - 1)
    }

    @inline(__always)
    func contains(from: UInt64, to: UInt64) -> Bool {
        var slot = Self.home(from, to)
        for _ in 0..<Self.probeLimit {
            if keys[slot * 2] == from && keys[slot * 2 + 1] == to { return true }
            if keys[slot * 2] == 0 { return false }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        return false
    }

    mutating func insert(from: UInt64, to: UInt64) {
        let start = Self.home(from, to)
        var slot = start
        for _ in 0..<Self.probeLimit {
            if keys[slot * 2] == 0 || (keys[slot * 2] == from && keys[slot * 2 + 1] == to) {
                keys[slot * 2] = from
                keys[slot * 2 + 1] = to
                return
            }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
        // Full neighbourhood: overwrite one of the probed slots (it will simply miss later).
        slot = (start + nextVictim) & (Self.slotCount - 1)
        nextVictim = (nextVictim + 1) % Self.probeLimit
        keys[slot * 2] = from
        keys[slot * 2 + 1] = to
    }

    mutating func removeAll() {
        keys.update(repeating: 0, count: Self.slotCount * 2)
    }

    func deallocate() {
        keys.deallocate()
    }
}
