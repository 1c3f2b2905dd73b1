extension ReportBuilder {
    /// `shutdown(wait: true)` from one of the pool's own tasks: the task would wait for its own
    /// worker to finish, which it never can while it waits.
    static func poolShutdownFromOwnTask(pool: String, lock: LockInfo, thread: ThreadDescriptor, stack: StackTrace,
                                        _ context: ReportContext) -> LockViolation {
        let call = LockBacktrace(label: "shutdown(wait: true) called from a task of pool \"\(pool)\"", thread: thread,
                                 frames: Symbolication.frames(of: stack))
        return context.violation(
            .reentrantAcquire,
            locks: [lock.descriptor],
            threads: [thread],
            backtraces: [call],
            headline: ReportHeadline("reentrant acquire: pool \"\(pool)\" shut down from its own task",
                                     [.init(stack: call, note: "calls shutdown(wait: true) from a task of the pool")]),
            summary: "reentrant acquire: \(thread) runs a task of pool \"\(pool)\" and called shutdown(wait: true), "
                + "which waits for every worker of the pool, itself included: it would wait for itself forever. "
                + "The shutdown goes ahead; the call returns without waiting.",
            advice: "Call shutdown(wait: true) from outside the pool (or shutdown(wait: false) from a task).",
            scopes: [lock.scope])
    }
}
