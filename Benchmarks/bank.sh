#!/usr/bin/env bash
# The bank workload with pthread_mutex, NSLock and TrackedMutex, interleaved round by round
# (pthread, nslock, tracked, pthread, ...) so that a machine shared with other work slows all
# three alike. Prints every run, then per lock the median seconds and median peak RSS, and the
# ratios tracked/nslock and tracked/pthread of those medians.
#
# Usage: Benchmarks/bank.sh [--rounds N] [BankWorkload flags: --threads N --transfers N --accounts N]
# Exits non-zero if any run failed (money created or lost, a report, a crash); the medians then
# cover only the rounds in which all three runs passed, so the ratios still compare like with like.
set -euo pipefail
cd "$(dirname "$0")"

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }

rounds=5
flags=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
        --rounds=*) rounds="${1#--rounds=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) flags+=("$1"); shift ;;
    esac
done
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "bank.sh: --rounds takes a positive integer, not '$rounds'" >&2
    exit 2
fi

# A crashing run must not wait for a keypress in the Swift backtracer.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-interactive=no}"

log_dir="$(mktemp -d "${TMPDIR:-/tmp}/bank.XXXXXX")"
echo "building BankWorkload (release)..."
if ! swift build -c release --product BankWorkload >"$log_dir/build.log" 2>&1; then
    cat "$log_dir/build.log" >&2
    exit 1
fi
bin="$(swift build -c release --product BankWorkload --show-bin-path)/BankWorkload"
locks=(pthread nslock tracked)
echo "command: $bin {${locks[*]}} ${flags[*]:-}   ($rounds rounds, interleaved; run from $(pwd))"

# Per lock, the space-separated seconds and peak MB of each round ("-" for a failed run).
declare -A seconds peak
failures=0
for round in $(seq 1 "$rounds"); do
    for lock in "${locks[@]}"; do
        log="$log_dir/round$round-$lock.log"
        status=0
        line="$("$bin" "$lock" ${flags[@]+"${flags[@]}"} </dev/null 2>"$log")" || status=$?
        if [ "$status" -eq 0 ]; then
            echo "round $round: $line"
            seconds[$lock]+="$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line") "
            peak[$lock]+="$(sed -n 's/.* peak_rss_mb=\([0-9.]*\).*/\1/p' <<<"$line") "
        else
            failures=$((failures + 1))
            reason="exit status $status"
            [ "$status" -gt 128 ] && reason="killed by SIG$(kill -l $((status - 128)) 2>/dev/null || echo "?") (status $status)"
            echo "round $round: lock=$lock FAILED: $reason; $(grep -m1 -E 'runtime failure|Fatal error|BankWorkload:' "$log" || true) (log: $log)"
            seconds[$lock]+="- "
            peak[$lock]+="- "
        fi
    done
done

# Medians over the complete rounds only (a round where any lock failed is dropped for all).
# Plain POSIX awk (Debian's default is mawk): arrays keyed by (lock, index).
awk -v rounds="$rounds" -v failures="$failures" \
    -v ps="${seconds[pthread]}" -v ns="${seconds[nslock]}" -v ts="${seconds[tracked]}" \
    -v pm="${peak[pthread]}" -v nm="${peak[nslock]}" -v tm="${peak[tracked]}" '
function load(name, secs, mbs,    a, b, n, i) {
    n = split(secs, a, " "); split(mbs, b, " ")
    for (i = 1; i <= n; i++) { s[name, i] = a[i]; m[name, i] = b[i] }
}
# Median of values[name, 1..n].
function median(values, name, n,    v, i, j, t) {
    for (i = 1; i <= n; i++) v[i] = values[name, i] + 0
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
BEGIN {
    split("pthread nslock tracked", names, " ")
    load("pthread", ps, pm); load("nslock", ns, nm); load("tracked", ts, tm)
    complete = 0
    for (r = 1; r <= rounds; r++) {
        ok = 1
        for (k = 1; k <= 3; k++) if (s[names[k], r] == "-") ok = 0
        if (!ok) continue
        complete++
        for (k = 1; k <= 3; k++) { cs[names[k], complete] = s[names[k], r]; cm[names[k], complete] = m[names[k], r] }
    }
    printf "%d of %d runs passed; %d of %d rounds complete\n", rounds * 3 - failures, rounds * 3, complete, rounds
    if (complete == 0) { print "no complete round: no medians"; exit }
    for (k = 1; k <= 3; k++) {
        name = names[k]
        med[name] = median(cs, name, complete)
        printf "median lock=%s seconds=%.3f peak_rss_mb=%.1f rounds=%d\n", name, med[name], median(cm, name, complete), complete
    }
    printf "ratio tracked/nslock=%.2f tracked/pthread=%.2f\n", med["tracked"] / med["nslock"], med["tracked"] / med["pthread"]
}'
if [ "$failures" -ne 0 ]; then
    echo "bank.sh: $failures run(s) failed; logs in $log_dir" >&2
    exit 1
fi
rm -rf "$log_dir"
