import Foundation
import Testing
@_spi(Integration) @testable import LockGraph

/// `ReportBuilder`: what a report says, from a request alone (no thread's state, no graph).
@Suite("Report builder")
struct ReportBuilderTests {
    private let thread = ThreadDescriptor(id: 41, name: "worker")
    private let other = ThreadDescriptor(id: 42, name: nil)
    private let date = Date(timeIntervalSince1970: 1_000)

    private func lock(_ kind: LockKind, _ name: String = "accounts") -> LockInfo {
        LockInfo(name: name, file: "App/Bank.swift", line: 12, kind: kind)
    }

    private func build(_ request: ReportRequest, scope: UInt64? = nil) throws -> LockViolation {
        try #require(ReportBuilder.violation(for: request, date: date, detectingScope: scope))
    }

    @Test func anInvalidUnlockNamesTheThreadTheLockAndTheSymbolizedCall() throws {
        let violation = try build(.invalidUnlock(lock: lock(.mutex), thread: thread, stack: .capture(), detail: "it does not hold it"),
                                  scope: 7)
        #expect(violation.kind == .invalidUnlock)
        #expect(violation.summary == "invalid unlock: thread 41 \"worker\" unlocked \"accounts\" (Bank.swift:12) but it does not hold it. The lock was left untouched.")
        #expect(violation.advice == "Unlock only a lock the current thread acquired; prefer withLock so lock and unlock always pair up.")
        #expect(violation.threads == [thread] && violation.locks.map(\.type) == ["TrackedMutex"])
        #expect(violation.date == date)
        #expect(violation.backtraces.map(\.label) == ["unlock called"])
        // The raw stack is symbolized by the builder, starting at the caller.
        #expect(violation.backtraces[0].frames.first?.symbol?.contains("anInvalidUnlockNamesTheThread") ?? false)
        // Its lock has no scope: the detecting thread's scope owns it.
        #expect(violation.scopes == [7])
    }

    @Test func reentryAdviceAndTerminationFollowTheLockKind() throws {
        func request(_ kind: LockKind, _ outcome: ReportRequest.ReentryOutcome) -> ReportRequest {
            .reentrantAcquire(lock: lock(kind), thread: thread, firstAcquired: .empty, firstAcquiredSiteOnly: false, requestedAgain: .empty,
                              outcome: outcome, reason: nil)
        }
        #expect(try build(request(.mutex, .terminates)).advice.hasPrefix("Do not call code that takes this lock while holding it"))
        #expect(try build(request(.queue, .terminates)).advice.hasPrefix("Do not call code that takes this queue while holding it"))
        #expect(try build(request(.dispatchQueue, .terminates)).advice.hasPrefix("Do not call sync onto a queue from code already running on it"))
        #expect(try build(request(.mutex, .cannotSucceed)).advice.hasPrefix("Release the lock before retrying"))
        #expect(try build(request(.mutex, .cannotSucceed)).summary.hasSuffix("The request cannot succeed while the thread holds the lock."))
        let proceeds = try build(request(.dispatchQueue, .proceedsAsRecursive))
        #expect(proceeds.summary.contains("LockGraph lets it proceed as if the dispatch queue were recursive"))
        #expect(try build(request(.mutex, .proceedsAsRecursive)).advice.hasPrefix("Do not call code that takes this lock while holding it"))
        let fatal = try build(request(.mutex, .terminates))
        #expect(fatal.backtraces.map(\.label) == ["\"accounts\" (Bank.swift:12) first acquired", "\"accounts\" (Bank.swift:12) requested again by the same thread"])
        #expect(fatal.backtraces.allSatisfy { $0.description.hasSuffix("<no stack captured>") })
        #expect(ReportBuilder.terminationMessage(for: request(.mutex, .terminates))
            == "LockGraph: terminating: thread 41 \"worker\" re-acquired non-recursive \"accounts\" (Bank.swift:12) and would hang forever.\n")
        #expect(ReportBuilder.terminationMessage(for: request(.mutex, .cannotSucceed)) == nil)
        #expect(ReportBuilder.terminationMessage(for: request(.mutex, .proceedsAsRecursive)) == nil)
        #expect(ReportBuilder.terminationMessage(for: .invalidUnlock(lock: lock(.mutex), thread: thread, stack: .empty, detail: "")) == nil)
    }

    @Test func aDeadlockListsEachWaiterWithItsHolderAndStacks() throws {
        let accounts = lock(.mutex, "accounts"), ledger = lock(.mutex, "ledger")
        let violation = try build(.deadlock([
            ReportRequest.DeadlockWaiter(thread: thread, lock: ledger, waited: 1_250_000_000, holder: other, currentStack: nil,
                                         held: [(lock: accounts, acquired: .empty)]),
            ReportRequest.DeadlockWaiter(thread: other, lock: accounts, waited: 500_000_000, holder: nil, currentStack: .empty, held: []),
        ]))
        #expect(violation.summary == """
            deadlock: 2 threads wait for each other in a cycle and can never proceed
              thread 41 "worker" waits for "ledger" (Bank.swift:12) (held by thread 42) for 1.25 s
              thread 42 waits for "accounts" (Bank.swift:12) (holder unknown) for 0.50 s
            """)
        #expect(violation.backtraces.map(\.label) == [
            "thread 41 \"worker\" waiting for \"ledger\" (Bank.swift:12): current stack unavailable (the thread did not answer the sampling signal)",
            "holds \"accounts\" (Bank.swift:12), acquired",
            "thread 42 waiting for \"accounts\" (Bank.swift:12): current stack",
        ])
        #expect(violation.advice.hasPrefix("Take \"ledger\", \"accounts\" in one global order on every path"))
        #expect(violation.threads == [thread, other])
    }

    @Test func aSemaphoreStallShowsItsSignallersAndOtherLocksTheirHolder() throws {
        let waiter = ReportRequest.BlockedThread(thread: thread, waited: 2_000_000_000, currentStack: nil)
        let semaphore = try build(.stall(ReportRequest.StallSighting(
            lock: lock(.semaphore, "slots"), holder: nil, signals: [], waiters: [waiter])))
        #expect(semaphore.summary.contains("\"slots\" (Bank.swift:12) is a semaphore: it has no holder; it was never signalled"))
        #expect(semaphore.summary.hasSuffix("thread 41 \"worker\" waits for it for 2.00 s"))
        #expect(semaphore.advice.hasPrefix("Find who should signal this semaphore"))

        let signalled = try build(.stall(ReportRequest.StallSighting(
            lock: lock(.semaphore, "slots"), holder: nil, signals: [SemaphoreSignals.Signal(thread: other, stack: .empty)], waiters: [waiter])))
        #expect(signalled.summary.contains("its last 1 signal(s) are shown"))
        #expect(signalled.backtraces.first?.label == "thread 42 signalled \"slots\" (Bank.swift:12)")

        let held = try build(.stall(ReportRequest.StallSighting(
            lock: lock(.mutex, "config"),
            holder: ReportRequest.StallSighting.Holder(thread: other, held: 3_000_000_000, acquired: .empty, currentStack: .empty),
            signals: [], waiters: [waiter])))
        #expect(held.summary.contains("\"config\" (Bank.swift:12) held by thread 42 for 3.00 s"))
        #expect(held.backtraces.map(\.label).prefix(2) == ["thread 42 acquired \"config\" (Bank.swift:12)", "thread 42 (the holder): current stack, where it is now"])
        #expect(held.threads == [other, thread])
        #expect(held.advice.hasPrefix("Do not block"))

        let orphan = try build(.stall(ReportRequest.StallSighting(lock: lock(.mutex, "orphan"), holder: nil, signals: [], waiters: [waiter])))
        #expect(orphan.summary.contains("\"orphan\" (Bank.swift:12) has no tracked holder"))
    }

    @Test func blockingInATaskIsReportedOncePerLockAndCallSite() throws {
        let sessions = lock(.mutex, "sessions")
        func request(_ stack: StackTrace) -> ReportRequest {
            .blockingInAsyncContext(lock: sessions, thread: thread, waited: 150_000_000, stack: stack)
        }
        let here = StackTrace.capture()
        let first = try build(request(here))
        #expect(first.summary == "blocking in async context: a Swift task waited 150 ms for \"sessions\" (Bank.swift:12) on thread 41 \"worker\", blocking a cooperative thread")
        #expect(ReportBuilder.violation(for: request(here), date: date, detectingScope: nil) == nil)
        // Another lock at the same site is a new report.
        #expect(ReportBuilder.violation(for: .blockingInAsyncContext(lock: lock(.mutex, "other"), thread: thread, waited: 1, stack: here),
                                        date: date, detectingScope: nil) != nil)
    }

    @Test func aLoopLagWithoutAnAnsweringThreadSaysSo() throws {
        let violation = try build(.loopLag(name: "io-loop", lateBy: 612_000_000, threshold: 500_000_000, thread: nil, stack: nil))
        #expect(violation.summary == "loop lag: \"io-loop\" has not run a heartbeat for 612 ms (threshold 500 ms); it is blocked")
        #expect(violation.threads.isEmpty)
        #expect(violation.backtraces.map(\.description) == ["the blocking thread could not be sampled (thread 0 \"unknown\"):\n    <no stack captured>"])
    }
}
