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
    /// Whole nanoseconds; a negative duration counts as zero.
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
