import Dispatch
import Foundation

/// A counting semaphore shaped like `DispatchSemaphore`, visible to the watchdog.
///
/// A semaphore has no owner: any thread may signal it, and a wait is for "some future signal",
/// not for a thread that holds it. So waits add no order edges (an edge needs a holder that will
/// release), and LockGraph cannot predict a semaphore deadlock from orders. What it does:
/// - For a pool (created with `value` > 0) it tracks units: a thread that took a unit (a
///   successful wait) and has not given one back (a signal from that thread) holds it, with the
///   line that took it. A semaphore created at 0 signals events and has no units.
/// - When threads wait for a unit longer than the stall threshold (`LOCKGRAPH_STALL_MS`) and
///   every thread holding a unit is itself blocked that long (on a lock, a condition or another
///   semaphore), the watchdog reports one ``LockViolation/Kind/resourceDeadlock`` naming the
///   semaphore, each holder (where it took its unit, what it waits on, its current stack) and
///   each waiter, instead of separate stalls: pool slots held by tasks that wait for something
///   that waits for a slot.
/// - Otherwise a long wait is a ``LockViolation/Kind/stall`` with the waiters' current stacks
///   and the stacks of the last threads that signalled.
/// Waits appear in the SIGUSR1 dump. Unit tracking costs, for a pool only, the call site and a
/// dictionary update under the pool's own internal lock per wait and signal.
///
/// Threads: any thread may wait and any thread may signal. A waiter publishes its wait in its
/// own per-thread state (atomics the watchdog reads); the units each thread holds
/// (`SemaphoreUnits`, per pool) and each signal's thread and stack (`SemaphoreSignals`) are
/// kept under internal locks. The semaphore object keeps nothing mutable of its own besides the
/// `DispatchSemaphore`.
public final class TrackedSemaphore: @unchecked Sendable {
    let info: LockInfo
    private let semaphore: DispatchSemaphore
    /// Who holds units, for a pool (created with permits) that is tracked; nil otherwise: a
    /// semaphore created at 0 is an event, whose waiter consumes a signal and owes nothing back.
    private let units: SemaphoreUnits?

    /// Creates a semaphore with `value` initial permits (a negative value counts as 0).
    /// `name` appears in reports.
    ///
    /// Unlike `DispatchSemaphore`, releasing it while fewer permits remain than it started with
    /// does not crash: the permits are added by signals after creation, so libdispatch sees an
    /// initial value of 0.
    ///
    /// `creationSite`: where the lock counts as created, for a lock made inside a wrapper type
    /// (see ``LockCreationSite``).
    public init(value: Int, name: String? = nil, creationSite: LockCreationSite = .initializerCall,
                file: StaticString = #fileID, line: UInt = #line) {
        semaphore = DispatchSemaphore(value: 0)
        for _ in 0..<max(0, value) { semaphore.signal() }
        info = LockInfo(name: name, file: file, line: line, kind: .semaphore, creationSite: creationSite)
        Tracking.register(info)
        units = info.isRegistered && value > 0 ? SemaphoreUnits.track(info.id) : nil
        if info.isRegistered { SemaphoreSignals.track(info.id) }
    }

    deinit {
        SemaphoreSignals.forget(info.id)
        if units != nil { SemaphoreUnits.forget(info.id) }
        Tracking.unregister(info)
    }

    /// Waits for a permit.
    public func wait() {
        _ = wait(deadline: .distantFuture)
    }

    /// Waits for a permit until `timeout`; `.timedOut` if none came.
    public func wait(timeout: DispatchTime) -> DispatchTimeoutResult {
        wait(deadline: timeout)
    }

    private func wait(deadline: DispatchTime) -> DispatchTimeoutResult {
        guard info.isRegistered, let thread = Tracking.currentThread() else { return semaphore.wait(timeout: deadline) }
        // After the thread state exists: the call-site walk needs the thread's stack bounds.
        let site = units == nil ? 0 : ThreadState.callSite()
        // A permit available now costs no wait bookkeeping.
        if semaphore.wait(timeout: .now()) == .success {
            units?.took(thread: thread.threadID, site: site)
            return .success
        }
        Watchdog.shared.ensureStarted()
        thread.beginWait(for: info.id, kind: .semaphore)
        let result = semaphore.wait(timeout: deadline)
        thread.endWait()
        if result == .success { units?.took(thread: thread.threadID, site: site) }
        return result
    }

    /// Returns a permit, waking one waiter. Returns true if a waiter was woken.
    @discardableResult
    public func signal() -> Bool {
        if info.isRegistered, let thread = Tracking.currentThread() {
            units?.gaveBack(thread: thread.threadID)
            SemaphoreSignals.record(info.id, thread: thread.descriptor(), stack: StackTrace.capture())
        }
        return semaphore.signal() != 0
    }
}

/// The last few signals of each tracked semaphore (thread and stack), for stall reports.
enum SemaphoreSignals {
    struct Signal: Sendable {
        let thread: ThreadDescriptor
        let stack: StackTrace
    }

    static let kept = 3
    private static let signals = InternalProtected<[UInt64: [Signal]]>([:])

    static func track(_ id: UInt64) { signals.withLock { $0[id] = [] } }
    static func forget(_ id: UInt64) { signals.withLock { $0[id] = nil } }

    static func record(_ id: UInt64, thread: ThreadDescriptor, stack: StackTrace) {
        signals.withLock { all in
            guard var recent = all[id] else { return }
            recent.append(Signal(thread: thread, stack: stack))
            if recent.count > kept { recent.removeFirst(recent.count - kept) }
            all[id] = recent
        }
    }

    /// The last signals of semaphore `id`, newest last; nil if `id` is not a tracked semaphore.
    static func recent(of id: UInt64) -> [Signal]? {
        signals.withLock { $0[id] }
    }
}
