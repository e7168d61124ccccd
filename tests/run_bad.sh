#!/bin/sh
# run_bad.sh HANDOUT_BIN STEM
# Renders tests/bad/STEM.yaml (a layout when STEM starts with "layout-"; a
# handout in layout wallet-card when it starts with "card-", in trifold-a4
# when it starts with "trifold-", else in a4) and
# checks the three promises made for bad input: exit status 1, exactly the
# diagnostics in tests/bad/STEM.err on stderr, and no output file left behind.
bin=$1
stem=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $stem in
layout-*) "$bin" render tests/good-min.yaml -l "tests/bad/$stem.yaml" -o "$tmp/out.pdf" 2>"$tmp/stderr" ;;
card-*) "$bin" render "tests/bad/$stem.yaml" -l wallet-card -o "$tmp/out.pdf" 2>"$tmp/stderr" ;;
trifold-*) "$bin" render "tests/bad/$stem.yaml" -l trifold-a4 -o "$tmp/out.pdf" 2>"$tmp/stderr" ;;
*) "$bin" render "tests/bad/$stem.yaml" -o "$tmp/out.pdf" 2>"$tmp/stderr" ;;
esac
rc=$?
fail=0
if [ "$rc" -ne 1 ]; then
  echo "FAIL: exit status $rc (expected 1)"
  fail=1
fi
if ! diff -u "tests/bad/$stem.err" "$tmp/stderr"; then
  echo "FAIL: diagnostics differ from tests/bad/$stem.err"
  fail=1
fi
left=$(ls -A "$tmp" | grep -v '^stderr$')
if [ -n "$left" ]; then
  echo "FAIL: output left behind: $left"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: $stem"
exit $fail
