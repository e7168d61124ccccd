/*
 * fuzz_mime: bytes split into the fields of a struct mime_letter ->
 * mime_build() -> the message checked against the promises of mime.h.
 *
 * Input format (tests/fuzz/seeds/mime-* are examples):
 *
 *   FLAGS  from_addr NUL from_name NUL to_addr NUL to_name NUL ref NUL
 *          leaflet_sha256 NUL clinic_name NUL phone_24h NUL first_name NUL
 *          filename NUL date NUL attachment...
 *
 * FLAGS is one byte: bits 0-1 the protect mode (3 is out of range and must
 * be refused), bit 2 from_name NULL, bit 3 to_name NULL, bit 4 first_name
 * NULL, bit 5 filename NULL, bit 6 no attachment (pdf NULL).  A field the
 * input ends before is NULL.  date is decimal seconds since 1970 (strtoll:
 * it saturates at the range of time_t).  The attachment is every byte
 * after the eleventh NUL, NULs included.
 *
 * mime_build() must refuse bad inputs through diag and never crash, leak or
 * hang.  A message it returns must hold, whatever the inputs:
 *   - len == strlen (no NUL), only printable ASCII plus CR LF pairs (no bare
 *     CR or LF), every line ends with CRLF and has at most 998 octets;
 *   - a header block whose lines are known fields or continuation lines
 *     (starting with a space, not white space only): no input CR/LF can
 *     start a header of its own; encoded words at most 75 characters;
 *   - unfolded, To holds the address as given, Message-ID is
 *     mime_message_id(), Date is RFC 5322 with a 4-digit year from 1900,
 *     and an ASCII clinic name gives the exact subject;
 *   - the base64 attachment decodes to the attached bytes.
 */
#include <string.h>

#include "fuzz_common.h"
#include "mime.h"
#include "util.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) abort();                                                      \
  } while (0)

enum { F_FROM_ADDR, F_FROM_NAME, F_TO_ADDR, F_TO_NAME, F_REF, F_SHA,
       F_CLINIC, F_PHONE, F_FIRST_NAME, F_FILENAME, F_DATE, F__MAX };

/* The input cut into fields: copies, NUL-terminated, NULL when absent. */
struct fuzz_letter {
  char *field[F__MAX];
  const unsigned char *pdf;
  size_t pdf_len;
  struct mime_letter m;
};

static time_t parse_date(const char *s) {
  return s ? (time_t)strtoll(s, NULL, 10) : 0;
}

/* Cut data (after the flag byte) into NUL-terminated fields and the
 * attachment. */
static void cut_fields(struct fuzz_letter *L, const uint8_t *data,
                       size_t size) {
  size_t i = 1;
  for (int f = 0; f < F__MAX && i < size; f++) {
    const uint8_t *nul = memchr(data + i, 0, size - i);
    size_t n = nul ? (size_t)(nul - (data + i)) : size - i;
    L->field[f] = xmalloc(n + 1);
    memcpy(L->field[f], data + i, n);
    L->field[f][n] = '\0';
    i += n + 1;
  }
  if (i < size) {
    L->pdf = data + i;
    L->pdf_len = size - i;
  }
}

/* The flag byte: NULL fields, no attachment. */
static void apply_flags(struct fuzz_letter *L, unsigned flags) {
  static const int nullable[4] = {F_FROM_NAME, F_TO_NAME, F_FIRST_NAME,
                                  F_FILENAME};
  for (int k = 0; k < 4; k++)
    if (flags & (4u << k)) {
      free(L->field[nullable[k]]);
      L->field[nullable[k]] = NULL;
    }
  if (flags & 64) L->pdf = NULL, L->pdf_len = 0;
}

static void letter_from_bytes(struct fuzz_letter *L, const uint8_t *data,
                              size_t size) {
  memset(L, 0, sizeof *L);
  if (size == 0) return;
  cut_fields(L, data, size);
  apply_flags(L, data[0]);
  struct mime_letter *m = &L->m;
  m->from_addr = L->field[F_FROM_ADDR];
  m->from_name = L->field[F_FROM_NAME];
  m->to_addr = L->field[F_TO_ADDR];
  m->to_name = L->field[F_TO_NAME];
  m->ref = L->field[F_REF];
  m->leaflet_sha256 = L->field[F_SHA];
  m->clinic_name = L->field[F_CLINIC];
  m->phone_24h = L->field[F_PHONE];
  m->first_name = L->field[F_FIRST_NAME];
  m->filename = L->field[F_FILENAME];
  m->date = parse_date(L->field[F_DATE]);
  m->protect = (enum protect_mode)(data[0] & 3);
  m->pdf = L->pdf;
  m->pdf_len = L->pdf_len;
}

static void letter_free(struct fuzz_letter *L) {
  for (int f = 0; f < F__MAX; f++) free(L->field[f]);
}

/* CRLF only, lines of at most 998 octets, printable ASCII otherwise. */
static void check_lines(const char *msg, size_t len) {
  FUZZ_CHECK(strlen(msg) == len);
  FUZZ_CHECK(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)msg[i];
    if (c == '\r') {
      FUZZ_CHECK(i + 1 < len && msg[i + 1] == '\n');
      FUZZ_CHECK(i - start <= 998);
      start = i + 2;
      i++;
    } else {
      FUZZ_CHECK(c >= 0x20 && c <= 0x7E);
    }
  }
}

static bool known_header(const char *line) {
  static const char *const names[] = {"From: ", "To: ", "Subject: ",
                                      "Date: ", "Message-ID: ",
                                      "MIME-Version: ", "Content-Type: "};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++)
    if (strncmp(line, names[k], strlen(names[k])) == 0) return true;
  return false;
}

/* Encoded words ("=?" to "?=" without a space) of at most 75 characters. */
static void check_encoded_words(const char *line, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (line[i] != '=' || line[i + 1] != '?') continue;
    size_t j = i;
    while (j < n && line[j] != ' ') j++;
    FUZZ_CHECK(j - i <= 75);
    i = j;
  }
}

/* The header block, unfolded into h (one "Name: value\n" per field);
 * returns where the body starts. */
static const char *unfold_headers(const char *msg, struct strbuf *h) {
  const char *p = msg;
  FUZZ_CHECK(known_header(p));
  while (strncmp(p, "\r\n", 2) != 0) {
    const char *e = strstr(p, "\r\n");
    size_t n = (size_t)(e - p);
    if (p != msg && *p == ' ')
      FUZZ_CHECK(strspn(p, " ") < n); /* not white space only */
    else
      FUZZ_CHECK(known_header(p));
    check_encoded_words(p, n);
    if (p != msg && *p != ' ') strbuf_putc(h, '\n');
    strbuf_append(h, p, n);
    p = e + 2;
  }
  strbuf_putc(h, '\n');
  return p + 2;
}

/* The value of header name ("To: ") in the unfolded block, malloc'd. */
static char *header_value(const char *h, const char *name) {
  size_t n = strlen(name);
  for (const char *p = h; *p; p = strchr(p, '\n') + 1)
    if (strncmp(p, name, n) == 0)
      return xstrndup(p + n, (size_t)(strchr(p, '\n') - p) - n);
  FUZZ_CHECK(!"header missing");
  return NULL;
}

/* "Tue, 03 Mar 2026 18:04:05 +0000": RFC 5322, a 4-digit year >= 1900. */
static void check_date(const char *h) {
  char *date = header_value(h, "Date: ");
  const char *shape = "Aaa, 00 Aaa 0000 00:00:00 +0000";
  FUZZ_CHECK(strlen(date) == strlen(shape));
  for (size_t i = 0; shape[i]; i++)
    if (shape[i] == '0')
      FUZZ_CHECK(date[i] >= '0' && date[i] <= '9');
    else if (shape[i] == 'A' || shape[i] == 'a')
      FUZZ_CHECK((date[i] | 0x20) >= 'a' && (date[i] | 0x20) <= 'z');
    else
      FUZZ_CHECK(date[i] == shape[i]);
  FUZZ_CHECK(strncmp(date + 12, "1900", 4) >= 0);
  free(date);
}

static void check_headers(const char *h, const struct mime_letter *m) {
  check_date(h);
  char *to = header_value(h, "To: ");
  FUZZ_CHECK(strstr(to, m->to_addr) != NULL);
  free(to);
  char want[320];
  mime_message_id(m->ref, m->leaflet_sha256, m->from_addr, want, sizeof want);
  char *id = header_value(h, "Message-ID: ");
  FUZZ_CHECK(strcmp(id, want) == 0);
  free(id);
  bool ascii = strstr(m->clinic_name, "=?") == NULL;
  for (const char *p = m->clinic_name; *p; p++)
    if ((unsigned char)*p >= 0x80) ascii = false;
  if (ascii) {
    char *subject = header_value(h, "Subject: ");
    char *expected = mime_subject(m->clinic_name);
    FUZZ_CHECK(strcmp(subject, expected) == 0);
    free(expected);
    free(subject);
  }
}

static int b64_value(char c) {
  static const char tbl[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(tbl, c) : NULL;
  return p ? (int)(p - tbl) : -1;
}

/* The base64 part decodes to the attachment; its lines are <= 76. */
static void check_attachment(const char *body, const struct mime_letter *m) {
  /* the last one: the attachment is the last part, and the text parts
   * may quote the same words (a clinic called that) */
  const char *mark = "Content-Transfer-Encoding: base64\r\n\r\n";
  const char *p = NULL;
  for (const char *q = strstr(body, mark); q; q = strstr(q + 1, mark)) p = q;
  FUZZ_CHECK(p != NULL);
  p += strlen(mark);
  struct strbuf out = {0};
  unsigned acc = 0;
  int bits = 0;
  while (*p != '\r') {
    const char *e = strstr(p, "\r\n");
    FUZZ_CHECK(e - p <= 76 && (e - p) % 4 == 0);
    for (; p < e && *p != '='; p++) {
      int v = b64_value(*p);
      FUZZ_CHECK(v >= 0);
      acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        strbuf_putc(&out, (char)(acc >> bits & 0xFF));
      }
    }
    p = e + 2;
  }
  FUZZ_CHECK(out.len == m->pdf_len && memcmp(out.data, m->pdf, out.len) == 0);
  strbuf_free(&out);
}

static void check_message(const char *msg, size_t len,
                          const struct mime_letter *m) {
  check_lines(msg, len);
  struct strbuf h = {0};
  const char *body = unfold_headers(msg, &h);
  check_headers(h.data, m);
  strbuf_free(&h);
  check_attachment(body, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_letter L;
  letter_from_bytes(&L, data, size);
  struct diag d;
  diag_init(&d, fuzz_devnull());
  d.show_patient_data = size % 2; /* both ways of reporting values */
  size_t len = 0;
  char *msg = mime_build(&L.m, &d, &len);
  if (msg) {
    check_message(msg, len, &L.m);
    free(msg);
  }
  letter_free(&L);
  return 0;
}
