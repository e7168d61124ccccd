#!/usr/bin/python3
"""Parse a message built by src/mime.c back with Python's email package and
check it (used by tests/unit/test_mime.c and tests/mail/run_integration.py).

    parse_eml.py FILE.eml [--attachment EXPECTED.pdf] [--subject TEXT]
                 [--from ADDR] [--to ADDR] [--to-name TEXT]
                 [--first-name TEXT] [--phone TEXT] [--forbid TEXT ...]
                 [--body-has TEXT ...]

Checks, each failure one line on stderr, exit status 1 if any:
  - wire form: every line ends in CRLF (no bare CR or LF), no line longer
    than 998 octets, header lines at most 78, quoted-printable and base64
    lines at most 76;
  - no parser defects anywhere; From, To, Subject, Date, Message-ID and
    MIME-Version exactly once; Date is RFC 5322 in UTC; Message-ID is
    <32 hex digits@domain of From>;
  - structure: multipart/mixed [multipart/alternative [text/plain,
    text/html], application/pdf]; the attachment is named leaflet.pdf;
  - the decoded subject, addresses and display name are as expected;
  - every --forbid text appears neither in the decoded subject nor in the
    attachment's file name (and, decoded, nowhere in the headers but To);
  - the text part greets by first name and gives the phone number; the
    HTML part has them escaped, and no raw '<' from any value;
  - the attachment's bytes equal the expected file.
Prints one JSON object with what it read (subject, message_id, ...).
Run with /usr/bin/python3: only the standard library is needed.
"""
import argparse
import email
import email.header
import email.policy
import email.utils
import html
import json
import re
import sys


def wire_checks(raw, errors):
    if b"\r\n" not in raw:
        errors.append("no CRLF line ends at all")
    stripped = raw.replace(b"\r\n", b"")
    if b"\r" in stripped or b"\n" in stripped:
        errors.append("a bare CR or LF (every line must end in CRLF)")
    lines = raw.split(b"\r\n")
    head_end = lines.index(b"") if b"" in lines else len(lines)
    for i, line in enumerate(lines):
        if len(line) > 998:
            errors.append("line %d is %d octets (limit 998)" % (i + 1, len(line)))
    for i, line in enumerate(lines[:head_end]):
        if len(line) > 78:
            errors.append("header line %d is %d characters (fold at 78): %r"
                          % (i + 1, len(line), line[:40]))
        if line[:1] in (b" ", b"\t") and not line.strip():
            errors.append("header line %d is only white space" % (i + 1))
    return lines


def display_name(raw):
    """The display name of a one-mailbox header value as RFC 2047 section
    6.2 reads it: white space between adjacent encoded words is dropped.
    (email.policy.default keeps it inside phrases, a CPython bug, so its
    display_name is not used for the comparison.)  None without a name."""
    raw = re.sub(r"\r?\n([ \t])", r"\1", raw).strip()
    m = re.fullmatch(r"(.*?)\s*<[^<>]*>", raw, re.S)
    if not m or not m.group(1):
        return None
    phrase = m.group(1)
    if phrase.startswith('"') and phrase.endswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(email.header.make_header(email.header.decode_header(phrase)))


def encoded_line_checks(part, errors, what):
    cte = (part.get("Content-Transfer-Encoding") or "").lower()
    payload = part.get_payload(decode=False)
    if isinstance(payload, list):
        return
    for i, line in enumerate(payload.split("\r\n")):
        if len(line) > 76:
            errors.append("%s (%s) line %d is %d characters (limit 76)"
                          % (what, cte, i + 1, len(line)))


def check(path, args):
    errors = []
    raw = open(path, "rb").read()
    wire_checks(raw, errors)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        for defect in part.defects:
            errors.append("parser defect in %s: %r" % (part.get_content_type(), defect))
    for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        n = len(msg.get_all(name) or [])
        if n != 1:
            errors.append("%s header appears %d times (want 1)" % (name, n))
    info = {}
    try:
        subject = str(msg["Subject"])
        info["subject"] = subject
        to = msg["To"]
        frm = msg["From"]
        for h in (to, frm):
            for d in getattr(h, "defects", []):
                errors.append("defect in %s: %r" % (h.name, d))
        to_addr = to.addresses[0]
        from_addr = frm.addresses[0]
        raw32 = email.message_from_bytes(raw, policy=email.policy.compat32)
        info["to"] = to_addr.addr_spec
        info["to_name"] = display_name(str(raw32["To"]))
        info["from"] = from_addr.addr_spec
        info["from_name"] = display_name(str(raw32["From"]))
    except Exception as e:  # noqa: BLE001 - report whatever went wrong
        errors.append("cannot read the address headers: %r" % e)
        subject = ""
        to_addr = from_addr = None
    date = msg["Date"]
    try:
        dt = email.utils.parsedate_to_datetime(str(date))
        if dt.utcoffset() is None or dt.utcoffset().total_seconds() != 0:
            errors.append("Date is not in UTC: %s" % date)
        if not re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|"
                            r"Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000", str(date)):
            errors.append("Date is not in the RFC 5322 form: %s" % date)
        info["date"] = str(date)
    except Exception as e:  # noqa: BLE001
        errors.append("Date does not parse: %r (%r)" % (str(date), e))
    mid = str(msg["Message-ID"])
    info["message_id"] = mid
    if from_addr is not None:
        domain = from_addr.addr_spec.rsplit("@", 1)[-1].lower()
        if not re.fullmatch(r"<[0-9a-f]{32}@" + re.escape(domain) + ">", mid):
            errors.append("Message-ID %s is not <32 hex@%s>" % (mid, domain))
    if str(msg["MIME-Version"]) != "1.0":
        errors.append("MIME-Version is not 1.0")

    # structure
    if msg.get_content_type() != "multipart/mixed":
        errors.append("top level is %s, not multipart/mixed" % msg.get_content_type())
        parts = []
    else:
        parts = msg.get_payload()
    text = htmltext = None
    attachment = None
    if len(parts) != 2:
        errors.append("multipart/mixed has %d parts (want 2)" % len(parts))
    else:
        alt, att = parts
        if alt.get_content_type() != "multipart/alternative":
            errors.append("first part is %s" % alt.get_content_type())
        else:
            sub = alt.get_payload()
            types = [p.get_content_type() for p in sub]
            if types != ["text/plain", "text/html"]:
                errors.append("alternative parts are %s" % types)
            else:
                for p in sub:
                    if p.get_content_charset() != "utf-8":
                        errors.append("%s charset is %s" % (p.get_content_type(),
                                                            p.get_content_charset()))
                    if (p.get("Content-Transfer-Encoding") or "").lower() != "quoted-printable":
                        errors.append("%s is not quoted-printable" % p.get_content_type())
                    encoded_line_checks(p, errors, p.get_content_type())
                text = sub[0].get_content()
                htmltext = sub[1].get_content()
        if att.get_content_type() != "application/pdf":
            errors.append("attachment is %s" % att.get_content_type())
        encoded_line_checks(att, errors, "attachment")
        fn = att.get_filename()
        info["filename"] = fn
        if fn != "leaflet.pdf":
            errors.append("attachment file name is %r, not leaflet.pdf" % fn)
        if att.get_content_disposition() != "attachment":
            errors.append("attachment disposition is %r" % att.get_content_disposition())
        attachment = att.get_payload(decode=True)
        info["attachment_bytes"] = len(attachment or b"")

    # expectations
    if args.subject is not None and subject != args.subject:
        errors.append("subject is %r, want %r" % (subject, args.subject))
    if args.to is not None and info.get("to") != args.to:
        errors.append("To address is %r, want %r" % (info.get("to"), args.to))
    if args.from_addr is not None and info.get("from") != args.from_addr:
        errors.append("From address is %r, want %r" % (info.get("from"), args.from_addr))
    if args.to_name is not None and info.get("to_name") != args.to_name:
        errors.append("To name is %r, want %r" % (info.get("to_name"), args.to_name))
    other_headers = " ".join(str(v) for k, v in msg.items() if k.lower() != "to")
    for word in args.forbid:
        if word.lower() in subject.lower():
            errors.append("subject contains forbidden text %r" % word)
        if word.lower() in other_headers.lower():
            errors.append("a header other than To contains forbidden text %r" % word)
        if info.get("filename") and word.lower() in info["filename"].lower():
            errors.append("file name contains forbidden text %r" % word)
    if text is not None:
        if args.first_name is not None:
            greeting = ("Dear %s," % args.first_name) if args.first_name else "Hello,"
            if not text.startswith(greeting):
                errors.append("text part does not start with %r: %r" % (greeting, text[:60]))
            if ("<p>%s</p>" % html.escape(greeting, quote=True).replace("&#x27;", "&#39;")) \
                    not in htmltext:
                errors.append("HTML part lacks the escaped greeting")
        if args.phone is not None:
            if args.phone not in text:
                errors.append("text part lacks the phone number")
            if html.escape(args.phone) not in htmltext:
                errors.append("HTML part lacks the phone number")
        for want in args.body_has:
            if want not in text:
                errors.append("text part lacks %r" % want)
        # No raw tag from any value: the only tags are ours.
        tags = set(re.findall(r"</?([A-Za-z!][A-Za-z0-9]*)", htmltext))
        extra = tags - {"!DOCTYPE", "html", "head", "meta", "title", "body", "p",
                        "strong", "br"}
        if extra:
            errors.append("HTML part has unexpected tags %s" % sorted(extra))
        info["text"] = text
    if args.attachment is not None and attachment is not None:
        want = open(args.attachment, "rb").read()
        if attachment != want:
            errors.append("attachment differs from %s (%d vs %d bytes)"
                          % (args.attachment, len(attachment), len(want)))
    return errors, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eml")
    ap.add_argument("--attachment")
    ap.add_argument("--subject")
    ap.add_argument("--from", dest="from_addr")
    ap.add_argument("--to")
    ap.add_argument("--to-name")
    ap.add_argument("--first-name")
    ap.add_argument("--phone")
    ap.add_argument("--forbid", action="append", default=[])
    ap.add_argument("--body-has", action="append", default=[])
    args = ap.parse_args()
    errors, info = check(args.eml, args)
    for e in errors:
        print("%s: %s" % (args.eml, e), file=sys.stderr)
    info.pop("text", None)
    print(json.dumps(info, ensure_ascii=False))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
