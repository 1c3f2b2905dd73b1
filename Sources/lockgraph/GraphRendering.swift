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

    /// A single self-contained page: nodes on a circle, cycle edges red, click an edge for its stacks.
    static func html(_ document: LockGraphDocument) -> String {
        let red = cycleEdges(document)
        var nodeSet = Set(document.locks.map(\.classKey))
        document.edges.forEach { nodeSet.insert($0.from); nodeSet.insert($0.to) }
        let nodes = nodeSet.sorted()
        let size = max(480.0, Double(nodes.count) * 40)
        let radius = size / 2 - 90
        var position: [String: (Double, Double)] = [:]
        for (index, node) in nodes.enumerated() {
            let angle = 2 * Double.pi * Double(index) / Double(max(nodes.count, 1)) - Double.pi / 2
            position[node] = (size / 2 + radius * cos(angle), size / 2 + radius * sin(angle))
        }
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(size))' height='\(Int(size))'>"
        svg += "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='8' markerHeight='8' orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='context-stroke'/></marker></defs>"
        for (index, edge) in document.edges.enumerated() {
            guard let (x1, y1) = position[edge.from], let (x2, y2) = position[edge.to] else { continue }
            let onCycle = red.contains(edge.from + "\u{0}" + edge.to)
            let color = onCycle ? "#d00" : "#888"
            svg += "<line class='edge' data-edge='\(index)' x1='\(x1)' y1='\(y1)' x2='\(x2)' y2='\(y2)' stroke='\(color)' stroke-width='\(onCycle ? 3 : 1.5)' marker-end='url(#arrow)'/>"
        }
        for node in nodes {
            guard let (x, y) = position[node] else { continue }
            svg += "<circle cx='\(x)' cy='\(y)' r='6' fill='#246'/><text x='\(x + 9)' y='\(y - 9)' font-family='monospace' font-size='12'>\(escape(node))</text>"
        }
        svg += "</svg>"
        let edgesJSON = scriptJSON(document.edges)
        // Each edge's two stacks, written by the library's frame formatter as reports write them.
        let stacksJSON = scriptJSON(document.edges.map { edge in
            [edge.holderStack, edge.acquirerStack].map { frames in
                FrameFormatter.numberedLines(frames.map(\.formatted), indent: "    ", whenEmpty: "<no stack recorded>")
                    .joined(separator: "\n")
            }
        })
        let cycleCount = document.edges.filter { red.contains($0.from + "\u{0}" + $0.to) }.count
        return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>LockGraph</title>
        <style>body{font-family:sans-serif;margin:1em}#stacks{font-family:monospace;white-space:pre;border-top:1px solid #ccc;margin-top:1em;padding-top:.5em}
        line.edge{cursor:pointer}line.edge:hover{stroke-width:5}</style></head><body>
        <h1>Lock graph</h1>
        <p>\(document.kind) from pid \(document.process.pid) at \(escape(document.process.date)): \(nodes.count) lock classes, \(document.edges.count) edges, \(cycleCount) on a cycle (red). Click an edge for its stacks.</p>
        \(svg)
        <div id="stacks">Click an edge.</div>
        <script>
        const edges = \(edgesJSON);
        const stacks = \(stacksJSON);
        document.querySelectorAll('line.edge').forEach(line => line.addEventListener('click', () => {
          const e = edges[Number(line.dataset.edge)], s = stacks[Number(line.dataset.edge)];
          document.getElementById('stacks').textContent = '"' + e.from + '" -> "' + e.to + '" (thread ' + e.thread.id + (e.thread.name ? ' "' + e.thread.name + '"' : '') + ')\\n  "' + e.from + '" acquired:\\n' + s[0] + '\\n  "' + e.to + '" acquired while holding "' + e.from + '":\\n' + s[1];
        }));
        </script></body></html>
        """
    }

    /// `value` as JSON that can stand inside a `<script>` element: `<`, `>` and `&` appear only
    /// inside JSON strings, where their \u escapes mean the same, so no name can open or close a
    /// tag or a comment in the page.
    private static func scriptJSON(_ value: some Encodable) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self)
            .replacingOccurrences(of: "&", with: "\\u0026")
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: ">", with: "\\u003e")
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
