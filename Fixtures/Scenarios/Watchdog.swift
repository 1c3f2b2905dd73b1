import Foundation
import LockGraph

// Real deadlocks and stalls, found by the watchdog (run them with a short
// LOCKGRAPH_WATCHDOG_MS / LOCKGRAPH_STALL_MS; the demo sets 200 ms and 500 ms).

/// Both threads take their first lock, meet, then ask for the other's: a real deadlock.
@inline(never)
func debitThenCredit(_ first: TrackedMutex, _ second: TrackedMutex, _ meeting: Meeting) {
    first.withLock {
        meeting.arriveAndWait()
        second.withLock {}
    }
}

/// Each philosopher takes the left fork, waits until all have one, then reaches for the right.
@inline(never)
func dine(left: TrackedMutex, right: TrackedMutex, _ meeting: Meeting) {
    left.withLock {
        meeting.arriveAndWait()
        right.withLock {}
    }
}

/// Holds the lock across slow work: everyone who needs the lock waits.
@inline(never)
func reloadConfigurationSlowly(_ config: TrackedMutex) {
    config.withLock {
        Thread.sleep(forTimeInterval: 1.5)
    }
}

@inline(never)
func readConfiguration(_ config: TrackedMutex) {
    config.withLock {}
}

extension Scenario {
    static let realABBADeadlock = Scenario(
        name: "real-abba-deadlock",
        summary: "two threads take accounts/ledger in opposite orders at the same time and really deadlock",
        expectation: "the inversion is reported, then the watchdog reports the deadlock with both threads' current stacks and ends the process"
    ) {
        let accounts = TrackedMutex(name: "accounts")
        let ledger = TrackedMutex(name: "ledger")
        let meeting = Meeting(parties: 2)
        let threads = [
            startThread(named: "debit") { debitThenCredit(accounts, ledger, meeting) },
            startThread(named: "credit") { debitThenCredit(ledger, accounts, meeting) },
        ]
        threads.forEach(join)
        say("unreachable: the threads deadlocked")
        return 1
    }

    static let diningPhilosophers = Scenario(
        name: "dining-philosophers",
        summary: "5 philosophers each take the left fork, then all reach for the right one",
        expectation: "a 5-lock inversion, then a deadlock report naming all 5 threads, and the process ends"
    ) {
        let forks = (0..<5).map { TrackedMutex(name: "fork-\($0)") }
        let meeting = Meeting(parties: 5)
        let threads = (0..<5).map { seat in
            startThread(named: "philosopher-\(seat)") {
                dine(left: forks[seat], right: forks[(seat + 1) % 5], meeting)
            }
        }
        threads.forEach(join)
        say("unreachable: the philosophers deadlocked")
        return 1
    }

    static let stalledHolder = Scenario(
        name: "stalled-holder",
        summary: "a thread holds \"config\" while sleeping 1.5 s; another waits for it",
        expectation: "a stall report (with LOCKGRAPH_STALL_MS below 1500) showing the holder sleeping in reloadConfigurationSlowly(); the program then finishes"
    ) {
        let config = TrackedMutex(name: "config")
        let holder = startThread(named: "reloader") { reloadConfigurationSlowly(config) }
        while !LockMonitor.snapshot().threads.contains(where: { !$0.held.isEmpty }) { usleep(1_000) }
        let reader = startThread(named: "reader") { readConfiguration(config) }
        [holder, reader].forEach(join)
        // The watchdog may still be writing the report (symbolization is slow under sanitizers).
        let deadline = Date().addingTimeInterval(30)
        while violationCount(.stall) == 0 && Date() < deadline { usleep(10_000) }
        say("stalls reported: \(violationCount(.stall))")
        return violationCount(.stall) == 1 ? 0 : 1
    }
}

/// A reusable meeting point for a fixed number of threads (not tracked: it is the scenario's
/// own scaffolding, not part of the pattern).
final class Meeting: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    func arriveAndWait() {
        condition.lock()
        arrived += 1
        condition.broadcast()
        while arrived < parties { condition.wait() }
        condition.unlock()
    }
}
