#!/usr/bin/env bash
# Browser test of `lockgraph render --format html`, run by .ci/run after `swift test`:
# renders a small cycle graph, the same without its cycle, a real recorded one (the
# three-lock-cycle fixture under LOCKGRAPH_RECORD) and a generated graph of 500 lock classes and
# 2,000 edges, then opens each page in headless Chromium (Debian's `chromium`) and checks it with page_check.py: the cycle is
# highlighted, a click on an edge shows its stacks, hover and search work, nothing is fetched.
# Screenshots, pages and timings stay under .build/browser-test/ as CI artefacts.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build/browser-test
rm -rf "$out"
mkdir -p "$out/record"
chromium="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$chromium" ]; then
    echo "browser test: no chromium on PATH (apt-get install chromium)" >&2
    exit 1
fi

for product in lockgraph three-lock-cycle; do
    timeout 1200 swift build --product "$product"
done
bin="$(swift build --show-bin-path)"
python3 Tests/BrowserTests/graphs.py small "$out/small.json"
python3 Tests/BrowserTests/graphs.py acyclic "$out/acyclic.json"
python3 Tests/BrowserTests/graphs.py large "$out/large.json"
# A real record: the fixture reports its cycle and exits; the record is written at exit.
LOCKGRAPH_RECORD="$out/record" timeout 120 "$bin/three-lock-cycle" > "$out/record/output.txt" 2>&1 || true
record="$(find "$out/record" -name 'lockgraph-*.json' | head -n 1)"
if [ -z "$record" ]; then
    echo "browser test: three-lock-cycle wrote no LOCKGRAPH_RECORD file" >&2
    cat "$out/record/output.txt" >&2
    exit 1
fi
cp "$record" "$out/recorded.json"

for graph in small acyclic recorded large; do
    started=$(date +%s%N)
    timeout 120 "$bin/lockgraph" render "$out/$graph.json" --format html -o "$out/$graph.html"
    echo "browser test: rendered $graph in $(( ($(date +%s%N) - started) / 1000000 )) ms, $(wc -c < "$out/$graph.html") bytes"
done

timeout 600 python3 Tests/BrowserTests/page_check.py --chromium "$chromium" --out "$out" --seconds 480 \
    "small=$out/small.html:$out/small.json" \
    "acyclic=$out/acyclic.html:$out/acyclic.json" \
    "recorded=$out/recorded.html:$out/recorded.json" \
    "large=$out/large.html:$out/large.json"
