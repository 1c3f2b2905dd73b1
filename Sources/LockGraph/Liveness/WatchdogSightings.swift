/// What the watchdog's reports need, read when it finds the problem: each thread's current stack
/// (sampled by a signal, nil if it did not answer: it blocks both sampling signals, or a
/// profiler owns SIGPROF), the stacks of the locks it holds, and how long it has waited or held.
/// `Reports/` words them (`ReportBuilder.deadlock`, `.stall`, `.resourceDeadlock`).
extension WaitGraph {
    /// A deadlock report for `cycle` (found in an earlier reading of the same waits, and
    /// confirmed in this one).
    func deadlockRequest(_ cycle: [Waiter]) -> ReportRequest {
        .deadlock(cycle.map { waiter in
            ReportRequest.DeadlockWaiter(
                thread: waiter.thread,
                lock: waiter.lock,
                waited: MonotonicClock.elapsed(from: waiter.since, to: now),
                holder: holders[waiter.lock.id]?.thread,
                currentStack: StackSampler.shared.sample(thread: waiter.thread.id),
                held: waiter.observed.held.enumerated().compactMap { index, entry in
                    locks[entry.id].map { (lock: $0, acquired: waiter.observed.acquisitionStack(at: index)) }
                })
        })
    }

    /// A stall report for `stall`.
    func stallRequest(_ stall: Stall) -> ReportRequest {
        let holder = stall.holder.map { holding in
            ReportRequest.StallSighting.Holder(
                thread: holding.thread,
                held: MonotonicClock.elapsed(from: holding.since, to: MonotonicClock.nanoseconds()),
                acquired: holding.observed.acquisitionStack(at: holding.index),
                currentStack: StackSampler.shared.sample(thread: holding.thread.id))
        }
        // A semaphore has no holder: the stacks of its last signallers show who should signal it.
        let signals = stall.lock.kind == .semaphore ? SemaphoreSignals.recent(of: stall.lock.id) ?? [] : []
        return .stall(ReportRequest.StallSighting(lock: stall.lock, holder: holder, signals: signals,
                                                  waiters: stall.waiters.map(blockedThread)))
    }

    /// A resource-deadlock report for `deadlock`, found in this reading.
    func resourceDeadlockRequest(_ deadlock: ResourceDeadlock) -> ReportRequest {
        let holders = deadlock.holders.map { holder in
            ReportRequest.ResourceDeadlockSighting.Holder(
                thread: holder.thread,
                units: holder.units,
                took: holder.site == 0 ? nil : StackTrace(addresses: [holder.site]),
                waitsFor: holder.wait.lock,
                waited: MonotonicClock.elapsed(from: holder.wait.since, to: now),
                chain: holder.chain,
                currentStack: StackSampler.shared.sample(thread: holder.thread.id))
        }
        return .resourceDeadlock(ReportRequest.ResourceDeadlockSighting(semaphore: deadlock.semaphore, holders: holders,
                                                                        waiters: deadlock.waiters.map(blockedThread)))
    }

    /// `waiter` as a report shows it: how long it has waited, and its stack sampled now.
    private func blockedThread(_ waiter: Waiter) -> ReportRequest.BlockedThread {
        ReportRequest.BlockedThread(
            thread: waiter.thread,
            waited: MonotonicClock.elapsed(from: waiter.since, to: now),
            currentStack: StackSampler.shared.sample(thread: waiter.thread.id))
    }
}
