import Foundation
import Testing
@_spi(Integration) @testable import LockGraph

/// The steady state (`Tracking.lockKnown`/`unlockKnown`) must decide exactly as the general
/// protocol: each test first makes its locks' acquisitions take that path (their stack budget
/// spent, their chains known), checks that it did (debug builds count it), then does what the
/// steady state must hand to the general path.
@Suite("Steady-state path")
struct KnownPathTests {
    @Test func aWarmedLockIsTakenByTheSteadyStatePathAndRecordsItsSite() throws {
        let prefix = uniqueName("known")
        let outer = TrackedMutex(name: prefix + "-outer")
        let inner = TrackedMutex(name: prefix + "-inner")
        warm(outer, inner)
        let before = try #require(Tracking.currentThread()).knownAcquisitions
        let lockLine = #line + 1
        outer.lock()
        inner.lock()
        let thread = try #require(Tracking.currentThread())
        if let before, let after = thread.knownAcquisitions {
            #expect(after - before == 2, "both acquisitions took the steady-state path")
        }
        #expect(thread.heldCount >= 2)
        let entry = thread.held(at: thread.heldCount - 2)
        #expect(entry.id == outer.info.id && entry.stackDepth == 0 && entry.recursion == 1)
        let frame = Symbolication.frames(of: ThreadState.siteTrace(entry.site), trimThreadStart: false).first
        #expect(frame?.line == lockLine, "site: \(String(describing: frame))")
        #expect(thread.held(at: thread.heldCount - 1).chain == ThreadState.chain(entry.chain, inner.info.id))
        inner.unlock()
        outer.unlock()
        #expect(thread.indexOfHeld(outer.info.id) == nil && thread.indexOfHeld(inner.info.id) == nil)
        #expect(violations(involving: prefix).isEmpty)
    }

    @Test func aNewOrderAfterTheSteadyStateIsStillAnInversion() throws {
        let prefix = uniqueName("known-inversion")
        let a = TrackedMutex(name: prefix + "-a")
        let b = TrackedMutex(name: prefix + "-b")
        warm(a, b)
        b.withLock { a.withLock {} }
        let found = violations(involving: prefix)
        #expect(found.count == 1)
        #expect(found.first?.kind == .lockOrderInversion)
    }

    @Test func reentryOfAWarmedLockIsReportedAndProceeds() throws {
        let prefix = uniqueName("known-reentry")
        try ViolationScope.$taskScope.withValue(UInt64.random(in: 1..<UInt64(Int32.max))) {
            let lock = TrackedMutex(name: prefix)
            warm(lock)
            let outerLine = #line + 1
            lock.withLock {
                lock.withLock {}
                // The re-entry's unlock released nothing: this thread still holds the lock.
                #expect(Tracking.currentThread()?.indexOfHeld(lock.info.id) != nil)
            }
            let found = violations(involving: prefix)
            try #require(found.count == 1)
            #expect(found[0].kind == .reentrantAcquire)
            // No stack was kept for the outer hold, but its call site was: the report names it.
            let first = try #require(found[0].backtraces.first)
            #expect(first.label.contains("only the call site kept"), "\(first.label)")
            #expect(first.frames.first?.line == outerLine, "\(first.frames)")
            #expect(Tracking.currentThread()?.indexOfHeld(lock.info.id) == nil)
            #expect(lock.tryLock())
            lock.unlock()
        }
    }

    @Test func anUnlockOfAWarmedLockByAThreadThatDoesNotHoldItIsReported() throws {
        let prefix = uniqueName("known-foreign-unlock")
        let lock = TrackedMutex(name: prefix)
        #expect(onOtherThread { warm(lock) })
        lock.lock()
        #expect(onOtherThread { lock.unlock() })
        // Untouched: still held here, so another thread cannot take it.
        #expect(onOtherThread { precondition(!lock.tryLock()) })
        lock.unlock()
        let found = violations(involving: prefix)
        try #require(found.count == 1)
        #expect(found[0].kind == .invalidUnlock)
    }

    @Test func releasesOutOfOrderKeepTheHeldStackAndItsChains() throws {
        let prefix = uniqueName("known-out-of-order")
        let a = TrackedMutex(name: prefix + "-a")
        let b = TrackedMutex(name: prefix + "-b")
        let c = TrackedMutex(name: prefix + "-c")
        warm(a, b)
        a.lock()
        b.lock()
        a.unlock()   // not the top entry: the general path removes it from below b
        let thread = try #require(Tracking.currentThread())
        let top = thread.held(at: thread.heldCount - 1)
        #expect(top.id == b.info.id)
        #expect(top.chain == ThreadState.chain(thread.heldCount > 1 ? thread.held(at: thread.heldCount - 2).chain : 0, b.info.id))
        c.lock()     // under b only: the edge is b -> c, not a -> c
        c.unlock()
        b.unlock()
        let edges = LockMonitor.snapshot().edges.filter { $0.from.name?.hasPrefix(prefix) == true }
        let pairs = Set(edges.map { "\($0.from.name!.suffix(1))>\($0.to.name!.suffix(1))" })
        #expect(pairs == ["a>b", "b>c"])
        #expect(violations(involving: prefix).isEmpty)
    }

    @Test func aLockThatCollectsStatisticsTakesTheGeneralPath() throws {
        let prefix = uniqueName("known-stats")
        let lock = TrackedMutex(name: prefix)
        warm(lock)
        let thread = try #require(Tracking.currentThread())
        let before = thread.knownAcquisitions
        lock.withLock {}
        if let before, let after = thread.knownAcquisitions {
            #expect(after - before == (lock.info.statistics == nil ? 1 : 0))
        }
    }
}

/// Takes the locks in the given order (each inside the ones before) until every stack budget is
/// spent and every chain is in the thread's cache: the next such acquisition is the steady state.
private func warm(_ locks: TrackedMutex...) {
    let rounds = Configuration.holderStackBudget == Int.max ? 2 : Configuration.holderStackBudget + 2
    for _ in 0..<rounds {
        for lock in locks { lock.lock() }
        for lock in locks.reversed() { lock.unlock() }
    }
}
