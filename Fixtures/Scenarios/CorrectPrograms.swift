import Foundation
import LockGraph

// Correct programs that must produce no report at all.

extension Scenario {
    static let tryLockNoFalsePositive = Scenario(
        name: "trylock-no-false-positive",
        summary: "one path takes cache then index; another holds index and only tryLock()s cache",
        expectation: "no report: a try-acquisition cannot block, so it adds no order edge"
    ) {
        let cache = TrackedMutex(name: "cache")
        let index = TrackedMutex(name: "index")
        join(startThread(named: "writer") {
            cache.withLock { index.withLock {} }
        })
        join(startThread(named: "compactor") {
            index.withLock {
                if cache.tryLock() { cache.unlock() }
                if cache.lock(before: Date().addingTimeInterval(0.1)) { cache.unlock() }
            }
        })
        say("violations reported: \(LockMonitor.violations.count)")
        return LockMonitor.violations.isEmpty ? 0 : 1
    }

    static let recursiveNoFalsePositive = Scenario(
        name: "recursive-no-false-positive",
        summary: "a recursive lock re-entered while another lock is held, and the usual order elsewhere",
        expectation: "no report: re-entering a recursive lock you hold adds no edge"
    ) {
        let registry = TrackedRecursiveMutex(name: "registry")
        let stats = TrackedMutex(name: "stats")
        join(startThread(named: "registrar") {
            registry.withLock {
                stats.withLock {
                    registry.withLock {}  // re-entry: already held, cannot block
                }
            }
        })
        join(startThread(named: "reporter") {
            registry.withLock { stats.withLock {} }
        })
        say("violations reported: \(LockMonitor.violations.count)")
        return LockMonitor.violations.isEmpty ? 0 : 1
    }

    static let orderedNoFalsePositive = Scenario(
        name: "ordered-no-false-positive",
        summary: "8 threads, 100,000 acquisitions of random subsets of 16 locks, always in one global order",
        expectation: "no report"
    ) {
        let locks = (0..<16).map { TrackedMutex(name: "shard-\($0)") }
        let perThread = 100_000 / 8
        let threads = (0..<8).map { worker in
            startThread(named: "worker-\(worker)") {
                var generator = SplitMix64(seed: UInt64(worker + 1))
                var acquired = 0
                while acquired < perThread {
                    let mask = generator.next() & 0xFFFF
                    let subset = locks.indices.filter { mask & (1 << UInt64($0)) != 0 }.prefix(4)
                    for index in subset { locks[index].lock() }
                    for index in subset.reversed() { locks[index].unlock() }
                    acquired += max(subset.count, 1)
                }
            }
        }
        threads.forEach(join)
        say("violations reported: \(LockMonitor.violations.count)")
        return LockMonitor.violations.isEmpty ? 0 : 1
    }

    static let producerConsumer = Scenario(
        name: "producer-consumer",
        summary: "2 producers and 2 consumers hand 20,000 jobs over a TrackedCondition-guarded buffer",
        expectation: "no report; every job consumed once"
    ) {
        let condition = TrackedCondition(name: "jobs")
        let buffer = UncheckedBox<[Int]>([])
        let consumedTotal = TrackedLockedValueBox(0, name: "consumed-total")
        let jobsPerProducer = 10_000
        let producers = (0..<2).map { producer in
            startThread(named: "producer-\(producer)") {
                for job in 0..<jobsPerProducer {
                    condition.withLock {
                        while buffer.withLockedValue({ $0.count }) >= 64 { condition.wait() }
                        buffer.withLockedValue { $0.append(job) }
                        condition.broadcast()
                    }
                }
            }
        }
        let consumers = (0..<2).map { consumer in
            startThread(named: "consumer-\(consumer)") {
                for _ in 0..<jobsPerProducer {
                    condition.withLock {
                        while buffer.withLockedValue({ $0.isEmpty }) { condition.wait() }
                        _ = buffer.withLockedValue { $0.removeFirst() }
                        consumedTotal.withLockedValue { $0 += 1 }
                        condition.broadcast()
                    }
                }
            }
        }
        (producers + consumers).forEach(join)
        let total = consumedTotal.withLockedValue { $0 }
        say("jobs consumed: \(total); violations reported: \(LockMonitor.violations.count)")
        return LockMonitor.violations.isEmpty && total == 2 * jobsPerProducer ? 0 : 1
    }

    static let createDestroy = Scenario(
        name: "create-destroy",
        summary: "1,000,000 short-lived locks, each taken under a long-lived one, then destroyed",
        expectation: "no report; the graph stays small (nodes and edges of destroyed locks are removed)"
    ) {
        let parent = TrackedMutex(name: "parent")
        let total = 1_000_000
        var largestGraph = 0
        for round in 0..<total {
            let child = TrackedMutex(name: "child")
            parent.withLock { child.withLock {} }
            if round % 100_000 == 0 {
                let snapshot = LockMonitor.snapshot()
                largestGraph = max(largestGraph, snapshot.locks.count + snapshot.edges.count)
            }
        }
        let final = LockMonitor.snapshot()
        say("created and destroyed \(total) locks; largest graph seen: \(largestGraph) locks+edges; now \(final.locks.count) locks, \(final.edges.count) edges")
        say("violations reported: \(LockMonitor.violations.count)")
        return LockMonitor.violations.isEmpty && largestGraph < 100 && final.edges.count <= 1 ? 0 : 1
    }
}

/// A small deterministic generator so every run takes the same subsets.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A counting semaphore for the scenarios' own hand-offs (not tracked).
final class DispatchSemaphoreBox: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
    /// Returns false if `seconds` passed first.
    func wait(timeout seconds: Double) -> Bool { semaphore.wait(timeout: .now() + seconds) == .success }
}
