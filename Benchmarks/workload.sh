#!/usr/bin/env bash
# The bank workload three ways: plain pthread locks, LockGraph's tracked locks, and plain
# pthread locks under ThreadSanitizer. Prints each wall time and its slowdown against plain.
# This is the comparison of BENCHMARKS.md section 7 (16 threads, 200,000 transfers each);
# Benchmarks/bank.sh is the repeated pthread / NSLock / tracked comparison.
# Usage: Benchmarks/workload.sh [transfers per thread] [threads]   (defaults 200000, 16)
set -euo pipefail
cd "$(dirname "$0")"
transfers="${1:-200000}"
threads="${2:-16}"

swift build -c release --product BankWorkload >/dev/null
swift build -c release --product BankWorkload --scratch-path .build-tsan -Xswiftc -sanitize=thread >/dev/null
plain_bin="$(swift build -c release --product BankWorkload --show-bin-path)/BankWorkload"
tsan_bin="$(swift build -c release --product BankWorkload --scratch-path .build-tsan --show-bin-path)/BankWorkload"

# Runs one workload and prints its seconds= field; a failed run (money lost, a report, a
# crash) prints "failed" instead, so the other two still run and the script fails at the end.
seconds() {
    local line status=0
    line="$("$@")" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "workload.sh: '$*' exited with status $status" >&2
        echo failed
        return
    fi
    sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line"
}
flags=(--threads "$threads" --transfers "$transfers")
echo "command: BankWorkload pthread|tracked ${flags[*]} (and pthread under -sanitize=thread)"
plain=$(seconds "$plain_bin" pthread "${flags[@]}")
tracked=$(seconds "$plain_bin" tracked "${flags[@]}")
tsan=$(seconds "$tsan_bin" pthread "${flags[@]}")

awk -v p="$plain" -v t="$tracked" -v s="$tsan" 'BEGIN {
    printf "plain:   %s s\n", p
    if (p == "failed") exit
    if (t == "failed") print "tracked: failed"
    else printf "tracked: %.3f s  (%.2fx plain, slowdown +%.0f%%)\n", t, t / p, (t / p - 1) * 100
    if (s == "failed") print "tsan:    failed"
    else printf "tsan:    %.3f s  (%.2fx plain, slowdown +%.0f%%)\n", s, s / p, (s / p - 1) * 100
    if (t != "failed" && s != "failed" && t > p)
        printf "TSan slows the workload down %.1fx more than tracking does\n", (s - p) / (t - p)
}'
case "$plain $tracked $tsan" in *failed*) exit 1 ;; esac
