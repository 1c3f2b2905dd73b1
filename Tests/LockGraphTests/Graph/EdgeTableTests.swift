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

    /// Copies share storage until one writes: a write to either never shows in the other.
    @Test func copiesAreIndependentValues() {
        var original = EdgeTable()
        for id in 1...100 as ClosedRange<UInt64> {
            original[EdgeKey(from: id, to: id + 1)] = EdgeData(holderStack: UInt32(id), acquirerStack: 0, thread: 0)
        }
        var copy = original
        copy[EdgeKey(from: 1, to: 2)] = nil
        copy[EdgeKey(from: 500, to: 501)] = EdgeData(holderStack: 500, acquirerStack: 0, thread: 0)
        copy[EdgeKey(from: 2, to: 3)] = EdgeData(holderStack: 7, acquirerStack: 0, thread: 0)
        #expect(original.count == 100 && copy.count == 100)
        #expect(original[EdgeKey(from: 1, to: 2)]?.holderStack == 1)
        #expect(original[EdgeKey(from: 500, to: 501)] == nil)
        #expect(original[EdgeKey(from: 2, to: 3)]?.holderStack == 2)
        #expect(copy[EdgeKey(from: 1, to: 2)] == nil)
        #expect(copy[EdgeKey(from: 2, to: 3)]?.holderStack == 7)
        // Iterating a table while it is written: the iterator keeps the storage it started on.
        var table = original
        var iterated = 0
        for (key, _) in table {
            table[key] = nil
            iterated += 1
        }
        #expect(iterated == 100 && table.isEmpty && original.count == 100)
        #expect(original.isConsistent() && copy.isConsistent() && table.isConsistent())
    }
}
