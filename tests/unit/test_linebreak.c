/*
 * test_linebreak: the Knuth-Plass breaker on fake fixed-width metrics.
 *
 * Every character is 1000 hu wide; a space is glue 1000 plus 500 minus 333;
 * '-' inside a word is a hyphenation point (flagged penalty 50, width 1000);
 * '|' is a forced break.  Paragraphs end with TeX's finishing sequence
 * penalty(inf) glue(0 plus fil) penalty(-inf), as shape.c makes them.
 *
 * Besides exact layouts of small paragraphs, a brute-force search over all
 * break sequences (an independent implementation of the demerits rules)
 * checks that the breaker's choice is optimal on many random paragraphs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "linebreak.h"

#define CHAR_W 1000
#define SPACE_W 1000
#define SPACE_ST 500
#define SPACE_SH 333
#define HYPHEN_PENALTY 50

/* ---- building paragraphs ------------------------------------------------ */

static struct item box(const char *text, size_t len) {
  return (struct item){.type = ITEM_BOX,
                       .width = (hu_t)len * CHAR_W,
                       .text = text,
                       .len = (uint32_t)len};
}

static struct item glue(hu_t w, hu_t st, hu_t sh) {
  return (struct item){
      .type = ITEM_GLUE, .width = w, .stretch = st, .shrink = sh};
}

static struct item penalty(hu_t w, int pi, bool flagged) {
  return (struct item){
      .type = ITEM_PENALTY, .width = w, .penalty = pi, .flagged = flagged};
}

/* Items for text (syntax above), from the arena; finish appends the
 * paragraph-finishing sequence. */
static size_t build(struct arena *a, const char *text, bool finish,
                    struct item **out) {
  size_t cap = 2 * strlen(text) + 4, n = 0;
  struct item *it = arena_alloc(a, cap * sizeof *it);
  for (const char *p = text; *p;) {
    if (*p == ' ') {
      it[n++] = glue(SPACE_W, SPACE_ST, SPACE_SH);
      p++;
    } else if (*p == '-') {
      it[n++] = penalty(CHAR_W, HYPHEN_PENALTY, true);
      p++;
    } else if (*p == '|') {
      it[n++] = penalty(0, -ITEM_INF_PENALTY, false);
      p++;
    } else {
      size_t len = strcspn(p, " -|");
      it[n++] = box(p, len);
      p += len;
    }
  }
  if (finish) {
    it[n++] = penalty(0, ITEM_INF_PENALTY, false);
    it[n++] = glue(0, ITEM_FIL, 0);
    it[n++] = penalty(0, -ITEM_INF_PENALTY, false);
  }
  *out = it;
  return n;
}

/* The lines as text: words, ' ' for glue, '-' at hyphenated ends, lines
 * separated by '/'. */
static const char *layout(struct arena *a, const struct item *it,
                          const struct lb_line *ln, size_t nl) {
  struct strbuf sb = {0};
  for (size_t l = 0; l < nl; l++) {
    if (l) strbuf_putc(&sb, '/');
    for (size_t i = ln[l].start; i < ln[l].end; i++) {
      if (it[i].type == ITEM_BOX) strbuf_append(&sb, it[i].text, it[i].len);
      if (it[i].type == ITEM_GLUE && it[i].stretch < ITEM_FIL)
        strbuf_putc(&sb, ' ');
    }
    if (ln[l].hyphenated) strbuf_putc(&sb, '-');
  }
  strbuf_putc(&sb, '\0');
  const char *s = arena_strdup(a, sb.data);
  strbuf_free(&sb);
  return s;
}

static struct lb_params params(int chars) {
  struct lb_params p;
  lb_params_default(&p, (hu_t)chars * CHAR_W);
  return p;
}

/* Break text (finished as a paragraph) with p and return the layout. */
static const char *set(struct arena *a, const char *text,
                       const struct lb_params *p) {
  struct item *it;
  size_t n = build(a, text, true, &it);
  struct lb_line *ln;
  size_t nl = linebreak(it, n, p, a, &ln);
  return layout(a, it, ln, nl);
}

/* Natural width of line l, hyphen included [hu]. */
static hu_t natural(const struct item *it, const struct lb_line *ln) {
  hu_t w = 0;
  for (size_t i = ln->start; i < ln->end; i++)
    if (it[i].type != ITEM_PENALTY) w += it[i].width;
  if (ln->hyphenated) w += it[ln->end].width;
  return w;
}

/* Width of line l as drawn with its ratio [hu]. */
static hu_t drawn(const struct item *it, const struct lb_line *ln) {
  hu_t w = 0;
  for (size_t i = ln->start; i < ln->end; i++)
    if (it[i].type == ITEM_BOX)
      w += it[i].width;
    else if (it[i].type == ITEM_GLUE)
      w += lb_glue_width(&it[i], ln->ratio);
  if (ln->hyphenated) w += it[ln->end].width;
  return w;
}

/* Structural contract of any result; returns true if it holds. */
static bool well_formed(size_t n, const struct lb_line *ln, size_t nl,
                        size_t last_end) {
  if (n == 0) return nl == 0;
  if (nl == 0 || ln[0].start != 0 || ln[nl - 1].end != last_end) return false;
  for (size_t l = 0; l < nl; l++) {
    if (ln[l].start > ln[l].end) return false;
    if (l && (ln[l].end <= ln[l - 1].end || ln[l].start <= ln[l - 1].end))
      return false;
  }
  return true;
}

/* A deterministic pseudo-random text of nwords words (1-9 letters), with
 * hyphenation points in words of 6 letters or more when hyphens is set. */
static char *random_text(unsigned *seed, size_t nwords, bool hyphens) {
  struct strbuf sb = {0};
  for (size_t w = 0; w < nwords; w++) {
    *seed = *seed * 1103515245u + 12345u;
    size_t len = 1 + (*seed >> 16) % 9;
    if (w) strbuf_putc(&sb, ' ');
    for (size_t c = 0; c < len; c++) {
      if (hyphens && len >= 6 && c >= 2 && len - c >= 2 && c % 3 == 2)
        strbuf_putc(&sb, '-');
      strbuf_putc(&sb, (char)('a' + (w + c) % 26));
    }
  }
  strbuf_putc(&sb, '\0');
  return strbuf_steal(&sb);
}

/* ---- an independent brute-force optimum ---------------------------------- */

struct oracle {
  const struct item *it;
  size_t n;
  const struct lb_params *p;
  double threshold;
  bool hyphens;
  double best; /* least total demerits; HUGE_VAL if none feasible */
};

static bool o_breakpoint(const struct oracle *o, size_t j, int *pi,
                         bool *flagged) {
  const struct item *it = &o->it[j];
  *pi = 0;
  *flagged = false;
  if (it->type == ITEM_GLUE) return j > 0 && o->it[j - 1].type == ITEM_BOX;
  if (it->type != ITEM_PENALTY || it->penalty >= ITEM_INF_PENALTY) return false;
  if (!o->hyphens && it->flagged && it->width > 0 &&
      it->penalty > -ITEM_INF_PENALTY)
    return false;
  *pi = it->penalty;
  *flagged = it->flagged;
  return true;
}

/* Ratio of the line [start, j) breaking at j; sets *too_long. */
static double o_ratio(const struct oracle *o, size_t start, size_t j,
                      bool *too_long) {
  double w = 0, st = 0, sh = 0;
  bool fil = false;
  for (size_t i = start; i < j; i++) {
    const struct item *it = &o->it[i];
    if (it->type == ITEM_PENALTY) continue;
    w += (double)it->width;
    if (it->type != ITEM_GLUE) continue;
    if (it->stretch >= ITEM_FIL)
      fil = true;
    else
      st += (double)it->stretch;
    sh += (double)it->shrink;
  }
  if (o->it[j].type == ITEM_PENALTY) w += (double)o->it[j].width;
  if (o->p->ragged) st = (double)o->p->ragged_stretch, sh = 0;
  double lw = (double)o->p->line_width;
  *too_long = w - sh > lw;
  if (w < lw) return fil ? 0 : st > 0 ? (lw - w) / st : HUGE_VAL;
  return w > lw ? (lw - w) / sh : 0;
}

static int o_fitness(double r) {
  return r > 1 ? 0 : r > 0.5 ? 1 : r >= -0.5 ? 2 : 3;
}

static double o_demerits(const struct oracle *o, double r, int pi, bool flagged,
                         bool prev_flagged, int fit, int prev_fit, bool final) {
  double b = fmin(100 * pow(fabs(r), 3), 10000);
  double d = pow(o->p->line_penalty + b, 2);
  if (pi > 0)
    d += (double)pi * pi;
  else if (pi > -ITEM_INF_PENALTY)
    d -= (double)pi * pi;
  if (prev_flagged && final)
    d += o->p->final_hyphen_demerits;
  else if (prev_flagged && flagged)
    d += o->p->double_hyphen_demerits;
  if (abs(fit - prev_fit) > 1) d += o->p->adj_demerits;
  return d;
}

static size_t o_after(const struct oracle *o, size_t j) {
  j++;
  while (j < o->n && o->it[j].type != ITEM_BOX) j++;
  return j;
}

/* Every feasible continuation after the break at prev (next line from
 * start), which ended a line of fitness fit. */
static void o_search(struct oracle *o, size_t prev, size_t start, int fit,
                     bool flagged, double total) {
  for (size_t j = prev + 1; j < o->n; j++) {
    int pi;
    bool fl, too_long;
    if (!o_breakpoint(o, j, &pi, &fl)) continue;
    bool final = j == o->n - 1, forced = pi <= -ITEM_INF_PENALTY;
    double r = o_ratio(o, start < j ? start : j, j, &too_long);
    if (!too_long && r <= o->threshold) {
      int f = o_fitness(r);
      double d = total + o_demerits(o, r, pi, fl, flagged, f, fit, final);
      if (final)
        o->best = fmin(o->best, d);
      else
        o_search(o, j, o_after(o, j), f, fl, d);
    }
    if (forced || too_long) break;
  }
}

/* Demerits of the breaker's lines under the same rules. */
static double o_total(const struct oracle *o, const struct lb_line *ln,
                      size_t nl) {
  double total = 0;
  int fit = 2;
  bool flagged = false;
  for (size_t l = 0; l < nl; l++) {
    int pi;
    bool fl, too_long;
    o_breakpoint(o, ln[l].end, &pi, &fl);
    double r = o_ratio(o, ln[l].start, ln[l].end, &too_long);
    int f = o_fitness(r);
    total += o_demerits(o, r, pi, fl, flagged, f, fit, l == nl - 1);
    fit = f;
    flagged = fl;
  }
  return total;
}

static double o_best(struct oracle *o, double threshold, bool hyphens) {
  o->threshold = threshold;
  o->hyphens = hyphens;
  o->best = HUGE_VAL;
  o_search(o, (size_t)-1, 0, 2, false, 0);
  return o->best;
}

/* ---- tests ------------------------------------------------------------- */

static void test_defaults(void) {
  struct lb_params p;
  lb_params_default(&p, 800000);
  INT_EQ(p.line_width, 800000, "default line width");
  OK(p.pretolerance == 1.0 && p.tolerance == 2.0, "default tolerances");
  INT_EQ(p.line_penalty, 10, "default line penalty");
  OK(p.double_hyphen_demerits == 10000 && p.final_hyphen_demerits == 5000 &&
         p.adj_demerits == 10000,
     "default demerits");
  OK(!p.ragged, "justified by default");
  INT_EQ(p.ragged_stretch, 100000, "ragged stretch is 1/8 of the measure");
}

static void test_glue_width(void) {
  struct item g = glue(1000, 500, 333);
  INT_EQ(lb_glue_width(&g, 0), 1000, "natural");
  INT_EQ(lb_glue_width(&g, 0.5), 1250, "stretched");
  INT_EQ(lb_glue_width(&g, 2), 2000, "stretched to tolerance");
  INT_EQ(lb_glue_width(&g, -1), 667, "fully shrunk");
  INT_EQ(lb_glue_width(&g, 1.0 / 3), 1167, "rounded to the nearest hu");
  struct item fil = glue(0, ITEM_FIL, 0);
  INT_EQ(lb_glue_width(&fil, 5), 0, "fil glue keeps its width");
  struct item b = box("abc", 3);
  INT_EQ(lb_glue_width(&b, 1), 3000, "a box keeps its width");
}

static void test_empty_and_degenerate(struct arena *a) {
  struct lb_params p = params(10);
  struct lb_line *ln = (struct lb_line *)&p;
  INT_EQ(linebreak(NULL, 0, &p, a, &ln), 0, "empty list: no lines");
  OK(ln == NULL, "empty list: lines NULL");

  struct item only_glue[3] = {glue(1000, 500, 333), glue(1000, 500, 333),
                              glue(0, ITEM_FIL, 0)};
  size_t nl = linebreak(only_glue, 3, &p, a, &ln);
  INT_EQ(nl, 1, "only glue: one line");
  OK(well_formed(3, ln, nl, 3), "only glue: whole list, assumed end");
  OK(!ln[0].overfull, "only glue: fits");

  struct item only_pen[3] = {penalty(0, 0, false), penalty(0, 0, false),
                             penalty(0, -ITEM_INF_PENALTY, false)};
  nl = linebreak(only_pen, 3, &p, a, &ln);
  OK(nl >= 1 && well_formed(3, ln, nl, 2), "only penalties: well formed");

  struct item one_box = box("abc", 3);
  nl = linebreak(&one_box, 1, &p, a, &ln);
  INT_EQ(nl, 1, "single box without finish: one line");
  OK(ln[0].start == 0 && ln[0].end == 1 && !ln[0].overfull,
     "single box: line [0, 1) with the assumed final break");

  struct item *it;
  size_t n = build(a, "aaa bbb ccc", false, &it);
  nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl), "aaa bbb/ccc", "no finishing sequence");
  INT_EQ(ln[nl - 1].end, n, "assumed final break after the last item");
  OK(ln[nl - 1].ratio == 0, "assumed final break has fil stretch");

  struct lb_params zero = params(0);
  n = build(a, "aa bb cc", true, &it);
  nl = linebreak(it, n, &zero, a, &ln);
  STR_EQ(layout(a, it, ln, nl), "aa/bb/cc", "zero measure: a word a line");
  OK(well_formed(n, ln, nl, n - 1) && ln[0].overfull && ln[2].overfull,
     "zero measure: overfull lines");
}

static void test_overfull(struct arena *a) {
  struct lb_params p = params(10);
  struct item *it;
  struct lb_line *ln;

  size_t n = build(a, "abcdefghijklmnopqrstuvwxyz", true, &it);
  size_t nl = linebreak(it, n, &p, a, &ln);
  INT_EQ(nl, 1, "huge box: one line");
  OK(ln[0].overfull, "huge box: marked overfull");
  OK(ln[0].ratio == -1, "huge box: glue fully shrunk");

  n = build(a, "aaa bb cc abcdefghijklmnopqrstuvwxyz dd ee ff g", true, &it);
  nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl),
         "aaa bb cc/abcdefghijklmnopqrstuvwxyz/dd ee ff g",
         "huge box in the middle gets its own line");
  OK(nl == 3 && !ln[0].overfull && ln[1].overfull && !ln[2].overfull,
     "only the huge box's line is overfull");
  OK(well_formed(n, ln, nl, n - 1), "huge box: well formed");

  /* A word that fits but leaves the line before it hopeless: a loose line
   * beats an overfull one. */
  n = build(a, "see abcdefghi", true, &it);
  nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl), "see/abcdefghi", "loose rather than overfull");
  OK(!ln[0].overfull && !ln[1].overfull, "nothing overfull");
}

static void test_forced(struct arena *a) {
  struct lb_params p = params(20);
  STR_EQ(set(a, "aaa bbb|ccc|ddd eee", &p), "aaa bbb/ccc/ddd eee",
         "forced breaks are taken");
  STR_EQ(set(a, "aaa||bbb", &p), "aaa//bbb", "two forced breaks: empty line");

  struct item *it;
  struct lb_line *ln;
  size_t n = build(a, "aaa bbb|ccc", true, &it);
  size_t nl = linebreak(it, n, &p, a, &ln);
  OK(nl == 2 && ln[0].start == 0 && ln[0].end == 3 && ln[1].start == 4 &&
         ln[1].end == n - 1,
     "forced break: lines [0, 3) and [4, n-1)");
  p = params(4);
  n = build(a, "aaa  bbb", true, &it);
  nl = linebreak(it, n, &p, a, &ln);
  OK(nl == 2 && ln[0].end == 1 && ln[1].start == 3,
     "glue after a break is skipped; glue after glue is no breakpoint");

  /* Many forced breaks in a row, each ending an unstretchable line. */
  struct strbuf sb = {0};
  for (int i = 0; i < 3000; i++) strbuf_puts(&sb, i % 3 ? "ab|" : "|");
  n = build(a, sb.data, true, &it);
  strbuf_free(&sb);
  nl = linebreak(it, n, &p, a, &ln);
  INT_EQ(nl, 3001, "3000 forced breaks: 3001 lines");
  OK(well_formed(n, ln, nl, n - 1), "3000 forced breaks: well formed");
  size_t bad = 0;
  for (size_t l = 0; l < nl; l++) bad += ln[l].overfull;
  INT_EQ(bad, 0, "short forced lines are not overfull");
}

/* First fit: as many words as fit at natural width (no hyphenation). */
static size_t greedy(const struct item *it, size_t n, hu_t lw, hu_t *widths) {
  size_t nl = 0;
  hu_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (it[i].type != ITEM_BOX) continue;
    hu_t add = (w ? SPACE_W : 0) + it[i].width;
    if (w && w + add > lw) {
      widths[nl++] = w;
      w = it[i].width;
    } else {
      w += add;
    }
  }
  widths[nl++] = w;
  return nl;
}

static double variance(const hu_t *w, size_t n) {
  double mean = 0, var = 0;
  for (size_t i = 0; i < n; i++) mean += (double)w[i] / (double)n;
  for (size_t i = 0; i < n; i++)
    var += ((double)w[i] - mean) * ((double)w[i] - mean) / (double)n;
  return var;
}

/* Every justified line but the last fills the measure, within rounding. */
static bool fills_measure(const struct item *it, const struct lb_line *ln,
                          size_t nl, hu_t lw) {
  for (size_t l = 0; l + 1 < nl; l++) {
    hu_t slack = 0;
    for (size_t i = ln[l].start; i < ln[l].end; i++)
      slack += it[i].type == ITEM_GLUE;
    hu_t w = drawn(it, &ln[l]);
    if (w < lw - slack || w > lw + slack) return false;
  }
  return true;
}

static void test_total_fit(struct arena *a) {
  /* First fit takes "Take a 2 grams" (14 of 15) and is left with "a day
   * for" (9 of 15, ratio 6).  Total fit squeezes "a" onto the first line
   * (ratio -0.75) so that the second needs only ratio 1. */
  struct lb_params p = params(15);
  struct item *it;
  size_t n = build(a, "Take a 2 grams a day for cancer care", true, &it);
  struct lb_line *ln;
  size_t nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl), "Take a 2 grams a/day for cancer/care",
         "total fit differs from first fit");
  hu_t gw[8];
  size_t gn = greedy(it, n, p.line_width, gw);
  OK(gn == 3 && gw[0] == 14000 && gw[1] == 9000, "first fit: 14, 9, 11");
  OK(fabs(ln[0].ratio + 1000.0 / 1332) < 1e-9, "line 1 shrinks: -1000/1332");
  OK(fabs(ln[1].ratio - 1) < 1e-9, "line 2 stretches: ratio 1");
  OK(ln[2].ratio == 0, "last line: fil, ratio 0");
  OK(fills_measure(it, ln, nl, p.line_width), "justified lines fill");
}

/* The breaker's choice has the least demerits of all break sequences. */
static void test_optimal(struct arena *a) {
  unsigned seed = 11;
  int checked = 0, wrong = 0, out_of_range = 0, hyph_in_pass1 = 0;
  for (int iter = 0; iter < 3000; iter++) {
    char *text = random_text(&seed, 5 + iter % 9, iter % 2);
    struct lb_params p = params(8 + (int)(seed >> 8) % 20);
    p.ragged = iter % 5 == 0;
    struct item *it;
    size_t n = build(a, text, true, &it);
    free(text);
    struct lb_line *ln;
    size_t nl = linebreak(it, n, &p, a, &ln);
    struct oracle o = {.it = it, .n = n, .p = &p};
    double first = o_best(&o, p.pretolerance, false);
    double want = first < HUGE_VAL ? first : o_best(&o, p.tolerance, true);
    if (want == HUGE_VAL) continue; /* the emergency pass is not optimal */
    checked++;
    double got = o_total(&o, ln, nl);
    if (fabs(got - want) > 1e-9 * fmax(1, fabs(want))) wrong++;
    for (size_t l = 0; l < nl; l++) {
      double lim = first < HUGE_VAL ? p.pretolerance : p.tolerance;
      if (ln[l].ratio < -1 || ln[l].ratio > lim || ln[l].overfull)
        out_of_range++;
      if (first < HUGE_VAL && ln[l].hyphenated) hyph_in_pass1++;
    }
  }
  OK(checked > 1000, "enough feasible random paragraphs (%d)", checked);
  INT_EQ(wrong, 0, "total demerits equal the brute-force optimum");
  INT_EQ(out_of_range, 0, "ratios within [-1, threshold of the pass]");
  INT_EQ(hyph_in_pass1, 0, "no hyphenation when pass 1 succeeds");
}

static void test_hyphenation(struct arena *a) {
  struct lb_params p = params(20);
  STR_EQ(set(a, "Take one tab-let by mouth with a glass of wa-ter.", &p),
         "Take one tablet by/mouth with a glass of/water.",
         "pass 1 succeeds: hyphenation points unused");

  p = params(16);
  struct item *it;
  size_t n = build(a, "Do not drink al-co-hol be-fore the treat-ment starts",
                   true, &it);
  struct lb_line *ln;
  size_t nl = linebreak(it, n, &p, a, &ln);
  struct oracle o = {.it = it, .n = n, .p = &p};
  OK(o_best(&o, p.pretolerance, false) == HUGE_VAL, "no pass 1 solution");
  STR_EQ(layout(a, it, ln, nl),
         "Do not drink al-/cohol before the/treatment starts",
         "pass 2 hyphenates");
  size_t hyph = 0;
  for (size_t l = 0; l < nl; l++) {
    hyph += ln[l].hyphenated;
    OK(!ln[l].overfull && ln[l].ratio >= -1 && ln[l].ratio <= p.tolerance,
       "pass 2 line %zu within tolerance", l);
  }
  OK(hyph >= 1, "at least one hyphenated line");
  OK(fills_measure(it, ln, nl, p.line_width), "hyphen counted in the width");
}

static void test_hyphen_demerits(struct arena *a) {
  const char *text = "ab-cde-fgh bc-def-ghi cd d ef-ghi-jk";
  struct lb_params p = params(16);
  STR_EQ(set(a, text, &p), "abcdefgh bcdef-/ghi cd d efghijk",
         "double_hyphen_demerits avoid a hyphen ladder");
  p.double_hyphen_demerits = 0;
  STR_EQ(set(a, text, &p), "abcdefgh bcdef-/ghi cd d efghi-/jk",
         "without them, two hyphens in a row");

  text = "abcde bc-defg cd-efg-hi d efgh fgh gh-ijk-lm hi-jklm";
  p = params(20);
  STR_EQ(set(a, text, &p), "abcde bcdefg cdefg-/hi d efgh fgh ghijklm/hijklm",
         "final_hyphen_demerits keep the second-last line whole");
  p.final_hyphen_demerits = 0;
  STR_EQ(set(a, text, &p), "abcde bcdefg cdefg-/hi d efgh fgh ghijk-/lm hijklm",
         "without them, the second-last line is hyphenated");
}

static int fitness_class(double r) {
  return r > 1 ? 0 : r > 0.5 ? 1 : r >= -0.5 ? 2 : 3;
}

static void test_fitness(struct arena *a) {
  const char *text = "abc bcd cd def ef-ghi-jkl fg-hij-klm gh-ijk-lmn hijkl";
  struct lb_params p = params(20);
  struct item *it;
  size_t n = build(a, text, true, &it);
  struct lb_line *ln;
  size_t nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl),
         "abc bcd cd def ef-/ghijkl fghijklm gh-/ijklmn hijkl",
         "adj_demerits: loose, loose, decent");
  INT_EQ(fitness_class(ln[0].ratio), 1, "line 1 loose");
  INT_EQ(fitness_class(ln[1].ratio), 1, "line 2 loose");

  p.adj_demerits = 0;
  nl = linebreak(it, n, &p, a, &ln);
  STR_EQ(layout(a, it, ln, nl),
         "abc bcd cd def efghi-/jkl fghijklm ghijk-/lmn hijkl",
         "no adj_demerits: a tight line next to a loose one");
  INT_EQ(fitness_class(ln[0].ratio), 3, "line 1 tight");
  INT_EQ(fitness_class(ln[1].ratio), 1, "line 2 loose");
}

static void test_ragged(struct arena *a) {
  unsigned seed = 5;
  char *text = random_text(&seed, 300, false);
  struct lb_params p = params(30);
  p.ragged = true;
  struct item *it;
  size_t n = build(a, text, true, &it);
  free(text);
  struct lb_line *ln;
  size_t nl = linebreak(it, n, &p, a, &ln);
  OK(well_formed(n, ln, nl, n - 1), "ragged: well formed");

  hu_t *rw = arena_alloc(a, nl * sizeof *rw),
       *gw = arena_alloc(a, n * sizeof *gw);
  size_t bad = 0;
  for (size_t l = 0; l < nl; l++) {
    rw[l] = natural(it, &ln[l]);
    bad += ln[l].ratio != 0 || ln[l].overfull || rw[l] > p.line_width;
  }
  INT_EQ(bad, 0, "ragged: ratio 0, natural widths within the measure");
  size_t gn = greedy(it, n, p.line_width, gw);
  double vr = variance(rw, nl - 1), vg = variance(gw, gn - 1);
  OK(vr < vg, "ragged edge more even than first fit (%.3g < %.3g)", vr, vg);

  p = params(15);
  p.ragged = true;
  STR_EQ(set(a, "Take a 2 grams a day for cancer care", &p),
         "Take a 2 grams/a day for/cancer care",
         "ragged: glue does not shrink, lines fall short instead");
}

static void test_long(struct arena *a) {
  unsigned seed = 99;
  char *text = random_text(&seed, 5000, true);
  struct lb_params p = params(40);
  struct item *it;
  size_t n = build(a, text, true, &it);
  free(text);
  struct lb_line *ln;
  clock_t t0 = clock();
  size_t nl = linebreak(it, n, &p, a, &ln);
  p.ragged = true;
  struct lb_line *rl;
  size_t nr = linebreak(it, n, &p, a, &rl);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  OK(secs < 5, "5000 words, justified and ragged, in %.2f s", secs);
  OK(nl > 500 && well_formed(n, ln, nl, n - 1), "5000 words: well formed");
  OK(nr > 500 && well_formed(n, rl, nr, n - 1), "5000 words ragged: ok");
  size_t bad = 0;
  for (size_t l = 0; l < nl; l++)
    bad += ln[l].overfull || ln[l].ratio < -1 || ln[l].ratio > 2;
  INT_EQ(bad, 0, "5000 words: every line within tolerance");
  OK(fills_measure(it, ln, nl, 40 * CHAR_W), "5000 words: lines fill");
}

/* Random item lists, sane or not (negative and huge widths, fil anywhere,
 * penalties beyond infinity, no finishing sequence): always a well-formed
 * result, never a crash (run under ASan/UBSan). */
static void test_robust(void) {
  static const int pis[] = {
      0, 50, -50, ITEM_INF_PENALTY, -ITEM_INF_PENALTY, 20000, -20000, 9999};
  unsigned s = 1;
  int bad = 0;
  for (int iter = 0; iter < 20000; iter++) {
    struct arena *a = arena_new();
    size_t n = (s = s * 1103515245u + 12345u) >> 16 & 31;
    struct item *it = arena_alloc(a, (n + 1) * sizeof *it);
    for (size_t i = 0; i < n; i++) {
      unsigned r = (s = s * 1103515245u + 12345u) >> 8;
      hu_t w = (hu_t)(r % 7) * 1000 - (r % 13 == 0 ? 500 : 0);
      if (r % 101 == 0) w = (hu_t)1 << 55;
      if (r % 3 == 0) {
        it[i] = box("x", 1);
        it[i].width = w;
      } else if (r % 3 == 1) {
        hu_t st = (r >> 4) % 5 == 0 ? ITEM_FIL : (hu_t)((r >> 6) % 700) - 100;
        it[i] = glue(w, st, (hu_t)((r >> 9) % 400) - 50);
      } else {
        it[i] =
            penalty((r >> 5) % 2 ? 1000 : 0, pis[(r >> 7) % 8], (r >> 11) % 2);
      }
    }
    struct lb_params p = params((int)((s >> 4) % 12));
    p.ragged = s % 3 == 0;
    if (s % 7 == 0) p.pretolerance = -1;
    struct lb_line *ln;
    size_t nl = linebreak(it, n, &p, a, &ln);
    bool forced = n && it[n - 1].type == ITEM_PENALTY &&
                  it[n - 1].penalty <= -ITEM_INF_PENALTY;
    bad += !well_formed(n, ln, nl, forced ? n - 1 : n);
    arena_free(a);
  }
  INT_EQ(bad, 0, "20000 random item lists: well-formed lines");
}

/* Font expansion: the boxes give e x their width, so a line's ratio is its
 * shortfall over (glue stretch + e x box width), and the optimum may change
 * to lines that were too loose before. */
static void test_expansion(struct arena *a) {
  const char *text = "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee";
  struct item *it;
  size_t n = build(a, text, true, &it);
  struct lb_params p = params(24);
  struct lb_line *plain, *expanded;
  size_t n0 = linebreak(it, n, &p, a, &plain);
  p.expansion = 0.02;
  size_t n1 = linebreak(it, n, &p, a, &expanded);
  INT_EQ(n1, n0, "same number of lines with expansion");
  hu_t boxes = 0, stretch = 0;
  for (size_t i = expanded[0].start; i < expanded[0].end; i++) {
    if (it[i].type == ITEM_BOX) boxes += it[i].width;
    if (it[i].type == ITEM_GLUE) stretch += it[i].stretch;
  }
  hu_t shortfall = p.line_width - natural(it, &expanded[0]);
  double want = (double)shortfall / ((double)stretch + 0.02 * (double)boxes);
  OK(fabs(expanded[0].ratio - want) < 1e-9, "ratio %.6f = shortfall / (stretch + e boxes) %.6f",
     expanded[0].ratio, want);
  OK(expanded[0].ratio < plain[0].ratio, "expansion makes the first line less loose (%.3f < %.3f)",
     expanded[0].ratio, plain[0].ratio);
  p.ragged = true;
  struct lb_line *ragged;
  linebreak(it, n, &p, a, &ragged);
  OK(ragged[0].ratio == 0, "ragged lines are never expanded");
}

int main(void) {
  struct arena *a = arena_new();
  test_defaults();
  test_glue_width();
  test_empty_and_degenerate(a);
  test_overfull(a);
  test_forced(a);
  test_total_fit(a);
  test_optimal(a);
  test_hyphenation(a);
  test_hyphen_demerits(a);
  test_fitness(a);
  test_ragged(a);
  test_long(a);
  test_robust();
  test_expansion(a);
  arena_free(a);
  return harness_done();
}
