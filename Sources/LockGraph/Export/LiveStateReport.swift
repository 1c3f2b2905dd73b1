import Foundation

/// The text of a dump: every live lock with its holder and waiters, each thread's held-lock
/// stack and wait, every edge with its first-seen stacks, and the violations so far (each once,
/// with how many times its code path was seen).
///
/// Built from the graph store, the thread registry and the violation list, each read under its
/// own internal lock; no tracked lock is ever taken, so a dump cannot deadlock the program.
///
/// Bounded, so a dump of a huge graph stays quick: every edge that closes a cycle or touches a
/// held or waited lock is written with its stacks, other edges with stacks up to
/// `edgesWithStacks`, then one line each up to `edgesListed`; the rest is counted on one line.
/// (A directory dump's JSON file holds the whole graph.)
enum LiveStateReport {
    static let edgesWithStacks = 200
    static let edgesListed = 2_000

    struct ThreadView {
        let thread: ThreadDescriptor
        let held: [(lock: LockDescriptor, since: UInt64)]
        let wait: (lock: LockDescriptor, since: UInt64, kind: ThreadState.WaitKind)?
    }

    static func threadViews(locks: [UInt64: LockDescriptor]) -> [ThreadView] {
        ThreadRegistry.shared.observe().compactMap { observed -> ThreadView? in
            let held = observed.held.compactMap { entry in
                locks[entry.id].map { (lock: $0, since: entry.since) }
            }
            let wait = observed.wait.flatMap { wait in
                locks[wait.lock].map { (lock: $0, since: wait.since, kind: wait.kind) }
            }
            guard !held.isEmpty || wait != nil else { return nil }
            return ThreadView(thread: observed.thread, held: held, wait: wait)
        }
    }

    static func text(number: Int, includeEdgeStacks: Bool = true) -> String {
        var text = ""
        write(number: number, includeEdgeStacks: includeEdgeStacks) { text += $0 }
        return text
    }

    /// Edges written between two pieces handed to `emit`.
    static let edgesPerPiece = 50

    /// The dump in pieces, in order, each a run of whole lines: the header line first, before
    /// anything is read, then each section as it is built, the edges every `edgesPerPiece`. A
    /// signal dump writes each piece as it comes, so it starts at once however large the graph
    /// or however busy the process.
    static func write(number: Int, includeEdgeStacks: Bool = true, to emit: (String) -> Void) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        emit("==== LockGraph dump #\(number): pid \(getpid()), \(stamp) ====\n")
        var lines: [String] = []
        func flush() {
            guard !lines.isEmpty else { return }
            emit(lines.joined(separator: "\n") + "\n")
            lines.removeAll(keepingCapacity: true)
        }
        let snapshot = LockMonitor.snapshot()
        let locksByID = Dictionary(uniqueKeysWithValues: snapshot.locks.map { ($0.id, $0) })
        let threads = threadViews(locks: locksByID)
        let now = MonotonicClock.nanoseconds()
        let coarseNow = now  // hold stamps come from `HoldClock` (monotonic, to one watchdog tick)
        func duration(_ since: UInt64, coarse: Bool) -> String {
            String(format: "%.3f s", MonotonicClock.seconds(from: since, to: coarse ? coarseNow : now))
        }

        lines.append("")
        lines.append("Live locks (\(snapshot.locks.count)):")
        for lock in snapshot.locks {
            lines.append("  \(lock) [\(lock.type) #\(lock.id)]")
            let holders = threads.compactMap { view in
                view.held.first { $0.lock.id == lock.id }.map { (view.thread, $0.since) }
            }
            for (thread, since) in holders {
                lines.append("      held by \(thread) for \(duration(since, coarse: true))")
            }
            if holders.isEmpty { lines.append("      free") }
            for view in threads {
                guard let wait = view.wait, wait.lock.id == lock.id else { continue }
                let how = wait.kind == .acquiring ? "to acquire it" : wait.kind == .semaphore ? "on it (semaphore)" : "on its condition"
                lines.append("      waiting: \(view.thread) \(how) for \(duration(wait.since, coarse: false))")
            }
        }

        flush()
        lines.append("")
        lines.append("Threads holding or waiting for tracked locks (\(threads.count)):")
        for view in threads {
            let held = view.held.map { "\($0.lock) for \(duration($0.since, coarse: true))" }
            lines.append("  \(view.thread)")
            lines.append("      holds (outermost first): " + (held.isEmpty ? "nothing" : held.joined(separator: " -> ")))
            if let wait = view.wait {
                let how = wait.kind == .acquiring ? "waits to acquire" : wait.kind == .semaphore ? "waits on the semaphore" : "waits on the condition of"
                lines.append("      \(how) \(wait.lock) for \(duration(wait.since, coarse: false))")
            }
        }

        flush()
        lines.append("")
        lines.append("Edges (\(snapshot.edges.count)):")
        // What the dump is most likely asked to explain first: cycles, and the locks in use now.
        let inUse = Set(threads.flatMap { view in view.held.map(\.lock.id) + (view.wait.map { [$0.lock.id] } ?? []) })
        let urgent = snapshot.edges.filter { $0.closesCycle || inUse.contains($0.from.id) || inUse.contains($0.to.id) }
        let others = snapshot.edges.filter { !($0.closesCycle || inUse.contains($0.from.id) || inUse.contains($0.to.id)) }
        var withStacks = 0, listed = 0
        var listedEdges: [StackGroups.Edge] = []
        for edge in urgent + others {
            let isUrgent = edge.closesCycle || inUse.contains(edge.from.id) || inUse.contains(edge.to.id)
            guard isUrgent || listed < edgesListed else { break }
            listed += 1
            if listed % edgesPerPiece == 0 { flush() }
            let marker = edge.closesCycle ? "  [closes a cycle]" : ""
            let withItsStacks = includeEdgeStacks && (isUrgent || withStacks < edgesWithStacks)
            if withItsStacks { withStacks += 1 }
            listedEdges.append(StackGroups.Edge(line: "  \(edge.from) -> \(edge.to), first taken by \(edge.thread)\(marker)",
                                                thread: edge.thread, stacks: withItsStacks ? edge.stacks() : nil))
        }
        // Edges first taken on one code path by many threads: their stacks once.
        lines += StackGroups.lines(listedEdges, indent: "      ")
        let withoutStacks = includeEdgeStacks ? listed - withStacks : 0
        if listed < snapshot.edges.count || withoutStacks > 0 {
            lines.append("  (\(snapshot.edges.count - listed) more edge(s) not listed, \(withoutStacks) listed without stacks: "
                + "a dump writes at most \(edgesWithStacks) edges with stacks and \(edgesListed) in all, besides those on a cycle "
                + "or touching a held or waited lock; a directory dump's JSON file has the whole graph)")
        }

        // Not `LockMonitor.violations`: a dump must not wait for the reporter thread (it may be
        // what the dump is asked to explain). Reports still being prepared are counted instead.
        let violations = Reporter.violations
        let preparing = ReportQueue.shared.pendingCount
        lines.append("")
        lines.append("Violations so far (\(violations.count)):" + (preparing > 0 ? " (\(preparing) more being reported)" : ""))
        for violation in violations {
            // On the summary's first line (deadlock and stall summaries go on over more lines).
            var summary = violation.summary.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if violation.occurrences > 1 { summary[0] += " (seen \(violation.occurrences) times)" }
            lines.append("  #\(violation.sequenceNumber) " + summary.joined(separator: "\n"))
        }
        if LockMonitor.collectsStatistics {
            let contended = LockMonitor.statistics().lockClasses.filter { $0.contendedAcquisitions > 0 }.prefix(10)
            lines.append("")
            lines.append("Most contended lock classes (\(contended.count)):")
            for entry in contended {
                lines.append("  \(entry.classKey): \(entry.contendedAcquisitions) of \(entry.acquisitions) acquisitions waited; "
                    + "wait \(entry.wait); hold \(entry.hold)")
            }
        }
        lines.append("==== end of LockGraph dump #\(number) ====")
        flush()
    }
}
