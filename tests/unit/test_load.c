/*
 * test_load: yamlread (node tree, anchors, YAML-level errors) and load
 * (handout and layout schemas).  Run from the repository root (CTest sets
 * WORKING_DIRECTORY): it reads tests/good-min.yaml, tests/good-image.yaml
 * and every .yaml file in layouts/ and handouts/.
 *
 * The bad-input corpus (tests/bad/) checks the exact messages of the
 * command line; this file checks structure and positions.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "load.h"
#include "yamlread.h"

static struct diag d;
static FILE *errf;
static char errbuf[8192];

static void err_reset(void) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
}

static const char *err_text(void) {
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return errbuf;
}

static const char *span_str(const struct doc_span *s) {
  static char buf[512];
  size_t n = s->len < sizeof buf - 1 ? s->len : sizeof buf - 1;
  memcpy(buf, s->text, n);
  buf[n] = '\0';
  return buf;
}

#define POS_EQ(p, l, c, what)                                                  \
  do {                                                                         \
    INT_EQ((p).line, (l), "%s: line", what);                                   \
    INT_EQ((p).col, (c), "%s: col", what);                                     \
  } while (0)

/* ---- yamlread ------------------------------------------------------------ */

/* Source line/col -> pointer into text (1-based, columns in characters). */
static const char *char_at(const char *text, int line, int col) {
  const char *p = text;
  for (int l = 1; l < line; l++) {
    p = strchr(p, '\n');
    if (!p)
      return NULL;
    p++;
  }
  for (int c = 1; c < col; c++) {
    if (!*p || *p == '\n')
      return NULL;
    p++;
    while (((unsigned char)*p & 0xC0) == 0x80)
      p++;
  }
  return p;
}

static int checked_chars;

/* Every non-blank value character must map to the same character in the
 * source, except characters produced by an escape (the position then
 * points at the backslash or the doubled quote). */
static void check_anchors(const char *text, const struct yr_node *n) {
  if (!n)
    return;
  if (n->kind == YR_MAPPING) {
    for (size_t i = 0; i < n->npairs; i++) {
      check_anchors(text, n->pairs[i].key);
      check_anchors(text, n->pairs[i].value);
    }
    return;
  }
  if (n->kind == YR_SEQUENCE) {
    for (size_t i = 0; i < n->nitems; i++)
      check_anchors(text, n->items[i]);
    return;
  }
  OK(n->nanchors >= 1 && n->anchors[0].offset == 0, "anchor 0 at offset 0");
  for (size_t i = 0; i < n->len;) {
    size_t k = 1;
    while (i + k < n->len && ((unsigned char)n->str[i + k] & 0xC0) == 0x80)
      k++;
    char c = n->str[i];
    if (c != ' ' && c != '\n' && c != '\t') {
      struct src_pos p = yr_pos_at(n, i);
      const char *s = char_at(text, p.line, p.col);
      bool same = s && strncmp(s, n->str + i, k) == 0;
      bool escape = s && (*s == '\\' || (*s == '\'' && s[1] == '\''));
      OK(same || escape, "value '%s' offset %zu maps to %d:%d", n->str, i,
         p.line, p.col);
      checked_chars++;
    }
    i += k;
  }
}

static void test_yamlread_anchors(void) {
  static const char text[] = "plain: one line\n"
                             "multi: first line\n"
                             "  second   line\n"
                             "\n"
                             "  after blank\n"
                             "dq: \"¿Qué? \\u00e9t\\x41 \\\"q\\\" end\"\n"
                             "sq: 'it''s ¡ok!'\n"
                             "dqfold: \"line one \\\n"
                             "   continued\n"
                             "   and more\"\n"
                             "literal: |\n"
                             "  l1 é\n"
                             "    indented\n"
                             "\n"
                             "  l3\n"
                             "folded: >-\n"
                             "  a b\n"
                             "  c\n"
                             "\n"
                             "    more\n"
                             "  d\n"
                             "flow: [uno, \"dós\", tres cuatro]\n"
                             "crlf_free_tail: end\n";
  struct arena *a = arena_new();
  err_reset();
  struct yr_node *root = yamlread_buffer(text, strlen(text), "mem.yaml", a, &d);
  OK(root != NULL, "tricky scalars parse");
  STR_EQ(err_text(), "", "no errors");
  if (root) {
    checked_chars = 0;
    check_anchors(text, root);
    OK(checked_chars > 100, "checked %d characters", checked_chars);
    const struct yr_node *m = yr_get(root, "multi");
    STR_EQ(m->str, "first line second   line\nafter blank", "plain folding");
    INT_EQ(m->nanchors, 3, "one anchor per source line");
    POS_EQ(m->anchors[1].pos, 3, 3, "second line anchor");
    const struct yr_node *lit = yr_get(root, "literal");
    INT_EQ(lit->style, YR_LITERAL, "literal style");
    POS_EQ(yr_pos_at(lit, 8), 13, 5, "literal: 'indented'");
    const struct yr_node *dq = yr_get(root, "dq");
    INT_EQ(dq->style, YR_DOUBLE_QUOTED, "double-quoted style");
    /* after "\u00e9" the 't' is exact again */
    size_t t_off = (size_t)(strstr(dq->str, "t") - dq->str);
    POS_EQ(yr_pos_at(dq, t_off), 6, 18, "char after an escape");
    const struct yr_node *fl = yr_get(root, "flow");
    OK(fl->kind == YR_SEQUENCE && fl->flow, "flow sequence flagged");
    INT_EQ(yr_get(root, "plain")->style, YR_PLAIN, "plain style");
    INT_EQ(yr_get(root, "sq")->style, YR_SINGLE_QUOTED, "single style");
    INT_EQ(yr_get(root, "folded")->style, YR_FOLDED, "folded style");
  }
  arena_free(a);
}

static void test_yamlread_types(void) {
  /* no implicit typing: numbers, booleans and nulls stay text */
  static const char text[] = "version: 1.0\nflag: yes\nnone: ~\nempty:\n"
                             "n: 007\n";
  struct arena *a = arena_new();
  err_reset();
  struct yr_node *root = yamlread_buffer(text, strlen(text), "t.yaml", a, &d);
  OK(root != NULL, "parses");
  if (root) {
    STR_EQ(yr_get(root, "version")->str, "1.0", "1.0 stays text");
    STR_EQ(yr_get(root, "flag")->str, "yes", "yes stays text");
    STR_EQ(yr_get(root, "none")->str, "~", "~ stays text");
    OK(yr_is_empty(yr_get(root, "empty")), "empty value");
    STR_EQ(yr_kind_name(yr_get(root, "empty")), "an empty value", "kind name");
    STR_EQ(yr_get(root, "n")->str, "007", "leading zeros kept");
    POS_EQ(yr_get(root, "n")->pos, 5, 4, "scalar position");
  }
  arena_free(a);
}

/* Read text, expect NULL and exactly the given diagnostics. */
static void expect_errors(const char *text, size_t len, const char *want,
                          const char *what) {
  struct arena *a = arena_new();
  err_reset();
  struct yr_node *root = yamlread_buffer(text, len, "t.yaml", a, &d);
  OK(root == NULL, "%s: fails", what);
  STR_EQ(err_text(), want, "%s: message", what);
  arena_free(a);
}

static void test_yamlread_errors(void) {
  static const char dup[] = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n";
  expect_errors(
      dup, sizeof dup - 1,
      "t.yaml:4:3: error: duplicate key 'c' (first defined at line 3)\n"
      "t.yaml:5:1: error: duplicate key 'a' (first defined at line 1)\n",
      "duplicates, in file order");

  static const char anch[] = "a: &x 1\nb: *x\nc: !!str 2\n";
  expect_errors(anch, sizeof anch - 1,
                "t.yaml:1:4: error: anchors and aliases are not supported "
                "(expected plain values)\n"
                "t.yaml:2:4: error: anchors and aliases are not supported "
                "(expected plain values)\n"
                "t.yaml:3:4: error: tags such as '!!str' are not supported "
                "(expected plain values)\n",
                "anchor, alias, tag");

  static const char tab[] = "a:\n  b: 1\n \tc: 2\n";
  expect_errors(tab, sizeof tab - 1,
                "t.yaml:3:2: error: tab character in indentation (expected "
                "spaces)\n",
                "tab");

  static const char bad8[] = "a: caf\xc3\n";
  expect_errors(bad8, sizeof bad8 - 1,
                "t.yaml:1:7: error: invalid UTF-8: truncated sequence (byte "
                "0xC3 needs 1 continuation byte, found 0) (expected UTF-8 "
                "text; save the file as UTF-8)\n",
                "truncated UTF-8");

  /* 33 levels below the top mapping */
  char deep[200];
  strcpy(deep, "a: ");
  for (int i = 0; i < 40; i++)
    strcat(deep, "[");
  expect_errors(deep, strlen(deep),
                "t.yaml:1:36: error: nesting deeper than 32 levels (expected "
                "at most 32 nested mappings and sequences)\n",
                "depth");
  /* exactly 32 levels are fine */
  char ok32[200];
  strcpy(ok32, "a: ");
  for (int i = 0; i < 32; i++)
    strcat(ok32, "[");
  for (int i = 0; i < 32; i++)
    strcat(ok32, "]");
  struct arena *a = arena_new();
  err_reset();
  OK(yamlread_buffer(ok32, strlen(ok32), "t.yaml", a, &d) != NULL,
     "32 levels allowed");
  arena_free(a);

  static const char syn[] = "a: b: c\n";
  expect_errors(syn, sizeof syn - 1,
                "t.yaml:1:5: error: unexpected ':' (expected no ': ' inside a "
                "plain value; put the value in quotes)\n",
                "syntax error in plain words");

  expect_errors("", 0,
                "t.yaml:1:1: error: the file is empty (expected a YAML "
                "mapping)\n",
                "empty");

  /* a BOM is not part of column 1 */
  static const char bom[] = "\xEF\xBB\xBF"
                            "a: x\nb: &y z\n";
  expect_errors(bom, sizeof bom - 1,
                "t.yaml:2:4: error: anchors and aliases are not supported "
                "(expected plain values)\n",
                "BOM");
}

static void test_suggest(void) {
  static const char *const names[] = {"title", "subtitle", "sources",
                                      "review_by"};
  STR_EQ(nearest_name("titel", names, 4), "title", "transposition");
  STR_EQ(nearest_name("Title", names, 4), "title", "case");
  STR_EQ(nearest_name("source", names, 4), "sources", "missing letter");
  STR_EQ(nearest_name("reviewby", names, 4), "review_by", "missing _");
  OK(nearest_name("colour", names, 4) == NULL, "nothing close");
  OK(nearest_name("x", names, 4) == NULL, "short word");
}

/* ---- load_handout ----------------------------------------------------------
 */

static void test_good_min(void) {
  err_reset();
  struct doc *doc = load_handout("tests/good-min.yaml", "tests", &d);
  OK(doc != NULL, "good-min loads");
  STR_EQ(err_text(), "", "no diagnostics");
  if (!doc)
    return;
  STR_EQ(doc->path, "tests/good-min.yaml", "path");
  STR_EQ(doc->id, "good-min", "id");
  STR_EQ(doc->language, "en-GB", "language");
  STR_EQ(doc->title, "Test\xC2\xA0leaflet", "title: ~ is a no-break space");
  STR_EQ(doc->subtitle, "Every block kind", "subtitle");
  STR_EQ(doc->version, "1.0", "version 1.0 is text");
  STR_EQ(doc->published, "2026-01-05", "published");
  STR_EQ(doc->review_by, "2027-01-05", "review_by");
  STR_EQ(doc->owner, "Test team", "owner");
  STR_EQ(doc->reviewed_against, "Nothing in particular", "reviewed_against");
  POS_EQ(doc->pos, 4, 1, "document position");

  /* summary: **Call us** on [[0800 123 4567]] or see [our site](...). */
  const struct doc_inline *s = &doc->summary;
  INT_EQ(s->nspans, 6, "summary spans");
  if (s->nspans == 6) {
    STR_EQ(span_str(&s->spans[0]), "Call us", "bold text");
    INT_EQ(s->spans[0].flags, SPAN_BOLD, "bold flag");
    POS_EQ(s->spans[0].pos, 13, 13, "bold position");
    STR_EQ(s->spans[0].pos.file, "tests/good-min.yaml", "span file");
    STR_EQ(span_str(&s->spans[2]), "0800 123 4567", "keep text");
    INT_EQ(s->spans[2].flags, SPAN_KEEP, "keep flag");
    POS_EQ(s->spans[2].pos, 13, 28, "keep position");
    STR_EQ(span_str(&s->spans[4]), "our site", "link text");
    STR_EQ(s->spans[4].url, "https://example.org/help", "link url");
    POS_EQ(s->spans[4].pos, 13, 52, "link position");
    STR_EQ(span_str(&s->spans[5]), ".", "after the link");
    POS_EQ(s->spans[5].pos, 13, 87, "after the link position");
  }

  INT_EQ(doc->nsources, 2, "two sources");
  if (doc->nsources == 2) {
    STR_EQ(doc->sources[0].title, "A source", "source title");
    STR_EQ(doc->sources[0].publisher, "A publisher", "publisher");
    STR_EQ(doc->sources[0].url, "https://example.org/source", "url");
    OK(doc->sources[1].publisher == NULL && doc->sources[1].url == NULL,
       "optional fields absent");
    POS_EQ(doc->sources[1].pos, 18, 5, "source position");
  }

  static const enum doc_block_kind kinds[] = {
      DOC_HEADING, DOC_PARA,    DOC_LIST,  DOC_LIST, DOC_HEADING,
      DOC_CALLOUT, DOC_HEADING, DOC_TABLE, DOC_QR};
  INT_EQ(doc->nblocks, sizeof kinds / sizeof *kinds, "block count");
  if (doc->nblocks != sizeof kinds / sizeof *kinds) {
    doc_free(doc);
    return;
  }
  for (size_t i = 0; i < doc->nblocks; i++)
    INT_EQ(doc->blocks[i].kind, kinds[i], "block %zu kind", i);
  const struct doc_block *b = doc->blocks;

  INT_EQ(b[0].level, 1, "section heading level");
  STR_EQ(inline_plain(doc->arena, &b[0].text), "First section", "heading");
  POS_EQ(b[0].pos, 20, 14, "heading position");

  /* a plain scalar over two lines: split at the line, positions exact */
  INT_EQ(b[1].text.nspans, 4, "paragraph spans");
  if (b[1].text.nspans == 4) {
    STR_EQ(span_str(&b[1].text.spans[1]), "bold", "bold in paragraph");
    POS_EQ(b[1].text.spans[1].pos, 22, 34, "bold position");
    STR_EQ(span_str(&b[1].text.spans[3]), "over two lines.", "second line");
    POS_EQ(b[1].text.spans[3].pos, 23, 11, "second line position");
  }
  POS_EQ(b[1].pos, 22, 9, "paragraph block position");

  OK(!b[2].ordered && b[2].nitems == 2, "bullets with two items");
  OK(b[2].items[0].sublist == NULL, "first item plain");
  const struct doc_block *sub = b[2].items[1].sublist;
  OK(sub && sub->kind == DOC_LIST && sub->ordered && sub->nitems == 2,
     "nested numbered list");
  if (sub) {
    STR_EQ(inline_plain(doc->arena, &sub->items[1].text), "Two b", "nested");
    POS_EQ(sub->items[1].text.spans[0].pos, 29, 17, "nested item position");
  }
  OK(b[3].ordered && b[3].nitems == 2, "numbered list");

  INT_EQ(b[4].level, 2, "subsection heading level");
  STR_EQ(inline_plain(doc->arena, &b[4].text), "A subsection", "subsection");

  INT_EQ(b[5].callout, CALLOUT_URGENT, "urgent callout");
  STR_EQ(inline_plain(doc->arena, &b[5].text), "Call now", "callout title");
  INT_EQ(b[5].nchildren, 2, "callout children");
  if (b[5].nchildren == 2) {
    INT_EQ(b[5].children[0].kind, DOC_PARA, "callout paragraph");
    INT_EQ(b[5].children[1].kind, DOC_LIST, "callout list");
    const struct doc_inline *t = &b[5].children[0].text;
    OK(t->nspans == 3 && t->spans[1].flags == SPAN_KEEP, "[[999]] kept");
    if (t->nspans == 3)
      POS_EQ(t->spans[1].pos, 40, 53, "999 position");
  }

  INT_EQ(b[6].level, 1, "second section");
  OK(b[7].header_row && b[7].nrows == 3 && b[7].ncols == 2, "table shape");
  STR_EQ(inline_plain(doc->arena, &b[7].cells[0]), "Medicine", "header cell");
  STR_EQ(inline_plain(doc->arena, &b[7].cells[5]), "Every 6 weeks", "cell");
  POS_EQ(b[7].cells[5].spans[0].pos, 49, 24, "cell position");

  STR_EQ(b[8].url, "https://example.org/more", "QR url");
  STR_EQ(b[8].alt, "QR code: https://example.org/more", "default alt");
  INT_EQ(b[8].width, 0, "default width");
  STR_EQ(inline_plain(doc->arena, &b[8].text), "Scan for more", "caption");

  /* the wallet card */
  const struct doc_card *card = &doc->card;
  OK(card->present, "card part");
  POS_EQ(card->pos, 54, 3, "card position");
  STR_EQ(inline_plain(doc->arena, &card->front.title), "I am having immunotherapy",
         "card front title");
  INT_EQ(card->front.nlines, 2, "card front lines");
  INT_EQ(card->front.note.nspans, 0, "no front note");
  POS_EQ(card->back.pos, 60, 5, "card back position");
  INT_EQ(card->back.nlines, 2, "card back lines");
  if (card->back.nlines == 2) {
    STR_EQ(card->back.lines[1].spans[1].url, "https://example.org/breath",
           "link in a card line");
    POS_EQ(card->back.lines[0].spans[0].pos, 62, 9, "card line position");
  }
  STR_EQ(inline_plain(doc->arena, &card->back.note), "For clinicians: a test note.",
         "card note");
  doc_free(doc);
}

static void test_good_image(void) {
  err_reset();
  struct doc *doc = load_handout("tests/good-image.yaml", "tests", &d);
  OK(doc != NULL, "good-image loads");
  STR_EQ(err_text(), "", "no diagnostics");
  if (!doc)
    return;
  OK(doc->nblocks == 3 && doc->blocks[1].kind == DOC_IMAGE, "image block");
  if (doc->nblocks == 3) {
    const struct doc_block *im = &doc->blocks[1];
    STR_EQ(im->path, "tests/good-image.png", "path next to the YAML");
    STR_EQ(im->alt, "A blue and white checkerboard", "alt");
    INT_EQ(im->width, HU_FROM_MM(30), "width 30mm");
    INT_EQ(im->text.nspans, 3, "caption spans");
  }
  OK(doc->subtitle == NULL, "no subtitle");
  INT_EQ(doc->summary.nspans, 0, "no summary");
  doc_free(doc);
}

static void test_bad_handout(void) {
  err_reset();
  int before = d.count[DIAG_ERROR];
  struct doc *doc =
      load_handout("tests/bad/multiple-errors.yaml", "tests/bad", &d);
  OK(doc == NULL, "bad handout gives NULL");
  INT_EQ(d.count[DIAG_ERROR] - before, 4, "all four errors reported");
  err_reset();
  doc = load_handout("tests/bad/include-error-inside.yaml", "tests/bad", &d);
  OK(doc == NULL, "error in an included file");
  OK(strstr(err_text(), "tests/bad/common/bad-blocks.yaml:3:13: error:") !=
         NULL,
     "position names the included file");
  err_reset();
  doc = load_handout("tests/no-such-file.yaml", "tests", &d);
  OK(doc == NULL, "missing file");
  STR_EQ(
      err_text(),
      "tests/no-such-file.yaml: error: cannot read the file: No such file or "
      "directory (expected a readable file)\n",
      "missing file message");
}

/* Every handout in handouts/ must load (root "handouts"). */
static void test_all_handouts(void) {
  DIR *dp = opendir("handouts");
  if (!dp)
    return;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(dp))) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
      continue;
    char path[600];
    snprintf(path, sizeof path, "handouts/%s", e->d_name);
    err_reset();
    struct doc *doc = load_handout(path, "handouts", &d);
    OK(doc != NULL, "%s loads:\n%s", path, err_text());
    if (doc)
      OK(doc->nblocks > 0, "%s has blocks", path);
    doc_free(doc);
    n++;
  }
  closedir(dp);
  printf("loaded %d handouts\n", n);
}

/* ---- load_pagedef ----------------------------------------------------------
 */

static void test_layouts(void) {
  DIR *dp = opendir("layouts");
  if (dp) {
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dp))) {
      size_t l = strlen(e->d_name);
      if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
        continue;
      char path[600];
      snprintf(path, sizeof path, "layouts/%s", e->d_name);
      err_reset();
      struct pagedef *p = load_pagedef(path, "layouts", &d);
      OK(p != NULL, "%s loads:\n%s", path, err_text());
      if (p) {
        OK(p->page_width > 0 && p->page_height > 0, "%s: page size", path);
        OK(p->columns >= 1 && p->columns <= 4, "%s: columns", path);
        OK(p->body_size >= p->min_body_size, "%s: body >= min", path);
        OK(p->footer_size > 0 && p->h1_size > 0 && p->title_size > 0,
           "%s: sizes", path);
        OK(p->font_regular && p->font_bold, "%s: fonts", path);
      }
      pagedef_free(p);
      n++;
    }
    closedir(dp);
    printf("loaded %d layouts\n", n);
  }

  /* defaults, by path: a layout written here */
  static const char yaml[] =
      "name: test\n"
      "page:\n"
      "  size: A5\n"
      "  orientation: landscape\n"
      "  margins: {top: 10mm, bottom: 1cm, left: 0.5in, right: 36pt}\n"
      "fonts: {regular: R.ttf, bold: B.ttf, fallback: [F.ttf]}\n"
      "text: {size: 12pt, leading: 15pt, align: justify, hyphenate: true}\n"
      "colors: {text: '#112233'}\n";
  char path[] = "/tmp/handout-test-layout-XXXXXX"; /* a path: has '/' */
  int fd = mkstemp(path);
  OK(fd >= 0, "temp layout");
  if (fd < 0)
    return;
  if (write(fd, yaml, sizeof yaml - 1) != (ssize_t)(sizeof yaml - 1))
    abort();
  close(fd);
  err_reset();
  struct pagedef *p = load_pagedef(path, "layouts", &d);
  OK(p != NULL, "test layout loads: %s", err_text());
  if (p) {
    STR_EQ(p->name, "test", "name");
    INT_EQ(p->page_width, HU_FROM_MM(210), "A5 landscape width");
    INT_EQ(p->page_height, HU_FROM_MM(148), "A5 landscape height");
    INT_EQ(p->margin_bottom, HU_FROM_MM(10), "1cm");
    INT_EQ(p->margin_left, HU_FROM_PT(36), "0.5in");
    INT_EQ(p->margin_right, HU_FROM_PT(36), "36pt");
    INT_EQ(p->columns, 1, "default columns");
    INT_EQ(p->column_gap, HU_FROM_MM(8), "default gap");
    INT_EQ(p->nfallbacks, 1, "one fallback");
    STR_EQ(p->font_fallback[0], "F.ttf", "fallback");
    INT_EQ(p->body_size, 1200, "12pt in cpt");
    INT_EQ(p->leading, HU_FROM_PT(15), "leading");
    INT_EQ(p->align, ALIGN_JUSTIFY, "justify");
    OK(p->hyphenate, "hyphenate");
    STR_EQ(p->hyphen_language, "en-US", "default language");
    INT_EQ(p->paragraph_space, HU_FROM_PT(7.5), "leading / 2");
    INT_EQ(p->title_size, 2040, "title 1.7x");
    INT_EQ(p->subtitle_size, 1440, "subtitle 1.2x");
    INT_EQ(p->h1_size, 1620, "h1 1.35x");
    INT_EQ(p->h2_size, 1380, "h2 1.15x");
    INT_EQ(p->min_body_size, 1200, "default min 12pt");
    INT_EQ(p->footer_size, 1200, "footer 0.85x but not below min");
    INT_EQ(p->colors.text, 0x112233, "text colour");
    INT_EQ(p->colors.heading, 0x003a70, "default heading colour");
    INT_EQ(p->colors.urgent_border, 0xb00020, "default urgent border");
    INT_EQ(p->bleed, 0, "no bleed");
    INT_EQ(p->kind, PAGEDEF_LEAFLET, "default kind");
    INT_EQ(p->npanels, 0, "no panels");
    OK(!p->has_back, "no back panel");
    INT_EQ(p->page_multiple, 1, "default page_multiple");
    INT_EQ(p->sheet.imposition, IMPOSE_NONE, "no sheet");
    OK(p->running_footer, "running footer by default");
  }
  pagedef_free(p);
  unlink(path);

  /* the folded, booklet and card layouts */
  if (access("layouts/trifold-a4.yaml", R_OK) == 0) {
    err_reset();
    p = load_pagedef("trifold-a4", "layouts", &d);
    OK(p != NULL, "trifold-a4: %s", err_text());
    if (p) {
      INT_EQ(p->npanels, 5, "trifold: five panels in the flow");
      OK(p->npanels == 5 && p->panels[0].page == 0 && p->panels[0].column == 2,
         "front cover first: page 1, column 3");
      OK(p->npanels == 5 && p->panels[4].page == 0 && p->panels[4].column == 0,
         "inside flap last: page 1, column 1");
      OK(p->has_back && p->back.page == 0 && p->back.column == 1,
         "back cover: page 1, column 2");
      OK(!p->running_footer, "no running footer");
    }
    pagedef_free(p);
  }
  if (access("layouts/a5-booklet.yaml", R_OK) == 0) {
    err_reset();
    p = load_pagedef("a5-booklet", "layouts", &d);
    OK(p != NULL, "a5-booklet: %s", err_text());
    if (p) {
      INT_EQ(p->page_multiple, 4, "booklet: multiple of 4");
      INT_EQ(p->sheet.imposition, IMPOSE_SADDLE, "saddle-stitch");
      INT_EQ(p->sheet.width, HU_FROM_MM(297), "A4 landscape sheet");
      OK(!p->sheet.always, "imposed only with --impose");
    }
    pagedef_free(p);
  }
  if (access("layouts/wallet-card-sheet.yaml", R_OK) == 0) {
    err_reset();
    p = load_pagedef("wallet-card-sheet", "layouts", &d);
    OK(p != NULL, "wallet-card-sheet: %s", err_text());
    if (p) {
      INT_EQ(p->kind, PAGEDEF_CARD, "card kind");
      INT_EQ(p->page_width, HU_FROM_MM(85.6), "ID-1 width");
      INT_EQ(p->page_height, HU_FROM_MM(53.98), "ID-1 height");
      INT_EQ(p->sheet.imposition, IMPOSE_CARDS, "cards on a sheet");
      OK(p->sheet.columns == 2 && p->sheet.rows == 5, "2 x 5 cards");
      OK(p->sheet.crop_marks && p->sheet.always, "crop marks, always imposed");
    }
    pagedef_free(p);
  }

  /* by name, and an unknown name */
  err_reset();
  p = load_pagedef("a4", "layouts", &d);
  if (access("layouts/a4.yaml", R_OK) == 0) {
    OK(p != NULL, "a4 by name");
    if (p)
      STR_EQ(p->path, "layouts/a4.yaml", "found in layouts/");
  }
  pagedef_free(p);
  err_reset();
  p = load_pagedef("no-such-layout", "layouts", &d);
  OK(p == NULL, "unknown layout");
  OK(strncmp(err_text(),
             "handout: error: unknown layout 'no-such-layout' (expected ",
             58) == 0,
     "unknown layout message: %s", errbuf);
}

int main(void) {
  errf = tmpfile();
  diag_init(&d, errf);
  test_yamlread_anchors();
  test_yamlread_types();
  test_yamlread_errors();
  test_suggest();
  test_good_min();
  test_good_image();
  test_bad_handout();
  test_all_handouts();
  test_layouts();
  fclose(errf);
  return harness_done();
}
