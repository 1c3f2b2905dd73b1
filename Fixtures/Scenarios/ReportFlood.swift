import Foundation
import LockGraph

// Sixteen threads that never stop reporting: each makes two fresh locks, takes them in both
// orders and keeps them, again and again, so the graph and its cycles grow as in a busy server.
// One code path: each report after the first is a counted repeat, which the reporter thread
// still builds. LOCKGRAPH_DUMP_SIGNAL=USR1 installs the dump handler: a dump must start at once
// however busy the process. Prints "ready" once reports flow, then runs until it reads "quit"
// (or end of input) on standard input, or 60 s pass.

@inline(never)
func invertFreshPair() -> [TrackedMutex] {
    let first = TrackedMutex()
    let second = TrackedMutex()
    first.withLock { second.withLock {} }
    second.withLock { first.withLock {} }
    return [first, second]
}

extension Scenario {
    static let reportFlood = Scenario(
        name: "report-flood",
        summary: "16 threads report lock-order inversions without pause, to dump with a signal meanwhile",
        expectation: "a SIGUSR1 dump starts within a second, whatever the reports"
    ) {
        let stop = UncheckedBox(false)
        let threads = (0..<16).map { index in
            startThread(named: "flood-\(index)") {
                var kept: [TrackedMutex] = []
                while !stop.withLockedValue({ $0 }) { kept += invertFreshPair() }
            }
        }
        usleep(500_000)
        say("ready")
        waitForQuit(timeout: 60)
        stop.withLockedValue { $0 = true }
        threads.forEach(join)
        say("finished")
        return 0
    }
}
