import Foundation
import Testing
@testable import LockGraph

/// SIGUSR1 dumps of a live fixture process that holds locks and has waiters.
@Suite("Dump")
struct DumpTests {
    private static let endMarker = "==== end of LockGraph dump #"

    @Test func signalDumpsHoldersWaitersEdgesAndStacks() throws {
        let target = try InteractiveProcess(
            executable: InteractiveProcess.fixture("dump-target"),
            environment: ["LOCKGRAPH_DUMP_SIGNAL": "USR1"])
        try #require(target.wait(timeout: 30) { $0.standardOutput.contains("ready") })
        target.send(SIGUSR1)
        try #require(target.wait(timeout: 30) { $0.standardError.contains(Self.endMarker) }, "no dump: \(target.standardError)")
        let dump = target.standardError
        #expect(dump.contains("==== LockGraph dump #1: pid \(target.processIdentifier)"))
        #expect(dump.contains("Live locks (3):"))
        #expect(dump.contains("held by thread") && dump.contains("\"holder\" for"))
        #expect(dump.contains("waiting: thread") && dump.contains("\"waiter\" to acquire it for"))
        #expect(dump.contains("\"sleeper\" on its condition for"))
        #expect(dump.contains("waits to acquire \"ledger\""))
        #expect(dump.contains("holds (outermost first): \"ledger\""))
        #expect(dump.contains("Edges (1):"))
        #expect(dump.contains("\"ledger\" (DumpTarget.swift:45) -> \"audit\" (DumpTarget.swift:46), first taken by thread"))
        #expect(dump.contains("holdLedgerAndAudit(_:_:until:) at DumpTarget.swift"))
        #expect(dump.contains("Violations so far (0):"))

        target.writeLine("quit")
        #expect(target.waitForExit(timeout: 30))
        #expect(target.exitStatus == 0)
        #expect(target.standardOutput.contains("finished"))
    }

    /// 100 signals at once: the process keeps running and every dump written is complete and
    /// not interleaved with another (bursts are coalesced, so there may be fewer than 100).
    @Test func aBurstOfSignalsLeavesEveryDumpIntact() throws {
        let target = try InteractiveProcess(
            executable: InteractiveProcess.fixture("dump-target"),
            environment: ["LOCKGRAPH_DUMP_SIGNAL": "USR1"])
        try #require(target.wait(timeout: 30) { $0.standardOutput.contains("ready") })
        for _ in 0..<100 { target.send(SIGUSR1) }
        try #require(target.wait(timeout: 60) { $0.standardError.contains(Self.endMarker) })
        // Wait for the dump thread to go quiet, then let the process finish normally.
        var previous = ""
        _ = target.wait(timeout: 30) { process in
            let current = process.standardError
            defer { previous = current }
            return current == previous && current.hasSuffix("====\n")
        }
        #expect(target.isRunning)
        target.writeLine("quit")
        #expect(target.waitForExit(timeout: 30))
        #expect(target.exitStatus == 0)

        let lines = target.standardError.split(separator: "\n", omittingEmptySubsequences: false)
        var open: Int?
        var completed = 0
        for line in lines {
            if line.hasPrefix("==== LockGraph dump #") {
                #expect(open == nil, "a dump started inside another")
                open = Int(line.dropFirst("==== LockGraph dump #".count).prefix { $0.isNumber })
            } else if line.hasPrefix(Self.endMarker) {
                let number = Int(line.dropFirst(Self.endMarker.count).prefix { $0.isNumber })
                #expect(number == open, "dump ended with another dump's number")
                #expect(open != nil)
                open = nil
                completed += 1
            }
        }
        #expect(open == nil)
        #expect(completed >= 1 && completed <= 100)
        #expect(target.standardError.components(separatedBy: "Live locks (3):").count - 1 == completed)
    }

    /// Sixteen threads report without pause and the graph keeps growing: a dump still starts at
    /// once (it is written piece by piece as it is built; before, nothing came until the whole
    /// text was built, 3-9 s here and growing with the graph), and no report lands inside it.
    @Test func aDumpStartsAtOnceWhileThreadsKeepReporting() throws {
        let target = try InteractiveProcess(
            executable: InteractiveProcess.fixture("report-flood"),
            environment: ["LOCKGRAPH_DUMP_SIGNAL": "USR1"])
        try #require(target.wait(timeout: 30) { $0.standardOutput.contains("ready") })
        Thread.sleep(forTimeInterval: 6)  // the graph grows: about 10,000 locks by now
        let sent = Date()
        target.send(SIGUSR1)
        let header = "==== LockGraph dump #1: pid"
        try #require(target.wait(timeout: 60) { $0.standardError.contains(header) }, "no dump")
        let started = Date().timeIntervalSince(sent)
        try #require(target.wait(timeout: 120) { $0.standardError.contains(Self.endMarker + "1 ====") }, "the dump did not end")
        let ended = Date().timeIntervalSince(sent)
        print("report-flood: the dump started \(String(format: "%.2f", started)) s and ended \(String(format: "%.2f", ended)) s after the signal")
        #expect(started < 1.5, "the dump started \(started) s after the signal")
        target.writeLine("quit")
        #expect(target.waitForExit(timeout: 60))
        #expect(target.exitStatus == 0)
        let output = target.standardError
        let dump = try #require(output.range(of: header).map { output[$0.lowerBound...] }.flatMap { rest in
            rest.range(of: Self.endMarker).map { rest[..<$0.lowerBound] }
        })
        #expect(dump.contains("Live locks (") && dump.contains("Edges ("))
        #expect(!dump.contains("LockGraph: lock-order inversion"), "a report was written inside the dump")
    }

    @Test func directoryDestinationWritesFilesAtomically() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-dump-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = try InteractiveProcess(
            executable: InteractiveProcess.fixture("dump-target"),
            environment: ["DUMP_TARGET_DIRECTORY": directory.path])
        try #require(target.wait(timeout: 30) { $0.standardOutput.contains("ready") })
        target.send(SIGUSR2)
        let base = directory.appendingPathComponent("lockgraph-\(target.processIdentifier)-1")
        let files = ["txt", "dot", "json"].map { base.appendingPathExtension($0) }
        try #require(target.wait(timeout: 30) { _ in files.allSatisfy { FileManager.default.fileExists(atPath: $0.path) } })
        let text = try String(contentsOf: files[0], encoding: .utf8)
        #expect(text.contains("\"waiter\" to acquire it for"))
        #expect(text.hasSuffix("====\n"))
        let dot = try String(contentsOf: files[1], encoding: .utf8)
        #expect(dot.hasPrefix("digraph lockgraph {") && dot.contains("->"))
        let json = try LockGraphDocument.decode(Data(contentsOf: files[2]))
        #expect(json.edges.map { "\($0.from)>\($0.to)" } == ["ledger>audit"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
        target.writeLine("quit")
        #expect(target.waitForExit(timeout: 30))
    }

    @Test func uncatchableSignalsAreRejectedWithAClearError() {
        #expect(throws: LockGraphSetupError.self) { try LockMonitor.installDumpHandler(signal: SIGKILL) }
        #expect(throws: LockGraphSetupError.self) { try LockMonitor.installDumpHandler(signal: 0) }
        #expect(throws: LockGraphSetupError.self) {
            try LockMonitor.installDumpHandler(destination: .directory("/proc/lockgraph-cannot-create-this"))
        }
    }
}

extension MonitorTests {
    /// A dump of a large graph is bounded: the edges touching a held lock in full, others up to
    /// the limits, and one line counting the rest (never silent).
    @Test func aDumpOfManyEdgesIsBoundedAndSaysWhatItLeftOut() throws {
        let prefix = uniqueName("bounded-dump")
        let locks = (0..<80).map { TrackedMutex(name: "\(prefix)-\($0)") }  // 3,160 edges
        for lock in locks { lock.lock() }
        for lock in locks.reversed() { lock.unlock() }
        let held = TrackedMutex(name: "\(prefix)-held")
        held.lock()
        locks[0].withLock {}  // an edge from the held lock: written in full
        let dump = LockMonitor.dumpText()
        held.unlock()
        let edgeCount = LockMonitor.snapshot().edges.count
        try #require(edgeCount > LiveStateReport.edgesListed)
        #expect(dump.contains("more edge(s) not listed"))
        #expect(dump.contains("a directory dump's JSON file has the whole graph"))
        // The edge from the held lock is listed with its stacks, whatever its position.
        let heldEdge = try #require(dump.range(of: "\"\(prefix)-held\" (DumpTests.swift"))
        #expect(dump[heldEdge.upperBound...].contains("acquired"))
        let listedEdges = dump.components(separatedBy: "\n").filter { $0.hasPrefix("  \"") && $0.contains(", first taken by ") }
        #expect(listedEdges.count <= LiveStateReport.edgesListed + 1)
    }
}
