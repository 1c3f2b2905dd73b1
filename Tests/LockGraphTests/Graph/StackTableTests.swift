import Testing
@testable import LockGraph

/// `StackTable` (open addressing by `StackHash`) and the per-thread `StackInternCache` in front
/// of it: one id per distinct stack, whichever way it is interned. The frames are made-up
/// addresses unique to this suite (the table is process-wide and only grows).
@Suite("Stack table")
struct StackTableTests {
    /// Stacks `0..<count`, each distinct: differing in frames, and some only in length (a prefix
    /// of another), which the hash and the comparison must both tell apart.
    private static func stacks(count: Int, salt: UInt) -> [[UInt]] {
        (0..<count).map { number in
            let depth = 1 + number % StackTrace.maximumDepth
            return (0..<depth).map { frame in salt &+ UInt(number / StackTrace.maximumDepth) << 20 &+ UInt(frame) &* 16 }
        }
    }

    @Test func internsEachDistinctStackOnce() {
        // Enough stacks to grow every shard's index a few times.
        let stacks = Self.stacks(count: 5_000, salt: 0x7F00_0000_0000)
        let ids = stacks.map { StackTable.intern(StackTrace(addresses: $0)) }
        #expect(!ids.contains(0))
        #expect(Set(ids).count == stacks.count)
        for (stack, id) in zip(stacks, ids) {
            #expect(StackTable.intern(StackTrace(addresses: stack)) == id)
            #expect(StackTable.stack(id).addresses == stack)
            #expect(!StackTable.isSiteOnly(id))
        }
        #expect(StackTable.intern(.empty) == 0)
        #expect(StackTable.checkInvariants() == nil)
    }

    @Test func siteOnlyIDsAreFlaggedAndDistinctFromTheSameFrameAsAStack() {
        let site: UInt = 0x7E00_0000_1234
        let id = StackTable.internSite(site)
        #expect(StackTable.isSiteOnly(id))
        #expect(StackTable.stack(id).addresses == [site - 1])
        #expect(StackTable.internSite(site) == id)
        #expect(StackTable.intern(StackTrace(addresses: [site - 1])) == id & ~StackTable.siteOnly)
        #expect(StackTable.internSite(0) == 0)
    }

    /// More stacks than the cache has entries, interned in turns: every answer is the table's id.
    @Test func internCacheAgreesWithTheTable() {
        let cache = StackInternCache()
        defer { cache.deallocate() }
        let stacks = Self.stacks(count: 40, salt: 0x7D00_0000_0000)
        let expected = stacks.map { StackTable.intern(StackTrace(addresses: $0)) }
        for round in 0..<5 {
            for (offset, stack) in stacks.enumerated() where (offset + round) % 3 != 0 {
                let id = stack.withUnsafeBufferPointer { cache.intern($0) }
                #expect(id == expected[offset])
            }
        }
        #expect([UInt]().withUnsafeBufferPointer { cache.intern($0) } == 0)
    }
}
