/// `lockgraph check` without the command line: merges recorded graphs, finds the cycles, and
/// writes the result as its text report or as findings in any ``LockGraphFinding/Format``.
///
/// The text report is what `lockgraph check` has always printed; each finding's
/// ``LockGraphFinding/text`` is its cycle's block of that report.
public struct RecordedCheck: Sendable {
    /// The merged graph.
    public let graph: RecordedLockGraph
    /// Its cycles, as ``RecordedLockGraph/cycles()`` found them.
    public let cycles: [RecordedLockGraph.Cycle]
    /// How many documents were merged.
    public let documentCount: Int
    /// Whether the text shows each edge's two stacks.
    public let showsStacks: Bool
    private let sourceRoot: String?

    /// Merges `documents` (each with the file it was read from) in order.
    /// - Parameters:
    ///   - documents: each document with the file (or other label) it was read from.
    ///   - showsStacks: false omits the stacks from the text (findings keep their locations).
    ///   - sourceRoot: the root for frames recorded without ``LockGraphDocument/Frame/relativeFile``
    ///     (`LOCKGRAPH_SOURCE_ROOT` of the checking process); nil: each file's nearest package
    ///     root, when the file exists on this machine.
    public init(documents: [(source: String, document: LockGraphDocument)], showsStacks: Bool = true, sourceRoot: String? = nil) {
        var graph = RecordedLockGraph()
        for (source, document) in documents { graph.merge(document, source: source) }
        self.graph = graph
        cycles = graph.cycles()
        documentCount = documents.count
        self.showsStacks = showsStacks
        self.sourceRoot = sourceRoot
    }

    /// The text report, one line per element, as `lockgraph check` prints it.
    public var textLines: [String] {
        var lines = ["Checked \(graph.edges.count) class-level edges from \(documentCount) file(s)."]
        for note in graph.sameClassNesting {
            lines.append("Note: same-class nesting \"\(note.from)\" -> \"\(note.to)\" (from \(note.source)): two locks of one class nested; not a cycle unless instances are taken in both orders.")
        }
        for (number, cycle) in cycles.enumerated() {
            lines.append("")
            lines += block(cycle, number: number + 1)
        }
        lines.append("")
        lines.append(cycles.isEmpty ? "No lock-order cycle." : "\(cycles.count) lock-order cycle(s): take these locks in one global order.")
        return lines
    }

    /// One finding per cycle, in ``cycles`` order.
    public var findings: [LockGraphFinding] {
        var roots = SourceRootResolver(override: sourceRoot)
        return cycles.enumerated().map { number, cycle in finding(cycle, number: number + 1, roots: &roots) }
    }

    /// The check as a findings report, for ``LockGraphFinding/Report/rendered(as:)``.
    public var report: LockGraphFinding.Report {
        LockGraphFinding.Report(
            name: "lockgraph check", findings: findings, rules: LockGraphFinding.Rule.cycleRules,
            text: textLines.joined(separator: "\n"), passingCaseName: "no lock-order cycle")
    }

    private func title(_ cycle: RecordedLockGraph.Cycle, number: Int) -> String {
        let across = cycle.spansSources ? " (across runs: no single process saw it)" : ""
        return "Cycle \(number): " + (cycle.classes + cycle.classes.prefix(1)).map { "\"\($0)\"" }.joined(separator: " -> ") + across
    }

    private func block(_ cycle: RecordedLockGraph.Cycle, number: Int) -> [String] {
        // Opens, as a live report does, on the code paths to change: each edge's acquisition.
        var lines = [title(cycle, number: number)] + ReportHeadline.fixLines(cycle.edges.map { edge in
            (ReportHeadline.place(in: edge.record.acquirerStack), "takes \"\(edge.to)\" while holding \"\(edge.from)\"")
        })
        for edge in cycle.edges {
            lines.append("  \"\(edge.from)\" -> \"\(edge.to)\": from \(edge.source) (pid \(edge.process.pid), thread \(edge.record.thread.id)\(edge.record.thread.name.map { " \"\($0)\"" } ?? ""))")
            guard showsStacks else { continue }
            lines += stack("\"\(edge.from)\" acquired", edge.record.holderStack)
            lines += stack("\"\(edge.to)\" acquired while holding \"\(edge.from)\"", edge.record.acquirerStack)
        }
        return lines
    }

    private func stack(_ label: String, _ frames: [LockGraphDocument.Frame]) -> [String] {
        ["      \(label):"] + LockGraphDocument.Frame.foldedLines(frames, indent: "        ")
    }

    private func finding(_ cycle: RecordedLockGraph.Cycle, number: Int, roots: inout SourceRootResolver) -> LockGraphFinding {
        let rule: LockGraphFinding.Rule = cycle.classes.contains { $0.hasSuffix(LockNode.signalClassSuffix) } ? .waitSignalCycle : .lockOrderInversion
        let closing = cycle.edges[Self.closingEdgeIndex(cycle)]
        var related: [LockGraphFinding.Location] = []
        for edge in cycle.edges {
            let held = "\"\(edge.from)\" acquired (held while \"\(edge.to)\" was acquired)"
            let acquired = "\"\(edge.to)\" acquired while holding \"\(edge.from)\""
            related += [FindingSite.location(in: edge.record.holderStack, message: held, roots: &roots),
                        FindingSite.location(in: edge.record.acquirerStack, message: acquired, roots: &roots)].compactMap { $0 }
        }
        let closingMessage = "\"\(closing.to)\" acquired while holding \"\(closing.from)\": this acquisition closed the cycle"
        return LockGraphFinding(
            rule: rule, title: title(cycle, number: number), text: block(cycle, number: number).joined(separator: "\n"),
            location: FindingSite.location(in: closing.record.acquirerStack, message: closingMessage, roots: &roots),
            relatedLocations: related, locks: cycle.classes,
            fingerprint: LockGraphFinding.fingerprint(rule: rule, locks: cycle.classes))
    }

    /// The edge that closed `cycle`: one its process flagged as closing a cycle (snapshots),
    /// else the one taken last: latest process (its record's date), then highest ``LockGraphDocument/Edge/order``.
    /// Records without order (version 1) leave the last edge of the cycle as listed.
    static func closingEdgeIndex(_ cycle: RecordedLockGraph.Cycle) -> Int {
        let edges = cycle.edges
        return edges.indices.max { a, b in
            let left = (edges[a].record.closesCycle ? 1 : 0, edges[a].process.date, edges[a].record.order ?? -1, a)
            let right = (edges[b].record.closesCycle ? 1 : 0, edges[b].process.date, edges[b].record.order ?? -1, b)
            return left < right
        } ?? 0
    }
}

/// Picks the source line a stack points at, for a finding's location.
enum FindingSite {
    /// The first frame with a file and line, preferring one under a package root and outside
    /// `.build` (the user's code over a dependency checked out there); nil when no frame has both.
    static func location(in frames: [LockGraphDocument.Frame], message: String, roots: inout SourceRootResolver) -> LockGraphFinding.Location? {
        let candidates = frames.compactMap { frame -> LockGraphDocument.Frame? in
            guard frame.file != nil, let line = frame.line, line >= 1 else { return nil }
            return frame.locatingSource(with: &roots)
        }
        let inPackage = candidates.first { frame in
            frame.relativeFile.map { !$0.hasPrefix(".build/") } ?? false
        }
        guard let frame = inPackage ?? candidates.first, let file = frame.file, let line = frame.line else { return nil }
        return LockGraphFinding.Location(file: file, relativeFile: frame.relativeFile, root: frame.sourceRoot, line: line, message: message)
    }
}
