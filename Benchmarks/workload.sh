#!/usr/bin/env bash
# The 16-thread bank workload three ways: plain pthread locks, LockGraph's tracked locks, and
# plain locks under ThreadSanitizer. Prints each wall time and its slowdown against plain.
# Usage: Benchmarks/workload.sh [transfers per thread] (default 200000)
set -euo pipefail
cd "$(dirname "$0")"
transfers="${1:-200000}"

swift build -c release --product BankWorkload >/dev/null
swift build -c release --product BankWorkload --scratch-path .build-tsan -Xswiftc -sanitize=thread >/dev/null
plain_bin="$(swift build -c release --product BankWorkload --show-bin-path)/BankWorkload"
tsan_bin="$(swift build -c release --product BankWorkload --scratch-path .build-tsan --show-bin-path)/BankWorkload"

seconds() { "$@" | awk '{print $2}'; }
plain=$(seconds "$plain_bin" plain "$transfers")
tracked=$(seconds "$plain_bin" tracked "$transfers")
tsan=$(seconds "$tsan_bin" plain "$transfers")

awk -v p="$plain" -v t="$tracked" -v s="$tsan" 'BEGIN {
    printf "plain:   %.3f s\n", p
    printf "tracked: %.3f s  (%.2fx plain, slowdown +%.0f%%)\n", t, t / p, (t / p - 1) * 100
    printf "tsan:    %.3f s  (%.2fx plain, slowdown +%.0f%%)\n", s, s / p, (s / p - 1) * 100
    if (t > p) printf "TSan slows the workload down %.1fx more than tracking does\n", (s - p) / (t - p)
}'
