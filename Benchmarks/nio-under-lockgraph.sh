#!/usr/bin/env bash
# swift-nio's NIOPosixTests, unmodified, run plainly and then under `lockgraph test` in the same
# run of this script, with the same test binary: tests run, failures in each (the sets should
# be identical), LockGraph's reports, and wall time of each run.
#
# Usage: Benchmarks/nio-under-lockgraph.sh [WORKDIR]
#   WORKDIR (default .build/nio-under-lockgraph) keeps the clone, its build and the two logs
#   (plain.log, lockgraph.log); a second run reuses the clone and the build.
#   LOCKGRAPH_BIN=DIR uses the lockgraph and libLockGraphPreload.so in DIR instead of building
#   them (release) here; NIO_TEST_FILTER replaces the NIOPosixTests filter.
# Not run by CI: it builds all of swift-nio's tests (about 30 minutes on 2 cores) and runs
# NIOPosixTests twice.
set -u
filter=${NIO_TEST_FILTER:-NIOPosixTests}
. "$(dirname "$0")/nio-clone.sh" "${1:-}"

if [ -z "${LOCKGRAPH_BIN:-}" ]; then
    echo "== building lockgraph and the interposer (release)"
    swift build --package-path "$repo" -c release --product lockgraph || exit 2
    swift build --package-path "$repo" -c release --product LockGraphPreload || exit 2
    LOCKGRAPH_BIN=$(swift build --package-path "$repo" -c release --show-bin-path)
fi
lockgraph=$LOCKGRAPH_BIN/lockgraph

echo "== building swift-nio's tests (once: both runs use the same binary)"
swift build --package-path "$nio" --build-tests || exit 2

now() { date +%s.%N; }

echo "== plain: swift test --skip-build --filter $filter"
start=$(now)
swift test --package-path "$nio" --skip-build --filter "$filter" >"$work/plain.log" 2>&1
plain_status=$?
plain_wall=$(echo "$(now) - $start" | bc)

echo "== under LockGraph: lockgraph test --filter $filter"
start=$(now)
"$lockgraph" test --package-path "$nio" --filter "$filter" >"$work/lockgraph.log" 2>&1
lockgraph_status=$?
lockgraph_wall=$(echo "$(now) - $start" | bc)

# XCTest's and Swift Testing's summary lines, and the failed tests of both.
summary() {
    grep -E "^[[:space:]]*Executed [0-9]+ tests?" "$1" | tail -n 1 | sed 's/^[[:space:]]*/XCTest: /'
    grep -E "Test run with [0-9]+ tests?" "$1" | tail -n 1 | sed 's/^.*Test run/Swift Testing: Test run/'
}
failures() {
    { grep -oE "Test Case '[^']+' failed" "$1" | sed -E "s/Test Case '([^']+)' failed/\1/"
      grep -oE "Test [^ ]+\(\)( .*)? (failed|recorded an issue)" "$1" | sed -E 's/^Test ([^ ]+\(\)).*/\1/'
    } | sort -u
}

echo
echo "== results ($filter, swift-nio 2.101.2)"
echo "plain:     exit $plain_status, wall ${plain_wall}s"
summary "$work/plain.log" | sed 's/^/    /'
echo "lockgraph: exit $lockgraph_status, wall ${lockgraph_wall}s (includes a null swift build), ratio $(echo "scale=2; $lockgraph_wall / $plain_wall" | bc)x"
summary "$work/lockgraph.log" | sed 's/^/    /'

failures "$work/plain.log" >"$work/plain.failures"
failures "$work/lockgraph.log" >"$work/lockgraph.failures"
echo "failed plainly: $(wc -l <"$work/plain.failures"), under LockGraph: $(wc -l <"$work/lockgraph.failures")"
if cmp -s "$work/plain.failures" "$work/lockgraph.failures"; then
    echo "failure sets: identical"
else
    echo "failure sets differ (< plain only, > LockGraph only):"
    diff "$work/plain.failures" "$work/lockgraph.failures" | grep '^[<>]'
fi

# Each report starts with a "LockGraph: <kind>" line ("LockGraph: ignoring ..." is a settings
# note); lockgraph test prints the reports no test owns again at the end, after its own line.
awk '/^lockgraph test: /{exit} {print}' "$work/lockgraph.log" >"$work/lockgraph.before-summary"
reports=$(grep -E "^LockGraph: " "$work/lockgraph.before-summary" | grep -vE "^LockGraph: (ignoring|[0-9]+ violation)" || true)
echo "LockGraph reports: $(printf '%s' "$reports" | grep -c . || true)"
printf '%s\n' "$reports" | sed -E 's/thread [0-9]+/thread N/g' | sort | uniq -c | sed 's/^/    /'
grep -E "^Cycle: " "$work/lockgraph.before-summary" | sort | uniq -c | sed 's/^/    /'
grep -E "^LockGraph: [0-9]+ violation" "$work/lockgraph.log" | sed 's/^/    /'
grep -E "^lockgraph test: " "$work/lockgraph.log" | sed 's/^/    /'
echo "logs: $work/plain.log $work/lockgraph.log"
