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
