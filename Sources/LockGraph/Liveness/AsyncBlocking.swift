import Foundation

/// `.blockingInAsyncContext`: a tracked wait longer than `LOCKGRAPH_ASYNC_BLOCK_MS` (default
/// 100 ms) that began inside a Swift task. The cooperative pool has only as many threads as
/// cores, so each such wait takes one away from every other task. Detected by the waiting
/// thread when the wait ends, reported once per lock and call site.
enum AsyncBlocking {
    static let threshold: UInt64 = Configuration.settings.asyncBlockThreshold

    /// Runs on the waiting thread (a cooperative one) right after the wait: captures what the
    /// report needs (the waiting call site, recorded by `captureWaitStack`) and submits it;
    /// symbolization and the once-per-site check run on the reporter thread.
    static func report(lock: LockInfo, waited: UInt64, thread: ThreadState) {
        Reporter.submit(.blockingInAsyncContext(lock: lock, thread: thread.descriptor(refreshName: true), waited: waited,
                                                stack: thread.observedWaitStack()))
    }
}
