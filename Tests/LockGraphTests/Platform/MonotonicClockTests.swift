import Testing
@_spi(Integration) @testable import LockGraph

/// The one `Duration` to nanoseconds conversion: saturating at both ends, never trapping.
@Suite("Duration conversion")
struct MonotonicClockTests {
    @Test func wholeNanosecondsAreExact() {
        #expect(Duration.zero.clampedNanoseconds == 0)
        #expect(Duration.nanoseconds(1_500).clampedNanoseconds == 1_500)
        #expect((Duration.seconds(3) + .nanoseconds(7)).clampedNanoseconds == 3_000_000_007)
        #expect(Duration.milliseconds(250).clampedNanoseconds == 250_000_000)
        // Below a nanosecond rounds down.
        #expect(Duration(secondsComponent: 0, attosecondsComponent: 999_999_999).clampedNanoseconds == 0)
    }

    @Test func negativeDurationsAreZero() {
        #expect(Duration.nanoseconds(-1).clampedNanoseconds == 0)
        #expect(Duration.seconds(-2).clampedNanoseconds == 0)
        #expect(Duration.seconds(Int64.min).clampedNanoseconds == 0)
    }

    @Test func hugeDurationsSaturateInsteadOfTrapping() {
        let largest = Duration(secondsComponent: 18_446_744_073, attosecondsComponent: 709_551_615_000_000_000)
        #expect(largest.clampedNanoseconds == UInt64.max)
        #expect((largest + .nanoseconds(1)).clampedNanoseconds == UInt64.max)
        #expect(Duration.seconds(18_446_744_074).clampedNanoseconds == UInt64.max)
        #expect(Duration.seconds(Int64.max).clampedNanoseconds == UInt64.max)
    }

    @Test func aLatencySummaryFormatsHugeDurations() {
        #expect(LockMonitor.LatencySummary.format(.seconds(Int64.max)).hasSuffix("s"))
        #expect(LockMonitor.LatencySummary.format(.microseconds(328)) == "328µs")
    }
}
