#if canImport(Glibc)
import Glibc
#endif
import Foundation
import CLockGraphSupport

/// LockGraph's own threads (the watchdog, the dump thread, and `runAndWait`'s short-lived one).
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

    /// Runs `body` on a short-lived thread of LockGraph's own, exempt from the interposer like
    /// the others, and returns when it has finished. For LockGraph's own work on a program's
    /// thread that goes through Foundation (the `LOCKGRAPH_RECORD` writer at exit): on the
    /// program's thread, under the interposer, Foundation's locks inside it would be tracked as
    /// the program's. A raw pthread, started and joined without taking any lock here. If no
    /// thread can be started, `body` runs on the calling thread.
    static func runAndWait(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            lockgraph_exempt_current_thread()
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        guard started == 0 else {
            box.release()
            body()
            return
        }
        pthread_join(thread, nil)
    }

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
