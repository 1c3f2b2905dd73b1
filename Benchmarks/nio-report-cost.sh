#!/usr/bin/env bash
# Report and record cost in a large debug binary: swift-nio's test bundle (about 100 MB in debug)
# with a temporary test added to NIOPosixTests that makes 20 lock-order inversions between
# NIOLocks from 20 call sites, run under the interposer. Prints when the first report appeared
# after the test started, the gaps between consecutive reports (the reporter thread writes them
# one after another, each symbolized: the cost of a report after the first), and how long the
# process took to exit after its last test with and without LOCKGRAPH_RECORD (the record's cost),
# for the probe and for the whole of NIOPosixTests' XCTest cases. The test file is removed and the
# bundle rebuilt at the end, so the clone is left as it was.
#
# Usage: Benchmarks/nio-report-cost.sh [WORKDIR]
#   WORKDIR: as for nio-under-lockgraph.sh (default .build/nio-under-lockgraph; its clone and
#   build are reused). LOCKGRAPH_BIN=DIR uses the libLockGraphPreload.so in DIR.
set -u
. "$(dirname "$0")/nio-clone.sh" "${1:-}"
if [ -z "${LOCKGRAPH_BIN:-}" ]; then
    swift build --package-path "$repo" -c release --product LockGraphPreload || exit 2
    LOCKGRAPH_BIN=$(swift build --package-path "$repo" -c release --show-bin-path)
fi
preload=$LOCKGRAPH_BIN/libLockGraphPreload.so
probe=$nio/Tests/NIOPosixTests/LockGraphReportCostProbeTests.swift
bundle=$nio/.build/debug/swift-nioPackageTests.xctest
record=$(mktemp -d)
trap 'rm -rf "$record"; rm -f "$probe"; swift build --package-path "$nio" --build-tests >/dev/null 2>&1' EXIT

# The probe: pairs created on 20 lines (20 creation sites, so no report repeats another's code
# path), each taken in both orders from its own pair of functions.
python3 - "$probe" <<'PY'
import sys
n = 20
out = ["// Temporary (LockGraph's Benchmarks/nio-report-cost.sh): not part of swift-nio.",
       "import NIOConcurrencyHelpers", "import XCTest", "",
       "final class LockGraphReportCostProbeTests: XCTestCase {",
       "    func testTwentyInversionsFromTwentySites() {"]
out += [f"        let pair{i} = (NIOLock(), NIOLock())" for i in range(n)]
for i in range(n):
    out += [f"        lockGraphProbeForward{i}(pair{i})", f"        lockGraphProbeReverse{i}(pair{i})"]
out += ["        Thread.sleep(forTimeInterval: 5)  // the reporter thread writes the reports meanwhile"]
out += [f"        withExtendedLifetime(pair{i}) {{}}" for i in range(n)]
out += ["    }", "}", ""]
for i in range(n):
    out.append(f"@inline(never) func lockGraphProbeForward{i}(_ pair: (NIOLock, NIOLock)) {{ pair.0.withLock {{ pair.1.withLock {{}} }} }}")
    out.append(f"@inline(never) func lockGraphProbeReverse{i}(_ pair: (NIOLock, NIOLock)) {{ pair.1.withLock {{ pair.0.withLock {{}} }} }}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
swift build --package-path "$nio" --build-tests >/dev/null 2>&1 || { echo "building the probe failed" >&2; exit 2; }
echo "bundle: $(stat -c %s "$bundle") bytes"

# Reads the bundle's output as it comes: report headers, test start and end, and the exit.
timing='
import sys, time
start = time.monotonic(); heads = []; started = ended = None
for line in sys.stdin:
    t = time.monotonic() - start
    if line.startswith("LockGraph: lock-order inversion"): heads.append(t)
    elif "Test Case" in line and "started" in line and started is None: started = t
    elif line.startswith("Test Suite") and ("passed" in line or "failed" in line): ended = t
end = time.monotonic() - start
out = "exit_after_last_test_ms=%.0f" % ((end - ended) * 1000)
if heads:
    gaps = sorted((b - a) * 1000 for a, b in zip(heads, heads[1:]))
    out = "reports=%d first_ms=%.0f after_first_median_ms=%.2f after_first_max_ms=%.2f " % (
        len(heads), (heads[0] - started) * 1000, gaps[len(gaps) // 2], gaps[-1]) + out
print(out)'
for run in 1 2 3; do
    echo "probe, run $run: $(LOCKGRAPH_RECORD=$record LD_PRELOAD=$preload "$bundle" NIOPosixTests.LockGraphReportCostProbeTests 2>&1 | python3 -c "$timing") (with LOCKGRAPH_RECORD)"
done
classes=$("$bundle" --list-tests 2>/dev/null | grep '^NIOPosixTests\.' | grep -v LockGraphReportCostProbe | sed 's|/.*||' | sort -u | paste -sd, -)
rm -f "$record"/*.json
echo "NIOPosixTests (XCTest), with LOCKGRAPH_RECORD: $(LOCKGRAPH_RECORD=$record LD_PRELOAD=$preload "$bundle" "$classes" 2>&1 | python3 -c "$timing")"
for file in "$record"/*.json; do
    [ -f "$file" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('  record: %d bytes, %d edges, %d lock classes' % (len(open(sys.argv[1],'rb').read()), len(d['edges']), len(d['locks'])))" "$file"
done
echo "NIOPosixTests (XCTest), without:             $(LD_PRELOAD=$preload "$bundle" "$classes" 2>&1 | python3 -c "$timing")"
