import Foundation
import Testing
@testable import LockGraph

/// What a report costs, printed as `MEASURE` lines (figures in the README and the commit log
/// come from these): the acquisition that closes a cycle (the detecting thread's cost), how
/// long the report then takes to be delivered (the reporter thread's: symbolization, wording,
/// printing), first against the following ones, and a snapshot export of a few hundred edges.
/// Only functional properties are asserted: timings on a shared machine vary too much.
extension MonitorTests {
    @Suite("Report cost")
    struct ReportCostTests {
        /// Twenty closing acquisitions at twenty different call sites (each closure literal is a
        /// function of its own, so each report has frames the symbol cache has not seen yet).
        static let closers: [@Sendable (TrackedMutex, TrackedMutex, Timing) -> Void] = [
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
            { first, second, timing in second.withLock { timing.measure { first.withLock {} } } },
        ]

        /// Seconds spent in the measured region (untracked storage).
        final class Timing: @unchecked Sendable {
            private let lock = NSLock()
            private var seconds = 0.0
            func measure(_ body: () -> Void) {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                lock.lock(); seconds = elapsed; lock.unlock()
            }
            var last: Double { lock.lock(); defer { lock.unlock() }; return seconds }
        }

        static func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

        @Test func closingAcquisitionAndReportCostFirstAgainstTheFollowingOnes() throws {
            let prefix = uniqueName("cost")
            var closing: [Double] = [], delivery: [Double] = []
            for (index, closer) in Self.closers.enumerated() {
                let first = TrackedMutex(name: "\(prefix)-\(index)-first")
                let second = TrackedMutex(name: "\(prefix)-\(index)-second")
                first.withLock { second.withLock {} }
                let timing = Timing()
                let start = DispatchTime.now().uptimeNanoseconds
                closer(first, second, timing)
                // Reading the violations waits until the report was delivered.
                _ = LockMonitor.violations
                closing.append(timing.last)
                delivery.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 - timing.last)
            }
            let found = violations(involving: prefix)
            #expect(found.count == Self.closers.count)
            #expect(found.allSatisfy { $0.occurrences == 1 })
            let following = delivery.dropFirst().sorted(), closingFollowing = closing.dropFirst().sorted()
            print("MEASURE closing acquisition: first \(Self.milliseconds(closing[0])), following median "
                + "\(Self.milliseconds(closingFollowing[closingFollowing.count / 2])), max \(Self.milliseconds(closingFollowing.last ?? 0))")
            print("MEASURE report delivered after: first \(Self.milliseconds(delivery[0])), following median "
                + "\(Self.milliseconds(following[following.count / 2])), max \(Self.milliseconds(following.last ?? 0))")
        }

        @Test func exportingSeveralHundredEdgesWithTheirStacks() throws {
            let prefix = uniqueName("export")
            var locks: [TrackedMutex] = []
            for index in 0..<300 {
                let from = TrackedMutex(name: "\(prefix)-\(index)-from")
                let to = TrackedMutex(name: "\(prefix)-\(index)-to")
                Self.closers[index % Self.closers.count](to, from, Timing())  // edge from -> to
                locks += [from, to]
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let document = try LockGraphDocument.decode(LockMonitor.snapshot().json())
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let mine = document.edges.filter { $0.from.hasPrefix(prefix) }
            #expect(mine.count == 300)
            #expect(mine.allSatisfy { !$0.acquirerStack.isEmpty })
            print("MEASURE snapshot JSON of \(document.edges.count) edges (\(mine.count) of this test) with symbolized stacks: \(Self.milliseconds(seconds))")
            // With LOCKGRAPH_RECORD set for the test run, also what writing the recording costs
            // (the same symbolization, per class-level edge, at exit).
            if EdgeRecorder.directory != nil {
                let recordStart = DispatchTime.now().uptimeNanoseconds
                let record = EdgeRecorder.document().encoded()
                let recordSeconds = Double(DispatchTime.now().uptimeNanoseconds - recordStart) / 1e9
                let edges = try LockGraphDocument.decode(record).edges.count
                print("MEASURE LOCKGRAPH_RECORD document of \(edges) class-level edges: \(Self.milliseconds(recordSeconds))")
            }
            withExtendedLifetime(locks) {}
        }
    }
}
