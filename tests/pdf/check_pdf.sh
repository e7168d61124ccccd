#!/bin/sh
# check_pdf.sh FILE.pdf [EXPECTED_WORDS_FILE]
#
# Reads a produced PDF back the way users' tools will and prints one line per
# check ("ok: ..." or "FAIL: ..."); exits 1 if any check failed, 2 on usage
# errors.  Checks:
#   1. qpdf --check exits 0 and prints no WARNING
#   2. pdffonts: every font is embedded, subset and has a ToUnicode map
#   3. pdfinfo: Tagged: yes
#   4. pdfinfo -struct-text: a non-empty structure tree with text
#   (with EXPECTED_WORDS_FILE, step 4 also checks the structure tree's text
#   order)
#   5. (with EXPECTED_WORDS_FILE) its words appear in the pdftotext output in
#      the same order (whitespace normalised, NBSP as space, a hyphen at a
#      line end joined to the next line's word; other words may come between).
#      With CHECK_ORDER=struct in the environment (folded leaflets: the
#      panels of a page are not in reading order, by design) only step 4
#      checks the order; pdftotext must still give every expected word.
# Needs qpdf and poppler-utils.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: check_pdf.sh FILE.pdf [EXPECTED_WORDS_FILE]" >&2
  exit 2
fi
pdf=$1
words=${2:-}
if [ ! -r "$pdf" ]; then
  echo "check_pdf.sh: cannot read $pdf" >&2
  exit 2
fi
if [ -n "$words" ] && [ ! -r "$words" ]; then
  echo "check_pdf.sh: cannot read $words" >&2
  exit 2
fi
for tool in qpdf pdffonts pdfinfo pdftotext; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "check_pdf.sh: $tool not found (install qpdf and poppler-utils)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_pdf.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

# 1. qpdf structural check
qpdf --check "$pdf" >"$tmp/qpdf" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  fail "qpdf --check exited $rc: $(grep -m1 -i -E 'warning|error' "$tmp/qpdf")"
elif grep -q -i 'WARNING' "$tmp/qpdf"; then
  fail "qpdf --check warns: $(grep -m1 -i 'WARNING' "$tmp/qpdf")"
else
  ok "qpdf --check clean"
fi

# 2. fonts: the last five fields of each row are "emb sub uni OBJ GEN"
if ! pdffonts "$pdf" >"$tmp/fonts" 2>"$tmp/fonts.err"; then
  fail "pdffonts failed: $(head -n1 "$tmp/fonts.err")"
else
  bad=$(awk 'NR > 2 && !($(NF-4) == "yes" && $(NF-3) == "yes" && $(NF-2) == "yes") { print $1 }' "$tmp/fonts")
  nfonts=$(awk 'NR > 2' "$tmp/fonts" | wc -l)
  if [ -n "$bad" ]; then
    fail "pdffonts: not embedded+subset+unicode: $(echo $bad)"
  else
    ok "pdffonts: $nfonts font(s), all emb yes sub yes uni yes"
  fi
fi

# 3. tagged
pdfinfo "$pdf" >"$tmp/info" 2>"$tmp/info.err"
if grep -q '^Tagged: *yes' "$tmp/info"; then
  ok "pdfinfo: Tagged: yes"
else
  fail "pdfinfo: not tagged ($(grep '^Tagged:' "$tmp/info" || echo 'no Tagged line'))"
fi

# 4. structure tree with text
pdfinfo -struct-text "$pdf" >"$tmp/struct" 2>"$tmp/struct.err"
nstruct=$(grep -c '[^[:space:]]' "$tmp/struct")
if [ "$nstruct" -eq 0 ]; then
  fail "pdfinfo -struct-text is empty"
elif [ -n "$words" ]; then
  # the structure tree must give the text in reading order too
  result=$(python3 "$(dirname "$0")/words_in_order.py" "$tmp/struct" "$words")
  case $result in
    "ok "*) ok "pdfinfo -struct-text: $nstruct lines, all ${result#ok } expected words in reading order" ;;
    *) fail "pdfinfo -struct-text: $result" ;;
  esac
else
  ok "pdfinfo -struct-text: $nstruct line(s)"
fi

# 5. expected words in order
if [ -n "$words" ]; then
  if ! pdftotext -enc UTF-8 "$pdf" "$tmp/text" 2>"$tmp/text.err"; then
    fail "pdftotext failed: $(head -n1 "$tmp/text.err")"
  else
    if [ "${CHECK_ORDER:-}" = struct ]; then
      result=$(python3 "$(dirname "$0")/words_in_order.py" --any-order "$tmp/text" "$words")
      order="(any order: panels)"
    else
      result=$(python3 "$(dirname "$0")/words_in_order.py" "$tmp/text" "$words")
      order="in order"
    fi
    case $result in
      "ok "*) ok "pdftotext: all ${result#ok } expected words $order" ;;
      *) fail "pdftotext: $result" ;;
    esac
  fi
fi

exit $failed
