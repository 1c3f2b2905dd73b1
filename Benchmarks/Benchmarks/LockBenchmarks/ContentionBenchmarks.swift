import Benchmark
import Foundation
import LockGraph

// MARK: 3. Contended throughput: N threads on one lock, and on 8 locks

/// Runs `threads` threads that together perform `total` lock/unlock pairs, thread t using
/// lock t % locks.count, and waits for all of them.
func hammer(threads: Int, total: Int, lock: @escaping @Sendable (Int) -> Void, unlock: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for thread in 0..<threads {
        group.enter()
        Thread {
            for _ in 0..<(total / threads) {
                lock(thread)
                unlock(thread)
            }
            group.leave()
        }.start()
    }
    group.wait()
}

func registerContentionBenchmarks() {
    let total = 200_000
    for threads in [2, 4, 16] {
        for lockCount in [1, 8] {
            Benchmark("contended/pthread_mutex \(threads) threads, \(lockCount) lock(s)",
                      configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxIterations: 10)) { benchmark in
                let locks = (0..<lockCount).map { _ in PThreadMutex() }
                for _ in benchmark.scaledIterations {
                    hammer(threads: threads, total: total, lock: { locks[$0 % lockCount].lock() }, unlock: { locks[$0 % lockCount].unlock() })
                }
            }
            Benchmark("contended/TrackedMutex report \(threads) threads, \(lockCount) lock(s)",
                      configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxIterations: 10)) { benchmark in
                let locks = (0..<lockCount).map { trackedMutex(mode: .report, name: "contended-\($0)") }
                for _ in benchmark.scaledIterations {
                    hammer(threads: threads, total: total, lock: { locks[$0 % lockCount].lock() }, unlock: { locks[$0 % lockCount].unlock() })
                }
            }
        }
    }
}
