#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension LockMonitor {
    /// Installs a handler so that `kill -<signal> <pid>` dumps the lock graph, its holders and
    /// waiters, every edge with its stacks, and the violations so far, without stopping the
    /// program.
    ///
    /// The signal handler only writes one byte to a pipe (async-signal-safe); a dedicated thread
    /// reads it and writes the dump. Signals that arrive while a dump is being written are
    /// coalesced into the next dump. Installing again replaces the destination.
    /// `LOCKGRAPH_DUMP_SIGNAL=USR1` (or `USR2`) installs it at first use of any tracked type.
    /// - Throws: `LockGraphSetupError` for a signal that cannot be caught (`SIGKILL`, `SIGSTOP`)
    ///   or is out of range, or a directory that cannot be created.
    public static func installDumpHandler(signal: Int32 = SIGUSR1, destination: DumpDestination = .standardError) throws {
        try DumpSignal.shared.install(signal: signal, destination: destination)
    }

    /// The dump text (as a signal would write it), for programs and tests that want it directly.
    public static func dumpText() -> String {
        LiveStateReport.text(number: DumpSignal.shared.nextNumber())
    }
}
