#!/bin/sh
# vg.sh PROGRAM [ARGS...]
# Runs PROGRAM (the real handout CLI or a test executable) under valgrind
# memcheck and fails on any error: invalid reads and writes, uses of
# uninitialised values, bad frees, and definite or indirect leaks.  Forked
# children (handout batch's workers) are checked too, each into its own log;
# an exec'd program is followed unless it is a shell or Python (the tests'
# helpers: qpdf, pdftotext and the like only ever run from a shell).
# Nothing of valgrind's reaches PROGRAM's stdout or stderr unless there is an
# error: then every log is printed on stderr and the status is 99, whatever
# PROGRAM's own status was (a worker's error would otherwise be only "worker
# stopped with status 99").  Suppressions: tests/valgrind/handout.supp.
# Used by the tests labelled memcheck (cmake -DHANDOUT_VALGRIND=ON).
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/handout-vg.XXXXXX") || exit 98
"${VALGRIND:-valgrind}" -q --tool=memcheck --error-exitcode=99 \
  --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --track-origins=yes \
  --trace-children=yes \
  --trace-children-skip='*/sh,*/dash,*/bash,*/python3*,*/env' \
  --suppressions="$here/handout.supp" --gen-suppressions=all \
  --log-file="$logs/vg.%p.log" "$@"
rc=$?
if [ -n "$(find "$logs" -name 'vg.*.log' -size +0c)" ]; then
  for f in "$logs"/vg.*.log; do
    [ -s "$f" ] && { echo "valgrind: $*"; cat "$f"; } >&2
  done
  rc=99
fi
rm -rf "$logs"
exit $rc
