/// The opening of a report: at most three lines that name the user's code to change and where
/// it is, so a reader sees what to fix before reading any stack.
///
///     LockGraph: lock-order inversion between "accounts" and "ledger"
///       fix one of: transfer(from:to:) at Bank.swift:42 (takes "ledger" while holding "accounts")
///               or: audit() at Audit.swift:17 (takes "accounts" while holding "ledger")
///
/// Each code path is the first user frame of one of the report's stacks (see
/// `LockBacktrace.userFrame`: past LockGraph, the runtime, Foundation, Dispatch, libc and the
/// declared wrappers), named by its function and file:line, with what it does there. The full
/// stacks follow in the body of the report.
struct ReportHeadline: Sendable {
    /// One place to change: the stack whose user frame names it, and what the code does there.
    struct CodePath: Sendable {
        let stack: LockBacktrace
        let note: String

        /// `transfer(from:to:) at Bank.swift:42`, or why no function can be named.
        var place: String {
            guard let frame = stack.userFrame else {
                return stack.frames.isEmpty ? "[no stack captured]" : "[no frame of the program's own code on the stack]"
            }
            let function = frame.symbol.map(FrameFormatter.functionName) ?? FrameFormatter.hex(frame.address)
            return FrameFormatter.describe(address: function, symbol: function, file: frame.file, line: frame.line, image: frame.image)
        }
    }

    /// The kind of problem and what it is about: `lock-order inversion between "a" and "b"`.
    let title: String
    let paths: [CodePath]

    init(_ title: String, _ paths: [CodePath] = []) {
        self.title = title
        self.paths = paths
    }

    /// The headline's lines: the title, then one path (`fix:`), or the alternatives (`fix one
    /// of:` ... `or:`). Never more than three: with more than two paths, paths at one place are
    /// merged and those past the second share the third line.
    var lines: [String] {
        var entries = paths.map { (place: $0.place, note: $0.note) }
        if entries.count > 2 {
            var merged: [(place: String, note: String, count: Int)] = []
            for entry in entries {
                if let index = merged.firstIndex(where: { $0.place == entry.place }) {
                    merged[index].count += 1
                } else {
                    merged.append((entry.place, entry.note, 1))
                }
            }
            entries = merged.map { ($0.place, $0.count == 1 ? $0.note : "\($0.note); \($0.count - 1) more like it") }
        }
        let written = entries.map { "\($0.place) (\($0.note))" }
        var lines = ["LockGraph: \(title)"]
        switch written.count {
        case 0: break
        case 1: lines.append("  fix: " + written[0])
        default:
            lines.append("  fix one of: " + written[0])
            lines.append("          or: " + written.dropFirst().joined(separator: "; or: "))
        }
        return lines
    }

    /// `"a" and "b"`, `"a", "b" and "c"`: the locks as a title names them.
    static func names(_ locks: [LockDescriptor]) -> String {
        FrameFormatter.listed(ReportBuilder.distinct(locks).map(ReportBuilder.shortName))
    }
}
