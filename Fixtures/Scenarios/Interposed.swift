import Foundation
import LockGraph

// A program that uses a tracked type and an untracked NSLock together. Plainly, LockGraph sees
// only the TrackedMutex: no cycle. Under `lockgraph run`, the NSLock is interposed, and the
// program's own LockGraph is the one graph for both, so the cycle between them is found and
// reported once (not once per LockGraph copy).

let ordersLock = TrackedMutex(name: "orders")
let legacyCacheLock = NSLock()

@inline(never)
func placeOrder() {
    ordersLock.withLock {
        legacyCacheLock.lock()
        legacyCacheLock.unlock()
    }
}

@inline(never)
func refreshCache() {
    legacyCacheLock.lock()
    ordersLock.withLock {}
    legacyCacheLock.unlock()
}

extension Scenario {
    static let trackedAndInterposed = Scenario(
        name: "tracked-and-interposed",
        summary: "a TrackedMutex and an NSLock taken in opposite orders on two threads",
        expectation: "plainly nothing; under `lockgraph run` one lock-order inversion between \"orders\" and the NSLock"
    ) {
        join(startThread(named: "orders") { placeOrder() })
        join(startThread(named: "cache") { refreshCache() })
        // Give the reporter thread time to deliver before counting.
        Thread.sleep(forTimeInterval: 0.5)
        say("violations reported: \(LockMonitor.violations.count)")
        return 0
    }
}
