import Foundation

/// Builds `.deadlock` and `.stall` violations from a watchdog reading.
enum WatchdogReports {
    /// The thread's current stack, sampled with a signal (nil frames if it did not answer:
    /// it blocks both sampling signals, or a profiler owns SIGPROF).
    static func currentStack(of thread: ThreadDescriptor) -> (StackTrace, String) {
        if let sampled = StackSampler.shared.sample(thread: thread.id) {
            return (sampled, "current stack")
        }
        return (.empty, "current stack unavailable (the thread did not answer the sampling signal)")
    }

    private static func seconds(_ since: UInt64, _ now: UInt64) -> String {
        String(format: "%.2f s", MonotonicClock.seconds(from: since, to: now))
    }

    /// The stacks of every lock `state` holds (outermost first), as far as they were captured.
    private static func heldStacks(of observed: ObservedThread, locks: [UInt64: LockInfo]) -> [LockBacktrace] {
        observed.held.enumerated().compactMap { index, entry in
            guard let lock = locks[entry.id] else { return nil }
            return LockBacktrace(label: "holds \(lock.descriptor), acquired", thread: observed.thread,
                                 frames: Symbolication.frames(of: observed.acquisitionStack(at: index)))
        }
    }

    static func deadlock(_ cycle: [WaitGraph.Waiter], in graph: WaitGraph) -> LockViolation {
        var backtraces: [LockBacktrace] = []
        var lines: [String] = []
        for waiter in cycle {
            let holder = graph.holders[waiter.lock.id]
            let holderText = holder.map { "held by \($0.thread)" } ?? "holder unknown"
            lines.append("\(waiter.thread) waits for \(waiter.lock.descriptor) (\(holderText)) for \(seconds(waiter.since, graph.now))")
            let (stack, label) = currentStack(of: waiter.thread)
            backtraces.append(LockBacktrace(label: "\(waiter.thread) waiting for \(waiter.lock.descriptor): \(label)",
                                            thread: waiter.thread, frames: Symbolication.frames(of: stack)))
            backtraces += heldStacks(of: waiter.observed, locks: graph.locks)
        }
        let order = cycle.map { $0.lock.descriptor.name.map { "\"\($0)\"" } ?? $0.lock.descriptor.description }
        return LockViolation(
            kind: .deadlock,
            locks: cycle.map(\.lock.descriptor),
            threads: cycle.map(\.thread),
            edges: [],
            backtraces: backtraces,
            summary: "deadlock: \(cycle.count) threads wait for each other in a cycle and can never proceed\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: "Take \(order.joined(separator: ", ")) in one global order on every path (the lock-order report for these locks, if printed earlier, names the two code paths).",
            date: Date(),
            scopes: cycle.map(\.lock.scope)
        )
    }

    static func stall(_ stall: WaitGraph.Stall, in graph: WaitGraph) -> LockViolation {
        var backtraces: [LockBacktrace] = []
        var lines: [String] = []
        if let holder = stall.holder {
            lines.append("\(stall.lock.descriptor) held by \(holder.thread) for \(seconds(holder.since, MonotonicClock.nanoseconds()))")
            backtraces.append(LockBacktrace(label: "\(holder.thread) acquired \(stall.lock.descriptor)", thread: holder.thread,
                                            frames: Symbolication.frames(of: holder.observed.acquisitionStack(at: holder.index))))
            let (stack, label) = currentStack(of: holder.thread)
            backtraces.append(LockBacktrace(label: "\(holder.thread) (the holder): \(label), where it is now",
                                            thread: holder.thread, frames: Symbolication.frames(of: stack)))
        } else if let signals = SemaphoreSignals.recent(of: stall.lock.id) {
            lines.append("\(stall.lock.descriptor) is a semaphore: it has no holder; "
                + (signals.isEmpty ? "it was never signalled" : "its last \(signals.count) signal(s) are shown"))
            for signal in signals {
                backtraces.append(LockBacktrace(label: "\(signal.thread) signalled \(stall.lock.descriptor)", thread: signal.thread,
                                                frames: Symbolication.frames(of: signal.stack)))
            }
        } else {
            lines.append("\(stall.lock.descriptor) has no tracked holder")
        }
        for waiter in stall.waiters {
            lines.append("\(waiter.thread) waits for it for \(seconds(waiter.since, graph.now))")
            let (stack, _) = currentStack(of: waiter.thread)
            backtraces.append(LockBacktrace(label: "\(waiter.thread) waiting for \(stall.lock.descriptor)", thread: waiter.thread,
                                            frames: Symbolication.frames(of: stack)))
        }
        return LockViolation(
            kind: .stall,
            locks: [stall.lock.descriptor],
            threads: ([stall.holder?.thread].compactMap { $0 }) + stall.waiters.map(\.thread),
            edges: [],
            backtraces: backtraces,
            summary: "stall: \(stall.lock.descriptor) blocks other threads longer than the stall threshold\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: SemaphoreSignals.recent(of: stall.lock.id) != nil
                ? "Find who should signal this semaphore and why it has not: a signaller that waits for the waiters' resources (a pool slot, a queue) closes a resource cycle no lock graph shows."
                : "Do not block (sleep, I/O, waiting for another thread) while holding a lock others need; move the slow work out of the locked region.",
            date: Date(),
            scopes: [stall.lock.scope]
        )
    }
}

extension WatchdogReports {
    static func resourceDeadlock(_ deadlock: ResourceDeadlock, in graph: WaitGraph) -> LockViolation {
        let semaphore = deadlock.semaphore.descriptor
        var lines: [String] = []
        var backtraces: [LockBacktrace] = []
        for holder in deadlock.holders {
            let units = holder.units == 1 ? "1 unit" : "\(holder.units) units"
            let chain = holder.chain.isEmpty ? "" : " (held by \(holder.chain.map { "\($0)" }.joined(separator: ", then ")), which waits for a unit)"
            lines.append("\(holder.thread) holds \(units) of \(semaphore) and waits for \(holder.wait.lock.descriptor)\(chain) for \(seconds(holder.wait.since, graph.now))")
            if holder.site != 0 {
                backtraces.append(LockBacktrace(label: "\(holder.thread) took its unit of \(semaphore)", thread: holder.thread,
                                                frames: Symbolication.frames(of: StackTrace(addresses: [holder.site]))))
            }
            let (stack, label) = currentStack(of: holder.thread)
            backtraces.append(LockBacktrace(label: "\(holder.thread) waiting for \(holder.wait.lock.descriptor), holding its unit: \(label)",
                                            thread: holder.thread, frames: Symbolication.frames(of: stack)))
        }
        for waiter in deadlock.waiters {
            lines.append("\(waiter.thread) waits for a unit of \(semaphore) for \(seconds(waiter.since, graph.now))")
            let (stack, label) = currentStack(of: waiter.thread)
            backtraces.append(LockBacktrace(label: "\(waiter.thread) waiting for a unit of \(semaphore): \(label)",
                                            thread: waiter.thread, frames: Symbolication.frames(of: stack)))
        }
        let holders = deadlock.holders.map(\.thread)
        return LockViolation(
            kind: .resourceDeadlock,
            locks: [semaphore] + deadlock.holders.map(\.wait.lock.descriptor).reduce(into: []) { if !$0.contains($1) && $1 != semaphore { $0.append($1) } },
            threads: holders + deadlock.waiters.map(\.thread).filter { !holders.contains($0) },
            edges: [],
            backtraces: backtraces,
            summary: "resource deadlock: every unit of \(semaphore) is held by a thread that is itself blocked, while "
                + "\(deadlock.waiters.count) thread(s) wait for a unit; no holder can give its unit back\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: "Do not wait, while holding a unit of \(semaphore), for work that itself needs a unit: give the unit back before "
                + "waiting, give that work a resource of its own, or make the pool larger than the number of such waits.",
            date: Date(),
            scopes: [deadlock.semaphore.scope]
        )
    }
}
