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
    /// of:` ... `or:`). Never more than three: identical paths are one, with more than two left
    /// paths at one place are merged, and those past the second share the third line.
    var lines: [String] {
        ["LockGraph: \(title)"] + Self.fixLines(paths.map { (place: $0.place, note: $0.note) })
    }

    /// The lines after the title: one path (`fix:`) or the alternatives (`fix one of:` ...
    /// `or:`), at most two lines (see `lines`). Also `lockgraph check`'s, for recorded cycles.
    static func fixLines(_ all: [(place: String, note: String)]) -> [String] {
        let distinct = merged(all) { $0.place == $1.place && $0.note == $1.note }
        let entries = distinct.count > 2 ? merged(all) { $0.place == $1.place } : distinct
        let written = entries.map { "\($0.place) (\($0.note))" }
        switch written.count {
        case 0: return []
        case 1: return ["  fix: " + written[0]]
        default: return ["  fix one of: " + written[0], "          or: " + written.dropFirst().joined(separator: "; or: ")]
        }
    }

    /// A recorded stack's place to change, as `CodePath.place` names a live one: the first frame
    /// outside the runtime, the system libraries and the compiler's glue.
    static func place(in frames: [LockGraphDocument.Frame]) -> String {
        let user = frames.first { frame in
            FrameFormatter.runtimeSource(symbol: frame.symbol, image: frame.image) == nil
                && !(frame.image.map(FrameFormatter.isSystemImage) ?? false)
        }
        guard let frame = user else { return frames.isEmpty ? "[no stack recorded]" : "[no frame of the program's own code on the stack]" }
        let function = frame.symbol.map(FrameFormatter.functionName) ?? frame.address
        return FrameFormatter.describe(address: function, symbol: function, file: frame.file, line: frame.line, image: frame.image)
    }

    /// `entries` with the `same` ones kept once, at the first, its note saying how many more.
    private static func merged(_ entries: [(place: String, note: String)],
                               where same: ((place: String, note: String), (place: String, note: String)) -> Bool)
        -> [(place: String, note: String)] {
        var kept: [(entry: (place: String, note: String), count: Int)] = []
        for entry in entries {
            if let index = kept.firstIndex(where: { same($0.entry, entry) }) {
                kept[index].count += 1
            } else {
                kept.append((entry, 1))
            }
        }
        return kept.map { ($0.entry.place, $0.count == 1 ? $0.entry.note : "\($0.entry.note); \($0.count - 1) more like it") }
    }

    /// A lock as a path's note names it: `"accounts"`, or `NSLock#2` when unnamed (the title
    /// names it with its creation site).
    static func name(_ lock: LockDescriptor) -> String {
        lock.name.map { "\"\($0)\"" } ?? "\(lock.wrapperType ?? lock.type)#\(lock.id)"
    }

    /// `"a" and "b"`, `"a", "b" and "c"`: the locks as a title names them.
    static func names(_ locks: [LockDescriptor]) -> String {
        FrameFormatter.listed(ReportBuilder.distinct(locks).map(ReportBuilder.shortName))
    }
}
