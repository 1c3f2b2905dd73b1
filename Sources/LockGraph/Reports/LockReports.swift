/// Reports of one lock misused by one thread: re-entry, an unlock without a hold, destruction
/// while held.
extension ReportBuilder {
    static func reentrantAcquire(_ lock: LockInfo, thread: ThreadDescriptor, firstAcquired: StackTrace, firstAcquiredSiteOnly: Bool,
                                 requestedAgain: StackTrace, outcome: ReportRequest.ReentryOutcome, reason: String?,
                                 _ context: ReportContext) -> LockViolation {
        let first = LockBacktrace(
            label: "\(lock.descriptor) first acquired\(firstAcquiredSiteOnly ? siteOnlyNote : "")",
            thread: thread,
            frames: Symbolication.frames(of: firstAcquired))
        let second = LockBacktrace(
            label: "\(lock.descriptor) requested again by the same thread",
            thread: thread,
            frames: Symbolication.frames(of: requestedAgain))
        // What the wording calls the lock.
        let what = lock.kind == .dispatchQueue ? "dispatch queue" : lock.kind == .queue ? "queue" : "lock"
        let consequence = switch outcome {
        case .terminates: "This thread would wait for itself forever: LockGraph terminates the process."
        case .proceedsAsRecursive:
            "This thread would wait for itself forever; LockGraph lets it proceed as if the \(what) were recursive "
                + "(nothing is acquired again, and the matching release releases nothing), so the run goes on."
        case .cannotSucceed: "The request cannot succeed while the thread holds the lock."
        }
        return context.violation(
            .reentrantAcquire,
            locks: [lock.descriptor],
            threads: [thread],
            backtraces: [first, second],
            headline: ReportHeadline("reentrant acquire of \(shortName(lock.descriptor))\(outcome == .terminates ? " (the process terminates)" : "")", [
                .init(stack: second, note: "takes it again"),
                .init(stack: first, note: "holds it while calling the code above"),
            ]),
            summary: "reentrant acquire: \(thread) requested \(lock.descriptor), which it already holds\(reason.map { " (\($0))" } ?? ""). \(consequence)",
            advice: lock.kind == .dispatchQueue
                ? "Do not call sync onto a queue from code already running on it (a deinit or callback that runs there included): run the work directly, or hand it over with async."
                : outcome != .cannotSucceed
                ? "Do not call code that takes this \(what) while holding it (move the inner call out of the locked region), or use TrackedRecursiveMutex if re-entry is intended."
                : "Release the lock before retrying, or restructure so the thread does not ask for a lock it holds.",
            scopes: [lock.scope])
    }

    static func reentrantQueueOperation(_ queue: LockInfo, operation: String, thread: ThreadDescriptor, entered: StackTrace,
                                        reentered: StackTrace, outcome: String, _ context: ReportContext) -> LockViolation {
        let outer = LockBacktrace(label: "\(queue.descriptor) entered (its lock taken)", thread: thread,
                                  frames: Symbolication.frames(of: entered))
        let inner = LockBacktrace(label: "\(queue.descriptor) re-entered by \(operation)", thread: thread,
                                  frames: Symbolication.frames(of: reentered))
        return context.violation(
            .reentrantAcquire,
            locks: [queue.descriptor],
            threads: [thread],
            backtraces: [outer, inner],
            headline: ReportHeadline("reentrant acquire: \(operation) on \(shortName(queue.descriptor)) inside an operation of that queue", [
                .init(stack: inner, note: "calls \(operation) on it again"),
                .init(stack: outer, note: "is inside an operation of it, holding its lock"),
            ]),
            summary: "reentrant acquire: \(thread) called \(operation) on \(queue.descriptor) while already inside an operation of that queue, holding its lock. \(outcome)",
            advice: "Do not let code that runs under the queue's lock (such as an element's deinit) use the same queue; hand the work to another queue or defer it until the operation returns.",
            scopes: [queue.scope])
    }

    static func invalidUnlock(_ lock: LockInfo, thread: ThreadDescriptor, stack: StackTrace, detail: String,
                              _ context: ReportContext) -> LockViolation {
        let unlock = LockBacktrace(label: "unlock called", thread: thread, frames: Symbolication.frames(of: stack))
        return context.violation(
            .invalidUnlock,
            locks: [lock.descriptor],
            threads: [thread],
            backtraces: [unlock],
            headline: ReportHeadline("invalid unlock of \(ReportHeadline.name(lock.descriptor))", [.init(stack: unlock, note: "unlocks it without holding it")]),
            summary: "invalid unlock: \(thread) unlocked \(lock.descriptor) but \(detail). The lock was left untouched.",
            advice: "Unlock only a lock the current thread acquired; prefer withLock so lock and unlock always pair up.",
            scopes: [lock.scope])
    }

    static func destroyedWhileHeld(_ lock: LockInfo, holder: ThreadDescriptor?, acquired: StackTrace, destroyer: ThreadDescriptor,
                                   deallocated: StackTrace, destroyerAlsoHeld: Bool, _ context: ReportContext) -> LockViolation {
        var holderText = holder.map { $0 == destroyer ? "the destroying thread itself (\($0))" : "\($0)" } ?? "another thread"
        if destroyerAlsoHeld { holderText += " and by the destroying thread itself (\(destroyer)), whose holds LockGraph released" }
        var backtraces: [LockBacktrace] = []
        var paths: [ReportHeadline.CodePath] = []
        let release = LockBacktrace(label: "\(lock.descriptor) deallocated", thread: destroyer, frames: Symbolication.frames(of: deallocated))
        paths.append(.init(stack: release, note: "lets the last reference go while the lock is held"))
        if !acquired.addresses.isEmpty {
            let hold = LockBacktrace(label: "\(lock.descriptor) acquired", thread: holder ?? destroyer, frames: Symbolication.frames(of: acquired))
            backtraces.append(hold)
            paths.append(.init(stack: hold, note: "acquires it and does not release it first"))
        }
        backtraces.append(release)
        let outcome = holder == destroyer
            ? "LockGraph released it on the holder's behalf."
            : "Its holder can never unlock it; LockGraph leaks the \(lock.isReaderWriter ? "reader-writer lock" : "mutex") rather than destroy a locked one."
        return context.violation(
            .destroyedWhileHeld,
            locks: [lock.descriptor],
            threads: distinct([holder, destroyer].compactMap { $0 }),
            backtraces: backtraces,
            headline: ReportHeadline("lock destroyed while held: \(shortName(lock.descriptor))", paths),
            summary: "lock destroyed while held: \(lock.descriptor) was deallocated while held by \(holderText). \(outcome)",
            advice: "Release the lock before its last reference goes away (prefer withLock, which cannot leak a hold), and keep the lock alive as long as any thread may use it.",
            scopes: [lock.scope])
    }
}
