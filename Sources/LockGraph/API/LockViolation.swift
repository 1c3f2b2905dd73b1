import Foundation

/// A tracked lock as it appears in reports and snapshots.
public struct LockDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The name given at creation, if any.
    public let name: String?
    /// A process-unique identifier; never reused, even after the lock is destroyed.
    public let id: UInt64
    /// Where the lock was created, as `Module/File.swift` and a line: the initializer call's
    /// `#fileID` and `#line`, or, for a lock made inside a declared wrapper, the first frame
    /// outside the wrapper (see ``LockCreationSite``).
    public let file: String
    /// The line of the creation site in ``file``.
    public let line: UInt
    /// Which tracked type the lock is; `type` is its name.
    let kind: LockKind
    /// The nesting subclass given at creation (see `LOCKGRAPH_CLASSES` in <doc:WhatIsReported>), if any.
    public var subclass: String? = nil
    /// The wrapper type the lock was created in (`ServerLock`), when its creation site was
    /// resolved past one (see ``LockCreationSite``): an unnamed lock is then described by it
    /// rather than by ``type``. Not part of ``classKey``.
    public var wrapperType: String? = nil

    /// The tracked type: `TrackedMutex`, `TrackedQueue`, ...
    public var type: String { kind.typeName }

    /// The lock's class, used to compare graphs across runs (ids differ between processes) and
    /// by class checking: its name if it has one, else its creation site `Module/File.swift:line`,
    /// followed by `/subclass` when one was given.
    public var classKey: String { Self.classKey(name: name, file: file, line: line, subclass: subclass) }

    static func classKey(name: String?, file: String, line: UInt, subclass: String?) -> String {
        (name ?? "\(file):\(line)") + (subclass.map { "/" + $0 } ?? "")
    }

    /// `"accounts" (Bank.swift:12)`, or `TrackedMutex#7 (Bank.swift:12)` when unnamed
    /// (`ServerLock#7 (Server.swift:40)` for a lock made inside a wrapper, see ``wrapperType``).
    public var description: String {
        let label = name.map { "\"\($0)\"" } ?? "\(wrapperType ?? type)#\(id)"
        return "\(label) (\(shortSite))"
    }

    /// The creation site with the module prefix of `#fileID` removed: `Bank.swift:12`.
    public var shortSite: String {
        "\(FrameFormatter.fileName(file)):\(line)"
    }
}

/// A thread as it appears in reports.
public struct ThreadDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// The kernel thread id (`gettid`).
    public let id: Int
    /// The pthread name, if the thread has one.
    public let name: String?

    /// `thread 4563 "transfer"`, or `thread 4563` when the thread has no name.
    public var description: String {
        if let name, !name.isEmpty { return "thread \(id) \"\(name)\"" }
        return "thread \(id)"
    }
}

/// A symbolized call stack attached to a report.
public struct LockBacktrace: Sendable, Hashable, CustomStringConvertible {
    /// One frame of a stack.
    public struct Frame: Sendable, Hashable, CustomStringConvertible {
        /// The frame's code address in the process that captured the stack.
        public let address: UInt
        /// The demangled function name, when the symbol is known.
        public let symbol: String?
        /// Source file and line, when debug information exists.
        public let file: String?
        /// The line in ``file``, when debug information exists.
        public let line: Int?
        /// The binary or shared library the frame belongs to.
        public let image: String?

        /// Creates a frame from its parts (reports make frames themselves; this is for tests and tools
        /// that build reports or documents by hand).
        public init(address: UInt, symbol: String? = nil, file: String? = nil, line: Int? = nil, image: String? = nil) {
            self.address = address
            self.symbol = symbol
            self.file = file
            self.line = line
            self.image = image
        }

        /// `symbol at File.swift:12`, `symbol in image`, or the address (see `FrameFormatter`).
        public var description: String {
            FrameFormatter.describe(address: FrameFormatter.hex(address), symbol: symbol, file: file, line: line, image: image)
        }
    }

    /// What this stack shows, e.g. `"accounts" acquired here`.
    public let label: String
    /// The thread the stack was captured on.
    public let thread: ThreadDescriptor
    /// Frames from the user's code outwards; LockGraph's own frames are removed.
    /// Empty when the stack was not captured (see `LOCKGRAPH_HOLDER_STACKS`).
    public let frames: [Frame]

    /// The label and thread, then one numbered line per frame (`<no stack captured>` when
    /// ``frames`` is empty), as in a printed report.
    public var description: String {
        (["\(label) (\(thread)):"]
            + FrameFormatter.numberedLines(frames.map(\.description), indent: "    ", whenEmpty: "<no stack captured>"))
            .joined(separator: "\n")
    }
}

/// One edge of the lock graph: some thread acquired `to` while holding `from`.
public struct LockEdge: Sendable, Hashable {
    /// The lock that was held.
    public let from: LockDescriptor
    /// The lock acquired while ``from`` was held.
    public let to: LockDescriptor
    /// The thread that first took the locks in this order.
    public let thread: ThreadDescriptor
    /// Where `from` was acquired by that thread (empty frames if not captured).
    public let holderStack: LockBacktrace
    /// Where `to` was acquired while `from` was held.
    public let acquirerStack: LockBacktrace
}

/// A problem LockGraph found: a lock-order inversion, a reentrant acquisition, an invalid unlock.
///
/// `description` is the full human-readable report, as printed to standard error.
public struct LockViolation: Sendable, CustomStringConvertible {
    /// The kind of problem. Later versions add kinds, so `switch` with a `default` case.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The kind's name as printed in reports: `lock-order inversion`, `reentrant acquire`, ...
        public let rawValue: String
        /// A kind with this name; the static members are the kinds LockGraph reports.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The same as ``rawValue``.
        public var description: String { rawValue }

        /// Two or more locks taken in opposite orders by different code paths: a potential
        /// deadlock, reported the first time the closing order is taken, even if that run did
        /// not hang.
        public static let lockOrderInversion = Kind(rawValue: "lock-order inversion")
        /// A thread asked again for a lock (or queue) it is already inside.
        public static let reentrantAcquire = Kind(rawValue: "reentrant acquire")
        /// `unlock()` of a lock the calling thread does not hold.
        public static let invalidUnlock = Kind(rawValue: "invalid unlock")
        /// Threads that really wait for each other in a cycle (found by the watchdog).
        public static let deadlock = Kind(rawValue: "deadlock")
        /// A thread waited for a tracked lock longer than the stall threshold, or a lock was
        /// held that long while others waited.
        public static let stall = Kind(rawValue: "stall")
        /// Every unit of a ``TrackedSemaphore`` is held by a thread that is itself blocked
        /// (directly, or through a lock, condition or another semaphore) while other threads
        /// wait for a unit: a resource cycle, reported once instead of as separate stalls.
        public static let resourceDeadlock = Kind(rawValue: "resource deadlock")
        /// A watched queue, executor or event loop ran a heartbeat later than its threshold.
        public static let loopLag = Kind(rawValue: "loop lag")
        /// A tracked wait longer than the threshold from inside a Swift task (it blocks one of
        /// the few cooperative threads).
        public static let blockingInAsyncContext = Kind(rawValue: "blocking in async context")
        /// The process's thread count passed a threshold or kept growing.
        public static let threadExhaustion = Kind(rawValue: "thread exhaustion")
        /// Two locks of the same class nested (a class-level self edge) while class checking
        /// is on: class ordering cannot judge them without a `subclass:` annotation.
        public static let sameClassNesting = Kind(rawValue: "same-class nesting")
        /// `TrackedCondition.wait` while the thread holds another tracked lock: the lock stays
        /// held while the thread sleeps, so a signaller that needs it can never signal.
        public static let waitWhileHolding = Kind(rawValue: "wait while holding")
        /// A tracked lock was deallocated while a thread held it: its holder can never unlock
        /// it, and a waiter would wait forever.
        public static let destroyedWhileHeld = Kind(rawValue: "destroyed while held")
    }

    /// What kind of problem this is; it decides which of the other properties are filled.
    public let kind: Kind
    /// The locks involved; for an inversion, the cycle in order (the first lock is not repeated).
    public let locks: [LockDescriptor]
    /// The threads involved.
    public let threads: [ThreadDescriptor]
    /// For an inversion, every edge of the cycle with the thread and both stacks that first made it.
    public let edges: [LockEdge]
    /// Every stack in the report (for an inversion, the holder and acquirer stack of each edge).
    public let backtraces: [LockBacktrace]
    /// A one-line summary.
    public let summary: String
    /// The sentence saying how to fix the problem.
    public let advice: String
    /// When the violation was detected.
    public let date: Date
    /// A number unique to this violation within the process, in detection order. Assigned when
    /// the violation is recorded (0 before: a handler never sees 0).
    public internal(set) var sequenceNumber: UInt64 = 0
    /// How many times this code path was detected: 1 for the report itself, plus every later
    /// detection of the same code path (see `CodePathKey`: same lock creation sites, same first
    /// user frames), which is counted here instead of being printed and handled again.
    /// ``LockMonitor/violations`` returns the count as of the call; the copy a handler receives
    /// says 1.
    public internal(set) var occurrences: Int = 1
    /// Integration scopes the violation belongs to (see `ViolationScope`).
    let attribution: Set<UInt64>
    /// For a cycle: the index in ``edges`` of the edge whose acquisition closed it (nil when
    /// not known). Exports locate the finding there (see `LockGraphFinding`).
    var closingEdgeIndex: Int?

    /// Made only by `ReportBuilder` (through `ReportContext`), on the reporter thread or, for a
    /// report that ends the process, on the detecting thread: `detectingScope` is the scope that
    /// was current on the detecting thread, which owns the violation when none of `scopes` (its
    /// locks' scopes) is set.
    init(kind: Kind, locks: [LockDescriptor], threads: [ThreadDescriptor], edges: [LockEdge],
         backtraces: [LockBacktrace], summary: String, advice: String, date: Date, scopes: [UInt64?],
         detectingScope: UInt64?) {
        self.kind = kind
        self.locks = locks
        self.threads = threads
        self.edges = edges
        self.backtraces = backtraces
        self.summary = summary
        self.advice = advice
        self.date = date
        let owned = Set(scopes.compactMap { $0 })
        attribution = owned.isEmpty ? Set([detectingScope].compactMap { $0 }) : owned
    }

    /// The full report: kind, locks, threads, stacks and advice.
    public var description: String { ReportFormatter.format(self) }
}
