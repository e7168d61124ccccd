#!/usr/bin/env python3
"""words_in_order.py TEXT WORDS: are the words of WORDS in TEXT, in order?

TEXT is pdftotext output, WORDS the expected text (yaml_words.py prints one
word per line).  Words in both are runs of letters and digits (\\w+), so
punctuation does not matter.  A word split by a hyphen at a line end
("immuno-" / "therapy", or "immuno-therapy" where the tool joins lines)
also matches the whole word when the parts alone do not match.  Other words may come
between expected ones (labels, footers).  Prints "ok N" or what is missing;
exits 0 or 1.
"""
import re
import sys


def pdf_tokens(text):
    """(word, ends_in_line_end_hyphen) pairs."""
    text = text.replace("\u00a0", " ")
    out = []
    # a hyphen then a line end (pdftotext), or a hyphen joined straight to
    # the next line's text (pdfinfo -struct-text) may be a line-breaking one
    for m in re.finditer(r"\w+(-\s*)?", text):
        out.append((re.match(r"\w+", m.group(0)).group(0), bool(m.group(1))))
    return out


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    want = re.findall(r"\w+", open(sys.argv[2], encoding="utf-8").read())
    got = pdf_tokens(text)
    i = j = 0
    while i < len(want) and j < len(got):
        word, hyph = got[j]
        if word == want[i]:
            i, j = i + 1, j + 1
        elif hyph and j + 1 < len(got) and word + got[j + 1][0] == want[i]:
            i, j = i + 1, j + 2
        else:
            j += 1
    if i == len(want):
        print("ok %d" % len(want))
        return 0
    prev = want[i - 1] if i else ""
    print('missing word %d of %d: "%s" (after "%s")' % (i + 1, len(want), want[i], prev))
    return 1


if __name__ == "__main__":
    sys.exit(main())
