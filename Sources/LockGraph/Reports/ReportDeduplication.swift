/// The code path a violation comes from: one report per path, however many lock instances
/// repeat it (a program that creates new locks per call, as SwiftNIO does, would otherwise get
/// the same report once per call).
///
/// The key, exactly:
/// - for a `.lockOrderInversion`: the kind, and for each edge of the cycle the tuple
///   (from-lock creation site, to-lock creation site, first user frame of the holder stack,
///   first user frame of the acquirer stack); the tuples are sorted, so the lock the cycle
///   happens to start at does not matter;
/// - for every other kind: the kind, the creation site of each lock in report order, and the
///   first user frame of each stack in report order.
///
/// A lock's creation site is its name (or nothing, for an unnamed lock) with the file and line
/// of its initializer call: locks created on one line under one name are one site, so an
/// unnamed lock made per request or a `TrackedMutex(name: "account")` made per account repeat,
/// while locks a program names apart (`"queue-\(id)"`) count as different code paths. A stack's
/// first user frame is the first frame that survives symbolication's filtering (LockGraph's own
/// frames, leading standard-library frames, thunks, macro glue): `file:line` when known, else
/// its address; an empty stack contributes `-`.
///
/// Computing it needs symbolized frames, so deduplication runs on the reporter thread, after
/// the report is built (frames come from the symbol cache, so a repeat costs little).
struct CodePathKey: Hashable, Sendable {
    let parts: [String]

    init(_ violation: LockViolation) {
        var parts = [violation.kind.rawValue]
        if violation.kind == .lockOrderInversion && !violation.edges.isEmpty {
            parts += violation.edges.map { edge in
                [Self.site(of: edge.from), Self.site(of: edge.to),
                 Self.firstFrame(of: edge.holderStack), Self.firstFrame(of: edge.acquirerStack)].joined(separator: " | ")
            }.sorted()
        } else {
            parts += violation.locks.map(Self.site(of:))
            parts += violation.backtraces.map(Self.firstFrame(of:))
        }
        self.parts = parts
    }

    static func site(of lock: LockDescriptor) -> String {
        (lock.name.map { "\"\($0)\" " } ?? "") + "\(lock.file):\(lock.line)"
    }

    static func firstFrame(of stack: LockBacktrace) -> String {
        guard let frame = stack.frames.first else { return "-" }
        if let file = frame.file, let line = frame.line { return "\(file):\(line)" }
        return FrameFormatter.hex(frame.address)
    }
}
