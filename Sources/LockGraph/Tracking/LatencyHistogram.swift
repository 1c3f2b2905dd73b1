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
