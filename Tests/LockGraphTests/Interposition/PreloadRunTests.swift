import Foundation
import Testing

/// `lockgraph run` on `preload-fixture`, a program that does not use LockGraph: its NSLocks,
/// NSRecursiveLocks and raw pthread mutexes are tracked through the interposer library
/// (`libLockGraphPreload.so`, built beside the test bundle by `swift build --build-tests`).
@Suite("lockgraph run (interposer)")
struct PreloadRunTests {
    private func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["run"] + arguments,
                                             environment: environment)
        #expect(process.waitForExit(timeout: timeout), "\(arguments) did not finish within \(timeout) s")
        return process
    }

    private func runFixture(_ scenario: String, environment: [String: String] = [:]) throws -> InteractiveProcess {
        try run(["--", InteractiveProcess.fixture("preload-fixture").path, scenario], environment: environment)
    }

    @Test func nslockABBAIsReportedWithSwiftNamesAndLines() throws {
        let process = try runFixture("nslock-abba")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("Cycle: NSLock#1 (main.swift:30) -> NSLock#2 (main.swift:31) -> NSLock#1 (main.swift:30)"))
        #expect(report.contains("Accounts.transfer() at main.swift:35"))
        #expect(report.contains("Accounts.runAudit() at main.swift:42"))
        // Stacks start at the user's code: no interposer or Foundation frame.
        #expect(!report.contains("interposer.c") && !report.contains("pthread_mutex_lock"))
    }

    @Test func rawPthreadABBAIsReportedAtTheInitCalls() throws {
        let process = try runFixture("pthread-abba")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("Cycle: pthread_mutex_t#1 (main.swift:59) -> pthread_mutex_t#2 (main.swift:60)"))
        #expect(report.contains("RawMutexes.forward() at main.swift:65"))
        #expect(report.contains("RawMutexes.backward() at main.swift:72"))
    }

    @Test func recursiveLockThreeCycleIsOneReportAndRecursionIsNoOrder() throws {
        let process = try runFixture("recursive-cycle")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("between 3 locks"))
        for name in ["NSRecursiveLock#1 (main.swift:85)", "NSRecursiveLock#2 (main.swift:86)", "NSRecursiveLock#3 (main.swift:87)", "Edge 3 of 3"] {
            #expect(report.contains(name), "missing \(name)")
        }
        #expect(!report.contains("reentrant"))
    }

    @Test func nslockRelockedByItsHolderIsReportedThenTerminated() throws {
        let process = try runFixture("nslock-relock")
        let report = process.standardError
        #expect(process.exitStatus == SIGABRT)
        #expect(report.ranges(of: "LockGraph: reentrant acquire").count == 1, "\(report)")
        #expect(report.contains("requested NSLock#1 (main.swift:106), which it already holds"))
        #expect(report.contains("nslockRelock() at main.swift:109"))
        // The first hold was taken in the steady state (no stack kept): its call site is named.
        #expect(report.contains("nslockRelock() at main.swift:108"), "\(report)")
        #expect(report.contains("LockGraph: terminating:"))
        #expect(!process.standardOutput.contains("unreachable"))
    }

    @Test func correctProgramWithEightThreadsAndAThousandNSLocksIsSilent() throws {
        let process = try runFixture("clean-many")
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("clean-many done"))
        #expect(!process.standardError.contains("LockGraph"), "\(process.standardError)")
    }

    /// The per-thread mutex and rwlock caches must not hand the old lock's identity to a new one
    /// at the same address (destroyed, or abandoned without destroy, then initialised again).
    @Test(arguments: ["address-reuse", "rwlock-reuse"])
    func lockReinitialisedAtTheSameAddressIsANewLock(scenario: String) throws {
        let process = try runFixture(scenario)
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("\(scenario) done"))
        #expect(!process.standardError.contains("LockGraph"), "\(process.standardError)")
    }

    /// Four threads each creating, nesting (one order, then the other) and freeing 10,000 NSLocks
    /// whose mutexes reuse addresses: no report and no crash (without the cache's epoch bump
    /// at destroy, a stale cached entry is used and the process crashes).
    @Test func lockChurnOverReusedAddressesIsSilent() throws {
        let process = try runFixture("reuse-churn")
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("reuse-churn done"))
        #expect(!process.standardError.contains("LockGraph"), "\(process.standardError)")
    }

    /// pthread_cond_wait releases the mutex: a dump taken while an NSCondition's consumer waits
    /// shows it holding nothing and waiting on the condition (passed through, the wait looked
    /// like the mutex held throughout), and the correct program gets no report.
    @Test func conditionWaitReleasesTheMutexInTheGraph() throws {
        let process = try runFixture("condition-wait", environment: ["LOCKGRAPH_DUMP_SIGNAL": "USR1"])
        let output = process.standardError
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("condition-wait done"))
        #expect(output.contains("==== LockGraph dump #1"), "\(output)")
        #expect(output.contains("holds (outermost first): nothing"))
        #expect(output.contains("waits on the condition of NSCondition#1 (main.swift:159)"))
        #expect(!output.contains("LockGraph: "), "\(output)")
    }

    /// Signals feed the evidence-based wait rule: the producer signalled holding `stats`, so a
    /// consumer waiting while holding `stats` is reported (before it blocks), once.
    @Test func conditionWaitHoldingTheSignallersLockIsReported() throws {
        let process = try runFixture("condition-wait-holding")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("condition-wait-holding done"))
        #expect(report.ranges(of: "LockGraph: wait while holding").count == 1, "\(report)")
        #expect(report.contains("waits on NSCondition#2 (main.swift:159) while holding NSLock#3 (main.swift:160), "
            + "and it was signalled by code holding NSLock#3 (main.swift:160)"))
        #expect(report.contains("Mailbox.post() at main.swift:168"))
        #expect(!report.contains("lock-order inversion"))
    }

    /// `pthread_cond_clockwait` (glibc 2.30+) is a wait like `pthread_cond_timedwait`: waiting on a
    /// monotonic deadline while holding the lock the signaller held is reported (passed through,
    /// the wait was invisible and nothing was reported).
    @Test func conditionClockWaitHoldingTheSignallersLockIsReported() throws {
        let process = try runFixture("clock-wait-holding")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("clock-wait-holding done"))
        #expect(report.ranges(of: "LockGraph: wait while holding").count == 1, "\(report)")
        #expect(report.contains("waits on pthread_cond_t#3 (main.swift:313) while holding pthread_mutex_t#1 (main.swift:311), "
            + "and it was signalled by code holding pthread_mutex_t#1 (main.swift:311)"))
        #expect(report.contains("closure #2 in clockWaitHolding() at main.swift:326"))
    }

    /// A mutex created inside a lock wrapper (here the program's `SessionLock`; by default
    /// swift-nio's NIOConcurrencyHelpers) is named by the wrapper's type and the line that
    /// created the wrapper, not by the wrapper's own `pthread_mutex_init` line.
    @Test func locksMadeInsideADeclaredWrapperAreNamedByTheirCreator() throws {
        let plain = try runFixture("wrapper-abba")
        #expect(plain.standardError.contains("Cycle: pthread_mutex_t#1 (main.swift:346) -> pthread_mutex_t#2 (main.swift:346)"), "\(plain.standardError)")
        let declared = try runFixture("wrapper-abba", environment: ["LOCKGRAPH_WRAPPERS": "SessionLock"])
        let report = declared.standardError
        #expect(declared.exitStatus == 0)
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("Cycle: SessionLock#1 (main.swift:353) -> SessionLock#2 (main.swift:354) -> SessionLock#1 (main.swift:353)"))
    }

    /// Raw pthread rwlocks follow TrackedRWLock's rules: read-only nesting in both orders (and a
    /// read taken twice) is silent, a cycle with a writer holding each lock is one inversion.
    @Test func rwlockCycleWithWritersIsReportedAndReadersOnlyIsNot() throws {
        let process = try runFixture("rwlock-cycle")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("rwlock-cycle done"))
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("Cycle: pthread_rwlock_t#3 (main.swift:223) -> pthread_rwlock_t#4 (main.swift:224) -> pthread_rwlock_t#3 (main.swift:223)"))
        #expect(report.contains("acquired for reading while holding pthread_rwlock_t#3 (main.swift:223) for writing"))
        #expect(report.contains("Tables.nest(_:writing:_:writing:) at main.swift:231"))
        #expect(!report.contains("#1 (main.swift") && !report.contains("#2 (main.swift") && !report.contains("reentrant"))
    }

    /// glibc 2.30's clock-selecting calls (`pthread_rwlock_clockwrlock`, `pthread_mutex_clocklock`)
    /// are timed acquisitions like `timedwrlock`/`timedlock`: no edge into the lock, but the hold
    /// is recorded, so the edge out of it closes the cycle (passed through, the hold was invisible
    /// and nothing was reported).
    @Test(arguments: [
        ("rwlock-abba", "pthread_rwlock_t#1 (main.swift:72)", ["ClockLocks.write(_:within:) at main.swift:49",
         "closure #1 in crossing(_:) at main.swift:121", "closure #2 in crossing(_:) at main.swift:121"]),
        ("mutex-abba", "pthread_mutex_t#1 (main.swift:78)", ["ClockLocks.lock(_:within:) at main.swift:54",
         "closure #4 in crossing(_:) at main.swift:125", "closure #5 in crossing(_:) at main.swift:125"]),
    ])
    func clockAcquisitionHoldsCloseACycle(scenario: String, clockLock: String, frames: [String]) throws {
        let process = try run(["--", InteractiveProcess.fixture("preload-clock-fixture").path, scenario])
        let report = process.standardError
        let nslock = "NSLock#2 (main.swift:86)"
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("\(scenario) done"))
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        #expect(report.contains("Cycle: \(nslock) -> \(clockLock) -> \(nslock)")
            || report.contains("Cycle: \(clockLock) -> \(nslock) -> \(clockLock)"), "\(report)")
        // The clock call's hold (through the fixture's helper), the edge out of it (the NSLock
        // taken while holding it) and the blocking acquisition into it.
        for frame in frames + ["Crossing.viaClock() at main.swift:99"] { #expect(report.contains(frame), "missing \(frame)") }
        #expect(!report.contains("invalid unlock"))
    }

    /// The clock calls in one order on 4 threads, and a clock wait that times out (it leaves no
    /// hold behind: the lock its thread takes next is later taken before the rwlock): silent.
    @Test func correctProgramUsingClockAcquisitionsIsSilent() throws {
        let process = try run(["--", InteractiveProcess.fixture("preload-clock-fixture").path, "clean"])
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("late reader: timed out"))
        #expect(process.standardOutput.contains("clean done"))
        #expect(!process.standardError.contains("LockGraph"), "\(process.standardError)")
    }

    /// A program that links LockGraph: its TrackedMutex and an NSLock it does not track form one
    /// cycle, found because the interposer sends the NSLock to the program's own LockGraph (one
    /// graph, one report, seen by the program's `LockMonitor.violations`).
    @Test func trackedMutexAndNSLockCycleIsReportedOnce() throws {
        let process = try run(["--", InteractiveProcess.fixture("tracked-and-interposed").path])
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(report.ranges(of: "LockGraph: lock-order inversion").count == 1, "\(report)")
        // The NSLock's number is its lock id, which depends on how many locks Foundation's thread
        // start-up took first on other threads (the NSLock is a lazy global, created on the
        // "orders" thread): NSLock#2 in a quiet run, #3 once under load.
        let cycle = report.replacing(try Regex("NSLock#[0-9]+ "), with: "NSLock#N ")
        #expect(cycle.contains("Cycle: \"orders\" (Interposed.swift:9) -> NSLock#N (Interposed.swift:10) -> \"orders\" (Interposed.swift:9)"),
                "\(report)")
        #expect(report.contains("placeOrder() at Interposed.swift:15"))
        #expect(report.contains("refreshCache() at Interposed.swift:23"))
        #expect(process.standardOutput.contains("violations reported: 1"))
    }

    /// `LOCKGRAPH_RECORD` under the interposer: the record of an interposed program is written
    /// at exit and the program exits as it would. Before, the JSON encoder's locks inside the
    /// writer were tracked as the program's on its exiting thread; one was reported as a
    /// reentrant acquire and the process aborted, without its record.
    @Test func aRecordIsWrittenAtExitAndTheProgramExitsNormally() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try runFixture("nslock-abba", environment: ["LOCKGRAPH_RECORD": directory.path])
        #expect(process.exitStatus == 0, "\(process.standardError)")
        #expect(!process.standardError.contains("reentrant acquire"), "\(process.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1, "\(files)")
        let file = try #require(files.first)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file))) as? [String: Any]
        let edges = try #require(record?["edges"] as? [[String: Any]])
        #expect(edges.count == 2, "both orders of the two NSLocks: \(edges)")
    }

    @Test func exitStatusIsTheProgramsAndLDPreloadIsAppended() throws {
        let process = try run(["/bin/sh", "-c", "echo \"$LD_PRELOAD\"; exit 3"], environment: ["LD_PRELOAD": "/nonexistent-first.so"])
        #expect(process.exitStatus == 3)
        #expect(process.standardOutput.hasPrefix("/nonexistent-first.so:/"))
        #expect(process.standardOutput.contains("/libLockGraphPreload.so"))
    }

    @Test func missingLibraryOrProgramExitsWithTwo() throws {
        let noLibrary = try run(["--library", "/nonexistent/libLockGraphPreload.so", "/bin/true"])
        #expect(noLibrary.exitStatus == 2)
        #expect(noLibrary.standardError.contains("lockgraph run: cannot find the interposer library at /nonexistent/libLockGraphPreload.so"))
        let noProgram = try run(["/nonexistent/program"])
        #expect(noProgram.exitStatus == 2)
        #expect(noProgram.standardError.contains("lockgraph run: cannot start /nonexistent/program"))
    }
}
