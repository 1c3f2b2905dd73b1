extension LockMonitor {
    /// Occurrences numbered above `number`, oldest first, each with the report it belongs to
    /// (its first occurrence, with the count so far). Waits (bounded) for reports still being
    /// prepared, like ``violations``.
    @_spi(Integration)
    public static func occurrences(after number: UInt64) -> [(occurrence: ViolationOccurrence, violation: LockViolation)] {
        ReportQueue.shared.waitUntilDelivered()
        return ViolationLog.occurrences(after: number)
    }

    /// The number of the latest occurrence recorded so far (0 if none). Does not wait: a test
    /// takes it as its starting point, and later occurrences are numbered above it.
    @_spi(Integration)
    public static var latestOccurrenceNumber: UInt64 { ViolationLog.latestOccurrenceNumber }

    /// Waits (bounded) until every report detected before the call has been recorded, printed
    /// and handed to the handlers.
    @_spi(Integration)
    public static func waitForPendingReports() {
        ReportQueue.shared.waitUntilDelivered()
    }
}
