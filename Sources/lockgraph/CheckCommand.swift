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

    @Flag(help: "Omit the stacks of each edge.")
    var noStacks = false

    func run() throws {
        let documents: [(String, LockGraphDocument)]
        do {
            documents = try InputFiles.expand(InputPath.arguments(paths)).map { ($0.description, try InputFiles.readDocument($0)) }
        } catch let error as InputFiles.Failure {
            FileHandle.standardError.write(Data("lockgraph check: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        var graph = RecordedLockGraph()
        for (file, document) in documents { graph.merge(document, source: file) }
        let cycles = graph.cycles()
        print("Checked \(graph.edges.count) class-level edges from \(documents.count) file(s).")
        for note in graph.sameClassNesting {
            print("Note: same-class nesting \"\(note.from)\" -> \"\(note.to)\" (from \(note.source)): two locks of one class nested; not a cycle unless instances are taken in both orders.")
        }
        for (number, cycle) in cycles.enumerated() {
            print("")
            let across = cycle.spansSources ? " (across runs: no single process saw it)" : ""
            print("Cycle \(number + 1): " + (cycle.classes + [cycle.classes[0]]).map { "\"\($0)\"" }.joined(separator: " -> ") + across)
            for edge in cycle.edges {
                print("  \"\(edge.from)\" -> \"\(edge.to)\": from \(edge.source) (pid \(edge.process.pid), thread \(edge.record.thread.id)\(edge.record.thread.name.map { " \"\($0)\"" } ?? ""))")
                guard !noStacks else { continue }
                printStack("\"\(edge.from)\" acquired", edge.record.holderStack)
                printStack("\"\(edge.to)\" acquired while holding \"\(edge.from)\"", edge.record.acquirerStack)
            }
        }
        print("")
        if cycles.isEmpty {
            print("No lock-order cycle.")
        } else {
            print("\(cycles.count) lock-order cycle(s): take these locks in one global order.")
            throw ExitCode(1)
        }
    }

    private func printStack(_ label: String, _ frames: [LockGraphDocument.Frame]) {
        print("      \(label):")
        for line in FrameFormatter.numberedLines(frames.map(\.formatted), indent: "        ", whenEmpty: "<no stack recorded>") {
            print(line)
        }
    }
}
