import Foundation
import LockGraph

// Uncontended lock + unlock on one thread, in one process, so every ratio compares figures
// measured side by side: a raw pthread mutex at a stable heap address, NSLock, and TrackedMutex
// with detection on (edges known: the steady state), and that pair taken inside a held tracked
// lock. Rounds alternate the locks; the median per lock is printed, then the ratios. Usage: HotPath [--pairs N] [--rounds N] [--threaded]
// (defaults 5,000,000 and 7). Run in release.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 else {
        return fallback
    }
    return value
}
let pairs = option("--pairs", 5_000_000)
let rounds = option("--rounds", 7)
let threaded = arguments.contains("--threaded")

// glibc's mutex lock and unlock skip the bus lock while the process has never had a second
// thread (`__libc_single_threaded`); its try-lock, which the tracked steady state uses, never
// does. `--threaded` starts one thread first (and waits until it ran), as any program that needs a lock has.
if threaded {
    let done = DispatchSemaphore(value: 0)
    Thread { done.signal() }.start()
    guard done.wait(timeout: .now() + 10) == .success else { fatalError("the helper thread did not run") }
}

let raw = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
raw.initialize(to: pthread_mutex_t())
pthread_mutex_init(raw, nil)
let nslock = NSLock()
let tracked = TrackedMutex(name: "hot")
let outer = TrackedMutex(name: "outer")

@inline(never)
func time(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(pairs)
}

// Warm up: the tracked lock's stack budget and its first edge (outer -> hot) are paid here.
for _ in 0..<100 {
    outer.lock(); tracked.lock(); tracked.unlock(); outer.unlock()
}

var samples: [String: [Double]] = [:]
for _ in 0..<rounds {
    samples["pthread", default: []].append(time { for _ in 0..<pairs { pthread_mutex_lock(raw); pthread_mutex_unlock(raw) } })
    samples["nslock", default: []].append(time { for _ in 0..<pairs { nslock.lock(); nslock.unlock() } })
    samples["tracked", default: []].append(time { for _ in 0..<pairs { tracked.lock(); tracked.unlock() } })
    // The same pair taken inside a held tracked lock: the known-chain probe is on the path too.
    outer.lock()
    samples["nested", default: []].append(time { for _ in 0..<pairs { tracked.lock(); tracked.unlock() } })
    outer.unlock()
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let p = median(samples["pthread"]!), n = median(samples["nslock"]!), t = median(samples["tracked"]!)
let nested = median(samples["nested"]!)
print(String(format: "hotpath pairs=%d rounds=%d threaded=%d mode=%@ pthread_ns=%.1f nslock_ns=%.1f tracked_ns=%.1f tracked_vs_pthread=%.2f tracked_vs_nslock=%.2f nested_tracked_ns=%.1f",
             pairs, rounds, threaded ? 1 : 0, LockMonitor.mode.rawValue, p, n, t, t / p, t / n, nested))
guard LockMonitor.violations.isEmpty else { exit(1) }
