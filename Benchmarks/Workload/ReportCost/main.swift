import BenchSupport
import Foundation
import LockGraph
import Synchronization

// What a lock-order inversion report costs the thread that closes the cycle, and what the
// whole-graph exports cost. K pairs of TrackedMutex are each taken A -> B, then B -> A on the
// same thread; the second order closes a cycle and the report (stacks symbolized, text written
// to standard error) is built inside that acquisition, so it is the one timed.
//
//     LOCKGRAPH_MODE=report ReportCost [--reports K] 2>reports.txt
//
// The first report also loads the image map and debug information; the target is about the
// following ones ("at most 50 ms per report after the first in a 100 MB debug binary"), so the
// binary's size is printed with the figures. Build it in debug (`swift build --product
// ReportCost`) for that target, in release for the release figure.
// With LOCKGRAPH_RECORD=<dir> set, the record LockGraph writes at exit is timed too.

let flags = IntegerFlags.parse(
    CommandLine.arguments.dropFirst(), program: "ReportCost",
    flags: [.init("reports", default: 20, "inversions to produce, each a distinct pair of locks")]
)
guard let flags else { exit(2) }
let reportCount = flags["reports"]

/// Writes a line straight to standard output (unbuffered), so lines printed from the exit
/// handler below come after the others.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ReportCost: \(message)\n".utf8))
    exit(1)
}

guard LockMonitor.mode == .report else {
    FileHandle.standardError.write(Data("ReportCost: needs LOCKGRAPH_MODE=report (or unset), not \(LockMonitor.mode)\n".utf8))
    exit(2)
}

/// `LOCKGRAPH_RECORD`'s export runs in an exit handler LockGraph registers when the first
/// tracked lock is created. Exit handlers run last-registered first, so one registered before
/// any lock exists runs after LockGraph's and sees the export's whole duration.
enum RecordTiming {
    static let exitStarted = Atomic<UInt64>(0)
    static let directory = ProcessInfo.processInfo.environment["LOCKGRAPH_RECORD"].flatMap { $0.isEmpty ? nil : $0 }
}
if RecordTiming.directory != nil {
    atexit {
        let start = RecordTiming.exitStarted.load(ordering: .relaxed)
        guard start != 0 else { return }
        emit(String(format: "reportcost record_export_ms=%.1f", milliseconds(from: start, to: now())))
    }
}

// Locks stay alive to the end: a destroyed lock leaves the graph, and the exports below
// should see every edge and cycle.
var locks: [TrackedMutex] = []
var closingMilliseconds: [Double] = []
for index in 0..<reportCount {
    let first = TrackedMutex(name: "inversion-\(index)-a")
    let second = TrackedMutex(name: "inversion-\(index)-b")
    locks += [first, second]
    // Each pair from its own call site (up to CallSites.count), so the reports' stacks differ
    // as they would between places in a program, rather than hitting one cached stack.
    CallSites.run(index) {
        first.lock()
        second.lock()  // records first -> second
        second.unlock()
        first.unlock()
    }
    var elapsed = 0.0
    CallSites.run(index) {
        second.lock()
        let start = now()
        first.lock()  // second -> first closes the cycle: reported here
        elapsed = milliseconds(from: start, to: now())
        first.unlock()
        second.unlock()
    }
    closingMilliseconds.append(elapsed)
}

let reported = LockMonitor.violations.count
let binaryMiB = executableSize().map { String(format: "%.1f", ProcessMemory.mebibytes($0)) } ?? "unknown"
let rest = Array(closingMilliseconds.dropFirst())
emit(
    "reportcost build=\(buildConfiguration) binary_mb=\(binaryMiB) reports=\(reported)"
        + String(format: " first_ms=%.1f", closingMilliseconds[0])
        + (rest.isEmpty ? "" : String(format: " rest_median_ms=%.1f rest_min_ms=%.1f rest_max_ms=%.1f",
                                      median(rest)!, rest.min()!, rest.max()!))
)
emit("reportcost closing_ms=" + closingMilliseconds.map { String(format: "%.1f", $0) }.joined(separator: ","))

// The on-demand exports: the text a dump signal writes, and the snapshot's JSON document
// (every edge's two stacks symbolized), the public form of the graph export.
var start = now()
let text = LockMonitor.dumpText()
let dumpMilliseconds = milliseconds(from: start, to: now())
start = now()
let snapshot = LockMonitor.snapshot()
let json = snapshot.json()
let jsonMilliseconds = milliseconds(from: start, to: now())
emit(String(format: "reportcost dump_text_ms=%.1f dump_text_kb=%.1f snapshot_json_ms=%.1f snapshot_json_kb=%.1f edges=%d",
            dumpMilliseconds, Double(text.utf8.count) / 1_024, jsonMilliseconds, Double(json.count) / 1_024, snapshot.edges.count))

guard reported == reportCount else { fail("expected \(reportCount) reports, LockGraph recorded \(reported)") }
if RecordTiming.directory != nil {
    RecordTiming.exitStarted.store(now(), ordering: .relaxed)
}
exit(0)
