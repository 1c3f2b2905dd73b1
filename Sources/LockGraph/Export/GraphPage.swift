import Foundation

/// The HTML page of `lockgraph render --format html`: one self-contained file (inline CSS, script
/// and SVG; nothing is loaded from anywhere) that opens on the cycles, one small drawing each,
/// then shows the whole graph in a layered left-to-right layout (``LayeredLayout``) with zoom,
/// pan, search by lock name or file, hover for a lock's creation site and counts, and each
/// edge's two stacks one click away.
///
/// Lock names, files, threads and frames reach the page only as JSON inside its script, with `<`,
/// `>` and `&` escaped, and the script puts them into the page as text; the summary line's
/// process fields are HTML-escaped. No name can open or close a tag or a comment.
@_spi(Rendering)
public enum GraphPage {
    /// The page for `document`, with the cycles found in it.
    public static func html(_ document: LockGraphDocument) -> String {
        let model = Model(document)
        let summary = "\(model.nodes.count) lock classes, \(model.edges.count) class-level edges "
            + "(\(document.edges.count) recorded), \(model.cycles.count) cycle(s)"
        // `edges` comes first: the data the page's script reads, all behind the escaping above.
        let data = [
            "const edges = \(scriptJSON(model.edges));",
            "const nodes = \(scriptJSON(model.nodes));",
            "const records = \(scriptJSON(model.records));",
            "const stacks = \(scriptJSON(model.stacks));",
            "const cycles = \(scriptJSON(model.cycles));",
        ].joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>LockGraph: \(model.cycles.count) cycle(s) in \(model.nodes.count) lock classes</title>
            <style>\(GraphPageAssets.style)</style></head><body>
            <header><h1>Lock graph</h1>
            <p class="summary">\(escape(document.kind)) from \(escape(document.process.executable)) (pid \(document.process.pid)) at \(escape(document.process.date)): \(summary).</p>
            <div class="searchbar"><input id="search" type="search" placeholder="Search lock name or file" autocomplete="off">
            <span id="search-count"></span><div id="search-results"></div></div></header>
            <main><div id="content">
            <section id="cycles"><h2>Cycles</h2><div id="cycle-panels"></div></section>
            <section id="whole"><h2>Whole graph, in lock order (left to right)</h2>
            <div class="toolbar"><button id="fit">Fit</button><button id="zoom-in">+</button><button id="zoom-out">&minus;</button>
            <label><input id="only-cycles" type="checkbox"> cycle edges only</label>
            <span class="hint">Wheel or buttons to zoom, drag to pan; red edges lie on a cycle, curves back to the left go against the order.</span></div>
            <div id="graph-box"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></div></section>
            </div>
            <aside id="details"><h2>Details</h2><div id="detail-body">Click an edge for its stacks, or a lock for its edges.</div></aside></main>
            <div id="tip" hidden></div>
            <script>
            \(data)
            \(GraphPageAssets.script)
            </script></body></html>

            """
    }

    /// `value` as JSON that can stand inside a `<script>` element: `<`, `>` and `&` appear only
    /// inside JSON strings, where their \u escapes mean the same, so no name can open or close a
    /// tag or a comment in the page. Keys sorted, so one graph always gives the same page.
    /// Escaped byte by byte: three `replacingOccurrences` over a page's megabytes of JSON took
    /// most of the time `lockgraph render` spent on a 2,000-edge graph.
    static func scriptJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(value)) ?? Data("[]".utf8)
        var escaped: [UInt8] = []
        escaped.reserveCapacity(json.count + json.count / 64)
        for byte in json {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "\\u0026".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "\\u003c".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "\\u003e".utf8)
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    /// What the page's script reads: lock classes with their layout, class-level edges (the
    /// recorded edges between two classes grouped), the recorded edges, each distinct stack once
    /// (many edges share a stack), and the cycles as lists of class-level edge indices.
    struct Model {
        struct Node: Encodable {
            var name: String
            var type: String
            var file: String
            var line: UInt
            var instances: Int
            var onCycle: Bool
            var layer: Int
            var order: Int
        }

        struct Edge: Encodable {
            var from: Int
            var to: Int
            /// Indices into `records`.
            var records: [Int]
            var onCycle: Bool
            var back: Bool
        }

        struct Record: Encodable {
            var thread: String
            var closesCycle: Bool
            /// Indices into `stacks`.
            var holderStack: Int
            var acquirerStack: Int
        }

        var nodes: [Node] = []
        var edges: [Edge] = []
        var records: [Record] = []
        var stacks: [String] = []
        var cycles: [[Int]] = []

        init(_ document: LockGraphDocument) {
            var nodeIndex: [String: Int] = [:]
            func node(_ key: String) -> Int {
                if let index = nodeIndex[key] { return index }
                nodeIndex[key] = nodes.count
                nodes.append(Node(name: key, type: "", file: "", line: 0, instances: 0, onCycle: false, layer: 0, order: 0))
                return nodes.count - 1
            }
            for lock in document.locks {
                let index = node(lock.classKey)
                if nodes[index].instances == 0 {
                    nodes[index].type = lock.type
                    nodes[index].file = lock.file
                    nodes[index].line = lock.line
                }
                nodes[index].instances += 1
            }
            var edgeIndex: [String: Int] = [:]
            var stackIndex: [String: Int] = [:]
            func stack(_ frames: [LockGraphDocument.Frame]) -> Int {
                let text = LockGraphDocument.Frame.foldedLines(frames, indent: "    ").joined(separator: "\n")
                if let index = stackIndex[text] { return index }
                stackIndex[text] = stacks.count
                stacks.append(text)
                return stacks.count - 1
            }
            for edge in document.edges {
                let key = edge.from + "\u{0}" + edge.to
                if edgeIndex[key] == nil {
                    edgeIndex[key] = edges.count
                    edges.append(Edge(from: node(edge.from), to: node(edge.to), records: [], onCycle: false, back: false))
                }
                let thread = "\(edge.thread.id)" + (edge.thread.name.map { " \"\($0)\"" } ?? "")
                edges[edgeIndex[key] ?? 0].records.append(records.count)
                records.append(Record(thread: thread, closesCycle: edge.closesCycle,
                                      holderStack: stack(edge.holderStack), acquirerStack: stack(edge.acquirerStack)))
            }
            var graph = RecordedLockGraph()
            graph.merge(document, source: "input")
            cycles = graph.cycles().map { cycle in cycle.edges.compactMap { edgeIndex[$0.from + "\u{0}" + $0.to] } }
            for index in cycles.joined() {
                edges[index].onCycle = true
                nodes[edges[index].from].onCycle = true
            }
            let layout = LayeredLayout(nodeCount: nodes.count, edges: edges.map { edge in
                LayeredLayout.Edge(from: edge.from, to: edge.to,
                                   preferBack: edge.onCycle && edge.records.contains { records[$0].closesCycle })
            })
            for index in nodes.indices {
                nodes[index].layer = layout.layer[index]
                nodes[index].order = layout.order[index]
            }
            for index in edges.indices { edges[index].back = layout.isBackEdge[index] }
        }
    }
}
