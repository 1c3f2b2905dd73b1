import Dispatch
import Foundation
import LockGraph
import Synchronization

// Event-loop lag, blocking inside Swift concurrency, and thread exhaustion.

/// CPU-bound work that does not belong on an event loop.
@inline(never)
func crunchNumbersOnTheLoop(for seconds: Double) -> UInt64 {
    let end = Date().addingTimeInterval(seconds)
    var accumulator: UInt64 = 0
    while Date() < end {
        for value in 0..<10_000 { accumulator = accumulator &* 31 &+ UInt64(value) }
    }
    return accumulator
}

/// Synchronous code that waits for a lock, called from a Swift task.
@inline(never)
func lookUpSessionBlocking(_ sessions: TrackedMutex) {
    sessions.withLock {}
}

@inline(never)
func holdSessions(_ sessions: TrackedMutex, for seconds: Double) {
    sessions.withLock { Thread.sleep(forTimeInterval: seconds) }
}

/// A thread per request: the classic way to run out of threads.
@inline(never)
func handleRequestOnNewThread(_ release: DispatchSemaphoreBox) {
    _ = release.wait(timeout: 30)
}

extension Scenario {
    static let loopLag = Scenario(
        name: "loop-lag",
        summary: "a serial DispatchQueue (an event loop) runs a 2 s CPU-bound function",
        expectation: "a loop-lag report whose stack names crunchNumbersOnTheLoop(for:)"
    ) {
        let loop = DispatchQueue(label: "io-loop")
        let monitor = LagMonitor(queue: loop, interval: .milliseconds(50), threshold: .milliseconds(400))
        monitor.start()
        usleep(300_000)  // a few healthy heartbeats first
        let done = DispatchSemaphoreBox()
        loop.async {
            _ = crunchNumbersOnTheLoop(for: 2)
            done.signal()
        }
        _ = done.wait(timeout: 30)
        usleep(200_000)
        monitor.stop()
        say("loop lags reported: \(violationCount(.loopLag))")
        return violationCount(.loopLag) == 1 ? 0 : 1
    }

    static let blockingInTask = Scenario(
        name: "blocking-in-task",
        summary: "a Swift task waits 300 ms for a tracked lock another thread holds",
        expectation: "a blocking-in-async-context report naming lookUpSessionBlocking(_:)"
    ) {
        let sessions = TrackedMutex(name: "sessions")
        let holder = startThread(named: "session-writer") { holdSessions(sessions, for: 0.3) }
        while !LockMonitor.snapshot().threads.contains(where: { !$0.held.isEmpty }) { usleep(1_000) }
        let finished = DispatchSemaphoreBox()
        Task.detached {
            lookUpSessionBlocking(sessions)
            finished.signal()
        }
        _ = finished.wait(timeout: 30)
        join(holder)
        say("blocking-in-async-context reports: \(violationCount(.blockingInAsyncContext))")
        return violationCount(.blockingInAsyncContext) == 1 ? 0 : 1
    }

    static let threadExplosion = Scenario(
        name: "thread-explosion",
        summary: "a server starts a thread per request and never bounds them",
        expectation: "a thread-exhaustion report (limit from LOCKGRAPH_THREAD_LIMIT, default here 200) before the system limit, with the threads' stacks"
    ) {
        let reported = Atomic<Bool>(false)
        LockMonitor.onViolation { violation in
            if violation.kind == .threadExhaustion { reported.store(true, ordering: .releasing) }
        }
        let limit = ProcessInfo.processInfo.environment["LOCKGRAPH_THREAD_LIMIT"].flatMap(Int.init) ?? 200
        let monitor = ThreadMonitor(limit: limit, samplingInterval: .milliseconds(20))
        monitor.start()
        let release = DispatchSemaphoreBox()
        var started = 0
        let deadline = Date().addingTimeInterval(30)
        while !reported.load(ordering: .acquiring) && started < 10 * limit && Date() < deadline {
            let thread = Thread { handleRequestOnNewThread(release) }
            // Small stacks, as a server with many threads would use; sanitizers need more.
            thread.stackSize = runningUnderSanitizer ? 1024 * 1024 : 64 * 1024
            thread.start()
            started += 1
            usleep(500)
        }
        // The loop can end by its thread cap before the monitor's report (sampling the newest
        // threads' stacks, symbolizing them) was handed over: wait for it, boundedly, rather
        // than read the violations too early.
        while !reported.load(ordering: .acquiring) && Date() < deadline { usleep(10_000) }
        monitor.stop()
        for _ in 0..<started { release.signal() }
        say("threads started: \(started); thread-exhaustion reports: \(violationCount(.threadExhaustion))")
        return violationCount(.threadExhaustion) == 1 ? 0 : 1
    }
}
