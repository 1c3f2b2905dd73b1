import LockGraph
import Logging

extension LockMonitor {
    /// Routes every violation to `logger`: the full report as the message, and as metadata the
    /// kind (`lockgraph.kind`), the locks (`lockgraph.locks`, in report order), the threads
    /// (`lockgraph.threads`), the one-line summary (`lockgraph.summary`) and the sequence number
    /// (`lockgraph.sequence`).
    ///
    /// The logger is called on LockGraph's reporter thread, like any handler (see
    /// ``LockMonitor/onViolation(_:)``), once per code path (repeats are counted, not logged
    /// again); the report is still written to standard error too.
    /// - Parameter level: the log level for lock-order inversions, reentrant acquires, deadlocks
    ///   and every other kind (default `.error`); hints (same-class nesting) use `.notice`.
    /// - Returns: a registration whose `cancel()` stops the logging.
    @discardableResult
    public static func log(to logger: Logger, level: Logger.Level = .error) -> ViolationHandlerRegistration {
        onViolation { violation in
            var metadata: Logger.Metadata = [
                "lockgraph.kind": .string(violation.kind.rawValue),
                "lockgraph.locks": .array(violation.locks.map { .string($0.description) }),
                "lockgraph.threads": .array(violation.threads.map { .string($0.description) }),
                "lockgraph.summary": .string(violation.summary),
                "lockgraph.sequence": .stringConvertible(violation.sequenceNumber),
            ]
            if let first = violation.locks.first?.name { metadata["lockgraph.lock"] = .string(first) }
            let entryLevel: Logger.Level = violation.kind == .sameClassNesting ? .notice : level
            logger.log(level: entryLevel, "\(violation.description)", metadata: metadata)
        }
    }
}
