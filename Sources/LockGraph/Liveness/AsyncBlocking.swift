import Foundation

/// `.blockingInAsyncContext`: a tracked wait longer than `LOCKGRAPH_ASYNC_BLOCK_MS` (default
/// 100 ms) that began inside a Swift task. The cooperative pool has only as many threads as
/// cores, so each such wait takes one away from every other task. Detected by the waiting
/// thread when the wait ends, reported once per lock and call site.
enum AsyncBlocking {
    static let threshold: UInt64 = Configuration.settings.asyncBlockThreshold
    private static let reported = InternalProtected<Set<String>>([])

    /// Runs on the waiting thread (a cooperative one): captures what the report needs and
    /// hands the rest, symbolization and the once-per-site check included, to the reporter thread.
    static func report(lock: LockInfo, waited: UInt64, thread: ThreadState) {
        let stack = thread.observedWaitStack()
        let descriptor = thread.descriptor(refreshName: true)
        let date = Date()
        Reporter.submit { scope in
            let frames = Symbolication.frames(of: stack)
            let site = frames.first.map { "\($0.address)" } ?? "?"
            guard reported.withLock({ $0.insert("\(lock.id)@\(site)").inserted }) else { return nil }
            let milliseconds = Double(waited) / 1_000_000
            return LockViolation(
                kind: .blockingInAsyncContext,
                locks: [lock.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [LockBacktrace(label: "waited here, inside a Swift task", thread: descriptor, frames: frames)],
                summary: String(format: "blocking in async context: a Swift task waited %.0f ms for %@ on %@, blocking a cooperative thread",
                                milliseconds, lock.descriptor.description, descriptor.description),
                advice: "Do not wait for locks, conditions or queues that can block for long inside async code: use an actor, an AsyncStream or a continuation, or move the blocking work to a dedicated thread.",
                date: date,
                scopes: [lock.scope],
                detectingScope: scope
            )
        }
    }
}
