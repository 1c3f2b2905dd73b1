import Testing
@testable import LockGraph

/// `EdgeTable` against `Dictionary`: random inserts, overwrites, removals and lookups over a key
/// space small enough that runs collide and removals shift entries back.
@Suite("Edge table")
struct EdgeTableTests {
    @Test(arguments: [1, 2, 3, 4])
    func agreesWithADictionary(seed: UInt64) {
        var table = EdgeTable()
        var reference: [EdgeKey: EdgeData] = [:]
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        let operations = runningUnderThreadSanitizer ? 20_000 : 200_000
        for step in 0..<operations {
            let key = EdgeKey(from: next() % 300 + 1, to: next() % 300 + 1)
            switch next() % 10 {
            case 0..<5:
                let data = EdgeData(holderStack: UInt32(truncatingIfNeeded: next()), acquirerStack: 1, thread: UInt32(step & 0xFFFF))
                table[key] = data
                reference[key] = data
            case 5..<8:
                table[key] = nil
                reference[key] = nil
            default:
                #expect(table[key] == reference[key])
            }
            if step % 10_000 == 0 {
                #expect(table.isConsistent())
                #expect(table.count == reference.count)
            }
        }
        #expect(table.isConsistent())
        #expect(table.count == reference.count)
        var seen: [EdgeKey: EdgeData] = [:]
        for (key, value) in table { seen[key] = value }
        #expect(seen == reference)
        for key in table.storedKeys { table[key] = nil }
        #expect(table.isEmpty && table.isConsistent())
    }
}
