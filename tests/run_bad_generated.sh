#!/bin/sh
# run_bad_generated.sh HANDOUT_BIN
# Bad inputs too big to keep in the repository, generated here: a file over
# the 1 MiB limit, a nesting bomb, a value over the value limit, a handout
# over the page limit and a title too long for the running footer.  Same
# promises as run_bad.sh.
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

# The same header for the handouts below; $1 is the id.
handout_head() {
  printf 'id: %s\nlanguage: en-GB\ntitle: Test\nversion: "1.0"\n' "$1"
  printf 'published: 2026-01-05\nreview_by: 2027-01-05\nowner: Test team\n'
  printf 'reviewed_against: Nothing\nsources:\n  - title: A source\n'
  printf 'sections:\n  - heading: Section\n    body:\n'
}
words() { yes "$1" | head -n "$2" | tr '\n' ' '; }

# A paragraph of 16 389 bytes: one value may have LOAD_MAX_SCALAR (16 384)
{ handout_head long-value; printf '      - text: '; words word 3278; echo; } >"$tmp/long-value.yaml"
check long-value "$tmp/long-value.yaml:14:15: error: value is 16389 bytes long (expected at most 16384)"

# 30 paragraphs of 2 500 words: more than PAGINATE_MAX_PAGES (100) pages
{ handout_head pages; for i in $(seq 30); do printf '      - text: '; words words 2500; echo; done; } >"$tmp/pages.yaml"
check pages "$tmp/pages.yaml:27:9: error: handout 'pages' runs to more than 100 pages in layout 'a4' at this paragraph (expected at most 100 pages: split it into several leaflets)"

# A title of 2 000 words: the running footer would fill the page
{ handout_head footer | sed "s/^title: Test\$/title: $(words Title 2000)/"; printf '      - text: A paragraph.\n'; } >"$tmp/footer.yaml"
check footer "$tmp/footer.yaml:1:1: error: the running footer reaches 2189.4 pt up the page with this title and version, leaving no room for text in layout 'a4' (expected a shorter title or version)"

exit $fail
