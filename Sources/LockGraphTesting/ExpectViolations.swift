import Foundation
import Testing
@_spi(Integration) import LockGraph

extension LockMonitor {
    /// Runs `body`, which is meant to cause violations of `kind`, and returns them instead of
    /// letting them fail the test.
    ///
    /// Violations of that kind that happen inside `body` and belong to the current test (or to
    /// nobody, outside tests) are returned, one per code path (a repeat of a path reported
    /// earlier, maybe in another test, returns that report, with its
    /// `LockViolation.occurrences`), and never fail the test (`.lockGraph`,
    /// ``LockGraphTestObserver``, ``LockGraphTestCase``). If none happened, the current test
    /// fails (Swift Testing: an issue at `sourceLocation`; XCTest: a failure on the running case);
    /// outside any test a warning is printed to standard error. Reports are prepared on
    /// LockGraph's reporter thread: this waits (bounded) for those detected before it returns.
    @discardableResult
    public static func expectViolations(
        of kind: LockViolation.Kind,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) rethrows -> [LockViolation] {
        let scope = ViolationScope.current
        // What was detected before the body is not the body's.
        LockMonitor.waitForPendingReports()
        let start = TestAttribution.latestOccurrenceNumber
        TestAttribution.beginExpecting(kind, scope: scope)
        defer { TestAttribution.endExpecting(kind, scope: scope) }
        try body()
        let occurrences = LockMonitor.occurrences(after: start).filter { entry in
            entry.occurrence.kind == kind && (scope.map { entry.occurrence.scopes.contains($0) } ?? true)
        }
        TestAttribution.claim(occurrences: occurrences.map(\.occurrence))
        var seen: Set<UInt64> = []
        let found = occurrences.map(\.violation).filter { seen.insert($0.sequenceNumber).inserted }
        if found.isEmpty {
            let message = "expected a \(kind) violation from LockGraph, but none happened"
            if Test.current != nil {
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            } else if let testCase = XCTestSession.currentCase {
                testCase.recordFailure(withDescription: message, inFile: sourceLocation.filePath,
                                       atLine: sourceLocation.line, expected: true)
            } else {
                FileHandle.standardError.write(Data("LockGraph: \(message)\n".utf8))
            }
        }
        return found
    }
}
