import Synchronization

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

    /// Read by the hot path: one relaxed load. Starts as `LOCKGRAPH_STATS` says.
    static let enabled = Atomic<Bool>(Configuration.settings.collectsStatistics)

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
