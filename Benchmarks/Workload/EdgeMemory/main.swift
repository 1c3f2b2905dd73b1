import BenchSupport
import Foundation
import LockGraph

// Memory per order edge: N tracked locks, then one thread takes pairs (i, j), i < j, nested,
// each pair once, until E distinct edges exist. Bytes per edge is
// (peak RSS after - RSS before) / E, the baseline read after the locks exist.
//
//     EdgeMemory [--order sequential|random] [--locks N] [--edges E] [--sites S]
//
// --order sequential (the default) takes (0, 1), (0, 2), ..., (1, 2), ...: every edge agrees with
// the order the graph already has, so none reorders it. --order random takes pairs in a
// deterministic pseudo-random order, which also exercises the graph's reordering.
// --sites 1 takes every pair from one call site, so every recorded stack is the same; --sites S
// spreads the pairs over S different call sites (up to CallSites.count), so stacks differ.
// The order is consistent (lower index first): LockGraph must report nothing.

enum PairOrder: String {
    case sequential, random
}

// `--order` is the one non-numeric option: taken out before the numeric ones are parsed.
var arguments = Array(CommandLine.arguments.dropFirst())
var order = PairOrder.sequential
if let position = arguments.firstIndex(of: "--order") {
    guard position + 1 < arguments.count, let value = PairOrder(rawValue: arguments[position + 1]) else {
        FileHandle.standardError.write(Data("EdgeMemory: --order takes sequential or random\n".utf8))
        exit(2)
    }
    order = value
    arguments.removeSubrange(position...position + 1)
}
let flags = IntegerFlags.parse(
    arguments[...], program: "EdgeMemory", prefix: "[--order sequential|random] ",
    flags: [
        .init("locks", default: 2_000, "tracked locks"),
        .init("edges", default: 500_000, "distinct edges to create"),
        .init("sites", default: 1, "call sites the pairs are taken from, 1 to \(CallSites.count)"),
    ]
)
guard let flags else { exit(2) }
let lockCount = flags["locks"], edgeCount = flags["edges"], sites = flags["sites"]

func fail(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("EdgeMemory: \(message)\n".utf8))
    exit(status)
}

guard lockCount >= 2, edgeCount <= lockCount * (lockCount - 1) / 2 else {
    fail("\(lockCount) locks have at most \(lockCount * (lockCount - 1) / 2) ordered pairs; asked for \(edgeCount)", status: 2)
}
guard sites <= CallSites.count else { fail("--sites goes up to \(CallSites.count)", status: 2) }
guard LockMonitor.mode == .report else { fail("needs LOCKGRAPH_MODE=report (or unset), not \(LockMonitor.mode)", status: 2) }

let locks = (0..<lockCount).map { TrackedMutex(name: "edge-\($0)") }

/// The next pair (lower, higher) not taken before.
struct Pairs {
    let order: PairOrder
    let count: Int
    private var lower = 0, higher = 0
    private var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Random order only: which pairs were taken, one bit per (lower, higher).
    private var taken: [UInt64] = []

    init(order: PairOrder, count: Int) {
        self.order = order
        self.count = count
        if order == .random {
            taken = [UInt64](repeating: 0, count: (count * count + 63) / 64)
            // Written through once now so its pages are resident before the baseline, and
            // only LockGraph's memory grows after it.
            taken.withUnsafeMutableBytes { _ = memset($0.baseAddress!, 0, $0.count) }
        }
    }

    mutating func next() -> (Int, Int) {
        if order == .sequential {
            higher += 1
            if higher == count {
                lower += 1
                higher = lower + 1
            }
            return (lower, higher)
        }
        while true {
            // xorshift64: deterministic, so runs before and after a change take the same pairs.
            seed ^= seed << 13
            seed ^= seed >> 7
            seed ^= seed << 17
            let one = Int(seed % UInt64(count)), other = Int((seed >> 32) % UInt64(count))
            guard one != other else { continue }
            let bit = min(one, other) * count + max(one, other)
            guard taken[bit / 64] & (1 << UInt64(bit % 64)) == 0 else { continue }
            taken[bit / 64] |= 1 << UInt64(bit % 64)
            return (min(one, other), max(one, other))
        }
    }
}

var pairs = Pairs(order: order, count: lockCount)
let before = ProcessMemory.currentResidentBytes()
let start = now()
var made = 0
while made < edgeCount {
    let (lower, higher) = pairs.next()
    let outer = locks[lower], inner = locks[higher]
    CallSites.run(made % sites) {
        outer.lock()
        inner.lock()
        inner.unlock()
        outer.unlock()
    }
    made += 1
}
let seconds = Double(now() - start) / 1e9
let peak = ProcessMemory.peakResidentBytes()

// Read after the peak: a snapshot copies every edge and would add its own memory.
let snapshotStart = now()
let graphEdges = LockMonitor.snapshot().edges.count
let snapshotMilliseconds = milliseconds(from: snapshotStart, to: now())
let reports = LockMonitor.violations.count

print(
    "edgememory build=\(buildConfiguration) order=\(order.rawValue) locks=\(lockCount) edges=\(made) sites=\(sites)",
    String(format: "seconds=%.2f rss_before_mb=%.1f peak_rss_mb=%.1f bytes_per_edge=%.0f",
           seconds, ProcessMemory.mebibytes(before), ProcessMemory.mebibytes(peak), Double(peak - before) / Double(made)),
    String(format: "graph_edges=%d snapshot_ms=%.0f reports=%d", graphEdges, snapshotMilliseconds, reports)
)
if graphEdges != made { fail("the graph holds \(graphEdges) edges, \(made) were made") }
if reports != 0 { fail("LockGraph reported \(reports) violation(s) in a consistent order") }
