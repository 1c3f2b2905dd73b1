/// Who holds the units of one tracked pool semaphore: a thread that took a unit (a successful
/// wait) and has not given one back (a signal from that same thread). A signal from a thread
/// that holds none is a producer's and frees nobody's unit.
///
/// Each pool has its own instance under its own internal lock, so waits and signals on one
/// semaphore never contend with another's; the registry (keyed by lock id, for the watchdog's
/// `ResourceDeadlocks`) is touched only when a pool is created or destroyed, and by the
/// watchdog. Invariant: every count is positive (a thread's entry is removed when it gives back
/// its last unit).
final class SemaphoreUnits: Sendable {
    struct Holder: Sendable {
        /// Kernel thread id.
        let thread: Int
        /// Units held.
        var count: Int
        /// The return address of the call that took the first unit still held.
        var site: UInt
    }

    private let byThread = InternalProtected<[Int: Holder]>([:])

    private static let registry = InternalProtected<[UInt64: SemaphoreUnits]>([:])

    /// The units of a new pool semaphore, registered under its lock id.
    static func track(_ semaphore: UInt64) -> SemaphoreUnits {
        let units = SemaphoreUnits()
        registry.withLock { $0[semaphore] = units }
        return units
    }

    static func forget(_ semaphore: UInt64) { registry.withLock { $0[semaphore] = nil } }

    /// The threads holding units of `semaphore`, by thread id (none for an event semaphore).
    static func holders(of semaphore: UInt64) -> [Holder] {
        registry.withLock { $0[semaphore] }?.holders() ?? []
    }

    func took(thread: Int, site: UInt) {
        byThread.withLock { all in
            if var holder = all[thread] {
                holder.count += 1
                all[thread] = holder
            } else {
                all[thread] = Holder(thread: thread, count: 1, site: site)
            }
        }
    }

    func gaveBack(thread: Int) {
        byThread.withLock { all in
            guard var holder = all[thread] else { return }
            holder.count -= 1
            all[thread] = holder.count > 0 ? holder : nil
        }
    }

    func holders() -> [Holder] {
        byThread.withLock { $0.values.sorted { $0.thread < $1.thread } }
    }
}
