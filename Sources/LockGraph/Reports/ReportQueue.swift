#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLockGraphSupport

/// Delivers reports on LockGraph's reporter thread, so that a thread which detects a violation
/// only captures raw data (stacks as addresses, lock and thread descriptors) and continues.
///
/// Symbolizing, wording, recording, printing and calling handlers run on one dedicated thread,
/// "lockgraph-rpt", started at the first report (and again, lazily, in a forked child,
/// where it does not exist). Work runs in submission order: violations keep detection order.
///
/// Readers that must see every report detected so far (`LockMonitor.violations`, the end of a
/// test scope, `reset()`, a handler's `cancel()`, process exit) call `waitUntilDelivered`,
/// which is bounded: it gives up after `progressTimeout` without progress and says so on
/// standard error rather than hang (a handler blocked on a lock the waiting thread holds would
/// otherwise deadlock both). Called on the reporter thread itself, it returns at once.
///
/// The queue's state is guarded by one pthread mutex registered with `InternalLockRegistry`
/// (so `fork()` takes it like every internal lock) and two condition variables; no user code
/// runs under it.
final class ReportQueue: @unchecked Sendable {
    static let shared = ReportQueue()

    /// How long a wait goes on without any report being delivered (or stack being symbolized)
    /// before it gives up; a wait also ends after ten times this in total. Under valgrind, which
    /// runs everything tens of times slower, 120 s.
    static let progressTimeout: Double = Valgrind.isRunning ? 120 : 10

    private struct Item {
        let ticket: UInt64
        let work: @Sendable () -> Void
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let workAvailable: UnsafeMutablePointer<pthread_cond_t>
    private let progressMade: UnsafeMutablePointer<pthread_cond_t>

    // Guarded by `mutex`.
    private var pending: [Item] = []
    private var pendingHead = 0
    /// Tickets handed out and tickets whose work finished (both only grow).
    private var issued: UInt64 = 0
    private var finished: UInt64 = 0
    /// Bumped on every finished item and symbolized batch: what a waiter calls progress.
    private var progress: UInt64 = 0
    /// The process in which the reporter thread was started (0: not started), and that thread.
    private var owner: pid_t = 0
    private var reporter: pthread_t?
    /// A thread delivering on its own because no reporter thread could be created.
    private var drainer: pthread_t?
    private var exitHookInstalled = false

    private init() {
        mutex = .initializedMutex()
        InternalLockRegistry.add(mutex)
        // Monotonic clock, so a wait is not stretched by a wall-clock change.
        workAvailable = .initializedCondition(monotonic: true)
        progressMade = .initializedCondition(monotonic: true)
    }

    private func withMutex<Result>(_ body: () -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        forgetParentAfterFork()
        return body()
    }

    /// True on the thread delivering reports (where waiting for the queue would wait for itself).
    var isReporterThread: Bool {
        withMutex { isDelivering(pthread_self()) }
    }

    /// Mutex held.
    private func isDelivering(_ thread: pthread_t) -> Bool {
        [reporter, drainer].contains { $0.map { pthread_equal($0, thread) != 0 } ?? false }
    }

    /// Queues `work` for the reporter thread, starting it if needed.
    func submit(_ work: @escaping @Sendable () -> Void) {
        let mustStart = withMutex { () -> Bool in
            issued += 1
            pending.append(Item(ticket: issued, work: work))
            pthread_cond_signal(workAvailable)
            // A thread already delivering on its own (below) takes this item too.
            guard owner == 0, drainer == nil else { return false }
            owner = getpid()
            return true
        }
        if mustStart && !startReporter() {
            // No thread can be created (the process is at its thread limit): deliver here, as
            // LockGraph did before it had a reporter thread, rather than lose the report.
            withMutex {
                owner = 0
                drainer = pthread_self()
            }
            drainOnThisThread()
        }
    }

    /// Waits until every item submitted before the call has finished. Returns false if it gave up.
    @discardableResult
    func waitUntilDelivered(timeout: Double = ReportQueue.progressTimeout) -> Bool {
        pthread_mutex_lock(mutex)
        forgetParentAfterFork()
        if isDelivering(pthread_self()) {
            pthread_mutex_unlock(mutex)
            return true
        }
        let target = issued
        let start = MonotonicClock.nanoseconds()
        var lastProgress = progress
        var lastProgressAt = start
        var gaveUp = false
        while finished < target {
            let now = MonotonicClock.nanoseconds()
            if progress != lastProgress {
                lastProgress = progress
                lastProgressAt = now
            }
            let idle = Double(now - lastProgressAt) / 1e9, total = Double(now - start) / 1e9
            if idle >= timeout || total >= 10 * timeout {
                gaveUp = true
                break
            }
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let step = min(timeout - idle, 0.5)
            deadline.tv_sec += Int(step)
            deadline.tv_nsec += Int((step - Double(Int(step))) * 1e9)
            if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
            pthread_cond_timedwait(progressMade, mutex, &deadline)
        }
        let left = target > finished ? target - finished : 0
        pthread_mutex_unlock(mutex)
        if gaveUp {
            writeToStandardError("LockGraph: gave up waiting for \(left) pending report(s) after \(Self.seconds(timeout)) s without progress: "
                + "the reporter thread is blocked (is a violation handler waiting for a lock this thread holds?). Continuing without them.\n")
        }
        return !gaveUp
    }

    /// `10`, `0.3`: seconds to one decimal, without Foundation.
    private static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }

    /// Called after a slow step on the reporter thread (a batch of frames symbolized), so a
    /// waiter counts it as progress.
    func noteProgress() {
        withMutex {
            progress += 1
            pthread_cond_broadcast(progressMade)
        }
    }

    /// Reports submitted and not finished yet (for the dump).
    var pendingCount: Int {
        withMutex { Int(issued - finished) }
    }

    // MARK: The reporter thread

    private func startReporter() -> Bool {
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { _ in
            ReportQueue.shared.run()
            return nil
        }, nil)
        guard result == 0 else { return false }
        pthread_detach(thread)
        let installHook = withMutex { () -> Bool in
            defer { exitHookInstalled = true }
            return !exitHookInstalled
        }
        // Pending reports must not be lost when the process exits: flush them at exit (bounded).
        if installHook { atexit { ReportQueue.shared.flushAtExit() } }
        return true
    }

    private func run() {
        withMutex { reporter = pthread_self() }
        Self.nameCurrentThread("lockgraph-rpt")
        // Under the interposer, the pthread calls this thread makes (Foundation's, while building
        // and printing reports) are the detector's, not the program's: they pass straight through
        // (see `DetectorThread`). Tracked locks taken by handlers here are tracked but not
        // checked: never a recursive report.
        lockgraph_exempt_current_thread()
        ThreadState.current.isReporting = true
        while true {
            pthread_mutex_lock(mutex)
            forgetParentAfterFork()
            while pendingHead == pending.count {
                pthread_cond_wait(workAvailable, mutex)
            }
            let item = takeFirst()
            pthread_mutex_unlock(mutex)
            item.work()
            finish(item)
        }
    }

    /// What `pthread_setname_np` does (Glibc's module does not export it): the kernel's name of
    /// the thread, shown in reports, dumps and debuggers (at most 15 bytes are kept).
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/self/task/\(currentThreadID())/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = name.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
    }

    /// Runs queued items on the calling thread, already recorded as `drainer`, until none is
    /// left (no reporter thread).
    private func drainOnThisThread() {
        let thread = Tracking.currentThread()
        let wasReporting = thread?.isReporting ?? false
        thread?.isReporting = true
        defer { thread?.isReporting = wasReporting }
        // Stop delivering in the same critical section that finds the queue empty, so an item
        // submitted meanwhile is either taken here or starts a reporter thread.
        while let item = withMutex({ () -> Item? in
            if pendingHead < pending.count { return takeFirst() }
            drainer = nil
            return nil
        }) {
            item.work()
            finish(item)
        }
    }

    /// Removes the oldest item (mutex held).
    private func takeFirst() -> Item {
        let item = pending[pendingHead]
        pendingHead += 1
        if pendingHead > 64 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        return item
    }

    private func finish(_ item: Item) {
        withMutex {
            finished = max(finished, item.ticket)
            progress += 1
            pthread_cond_broadcast(progressMade)
        }
    }

    /// In a forked child only the forking thread exists: the reporter thread and the work it
    /// had not delivered belong to the parent (which delivers it). Forget both, so the child
    /// starts its own thread at its first report and never waits for the parent's. The
    /// conditions are re-created: the parent's waiters vanished without leaving them. Mutex held.
    private func forgetParentAfterFork() {
        guard owner != 0, owner != getpid() else { return }
        owner = 0
        reporter = nil
        drainer = nil
        pending.removeAll()
        pendingHead = 0
        finished = issued
        workAvailable.initializeCondition(monotonic: true)
        progressMade.initializeCondition(monotonic: true)
    }

    private func flushAtExit() {
        if !isReporterThread { waitUntilDelivered() }
        Reporter.printExitSummary()
    }
}
