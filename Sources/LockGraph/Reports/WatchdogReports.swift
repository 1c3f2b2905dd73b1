/// `.deadlock`, `.stall` and `.resourceDeadlock` reports, from what the watchdog read (see `Watchdog`).
extension ReportBuilder {
    /// The label of a thread's sampled stack.
    private static func currentStackLabel(_ stack: StackTrace?) -> String {
        stack == nil ? "current stack unavailable (the thread did not answer the sampling signal)" : "current stack"
    }

    static func deadlock(_ cycle: [ReportRequest.DeadlockWaiter], _ context: ReportContext) -> LockViolation {
        var backtraces: [LockBacktrace] = []
        var lines: [String] = []
        var paths: [ReportHeadline.CodePath] = []
        for waiter in cycle {
            let holderText = waiter.holder.map { "held by \($0)" } ?? "holder unknown"
            lines.append("\(waiter.thread) waits for \(waiter.lock.descriptor) (\(holderText)) for \(seconds(waiter.waited))")
            let waiting = LockBacktrace(label: "\(waiter.thread) waiting for \(waiter.lock.descriptor): \(currentStackLabel(waiter.currentStack))",
                                        thread: waiter.thread, frames: Symbolication.frames(of: waiter.currentStack ?? .empty))
            let holds = waiter.held.map { held in
                LockBacktrace(label: "holds \(held.lock.descriptor), acquired", thread: waiter.thread,
                              frames: Symbolication.frames(of: held.acquired))
            }
            backtraces.append(waiting)
            backtraces += holds
            // Where the thread waits; where it took its last lock when it did not answer.
            let held = waiter.held.map { ReportHeadline.name($0.lock.descriptor) }
            paths.append(.init(stack: waiting.userFrame == nil ? holds.last ?? waiting : waiting,
                               note: "waits for \(ReportHeadline.name(waiter.lock.descriptor))"
                                   + (held.isEmpty ? "" : " while holding \(FrameFormatter.listed(held))")))
        }
        let order = cycle.map { shortName($0.lock.descriptor) }
        return context.violation(
            .deadlock,
            locks: cycle.map(\.lock.descriptor),
            threads: cycle.map(\.thread),
            backtraces: backtraces,
            headline: ReportHeadline("deadlock: \(cycle.count) threads wait for each other on \(ReportHeadline.names(cycle.map(\.lock.descriptor)))", paths),
            summary: "deadlock: \(cycle.count) threads wait for each other in a cycle and can never proceed\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: "Take \(order.joined(separator: ", ")) in one global order on every path (the lock-order report for these locks, if printed earlier, names the two code paths).",
            scopes: cycle.map(\.lock.scope))
    }

    static func stall(_ stall: ReportRequest.StallSighting, _ context: ReportContext) -> LockViolation {
        let lock = stall.lock.descriptor
        var backtraces: [LockBacktrace] = []
        var lines: [String] = []
        var paths: [ReportHeadline.CodePath] = []
        if let holder = stall.holder {
            lines.append("\(lock) held by \(holder.thread) for \(seconds(holder.held))")
            let acquired = LockBacktrace(label: "\(holder.thread) acquired \(lock)", thread: holder.thread,
                                         frames: Symbolication.frames(of: holder.acquired))
            let now = LockBacktrace(label: "\(holder.thread) (the holder): \(currentStackLabel(holder.currentStack)), where it is now",
                                    thread: holder.thread, frames: Symbolication.frames(of: holder.currentStack ?? .empty))
            backtraces += [acquired, now]
            paths.append(.init(stack: now, note: "runs here holding \(ReportHeadline.name(lock)) for \(seconds(holder.held))"))
            paths.append(.init(stack: acquired, note: "took \(ReportHeadline.name(lock))"))
        } else if stall.lock.kind == .semaphore {
            lines.append("\(lock) is a semaphore: it has no holder; "
                + (stall.signals.isEmpty ? "it was never signalled" : "its last \(stall.signals.count) signal(s) are shown"))
            for signal in stall.signals {
                backtraces.append(LockBacktrace(label: "\(signal.thread) signalled \(lock)", thread: signal.thread,
                                                frames: Symbolication.frames(of: signal.stack)))
            }
        } else {
            lines.append("\(lock) has no tracked holder")
        }
        for waiter in stall.waiters {
            lines.append("\(waiter.thread) waits for it for \(seconds(waiter.waited))")
            let waiting = LockBacktrace(label: "\(waiter.thread) waiting for \(lock)", thread: waiter.thread,
                                        frames: Symbolication.frames(of: waiter.currentStack ?? .empty))
            backtraces.append(waiting)
            // Without a holder to name, the longest waiter shows where the stall is felt.
            if paths.isEmpty { paths.append(.init(stack: waiting, note: "waits for \(ReportHeadline.name(lock)) for \(seconds(waiter.waited))")) }
        }
        return context.violation(
            .stall,
            locks: [lock],
            threads: [stall.holder?.thread].compactMap { $0 } + stall.waiters.map(\.thread),
            backtraces: backtraces,
            headline: ReportHeadline("stall: \(shortName(lock)) blocks other threads", paths),
            summary: "stall: \(lock) blocks other threads longer than the stall threshold\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: stall.lock.kind == .semaphore
                ? "Find who should signal this semaphore and why it has not: a signaller that waits for the waiters' resources (a pool slot, a queue) closes a resource cycle no lock graph shows."
                : "Do not block (sleep, I/O, waiting for another thread) while holding a lock others need; move the slow work out of the locked region.",
            scopes: [stall.lock.scope])
    }

    static func resourceDeadlock(_ deadlock: ReportRequest.ResourceDeadlockSighting, _ context: ReportContext) -> LockViolation {
        let semaphore = deadlock.semaphore.descriptor
        var lines: [String] = []
        var backtraces: [LockBacktrace] = []
        var paths: [ReportHeadline.CodePath] = []
        for holder in deadlock.holders {
            let units = holder.units == 1 ? "1 unit" : "\(holder.units) units"
            let chain = holder.chain.isEmpty ? "" : " (held by \(holder.chain.map { "\($0)" }.joined(separator: ", then ")), which waits for a unit)"
            lines.append("\(holder.thread) holds \(units) of \(semaphore) and waits for \(holder.waitsFor.descriptor)\(chain) for \(seconds(holder.waited))")
            if let took = holder.took {
                backtraces.append(LockBacktrace(label: "\(holder.thread) took its unit of \(semaphore)", thread: holder.thread,
                                                frames: Symbolication.frames(of: took)))
            }
            let waiting = LockBacktrace(label: "\(holder.thread) waiting for \(holder.waitsFor.descriptor), holding its unit: \(currentStackLabel(holder.currentStack))",
                                        thread: holder.thread, frames: Symbolication.frames(of: holder.currentStack ?? .empty))
            backtraces.append(waiting)
            paths.append(.init(stack: waiting, note: "waits for \(ReportHeadline.name(holder.waitsFor.descriptor)) while holding a unit"))
        }
        for waiter in deadlock.waiters {
            lines.append("\(waiter.thread) waits for a unit of \(semaphore) for \(seconds(waiter.waited))")
            backtraces.append(LockBacktrace(label: "\(waiter.thread) waiting for a unit of \(semaphore): \(currentStackLabel(waiter.currentStack))",
                                            thread: waiter.thread, frames: Symbolication.frames(of: waiter.currentStack ?? .empty)))
        }
        let holders = deadlock.holders.map(\.thread)
        return context.violation(
            .resourceDeadlock,
            locks: [semaphore] + distinct(deadlock.holders.map(\.waitsFor.descriptor)).filter { $0 != semaphore },
            threads: holders + deadlock.waiters.map(\.thread).filter { !holders.contains($0) },
            backtraces: backtraces,
            headline: ReportHeadline("resource deadlock: every unit of \(shortName(semaphore)) is held by a blocked thread", paths),
            summary: "resource deadlock: every unit of \(semaphore) is held by a thread that is itself blocked, while "
                + "\(deadlock.waiters.count) thread(s) wait for a unit; no holder can give its unit back\n"
                + lines.map { "  " + $0 }.joined(separator: "\n"),
            advice: "Do not wait, while holding a unit of \(semaphore), for work that itself needs a unit: give the unit back before "
                + "waiting, give that work a resource of its own, or make the pool larger than the number of such waits.",
            scopes: [deadlock.semaphore.scope])
    }
}
