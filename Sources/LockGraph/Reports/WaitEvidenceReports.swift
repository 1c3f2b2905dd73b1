extension ReportBuilder {
    /// A cycle through a condition's signal node (see `Tracking.signalled`): a thread waits for a
    /// signal while holding a lock that the signal was seen to need. Worded per edge kind: a
    /// wait (`H -> signal`), a signal (`signal -> L`), or an ordinary lock edge on the way back to
    /// H.
    static func waitCycle(_ cycle: [EdgeRecord], _ context: ReportContext) -> LockViolation {
        let waits = cycle.filter { LockNode.isSignal($0.toNode) }
        let signals = cycle.filter { LockNode.isSignal($0.fromNode) }
        let edges = cycle.map { record -> LockEdge in
            if LockNode.isSignal(record.toNode) {
                return LockEdge(
                    from: record.from.descriptor, to: record.to.descriptor, thread: record.thread,
                    holderStack: holderBacktrace(record, label: "\(record.from.descriptor) acquired\(LockNode.modeSuffix(record.fromNode)) (still held during the wait)"),
                    acquirerStack: LockBacktrace(label: "wait on \(record.to.descriptor) while holding \(record.from.descriptor)",
                                                 thread: record.thread, frames: Symbolication.frames(of: record.acquirerStack)))
            }
            if LockNode.isSignal(record.fromNode) {
                return LockEdge(
                    from: record.from.descriptor, to: record.to.descriptor, thread: record.thread,
                    holderStack: LockBacktrace(label: "\(record.from.descriptor) signalled while holding \(record.to.descriptor)",
                                               thread: record.thread, frames: Symbolication.frames(of: record.holderStack)),
                    acquirerStack: LockBacktrace(label: "\(record.to.descriptor) acquired\(LockNode.modeSuffix(record.toNode)) (held while signalling)",
                                                 thread: record.thread, frames: Symbolication.frames(of: record.acquirerStack)))
            }
            return LockEdge(
                from: record.from.descriptor, to: record.to.descriptor, thread: record.thread,
                holderStack: holderBacktrace(record, label: "\(record.from.descriptor) acquired\(LockNode.modeSuffix(record.fromNode))"),
                acquirerStack: LockBacktrace(label: "\(record.to.descriptor) acquired\(LockNode.modeSuffix(record.toNode)) while holding \(record.from.descriptor)",
                                             thread: record.thread, frames: Symbolication.frames(of: record.acquirerStack)))
        }
        // The code path of each edge: the wait, the signal, or the acquisition.
        let paths = zip(cycle, edges).map { record, edge -> ReportHeadline.CodePath in
            if LockNode.isSignal(record.toNode) {
                return .init(stack: edge.acquirerStack, note: "waits on \(ReportHeadline.name(edge.to)) while holding \(ReportHeadline.name(edge.from))")
            }
            if LockNode.isSignal(record.fromNode) {
                return .init(stack: edge.holderStack, note: "signals \(ReportHeadline.name(edge.from)) while holding \(ReportHeadline.name(edge.to))")
            }
            return .init(stack: edge.acquirerStack, note: "takes \(ReportHeadline.name(edge.to)) while holding \(ReportHeadline.name(edge.from))")
        }
        let conditions = waits.map { $0.to.descriptor }
        let held = waits.map { "\($0.from.descriptor)" }.joined(separator: ", ")
        let condition = conditions.map { "\($0)" }.joined(separator: ", ")
        let signalHeld = signals.map { "\($0.to.descriptor)" }.joined(separator: ", ")
        let direct = Set(waits.map(\.from.id)) == Set(signals.map(\.to.id))
        let evidence = direct
            ? "it was signalled by code holding \(signalHeld)"
            : "it was signalled by code holding \(signalHeld), which is taken before \(held) elsewhere"
        return context.violation(
            .waitWhileHolding,
            locks: distinct(cycle.flatMap { [$0.from.descriptor, $0.to.descriptor] }),
            threads: distinct(edges.map(\.thread)),
            edges: edges,
            backtraces: edges.flatMap { [$0.holderStack, $0.acquirerStack] },
            headline: ReportHeadline("wait while holding: a wait on \(ReportHeadline.names(conditions)) while holding \(ReportHeadline.names(waits.map(\.from.descriptor)))", paths),
            summary: "wait while holding: \(waits.first.map { "\($0.thread)" } ?? "a thread") waits on \(condition) while holding \(held), and \(evidence): "
                + "a waiter holding \(held) can keep that signal from ever coming (a deadlock)",
            advice: "Release \(held) before waiting, or signal without holding \(signalHeld). If that signaller never runs while "
                + "the waiter waits, pass allowingHeldLocks: true to wait to say so.",
            scopes: cycle.flatMap { [$0.from.scope, $0.to.scope] })
    }

    /// The "held lock acquired" half of an edge: the full stack, or the call site only.
    private static func holderBacktrace(_ record: EdgeRecord, label: String) -> LockBacktrace {
        LockBacktrace(label: label + (record.holderStackIsSiteOnly ? siteOnlyNote : ""), thread: record.thread, frames: Symbolication.frames(of: record.holderStack))
    }
}
