#!/bin/sh
# run_bad_csv.sh HANDOUT_BIN STEM
# Runs `handout batch --patients tests/bad-csv/STEM.csv` (with
# --show-patient-data when STEM starts with "show-") into a temporary
# folder and checks exit status 1 and exactly the diagnostics in
# tests/bad-csv/STEM.err.  Values of patient fields must not appear unless
# shown: each .err is the promise.  Two things are normalised before the
# comparison, and nothing else: the data folder ($HANDOUT_HOME, which the
# messages name as the place handouts and layouts are looked up) is printed
# relative, and the summary line a batch ends with (counts and time) is
# dropped.  The good rows are rendered too; their files are not checked
# here (tests/batch/ does that).
bin=$1
stem=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HANDOUT_HOME=$(pwd)
export HANDOUT_HOME
show=
case $stem in show-*) show=--show-patient-data ;; esac
"$bin" batch --patients "tests/bad-csv/$stem.csv" $show -j 1 -o "$tmp/out" \
  >/dev/null 2>"$tmp/raw"
rc=$?
sed -e "s|$HANDOUT_HOME/||g" \
    -e '/^handout: .* written to .* leaflets\/s$/d' "$tmp/raw" >"$tmp/stderr"
fail=0
if [ "$rc" -ne 1 ]; then
  echo "FAIL: exit status $rc (expected 1)"
  fail=1
fi
if ! diff -u "tests/bad-csv/$stem.err" "$tmp/stderr"; then
  echo "FAIL: diagnostics differ from tests/bad-csv/$stem.err"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: $stem"
exit $fail
