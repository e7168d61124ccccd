/*
 * test_pdffix: pdffix_finish on a real libharu document.
 *
 * Usage: test_pdffix [REPO_ROOT]   (default "."; the fonts are read from
 * REPO_ROOT/fonts).  Needs qpdf, pdffonts and pdftotext on PATH; writes its
 * PDFs to /tmp/test_pdffix.<pid>.*.pdf and removes them at the end.
 *
 * Builds a one-page PDF with libharu (UTF-8 Type0 DejaVuSans and
 * DejaVuSans-Bold, text with é ≥ – etc.), runs pdffix_finish, and checks:
 * qpdf --check is clean, pdffonts says "uni yes", pdftotext gives the text
 * back exactly with no "Invalid 'begincidrange'" warning (the unfixed file
 * does produce it), the output is byte-identical across runs and smaller
 * than the input; a PDF without Type0 fonts passes through; garbage and
 * truncated input fail with a "PDF post-processing:" error.
 *
 * This is the only test that includes hpdf.h: it needs a libharu file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hpdf.h>

#include "diag.h"
#include "harness.h"
#include "pdffix.h"
#include "util.h"

static const char *root = ".";

static const char LINE1[] = "Café: take ≥ 2 tablets – twice daily";
static const char LINE2[] = "Do not exceed 5 mg ≤ µ naïve “Œuvre”";

/* ---- building a libharu PDF -------------------------------------------- */

static void hpdf_fail(HPDF_STATUS e, HPDF_STATUS detail, void *user) {
  (void)user;
  fprintf(stderr, "libharu error 0x%04X (detail %u)\n", (unsigned)e,
          (unsigned)detail);
  harness_failed++;
}

/* A one-page document, saved to memory.  utf8: two UTF-8 Type0 TrueType
 * fonts; otherwise base-14 Helvetica only. */
static unsigned char *make_pdf(bool utf8, size_t *len) {
  HPDF_Doc pdf = HPDF_New(hpdf_fail, NULL);
  HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
  HPDF_Page page = HPDF_AddPage(pdf);
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  HPDF_Font regular, bold;
  if (utf8) {
    char path[4096];
    HPDF_UseUTFEncodings(pdf);
    HPDF_SetCurrentEncoder(pdf, "UTF-8");
    snprintf(path, sizeof path, "%s/fonts/DejaVuSans.ttf", root);
    const char *r = HPDF_LoadTTFontFromFile(pdf, path, HPDF_TRUE);
    snprintf(path, sizeof path, "%s/fonts/DejaVuSans-Bold.ttf", root);
    const char *b = HPDF_LoadTTFontFromFile(pdf, path, HPDF_TRUE);
    regular = HPDF_GetFont(pdf, r, "UTF-8");
    bold = HPDF_GetFont(pdf, b, "UTF-8");
  } else {
    regular = bold = HPDF_GetFont(pdf, "Helvetica", NULL);
  }
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, regular, 12);
  HPDF_Page_TextOut(page, 72, 760, utf8 ? LINE1 : "Plain ASCII text");
  HPDF_Page_SetFontAndSize(page, bold, 12);
  HPDF_Page_TextOut(page, 72, 744, utf8 ? LINE2 : "second line");
  HPDF_Page_EndText(page);

  HPDF_SaveToStream(pdf);
  HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
  unsigned char *buf = xmalloc(size ? size : 1);
  HPDF_UINT32 got = 0;
  while (got < size) {
    HPDF_UINT32 n = size - got;
    HPDF_STATUS st = HPDF_ReadFromStream(pdf, buf + got, &n);
    got += n;
    if (n == 0 || (st != HPDF_OK && st != HPDF_STREAM_EOF)) break;
  }
  HPDF_Free(pdf);
  *len = got;
  return buf;
}

/* ---- helpers ------------------------------------------------------------ */

static void write_bytes(const char *path, const unsigned char *p, size_t n) {
  FILE *f = fopen(path, "wb");
  OK(f && fwrite(p, 1, n, f) == n && fclose(f) == 0, "write %s", path);
}

/* Runs a shell command; returns its stdout (malloc'd) and exit status. */
static char *run(const char *cmd, int *status) {
  FILE *p = popen(cmd, "r");
  struct strbuf b = {0};
  char chunk[4096];
  size_t n;
  while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
    strbuf_append(&b, chunk, n);
  int st = p ? pclose(p) : -1;
  if (status) *status = st;
  return strbuf_steal(&b);
}

static int count_substr(const char *s, const char *sub) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, sub)) != NULL; p += strlen(sub)) n++;
  return n;
}

/* ---- the checks --------------------------------------------------------- */

static void check_utf8_document(const char *base) {
  size_t in_len;
  unsigned char *in = make_pdf(true, &in_len);
  OK(in_len > 1000, "libharu made a PDF (%zu bytes)", in_len);

  char raw_path[512], out_path[512], cmd[2048];
  snprintf(raw_path, sizeof raw_path, "%s.raw.pdf", base);
  snprintf(out_path, sizeof out_path, "%s.out.pdf", base);
  write_bytes(raw_path, in, in_len);

  /* The unfixed file shows the poppler warning: the check below can see it. */
  snprintf(cmd, sizeof cmd, "pdftotext '%s' /dev/null 2>&1", raw_path);
  char *err = run(cmd, NULL);
  OK(strstr(err, "Invalid 'begincidrange'") != NULL,
     "unfixed libharu output triggers the poppler warning (got: %s)", err);
  free(err);

  /* Two runs: identical bytes, no diagnostics. */
  char *diag_text = NULL;
  size_t diag_len = 0;
  FILE *mem = open_memstream(&diag_text, &diag_len);
  struct diag d;
  diag_init(&d, mem);
  size_t out_len = 0, out2_len = 0;
  unsigned char *out = pdffix_finish(in, in_len, &d, &out_len);
  unsigned char *out2 = pdffix_finish(in, in_len, &d, &out2_len);
  fclose(mem);
  OK(out && out2, "pdffix_finish succeeds");
  INT_EQ(diag_len, 0, "no diagnostics (got: %s)", diag_text ? diag_text : "");
  free(diag_text);
  if (!out || !out2) {
    free(out);
    free(out2);
    free(in);
    return;
  }
  OK(out_len == out2_len && memcmp(out, out2, out_len) == 0,
     "deterministic: two runs give identical bytes (%zu, %zu)", out_len,
     out2_len);
  OK(out_len < in_len, "output smaller than input (%zu < %zu)", out_len,
     in_len);
  printf("# libharu %zu B -> pdffix %zu B\n", in_len, out_len);
  write_bytes(out_path, out, out_len);

  /* qpdf --check: exit 0, no warnings. */
  int st;
  snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", out_path);
  char *check = run(cmd, &st);
  INT_EQ(st, 0, "qpdf --check exits 0");
  OK(strstr(check, "No syntax or stream encoding errors") != NULL &&
         strstr(check, "WARNING") == NULL && strstr(check, "arning") == NULL,
     "qpdf --check clean (got: %s)", check);
  OK(strstr(check, "File is not linearized") != NULL, "not linearized");
  free(check);

  /* pdffonts: both Type0 fonts embedded, subset, with ToUnicode. */
  snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", out_path);
  char *fonts = run(cmd, &st);
  INT_EQ(st, 0, "pdffonts exits 0");
  INT_EQ(count_substr(fonts, "CID TrueType"), 2, "two CID fonts (got: %s)",
         fonts);
  INT_EQ(count_substr(fonts, "Identity-H       yes yes yes"), 2,
         "both: emb yes, sub yes, uni yes (got: %s)", fonts);
  OK(strstr(fonts, "Syntax") == NULL, "pdffonts: no warnings (got: %s)",
     fonts);
  free(fonts);

  /* pdftotext: exact text, nothing on stderr. */
  snprintf(cmd, sizeof cmd, "pdftotext '%s' - 2>/dev/null", out_path);
  char *text = run(cmd, &st);
  INT_EQ(st, 0, "pdftotext exits 0");
  char want[512];
  snprintf(want, sizeof want, "%s\n%s\n\n\f", LINE1, LINE2);
  STR_EQ(text, want, "pdftotext gives the text back");
  free(text);
  snprintf(cmd, sizeof cmd, "pdftotext '%s' /dev/null 2>&1", out_path);
  err = run(cmd, NULL);
  STR_EQ(err, "", "pdftotext: no warnings (no Invalid 'begincidrange')");
  free(err);

  /* The new ToUnicode: bfrange identity, shared, no cidrange left. */
  snprintf(cmd, sizeof cmd,
           "qpdf --qdf --object-streams=disable '%s' - 2>&1", out_path);
  char *qdf = run(cmd, NULL);
  INT_EQ(count_substr(qdf, "begincidrange"), 0, "old CMap gone");
  INT_EQ(count_substr(qdf, "beginbfrange"), 3,
         "one identity CMap, 3 bfrange blocks");
  OK(strstr(qdf, "<D700> <D7FF> <D700>") && strstr(qdf, "<E000> <E0FF> <E000>")
         && !strstr(qdf, "<D800>"),
     "surrogates skipped");
  INT_EQ(count_substr(qdf, "/ToUnicode"), 2, "both fonts have /ToUnicode");
  free(qdf);
  snprintf(cmd, sizeof cmd,
           "qpdf --show-npages '%s' >/dev/null && head -c 9 '%s'", out_path,
           out_path);
  char *head = run(cmd, NULL);
  STR_EQ(head, "%PDF-1.5\n", "object streams raise the version to 1.5");
  free(head);

  /* Truncated input fails cleanly. */
  diag_text = NULL;
  mem = open_memstream(&diag_text, &diag_len);
  diag_init(&d, mem);
  size_t bad_len = 99;
  unsigned char *bad = pdffix_finish(in, in_len / 2, &d, &bad_len);
  fclose(mem);
  OK(bad == NULL && bad_len == 0, "truncated PDF fails");
  OK(diag_has_errors(&d), "truncated PDF: error counted");
  OK(diag_text && strncmp(diag_text, "handout: error: PDF post-processing: ",
                          37) == 0,
     "truncated PDF: message (got: %s)", diag_text ? diag_text : "");
  free(diag_text);
  free(bad);

  if (harness_failed == 0) {
    unlink(raw_path);
    unlink(out_path);
  }
  free(out);
  free(out2);
  free(in);
}

static void check_plain_document(const char *base) {
  size_t in_len, out_len = 0;
  unsigned char *in = make_pdf(false, &in_len);
  struct diag d;
  diag_init(&d, stderr);
  unsigned char *out = pdffix_finish(in, in_len, &d, &out_len);
  OK(out != NULL && !diag_has_errors(&d), "base-14 PDF passes through");
  if (out) {
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s.plain.pdf", base);
    write_bytes(path, out, out_len);
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1; pdftotext '%s' - 2>&1",
             path, path);
    char *res = run(cmd, NULL);
    OK(strstr(res, "No syntax or stream encoding errors") &&
           !strstr(res, "arning") &&
           strstr(res, "Plain ASCII text\nsecond line\n"),
       "base-14 output is clean (got: %s)", res);
    free(res);
    unlink(path);
  }
  free(out);
  free(in);
}

static void check_garbage(void) {
  static const unsigned char junk[] = "this is not a PDF file at all\n";
  char *text = NULL;
  size_t text_len = 0, out_len = 0;
  FILE *mem = open_memstream(&text, &text_len);
  struct diag d;
  diag_init(&d, mem);
  unsigned char *out = pdffix_finish(junk, sizeof junk - 1, &d, &out_len);
  fclose(mem);
  OK(out == NULL, "garbage fails");
  INT_EQ(d.count[DIAG_ERROR], 2, "garbage: a warning and an error");
  /* qpdf 11.3's wording (Debian 12). */
  STR_EQ(text,
         "handout: error: PDF post-processing: generated PDF: can't find PDF "
         "header\n"
         "handout: error: PDF post-processing: generated PDF: can't find "
         "startxref\n",
         "garbage: both qpdf messages, in order");
  free(text);
  free(out);
}

int main(int argc, char **argv) {
  if (argc > 1) root = argv[1];
  char base[256];
  snprintf(base, sizeof base, "/tmp/test_pdffix.%ld", (long)getpid());
  check_utf8_document(base);
  check_plain_document(base);
  check_garbage();
  return harness_done();
}
