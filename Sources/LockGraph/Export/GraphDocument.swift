import Foundation

/// The JSON form of a lock graph: a snapshot of one process (`kind` "lockgraph-snapshot") or
/// the class-level edges a process recorded with `LOCKGRAPH_RECORD` ("lockgraph-record").
/// Versioned by `schemaVersion`; readers reject versions they do not know.
///
/// Version 2 adds, all optional, what CI formats need: a frame's path relative to its package
/// root (``Frame/relativeFile``, ``Frame/sourceRoot``) and the order a record's edges were
/// first seen in (``Edge/order``). Version 1 documents are still read (the fields are absent).
public struct LockGraphDocument: Codable, Sendable, Equatable {
    /// The schema version this LockGraph writes.
    public static let currentSchemaVersion = 2
    /// Every version ``decode(_:)`` accepts.
    public static let readableSchemaVersions = 1...currentSchemaVersion
    /// ``kind`` of a snapshot of one live process (``LockGraphSnapshot/json()``).
    public static let snapshotKind = "lockgraph-snapshot"
    /// ``kind`` of the class-level edges a process wrote at exit under `LOCKGRAPH_RECORD`.
    public static let recordKind = "lockgraph-record"

    /// The process a document was taken from.
    public struct Process: Codable, Sendable, Equatable {
        /// Its process id.
        public var pid: Int32
        /// The path of its executable.
        public var executable: String
        /// ISO 8601.
        public var date: String

        /// Creates a process description; `date` is an ISO 8601 date and time.
        public init(pid: Int32, executable: String, date: String) {
            self.pid = pid
            self.executable = executable
            self.date = date
        }
    }

    /// One lock (a snapshot) or one lock class (a record).
    public struct Lock: Codable, Sendable, Equatable {
        /// Instance id within its process (snapshots only).
        public var id: UInt64?
        /// The name given at creation, if any.
        public var name: String?
        /// Name, or creation site when unnamed: how locks are matched across processes.
        public var classKey: String
        /// The tracked type: `TrackedMutex`, `TrackedQueue`, ...
        public var type: String
        /// The creation site's file, `Module/File.swift` (see ``LockDescriptor/file``).
        public var file: String
        /// The creation site's line.
        public var line: UInt

        /// Creates a lock entry from its fields.
        public init(id: UInt64?, name: String?, classKey: String, type: String, file: String, line: UInt) {
            self.id = id
            self.name = name
            self.classKey = classKey
            self.type = type
            self.file = file
            self.line = line
        }
    }

    /// One stack frame, symbolized when the document was written.
    public struct Frame: Codable, Sendable, Equatable {
        /// The code address, as `0x` and hexadecimal digits.
        public var address: String
        /// The demangled function name, when known.
        public var symbol: String?
        /// The source file, when debug information exists.
        public var file: String?
        /// The line in ``file``.
        public var line: Int?
        /// The binary or shared library the frame belongs to.
        public var image: String?
        /// `file` relative to ``sourceRoot`` (records, version 2): what SARIF names as a path
        /// under `%SRCROOT%`. Absent when the file lies under no package root.
        public var relativeFile: String?
        /// The package root `file` lies under when it was recorded (see `LOCKGRAPH_SOURCE_ROOT`).
        public var sourceRoot: String?

        /// Creates a frame from its fields; `relativeFile` and `sourceRoot` are set when the file
        /// lies under a package root.
        public init(address: String, symbol: String?, file: String?, line: Int?, image: String?,
                    relativeFile: String? = nil, sourceRoot: String? = nil) {
            self.address = address
            self.symbol = symbol
            self.file = file
            self.line = line
            self.image = image
            self.relativeFile = relativeFile
            self.sourceRoot = sourceRoot
        }
    }

    /// A thread, as in ``ThreadDescriptor``.
    public struct Thread: Codable, Sendable, Equatable {
        /// The kernel thread id.
        public var id: Int
        /// The pthread name, if any.
        public var name: String?

        /// Creates a thread entry.
        public init(id: Int, name: String?) {
            self.id = id
            self.name = name
        }
    }

    /// An order edge: some thread acquired ``to`` while holding ``from``.
    public struct Edge: Codable, Sendable, Equatable {
        /// Class keys of the two locks.
        public var from: String
        /// The class key of the lock acquired while ``from`` was held.
        public var to: String
        /// Instance ids (snapshots only).
        public var fromID: UInt64?
        /// The instance id of ``to`` (snapshots only).
        public var toID: UInt64?
        /// The thread that first took the locks in this order.
        public var thread: Thread
        /// The edge was reported as closing a cycle in its process.
        public var closesCycle: Bool
        /// Where `from` was acquired, and where `to` was acquired while `from` was held.
        public var holderStack: [Frame]
        /// Where ``to`` was acquired while ``from`` was held.
        public var acquirerStack: [Frame]
        /// Records, version 2: the position (from 0) at which the process first took this
        /// class edge, so the edge of a cycle seen last (the one that closed it) is known.
        public var order: Int?

        /// Creates an edge entry from its fields.
        public init(from: String, to: String, fromID: UInt64?, toID: UInt64?, thread: Thread, closesCycle: Bool,
                    holderStack: [Frame], acquirerStack: [Frame], order: Int? = nil) {
            self.order = order
            self.from = from
            self.to = to
            self.fromID = fromID
            self.toID = toID
            self.thread = thread
            self.closesCycle = closesCycle
            self.holderStack = holderStack
            self.acquirerStack = acquirerStack
        }
    }

    /// The tracked locks one thread held when a snapshot was taken.
    public struct HeldLocks: Codable, Sendable, Equatable {
        /// The thread.
        public var thread: Thread
        /// Instance ids, outermost first.
        public var held: [UInt64]

        /// Creates a held-locks entry.
        public init(thread: Thread, held: [UInt64]) {
            self.thread = thread
            self.held = held
        }
    }

    /// The schema version the document was written with (``currentSchemaVersion``).
    public var schemaVersion: Int
    /// ``snapshotKind`` or ``recordKind``.
    public var kind: String
    /// The process the graph was taken from.
    public var process: Process
    /// The live locks of a snapshot, or the lock classes of a record.
    public var locks: [Lock]
    /// Every order edge: between lock instances in a snapshot, between lock classes in a record
    /// (one per pair of classes, with the stacks of its first occurrence).
    public var edges: [Edge]
    /// Snapshots only.
    public var threads: [HeldLocks]?

    /// Creates a document from its parts.
    public init(schemaVersion: Int = LockGraphDocument.currentSchemaVersion, kind: String, process: Process,
                locks: [Lock], edges: [Edge], threads: [HeldLocks]?) {
        self.schemaVersion = schemaVersion
        self.kind = kind
        self.process = process
        self.locks = locks
        self.edges = edges
        self.threads = threads
    }

    /// How deep a document may nest (it needs 5 levels; the rest is room for additions).
    /// Deeper text is rejected before it is decoded.
    public static let nestingLimit = 64

    /// Decodes and validates a document. The error names the field (a path such as
    /// `edges[3].fromID`) and the reason, with the text the field held.
    public static func decode(_ data: Data) throws -> LockGraphDocument {
        let outline = JSONOutline(Array(data))
        if let path = outline.firstTooDeep(limit: nestingLimit) {
            throw DocumentError("\(Self.describe(path, abbreviated: true)): nested deeper than \(nestingLimit) levels (a lockgraph document has 5)")
        }
        struct Header: Decodable { var schemaVersion: Int?; var kind: String? }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw DocumentError(Self.describe(error, in: outline, data: data))
        }
        guard let version = header.schemaVersion else { throw DocumentError("missing \"schemaVersion\"") }
        guard readableSchemaVersions.contains(version) else {
            throw DocumentError("schemaVersion \(version) is not supported (this lockgraph reads versions \(readableSchemaVersions.lowerBound) to \(readableSchemaVersions.upperBound))")
        }
        guard let kind = header.kind, kind == snapshotKind || kind == recordKind else {
            throw DocumentError("\"kind\" must be \"\(snapshotKind)\" or \"\(recordKind)\", found \(header.kind.map { "\"\($0)\"" } ?? "nothing")")
        }
        do {
            return try JSONDecoder().decode(LockGraphDocument.self, from: data)
        } catch {
            throw DocumentError(Self.describe(error, in: outline, data: data))
        }
    }

    /// The document as pretty-printed JSON with sorted keys (the form `lockgraph check` and
    /// `lockgraph render` read); empty data only if encoding fails, which these plain values cannot.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// What is wrong with a document.
    public struct DocumentError: Error, CustomStringConvertible, Sendable {
        /// What is wrong, and where in the document.
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

extension LockGraphDocument.Frame {
    init(_ frame: LockBacktrace.Frame) {
        self.init(address: FrameFormatter.hex(frame.address), symbol: frame.symbol, file: frame.file,
                  line: frame.line, image: frame.image)
    }
}

extension LockGraphDocument.Lock {
    init(_ lock: LockDescriptor, includeID: Bool) {
        self.init(id: includeID ? lock.id : nil, name: lock.name, classKey: lock.classKey, type: lock.type,
                  file: lock.file, line: lock.line)
    }
}

extension LockGraphDocument.Thread {
    init(_ thread: ThreadDescriptor) { self.init(id: thread.id, name: thread.name) }
}

extension LockGraphDocument.Process {
    static func current() -> LockGraphDocument.Process {
        LockGraphDocument.Process(
            pid: getpid(),
            executable: CommandLine.arguments.first ?? "",
            date: ISO8601DateFormatter().string(from: Date()))
    }
}
