/*
 * test_mime: the leaflet email (mime.c), its SHA-256 (sha256.c) and the
 * spool transport (spool.c).
 *
 * Run from the repository root (ctest does).  Messages are written to a
 * temporary folder and parsed back by tests/mail/parse_eml.py with the
 * interpreter in $HANDOUT_PYTHON (default /usr/bin/python3: Debian's, which
 * has the email package like any Python 3): attachment byte-equal, headers
 * valid, subject generic, encoded words decode, no line over 998 octets,
 * CRLF only.  Also: SHA-256 test vectors, RFC 5321 address syntax, header
 * injection refused, determinism, diagnostics that hide patient data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "harness.h"
#include "mime.h"
#include "sha256.h"
#include "spool.h"
#include "util.h"

static char tmpdir[64];
static const char *python = "/usr/bin/python3";

/* ---- helpers ----------------------------------------------------------- */

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

/* Run argv (NULL-terminated) and return its exit status (-1: not run). */
static int run(char *const argv[]) {
  pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char SHA_A[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/* A letter with every field set; tests change what they test. */
static struct mime_letter base_letter(const unsigned char *pdf, size_t n) {
  struct mime_letter m = {0};
  m.from_addr = "leaflets@demo.example.org";
  m.to_addr = "ana.garcia@example.com";
  m.to_name = "Ana García";
  m.date = 1772561045; /* Tue, 03 Mar 2026 18:04:05 +0000 */
  m.ref = "A1B2C3";
  m.leaflet_sha256 = SHA_A;
  m.clinic_name = "Demo Cancer Centre (demo)";
  m.phone_24h = "020 7946 0000";
  m.first_name = "Ana";
  m.protect = PROTECT_NONE;
  m.pdf = pdf;
  m.pdf_len = n;
  return m;
}

/* Build m, write it and the attachment, run parse_eml.py with the extra
 * arguments (NULL-terminated).  Returns the script's exit status. */
static int build_and_parse(const struct mime_letter *m, const char *name,
                           const char *const extra[]) {
  struct diag d;
  diag_init(&d, stderr);
  size_t len;
  char *msg = mime_build(m, &d, &len);
  if (!msg) return -2;
  char eml[256], pdf[256];
  snprintf(eml, sizeof eml, "%s/%s.eml", tmpdir, name);
  snprintf(pdf, sizeof pdf, "%s/%s.pdf", tmpdir, name);
  write_file(eml, msg, len);
  write_file(pdf, m->pdf, m->pdf_len);
  free(msg);
  const char *argv[64] = {python, "tests/mail/parse_eml.py", eml,
                          "--attachment", pdf};
  int n = 5;
  if (m->to_addr) argv[n++] = "--to", argv[n++] = m->to_addr;
  argv[n++] = "--from", argv[n++] = m->from_addr;
  argv[n++] = "--phone", argv[n++] = m->phone_24h;
  argv[n++] = "--first-name", argv[n++] = m->first_name ? m->first_name : "";
  if (m->to_name) argv[n++] = "--to-name", argv[n++] = m->to_name;
  for (int i = 0; extra && extra[i] && n < 62; i++) argv[n++] = extra[i];
  argv[n] = NULL;
  return run((char *const *)argv);
}

static char *build(const struct mime_letter *m, size_t *len) {
  struct diag d;
  diag_init(&d, stderr);
  return mime_build(m, &d, len);
}

/* mime_build must fail; its messages are captured in *out (caller frees). */
static bool build_fails(const struct mime_letter *m, char **out) {
  char *text = NULL;
  size_t tlen = 0;
  FILE *f = open_memstream(&text, &tlen);
  struct diag d;
  diag_init(&d, f);
  size_t len;
  char *msg = mime_build(m, &d, &len);
  fclose(f);
  free(msg);
  if (out)
    *out = text;
  else
    free(text);
  return msg == NULL;
}

/* ---- SHA-256 ----------------------------------------------------------- */

static void test_sha256(void) {
  char hex[SHA256_HEX_LEN + 1];
  sha256_hex("abc", 3, hex);
  STR_EQ(hex, SHA_A, "sha256(abc)");
  sha256_hex("", 0, hex);
  STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "sha256(empty)");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_hex(m448, strlen(m448), hex);
  STR_EQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
         "sha256(448 bits)");
  /* a million 'a', fed in uneven pieces */
  struct sha256_ctx c;
  unsigned char dig[SHA256_LEN];
  char chunk[997];
  memset(chunk, 'a', sizeof chunk);
  sha256_init(&c);
  size_t left = 1000000;
  for (size_t k = 1; left > 0; k = k * 7 % 997 + 1) {
    size_t n = k < left ? k : left;
    sha256_update(&c, chunk, n);
    left -= n;
  }
  sha256_final(&c, dig);
  sha256_to_hex(dig, hex);
  STR_EQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
         "sha256(a million a)");
}

/* ---- addresses and header text ----------------------------------------- */

static void test_addresses(void) {
  const char *why;
  char local64[80], label63[100], long_addr[300];
  memset(local64, 'x', 64);
  strcpy(local64 + 64, "@example.org");
  snprintf(label63, sizeof label63, "a@%.63s.org",
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  const char *good[] = {
      "a@example.org",
      "first.last+tag@sub.example.co.uk",
      "o'brien@example.ie",
      "x_y-z=1?{}|~#$%&*/^`!@example.org",
      "\"john doe\"@example.org",
      "\"a\\\"b\"@example.org",
      "\"a@b\"@example.org",
      "user@[192.0.2.1]",
      "user@[IPv6:2001:db8::1]",
      "a@xn--bcher-kva.example",
      "a@1.example",
      local64,
      label63,
  };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    bool ok = mime_check_address(good[i], &why);
    OK(ok, "address %zu should be valid: %s (%s)", i, good[i], why ? why : "");
  }
  char local65[90];
  memset(local65, 'x', 65);
  strcpy(local65 + 65, "@example.org");
  char label64[110];
  snprintf(label64, sizeof label64, "a@%.64s.org",
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  /* 254 octets: the most a path allows; 255: one too many */
  static const char X[] =
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
  char addr254[300];
  snprintf(addr254, sizeof addr254, "%.64s@%.63s.%.63s.%.57s.org", X, X, X, X);
  snprintf(long_addr, sizeof long_addr, "%.64s@%.63s.%.63s.%.58s.org", X, X,
           X, X);
  INT_EQ(strlen(addr254), 254, "254-octet address length");
  OK(mime_check_address(addr254, &why), "254-octet address is valid");
  INT_EQ(strlen(long_addr), 255, "255-octet address length");
  const struct {
    const char *addr;
    const char *why; /* a piece of the expected reason */
  } bad[] = {
      {"", "empty"},
      {"plain", "no '@'"},
      {"@example.org", "local part"},
      {"a@", "domain"},
      {"a..b@example.org", "two dots"},
      {".a@example.org", "starts or ends with a dot"},
      {"a.@example.org", "starts or ends with a dot"},
      {"a b@example.org", "only allowed in quotes"},
      {"a,b@example.org", "only allowed in quotes"},
      {"a@b@example.org", "character other than"},
      {"a@localhost", "no dot"},
      {"a@example..org", "empty label"},
      {"a@example.org.", "empty label"},
      {"a@-example.org", "starts or ends with '-'"},
      {"a@example-.org", "starts or ends with '-'"},
      {"a@exa_mple.org", "character other than"},
      {"a@192.0.2.1", "all digits"},
      {"ü@example.org", "non-ASCII"},
      {"a@exämple.org", "non-ASCII"},
      {"a@example.org\r\nBcc: victim@example.net", "line break"},
      {"a@example.org\nBcc: victim@example.net", "line break"},
      {"a\t@example.org", "control"},
      {"\"unclosed@example.org", "not closed"},
      {"\"a\"b@example.org", "right after the quoted"},
      {"a@[300.1.1.1]", "literal"},
      {"a@[1.2.3]", "literal"},
      {"a@[1.2.3.4", "closing"},
      {local65, "longer than 64"},
      {label64, "longer than 63"},
      {long_addr, "254"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why = NULL;
    bool ok = mime_check_address(bad[i].addr, &why);
    OK(!ok, "address %zu should be invalid", i);
    OK(why && strstr(why, bad[i].why), "address %zu: reason '%s' lacks '%s'",
       i, why ? why : "(none)", bad[i].why);
  }

  OK(mime_check_header_text("Zoë O'Brien-Łukasiewicz", &why), "accents ok");
  OK(mime_check_header_text("李小龍", &why), "CJK ok");
  OK(!mime_check_header_text("Eve\r\nBcc: x@example.net", &why) &&
         strstr(why, "line break"),
     "CRLF refused");
  OK(!mime_check_header_text("Eve\nBcc", &why), "LF refused");
  OK(!mime_check_header_text("Eve\rBcc", &why), "CR refused");
  OK(!mime_check_header_text("tab\there", &why), "tab refused");
  OK(!mime_check_header_text("nel\xc2\x85", &why), "C1 NEL refused");
  OK(!mime_check_header_text("bad \xff utf8", &why) && strstr(why, "UTF-8"),
     "invalid UTF-8 refused");
}

/* ---- header pieces ----------------------------------------------------- */

static void test_header_pieces(void) {
  char buf[320];
  mime_date(0, buf);
  STR_EQ(buf, "Thu, 01 Jan 1970 00:00:00 +0000", "epoch date");
  mime_date(1772561045, buf);
  STR_EQ(buf, "Tue, 03 Mar 2026 18:04:05 +0000", "2026 date");
  mime_date(951782400, buf); /* 2000-02-29 */
  STR_EQ(buf, "Tue, 29 Feb 2000 00:00:00 +0000", "leap day");
  mime_date(MIME_DATE_MAX, buf);
  STR_EQ(buf, "Fri, 31 Dec 9999 23:59:59 +0000", "the last date");
  mime_date(MIME_DATE_MAX + 1000, buf);
  STR_EQ(buf, "Fri, 31 Dec 9999 23:59:59 +0000", "a later date is clamped");
  mime_date(MIME_DATE_MIN, buf);
  STR_EQ(buf, "Mon, 01 Jan 1900 00:00:00 +0000", "the first date");

  char a[320], b[320], c[320];
  mime_message_id("A1", SHA_A, "x@Demo.Example.ORG", a, sizeof a);
  mime_message_id("A1", SHA_A, "x@Demo.Example.ORG", b, sizeof b);
  mime_message_id("A2", SHA_A, "x@Demo.Example.ORG", c, sizeof c);
  STR_EQ(a, b, "Message-ID is deterministic");
  OK(strcmp(a, c) != 0, "Message-ID depends on ref");
  OK(strlen(a) == 1 + 32 + 1 + strlen("demo.example.org") + 1 &&
         a[0] == '<' && strstr(a, "@demo.example.org>"),
     "Message-ID form: %s", a);

  char *s = mime_subject("Demo Cancer Centre (demo)");
  STR_EQ(s, "Your information leaflet from Demo Cancer Centre (demo)",
         "subject");
  free(s);
}

/* ---- whole messages ---------------------------------------------------- */

static unsigned char *fake_pdf(size_t n, unsigned seed) {
  unsigned char *p = xmalloc(n);
  memcpy(p, "%PDF-1.7\n", n < 9 ? n : 9);
  for (size_t i = 9; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (unsigned char)(seed >> 16);
  }
  return p;
}

/* Every line of msg ends in CRLF; none longer than max octets. */
static void check_lines(const char *msg, size_t len, size_t max_header,
                        const char *what) {
  bool crlf = true, in_header = true;
  size_t longest = 0, longest_header = 0;
  for (size_t i = 0, start = 0; i < len; i++) {
    if (msg[i] == '\r' && (i + 1 >= len || msg[i + 1] != '\n')) crlf = false;
    if (msg[i] == '\n') {
      if (i == 0 || msg[i - 1] != '\r') crlf = false;
      size_t l = i - start - 1;
      if (l > longest) longest = l;
      if (in_header && l > longest_header) longest_header = l;
      if (l == 0) in_header = false;
      start = i + 1;
    }
  }
  OK(crlf, "%s: CRLF only", what);
  OK(longest <= 998, "%s: longest line %zu", what, longest);
  OK(longest_header <= max_header, "%s: longest header line %zu", what,
     longest_header);
  OK(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n',
     "%s: ends with CRLF", what);
}

static void test_messages(void) {
  size_t n = 100000;
  unsigned char *pdf = fake_pdf(n, 7);
  struct mime_letter m = base_letter(pdf, n);

  /* deterministic, CRLF, lines within limits */
  size_t l1, l2;
  char *m1 = build(&m, &l1), *m2 = build(&m, &l2);
  OK(m1 && m2 && l1 == l2 && memcmp(m1, m2, l1) == 0,
     "the same letter gives the same bytes");
  if (m1) {
    check_lines(m1, l1, MIME_LINE_MAX, "plain letter");
    OK(strstr(m1, "A1B2C3") == NULL, "the ref is not in the message");
    OK(strstr(m1, "\r\nSubject: Your information leaflet from Demo Cancer "
                  "Centre\r\n (demo)\r\n") ||
           strstr(m1, "\r\nSubject: Your information leaflet from Demo Cancer "
                      "Centre (demo)\r\n"),
       "plain ASCII subject unencoded");
    OK(strstr(m1, "filename=\"leaflet.pdf\""), "attachment name");
  }
  free(m1);
  free(m2);
  const char *generic[] = {"--subject",
                           "Your information leaflet from Demo Cancer Centre (demo)",
                           "--forbid", "Ana", "--forbid", "García",
                           "--forbid", "melanoma", NULL};
  INT_EQ(build_and_parse(&m, "plain", generic), 0, "plain letter parses back");

  /* non-ASCII everywhere in headers: encoded words, decoded exactly */
  m.first_name = "Zoë";
  m.to_name = "Zoë O'Brien-Łukasiewicz";
  m.clinic_name = "Clínica Universitária São João (demo)";
  m.from_name = "Clínica Universitária São João – Leaflets";
  free(pdf);
  m.pdf = pdf = fake_pdf(n = 4321, 11);
  m.pdf_len = n;
  const char *accents[] = {
      "--subject", "Your information leaflet from Clínica Universitária São João (demo)",
      "--forbid", "Zoë", "--forbid", "Łukasiewicz", NULL};
  INT_EQ(build_and_parse(&m, "accents", accents), 0, "accented letter");
  size_t len;
  char *msg = build(&m, &len);
  if (msg) {
    check_lines(msg, len, MIME_LINE_MAX, "accented letter");
    OK(strstr(msg, "=?UTF-8?"), "encoded words used");
    char *h = strstr(msg, "\r\n\r\n");
    if (h) *h = '\0';
    bool ascii = true;
    for (char *p = msg; *p; p++)
      if ((unsigned char)*p >= 0x80) ascii = false;
    OK(ascii, "headers are ASCII");
  }
  free(msg);

  /* another script, a long name (folding), apostrophes, commas */
  free(pdf);
  m.first_name = "Дмитрий";
  m.to_name = "Дмитрий Александрович Константинопольский-Преображенский, "
              "李小龍 \"Bruce\" O'Neil";
  m.clinic_name = "Royal Free London NHS Foundation Trust Immunotherapy "
                  "Service, Pond Street, Hampstead (demo)";
  m.from_name = NULL;
  m.pdf = pdf = fake_pdf(n = 1, 3); /* one byte: base64 padding */
  m.pdf_len = n;
  const char *script[] = {
      "--subject",
      "Your information leaflet from Royal Free London NHS Foundation Trust "
      "Immunotherapy Service, Pond Street, Hampstead (demo)",
      "--forbid", "Дмитрий", "--forbid", "Bruce", NULL};
  INT_EQ(build_and_parse(&m, "script", script), 0, "Cyrillic and CJK letter");
  msg = build(&m, &len);
  if (msg) check_lines(msg, len, MIME_LINE_MAX, "long names");
  free(msg);

  /* ASCII specials in names: quoted strings; HTML escaped; no first name */
  free(pdf);
  m.first_name = "<script>alert('x')</script> & \"Jo\"";
  m.to_name = "Smith, John \"Jack\" (Jr.) \\ =?utf-8?q?x?=";
  m.clinic_name = ".Dot Clinic & Partners <demo>";
  m.phone_24h = "+44 20 7946 0000 <ext. 1>";
  m.pdf = pdf = fake_pdf(n = 2, 5);
  m.pdf_len = n;
  const char *specials[] = {"--subject",
                            "Your information leaflet from .Dot Clinic & "
                            "Partners <demo>",
                            NULL};
  INT_EQ(build_and_parse(&m, "specials", specials), 0, "specials letter");
  m.first_name = NULL;
  INT_EQ(build_and_parse(&m, "nofirst", NULL), 0, "no first name: Hello,");
  /* a line starting "From " and a lone dot are encoded in the text */
  m.clinic_name = "From Clinic";
  m.first_name = ".";
  msg = build(&m, &len);
  OK(msg && strstr(msg, "\r\n=46rom Clinic") && strstr(msg, "\r\nDear .,"),
     "'From ' at a line start encoded");
  free(msg);

  /* protection hints: the kind of password, never a password */
  free(pdf);
  m = base_letter(pdf = fake_pdf(n = 3000, 9), n);
  m.protect = PROTECT_DOB;
  const char *dob[] = {"--body-has", "date of birth", "--body-has", "8 digits",
                       NULL};
  INT_EQ(build_and_parse(&m, "dob", dob), 0, "DOB letter");
  m.protect = PROTECT_PASSPHRASE;
  const char *pass[] = {"--body-has", "the password we gave you", NULL};
  INT_EQ(build_and_parse(&m, "pass", pass), 0, "passphrase letter");
  m.protect = PROTECT_NONE;
  msg = build(&m, &len);
  OK(msg && !strstr(msg, "password"), "no password text when unprotected");
  free(msg);

  /* a quoted local part with a space stays on one line */
  m.to_addr = "\"ana garcia\"@example.com";
  const char *quoted[] = {NULL};
  INT_EQ(build_and_parse(&m, "quoted", quoted), 0, "quoted local part");
  m.to_addr = "ana.garcia@example.com";

  /* a real-size attachment: 1 MB */
  free(pdf);
  m.pdf = pdf = fake_pdf(n = 1000003, 13);
  m.pdf_len = n;
  INT_EQ(build_and_parse(&m, "big", NULL), 0, "1 MB attachment byte-equal");
  free(pdf);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_refusals(void) {
  unsigned char pdf[16] = "%PDF-1.7\n";
  struct mime_letter m = base_letter(pdf, sizeof pdf);
  char *out;

  m.to_name = "Eve\r\nBcc: victim@example.net";
  OK(build_fails(&m, &out), "CRLF in the To name refused");
  OK(out && strstr(out, "recipient name '<redacted>'") &&
         strstr(out, "line break") && !strstr(out, "Eve"),
     "message hides the name: %s", out);
  free(out);
  m.to_name = "Ana";

  m.to_addr = "ana@example.com\r\nBcc: victim@example.net";
  OK(build_fails(&m, &out), "CRLF in the To address refused");
  OK(out && strstr(out, "<redacted>") && !strstr(out, "ana@"),
     "message hides the address: %s", out);
  free(out);
  m.to_addr = "ana@example.com";

  m.from_name = "Clinic\nBcc: x@example.net";
  OK(build_fails(&m, NULL), "LF in the From name refused");
  m.from_name = NULL;
  m.clinic_name = "Clinic\rX";
  OK(build_fails(&m, NULL), "CR in the clinic name (subject) refused");
  m.clinic_name = "Demo";
  m.first_name = "Ana\nBcc: x";
  OK(build_fails(&m, NULL), "LF in the first name refused");
  m.first_name = "Ana";
  m.from_addr = "not an address";
  OK(build_fails(&m, &out), "bad From address refused");
  OK(out && strstr(out, "not an address"), "the sender is not patient data");
  free(out);
  m.from_addr = "leaflets@demo.example.org";
  m.leaflet_sha256 = "ABC";
  OK(build_fails(&m, NULL), "bad sha256 refused");
  m.leaflet_sha256 = SHA_A;
  m.filename = "../A1B2-melanoma.pdf";
  OK(build_fails(&m, NULL), "file name with a path refused");
  m.filename = NULL;
  m.pdf_len = 0;
  OK(build_fails(&m, NULL), "empty attachment refused");
  m.pdf_len = sizeof pdf;
  char longname[400];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  m.to_name = longname;
  OK(build_fails(&m, NULL), "display name over 256 bytes refused");
  m.to_name = NULL;
  m.phone_24h = NULL;
  OK(build_fails(&m, NULL), "missing phone refused");
  m.phone_24h = "020 7946 0000";
  m.date = MIME_DATE_MAX + 1;
  OK(build_fails(&m, &out), "a date after 9999 refused");
  OK(out && strstr(out, "1900 to 9999"), "says which years: %s", out);
  free(out);
  m.date = MIME_DATE_MIN - 1;
  OK(build_fails(&m, NULL), "a date before 1900 refused");
}

/* ---- spool ------------------------------------------------------------- */

static void test_spool(void) {
  struct diag d;
  diag_init(&d, stderr);
  char *path = NULL;
  const char msg[] = "Subject: x\r\n\r\nbody\r\n";
  OK(spool_write(tmpdir, "R-001_a.b", msg, sizeof msg - 1, &d, &path),
     "spool write");
  struct stat st;
  OK(path && stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
     "spool file mode 0600");
  size_t n = 0;
  char *back = path ? read_file(path, 1 << 20, &n) : NULL;
  OK(back && n == sizeof msg - 1 && memcmp(back, msg, n) == 0,
     "spool file content");
  char want[128];
  snprintf(want, sizeof want, "%s/R-001_a.b.eml", tmpdir);
  STR_EQ(path, want, "spool path is DIR/<ref>.eml");
  free(back);
  free(path);
  OK(spool_write(tmpdir, "R-001_a.b", "x", 1, &d, NULL), "spool replaces");
  FILE *f = fopen("/dev/null", "w");
  diag_init(&d, f);
  OK(!spool_write(tmpdir, "../escape", "x", 1, &d, NULL), "ref with / refused");
  OK(!spool_write(tmpdir, ".hidden", "x", 1, &d, NULL), "ref with . refused");
  OK(!spool_write(tmpdir, "Ana García", "x", 1, &d, NULL), "ref with space refused");
  OK(!spool_write(tmpdir, "", "x", 1, &d, NULL), "empty ref refused");
  OK(!spool_write("/nonexistent-dir-xyz", "R1", "x", 1, &d, NULL),
     "missing folder reported");
  fclose(f);
}

int main(void) {
  const char *py = getenv("HANDOUT_PYTHON");
  if (py && *py) python = py;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_mime.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_sha256();
  test_addresses();
  test_header_pieces();
  test_messages();
  test_refusals();
  test_spool();
  if (!harness_failed) {
    char *const rm[] = {"/bin/rm", "-rf", tmpdir, NULL};
    run(rm);
  } else {
    fprintf(stderr, "messages kept in %s\n", tmpdir);
  }
  return harness_done();
}
