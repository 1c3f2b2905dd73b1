import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    /// One report per code path: the same creation sites and first user frames on new lock
    /// instances are counted, not printed again; anything else is a report of its own.
    @Suite("Deduplication")
    struct DeduplicationTests {
        /// Creates two locks (on the same two lines, under the same names, at every call) and
        /// takes them in both orders: one code path, new instances each time.
        @inline(never)
        static func invertFreshLocks(_ prefix: String) {
            let first = TrackedMutex(name: "\(prefix)-first")
            let second = TrackedMutex(name: "\(prefix)-second")
            first.withLock { second.withLock {} }
            second.withLock { first.withLock {} }
        }

        @Test func theSameCodePathOnNewLockInstancesIsReportedOnceAndCounted() throws {
            let prefix = uniqueName("repeat")
            Self.invertFreshLocks(prefix)
            Self.invertFreshLocks(prefix)
            let found = violations(involving: prefix)
            try #require(found.count == 1)
            #expect(found[0].occurrences == 2)
            #expect(found[0].kind == .lockOrderInversion)
            #expect(LockMonitor.dumpText().contains("(seen 2 times)"))
        }

        @Test func differentSitesAreDifferentReports() throws {
            let prefix = uniqueName("sites")
            Self.invertFreshLocks(prefix)
            // The same locks' names, but created and taken on other lines: another code path.
            let first = TrackedMutex(name: "\(prefix)-first")
            let second = TrackedMutex(name: "\(prefix)-second")
            first.withLock { second.withLock {} }
            second.withLock { first.withLock {} }
            let found = violations(involving: prefix)
            #expect(found.count == 2)
            #expect(found.allSatisfy { $0.occurrences == 1 })
        }

        @Test func theKeyIsCreationSitesAndFirstUserFramesWhicheverLockTheCycleStartsAt() {
            let lock = { (name: String, line: UInt) in LockDescriptor(name: name, id: UInt64(line) * 7, file: "App/Bank.swift", line: line, kind: .mutex) }
            let thread = ThreadDescriptor(id: 1, name: nil)
            func stack(_ line: Int, address: UInt) -> LockBacktrace {
                LockBacktrace(label: "", thread: thread, frames: [LockBacktrace.Frame(address: address, symbol: "f", file: "/src/App/Bank.swift", line: line)])
            }
            func edge(_ from: LockDescriptor, _ to: LockDescriptor, _ holder: Int, _ acquirer: Int) -> LockEdge {
                LockEdge(from: from, to: to, thread: thread, holderStack: stack(holder, address: 1), acquirerStack: stack(acquirer, address: 2))
            }
            func inversion(_ edges: [LockEdge]) -> LockViolation {
                LockViolation(kind: .lockOrderInversion, locks: edges.map(\.from), threads: [thread], edges: edges, backtraces: [],
                              summary: "", advice: "", headline: ReportHeadline(""), date: Date(), scopes: [], detectingScope: nil)
            }
            let a = lock("a", 5), b = lock("b", 6)
            let forward = inversion([edge(a, b, 10, 11), edge(b, a, 20, 21)])
            let rotated = inversion([edge(b, a, 20, 21), edge(a, b, 10, 11)])
            let otherLine = inversion([edge(a, b, 10, 12), edge(b, a, 20, 21)])
            #expect(CodePathKey(forward) == CodePathKey(rotated))
            #expect(CodePathKey(forward) != CodePathKey(otherLine))
            #expect(CodePathKey(forward).parts.contains("\"a\" App/Bank.swift:5 | \"b\" App/Bank.swift:6 | /src/App/Bank.swift:10 | /src/App/Bank.swift:11"))
        }
    }
}
