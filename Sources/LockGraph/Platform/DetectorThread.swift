import Foundation
import CLockGraphSupport

/// LockGraph's own background threads (the watchdog, the dump thread).
///
/// Each sets the interposer's per-thread guard for its whole life before running `body`: under
/// `lockgraph run` the pthread calls it makes through Foundation (thread start-up, dates,
/// formatting) are the detector's, not the program's, so they pass straight through instead of
/// becoming locks and edges in the program's graph. Without the interposer the guard is unused.
enum DetectorThread {
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            lockgraph_exempt_current_thread()
            body()
        }
        thread.name = name
        thread.start()
    }

    /// Whether the calling thread's pthread calls bypass the interposer (for tests).
    static var isCurrentThreadExempt: Bool { lockgraph_interposer_guard_get() != 0 }
}
