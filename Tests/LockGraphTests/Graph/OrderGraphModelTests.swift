import Foundation
import Testing
@testable import LockGraph

/// `OrderGraph` (guards, gated cycles, inversion edges, removal, duplicates, the shared path)
/// against `OrderGraphReference`, a brute-force model, over random operations.
@Suite("Order graph model")
struct OrderGraphModelTests {
    /// LOCKGRAPH_MODEL_OPERATIONS, or 30,000: about two seconds in a debug build.
    static var operationCount: Int {
        ProcessInfo.processInfo.environment["LOCKGRAPH_MODEL_OPERATIONS"].flatMap { Int($0) } ?? 30_000
    }

    /// LOCKGRAPH_MODEL_SEED, or 0: the first round's seed (round n uses seed + n).
    static var firstSeed: UInt64 {
        ProcessInfo.processInfo.environment["LOCKGRAPH_MODEL_SEED"].flatMap { UInt64($0) } ?? 0
    }

    /// Rounds of 500 operations, each from an empty graph with its own seed, every operation
    /// checked against the reference and followed by `checkInvariants()`. A failure prints the
    /// seed and the round shrunk to a minimal case. (The graph iterates hashed sets, whose order
    /// varies per process unless SWIFT_DETERMINISTIC_HASHING is set, so the seed alone may not
    /// replay a failure: the operations are printed too.)
    @Test func agreesWithTheReference() {
        let total = Self.operationCount
        var done = 0
        var round: UInt64 = 0
        var statistics = OrderGraphReplay.Statistics()
        while done < total {
            let seed = Self.firstSeed &+ round
            var workload = OrderGraphWorkload(seed: seed)
            var replay = OrderGraphReplay()
            var operations: [OrderGraphOperation] = []
            for _ in 0..<min(500, total - done) {
                let known = replay.reference.recorded.keys.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
                let operation = workload.next(known: known)
                operations.append(operation)
                if let failure = replay.apply(operation) {
                    let minimal = OrderGraphReplay.shrink(operations, seconds: 60)
                    Issue.record("""
                        seed \(seed) (LOCKGRAPH_MODEL_SEED=\(seed)): \(failure)
                        shrunk to \(minimal.count) operations: \(minimal)
                        \(OrderGraphReplay.firstDisagreement(minimal) ?? "(passes when replayed)")
                        """)
                    return
                }
            }
            done += operations.count
            statistics.add(replay.statistics)
            round += 1
        }
        print("OrderGraph model: \(done) operations in \(round) rounds from seed \(Self.firstSeed); \(statistics)")
        if total >= 5_000 {
            // Otherwise the run proves nothing about gates and the shared path.
            #expect(statistics.reported > 0 && statistics.gatedClosings > 0 && statistics.brokenGates > 0 && statistics.approved > 0,
                    "\(statistics)")
        }
    }
}
