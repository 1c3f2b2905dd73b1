import Foundation

/// Turns a `ReportRequest` into the `LockViolation` users see: symbolizes its stacks and words
/// its summary, advice and stack labels. The only place violations are made.
///
/// Runs on the reporter thread, or on the detecting thread for a report that ends the process
/// (see `Reporter`). Reads only the request (and the symbol cache): never a thread's state.
enum ReportBuilder {
    /// The violation for `request`, detected at `date` on a thread whose test scope was
    /// `detectingScope`; nil when the request is a repeat that is not reported again.
    static func violation(for request: ReportRequest, date: Date, detectingScope: UInt64?) -> LockViolation? {
        let context = ReportContext(date: date, detectingScope: detectingScope)
        switch request {
        case let .lockOrderInversion(cycle, betweenClasses):
            // Both builders list one edge per record, in cycle order.
            var violation = cycle.contains(where: { LockNode.isSignal($0.fromNode) || LockNode.isSignal($0.toNode) })
                ? waitCycle(cycle, context)
                : lockOrderInversion(cycle, betweenClasses: betweenClasses, context)
            violation.closingEdgeIndex = cycle.firstIndex(where: \.closesCycle)
            return violation
        case let .sameClassNesting(record, thread):
            return sameClassNesting(record, thread: thread, context)
        case let .reentrantAcquire(lock, thread, firstAcquired, siteOnly, requestedAgain, outcome, reason):
            return reentrantAcquire(lock, thread: thread, firstAcquired: firstAcquired, firstAcquiredSiteOnly: siteOnly,
                                    requestedAgain: requestedAgain, outcome: outcome, reason: reason, context)
        case let .reentrantQueueOperation(queue, operation, thread, entered, reentered, outcome):
            return reentrantQueueOperation(queue, operation: operation, thread: thread, entered: entered, reentered: reentered,
                                           outcome: outcome, context)
        case let .poolShutdownFromOwnTask(pool, lock, thread, stack):
            return poolShutdownFromOwnTask(pool: pool, lock: lock, thread: thread, stack: stack, context)
        case let .invalidUnlock(lock, thread, stack, detail):
            return invalidUnlock(lock, thread: thread, stack: stack, detail: detail, context)
        case let .destroyedWhileHeld(lock, holder, acquired, destroyer, deallocated, destroyerAlsoHeld):
            return destroyedWhileHeld(lock, holder: holder, acquired: acquired, destroyer: destroyer, deallocated: deallocated,
                                      destroyerAlsoHeld: destroyerAlsoHeld, context)
        case let .blockingInAsyncContext(lock, thread, waited, stack):
            return blockingInAsyncContext(lock, thread: thread, waited: waited, stack: stack, context)
        case let .deadlock(cycle):
            return deadlock(cycle, context)
        case let .stall(stall):
            return self.stall(stall, context)
        case let .resourceDeadlock(sighting):
            return resourceDeadlock(sighting, context)
        case let .loopLag(name, lateBy, threshold, thread, stack):
            return loopLag(name: name, lateBy: lateBy, threshold: threshold, thread: thread, stack: stack, context)
        case let .threadExhaustion(sighting):
            return threadExhaustion(sighting, context)
        }
    }

    /// The message the process ends with after delivering `request`, for a request that ends
    /// it (a fatal reentrant acquire); nil for every other request.
    static func terminationMessage(for request: ReportRequest) -> String? {
        guard case let .reentrantAcquire(lock, thread, _, _, _, .terminates, _) = request else { return nil }
        return "LockGraph: terminating: \(thread) re-acquired non-recursive \(lock.descriptor) and would hang forever.\n"
    }

    // MARK: Wording shared by several reports

    /// Added to the label of a holder stack that is only the call site.
    static let siteOnlyNote = " (only the call site kept: the lock was past its first acquisitions; LOCKGRAPH_HOLDER_STACKS=always keeps every stack)"

    /// A lock as advice names it: `"name"`, or its description when unnamed.
    static func shortName(_ lock: LockDescriptor) -> String {
        lock.name.map { "\"\($0)\"" } ?? lock.description
    }

    /// `elements` without repeats, in first-seen order.
    static func distinct<Element: Equatable>(_ elements: [Element]) -> [Element] {
        elements.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Nanoseconds as reports show a wait or hold: `1.25 s`.
    static func seconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.2f s", Double(nanoseconds) / 1_000_000_000)
    }

    // MARK: Lock-order inversions

    static func lockOrderInversion(_ cycle: [EdgeRecord], betweenClasses: Bool, _ context: ReportContext) -> LockViolation {
        let edges = cycle.map { record in
            let held = LockNode.modeSuffix(record.fromNode)
            let entered = record.from.kind == .dispatchQueue ? " (entered; for an async block: where it was submitted)" : ""
            let acquired = LockNode.modeSuffix(record.toNode)
            let siteOnly = record.holderStackIsSiteOnly || record.holderStack.addresses.isEmpty ? siteOnlyNote : ""
            return LockEdge(
                from: record.from.descriptor,
                to: record.to.descriptor,
                thread: record.thread,
                holderStack: LockBacktrace(
                    label: "\(record.from.descriptor) acquired\(held)\(entered)\(siteOnly)",
                    thread: record.thread,
                    frames: Symbolication.frames(of: record.holderStack)),
                acquirerStack: LockBacktrace(
                    label: "\(record.to.descriptor) acquired\(acquired) while holding \(record.from.descriptor)\(held)",
                    thread: record.thread,
                    frames: Symbolication.frames(of: record.acquirerStack))
            )
        }
        let locks = edges.map(\.from)
        let order = locks.map(shortName).joined(separator: ", ")
        let paths = edges.map { edge in
            ReportHeadline.CodePath(stack: edge.acquirerStack, note: "takes \(ReportHeadline.name(edge.to)) while holding \(ReportHeadline.name(edge.from))")
        }
        return context.violation(
            .lockOrderInversion,
            locks: locks,
            threads: distinct(edges.map(\.thread)),
            edges: edges,
            backtraces: edges.flatMap { [$0.holderStack, $0.acquirerStack] },
            headline: ReportHeadline("lock-order inversion between \(betweenClasses ? "lock classes " : "")\(ReportHeadline.names(locks))", paths),
            summary: betweenClasses
                ? "lock-order inversion (potential deadlock) between \(locks.count) lock classes taken in opposite orders (by different instances: another run can pair them)"
                : "lock-order inversion (potential deadlock) between \(locks.count) locks taken in opposite orders",
            advice: "Acquire these locks in one global order everywhere (for example always \(order)), "
                + "or release one before taking the next on one of the paths above.",
            scopes: cycle.flatMap { [$0.from.scope, $0.to.scope] })
    }
}

/// When and where a request was detected: what every violation built from it carries.
struct ReportContext {
    let date: Date
    /// The test scope current on the detecting thread, which owns the violation when none of its
    /// locks has a scope (see `ViolationScope`).
    let detectingScope: UInt64?

    func violation(_ kind: LockViolation.Kind, locks: [LockDescriptor], threads: [ThreadDescriptor], edges: [LockEdge] = [],
                   backtraces: [LockBacktrace], headline: ReportHeadline, summary: String, advice: String,
                   scopes: [UInt64?]) -> LockViolation {
        LockViolation(kind: kind, locks: locks, threads: threads, edges: edges, backtraces: backtraces, summary: summary,
                      advice: advice, headline: headline, date: date, scopes: scopes, detectingScope: detectingScope)
    }
}
