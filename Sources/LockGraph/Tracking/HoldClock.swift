import Synchronization

/// The time stamp a held lock carries, read on every acquisition without a clock call.
///
/// The watchdog thread publishes the monotonic time at each of its rounds (`advance`); an
/// acquisition stores the last published value with one relaxed load. A hold's start is then
/// known to within one watchdog interval, which is what stall reports and dumps need: the
/// watchdog judges a stall by at least the threshold plus one interval (never an overstated
/// hold), and a dump prints hold times to that precision.
///
/// Zero means no tick is published (the watchdog has not started, or the process is a forked
/// child whose watchdog is gone): entries then carry 0 and an observer stamps them the first
/// time it sees them (`ThreadState.observedHeld`), so a hold time is a lower bound.
enum HoldClock {
    /// A constant initializer: laid out statically, read with one load (no lazy-global check).
    private static let tick = Atomic<UInt64>(0)
    /// How far apart ticks are published (the watchdog's interval), in nanoseconds.
    private static let period = Atomic<UInt64>(0)

    @inline(__always)
    static var current: UInt64 { tick.load(ordering: .relaxed) }

    /// How much earlier than the real acquisition a stamp may be: one period while ticks are
    /// published, 0 otherwise (a stamp made by an observer is never early).
    static var precision: UInt64 { period.load(ordering: .relaxed) }

    /// Publishes the current monotonic time (the watchdog, once per round of `interval`).
    static func advance(interval: UInt64) {
        period.store(interval, ordering: .relaxed)
        tick.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
    }

    /// How long a hold stamped `since` has lasted at `now`, at least (see `precision`).
    static func heldAtLeast(since: UInt64, now: UInt64) -> UInt64 {
        let elapsed = MonotonicClock.elapsed(from: since, to: now)
        return elapsed > precision ? elapsed - precision : 0
    }

    /// Stops publishing (a forked child, whose watchdog thread did not survive the fork).
    static func stop() {
        tick.store(0, ordering: .relaxed)
    }
}
