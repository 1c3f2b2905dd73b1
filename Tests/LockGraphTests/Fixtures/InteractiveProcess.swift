import Foundation

/// A subprocess the test talks to while it runs: streams stdout/stderr into buffers, writes to
/// stdin, sends signals. Every wait is bounded; `deinit` kills a process still running.
final class InteractiveProcess: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var stdoutText = ""
    private var stderrText = ""

    init(executable: URL, arguments: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.append(data, toStandardError: false)
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.append(data, toStandardError: true)
        }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
    }

    /// The executable named `name` next to the running test binary (where `swift test` builds
    /// the fixtures).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    private func append(_ data: Data, toStandardError: Bool) {
        guard !data.isEmpty else { return }
        let text = String(decoding: data, as: UTF8.self)
        lock.lock()
        if toStandardError { stderrText += text } else { stdoutText += text }
        lock.unlock()
    }

    var standardOutput: String { lock.lock(); defer { lock.unlock() }; return stdoutText }
    var standardError: String { lock.lock(); defer { lock.unlock() }; return stderrText }
    var processIdentifier: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// The exit status; -1 while the process still runs (Foundation traps on reading the status
    /// of a running process, which would end the whole test run).
    var exitStatus: Int32 { process.isRunning ? -1 : process.terminationStatus }

    /// Polls until `condition` holds or `timeout` seconds pass; returns whether it held.
    func wait(timeout: TimeInterval, until condition: (InteractiveProcess) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition(self)
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    func writeLine(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits for the process to exit; kills it and returns false after `timeout` seconds.
    func waitForExit(timeout: TimeInterval) -> Bool {
        if wait(timeout: timeout, until: { !$0.isRunning }) {
            process.waitUntilExit()
            // Let a readability handler that is running finish, then stop them and read what is
            // left in the pipes ourselves: on a loaded machine the handlers can lag the exit,
            // and reports are printed by LockGraph's reporter thread, often near the end.
            Thread.sleep(forTimeInterval: 0.1)
            output.fileHandleForReading.readabilityHandler = nil
            errors.fileHandleForReading.readabilityHandler = nil
            append(output.fileHandleForReading.readDataToEndOfFile(), toStandardError: false)
            append(errors.fileHandleForReading.readDataToEndOfFile(), toStandardError: true)
            return true
        }
        // Ended, so later checks read a status instead of trapping: SIGTERM, then SIGKILL.
        process.terminate()
        if !wait(timeout: 5, until: { !$0.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            _ = wait(timeout: 5, until: { !$0.isRunning })
        }
        return false
    }
}
