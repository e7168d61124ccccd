#!/bin/sh
# run_render.sh HANDOUT_BIN HANDOUT.yaml LAYOUT [--impose]
# One whole render (label memcheck: HANDOUT_BIN is the valgrind wrapper),
# then the PDF read back by tests/pdf/check_pdf.sh: qpdf --check, fonts
# embedded and subset with Unicode maps, tagged, the handout's words (the
# card's for card layouts) in order (in the structure tree only for folded
# layouts and --impose, whose pages are not in reading order).
bin=$1
handout=$2
layout=$3
shift 3
pdfdir=$(cd "$(dirname "$0")/../pdf" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" render "$handout" -l "$layout" "$@" -o "$tmp/out.pdf" || {
  echo "FAIL: render $handout -l $layout $* (exit $?)"
  exit 1
}
card= order=
grep -q '^kind: *card' "layouts/$layout.yaml" && card=--card
grep -q '^panels:' "layouts/$layout.yaml" && order=struct
[ $# -gt 0 ] && order=struct
python3 "$pdfdir/yaml_words.py" $card "$handout" >"$tmp/words" || exit 1
CHECK_ORDER=$order sh "$pdfdir/check_pdf.sh" "$tmp/out.pdf" "$tmp/words" || {
  echo "FAIL: check_pdf $handout in $layout $*"
  exit 1
}
echo "ok: $handout in $layout $*"
