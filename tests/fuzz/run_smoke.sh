#!/bin/sh
# run_smoke.sh BUILD_DIR [SECONDS] [TARGET...]
#
# Runs each libFuzzer target of a -DHANDOUT_FUZZ=ON build for SECONDS
# (default 30) on a fresh copy of its seed corpus in a temporary folder (or
# in CORPUS_DIR/corpus-TARGET, kept and grown from run to run, with the log
# in CORPUS_DIR/log-TARGET, when CORPUS_DIR is set), with the dictionary tests/fuzz/csv.dict (csv) or
# tests/fuzz/handout.dict (the others), inputs up to 64 KB, a 10 s timeout
# per input and RSS_MB of memory (default 512; use 256 for the render limit
# check).  Fails if any target crashes, hangs, leaks or trips a sanitizer;
# the input that did it is kept in BUILD_DIR/fuzz-artifacts/ and should
# become tests/fuzz/regressions/TARGET-SHORT-NAME.
#
#   sh tests/fuzz/run_smoke.sh build-fuzz 30
#   RSS_MB=256 sh tests/fuzz/run_smoke.sh build-fuzz 300 render
#
# Targets: load layout inline render csv mime (default: all).  The long
# campaign of tests/fuzz/CAMPAIGN.md is run_campaign.sh, which calls this.
#
# (ASan's own caches make a long fuzz_render session creep up by ~100 MB over
# 20 000 runs; keep 256 MB checks to a few minutes, or replay the corpus
# with the plain replay_render to measure one input at a time.)
#
# Extra libFuzzer options can be given in FUZZ_ARGS (e.g. "-jobs=2").
set -u
build=${1:?usage: run_smoke.sh BUILD_DIR [SECONDS] [TARGET...]}
secs=${2:-30}
[ $# -gt 2 ] && shift 2 || set --
targets=${*:-load layout inline render csv mime}
rss=${RSS_MB:-512}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$build" && pwd) || exit 2
art="$build/fuzz-artifacts"
mkdir -p "$art"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export HANDOUT_HOME="$src"
# abort_on_error so that UBSan and ASan reports are crashes to libFuzzer;
# a 16 MB quarantine (default 256) so that -rss_limit_mb measures the
# program more than ASan's bookkeeping
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

seeds() { # TARGET CORPUS_DIR
  case $1 in
  layout) cp "$src"/layouts/*.yaml "$src"/tests/bad/layout-*.yaml "$2"/ ;;
  csv) cp "$src"/tests/patients/*.csv "$src"/tests/bad-csv/*.csv "$2"/ ;;
  mime) cp "$src"/tests/fuzz/seeds/mime-* "$2"/ ;;
  inline) # the text of real handouts, and the markup cases of the corpus
    cp "$src"/handouts/*.yaml "$src"/handouts/common/*.yaml "$2"/
    for f in "$src"/tests/bad/inline-*.yaml "$src"/tests/bad/*markup*.yaml; do
      [ -f "$f" ] && cp "$f" "$2"/
    done ;;
  *) cp "$src"/handouts/*.yaml "$src"/handouts/common/*.yaml \
        "$src"/tests/good-*.yaml "$2"/
     for f in "$src"/tests/bad/*.yaml; do
       case $(basename "$f") in layout-*) ;; *) cp "$f" "$2"/ ;; esac
     done ;;
  esac
  # every regression case of the target is a seed too
  for f in "$src"/tests/fuzz/regressions/"$1"-*; do
    [ -f "$f" ] && cp "$f" "$2"/
  done
  return 0
}

fail=0
for t in $targets; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "FAIL: $bin not built (configure with CC=clang CXX=clang++ -DHANDOUT_FUZZ=ON)"
    fail=1
    continue
  fi
  corpus="${CORPUS_DIR:-$tmp}/corpus-$t"
  log="${CORPUS_DIR:-$tmp}/log-$t"
  mkdir -p "$corpus"
  seeds "$t" "$corpus"
  case $t in csv) dict="$src/tests/fuzz/csv.dict" ;;
             *) dict="$src/tests/fuzz/handout.dict" ;; esac
  echo "== fuzz_$t: ${secs}s, $(ls "$corpus" | wc -l) inputs, rss ${rss} MB"
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -rss_limit_mb="$rss" -malloc_limit_mb="$rss" \
    -dict="$dict" -print_final_stats=1 \
    -artifact_prefix="$art/$t-" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1
  grep -E '^stat::' "$log"
  if [ $rc -ne 0 ]; then
    echo "FAIL: fuzz_$t exited with $rc; log:"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error|==[0-9]+==' "$log" | head -20
    cp "$log" "$art/$t.log"
    echo "(full log in $art/$t.log)"
    fail=1
  else
    echo "ok: fuzz_$t"
  fi
done
exit $fail
