import Foundation

/// Reports of the monitors: loop lag, thread exhaustion, blocking inside a Swift task.
extension ReportBuilder {
    /// (lock id, first frame) pairs already reported as blocking in async context.
    private static let reportedAsyncWaits = InternalProtected<Set<String>>([])

    static func loopLag(name: String, lateBy: UInt64, threshold: UInt64, thread: ThreadDescriptor?, stack: StackTrace?,
                        _ context: ReportContext) -> LockViolation {
        let backtrace = LockBacktrace(
            label: thread == nil ? "the blocking thread could not be sampled" : "what the loop is running now",
            thread: thread ?? ThreadDescriptor(id: 0, name: "unknown"),
            frames: stack.map { Symbolication.frames(of: $0) } ?? [])
        return context.violation(
            .loopLag,
            locks: [],
            threads: thread.map { [$0] } ?? [],
            backtraces: [backtrace],
            headline: ReportHeadline(String(format: "loop lag: \"%@\" blocked for %.0f ms", name, Double(lateBy) / 1_000_000),
                                     thread == nil ? [] : [.init(stack: backtrace, note: "runs on the loop now, blocking it")]),
            summary: String(format: "loop lag: \"%@\" has not run a heartbeat for %.0f ms (threshold %.0f ms); it is blocked%@",
                            name, Double(lateBy) / 1_000_000, Double(threshold) / 1_000_000, thread.map { " on \($0)" } ?? ""),
            advice: "Move blocking or long CPU-bound work off \"\(name)\" (to another queue or thread), or split it into shorter pieces.",
            scopes: [])
    }

    static func threadExhaustion(_ sighting: ReportRequest.ThreadExhaustionSighting, _ context: ReportContext) -> LockViolation {
        let stacks = sighting.newestThreads.map { thread, stack in
            LockBacktrace(label: "one of the newest threads, now", thread: thread, frames: Symbolication.frames(of: stack))
        }
        let start = sighting.history.first?.date ?? context.date
        let timeline = sighting.history.map { String(format: "+%.1fs: %d", $0.date.timeIntervalSince(start), $0.count) }
        let reason = sighting.steadyGrowth
            ? "kept growing (by at least \(sighting.growth) threads over the last \(sighting.window))"
            : "passed the limit of \(sighting.limit)"
        return context.violation(
            .threadExhaustion,
            locks: [],
            threads: stacks.map(\.thread),
            backtraces: stacks,
            headline: ReportHeadline("thread exhaustion: the process has \(sighting.count) threads", threadExhaustionPaths(stacks)),
            summary: "thread exhaustion: the process has \(sighting.count) threads and \(reason)\n  thread count history: "
                + timeline.joined(separator: ", "),
            advice: "Bound the number of threads: hand work to a fixed pool (a TrackedQueue feeding N workers) instead of starting a thread per task.",
            scopes: [])
    }

    /// The code most of the sampled threads run (the one to bound), then the next most common
    /// when several threads run it too (a lone thread, such as the main thread, is no suspect).
    private static func threadExhaustionPaths(_ stacks: [LockBacktrace]) -> [ReportHeadline.CodePath] {
        let groups = StackGroups.byUserFrame(stacks).filter { $0.first.userFrame != nil }
        return groups.prefix(2).enumerated().filter { $0.offset == 0 || $0.element.count > 1 }.map { $0.element }.map { group in
            .init(stack: group.first, note: "\(group.count) of the \(stacks.count) threads sampled run here")
        }
    }

    /// Nil when this lock was already reported blocking a task at the same call site.
    static func blockingInAsyncContext(_ lock: LockInfo, thread: ThreadDescriptor, waited: UInt64, stack: StackTrace,
                                       _ context: ReportContext) -> LockViolation? {
        let frames = Symbolication.frames(of: stack)
        let site = frames.first.map { "\($0.address)" } ?? "?"
        guard reportedAsyncWaits.withLock({ $0.insert("\(lock.id)@\(site)").inserted }) else { return nil }
        let wait = LockBacktrace(label: "waited here, inside a Swift task", thread: thread, frames: frames)
        return context.violation(
            .blockingInAsyncContext,
            locks: [lock.descriptor],
            threads: [thread],
            backtraces: [wait],
            headline: ReportHeadline("blocking in async context: a Swift task waited for \(shortName(lock.descriptor))", [
                .init(stack: wait, note: String(format: "waits %.0f ms inside a Swift task", Double(waited) / 1_000_000)),
            ]),
            summary: String(format: "blocking in async context: a Swift task waited %.0f ms for %@ on %@, blocking a cooperative thread",
                            Double(waited) / 1_000_000, lock.descriptor.description, thread.description),
            advice: "Do not wait for locks, conditions or queues that can block for long inside async code: use an actor, an AsyncStream or a continuation, or move the blocking work to a dedicated thread.",
            scopes: [lock.scope])
    }
}
