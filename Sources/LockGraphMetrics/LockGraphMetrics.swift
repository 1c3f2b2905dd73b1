#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics
import Dispatch
@_spi(Integration) import LockGraph

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
    private static let installed = InternalProtected<MetricsPublisher?>(nil)

    /// Starts publishing (replacing an earlier installation), turning statistics collection on.
    /// - Parameters:
    ///   - factory: where metrics go; by default the bootstrapped `MetricsSystem.factory` (for
    ///     example a Prometheus registry, see the README).
    ///   - threadSampling: how often the thread-count gauge is updated (nil: never).
    public static func install(factory: any MetricsFactory = MetricsSystem.factory,
                               threadSampling: Duration? = .seconds(1)) {
        let publisher = MetricsPublisher(factory: factory)
        if let threadSampling { publisher.startThreadSampling(every: threadSampling) }
        replace(with: publisher)
    }

    /// Stops publishing. Statistics collection stays as it is (see `LockMonitor.collectsStatistics`).
    public static func uninstall() {
        replace(with: nil)
    }

    private static func replace(with publisher: MetricsPublisher?) {
        let previous = installed.withLock { slot in
            defer { slot = publisher }
            return slot
        }
        previous?.stopThreadSampling()
        LockMonitor.setStatisticsObserver(publisher)
    }

    /// Records the process's thread count now (also done every `threadSampling`).
    public static func sampleThreadCount() {
        installed.withLock { $0 }?.sampleThreadCount()
    }
}

/// The observer behind `LockGraphMetrics`: one metric object per label and dimension value.
final class MetricsPublisher: StatisticsObserver, @unchecked Sendable {
    private let factory: any MetricsFactory
    private let timers = InternalProtected<[String: CoreMetrics.Timer]>([:])
    private let counters = InternalProtected<[String: Counter]>([:])
    private let gauges = InternalProtected<[String: Gauge]>([:])
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
        gauge("lockgraph_queue_depth", [("queue", queue)]).record(depth)
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
        Self.cached(in: timers, label, [(dimension, value)]) { CoreMetrics.Timer(label: label, dimensions: $0, factory: factory) }
    }

    private func counter(_ label: String, _ dimension: String, _ value: String) -> Counter {
        Self.cached(in: counters, label, [(dimension, value)]) { Counter(label: label, dimensions: $0, factory: factory) }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        Self.cached(in: gauges, label, dimensions) { Gauge(label: label, dimensions: $0, factory: factory) }
    }

    /// The metric for `label` and `dimensions`, created on first use.
    private static func cached<Metric>(in table: InternalProtected<[String: Metric]>, _ label: String, _ dimensions: [(String, String)],
                                       make: ([(String, String)]) -> Metric) -> Metric {
        let key = ([label] + dimensions.map { $0.0 + "=" + $0.1 }).joined(separator: "\u{0}")
        if let existing = table.withLock({ $0[key] }) { return existing }
        // Made outside the lock: the factory is the backend's code, and LockGraph's internal
        // locks never run foreign code (fork() waits for every one of them). Two threads racing
        // on a first use both ask the factory; the first stored metric wins.
        let created = make(dimensions)
        return table.withLock { all in
            if let existing = all[key] { return existing }
            all[key] = created
            return created
        }
    }

    // MARK: Thread count

    func sampleThreadCount() {
        let count = ThreadMonitor.currentThreadCount()
        if count > 0 { gauge("lockgraph_threads").record(count) }
    }

    func startThreadSampling(every interval: Duration) {
        let nanoseconds = Int(clamping: max(1_000_000, interval.clampedNanoseconds))
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
