import Foundation
import LockGraph
import LockGraphLogging
import LockGraphMetrics
import Logging
import MetricsTestKit
import Synchronization
import Testing

/// A log handler that keeps every entry (no global bootstrap needed).
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    struct Entry {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }
    let entries = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        entries.withLock { $0.append(Entry(level: level, message: message.description, metadata: metadata ?? [:])) }
    }
}

@Suite("Logging and metrics", .serialized)
struct LoggingAndMetricsTests {
    @Test func violationsAreLoggedWithTheirMetadata() throws {
        let handler = CapturingLogHandler()
        let logger = Logger(label: "lockgraph-test") { _ in handler }
        let registration = LockMonitor.log(to: logger)
        defer { registration.cancel() }
        let prefix = "log-\(UUID().uuidString.prefix(8))"
        let a = TrackedMutex(name: "\(prefix)-a")
        let b = TrackedMutex(name: "\(prefix)-b")
        a.withLock { b.withLock {} }
        b.withLock { a.withLock {} }
        // The logger runs on LockGraph's reporter thread: reading the violations waits for it.
        _ = LockMonitor.violations
        let entries = handler.entries.withLock { $0 }.filter { $0.message.contains(prefix) }
        try #require(entries.count == 1)
        let entry = entries[0]
        #expect(entry.level == .error)
        #expect(entry.message.contains("LockGraph: lock-order inversion"))
        #expect(entry.message.contains("Fix:"))
        #expect(entry.metadata["lockgraph.kind"] == .string("lock-order inversion"))
        let described = ["\(prefix)-a", "\(prefix)-b"].map { name in
            Logger.MetadataValue.string(LockMonitor.snapshot().locks.first { $0.name == name }?.description ?? "")
        }
        #expect(entry.metadata["lockgraph.locks"] == .array(described))
        if case .array(let threads)? = entry.metadata["lockgraph.threads"] { #expect(threads.count == 1) } else { Issue.record("no threads metadata") }
        #expect(entry.metadata["lockgraph.summary"].map { "\($0)".contains("between 2 locks") } ?? false)
    }

    @Test func contentionQueuesPoolsAndThreadsArePublished() throws {
        let metrics = TestMetrics()
        LockGraphMetrics.install(factory: metrics, threadSampling: nil)
        defer { LockGraphMetrics.uninstall() }
        let name = "metrics-\(UUID().uuidString.prefix(8))"
        let lock = TrackedMutex(name: name)
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            lock.lock()
            holding.signal()
            usleep(30_000)
            lock.unlock()
            done.signal()
        }.start()
        holding.wait()
        lock.withLock {}
        #expect(done.wait(timeout: .now() + 10) == .success)

        let acquisitions = try metrics.expectCounter("lockgraph_lock_acquisitions", [("lock", name)])
        #expect(acquisitions.totalValue == 2)
        #expect(try metrics.expectCounter("lockgraph_lock_contended", [("lock", name)]).totalValue == 1)
        let waits = try metrics.expectTimer("lockgraph_lock_wait", [("lock", name)]).values
        #expect(waits.count == 2 && (waits.max() ?? 0) >= 15_000_000)
        let holds = try metrics.expectTimer("lockgraph_lock_hold", [("lock", name)]).values
        #expect(holds.count == 2 && (holds.max() ?? 0) >= 20_000_000)

        let queueName = "\(name)-queue"
        let queue = TrackedQueue<Int>(name: queueName)
        queue.put(1)
        queue.put(2)
        usleep(10_000)
        _ = queue.get()
        let depth = try metrics.expectGauge("lockgraph_queue_depth", [("queue", queueName)])
        #expect(depth.values == [1, 2, 1])
        #expect((try metrics.expectTimer("lockgraph_queue_time", [("queue", queueName)]).lastValue ?? 0) >= 8_000_000)

        let poolName = "\(name)-pool"
        let pool = try TrackedThreadPool(threads: 1, name: poolName)
        try pool.submit { usleep(5_000) }.wait()
        pool.shutdown()
        #expect((try metrics.expectTimer("lockgraph_pool_run_time", [("pool", poolName)]).lastValue ?? 0) >= 4_000_000)
        #expect(try metrics.expectTimer("lockgraph_pool_queue_time", [("pool", poolName)]).values.count == 1)

        LockGraphMetrics.sampleThreadCount()
        #expect((try metrics.expectGauge("lockgraph_threads").lastValue ?? 0) >= 1)
    }
}

