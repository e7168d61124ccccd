#!/bin/sh
# run_lint.sh HANDOUT_BIN NAME
# Lints tests/lint/NAME.yaml and compares everything printed (standard
# output and standard error, in order) with tests/lint/NAME.out, and the exit
# status with what the expected output implies: 1 if it holds an error, else
# 0.  Today is fixed (HANDOUT_TODAY) so review dates give the same answer
# every day.
#   layout-NAME   a layout: `lint -l tests/lint/NAME.yaml tests/lint/ok.yaml`
#   json-NAME     a handout, with --format json
#   NAME          a handout, linted with tests/lint/layout-ok.yaml only, so
#                 the shipped layouts do not change its output
bin=$1
name=$2
dir=tests/lint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HANDOUT_TODAY=2026-11-28
HANDOUT_HOME=$(pwd)
export HANDOUT_TODAY HANDOUT_HOME
case $name in
layout-*) "$bin" lint -l "$dir/$name.yaml" "$dir/ok.yaml" >"$tmp/out" 2>&1 ;;
json-*) "$bin" lint --format json -l "$dir/layout-ok.yaml" "$dir/$name.yaml" >"$tmp/out" 2>&1 ;;
*) "$bin" lint -l "$dir/layout-ok.yaml" "$dir/$name.yaml" >"$tmp/out" 2>&1 ;;
esac
rc=$?
want=0
if grep -q -e ': error: ' -e '"level":"error"' "$dir/$name.out"; then
  want=1
fi
fail=0
if [ "$rc" -ne "$want" ]; then
  echo "FAIL: exit status $rc (expected $want)"
  fail=1
fi
if ! diff -u "$dir/$name.out" "$tmp/out"; then
  echo "FAIL: output differs from $dir/$name.out"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: lint $name"
exit $fail
