#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LOCKGRAPH_REPORT_FILE`, set by `lockgraph test`: every printed report that no test owns
/// (the suite does not use LockGraphTesting, or the violation happened outside any test) is
/// also appended to this file, so the runner can end the run with the reports and a failing
/// status although every test passed. Reports a test owns fail that test instead.
///
/// One `write` per report on a file opened for appending: reports of several test processes
/// (swift test runs XCTest and Swift Testing in separate ones) never interleave.
enum ReportFile {
    static func append(_ violation: LockViolation) {
        guard let path = Configuration.settings.reportFile, violation.attribution.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        let text = violation.description + "\n"
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }
}
