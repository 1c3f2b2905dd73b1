#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LockGraph
import Synchronization

// The detector must never deadlock itself. Checked in a fresh process (it installs a signal
// handler and calls LockMonitor.reset() from a handler): handlers that take tracked locks in
// opposite orders, read and change LockMonitor (violations, snapshot, dump text, register and
// cancel handlers, reset) while a report is being delivered; 8 threads producing inversions
// while SIGUSR1 dumps run back to back. Run with `lockgraph scenario self-safety`.

extension Scenario {
    static let selfSafety = Scenario(
        name: "self-safety",
        summary: "handlers that lock and call LockMonitor, and reports produced during SIGUSR1 dumps",
        expectation: "PASS lines; exit 0 within seconds"
    ) {
        let checks = ScenarioChecks()

        // 1. A handler that takes tracked locks (both orders), reads every LockMonitor view,
        //    registers and cancels another handler, and cancels itself.
        let handlerLockA = TrackedMutex(name: "handler-a")
        let handlerLockB = TrackedMutex(name: "handler-b")
        let calls = Atomic<Int>(0)
        let selfRegistration = Mutex<ViolationHandlerRegistration?>(nil)
        let registration = LockMonitor.onViolation { violation in
            calls.add(1, ordering: .relaxed)
            handlerLockA.withLock { handlerLockB.withLock {} }
            handlerLockB.withLock { handlerLockA.withLock {} }
            _ = LockMonitor.violations.count
            _ = LockMonitor.snapshot()
            _ = LockMonitor.dumpText()
            LockMonitor.onViolation { _ in }.cancel()
            selfRegistration.withLock { $0?.cancel() }
        }
        selfRegistration.withLock { $0 = registration }
        let a = TrackedMutex(name: "a")
        let b = TrackedMutex(name: "b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        let c = TrackedMutex(name: "c")
        a.withLock { c.withLock {} }
        c.withLock { a.withLock {} }
        // Handlers run on the reporter thread: reading the violations first waits until both
        // reports were delivered.
        checks.check(LockMonitor.violations.count == 2, "both inversions recorded; the handler's own opposite orders were not reported")
        checks.check(calls.load(ordering: .relaxed) == 1, "a handler that locks, reads LockMonitor and cancels itself ran once")

        // 2. A handler that calls reset(): the report in flight is delivered, later ones still work.
        let resetRegistration = LockMonitor.onViolation { _ in LockMonitor.reset() }
        let d = TrackedMutex(name: "d")
        let e = TrackedMutex(name: "e")
        d.withLock { e.withLock {} }
        e.withLock { d.withLock {} }
        resetRegistration.cancel()
        checks.check(LockMonitor.violations.isEmpty, "reset() from a handler clears the violations")
        d.withLock { e.withLock {} }
        e.withLock { d.withLock {} }
        checks.check(LockMonitor.violations.count == 1, "after reset() from a handler the same inversion is found again")

        // 3. Reports produced while dumps run: 8 threads x 10 inversions, 40 signals meanwhile.
        let directory = NSTemporaryDirectory() + "lockgraph-self-safety-\(getpid())"
        do {
            try LockMonitor.installDumpHandler(signal: SIGUSR1, destination: .directory(directory))
        } catch {
            checks.check(false, "install dump handler: \(error)")
            return 1
        }
        LockMonitor.reset()
        let done = DispatchSemaphore(value: 0)
        for worker in 0..<8 {
            _ = startThread(named: "inverter-\(worker)") {
                for round in 0..<10 {
                    let x = TrackedMutex(name: "x-\(worker)-\(round)")
                    let y = TrackedMutex(name: "y-\(worker)-\(round)")
                    x.withLock { y.withLock {} }
                    y.withLock { x.withLock {} }
                }
                done.signal()
            }
        }
        for _ in 0..<40 {
            kill(getpid(), SIGUSR1)
            usleep(5_000)
        }
        var finished = 0
        for _ in 0..<8 where done.wait(timeout: .now() + 60) == .success { finished += 1 }
        checks.check(finished == 8, "8 threads producing inversions finished while dumps ran (\(finished) of 8)")
        checks.check(LockMonitor.violations.count == 80, "all 80 inversions recorded (\(LockMonitor.violations.count))")
        // Let the dump thread finish, then look at what it wrote.
        var dumps: [String] = []
        for _ in 0..<200 {
            dumps = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".txt") }
            if !dumps.isEmpty { break }
            usleep(50_000)
        }
        checks.check(!dumps.isEmpty, "dumps were written meanwhile (\(dumps.count))")
        try? FileManager.default.removeItem(atPath: directory)
        return checks.exitStatus
    }
}
