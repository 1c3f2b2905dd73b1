#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LockGraph
import Synchronization

// fork() in a process that uses tracked locks. Only the forking thread exists in the child.
// LockGraph takes its internal locks around fork, so the child never inherits one locked by
// a thread that vanished: while a churn thread keeps LockGraph's own state busy, the program
// forks 40 times and every child must still create locks, report an inversion and exit.
// A tracked lock the forking thread holds stays held in the child (and can be released
// there); one held by another thread stays held forever in the child, as with any pthread
// mutex, and LockGraph shows no thread holding it (that thread does not exist there).

private let forkHeld = TrackedMutex(name: "held-by-forker")
private let otherHeld = TrackedMutex(name: "held-by-other-thread")

/// What a child checks; its exit status is the number of failed checks.
private func childChecks() -> Int32 {
    var failures: Int32 = 0
    // The forking thread's lock is held by the child's only thread: releasing it is valid.
    forkHeld.unlock()
    if !LockMonitor.violations.filter({ $0.kind == .invalidUnlock }).isEmpty { failures += 1 }
    // ... and it really is released: the child takes it again (bounded: a lock still owned by
    // the parent's thread id would otherwise hang the child forever).
    if forkHeld.lock(before: Date(timeIntervalSinceNow: 5)) {
        forkHeld.unlock()
        forkHeld.lock()
        forkHeld.unlock()
    } else {
        failures += 1
    }
    let a = TrackedMutex(name: "child-a")
    let b = TrackedMutex(name: "child-b")
    a.withLock { b.withLock {} }
    b.withLock { a.withLock {} }
    if LockMonitor.violations.filter({ $0.kind == .lockOrderInversion }).count != 1 { failures += 1 }
    // The other thread's hold died with that thread.
    let holders = LockMonitor.snapshot().threads.filter { thread in thread.held.contains { $0.name == "held-by-other-thread" } }
    if !holders.isEmpty { failures += 1 }
    return failures
}

extension Scenario {
    static let forkWithLocksHeld = Scenario(
        name: "fork-with-locks-held",
        summary: "fork() 40 times while tracked locks are held and LockGraph's own state is busy",
        expectation: "every child creates locks, reports its own inversion and exits 0 within 10 s"
    ) {
        let holderReady = DispatchSemaphore(value: 0)
        let stop = Atomic<Bool>(false)
        let holder = startThread(named: "holder") {
            otherHeld.lock()
            holderReady.signal()
            while !stop.load(ordering: .relaxed) { usleep(1_000) }
            otherHeld.unlock()
        }
        holderReady.wait()
        // Keeps the graph store, registry and reporter locks taken and released all the time.
        let churnWarm = DispatchSemaphore(value: 0)
        let churn = startThread(named: "churn") {
            var first = true
            while !stop.load(ordering: .relaxed) {
                let x = TrackedMutex(name: "churn-x")
                let y = TrackedMutex(name: "churn-y")
                x.withLock { y.withLock {} }
                _ = LockMonitor.snapshot()
                if first {
                    first = false
                    churnWarm.signal()
                }
            }
        }
        // Forks only once the churn has run a round: the Swift runtime's own locks (its type
        // metadata caches) are not taken around fork, so a fork while another thread makes a
        // type's metadata for the first time leaves the child's runtime locked, whatever
        // LockGraph does. LockGraph's locks are what this scenario checks.
        churnWarm.wait()
        var failed = 0
        for round in 1...40 {
            forkHeld.lock()
            let child = fork()
            if child == 0 {
                _exit(childChecks())
            }
            forkHeld.unlock()
            guard child > 0 else {
                say("FAIL fork() failed: \(String(cString: strerror(errno)))")
                failed += 1
                break
            }
            var status: Int32 = 0
            var finished = false
            for _ in 0..<1_000 {  // 10 s
                if waitpid(child, &status, WNOHANG) == child { finished = true; break }
                usleep(10_000)
            }
            if !finished {
                kill(child, SIGKILL)
                _ = waitpid(child, &status, 0)
                say("FAIL round \(round): the child hung")
                failed += 1
            } else if status != 0 {
                say("FAIL round \(round): child exit status \(status)")
                failed += 1
            }
        }
        stop.store(true, ordering: .relaxed)
        join(churn)
        join(holder)
        say(failed == 0 ? "PASS 40 forked children used LockGraph and exited cleanly" : "FAIL \(failed) of 40 children")
        say("violations in the parent: \(LockMonitor.violations.count)")
        return failed == 0 && LockMonitor.violations.isEmpty ? 0 : 1
    }
}
