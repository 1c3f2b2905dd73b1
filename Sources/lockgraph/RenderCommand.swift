import ArgumentParser
import Foundation
import LockGraph

/// `lockgraph render <file> --format dot|svg|html [-o out]`.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a recorded graph or a snapshot (JSON) as DOT, SVG (needs Graphviz) or a self-contained HTML page."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, svg, html
    }

    @Argument(help: "A recorded graph or snapshot JSON file.")
    var file: String

    @Option(help: "Output format: dot, svg or html.")
    var format: Format = .dot

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func run() throws {
        let document: LockGraphDocument
        do {
            document = try InputFiles.readDocument(InputPath.arguments([file])[0])
        } catch let error as InputFiles.Failure {
            FileHandle.standardError.write(Data("lockgraph render: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let dot = GraphRendering.dot(document)
        let result: Data
        switch format {
        case .dot:
            result = Data(dot.utf8)
        case .svg:
            guard let svg = try GraphRendering.svg(fromDOT: dot) else {
                FileHandle.standardError.write(Data("lockgraph render: --format svg needs Graphviz's `dot` on PATH (apt-get install graphviz); --format dot and --format html work without it\n".utf8))
                throw ExitCode(2)
            }
            result = svg
        case .html:
            result = Data(GraphRendering.html(document).utf8)
        }
        if let output {
            do {
                try result.write(to: URL(fileURLWithPath: output))
            } catch {
                FileHandle.standardError.write(Data("lockgraph render: cannot write \(output): \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            FileHandle.standardOutput.write(result)
        }
    }
}
