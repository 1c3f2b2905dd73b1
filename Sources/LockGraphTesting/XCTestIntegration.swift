import Foundation
import XCTest
@_spi(Integration) import LockGraph

/// Fails the running XCTest case for every LockGraph violation that belongs to it.
///
/// Call `LockGraphTestObserver.register()` once (for example in a test class's `setUp`, or
/// the first test); it is idempotent. While a case runs, its thread carries the case's scope,
/// and every violation that belongs to the case (its locks were created by the case, or it was
/// detected on the case's thread), a repeat of a code path already reported included, is
/// recorded on it with `recordFailure`, the full report as the description, when the test
/// method returns: in a teardown block the observer adds as the case starts, so on the test's
/// own thread and before `tearDown()`. Subclassing ``LockGraphTestCase`` does the same without
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
    }

    /// Gives the case's thread the case's scope and adds a teardown block that records the case's
    /// violations as failures when the test method returns. Does nothing for a ``LockGraphTestCase``,
    /// which does this itself.
    public func testCaseWillStart(_ testCase: XCTestCase) {
        guard !(testCase is LockGraphTestCase) else { return }
        let scope = XCTestSession.begin(testCase)
        let start = TestAttribution.latestOccurrenceNumber
        // Reports are prepared on LockGraph's reporter thread; recording them from there could
        // race the case's own thread, or come after XCTest stopped the run (which XCTest treats
        // as a fatal error). A teardown block runs on the case's thread while its run is open.
        testCase.addTeardownBlock { [unowned testCase] in
            for failure in TestAttribution.unexpectedFailures(in: scope, after: start) {
                XCTestSession.fail(testCase, with: failure)
            }
        }
    }

    /// Ends the case's scope (nothing for a ``LockGraphTestCase``).
    public func testCaseDidFinish(_ testCase: XCTestCase) {
        guard !(testCase is LockGraphTestCase) else { return }
        XCTestSession.end(testCase)
    }
}

/// An `XCTestCase` whose tests fail for every LockGraph violation that belongs to them,
/// without registering an observer. Violations are recorded when the test method returns
/// (after `tearDown`), a repeat of a code path already reported included.
open class LockGraphTestCase: XCTestCase {
    /// Runs the test (with `setUp` and `tearDown`) in a LockGraph scope, then records a failure for
    /// every violation that belongs to it and was not expected. An override must call `super`.
    open override func invokeTest() {
        let scope = XCTestSession.begin(self)
        let start = TestAttribution.latestOccurrenceNumber
        super.invokeTest()
        for failure in TestAttribution.unexpectedFailures(in: scope, after: start) {
            XCTestSession.fail(self, with: failure)
        }
        XCTestSession.end(self)
    }
}

/// The XCTest case running now (XCTest on Linux runs one case at a time, on one thread).
enum XCTestSession {
    private struct Running: @unchecked Sendable {
        let testCase: XCTestCase
        let scope: UInt64
    }

    private static let running = InternalProtected<Running?>(nil)

    @discardableResult
    static func begin(_ testCase: XCTestCase) -> UInt64 {
        let scope = TestAttribution.newScope()
        ViolationScope.setThreadScope(scope)
        running.withLock { $0 = Running(testCase: testCase, scope: scope) }
        return scope
    }

    static func end(_ testCase: XCTestCase) {
        ViolationScope.setThreadScope(nil)
        running.withLock { if $0?.testCase === testCase { $0 = nil } }
    }

    static var currentCase: XCTestCase? { running.withLock { $0?.testCase } }

    /// Records the failure at the user's code that triggered it: the top frame of the stack that
    /// closed the cycle (or of the first stack) that has a source location.
    static func fail(_ testCase: XCTestCase, with failure: TestAttribution.Failure) {
        let violation = failure.violation
        let stacks = violation.edges.last.map { [$0.acquirerStack] } ?? violation.backtraces
        let frame = stacks.lazy.flatMap(\.frames).first { $0.file != nil && $0.line != nil }
        testCase.recordFailure(withDescription: failure.message,
                               inFile: frame?.file ?? "<unknown>", atLine: frame?.line ?? 0, expected: true)
    }
}
