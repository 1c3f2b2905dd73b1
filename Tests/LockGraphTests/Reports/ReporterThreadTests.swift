import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    /// Reports are made on LockGraph's reporter thread, in detection order; readers wait for
    /// them, boundedly.
    @Suite("Reporter thread")
    struct ReporterThreadTests {
        @Test func handlersRunOnTheReporterThreadWhileTheDetectingThreadGoesOn() throws {
            let prefix = uniqueName("slow-handler")
            let seenOn = InternalProtected<[String]>([])
            let registration = LockMonitor.onViolation { violation in
                guard violation.locks.contains(where: { $0.name?.hasPrefix(prefix) ?? false }) else { return }
                seenOn.withLock { $0.append(ThreadState.name(ofThread: currentThreadID()) ?? "?") }
                Thread.sleep(forTimeInterval: 0.5)
            }
            defer { registration.cancel() }
            let a = TrackedMutex(name: "\(prefix)-a"), b = TrackedMutex(name: "\(prefix)-b")
            a.withLock { b.withLock {} }
            let start = Date()
            b.withLock { a.withLock {} }
            // The closing acquisition did not wait for symbolization or the half-second handler.
            #expect(Date().timeIntervalSince(start) < 0.4)
            #expect(violations(involving: prefix).count == 1)
            #expect(seenOn.withLock { $0 } == ["lockgraph-rpt"])
        }

        @Test func violationsKeepDetectionOrder() {
            let prefix = uniqueName("order")
            for index in 0..<6 {
                let a = TrackedMutex(name: "\(prefix)-\(index)-a"), b = TrackedMutex(name: "\(prefix)-\(index)-b")
                a.withLock { b.withLock {} }
                b.withLock { a.withLock {} }
            }
            let found = violations(involving: prefix)
            #expect(found.map { $0.locks[0].name ?? "" } == (0..<6).map { "\(prefix)-\($0)-a" })
            #expect(zip(found, found.dropFirst()).allSatisfy { $0.sequenceNumber < $1.sequenceNumber })
        }

        @Test func aWaitForPendingReportsIsBounded() {
            let release = DispatchSemaphore(value: 0)
            // Stands for a handler blocked on a lock the waiting thread holds.
            ReportQueue.shared.submit { _ = release.wait(timeout: .now() + 10) }
            let start = Date()
            #expect(!ReportQueue.shared.waitUntilDelivered(timeout: 0.3))
            let waited = Date().timeIntervalSince(start)
            #expect(waited >= 0.3 && waited < 5, "waited \(waited) s")
            release.signal()
            #expect(ReportQueue.shared.waitUntilDelivered())
        }
    }
}
