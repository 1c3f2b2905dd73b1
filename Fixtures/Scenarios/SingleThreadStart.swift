import Foundation
import LockGraph

// Until a process starts its second thread, glibc takes and releases a default mutex with plain
// stores, and so does LockGraph's steady state. This program takes its locks in that state, then
// starts threads: what was recorded single-threaded (an order edge) still counts, and a lock
// taken single-threaded and released after a thread started hands over to a thread blocked on it.

extension Scenario {
    static let singleThreadStart = Scenario(
        name: "single-thread-start",
        summary: "locks taken before the process's first thread, released and reversed after it",
        expectation: "PASS lines; one inversion between \"first\" and \"second\"; exit 0"
    ) {
        let checks = ScenarioChecks()
        checks.check(processThreadCount() == 1, "the process starts with one thread")
        let first = TrackedMutex(name: "first")
        let second = TrackedMutex(name: "second")
        for _ in 0..<1_000 {
            first.lock()
            second.lock()
            second.unlock()
            first.unlock()
        }
        checks.check(processThreadCount() == 1, "1,000 nested acquisitions started no thread")

        // Held from the single-threaded state; a thread blocks on it; released multi-threaded.
        first.lock()
        let handedOver = DispatchSemaphore(value: 0)
        Thread {
            // Not expected (the main thread holds it), and then no hand-over is signalled.
            if first.tryLock() { first.unlock(); return }
            first.lock()
            first.unlock()
            handedOver.signal()
        }.start()
        usleep(100_000)
        first.unlock()
        checks.check(handedOver.wait(timeout: .now() + 10) == .success,
                     "a lock taken single-threaded was handed to the thread blocked on it")

        // The reverse order, now multi-threaded: the edge recorded single-threaded closes the cycle.
        second.lock()
        first.lock()
        first.unlock()
        second.unlock()
        checks.check(violationCount(.lockOrderInversion) == 1, "the reverse order is reported against the single-threaded edge")
        return checks.exitStatus
    }
}

/// The `Threads:` count of /proc/self/status (0 when it cannot be read).
private func processThreadCount() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
        return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}
