/*
 * test_protect: passwords for protected leaflets and AES-256 (R6)
 * encryption (protect.c, pdffix_encrypt).
 *
 * Run from the repository root: renders tests/good-min.yaml (layout a4,
 * demo site) in memory, encrypts it and reads it back with the qpdf and
 * pdftotext command-line tools (qpdf, poppler-utils): opens with the
 * password and not without it, R = 6 with AESv3, printing at high
 * resolution and text extraction allowed, modification not; text still
 * extracts; two encryptions of the same file differ (random salts, IVs,
 * owner password, /ID) and do not abort (no deterministic ID: LIBHARU.md
 * section 4).  Files go to a temporary folder, removed when all passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "harness.h"
#include "job.h"
#include "pdffix.h"
#include "protect.h"
#include "util.h"

static char tmpdir[64];

/* Run a shell command; its stdout into *out (may be NULL); exit status. */
static int sh(const char *cmd, char **out) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  struct strbuf b = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) strbuf_append(&b, buf, n);
  int st = pclose(p);
  if (out)
    *out = strbuf_steal(&b);
  else
    strbuf_free(&b);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

static void test_passwords(void) {
  char pw[PROTECT_PASSWORD_SIZE];
  const char *why;
  enum protect_mode m;
  OK(protect_mode_parse("dob", &m) && m == PROTECT_DOB, "parse dob");
  OK(protect_mode_parse("passphrase", &m) && m == PROTECT_PASSPHRASE,
     "parse passphrase");
  OK(protect_mode_parse("none", &m) && m == PROTECT_NONE, "parse none");
  OK(!protect_mode_parse("DOB", &m), "names are lower case");
  STR_EQ(protect_mode_name(PROTECT_PASSPHRASE), "passphrase", "name");

  OK(protect_password(PROTECT_DOB, "1960-02-01", NULL, pw, sizeof pw, &why),
     "dob");
  STR_EQ(pw, "01021960", "dob as DDMMYYYY");
  OK(protect_password(PROTECT_DOB, "2000-02-29", NULL, pw, sizeof pw, &why),
     "leap day");
  STR_EQ(pw, "29022000", "leap day as DDMMYYYY");
  const char *bad_dobs[] = {"1900-02-29", "1960-02-30", "1960-13-01",
                            "1960-00-10", "01/02/1960", "1960-2-1",
                            "1899-12-31", "",           "1960-02-01x"};
  for (size_t i = 0; i < sizeof bad_dobs / sizeof *bad_dobs; i++) {
    why = NULL;
    OK(!protect_password(PROTECT_DOB, bad_dobs[i], NULL, pw, sizeof pw, &why),
       "bad dob %zu refused", i);
    OK(why && strstr(why, "date_of_birth") && !strstr(why, bad_dobs[i][0] ? bad_dobs[i] : "\x01"),
       "dob reason names the column, not the value: %s", why ? why : "");
  }
  OK(!protect_password(PROTECT_DOB, NULL, NULL, pw, sizeof pw, &why), "no dob");

  OK(protect_password(PROTECT_PASSPHRASE, NULL, "correct horse battery", pw,
                      sizeof pw, &why),
     "passphrase");
  STR_EQ(pw, "correct horse battery", "passphrase as given");
  OK(!protect_password(PROTECT_PASSPHRASE, NULL, "short", pw, sizeof pw, &why) &&
         strstr(why, "8"),
     "short passphrase refused");
  OK(!protect_password(PROTECT_PASSPHRASE, NULL, "pässwörter-lang", pw,
                       sizeof pw, &why) &&
         strstr(why, "ASCII"),
     "non-ASCII passphrase refused");
  OK(!protect_password(PROTECT_PASSPHRASE, NULL, "tab\there-long", pw,
                       sizeof pw, &why),
     "control character refused");
  char longp[200];
  memset(longp, 'p', 128);
  longp[128] = '\0';
  OK(!protect_password(PROTECT_PASSPHRASE, NULL, longp, pw, sizeof pw, &why),
     "128-byte passphrase refused");
  longp[127] = '\0';
  OK(protect_password(PROTECT_PASSPHRASE, NULL, longp, pw, sizeof pw, &why),
     "127-byte passphrase accepted");
  OK(protect_password(PROTECT_NONE, NULL, NULL, pw, sizeof pw, &why) &&
         pw[0] == '\0',
     "none: empty password");
  char small[8];
  OK(!protect_password(PROTECT_DOB, "1960-02-01", NULL, small, sizeof small,
                       &why),
     "small buffer refused");

  unsigned char r1[32], r2[32];
  OK(protect_random(r1, sizeof r1) && protect_random(r2, sizeof r2) &&
         memcmp(r1, r2, sizeof r1) != 0,
     "random bytes differ");
  protect_wipe(r1, sizeof r1);
  bool zero = true;
  for (size_t i = 0; i < sizeof r1; i++) zero = zero && r1[i] == 0;
  OK(zero, "wipe clears");
}

static unsigned char *render_leaflet(size_t *len) {
  const char *home = getenv("HANDOUT_HOME");
  if (!home) home = ".";
  char fonts[4096], layouts[4096], hyph[4096], sites[4096], yaml[4096];
  snprintf(fonts, sizeof fonts, "%s/fonts", home);
  snprintf(layouts, sizeof layouts, "%s/layouts", home);
  snprintf(hyph, sizeof hyph, "%s/layouts/hyphenation.txt", home);
  snprintf(sites, sizeof sites, "%s/handouts/sites", home);
  snprintf(yaml, sizeof yaml, "%s/tests/good-min.yaml", home);
  struct job_paths paths = {fonts, layouts, hyph, sites};
  unsigned char *pdf = NULL;
  size_t n = 0;
  struct job job = {.handout = yaml, .layout = "a4", .site = "demo",
                    .date = "D:20260101000000+00'00'", .pdf_out = &pdf,
                    .pdf_len = &n};
  struct diag d;
  diag_init(&d, stderr);
  if (job_run(&job, &paths, NULL, &d) != JOB_OK) {
    free(pdf);
    return NULL;
  }
  *len = n;
  return pdf;
}

static void test_encrypt(void) {
  size_t len = 0;
  unsigned char *pdf = render_leaflet(&len);
  OK(pdf && len > 1000, "rendered the test leaflet");
  if (!pdf) return;
  char plain[128], enc[128], enc2[128], cmd[1024];
  snprintf(plain, sizeof plain, "%s/plain.pdf", tmpdir);
  snprintf(enc, sizeof enc, "%s/dob.pdf", tmpdir);
  snprintf(enc2, sizeof enc2, "%s/dob2.pdf", tmpdir);
  write_file(plain, pdf, len);

  struct diag d;
  diag_init(&d, stderr);
  size_t elen = 0, elen2 = 0;
  unsigned char *e = protect_pdf(pdf, len, "01021960", &d, &elen);
  unsigned char *e2 = protect_pdf(pdf, len, "01021960", &d, &elen2);
  OK(e && e2, "encrypted twice without aborting");
  if (!e || !e2) return;
  OK(elen != elen2 || memcmp(e, e2, elen) != 0,
     "two encryptions differ (random salts, owner password, /ID)");
  write_file(enc, e, elen);
  write_file(enc2, e2, elen2);

  snprintf(cmd, sizeof cmd, "qpdf --password=01021960 --check %s >/dev/null 2>&1",
           enc);
  INT_EQ(sh(cmd, NULL), 0, "qpdf --check with the password");
  snprintf(cmd, sizeof cmd, "qpdf --check %s >/dev/null 2>&1", enc);
  OK(sh(cmd, NULL) != 0, "qpdf --check without the password fails");
  snprintf(cmd, sizeof cmd, "qpdf --password=01021961 --check %s >/dev/null 2>&1",
           enc);
  OK(sh(cmd, NULL) != 0, "a wrong password fails");

  char *out = NULL;
  snprintf(cmd, sizeof cmd, "qpdf --password=01021960 --show-encryption %s", enc);
  sh(cmd, &out);
  OK(out && strstr(out, "R = 6"), "revision 6: %s", out ? out : "");
  OK(out && strstr(out, "AESv3"), "AES-256 (AESv3)");
  OK(out && strstr(out, "print high resolution: allowed"), "high-res print");
  OK(out && strstr(out, "extract for accessibility: allowed"), "accessibility");
  OK(out && strstr(out, "extract for any purpose: allowed"), "text extraction");
  OK(out && strstr(out, "modify document assembly: not allowed"),
     "assembly not allowed");
  OK(out && strstr(out, "modify other: not allowed"), "modify not allowed");
  OK(out && !strstr(out, "user password: 01021960") &&
         !strstr(out, "owner password: 01021960"),
     "owner password is not the user password");
  free(out);

  char *want = NULL, *got = NULL;
  snprintf(cmd, sizeof cmd, "pdftotext %s - 2>/dev/null", plain);
  sh(cmd, &want);
  snprintf(cmd, sizeof cmd, "pdftotext -upw 01021960 %s - 2>/dev/null", enc);
  sh(cmd, &got);
  OK(want && got && strlen(want) > 20 && strcmp(want, got) == 0,
     "text extracts the same from the protected file");
  free(want);
  free(got);

  /* Errors come back through diag, nothing aborts. */
  char *msgs = NULL;
  size_t mlen = 0;
  FILE *f = open_memstream(&msgs, &mlen);
  diag_init(&d, f);
  size_t n = 0;
  unsigned char *bad = protect_pdf((const unsigned char *)"not a pdf", 9,
                                   "01021960", &d, &n);
  OK(!bad, "garbage refused");
  unsigned char *nopw = protect_pdf(pdf, len, "", &d, &n);
  OK(!nopw, "empty password refused");
  fclose(f);
  OK(msgs && strstr(msgs, "error"), "errors reported: %s", msgs ? msgs : "");
  free(msgs);
  free(e);
  free(e2);
  free(pdf);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_protect.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_passwords();
  test_encrypt();
  if (!harness_failed) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    sh(cmd, NULL);
  } else {
    fprintf(stderr, "files kept in %s\n", tmpdir);
  }
  return harness_done();
}
