/*
 * mime: one leaflet email, built in memory.  See mime.h for the contract.
 *
 * Building order: check every input (addresses, header values, lengths);
 * derive the Message-ID and boundaries from one hash; write the headers,
 * each first as one unfolded line whose spaces are fold points, then folded
 * to 78 columns; write the body parts (text, HTML: quoted-printable) and
 * the attachment (base64).  Everything is CRLF.
 *
 * Folding marks: inside an unfolded header line a space is a place where
 * the line may be folded, except the spaces inside an address, which are
 * written as NOFOLD (0x01) and turned back into spaces on output (a folded
 * addr-spec is legal but some parsers mishandle it).  0x01 cannot come from
 * the input: every header value was checked for control characters.
 */
#include "mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

#define NOFOLD '\x01'
#define EWORD_MAX 66 /* encoded word length we write: "Subject: " + 66 < 78 */

/* ---- checks ------------------------------------------------------------ */

static bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* RFC 5322 atext */
static bool is_atext(unsigned char c) {
  return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool check_local(const char *a, size_t n, const char **why) {
  if (n == 0) {
    *why = "the local part (before '@') is empty";
    return false;
  }
  if (n > MIME_LOCAL_MAX) {
    *why = "the local part (before '@') is longer than 64 octets";
    return false;
  }
  if (a[0] == '"') {
    /* Quoted-string: qtextSMTP = %d32-33 / %d35-91 / %d93-126,
     * quoted-pairSMTP = "\" %d32-126.  The scan in mime_check_address
     * already found the closing quote at a[n-1]. */
    for (size_t i = 1; i + 1 < n; i++) {
      unsigned char c = (unsigned char)a[i];
      if (c == '\\') {
        i++;
        if (i + 1 >= n) {
          *why = "the quoted local part ends with a lone backslash";
          return false;
        }
      } else if (c == '"') {
        *why = "the quoted local part has a quote that is not escaped";
        return false;
      }
    }
    return true;
  }
  /* Dot-string: atext runs separated by single dots. */
  if (a[0] == '.' || a[n - 1] == '.') {
    *why = "the local part starts or ends with a dot";
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)a[i];
    if (c == '.') {
      if (a[i + 1] == '.') {
        *why = "the local part has two dots in a row";
        return false;
      }
    } else if (!is_atext(c)) {
      *why = "the local part has a character that is only allowed in "
             "quotes (space, comma, brackets, ...)";
      return false;
    }
  }
  return true;
}

static bool check_literal(const char *s, size_t n, const char **why) {
  /* s[0] = '[', s[n-1] = ']' */
  const char *p = s + 1;
  size_t len = n - 2;
  *why = "the address literal is neither [IPv4] nor [IPv6:...]";
  if (len > 5 && strncmp(p, "IPv6:", 5) == 0) {
    for (size_t i = 5; i < len; i++)
      if (!strchr("0123456789abcdefABCDEF:.", p[i])) return false;
    return true;
  }
  int parts = 0;
  size_t i = 0;
  while (i < len) {
    unsigned v = 0, digits = 0;
    while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 4)
      v = v * 10 + (unsigned)(p[i++] - '0'), digits++;
    if (digits == 0 || digits > 3 || v > 255) return false;
    parts++;
    if (i < len) {
      if (p[i] != '.') return false;
      i++;
      if (i == len) return false;
    }
  }
  return parts == 4;
}

static bool check_domain(const char *s, size_t n, const char **why) {
  if (n == 0) {
    *why = "the domain (after '@') is empty";
    return false;
  }
  if (n > 255) {
    *why = "the domain is longer than 255 octets";
    return false;
  }
  if (s[0] == '[') {
    if (s[n - 1] != ']') {
      *why = "the address literal has no closing ']'";
      return false;
    }
    return check_literal(s, n, why);
  }
  int labels = 0;
  bool last_all_digits = false;
  for (size_t i = 0; i <= n;) {
    size_t j = i;
    while (j < n && s[j] != '.') j++;
    size_t len = j - i;
    if (len == 0) {
      *why = "the domain has an empty label (a dot at an end, or two in a "
             "row)";
      return false;
    }
    if (len > 63) {
      *why = "a domain label is longer than 63 octets";
      return false;
    }
    last_all_digits = true;
    for (size_t k = i; k < j; k++) {
      unsigned char c = (unsigned char)s[k];
      if (!is_alnum(c) && c != '-') {
        *why = "the domain has a character other than letters, digits, "
               "'-' and '.'";
        return false;
      }
      if (c < '0' || c > '9') last_all_digits = false;
    }
    if (s[i] == '-' || s[j - 1] == '-') {
      *why = "a domain label starts or ends with '-'";
      return false;
    }
    labels++;
    i = j + 1;
  }
  if (labels < 2) {
    *why = "the domain has no dot (expected a full domain such as "
           "example.org)";
    return false;
  }
  if (last_all_digits) {
    *why = "the domain's last label is all digits (an IP address must be "
           "written [192.0.2.1])";
    return false;
  }
  return true;
}

bool mime_check_address(const char *a, const char **why) {
  size_t n = strlen(a);
  *why = NULL;
  if (n == 0) {
    *why = "the address is empty";
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)a[i];
    if (c == '\r' || c == '\n') {
      *why = "the address holds a line break (CR or LF): refused";
      return false;
    }
    if (c < 0x20 || c == 0x7F) {
      *why = "the address holds a control character";
      return false;
    }
    if (c >= 0x80) {
      *why = "the address has non-ASCII characters (internationalised "
             "addresses, SMTPUTF8, are not supported)";
      return false;
    }
  }
  if (n > MIME_ADDRESS_MAX) {
    *why = "the address is longer than 254 octets";
    return false;
  }
  /* Where the local part ends: after the closing quote of a quoted
   * string, else at the first '@' (a dot-string has none). */
  size_t at;
  if (a[0] == '"') {
    size_t i = 1;
    while (i < n && a[i] != '"') i += a[i] == '\\' ? 2 : 1;
    if (i >= n) {
      *why = "the quoted local part is not closed";
      return false;
    }
    at = i + 1;
    if (at >= n || a[at] != '@') {
      *why = "no '@' right after the quoted local part";
      return false;
    }
  } else {
    const char *p = strchr(a, '@');
    if (!p) {
      *why = "no '@' (expected local-part@domain)";
      return false;
    }
    at = (size_t)(p - a);
  }
  return check_local(a, at, why) &&
         check_domain(a + at + 1, n - at - 1, why);
}

bool mime_check_header_text(const char *s, const char **why) {
  size_t n = strlen(s);
  *why = NULL;
  if (utf8_invalid_at(s, n) != (size_t)-1) {
    *why = "the text is not valid UTF-8";
    return false;
  }
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (cp == '\r' || cp == '\n') {
      *why = "the text holds a line break (CR or LF): refused, it could "
             "inject mail headers";
      return false;
    }
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      *why = "the text holds a control character";
      return false;
    }
    i += (size_t)k;
  }
  return true;
}

/* ---- header pieces ----------------------------------------------------- */

void mime_date(time_t t, char buf[32]) {
  static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed",
                                      "Thu", "Fri", "Sat"};
  static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
  if (t < MIME_DATE_MIN) t = MIME_DATE_MIN;
  if (t > MIME_DATE_MAX) t = MIME_DATE_MAX;
  struct tm tm = {0};
  gmtime_r(&t, &tm);
  char tmp[96]; /* 31 characters for years 1000-9999 */
  snprintf(tmp, sizeof tmp, "%s, %02d %s %04d %02d:%02d:%02d +0000",
           days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
  snprintf(buf, 32, "%.31s", tmp);
}

static void id_hash(const char *ref, const char *sha, const char *from,
                    char hex[SHA256_HEX_LEN + 1]) {
  struct sha256_ctx c;
  unsigned char digest[SHA256_LEN];
  sha256_init(&c);
  sha256_update(&c, ref, strlen(ref) + 1);
  sha256_update(&c, sha, strlen(sha) + 1);
  sha256_update(&c, from, strlen(from));
  sha256_final(&c, digest);
  sha256_to_hex(digest, hex);
}

void mime_message_id(const char *ref, const char *leaflet_sha256,
                     const char *from_addr, char *buf, size_t size) {
  char hex[SHA256_HEX_LEN + 1];
  id_hash(ref, leaflet_sha256, from_addr, hex);
  const char *at = strrchr(from_addr, '@');
  const char *domain = at ? at + 1 : "localhost";
  struct strbuf b = {0};
  strbuf_printf(&b, "<%.32s@", hex);
  for (const char *p = domain; *p; p++)
    strbuf_putc(&b, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
  strbuf_putc(&b, '>');
  if (size > 0) {
    size_t n = b.len < size - 1 ? b.len : size - 1;
    memcpy(buf, b.data, n);
    buf[n] = '\0';
  }
  strbuf_free(&b);
}

char *mime_subject(const char *clinic_name) {
  struct strbuf b = {0};
  strbuf_printf(&b, "Your information leaflet from %s", clinic_name);
  return strbuf_steal(&b);
}

/* Does text need RFC 2047 encoding?  Non-ASCII, or something a reader
 * would take for an encoded word. */
static bool needs_encoding(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p >= 0x80) return true;
  return strstr(s, "=?") != NULL;
}

/* Q-encoding in its most restricted form (RFC 2047 section 5 (3), valid in
 * phrases and unstructured text alike): letters, digits and !*+-/ as they
 * are, space as '_', everything else =XX. */
static bool q_literal(unsigned char c) { return is_alnum(c) || (c && strchr("!*+-/", c)); }

/* Encoded words for s, separated by spaces (fold points), each at most
 * EWORD_MAX characters and holding whole UTF-8 characters. */
static void put_encoded_words(struct strbuf *b, const char *s) {
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(s);
  size_t qlen = 0;
  for (size_t i = 0; i < n; i++)
    qlen += q_literal((unsigned char)s[i]) || s[i] == ' ' ? 1 : 3;
  bool use_q = qlen <= 4 * ((n + 2) / 3);
  const size_t room = EWORD_MAX - strlen("=?UTF-8?Q?") - strlen("?=");

  size_t i = 0;
  bool first = true;
  while (i < n) {
    /* Take as many whole characters as fit in one word; if they do not
     * all fit, end the word after the last space in it (the space goes
     * inside the word), so that readers which wrongly keep the white space
     * between encoded words (Python's email parser does, in phrases) show
     * at worst a double space between two words, never one inside a
     * word.  RFC 2047 readers join the words exactly. */
    size_t j = i, enc = 0, after_space = i;
    while (j < n) {
      uint32_t cp;
      int k = utf8_decode(s + j, n - j, &cp);
      if (k <= 0) k = 1; /* cannot happen: checked before */
      size_t add = 0;
      if (use_q) {
        for (int t = 0; t < k; t++) {
          unsigned char c = (unsigned char)s[j + t];
          add += q_literal(c) || c == ' ' ? 1 : 3;
        }
        if (enc + add > room) break;
        enc += add;
      } else {
        size_t bytes = j + (size_t)k - i;
        if (4 * ((bytes + 2) / 3) > room) break;
      }
      j += (size_t)k;
      if (s[j - 1] == ' ') after_space = j;
    }
    if (j < n && after_space > i) j = after_space;
    if (!first) strbuf_putc(b, ' ');
    first = false;
    strbuf_puts(b, use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
    if (use_q) {
      for (size_t t = i; t < j; t++) {
        unsigned char c = (unsigned char)s[t];
        if (c == ' ')
          strbuf_putc(b, '_');
        else if (q_literal(c))
          strbuf_putc(b, (char)c);
        else {
          strbuf_putc(b, '=');
          strbuf_putc(b, hex[c >> 4]);
          strbuf_putc(b, hex[c & 15]);
        }
      }
    } else {
      const unsigned char *p = (const unsigned char *)s + i;
      size_t len = j - i;
      for (size_t t = 0; t < len; t += 3) {
        unsigned v = (unsigned)p[t] << 16;
        if (t + 1 < len) v |= (unsigned)p[t + 1] << 8;
        if (t + 2 < len) v |= p[t + 2];
        strbuf_putc(b, b64[v >> 18 & 63]);
        strbuf_putc(b, b64[v >> 12 & 63]);
        strbuf_putc(b, t + 1 < len ? b64[v >> 6 & 63] : '=');
        strbuf_putc(b, t + 2 < len ? b64[v & 63] : '=');
      }
    }
    strbuf_puts(b, "?=");
    i = j;
  }
}

/* A display name as an RFC 5322 phrase: atoms as they are, other ASCII as a
 * quoted string, non-ASCII as encoded words. */
static void put_phrase(struct strbuf *b, const char *name) {
  if (needs_encoding(name)) {
    put_encoded_words(b, name);
    return;
  }
  bool atoms = name[0] != ' ';
  for (const char *p = name; *p && atoms; p++)
    if (!(is_atext((unsigned char)*p) || (*p == ' ' && p[1] && p[1] != ' ')))
      atoms = false;
  if (atoms) {
    strbuf_puts(b, name);
    return;
  }
  strbuf_putc(b, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"' || *p == '\\') strbuf_putc(b, '\\');
    strbuf_putc(b, *p);
  }
  strbuf_putc(b, '"');
}

/* An addr-spec with its spaces (only possible in a quoted local part)
 * marked as no fold points. */
static void put_addr(struct strbuf *b, const char *addr) {
  for (const char *p = addr; *p; p++) strbuf_putc(b, *p == ' ' ? NOFOLD : *p);
}

static void put_mailbox(struct strbuf *b, const char *name, const char *addr) {
  if (name && *name) {
    put_phrase(b, name);
    strbuf_puts(b, " <");
    put_addr(b, addr);
    strbuf_putc(b, '>');
  } else {
    put_addr(b, addr);
  }
}

/* Write the unfolded line "Name: value" folded at its spaces so each line
 * has at most MIME_LINE_MAX characters where a fold point allows, never
 * folding right after the colon, and end it with CRLF. */
static void put_folded(struct strbuf *out, const char *line) {
  size_t n = strlen(line);
  size_t col = 0;
  size_t i = 0;
  bool first_token = true;
  while (i < n) {
    /* The next token: from i to the next space that is followed by a
     * non-space (the run of spaces before a word travels with it). */
    size_t j = i + 1;
    while (j < n && !(line[j] == ' ' && j + 1 < n && line[j + 1] != ' ')) j++;
    size_t len = j - i;
    bool after_colon = first_token || (i > 0 && line[i - 1] == ':' &&
                                       memchr(line, ':', i - 1) == NULL);
    if (col > 0 && col + len > MIME_LINE_MAX && line[i] == ' ' &&
        !after_colon) {
      strbuf_puts(out, "\r\n");
      col = 0;
    }
    for (size_t k = i; k < j; k++)
      strbuf_putc(out, line[k] == NOFOLD ? ' ' : line[k]);
    col += len;
    i = j;
    first_token = false;
  }
  strbuf_puts(out, "\r\n");
}

/* ---- body encodings ---------------------------------------------------- */

/* Quoted-printable (RFC 2045 section 6.7) of text whose lines end in '\n':
 * CRLF hard breaks, lines of at most 76 characters with soft breaks, never
 * splitting an =XX.  Also encoded, for safety through dumb relays and
 * sendmail: '.' and the 'F' of "From " at the start of a line, and white
 * space at the end of one. */
static void put_qp(struct strbuf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  while (*s) {
    const char *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
      unsigned char c = (unsigned char)s[i];
      bool last = i + 1 == len;
      for (int pass = 0; pass < 2; pass++) {
        bool literal = (c >= 33 && c <= 126 && c != '=') ||
                       ((c == ' ' || c == '\t') && !last);
        if (col == 0 && (c == '.' || (c == 'F' && strncmp(s + i, "From ", 5) == 0)))
          literal = false;
        size_t elen = literal ? 1 : 3;
        /* A soft break "=" needs one column unless this is the last
         * character of the line. */
        if (col + elen > (last ? 76u : 75u)) {
          strbuf_puts(b, "=\r\n");
          col = 0;
          continue; /* re-decide at column 0 */
        }
        if (literal) {
          strbuf_putc(b, (char)c);
        } else {
          strbuf_putc(b, '=');
          strbuf_putc(b, hex[c >> 4]);
          strbuf_putc(b, hex[c & 15]);
        }
        col += elen;
        break;
      }
    }
    strbuf_puts(b, "\r\n");
    s += len;
    if (*s == '\n') s++;
  }
}

static void put_base64(struct strbuf *b, const unsigned char *p, size_t len) {
  static const char tbl[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t col = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < len) v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < len) v |= p[i + 2];
    char q[4] = {tbl[v >> 18 & 63], tbl[v >> 12 & 63],
                 i + 1 < len ? tbl[v >> 6 & 63] : '=',
                 i + 2 < len ? tbl[v & 63] : '='};
    strbuf_append(b, q, 4);
    col += 4;
    if (col == 76) {
      strbuf_puts(b, "\r\n");
      col = 0;
    }
  }
  if (col) strbuf_puts(b, "\r\n");
}

/* Append text word-wrapped at 72 characters (code points), words split at
 * single spaces, ending with '\n'. */
static void put_wrapped(struct strbuf *b, const char *text) {
  size_t col = 0;
  const char *p = text;
  while (*p) {
    while (*p == ' ') p++;
    if (!*p) break;
    const char *e = p;
    while (*e && *e != ' ') e++;
    size_t w = utf8_count(p, (size_t)(e - p));
    if (col > 0 && col + 1 + w > 72) {
      strbuf_putc(b, '\n');
      col = 0;
    } else if (col > 0) {
      strbuf_putc(b, ' ');
      col++;
    }
    strbuf_append(b, p, (size_t)(e - p));
    col += w;
    p = e;
  }
  strbuf_putc(b, '\n');
}

static void put_html_escaped(struct strbuf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&': strbuf_puts(b, "&amp;"); break;
    case '<': strbuf_puts(b, "&lt;"); break;
    case '>': strbuf_puts(b, "&gt;"); break;
    case '"': strbuf_puts(b, "&quot;"); break;
    case '\'': strbuf_puts(b, "&#39;"); break;
    default: strbuf_putc(b, *s);
    }
  }
}

/* ---- the letter's words ------------------------------------------------ */

/* The paragraphs of the body, as plain UTF-8 text (the HTML part escapes
 * them).  Generic on purpose: no title, no diagnosis, no treatment. */
struct letter_text {
  char *greeting;
  char *intro;
  const char *password; /* NULL: not protected */
  const char *call;
  const char *phone;
  const char *closing;
  const char *clinic;
};

static void letter_text_init(struct letter_text *t, const struct mime_letter *m) {
  struct strbuf b = {0};
  if (m->first_name && *m->first_name)
    strbuf_printf(&b, "Dear %s,", m->first_name);
  else
    strbuf_puts(&b, "Hello,");
  t->greeting = strbuf_steal(&b);
  strbuf_printf(&b,
                "Here is the information leaflet from %s that we talked "
                "about with you. It is attached to this email as a PDF "
                "file. It explains your treatment, what to look out for "
                "and when to call us.",
                m->clinic_name);
  t->intro = strbuf_steal(&b);
  switch (m->protect) {
  case PROTECT_DOB:
    /* No worked example: an example date could be this patient's. */
    t->password = "To open the leaflet, use your date of birth as the "
                  "password, written as 8 digits: 2 for the day, 2 for the "
                  "month and 4 for the year, with no spaces or slashes.";
    break;
  case PROTECT_PASSPHRASE:
    t->password = "To open the leaflet, use the password we gave you "
                  "separately. We never send it by email.";
    break;
  default:
    t->password = NULL;
  }
  t->call = "If you feel unwell or are worried about any symptom, call our "
            "24-hour line at any time, day or night:";
  t->phone = m->phone_24h;
  t->closing = "With best wishes,";
  t->clinic = m->clinic_name;
}

static void letter_text_free(struct letter_text *t) {
  free(t->greeting);
  free(t->intro);
}

static void put_plain(struct strbuf *b, const struct letter_text *t) {
  put_wrapped(b, t->greeting);
  strbuf_putc(b, '\n');
  put_wrapped(b, t->intro);
  strbuf_putc(b, '\n');
  if (t->password) {
    put_wrapped(b, t->password);
    strbuf_putc(b, '\n');
  }
  put_wrapped(b, t->call);
  strbuf_putc(b, '\n');
  strbuf_printf(b, "    %s\n\n", t->phone);
  put_wrapped(b, t->closing);
  put_wrapped(b, t->clinic);
}

static void put_html_para(struct strbuf *b, const char *open, const char *text,
                          const char *close) {
  strbuf_puts(b, open);
  put_html_escaped(b, text);
  strbuf_puts(b, close);
}

static void put_html(struct strbuf *b, const struct letter_text *t) {
  strbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                 "<meta charset=\"utf-8\">\n"
                 "<title>Your information leaflet</title>\n</head>\n<body>\n");
  put_html_para(b, "<p>", t->greeting, "</p>\n");
  put_html_para(b, "<p>", t->intro, "</p>\n");
  if (t->password) put_html_para(b, "<p>", t->password, "</p>\n");
  put_html_para(b, "<p>", t->call, "</p>\n");
  put_html_para(b, "<p><strong>", t->phone, "</strong></p>\n");
  put_html_para(b, "<p>", t->closing, "<br>\n");
  put_html_para(b, "", t->clinic, "</p>\n");
  strbuf_puts(b, "</body>\n</html>\n");
}

/* ---- the message ------------------------------------------------------- */

struct checked_field {
  const char *label; /* for messages: "to address" */
  const char *value;
  bool patient;      /* patient data: redact in messages */
  bool required;
};

static bool check_inputs(const struct mime_letter *m, struct diag *d) {
  const char *why;
  bool ok = true;
  struct { const char *label; const char *value; bool patient; } addrs[] = {
      {"sender address (--from)", m->from_addr, false},
      {"recipient address", m->to_addr, true},
  };
  for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
    if (!addrs[i].value) {
      diag_fail(d, "email: the %s is missing", addrs[i].label);
      ok = false;
    } else if (!mime_check_address(addrs[i].value, &why)) {
      diag_fail(d, "email: %s '%s' is not valid: %s", addrs[i].label,
                addrs[i].patient ? diag_redact(d, addrs[i].value)
                                 : addrs[i].value,
                why);
      ok = false;
    }
  }
  struct checked_field texts[] = {
      {"sender name", m->from_name, false, false},
      {"recipient name", m->to_name, true, false},
      {"clinic name", m->clinic_name, false, true},
      {"24-hour phone line", m->phone_24h, false, true},
      {"first name", m->first_name, true, false},
      {"reference", m->ref, true, true},
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    const struct checked_field *f = &texts[i];
    if (!f->value || !*f->value) {
      if (f->required) {
        diag_fail(d, "email: the %s is missing", f->label);
        ok = false;
      }
      continue;
    }
    if (!mime_check_header_text(f->value, &why)) {
      diag_fail(d, "email: %s '%s': %s", f->label,
                f->patient ? diag_redact(d, f->value) : f->value, why);
      ok = false;
    } else if (strlen(f->value) > MIME_NAME_MAX) {
      diag_fail(d, "email: %s is longer than %d bytes", f->label,
                MIME_NAME_MAX);
      ok = false;
    }
  }
  const char *sha = m->leaflet_sha256;
  bool sha_ok = sha && strlen(sha) == SHA256_HEX_LEN;
  for (size_t i = 0; sha_ok && i < SHA256_HEX_LEN; i++)
    if (!strchr("0123456789abcdef", sha[i])) sha_ok = false;
  if (!sha_ok) {
    diag_fail(d, "email: the leaflet's sha256 is not 64 lower-case hex digits");
    ok = false;
  }
  if (m->filename) {
    bool fn_ok = *m->filename && m->filename[0] != '.' &&
                 strlen(m->filename) <= 64;
    for (const char *p = m->filename; fn_ok && *p; p++)
      if (!is_alnum((unsigned char)*p) && !strchr("._-", *p)) fn_ok = false;
    if (!fn_ok) {
      diag_fail(d, "email: attachment file name '%s' is not allowed "
                   "(expected letters, digits, '.', '_', '-', at most 64)",
                m->filename);
      ok = false;
    }
  }
  if (!m->pdf || m->pdf_len == 0) {
    diag_fail(d, "email: the leaflet to attach is empty");
    ok = false;
  }
  if (m->date < MIME_DATE_MIN || m->date > MIME_DATE_MAX) {
    diag_fail(d, "email: the date is not within the years 1900 to 9999 "
                 "(expected the time of sending)");
    ok = false;
  }
  if (m->protect < 0 || m->protect >= PROTECT__MAX) {
    diag_fail(d, "email: unknown protection mode");
    ok = false;
  }
  return ok;
}

char *mime_build(const struct mime_letter *m, struct diag *d, size_t *len_out) {
  *len_out = 0;
  if (!check_inputs(m, d)) return NULL;

  char msgid[320], date[32], hex[SHA256_HEX_LEN + 1];
  mime_message_id(m->ref, m->leaflet_sha256, m->from_addr, msgid, sizeof msgid);
  mime_date(m->date, date);
  id_hash(m->ref, m->leaflet_sha256, m->from_addr, hex);
  char mixed[64], alt[64];
  /* hex[32..56): the part of the hash the Message-ID does not show */
  snprintf(mixed, sizeof mixed, "=_handout_%.24s_m", hex + 32);
  snprintf(alt, sizeof alt, "=_handout_%.24s_a", hex + 32);
  const char *filename = m->filename ? m->filename : MIME_ATTACHMENT_DEFAULT;

  struct strbuf out = {0}, line = {0};
#define HEADER(...)                                                           \
  do {                                                                        \
    line.len = 0;                                                             \
    strbuf_printf(&line, __VA_ARGS__);                                        \
    put_folded(&out, line.data);                                              \
  } while (0)

  line.len = 0;
  strbuf_puts(&line, "From: ");
  put_mailbox(&line, m->from_name && *m->from_name ? m->from_name
                                                    : m->clinic_name,
              m->from_addr);
  put_folded(&out, line.data);
  line.len = 0;
  strbuf_puts(&line, "To: ");
  put_mailbox(&line, m->to_name, m->to_addr);
  put_folded(&out, line.data);
  char *subject = mime_subject(m->clinic_name);
  line.len = 0;
  strbuf_puts(&line, "Subject: ");
  if (needs_encoding(subject))
    put_encoded_words(&line, subject);
  else
    strbuf_puts(&line, subject);
  put_folded(&out, line.data);
  free(subject);
  HEADER("Date: %s", date);
  HEADER("Message-ID: %s", msgid);
  HEADER("MIME-Version: 1.0");
  HEADER("Content-Type: multipart/mixed; boundary=\"%s\"", mixed);
  strbuf_puts(&out, "\r\nThis is a multi-part message in MIME format.\r\n");

  /* multipart/alternative: text, then HTML (the preferred one last) */
  strbuf_printf(&out, "\r\n--%s\r\n", mixed);
  HEADER("Content-Type: multipart/alternative; boundary=\"%s\"", alt);
  struct letter_text t;
  letter_text_init(&t, m);
  struct strbuf body = {0};
  put_plain(&body, &t);
  strbuf_printf(&out, "\r\n--%s\r\n", alt);
  HEADER("Content-Type: text/plain; charset=utf-8");
  HEADER("Content-Transfer-Encoding: quoted-printable");
  strbuf_puts(&out, "\r\n");
  put_qp(&out, body.data);
  body.len = 0;
  put_html(&body, &t);
  strbuf_printf(&out, "\r\n--%s\r\n", alt);
  HEADER("Content-Type: text/html; charset=utf-8");
  HEADER("Content-Transfer-Encoding: quoted-printable");
  strbuf_puts(&out, "\r\n");
  put_qp(&out, body.data);
  strbuf_printf(&out, "\r\n--%s--\r\n", alt);
  strbuf_free(&body);
  letter_text_free(&t);

  /* the leaflet */
  strbuf_printf(&out, "\r\n--%s\r\n", mixed);
  HEADER("Content-Type: application/pdf; name=\"%s\"", filename);
  HEADER("Content-Disposition: attachment; filename=\"%s\"", filename);
  HEADER("Content-Transfer-Encoding: base64");
  strbuf_puts(&out, "\r\n");
  put_base64(&out, m->pdf, m->pdf_len);
  strbuf_printf(&out, "\r\n--%s--\r\n", mixed);
#undef HEADER

  strbuf_free(&line);
  *len_out = out.len;
  return strbuf_steal(&out);
}
