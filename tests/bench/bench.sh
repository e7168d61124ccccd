#!/bin/sh
# tests/bench/bench.sh [BUILD_DIR] [RUNS]
# Prints, as medians over RUNS renders in one process:
#   - ms per render of handouts/melanoma.yaml in a4 and in a4-justified,
#   - a baseline in the same invocation (tests/good-min.yaml in a4), so a
#     noisy machine shows up as a slow baseline rather than a false change,
#   - bytes and pages per leaflet,
#   - for a4-justified, the inter-word space ratios of justified body lines
#     as ../shared/tools/spacing.py measures them (peers: Typst p95 1.34,
#     XeLaTeX 1.41, pdfLaTeX 1.46).
set -eu
build=${1:-build}
runs=${2:-50}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HANDOUT_HOME="$root"
bench="$build/tests/bench_render"
spacing="$root/../shared/tools/spacing.py"

run() { # NAME HANDOUT LAYOUT
  "$bench" "$2" "$3" "$runs" "$tmp/$1.pdf" | sed "s/^/$1 /"
  pages=$(pdfinfo "$tmp/$1.pdf" | awk '/^Pages:/ {print $2}')
  echo "$1 bytes $(wc -c <"$tmp/$1.pdf") pages $pages"
}

echo "runs per figure: $runs (medians)"
run baseline-good-min tests/good-min.yaml a4
run melanoma-a4 handouts/melanoma.yaml a4
run melanoma-a4-justified handouts/melanoma.yaml a4-justified
run baseline-good-min-again tests/good-min.yaml a4
if [ -f "$spacing" ]; then
  echo "spacing a4-justified: $(python3 "$spacing" "$tmp/melanoma-a4-justified.pdf" --size 10.5)"
else
  echo "spacing: $spacing not found"
fi
