#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// `LOCKGRAPH_RECORD=<dir>`: at exit (return from main or `exit()`), writes this process's
/// class-level edges, one symbolized stack pair each, to `<dir>/lockgraph-<pid>.json`, for
/// `lockgraph check` to merge with other runs.
enum EdgeRecorder {
    static var directory: String? {
        Configuration.settings.recordDirectory
    }

    /// Registers the exit hook once (at first use of a tracked type); nothing when unset.
    static let installed: Void = {
        guard directory != nil else { return }
        atexit { EdgeRecorder.writeRecordOnce() }
    }()

    private static let written = Atomic<Bool>(false)

    /// Writes the record the first time it is called (at exit, or before LockGraph aborts the
    /// process: `abort()` runs no atexit hook); nothing when `LOCKGRAPH_RECORD` is unset.
    ///
    /// On a thread of LockGraph's own (`DetectorThread.runAndWait`): this runs on a program's
    /// thread, and under the interposer the locks of the JSON encoder it uses were tracked as
    /// the program's. One of them, taken where the interposer saw it and released where it did
    /// not, was then reported as a reentrant acquire, and the process aborted at exit without
    /// its record (every `lockgraph run` or `lockgraph test` with `LOCKGRAPH_RECORD`).
    static func writeRecordOnce() {
        guard directory != nil, !written.exchange(true, ordering: .acquiringAndReleasing) else { return }
        DetectorThread.runAndWait { writeRecord() }
    }

    static func document() -> LockGraphDocument {
        // In the order first taken (`order` in the record).
        let (edges, locks) = LockGraphStore.shared.state.withLock { state in
            (state.classEdgeOrder.compactMap { state.classEdges[$0] }, Array(state.liveLocks.values))
        }
        var classLocks: [String: LockGraphDocument.Lock] = [:]
        for lock in locks.map(\.descriptor) + edges.flatMap({ [$0.from.descriptor, $0.to.descriptor] }) {
            classLocks[lock.classKey] = classLocks[lock.classKey] ?? LockGraphDocument.Lock(lock, includeID: false)
        }
        // A condition's signal is a class of its own in records (see `LockNode.classKey`).
        for record in edges {
            for (key, lock) in [(record.fromClassKey, record.from), (record.toClassKey, record.to)] where classLocks[key] == nil {
                var entry = LockGraphDocument.Lock(lock.descriptor, includeID: false)
                entry.classKey = key
                classLocks[key] = entry
            }
        }
        var roots = SourceRootResolver(override: Configuration.settings.sourceRoot)
        func frames(_ stack: StackTrace) -> [LockGraphDocument.Frame] {
            Symbolication.frames(of: stack).map { LockGraphDocument.Frame($0).locatingSource(with: &roots) }
        }
        let documentEdges = edges.enumerated().map { order, record -> LockGraphDocument.Edge in
            LockGraphDocument.Edge(
                from: record.fromClassKey, to: record.toClassKey,
                fromID: nil, toID: nil, thread: .init(record.thread), closesCycle: false,
                holderStack: frames(record.holderStack), acquirerStack: frames(record.acquirerStack), order: order)
        }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        return LockGraphDocument(
            schemaVersion: LockGraphDocument.currentSchemaVersion, kind: LockGraphDocument.recordKind,
            process: .current(), locks: classLocks.values.sorted { $0.classKey < $1.classKey },
            edges: documentEdges, threads: nil)
    }

    static func writeRecord() {
        guard let directory else { return }
        let path = "\(directory)/lockgraph-\(getpid()).json"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try document().encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            writeToStandardError("LockGraph: LOCKGRAPH_RECORD: cannot write \(path): \(error.localizedDescription)\n")
        }
    }
}
