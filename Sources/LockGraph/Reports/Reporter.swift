#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Builds violations and delivers them: standard error, `LockMonitor.violations`, every
/// handler, then abort in `abort` mode.
///
/// The thread that detects a violation only captures raw data (stacks as addresses, lock and
/// thread descriptors, its test scope, the time) and hands a closure that builds the report to
/// the reporter thread (`ReportQueue`), which symbolizes, deduplicates by code path
/// (`CodePathKey`), records, prints and calls the handlers, in detection order. So a Swift
/// cooperative thread, or any thread, that closes a cycle does not wait for symbolication.
///
/// A report that ends the process (mode `abort`, a fatal reentrant acquire) is built and
/// delivered on the detecting thread instead, after every earlier report, so it is fully
/// printed before the process terminates.
enum Reporter {
    private static let handlers = InternalProtected<(next: UInt64, all: [(UInt64, @Sendable (LockViolation) -> Void)])>((1, []))

    /// Recorded violations, without waiting for reports still being prepared.
    static var violations: [LockViolation] { ViolationLog.violations }

    static func clearViolations() { ViolationLog.clear() }

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
        if cycle.contains(where: { LockNode.isSignal($0.fromNode) || LockNode.isSignal($0.toNode) }) {
            return waitCycle(cycle)
        }
        let date = Date()
        submit { scope in
            let edges = cycle.map { record in
                let held = LockNode.modeSuffix(record.fromNode)
                let entered = record.from.kind == .dispatchQueue ? " (entered; for an async block: where it was submitted)" : ""
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
            return LockViolation(
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
                date: date,
                scopes: cycle.flatMap { [$0.from.scope, $0.to.scope] },
                detectingScope: scope
            )
        }
    }

    /// A thread asks again for a lock it holds. With `fatal`, the process then terminates:
    /// a non-recursive lock re-acquired by its holder can never be granted. The report is then
    /// delivered on this thread, after every earlier one, before the process ends.
    /// With `proceeds`, the acquisition goes on as if the lock were recursive (see
    /// `Tracking.reentryProceeds`), and the report says so.
    static func reentrantAcquire(of lock: LockInfo, heldAt index: Int, by thread: ThreadState, fatal: Bool, proceeds: Bool = false,
                                 reason: String? = nil) {
        let descriptor = thread.descriptor(refreshName: true)
        let firstStack = thread.acquisitionStack(at: index)
        let secondStack = StackTrace.capture()
        let date = Date()
        // What the wording calls the lock.
        let what = lock.kind == .dispatchQueue ? "dispatch queue" : lock.kind == .queue ? "queue" : "lock"
        let build: @Sendable (UInt64?) -> LockViolation = { scope in
            let first = LockBacktrace(
                label: "\(lock.descriptor) first acquired",
                thread: descriptor,
                frames: Symbolication.frames(of: firstStack))
            let second = LockBacktrace(
                label: "\(lock.descriptor) requested again by the same thread",
                thread: descriptor,
                frames: Symbolication.frames(of: secondStack))
            let consequence = fatal
                ? "This thread would wait for itself forever: LockGraph terminates the process."
                : proceeds
                ? "This thread would wait for itself forever; LockGraph lets it proceed as if the \(what) were recursive "
                    + "(nothing is acquired again, and the matching release releases nothing), so the run goes on."
                : "The request cannot succeed while the thread holds the lock."
            return LockViolation(
                kind: .reentrantAcquire,
                locks: [lock.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [first, second],
                summary: "reentrant acquire: \(descriptor) requested \(lock.descriptor), which it already holds\(reason.map { " (\($0))" } ?? ""). \(consequence)",
                advice: lock.kind == .dispatchQueue
                    ? "Do not call sync onto a queue from code already running on it (a deinit or callback that runs there included): run the work directly, or hand it over with async."
                    : fatal || proceeds
                    ? "Do not call code that takes this \(what) while holding it (move the inner call out of the locked region), or use TrackedRecursiveMutex if re-entry is intended."
                    : "Release the lock before retrying, or restructure so the thread does not ask for a lock it holds.",
                date: date,
                scopes: [lock.scope],
                detectingScope: scope
            )
        }
        guard fatal else { return submit(build) }
        deliverAndTerminate(build(ViolationScope.current), on: thread,
                            message: "LockGraph: terminating: \(descriptor) re-acquired non-recursive \(lock.descriptor) and would hang forever.\n")
    }

    /// A `TrackedQueue` operation re-entered by the thread already inside one (for example an
    /// element's deinit that puts into the same queue while `put` holds the queue's lock).
    static func reentrantQueueOperation(_ queue: LockInfo, operation: String, outerStack: StackTrace, by thread: ThreadState, outcome: String) {
        let descriptor = thread.descriptor(refreshName: true)
        let innerStack = StackTrace.capture()
        let date = Date()
        submit { scope in
            LockViolation(
                kind: .reentrantAcquire,
                locks: [queue.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [
                    LockBacktrace(label: "\(queue.descriptor) entered (its lock taken)", thread: descriptor,
                                  frames: Symbolication.frames(of: outerStack)),
                    LockBacktrace(label: "\(queue.descriptor) re-entered by \(operation)", thread: descriptor,
                                  frames: Symbolication.frames(of: innerStack)),
                ],
                summary: "reentrant acquire: \(descriptor) called \(operation) on \(queue.descriptor) while already inside an operation of that queue, holding its lock. \(outcome)",
                advice: "Do not let code that runs under the queue's lock (such as an element's deinit) use the same queue; hand the work to another queue or defer it until the operation returns.",
                date: date,
                scopes: [queue.scope],
                detectingScope: scope
            )
        }
    }

    static func invalidUnlock(of lock: LockInfo, by thread: ThreadState, detail: String) {
        let descriptor = thread.descriptor(refreshName: true)
        let stack = StackTrace.capture()
        let date = Date()
        submit { scope in
            LockViolation(
                kind: .invalidUnlock,
                locks: [lock.descriptor],
                threads: [descriptor],
                edges: [],
                backtraces: [LockBacktrace(label: "unlock called", thread: descriptor, frames: Symbolication.frames(of: stack))],
                summary: "invalid unlock: \(descriptor) unlocked \(lock.descriptor) but \(detail). The lock was left untouched.",
                advice: "Unlock only a lock the current thread acquired; prefer withLock so lock and unlock always pair up.",
                date: date,
                scopes: [lock.scope],
                detectingScope: scope
            )
        }
    }

    // MARK: Delivery

    /// Hands a report to the reporter thread. `build` runs there with the scope that is current
    /// here (the detecting thread's test, see `ViolationScope`); it must capture only raw data
    /// (stacks as addresses, descriptors) and may return nil to drop the report. In mode
    /// `abort`, the report is built and delivered here instead, and the process aborts.
    static func submit(_ build: @escaping @Sendable (_ detectingScope: UInt64?) -> LockViolation?) {
        let scope = ViolationScope.current
        if Configuration.mode == .abort {
            guard let violation = build(scope) else { return }
            deliverAndTerminate(violation, on: Tracking.currentThread(), message: abortMessage)
        }
        ReportQueue.shared.submit { deliverOnReporter(build(scope)) }
    }

    /// Delivers a violation built on the detecting thread (by a monitor thread: watchdog, lag
    /// and thread monitors), on the reporter thread like any other.
    static func deliver(_ violation: LockViolation, on thread: ThreadState?) {
        if Configuration.mode == .abort {
            deliverAndTerminate(violation, on: thread, message: abortMessage)
        }
        ReportQueue.shared.submit { deliverOnReporter(violation) }
    }

    private static let abortMessage = "LockGraph: LOCKGRAPH_MODE=abort: aborting after the report above.\n"

    /// On the reporter thread: a repeat of a reported code path is only counted; anything else
    /// is recorded, printed and handed to every handler registered now.
    private static func deliverOnReporter(_ violation: LockViolation?) {
        guard let violation, let recorded = ViolationLog.record(violation, deduplicate: true) else { return }
        writeToStandardError(recorded.description + "\n")
        let current = handlers.withLock { $0.all.map(\.1) }
        for handler in current { handler(recorded) }
    }

    /// Delivers a report that ends the process, on the calling thread: every report detected
    /// before it first (bounded wait), then this one recorded, printed and handed to the
    /// handlers (with `thread` marked as reporting, so locks they take are not checked), then
    /// the process terminates with `message`.
    static func deliverAndTerminate(_ violation: LockViolation, on thread: ThreadState?, message: String) -> Never {
        ReportQueue.shared.waitUntilDelivered()
        if let recorded = ViolationLog.record(violation, deduplicate: false) {
            writeToStandardError(recorded.description + "\n")
            let current = handlers.withLock { $0.all.map(\.1) }
            let wasReporting = thread?.isReporting ?? false
            thread?.isReporting = true
            for handler in current { handler(recorded) }
            thread?.isReporting = wasReporting
        }
        terminate(message)
    }

    /// Ends the process with SIGABRT after `message`, once the reports detected before it are
    /// printed (bounded wait). The default disposition is restored first so the Swift runtime's
    /// crash backtracer does not bury LockGraph's report under its own.
    static func terminate(_ message: String) -> Never {
        ReportQueue.shared.waitUntilDelivered()
        // The run that found the bug leaves its record for `lockgraph check` (LOCKGRAPH_RECORD):
        // abort() skips the atexit hook that writes it otherwise.
        EdgeRecorder.writeRecordOnce()
        writeToStandardError(message)
        signal(SIGABRT, SIG_DFL)
        abort()
    }

    /// At exit, when some occurrences were counted instead of printed: how many.
    static func printExitSummary() {
        let (printed, suppressed) = ViolationLog.counts
        guard suppressed > 0 else { return }
        writeToStandardError("LockGraph: \(printed) violation\(printed == 1 ? "" : "s") "
            + "(\(suppressed) more occurrence\(suppressed == 1 ? "" : "s") not printed)\n")
    }
}
