#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Builds violations (symbolizing their stacks) and delivers them: standard error,
/// `LockMonitor.violations`, every handler, then abort in `abort` mode.
enum Reporter {
    private static let recorded = InternalProtected<[LockViolation]>([])
    private static let handlers = InternalProtected<(next: UInt64, all: [(UInt64, @Sendable (LockViolation) -> Void)])>((1, []))

    static var violations: [LockViolation] { recorded.withLock { $0 } }

    static func clearViolations() { recorded.withLock { $0.removeAll() } }

    static func addHandler(_ handler: @escaping @Sendable (LockViolation) -> Void) -> UInt64 {
        handlers.withLock { state in
            let id = state.next
            state.next += 1
            state.all.append((id, handler))
            return id
        }
    }

    static func removeHandler(_ id: UInt64) {
        handlers.withLock { $0.all.removeAll { $0.0 == id } }
    }

    // MARK: Building reports

    static func lockOrderInversion(_ cycle: [EdgeRecord], thread: ThreadState, betweenClasses: Bool = false) {
        let edges = cycle.map { record in
            let held = LockNode.modeSuffix(record.fromNode)
            let entered = record.from.type == "TrackedDispatchQueue" ? " (entered; for an async block: where it was submitted)" : ""
            let acquired = LockNode.modeSuffix(record.toNode)
            return LockEdge(
                from: record.from.descriptor,
                to: record.to.descriptor,
                thread: record.thread,
                holderStack: LockBacktrace(
                    label: record.holderStackIsSiteOnly || record.holderStack.addresses.isEmpty
                        ? "\(record.from.descriptor) acquired\(held)\(entered) (only the call site kept: the lock was past its first acquisitions; LOCKGRAPH_HOLDER_STACKS=always keeps every stack)"
                        : "\(record.from.descriptor) acquired\(held)\(entered)",
                    thread: record.thread,
                    frames: Symbolication.frames(of: record.holderStack)),
                acquirerStack: LockBacktrace(
                    label: "\(record.to.descriptor) acquired\(acquired) while holding \(record.from.descriptor)\(held)",
                    thread: record.thread,
                    frames: Symbolication.frames(of: record.acquirerStack))
            )
        }
        let locks = edges.map(\.from)
        var threads: [ThreadDescriptor] = []
        for edge in edges where !threads.contains(edge.thread) { threads.append(edge.thread) }
        let order = locks.map { $0.name.map { "\"\($0)\"" } ?? $0.description }.joined(separator: ", ")
        let violation = LockViolation(
            kind: .lockOrderInversion,
            locks: locks,
            threads: threads,
            edges: edges,
            backtraces: edges.flatMap { [$0.holderStack, $0.acquirerStack] },
            summary: betweenClasses
                ? "lock-order inversion (potential deadlock) between \(locks.count) lock classes taken in opposite orders (by different instances: another run can pair them)"
                : "lock-order inversion (potential deadlock) between \(locks.count) locks taken in opposite orders",
            advice: "Acquire these locks in one global order everywhere (for example always \(order)), "
                + "or release one before taking the next on one of the paths above.",
            date: Date(),
            scopes: cycle.flatMap { [$0.from.scope, $0.to.scope] }
        )
        deliver(violation, on: thread)
    }

    /// A thread asks again for a lock it holds. With `fatal`, the process then terminates:
    /// a non-recursive lock re-acquired by its holder can never be granted.
    static func reentrantAcquire(of lock: LockInfo, heldAt index: Int, by thread: ThreadState, fatal: Bool, what: String = "lock", reason: String? = nil) {
        let descriptor = thread.descriptor(refreshName: true)
        let first = LockBacktrace(
            label: "\(lock.descriptor) first acquired",
            thread: descriptor,
            frames: Symbolication.frames(of: thread.acquisitionStack(at: index)))
        let second = LockBacktrace(
            label: "\(lock.descriptor) requested again by the same thread",
            thread: descriptor,
            frames: Symbolication.frames(of: StackTrace.capture()))
        let consequence = fatal
            ? "This thread would wait for itself forever: LockGraph terminates the process."
            : "The request cannot succeed while the thread holds the lock."
        let violation = LockViolation(
            kind: .reentrantAcquire,
            locks: [lock.descriptor],
            threads: [descriptor],
            edges: [],
            backtraces: [first, second],
            summary: "reentrant acquire: \(descriptor) requested \(lock.descriptor), which it already holds\(reason.map { " (\($0))" } ?? ""). \(consequence)",
            advice: what == "dispatch queue"
                ? "Do not call sync onto a queue from code already running on it (a deinit or callback that runs there included): run the work directly, or hand it over with async."
                : fatal
                ? "Do not call code that takes this \(what) while holding it (move the inner call out of the locked region), or use TrackedRecursiveMutex if re-entry is intended."
                : "Release the lock before retrying, or restructure so the thread does not ask for a lock it holds.",
            date: Date(),
            scopes: [lock.scope]
        )
        deliver(violation, on: thread)
        if fatal {
            terminate("LockGraph: terminating: \(descriptor) re-acquired non-recursive \(lock.descriptor) and would hang forever.\n")
        }
    }

    /// A `TrackedQueue` operation re-entered by the thread already inside one (for example an
    /// element's deinit that puts into the same queue while `put` holds the queue's lock).
    static func reentrantQueueOperation(_ queue: LockInfo, operation: String, outerStack: StackTrace, by thread: ThreadState, outcome: String) {
        let descriptor = thread.descriptor(refreshName: true)
        let violation = LockViolation(
            kind: .reentrantAcquire,
            locks: [queue.descriptor],
            threads: [descriptor],
            edges: [],
            backtraces: [
                LockBacktrace(label: "\(queue.descriptor) entered (its lock taken)", thread: descriptor,
                              frames: Symbolication.frames(of: outerStack)),
                LockBacktrace(label: "\(queue.descriptor) re-entered by \(operation)", thread: descriptor,
                              frames: Symbolication.frames(of: StackTrace.capture())),
            ],
            summary: "reentrant acquire: \(descriptor) called \(operation) on \(queue.descriptor) while already inside an operation of that queue, holding its lock. \(outcome)",
            advice: "Do not let code that runs under the queue's lock (such as an element's deinit) use the same queue; hand the work to another queue or defer it until the operation returns.",
            date: Date(),
            scopes: [queue.scope]
        )
        deliver(violation, on: thread)
    }

    static func invalidUnlock(of lock: LockInfo, by thread: ThreadState, detail: String) {
        let descriptor = thread.descriptor(refreshName: true)
        let violation = LockViolation(
            kind: .invalidUnlock,
            locks: [lock.descriptor],
            threads: [descriptor],
            edges: [],
            backtraces: [LockBacktrace(label: "unlock called", thread: descriptor,
                                       frames: Symbolication.frames(of: StackTrace.capture()))],
            summary: "invalid unlock: \(descriptor) unlocked \(lock.descriptor) but \(detail). The lock was left untouched.",
            advice: "Unlock only a lock the current thread acquired; prefer withLock so lock and unlock always pair up.",
            date: Date(),
            scopes: [lock.scope]
        )
        deliver(violation, on: thread)
    }

    // MARK: Delivery

    /// Ends the process with SIGABRT after `message`. The default disposition is restored first
    /// so the Swift runtime's crash backtracer does not bury LockGraph's report under its own.
    static func terminate(_ message: String) -> Never {
        writeToStandardError(message)
        signal(SIGABRT, SIG_DFL)
        abort()
    }

    static func deliver(_ violation: LockViolation, on thread: ThreadState?) {
        recorded.withLock { $0.append(violation) }
        writeToStandardError(violation.description + "\n")
        let current = handlers.withLock { $0.all.map(\.1) }
        let wasReporting = thread?.isReporting ?? false
        thread?.isReporting = true
        for handler in current { handler(violation) }
        thread?.isReporting = wasReporting
        if Configuration.mode == .abort {
            terminate("LockGraph: LOCKGRAPH_MODE=abort: aborting after the report above.\n")
        }
    }
}
