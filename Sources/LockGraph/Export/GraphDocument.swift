import Foundation

/// The JSON form of a lock graph: a snapshot of one process (`kind` "lockgraph-snapshot") or
/// the class-level edges a process recorded with `LOCKGRAPH_RECORD` ("lockgraph-record").
/// Versioned by `schemaVersion`; readers reject versions they do not know.
public struct LockGraphDocument: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1
    public static let snapshotKind = "lockgraph-snapshot"
    public static let recordKind = "lockgraph-record"

    public struct Process: Codable, Sendable, Equatable {
        public var pid: Int32
        public var executable: String
        /// ISO 8601.
        public var date: String

        public init(pid: Int32, executable: String, date: String) {
            self.pid = pid
            self.executable = executable
            self.date = date
        }
    }

    public struct Lock: Codable, Sendable, Equatable {
        /// Instance id within its process (snapshots only).
        public var id: UInt64?
        public var name: String?
        /// Name, or creation site when unnamed: how locks are matched across processes.
        public var classKey: String
        public var type: String
        public var file: String
        public var line: UInt

        public init(id: UInt64?, name: String?, classKey: String, type: String, file: String, line: UInt) {
            self.id = id
            self.name = name
            self.classKey = classKey
            self.type = type
            self.file = file
            self.line = line
        }
    }

    public struct Frame: Codable, Sendable, Equatable {
        public var address: String
        public var symbol: String?
        public var file: String?
        public var line: Int?
        public var image: String?

        public init(address: String, symbol: String?, file: String?, line: Int?, image: String?) {
            self.address = address
            self.symbol = symbol
            self.file = file
            self.line = line
            self.image = image
        }
    }

    public struct Thread: Codable, Sendable, Equatable {
        public var id: Int
        public var name: String?

        public init(id: Int, name: String?) {
            self.id = id
            self.name = name
        }
    }

    public struct Edge: Codable, Sendable, Equatable {
        /// Class keys of the two locks.
        public var from: String
        public var to: String
        /// Instance ids (snapshots only).
        public var fromID: UInt64?
        public var toID: UInt64?
        public var thread: Thread
        /// The edge was reported as closing a cycle in its process.
        public var closesCycle: Bool
        /// Where `from` was acquired, and where `to` was acquired while `from` was held.
        public var holderStack: [Frame]
        public var acquirerStack: [Frame]

        public init(from: String, to: String, fromID: UInt64?, toID: UInt64?, thread: Thread, closesCycle: Bool,
                    holderStack: [Frame], acquirerStack: [Frame]) {
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

    public struct HeldLocks: Codable, Sendable, Equatable {
        public var thread: Thread
        /// Instance ids, outermost first.
        public var held: [UInt64]

        public init(thread: Thread, held: [UInt64]) {
            self.thread = thread
            self.held = held
        }
    }

    public var schemaVersion: Int
    public var kind: String
    public var process: Process
    public var locks: [Lock]
    public var edges: [Edge]
    /// Snapshots only.
    public var threads: [HeldLocks]?

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
        guard version == currentSchemaVersion else {
            throw DocumentError("schemaVersion \(version) is not supported (this lockgraph reads version \(currentSchemaVersion))")
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

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// What is wrong with a document.
    public struct DocumentError: Error, CustomStringConvertible, Sendable {
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
