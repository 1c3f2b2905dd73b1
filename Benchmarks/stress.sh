#!/usr/bin/env bash
# Runs the tracked bank workload many times in a row (default 50) and fails if any run exits
# non-zero, dies of a signal or exceeds the time limit. The workload is correct, so every run
# must finish with the money intact and no report. Meant for CI: no prompts, one line per run,
# the first failure's crash summary, and a final "N of M runs passed" with the slowest run.
#
# Usage: Benchmarks/stress.sh [--runs N] [--timeout SECONDS] [BankWorkload flags: --threads N ...]
#   --runs N           how many runs (default 50)
#   --timeout SECONDS  per-run limit, a hang counts as a failure (default 300; needs `timeout`)
# Environment: STRESS_LOG_DIR keeps every run's standard error there (default: a temporary
# directory, removed when all runs pass).
set -euo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }

runs=50
limit=300
flags=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
        --runs=*) runs="${1#--runs=}"; shift ;;
        --timeout) limit="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
        --timeout=*) limit="${1#--timeout=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) flags+=("$1"); shift ;;
    esac
done
for value in "$runs" "$limit"; do
    if ! [[ "$value" =~ ^[1-9][0-9]*$ ]]; then
        echo "stress.sh: --runs and --timeout take positive integers, not '$value'" >&2
        exit 2
    fi
done

# A crashing run must not wait for a keypress in the Swift backtracer.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-interactive=no}"
timeout_command=()
if command -v timeout >/dev/null; then
    timeout_command=(timeout --kill-after=10 "$limit")
else
    echo "stress.sh: no 'timeout' command: runs have no time limit" >&2
fi

log_dir="${STRESS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/stress.XXXXXX")}"
mkdir -p "$log_dir"
echo "building BankWorkload (release)..."
if ! swift build -c release --product BankWorkload >"$log_dir/build.log" 2>&1; then
    cat "$log_dir/build.log" >&2
    exit 1
fi
bin="$(swift build -c release --product BankWorkload --show-bin-path)/BankWorkload"
echo "command: $bin tracked ${flags[*]:-}   ($runs runs, limit ${limit} s each; run from $(pwd))"

passed=0
slowest_run=0
slowest_seconds=""
failed_runs=()
for run in $(seq 1 "$runs"); do
    log="$log_dir/run$run.log"
    status=0
    line="$(${timeout_command[@]+"${timeout_command[@]}"} "$bin" tracked ${flags[@]+"${flags[@]}"} </dev/null 2>"$log")" || status=$?
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        secs="$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")"
        echo "run $run/$runs: ok $line"
        if [ -z "$slowest_seconds" ] || awk -v a="$secs" -v b="$slowest_seconds" 'BEGIN { exit !(a > b) }'; then
            slowest_seconds="$secs"
            slowest_run="$run"
        fi
        continue
    fi
    failed_runs+=("$run")
    if [ "$status" -eq 124 ] && [ ${#timeout_command[@]} -gt 0 ]; then
        reason="timed out after $limit s"
    elif [ "$status" -gt 128 ]; then
        reason="killed by SIG$(kill -l $((status - 128)) 2>/dev/null || echo "?") (status $status)"
    else
        reason="exit status $status"
    fi
    cause="$(grep -m1 -E 'runtime failure|Fatal error|BankWorkload:|LockGraph' "$log" || true)"
    echo "run $run/$runs: FAILED: $reason${cause:+: $cause} (log: $log)"
    if [ ${#failed_runs[@]} -eq 1 ]; then
        # The first failure in full enough to act on: the crashed thread's top frames.
        grep -A 12 -m1 'crashed:' "$log" | sed 's/^/    /' || true
    fi
done

echo "$passed of $runs runs passed"
if [ -n "$slowest_seconds" ]; then
    echo "slowest run: #$slowest_run, $slowest_seconds s"
fi
if [ ${#failed_runs[@]} -ne 0 ]; then
    echo "failed runs: ${failed_runs[*]} (logs in $log_dir)"
    exit 1
fi
[ -n "${STRESS_LOG_DIR:-}" ] || rm -rf "$log_dir"
