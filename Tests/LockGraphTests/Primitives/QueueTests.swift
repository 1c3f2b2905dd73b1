import Foundation
import Synchronization
import Testing
@testable import LockGraph

extension MonitorTests {
    @Suite("TrackedQueue")
    struct QueueTests {
        /// Every timeout and deadline saturates: a timeout too long to represent waits "forever"
        /// (here: until an element comes) instead of trapping in the deadline arithmetic.
        @Test func hugeTimeoutsSaturateInsteadOfTrapping() throws {
            let queue = try TrackedQueue<Int>(capacity: 1, name: uniqueName("huge-timeout"))
            #expect(onOtherThread {
                Thread.sleep(forTimeInterval: 0.05)
                queue.put(1)
            })
            #expect(queue.get(timeout: .seconds(Int64.max)) == 1)
            #expect(queue.put(2, timeout: .seconds(Int64.max)))
            #expect(onOtherThread {
                Thread.sleep(forTimeInterval: 0.05)
                _ = queue.get()
            })
            #expect(queue.put(3, timeout: .seconds(Int64.max)))
            #expect(queue.get(timeout: Duration(secondsComponent: Int64.max, attosecondsComponent: 999_999_999_999_999_999)) == 3)
            // A date beyond representation: the free lock is taken at once, no trap.
            let lock = TrackedMutex(name: uniqueName("far-date"))
            #expect(lock.lock(before: Date(timeIntervalSince1970: 1e300)))
            lock.unlock()
        }

        @Test func deliversInFIFOOrder() {
            let queue = TrackedQueue<Int>(name: uniqueName("fifo"))
            for value in 0..<100 { queue.put(value) }  // grows past the initial ring
            #expect(queue.count == 100)
            #expect((0..<100).map { _ in queue.get() } == Array(0..<100))
            #expect(queue.tryGet() == nil)
            #expect(queue.count == 0)
        }

        @Test func boundedQueueRefusesWhenFullAndTimesOut() throws {
            let queue = try TrackedQueue<String>(capacity: 2, name: uniqueName("bounded"))
            #expect(queue.capacity == 2)
            #expect(queue.tryPut("a"))
            #expect(queue.tryPut("b"))
            #expect(!queue.tryPut("c"))
            #expect(!queue.put("c", timeout: .milliseconds(20)))
            #expect(!queue.put("c", timeout: .milliseconds(-5)))  // negative: treated as zero
            #expect(queue.get() == "a")
            #expect(queue.put("c", timeout: .seconds(1)))
            #expect(queue.get() == "b")
            #expect(queue.get() == "c")
            #expect(queue.get(timeout: .milliseconds(20)) == nil)
        }

        @Test func blockedPutAndGetAreWokenByTheOtherSide() throws {
            let queue = try TrackedQueue<Int>(capacity: 1, name: uniqueName("handoff"))
            let received = TrackedLockedValueBox<[Int]>([])
            let consumerDone = DispatchSemaphore(value: 0)
            Thread {
                for _ in 0..<1_000 {
                    let value = queue.get()
                    received.withLockedValue { $0.append(value) }
                }
                consumerDone.signal()
            }.start()
            for value in 0..<1_000 { queue.put(value) }
            #expect(consumerDone.wait(timeout: .now() + 30) == .success)
            #expect(received.withLockedValue { $0 } == Array(0..<1_000))
        }

        /// The seed story in-process: a dequeued element's slot is reused by a later put, whose
        /// release of the old element runs its deinit under the queue's lock; that deinit puts
        /// into the same queue. Reported once, nothing lost, nothing hangs, order kept.
        @Test func reentrantPutFromDeinitIsReportedAndCompletes() throws {
            let prefix = uniqueName("reentrant-queue")
            let queue = TrackedQueue<Message>(name: prefix)
            let deinits = DeinitCounter()
            // Slot 0 gets a payload; slots 1..15 get plain notes; all are dequeued, so every
            // slot of the 16-slot ring now holds a stale copy and only slot 0's has a deinit.
            queue.put(.payload(Payload(id: 0, queue: queue, counter: deinits)))
            for index in 1..<16 { queue.put(.note("filler \(index)")) }
            for _ in 0..<16 { _ = queue.get() }
            #expect(deinits.value == 0)

            // Reusing slot 0 releases the stale payload inside put: its deinit re-enters put.
            queue.put(.note("fresh"))
            #expect(deinits.value == 1)
            let found = violations(involving: prefix)
            try #require(found.count == 1)
            #expect(found[0].kind == .reentrantAcquire)
            #expect(found[0].backtraces.count == 2)
            #expect(found[0].backtraces[1].frames.contains { $0.symbol?.contains("Payload.deinit") ?? false })
            // The re-entrant element comes right after the outer one; nothing is lost.
            #expect(queue.count == 2)
            #expect(queue.get() == .note("fresh"))
            #expect(queue.get() == .note("released 0"))

            // A later re-entry is handled the same way and not reported again.
            queue.put(.payload(Payload(id: 1, queue: queue, counter: deinits)))
            _ = queue.get()
            for index in 0..<15 { queue.put(.note("more \(index)")) }
            for _ in 0..<15 { _ = queue.get() }
            queue.put(.note("second"))
            #expect(deinits.value == 2)
            #expect(queue.get() == .note("second"))
            #expect(queue.get() == .note("released 1"))
            #expect(violations(involving: prefix).count == 1)
        }
    }
}

private enum Message: Equatable, Sendable {
    case payload(Payload)
    case note(String)
}

private final class DeinitCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

private final class Payload: Equatable, Sendable {
    let id: Int
    /// Unowned: the queue holds payloads, so a strong reference would be a cycle.
    unowned let queue: TrackedQueue<Message>
    let counter: DeinitCounter

    init(id: Int, queue: TrackedQueue<Message>, counter: DeinitCounter) {
        self.id = id
        self.queue = queue
        self.counter = counter
    }

    deinit {
        counter.increment()
        queue.put(.note("released \(id)"))
    }

    static func == (lhs: Payload, rhs: Payload) -> Bool { lhs.id == rhs.id }
}
