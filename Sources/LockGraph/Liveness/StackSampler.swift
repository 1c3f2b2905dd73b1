#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CUnwind
import Foundation
import Synchronization

/// Captures the CURRENT stack of another thread of this process: sends it a real-time signal
/// whose handler only calls `unw_backtrace` into a preallocated slot and publishes the count.
/// Requests are serialised (one slot), answered within `timeout` or reported as unavailable.
///
/// Dispatch worker threads and Swift's cooperative threads block every asynchronous signal
/// except SIGPROF (left open for profilers). For a thread that blocks the real-time signal the
/// sampler uses SIGPROF instead, but only if no profiler has installed a SIGPROF handler.
///
/// Used by the watchdog (holders' current stacks, deadlocked threads) and the lag monitor.
final class StackSampler: Sendable {
    static let shared = StackSampler()

    /// The real-time signal used for sampling: `SIGRTMIN + 7`, away from the low real-time
    /// signals that runtimes commonly claim.
    let signal: Int32 = __libc_current_sigrtmin() + 7
    private let serial = InternalLock()
    private let installed = Atomic<Bool>(false)
    /// Whether SIGPROF can be used (nil: not decided yet). Guarded by `serial`.
    nonisolated(unsafe) private var profilingSignalUsable: Bool?

    /// Captures thread `tid`'s stack, or nil if it did not answer within `timeout` seconds.
    func sample(thread tid: Int, timeout: Double = 0.2) -> StackTrace? {
        installIfNeeded()
        return serial.withLock {
            sampleCount.store(-1, ordering: .releasing)
            var chosen = signal
            if Self.thread(tid, blocks: signal) == true {
                guard Self.thread(tid, blocks: SIGPROF) == false, claimProfilingSignal() else { return nil }
                chosen = SIGPROF
            }
            sampleTarget.store(tid, ordering: .releasing)
            // A late answer must not become the next request's result: the handler answers
            // only while it runs on the thread currently asked for.
            defer { sampleTarget.store(0, ordering: .releasing) }
            guard lockgraph_tgkill(getpid(), pid_t(tid), chosen) == 0 else { return nil }
            let deadline = MonotonicClock.nanoseconds() + UInt64(timeout * 1_000_000_000)
            while MonotonicClock.nanoseconds() < deadline {
                let count = sampleCount.load(ordering: .acquiring)
                if count >= 0 {
                    // The first frames are the handler and the kernel's signal trampoline;
                    // symbolization drops them (see `Symbolication.isSignalTrampoline`).
                    let frames = Array(UnsafeBufferPointer(start: sampleSlot, count: count))
                    return StackTrace(addresses: frames.map { UInt(bitPattern: $0) })
                }
                usleep(500)
            }
            return nil
        }
    }

    /// Installs the sampling handler on SIGPROF once, unless someone else handles SIGPROF.
    /// Called under `serial`.
    private func claimProfilingSignal() -> Bool {
        if let usable = profilingSignalUsable { return usable }
        var current = sigaction()
        sigaction(SIGPROF, nil, &current)
        let handler = current.__sigaction_handler.sa_handler
        let isDefault = handler == nil || unsafeBitCast(handler, to: Int.self) == 0 || unsafeBitCast(handler, to: Int.self) == 1
        if isDefault {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = sampleSignalHandler
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(SIGPROF, &action, nil)
        }
        profilingSignalUsable = isDefault
        return isDefault
    }

    /// Reads the thread's blocked-signal mask from `/proc/self/task/<tid>/status` (`SigBlk`).
    static func thread(_ tid: Int, blocks signal: Int32) -> Bool? {
        guard let status = try? String(contentsOfFile: "/proc/self/task/\(tid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
              let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return nil }
        return mask & (UInt64(1) << UInt64(signal - 1)) != 0
    }

    private func installIfNeeded() {
        guard !installed.load(ordering: .acquiring) else { return }
        serial.withLock {
            guard !installed.load(ordering: .relaxed) else { return }
            _ = sampleSlot  // initialise the globals before the handler can run
            sampleCount.store(-1, ordering: .relaxed)
            var action = sigaction()
            action.__sigaction_handler.sa_handler = sampleSignalHandler
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
            installed.store(true, ordering: .releasing)
        }
    }
}

nonisolated(unsafe) private let sampleSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?> = .allocate(capacity: StackTrace.maximumDepth)
private let sampleCount = Atomic<Int>(-1)
/// The kernel id of the thread the pending request asks (0: none).
private let sampleTarget = Atomic<Int>(0)

/// Async-signal-safe: gettid, libunwind's local `unw_backtrace`, atomic loads and stores;
/// `errno` preserved. A signal that arrives after its request timed out (or for another
/// thread's request) is ignored.
private func sampleSignalHandler(_ signal: Int32) {
    let savedErrno = errno
    defer { errno = savedErrno }
    guard sampleTarget.load(ordering: .acquiring) == Int(lockgraph_gettid()) else { return }
    let count = lockgraph_backtrace(sampleSlot, Int32(StackTrace.maximumDepth))
    sampleCount.store(max(Int(count), 0), ordering: .releasing)
}

