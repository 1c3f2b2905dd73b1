import Foundation
@_spi(Rendering) import LockGraph

/// DOT, SVG and HTML renderings of a graph document; cycle edges in red.
enum GraphRendering {
    /// Class-level edges that lie on a cycle (self-loops excluded: same-class nesting).
    static func cycleEdges(_ document: LockGraphDocument) -> Set<String> {
        var graph = RecordedLockGraph()
        graph.merge(document, source: "input")
        return Set(graph.cycles().flatMap { $0.edges.map { $0.from + "\u{0}" + $0.to } })
    }

    static func dot(_ document: LockGraphDocument) -> String {
        let red = cycleEdges(document)
        var nodes = Set(document.locks.map(\.classKey))
        document.edges.forEach { nodes.insert($0.from); nodes.insert($0.to) }
        return DOTGraph(
            nodes: nodes.sorted().map { DOTGraph.Node(id: $0) },
            edges: document.edges.map { DOTGraph.Edge(from: $0.from, to: $0.to, onCycle: red.contains($0.from + "\u{0}" + $0.to)) }
        ).text
    }

    static func svg(fromDOT dot: String) throws -> Data? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let executable = searchPath.split(separator: ":").map({ "\($0)/dot" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(dot.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    /// The self-contained page: cycles first, then the whole graph in lock order (``GraphPage``).
    static func html(_ document: LockGraphDocument) -> String {
        GraphPage.html(document)
    }
}
