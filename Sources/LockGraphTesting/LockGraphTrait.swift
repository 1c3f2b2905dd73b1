import Testing
@_spi(Integration) import LockGraph

/// Fails a Swift Testing test for every LockGraph violation that happens while it runs.
///
/// Add it to a test or a suite: `@Test(.lockGraph)`, `@Suite(.lockGraph)`. Each violation that
/// belongs to the test (its locks were created by the test, or it was detected on the test's own
/// task) is recorded with `Issue.record` when the test ends, the full report as the comment, at
/// the test's source location; that includes a repeat of a code path already reported (LockGraph
/// prints each path once), whose comment says so. Tests running in parallel only see their own
/// violations. Violations inside ``LockGraph/LockMonitor/expectViolations(of:sourceLocation:_:)``
/// are expected and do not fail it. Reports are prepared on LockGraph's reporter thread: the
/// trait waits (bounded) for those detected during the test before it looks.
public struct LockGraphTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applied to every test of a suite.
    public var isRecursive: Bool { true }

    /// Creates the trait; ``Testing/Trait/lockGraph`` is the usual spelling.
    public init() {}

    /// Runs the test in a LockGraph scope of its own and, when it returns or throws, records an issue
    /// for every violation that belongs to it and was not expected (see
    /// `LockMonitor.expectViolations(of:sourceLocation:_:)`). A suite, or a test already inside a
    /// LockGraph scope (the trait on both its suite and itself), just runs.
    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // Suites and tests already inside a LockGraph scope (trait on both suite and test) just run.
        guard !test.isSuite, ViolationScope.taskScope == nil else {
            try await function()
            return
        }
        let scope = TestAttribution.newScope()
        let start = TestAttribution.latestOccurrenceNumber
        var thrown: (any Error)?
        do {
            try await ViolationScope.$taskScope.withValue(scope) { try await function() }
        } catch {
            thrown = error
        }
        for failure in TestAttribution.unexpectedFailures(in: scope, after: start) {
            Issue.record(Comment(rawValue: failure.message), sourceLocation: test.sourceLocation)
        }
        if let thrown { throw thrown }
    }
}

extension Trait where Self == LockGraphTrait {
    /// Fails the test for every lock-order inversion, reentrant acquire, invalid unlock, deadlock
    /// or stall that happens while it runs (see ``LockGraphTrait``).
    public static var lockGraph: Self { LockGraphTrait() }
}
