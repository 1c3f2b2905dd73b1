#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LockGraph

// Dispatch queues and semaphores in the graph. Each program reproduces a published pattern in
// a few lines; the inversion runs its two paths one after the other, so it never hangs.

let cacheLock = TrackedMutex(name: "cache")
let cacheQueue = TrackedDispatchQueue(label: "cache.io")

@inline(never) func refreshCacheSynchronously() {
    cacheLock.withLock {
        cacheQueue.sync { /* write the cache file */ }
    }
}

@inline(never) func scheduleEviction(_ done: DispatchSemaphore) {
    cacheQueue.async {
        cacheLock.withLock { /* evict entries */ }
        done.signal()
    }
}

final class QueueConnection {
    let queue: TrackedDispatchQueue
    init(queue: TrackedDispatchQueue) { self.queue = queue }
    deinit {
        // "Flush on deinit": fine from anywhere except the queue itself.
        queue.sync { /* flush */ }
    }
}

/// Prints the counts the tests read, one line per kind that can appear in these programs;
/// returns exit status 0 (the deadlock and re-entry programs end by SIGABRT before it).
/// A lock/queue cycle is a lock-order inversion like any other.
private func dispatchSummary() -> Int32 {
    printViolationCounts([.lockOrderInversion, .reentrantAcquire, .stall, .deadlock, .resourceDeadlock])
}

extension Scenario {
    static let queueLockInversion = Scenario(
        name: "queue-lock-inversion",
        summary: "refreshCacheSynchronously() holds \"cache\" across cacheQueue.sync; a block queued by scheduleEviction() takes \"cache\"",
        expectation: "one lock-order inversion between the lock and the queue, with the block's submission stack; no hang"
    ) {
        join(startThread(named: "refresher") { refreshCacheSynchronously() })
        let done = DispatchSemaphore(value: 0)
        scheduleEviction(done)
        done.wait()
        return dispatchSummary()
    }

    static let queueOrderedNoFalsePositive = Scenario(
        name: "queue-ordered-no-false-positive",
        summary: "every path takes the lock before queue.sync; queued blocks take only a lock of their own",
        expectation: "no report"
    ) {
        let stateLock = TrackedMutex(name: "state")
        let logLock = TrackedMutex(name: "log")
        let queue = TrackedDispatchQueue(label: "writer")
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<20 {
            stateLock.withLock { queue.sync { logLock.withLock {} } }
            queue.async { logLock.withLock {}; done.signal() }
        }
        for _ in 0..<20 { done.wait() }
        return dispatchSummary()
    }

    static let queueSyncReentry = Scenario(
        name: "queue-sync-reentry",
        summary: "a QueueConnection released by a block running on its own queue calls queue.sync from deinit",
        expectation: "reentrant acquire with the stack that entered the queue and the one re-entering it, then SIGABRT (before GCD traps)"
    ) {
        let queue = TrackedDispatchQueue(label: "connection")
        var connection: QueueConnection? = QueueConnection(queue: queue)
        queue.sync {
            connection = nil  // the last reference: deinit runs here, on the queue
        }
        say("unreachable")
        return 1
    }

    static let queueLockDeadlock = Scenario(
        name: "queue-lock-deadlock",
        summary: "a thread holds \"cache\" and calls cacheQueue.sync while a running block waits for \"cache\"",
        expectation: "the inversion, then a real deadlock found by the watchdog through the thread blocked in sync; SIGABRT"
    ) {
        let lock = TrackedMutex(name: "index")
        let queue = TrackedDispatchQueue(label: "index.io")
        let blockRunning = DispatchSemaphore(value: 0)
        queue.async {
            blockRunning.signal()
            usleep(200_000)
            lock.withLock {}
        }
        blockRunning.wait()
        lock.withLock { queue.sync {} }
        say("unreachable")
        return 1
    }

    static let semaphoreResourceCycle = Scenario(
        name: "semaphore-resource-cycle",
        summary: "2 pool slots (a semaphore) held by workers that wait for the writer; the writer waits for a slot",
        expectation: "one resource deadlock naming the semaphore, both workers (where they took their slot, what they wait for) and the writer; no separate stalls; the 3 s timeouts then end it"
    ) {
        let slots = TrackedSemaphore(value: 2, name: "pool slots")
        let written = TrackedSemaphore(value: 0, name: "written")
        let timeout: @Sendable () -> DispatchTime = { DispatchTime.now() + .seconds(3) }
        // One normal round first: each worker takes and returns a slot (the signallers).
        for _ in 0..<2 { slots.wait(); slots.signal() }
        var workers: [Thread] = []
        let bothHoldSlots = DispatchSemaphore(value: 0)
        for index in 0..<2 {
            workers.append(startThread(named: "worker-\(index)") {
                _ = slots.wait(timeout: timeout())
                bothHoldSlots.signal()
                _ = written.wait(timeout: timeout())  // waits for the writer, holding its slot
                slots.signal()
            })
        }
        bothHoldSlots.wait()
        bothHoldSlots.wait()
        let writer = startThread(named: "writer") {
            if slots.wait(timeout: timeout()) == .success {  // needs a slot to write
                written.signal()
                written.signal()
                slots.signal()
            }
        }
        (workers + [writer]).forEach(join)
        let deadline = Date().addingTimeInterval(30)
        while violationCount(.resourceDeadlock) == 0 && violationCount(.stall) == 0 && Date() < deadline { usleep(10_000) }
        return dispatchSummary()
    }
}
