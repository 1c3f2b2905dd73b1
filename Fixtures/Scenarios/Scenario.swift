#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LockGraph

/// One demonstrable pattern: a bug LockGraph must report, or a correct program it must not.
public struct Scenario: Sendable {
    /// The fixture's name, also its executable's name under `Fixtures/`.
    public let name: String
    /// One line for `lockgraph demo`.
    public let summary: String
    /// What LockGraph should do with it, for the demo's output.
    public let expectation: String
    /// Runs the pattern and returns the process exit status.
    public let run: @Sendable () -> Int32

    /// Every scenario, including those that need a signal or input to finish (not in the demo).
    public static var all: [Scenario] {
        demo + [dumpTarget, shardedABBA, resetAndModeSwitch, forkWithLocksHeld, stressChurn, selfSafety, repeatedCodePath, reportAtExit,
                handlerTakesHeldLock, reportFlood, trackedAndInterposed, singleThreadStart]
    }

    /// The scenarios `lockgraph demo` runs: each finishes on its own.
    public static let demo: [Scenario] = [
        abbaInversion,
        threeLockCycle,
        reentrantMutex,
        deinitDuringPut,
        tryLockNoFalsePositive,
        recursiveNoFalsePositive,
        orderedNoFalsePositive,
        producerConsumer,
        createDestroy,
        realABBADeadlock,
        diningPhilosophers,
        stalledHolder,
        loopLag,
        blockingInTask,
        threadExplosion,
        rwlockWriteInversion,
        rwlockReadersNoFalsePositive,
        rwlockUpgrade,
        gateLockNoFalsePositive,
        gateLockBroken,
        classInversion,
        classNesting,
        wrapperSites,
        waitWhileHolding,
        waitAllowedNoFalsePositive,
        privateLockWaitNoFalsePositive,
        queueLockInversion,
        queueOrderedNoFalsePositive,
        queueSyncReentry,
        queueLockDeadlock,
        semaphoreResourceCycle,
    ]

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }
}

/// Runs the named scenario and exits with its status (used by each fixture's main.swift).
public func runScenarioAndExit(named name: String) -> Never {
    guard let scenario = Scenario.named(name) else {
        FileHandle.standardError.write(Data("unknown scenario \(name)\n".utf8))
        exit(2)
    }
    exit(scenario.run())
}

/// Starts a named thread and returns a handle to join it.
func startThread(named name: String, _ body: @escaping @Sendable () -> Void) -> Thread {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        nameCurrentThread(name)
        body()
        done.signal()
    }
    thread.start()
    joinHandles.withLockedValue { $0[ObjectIdentifier(thread)] = done }
    return thread
}

/// Names the calling thread in the kernel (what reports show). Written directly: under load,
/// Foundation's `Thread.name` setter does not always reach the kernel's thread name.
func nameCurrentThread(_ name: String) {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    var bytes = Array(name.utf8.prefix(15))
    _ = write(descriptor, &bytes, bytes.count)
}

/// Waits for a thread started with `startThread`.
func join(_ thread: Thread) {
    let done = joinHandles.withLockedValue { $0[ObjectIdentifier(thread)] }
    done?.wait()
}

private let joinHandles = UncheckedBox<[ObjectIdentifier: DispatchSemaphore]>([:])

/// A tiny untracked box for the scenarios' own bookkeeping (kept out of the lock graph).
final class UncheckedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLockedValue<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Returns when standard input says "quit" (or ends), or after `timeout` seconds: how the
/// fixtures a test talks to are told to finish.
func waitForQuit(timeout: Double) {
    let input = DispatchSemaphoreBox()
    let reader = Thread {
        while let line = readLine(), line != "quit" {}
        input.signal()
    }
    reader.start()
    _ = input.wait(timeout: timeout)
}

/// Prints a line to standard output immediately.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Number of violations of `kind` recorded so far.
func violationCount(_ kind: LockViolation.Kind) -> Int {
    LockMonitor.violations.filter { $0.kind == kind }.count
}

/// Collects PASS/FAIL lines for the scenarios that check themselves.
final class ScenarioChecks {
    private(set) var failures = 0

    func check(_ condition: Bool, _ what: String, quietOnPass: Bool = false) {
        if !condition || !quietOnPass { say((condition ? "PASS " : "FAIL ") + what) }
        if !condition { failures += 1 }
    }

    var exitStatus: Int32 { failures == 0 ? 0 : 1 }
}

/// True in a build with AddressSanitizer or ThreadSanitizer, whose frames need larger stacks.
let runningUnderSanitizer: Bool = dlsym(nil, "__asan_init") != nil || dlsym(nil, "__tsan_init") != nil

/// Prints `kind: count` for each kind (the lines fixture tests read) and returns exit status 0.
func printViolationCounts(_ kinds: [LockViolation.Kind]) -> Int32 {
    for kind in kinds { say("\(kind): \(violationCount(kind))") }
    return 0
}
