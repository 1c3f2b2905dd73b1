# Sourced by nio-under-lockgraph.sh and nio-report-cost.sh with their WORKDIR argument: sets
# `repo` (this package), `work` (WORKDIR, default .build/nio-under-lockgraph) and `nio` (the
# clone of swift-nio 2.101.2 in it, made once).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$repo/.build/nio-under-lockgraph}
mkdir -p "$work"
work=$(cd "$work" && pwd)
nio=$work/swift-nio
if [ ! -d "$nio" ]; then
    git clone --quiet --depth 1 --branch 2.101.2 https://github.com/apple/swift-nio "$nio" || exit 2
fi
