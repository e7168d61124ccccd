#!/usr/bin/env python3
"""limits.py HANDOUT_BIN [--sanitized] [--keep DIR]

The resource promise of issue 6: no input makes a render use more than
256 MiB or 10 s.  The fuzzers stop at 64 KB inputs; this generates hostile
handouts up to the 1 MiB file limit (giant paragraphs, thousands of list
items, table rows and cells, QR codes, links, sections, huge titles and
values), renders each with HANDOUT_BIN in the a4 layout, and checks that
every run ends with status 0 or 1 (never a crash), within 10 s of wall
time and 256 MiB of peak RSS (ru_maxrss of the child).  --sanitized is for
ASan/UBSan builds, which use several times the memory and time: it skips
the memory check and allows 4 x the time.  --keep DIR keeps the inputs,
outputs and diagnostics.  Prints one line per case: name, status, seconds,
MiB, first diagnostic.
"""
import os
import random
import subprocess
import sys
import tempfile
import time

LIMIT_S = 10.0
LIMIT_MIB = 256
FILE_MAX = 1024 * 1024 - 64

HEAD = """id: hostile
language: en-GB
title: Hostile
version: "1.0"
published: 2026-01-05
review_by: 2027-01-05
owner: Test
reviewed_against: Nothing
sources:
  - title: A source
sections:
  - heading: Section
    body:
"""


def fill(unit, prefix="", suffix="", head=HEAD):
    n = (FILE_MAX - len(head) - len(prefix) - len(suffix)) // len(unit)
    return head + prefix + unit * n + suffix


def cases():
    word = "word " * 3000  # 15 KB: just under the value limit
    big = "word " * 200000
    yield "big-paragraph", fill("word ", "      - text: ", "\n")
    yield "many-paragraphs", fill("      - text: a\n")
    yield "many-paragraphs-15k", fill("      - text: " + word + "\n")
    yield "escapes", fill("\\* ", "      - text: ", "\n")
    yield "bold-runs", fill("**a** ", '      - text: "', '"\n')
    yield "one-long-word", fill("x", "      - text: ", "\n")
    yield "keep-run", fill("word ", "      - text: '[[", "]]'\n")
    yield "nbsp-run", fill("a~", "      - text: ", "\n")
    yield "links", fill("[a](https://x.org) ", '      - text: "', '"\n')
    yield "dense-links", fill("[a](https://x.org)", '      - text: "[[', ']]"\n')
    yield "many-bullets", fill("          - a\n", "      - bullets:\n")
    yield "many-bullets-flow", fill("a,", "      - bullets: [", "a]\n")
    yield "many-lists", fill("      - bullets: [a, b, c, d, e, f, g]\n")
    yield "nested-lists", fill("          - {text: a, bullets: [b, c, d, e]}\n",
                               "      - bullets:\n")
    yield "many-rows", fill("            - [a, b]\n",
                            "      - table:\n          rows:\n")
    yield "wide-table", fill("a, ", "      - table:\n          rows:\n            - [", "b]\n")
    yield "many-cells", fill("            - [" + "a, " * 11 + "a]\n",
                             "      - table:\n          rows:\n")
    yield "many-tables", fill("      - table: {rows: [[a, b], [c, d]]}\n")
    yield "big-cell", fill("word ", '      - table:\n          rows:\n            - [a, "', '"]\n')
    yield "many-qr", fill("      - qr: {url: 'https://example.org/x'}\n")
    yield "long-qr-url", HEAD + "      - qr: {url: 'https://example.org/" + "x" * 5000 + "'}\n"
    yield "many-callouts", fill("      - callout: {kind: info, body: [text: a]}\n")
    yield "big-callout", fill("            - text: a\n",
                              "      - callout:\n          kind: info\n          body:\n")
    yield "many-sections", fill("  - heading: h\n", head=HEAD.replace(
        "  - heading: Section\n    body:\n", ""))
    yield "many-subsections", fill("      - heading: h\n",
                                   "      - text: a\n    sections:\n")
    yield "many-sources", HEAD.replace(
        "sources:\n  - title: A source\n",
        "sources:\n" + "  - {title: a, url: 'https://x.org'}\n" * 25000) + "      - text: a\n"
    yield "big-title", HEAD.replace("title: Hostile", "title: " + big) + "      - text: a\n"
    yield "long-title", HEAD.replace("title: Hostile", "title: " + word) + "      - text: a\n" * 400
    yield "long-version", HEAD.replace('version: "1.0"', "version: " + word) + "      - text: a\n" * 400
    yield "big-heading", HEAD.replace("  - heading: Section", "  - heading: " + big) + "      - text: a\n"
    yield "long-heading", HEAD.replace("  - heading: Section", "  - heading: " + word) + "      - text: a\n"
    yield "long-alt", HEAD + "      - qr: {url: 'https://x.org', alt: '" + word + "'}\n"
    yield "long-url", HEAD + "      - text: '[a](https://x.org/" + "x" * 16000 + ")'\n"
    yield "long-caption", HEAD + "      - qr: {url: 'https://x.org', caption: '" + word + "'}\n"
    yield "long-summary", HEAD.replace("sources:", "summary: " + word + "\nsources:") + "      - text: a\n"
    yield "long-owner", HEAD.replace("owner: Test", "owner: " + word) + "      - text: a\n"
    yield "flow-nodes", fill("a,", "      - text: [", "a]\n")
    # letters of many scripts in random order: every pair of characters is
    # new to the kerning cache and the shaper
    rnd = random.Random(6)
    alphabet = [chr(c) for c in list(range(0x41, 0x5B)) + list(range(0xC0, 0x24F)) +
                list(range(0x391, 0x3A2)) + list(range(0x3A3, 0x3CA)) + list(range(0x410, 0x450))]
    para = lambda: "".join(rnd.choice(alphabet) + ("" if rnd.random() < 0.8 else " ")
                           for _ in range(6000))
    yield "random-letters", HEAD + "".join("      - text: '" + para() + "'\n"
                                           for _ in range(70))
    # just under the page limit: the most a render may have to draw
    yield "near-limit-words", HEAD + ("      - text: " + word + "\n") * 12
    yield "near-limit-letters", HEAD + "".join("      - text: '" + para() + "'\n"
                                               for _ in range(22))
    links = "[a](https://x.org/%d) " * 33 + "word " * 1000
    yield "near-limit-links", HEAD + "".join(
        '      - text: "' + links % tuple(range(33 * i, 33 * i + 33)) + '"\n'
        for i in range(30))
    yield "near-limit-qr", HEAD + "".join(
        "      - qr: {url: 'https://example.org/%d', caption: '%s'}\n" % (i, "x " * 40)
        for i in range(600))
    yield "near-limit-rows", HEAD + ("      - table:\n          rows:\n" +
                                     ("            - [" + ", ".join(["a b c"] * 12) +
                                      "]\n") * 200) * 5
    yield "tel-links", HEAD + ('      - text: "' + "[a](tel:1) " * 1480 + '"\n') * 64
    yield "near-limit-cells", HEAD + ("      - table:\n          rows:\n" + (
        "            - [" + ", ".join(["a"] * 12) + "]\n") * 200) * 9
    yield "near-limit-styled-cells", HEAD + ("      - table:\n          rows:\n" + (
        "            - [" + ", ".join(["'**a** [[b]]~c'"] * 12) + "]\n") * 200) * 6
    yield "near-limit-lists", HEAD + ("      - numbered: [" + ", ".join(
        ["'**item** [[with]] ~ [link](https://x.org)'"] * 100) + "]\n") * 9


def run(binary, path, out):
    t0 = time.monotonic()
    with open(path + ".err", "wb") as err:
        p = subprocess.Popen([binary, "render", path, "-o", out],
                             stdout=subprocess.DEVNULL, stderr=err)
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except KeyboardInterrupt:
            p.kill()
            raise
    secs = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(path + ".err", errors="replace") as f:
        first = next((l.strip() for l in f if "warning:" not in l), "")
    return p.returncode, secs, ru.ru_maxrss / 1024.0, first


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(args[0])
    check_rss = "--sanitized" not in args
    limit_s = LIMIT_S * (1 if check_rss else 4)
    keep = args[args.index("--keep") + 1] if "--keep" in args else None
    tmp = keep or tempfile.mkdtemp(prefix="handout-limits-")
    os.makedirs(tmp, exist_ok=True)
    fail = 0
    for name, text in cases():
        data = text.encode()
        if len(data) > FILE_MAX + 64:
            data = data[:FILE_MAX]
        path = os.path.join(tmp, name + ".yaml")
        with open(path, "wb") as f:
            f.write(data)
        out = os.path.join(tmp, name + ".pdf")
        rc, secs, mib, first = run(binary, path, out)
        bad = []
        if rc not in (0, 1):
            bad.append("exit status %d" % rc)
        if secs > limit_s:
            bad.append("%.1f s > %.0f s" % (secs, limit_s))
        if check_rss and mib > LIMIT_MIB:
            bad.append("%.0f MiB > %d MiB" % (mib, LIMIT_MIB))
        print("%s %-20s rc=%d %5.2f s %6.1f MiB  %s" % (
            "FAIL" if bad else "ok  ", name, rc, secs, mib, first[:150]))
        for b in bad:
            print("     " + b)
        fail |= bool(bad)
        if not keep:
            for p in (path, path + ".err", out):
                if os.path.exists(p):
                    os.remove(p)
    if not keep:
        os.rmdir(tmp)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
