import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("Stress")
    struct StressTests {
        /// 8 threads take random subsets of 32 long-lived locks in one global order, each time
        /// also creating, taking and destroying a short-lived lock inside the subset: the graph
        /// sees constant node churn from several threads at once. Nothing may be reported and
        /// the graph must not keep the destroyed locks.
        @Test func consistentOrderUnderChurnReportsNothing() {
            let prefix = uniqueName("stress")
            let locks = (0..<32).map { TrackedMutex(name: "\(prefix)-\($0)") }
            let group = DispatchGroup()
            for worker in 0..<8 {
                group.enter()
                Thread {
                    var random = SystemRandomNumberGenerator()
                    for _ in 0..<2_000 {
                        let subset = locks.indices.filter { _ in Int.random(in: 0..<8, using: &random) == 0 }
                        for index in subset { locks[index].lock() }
                        let shortLived = TrackedMutex(name: "\(prefix)-short-\(worker)")
                        shortLived.withLock {}
                        for index in subset.reversed() { locks[index].unlock() }
                    }
                    group.leave()
                }.start()
            }
            #expect(group.wait(timeout: .now() + 120) == .success)
            #expect(violations(involving: prefix).isEmpty)
            let snapshot = LockMonitor.snapshot()
            #expect(!snapshot.locks.contains { $0.name?.contains("-short-") ?? false && $0.name!.hasPrefix(prefix) })
            #expect(snapshot.edges.filter { $0.from.name?.hasPrefix(prefix) ?? false }.count <= 32 * 31 / 2)
        }

        /// One inversion injected into concurrent churn is reported exactly once. Phase one
        /// establishes the order 2 -> 3...7 from four threads; in phase two the threads churn on
        /// other locks while one of them takes 6 -> 2 (run concurrently with phase one, the
        /// opposite orders could really deadlock the test, which is the point of the report).
        @Test func oneInjectedInversionIsReportedExactlyOnce() throws {
            let prefix = uniqueName("inject")
            let locks = (0..<8).map { TrackedMutex(name: "\(prefix)-\($0)") }
            func run(_ body: @escaping @Sendable (_ worker: Int) -> Void) -> DispatchTimeoutResult {
                let group = DispatchGroup()
                for worker in 0..<4 {
                    group.enter()
                    Thread {
                        body(worker)
                        group.leave()
                    }.start()
                }
                return group.wait(timeout: .now() + 60)
            }
            #expect(run { _ in
                for round in 0..<1_000 { locks[2].withLock { locks[(round % 5) + 3].withLock {} } }
            } == .success)
            #expect(violations(involving: prefix).isEmpty)
            #expect(run { worker in
                for round in 0..<1_000 {
                    if worker == 0 && round == 500 { locks[6].withLock { locks[2].withLock {} } }
                    locks[0].withLock { locks[1].withLock {} }
                }
            } == .success)
            let found = violations(involving: prefix)
            try #require(found.count == 1)
            #expect(Set(found[0].locks.compactMap(\.name)) == ["\(prefix)-2", "\(prefix)-6"])
        }
    }
}
