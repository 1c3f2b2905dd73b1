import Foundation

extension Reporter {
    /// `shutdown(wait: true)` from one of the pool's own tasks: the task would wait for its own
    /// worker to finish, which it never can while it waits.
    static func poolShutdownFromOwnTask(pool: String, lock: LockInfo) {
        let thread = ThreadState.current
        let descriptor = thread.descriptor(refreshName: true)
        let stack = StackTrace.capture()
        let date = Date()
        submit { scope in
            LockViolation(
                kind: .reentrantAcquire,
                locks: [lock.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [LockBacktrace(label: "shutdown(wait: true) called from a task of pool \"\(pool)\"", thread: descriptor,
                                           frames: Symbolication.frames(of: stack))],
                summary: "reentrant acquire: \(descriptor) runs a task of pool \"\(pool)\" and called shutdown(wait: true), "
                    + "which waits for every worker of the pool, itself included: it would wait for itself forever. "
                    + "The shutdown goes ahead; the call returns without waiting.",
                advice: "Call shutdown(wait: true) from outside the pool (or shutdown(wait: false) from a task).",
                date: date,
                scopes: [lock.scope],
                detectingScope: scope
            )
        }
    }
}
