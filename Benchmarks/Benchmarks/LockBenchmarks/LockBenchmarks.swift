import Benchmark
import Foundation
import LockGraph
import NIOConcurrencyHelpers
import Synchronization

// Each figure in BENCHMARKS.md is a ratio against a baseline measured in this same run.
// Steady state means the tracked lock's edges are already known (warm-up runs first).

private let iterations = 1_000_000

/// A pthread mutex in a class, the raw baseline.
final class PThreadMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }
    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }
}

/// Creates a tracked mutex while `mode` is in force (the mode a lock is created in decides its
/// pthread mutex type) and leaves the process in `report`.
func trackedMutex(mode: LockMonitor.Mode, name: String) -> TrackedMutex {
    LockMonitor.mode = mode
    return TrackedMutex(name: name)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .instructions],
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 20
    )

    // MARK: 1. Uncontended lock + unlock

    Benchmark("uncontended/pthread_mutex") { benchmark in
        let lock = PThreadMutex()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/NSLock") { benchmark in
        let lock = NSLock()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/Synchronization.Mutex") { benchmark in
        let lock = Mutex(0)
        for _ in benchmark.scaledIterations { lock.withLock { $0 &+= 1 } }
    }
    Benchmark("uncontended/NIOLock") { benchmark in
        let lock = NIOLock()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/TrackedMutex mode off") { benchmark in
        let lock = trackedMutex(mode: .off, name: "off")
        defer { LockMonitor.mode = .report }
        LockMonitor.mode = .off
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/TrackedMutex mode report") { benchmark in
        let lock = trackedMutex(mode: .report, name: "report")
        for _ in 0..<100 { lock.lock(); lock.unlock() }  // past the stack-capture warm-up
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/TrackedMutex mode report, watchdog running") { benchmark in
        LockMonitor.startWatchdog(interval: .milliseconds(10))
        let lock = trackedMutex(mode: .report, name: "watched")
        for _ in 0..<100 { lock.lock(); lock.unlock() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }

    Benchmark("uncontended/TrackedMutex mode report, statistics on") { benchmark in
        LockMonitor.collectsStatistics = true
        let lock = trackedMutex(mode: .report, name: "counted")
        LockMonitor.collectsStatistics = false
        for _ in 0..<100 { lock.lock(); lock.unlock() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { lock.lock(); lock.unlock() }
    }
    Benchmark("uncontended/TrackedRWLock read, mode report") { benchmark in
        let lock = TrackedRWLock(name: "rw")
        for _ in 0..<100 { lock.readLock(); lock.unlock() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { lock.readLock(); lock.unlock() }
    }
    Benchmark("uncontended/pthread_rwlock read") { benchmark in
        let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
        for _ in benchmark.scaledIterations { pthread_rwlock_rdlock(lock); pthread_rwlock_unlock(lock) }
    }

    // MARK: 2. Nested acquisitions: the per-held-lock cost

    for depth in [1, 3, 8] {
        Benchmark("nested/pthread_mutex depth \(depth)") { benchmark in
            let locks = (0..<depth).map { _ in PThreadMutex() }
            for _ in benchmark.scaledIterations {
                for lock in locks { lock.lock() }
                for lock in locks.reversed() { lock.unlock() }
            }
        }
        Benchmark("nested/NSLock depth \(depth)") { benchmark in
            // A cross-module class like TrackedMutex: the caller's reference counting on the
            // array elements is the same, so this is the fair baseline for the per-lock cost.
            let locks = (0..<depth).map { _ in NSLock() }
            for _ in benchmark.scaledIterations {
                for lock in locks { lock.lock() }
                for lock in locks.reversed() { lock.unlock() }
            }
        }
        Benchmark("nested/TrackedMutex report depth \(depth)") { benchmark in
            let locks = (0..<depth).map { trackedMutex(mode: .report, name: "nested-\(depth)-\($0)") }
            for _ in 0..<100 {
                for lock in locks { lock.lock() }
                for lock in locks.reversed() { lock.unlock() }
            }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for lock in locks { lock.lock() }
                for lock in locks.reversed() { lock.unlock() }
            }
        }
    }
    _ = iterations

    registerContentionBenchmarks()
    registerGraphBenchmarks()
}
