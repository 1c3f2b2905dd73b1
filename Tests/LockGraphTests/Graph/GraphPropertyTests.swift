import Foundation
import Testing
@testable import LockGraph

/// `GraphCycles` at the size of a real program: about 1,000 live locks, locks destroyed and
/// created all the time, and long runs of edges against the current order (what made the
/// ranks drift until they overflowed), checked against the model after every operation.
extension GraphAlgorithmTests {
    /// Random operations over a pool of live lock ids. Each is drawn against the graph's
    /// current order, so the workload is generated one operation at a time next to the replay
    /// (and recorded, so that a failure can be replayed and shrunk without the generator).
    struct ChurnWorkload {
        private var random: Random
        /// The locks the program currently has. A removed id is replaced by a new one, as a
        /// destroyed lock is by a newly created one; an id enters the graph with its first edge.
        private var live: [UInt64]
        private var nextID: UInt64
        /// The rest of a run of reordering edges, last first.
        private var pending: [Operation] = []

        init(seed: Int, liveNodes: Int) {
            random = Random(state: UInt64(seed) &* 0x2545_F491_4F6C_DD1D &+ 7)
            live = Array(1...UInt64(max(2, liveNodes)))
            nextID = UInt64(live.count) + 1
        }

        /// Per 1,000 operations, outside runs: 470 inserts along the current order (mostly
        /// free), 80 against it (a reorder or a cycle), 250 removals, 192 path queries and 8
        /// starts of a run of about 35 edges against the order (a fifth of all operations are in
        /// such runs). One in 50,000 clears the graph. Removals keep the graph sparse, as lock
        /// graphs are: about 1.5 edges per node.
        mutating func next(against graph: GraphCycles) -> Operation {
            if let operation = pending.popLast() { return operation }
            if random.below(50_000) == 0 { return .removeAll }
            let (low, high) = ordered(live[random.below(live.count)], live[random.below(live.count)], in: graph)
            switch random.below(1_000) {
            case ..<470:
                return .insert(low, high)
            case ..<550:
                return .insert(high, low)
            case ..<800:
                let index = random.below(live.count)
                let removed = live[index]
                live[index] = nextID
                nextID += 1
                return .remove(removed)
            case ..<992:
                // Mostly in order, where a path can exist; the rest are answered by ranks alone.
                return random.below(5) == 0 ? .query(high, low) : .query(low, high)
            default:
                return startReversedChain(in: graph) ?? .insert(low, high)
            }
        }

        /// `a` and `b` in the graph's current order (as drawn while either is not in it yet).
        private func ordered(_ a: UInt64, _ b: UInt64, in graph: GraphCycles) -> (UInt64, UInt64) {
            guard let rankA = graph.rank(of: a), let rankB = graph.rank(of: b), rankA > rankB else { return (a, b) }
            return (b, a)
        }

        /// Takes 8 to 64 nodes in rank order (neighbours in the order, or drawn from all over)
        /// and links each to the one ranked below it: every edge goes against the order as it
        /// was, built from either end. Each insertion moves nodes into the gaps the last one
        /// left, which is what wears gaps down and pushes ranks outwards.
        private mutating func startReversedChain(in graph: GraphCycles) -> Operation? {
            let present = live.compactMap { id in graph.rank(of: id).map { (id: id, rank: $0) } }
                .sorted { $0.rank < $1.rank }.map(\.id)
            let length = min(present.count, 8 + random.below(57))
            guard length >= 2 else { return nil }
            let chain: [UInt64]
            if random.below(2) == 0 {
                let start = random.below(present.count - length + 1)
                chain = Array(present[start..<(start + length)])
            } else {
                let picked = Set((0..<length).map { _ in random.below(present.count) })
                chain = picked.sorted().map { present[$0] }
            }
            var edges = zip(chain.dropFirst(), chain).map { Operation.insert($0, $1) }
            if random.below(2) == 0 { edges.reverse() }
            pending = edges.reversed()
            return pending.popLast()
        }
    }

    /// Operations for `agreesWithBruteForceAtScaleUnderChurn`: LOCKGRAPH_PROPERTY_OPERATIONS,
    /// or 20,000, which keeps a debug build's run to 10-20 seconds on two busy cores (release
    /// builds manage about 8,000 operations a second). ThreadSanitizer, which CI runs this
    /// suite under, slows this single-threaded code tenfold and has nothing to find in it:
    /// 2,000 there.
    static var scaleOperationCount: Int {
        ProcessInfo.processInfo.environment["LOCKGRAPH_PROPERTY_OPERATIONS"].flatMap { Int($0) }
            ?? (runningUnderThreadSanitizer ? 2_000 : 20_000)
    }

    /// One per round: 1 and 3 exhaust every gap (renumbering, the Pearce–Kelly fallback), the
    /// default, and two huge ones that carry ranks towards the bound; with the largest (used
    /// as 2^58) new nodes reach it and renumber every few thousand operations.
    static let scaleSpacings = [1, 3, 1 << 20, 1 << 44, Int.max]

    /// Rounds of up to 20,000 operations over 1,200 live locks (about 1,000 of them in the
    /// graph at a time), each from an empty graph with its own seed and spacing, so a failure
    /// replays and shrinks from its round alone. Every operation is checked against the model
    /// and every change followed by `checkInvariants()`. Set order
    /// (and with it which side of a reorder moves) varies per process unless
    /// SWIFT_DETERMINISTIC_HASHING is set, so a failure prints the operations themselves.
    @Test func agreesWithBruteForceAtScaleUnderChurn() {
        let total = Self.scaleOperationCount
        let roundLength = max(1, min(20_000, total / Self.scaleSpacings.count))
        var round = 0
        var done = 0
        var statistics = ScaleStatistics()
        while done < total {
            let count = min(roundLength, total - done)
            let spacing = Self.scaleSpacings[round % Self.scaleSpacings.count]
            var workload = ChurnWorkload(seed: round, liveNodes: 1_200)
            var replay = Replay(spacing: spacing)
            var operations: [Operation] = []
            operations.reserveCapacity(count)
            for index in 0..<count {
                let operation = workload.next(against: replay.graph)
                operations.append(operation)
                if let failure = replay.apply(operation) {
                    let minimal = Self.shrink(operations, seconds: 120) { Self.firstDisagreement($0, spacing: spacing) != nil }
                    Issue.record("""
                        round \(round) (seed \(round)), spacing \(spacing): \(failure)
                        shrunk to \(minimal.count) operations: \(minimal)
                        \(Self.firstDisagreement(minimal, spacing: spacing) ?? "")
                        """)
                    return
                }
                if index % 64 == 0 { statistics.sample(replay) }
            }
            done += count
            round += 1
            statistics.unsettledInserts += replay.unsettledInserts
        }
        print("GraphCycles at scale: \(done) operations in \(round) rounds; \(statistics)")
        if round >= Self.scaleSpacings.count && roundLength >= 200 {
            // The huge spacings must have taken ranks near the bound, or the bound went untested.
            #expect(statistics.highestRank > GraphCycles.rankBound / 4, "\(statistics)")
        }
        // Reorders, removals and queries must have met edges that were still unsettled.
        #expect(statistics.unsettledInserts > 0 || done < 100, "\(statistics)")
    }

    /// What the scale test's graphs looked like, sampled every 64 operations.
    struct ScaleStatistics: CustomStringConvertible {
        private var samples = 0
        private var nodes = (total: 0, peak: 0)
        private var edges = (total: 0, peak: 0)
        private(set) var highestRank = 0
        var unsettledInserts = 0

        mutating func sample(_ replay: Replay) {
            samples += 1
            nodes = (nodes.total + replay.graph.nodeCount, max(nodes.peak, replay.graph.nodeCount))
            edges = (edges.total + replay.model.edgeCount, max(edges.peak, replay.model.edgeCount))
            for node in replay.model.nodes {
                highestRank = max(highestRank, abs(replay.graph.rank(of: node) ?? 0))
            }
        }

        var description: String {
            let samples = max(1, self.samples)
            let exponent = String(format: "%.2f", log2(Double(max(1, highestRank))))
            return "nodes \(nodes.total / samples) on average (peak \(nodes.peak)), edges \(edges.total / samples) "
                + "(peak \(edges.peak)), highest |rank| \(highestRank) = 2^\(exponent) (bound 2^60), "
                + "\(unsettledInserts) edges inserted unsettled"
        }
    }

    /// `shrink` with a time budget: a case cut from a long round replays slowly, so once
    /// `seconds` have passed every further candidate counts as passing, which ends shrinking
    /// with the smallest failing case found so far.
    static func shrink(_ operations: [Operation], seconds: Int, fails: ([Operation]) -> Bool) -> [Operation] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        return shrink(operations) { ContinuousClock.now < deadline && fails($0) }
    }
}
