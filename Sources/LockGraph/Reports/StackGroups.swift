/// Stacks that many threads share, written once: a thread-exhaustion report samples hundreds
/// of threads that mostly run the same code, and a dump can list many edges first taken on one
/// code path by different threads.
enum StackGroups {
    /// Stacks that are alike, in the order their first member came.
    struct Group {
        let first: LockBacktrace
        private(set) var members: [LockBacktrace]
        var count: Int { members.count }

        init(_ stack: LockBacktrace) {
            first = stack
            members = [stack]
        }

        mutating func add(_ stack: LockBacktrace) { members.append(stack) }
    }

    /// The stacks grouped by identical frames (same addresses, so same code on the same path).
    static func identical(_ stacks: [LockBacktrace]) -> [Group] {
        grouped(stacks) { $0.frames }
    }

    /// The stacks grouped by their first user frame (see `LockBacktrace.userFrame`), the
    /// largest group first (ties in first-seen order).
    static func byUserFrame(_ stacks: [LockBacktrace]) -> [Group] {
        let groups = grouped(stacks) { $0.userFrame.map { [$0] } ?? [] }
        return groups.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }.map(\.element)
    }

    /// The stacks as a report writes them, `indent` before each line and a blank line between
    /// two stacks: a stack shared by several threads once, after `N threads here (...)`, and a
    /// stack of one thread as `LockBacktrace.description` writes it.
    static func lines(_ stacks: [LockBacktrace], indent: String) -> [String] {
        var lines: [String] = []
        for group in identical(stacks) {
            if !lines.isEmpty { lines.append("") }
            if group.count == 1 {
                lines += group.first.description.split(separator: "\n", omittingEmptySubsequences: false).map { indent + $0 }
            } else {
                lines.append("\(indent)\(group.count) threads here (\(threadList(group.members.map(\.thread)))):")
                lines += group.first.frameLines(indent: indent + "    ")
            }
        }
        return lines
    }

    /// One edge of a dump: its line, the thread that first took it, and its two stacks when
    /// the dump writes them.
    struct Edge {
        let line: String
        let thread: ThreadDescriptor
        let stacks: (holder: LockBacktrace, acquirer: LockBacktrace)?
    }

    /// A dump's edges: those first taken on one code path (identical holder and acquirer
    /// stacks) listed together, their stacks written once, `indent` before each, after `N
    /// threads here (the M edges above):`; an edge of its own path with its stacks as before.
    /// Edges without stacks keep their place.
    static func lines(_ edges: [Edge], indent: String) -> [String] {
        struct Key: Hashable {
            let holder: [LockBacktrace.Frame], acquirer: [LockBacktrace.Frame]
        }
        var order: [[Edge]] = []
        var index: [Key: Int] = [:]
        for edge in edges {
            guard let stacks = edge.stacks else {
                order.append([edge])
                continue
            }
            let key = Key(holder: stacks.holder.frames, acquirer: stacks.acquirer.frames)
            if let at = index[key] {
                order[at].append(edge)
            } else {
                index[key] = order.count
                order.append([edge])
            }
        }
        var lines: [String] = []
        for group in order {
            lines += group.map(\.line)
            guard let stacks = group[0].stacks else { continue }
            if group.count > 1 {
                let threads = ReportBuilder.distinct(group.map(\.thread)).count
                lines.append("\(indent)\(threads) thread\(threads == 1 ? "" : "s") here (the \(group.count) edges above):")
            }
            for stack in [stacks.holder, stacks.acquirer] {
                lines += stack.description.split(separator: "\n", omittingEmptySubsequences: false).map { indent + $0 }
            }
        }
        return lines
    }

    /// The first few threads, then how many more: a group of hundreds stays one line.
    static func threadList(_ threads: [ThreadDescriptor], shown: Int = 4) -> String {
        let named = threads.prefix(shown).map(\.description).joined(separator: ", ")
        return threads.count > shown ? "\(named) and \(threads.count - shown) more" : named
    }

    private static func grouped<Key: Hashable>(_ stacks: [LockBacktrace], by key: (LockBacktrace) -> Key) -> [Group] {
        var groups: [Group] = []
        var index: [Key: Int] = [:]
        for stack in stacks {
            let key = key(stack)
            if let at = index[key] {
                groups[at].add(stack)
            } else {
                index[key] = groups.count
                groups.append(Group(stack))
            }
        }
        return groups
    }
}
