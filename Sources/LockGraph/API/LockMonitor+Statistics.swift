import Foundation

extension LockMonitor {
    /// Percentiles of one latency (within 19%: log-linear buckets).
    public struct LatencySummary: Sendable, Hashable, CustomStringConvertible {
        /// How many durations were measured.
        public let count: Int
        /// The median.
        public let p50: Duration
        /// The 90th percentile.
        public let p90: Duration
        /// The 99th percentile.
        public let p99: Duration
        /// The longest duration measured (its bucket's upper bound).
        public let max: Duration
        /// The sum of every duration measured (exact, not bucketed): divide by ``count`` for the mean.
        public let total: Duration

        /// `p50 328µs p90 655µs p99 918µs max 1.3ms`.
        public var description: String {
            "p50 \(Self.format(p50)) p90 \(Self.format(p90)) p99 \(Self.format(p99)) max \(Self.format(max))"
        }

        static func format(_ duration: Duration) -> String {
            let nanoseconds = Double(duration.clampedNanoseconds)
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
        /// The class: a lock's name, else its creation site (see ``LockDescriptor/classKey``).
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
        /// The pool's name.
        public let pool: String
        /// Time from ``TrackedThreadPool/submit(_:)`` until a worker started the task.
        public let queueWait: LatencySummary
        /// Time the task ran on its worker.
        public let run: LatencySummary
    }

    /// What ``statistics()`` returns: lock classes, most contended first, and pools.
    public struct StatisticsReport: Sendable {
        /// Every lock class counted while statistics were on: most contended acquisitions first,
        /// then longest total wait.
        public let lockClasses: [LockClassStatistics]
        /// Every ``TrackedThreadPool`` created while statistics were on, by name.
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
