#!/bin/sh
# run_pdf_tests.sh HANDOUT_BIN
# Every handout (handouts/*.yaml and the test handouts) in every layout is
# rendered and read back: tests/pdf/check_pdf.sh (qpdf --check, fonts
# embedded and subset with Unicode maps, tagged, words in order), rendering
# twice gives the same bytes, batch output does not depend on -j, and the
# melanoma leaflet in a4 stays within 25 KB per page.
bin=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export SOURCE_DATE_EPOCH=
unset SOURCE_DATE_EPOCH

bad() { echo "FAIL: $*"; fail=1; }

for handout in handouts/*.yaml tests/good-*.yaml; do
  [ -e "$handout" ] || continue
  stem=$(basename "$handout" .yaml)
  python3 "$here/yaml_words.py" "$handout" >"$tmp/$stem.words" || bad "$stem: cannot read words"
  for layout in layouts/*.yaml; do
    lname=$(basename "$layout" .yaml)
    pdf="$tmp/$lname-$stem.pdf"
    if ! "$bin" render "$handout" -l "$lname" -o "$pdf"; then
      bad "$stem in $lname: render failed"
      continue
    fi
    sh "$here/check_pdf.sh" "$pdf" "$tmp/$stem.words" >"$tmp/check.log" 2>&1 ||
      { cat "$tmp/check.log"; bad "$stem in $lname: check_pdf"; }
    "$bin" render "$handout" -l "$lname" -o "$tmp/again.pdf" &&
      cmp -s "$pdf" "$tmp/again.pdf" || bad "$stem in $lname: second render differs"
    echo "ok: $stem in $lname ($(wc -c <"$pdf") bytes)"
  done
done

# size budget: melanoma in a4, at most 25 KB per page
pdf="$tmp/a4-melanoma.pdf"
if [ -e "$pdf" ]; then
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  bytes=$(wc -c <"$pdf")
  if [ "$bytes" -gt $((pages * 25 * 1024)) ]; then
    bad "melanoma a4: $bytes bytes for $pages pages (budget 25 KB per page)"
  else
    echo "ok: melanoma a4 $bytes bytes, $pages pages"
  fi
  [ "$pages" -ge 2 ] && [ "$pages" -le 4 ] || bad "melanoma a4 has $pages pages (expected 2 to 4)"
fi

# batch: same bytes whatever the number of workers
"$bin" batch -j 1 -o "$tmp/j1" 2>/dev/null || bad "batch -j 1 failed"
"$bin" batch -j 2 -o "$tmp/j2" 2>/dev/null || bad "batch -j 2 failed"
diff -r "$tmp/j1" "$tmp/j2" >/dev/null || bad "batch -j 1 and -j 2 differ"
n=$(find "$tmp/j1" -name '*.pdf' | wc -l)
[ "$n" -gt 0 ] || bad "batch wrote no PDFs"
echo "ok: batch -j 1 = -j 2 ($n PDFs)"

[ $fail -eq 0 ] && echo "all PDF checks passed"
exit $fail
