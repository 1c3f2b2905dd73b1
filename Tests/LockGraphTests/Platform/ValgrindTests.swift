import Foundation
import Testing
@testable import LockGraph

/// Symbolication without the toolchain's `Runtime` module: under valgrind, whose tools crash
/// `Runtime`'s image-map capture, and whenever `LOCKGRAPH_SYMBOLICATION` asks for it.
@Suite("Symbolication without Runtime")
struct LoaderSymbolicationTests {
    private static func installed(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let valgrind = installed("valgrind")
    static let objcopy = installed("objcopy")

    /// The abba-inversion fixture under helgrind: one report, with its functions named (before,
    /// the reporter thread crashed with SIGSEGV inside `ImageMap.capture()`). Valgrind 3.19
    /// cannot read the DWARF 5 of a Swift 6 build and gives up before the program starts, so the
    /// fixture runs as a copy without debug information (its symbol table kept).
    @Test(.enabled(if: valgrind != nil, "valgrind is not installed"),
          .enabled(if: objcopy != nil, "objcopy (binutils) is not installed: it strips the DWARF 5 valgrind 3.19 cannot read"))
    func underHelgrindAReportStillNamesItsFunctions() throws {
        let (valgrind, objcopy) = (try #require(Self.valgrind), try #require(Self.objcopy))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-valgrind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("abba-inversion").path
        let strip = try InteractiveProcess(executable: URL(fileURLWithPath: objcopy),
                                           arguments: ["--strip-debug", InteractiveProcess.fixture("abba-inversion").path, copy])
        try #require(strip.waitForExit(timeout: 60) && strip.exitStatus == 0, "objcopy: \(strip.standardError)")

        let started = Date()
        let run = try InteractiveProcess(executable: URL(fileURLWithPath: valgrind), arguments: ["-q", "--tool=helgrind", copy])
        #expect(run.waitForExit(timeout: 240))
        print("abba-inversion under helgrind: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(run.exitStatus == 0, "\(run.standardError.suffix(3_000))")
        #expect(!run.standardError.contains("Program crashed"))
        #expect(run.standardOutput.contains("lock-order inversions reported: 1"))
        #expect(run.standardError.contains("LockGraphScenarios.transferFunds() -> () in abba-inversion"))
        #expect(run.standardError.contains("LockGraphScenarios.runAudit() -> () in abba-inversion"))
    }

    /// `dladdr` names each function, with file:line from LockGraph's own line-table index;
    /// `off` leaves addresses.
    @Test(arguments: [("dladdr", ["#0 LockGraphScenarios.transferFunds() -> () at Inversions.swift:",
                                  "#0 LockGraphScenarios.runAudit() -> () at Inversions.swift:"], "#0 0x"),
                      ("off", ["lock-order inversion", "#0 0x"], "transferFunds")])
    func theEnvironmentChoosesTheSymbolication(_ mode: String, shows expected: [String], never absent: String) throws {
        let run = try InteractiveProcess(executable: InteractiveProcess.fixture("abba-inversion"),
                                         environment: ["LOCKGRAPH_SYMBOLICATION": mode])
        #expect(run.waitForExit(timeout: 60))
        #expect(run.exitStatus == 0)
        for text in expected { #expect(run.standardError.contains(text), "\(run.standardError)") }
        #expect(!run.standardError.contains(absent))
    }
}
