#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ThreadState {
    // MARK: Waits

    /// How a thread waits for a lock.
    enum WaitKind: UInt8 {
        /// Blocked acquiring the lock: it waits for the lock's holder.
        case acquiring = 1
        /// Waiting on a condition variable (or a queue's put/get) associated with the lock;
        /// it waits for a signal, not for the holder.
        case condition = 2
        /// Waiting on a `TrackedSemaphore`: no holder, but a long wait is a stall.
        case semaphore = 3
    }

    /// Publishes that this thread is about to block on `lock`. No stack is captured here: under
    /// heavy contention every acquisition comes this way. The watchdog samples a waiter's stack
    /// by signal when it needs it; a long wait inside a task records its stack when it ends.
    func beginWait(for lock: UInt64, kind: WaitKind) {
        waitStackDepth.store(0, ordering: .relaxed)
        waitingSince.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
        waitingKind.store(kind.rawValue, ordering: .relaxed)
        waitingFor.store(lock, ordering: .releasing)
    }

    /// Ends the wait; returns how long it lasted in nanoseconds.
    @discardableResult
    func endWait() -> UInt64 {
        waitingFor.store(0, ordering: .releasing)
        return MonotonicClock.elapsed(from: waitingSince.load(ordering: .relaxed), to: MonotonicClock.nanoseconds())
    }

    /// Records the calling thread's stack as its wait stack (the waiting call site: called by the
    /// waiter itself right after a long wait, still inside the acquisition).
    func captureWaitStack() {
        waitStackDepth.store(StackTrace.capture(into: waitStack), ordering: .relaxed)
    }

    /// The stack recorded by `captureWaitStack` (empty if none).
    func observedWaitStack() -> StackTrace {
        let depth = min(waitStackDepth.load(ordering: .acquiring), StackTrace.maximumDepth)
        return StackTrace(addresses: Array(UnsafeBufferPointer(start: waitStack, count: depth)))
    }

    /// What this thread is blocked on, as another thread sees it.
    func observedWait() -> (lock: UInt64, since: UInt64, kind: WaitKind)? {
        let lock = waitingFor.load(ordering: .acquiring)
        guard lock != 0 else { return nil }
        let kind = WaitKind(rawValue: waitingKind.load(ordering: .relaxed)) ?? .acquiring
        return (lock, waitingSince.load(ordering: .relaxed), kind)
    }
}
