import Benchmark
import Foundation
import LockGraph

// Slow-path and whole-graph costs: first-time edges, report symbolization, lock churn, the
// cross-run checker.

func registerGraphBenchmarks() {
    // MARK: 4. First-time edge (cycle check + stack capture) with many live locks

    for liveCount in [1_000, 10_000, 100_000] {
        Benchmark("first-time edge/\(liveCount) live locks",
                  configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxIterations: 10)) { benchmark in
            LockMonitor.mode = .report
            // A connected graph of live locks, so the new edges land in a populated order.
            let population = (0..<liveCount).map { TrackedMutex(name: "live-\($0)") }
            for index in stride(from: 0, to: liveCount - 1, by: 2) {
                population[index].withLock { population[index + 1].withLock {} }
            }
            let pairs = benchmark.scaledIterations.map { _ in (TrackedMutex(name: "new-a"), TrackedMutex(name: "new-b")) }
            benchmark.startMeasurement()
            for (first, second) in pairs {
                first.lock(); second.lock(); second.unlock(); first.unlock()
            }
            benchmark.stopMeasurement()
            withExtendedLifetime(population) {}
        }
    }

    Benchmark("report symbolization/one edge's two stacks",
              configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxIterations: 20)) { benchmark in
        let outer = TrackedMutex(name: "sym-outer"), inner = TrackedMutex(name: "sym-inner")
        outer.withLock { inner.withLock {} }
        guard let edge = LockMonitor.snapshot().edges.first(where: { $0.from.name == "sym-outer" }) else { return }
        _ = edge.stacks()  // the first symbolization loads the image map
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(edge.stacks()) }
    }

    // MARK: 5. Create and destroy 1,000,000 locks

    Benchmark("churn/create, lock under a parent, destroy 1,000,000 locks",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], scalingFactor: .one, maxIterations: 3)) { benchmark in
        LockMonitor.mode = .report
        let parent = TrackedMutex(name: "churn-parent")
        for _ in benchmark.scaledIterations {
            for _ in 0..<1_000_000 {
                let child = TrackedMutex(name: "churn-child")
                parent.withLock { child.withLock {} }
            }
        }
    }

    // MARK: 6. `lockgraph check` on a 50,000-edge recording

    Benchmark("check/50,000 class-level edges",
              configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxIterations: 10)) { benchmark in
        var edges: [LockGraphDocument.Edge] = []
        for layer in 0..<500 {
            for index in 0..<100 {
                edges.append(.init(from: "n\(layer)-\(index)", to: "n\(layer + 1)-\((index * 7 + layer) % 100)",
                                   fromID: nil, toID: nil, thread: .init(id: 1, name: nil), closesCycle: false,
                                   holderStack: [], acquirerStack: []))
            }
        }
        let document = LockGraphDocument(schemaVersion: 1, kind: LockGraphDocument.recordKind,
                                         process: .init(pid: 1, executable: "bench", date: ""), locks: [], edges: edges, threads: nil)
        let data = document.encoded()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            // What the command does: decode, merge, find the cycles.
            guard let decoded = try? LockGraphDocument.decode(data) else { return }
            var graph = RecordedLockGraph()
            graph.merge(decoded, source: "bench.json")
            blackHole(graph.cycles())
        }
    }
}
