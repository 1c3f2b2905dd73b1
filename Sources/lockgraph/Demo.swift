import ArgumentParser
import Foundation
import LockGraphScenarios

/// `lockgraph demo`: runs every built-in scenario in its own process and prints what LockGraph
/// reported, so a new user sees each report without writing code.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in scenarios (each in its own process) and print their reports."
    )

    @Argument(help: "Scenarios to run (default: all). Known: \(Scenario.demo.map(\.name).joined(separator: ", ")).")
    var names: [String] = []

    func validate() throws {
        for name in names where Scenario.named(name) == nil {
            throw ValidationError("unknown scenario '\(name)'; known scenarios: \(Scenario.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let selected = names.isEmpty ? Scenario.demo : names.compactMap(Scenario.named)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for scenario in selected {
            print(String(repeating: "#", count: 78))
            print("# \(scenario.name): \(scenario.summary)")
            print("# expected: \(scenario.expectation)")
            print(String(repeating: "#", count: 78))
            let process = Process()
            process.executableURL = executable
            process.arguments = ["scenario", scenario.name]
            var environment = ProcessInfo.processInfo.environment
            environment["LOCKGRAPH_MODE"] = environment["LOCKGRAPH_MODE"] ?? "report"
            // Short watchdog settings so the real-deadlock and stall scenarios finish quickly.
            environment["LOCKGRAPH_WATCHDOG_MS"] = environment["LOCKGRAPH_WATCHDOG_MS"] ?? "200"
            environment["LOCKGRAPH_STALL_MS"] = environment["LOCKGRAPH_STALL_MS"] ?? "500"
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            print(String(decoding: data, as: UTF8.self), terminator: "")
            let status = process.terminationReason == .uncaughtSignal
                ? "terminated by signal \(process.terminationStatus)"
                : "exit status \(process.terminationStatus)"
            print("# \(scenario.name): \(status)\n")
        }
    }
}

/// `lockgraph scenario NAME`: runs one scenario in this process (used by `demo`).
struct RunScenario: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run one built-in scenario in this process.",
        shouldDisplay: false
    )

    @Argument(help: "The scenario's name.")
    var name: String

    @Argument(help: "Arguments the scenario reads itself (stress-churn: the number of runs).")
    var scenarioArguments: [String] = []

    func run() throws {
        runScenarioAndExit(named: name)
    }
}
