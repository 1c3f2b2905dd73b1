extension LockGraphFinding {
    /// The finding of a violation a running process recorded; its text is the violation's full
    /// report (``LockViolation/description``), however the report pipeline words it.
    ///
    /// For a cycle (an inversion, a wait/signal cycle) the location is the acquisition that
    /// closed it (the report's last edge if that is not known), and each edge's two stacks give
    /// the related locations; for any other
    /// kind, the location is the report's last stack (the second acquisition, the unlock, the
    /// deallocation: where the problem showed) and every stack a related location.
    init(_ violation: LockViolation, roots: inout SourceRootResolver) {
        let rule = Self.rule(of: violation)
        var location: Location?
        var related: [Location] = []
        func site(_ stack: LockBacktrace) -> Location? {
            FindingSite.location(in: stack.frames.map(LockGraphDocument.Frame.init), message: stack.label, roots: &roots)
        }
        let closingIndex = violation.closingEdgeIndex.flatMap { violation.edges.indices.contains($0) ? $0 : nil }
        if let closing = closingIndex.map({ violation.edges[$0] }) ?? violation.edges.last {
            location = site(closing.acquirerStack)
            related = violation.edges.flatMap { [site($0.holderStack), site($0.acquirerStack)] }.compactMap { $0 }
        } else {
            location = violation.backtraces.last.flatMap(site)
            related = violation.backtraces.compactMap(site)
        }
        let locks = violation.locks.map(\.classKey)
        self.init(rule: rule, title: violation.summary, text: violation.description, location: location,
                  relatedLocations: related, locks: locks, fingerprint: Self.fingerprint(rule: rule, locks: locks))
    }

    /// A lock-order inversion whose edges do not chain instance to instance was found between
    /// lock classes (class checking); a wait-while-holding report with edges is a wait/signal cycle.
    static func rule(of violation: LockViolation) -> Rule {
        let edges = violation.edges
        switch violation.kind {
        case .lockOrderInversion where !edges.isEmpty:
            let chained = edges.indices.allSatisfy { edges[$0].to.id == edges[(edges.index(after: $0)) % edges.count].from.id }
            return chained ? .lockOrderInversion : .classInversion
        case .lockOrderInversion:
            return .lockOrderInversion
        case .waitWhileHolding where !edges.isEmpty:
            return .waitSignalCycle
        default:
            return .violation(violation.kind)
        }
    }
}
