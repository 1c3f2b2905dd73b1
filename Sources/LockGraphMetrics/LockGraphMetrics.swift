#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics
import Dispatch
@_spi(Integration) import LockGraph
import Synchronization

/// Publishes LockGraph's contention statistics through swift-metrics.
///
/// Metrics (labels and dimensions):
/// - `lockgraph_lock_wait` (timer, `lock`: the lock class): time from asking for a lock to
///   holding it, per blocking acquisition (zero when uncontended);
/// - `lockgraph_lock_hold` (timer, `lock`): time from acquiring to releasing;
/// - `lockgraph_lock_acquisitions` and `lockgraph_lock_contended` (counters, `lock`);
/// - `lockgraph_queue_depth` (gauge, `queue`) and `lockgraph_queue_time` (timer, `queue`): a
///   ``TrackedQueue``'s depth and each element's time between `put` and `get`;
/// - `lockgraph_pool_queue_time` and `lockgraph_pool_run_time` (timers, `pool`): each
///   ``TrackedThreadPool`` task's wait in the queue and its run time;
/// - `lockgraph_threads` (gauge): the process's thread count, sampled every `threadSampling`.
///
/// Statistics are collected only for tracked locks and queues created after ``install(factory:threadSampling:)``.
public enum LockGraphMetrics {
    private static let installed = Mutex<MetricsPublisher?>(nil)

    /// Starts publishing (replacing an earlier installation), turning statistics collection on.
    /// - Parameters:
    ///   - factory: where metrics go; by default the bootstrapped `MetricsSystem.factory` (for
    ///     example a Prometheus registry, see the README).
    ///   - threadSampling: how often the thread-count gauge is updated (nil: never).
    public static func install(factory: any MetricsFactory = MetricsSystem.factory,
                               threadSampling: Duration? = .seconds(1)) {
        let publisher = MetricsPublisher(factory: factory)
        if let threadSampling { publisher.startThreadSampling(every: threadSampling) }
        let previous = installed.withLock { slot in
            defer { slot = publisher }
            return slot
        }
        previous?.stopThreadSampling()
        LockMonitor.setStatisticsObserver(publisher)
    }

    /// Stops publishing. Statistics collection stays as it is (see `LockMonitor.collectsStatistics`).
    public static func uninstall() {
        let previous = installed.withLock { slot in
            defer { slot = nil }
            return slot
        }
        previous?.stopThreadSampling()
        LockMonitor.setStatisticsObserver(nil)
    }

    /// Records the process's thread count now (also done every `threadSampling`).
    public static func sampleThreadCount() {
        installed.withLock { $0 }?.sampleThreadCount()
    }
}

/// The observer behind `LockGraphMetrics`: one metric object per label and dimension value.
final class MetricsPublisher: StatisticsObserver, @unchecked Sendable {
    private let factory: any MetricsFactory
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let counters = Mutex<[String: Counter]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    private var threadTimer: DispatchSourceTimer?

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    // MARK: StatisticsObserver

    func lockAcquired(classKey: String, waitedNanoseconds: UInt64, contended: Bool) {
        timer("lockgraph_lock_wait", "lock", classKey).recordNanoseconds(Int64(clamping: waitedNanoseconds))
        counter("lockgraph_lock_acquisitions", "lock", classKey).increment()
        if contended { counter("lockgraph_lock_contended", "lock", classKey).increment() }
    }

    func lockReleased(classKey: String, heldNanoseconds: UInt64) {
        timer("lockgraph_lock_hold", "lock", classKey).recordNanoseconds(Int64(clamping: heldNanoseconds))
    }

    func queueDepthChanged(queue: String, depth: Int) {
        gauge("lockgraph_queue_depth", "queue", queue).record(depth)
    }

    func queueElementDelivered(queue: String, waitedNanoseconds: UInt64) {
        timer("lockgraph_queue_time", "queue", queue).recordNanoseconds(Int64(clamping: waitedNanoseconds))
    }

    func poolTaskFinished(pool: String, queuedNanoseconds: UInt64, ranNanoseconds: UInt64) {
        timer("lockgraph_pool_queue_time", "pool", pool).recordNanoseconds(Int64(clamping: queuedNanoseconds))
        timer("lockgraph_pool_run_time", "pool", pool).recordNanoseconds(Int64(clamping: ranNanoseconds))
    }

    // MARK: Metric objects, created once per label and dimension value

    private func timer(_ label: String, _ dimension: String, _ value: String) -> CoreMetrics.Timer {
        timers.withLock { all in
            let key = label + "\u{0}" + value
            if let existing = all[key] { return existing }
            let created = CoreMetrics.Timer(label: label, dimensions: [(dimension, value)], factory: factory)
            all[key] = created
            return created
        }
    }

    private func counter(_ label: String, _ dimension: String, _ value: String) -> Counter {
        counters.withLock { all in
            let key = label + "\u{0}" + value
            if let existing = all[key] { return existing }
            let created = Counter(label: label, dimensions: [(dimension, value)], factory: factory)
            all[key] = created
            return created
        }
    }

    private func gauge(_ label: String, _ dimension: String?, _ value: String?) -> Gauge {
        gauges.withLock { all in
            let key = label + "\u{0}" + (value ?? "")
            if let existing = all[key] { return existing }
            let dimensions = dimension.flatMap { name in value.map { [(name, $0)] } } ?? []
            let created = Gauge(label: label, dimensions: dimensions, factory: factory)
            all[key] = created
            return created
        }
    }

    // MARK: Thread count

    /// The process's thread count (`Threads:` in /proc/self/status), nil if unreadable.
    static func processThreadCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") })
        else { return nil }
        return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
    }

    func sampleThreadCount() {
        if let count = Self.processThreadCount() { gauge("lockgraph_threads", nil, nil).record(count) }
    }

    func startThreadSampling(every interval: Duration) {
        let (seconds, attoseconds) = interval.components
        let nanoseconds = max(1_000_000, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "lockgraph-metrics-threads"))
        timer.schedule(deadline: .now(), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.sampleThreadCount() }
        timer.resume()
        threadTimer = timer
    }

    func stopThreadSampling() {
        threadTimer?.cancel()
        threadTimer = nil
    }
}
