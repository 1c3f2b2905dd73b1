import ArgumentParser

@main
struct LockGraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockgraph",
        abstract: "Find lock-order inversions, reentrant waits and deadlocks in Swift programs.",
        subcommands: [Demo.self, Check.self, Render.self, Run.self, Test.self, RunScenario.self]
    )
}
