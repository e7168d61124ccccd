#!/bin/sh
# run_bad_csv.sh PATIENTS_CHECK STEM
# Loads tests/bad-csv/STEM.csv (with --show-patient-data when STEM starts
# with "show-") and checks exit status 1 and exactly the diagnostics in
# tests/bad-csv/STEM.err.  Values of patient fields must not appear unless
# shown: each .err is the promise.
bin=$1
stem=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $stem in
show-*) "$bin" --show-patient-data "tests/bad-csv/$stem.csv" >/dev/null 2>"$tmp/stderr" ;;
*) "$bin" "tests/bad-csv/$stem.csv" >/dev/null 2>"$tmp/stderr" ;;
esac
rc=$?
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
