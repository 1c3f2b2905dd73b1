extension Tracking {
    /// Counts one acquisition of a lock that collects statistics (`waited`: nil if uncontended).
    @inline(never)
    static func count(_ statistics: ClassStatistics, waited: UInt64?) {
        statistics.acquisitions.add(1, ordering: .relaxed)
        if waited != nil { statistics.contended.add(1, ordering: .relaxed) }
        statistics.wait.record(waited ?? 0)
        Statistics.currentObserver?.lockAcquired(classKey: statistics.classKey, waitedNanoseconds: waited ?? 0, contended: waited != nil)
    }

    /// Records one hold of a lock that collects statistics.
    @inline(never)
    static func countHold(_ statistics: ClassStatistics, since acquiredAt: UInt64) {
        let held = MonotonicClock.elapsed(from: acquiredAt, to: MonotonicClock.nanoseconds())
        statistics.hold.record(held)
        Statistics.currentObserver?.lockReleased(classKey: statistics.classKey, heldNanoseconds: held)
    }
}
