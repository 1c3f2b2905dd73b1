import Foundation
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("Dispatch queue and semaphore")
    struct DispatchTests {
        @Test func syncReturnsAndRethrowsAsyncAndAsyncAfterRun() throws {
            let queue = TrackedDispatchQueue(label: uniqueName("queue"))
            #expect(queue.sync { 42 } == 42)
            #expect(throws: Failure()) { try queue.sync { throw Failure() } }
            let done = DispatchSemaphore(value: 0)
            let order = InternalProtected<[Int]>([])
            queue.async { order.withLock { $0.append(1) } }
            queue.asyncAfter(deadline: .now() + .milliseconds(20)) { order.withLock { $0.append(2) }; done.signal() }
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(order.withLock { $0 } == [1, 2])
            // While a block runs, the queue is held by the running thread; afterwards by nobody.
            let name = queue.underlying.label
            let heldInside = queue.sync { LockMonitor.snapshot().threads.contains { $0.held.contains { $0.name == name } } }
            #expect(heldInside)
            #expect(!LockMonitor.snapshot().threads.contains { $0.held.contains { $0.name == name } })
            #expect(violations(involving: name).isEmpty)
        }

        @Test func nestedSyncOntoOtherQueuesIsFine() {
            let prefix = uniqueName("nested")
            let outer = TrackedDispatchQueue(label: "\(prefix)-outer")
            let inner = TrackedDispatchQueue(label: "\(prefix)-inner")
            #expect(outer.sync { inner.sync { 7 } } == 7)
            #expect(violations(involving: prefix).isEmpty)
        }

        @Test func semaphoreCountsPermitsAndTimesOut() {
            let prefix = uniqueName("semaphore")
            let semaphore = TrackedSemaphore(value: 1, name: prefix)
            #expect(semaphore.wait(timeout: .now()) == .success)
            #expect(semaphore.wait(timeout: .now() + .milliseconds(20)) == .timedOut)
            let woke = TestFlag()
            let done = DispatchSemaphore(value: 0)
            Thread {
                semaphore.wait()
                woke.set()
                done.signal()
            }.start()
            usleep(20_000)
            #expect(!woke.isSet)
            semaphore.signal()
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(woke.isSet)
            let clamped = TrackedSemaphore(value: -5, name: "\(prefix)-negative")
            #expect(clamped.wait(timeout: .now()) == .timedOut)
            #expect(SemaphoreSignals.recent(of: semaphore.info.id)?.count == 1)
            #expect(violations(involving: prefix).isEmpty)
            // Released with fewer permits than it started with: a DispatchSemaphore would trap here.
        }
    }
}

/// Units of a tracked pool semaphore: who holds them, and that event semaphores have none.
@Suite("Semaphore units")
struct SemaphoreUnitTests {
    @Test func aPoolTracksWhichThreadsHoldUnitsAndEventsTrackNone() {
        let pool = TrackedSemaphore(value: 2, name: uniqueName("pool"))
        let events = TrackedSemaphore(value: 0, name: uniqueName("events"))
        let me = ThreadState.current.threadID
        pool.wait()
        pool.wait()
        #expect(SemaphoreUnits.holders(of: pool.info.id).map { [$0.thread, $0.count] } == [[me, 2]])
        #expect(SemaphoreUnits.holders(of: pool.info.id).first?.site != 0)
        // Another thread's signal is a producer's: it frees none of this thread's units.
        #expect(onOtherThread { pool.signal() })
        #expect(SemaphoreUnits.holders(of: pool.info.id).first?.count == 2)
        pool.signal()
        pool.signal()
        #expect(SemaphoreUnits.holders(of: pool.info.id).isEmpty)
        // A consumer of events owes nothing back.
        events.signal()
        events.wait()
        #expect(SemaphoreUnits.holders(of: events.info.id).isEmpty)
    }
}
