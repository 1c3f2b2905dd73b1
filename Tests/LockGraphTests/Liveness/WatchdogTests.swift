import Foundation
import Testing

/// The watchdog fixtures, run as subprocesses with short thresholds from the environment.
@Suite("Watchdog")
struct WatchdogTests {
    private static let fast = ["LOCKGRAPH_WATCHDOG_MS": "200", "LOCKGRAPH_STALL_MS": "500"]

    private func run(_ fixture: String, environment: [String: String] = WatchdogTests.fast,
                     timeout: TimeInterval = 60) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture(fixture), environment: environment)
        #expect(process.waitForExit(timeout: timeout), "\(fixture) did not finish in \(timeout) s:\n\(process.standardError)")
        return process
    }

    private func occurrences(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func realDeadlockIsReportedWithCurrentStacksAndEndsTheProcess() throws {
        let start = Date()
        let process = try run("real-abba-deadlock")
        let elapsed = Date().timeIntervalSince(start)
        let report = process.standardError
        #expect(process.exitStatus == SIGABRT)
        #expect(!process.standardOutput.contains("unreachable"))
        #expect(occurrences("LockGraph: lock-order inversion", in: report) == 1)
        #expect(occurrences("LockGraph: deadlock: 2 threads wait for each other", in: report) == 1)
        // The deadlock opens on where each thread waits (the cycle may start at either thread).
        let headline = reportHeadline("deadlock", in: report)
        #expect(headline.count == 3, "\(report)")
        #expect(["LockGraph: deadlock: 2 threads wait for each other on \"ledger\" and \"accounts\"",
                 "LockGraph: deadlock: 2 threads wait for each other on \"accounts\" and \"ledger\""].contains(headline.first ?? ""), "\(headline)")
        let waits = ["(waits for \"ledger\" while holding \"accounts\")", "(waits for \"accounts\" while holding \"ledger\")"]
        #expect(headline.count == 3 && Set(headline.dropFirst().map { String($0.drop { $0 == " " }.drop { $0 != ":" }) }) == Set(waits.map {
            ": debitThenCredit(_:_:_:) at Watchdog.swift:12 " + $0
        }), "\(headline)")
        #expect(headline.dropFirst().first?.hasPrefix("  fix one of: ") == true && headline.last?.hasPrefix("          or: ") == true)
        #expect(report.contains("\"debit\" waits for \"ledger\""))
        #expect(report.contains("\"credit\" waits for \"accounts\""))
        #expect(occurrences("waiting for \"ledger\" (Watchdog.swift:45): current stack", in: report) == 1)
        #expect(occurrences("pthread_mutex_lock", in: report) >= 2)
        #expect(report.contains("closure #1 in debitThenCredit(_:_:_:) at Watchdog.swift:12"))
        #expect(report.contains("holds \"accounts\""))
        #expect(report.contains("aborting (LOCKGRAPH_ON_DEADLOCK=wait keeps the process waiting)"))
        // Two watchdog intervals (400 ms) plus process start-up and symbolization.
        #expect(elapsed < 20)
    }

    @Test func diningPhilosophersDeadlockNamesAllFive() throws {
        let process = try run("dining-philosophers")
        let report = process.standardError
        #expect(process.exitStatus == SIGABRT)
        #expect(report.contains("between 5 locks"))
        #expect(report.contains("LockGraph: deadlock: 5 threads wait for each other"))
        for seat in 0..<5 {
            #expect(report.contains("\"philosopher-\(seat)\" waits for \"fork-\((seat + 1) % 5)\""))
        }
        #expect(occurrences("closure #1 in dine(left:right:_:) at Watchdog.swift:21", in: report) >= 5)
        // Five threads waiting at one line are one path: the headline stays two lines.
        let headline = reportHeadline("deadlock", in: report)
        #expect(headline.count == 2, "\(headline)")
        #expect(headline.last?.hasPrefix("  fix: dine(left:right:_:) at Watchdog.swift:21 (waits for \"fork-") == true, "\(headline)")
        #expect(headline.last?.hasSuffix("; 4 more like it)") == true, "\(headline)")
    }

    @Test func onDeadlockWaitKeepsTheProcessWaiting() throws {
        var environment = Self.fast
        environment["LOCKGRAPH_ON_DEADLOCK"] = "wait"
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("real-abba-deadlock"), environment: environment)
        #expect(process.wait(timeout: 30) { $0.standardError.contains("LockGraph: deadlock:") })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(process.isRunning)
        #expect(!process.standardError.contains("aborting"))
        process.send(SIGKILL)
        #expect(process.waitForExit(timeout: 10))
    }

    @Test func stalledHolderIsReportedOnceWithTheHoldersCurrentStack() throws {
        let process = try run("stalled-holder")
        let report = process.standardError
        #expect(process.exitStatus == 0)
        #expect(process.standardOutput.contains("stalls reported: 1"))
        #expect(occurrences("LockGraph: stall:", in: report) == 1)
        #expect(report.contains("\"config\" (Watchdog.swift:78) held by thread"))
        #expect(report.contains("\"reader\" waits for it for"))
        #expect(report.contains("(the holder): current stack, where it is now"))
        // Where the holder is stuck now: sleeping inside the function that holds the lock.
        let holderNow = report.components(separatedBy: "where it is now").last ?? ""
        #expect(holderNow.contains("Thread.sleep(forTimeInterval:)"))
        #expect(holderNow.contains("reloadConfigurationSlowly(_:) at Watchdog.swift"))
    }

    @Test func loopLagNamesTheBlockingFunction() throws {
        let process = try run("loop-lag")
        let report = process.standardError
        #expect(process.exitStatus == 0, "\(report)")
        #expect(occurrences("LockGraph: loop lag: \"io-loop\"", in: report) == 1)
        #expect(report.contains("what the loop is running now"))
        #expect(report.contains("crunchNumbersOnTheLoop(for:)"))
    }

    @Test func blockingInsideATaskIsReported() throws {
        var environment = Self.fast
        environment["LOCKGRAPH_ASYNC_BLOCK_MS"] = "100"
        let process = try run("blocking-in-task", environment: environment)
        let report = process.standardError
        #expect(process.exitStatus == 0, "\(report)")
        #expect(occurrences("LockGraph: blocking in async context", in: report) == 1)
        #expect(report.contains("lookUpSessionBlocking(_:) at Liveness.swift"))
    }

    @Test func threadExplosionIsReportedBeforeTheSystemLimit() throws {
        var environment = Self.fast
        environment["LOCKGRAPH_THREAD_LIMIT"] = "150"
        let process = try run("thread-explosion", environment: environment)
        let report = process.standardError
        #expect(process.exitStatus == 0, "\(report)")
        #expect(occurrences("LockGraph: thread exhaustion", in: report) == 1)
        #expect(report.contains("passed the limit of 150"))
        #expect(report.contains("thread count history:"))
        // The runaway threads share one stack: it is written once, for all of them.
        let headline = reportHeadline("thread exhaustion", in: report)
        #expect(headline.count <= 3 && headline.dropFirst().first?.contains("handleRequestOnNewThread(_:) at Liveness.swift:33 (") == true, "\(report)")
        let group = try #require(report.firstMatch(of: try Regex(#"\n  (\d+) threads here \(thread \d+"#)), "\(report)")
        #expect((Int(group.output[1].substring ?? "") ?? 0) >= 100, "\(report)")
        #expect(occurrences("#", in: report.components(separatedBy: "Fix:")[0]) < 40, "\(report)")
        #expect(occurrences("handleRequestOnNewThread(_:) at Liveness.swift", in: report) <= 3, "\(report)")
    }

    @Test func invalidWatchdogSettingsFallBackWithAWarning() throws {
        var environment = Self.fast
        environment["LOCKGRAPH_STALL_MS"] = "soon"
        environment["LOCKGRAPH_ON_DEADLOCK"] = "maybe"
        let process = try run("real-abba-deadlock", environment: environment)
        #expect(process.standardError.contains("ignoring LOCKGRAPH_STALL_MS=soon"))
        #expect(process.standardError.contains("ignoring LOCKGRAPH_ON_DEADLOCK=maybe: valid values are abort, wait"))
        #expect(process.exitStatus == SIGABRT)
    }
}
