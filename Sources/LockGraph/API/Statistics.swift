import Foundation
import Synchronization

/// A latency histogram with log-linear buckets (4 per power of two, so a percentile is within
/// 19% of the true value), safe to update from any thread with relaxed atomics.
final class LatencyHistogram: @unchecked Sendable {
    private static let bucketCount = 64 * 4
    private let buckets: UnsafeMutablePointer<Atomic<UInt64>>
    let count = Atomic<UInt64>(0)
    let total = Atomic<UInt64>(0)

    init() {
        buckets = .allocate(capacity: Self.bucketCount)
        for index in 0..<Self.bucketCount { (buckets + index).initialize(to: Atomic(0)) }
    }

    deinit {
        buckets.deinitialize(count: Self.bucketCount)
        buckets.deallocate()
    }

    private static func bucket(of nanoseconds: UInt64) -> Int {
        guard nanoseconds >= 4 else { return Int(nanoseconds) }
        let power = 63 - nanoseconds.leadingZeroBitCount
        let fraction = Int((nanoseconds >> UInt64(power - 2)) & 3)
        return min(power * 4 + fraction, bucketCount - 1)
    }

    /// The upper bound of a bucket's values.
    private static func upperBound(of bucket: Int) -> UInt64 {
        guard bucket >= 4 else { return UInt64(bucket) }
        let power = UInt64(bucket / 4)
        let fraction = UInt64(bucket % 4)
        return (4 + fraction + 1) << (power - 2) - 1
    }

    func record(_ nanoseconds: UInt64) {
        buckets[Self.bucket(of: nanoseconds)].add(1, ordering: .relaxed)
        count.add(1, ordering: .relaxed)
        total.add(nanoseconds, ordering: .relaxed)
    }

    /// The value at or below which `fraction` of the recorded values lie (bucket upper bound).
    func percentile(_ fraction: Double) -> Duration {
        let recorded = count.load(ordering: .relaxed)
        guard recorded > 0 else { return .zero }
        let rank = max(1, UInt64((Double(recorded) * fraction).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<Self.bucketCount {
            seen += buckets[index].load(ordering: .relaxed)
            if seen >= rank { return .nanoseconds(Int64(clamping: Self.upperBound(of: index))) }
        }
        return .nanoseconds(Int64(clamping: Self.upperBound(of: Self.bucketCount - 1)))
    }

    var summary: LockMonitor.LatencySummary {
        LockMonitor.LatencySummary(count: Int(count.load(ordering: .relaxed)),
                                   p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max: percentile(1.0),
                                   total: .nanoseconds(Int64(clamping: total.load(ordering: .relaxed))))
    }
}

/// Counters of one lock class, shared by every lock of the class (live or destroyed).
final class ClassStatistics: Sendable {
    let classKey: String
    let acquisitions = Atomic<UInt64>(0)
    let contended = Atomic<UInt64>(0)
    let wait = LatencyHistogram()
    let hold = LatencyHistogram()
    /// For queues: how long elements waited between put and get.
    let queueTime = LatencyHistogram()

    init(classKey: String) { self.classKey = classKey }
}

/// Receives every statistics event as it happens, for integrations (LockGraphMetrics). Called
/// on the thread that acquired, released or used the queue, sometimes under the queue's own
/// lock: implementations must be quick and must not use tracked locks.
@_spi(Integration)
public protocol StatisticsObserver: AnyObject, Sendable {
    func lockAcquired(classKey: String, waitedNanoseconds: UInt64, contended: Bool)
    func lockReleased(classKey: String, heldNanoseconds: UInt64)
    func queueDepthChanged(queue: String, depth: Int)
    func queueElementDelivered(queue: String, waitedNanoseconds: UInt64)
    func poolTaskFinished(pool: String, queuedNanoseconds: UInt64, ranNanoseconds: UInt64)
}

@_spi(Integration)
extension LockMonitor {
    /// Installs (or, with nil, removes) the one statistics observer; installing one turns
    /// ``collectsStatistics`` on.
    public static func setStatisticsObserver(_ observer: (any StatisticsObserver)?) {
        Statistics.observer.withLock { $0 = observer }
        Statistics.hasObserver.store(observer != nil, ordering: .releasing)
        if observer != nil { collectsStatistics = true }
    }
}

/// Process-wide statistics switch and registry.
enum Statistics {
    static let observer = InternalProtected<(any StatisticsObserver)?>(nil)
    static let hasObserver = Atomic<Bool>(false)

    /// The observer, if one is installed (one relaxed load when none is).
    @inline(__always)
    static var currentObserver: (any StatisticsObserver)? {
        guard hasObserver.load(ordering: .acquiring) else { return nil }
        return observer.withLock { $0 }
    }

    /// Read by the hot path: one relaxed load.
    static let enabled = Atomic<Bool>(enabledAtStart)

    private static var enabledAtStart: Bool {
        guard let raw = Configuration.environment("LOCKGRAPH_STATS")?.lowercased(), !raw.isEmpty else { return false }
        if ["1", "on", "true", "yes"].contains(raw) { return true }
        if !["0", "off", "false", "no"].contains(raw) {
            writeToStandardError("LockGraph: ignoring LOCKGRAPH_STATS=\(raw): valid values are 1, 0 (also on/off, true/false); using 0.\n")
        }
        return false
    }

    private static let classes = InternalProtected<[String: ClassStatistics]>([:])
    private static let pools = InternalProtected<[String: (queued: LatencyHistogram, ran: LatencyHistogram)]>([:])

    /// The shared counters for a new lock's class (nil while statistics are off).
    static func forNewLock(classKey makeClassKey: @autoclosure () -> String) -> ClassStatistics? {
        guard enabled.load(ordering: .relaxed) else { return nil }
        let classKey = makeClassKey()
        return classes.withLock { all in
            if let existing = all[classKey] { return existing }
            let created = ClassStatistics(classKey: classKey)
            all[classKey] = created
            return created
        }
    }

    static func allClasses() -> [ClassStatistics] {
        classes.withLock { Array($0.values) }
    }

    static func recordPoolTask(pool: String, queued: UInt64, ran: UInt64) {
        guard enabled.load(ordering: .relaxed) else { return }
        let histograms = pools.withLock { all in
            if let existing = all[pool] { return existing }
            let created = (queued: LatencyHistogram(), ran: LatencyHistogram())
            all[pool] = created
            return created
        }
        histograms.queued.record(queued)
        histograms.ran.record(ran)
        currentObserver?.poolTaskFinished(pool: pool, queuedNanoseconds: queued, ranNanoseconds: ran)
    }

    static func allPools() -> [(String, LatencyHistogram, LatencyHistogram)] {
        pools.withLock { $0.map { ($0.key, $0.value.queued, $0.value.ran) } }
    }
}

extension LockMonitor {
    /// Percentiles of one latency (within 19%: log-linear buckets).
    public struct LatencySummary: Sendable, Hashable, CustomStringConvertible {
        public let count: Int
        public let p50: Duration
        public let p90: Duration
        public let p99: Duration
        public let max: Duration
        public let total: Duration

        /// `p50 328µs p90 655µs p99 918µs max 1.3ms`.
        public var description: String {
            "p50 \(Self.format(p50)) p90 \(Self.format(p90)) p99 \(Self.format(p99)) max \(Self.format(max))"
        }

        static func format(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
            switch nanoseconds {
            case ..<1_000: return "\(Int(nanoseconds))ns"
            case ..<1_000_000: return "\(Int((nanoseconds / 1_000).rounded()))µs"
            case ..<1_000_000_000: return String(format: "%.1fms", nanoseconds / 1_000_000)
            default: return String(format: "%.2fs", nanoseconds / 1_000_000_000)
            }
        }
    }

    /// Contention of one lock class (see ``LockDescriptor/classKey``), over every lock of the
    /// class created while statistics were on, live or destroyed.
    public struct LockClassStatistics: Sendable, Hashable {
        public let classKey: String
        /// Every acquisition, blocking or try (recursive re-entries not counted).
        public let acquisitions: Int
        /// Blocking acquisitions that found the lock taken and waited.
        public let contendedAcquisitions: Int
        /// Time from asking for the lock to holding it, over blocking acquisitions (zero when
        /// uncontended).
        public let wait: LatencySummary
        /// Time from acquiring to releasing.
        public let hold: LatencySummary
        /// For a ``TrackedQueue`` class: how long elements waited between `put` and `get`
        /// (`count` 0 for locks).
        public let queueTime: LatencySummary
    }

    /// Queue wait and run time of the tasks of one ``TrackedThreadPool``.
    public struct PoolStatistics: Sendable, Hashable {
        public let pool: String
        public let queueWait: LatencySummary
        public let run: LatencySummary
    }

    /// What ``statistics()`` returns: lock classes, most contended first, and pools.
    public struct StatisticsReport: Sendable {
        public let lockClasses: [LockClassStatistics]
        public let pools: [PoolStatistics]
    }

    /// Whether contention statistics are collected (`LOCKGRAPH_STATS=1` at start). Costs two
    /// clock reads and seven relaxed atomic additions per acquisition of a tracked lock created
    /// while it is on (127 ns instead of 23 ns uncontended); locks created while it was off are
    /// not counted.
    public static var collectsStatistics: Bool {
        get { Statistics.enabled.load(ordering: .relaxed) }
        set { Statistics.enabled.store(newValue, ordering: .relaxed) }
    }

    /// Per lock class: acquisitions, contended acquisitions, wait and hold percentiles (most
    /// contended first); per pool: queue wait and run time. Empty while statistics are off.
    public static func statistics() -> StatisticsReport {
        let classes = Statistics.allClasses().map { stats in
            LockClassStatistics(classKey: stats.classKey,
                                acquisitions: Int(stats.acquisitions.load(ordering: .relaxed)),
                                contendedAcquisitions: Int(stats.contended.load(ordering: .relaxed)),
                                wait: stats.wait.summary, hold: stats.hold.summary, queueTime: stats.queueTime.summary)
        }.sorted { ($0.contendedAcquisitions, $0.wait.total, $0.classKey) > ($1.contendedAcquisitions, $1.wait.total, $1.classKey) }
        let pools = Statistics.allPools().map { PoolStatistics(pool: $0.0, queueWait: $0.1.summary, run: $0.2.summary) }
            .sorted { $0.pool < $1.pool }
        return StatisticsReport(lockClasses: classes, pools: pools)
    }
}
