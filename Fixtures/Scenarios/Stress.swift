#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LockGraph
import Synchronization

// The reliability stress run (issue: 16 threads, 1,000,000 acquisitions over 1,000 locks that
// are created and destroyed concurrently, always in one order): nothing may be reported, the
// graph must stay bounded, and with one injected inversion exactly that inversion must be
// reported, on every one of 50 runs. Run with
// `lockgraph scenario stress-churn [runs] [acquisitions per injected run]` (defaults 50 and
// 1,000,000); in its own process because each run calls LockMonitor.reset().

private final class Slot: Sendable {
    let lock: Mutex<TrackedMutex>
    init(_ index: Int) { lock = Mutex(TrackedMutex(name: "slot-\(index)")) }
    func current() -> TrackedMutex { lock.withLock { $0 } }
    func replace(_ index: Int) { let fresh = TrackedMutex(name: "slot-\(index)"); lock.withLock { $0 = fresh } }
}

private struct StressResult {
    var inversions: [LockViolation] = []
    var others: [LockViolation] = []
    var handlerCalls = 0
    var liveLocks = 0
    var edges = 0
    var seconds = 0.0
}

/// One run: `threads` workers, `acquisitions` in total, locks nested only from a lower slot to a
/// higher one (at most `span` apart), one slot replaced every 16 iterations of each worker.
private func stressRun(slots: [Slot], threads: Int, acquisitions: Int, injectInversion: Bool) -> StressResult {
    LockMonitor.reset()
    let handlerCalls = Atomic<Int>(0)
    let registration = LockMonitor.onViolation { _ in handlerCalls.add(1, ordering: .relaxed) }
    defer { registration.cancel() }
    let span = 4
    let iterations = acquisitions / 2 / threads
    let injectX = TrackedMutex(name: "inject-x")
    let injectY = TrackedMutex(name: "inject-y")
    let firstOrderTaken = DispatchSemaphore(value: 0)
    let start = Date()
    let workers = (0..<threads).map { worker in
        startThread(named: "stress-\(worker)") {
            var random = SystemRandomNumberGenerator()
            for iteration in 0..<iterations {
                if injectInversion && iteration == iterations / 2 {
                    // Two code paths, one after the other (so the run itself cannot deadlock).
                    if worker == 0 {
                        injectX.withLock { injectY.withLock {} }
                        firstOrderTaken.signal()
                    } else if worker == 1 {
                        firstOrderTaken.wait()
                        injectY.withLock { injectX.withLock {} }
                    }
                }
                let low = Int.random(in: 0..<(slots.count - span), using: &random)
                let high = low + Int.random(in: 1...span, using: &random)
                let outer = slots[low].current()
                let inner = slots[high].current()
                outer.lock()
                inner.lock()
                inner.unlock()
                outer.unlock()
                if iteration % 16 == 0 {
                    let victim = Int.random(in: 0..<slots.count, using: &random)
                    slots[victim].replace(victim)
                }
            }
        }
    }
    workers.forEach(join)
    var result = StressResult()
    result.seconds = Date().timeIntervalSince(start)
    for violation in LockMonitor.violations {
        if violation.kind == .lockOrderInversion { result.inversions.append(violation) } else { result.others.append(violation) }
    }
    result.handlerCalls = handlerCalls.load(ordering: .relaxed)
    let snapshot = LockMonitor.snapshot()
    result.liveLocks = snapshot.locks.count
    result.edges = snapshot.edges.count
    return result
}

extension Scenario {
    static let stressChurn = Scenario(
        name: "stress-churn",
        summary: "16 threads, 1,000,000 acquisitions over 1,000 churned locks; then 50 runs with one injected inversion",
        expectation: "PASS lines; exit 0"
    ) {
        let numbers = CommandLine.arguments.compactMap { Int($0) }
        let runs = numbers.first ?? 50
        let injectedAcquisitions = numbers.dropFirst().first ?? 1_000_000
        let checks = ScenarioChecks()
        let slots = (0..<1_000).map(Slot.init)
        // Bound: 1,000 slot locks (+ the two injected ones while a run holds them); edges only
        // join slots at most 4 apart, so at most 4 per live lock.
        let lockBound = 1_002
        let edgeBound = 4 * 1_000 + 2

        let clean = stressRun(slots: slots, threads: 16, acquisitions: 1_000_000, injectInversion: false)
        checks.check(clean.inversions.isEmpty && clean.others.isEmpty, "consistent order: \(clean.inversions.count + clean.others.count) reports", quietOnPass: true)
        checks.check(clean.liveLocks <= lockBound, "consistent order: \(clean.liveLocks) live locks > \(lockBound)", quietOnPass: true)
        checks.check(clean.edges <= edgeBound, "consistent order: \(clean.edges) edges > \(edgeBound)", quietOnPass: true)
        say("consistent order: 1000000 acquisitions, 0 reports expected, \(clean.inversions.count + clean.others.count) found, "
            + "\(clean.liveLocks) live locks, \(clean.edges) edges, \(String(format: "%.2f", clean.seconds)) s")

        var exact = 0
        var slowest = 0.0
        for run in stride(from: 1, through: runs, by: 1) {
            let result = stressRun(slots: slots, threads: 16, acquisitions: injectedAcquisitions, injectInversion: true)
            slowest = max(slowest, result.seconds)
            let names = Set(result.inversions.first?.locks.compactMap(\.name) ?? [])
            let ok = result.inversions.count == 1 && result.others.isEmpty && names == ["inject-x", "inject-y"]
                && result.handlerCalls == 1 && result.liveLocks <= lockBound && result.edges <= edgeBound
            if ok { exact += 1 } else {
                checks.check(false, "run \(run): \(result.inversions.count) inversions \(names.sorted()), \(result.others.count) other reports, "
                    + "\(result.handlerCalls) handler calls, \(result.liveLocks) locks, \(result.edges) edges")
            }
        }
        say("injected inversion: \(injectedAcquisitions) acquisitions a run, reported exactly once in \(exact) of \(runs) runs (slowest run \(String(format: "%.2f", slowest)) s)")
        if checks.failures == 0 { say("PASS stress") }
        return checks.exitStatus
    }
}
