#!/usr/bin/python3
"""Integration test of the real `handout mail` command against a real SMTP
server on 127.0.0.1 (tests/mail/smtp_server.py, aiosmtpd) with STARTTLS on a
self-signed certificate made here (trusted with --cacert) and AUTH from a
credentials file.

    run_cli.py --handout PATH/handout --work DIR

The data folders are a copy of the source tree's (HANDOUT_HOME=DIR/home:
fonts and layouts linked, handouts copied) plus one test handout,
mail-personal, that prints {{patient.first_name}}, {{patient.last_name}} and
{{patient.ref}}, so a leaflet attached to the wrong patient shows.

Patients: 60 rows in three files, one per --protect mode (none.csv,
dob.csv, passphrase.csv: --protect is per run), every handout, seven
layouts, large_print rows, names in several scripts; among them rows
without an email, a bad address that the patients file accepts but RFC 5321
does not, an address the patients file refuses, missing and too-short
passwords, and one address the server rejects with 550.  52 messages are
deliverable.

Oracle: for every row, `handout render HANDOUT --patients CSV --patient REF
-o FILE`.  Unprotected attachments must be byte-equal to it;
protected ones must open with their password (qpdf --check) and not without,
and their text (qpdf --decrypt, pdftotext) must equal the oracle's.

Phases (each server stopped at the end, whatever happens):
  A  the three files, one run each, to a server that answers 421 to the
     first 2 MAILs, 451 to the first 2 RCPTs, drops the connection on the
     DATA after 10 accepted messages, and rejects one address with 550.
     Every message parsed back (parse_eml.py); each deliverable row arrived
     once; the journals (default path: beside each CSV) say accepted for
     them and failed with 550 for the rejected one.
  B  the same three runs again: nothing reaches the server.
  R  --resend REF: exactly one more message, with the same Message-ID.
  C  a server answering 451 nine times, --attempts 3: 3 rows deferred
     (journal: failed, 451), exit 1; a re-run with --rate sends exactly
     those 3, exit 0; a third run sends nothing.
  E  --spool DIR: one 0600 DIR/REF.eml per row with a good address (the 550
     is the server's, not the spool's), byte-equal attachments; the spool
     journal is DIR/spool-journal.jsonl and the SMTP journal is untouched; a
     re-run writes nothing.
  F  --dry-run: nothing sent, no journal created, no name, address,
     handout, date of birth or passphrase on screen; against the journal of
     A it says "already sent"; --show-patient-data shows the bad address.
  G  credentials in the URL are refused (exit 2), the password not echoed;
     an untrusted certificate (no --cacert) is fatal (exit 3), nothing sent;
     a server nobody listens for stops the run after one message (exit 3).
Prints one line per check and "N passed, N failed"; exit status 1 on any
failure.  Only 127.0.0.1 is ever used.
"""
import argparse
import csv
import email
import email.policy
import glob
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import parse_eml  # noqa: E402
from run_integration import Server  # noqa: E402

FROM = "leaflets@demo.example.org"
CLINIC = "Demo Cancer Centre (demo)"
SUBJECT = "Your information leaflet from " + CLINIC
PHONE = "020 7946 0000"
RUN_TIMEOUT = 400  # seconds, one `handout mail` run

FIRST = ["Zoë", "Seán", "D'Arcy", "José María", "Дмитрий", "Ζωή", "Chloé-Anne",
         "Mary Jane", "Øystein", "Ngozi", "Siobhán", "Aleksandra", "Bartholomew"]
LAST = ["García", "O'Brien", "Łukasiewicz", "Smith, Jr.", "Иванова", "van der Berg",
        "Müller-Lüdenscheidt", "Okonkwo", "Ó Súilleabháin", "Παπαδοπούλου",
        "Fitzgerald"]
LAYOUTS = ["a4", "letter", "a4-justified", "large-print", "a5-booklet", "trifold-a4",
           "wallet-card"]
COLUMNS = ["ref", "first_name", "last_name", "handout", "layout", "treatment",
           "email", "date_of_birth", "large_print", "passphrase"]

PERSONAL = """\
id: mail-personal
language: en-GB
title: Test leaflet for one patient
version: "1.0"
published: 2026-01-05
review_by: 2027-01-05
owner: Test team
reviewed_against: Nothing in particular
summary: "Call us on [[0800 123 4567]]."
sources:
  - title: A source
sections:
  - heading: For you
    body:
      - text: "This leaflet is for {{patient.first_name}} {{patient.last_name}}, reference {{patient.ref}}."
      - text: "Ipilimumab is more likely to cause diarrhoea."
        when: "patient.treatment contains ipilimumab"
      - text: "Your treatment is {{patient.treatment}}."
card:
  front:
    title: I am having immunotherapy
    lines:
      - "Name: {{patient.first_name}} {{patient.last_name}}"
  back:
    title: Call us at once if you have
    lines:
      - a high temperature
"""

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok   %s" % what)
    else:
        failed += 1
        print("FAIL %s" % what)
    sys.stdout.flush()
    return cond


def title_words(path):
    for line in open(path, encoding="utf-8"):
        if line.startswith("title:"):
            return re.findall(r"[A-Za-z][A-Za-z-]+", line[len("title:"):])
    return []


class Env:
    def __init__(self, args, work):
        self.bin = os.path.abspath(args.handout)
        self.work = work
        self.home = os.path.join(work, "home")
        os.makedirs(self.home)
        for d in ("fonts", "layouts"):
            os.symlink(os.path.join(SRC, d), os.path.join(self.home, d))
        shutil.copytree(os.path.join(SRC, "handouts"), os.path.join(self.home, "handouts"),
                        symlinks=False)
        with open(os.path.join(self.home, "handouts", "mail-personal.yaml"), "w",
                  encoding="utf-8") as f:
            f.write(PERSONAL)
        self.env = dict(os.environ, HANDOUT_HOME=self.home)
        for k in ("HANDOUT_SMTP_USER", "HANDOUT_SMTP_PASSWORD"):
            self.env.pop(k, None)
        self.handouts = sorted(os.path.basename(p)[:-5] for p in
                               glob.glob(os.path.join(self.home, "handouts", "*.yaml")))

    def run(self, *argv, timeout=RUN_TIMEOUT):
        t0 = time.monotonic()
        p = subprocess.run([self.bin, *argv], capture_output=True, text=True,
                           timeout=timeout, env=self.env, cwd=self.work)
        dt = time.monotonic() - t0
        out = p.stdout.splitlines()
        summary = out[-1] if out else ""
        print("  handout %s: exit %d in %.1f s: %s"
              % (" ".join(a for a in argv[:1]), p.returncode, dt, summary))
        for line in p.stderr.splitlines():
            print("  stderr: " + line)
        return p, summary, dt

    def mail(self, csv_path, *extra, timeout=RUN_TIMEOUT):
        return self.run("mail", "--patients", csv_path, "--from", FROM, *extra,
                        timeout=timeout)


def make_rows():
    """60 rows: M001-M020 none.csv, M021-M040 dob.csv, M041-M060
    passphrase.csv.  Returns {group: [row dict]}."""
    groups = {"none": [], "dob": [], "passphrase": []}
    handouts = sorted(os.path.basename(p)[:-5]
                      for p in glob.glob(os.path.join(SRC, "handouts", "*.yaml")))
    for i in range(1, 61):
        ref = "M%03d" % i
        group = "none" if i <= 20 else "dob" if i <= 40 else "passphrase"
        row = {
            "ref": ref,
            "first_name": FIRST[i % len(FIRST)],
            "last_name": LAST[i % len(LAST)],
            "handout": "mail-personal" if i % 3 == 0 else handouts[i % len(handouts)],
            "layout": LAYOUTS[i % len(LAYOUTS)],
            "treatment": ["pembrolizumab", "nivolumab + ipilimumab", ""][i % 3],
            "email": "patient%03d@example.test" % i,
            "date_of_birth": "%04d-%02d-%02d" % (1940 + i % 50, 1 + i % 12, 1 + i % 28),
            "large_print": "yes" if i % 11 == 0 else "no",
            "passphrase": "leaflet-pass-%03d" % i,
        }
        groups[group].append(row)
    by_ref = {r["ref"]: r for g in groups.values() for r in g}
    by_ref["M005"]["email"] = ""                  # no email
    by_ref["M025"]["email"] = ""                  # no email
    by_ref["M007"]["email"] = "patient007@exa_mple.org"  # patients ok, RFC 5321 not
    by_ref["M009"]["email"] = "not-an-address"    # the patients file refuses it
    by_ref["M033"]["date_of_birth"] = ""          # --protect dob needs it
    by_ref["M047"]["passphrase"] = "Qz7!x"        # under 8 characters
    by_ref["M050"]["passphrase"] = ""             # --protect passphrase needs it
    return groups


REJECTED = "M012"
BAD = {"none": {"M007", "M009"}, "dob": {"M033"}, "passphrase": {"M047", "M050"}}
NO_EMAIL = {"none": {"M005"}, "dob": {"M025"}, "passphrase": set()}


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\r\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def password_of(row, mode):
    if mode == "dob":
        y, m, d = row["date_of_birth"].split("-")
        return d + m + y
    if mode == "passphrase":
        return row["passphrase"]
    return None


def deliverable(group, rows):
    return [r["ref"] for r in rows
            if r["ref"] not in BAD[group] and r["ref"] not in NO_EMAIL[group]
            and r["ref"] != REJECTED]


def ref_of_rcpt(addr):
    return "M" + addr.split("@")[0][len("patient"):]


def pdftotext(path):
    p = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True,
                       timeout=60)
    return p.stdout if p.returncode == 0 else None


def qpdf_check(pdf, password=None):
    cmd = ["qpdf"] + (["--password=" + password] if password is not None else []) \
        + ["--check", pdf]
    return subprocess.run(cmd, capture_output=True, timeout=60).returncode


def oracle_renders(env, groups, csvs):
    """Render each row with `handout render HANDOUT --patients CSV --patient
    REF -o FILE` (the layout is the row's).  It exits 1 when other rows of
    the file are bad, and still writes this row's PDF."""
    out = os.path.join(env.work, "oracle")
    os.makedirs(out)
    ok = True
    for group, rows in groups.items():
        for r in rows:
            if r["ref"] == "M009":  # refused by the patients file: no render
                continue
            path = os.path.join(out, r["ref"] + ".pdf")
            p = subprocess.run(
                [env.bin, "render", os.path.join(env.home, "handouts", r["handout"] + ".yaml"),
                 "--patients", csvs[group], "--patient", r["ref"], "-o", path],
                capture_output=True, text=True, timeout=120, env=env.env, cwd=env.work)
            if p.returncode not in (0, 1) or not os.path.exists(path):
                print("  oracle %s: exit %d: %s" % (r["ref"], p.returncode,
                                                    p.stderr.strip()[:300]))
                ok = False
    check(ok, "oracle: `handout render --patients CSV --patient REF` for every row")
    return out


def check_message(path, row, mode, oracle, diag_words, tmp):
    """parse_eml's checks plus the attachment against the oracle.  Returns
    (errors, info)."""
    ns = argparse.Namespace(
        attachment=None if mode != "none" else os.path.join(oracle, row["ref"] + ".pdf"),
        subject=SUBJECT, from_addr=FROM, to=row["email"],
        to_name="%s %s" % (row["first_name"], row["last_name"]),
        first_name=row["first_name"], phone=PHONE,
        forbid=[row["first_name"], row["last_name"], row["ref"]] + diag_words,
        body_has=[])
    errors, info = parse_eml.check(path, ns)
    subject = info.get("subject", "")
    for w in diag_words + [row["first_name"], row["last_name"]]:
        if re.search(r"\b%s\b" % re.escape(w), subject, re.I):
            errors.append("subject holds %r" % w)
    if mode != "none":
        msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
        atts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
        if len(atts) != 1:
            errors.append("%d PDF attachments" % len(atts))
            return errors, info
        pdf = os.path.join(tmp, row["ref"] + ".protected.pdf")
        with open(pdf, "wb") as f:
            f.write(atts[0].get_payload(decode=True))
        pw = password_of(row, mode)
        if qpdf_check(pdf, pw) != 0:
            errors.append("protected PDF does not open with its password")
        if qpdf_check(pdf) == 0:
            errors.append("protected PDF opens without a password")
        plain = os.path.join(tmp, row["ref"] + ".decrypted.pdf")
        subprocess.run(["qpdf", "--password=" + pw, "--decrypt", pdf, plain],
                       capture_output=True, timeout=60)
        want = pdftotext(os.path.join(oracle, row["ref"] + ".pdf"))
        got = pdftotext(plain) if os.path.exists(plain) else None
        if want is None or got != want:
            errors.append("decrypted text differs from the unprotected render's")
        if pw.encode() in open(path, "rb").read():
            errors.append("the password is in the message")
    return errors, info


def read_journal(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def no_patient_data(text, rows):
    """The values of rows that appear in text (case-sensitive)."""
    leaks = []
    for r in rows:
        for k in ("first_name", "last_name", "email", "date_of_birth", "passphrase"):
            v = r[k]
            if v and len(v) >= 4 and v in text:
                leaks.append("%s %s" % (r["ref"], k))
        if r["handout"] in text:
            leaks.append("%s handout" % r["ref"])
    return leaks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--handout", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o700)
    env = Env(args, work)
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp)

    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    cred = os.path.join(work, "smtp-credentials")
    with open(cred, "w") as f:
        f.write("mailer:s3cret:with-colon\n")
    os.chmod(cred, 0o600)
    tls_args = ["--cert", cert, "--key", key, "--auth", "mailer:s3cret:with-colon"]
    client = ["--cacert", cert, "--credentials", cred, "--attempts", "6",
              "--backoff-ms", "50"]

    groups = make_rows()
    all_rows = [r for g in groups.values() for r in g]
    row_of = {r["ref"]: r for r in all_rows}
    mode_of = {r["ref"]: g for g, rows in groups.items() for r in rows}
    csvs = {}
    for g, rows in groups.items():
        csvs[g] = os.path.join(work, g + ".csv")
        write_csv(csvs[g], rows)
    journals = {g: os.path.join(work, g + ".mail-journal.jsonl") for g in groups}
    diag_words = set()
    for h in env.handouts:
        diag_words.update(title_words(os.path.join(env.home, "handouts", h + ".yaml")))
    generic = set(re.findall(r"[A-Za-z]+", SUBJECT.lower()))
    diag_words = sorted(w for w in diag_words if len(w) >= 4 and w.lower() not in generic)
    want = {g: deliverable(g, rows) for g, rows in groups.items()}
    check(sum(len(v) for v in want.values()) >= 50,
          "at least 50 deliverable messages (%d)" % sum(len(v) for v in want.values()))

    oracle = oracle_renders(env, groups, csvs)

    servers = []
    try:
        # ---- A: three runs, one per protection, through faults ----------------
        print("== A: 60 rows in 3 runs (none, dob, passphrase), STARTTLS + AUTH, "
              "421 x2, 451 x2, drop after 10, 550 for %s" % REJECTED)
        sA = Server(work, "serverA", *tls_args, "--tempfail-421", "2", "--tempfail-451", "2",
                    "--drop-after", "10",
                    "--reject", row_of[REJECTED]["email"])
        servers.append(sA)
        outputs = {}
        for g in groups:
            p, summary, _ = env.mail(csvs[g], "--smtp", sA.url, "--protect", g, *client)
            outputs[g] = p
            nbad = len(BAD[g])
            rej = 1 if g == "none" else 0
            check(p.returncode == 1, "A %s: exit 1 (bad rows%s)" % (g, ", 550" if rej else ""))
            check(("sent %d, already sent 0, no email %d, bad rows %d, failed %d (rejected %d,"
                   % (len(want[g]), len(NO_EMAIL[g]), nbad, rej, rej)) in summary,
                  "A %s: summary %s" % (g, summary))
            check(os.path.exists(journals[g]),
                  "A %s: default journal beside the CSV (%s)" % (g, os.path.basename(journals[g])))
        pn = outputs["none"]
        check(re.search(r"^M012 rejected \(550\)$", pn.stdout, re.M) is not None,
              "A: M012 rejected with 550, not retried")
        check(re.search(r"^M001 sent after 5 attempts$", pn.stdout, re.M) is not None,
              "A: M001 sent on its 5th attempt (421, 421, 451, 451)")
        retried = re.findall(r"^M\d+ sent after 2 attempts$", pn.stdout, re.M)
        check(len(retried) == 1, "A: the connection dropped after DATA was retried once: %s"
              % retried)
        bad_lines = [l for l in pn.stderr.splitlines() if ": error: " in l]
        check(any(re.match(r".*none\.csv:8:\d+: error: bad email <redacted> for sending", l)
                  for l in bad_lines),
              "A: the RFC 5321 bad address reported at its CSV line:col, redacted")
        check(any(re.match(r".*none\.csv:10:\d+: error: bad email <redacted>", l)
                  for l in bad_lines),
              "A: the address the patients file refuses reported at its line:col")
        check(any("dob.csv:14:" in l and "date_of_birth" in l
                  for l in outputs["dob"].stderr.splitlines()),
              "A: missing date_of_birth reported at its line (dob.csv:14)")
        pe = outputs["passphrase"].stderr
        check("passphrase.csv:8:" in pe and "passphrase.csv:11:" in pe,
              "A: short and missing passphrases reported at their lines")
        all_out = "".join(o.stdout + o.stderr for o in outputs.values())
        leaks = no_patient_data(all_out, all_rows)
        check(not leaks, "A: no patient data on screen (%s)" % leaks[:5])

        got = sA.received()
        counts = {}
        errors_all = []
        ids = {}
        for e in got:
            ref = ref_of_rcpt(e["rcpt_tos"][0])
            counts[ref] = counts.get(ref, 0) + 1
            errs, info = check_message(os.path.join(sA.record, e["file"]), row_of[ref],
                                       mode_of[ref], oracle, diag_words, tmp)
            ids[ref] = info.get("message_id")
            if e["mail_from"] != FROM or len(e["rcpt_tos"]) != 1:
                errs.append("envelope %r" % e)
            if not e["tls"]:
                errs.append("not received over TLS")
            if e.get("auth") != "mailer":
                errs.append("not authenticated")
            errors_all += ["%s: %s" % (ref, x) for x in errs]
        for x in errors_all[:40]:
            print("  A " + x)
        check(not errors_all, "A: all %d messages parse back; attachments match the "
                              "render (byte-equal, or decrypted text); passwords work; "
                              "subjects generic" % len(got))
        want_all = sorted(r for v in want.values() for r in v)
        dup = sorted(r for r, n in counts.items() if n != 1)
        check(not dup, "A: each message accepted exactly once (duplicates: %s)" % dup)
        check(sorted(counts) == want_all,
              "A: received %d, want %d (missing %s, extra %s)"
              % (len(counts), len(want_all), sorted(set(want_all) - set(counts)),
                 sorted(set(counts) - set(want_all))))
        check(len(set(ids.values())) == len(ids), "A: Message-IDs distinct")
        jn = read_journal(journals["none"])
        fails = [r for r in jn if r["status"] == "failed"]
        check(len(fails) == 1 and fails[0]["ref"] == REJECTED and fails[0]["code"] == 550
              and fails[0]["reply"].startswith("550 5.1.1"),
              "A: journal records %s failed with the server's 550" % REJECTED)
        acc = {g: sorted(r["ref"] for r in read_journal(journals[g])
                         if r["status"] == "accepted") for g in groups}
        check(all(acc[g] == sorted(want[g]) for g in groups),
              "A: journals record exactly the accepted messages")
        check(all(stat.S_IMODE(os.stat(journals[g]).st_mode) == 0o600 for g in groups),
              "A: journals are mode 0600")

        # ---- B: re-runs ------------------------------------------------------
        print("== B: the same three runs again")
        before = len(sA.received())
        for g in groups:
            p, summary, _ = env.mail(csvs[g], "--smtp", sA.url, "--protect", g, *client)
            rej = 1 if g == "none" else 0
            check(p.returncode == 1 and ("sent 0, already sent %d," % len(want[g])) in summary
                  and ("failed %d" % rej) in summary,
                  "B %s: nothing new sent: %s" % (g, summary))
        check(len(sA.received()) == before, "B: the server still has %d messages" % before)
        check(len([r for r in read_journal(journals["none"])
                   if r["status"] == "failed" and r["ref"] == REJECTED]) == 2,
              "B: journal has %s's second failure" % REJECTED)

        # ---- R: --resend -----------------------------------------------------
        print("== R: --resend M021")
        p, summary, _ = env.mail(csvs["dob"], "--smtp", sA.url, "--protect", "dob",
                                 "--resend", "m021", *client)
        got = sA.received()
        new = got[before:]
        check(p.returncode == 1 and "sent 1, already sent %d," % (len(want["dob"]) - 1)
              in summary, "R: exactly one sent: " + summary)
        check(len(new) == 1 and ref_of_rcpt(new[0]["rcpt_tos"][0]) == "M021",
              "R: the server got exactly one more message, for M021")
        if len(new) == 1:
            errs, info = check_message(os.path.join(sA.record, new[0]["file"]),
                                       row_of["M021"], "dob", oracle, diag_words, tmp)
            check(not errs, "R: the resent message parses back, its PDF opens (%s)" % errs)
            check(info.get("message_id") == ids.get("M021"),
                  "R: the resent message has the first one's Message-ID")
        p, _, _ = env.mail(csvs["dob"], "--smtp", sA.url, "--protect", "dob",
                           "--resend", "NOPE", *client)
        check(p.returncode == 2 and len(sA.received()) == len(got),
              "R: --resend of an unknown ref is a usage error, nothing sent")

        # ---- C: deferred, then completed --------------------------------------
        print("== C: 451 nine times, --attempts 3, then re-runs")
        sC = Server(work, "serverC", *tls_args, "--tempfail-451", "9")
        servers.append(sC)
        clean = [dict(row_of[r], ref="C" + r[1:]) for r in want["none"][:12]]
        for r in clean:
            r["email"] = "patient%s@example.test" % r["ref"][1:]
        clean_csv = os.path.join(work, "clean.csv")
        write_csv(clean_csv, clean)
        jC = os.path.join(work, "clean.journal")
        cC = ["--smtp", sC.url, "--cacert", cert, "--credentials", cred,
              "--journal", jC, "--attempts", "3", "--backoff-ms", "20"]
        p, summary, _ = env.mail(clean_csv, *cC)
        check(p.returncode == 1 and "sent 9, already sent 0, no email 0, bad rows 0, "
              "failed 3 (rejected 0, deferred 3)" in summary,
              "C: 3 deferred after 3 attempts each: " + summary)
        check(len(re.findall(r"^C\d+ deferred \(451\) after 3 attempts$", p.stdout, re.M)) == 3,
              "C: each deferred row says 451 after 3 attempts")
        jrec = read_journal(jC)
        failedC = sorted(r["ref"] for r in jrec if r["status"] == "failed")
        check(failedC == [r["ref"] for r in clean[:3]]
              and all(r["code"] == 451 for r in jrec if r["status"] == "failed"),
              "C: journal records the 3 deferred as failed with 451")
        p, summary, dt = env.mail(clean_csv, *cC, "--rate", "600/min")
        check(p.returncode == 0 and "sent 3, already sent 9," in summary,
              "C: the re-run sends exactly the 3, exit 0: " + summary)
        check(dt >= 0.2, "C: --rate 600/min spaced the 3 messages (%.2f s)" % dt)
        p, summary, _ = env.mail(clean_csv, *cC)
        check(p.returncode == 0 and "sent 0, already sent 12," in summary,
              "C: a re-run after success sends nothing: " + summary)
        gotC = sC.received()
        rc = sorted(ref_of_rcpt(e["rcpt_tos"][0]) for e in gotC)
        check(rc == sorted("M" + r["ref"][1:] for r in clean),
              "C: each of the 12 accepted exactly once at the server")

        # ---- E: spool ------------------------------------------------------------
        print("== E: --spool")
        spool = os.path.join(work, "spool")
        jn_before = open(journals["none"], "rb").read()
        p, summary, _ = env.mail(csvs["none"], "--spool", spool)
        spooled = want["none"] + [REJECTED]
        files = sorted(os.listdir(spool))
        check(p.returncode == 1 and "spooled %d, already sent 0, no email 1, bad rows 2"
              % len(spooled) in summary, "E: " + summary)
        check(files == sorted([r + ".eml" for r in spooled] + ["spool-journal.jsonl"]),
              "E: one DIR/REF.eml per row with a good address, and the spool journal")
        ok = True
        for ref in spooled:
            path = os.path.join(spool, ref + ".eml")
            errs, _ = check_message(path, row_of[ref], "none", oracle, diag_words, tmp)
            if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
                errs.append("mode is not 0600")
            for x in errs:
                print("  E %s: %s" % (ref, x))
            ok = ok and not errs
        check(ok, "E: spooled messages are mode 0600, parse back, attachments byte-equal")
        check(open(journals["none"], "rb").read() == jn_before,
              "E: the SMTP run's journal is untouched by a spool run")
        mtimes = {f: os.stat(os.path.join(spool, f)).st_mtime_ns for f in files
                  if f.endswith(".eml")}
        p, summary, _ = env.mail(csvs["none"], "--spool", spool)
        check("spooled 0, already sent %d," % len(spooled) in summary
              and all(os.stat(os.path.join(spool, f)).st_mtime_ns == t
                      for f, t in mtimes.items()),
              "E: a re-run writes nothing: " + summary)

        # ---- F: dry run ------------------------------------------------------
        print("== F: --dry-run")
        before = len(sA.received())
        fresh = os.path.join(work, "fresh.journal")
        screen = ""
        p, summary, _ = env.mail(csvs["dob"], "--smtp", sA.url, "--protect", "dob",
                                 "--journal", fresh, "--dry-run", *client)
        screen += p.stdout + p.stderr
        lines = [l for l in p.stdout.splitlines() if l.startswith("M")]
        check(p.returncode == 1 and "would send %d, already sent 0" % len(want["dob"]) in summary,
              "F: dry run lists %d to send: %s" % (len(want["dob"]), summary))
        check(len(lines) == len(want["dob"])
              and all(re.fullmatch(r"M\d{3} layout=[a-z0-9-]+ protect=dob would send", l)
                      for l in lines),
              "F: one line per message: ref, layout, protection, would send")
        check(not os.path.exists(fresh), "F: no journal created by a dry run")
        p, summary, _ = env.mail(csvs["dob"], "--smtp", sA.url, "--protect", "dob",
                                 "--dry-run", *client)
        screen += p.stdout + p.stderr
        check("would send 0, already sent %d" % len(want["dob"]) in summary
              and len(re.findall(r"^M\d{3} layout=\S+ protect=dob already sent$", p.stdout,
                                 re.M)) == len(want["dob"]),
              "F: against the journal of A every row is already sent: " + summary)
        p, summary, _ = env.mail(csvs["none"], "--spool", os.path.join(work, "nospool"),
                                 "--dry-run")
        screen += p.stdout + p.stderr
        check(not os.path.exists(os.path.join(work, "nospool")),
              "F: a dry spool run creates no folder")
        check(len(sA.received()) == before, "F: nothing sent by the dry runs")
        leaks = no_patient_data(screen, all_rows)
        check(not leaks, "F: no names, addresses, handouts, dates of birth or passphrases "
                         "on screen (%s)" % leaks[:5])
        p, _, _ = env.mail(csvs["none"], "--spool", spool, "--dry-run",
                           "--show-patient-data")
        check("exa_mple.org" in p.stderr, "F: --show-patient-data shows the bad address")

        # ---- G: credentials in the URL, untrusted certificate ------------------
        print("== G: refusals")
        before = len(sA.received())
        url = sA.url.replace("smtp://", "smtp://mailer:s3cret@")
        fresh = os.path.join(work, "g.journal")
        p, _, _ = env.mail(csvs["none"], "--smtp", url, "--cacert", cert,
                           "--journal", fresh)
        check(p.returncode == 2 and "user information" in p.stderr
              and "s3cret" not in p.stderr + p.stdout,
              "G: credentials in the URL refused, exit 2, password not echoed")
        p, summary, _ = env.mail(csvs["none"], "--smtp", sA.url, "--credentials", cred,
                                 "--journal", fresh)
        check(p.returncode == 3 and "STOPPED" in summary,
              "G: an untrusted certificate is fatal (exit 3): " + summary)
        check(len(sA.received()) == before and read_journal(fresh) == [],
              "G: nothing sent, nothing recorded")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        p, summary, _ = env.mail(csvs["none"], "--smtp", "smtp://127.0.0.1:%d" % closed_port,
                                 "--cacert", cert, "--journal", fresh, "--attempts", "2",
                                 "--backoff-ms", "10")
        jr = read_journal(fresh)
        check(p.returncode == 3 and "STOPPED" in summary and "could not be reached" in p.stderr
              and len(jr) == 1 and jr[0]["status"] == "failed",
              "G: a server that cannot be reached stops the run after one message "
              "(exit 3, recorded failed): " + summary)
    finally:
        for s in servers:
            s.stop()
        check(all(s.proc.poll() is not None for s in servers), "servers stopped")

    print("%d passed, %d failed" % (passed, failed))
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
