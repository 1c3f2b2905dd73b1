#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension LockMonitor {
    /// What happens after a real deadlock has been reported.
    public enum DeadlockAction: String, Sendable {
        /// Abort the process (the default): a test run fails instead of hanging.
        case abort
        /// Keep waiting, for servers that are dumped with SIGUSR1 and inspected by an operator.
        case wait
    }

    /// Starts the watchdog now (it otherwise starts at the first tracked wait), or changes its
    /// settings. Every `interval` it looks for threads that wait for each other in a cycle
    /// (reported as ``LockViolation/Kind/deadlock`` within two intervals of the cycle forming)
    /// and for waits or holds longer than `stallThreshold` (``LockViolation/Kind/stall``, once
    /// per episode). Defaults: `LOCKGRAPH_WATCHDOG_MS` (1000) and `LOCKGRAPH_STALL_MS` (10000).
    public static func startWatchdog(interval: Duration? = nil, stallThreshold: Duration? = nil) {
        Watchdog.shared.configure(interval: interval, stallThreshold: stallThreshold)
        Watchdog.shared.ensureStarted()
    }
}
