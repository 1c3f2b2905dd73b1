import Foundation
import XCTest
@_spi(Integration) import LockGraph

/// Fails the running XCTest case for every LockGraph violation that belongs to it.
///
/// Call `LockGraphTestObserver.register()` once (for example in a test class's `setUp`, or
/// the first test); it is idempotent. While a case runs, its thread carries the case's scope,
/// and a violation that belongs to the case (its locks were created by the case, or it was
/// detected on the case's thread) is recorded on it with `recordFailure`, the full report as the
/// description, as soon as it happens. Subclassing ``LockGraphTestCase`` does the same without
/// registering.
public final class LockGraphTestObserver: NSObject, XCTestObservation, @unchecked Sendable {
    private static let shared = LockGraphTestObserver()
    private static let registered = InternalProtected(false)

    /// Registers the observer with `XCTestObservationCenter.shared` (once).
    public static func register() {
        let first = registered.withLock { registered -> Bool in
            defer { registered = true }
            return !registered
        }
        guard first else { return }
        XCTestObservationCenter.shared.addTestObserver(shared)
        LockMonitor.onViolation { violation in XCTestSession.violationOccurred(violation) }
    }

    public func testCaseWillStart(_ testCase: XCTestCase) {
        guard !(testCase is LockGraphTestCase) else { return }
        XCTestSession.begin(testCase, recordsImmediately: true)
    }

    public func testCaseDidFinish(_ testCase: XCTestCase) {
        guard !(testCase is LockGraphTestCase) else { return }
        XCTestSession.end(testCase)
    }
}

/// An `XCTestCase` whose tests fail for every LockGraph violation that belongs to them,
/// without registering an observer. Violations are recorded when the test method returns.
open class LockGraphTestCase: XCTestCase {
    open override func invokeTest() {
        let scope = XCTestSession.begin(self, recordsImmediately: false)
        let start = TestAttribution.latestSequenceNumber
        super.invokeTest()
        for violation in TestAttribution.unexpectedViolations(in: scope, after: start) {
            XCTestSession.fail(self, with: violation)
        }
        XCTestSession.end(self)
    }
}

/// The XCTest case running now (XCTest on Linux runs one case at a time, on one thread).
enum XCTestSession {
    private struct Running: @unchecked Sendable {
        let testCase: XCTestCase
        let scope: UInt64
        let recordsImmediately: Bool
    }

    private static let running = InternalProtected<Running?>(nil)

    @discardableResult
    static func begin(_ testCase: XCTestCase, recordsImmediately: Bool) -> UInt64 {
        let scope = TestAttribution.newScope()
        ViolationScope.setThreadScope(scope)
        running.withLock { $0 = Running(testCase: testCase, scope: scope, recordsImmediately: recordsImmediately) }
        return scope
    }

    static func end(_ testCase: XCTestCase) {
        ViolationScope.setThreadScope(nil)
        running.withLock { if $0?.testCase === testCase { $0 = nil } }
    }

    static var currentCase: XCTestCase? { running.withLock { $0?.testCase } }

    static func violationOccurred(_ violation: LockViolation) {
        guard let current = running.withLock({ $0 }), current.recordsImmediately,
              violation.scopes.contains(current.scope), !TestAttribution.isExpected(violation)
        else { return }
        fail(current.testCase, with: violation)
    }

    /// Records the failure at the user's code that triggered it: the top frame of the stack that
    /// closed the cycle (or of the first stack) that has a source location.
    static func fail(_ testCase: XCTestCase, with violation: LockViolation) {
        let stacks = violation.edges.last.map { [$0.acquirerStack] } ?? violation.backtraces
        let frame = stacks.lazy.flatMap(\.frames).first { $0.file != nil && $0.line != nil }
        testCase.recordFailure(withDescription: violation.description,
                               inFile: frame?.file ?? "<unknown>", atLine: frame?.line ?? 0, expected: true)
    }
}
