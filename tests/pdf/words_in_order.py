#!/usr/bin/env python3
"""words_in_order.py [--any-order] TEXT WORDS: are the words of WORDS in TEXT, in order?

TEXT is pdftotext output, WORDS the expected text (yaml_words.py prints one
word per line).  Words in both are runs of letters and digits (\\w+), so
punctuation does not matter.  A word split by a hyphen at a line end
("immuno-" / "therapy", or "immuno-therapy" where the tool joins lines)
also matches the whole word when the parts alone do not match; and where
pdftotext drops a line-end hyphen of a compound ("24-" / "hour" printed as
"24hour"), the joined word matches the two expected parts.  Other words may
come between expected ones (labels, footers).  Prints "ok N" or what is missing;
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


def any_order(want, got):
    """--any-order: every expected word is there, as often as expected (for
    folded leaflets, whose pages are not in reading order)."""
    have = {}
    for i, (word, hyph) in enumerate(got):
        have[word] = have.get(word, 0) + 1
        if hyph and i + 1 < len(got):
            joined = word + got[i + 1][0]
            have[joined] = have.get(joined, 0) + 1
    # take each expected word from what is there; a word the PDF tool
    # joined at a line-end hyphen ("auto-" + "injector" -> "autoinjector")
    # stands for the two expected words
    i = 0
    while i < len(want):
        w = want[i]
        if have.get(w, 0) > 0:
            have[w] -= 1
        elif i + 1 < len(want) and have.get(w + want[i + 1], 0) > 0:
            have[w + want[i + 1]] -= 1
            i += 1
        else:
            print('missing word %d of %d: "%s" (not found as often as expected)'
                  % (i + 1, len(want), w))
            return 1
        i += 1
    print("ok %d" % len(want))
    return 0


def main():
    args = [a for a in sys.argv[1:] if a != "--any-order"]
    text = open(args[0], encoding="utf-8").read()
    want = re.findall(r"\w+", open(args[1], encoding="utf-8").read())
    got = pdf_tokens(text)
    if "--any-order" in sys.argv[1:]:
        return any_order(want, got)
    i = j = 0
    while i < len(want) and j < len(got):
        word, hyph = got[j]
        if word == want[i]:
            i, j = i + 1, j + 1
        elif hyph and j + 1 < len(got) and word + got[j + 1][0] == want[i]:
            i, j = i + 1, j + 2
        elif i + 1 < len(want) and word == want[i] + want[i + 1]:
            i, j = i + 2, j + 1
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
