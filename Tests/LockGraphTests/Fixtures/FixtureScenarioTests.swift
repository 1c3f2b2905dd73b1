import Foundation
import Testing
import LockGraph

/// The bug-pattern and must-not-report fixtures, each run as its own process: exit status and
/// report text are what a user would see.
@Suite("Fixtures")
struct FixtureScenarioTests {
    func run(_ fixture: String, environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture(fixture), environment: environment)
        #expect(process.waitForExit(timeout: timeout), "\(fixture) did not finish within \(timeout) s")
        return process
    }

    /// Runs `lockgraph scenario NAME ARGS...` (scenarios that check themselves and print
    /// PASS/FAIL lines) and expects a clean exit with no FAIL line.
    private func runSelfChecking(_ arguments: [String], timeout: TimeInterval) throws -> String {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["scenario"] + arguments)
        #expect(process.waitForExit(timeout: timeout), "\(arguments) did not finish within \(timeout) s")
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(!process.standardOutput.contains("FAIL"), "\(process.standardOutput)")
        return process.standardOutput
    }

    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func abbaInversionIsReportedOnceNamingBothCodePaths() throws {
        let process = try run("abba-inversion")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(count("LockGraph: lock-order inversion", in: report) == 1)
        #expect(report.contains("Cycle: \"accounts\" (Inversions.swift:8) -> \"audit\" (Inversions.swift:9) -> \"accounts\""))
        #expect(report.contains("Edge 1 of 2") && report.contains("Edge 2 of 2"))
        #expect(report.contains("transferFunds() at Inversions.swift"))
        #expect(report.contains("runAudit() at Inversions.swift"))
        #expect(report.contains("thread") && report.contains("\"transfer\"") && report.contains("\"auditor\""))
        #expect(report.contains("Fix: Acquire these locks in one global order"))
        #expect(!report.contains("TrackedMutex.withLock"))  // stacks start at the user's code
        #expect(process.standardOutput.contains("lock-order inversions reported: 1"))
    }

    @Test func threeLockCycleListsEveryLockAndEdge() throws {
        let process = try run("three-lock-cycle")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(count("LockGraph: lock-order inversion", in: report) == 1)
        #expect(report.contains("between 3 locks"))
        #expect(report.contains("Edge 3 of 3"))
        for name in ["\"orders\"", "\"inventory\"", "\"shipping\"", "reserveStock", "scheduleShipment", "closeOrder"] {
            #expect(report.contains(name), "missing \(name)")
        }
    }

    @Test func reentrantMutexIsReportedThenTheProcessTerminates() throws {
        let process = try run("reentrant-mutex")
        let report = process.standardError
        #expect(process.exitStatus == SIGABRT)
        #expect(count("LockGraph: reentrant acquire", in: report) == 1)
        #expect(report.contains("\"session-cache\" (Reentrancy.swift:8) first acquired"))
        #expect(report.contains("requested again by the same thread"))
        #expect(report.contains("SessionCache.refresh() at Reentrancy.swift"))
        #expect(report.contains("SessionCache.evictExpired() at Reentrancy.swift"))
        #expect(report.contains("LockGraph: terminating:"))
        #expect(!process.standardOutput.contains("unreachable"))
    }

    @Test func aHandlerThatTakesTheHeldLockRunsOnceAndNeverRecurses() throws {
        let process = try run("handler-takes-held-lock", timeout: 60)
        #expect(process.exitStatus == SIGABRT)
        #expect(count("LockGraph: reentrant acquire", in: process.standardError) == 1)
        #expect(count("handler ran for reentrant acquire", in: process.standardOutput) == 1)
        #expect(!process.standardOutput.contains("unreachable"))
    }

    /// The run that found the bug keeps its record: abort() skips atexit, so LockGraph writes the
    /// record before it terminates (mode abort, and a fatal re-entry).
    @Test func aRecordIsWrittenWhenLockGraphAbortsTheProcess() throws {
        for (fixture, environment) in [("abba-inversion", ["LOCKGRAPH_MODE": "abort"]), ("reentrant-mutex", [:])] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("abort-record"))
            defer { try? FileManager.default.removeItem(at: directory) }
            let process = try run(fixture, environment: environment.merging(["LOCKGRAPH_RECORD": directory.path]) { $1 })
            #expect(process.exitStatus == SIGABRT, "\(fixture)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            #expect(files.count == 1 && files[0].hasPrefix("lockgraph-"), "\(fixture): \(files)")
            if let file = files.first {
                let document = try LockGraphDocument.decode(Data(contentsOf: directory.appendingPathComponent(file)))
                #expect(document.kind == LockGraphDocument.recordKind)
                if fixture == "abba-inversion" { #expect(document.edges.count == 2) }
            }
        }
    }

    @Test func reentrantMutexProceedsWithOnReentrantContinue() throws {
        let process = try run("reentrant-mutex", environment: ["LOCKGRAPH_ON_REENTRANT": "continue"])
        let report = process.standardError
        #expect(count("LockGraph: reentrant acquire", in: report) == 1)
        #expect(report.contains("lets it proceed as if the lock were recursive"))
        #expect(!report.contains("LockGraph: terminating:"))
        // The scenario ran past the re-entry (it says so, and returns 1).
        #expect(process.standardOutput.contains("unreachable"))
        #expect(process.exitStatus == 1)
    }

    @Test func deinitDuringPutIsReportedOnceAndNothingIsLost() throws {
        let process = try run("deinit-during-put")
        let report = process.standardError
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(count("LockGraph: reentrant acquire", in: report) == 1)
        #expect(report.contains("called put on \"log\""))
        #expect(report.contains("Connection.deinit at Reentrancy.swift"))
        #expect(report.contains("logConnectionClosed(_:) at Reentrancy.swift"))
        #expect(process.standardOutput.contains("opened delivered: 200/200"))
        #expect(process.standardOutput.contains("every entry delivered"))
    }

    @Test(arguments: ["trylock-no-false-positive", "recursive-no-false-positive", "ordered-no-false-positive", "producer-consumer"])
    func correctProgramsProduceNoReport(fixture: String) throws {
        let process = try run(fixture)
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(!process.standardError.contains("LockGraph:"), "\(process.standardError)")
    }

    @Test func creatingAndDestroyingAMillionLocksKeepsTheGraphSmall() throws {
        // A million locks and edges in a debug build: 38 s alone on a quiet 2-core machine, up
        // to 280 s beside the rest of the suite and other builds (load 15-20). The limit only
        // catches a hang; what is checked is the graph's size afterwards.
        let process = try run("create-destroy", timeout: 480)
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(!process.standardError.contains("LockGraph:"))
        #expect(process.standardOutput.contains("created and destroyed 1000000 locks"))
        #expect(process.standardOutput.contains("now 1 locks, 0 edges"))
    }

    @Test func modeOffReportsNothing() throws {
        let process = try run("abba-inversion", environment: ["LOCKGRAPH_MODE": "off"])
        #expect(process.exitStatus == 0)
        #expect(!process.standardError.contains("LockGraph:"))
        #expect(process.standardOutput.contains("lock-order inversions reported: 0"))
    }

    @Test func modeAbortStopsAtTheFirstReport() throws {
        let process = try run("abba-inversion", environment: ["LOCKGRAPH_MODE": "abort"])
        #expect(process.exitStatus == SIGABRT)
        #expect(count("LockGraph: lock-order inversion", in: process.standardError) == 1)
        #expect(process.standardError.contains("LOCKGRAPH_MODE=abort: aborting after the report above"))
        #expect(!process.standardOutput.contains("reported"))
    }

    @Test func anInvalidModeWarnsAndFallsBackToReport() throws {
        let process = try run("abba-inversion", environment: ["LOCKGRAPH_MODE": "loud"])
        #expect(process.exitStatus == 0)
        #expect(process.standardError.contains("ignoring LOCKGRAPH_MODE=loud: valid values are off, report, abort"))
        #expect(count("LockGraph: lock-order inversion", in: process.standardError) == 1)
    }
}

extension FixtureScenarioTests {
    @Test func resetAndModeSwitchWorkInAFreshProcess() throws {
        let output = try runSelfChecking(["reset-and-mode"], timeout: 60)
        #expect(count("PASS", in: output) == 15)
    }
}

extension FixtureScenarioTests {
    /// Without LockGraph's fork handlers, a child inherits internal locks held by threads that no
    /// longer exist and hangs at its first report; this fixture forks 40 times under churn.
    @Test(.disabled(if: runningUnderThreadSanitizer, "ThreadSanitizer's runtime does not support fork() in a process with threads"))
    func forkedChildrenKeepAWorkingDetector() throws {
        let process = try run("fork-with-locks-held", timeout: 300)
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(process.standardOutput.contains("PASS 40 forked children used LockGraph and exited cleanly"))
        #expect(process.standardOutput.contains("violations in the parent: 0"))
    }
}

extension FixtureScenarioTests {
    /// Locks taken before the process's first thread (where the steady state, like glibc, uses
    /// plain stores), then released and taken in reverse order once threads run: the hand-over
    /// works and the single-threaded edge closes the cycle.
    @Test func locksTakenBeforeTheFirstThreadKeepWorkingAfterIt() throws {
        let process = try run("single-thread-start")
        #expect(process.exitStatus == 0, "\(process.standardOutput)")
        #expect(count("PASS", in: process.standardOutput) == 4, "\(process.standardOutput)")
        #expect(process.standardError.contains("Cycle: \"first\" (SingleThreadStart.swift:"))
    }
}

extension FixtureScenarioTests {
    /// 16 threads, 1,000,000 acquisitions over 1,000 locks created and destroyed concurrently in
    /// one order: no report, bounded graph. Then 50 runs (200,000 acquisitions each in this debug
    /// build; `lockgraph scenario stress-churn 50 1000000` runs the full size) with one injected
    /// inversion: exactly that inversion, delivered to the handler once, every run.
    @Test func stressChurnReportsNothingFalseAndEveryInjectedInversionOnce() throws {
        // Under ThreadSanitizer (about ten times slower) the injected runs are fewer and smaller.
        let runs = runningUnderThreadSanitizer ? 5 : 50
        let size = runningUnderThreadSanitizer ? 20_000 : 200_000
        let output = try runSelfChecking(["stress-churn", "\(runs)", "\(size)"], timeout: 900)
        #expect(output.contains("consistent order: 1000000 acquisitions, 0 reports expected, 0 found"))
        #expect(output.contains("reported exactly once in \(runs) of \(runs) runs"))
        #expect(output.contains("PASS stress"))
    }
}

extension FixtureScenarioTests {
    /// Handlers that take tracked locks in both orders, read LockMonitor, register and cancel
    /// handlers (themselves included) and call reset(); 80 inversions produced while SIGUSR1
    /// dumps run. Everything must finish: the detector never deadlocks itself.
    @Test func theDetectorNeverDeadlocksItself() throws {
        let output = try runSelfChecking(["self-safety"], timeout: 120)
        #expect(count("PASS", in: output) == 7)
    }
}

/// Precision rules: each has a program that must be reported and one that must not.
extension FixtureScenarioTests {
    func counts(_ process: InteractiveProcess) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in process.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: ":")
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) { result[String(parts[0])] = value }
        }
        return result
    }

    @Test func writeHeldReaderWriterLocksInOppositeOrdersAreAnInversionWithModes() throws {
        let process = try run("rwlock-write-inversion")
        #expect(process.exitStatus == 0)
        #expect(counts(process) == ["lock-order inversion": 1, "reentrant acquire": 0, "same-class nesting": 0, "wait while holding": 0])
        let report = process.standardError
        #expect(report.contains("\"config\" (Precision.swift:21) acquired for writing"))
        #expect(report.contains("\"routes\" (Precision.swift:22) acquired for reading while holding \"config\" (Precision.swift:21) for writing"))
        #expect(report.contains("reloadConfig() at Precision.swift") && report.contains("resolveRoute() at Precision.swift"))
    }

    @Test func readersInOppositeOrdersAreNotReported() throws {
        let process = try run("rwlock-readers-no-false-positive")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["lock-order inversion"] == 0)
        #expect(!process.standardError.contains("LockGraph:"))
    }

    @Test func anUpgradeFromReadToWriteIsAReentrantAcquireThenTermination() throws {
        let process = try run("rwlock-upgrade")
        #expect(process.exitStatus == SIGABRT)
        #expect(process.standardError.contains("write lock requested while holding the read lock"))
        #expect(!process.standardOutput.contains("unreachable"))
    }

    @Test func aGateLockSuppressesTheCycleItSerialises() throws {
        let process = try run("gate-lock-no-false-positive")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["lock-order inversion"] == 0)
        #expect(!process.standardError.contains("LockGraph:"))
    }

    @Test func aPathThatSkipsTheGateIsReported() throws {
        let process = try run("gate-lock-broken")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["lock-order inversion"] == 1)
        let report = process.standardError
        #expect(report.contains("Cycle: \"sessions\"") || report.contains("Cycle: \"metrics\""))
        #expect(report.contains("expireSessions(gated:) at Precision.swift") && report.contains("flushMetrics() at Precision.swift"))
    }

    @Test func lockClassesFindAnInversionBetweenDifferentInstancesOnlyWhenEnabled() throws {
        let off = try run("class-inversion")
        #expect(counts(off)["lock-order inversion"] == 0)
        let on = try run("class-inversion", environment: ["LOCKGRAPH_CLASSES": "1"])
        #expect(counts(on)["lock-order inversion"] == 1)
        #expect(on.standardError.contains("between 2 lock classes"))
        #expect(on.standardError.contains("postToLedger(_:) at Precision.swift") && on.standardError.contains("auditAccount(_:) at Precision.swift"))
        let invalid = try run("class-inversion", environment: ["LOCKGRAPH_CLASSES": "maybe"])
        #expect(invalid.standardError.contains("ignoring LOCKGRAPH_CLASSES=maybe: valid values are 1, 0"))
        #expect(counts(invalid)["lock-order inversion"] == 0)
    }

    @Test func sameClassNestingIsAHintAndASubclassSilencesIt() throws {
        let process = try run("class-nesting", environment: ["LOCKGRAPH_CLASSES": "1"])
        #expect(counts(process) == ["lock-order inversion": 0, "reentrant acquire": 0, "same-class nesting": 1, "wait while holding": 0])
        #expect(process.standardError.contains("two locks of class \"account\" were nested"))
        #expect(!process.standardError.contains("class \"node\""))
    }

    @Test func aWaitWhoseSignallerWasSeenHoldingTheLockIsReportedBeforeItBlocks() throws {
        let process = try run("wait-while-holding")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["wait while holding"] == 1)
        #expect(counts(process)["lock-order inversion"] == 0)
        let report = process.standardError
        #expect(report.contains("waits on \"jobs\" (Precision.swift:152) while holding \"stats\" (Precision.swift:151), and it was signalled by code holding \"stats\""))
        // Both code paths: the wait, and the signal with the lock it held.
        #expect(report.contains("wait on \"jobs\" (Precision.swift:152) while holding \"stats\" (Precision.swift:151)"))
        #expect(report.contains("\"jobs\" (Precision.swift:152) signalled while holding \"stats\" (Precision.swift:151)"))
        #expect(report.contains("thread") && report.contains("\"producer\""))
    }

    @Test func aWaitWithoutEvidenceThatTheSignalNeedsTheHeldLockIsNotReported() throws {
        let process = try run("private-lock-wait-no-false-positive")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["wait while holding"] == 0)
        #expect(!process.standardError.contains("LockGraph:"))
    }

    @Test func aDeliberateWaitWhileHoldingIsNotReported() throws {
        let process = try run("wait-allowed-no-false-positive")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["wait while holding"] == 0)
        #expect(!process.standardError.contains("LockGraph:"))
    }
}

/// Dispatch queues and semaphores.
extension FixtureScenarioTests {
    @Test func aLockHeldAcrossSyncAndTakenByAQueuedBlockIsAnInversion() throws {
        let process = try run("queue-lock-inversion")
        #expect(process.exitStatus == 0)
        #expect(counts(process) == ["lock-order inversion": 1, "reentrant acquire": 0, "stall": 0, "deadlock": 0, "resource deadlock": 0])
        let report = process.standardError
        #expect(report.contains("Cycle: \"cache\" (DispatchQueues.swift:10) -> \"cache.io\" (DispatchQueues.swift:11)"))
        #expect(report.contains("refreshCacheSynchronously() at DispatchQueues.swift"))
        // The async block's edge shows where the block was submitted.
        #expect(report.contains("\"cache.io\" (DispatchQueues.swift:11) acquired (entered; for an async block: where it was submitted)"))
        #expect(report.contains("scheduleEviction(_:) at DispatchQueues.swift"))
    }

    @Test func queuesAndLocksInOneOrderAreNotReported() throws {
        let process = try run("queue-ordered-no-false-positive")
        #expect(process.exitStatus == 0)
        #expect(counts(process)["lock-order inversion"] == 0)
        #expect(!process.standardError.contains("LockGraph:"))
    }

    @Test func syncReenteredFromADeinitOnTheQueueIsReportedBeforeGCDTraps() throws {
        let process = try run("queue-sync-reentry")
        #expect(process.exitStatus == SIGABRT)
        let report = process.standardError
        #expect(report.contains("sync onto a queue this thread is already running"))
        #expect(report.contains("\"connection\" (DispatchQueues.swift:77) first acquired"))
        #expect(report.contains("QueueConnection.deinit at DispatchQueues.swift"))
        #expect(report.contains("Do not call sync onto a queue from code already running on it"))
        #expect(!process.standardOutput.contains("unreachable"))
    }

    @Test func aRealLockQueueDeadlockIsFoundThroughTheThreadBlockedInSync() throws {
        let process = try run("queue-lock-deadlock", environment: ["LOCKGRAPH_WATCHDOG_MS": "200"])
        #expect(process.exitStatus == SIGABRT)
        let report = process.standardError
        #expect(report.contains("LockGraph: lock-order inversion"))
        #expect(report.contains("LockGraph: deadlock: 2 threads wait for each other"))
        #expect(report.contains("waits for \"index.io\" (DispatchQueues.swift:92)"))
        #expect(report.contains("waits for \"index\" (DispatchQueues.swift:91)"))
    }

    @Test func aSemaphoreResourceCycleIsOneReportNamingEveryThread() throws {
        let process = try run("semaphore-resource-cycle",
                              environment: ["LOCKGRAPH_WATCHDOG_MS": "100", "LOCKGRAPH_STALL_MS": "500"])
        #expect(process.exitStatus == 0)
        #expect(counts(process)["resource deadlock"] == 1)
        #expect(counts(process)["stall"] == 0)
        let report = process.standardError
        #expect(report.contains("resource deadlock: every unit of \"pool slots\" (DispatchQueues.swift:110) is held by a thread that is itself blocked"))
        for worker in ["worker-0", "worker-1"] {
            #expect(report.contains("\"\(worker)\" holds 1 unit of \"pool slots\" (DispatchQueues.swift:110) and waits for \"written\" (DispatchQueues.swift:111)"))
            #expect(report.contains("\"\(worker)\" took its unit of \"pool slots\""))
        }
        #expect(report.contains("\"writer\" waits for a unit of \"pool slots\""))
        // Where the workers took their slots: the scenario's line.
        #expect(report.contains("semaphoreResourceCycle at DispatchQueues.swift:119"))
    }
}

/// One report per code path.
extension FixtureScenarioTests {
    @Test func aRepeatedCodePathIsPrintedOnceCountedAndSummarizedAtExit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-repeat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["scenario", "repeated-code-path"],
                                             environment: ["LOCKGRAPH_RECORD": directory.path])
        #expect(process.waitForExit(timeout: 60))
        #expect(process.exitStatus == 0, "\(process.standardError)")
        let report = process.standardError
        #expect(count("LockGraph: lock-order inversion", in: report) == 2)
        #expect(report.contains("settle(payment:) at RepeatedCodePath.swift") && report.contains("refund() at RepeatedCodePath.swift"))
        #expect(process.standardOutput.contains("lock-order inversion reports: 2"))
        #expect(process.standardOutput.contains("occurrences per report: 3, 1"))
        #expect(process.standardOutput.contains("dump shows the count: true"))
        #expect(report.hasSuffix("LockGraph: 2 violations (2 more occurrences not printed)\n"), "\(report.suffix(300))")
        // The recording keeps each class-level edge once: two per code path, not one per call.
        let record = try LockGraphDocument.decode(Data(contentsOf: directory.appendingPathComponent("lockgraph-\(process.processIdentifier).json")))
        let edges = record.edges.map { "\($0.from) -> \($0.to)" }
        #expect(edges.count == 4 && Set(edges).count == 4, "\(edges)")
    }

    @Test func aReportPendingAtExitIsPrinted() throws {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["scenario", "report-at-exit"])
        #expect(process.waitForExit(timeout: 60))
        #expect(process.exitStatus == 0)
        #expect(count("LockGraph: lock-order inversion", in: process.standardError) == 1)
        #expect(process.standardError.contains("refund() at RepeatedCodePath.swift"))
    }

    @Test func noSummaryLineWhenNothingWasSuppressed() throws {
        let process = try run("abba-inversion")
        #expect(!process.standardError.contains("more occurrence"))
    }
}
