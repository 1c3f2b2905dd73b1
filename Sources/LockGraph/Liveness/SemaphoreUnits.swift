/// Who holds the units of each tracked semaphore: a thread that took a unit (a successful
/// wait) and has not given one back (a signal from that same thread). A signal from a thread
/// that holds none is a producer's and frees nobody's unit.
///
/// Invariant: every count is positive (a thread's entry is removed when it gives back its last
/// unit). Read by the watchdog (`ResourceDeadlocks`); written by waits and signals.
enum SemaphoreUnits {
    struct Holder: Sendable {
        /// Kernel thread id.
        let thread: Int
        /// Units held.
        var count: Int
        /// The return address of the call that took the first unit still held.
        var site: UInt
    }

    private static let holders = InternalProtected<[UInt64: [Int: Holder]]>([:])

    static func track(_ semaphore: UInt64) { holders.withLock { $0[semaphore] = [:] } }
    static func forget(_ semaphore: UInt64) { holders.withLock { $0[semaphore] = nil } }

    static func took(_ semaphore: UInt64, thread: Int, site: UInt) {
        holders.withLock { all in
            guard all[semaphore] != nil else { return }
            if var holder = all[semaphore]?[thread] {
                holder.count += 1
                all[semaphore]?[thread] = holder
            } else {
                all[semaphore]?[thread] = Holder(thread: thread, count: 1, site: site)
            }
        }
    }

    static func gaveBack(_ semaphore: UInt64, thread: Int) {
        holders.withLock { all in
            guard var holder = all[semaphore]?[thread] else { return }
            holder.count -= 1
            all[semaphore]?[thread] = holder.count > 0 ? holder : nil
        }
    }

    /// The threads holding units of `semaphore`, by thread id.
    static func holders(of semaphore: UInt64) -> [Holder] {
        holders.withLock { ($0[semaphore] ?? [:]).values.sorted { $0.thread < $1.thread } }
    }
}
