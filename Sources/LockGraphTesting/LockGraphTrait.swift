import Testing
@_spi(Integration) import LockGraph

/// Fails a Swift Testing test for every LockGraph violation that happens while it runs.
///
/// Add it to a test or a suite: `@Test(.lockGraph)`, `@Suite(.lockGraph)`. Each violation that
/// belongs to the test (its locks were created by the test, or it was detected on the test's own
/// task) is recorded with `Issue.record`, the full report as the comment, at the test's source
/// location. Tests running in parallel only see their own violations. Violations inside
/// ``LockGraph/LockMonitor/expectViolations(of:sourceLocation:_:)`` are expected and do not fail it.
public struct LockGraphTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applied to every test of a suite.
    public var isRecursive: Bool { true }

    public init() {}

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // Suites and tests already inside a LockGraph scope (trait on both suite and test) just run.
        guard !test.isSuite, ViolationScope.taskScope == nil else {
            try await function()
            return
        }
        let scope = TestAttribution.newScope()
        let start = TestAttribution.latestSequenceNumber
        var thrown: (any Error)?
        do {
            try await ViolationScope.$taskScope.withValue(scope) { try await function() }
        } catch {
            thrown = error
        }
        for violation in TestAttribution.unexpectedViolations(in: scope, after: start) {
            Issue.record(Comment(rawValue: violation.description), sourceLocation: test.sourceLocation)
        }
        if let thrown { throw thrown }
    }
}

extension Trait where Self == LockGraphTrait {
    /// Fails the test for every lock-order inversion, reentrant acquire, invalid unlock, deadlock
    /// or stall that happens while it runs (see ``LockGraphTrait``).
    public static var lockGraph: Self { LockGraphTrait() }
}
