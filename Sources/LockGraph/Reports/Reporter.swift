#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Delivers reports: standard error, `LockMonitor.violations`, every handler, then abort in
/// `abort` mode.
///
/// The thread that detects a violation only captures raw data (a `ReportRequest`: stacks as
/// addresses, lock and thread descriptors) and submits it; `submit` adds its test scope and the
/// time and hands it to the reporter thread (`ReportQueue`), which builds the report
/// (`ReportBuilder`), deduplicates by code path (`CodePathKey`), records, prints and calls the
/// handlers, in detection order. So a Swift cooperative thread, or any thread, that closes a
/// cycle does not wait for symbolication.
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

    // MARK: Delivery

    /// Hands what a detection site saw to the reporter thread, which builds the report
    /// (`ReportBuilder`: symbolizes, words) and delivers it, in detection order. The scope and
    /// time are taken here, on the detecting thread.
    ///
    /// Built and delivered here instead, after every earlier report, when the report ends the
    /// process: in mode `abort` (then the process aborts), and for a fatal reentrant acquire
    /// (then it terminates with a message saying why). Then `submit` does not return.
    static func submit(_ request: ReportRequest) {
        let scope = ViolationScope.current
        let date = Date()
        let termination = ReportBuilder.terminationMessage(for: request) ?? (Configuration.mode == .abort ? abortMessage : nil)
        if let termination {
            guard let violation = ReportBuilder.violation(for: request, date: date, detectingScope: scope) else { return }
            deliverAndTerminate(violation, on: ThreadState.existingCurrent, message: termination)
        }
        ReportQueue.shared.submit { deliverOnReporter(ReportBuilder.violation(for: request, date: date, detectingScope: scope)) }
    }

    private static let abortMessage = "LockGraph: LOCKGRAPH_MODE=abort: aborting after the report above.\n"

    /// On the reporter thread: a repeat of a reported code path is only counted; anything else
    /// is recorded, printed and handed to every handler registered now.
    private static func deliverOnReporter(_ violation: LockViolation?) {
        guard let violation, let recorded = ViolationLog.record(violation, deduplicate: true) else { return }
        writeToStandardError(recorded.description + "\n")
        ReportFile.append(recorded)
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
            ReportFile.append(recorded)
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
