#!/bin/sh
# run_pdf_tests.sh HANDOUT_BIN [HANDOUT.yaml | --batch]
# (one handout, or only the batch check; no argument: everything)
# Every handout (handouts/*.yaml and the test handouts) in every layout is
# rendered and read back: tests/pdf/check_pdf.sh (qpdf --check, fonts
# embedded and subset with Unicode maps, tagged, words in order), rendering
# twice gives the same bytes, batch output does not depend on -j, and the
# melanoma leaflet in a4 stays within 25 KB per page.  Per layout: the
# a5-booklet has a multiple of 4 pages and --impose gives half as many A4
# landscape sheets; trifolds have 2 sides; the wallet card 2 pages with an
# ID-1 TrimBox (242.65 x 153.01 pt) and the card's words; the card sheet 2
# A4 pages; large print no text under 16 pt (the Tf sizes in the PDF).
bin=$1
only=${2:-}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export SOURCE_DATE_EPOCH=
unset SOURCE_DATE_EPOCH

bad() { echo "FAIL: $*"; fail=1; }

# pages, and "W x H" of box BOX (MediaBox, TrimBox) of page N, in points
pages_of() { pdfinfo "$1" | awk '/^Pages:/ {print $2}'; }
box_of() {
  pdfinfo -box -f "$3" -l "$3" "$1" |
    awk -v b="Page *$3 $2:" '$0 ~ b {printf "%.2f x %.2f", $(NF-1) - $(NF-3), $NF - $(NF-2)}'
}
# box_is PDF BOX PAGE W H: the box is W x H points, give or take 0.02
# (pdfinfo prints each corner rounded to 0.01)
box_is() {
  pdfinfo -box -f "$3" -l "$3" "$1" |
    awk -v b="Page *$3 $2:" -v w="$4" -v h="$5" '$0 ~ b {
      dw = $(NF-1) - $(NF-3) - w; dh = $NF - $(NF-2) - h; found = 1
      ok = dw * dw <= 0.0004 && dh * dh <= 0.0004 }
      END { exit !(found && ok) }'
}
# the smallest font size any text is set at (the Tf operators)
min_text_size() {
  qpdf --qdf --object-streams=disable "$1" "$tmp/qdf.pdf" 2>/dev/null
  grep -a ' Tf$' "$tmp/qdf.pdf" | awk '{ if (min == "" || $2 < min) min = $2 } END {print min}'
}

handouts="handouts/*.yaml tests/good-*.yaml"
case $only in --batch) handouts= ;; ?*) handouts=$only ;; esac
for handout in $handouts; do
  [ -e "$handout" ] || continue
  stem=$(basename "$handout" .yaml)
  python3 "$here/yaml_words.py" "$handout" >"$tmp/$stem.words" || bad "$stem: cannot read words"
  python3 "$here/yaml_words.py" --card "$handout" >"$tmp/$stem.card" || bad "$stem: cannot read card words"
  for layout in layouts/*.yaml; do
    lname=$(basename "$layout" .yaml)
    pdf="$tmp/$lname-$stem.pdf"
    if ! "$bin" render "$handout" -l "$lname" -o "$pdf"; then
      bad "$stem in $lname: render failed"
      continue
    fi
    # card layouts print the card: part, not the sections; folded leaflets
    # put the panels of a side in folding order, not reading order, so only
    # the structure tree is checked for order (pdftotext: every word)
    words=$tmp/$stem.words order=
    grep -q '^kind: *card' "$layout" && words=$tmp/$stem.card
    grep -q '^panels:' "$layout" && order=struct
    CHECK_ORDER=$order sh "$here/check_pdf.sh" "$pdf" "$words" >"$tmp/check.log" 2>&1 ||
      { cat "$tmp/check.log"; bad "$stem in $lname: check_pdf"; }
    n=$(pages_of "$pdf")
    case $lname in
    a5-booklet)
      [ $((n % 4)) -eq 0 ] || bad "$stem in a5-booklet: $n pages (expected a multiple of 4)"
      "$bin" render "$handout" -l a5-booklet --impose -o "$tmp/imposed.pdf" ||
        bad "$stem in a5-booklet: --impose failed"
      ni=$(pages_of "$tmp/imposed.pdf")
      [ "$ni" -eq $((n / 2)) ] || bad "$stem: --impose gave $ni pages (expected $((n / 2)))"
      box_is "$tmp/imposed.pdf" MediaBox 1 841.89 595.28 ||
        bad "$stem: --impose sheet is $(box_of "$tmp/imposed.pdf" MediaBox 1) (expected A4 landscape)"
      # the sheets are in printing order: the structure tree reads in order
      CHECK_ORDER=struct sh "$here/check_pdf.sh" "$tmp/imposed.pdf" "$tmp/$stem.words" >"$tmp/check.log" 2>&1 ||
        { cat "$tmp/check.log"; bad "$stem in a5-booklet --impose: check_pdf"; } ;;
    trifold-*)
      [ "$n" -eq 2 ] || bad "$stem in $lname: $n pages (expected 2 sides)" ;;
    wallet-card)
      [ "$n" -eq 2 ] || bad "$stem in wallet-card: $n pages (expected front and back)"
      for p in 1 2; do
        box_is "$pdf" TrimBox $p 242.65 153.01 ||
          bad "$stem in wallet-card: page $p TrimBox $(box_of "$pdf" TrimBox $p) (expected 242.65 x 153.01, ID-1)"
      done
      # its 2 mm bleed on every side: MediaBox and BleedBox 4 mm larger
      box_is "$pdf" MediaBox 1 253.99 164.35 && box_is "$pdf" BleedBox 1 253.99 164.35 ||
        bad "$stem in wallet-card: MediaBox $(box_of "$pdf" MediaBox 1) (expected the TrimBox + 2 mm bleed)" ;;
    wallet-card-sheet)
      [ "$n" -eq 2 ] || bad "$stem in wallet-card-sheet: $n pages (expected 2)"
      box_is "$pdf" TrimBox 1 595.28 841.89 ||
        bad "$stem in wallet-card-sheet: sheet is $(box_of "$pdf" TrimBox 1) (expected A4)" ;;
    a4 | letter | large-print)
      # clear print: no line ends in a hyphen that hyphenation inserted
      "$bin" render "$handout" -l "$lname" --dump=lines | grep -q 'inserted-hyphen$' &&
        bad "$stem in $lname: a line ends in an inserted hyphen (clear print)" ;;
    esac
    case $lname in
    large-print)
      min=$(min_text_size "$pdf")
      awk -v m="$min" 'BEGIN {exit !(m != "" && m + 0 >= 16)}' ||
        bad "$stem in large-print: text at ${min} pt (expected nothing under 16 pt)" ;;
    esac
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
if [ -z "$only" ] || [ "$only" = --batch ]; then
"$bin" batch -j 1 -o "$tmp/j1" 2>/dev/null || bad "batch -j 1 failed"
"$bin" batch -j 2 -o "$tmp/j2" 2>/dev/null || bad "batch -j 2 failed"
diff -r "$tmp/j1" "$tmp/j2" >/dev/null || bad "batch -j 1 and -j 2 differ"
n=$(find "$tmp/j1" -name '*.pdf' | wc -l)
[ "$n" -gt 0 ] || bad "batch wrote no PDFs"
echo "ok: batch -j 1 = -j 2 ($n PDFs)"
fi

[ $fail -eq 0 ] && echo "all PDF checks passed"
exit $fail
