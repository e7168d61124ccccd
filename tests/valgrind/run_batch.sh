#!/bin/sh
# run_batch.sh HANDOUT_BIN
# A small per-patient batch (label memcheck: HANDOUT_BIN is the valgrind
# wrapper, which checks the forked workers too), with -j 1 and -j 2: four
# good rows in a4-justified, trifold-a4, wallet-card and large-print (names
# in Latin, Cyrillic and Greek script, a quoted comma), a row whose name no
# font has (a failed leaflet) and a row with a bad date (skipped).  Both
# runs exit 1, write the same four files and manifest (5 lines: the skipped
# row has none), show no patient's name on stderr, and each leaflet that
# prints a name prints its own.
set -u
bin=$1
py=${PYTHON:-python3}
root=$(pwd)
HANDOUT_HOME=$root
export HANDOUT_HOME
check="$py $root/tests/batch/check_batch.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
printf '%s\r\n' 'ref,first_name,last_name,handout,layout,treatment,start_date,large_print' \
  "V1,Zoë,O'Brien,melanoma,a4-justified,pembrolizumab,2026-12-01,no" \
  'V2,Дмитрий,Иванова,lung-nsclc,trifold-a4,nivolumab + ipilimumab,2026-12-02,no' \
  'V3,Ζωή,Παπαδοπούλου,kidney-rcc,wallet-card,nivolumab,2026-12-03,no' \
  'V4,"José María","Smith, Jr.",bladder-bcg,a4,atezolizumab,,yes' \
  'V5,王,Okonkwo-Lind,melanoma,a4,pembrolizumab,,no' \
  'V6,Thessaly,Quarrington,melanoma,letter,,2026-13-01,no' >"$tmp/p.csv"
for j in 1 2; do
  "$bin" batch --patients "$tmp/p.csv" -j $j -o "$tmp/j$j" 2>"$tmp/j$j.err"
  rc=$?
  [ $rc -eq 1 ] || { bad "-j $j: exit $rc (expected 1)"; cat "$tmp/j$j.err"; }
  files=$(ls "$tmp/j$j" | tr '\n' ' ')
  [ "$files" = "V1.pdf V2.pdf V3.pdf V4.pdf manifest.jsonl " ] || bad "-j $j wrote $files"
  grep -q '^handout: 4 of 5 leaflets written to .* (1 row skipped; 1 failed) in ' "$tmp/j$j.err" ||
    { bad "-j $j: summary"; cat "$tmp/j$j.err"; }
done
$check same "$tmp/j1" "$tmp/j2" || bad "-j 1 and -j 2 differ"
$check manifest-count "$tmp/j2" 5 || bad "manifest"
$check no-names "$tmp/p.csv" "$tmp/j1.err" "$tmp/j2.err" || bad "a name on stderr"
for row in "V1 Zoë O'Brien" "V2 Дмитрий Иванова" "V4 José María Smith, Jr."; do
  ref=${row%% *}
  pdftotext "$tmp/j2/$ref.pdf" - | tr '\n' ' ' | grep -qF "Prepared for ${row#* }" ||
    bad "$ref.pdf does not name its patient"
done
[ $fail -eq 0 ] && echo "ok: batch -j 1 and -j 2"
exit $fail
