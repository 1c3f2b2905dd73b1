import BenchSupport
import Foundation
import LockGraph

// One thread holding N nested tracked locks (every lock taken while holding all the earlier
// ones: N(N-1)/2 order edges), then the dump. Issue 17's targets: 1,000 nested within 256 MB
// and 10 s, and the dump in at most 10 s.
//
//     NestedLocks [--depth N]
//
// Prints depth, edges, the seconds to take and release them, the dump's seconds and size, and
// peak RSS. The order is consistent: LockGraph must report nothing (exit 1 if it did).

var depth = 1_000
var arguments = Array(CommandLine.arguments.dropFirst())
if let position = arguments.firstIndex(of: "--depth"), position + 1 < arguments.count, let value = Int(arguments[position + 1]), value > 0 {
    depth = value
    arguments.removeSubrange(position...(position + 1))
}
guard arguments.isEmpty else {
    FileHandle.standardError.write(Data("usage: NestedLocks [--depth N]\n".utf8))
    exit(2)
}

let locks = (0..<depth).map { TrackedMutex(name: "nested-\($0)") }
let start = now()
for lock in locks { lock.lock() }
for lock in locks.reversed() { lock.unlock() }
let taken = now()
let nestedPeak = ProcessMemory.peakResidentBytes()
let dump = LockMonitor.dumpText()
let dumped = now()
let reports = LockMonitor.violations.count
print(String(format: "depth=%d edges=%d nest_seconds=%.3f nest_peak_rss_mb=%.1f dump_seconds=%.3f dump_kb=%d peak_rss_mb=%.1f reports=%d",
             depth, depth * (depth - 1) / 2, Double(taken - start) / 1e9, ProcessMemory.mebibytes(nestedPeak),
             Double(dumped - taken) / 1e9, dump.utf8.count / 1024, ProcessMemory.mebibytes(ProcessMemory.peakResidentBytes()), reports))
exit(reports == 0 ? 0 : 1)
