/*
 * test_shape: spans to boxes, glue and penalties.
 *
 *   test_shape [FONTS_DIR [EXCEPTIONS]]   (defaults "fonts" and
 *              "layouts/hyphenation.txt": run from the repository root)
 *
 * Item sequences are compared as compact strings:
 *   [text]  box          _  glue            =  hyphenation point (flagged,
 *   ^       flagged penalty of width 0 (after - or /)        width > 0)
 *   |       unflagged penalty      $  the paragraph end (+inf, fil, -inf)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shape.h"
#include "harness.h"

static const char *fonts_dir = "fonts";
static const char *exc_path = "layouts/hyphenation.txt";
static struct fontset fs;
static struct hyph *hy;

struct capture {
  struct diag d;
  char *buf;
  size_t len;
};
static void capture_start(struct capture *c) {
  c->buf = NULL;
  c->len = 0;
  diag_init(&c->d, open_memstream(&c->buf, &c->len));
}
static const char *capture_text(struct capture *c) {
  fflush(c->d.out);
  return c->buf ? c->buf : "";
}
static void capture_end(struct capture *c) {
  fclose(c->d.out);
  free(c->buf);
}

/* Spans from a list of {text, flags, url}; span k sits on line 10 + k,
 * column 5 of "h.yaml". */
struct sp {
  const char *text;
  unsigned flags;
  const char *url;
};
static struct doc_inline make_inline(struct arena *a, const struct sp *sps, size_t n) {
  struct doc_inline in;
  in.spans = arena_alloc(a, (n ? n : 1) * sizeof *in.spans);
  in.nspans = n;
  for (size_t k = 0; k < n; k++) {
    in.spans[k].text = sps[k].text;
    in.spans[k].len = strlen(sps[k].text);
    in.spans[k].flags = sps[k].flags;
    in.spans[k].url = sps[k].url;
    in.spans[k].pos = (struct src_pos){"h.yaml", 10 + (int)k, 5};
  }
  return in;
}

static struct shape_style style(bool hyphenate) {
  struct shape_style st = {FONT_REGULAR, 1000 /* 10 pt */, 0x000000, 0x0000FF, hyphenate};
  return st;
}

static const char *seq(const struct item_list *l) {
  static char out[4096];
  size_t o = 0;
  for (size_t i = 0; i < l->n && o < sizeof out - 64; i++) {
    const struct item *it = &l->items[i];
    if (i + 3 == l->n && it->type == ITEM_PENALTY && it->penalty == ITEM_INF_PENALTY &&
        l->items[i + 1].type == ITEM_GLUE && l->items[i + 1].stretch == ITEM_FIL &&
        l->items[i + 1].width == 0 && l->items[i + 2].type == ITEM_PENALTY &&
        l->items[i + 2].penalty == -ITEM_INF_PENALTY) {
      out[o++] = '$';
      break;
    }
    switch (it->type) {
    case ITEM_BOX:
      o += (size_t)snprintf(out + o, sizeof out - o, "[%.*s]", (int)it->len, it->text);
      break;
    case ITEM_GLUE:
      out[o++] = '_';
      break;
    case ITEM_PENALTY:
      out[o++] = it->flagged ? (it->width > 0 ? '=' : '^') : '|';
      break;
    }
  }
  out[o] = '\0';
  return out;
}

static bool shape(struct arena *a, const struct sp *sps, size_t n, bool hyphenate,
                  struct diag *d, struct item_list *out) {
  struct doc_inline in = make_inline(a, sps, n);
  struct shape_style st = style(hyphenate);
  return shape_inline(&in, &st, &fs, hy, a, d, out);
}

#define SPANS(...) ((const struct sp[]){__VA_ARGS__}), \
  (sizeof((const struct sp[]){__VA_ARGS__}) / sizeof(struct sp))

static hu_t adv(int face, uint32_t cp) { return (hu_t)font_advance(fs.face[face], cp) * 1000; }
static hu_t kern(int face, uint32_t a, uint32_t b) {
  return (hu_t)font_kern(fs.face[face], a, b) * 1000;
}

static void test_basic(void) {
  struct arena *a = arena_new();
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;

  OK(shape(a, SPANS({"AV To", 0, NULL}), false, &d, &l), "AV To");
  STR_EQ(seq(&l), "[AV]_[To]$", "AV To items");
  INT_EQ(l.n, 6, "3 items + the end");
  INT_EQ(l.items[0].width, adv(0, 'A') + adv(0, 'V') + kern(0, 'A', 'V'), "AV width");
  INT_EQ(l.items[0].width, (684 + 684 - 64) * 1000, "AV width in hu (10 pt)");
  OK(l.items[0].kern && l.items[0].kern[0] == -64 && l.items[0].kern[1] == 0,
     "kern after A, none after V");
  INT_EQ(l.items[1].width, 317 * 1000, "glue = space advance");
  INT_EQ(l.items[1].stretch, 317 * 1000 / 2, "stretch 1/2");
  INT_EQ(l.items[1].shrink, 317 * 1000 / 3, "shrink 1/3");
  INT_EQ(l.items[2].width, (610 + 611 - 170) * 1000, "To width");
  INT_EQ(l.items[2].kern ? l.items[2].kern[0] : 0, -170, "To kern");
  INT_EQ(l.items[2].size, 1000, "size");
  INT_EQ(l.items[2].face, 0, "face");
  OK(l.items[2].color == 0 && l.items[2].link == NULL, "colour and link");
  OK(l.items[3].type == ITEM_PENALTY && l.items[3].penalty == ITEM_INF_PENALTY, "end 1");
  OK(l.items[4].type == ITEM_GLUE && l.items[4].stretch == ITEM_FIL && l.items[4].width == 0 &&
         l.items[4].text == NULL, "end 2: fil glue");
  OK(l.items[5].type == ITEM_PENALTY && l.items[5].penalty == -ITEM_INF_PENALTY, "end 3");

  OK(shape(a, SPANS({"  a   b  ", 0, NULL}), false, &d, &l), "spaces");
  STR_EQ(seq(&l), "[a]_[b]$", "leading, trailing and repeated spaces");
  OK(shape(a, SPANS({"foo ", 0, NULL}, {" bar", 0, NULL}), false, &d, &l), "two spans");
  STR_EQ(seq(&l), "[foo]_[bar]$", "spaces across spans: one glue");
  OK(shape(a, SPANS({"oo", 0, NULL}), false, &d, &l), "no kerning");
  OK(l.items[0].kern == NULL, "kern NULL when all zero");
  OK(shape(a, NULL, 0, false, &d, &l), "empty");
  STR_EQ(seq(&l), "$", "empty paragraph: just the end");
  INT_EQ(l.n, 3, "three items");
  INT_EQ(d.count[DIAG_ERROR], 0, "no errors");
  arena_free(a);
}

static void test_styles(void) {
  struct arena *a = arena_new();
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;

  OK(shape(a, SPANS({"plain ", 0, NULL}, {"bold", SPAN_BOLD, NULL}, {" text", 0, NULL}),
           false, &d, &l), "bold");
  STR_EQ(seq(&l), "[plain]_[bold]_[text]$", "bold items");
  INT_EQ(l.items[0].face, 0, "plain: regular");
  INT_EQ(l.items[2].face, 1, "bold: bold face");
  INT_EQ(l.items[2].width, adv(1, 'b') + adv(1, 'o') + adv(1, 'l') + adv(1, 'd'), "bold width");
  INT_EQ(l.items[3].face, 0, "glue after bold: face of the space's span");

  /* a bold span inside a word: no kerning across the face change */
  OK(shape(a, SPANS({"T", SPAN_BOLD, NULL}, {"o", 0, NULL}), false, &d, &l), "bold T");
  STR_EQ(seq(&l), "[T][o]$", "face change splits the box");
  OK(l.items[0].kern == NULL, "no kern across faces");

  /* link: colour and URL; kerning across the link's end goes on the last
   * character of the earlier box */
  const char *url = "https://www.nhs.uk";
  OK(shape(a, SPANS({"see ", 0, NULL}, {"NHS website T", 0, url}, {"o.", 0, NULL}), false, &d,
           &l), "link");
  STR_EQ(seq(&l), "[see]_[NHS]_[website]_[T][o.]$", "link items");
  OK(l.items[2].link == url && l.items[2].color == 0x0000FF, "link box");
  OK(l.items[3].link == url, "glue inside the link carries it");
  OK(l.items[6].link == url && l.items[7].link == NULL, "box split at the link's end");
  OK(l.items[6].kern && l.items[6].kern[0] == -170, "To kerned across the boundary");
  INT_EQ(l.items[6].width, adv(0, 'T') + kern(0, 'T', 'o'), "T box includes the kern");
  INT_EQ(l.items[7].width, adv(0, 'o') + kern(0, 'o', '.') + adv(0, '.'), "o. box");
  INT_EQ(d.count[DIAG_ERROR], 0, "no errors");
  arena_free(a);
}

static void test_nobreak(void) {
  struct arena *a = arena_new();
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;

  OK(shape(a, SPANS({"10\xC2\xA0mg daily", 0, NULL}), false, &d, &l), "nbsp");
  STR_EQ(seq(&l), "[10\xC2\xA0mg]_[daily]$", "NBSP stays in the box");
  INT_EQ(l.items[0].width, adv(0, '1') + adv(0, '0') + adv(0, 0xA0) + adv(0, 'm') +
                               adv(0, 'g'), "NBSP has the width of a space");
  INT_EQ(adv(0, 0xA0), adv(0, ' '), "NBSP advance = space advance");

  OK(shape(a, SPANS({"call ", 0, NULL}, {"0800 123-4567 now/then immunotherapy", SPAN_KEEP, NULL},
                    {" today", 0, NULL}), true, &d, &l), "keep");
  STR_EQ(seq(&l), "[call]_[0800 123-4567 now/then immunotherapy]_[today]$",
         "no glue, no penalty, no hyphenation inside [[keep]]");

  /* [[keep]] with bold inside: two spans, still one unbreakable run */
  OK(shape(a, SPANS({"ring ", 0, NULL}, {"111 ", SPAN_KEEP, NULL},
                    {"now", SPAN_KEEP | SPAN_BOLD, NULL}), false, &d, &l), "keep + bold");
  STR_EQ(seq(&l), "[ring]_[111 ][now]$", "keep spans: boxes split by face, no break");
  INT_EQ(l.items[2].width, adv(0, '1') * 3 + adv(0, ' '), "space inside keep: fixed width");
  INT_EQ(d.count[DIAG_ERROR], 0, "no errors");
  arena_free(a);
}

static void test_breaks(void) {
  struct arena *a = arena_new();
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;

  OK(shape(a, SPANS({"T-cell and/or PD-1", 0, NULL}), false, &d, &l), "explicit");
  STR_EQ(seq(&l), "[T-]^[cell]_[and/]^[or]_[PD-1]$", "after hyphen and slash");
  INT_EQ(l.items[1].penalty, 50, "\\exhyphenpenalty");
  INT_EQ(l.items[1].width, 0, "width 0");

  /* kerning across break points */
  OK(shape(a, SPANS({"anti-TNF", 0, NULL}), false, &d, &l), "kern across a penalty");
  STR_EQ(seq(&l), "[anti-]^[TNF]$", "anti-TNF");
  INT_EQ(font_kern(fs.face[0], '-', 'T'), -92, "kern -T");
  OK(l.items[0].kern == NULL, "no kern across a width-0 penalty");
  INT_EQ(l.items[1].width, 0, "explicit penalty keeps width 0");
  OK(shape(a, SPANS({"inter\xC2\xAD" "esting", 0, NULL}), false, &d, &l), "kern at a hyphen");
  STR_EQ(seq(&l), "[inter]=[esting]$", "inter-esting");
  INT_EQ(font_kern(fs.face[0], 'r', 'e'), -22, "kern re");
  OK(l.items[0].kern && l.items[0].kern[4] == -22, "kern kept on the r");
  INT_EQ(l.items[0].width, adv(0, 'i') + adv(0, 'n') + adv(0, 't') + adv(0, 'e') +
                               adv(0, 'r') - 22 * 1000, "box counts the kern");
  INT_EQ(l.items[1].width, adv(0, '-') + 22 * 1000,
         "hyphen penalty gives the kern back when broken");

  OK(shape(a, SPANS({"co\xC2\xADlitis", 0, NULL}), false, &d, &l), "soft hyphen");
  STR_EQ(seq(&l), "[co]=[litis]$", "soft hyphen: flagged point, not drawn");
  INT_EQ(l.items[1].width, adv(0, '-'), "hyphen width");
  INT_EQ(l.items[1].penalty, 50, "\\hyphenpenalty");

  OK(shape(a, SPANS({"Attention ! ( see below )", 0, NULL}), false, &d, &l), "no break");
  STR_EQ(seq(&l), "[Attention]|_[!]_[(]|_[see]_[below]|_[)]$",
         "UAX #14: no break before ! or ) or after ( even at a space");
  INT_EQ(l.items[1].penalty, ITEM_INF_PENALTY, "an infinite penalty before the glue");

  OK(shape(a, SPANS({"one\xE2\x80\x8Btwo", 0, NULL}), false, &d, &l), "zwsp");
  STR_EQ(seq(&l), "[one]|[two]$", "zero-width space: a break, not drawn");
  INT_EQ(l.items[1].penalty, 0, "penalty 0");
  OK(shape(a, SPANS({"a\xE2\x80\x8D" "b \xEF\xBB\xBF", 0, NULL}), false, &d, &l), "zwj");
  STR_EQ(seq(&l), "[ab]$", "ZWJ and BOM dropped");
  INT_EQ(d.count[DIAG_ERROR], 0, "no errors");
  arena_free(a);
}

static void test_hyphenation(void) {
  struct arena *a = arena_new();
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;
  const struct sp text[] = {{"Immunotherapy with ", 0, NULL},
                            {"pembrolizumab", SPAN_BOLD, NULL},
                            {" reduces inflammation.", 0, NULL}};

  OK(shape(a, text, 3, false, &d, &l), "hyphenation off");
  STR_EQ(seq(&l), "[Immunotherapy]_[with]_[pembrolizumab]_[reduces]_[inflammation.]$",
         "no flagged penalties without hyphenate");
  OK(shape(a, text, 3, true, &d, &l), "hyphenation on");
  STR_EQ(seq(&l),
         "[Immu]=[no]=[ther]=[apy]_[with]_[pembrolizumab]_[reduces]_"
         "[inflam]=[ma]=[tion.]$",
         "points from the exception list and the patterns; drug name unsplit");
  INT_EQ(l.items[1].width, adv(0, '-'), "hyphen width, regular");
  INT_EQ(l.items[1].penalty, 50, "\\hyphenpenalty");
  OK(l.items[1].flagged, "flagged");

  /* the total width of a hyphenated word equals the unhyphenated one */
  hu_t w = 0;
  for (size_t i = 0; i < 7; i++)
    if (l.items[i].type == ITEM_BOX) w += l.items[i].width;
  struct item_list l2;
  shape(a, text, 3, false, &d, &l2);
  INT_EQ(w, l2.items[0].width, "boxes of a hyphenated word add up");

  /* no hyphenation without a hyph, in URLs, acronyms, words with soft hyphens */
  struct doc_inline in = make_inline(a, text, 3);
  struct shape_style st = style(true);
  OK(shape_inline(&in, &st, &fs, NULL, a, &d, &l), "hy NULL");
  STR_EQ(seq(&l), "[Immunotherapy]_[with]_[pembrolizumab]_[reduces]_[inflammation.]$",
         "hy == NULL: no hyphenation");
  OK(shape(a, SPANS({"www.example.org/immunotherapy IMMUNOTHERAPY im\xC2\xADmunotherapy", 0,
                     NULL}), true, &d, &l), "exclusions");
  STR_EQ(seq(&l), "[www.example.org/]^[immunotherapy]_[IMMUNOTHERAPY]_[im]=[munotherapy]$",
         "URL, capitals, and a word with a soft hyphen are left alone");
  INT_EQ(d.count[DIAG_ERROR], 0, "no errors");
  arena_free(a);
}

static void test_errors(void) {
  struct arena *a = arena_new();
  struct capture c;
  struct item_list l;

  /* U+514D (CJK) after "Hello é" on line 11 col 5: 7 characters in */
  capture_start(&c);
  OK(!shape(a, SPANS({"x", 0, NULL}, {"Hello \xC3\xA9\xE5\x85\x8D and \xE5\x85\x8D", 0, NULL}),
            false, &c.d, &l), "missing glyph fails");
  STR_EQ(capture_text(&c),
         "h.yaml:11:12: error: character '\xE5\x85\x8D' (U+514D) is not in any font of this "
         "layout (expected a character that DejaVuSans.ttf or DejaVuSans-Bold.ttf has)\n",
         "missing glyph message: exact position, reported once");
  INT_EQ(l.n, 0, "no items on failure");
  capture_end(&c);

  capture_start(&c);
  OK(!shape(a, SPANS({"smile \xF0\x9F\x98\x80", SPAN_BOLD, NULL}), false, &c.d, &l),
     "astral fails");
  STR_EQ(capture_text(&c),
         "h.yaml:10:11: error: character '\xF0\x9F\x98\x80' (U+1F600) is outside the Basic "
         "Multilingual Plane (expected a character up to U+FFFF: PDF text is written with "
         "2-byte codes)\n", "astral message");
  capture_end(&c);

  capture_start(&c);
  OK(!shape(a, SPANS({"a\x07" "b", 0, NULL}), false, &c.d, &l), "control fails");
  STR_EQ(capture_text(&c),
         "h.yaml:10:6: error: control character U+0007 in text (expected printable "
         "characters; a new line is a new paragraph or list item)\n", "control message");
  capture_end(&c);

  /* new lines and tabs from | and > blocks are spaces, as in HTML */
  capture_start(&c);
  OK(shape(a, SPANS({"one\ntwo\tthree\n", 0, NULL}), false, &c.d, &l), "newline ok");
  int glues = 0;
  for (size_t i = 0; i < l.n; i++)
    if (l.items[i].type == ITEM_GLUE && l.items[i].stretch < ITEM_FIL) glues++;
  INT_EQ(glues, 2, "newline and tab become interword glue, the final one dropped");
  capture_end(&c);

  /* U+F000 is only in the regular face: fine in bold (falls back), and a
   * precise message when no face of the role has it */
  capture_start(&c);
  OK(shape(a, SPANS({"\xEF\x80\x80", SPAN_BOLD, NULL}), false, &c.d, &l), "bold falls back");
  INT_EQ(l.items[0].face, 0, "drawn with the regular face");
  capture_end(&c);

  /* a face of the layout has it, but not one this role may use */
  struct pagedef pd;
  memset(&pd, 0, sizeof pd);
  pd.pos = (struct src_pos){"layouts/odd.yaml", 1, 1};
  pd.font_regular = "DejaVuSans-Bold.ttf";
  pd.font_bold = "DejaVuSans.ttf";
  struct fontset odd;
  struct diag d;
  diag_init(&d, stderr);
  OK(fontset_load(&odd, &pd, fonts_dir, &d), "odd fontset");
  struct doc_inline in = make_inline(a, SPANS({"x\xEF\x80\x80", 0, NULL}));
  struct shape_style st = style(false);
  capture_start(&c);
  OK(!shape_inline(&in, &st, &odd, NULL, a, &c.d, &l), "role without the glyph fails");
  STR_EQ(capture_text(&c),
         "h.yaml:10:6: error: character '\xEF\x80\x80' (U+F000) is not in "
         "DejaVuSans-Bold.ttf, the font for regular text here (expected a character that "
         "font has; only DejaVuSans.ttf has it)\n", "role-specific message");
  capture_end(&c);
  fontset_free(&odd);
  arena_free(a);
}

static void test_text_width(void) {
  INT_EQ(shape_text_width(&fs, FONT_REGULAR, 1000, "AV", 2), (684 + 684 - 64) * 1000, "AV");
  INT_EQ(shape_text_width(&fs, FONT_REGULAR, 1200, "A V", 3), (684 + 317 + 684) * 1200,
         "A V at 12 pt");
  INT_EQ(shape_text_width(&fs, FONT_BOLD, 1000, "A", 1), 773 * 1000, "bold A");
  INT_EQ(shape_text_width(&fs, FONT_REGULAR, 1000, "A\xE5\x85\x8D", 4), 684 * 1000,
         "missing character: zero width");
  INT_EQ(shape_text_width(&fs, FONT_REGULAR, 1000, "", 0), 0, "empty");
}

/* Random paragraphs from risky pieces: the drawn text must survive
 * (spaces collapsed to one glue, soft hyphens and invisible characters
 * dropped), boxes are non-empty, glue never sits inside [[keep]]. */
static void test_random(void) {
  static const char *const pieces[] = {
      "a", "To", "AV", " ", "   ", "-", "/", "\xC2\xA0", "\xC2\xAD", "\xE2\x80\x8B",
      "\xC3\xA9", "immunotherapy", "pembrolizumab", "(", ")", "!", "1", "inter",
      "\xE2\x80\x93", "www.example.org/", "IMMUNOTHERAPY", "\xE2\x80\x8D"};
  size_t np = sizeof pieces / sizeof pieces[0];
  uint32_t seed = 12345;
  struct diag d;
  diag_init(&d, stderr);
  int bad = 0;
  for (int round = 0; round < 300 && bad < 5; round++) {
    struct arena *a = arena_new();
    struct sp sps[4];
    char *texts[4];
    size_t nsp = 1 + round % 4;
    struct strbuf want = {0};
    for (size_t k = 0; k < nsp; k++) {
      struct strbuf b = {0};
      int count = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
      for (int m = 0; m < count; m++) {
        seed = seed * 1103515245u + 12345u;
        strbuf_puts(&b, pieces[(seed >> 16) % np]);
      }
      texts[k] = arena_strdup(a, b.data);
      strbuf_free(&b);
      seed = seed * 1103515245u + 12345u;
      unsigned flags = (seed >> 16) & 3; /* BOLD, KEEP */
      sps[k] = (struct sp){texts[k], flags, ((seed >> 18) & 1) ? "https://x.org" : NULL};
    }
    /* expected drawn text */
    bool space = false;
    for (size_t k = 0; k < nsp; k++) {
      for (const char *p = texts[k]; *p;) {
        uint32_t cp;
        int n = utf8_decode(p, strlen(p), &cp);
        if (cp == ' ' && !(sps[k].flags & SPAN_KEEP)) {
          space = want.len > 0;
        } else if (cp != 0xAD && cp != 0x200B && cp != 0x200D) {
          if (space) strbuf_putc(&want, ' ');
          space = false;
          strbuf_append(&want, p, (size_t)n);
        }
        p += n;
      }
    }
    struct item_list l;
    bool ok = shape(a, sps, nsp, round & 1, &d, &l);
    struct strbuf got = {0};
    bool boxes_ok = true;
    for (size_t i = 0; i < l.n; i++) {
      const struct item *it = &l.items[i];
      if (it->type == ITEM_BOX) {
        strbuf_append(&got, it->text, it->len);
        boxes_ok &= it->len > 0 && it->width >= 0;
      } else if (it->type == ITEM_GLUE && it->stretch != ITEM_FIL) {
        strbuf_putc(&got, ' ');
      }
    }
    const char *g = got.data ? got.data : "", *w = want.data ? want.data : "";
    if (!ok || strcmp(g, w) != 0 || !boxes_ok) {
      bad++;
      fprintf(stderr, "random round %d: ok=%d boxes_ok=%d\n  got  \"%s\"\n  want \"%s\"\n",
              round, ok, boxes_ok, g, w);
    }
    strbuf_free(&got);
    strbuf_free(&want);
    arena_free(a);
  }
  INT_EQ(bad, 0, "random paragraphs keep their text");
}

/* An ~800-word, 2-page leaflet: 10 paragraphs of 80 words. */
static void test_speed(void) {
  static const char *const words[] = {
      "Immunotherapy", "helps", "your", "immune", "system", "to", "find", "and", "attack",
      "cancer", "cells.", "Tell", "your", "team", "at", "once", "if", "you", "have", "a",
      "new", "cough,", "diarrhoea", "or", "a", "temperature", "of", "38\xC2\xA0\xC2\xB0" "C",
      "or", "more.", "Side", "effects", "can", "happen", "during", "treatment", "with",
      "pembrolizumab", "or", "nivolumab,", "and", "months", "after", "it", "ends;",
      "inflammation", "of", "the", "bowel", "(colitis),", "lungs", "(pneumonitis)", "or",
      "liver", "(hepatitis)", "needs", "steroids", "quickly.", "Call", "the", "24-hour",
      "line:", "0800\xC2\xA0" "123\xC2\xA0" "4567.", "Keep", "this", "leaflet", "with", "you",
      "and", "show", "it", "to", "any", "doctor", "or", "nurse", "who", "treats", "you."};
  size_t nw = sizeof words / sizeof words[0];
  struct arena *a = arena_new();
  struct sp paras[10][3];
  char *buf[10][3];
  for (int p = 0; p < 10; p++) {
    /* three spans per paragraph: text, bold, text */
    for (int s = 0; s < 3; s++) {
      size_t cap = 2048, o = 0;
      buf[p][s] = arena_alloc(a, cap);
      int count = s == 1 ? 4 : 38;
      for (int k = 0; k < count; k++) {
        const char *w = words[(size_t)(p * 7 + s * 31 + k) % nw];
        o += (size_t)snprintf(buf[p][s] + o, cap - o, "%s ", w);
      }
      paras[p][s] = (struct sp){buf[p][s], s == 1 ? SPAN_BOLD : 0, NULL};
    }
  }
  struct diag d;
  diag_init(&d, stderr);
  struct item_list l;
  size_t items = 0;
  /* warm the caches once */
  for (int p = 0; p < 10; p++) shape(a, paras[p], 3, true, &d, &l);
  int rounds = 50;
  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  for (int r = 0; r < rounds; r++) {
    struct arena *job = arena_new();
    for (int p = 0; p < 10; p++) {
      shape(job, paras[p], 3, true, &d, &l);
      items += l.n;
    }
    arena_free(job);
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / rounds;
  printf("shape: 800 words (10 paragraphs, hyphenation on), warm: %.3f ms per document "
         "(%zu items)\n", ms, items / (size_t)rounds);
  INT_EQ(d.count[DIAG_ERROR], 0, "benchmark text shapes cleanly");
  arena_free(a);
}

int main(int argc, char **argv) {
  if (argc > 1) fonts_dir = argv[1];
  if (argc > 2) exc_path = argv[2];
  struct diag d;
  diag_init(&d, stderr);
  struct pagedef pd;
  memset(&pd, 0, sizeof pd);
  pd.pos = (struct src_pos){"layouts/test.yaml", 1, 1};
  pd.font_regular = "DejaVuSans.ttf";
  pd.font_bold = "DejaVuSans-Bold.ttf";
  if (!fontset_load(&fs, &pd, fonts_dir, &d)) {
    OK(0, "fonts load from %s", fonts_dir);
    return harness_done();
  }
  hy = hyph_open("en-US", exc_path, &d);
  OK(hy != NULL, "hyphenation loads");

  test_basic();
  test_styles();
  test_nobreak();
  test_breaks();
  test_hyphenation();
  test_errors();
  test_text_width();
  test_random();
  test_speed();

  hyph_free(hy);
  fontset_free(&fs);
  return harness_done();
}
