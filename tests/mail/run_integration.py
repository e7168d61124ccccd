#!/usr/bin/python3
"""Integration test of the mail modules against a real SMTP server on
127.0.0.1 (tests/mail/smtp_server.py, aiosmtpd), with STARTTLS on a
self-signed certificate made here with the openssl command, AUTH, and
fault injection; the client is tests/mail/mail_driver.c (the same steps
`handout mail` will take: journal, protection, MIME, SMTP).

    run_integration.py --driver PATH/mail_driver --work DIR

Phases (each server is stopped at the end, whatever happens):
  A  50 messages (none/dob/passphrase protection in turn) to a server that
     answers 421 to the first 2 MAILs, 451 to the first 2 RCPTs, drops the
     connection on the DATA after 10 accepted messages, and rejects
     patient017 with 550.  At the server: 49 messages, each recipient once,
     all over TLS and authenticated, every message parsed back (headers,
     structure, CRLF, line limits, generic subject without any name,
     attachment byte-equal to what the driver attached); each protected PDF
     opens with its password (qpdf --check) and not without.  Journal: 49
     accepted, P017 failed with 550.
  B  the same run again: nothing new reaches the server; P017 fails again.
  C  a server that answers 451 nine times: with 3 attempts each, the first
     3 messages are deferred (recorded failed); the re-run sends exactly
     those 3; every one of the 50 arrives exactly once.  The re-run uses
     --rate 600/min.
  D  TLS: without --cacert the self-signed certificate is not trusted
     (fatal, nothing sent); --tls required against a server without
     STARTTLS is fatal; --tls none to that server works.
  E  spool: 5 messages written to DIR/REF.eml, mode 0600, parsed back;
     a re-run writes nothing.
Prints one line per check and "N passed, N failed"; exit status 1 on any
failure.  Only 127.0.0.1 is ever used.
"""
import argparse
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import parse_eml  # noqa: E402

PY = sys.executable  # the interpreter running this script (Debian's)
FROM = "leaflets@demo.example.org"
SUBJECT = "Your information leaflet from Demo Cancer Centre (demo)"
DIAGNOSES = ["melanoma", "lung", "breast", "lymphoma", "kidney", "bladder",
             "leukaemia", "carcinoma", "tumour"]

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


class Server:
    def __init__(self, work, name, *extra):
        self.record = os.path.join(work, name)
        self.port_file = os.path.join(work, name + ".port")
        self.log = open(os.path.join(work, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [PY, os.path.join(HERE, "smtp_server.py"), "--record", self.record,
             "--port-file", self.port_file, "--max-seconds", "500", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        self.port = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            if os.path.exists(self.port_file):
                self.port = int(open(self.port_file).read())
                break
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("SMTP server %s did not start (see %s.log)" % (name, name))

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def received(self):
        path = os.path.join(self.record, "log.jsonl")
        if not os.path.exists(path):
            return []
        return [json.loads(line) for line in open(path, encoding="utf-8")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def driver(args, *extra, timeout=240):
    cmd = [args.driver, "--from", FROM, *extra]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    dt = time.monotonic() - t0
    lines = p.stdout.splitlines()
    summary = lines[-1] if lines else ""
    if p.stderr.strip():
        print("  driver stderr: " + p.stderr.strip().replace("\n", "\n  driver stderr: "))
    print("  driver exit %d in %.1f s: %s" % (p.returncode, dt, summary))
    return p.returncode, lines, summary, dt


def read_journal(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def qpdf_check(pdf, password=None):
    cmd = ["qpdf"] + (["--password=" + password] if password is not None else []) \
        + ["--check", pdf]
    return subprocess.run(cmd, capture_output=True, timeout=60).returncode


def verify_received(server, out, label, want_refs, protected=True):
    """Every message at the server parses back and matches what the driver
    attached; each ref in want_refs arrived exactly once, no other."""
    got = server.received()
    by_rcpt = {}
    for entry in got:
        for r in entry["rcpt_tos"]:
            by_rcpt.setdefault(r, []).append(entry)
    counts = {}
    ok_all = True
    ids = set()
    for entry in got:
        rcpt = entry["rcpt_tos"][0]
        ref = "P" + rcpt.split("@")[0][len("patient"):]
        counts[ref] = counts.get(ref, 0) + 1
        exp = json.load(open(os.path.join(out, "expected", ref + ".json"), encoding="utf-8"))
        ns = argparse.Namespace(
            attachment=os.path.join(out, "expected", ref + ".pdf"), subject=SUBJECT,
            from_addr=FROM, to=exp["to"], to_name=exp["to_name"],
            first_name=exp["first_name"], phone="020 7946 0000",
            forbid=[exp["first_name"], exp["last_name"]] + DIAGNOSES, body_has=[])
        errors, info = parse_eml.check(os.path.join(server.record, entry["file"]), ns)
        ids.add(info.get("message_id"))
        if entry["mail_from"] != FROM or len(entry["rcpt_tos"]) != 1:
            errors.append("envelope %r" % entry)
        if not entry["tls"]:
            errors.append("not received over TLS")
        if protected and exp["protect"] != "none":
            pdf = os.path.join(out, "expected", ref + ".pdf")
            if qpdf_check(pdf, exp["password"]) != 0:
                errors.append("protected PDF does not open with its password")
            if qpdf_check(pdf) == 0:
                errors.append("protected PDF opens without a password")
            if exp["password"] in open(os.path.join(server.record, entry["file"]),
                                       encoding="ascii", errors="replace").read():
                errors.append("the password is in the message")
        for e in errors:
            print("  %s %s: %s" % (label, ref, e))
        ok_all = ok_all and not errors
    check(ok_all, "%s: all %d received messages parse back and match" % (label, len(got)))
    check(len(ids) == len(got), "%s: Message-IDs distinct" % label)
    dup = sorted(r for r, n in counts.items() if n != 1)
    check(not dup, "%s: each recipient exactly once (duplicates: %s)" % (label, dup))
    check(set(counts) == set(want_refs),
          "%s: received %d, want %d (missing %s, extra %s)"
          % (label, len(counts), len(want_refs), sorted(set(want_refs) - set(counts)),
             sorted(set(counts) - set(want_refs))))
    return got


def refs(n, skip=()):
    return ["P%03d" % i for i in range(1, n + 1) if "P%03d" % i not in skip]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o700)

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
    client_tls = ["--cacert", cert, "--credentials", cred]

    servers = []
    try:
        # ---- A: faults -----------------------------------------------------
        print("== A: 50 messages, STARTTLS + AUTH, 421 x2, 451 x2, drop after 10, 550 for one")
        s1 = Server(work, "serverA", *tls_args, "--reject", "patient017@example.test",
                    "--tempfail-421", "2", "--tempfail-451", "2", "--drop-after", "10")
        servers.append(s1)
        outA, journalA = os.path.join(work, "outA"), os.path.join(work, "journalA.jsonl")
        common = ["--smtp", s1.url, *client_tls, "--journal", journalA, "--out", outA,
                  "--count", "50", "--protect-cycle", "--attempts", "6",
                  "--backoff-ms", "50"]
        rc, lines, summary, _ = driver(args, *common)
        check(rc == 1, "A: exit status 1 (one address rejected)")
        check("sent=49 " in summary and "rejected=1 " in summary and "deferred=0" in summary,
              "A: summary " + summary)
        p001 = [l for l in lines if l.startswith("P001 ")]
        check(p001 and "attempts=5" in p001[0] and "accepted" in p001[0],
              "A: P001 accepted on its 5th attempt (421, 421, 451, 451): %s"
              % (p001[0] if p001 else "-"))
        retried = [l for l in lines if "attempts=2" in l and l.startswith("P0")
                   and not l.startswith("P001")]
        check(len(retried) == 1 and "accepted" in retried[0],
              "A: the dropped connection was retried once: %s" % retried)
        p017 = [l for l in lines if l.startswith("P017 ")]
        check(p017 and "rejected code=550 attempts=1" in p017[0],
              "A: P017 rejected with 550, not retried")
        got = verify_received(s1, outA, "A", refs(50, {"P017"}))
        check(all(e.get("auth") == "mailer" for e in got), "A: every message authenticated")
        j = read_journal(journalA)
        acc = {r["ref"] for r in j if r["status"] == "accepted"}
        fail = [r for r in j if r["status"] == "failed"]
        check(len(acc) == 49 and len([r for r in j if r["status"] == "accepted"]) == 49,
              "A: journal has 49 accepted")
        check(len(fail) == 1 and fail[0]["ref"] == "P017" and fail[0]["code"] == 550
              and fail[0]["reply"].startswith("550 5.1.1"),
              "A: journal records P017 failed with the server's 550 reply")
        check(all(len(r["sha256"]) == 64 and r["time"].endswith("Z") for r in j),
              "A: journal records carry sha256 and UTC time")
        check(stat.S_IMODE(os.stat(journalA).st_mode) == 0o600, "A: journal mode 0600")

        # ---- B: re-run -----------------------------------------------------
        print("== B: the same run again")
        rc, lines, summary, _ = driver(args, *common)
        check(rc == 1 and "sent=0 skipped=49 rejected=1" in summary,
              "B: nothing new sent, P017 fails again: " + summary)
        check(len(s1.received()) == 49, "B: the server still has 49 messages")
        j = read_journal(journalA)
        check(len([r for r in j if r["status"] == "failed" and r["ref"] == "P017"]) == 2,
              "B: journal has P017's second failure")

        # ---- C: deferred, then completed by a re-run ------------------------
        print("== C: 451 nine times with 3 attempts each, then a re-run")
        s2 = Server(work, "serverC", *tls_args, "--tempfail-451", "9")
        servers.append(s2)
        outC, journalC = os.path.join(work, "outC"), os.path.join(work, "journalC.jsonl")
        commonC = ["--smtp", s2.url, *client_tls, "--journal", journalC, "--out", outC,
                   "--count", "50", "--attempts", "3", "--backoff-ms", "20"]
        rc, lines, summary, _ = driver(args, *commonC)
        check(rc == 1 and "sent=47 skipped=0 rejected=0 deferred=3" in summary,
              "C: 3 deferred after 3 attempts each: " + summary)
        j = read_journal(journalC)
        check(sorted(r["ref"] for r in j if r["status"] == "failed") == ["P001", "P002", "P003"]
              and all(r["code"] == 451 for r in j if r["status"] == "failed"),
              "C: journal records the 3 deferred as failed with 451")
        rc, lines, summary, dt = driver(args, *commonC, "--rate", "600/min")
        check(rc == 0 and "sent=3 skipped=47" in summary,
              "C: the re-run sends exactly the 3: " + summary)
        check(dt >= 0.2, "C: --rate 600/min spaced the 3 messages (%.2f s)" % dt)
        verify_received(s2, outC, "C", refs(50), protected=False)

        # ---- D: TLS ----------------------------------------------------------
        print("== D: certificate and STARTTLS policy")
        before = len(s2.received())
        rc, lines, summary, _ = driver(
            args, "--smtp", s2.url, "--credentials", cred,
            "--journal", os.path.join(work, "journalD.jsonl"),
            "--out", os.path.join(work, "outD"), "--count", "2")
        check(rc == 3 and "FATAL" in summary and any("fatal" in l for l in lines),
              "D: an untrusted certificate is fatal")
        check(len(s2.received()) == before, "D: nothing sent without a trusted certificate")
        s3 = Server(work, "serverD")
        servers.append(s3)
        rc, lines, summary, _ = driver(
            args, "--smtp", s3.url, "--journal", os.path.join(work, "journalD2.jsonl"),
            "--out", os.path.join(work, "outD2"), "--count", "2")
        check(rc == 3 and "FATAL" in summary,
              "D: --tls required fails when the server offers no STARTTLS")
        check(len(s3.received()) == 0, "D: nothing sent in clear")
        rc, lines, summary, _ = driver(
            args, "--smtp", s3.url, "--tls", "none",
            "--journal", os.path.join(work, "journalD3.jsonl"),
            "--out", os.path.join(work, "outD3"), "--count", "2")
        got = s3.received()
        check(rc == 0 and len(got) == 2 and not any(e["tls"] for e in got),
              "D: --tls none sends in clear to a local relay")

        # ---- E: spool --------------------------------------------------------
        print("== E: spool")
        spool = os.path.join(work, "spool")
        os.makedirs(spool)
        outE, journalE = os.path.join(work, "outE"), os.path.join(work, "journalE.jsonl")
        commonE = ["--spool", spool, "--journal", journalE, "--out", outE, "--count", "5",
                   "--protect-cycle"]
        rc, lines, summary, _ = driver(args, *commonE)
        files = sorted(os.listdir(spool))
        check(rc == 0 and files == ["P%03d.eml" % i for i in range(1, 6)],
              "E: DIR/REF.eml for each: %s" % files)
        ok = True
        for name in files:
            path = os.path.join(spool, name)
            ref = name[:-4]
            exp = json.load(open(os.path.join(outE, "expected", ref + ".json"), encoding="utf-8"))
            ns = argparse.Namespace(
                attachment=os.path.join(outE, "expected", ref + ".pdf"), subject=SUBJECT,
                from_addr=FROM, to=exp["to"], to_name=exp["to_name"],
                first_name=exp["first_name"], phone="020 7946 0000",
                forbid=[exp["first_name"], exp["last_name"]], body_has=[])
            errors, _ = parse_eml.check(path, ns)
            if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
                errors.append("mode is not 0600")
            for e in errors:
                print("  E %s: %s" % (ref, e))
            ok = ok and not errors
        check(ok, "E: spooled messages parse back, mode 0600")
        rc, lines, summary, _ = driver(args, *commonE)
        check(rc == 0 and "sent=0 skipped=5" in summary, "E: re-run writes nothing")
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
