#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Where a dump goes.
public enum DumpDestination: Sendable, Hashable {
    /// The text dump is written to standard error.
    case standardError
    /// Each dump is written to `<path>/lockgraph-<pid>-<n>.txt`, `.dot` and `.json` (the
    /// directory is created if missing). Files appear atomically (written, then renamed).
    case directory(String)
}

/// Errors from setting up a dump handler.
public struct LockGraphSetupError: Error, CustomStringConvertible, Sendable {
    /// What could not be set up and why (the signal or directory, and the system's error).
    public let description: String
}

/// The signal-to-dump machinery: one pipe, one reader thread, any number of signals.
final class DumpSignal: Sendable {
    static let shared = DumpSignal()

    /// Write end of the pipe, read by the signal handler. A plain global so the handler touches
    /// nothing but this integer and `write(2)`.
    private struct State {
        var readerStarted = false
        var destination: DumpDestination = .standardError
        var installedSignals: Set<Int32> = []
    }

    private let state = InternalProtected(State())
    private let dumpNumber = Atomic<Int>(0)

    /// Installs the handler named by `LOCKGRAPH_DUMP_SIGNAL` (`USR1` or `USR2`, with or without
    /// the `SIG` prefix) once, at first use of a tracked type. `Configuration` warns about an invalid value.
    static let environmentInstall: Void = {
        guard let signal = Configuration.settings.dumpSignal else { return }
        do {
            try shared.install(signal: signal, destination: .standardError)
        } catch {
            writeToStandardError("\(error)\n")
        }
    }()

    func nextNumber() -> Int { dumpNumber.wrappingAdd(1, ordering: .relaxed).newValue }

    func install(signal: Int32, destination: DumpDestination) throws {
        guard signal > 0, signal < 65, signal != SIGKILL, signal != SIGSTOP else {
            throw LockGraphSetupError(description: "LockGraph: cannot install a dump handler for signal \(signal): use a catchable signal such as SIGUSR1 or SIGUSR2")
        }
        if case .directory(let path) = destination {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw LockGraphSetupError(description: "LockGraph: cannot use dump directory \(path): \(error.localizedDescription)")
            }
        }
        try state.withLock { state in
            state.destination = destination
            if !state.readerStarted {
                try startReader()
                state.readerStarted = true
            }
            if state.installedSignals.insert(signal).inserted {
                defer { wakeReader() }
                var action = sigaction()
                action.__sigaction_handler.sa_handler = dumpSignalHandler
                action.sa_flags = SA_RESTART
                sigemptyset(&action.sa_mask)
                guard sigaction(signal, &action, nil) == 0 else {
                    state.installedSignals.remove(signal)
                    throw LockGraphSetupError(description: "LockGraph: sigaction(\(signal)) failed: \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    private func startReader() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw LockGraphSetupError(description: "LockGraph: cannot create the dump pipe: \(String(cString: strerror(errno)))")
        }
        // The handler must never block: a full pipe just means a dump is already pending.
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        dumpPipeWriteEnd.store(fds[1], ordering: .releasing)
        let readEnd = fds[0]
        DetectorThread.start(name: "lockgraph-dump") { [self] in readLoop(readEnd) }
    }

    /// Byte 0 on the pipe is a control message: the set of signals changed.
    private func wakeReader() {
        var byte: UInt8 = 0
        _ = write(dumpPipeWriteEnd.load(ordering: .acquiring), &byte, 1)
    }

    /// A process can start with these signals blocked in every thread: the signal mask is
    /// inherited across fork/exec, and Dispatch worker threads block asynchronous signals (a
    /// process spawned from one, such as a test runner's, inherits that). The reader thread
    /// unblocks them for itself, so the kernel always has a thread to deliver them to.
    private func unblockInstalledSignals() {
        let signals = state.withLock { $0.installedSignals }
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private func readLoop(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 256)
        unblockInstalledSignals()
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            unblockInstalledSignals()
            if buffer[..<count].contains(where: { $0 != 0 }) {
                writeDump()
            }
        }
    }

    private func writeDump() {
        let number = nextNumber()
        let destination = state.withLock { $0.destination }
        switch destination {
        case .standardError:
            // Piece by piece as it is built, with standard error to itself meanwhile: the dump
            // starts at once, and no report (however many are queued) lands inside it.
            StandardError.exclusively { write in LiveStateReport.write(number: number, to: write) }
        case .directory(let path):
            let base = "\(path)/lockgraph-\(getpid())-\(number)"
            var outputs: [(String, Data)] = [("txt", Data(LiveStateReport.text(number: number).utf8))]
            outputs += DumpExports.files(for: LockMonitor.snapshot())
            for (suffix, data) in outputs {
                let finalPath = "\(base).\(suffix)"
                let temporary = "\(finalPath).partial"
                do {
                    try data.write(to: URL(fileURLWithPath: temporary))
                    guard rename(temporary, finalPath) == 0 else {
                        throw LockGraphSetupError(description: String(cString: strerror(errno)))
                    }
                } catch {
                    writeToStandardError("LockGraph: cannot write dump file \(finalPath): \(error)\n")
                }
            }
        }
    }
}

/// The pipe's write end for the signal handler (-1 until installed).
private let dumpPipeWriteEnd = Atomic<Int32>(-1)

/// Async-signal-safe: one atomic load and one `write(2)`; `errno` is preserved.
private func dumpSignalHandler(_ signal: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    let descriptor = dumpPipeWriteEnd.load(ordering: .acquiring)
    if descriptor >= 0 { _ = write(descriptor, &byte, 1) }
    errno = savedErrno
}

/// Files a directory dump writes beside the text.
enum DumpExports {
    static func files(for snapshot: LockGraphSnapshot) -> [(String, Data)] {
        [("dot", Data(snapshot.dot().utf8)), ("json", snapshot.json())]
    }
}
