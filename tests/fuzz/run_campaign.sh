#!/bin/sh
# run_campaign.sh BUILD_DIR CORPUS_DIR [TARGET:SECONDS... | table]
#
# The long fuzzing campaign of tests/fuzz/CAMPAIGN.md: runs the libFuzzer
# targets of a -DHANDOUT_FUZZ=ON build one after the other (one process at
# a time, under nice -n 19: it shares the machine), each for its SECONDS,
# through run_smoke.sh with its seeds, dictionaries and limits.  The corpora
# are kept in CORPUS_DIR/corpus-TARGET, so a later run (say, more seconds
# for one target) goes on from where the last stopped, and the log of every
# run is kept as CORPUS_DIR/log-TARGET-UTCTIME.  Exits 1 if any target
# crashed, hung, leaked or tripped a sanitizer (see run_smoke.sh).
#
# Then (or alone, with `table` instead of a plan) prints the campaign's
# table, one row per target over every run in CORPUS_DIR: runs, seconds
# (libFuzzer's "Done N runs in S second(s)"), executions, executions per
# second, covered edges (the last "cov:") and peak RSS (the largest).
#
#   sh tests/fuzz/run_campaign.sh /tmp/b-fuzz /tmp/fuzz-campaign
#   sh tests/fuzz/run_campaign.sh /tmp/b-fuzz /tmp/fuzz-campaign csv:60 mime:60
#   sh tests/fuzz/run_campaign.sh /tmp/b-fuzz /tmp/fuzz-campaign table
#
# Default plan (the 2026-11-28 campaign): 69 minutes, weighted toward the
# fast targets; fuzz_render, the whole pipeline, is the slowest.
set -u
usage="usage: run_campaign.sh BUILD_DIR CORPUS_DIR [TARGET:SECONDS... | table]"
build=${1:?$usage}
dir=${2:?$usage}
[ $# -gt 2 ] && shift 2 || set --
plan=${*:-render:600 load:600 inline:600 csv:660 layout:840 mime:840}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"

# Run each step of the plan; keep its log under a name of its own.
run_plan() {
  fail=0
  for step in $plan; do
    t=${step%%:*}
    CORPUS_DIR=$dir nice -n 19 sh "$here/run_smoke.sh" "$build" "${step#*:}" \
      "$t" || fail=1
    [ -f "$dir/log-$t" ] &&
      mv "$dir/log-$t" "$dir/log-$t-$(date -u +%Y%m%dT%H%M%SZ)"
  done
  return $fail
}

# One row of the table for target $1, from all its logs (oldest first).
table_row() {
  cat "$dir"/log-"$1"-* 2>/dev/null | awk -v t="$1" '
    /^Done [0-9]+ runs in [0-9]+ second/ { runs++; secs += $5 }
    /^stat::number_of_executed_units:/ { execs += $2 }
    /^stat::peak_rss_mb:/ { if ($2 > rss) rss = $2 }
    / cov: [0-9]+/ { for (i = 1; i < NF; i++) if ($i == "cov:") cov = $(i + 1) }
    END {
      if (!runs) exit
      printf "| fuzz_%s | %d | %d | %d | %d | %d | %d |\n",
             t, runs, secs, execs, secs ? execs / secs : 0, cov, rss
    }'
}

print_table() {
  echo "| target | runs | seconds | executions | exec/s | cov (edges) | peak RSS (MB) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for t in render load inline csv layout mime; do table_row "$t"; done
  cat "$dir"/log-*-* 2>/dev/null | awk '
    /^Done [0-9]+ runs in [0-9]+ second/ { runs++; secs += $5 }
    /^stat::number_of_executed_units:/ { execs += $2 }
    END { printf "| total | %d | %d | %d | | | |\n", runs, secs, execs }'
}

fail=0
if [ "$plan" != table ]; then
  run_plan || fail=1
fi
print_table
exit $fail
