import Foundation
import Testing
@_spi(Integration) import LockGraph
@testable import LockGraphTesting

/// The attribution rules, exercised directly (a test whose violation is meant to fail it lives
/// in the sample package, run as a subprocess by SamplePackageTests).
@Suite("Attribution")
struct AttributionTests {
    private func makeInversion(_ prefix: String) {
        let a = TrackedMutex(name: "\(prefix)-a")
        let b = TrackedMutex(name: "\(prefix)-b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
    }

    @Test func aViolationBelongsToTheScopeThatCreatedItsLocks() {
        let mine = TestAttribution.newScope()
        let other = TestAttribution.newScope()
        let prefix = "attr-\(UUID().uuidString.prefix(8))"
        let (a, b) = ViolationScope.$taskScope.withValue(mine) {
            (TrackedMutex(name: "\(prefix)-a"), TrackedMutex(name: "\(prefix)-b"))
        }
        // Detected on a plain thread with no scope of its own: the locks' scope decides.
        let done = DispatchSemaphore(value: 0)
        Thread {
            a.withLock { b.withLock {} }
            b.withLock { a.withLock {} }
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 10) == .success)
        let found = TestAttribution.unexpectedViolations(in: mine).filter { $0.locks.contains { $0.name == "\(prefix)-a" } }
        #expect(found.count == 1)
        #expect(TestAttribution.unexpectedViolations(in: other).allSatisfy { !$0.locks.contains { $0.name == "\(prefix)-a" } })
        TestAttribution.claim(found)
        #expect(TestAttribution.unexpectedViolations(in: mine).isEmpty)
    }

    @Test func withoutLockScopesTheDetectingThreadsScopeDecides() {
        let prefix = "thread-\(UUID().uuidString.prefix(8))"
        let a = TrackedMutex(name: "\(prefix)-a")  // created outside any scope
        let b = TrackedMutex(name: "\(prefix)-b")
        let scope = TestAttribution.newScope()
        ViolationScope.$taskScope.withValue(scope) {
            a.withLock { b.withLock {} }
            b.withLock { a.withLock {} }
        }
        let found = TestAttribution.unexpectedViolations(in: scope)
        #expect(found.count == 1)
        #expect(found.first?.locks.map(\.name) == ["\(prefix)-a", "\(prefix)-b"])
        TestAttribution.claim(found)
    }

    /// Runs in parallel with its twin: each sees exactly its own inversion.
    @Test(.lockGraph, arguments: ["left", "right"])
    func parallelTestsOnlySeeTheirOwnViolations(side: String) throws {
        let prefix = "parallel-\(side)-\(UUID().uuidString.prefix(8))"
        let found = LockMonitor.expectViolations(of: .lockOrderInversion) { makeInversion(prefix) }
        #expect(found.count == 1)
        #expect(found.allSatisfy { $0.locks.allSatisfy { $0.name?.hasPrefix(prefix) ?? false } })
        #expect(found.first.map(TestAttribution.isExpected) == true)
    }

    @Test(.lockGraph) func expectViolationsOnlyClaimsTheRequestedKind() {
        let prefix = "kind-\(UUID().uuidString.prefix(8))"
        let lock = TrackedMutex(name: prefix)
        let inversions = LockMonitor.expectViolations(of: .invalidUnlock) {
            lock.unlock()
        }
        #expect(inversions.map(\.kind) == [.invalidUnlock])
        #expect(inversions.first?.locks.first?.name == prefix)
    }

    @Test(.lockGraph) func aCleanTestPasses() {
        let a = TrackedMutex(name: "clean-a")
        let b = TrackedMutex(name: "clean-b")
        for _ in 0..<10 { a.withLock { b.withLock {} } }
    }
}

/// LockGraph prints a code path once; a repeat in another test is counted, not printed, and
/// must still fail that test.
@Suite("Repeated code paths")
struct RepeatedCodePathAttributionTests {
    /// Same names, same creation lines, same acquisition lines at every call: one code path.
    @inline(never)
    static func invert(_ prefix: String) {
        let a = TrackedMutex(name: "\(prefix)-a")
        let b = TrackedMutex(name: "\(prefix)-b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
    }

    @Test func aRepeatInAnotherScopeBelongsToThatScope() throws {
        let prefix = "repeat-\(UUID().uuidString.prefix(8))"
        let first = TestAttribution.newScope(), second = TestAttribution.newScope()
        ViolationScope.$taskScope.withValue(first) { Self.invert(prefix) }
        let start = TestAttribution.latestOccurrenceNumber
        ViolationScope.$taskScope.withValue(second) { Self.invert(prefix) }
        let failures = TestAttribution.unexpectedFailures(in: second, after: start)
        try #require(failures.count == 1)
        #expect(failures[0].repeatsOnly)
        #expect(failures[0].violation.occurrences == 2)
        #expect(failures[0].violation.scopes == [first])  // the report belongs to the first scope
        #expect(failures[0].message.hasPrefix("LockGraph: this test repeated a violation reported earlier"))
        #expect(failures[0].message.contains("Cycle: \"\(prefix)-a\""))
        TestAttribution.claim(failures.map(\.violation))
    }

    /// The trait itself: the repeat fails the test whose scope it happened in.
    @Test func theTraitFailsATestThatOnlyRepeatsAReportedViolation() async throws {
        let prefix = "trait-repeat-\(UUID().uuidString.prefix(8))"
        let test = try #require(Test.current)
        // The first occurrence, expected (claimed) in this test's own scope.
        let scope = TestAttribution.newScope()
        let expected = ViolationScope.$taskScope.withValue(scope) {
            LockMonitor.expectViolations(of: .lockOrderInversion) { Self.invert(prefix) }
        }
        #expect(expected.count == 1)
        // The repeat, in a scope the trait opens: the trait must record an issue.
        try await withKnownIssue("a repeat of a reported code path fails the test it happened in") {
            try await LockGraphTrait().provideScope(for: test, testCase: nil) { Self.invert(prefix) }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("this test repeated a violation reported earlier") }
        }
        let counted = LockMonitor.violations.filter { $0.locks.contains { $0.name == "\(prefix)-a" } }
        #expect(counted.count == 1 && counted.first?.occurrences == 2)
    }

    @Test func expectViolationsReturnsTheReportOfARepeatedPath() {
        let prefix = "expect-repeat-\(UUID().uuidString.prefix(8))"
        let scope = TestAttribution.newScope()
        ViolationScope.$taskScope.withValue(scope) {
            let first = LockMonitor.expectViolations(of: .lockOrderInversion) { Self.invert(prefix) }
            let again = LockMonitor.expectViolations(of: .lockOrderInversion) { Self.invert(prefix) }
            #expect(first.count == 1 && again.count == 1)
            #expect(again.first?.sequenceNumber == first.first?.sequenceNumber)
            #expect(again.first?.occurrences == 2)
        }
        #expect(TestAttribution.unexpectedFailures(in: scope).isEmpty)
    }
}
