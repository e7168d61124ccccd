#!/bin/sh
# run_mail.sh HANDOUT_BIN
# The `handout mail` paths that need no server (label memcheck: HANDOUT_BIN
# is the valgrind wrapper): --spool with --protect none (two messages, one
# row without an email; each .eml mode 0600, parsed back by
# tests/mail/parse_eml.py, its attachment byte-equal to `render --patients
# --patient`), the same run again (the journal: nothing written), --spool
# with --protect passphrase (AES-256), and --dry-run (nothing written, no
# name on screen).
set -u
bin=$1
py=/usr/bin/python3
root=$(pwd)
HANDOUT_HOME=$root
export HANDOUT_HOME
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
from=leaflets@demo.example.org
printf '%s\n' 'ref,first_name,last_name,handout,layout,treatment,email,date_of_birth,passphrase' \
  "M1,Zoë,O'Brien,melanoma,a4,nivolumab,zoe@example.org,1950-02-03,correct horse battery" \
  'M2,Дмитрий,Иванова,lung-nsclc,wallet-card,pembrolizumab,dmitri@example.org,1961-12-31,staple of the batteries' \
  'M3,Seán,García,melanoma,trifold-a4,,,1970-01-01,' >"$tmp/p.csv"

"$bin" mail --patients "$tmp/p.csv" --from $from --spool "$tmp/s" >"$tmp/1.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'spooled 2, already sent 0, no email 1, bad rows 0, failed 0' "$tmp/1.out" ||
  { bad "spool: exit $rc"; cat "$tmp/1.out"; }
[ "$(ls "$tmp/s" | tr '\n' ' ')" = "M1.eml M2.eml spool-journal.jsonl " ] || bad "spool: $(ls "$tmp/s")"
[ "$(stat -c %a "$tmp/s"/*.eml | sort -u)" = 600 ] || bad "spool: modes"
"$bin" render handouts/melanoma.yaml --patients "$tmp/p.csv" --patient M1 -o "$tmp/M1.pdf" ||
  bad "render --patient M1"
$py tests/mail/parse_eml.py "$tmp/s/M1.eml" --attachment "$tmp/M1.pdf" --from $from \
  --to zoe@example.org --first-name Zoë --forbid "O'Brien" --forbid melanoma >/dev/null ||
  bad "M1.eml"
$py tests/mail/parse_eml.py "$tmp/s/M2.eml" --to dmitri@example.org --first-name Дмитрий \
  --forbid Иванова >/dev/null || bad "M2.eml"

"$bin" mail --patients "$tmp/p.csv" --from $from --spool "$tmp/s" >"$tmp/2.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'spooled 0, already sent 2,' "$tmp/2.out" ||
  { bad "spool again: exit $rc"; cat "$tmp/2.out"; }

"$bin" mail --patients "$tmp/p.csv" --from $from --spool "$tmp/p" --protect passphrase \
  >"$tmp/3.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'spooled 2, already sent 0, no email 1, bad rows 0, failed 0' "$tmp/3.out" ||
  { bad "spool --protect passphrase: exit $rc"; cat "$tmp/3.out"; }
$py tests/mail/parse_eml.py "$tmp/p/M1.eml" --to zoe@example.org --first-name Zoë >/dev/null ||
  bad "protected M1.eml"

"$bin" mail --patients "$tmp/p.csv" --from $from --spool "$tmp/d" --protect dob --dry-run \
  >"$tmp/4.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'nothing sent.*would send 2, already sent 0, no email 1, bad rows 0' "$tmp/4.out" ||
  { bad "dry run: exit $rc"; cat "$tmp/4.out"; }
[ ! -e "$tmp/d" ] || bad "dry run: wrote $tmp/d"
for name in Zoë "O'Brien" Дмитрий Иванова Seán García zoe@example.org 1950; do
  grep -qF "$name" "$tmp/1.out" "$tmp/2.out" "$tmp/3.out" "$tmp/4.out" && bad "'$name' on screen"
done
[ $fail -eq 0 ] && echo "ok: mail --spool, --protect passphrase, --dry-run"
exit $fail
