import Foundation
import Synchronization

/// A bounded pool of worker threads fed by a ``TrackedQueue``: the fix for a server that starts
/// a thread per request (see ``ThreadMonitor``). Its locks are tracked, so a task that takes
/// locks in an order another task inverts is reported like any inversion.
///
/// Contract:
/// - ``submit(_:)`` either enqueues the task (it will run, in submission order relative to other
///   tasks) or throws ``PoolShutDown`` once ``shutdown(wait:)`` has begun; never both, never
///   neither, even when the two race.
/// - Workers start on demand, up to `threads`. ``shutdown(wait:)`` lets every task submitted
///   before it run, then stops every worker, including one started by a submit that raced with
///   it; with `wait: true` it returns only after every worker has finished, so no task runs
///   after it returns.
///
/// Threads: any thread may submit and shut down. The pool's counters live in a
/// ``TrackedLockedValueBox`` and are read and written only under its lock; each handle's result
/// is written once by the worker that ran the task and read by waiters, both under the
/// handle's condition lock. Everything else is fixed at creation.
public final class TrackedThreadPool: Sendable {
    /// Thrown by ``TrackedThreadPool/submit(_:)`` after ``TrackedThreadPool/shutdown(wait:)`` began.
    public struct PoolShutDown: Error, CustomStringConvertible, Equatable {
        /// The name of the pool that refused the task.
        public let poolName: String
        /// Names the pool and says the task was not accepted.
        public var description: String { "TrackedThreadPool \"\(poolName)\" is shut down: the task was not accepted" }
    }

    /// Why a pool could not be created.
    public struct InvalidThreadCount: Error, CustomStringConvertible, Equatable {
        /// The thread count that was asked for.
        public let threads: Int
        /// Says a pool needs at least one thread and names the count given.
        public var description: String { "TrackedThreadPool needs at least 1 thread (got \(threads))" }
    }

    /// The result of one submitted task.
    public final class Handle<Value: Sendable>: @unchecked Sendable {
        private let done: TrackedCondition
        /// Guarded by `done`: set once by the worker, read by waiters.
        private var outcome: Result<Value, any Error>?

        init(poolName: String) {
            done = TrackedCondition(name: "\(poolName) task result")
        }

        func finish(_ result: Result<Value, any Error>) {
            done.withLock {
                outcome = result
                done.broadcast()
            }
        }

        /// Blocks until the task has run; returns its value or rethrows its error. Waiting while
        /// holding another tracked lock is reported (``LockViolation/Kind/waitWhileHolding``)
        /// only with evidence that the completion signal needs that lock (see
        /// ``TrackedCondition/wait(allowingHeldLocks:)``); a task that takes it deadlocks with
        /// the waiter, which the watchdog reports.
        public func wait() throws -> Value {
            let result = done.withLock {
                while outcome == nil { done.wait() }
                return outcome!
            }
            return try result.get()
        }

        /// True once the task has run.
        public var isFinished: Bool { done.withLock { outcome != nil } }
    }

    private struct Job: Sendable {
        let run: @Sendable () -> Void
    }

    private struct State {
        var isShutDown = false
        var started = 0
        var finished = 0
        var idle = 0
        /// The worker threads, to recognise a shutdown called from one of the pool's own tasks.
        var workers: Set<ObjectIdentifier> = []
    }

    /// The pool's name (worker threads are named `<name>-1`, `<name>-2`, ...).
    public let name: String
    /// The maximum number of worker threads.
    public let threads: Int
    private let jobs: TrackedQueue<Job?>
    private let state: TrackedLockedValueBox<State>
    private let workersDone: TrackedCondition

    /// Creates a pool of at most `threads` workers.
    /// - Throws: ``InvalidThreadCount`` when `threads` is less than 1.
    public init(threads: Int, name: String = "pool") throws(InvalidThreadCount) {
        guard threads >= 1 else { throw InvalidThreadCount(threads: threads) }
        self.name = name
        self.threads = threads
        jobs = TrackedQueue(name: "\(name) jobs")
        state = TrackedLockedValueBox(State(), name: "\(name) state")
        workersDone = TrackedCondition(name: "\(name) workers done")
    }

    /// Enqueues `work` and returns a handle to its result.
    /// - Throws: ``PoolShutDown`` if ``shutdown(wait:)`` has begun (the task will not run).
    @discardableResult
    public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws(PoolShutDown) -> Handle<Value> {
        let handle = Handle<Value>(poolName: name)
        let enqueued = MonotonicClock.nanoseconds()
        let poolName = name
        let job = Job {
            let started = MonotonicClock.nanoseconds()
            handle.finish(Result { try work() })
            Statistics.recordPoolTask(pool: poolName, queued: started - enqueued, ran: MonotonicClock.nanoseconds() - started)
        }
        // Decide and enqueue under the state lock: shutdown takes it too, so a submit either
        // lands before the shutdown's stop markers or sees the flag.
        let (accepted, startWorker) = state.withLockedValue { state -> (Bool, Int?) in
            guard !state.isShutDown else { return (false, nil) }
            jobs.put(job)
            guard state.idle == 0 && state.started < threads else {
                state.idle = max(0, state.idle - 1)
                return (true, nil)
            }
            state.started += 1
            return (true, state.started)
        }
        guard accepted else { throw PoolShutDown(poolName: name) }
        if let number = startWorker { startWorkerThread(number) }
        return handle
    }

    private func startWorkerThread(_ number: Int) {
        let thread = Thread { [self] in
            nameWorker(number)
            state.withLockedValue { _ = $0.workers.insert(ObjectIdentifier(Thread.current)) }
            while let job = jobs.get() {
                job.run()
                state.withLockedValue { $0.idle += 1 }
            }
            workersDone.withLock {
                state.withLockedValue { $0.finished += 1 }
                workersDone.broadcast()
            }
        }
        thread.start()
    }

    private func nameWorker(_ number: Int) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var bytes = Array("\(name)-\(number)".utf8.prefix(15))
        _ = write(descriptor, &bytes, bytes.count)
    }

    /// Stops accepting tasks; every task submitted before runs, then every worker stops. With
    /// `wait`, returns once all workers have finished (no task runs after that). Calling it again
    /// is harmless.
    ///
    /// Called with `wait` from one of this pool's own tasks, it would wait for its own worker
    /// forever: that misuse is reported (``LockViolation/Kind/reentrantAcquire``: the thread
    /// waits for itself) and the call returns without waiting; the shutdown itself goes ahead.
    public func shutdown(wait: Bool = true) {
        state.withLockedValue { state in
            guard !state.isShutDown else { return }
            state.isShutDown = true
            // One stop marker per worker ever started; they queue behind every accepted task.
            for _ in 0..<state.started { jobs.put(nil) }
        }
        guard wait else { return }
        // From one of this pool's own tasks, waiting for every worker means waiting for itself.
        if state.withLockedValue({ $0.workers.contains(ObjectIdentifier(Thread.current)) }) {
            Reporter.submit(.poolShutdownFromOwnTask(pool: name, lock: workersDone.info,
                                                     thread: ThreadState.current.descriptor(refreshName: true), stack: .capture()))
            return
        }
        workersDone.withLock {
            while state.withLockedValue({ $0.finished < $0.started }) { workersDone.wait(allowingHeldLocks: true) }
        }
    }
}
