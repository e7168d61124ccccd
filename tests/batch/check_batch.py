#!/usr/bin/env python3
"""Checks on the output of `handout batch --patients` (tests/batch/).

    check_batch.py patients CSV OUTDIR [MANIFEST]
        OUTDIR holds exactly REF.pdf for every row of CSV (all valid) and
        the manifest (default manifest.jsonl); every file mode 0600; the
        manifest has one line per row, in file order, with ref, layout
        (large-print when the row asks), path REF.pdf, pages, bytes and a
        sha256 equal to the file's, an input key, status ok, and no
        handout; each PDF's
        text (pdftotext) holds its own patient's full name and treatment
        and no other patient's full name.
    check_batch.py same DIR1 DIR2
        the same file names, byte for byte the same files.
    check_batch.py shards FULL K1 K2 ... (folders of shards 1..N of N)
        the shards' PDFs are disjoint and together exactly FULL's, byte for
        byte; manifest-K-of-N.jsonl lines together are FULL's manifest lines.
    check_batch.py no-names CSV FILE...
        no first or last name of CSV appears in any FILE (stderr captures).
    check_batch.py manifest-count OUTDIR N [MANIFEST]
        the manifest has N lines whose files exist with their sha256.
    check_batch.py journal OUTDIR
        after an interruption: OUTDIR/manifest.jsonl.partial has one ok
        line for each PDF in OUTDIR and no other, each with the file's
        sha256, and no line cut short.

Exit status 0 when every check holds; each failure is printed.
"""
import csv
import hashlib
import json
import os
import re
import stat
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def pdf_text(path):
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"],
                         capture_output=True, check=False)
    if out.returncode != 0:
        fail(f"pdftotext failed on {path}")
    return " ".join(out.stdout.decode("utf-8", "replace").split())


def full_name(row):
    return " ".join(f"{row['first_name'].strip()} {row['last_name'].strip()}".split())


def manifest_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def check_patients(csv_path, outdir, manifest="manifest.jsonl"):
    rows = read_rows(csv_path)
    refs = [r["ref"] for r in rows]
    want = {f"{ref}.pdf" for ref in refs} | {manifest}
    have = set(os.listdir(outdir))
    if have != want:
        fail(f"{outdir}: files {sorted(have ^ want)[:5]} unexpected or missing")
    for name in sorted(have):
        if not re.fullmatch(r"[A-Za-z0-9._-]+\.pdf|manifest[-0-9of]*\.jsonl", name):
            fail(f"{outdir}/{name}: a file name that is not REF.pdf")
        m = mode(os.path.join(outdir, name))
        if m != 0o600:
            fail(f"{outdir}/{name}: mode {m:o} (expected 600)")
    lines = manifest_lines(os.path.join(outdir, manifest))
    if len(lines) != len(rows):
        fail(f"manifest has {len(lines)} lines (expected {len(rows)})")
    names = {r["ref"]: full_name(r) for r in rows}
    for row, line in zip(rows, lines):
        ref = row["ref"]
        layout = "large-print" if row.get("large_print", "").strip().lower() == "yes" \
            else row["layout"]
        expect_keys = ["ref", "layout", "path", "pages", "bytes", "sha256", "input",
                       "status"]
        if list(line) != expect_keys:
            fail(f"manifest line for {ref}: keys {list(line)} (expected {expect_keys})")
        if line.get("ref") != ref or line.get("path") != f"{ref}.pdf":
            fail(f"manifest line {line} is not for {ref} at {ref}.pdf (file order)")
            continue
        if not re.fullmatch(r"[0-9a-f]{64}", str(line.get("input"))):
            fail(f"manifest line for {ref}: input {line.get('input')} is not a sha256")
        if line.get("layout") != layout or line.get("status") != "ok":
            fail(f"manifest line for {ref}: layout {line.get('layout')} status "
                 f"{line.get('status')} (expected {layout}, ok)")
        pdf = os.path.join(outdir, f"{ref}.pdf")
        if not os.path.exists(pdf):
            continue
        if line.get("sha256") != sha256(pdf):
            fail(f"manifest sha256 of {ref} differs from the file's")
        if line.get("bytes") != os.path.getsize(pdf):
            fail(f"manifest bytes of {ref} differ from the file's")
        text = pdf_text(pdf)
        own = names[ref]
        if f"Prepared for {own}" not in text:
            fail(f"{ref}.pdf does not show 'Prepared for {own}'")
        treatment = " ".join(row["treatment"].split())
        if treatment and f"Your treatment: {treatment}" not in text:
            fail(f"{ref}.pdf does not show its treatment '{treatment}'")
        others = [n for r, n in names.items() if r != ref and n != own]
        shown = [n for n in others if n in text]
        if shown:
            fail(f"{ref}.pdf shows other patients' names: {shown[:3]}")
    print(f"checked {len(lines)} leaflets in {outdir}")


def check_same(a, b):
    la, lb = sorted(os.listdir(a)), sorted(os.listdir(b))
    if la != lb:
        fail(f"{a} and {b} hold different files")
    n = 0
    for name in set(la) & set(lb):
        with open(os.path.join(a, name), "rb") as fa, open(os.path.join(b, name), "rb") as fb:
            if fa.read() != fb.read():
                fail(f"{name} differs between {a} and {b}")
        n += 1
    print(f"{n} files byte-identical")


def check_shards(full, shards):
    n = len(shards)
    full_pdfs = {f for f in os.listdir(full) if f.endswith(".pdf")}
    seen = {}
    lines = []
    for k, d in enumerate(shards, 1):
        names = set(os.listdir(d))
        man = f"manifest-{k}-of-{n}.jsonl"
        if man not in names:
            fail(f"{d}: no {man}")
        else:
            lines += open(os.path.join(d, man), encoding="utf-8").read().splitlines()
        for f in names - {man}:
            if f in seen:
                fail(f"{f} is in shard {seen[f]} and shard {k}")
            seen[f] = k
            with open(os.path.join(d, f), "rb") as a, open(os.path.join(full, f), "rb") as b:
                if a.read() != b.read():
                    fail(f"{f} of shard {k} differs from the unsharded run's")
    if set(seen) != full_pdfs:
        fail(f"the shards' files are not the unsharded set: "
             f"{sorted(set(seen) ^ full_pdfs)[:5]}")
    full_lines = open(os.path.join(full, "manifest.jsonl"), encoding="utf-8").read().splitlines()
    if sorted(lines) != sorted(full_lines):
        fail("the shards' manifests together are not the unsharded manifest")
    sizes = [sum(1 for f in seen.values() if f == k) for k in range(1, n + 1)]
    print(f"{n} shards of {sizes} files: disjoint, together the unsharded set")


def check_no_names(csv_path, files):
    rows = read_rows(csv_path)
    words = set()
    for r in rows:
        for key in ("first_name", "last_name"):
            v = r[key].strip()
            if v:
                words.add(v)
    for path in files:
        text = open(path, encoding="utf-8", errors="replace").read()
        for w in sorted(words):
            if w in text:
                fail(f"{path} contains the name '{w}'")
    print(f"{len(files)} stderr captures hold none of {len(words)} names")


def check_manifest_count(outdir, n, manifest="manifest.jsonl"):
    lines = manifest_lines(os.path.join(outdir, manifest))
    if len(lines) != n:
        fail(f"{outdir}/{manifest} has {len(lines)} lines (expected {n})")
    for line in lines:
        path = os.path.join(outdir, line["path"])
        if line["status"] == "ok" and (not os.path.exists(path) or sha256(path) != line["sha256"]):
            fail(f"{path}: missing or not the manifest's sha256")


def check_journal(outdir):
    path = os.path.join(outdir, "manifest.jsonl.partial")
    data = open(path, encoding="utf-8").read()
    if data and not data.endswith("\n"):
        fail(f"{path}: the last line is cut short")
    lines = [json.loads(line) for line in data.splitlines()]
    ok = {l["path"]: l["sha256"] for l in lines if l["status"] == "ok"}
    pdfs = {f for f in os.listdir(outdir) if f.endswith(".pdf")}
    if set(ok) != pdfs:
        fail(f"{path}: lists {sorted(set(ok) ^ pdfs)[:5]} wrongly")
    for name, sha in ok.items():
        if name in pdfs and sha256(os.path.join(outdir, name)) != sha:
            fail(f"{path}: the sha256 of {name} is not the file's")
    print(f"journal: {len(ok)} ok lines, one per PDF present")


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "patients":
        check_patients(*args)
    elif cmd == "same":
        check_same(*args)
    elif cmd == "shards":
        check_shards(args[0], args[1:])
    elif cmd == "no-names":
        check_no_names(args[0], args[1:])
    elif cmd == "journal":
        check_journal(args[0])
    elif cmd == "manifest-count":
        check_manifest_count(args[0], int(args[1]), *args[2:])
    else:
        print(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
