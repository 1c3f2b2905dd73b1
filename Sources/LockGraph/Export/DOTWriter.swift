/// A lock graph as Graphviz DOT, written one way for ``LockGraphSnapshot/dot()`` and for
/// `lockgraph render`: laid out left to right, nodes as boxes in a monospace font, edges that lie
/// on a cycle red and bold.
///
/// Nodes are written in the order given, then edges. An ID or label is quoted unless it is a
/// plain DOT identifier (letters, digits and `_`, not starting with a digit, not a DOT keyword);
/// inside quotes, `\`, `"` and line breaks are escaped, so any lock name gives valid DOT.
@_spi(Rendering)
public struct DOTGraph: Sendable {
    /// A node: its DOT ID, and the label to show instead of the ID, if any.
    public struct Node: Sendable {
        public var id: String
        public var label: String?

        public init(id: String, label: String? = nil) {
            self.id = id
            self.label = label
        }
    }

    /// An edge between two node IDs; `onCycle` draws it red and bold.
    public struct Edge: Sendable {
        public var from: String
        public var to: String
        public var onCycle: Bool

        public init(from: String, to: String, onCycle: Bool) {
            self.from = from
            self.to = to
            self.onCycle = onCycle
        }
    }

    public var nodes: [Node]
    public var edges: [Edge]

    public init(nodes: [Node], edges: [Edge]) {
        self.nodes = nodes
        self.edges = edges
    }

    /// The DOT document, ending with a line break.
    public var text: String {
        var lines = ["digraph lockgraph {", "  rankdir=LR;", "  node [shape=box, fontname=\"monospace\"];"]
        for node in nodes {
            lines.append("  \(Self.id(node.id))" + (node.label.map { " [label=\(Self.quote($0))]" } ?? "") + ";")
        }
        for edge in edges {
            lines.append("  \(Self.id(edge.from)) -> \(Self.id(edge.to))" + (edge.onCycle ? " [color=red, penwidth=2]" : "") + ";")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static let keywords: Set<String> = ["node", "edge", "graph", "digraph", "subgraph", "strict"]

    /// `text` as it may stand for an ID: bare when it is a plain identifier, else quoted.
    static func id(_ text: String) -> String {
        isPlainIdentifier(text) ? text : quote(text)
    }

    /// Letters, digits and `_`, not starting with a digit, and not a keyword (DOT keywords are
    /// case-insensitive).
    private static func isPlainIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first),
              !keywords.contains(text.lowercased())
        else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// `text` in double quotes, with `\`, `"` and line breaks escaped.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
