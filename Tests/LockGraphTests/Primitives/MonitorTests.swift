import Foundation
import Testing
@testable import LockGraph

/// Everything that goes through the process-wide lock graph runs in this one serialized suite,
/// so `reset()` and mode changes cannot disturb another test's edges.
@Suite("Monitor", .serialized)
struct MonitorTests {
    @Test func inversionIsReportedOnceWithBothCodePaths() throws {
        let prefix = uniqueName("inv")
        let first = TrackedMutex(name: "\(prefix)-first")
        let second = TrackedMutex(name: "\(prefix)-second")
        #expect(onOtherThread { first.withLock { second.withLock {} } })
        #expect(violations(involving: prefix).isEmpty)

        second.withLock { first.withLock {} }
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        let violation = found[0]
        #expect(violation.kind == .lockOrderInversion)
        #expect(violation.locks.map(\.name) == ["\(prefix)-first", "\(prefix)-second"])
        #expect(violation.edges.count == 2)
        #expect(violation.threads.count == 2)
        for edge in violation.edges {
            #expect(!edge.acquirerStack.frames.isEmpty)
            #expect(!edge.holderStack.frames.isEmpty)
            // Stacks start at the caller's code: no LockGraph frame is shown.
            #expect(!edge.acquirerStack.frames.contains { $0.symbol?.contains("TrackedMutex") ?? false })
        }
        // The closing edge was taken here, in this test function.
        let closing = try #require(violation.edges.last)
        #expect(closing.acquirerStack.frames.contains { $0.symbol?.contains("inversionIsReportedOnceWithBothCodePaths") ?? false })
        #expect(violation.description.contains("Cycle: \"\(prefix)-first\""))
        #expect(violation.description.contains("Fix:"))

        // Taking the same order again reports nothing new.
        second.withLock { first.withLock {} }
        #expect(onOtherThread { second.withLock { first.withLock {} } })
        #expect(violations(involving: prefix).count == 1)
    }

    @Test func handlersReceiveEachViolationUntilCancelled() {
        let prefix = uniqueName("handler")
        let received = TrackedLockedValueBox<[String]>([])
        let registration = LockMonitor.onViolation { violation in
            guard violation.locks.contains(where: { $0.name?.hasPrefix(prefix) ?? false }) else { return }
            received.withLockedValue { $0.append(violation.kind.rawValue) }
        }
        let a = TrackedMutex(name: "\(prefix)-a")
        let b = TrackedMutex(name: "\(prefix)-b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        // Handlers run on the reporter thread: reading the violations waits until they ran.
        _ = LockMonitor.violations
        #expect(received.withLockedValue { $0 } == [LockViolation.Kind.lockOrderInversion.rawValue])

        registration.cancel()
        let c = TrackedMutex(name: "\(prefix)-c")
        c.withLock { a.withLock {} }
        a.withLock { c.withLock {} }
        #expect(violations(involving: prefix).count == 2)
        #expect(received.withLockedValue { $0.count } == 1)
    }

    @Test func tryLockAddsNoEdgeIntoTheLockButRecordsEdgesOutOfIt() throws {
        let prefix = uniqueName("try")
        let outer = TrackedMutex(name: "\(prefix)-outer")
        let inner = TrackedMutex(name: "\(prefix)-inner")
        let after = TrackedMutex(name: "\(prefix)-after")
        outer.withLock {
            #expect(inner.tryLock())
            after.withLock {}
            inner.unlock()
        }
        #expect(outer.lock(before: Date().addingTimeInterval(1)))
        outer.unlock()
        let edges = LockMonitor.snapshot().edges.filter { $0.from.name?.hasPrefix(prefix) ?? false }
        let pairs = Set(edges.map { "\($0.from.name!)>\($0.to.name!)" })
        #expect(!pairs.contains("\(prefix)-outer>\(prefix)-inner"))
        #expect(pairs.contains("\(prefix)-inner>\(prefix)-after"))
        #expect(pairs.contains("\(prefix)-outer>\(prefix)-after"))
        #expect(violations(involving: prefix).isEmpty)
    }

    @Test func timedLockGivesUpWhenAnotherThreadHoldsTheLock() {
        let lock = TrackedMutex(name: uniqueName("timed"))
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            lock.lock()
            holding.signal()
            release.wait()
            lock.unlock()
        }
        holder.start()
        holding.wait()
        #expect(!lock.tryLock())
        #expect(!lock.lock(before: Date().addingTimeInterval(0.05)))
        release.signal()
        #expect(lock.lock(before: Date().addingTimeInterval(5)))
        lock.unlock()
    }

    @Test func recursiveReentryAddsNothing() {
        let prefix = uniqueName("rec")
        let recursive = TrackedRecursiveMutex(name: "\(prefix)-recursive")
        let plain = TrackedMutex(name: "\(prefix)-plain")
        let value = recursive.withLock {
            plain.withLock {
                recursive.withLock { recursive.withLock { 42 } }
            }
        }
        #expect(value == 42)
        #expect(recursive.tryLock())
        recursive.unlock()
        #expect(onOtherThread { recursive.withLock { plain.withLock {} } })
        #expect(violations(involving: prefix).isEmpty)
        let edges = LockMonitor.snapshot().edges.filter { $0.from.name?.hasPrefix(prefix) ?? false }
        #expect(edges.map(\.to.name) == ["\(prefix)-plain"])
    }

    @Test func unlockWithoutHoldingIsReportedAndLeavesTheLockUntouched() throws {
        let prefix = uniqueName("unlock")
        let lock = TrackedMutex(name: "\(prefix)-never-held")
        lock.unlock()
        var found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(found[0].kind == .invalidUnlock)
        #expect(found[0].description.contains("does not hold it"))
        lock.withLock {}  // still a working, unlocked lock

        // Unlock from another thread while this one holds it: reported, lock stays held.
        let held = TrackedMutex(name: "\(prefix)-held-here")
        held.lock()
        let otherGotIt = TestFlag()
        #expect(onOtherThread {
            held.unlock()
            if held.tryLock() { otherGotIt.set(); held.unlock() }
        })
        #expect(!otherGotIt.isSet)
        held.unlock()
        found = violations(involving: prefix)
        #expect(found.filter { $0.kind == .invalidUnlock }.count == 2)
        #expect(onOtherThread { held.withLock {} })
    }

    @Test func exceptionsPropagateAndReleaseTheLock() {
        struct Failure: Error {}
        let lock = TrackedMutex(name: uniqueName("throws"))
        #expect(throws: Failure.self) { try lock.withLock { throw Failure() } }
        #expect(lock.tryLock())
        lock.unlock()
    }

    @Test func conditionWaitReleasesTheLockAndReacquiresIt() {
        let condition = TrackedCondition(name: uniqueName("cond"))
        let ready = TestFlag()
        let waiter = DispatchSemaphore(value: 0)
        Thread {
            condition.withLock {
                while !ready.isSet { condition.wait() }
            }
            waiter.signal()
        }.start()
        // Another thread can take the lock while the waiter waits, because wait() released it.
        // (Done on a thread with a bounded wait, so a broken wait() fails instead of hanging.)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(onOtherThread {
            condition.withLock {
                ready.set()
                condition.broadcast()
            }
        })
        #expect(waiter.wait(timeout: .now() + 10) == .success)
        condition.withLock {
            #expect(!condition.wait(until: Date().addingTimeInterval(0.02)))
        }
    }

    @Test func conditionWaitWithoutTheLockIsReportedAndReturns() throws {
        let prefix = uniqueName("condmisuse")
        let condition = TrackedCondition(name: prefix)
        condition.wait()
        #expect(!condition.wait(until: Date().addingTimeInterval(5)))
        let found = violations(involving: prefix)
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.kind == .invalidUnlock })
    }

    @Test func lockedValueBoxSerialisesUpdates() {
        let box = TrackedLockedValueBox(0, name: uniqueName("box"))
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                for _ in 0..<5_000 { box.withLockedValue { $0 += 1 } }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(box.withLockedValue { $0 } == 20_000)
    }

    @Test func snapshotShowsLiveLocksEdgesAndHeldLocks() throws {
        let prefix = uniqueName("snap")
        let outer = TrackedMutex(name: "\(prefix)-outer")
        let inner = TrackedMutex(name: "\(prefix)-inner")
        let snapshot = outer.withLock { inner.withLock { LockMonitor.snapshot() } }
        let names = Set(snapshot.locks.compactMap(\.name))
        #expect(names.isSuperset(of: ["\(prefix)-outer", "\(prefix)-inner"]))
        #expect(snapshot.edges.contains { $0.from.name == "\(prefix)-outer" && $0.to.name == "\(prefix)-inner" && !$0.closesCycle })
        let mine = try #require(snapshot.threads.first { $0.thread.id == currentThreadID() })
        #expect(mine.held.suffix(2).map(\.name) == ["\(prefix)-outer", "\(prefix)-inner"])
        let after = LockMonitor.snapshot()
        #expect(!(after.threads.first { $0.thread.id == currentThreadID() }?.held.contains { $0.name?.hasPrefix(prefix) ?? false } ?? false))
    }

    @Test func destroyedLocksLeaveTheGraph() {
        let prefix = uniqueName("gone")
        do {
            let a = TrackedMutex(name: "\(prefix)-a")
            let b = TrackedMutex(name: "\(prefix)-b")
            a.withLock { b.withLock {} }
            #expect(LockMonitor.snapshot().edges.contains { $0.from.name == "\(prefix)-a" })
        }
        let snapshot = LockMonitor.snapshot()
        #expect(!snapshot.locks.contains { $0.name?.hasPrefix(prefix) ?? false })
        #expect(!snapshot.edges.contains { $0.from.name?.hasPrefix(prefix) ?? false })
        // New locks with the same names are new identities: no stale edge, no false inversion.
        let b = TrackedMutex(name: "\(prefix)-b")
        let a = TrackedMutex(name: "\(prefix)-a")
        b.withLock { a.withLock {} }
        #expect(violations(involving: prefix).isEmpty)
    }

    /// Releasing a lock from the middle of the held stack must re-derive the chain keys of the
    /// entries above it, or a stale key could make a new edge look known.
    @Test func outOfOrderReleaseKeepsEdgeTrackingExact() throws {
        let prefix = uniqueName("chain")
        let a = TrackedMutex(name: "\(prefix)-a"), b = TrackedMutex(name: "\(prefix)-b")
        let c = TrackedMutex(name: "\(prefix)-c"), d = TrackedMutex(name: "\(prefix)-d")
        // Teach the caches the stack a, b, c -> d.
        a.lock(); b.lock(); c.lock(); d.withLock {}; c.unlock(); b.unlock(); a.unlock()
        // Now hold a, c (b released from the middle) and take d: only a -> d and c -> d apply.
        a.lock(); b.lock(); c.lock()
        b.unlock()
        d.withLock {}
        c.unlock(); a.unlock()
        let pairs = Set(LockMonitor.snapshot().edges.filter { $0.from.name?.hasPrefix(prefix) ?? false }
            .map { "\($0.from.name!.suffix(1))>\($0.to.name!.suffix(1))" })
        #expect(pairs == ["a>b", "a>c", "b>c", "a>d", "b>d", "c>d"])
        // And a new order through a cached chain is still checked: d -> c closes a cycle.
        d.withLock { c.withLock {} }
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(Set(found[0].locks.compactMap { $0.name?.suffix(1) }) == ["c", "d"])
    }

    // reset() and mode changes are process-wide: they are tested in a subprocess
    // (FixtureScenarioTests.resetAndModeSwitchWorkInAFreshProcess), not beside parallel tests.
}
