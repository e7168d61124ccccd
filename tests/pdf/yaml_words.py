#!/usr/bin/env python3
"""yaml_words.py [--card] HANDOUT.yaml: the words of a handout's text, in reading order.

An independent reading of the handout (PyYAML, not our loader): title,
subtitle, summary, then every section's heading and body, includes expanded,
inline markup removed, {{clinic.*}} variables filled in from the demo clinic
profile (handouts/sites/demo.yaml, the default of `handout render`).  The PDF
tests check that pdftotext gives these words back in this order.  One word
per line on stdout.
"""
import os
import re
import sys

import yaml


SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "handouts", "sites", "demo.yaml")


def site_vars(path=SITE):
    """clinic.KEY and clinic.car_t.KEY -> value, from a clinic profile."""
    with open(path, encoding="utf-8") as f:
        site = yaml.safe_load(f)
    out = {}
    for key, val in site.items():
        if isinstance(val, dict):
            for k, v in val.items():
                out["clinic.%s.%s" % (key, k)] = str(v)
        else:
            out["clinic." + key] = str(val)
    return out


VARS = site_vars()


def plain(text):
    text = re.sub(r"(?<!\\)\{\{([a-z0-9_.]+)\}\}", lambda m: VARS[m.group(1)], text)
    text = re.sub(r"\\([*\[\]~{\\])", lambda m: {"~": " "}.get(m.group(1), m.group(1)), text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("**", "").replace("[[", "").replace("]]", "").replace("~", " ")
    return text


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def item_texts(items, root):
    for it in items:
        if isinstance(it, str):
            yield it
        else:
            yield it["text"]
            for key in ("bullets", "numbered"):
                if key in it:
                    yield from item_texts(it[key], root)


def block_texts(blocks, root):
    for b in blocks or []:
        (key, val), = b.items()
        if key == "text":
            yield val
        elif key in ("bullets", "numbered"):
            yield from item_texts(val, root)
        elif key == "callout":
            if "title" in val:
                yield val["title"]
            yield from block_texts(val.get("body"), root)
        elif key == "table":
            for row in [val.get("header") or []] + val["rows"]:
                yield from row
        elif key in ("image", "qr"):
            if "caption" in val:
                yield val["caption"]
        elif key == "include":
            yield from block_texts(load(os.path.join(root, val)), root)


def section_texts(sections, root):
    for s in sections:
        if "include" in s:
            s = load(os.path.join(root, s["include"]))
        yield s["heading"]
        yield from block_texts(s.get("body"), root)
        yield from section_texts(s.get("sections") or [], root)


def card_texts(card):
    """--card: the wallet card's words (layout kind card): front then back,
    each its title, lines and note."""
    for side in ("front", "back"):
        s = card[side]
        yield s["title"]
        yield from s["lines"]
        if "note" in s:
            yield s["note"]


def main():
    args = sys.argv[1:]
    card = "--card" in args
    path = [a for a in args if a != "--card"][0]
    root = os.path.dirname(path)
    doc = load(path)
    if card:
        texts = list(card_texts(doc["card"])) if "card" in doc else []
    else:
        texts = [doc["title"], doc.get("subtitle") or "", doc.get("summary") or ""]
        texts += list(section_texts(doc["sections"], root))
    for t in texts:
        for w in re.findall(r"\w+", plain(str(t))):
            print(w)


if __name__ == "__main__":
    main()
