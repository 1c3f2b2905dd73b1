#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in nanoseconds, for how long a lock has been held or waited for.
enum MonotonicClock {
    /// Precise (`CLOCK_MONOTONIC`): used when a thread is about to block anyway.
    @inline(__always)
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Nanoseconds from `start` to `end`, zero if `start` is later (readings taken on different
    /// threads, or a hold-clock tick compared with a precise reading).
    @inline(__always)
    static func elapsed(from start: UInt64, to end: UInt64) -> UInt64 {
        end > start ? end - start : 0
    }

    /// Seconds between two readings, for reports.
    static func seconds(from start: UInt64, to end: UInt64) -> Double {
        end > start ? Double(end - start) / 1_000_000_000 : 0
    }
}

extension Duration {
    /// Whole nanoseconds (a fraction of a nanosecond is dropped), saturating: a negative
    /// duration is 0, and one longer than `UInt64.max` nanoseconds (about 584 years, so
    /// `.seconds(Int64.max)`, a common "forever") is `UInt64.max`. Never traps.
    ///
    /// The one conversion from `Duration` that LockGraph and its integrations use.
    @_spi(Integration)
    public var clampedNanoseconds: UInt64 {
        guard self > .zero else { return 0 }
        // Both components of a positive duration are non-negative.
        let (seconds, attoseconds) = components
        let whole = UInt64(max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        let total = whole.partialValue.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return whole.overflow || total.overflow ? .max : total.partialValue
    }
}
