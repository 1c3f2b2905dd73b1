/// Renders a violation as the terminal report, in the spirit of lockdep and ThreadSanitizer.
enum ReportFormatter {
    static let rule = String(repeating: "=", count: 78)

    /// The rule, the headline (at most three lines naming the code to change, see
    /// `ReportHeadline`), then the body: the summary, the locks or the cycle, every stack (those
    /// shared by several threads of a thread-exhaustion report once), the advice, the rule.
    static func format(_ violation: LockViolation) -> String {
        var lines: [String] = [rule] + violation.headline.lines
        lines.append("")
        lines.append(violation.summary)
        if violation.kind == .lockOrderInversion {
            lines.append("")
            let cycle = (violation.locks + violation.locks.prefix(1)).map(\.description)
            lines.append("Cycle: " + cycle.joined(separator: " -> "))
            for (number, edge) in violation.edges.enumerated() {
                lines.append("")
                lines.append("Edge \(number + 1) of \(violation.edges.count): \(edge.from) -> \(edge.to), first taken by \(edge.thread)")
                lines.append(indent(edge.holderStack.description))
                lines.append(indent(edge.acquirerStack.description))
            }
        } else {
            if !violation.locks.isEmpty {
                lines.append("")
                lines.append((violation.locks.count == 1 ? "Lock: " : "Locks: ") + violation.locks.map(\.description).joined(separator: ", "))
            }
            if violation.kind == .threadExhaustion {
                lines.append("")
                lines += StackGroups.lines(violation.backtraces, indent: "  ")
            } else {
                for stack in violation.backtraces {
                    lines.append("")
                    lines.append(indent(stack.description))
                }
            }
        }
        lines.append("")
        lines.append("Fix: \(violation.advice)")
        lines.append(rule)
        return lines.joined(separator: "\n")
    }

    /// Every line of `text` indented by `spaces` spaces.
    static func indent(_ text: String, by spaces: Int = 2) -> String {
        let padding = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { padding + $0 }.joined(separator: "\n")
    }
}
