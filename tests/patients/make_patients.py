#!/usr/bin/env python3
"""Generate tests/patients/awkward-200.csv: 200 made-up patients whose names
are awkward for a CSV reader, a typesetter and a file system.

    python3 tests/patients/make_patients.py > tests/patients/awkward-200.csv

Deterministic (no randomness, no clock, no folder listing): the same bytes
every run, which the test patients.generator checks against the committed
file.  Every name is fiction.

What is awkward: apostrophes (O'Brien, D'Arcy), accents (Zoë, José,
Siobhán), names in Greek and Cyrillic script, hyphens (Anne-Marie,
García-López), spaces (van der Berg, Ní Bhriain), commas inside quotes
("Smith, Jr."), a quote written twice (the nickname "Ziggy").  Written as
Excel's "CSV UTF-8" does: a byte order mark and CRLF line ends.

Every full name is different and no name is part of another, so a test can
check that each leaflet shows its own patient's name and no other's:
patient i (0-based) is FIRST[i % 20] LAST[i // 10], and those pairs never
repeat for i < 200.  Refs are P0001..P0200; handouts and layouts cycle
over the lists below (handouts/*.yaml as of this writing; a4, letter,
large-print), and every ninth patient asks for large print.
"""
import csv
import datetime
import io
import sys

FIRST = [
    "Zoë", "José", "Siobhán", "Ζωή", "Пётр",
    "Anne-Marie", "D'Arcy", "Renée", "Łukasz", "Chloé",
    "Björn", "Saoirse", "François", "Øyvind", "Γιώργος",
    "Наталья", "Mary Jane", "Jean-Luc", "Ngozi", "Aoife",
]

LAST = [
    "O'Brien", "Smith, Jr.", "Παπαδοπούλου", "Иванова", "García-López",
    "Müller", "Ní Bhriain", "D'Souza", "van der Berg", "Kowalski-Nowak",
    "Sánchez", "Lefèvre, III", "MacDonald", "Ó Súilleabháin", "Çelik",
    "Đặng", "Østergaard", "Nakamura \"Ziggy\"", "Fitzgerald-Håkansson",
    "Wójcik",
]

# handouts/*.yaml when this file was written (sorted).
HANDOUTS = [
    "allergy-scit-slit", "autoimmune-biologics", "bladder-bcg",
    "bladder-urothelial-advanced", "breast-tnbc", "cancer-checkpoint-general",
    "colorectal-msi-high", "gynae-cervical-endometrial", "head-neck",
    "kidney-rcc", "liver-hcc", "lung-nsclc", "lung-sclc",
    "lymphoma-bcell-car-t", "lymphoma-hodgkin", "melanoma",
    "overview-immunotherapy", "skin-merkel-cscc",
    "upper-gi-oesophageal-gastric",
]

LAYOUTS = ["a4", "letter", "large-print"]

TREATMENTS = [
    "pembrolizumab", "nivolumab", "nivolumab + ipilimumab", "atezolizumab",
    "durvalumab", "cemiplimab", "ipilimumab", "dostarlimab",
    "nivolumab and relatlimab", "tremelimumab + durvalumab", "avelumab",
]


def rows():
    start = datetime.date(2026, 12, 1)
    for i in range(200):
        first = FIRST[i % 20]
        last = LAST[i // 10]
        ascii_first = "".join(c for c in first.lower() if "a" <= c <= "z")
        email = f"{ascii_first or 'patient'}.{i + 1:04d}@example.org" if i % 3 == 0 else ""
        dob = datetime.date(1940 + i % 60, 1 + i % 12, 1 + i % 28).isoformat() if i % 4 == 0 else ""
        yield {
            "ref": f"P{i + 1:04d}",
            "first_name": first,
            "last_name": last,
            "handout": HANDOUTS[i % len(HANDOUTS)],
            "layout": LAYOUTS[i % len(LAYOUTS)],
            "treatment": TREATMENTS[i % len(TREATMENTS)],
            "start_date": (start + datetime.timedelta(days=i % 45)).isoformat(),
            "email": email,
            "date_of_birth": dob,
            "language": "es" if i % 10 == 7 else "en-GB",
            "large_print": "yes" if i % 9 == 4 else "no",
        }


def main():
    names = [f"{FIRST[i % 20]} {LAST[i // 10]}" for i in range(200)]
    assert len(set(names)) == 200, "full names must differ"
    parts = FIRST + LAST
    for a in parts:
        for b in parts:
            assert a == b or a not in b, f"{a!r} is part of {b!r}"
    out = io.StringIO(newline="")
    fields = ["ref", "first_name", "last_name", "handout", "layout",
              "treatment", "start_date", "email", "date_of_birth",
              "language", "large_print"]
    w = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n",
                       quoting=csv.QUOTE_MINIMAL)
    w.writeheader()
    for r in rows():
        w.writerow(r)
    sys.stdout.buffer.write(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
