import Foundation
import LockGraph

// A live process to dump: one thread holds "ledger" and "audit" and sleeps on a semaphore, one
// thread is blocked acquiring "ledger", one waits on the "jobs" condition. It prints "ready" and
// stays up until it reads "quit" (or end of input) on standard input, or 120 s pass.
// LOCKGRAPH_DUMP_SIGNAL=USR1 installs the dump handler; DUMP_TARGET_DIRECTORY=<dir> installs one
// on SIGUSR2 that writes files there.

@inline(never)
func holdLedgerAndAudit(_ ledger: TrackedMutex, _ audit: TrackedMutex, until release: DispatchSemaphoreBox) {
    ledger.withLock {
        audit.withLock {
            release.wait()
        }
    }
}

@inline(never)
func postToLedger(_ ledger: TrackedMutex) {
    ledger.withLock {}
}

@inline(never)
func waitForJobs(_ jobs: TrackedCondition, _ done: UncheckedBox<Bool>) {
    jobs.withLock {
        while !done.withLockedValue({ $0 }) { jobs.wait() }
    }
}

extension Scenario {
    static let dumpTarget = Scenario(
        name: "dump-target",
        summary: "a running process with a holder, a blocked waiter and a condition waiter, to dump with a signal",
        expectation: "each SIGUSR1 writes a complete dump; the process keeps running"
    ) {
        if let directory = ProcessInfo.processInfo.environment["DUMP_TARGET_DIRECTORY"] {
            do {
                try LockMonitor.installDumpHandler(signal: SIGUSR2, destination: .directory(directory))
            } catch {
                say("cannot install: \(error)")
                return 2
            }
        }
        let ledger = TrackedMutex(name: "ledger")
        let audit = TrackedMutex(name: "audit")
        let jobs = TrackedCondition(name: "jobs")
        let release = DispatchSemaphoreBox()
        let done = UncheckedBox(false)
        let holder = startThread(named: "holder") { holdLedgerAndAudit(ledger, audit, until: release) }
        // Let the holder take both locks before the waiter asks for one.
        while !LockMonitor.snapshot().threads.contains(where: { $0.held.count == 2 }) { usleep(1_000) }
        let waiter = startThread(named: "waiter") { postToLedger(ledger) }
        let sleeper = startThread(named: "sleeper") { waitForJobs(jobs, done) }
        usleep(200_000)
        say("ready")

        waitForQuit(timeout: 120)
        release.signal()
        jobs.withLock {
            done.withLockedValue { $0 = true }
            jobs.broadcast()
        }
        [holder, waiter, sleeper].forEach(join)
        say("finished")
        return 0
    }
}
