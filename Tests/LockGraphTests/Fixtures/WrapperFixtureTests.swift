import Foundation
import Testing

/// `wrapper-sites`: two locks made by a `NIOLock`-shaped wrapper at two call sites, nested with
/// a third lock in one order only. The wrapper's single creation line makes them one class, a
/// false class-level cycle; `LOCKGRAPH_WRAPPERS` names each lock after its creator instead.
extension FixtureScenarioTests {
    /// Lines of Fixtures/Scenarios/Wrappers.swift: the wrapper's mutex, and the two `ServerLock()` calls.
    private static let (wrapperLine, connectionsLine, buffersLine) = (11, 36, 37)

    @Test func aWrappersSingleCreationLineMakesAFalseClassCycleThatDeclaringTheWrapperRemoves() throws {
        let undeclared = try run("wrapper-sites", environment: ["LOCKGRAPH_CLASSES": "1"])
        #expect(undeclared.exitStatus == 0)
        #expect(counts(undeclared) == ["lock-order inversion": 1, "same-class nesting": 0])
        #expect(undeclared.standardError.contains("between 2 lock classes"))
        #expect(undeclared.standardOutput.contains("(Wrappers.swift:\(Self.wrapperLine)) -> \"routes\""))

        let declared = try run("wrapper-sites", environment: ["LOCKGRAPH_CLASSES": "1", "LOCKGRAPH_WRAPPERS": "ServerLock"])
        #expect(declared.exitStatus == 0)
        #expect(counts(declared) == ["lock-order inversion": 0, "same-class nesting": 0])
        #expect(!declared.standardError.contains("LockGraph:"), "\(declared.standardError)")
        let edges = declared.standardOutput
        let outOfConnections = try Regex(#"edge: ServerLock#\d+ \(Wrappers.swift:\#(Self.connectionsLine)\) -> "routes" \(Wrappers.swift:20\)"#)
        let intoBuffers = try Regex(#"edge: "routes" \(Wrappers.swift:20\) -> ServerLock#\d+ \(Wrappers.swift:\#(Self.buffersLine)\)"#)
        #expect(edges.contains(outOfConnections), "\(edges)")
        #expect(edges.contains(intoBuffers), "\(edges)")

        // A qualified type name works the same.
        let qualified = try run("wrapper-sites", environment: ["LOCKGRAPH_CLASSES": "1", "LOCKGRAPH_WRAPPERS": "LockGraphScenarios.ServerLock"])
        #expect(counts(qualified)["lock-order inversion"] == 0)
    }

    /// The issue's symptom: `lockgraph check` on records of the undeclared wrapper reports the
    /// false cycle; with `LOCKGRAPH_WRAPPERS`, records from two runs carry the same class keys
    /// (the resolved sites) and no cycle.
    @Test func recordsUseTheResolvedSitesAndAgreeAcrossRuns() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lockgraph-wrappers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let undeclared = base.appendingPathComponent("undeclared").path, declared = base.appendingPathComponent("declared").path
        #expect(try run("wrapper-sites", environment: ["LOCKGRAPH_RECORD": undeclared]).exitStatus == 0)
        for _ in 0..<2 {
            #expect(try run("wrapper-sites", environment: ["LOCKGRAPH_RECORD": declared, "LOCKGRAPH_WRAPPERS": "ServerLock"]).exitStatus == 0)
        }

        let falseCycle = try check(undeclared)
        #expect(falseCycle.exitStatus == 1)
        #expect(falseCycle.standardOutput.contains(
            "Cycle 1: \"LockGraphScenarios/Wrappers.swift:\(Self.wrapperLine)\" -> \"routes\" -> \"LockGraphScenarios/Wrappers.swift:\(Self.wrapperLine)\""))

        let resolved = try check(declared)
        #expect(resolved.exitStatus == 0, "\(resolved.standardOutput)")
        #expect(resolved.standardOutput.contains("Checked 2 class-level edges from 2 file(s)."))
        #expect(resolved.standardOutput.contains("No lock-order cycle."))
        for file in try FileManager.default.contentsOfDirectory(atPath: declared) {
            let text = try String(contentsOfFile: declared + "/" + file, encoding: .utf8).replacingOccurrences(of: "\\/", with: "/")
            for line in [Self.connectionsLine, Self.buffersLine] {
                #expect(text.contains("\"classKey\" : \"LockGraphScenarios/Wrappers.swift:\(line)\""), "\(file)")
            }
        }
    }

    private func check(_ directory: String) throws -> InteractiveProcess {
        let process = try InteractiveProcess(executable: InteractiveProcess.fixture("lockgraph"), arguments: ["check", "--no-stacks", directory])
        #expect(process.waitForExit(timeout: 60))
        return process
    }
}
