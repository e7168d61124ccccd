/*
 * mime: one email message holding a leaflet, built in memory.
 *
 *   struct mime_letter (addresses, clinic, first name, PDF bytes)
 *   -> RFC 5322 message text with CRLF line ends, ready for SMTP DATA or a
 *      .eml file
 *
 * Shape of every message (RFC 2045-2047):
 *
 *   From, To, Subject, Date, Message-ID, MIME-Version
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=utf-8   (quoted-printable)
 *       text/html; charset=utf-8    (quoted-printable, every value escaped)
 *     application/pdf; name="leaflet.pdf"   (base64, 76-column lines)
 *
 * What a message says, and does not:
 *   - Subject: "Your information leaflet from <clinic name>", nothing else:
 *     never the patient's name, the leaflet's title or a diagnosis (NHS
 *     trusts' rule: no identifiers in subject lines or attachment names).
 *   - Body: "Dear <first name>," (or "Hello," without one), that the
 *     attached leaflet is the information the care team talked about (no
 *     title, no diagnosis), which kind of password opens it if it is
 *     protected (never the password itself), the clinic's 24-hour line.
 *   - Attachment file name: "leaflet.pdf" unless the caller gives another
 *     (checked: [A-Za-z0-9._-] only, so no ref, name or diagnosis sneaks in
 *     by accident of encoding; the caller is trusted not to put one in).
 *
 * Determinism: the same letter gives the same bytes.  Message-ID is
 * "<H@D>" where H is the first 32 hex digits of
 * sha256(ref NUL leaflet_sha256 NUL from_addr) and D the domain of
 * from_addr (lower-cased); a resend of the same leaflet carries the same
 * Message-ID, so a receiving system may recognise the duplicate.  The MIME
 * boundaries come from the same hash and start with "=_", which can occur
 * neither in quoted-printable nor in base64 text, so no part can contain
 * them.  Date is the given time in UTC ("+0000").
 *
 * Header rules: non-ASCII text (display names, the subject) is written as
 * RFC 2047 encoded words (UTF-8, Q or B, whichever is shorter, each word at
 * most 66 characters (the limit is 75), never splitting a character, and
 * ending after a space of the text where one is near); header lines are
 * folded at spaces to at most 78 characters; no line anywhere exceeds 998.
 * (Python's email parser keeps the white space between encoded words in a
 * display name, against RFC 2047 section 6.2; tests decode names with
 * email.header.decode_header, which follows the RFC.)  Every
 * value that goes into a header is refused if it holds CR, LF or any other
 * control character (header injection), or is not UTF-8.
 *
 * Addresses (mime_check_address): RFC 5321 Mailbox syntax, ASCII only:
 * Local-part "@" Domain, where Local-part is a dot-string (atext runs
 * separated by single dots) or a quoted-string, at most 64 octets; Domain is
 * LDH labels of 1-63 octets separated by dots, at least two labels, the last
 * not all digits, at most 255 octets, or an address literal "[192.0.2.1]" /
 * "[IPv6:...]"; the whole address at most 254 octets (a 256-octet path with
 * its angle brackets).  Non-ASCII addresses (SMTPUTF8) are refused.
 *
 * Ownership: mime_build() returns a malloc'd, NUL-terminated buffer (the
 * NUL is not counted in *len_out); the caller frees it.  Nothing is kept.
 * Errors: reported through diag; patient values (addresses, names) are
 * shown only with diag->show_patient_data (diag_redact); returns NULL.
 * May be included by any module.
 */
#ifndef HANDOUT_MIME_H
#define HANDOUT_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "protect.h"

#define MIME_ADDRESS_MAX 254   /* octets, whole address */
#define MIME_LOCAL_MAX 64      /* octets, local part */
#define MIME_NAME_MAX 256      /* octets, any display name or clinic name */
#define MIME_LINE_MAX 78       /* header lines are folded to this */
#define MIME_ATTACHMENT_DEFAULT "leaflet.pdf"
/* The dates a Date: header can hold: RFC 5322 years from 1900, written
 * with 4 digits.  mime_build() refuses a date outside. */
#define MIME_DATE_MIN ((time_t)-2208988800LL) /* 1900-01-01 00:00:00 UTC */
#define MIME_DATE_MAX ((time_t)253402300799LL) /* 9999-12-31 23:59:59 UTC */

struct mime_letter {
  /* Headers and envelope. */
  const char *from_addr;      /* RFC 5321 address of the clinic's sender */
  const char *from_name;      /* display name; NULL: clinic_name */
  const char *to_addr;        /* the patient's address */
  const char *to_name;        /* display name or NULL (none) */
  time_t date;                /* Date: header, written in UTC; within
                                 MIME_DATE_MIN..MIME_DATE_MAX */
  const char *ref;            /* opaque patient reference: Message-ID input
                                 only, never written into the message */
  const char *leaflet_sha256; /* 64 hex digits of the unprotected rendered
                                 leaflet: Message-ID input */
  /* Body. */
  const char *clinic_name;    /* required: subject, sign-off */
  const char *phone_24h;      /* required: the clinic's 24-hour line */
  const char *first_name;     /* greeting; NULL or "": "Hello," */
  enum protect_mode protect;  /* which password hint the body gives */
  /* Attachment. */
  const unsigned char *pdf;   /* the bytes to attach (protected or not) */
  size_t pdf_len;
  const char *filename;       /* NULL: MIME_ATTACHMENT_DEFAULT */
};

/* Build the message.  See the top for what it holds.  Returns the message
 * (malloc'd, NUL-terminated) and its length in *len_out, or NULL after
 * reporting through d. */
char *mime_build(const struct mime_letter *m, struct diag *d, size_t *len_out);

/* RFC 5321 syntax of addr (see the top).  On failure returns false and sets
 * *why to a reason that quotes nothing of the address ("the domain has no
 * dot", "local part longer than 64 octets"). */
bool mime_check_address(const char *addr, const char **why);

/* A value that may go into a header: valid UTF-8, no control character
 * (C0, DEL, C1), in particular no CR or LF.  *why as above. */
bool mime_check_header_text(const char *s, const char **why);

/* The Message-ID for (ref, leaflet_sha256, from_addr), with its angle
 * brackets, into buf (size >= 32 + 3 + strlen(domain) + 1; 300 always
 * suffices for a checked from_addr).  from_addr must pass
 * mime_check_address. */
void mime_message_id(const char *ref, const char *leaflet_sha256,
                     const char *from_addr, char *buf, size_t size);

/* RFC 5322 date-time of t in UTC: "Tue, 03 Mar 2026 18:04:05 +0000", into
 * buf[32].  Locale-independent.  A t outside MIME_DATE_MIN..MIME_DATE_MAX
 * is written as the nearest end. */
void mime_date(time_t t, char buf[32]);

/* The subject for clinic_name (UTF-8, unencoded), malloc'd. */
char *mime_subject(const char *clinic_name);

#endif
