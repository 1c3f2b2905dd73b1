import Foundation

/// What a detection site saw, as plain values: the kind of problem, the locks (`LockInfo`: an
/// identity and what reports print of it), the threads (descriptors), the stacks as raw
/// addresses, and the counts and durations.
///
/// A detection site (the acquisition path, a tracked type, the watchdog, a monitor) captures
/// everything that can change later (stacks, thread names, times) when it detects the problem,
/// makes a request and hands it to `Reporter.submit(_:)`. From there `Reports/` alone works on
/// it: symbolizes the stacks, words the summary, advice and stack labels (`ReportBuilder`),
/// deduplicates and delivers. Building a violation from a request reads no thread's state.
enum ReportRequest: Sendable {
    /// A cycle of order edges the detecting thread closed: between lock instances, or with class
    /// checking on, between lock classes. A cycle through a condition's signal node is a wait
    /// that the signal was seen to need a held lock for (see `Tracking.signalled`).
    case lockOrderInversion(cycle: [EdgeRecord], betweenClasses: Bool)
    /// Two locks of one class nested while class checking is on; `thread` detected it.
    case sameClassNesting(EdgeRecord, thread: ThreadDescriptor)
    /// `thread` asked again for `lock`, which it holds (acquired at `firstAcquired`: only the
    /// call site when `firstAcquiredSiteOnly`); `outcome` says what happens next. `reason` says
    /// why a lock that allows some re-entry refused this one.
    case reentrantAcquire(lock: LockInfo, thread: ThreadDescriptor, firstAcquired: StackTrace, firstAcquiredSiteOnly: Bool,
                          requestedAgain: StackTrace, outcome: ReentryOutcome, reason: String?)
    /// `thread`, already inside an operation of `queue` (entered at `entered`), called
    /// `operation` on it again; `outcome` says how LockGraph answered the inner call.
    case reentrantQueueOperation(queue: LockInfo, operation: String, thread: ThreadDescriptor, entered: StackTrace,
                                 reentered: StackTrace, outcome: String)
    /// `thread`, running a task of the thread pool `pool`, called `shutdown(wait: true)` at
    /// `stack`; `lock` is the pool's lock that such a wait would wait on.
    case poolShutdownFromOwnTask(pool: String, lock: LockInfo, thread: ThreadDescriptor, stack: StackTrace)
    /// `thread` unlocked `lock` while not holding it (`detail` says how).
    case invalidUnlock(lock: LockInfo, thread: ThreadDescriptor, stack: StackTrace, detail: String)
    /// `destroyer` deallocated `lock` while `holder` held it (nil: a thread LockGraph cannot
    /// name). `destroyerAlsoHeld`: the destroyer held it too (readers share) and its holds were
    /// released on its behalf.
    case destroyedWhileHeld(lock: LockInfo, holder: ThreadDescriptor?, acquired: StackTrace, destroyer: ThreadDescriptor,
                            deallocated: StackTrace, destroyerAlsoHeld: Bool)
    /// A Swift task on `thread` waited `waited` nanoseconds for `lock`, at `stack`. Reported once
    /// per lock and waiting call site.
    case blockingInAsyncContext(lock: LockInfo, thread: ThreadDescriptor, waited: UInt64, stack: StackTrace)
    /// Threads the watchdog found waiting for each other in a cycle.
    case deadlock([DeadlockWaiter])
    /// A lock whose waiters waited, or whose holder held it, longer than the stall threshold.
    case stall(StallSighting)
    /// Every unit of a semaphore held by a blocked thread while others wait for a unit.
    case resourceDeadlock(ResourceDeadlockSighting)
    /// A watched loop (`name`) ran a heartbeat `lateBy` nanoseconds late (over `threshold`).
    /// `thread` runs the loop and `stack` is what it runs now; both nil when no thread answered.
    case loopLag(name: String, lateBy: UInt64, threshold: UInt64, thread: ThreadDescriptor?, stack: StackTrace?)
    /// The process's thread count passed the limit or kept growing.
    case threadExhaustion(ThreadExhaustionSighting)

    /// What follows a reentrant acquire.
    enum ReentryOutcome: Sendable {
        /// The thread would wait for itself forever: the process terminates after the report.
        case terminates
        /// The acquisition goes on as if the lock were recursive (see `Tracking.reentryProceeds`).
        case proceedsAsRecursive
        /// A timed acquisition, which can only time out.
        case cannotSucceed
    }

    /// One thread of a deadlock cycle, as the watchdog read it.
    struct DeadlockWaiter: Sendable {
        let thread: ThreadDescriptor
        /// The lock it waits for, and for how long (nanoseconds).
        let lock: LockInfo
        let waited: UInt64
        /// The thread holding `lock`, if the reading found it.
        let holder: ThreadDescriptor?
        /// Its stack now (nil: it did not answer the sampling signal).
        let currentStack: StackTrace?
        /// The live locks it holds, outermost first, with their acquisition stacks.
        let held: [(lock: LockInfo, acquired: StackTrace)]
    }

    /// A thread the watchdog found waiting: for how long (nanoseconds), and its stack now (nil:
    /// it did not answer the sampling signal).
    struct BlockedThread: Sendable {
        let thread: ThreadDescriptor
        let waited: UInt64
        let currentStack: StackTrace?
    }

    /// A stalled lock, as the watchdog read it.
    struct StallSighting: Sendable {
        /// The thread holding the lock: for how long (nanoseconds), where it took it, and its
        /// stack now (nil: it did not answer the sampling signal).
        struct Holder: Sendable {
            let thread: ThreadDescriptor
            let held: UInt64
            let acquired: StackTrace
            let currentStack: StackTrace?
        }

        let lock: LockInfo
        let holder: Holder?
        /// For a semaphore (which has no holder): its last signals, newest last.
        let signals: [SemaphoreSignals.Signal]
        /// Longest waiting first.
        let waiters: [BlockedThread]
    }

    /// A resource cycle through a semaphore (see `ResourceDeadlock`), as the watchdog read it.
    struct ResourceDeadlockSighting: Sendable {
        /// A thread holding units of the semaphore.
        struct Holder: Sendable {
            let thread: ThreadDescriptor
            let units: Int
            /// Where it took its first unit still held (the call site only), if known.
            let took: StackTrace?
            /// What it is blocked on (a lock, a condition or a semaphore), for how long.
            let waitsFor: LockInfo
            let waited: UInt64
            /// The threads the lock chain from `waitsFor` leads to, ending at one that waits for
            /// a unit; empty when the chain does not end there.
            let chain: [ThreadDescriptor]
            /// Its stack now (nil: it did not answer the sampling signal).
            let currentStack: StackTrace?
        }

        let semaphore: LockInfo
        let holders: [Holder]
        /// The threads waiting for a unit, longest waiting first.
        let waiters: [BlockedThread]
    }

    /// A thread count that passed `limit`, or grew by `growth` threads over `window`.
    struct ThreadExhaustionSighting: Sendable {
        let count: Int
        let limit: Int
        let growth: Int
        let window: Duration
        /// True when the count is still within the limit (the report is for steady growth).
        let steadyGrowth: Bool
        /// The last samples, oldest first.
        let history: [(date: Date, count: Int)]
        /// The newest threads (newest first) with their stacks now.
        let newestThreads: [(thread: ThreadDescriptor, stack: StackTrace)]
    }
}
