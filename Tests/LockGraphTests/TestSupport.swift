import Foundation
import LockGraph

/// A name no other test uses, so a test can pick its own violations out of the global list.
func uniqueName(_ base: String) -> String {
    "\(base)-\(UUID().uuidString.prefix(8))"
}

/// Violations recorded so far that involve a lock whose name starts with `prefix`.
func violations(involving prefix: String) -> [LockViolation] {
    LockMonitor.violations.filter { violation in
        violation.locks.contains { $0.name?.hasPrefix(prefix) ?? false }
    }
}

/// Runs `body` on a new thread and waits for it (at most `timeout` seconds).
/// Returns false if the thread did not finish in time.
@discardableResult
func onOtherThread(timeout: TimeInterval = 10, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.start()
    return done.wait(timeout: .now() + timeout) == .success
}

/// A thread-safe flag for hand-offs between a test and the threads it starts (not tracked).
final class TestFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// True when this test process runs under ThreadSanitizer (`swift test --sanitize=thread`),
/// which slows tracked code down about tenfold and does not support fork() in a process with
/// threads: the affected tests size themselves down or are disabled, saying why.
let runningUnderThreadSanitizer: Bool = dlsym(nil, "__tsan_init") != nil

/// An error thrown by test closures to check that it comes back out unchanged.
struct Failure: Error, Equatable {}

/// The headline of the first report in `text` whose first line starts with `LockGraph: ` and
/// `prefix`: its lines from that one to the first blank line (a report's headline ends there).
/// Empty when there is no such report right after a report's opening rule.
func reportHeadline(_ prefix: String, in text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let rule = String(repeating: "=", count: 78)
    guard let start = lines.indices.dropFirst().first(where: { lines[$0].hasPrefix("LockGraph: " + prefix) && lines[$0 - 1] == rule })
    else { return [] }
    return Array(lines[start...].prefix { !$0.isEmpty })
}
