#!/bin/sh
# run_bad_generated.sh HANDOUT_BIN
# Bad inputs too big to keep in the repository, generated here: a file over
# the 1 MiB limit and a nesting bomb.  Same promises as run_bad.sh.
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() { # NAME EXPECTED-STDERR
  "$bin" render "$tmp/$1.yaml" -o "$tmp/$1.pdf" 2>"$tmp/$1.stderr"
  rc=$?
  printf '%s\n' "$2" >"$tmp/$1.want"
  if [ "$rc" -ne 1 ] || ! diff -u "$tmp/$1.want" "$tmp/$1.stderr" || [ -e "$tmp/$1.pdf" ]; then
    echo "FAIL: $1 (exit $rc)"
    fail=1
  else
    echo "ok: $1"
  fi
}

# 1 MiB + 1 byte of comment lines
{ echo "id: big"; yes '# padding padding padding padding padding padding padding' | head -c 1048576; } >"$tmp/oversize.yaml"
size=$(wc -c <"$tmp/oversize.yaml")
check oversize "$tmp/oversize.yaml: error: file is $size bytes (expected at most 1048576)"

# 100 000 nested flow sequences: must stop at the depth limit at once
python3 -c "print('id: ' + '[' * 100000)" >"$tmp/deep.yaml"
check deep "$tmp/deep.yaml:1:37: error: nesting deeper than 32 levels (expected at most 32 nested mappings and sequences)"

exit $fail
