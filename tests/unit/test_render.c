/*
 * test_render: render_pdf on a hand-built two-page pg_doc, read back with
 * qpdf and poppler.
 *
 * Usage: test_render [REPO_ROOT]   (default $HANDOUT_HOME, else "."; fonts
 * from REPO_ROOT/fonts, the figure from REPO_ROOT/tests/images/rgba8.png,
 * the checker REPO_ROOT/tests/pdf/check_pdf.sh).  Needs qpdf, poppler-utils
 * and (for the QR check, skipped if absent) zbarimg.  Writes
 * /tmp/test_render.<pid>.* and removes them unless TEST_RENDER_KEEP is set.
 *
 * The document: an H1, a justified paragraph with kerned boxes that is
 * hyphenated and continues on page 2, a figure (PNG with alpha), a call-out
 * (artifact rectangle around a paragraph with a bold coloured span and a
 * link), an artifact footer per page, an H2, a list, a QR figure, outlines,
 * info with non-ASCII text, a 3 mm bleed.  Checks: check_pdf.sh (qpdf,
 * fonts, tagging, words in order), the writer's object and xref streams; byte-identical
 * output across renders; the struct-text reading order; page boxes, PDF
 * version, dates and info; the right edge of justified lines and a kerned
 * word's width from pdftotext -bbox; link, MCID, artifact and outline
 * objects; QR decode; error paths.  Prints CPU ms per render and sizes.
 */
#define _GNU_SOURCE /* memmem */
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "font.h"
#include "harness.h"
#include "page.h"
#include "pagedef.h"
#include "render.h"
#include "shape.h"
#include "util.h"

static const char *root = ".";
static struct fontset fs;
static struct arena *A;
static char tmpbase[256];

#define SIZE_BODY 1000 /* cpt: 10 pt */
#define SIZE_H1 2000
#define SIZE_H2 1400
#define BLACK 0x000000u
#define HEADING 0x1F4E79u
#define URGENT 0xC00000u
#define LINE_W HU_FROM_PT(360)
#define LEFT HU_FROM_PT(72)

/* ---- building items ------------------------------------------------------ */

struct linebuf {
  struct item items[64];
  size_t n;
};

static void add_word(struct linebuf *l, const char *w, int face, int size,
                     uint32_t color) {
  struct font *f = fs.face[face];
  size_t len = strlen(w), nch = utf8_count(w, len);
  int16_t *kern = arena_alloc(A, (nch + 1) * sizeof *kern);
  uint32_t cps[64];
  size_t k = 0;
  for (size_t i = 0; i < len && k < 64; k++) {
    i += (size_t)utf8_decode(w + i, len - i, &cps[k]);
  }
  hu_t width = 0;
  bool any = false;
  for (size_t i = 0; i < nch; i++) {
    width += (hu_t)font_advance(f, cps[i]) * size;
    if (i + 1 < nch) {
      kern[i] = (int16_t)font_kern(f, cps[i], cps[i + 1]);
      width += (hu_t)kern[i] * size;
      any = any || kern[i] != 0;
    }
  }
  struct item *it = &l->items[l->n++];
  *it = (struct item){.type = ITEM_BOX, .width = width,
                      .text = arena_strdup(A, w), .len = (uint32_t)len,
                      .kern = any ? kern : NULL, .face = (uint8_t)face,
                      .size = size, .color = color};
}

static void add_glue(struct linebuf *l, int face, int size) {
  hu_t sp = (hu_t)font_advance(fs.face[face], ' ') * size;
  l->items[l->n++] = (struct item){.type = ITEM_GLUE, .width = sp,
                                   .stretch = sp / 2, .shrink = sp / 3,
                                   .face = (uint8_t)face, .size = size};
}

/* Words separated by spaces; "*word" is bold in URGENT colour. */
static void add_words(struct linebuf *l, const char *text, int face, int size,
                      uint32_t color) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", text);
  bool first = true;
  for (char *save = NULL, *w = strtok_r(buf, " ", &save); w;
       w = strtok_r(NULL, " ", &save)) {
    if (!first) add_glue(l, face, size);
    first = false;
    if (w[0] == '*')
      add_word(l, w + 1, FONT_BOLD, size, URGENT);
    else
      add_word(l, w, face, size, color);
  }
}

/* A flagged penalty as shape would leave it at a hyphenation point. */
static void add_hyphen_penalty(struct linebuf *l, int face, int size) {
  l->items[l->n++] = (struct item){
      .type = ITEM_PENALTY, .penalty = 50, .flagged = true,
      .width = (hu_t)font_advance(fs.face[face], '-') * size,
      .face = (uint8_t)face, .size = size};
}

static hu_t natural(const struct linebuf *l, bool hyphen) {
  hu_t w = 0;
  for (size_t i = 0; i < l->n; i++)
    if (l->items[i].type != ITEM_PENALTY) w += l->items[i].width;
  if (hyphen) w += (hu_t)font_advance(fs.face[0], '-') * SIZE_BODY;
  return w;
}

/* A text op; justify: set the glue so the line is exactly LINE_W wide. */
static struct pg_op text_op(struct linebuf *l, int elem, hu_t x, hu_t y,
                            bool justify, bool hyphen) {
  struct pg_op op = {.kind = PG_TEXT, .elem = elem, .x = x, .y = y,
                     .w = LINE_W, .hyphen = hyphen};
  struct item *items = arena_alloc(A, l->n * sizeof *items);
  memcpy(items, l->items, l->n * sizeof *items);
  size_t drawn = l->n;
  if (hyphen && drawn && l->items[drawn - 1].type == ITEM_PENALTY) drawn--;
  op.items = items;
  op.nitems = drawn;
  if (justify) {
    hu_t stretch = 0, shrink = 0;
    for (size_t i = 0; i < l->n; i++) {
      stretch += l->items[i].stretch;
      shrink += l->items[i].shrink;
    }
    hu_t gap = LINE_W - natural(l, hyphen);
    op.ratio = gap >= 0 ? (double)gap / (double)stretch
                        : (double)gap / (double)shrink;
  }
  l->n = 0;
  return op;
}

static struct pg_op line(const char *text, int face, int size, uint32_t color,
                         int elem, hu_t y, bool justify) {
  struct linebuf l = {.n = 0};
  add_words(&l, text, face, size, color);
  return text_op(&l, elem, LEFT, y, justify, false);
}

/* ---- the document ---------------------------------------------------------- */

static const char *P1_LINES[] = {
    "To AVOID delays, WAVE your hand at reception: immunotherapy helps",
    "your own immune system find and attack cancer cells. Each immuno",
    "therapy session lasts about an hour, and you will usually have",
};
static const char *P1_PAGE2 = "treatment in a day unit.";
static const char *CALLOUT = "Call us *now on 0100 000 000 if you have a fever.";
static const char *CALLOUT2 = "Read more at example.org/immuno.";
static const char *LIST_ITEM = "Fever ≥ 38 °C – call us straight away (café µ).";

/* What pdftotext and the structure tree must both give, in order.  The
 * call-out drawn between the two parts of the first paragraph is left out:
 * on the page it comes before "treatment", in the structure tree after. */
static const char *EXPECTED =
    "Immunotherapy and You\n"
    "To AVOID delays, WAVE your hand at reception: immunotherapy helps your "
    "own immune system find and attack cancer cells. Each immunotherapy "
    "session lasts about an hour, and you will usually have\n"
    "treatment in a day unit.\n"
    "Side effects\n"
    "Fever ≥ 38 °C – call us straight away (café µ).\n";

enum {
  E_DOC, E_H1, E_P1, E_FIG, E_DIV, E_PCALL, E_H2, E_L, E_LI, E_LBL, E_LBODY,
  E_QR, E_PHOTO, E__MAX
};

static struct pg_doc *build_doc(void) {
  struct pg_doc *pg = arena_alloc(A, sizeof *pg);
  pg->page_width = HU_FROM_MM(210) + 2 * HU_FROM_MM(3);
  pg->page_height = HU_FROM_MM(297) + 2 * HU_FROM_MM(3);
  pg->bleed = HU_FROM_MM(3);

  static struct pg_elem elems[E__MAX];
  elems[E_DOC] = (struct pg_elem){ROLE_DOCUMENT, -1, NULL};
  elems[E_H1] = (struct pg_elem){ROLE_H1, E_DOC, NULL};
  elems[E_P1] = (struct pg_elem){ROLE_P, E_DOC, NULL};
  elems[E_FIG] = (struct pg_elem){ROLE_FIGURE, E_DOC,
                                  "Diagram: a T cell attacking a tumour cell"};
  elems[E_DIV] = (struct pg_elem){ROLE_DIV, E_DOC, NULL};
  elems[E_PCALL] = (struct pg_elem){ROLE_P, E_DIV, NULL};
  elems[E_H2] = (struct pg_elem){ROLE_H2, E_DOC, NULL};
  elems[E_L] = (struct pg_elem){ROLE_L, E_DOC, NULL};
  elems[E_LI] = (struct pg_elem){ROLE_LI, E_L, NULL};
  elems[E_LBL] = (struct pg_elem){ROLE_LBL, E_LI, NULL};
  elems[E_LBODY] = (struct pg_elem){ROLE_LBODY, E_LI, NULL};
  elems[E_QR] = (struct pg_elem){ROLE_FIGURE, E_DOC,
                                 "QR code: https://example.org/immuno"};
  elems[E_PHOTO] = (struct pg_elem){ROLE_FIGURE, E_DOC,
                                    "Photo: the day unit – ¿dónde?"};
  pg->elems = elems;
  pg->nelems = E__MAX;

  pg->npages = 2;
  pg->pages = arena_alloc(A, 2 * sizeof *pg->pages);
  static struct pg_op ops1[16], ops2[16];
  size_t n = 0;
  hu_t top = pg->page_height - HU_FROM_PT(90), lead = HU_FROM_PT(13);
  hu_t y = top;

  ops1[n++] = line("Immunotherapy and You", FONT_BOLD, SIZE_H1, HEADING, E_H1,
                   y, false);
  y -= HU_FROM_PT(30);
  for (int i = 0; i < 3; i++, y -= lead) {
    struct linebuf l = {.n = 0};
    add_words(&l, P1_LINES[i], FONT_REGULAR, SIZE_BODY, BLACK);
    if (i == 1) add_hyphen_penalty(&l, FONT_REGULAR, SIZE_BODY);
    ops1[n++] = text_op(&l, E_P1, LEFT, y, true, i == 1);
  }
  y -= HU_FROM_PT(100);
  ops1[n++] = (struct pg_op){.kind = PG_IMAGE, .elem = E_FIG, .x = LEFT,
                             .y = y, .w = HU_FROM_PT(120),
                             .h = HU_FROM_PT(90),
                             .path = arena_printf(A, "%s/tests/images/rgba8.png",
                                                  root)};
  y -= HU_FROM_PT(50);
  ops1[n++] = (struct pg_op){.kind = PG_RECT, .elem = -1,
                             .x = LEFT - HU_FROM_PT(6), .y = y - HU_FROM_PT(22),
                             .w = LINE_W + HU_FROM_PT(12), .h = HU_FROM_PT(36),
                             .fill = 0xFDECEA, .stroke = URGENT,
                             .line_width = HU_FROM_PT(1.5)};
  ops1[n++] = line(CALLOUT, FONT_REGULAR, SIZE_BODY, BLACK, E_PCALL, y, false);
  ops1[n++] = line(CALLOUT2, FONT_REGULAR, SIZE_BODY, 0x0645AD, E_PCALL,
                   y - lead, false);
  ops1[n++] = (struct pg_op){.kind = PG_LINK, .elem = E_PCALL, .x = LEFT,
                             .y = y - lead - HU_FROM_PT(3),
                             .w = HU_FROM_PT(160), .h = HU_FROM_PT(13),
                             .url = "https://example.org/immuno"};
  ops1[n++] = line("Page 1 of 2", FONT_REGULAR, 800, 0x555555, -1,
                   HU_FROM_PT(40), false);
  pg->pages[0] = (struct pg_page){ops1, n};

  n = 0;
  y = top;
  ops2[n++] = line(P1_PAGE2, FONT_REGULAR, SIZE_BODY, BLACK, E_P1, y, false);
  y -= HU_FROM_PT(30);
  ops2[n++] = line("Side effects", FONT_BOLD, SIZE_H2, HEADING, E_H2, y, false);
  y -= HU_FROM_PT(22);
  ops2[n++] = line("•", FONT_REGULAR, SIZE_BODY, BLACK, E_LBL, y, false);
  struct pg_op body = line(LIST_ITEM, FONT_REGULAR, SIZE_BODY, BLACK, E_LBODY,
                           y, false);
  body.x += HU_FROM_PT(12);
  ops2[n++] = body;
  y -= HU_FROM_PT(110);
  ops2[n++] = (struct pg_op){.kind = PG_QR, .elem = E_QR, .x = LEFT, .y = y,
                             .w = HU_FROM_PT(90),
                             .url = "https://example.org/immuno"};
  /* a CMYK JPEG and the page-1 PNG again (embedded once) */
  ops2[n++] = (struct pg_op){.kind = PG_IMAGE, .elem = E_PHOTO,
                             .x = LEFT + HU_FROM_PT(120), .y = y,
                             .w = HU_FROM_PT(80), .h = HU_FROM_PT(60),
                             .path = arena_printf(A, "%s/tests/images/cmyk.jpg",
                                                  root)};
  ops2[n++] = (struct pg_op){.kind = PG_IMAGE, .elem = E_PHOTO,
                             .x = LEFT + HU_FROM_PT(220), .y = y,
                             .w = HU_FROM_PT(40), .h = HU_FROM_PT(30),
                             .path = arena_printf(A, "%s/tests/images/rgba8.png",
                                                  root)};
  ops2[n++] = line("Page 2 of 2", FONT_REGULAR, 800, 0x555555, -1,
                   HU_FROM_PT(40), false);
  pg->pages[1] = (struct pg_page){ops2, n};

  static struct pg_outline ol[2];
  ol[0] = (struct pg_outline){"Immunotherapy and You", 1, 0, top};
  ol[1] = (struct pg_outline){"Side effects – ¿qué?", 2, 1,
                              top - HU_FROM_PT(30)};
  pg->outlines = ol;
  pg->noutlines = 2;

  pg->title = "Immunotherapy and You";
  pg->subject = "Patient leaflet";
  pg->author = "Oncology Clinic – Día";
  pg->keywords = "immunotherapy, side effects";
  pg->language = "en-GB";
  pg->date = "D:20240115103000+00'00'";
  return pg;
}

/* ---- helpers ---------------------------------------------------------------- */

static char *tmpname(const char *suffix) {
  return arena_printf(A, "%s.%s", tmpbase, suffix);
}

static bool write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* Output of a shell command (malloc'd), and its exit status. */
static char *run(int *status, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  struct strbuf b = {0};
  char buf[4096];
  size_t k;
  while (p && (k = fread(buf, 1, sizeof buf, p)) > 0) strbuf_append(&b, buf, k);
  int st = p ? pclose(p) : -1;
  if (status) *status = st;
  strbuf_putc(&b, 0);
  return strbuf_steal(&b);
}

/* Each needle appears in hay after the previous one. */
static bool in_order(const char *hay, const char *const *needles, size_t n,
                     const char **missing) {
  const char *at = hay;
  for (size_t i = 0; i < n; i++) {
    const char *f = strstr(at, needles[i]);
    if (!f) {
      *missing = needles[i];
      return false;
    }
    at = f + strlen(needles[i]);
  }
  return true;
}

/* A diag writing into memory. */
struct capture {
  struct diag d;
  char *text;
  size_t len;
  FILE *f;
};
static void cap_open(struct capture *c) {
  c->text = NULL;
  c->len = 0;
  c->f = open_memstream(&c->text, &c->len);
  diag_init(&c->d, c->f);
}
static void cap_close(struct capture *c) {
  fclose(c->f);
  free(c->text);
}

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* xMin/xMax of the first word equal to w in pdftotext -bbox output. */
static bool word_box(const char *html, const char *w, double *xmin,
                     double *xmax) {
  char needle[256];
  snprintf(needle, sizeof needle, ">%s</word>", w);
  const char *e = strstr(html, needle);
  if (!e) return false;
  const char *s = e;
  while (s > html && strncmp(s, "<word", 5) != 0) s--;
  return sscanf(s, "<word xMin=\"%lf\" yMin=\"%*f\" xMax=\"%lf\"", xmin,
                xmax) == 2;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_document(void) {
  struct pg_doc *pg = build_doc();
  struct diag d;
  diag_init(&d, stderr);

  size_t len1 = 0, len2 = 0;
  unsigned char *pdf1 = render_pdf(pg, &fs, NULL, &d, &len1);
  OK(pdf1 != NULL, "render_pdf returns a document");
  OK(!diag_has_errors(&d), "render_pdf reports no error");
  if (!pdf1) return;
  OK(len1 > 8 && memcmp(pdf1, "%PDF-1.7", 8) == 0, "header says PDF 1.7");

  unsigned char *pdf2 = render_pdf(pg, &fs, NULL, &d, &len2);
  OK(pdf2 && len1 == len2 && memcmp(pdf1, pdf2, len1) == 0,
     "two renders are byte-identical");
  free(pdf2);

  char *raw = tmpname("raw.pdf"), *words = tmpname("txt");
  char *qdf = tmpname("qdf.pdf");
  OK(write_file(raw, pdf1, len1), "write %s", raw);
  OK(write_file(words, EXPECTED, strlen(EXPECTED)), "write %s", words);
  const char *main_pdf = raw;

  /* the file is finished as render writes it (render_write.h): object
   * streams, an xref stream with a deterministic /ID */
  OK(memmem(pdf1, len1, "/Type /ObjStm", 13) != NULL, "object streams");
  OK(memmem(pdf1, len1, "/Type /XRef", 11) != NULL, "an xref stream");
  OK(memmem(pdf1, len1, "/ID [<", 6) != NULL, "an /ID");
  OK(memmem(pdf1, len1, "\nxref\n", 6) == NULL, "no classic xref table");
  int st;
  char *out = run(&st, "sh '%s/tests/pdf/check_pdf.sh' '%s' '%s' 2>&1", root,
                  raw, words);
  INT_EQ(st, 0, "check_pdf.sh passes:\n%s", out);
  printf("%s", out);
  free(out);
  out = run(&st, "pdftotext -enc UTF-8 '%s' - 2>&1 >/dev/null", raw);
  OK(strstr(out, "Syntax") == NULL, "poppler reads the file silently: %s", out);
  free(out);

  /* the checker must catch a missing word and an untagged file */
  char *badwords = tmpname("bad.txt");
  write_file(badwords, "Immunotherapy placebo\n", 22);
  out = run(&st, "sh '%s/tests/pdf/check_pdf.sh' '%s' '%s' 2>&1", root, raw,
            badwords);
  OK(st != 0 && strstr(out, "FAIL: pdftotext: missing word 2 of 2"),
     "check_pdf.sh reports a missing word:\n%s", out);
  free(out);
  remove(badwords);

  /* reading order of the structure tree */
  out = run(&st, "pdfinfo -struct-text '%s' 2>&1", main_pdf);
  static const char *const order[] = {
      "Document", "H1", "Immunotherapy and You", "P", "To AVOID delays",
      "helps your own", "Each immuno-", "therapy session", "usually have",
      "treatment in a day unit", "Figure", "Div", "P", "Call us",
      "Link", "H2", "Side effects", "L", "LI", "Lbl", "•", "LBody", "Fever",
      "Figure", "Figure"};
  const char *missing = NULL;
  OK(in_order(out, order, sizeof order / sizeof order[0], &missing),
     "struct-text in reading order (missing \"%s\"):\n%s",
     missing ? missing : "", out);
  OK(strstr(out, "Page 1 of 2") == NULL, "footer is an artifact, not in the "
                                         "structure tree");
  free(out);

  /* document info, version, boxes */
  out = run(&st, "pdfinfo -box -isodates '%s' 2>&1 | tr -s ' '", main_pdf);
  OK(strstr(out, "Title: Immunotherapy and You\n"), "Title:\n%s", out);
  OK(strstr(out, "Author: Oncology Clinic – Día\n"), "Author (UTF-8)");
  OK(strstr(out, "Subject: Patient leaflet\n"), "Subject");
  OK(strstr(out, "Keywords: immunotherapy, side effects\n"), "Keywords");
  OK(strstr(out, "Creator: handout\n"), "Creator");
  OK(strstr(out, "Producer: handout (libharu)\n"), "Producer");
  OK(strstr(out, "CreationDate: 2024-01-15T10:30:00Z\n"), "CreationDate");
  OK(strstr(out, "ModDate: 2024-01-15T10:30:00Z\n"), "ModDate");
  OK(strstr(out, "Tagged: yes\n"), "Tagged");
  OK(strstr(out, "Pages: 2\n"), "2 pages");
  OK(strstr(out, "PDF version: 1.7\n"), "PDF version 1.7");
  OK(strstr(out, "MediaBox: 0.00 0.00 612.28 858.90\n"),
     "MediaBox A4 + 2x3 mm");
  OK(strstr(out, "BleedBox: 0.00 0.00 612.28 858.90\n"),
     "BleedBox = MediaBox");
  OK(strstr(out, "TrimBox: 8.50 8.50 603.78 850.39\n"),
     "TrimBox inset by the bleed");
  free(out);

  /* objects (uncompressed view) */
  out = run(&st, "qpdf --qdf --object-streams=disable '%s' '%s' 2>&1; "
                 "grep -a -c -e '' '%s' >/dev/null",
            main_pdf, qdf, qdf);
  free(out);
  size_t qlen = 0;
  char *q = read_file(qdf, 50u << 20, &qlen);
  OK(q != NULL, "qpdf --qdf wrote %s", qdf);
  if (q) {
    static const char *const need[] = {
        "/Artifact BMC", "/H1 <</MCID 0>> BDC", "/P <</MCID 1>> BDC",
        "/Figure <</MCID 2>> BDC", "/S /URI", "/URI (https://example.org/immuno)",
        "/Border [", "/StructParent ", "/StructParents 0", "/S /Link",
        "/Type /OBJR", "/Type /MCR", "/ParentTreeNextKey 3", "/Lang (en-GB)",
        "/Marked true", "/DisplayDocTitle true", "/Tabs /S", "/Alt",
        "/SMask", "/Type /StructTreeRoot", "] TJ", " Tf", " re\n"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
      OK(memmem(q, qlen, need[i], strlen(need[i])) != NULL,
         "uncompressed PDF contains \"%s\"", need[i]);
    OK(memmem(q, qlen, " Tw\n", 4) == NULL, "no Tw operator");
    int nimg = 0;
    for (const char *at = q; (at = memmem(at, qlen - (size_t)(at - q),
                                          "/Subtype /Image", 15));
         at += 15)
      nimg++;
    INT_EQ(nimg, 3, "PNG + its SMask + JPEG: the reused PNG is embedded once");
    OK(memmem(q, qlen, "/DCTDecode", 10) && memmem(q, qlen, "/DeviceCMYK", 11),
       "the JPEG is passed through as CMYK DCT");
    free(q);
  }
  remove(qdf);

  /* MuPDF renders both pages without complaint */
  out = run(&st, "mutool draw -q -F txt -o /dev/null '%s' 2>&1 | "
                 "grep -v 'ICC support is not available'", main_pdf);
  OK(out[0] == 0, "mutool draw is silent: %s", out);
  free(out);

  /* outlines */
  out = run(&st, "mutool show '%s' outline 2>&1", main_pdf);
  OK(strstr(out, "Immunotherapy and You") && strstr(out, "¿qué?"),
     "outlines with UTF-8 titles:\n%s", out);
  const char *o1 = strstr(out, "Immunotherapy"), *o2 = strstr(out, "Side");
  OK(o1 && o2 && o2 > o1, "outline order");
  free(out);

  /* geometry: justified lines end at LEFT + LINE_W; kerned word width */
  out = run(&st, "pdftotext -bbox -f 1 -l 1 '%s' - 2>/dev/null", main_pdf);
  double x0, x1;
  double right = HU_TO_PT(LEFT + LINE_W);
  OK(word_box(out, "helps", &x0, &x1) && fabs(x1 - right) < 0.01,
     "justified line 1 ends at %.3f (got %.3f)", right, x1);
  OK(word_box(out, "immuno-", &x0, &x1) && fabs(x1 - right) < 0.01,
     "hyphenated line 2 ends at %.3f (got %.3f)", right, x1);
  OK(word_box(out, "have", &x0, &x1) && fabs(x1 - right) < 0.01,
     "justified line 3 ends at %.3f (got %.3f)", right, x1);
  {
    struct font *f = fs.face[FONT_REGULAR];
    const char *w = "WAVE";
    int milli = 0;
    for (int i = 0; w[i]; i++) {
      milli += font_advance(f, (uint32_t)w[i]);
      if (w[i + 1]) milli += font_kern(f, (uint32_t)w[i], (uint32_t)w[i + 1]);
    }
    int unkerned = 0;
    for (int i = 0; w[i]; i++) unkerned += font_advance(f, (uint32_t)w[i]);
    OK(milli < unkerned, "WAVE has kerning in DejaVu (%d < %d)", milli,
       unkerned);
    OK(word_box(out, "WAVE", &x0, &x1) && fabs((x1 - x0) - milli / 100.0) < 0.01,
       "kerned WAVE is %.3f pt wide (got %.3f)", milli / 100.0, x1 - x0);
  }
  free(out);

  /* the QR code decodes */
  out = run(&st, "command -v zbarimg >/dev/null && pdftoppm -r 200 -f 2 -l 2 "
                 "-png '%s' '%s' && zbarimg -q --raw '%s'-2.png 2>/dev/null; "
                 "rm -f '%s'-2.png",
            main_pdf, tmpbase, tmpbase, tmpbase);
  if (strstr(out, "https://"))
    STR_EQ(out, "https://example.org/immuno\n", "QR code decodes to the URL");
  else
    printf("note: QR decode skipped or failed: %s\n", out);
  free(out);

  /* the bytes do not depend on LC_NUMERIC */
  static const char *const comma_locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8",
                                              "de_DE", "fr_FR", "nl_NL.UTF-8"};
  const char *loc = NULL;
  for (size_t i = 0; !loc && i < sizeof comma_locales / sizeof *comma_locales;
       i++)
    if (setlocale(LC_NUMERIC, comma_locales[i])) loc = comma_locales[i];
  if (loc) {
    size_t l3 = 0;
    unsigned char *pdf3 = render_pdf(pg, &fs, NULL, &d, &l3);
    OK(pdf3 && l3 == len1 && memcmp(pdf3, pdf1, len1) == 0,
       "same bytes under LC_NUMERIC=%s", loc);
    free(pdf3);
    setlocale(LC_NUMERIC, "C");
  } else {
    printf("note: no comma-decimal locale installed; locale check skipped\n");
  }

  /* speed and size */
  int reps = 20;
  double t0 = cpu_ms();
  for (int i = 0; i < reps; i++) {
    size_t l;
    free(render_pdf(pg, &fs, NULL, &d, &l));
  }
  double t1 = cpu_ms();
  printf("render: %.2f ms CPU per 2-page document (%d runs), %zu bytes\n",
         (t1 - t0) / reps, reps, len1);

  if (!getenv("TEST_RENDER_KEEP")) {
    remove(raw);
    remove(words);
  } else {
    printf("kept %s %s\n", raw, words);
  }
  free(pdf1);
}

/* Errors are reported through diag, return NULL, and leak nothing. */
static void test_errors(void) {
  struct capture c;
  size_t len = 123;

  /* a character no face has */
  struct pg_doc *pg = build_doc();
  struct linebuf l = {.n = 0};
  add_word(&l, "ok", FONT_REGULAR, SIZE_BODY, BLACK);
  l.items[0].text = "\xe5\x85\x8d"; /* U+514D, not in DejaVu Sans */
  l.items[0].len = 3;
  l.items[0].kern = NULL;
  pg->pages[0].ops[0] = text_op(&l, E_H1, LEFT, HU_FROM_PT(500), false, false);
  cap_open(&c);
  OK(render_pdf(pg, &fs, NULL, &c.d, &len) == NULL && len == 0,
     "missing glyph: NULL");
  fflush(c.f);
  OK(c.text && strstr(c.text, "U+514D") && strstr(c.text, "DejaVuSans.ttf"),
     "missing glyph is named with the font: %s", c.text ? c.text : "");
  cap_close(&c);

  /* a page size libharu rejects: reported as a PDF library error */
  pg = build_doc();
  pg->page_width = HU_FROM_PT(1);
  cap_open(&c);
  OK(render_pdf(pg, &fs, NULL, &c.d, &len) == NULL, "tiny page: NULL");
  fflush(c.f);
  OK(c.text && strstr(c.text, "handout: error: PDF library error 0x") &&
         strstr(c.text, "while adding a page"),
     "libharu error is reported with its step: %s", c.text ? c.text : "");
  INT_EQ(c.d.count[DIAG_ERROR], 1, "reported once");
  cap_close(&c);

  /* a missing image */
  pg = build_doc();
  pg->pages[0].ops[4].path = "/nonexistent/x.png";
  cap_open(&c);
  OK(render_pdf(pg, &fs, NULL, &c.d, &len) == NULL, "missing image: NULL");
  fflush(c.f);
  OK(c.text && strstr(c.text, "x.png"), "missing image is named: %s",
     c.text ? c.text : "");
  cap_close(&c);

  /* a bad date */
  pg = build_doc();
  pg->date = "2024-01-15";
  cap_open(&c);
  OK(render_pdf(pg, &fs, NULL, &c.d, &len) == NULL, "bad date: NULL");
  fflush(c.f);
  OK(c.text && strstr(c.text, "invalid document date"), "bad date: %s",
     c.text ? c.text : "");
  cap_close(&c);

  /* an op pointing at a missing structure element */
  pg = build_doc();
  pg->pages[1].ops[0].elem = 99;
  cap_open(&c);
  OK(render_pdf(pg, &fs, NULL, &c.d, &len) == NULL, "bad elem: NULL");
  cap_close(&c);
}

/* A render cache changes nothing in the output, and an image file changed
 * on disk is read again (its identity, not its path, keys the cache). */
static void test_cache(void) {
  struct render_cache *rc = render_cache_new();
  struct diag d;
  diag_init(&d, stderr);
  char *img = tmpname("cached.png");
  char *src = arena_printf(A, "%s/tests/images/rgba8.png", root);
  size_t slen = 0;
  char *bytes = read_file(src, 1u << 20, &slen);
  OK(bytes && write_file(img, bytes, slen), "copy %s", src);
  free(bytes);
  struct pg_doc *pg = build_doc();
  pg->pages[0].ops[4].path = img;

  size_t l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  unsigned char *plain = render_pdf(pg, &fs, NULL, &d, &l0);
  unsigned char *first = render_pdf(pg, &fs, rc, &d, &l1);  /* fills it */
  unsigned char *second = render_pdf(pg, &fs, rc, &d, &l2); /* hits */
  OK(plain && first && second && l0 == l1 && l1 == l2 &&
         memcmp(plain, first, l0) == 0 && memcmp(first, second, l0) == 0,
     "with and without the cache, the same bytes (%zu %zu %zu)", l0, l1, l2);

  /* the same path, other pixels, a later mtime */
  char *gray = arena_printf(A, "%s/tests/images/gray8.png", root);
  bytes = read_file(gray, 1u << 20, &slen);
  struct timespec later[2] = {{.tv_sec = 2000000000}, {.tv_sec = 2000000000}};
  OK(bytes && write_file(img, bytes, slen) && utimensat(AT_FDCWD, img, later, 0) == 0,
     "replace %s", img);
  free(bytes);
  unsigned char *changed = render_pdf(pg, &fs, rc, &d, &l3);
  size_t l4 = 0;
  unsigned char *fresh = render_pdf(pg, &fs, NULL, &d, &l4);
  OK(changed && fresh && l3 == l4 && memcmp(changed, fresh, l3) == 0 &&
         (l3 != l0 || memcmp(changed, plain, l3) != 0),
     "a changed image file is embedded anew");
  free(plain);
  free(first);
  free(second);
  free(changed);
  free(fresh);
  remove(img);
  render_cache_free(rc);
}

/* The same face twice in one fontset (regular == bold file): one font. */
static void test_shared_face(void) {
  struct pagedef pd = {.font_regular = "DejaVuSans.ttf",
                       .font_bold = "DejaVuSans.ttf"};
  char *dir = arena_printf(A, "%s/fonts", root);
  struct fontset fs2;
  struct diag d;
  diag_init(&d, stderr);
  OK(fontset_load(&fs2, &pd, dir, &d), "fontset with a shared file");
  struct fontset save = fs;
  fs = fs2;
  struct pg_doc *pg = build_doc();
  size_t len = 0;
  unsigned char *pdf = render_pdf(pg, &fs, NULL, &d, &len);
  OK(pdf != NULL, "render with a shared face");
  if (pdf) {
    char *path = tmpname("shared.pdf");
    write_file(path, pdf, len);
    int st;
    char *out = run(&st, "pdffonts '%s' 2>/dev/null | awk 'NR > 2' | wc -l", path);
    STR_EQ(out, "1\n", "one embedded font for two roles from one file");
    free(out);
    out = run(&st, "pdftotext '%s' - 2>/dev/null | grep -c 'Side effects'",
              path);
    STR_EQ(out, "1\n", "text drawn with the shared font extracts");
    free(out);
    remove(path);
  }
  free(pdf);
  fs = save;
  fontset_free(&fs2);
}

/* Two different files with the same PostScript name (a copy of the regular
 * face as "bold"): libharu would silently use the first for both; each must
 * be embedded as its own subset and draw its own characters. */
static void test_ps_name_clash(void) {
  char *dir = tmpname("fonts");
  int st;
  char *out = run(&st, "mkdir -p '%s' && cp '%s/fonts/DejaVuSans.ttf' '%s/' && "
                       "cp '%s/fonts/DejaVuSans.ttf' '%s/Copy.ttf' 2>&1",
                  dir, root, dir, root, dir);
  free(out);
  struct pagedef pd = {.font_regular = "DejaVuSans.ttf",
                       .font_bold = "Copy.ttf"};
  struct fontset fs2;
  struct diag d;
  diag_init(&d, stderr);
  OK(fontset_load(&fs2, &pd, dir, &d), "fontset with a PostScript name clash");
  STR_EQ(font_postscript_name(fs2.face[0]), font_postscript_name(fs2.face[1]),
         "both faces have the same PostScript name");
  struct fontset save = fs;
  fs = fs2;
  struct pg_doc *pg = build_doc();
  size_t len = 0;
  unsigned char *pdf = render_pdf(pg, &fs, NULL, &d, &len);
  OK(pdf != NULL, "render with a PostScript name clash");
  if (pdf) {
    char *path = tmpname("clash.pdf");
    write_file(path, pdf, len);
    out = run(&st, "pdffonts '%s' 2>/dev/null | awk 'NR > 2' | wc -l", path);
    STR_EQ(out, "2\n", "two embedded subsets");
    free(out);
    /* "Side effects" is drawn only in the second ("bold") face */
    out = run(&st, "pdftotext '%s' - 2>/dev/null | grep -c 'Side effects'",
              path);
    STR_EQ(out, "1\n", "text of the second face extracts");
    free(out);
    out = run(&st, "sh '%s/tests/pdf/check_pdf.sh' '%s' 2>&1", root, path);
    INT_EQ(st, 0, "check_pdf.sh passes:\n%s", out);
    free(out);
    remove(path);
  }
  free(pdf);
  fs = save;
  fontset_free(&fs2);
  out = run(&st, "rm -rf '%s'", dir);
  free(out);
}

int main(int argc, char **argv) {
  if (argc > 1)
    root = argv[1];
  else if (getenv("HANDOUT_HOME"))
    root = getenv("HANDOUT_HOME");
  snprintf(tmpbase, sizeof tmpbase, "/tmp/test_render.%ld", (long)getpid());
  A = arena_new();

  struct pagedef pd = {.font_regular = "DejaVuSans.ttf",
                       .font_bold = "DejaVuSans-Bold.ttf"};
  struct diag d;
  diag_init(&d, stderr);
  char *dir = arena_printf(A, "%s/fonts", root);
  if (!fontset_load(&fs, &pd, dir, &d)) {
    fprintf(stderr, "cannot load fonts from %s\n", dir);
    return 1;
  }
  test_document();
  test_errors();
  test_cache();
  test_shared_face();
  test_ps_name_clash();
  fontset_free(&fs);
  arena_free(A);
  return harness_done();
}
