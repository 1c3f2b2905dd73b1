import ArgumentParser
import Foundation

@main
struct LockGraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockgraph",
        abstract: "Find lock-order inversions, reentrant waits and deadlocks in Swift programs.",
        subcommands: [Demo.self, Check.self, Render.self, Run.self, Test.self, RunScenario.self]
    )

    /// ArgumentParser's own entry point, with one change: misuse it rejects (an unknown option,
    /// a value not among the choices) exits with status 2, as every other misuse of `lockgraph`
    /// does, instead of EX_USAGE (64): `lockgraph check` keeps 1 for "cycles found".
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let status = exitCode(for: error)
            guard status == .validationFailure else { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            exit(withError: ExitCode(2))
        }
    }
}
