#!/bin/sh
# run_batch_tests.sh HANDOUT_BIN
# Per-patient batches (issue 4), from the source folder:
#   - tests/patients/awkward-200.csv gives 200 PDFs named REF.pdf, mode
#     0600, each with its own patient's name and treatment and no other's,
#     and a manifest whose sha256 values are the files' (check_batch.py);
#   - -j 1 and -j 2 give byte-identical files and manifests;
#   - shards 1/3, 2/3, 3/3 are disjoint and together the unsharded run;
#   - a file with bad rows exits 1 and still writes the good rows; a name
#     no font has and a broken handout are reported without patient data,
#     at the row's place in the CSV;
#   - no first or last name of a CSV is in any stderr captured without
#     --show-patient-data; with it, the values are shown;
#   - render --patients --patient, the generic batch's manifest, --shard
#     usage errors, SIGTERM (exit 3, no manifest, no temporary file, every
#     file present complete and in the journal; the same command again
#     keeps them and ends as a clean run), a re-run of a finished batch
#     (all kept), --fresh, a changed row (only its leaflet made again),
#     the progress line on a terminal only.
set -u
bin=$1
py=${PYTHON:-python3}
root=$(pwd)
HANDOUT_HOME=$root
export HANDOUT_HOME
check="$py $root/tests/batch/check_batch.py"
csv=tests/patients/awkward-200.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# ---- the 200 awkward patients ------------------------------------------
"$bin" batch --patients $csv -j 2 -o "$tmp/j2" 2>"$tmp/j2.err"
rc=$?
[ $rc -eq 0 ] && ok "batch -j 2: exit 0" || { bad "batch -j 2: exit $rc"; cat "$tmp/j2.err"; }
$check patients $csv "$tmp/j2" || bad "200 patients -j 2"
"$bin" batch --patients $csv -j 1 -o "$tmp/j1" 2>"$tmp/j1.err" || bad "batch -j 1 failed"
$check same "$tmp/j1" "$tmp/j2" && ok "-j 1 = -j 2 (PDFs and manifest)" || bad "-j 1 and -j 2 differ"
n=$(wc -l <"$tmp/j2/manifest.jsonl")
[ "$n" -eq 200 ] && ok "manifest: 200 lines" || bad "manifest: $n lines"
# the manifest against sha256sum itself
(cd "$tmp/j2" && sha256sum P*.pdf) | awk '{print $2, $1}' | sort >"$tmp/sums"
$py -c 'import json,sys
for l in open(sys.argv[1]): d=json.loads(l); print(d["path"], d["sha256"])' \
  "$tmp/j2/manifest.jsonl" | sort >"$tmp/msums"
cmp -s "$tmp/sums" "$tmp/msums" && ok "manifest sha256 = sha256sum" || bad "manifest sha256 differs from sha256sum"
modes=$(stat -c %a "$tmp/j2"/* | sort -u | tr '\n' ' ')
[ "$modes" = "600 " ] && ok "modes: 600" || bad "modes: $modes"
grep -q '^handout: 200 of 200 leaflets written to .* (0 rows skipped) in .* leaflets/s$' "$tmp/j2.err" &&
  ok "summary line" || { bad "summary line"; cat "$tmp/j2.err"; }
if grep -q "$(printf '\r')" "$tmp/j2.err"; then bad "progress drawn on a pipe"; else ok "no progress line on a pipe"; fi

# ---- shards --------------------------------------------------------------
for k in 1 2 3; do
  "$bin" batch --patients $csv -j 2 --shard $k/3 -o "$tmp/s$k" 2>"$tmp/s$k.err" ||
    bad "shard $k/3 failed"
done
$check shards "$tmp/j2" "$tmp/s1" "$tmp/s2" "$tmp/s3" && ok "shards 1/3 2/3 3/3" || bad "shards"
for a in 0/3 4/3 1/0 1/10001 x/3 3; do
  "$bin" batch --patients $csv --shard $a -o "$tmp/u" 2>/dev/null
  rc=$?
  [ $rc -eq 2 ] || bad "--shard $a: exit $rc (expected 2)"
done
ok "--shard usage errors"

# ---- bad rows, a name no font has, a broken handout -----------------------
home="$tmp/home"
mkdir -p "$home/handouts"
ln -s "$root/fonts" "$home/fonts"
ln -s "$root/layouts" "$home/layouts"
cp -R "$root/handouts/common" "$root/handouts/sites" "$root/handouts/melanoma.yaml" "$home/handouts/"
sed 's/{{clinic.phone_24h}}/{{clinic.phone24}}/' "$root/handouts/melanoma.yaml" >"$home/handouts/broken.yaml"
printf '%s\r\n' \
  'ref,first_name,last_name,handout,layout,treatment,start_date' \
  'B1,Quillon,Marchetti-Vane,melanoma,a4,nivolumab,2026-12-01' \
  'B2,Ysolde,Brackenridge,brokn,a4,nivolumab,2026-12-01' \
  'B3,王,Okonkwo-Lind,melanoma,a4,pembrolizumab,' \
  'B4,Thessaly,Quarrington,melanoma,letter,,2026-13-01' \
  'B5,Oriel,Fenwick-Doyle,broken,a4,,' \
  'B6,Perpetua,Sandoval-Reyes,melanoma,large-print,cemiplimab,2026-12-05' >"$tmp/bad.csv"
HANDOUT_HOME=$home "$bin" batch --patients "$tmp/bad.csv" -j 2 -o "$tmp/b" 2>"$tmp/b.err"
rc=$?
[ $rc -eq 1 ] && ok "bad rows: exit 1" || bad "bad rows: exit $rc (expected 1)"
ls "$tmp/b" | tr '\n' ' ' >"$tmp/b.ls"
[ "$(cat "$tmp/b.ls")" = "B1.pdf B6.pdf manifest.jsonl " ] && ok "bad rows: the good ones written" ||
  bad "bad rows: wrote $(cat "$tmp/b.ls")"
$check manifest-count "$tmp/b" 4 || bad "bad rows: manifest"
grep -q '"ref":"B3".*"status":"invalid"' "$tmp/b/manifest.jsonl" &&
  grep -q '"ref":"B5".*"status":"invalid"' "$tmp/b/manifest.jsonl" &&
  ok "bad rows: failed leaflets are 'invalid' in the manifest" || bad "bad rows: manifest statuses"
sed "s|$tmp/||g" "$tmp/b.err" | grep -v '^handout: .* leaflets/s$' >"$tmp/b.got"
cat >"$tmp/b.want" <<EOF
bad.csv:3:24: error: unknown handout <redacted> (expected the name of a file in home/handouts/ without .yaml; --show-patient-data shows the value)
bad.csv:5:42: error: bad start_date <redacted> (expected a date written YYYY-MM-DD, such as 2026-12-01)
bad.csv:4:4: error: character in a patient field (hidden: --show-patient-data shows it) is not in any font of this layout (expected a character that DejaVuSans.ttf or DejaVuSans-Bold.ttf has)
bad.csv:6:1: error: no leaflet for ref 'B5': 2 messages about its handout or layout not shown (they would name the handout; expected --show-patient-data to show them, or check the handout with handout lint)
EOF
# workers run side by side: compare the lines, not their order
if [ "$(sort "$tmp/b.got")" = "$(sort "$tmp/b.want")" ]; then
  ok "bad rows: messages at the CSV's places, no value"
else
  bad "bad rows: messages"; diff "$tmp/b.want" "$tmp/b.got"
fi
grep -q '^handout: 2 of 4 leaflets written to .* (2 rows skipped; 2 failed; 2 messages not shown: --show-patient-data) in ' "$tmp/b.err" &&
  ok "bad rows: summary counts" || { bad "bad rows: summary"; cat "$tmp/b.err"; }
HANDOUT_HOME=$home "$bin" batch --patients "$tmp/bad.csv" -j 1 -o "$tmp/bs" --show-patient-data \
  2>"$tmp/bs.err"
grep -q "character '王' (U+738B)" "$tmp/bs.err" && grep -q "unknown handout 'brokn'" "$tmp/bs.err" &&
  grep -q "broken.yaml:.*unknown variable 'clinic.phone24'" "$tmp/bs.err" &&
  grep -q '"ref":"B1","handout":"melanoma"' "$tmp/bs/manifest.jsonl" &&
  ok "--show-patient-data shows the values, the handout's errors and manifest handouts" ||
  { bad "--show-patient-data"; cat "$tmp/bs.err"; }

# ---- render --patients --patient -------------------------------------------
"$bin" render handouts/melanoma.yaml --patients "$tmp/bad.csv" --patient b6 -o "$tmp/r.pdf" \
  2>"$tmp/r.err"
rc=$?
[ $rc -eq 1 ] && [ "$(stat -c %a "$tmp/r.pdf")" = 600 ] &&
  pdftotext "$tmp/r.pdf" - | tr '\n' ' ' | grep -q 'Prepared for Perpetua Sandoval-Reyes' &&
  ok "render --patient: the row's leaflet, mode 600 (exit 1: other rows are bad)" ||
  bad "render --patient: exit $rc"
"$bin" render handouts/lung-nsclc.yaml --patients "$tmp/bad.csv" --patient B6 -o "$tmp/r2.pdf" \
  2>"$tmp/r2.err"
rc=$?
[ $rc -eq 2 ] && [ ! -e "$tmp/r2.pdf" ] && grep -q "is for handout <redacted>, not the one given" "$tmp/r2.err" &&
  ok "render --patient: another handout is refused" || bad "render --patient with another handout: exit $rc"

# ---- nothing personal on stderr ------------------------------------------------
$check no-names $csv "$tmp/j1.err" "$tmp/j2.err" "$tmp/s1.err" "$tmp/s2.err" "$tmp/s3.err" ||
  bad "a name from $csv on stderr"
$check no-names "$tmp/bad.csv" "$tmp/b.err" "$tmp/r.err" "$tmp/r2.err" || bad "a name from bad.csv on stderr"

# ---- the generic batch's manifest ---------------------------------------------
"$bin" batch handouts/melanoma.yaml -l a4,wallet-card -j 2 -o "$tmp/g" 2>"$tmp/g.err" || bad "generic batch"
head -1 "$tmp/g/manifest.jsonl" | grep -q '^{"handout":"melanoma","layout":"a4","path":"a4/melanoma.pdf","pages":[0-9]*,"bytes":[0-9]*,"sha256":"[0-9a-f]\{64\}","input":"[0-9a-f]\{64\}","status":"ok"}$' &&
  [ "$(stat -c %a "$tmp/g/manifest.jsonl")" = 644 ] && $check manifest-count "$tmp/g" 2 &&
  ok "generic batch: manifest (handout, layout, path; mode 644)" || bad "generic batch manifest"

# ---- SIGTERM: exit 3, no manifest, only complete files, a journal of them;
# ---- the same command again makes the rest ------------------------------------
"$bin" batch --patients $csv -j 2 -o "$tmp/int" 2>"$tmp/int.err" &
pid=$!
sleep 2
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
if [ $rc -eq 0 ]; then
  echo "skip: the batch finished before SIGTERM"
else
  [ $rc -eq 3 ] || bad "SIGTERM: exit $rc (expected 3)"
  [ ! -e "$tmp/int/manifest.jsonl" ] || bad "SIGTERM: a manifest was written"
  left=$(ls "$tmp/int" | grep -c '\.tmp\.' || true)
  [ "$left" -eq 0 ] || bad "SIGTERM: $left temporary files left"
  n=0
  for f in "$tmp/int"/*.pdf; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$tmp/j2/$(basename "$f")" || bad "SIGTERM: $(basename "$f") incomplete"
    n=$((n + 1))
  done
  grep -q "^handout: interrupted by SIGTERM: $n of 200 leaflets written to .*; no manifest written (a manifest means a complete run); the same command again makes the other $((200 - n))\$" \
    "$tmp/int.err" || { bad "SIGTERM: summary"; cat "$tmp/int.err"; }
  $check journal "$tmp/int" || bad "SIGTERM: the journal does not list exactly the files"
  [ $n -lt 200 ] && ok "SIGTERM: exit 3, $n complete files in the journal, no manifest, no temporary file"
  "$bin" batch --patients $csv -j 2 -o "$tmp/int" 2>"$tmp/int2.err"
  rc=$?
  [ $rc -eq 0 ] && { [ $n -eq 0 ] || grep -q "; $n kept from an earlier run) in " "$tmp/int2.err"; } &&
    [ ! -e "$tmp/int/manifest.jsonl.partial" ] && $check same "$tmp/int" "$tmp/j2" &&
    ok "SIGTERM: the same command again keeps the $n and makes the rest, as a clean run" ||
    { bad "SIGTERM: the re-run (exit $rc)"; cat "$tmp/int2.err"; }
fi
# a finished run again: nothing made, the same manifest; --fresh makes all again
"$bin" batch --patients $csv -j 2 -o "$tmp/j2" 2>"$tmp/again.err" &&
  grep -q '(0 rows skipped; 200 kept from an earlier run)' "$tmp/again.err" &&
  $check patients $csv "$tmp/j2" >/dev/null && ok "re-run of a finished batch: 200 kept" ||
  { bad "re-run of a finished batch"; cat "$tmp/again.err"; }
"$bin" batch --patients $csv -j 2 --fresh -o "$tmp/j2" 2>"$tmp/fresh.err" &&
  grep -q '^handout: 200 of 200 leaflets written to .* (0 rows skipped) in ' "$tmp/fresh.err" &&
  $check same "$tmp/j1" "$tmp/j2" && ok "--fresh: every leaflet made again" ||
  { bad "--fresh"; cat "$tmp/fresh.err"; }
# an input changed: only the leaflets made from it are made again
sed 's/^\(P0002,[^,]*\),/\1x,/' $csv >"$tmp/changed.csv"
cp -R "$tmp/j2" "$tmp/ch"
"$bin" batch --patients "$tmp/changed.csv" -j 2 -o "$tmp/ch" 2>"$tmp/ch.err" &&
  grep -q '(0 rows skipped; 199 kept from an earlier run)' "$tmp/ch.err" &&
  ! cmp -s "$tmp/ch/P0002.pdf" "$tmp/j2/P0002.pdf" &&
  $check manifest-count "$tmp/ch" 200 && ok "a changed row: only its leaflet made again" ||
  { bad "a changed row"; cat "$tmp/ch.err"; }

# ---- the progress line on a terminal -------------------------------------------
if command -v script >/dev/null 2>&1; then
  script -qec "\"$bin\" batch --patients $csv --shard 1/10 -j 2 -o \"$tmp/tty\"" /dev/null \
    >"$tmp/tty.out" 2>&1
  if grep -q "$(printf '\r')\[ *[0-9]*/ *[0-9]*\] [0-9]*%" "$tmp/tty.out" &&
     grep -q "$(printf '\r\033')\[K" "$tmp/tty.out"; then
    ok "progress line on a terminal, cleared at the end"
  else
    bad "no progress line on a terminal"; od -c "$tmp/tty.out" | head
  fi
fi

[ $fail -eq 0 ] && echo "all batch checks passed"
exit $fail
