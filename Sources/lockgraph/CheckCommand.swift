import ArgumentParser
import Foundation
@_spi(Rendering) import LockGraph

/// `lockgraph check <file-or-dir>...`: merges recorded graphs and reports every cycle,
/// including those whose edges came from different processes.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge recorded lock graphs (LOCKGRAPH_RECORD output) and report every lock-order cycle.",
        discussion: "Exit status: 0 no cycle, 1 at least one cycle, 2 unreadable or malformed input."
    )

    @Argument(help: "Recorded graph files, or directories holding them (*.json).")
    var paths: [String] = []

    @Flag(help: "Omit the stacks of each edge (text format).")
    var noStacks = false

    @Option(help: "Output format: text (default), json, sarif (SARIF 2.1.0, for code scanning) or junit (JUnit XML).")
    var format: LockGraphFinding.Format = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func run() throws {
        let documents: [(source: String, document: LockGraphDocument)]
        do {
            documents = try InputFiles.expand(InputPath.arguments(paths)).map { ($0.description, try InputFiles.readDocument($0)) }
        } catch let error as InputFiles.Failure {
            FileHandle.standardError.write(Data("lockgraph check: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let check = RecordedCheck(documents: documents, showsStacks: !noStacks,
                                  sourceRoot: ProcessInfo.processInfo.environment["LOCKGRAPH_SOURCE_ROOT"].flatMap { $0.hasPrefix("/") ? $0 : nil })
        let text = check.report.rendered(as: format)
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                FileHandle.standardError.write(Data("lockgraph check: \(output): cannot write the report: \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if !check.cycles.isEmpty { throw ExitCode(1) }
    }
}

extension LockGraphFinding.Format: ExpressibleByArgument {}
