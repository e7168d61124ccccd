/*
 * linebreak: Knuth-Plass total-fit line breaking.  See linebreak.h.
 *
 * The algorithm is that of Knuth & Plass, "Breaking paragraphs into lines"
 * (1981), as TeX implements it (tex.web, parts 38-39).
 *
 * A breakpoint is a glue item right after a box, or a penalty below
 * ITEM_INF_PENALTY.  Breaking at glue drops the glue; breaking at a penalty
 * adds the penalty's width (the hyphen); after a break, the glue and
 * penalties up to the next box are discarded.  The line between two
 * breakpoints has an adjustment ratio r: shortfall / stretch when it is
 * short (0 if it holds fil glue), shortfall / shrink when it is long.  It is
 * feasible when -1 <= r <= threshold, and costs the demerits
 *
 *   (line_penalty + badness)^2 + penalty^2     (- penalty^2 if penalty < 0)
 *   + double_hyphen_demerits   two flagged breaks in a row
 *   + final_hyphen_demerits    the second-last line ends flagged
 *   + adj_demerits             fitness classes of adjacent lines more than
 *                              one apart (very loose r > 1, loose r > 0.5,
 *                              decent r >= -0.5, tight)
 *
 * with badness = 100 |r|^3, capped at 10000 ("infinitely bad").  The chosen
 * breaks are the chain of feasible lines from the start to the final forced
 * break with the least total demerits, found by dynamic programming.
 *
 * The active list holds the breaks that may still start a feasible line.
 * At each breakpoint b every active node a is tried: if line a..b is
 * feasible, a's total plus the line's demerits is a candidate for b; if the
 * line is already too long (r < -1) or b is a forced break, a leaves the
 * list for good.  What the rest of the paragraph costs depends only on
 * where the next line starts and on the fitness class of the line before
 * it, so b keeps the best candidate per fitness class, as TeX does, and
 * drops any class more than adj_demerits worse than the best (it can never
 * win).  All lines have the same width, so line numbers play no part (TeX's
 * "easy_line").
 *
 * Passes:
 *   1. threshold pretolerance; hyphenation points (flagged penalties with
 *      width > 0) are not breakpoints.  Skipped if pretolerance < 0.
 *   2. threshold tolerance, all breakpoints.
 *   3. emergency: no upper limit on r (a loose line is better than one
 *      sticking out of the column, as LaTeX's \sloppy), badness past the
 *      cap grows with the empty part of the line so that such lines still
 *      compare, and when at some breakpoint every active node would leave
 *      the list without a feasible line, the one whose line overflows least
 *      is kept as an overfull line (TeX's "artificial_demerits").  The list
 *      is never empty, so this pass always reaches the end.
 *
 * Cost: prefix sums of width, stretch and shrink make each try O(1), so a
 * pass is O(n * active).  The active list holds at most four nodes per
 * breakpoint within about one line width of the current item, so for text
 * it stays small whatever the paragraph length.  (Items that never fill a
 * line, e.g. zero widths, keep every node active: O(n^2), as in TeX.)
 * Work arrays are malloc'd and freed before returning; lines are from the
 * arena.  Widths are summed in double: exact for integers below 2^53 hu.
 */
#include "linebreak.h"

#include <math.h>
#include <stdlib.h>

#define NONE ((size_t)-1)
#define INF_BAD 10000.0 /* badness of an infinitely bad line */

enum fitness { FIT_VERY_LOOSE, FIT_LOOSE, FIT_DECENT, FIT_TIGHT, FIT__MAX };

/* Totals of items [0, i) [hu]; fil counts glue with infinite stretch. */
struct sums {
  double width, stretch, shrink;
  double boxes; /* width of the boxes alone, for font expansion */
  size_t fil;
};

/* A break; TeX's passive node, and active while listed in breaker.active. */
struct node {
  size_t pos;       /* break item index; n for the assumed final break */
  size_t next;      /* first item of the line after this break */
  size_t prev;      /* index in breaker.nodes of the break before, or NONE */
  double demerits;  /* total from the paragraph start */
  enum fitness fit; /* of the line ending here */
  bool flagged;
};

/* The line from one break to the next. */
struct measure {
  size_t start;                  /* first item drawn */
  double width, stretch, shrink; /* natural width and its give [hu] */
  bool fil;                      /* holds infinitely stretchable glue */
};

/* The best way found so far to end a line at the current breakpoint. */
struct candidate {
  double demerits;
  size_t from; /* node index, or NONE */
};

struct breaker {
  const struct item *items;
  size_t n;
  const struct lb_params *p;
  size_t final;      /* the final forced break: n-1, or n if assumed */
  struct sums *sums; /* [n + 1] */
  size_t *next_box;  /* [n + 1]: first box at or after i, or n */

  struct node *nodes; /* every break of the current pass */
  size_t nnodes, cap_nodes;
  size_t *active; /* indices into nodes, in order of creation */
  size_t nactive, cap_active;

  double threshold; /* largest feasible r in this pass */
  bool hyphens;     /* hyphenation points are breakpoints */
  bool emergency;   /* keep an overfull line rather than fail */
};

static bool is_fil(const struct item *it) { return it->stretch >= ITEM_FIL; }

/* Finite stretch and shrink of glue; negative values count as none. */
static hu_t glue_stretch(const struct item *it) {
  return is_fil(it) || it->stretch < 0 ? 0 : it->stretch;
}

static hu_t glue_shrink(const struct item *it) {
  return it->shrink < 0 ? 0 : it->shrink;
}

void lb_params_default(struct lb_params *p, hu_t line_width) {
  p->line_width = line_width;
  /* TeX's \pretolerance=100: badness 100 is r = 1. */
  p->pretolerance = 1.0;
  /* r = 2 is badness 800, more than TeX's \tolerance=200 (r = 1.26):
   * leaflets set narrow columns, where 200 leaves many paragraphs to the
   * emergency pass and its overfull lines.  Demerits still grow with r^3,
   * so the optimum stays as tight as the words allow. */
  p->tolerance = 2.0;
  /* TeX's plain format values. */
  p->line_penalty = 10;
  p->double_hyphen_demerits = 10000;
  p->final_hyphen_demerits = 5000;
  p->adj_demerits = 10000;
  /* Ragged right like TeX's \rightskip=0pt plus 2em: an eighth of the
   * measure is 2em on a 16em leaflet column.  A line may then fall short by
   * up to 1/8 in pass 1 and 1/4 in pass 2. */
  p->ragged = false;
  p->ragged_stretch = line_width > 0 ? line_width / 8 : 0;
  p->expansion = 0;
}

hu_t lb_glue_width(const struct item *it, double r) {
  if (it->type != ITEM_GLUE || is_fil(it) || !isfinite(r) || r == 0)
    return it->width;
  double delta = r * (double)(r > 0 ? glue_stretch(it) : glue_shrink(it));
  if (fabs(delta) > 1e15) /* nonsense ratio: keep the natural width */
    return it->width;
  return it->width + (hu_t)llround(delta);
}

/* ---- measuring ---------------------------------------------------------- */

static void sums_init(struct breaker *b) {
  struct sums acc = {0};
  for (size_t i = 0; i < b->n; i++) {
    const struct item *it = &b->items[i];
    b->sums[i] = acc;
    if (it->type == ITEM_BOX) {
      acc.width += (double)it->width;
      acc.boxes += (double)it->width;
    } else if (it->type == ITEM_GLUE) {
      acc.width += (double)it->width;
      acc.stretch += (double)glue_stretch(it);
      acc.shrink += (double)glue_shrink(it);
      acc.fil += is_fil(it);
    }
  }
  b->sums[b->n] = acc;

  b->next_box[b->n] = b->n;
  for (size_t i = b->n; i-- > 0;)
    b->next_box[i] = b->items[i].type == ITEM_BOX ? i : b->next_box[i + 1];
}

/* First item of the line after a break at pos: discardables skipped. */
static size_t after_break(const struct breaker *b, size_t pos) {
  return pos < b->n ? b->next_box[pos + 1] : b->n;
}

/* The line that starts at item from (a node's next) and breaks at pos. */
static void measure(const struct breaker *b, size_t from, size_t pos,
                    struct measure *m) {
  size_t s = from < pos ? from : pos; /* only discardables in between */
  const struct sums *a = &b->sums[s], *z = &b->sums[pos];
  const struct item *brk = pos < b->n ? &b->items[pos] : NULL;

  m->start = s;
  m->width = z->width - a->width;
  if (brk && brk->type == ITEM_PENALTY) m->width += (double)brk->width;
  if (b->p->ragged) {
    m->stretch = b->p->ragged_stretch > 0 ? (double)b->p->ragged_stretch : 0;
    m->shrink = 0;
  } else {
    /* font expansion: the letters give a little too, in proportion */
    double give = b->p->expansion * (z->boxes - a->boxes);
    m->stretch = z->stretch - a->stretch + give;
    m->shrink = z->shrink - a->shrink + give;
  }
  /* An assumed final break brings its own \parfillskip. */
  m->fil = z->fil > a->fil || pos == b->n;
}

static bool overfull(const struct measure *m, hu_t line_width) {
  return m->width - m->shrink > (double)line_width;
}

/* Adjustment ratio; HUGE_VAL for a short line that cannot stretch. */
static double ratio(const struct measure *m, hu_t line_width) {
  double shortfall = (double)line_width - m->width;
  if (shortfall > 0) {
    if (m->fil) return 0;
    return m->stretch > 0 ? shortfall / m->stretch : HUGE_VAL;
  }
  if (shortfall < 0) {
    if (overfull(m, line_width)) return -HUGE_VAL;
    return shortfall / m->shrink;
  }
  return 0;
}

/* 100 |r|^3, capped at INF_BAD.  The emergency pass grades lines past the
 * cap by the part of the measure they leave empty, so that "two words and
 * a gap" beats "one word and a bigger gap" where TeX would see a tie. */
static double badness(const struct breaker *b, const struct measure *m,
                      double r) {
  double a = fabs(r);
  double bad = a >= 5 ? INF_BAD : 100 * a * a * a;
  if (bad < INF_BAD) return bad;
  double lw = (double)b->p->line_width;
  if (b->emergency && r > 0 && lw > 0)
    return INF_BAD * (1 + (lw - m->width) / lw);
  return INF_BAD;
}

static enum fitness fitness(double r) {
  if (r > 1) return FIT_VERY_LOOSE;
  if (r > 0.5) return FIT_LOOSE;
  if (r >= -0.5) return FIT_DECENT;
  return FIT_TIGHT;
}

/* Demerits of line m from node a, with ratio r, ending at a break with
 * penalty pi.  Outside the emergency pass, as TeX, (line_penalty +
 * badness)^2 stops growing at INF_BAD^2. */
static double line_demerits(const struct breaker *b, const struct node *a,
                            const struct measure *m, double r, int pi,
                            bool flagged, bool final) {
  const struct lb_params *p = b->p;
  double d = p->line_penalty + badness(b, m, r);
  d = fabs(d) >= INF_BAD && !b->emergency ? INF_BAD * INF_BAD : d * d;
  if (pi > 0)
    d += (double)pi * pi;
  else if (pi > -ITEM_INF_PENALTY)
    d -= (double)pi * pi;
  /* The final break counts as flagged, as in TeX, so that a hyphen ending
   * the second-last line costs final_hyphen_demerits. */
  if ((flagged || final) && a->flagged)
    d += final ? p->final_hyphen_demerits : p->double_hyphen_demerits;
  if (abs((int)fitness(r) - (int)a->fit) > 1) d += p->adj_demerits;
  return d;
}

/* ---- the active list ---------------------------------------------------- */

/* Is item pos a breakpoint in this pass?  Stores its penalty and flag. */
static bool breakpoint(const struct breaker *b, size_t pos, int *pi,
                       bool *flagged) {
  *pi = 0;
  *flagged = false;
  if (pos == b->n) { /* the assumed final break */
    *pi = -ITEM_INF_PENALTY;
    return true;
  }
  const struct item *it = &b->items[pos];
  switch (it->type) {
  case ITEM_GLUE:
    return pos > 0 && b->items[pos - 1].type == ITEM_BOX;
  case ITEM_PENALTY:
    if (it->penalty >= ITEM_INF_PENALTY) return false;
    if (!b->hyphens && it->flagged && it->width > 0 &&
        it->penalty > -ITEM_INF_PENALTY)
      return false;
    *pi = it->penalty;
    *flagged = it->flagged;
    return true;
  default:
    return false;
  }
}

static void add_node(struct breaker *b, size_t pos, enum fitness fit,
                     bool flagged, const struct candidate *c) {
  struct node *nd = VEC_PUSH(b->nodes, b->nnodes, b->cap_nodes);
  nd->pos = pos;
  nd->next = pos == NONE ? 0 : after_break(b, pos);
  nd->prev = c->from;
  nd->demerits = c->demerits;
  nd->fit = fit;
  nd->flagged = flagged;
  *VEC_PUSH(b->active, b->nactive, b->cap_active) = b->nnodes - 1;
}

/*
 * Try every active node against the breakpoint pos: record the best
 * candidate per fitness class, drop nodes that can no longer start a
 * feasible line, then add the surviving candidates as new active nodes.
 */
static void try_break(struct breaker *b, size_t pos, int pi, bool flagged) {
  bool forced = pi <= -ITEM_INF_PENALTY, final = pos == b->final;
  hu_t lw = b->p->line_width;
  struct candidate best[FIT__MAX];
  double least = HUGE_VAL;
  size_t rescue = NONE, kept = 0;
  double rescue_over = HUGE_VAL;

  for (int f = 0; f < FIT__MAX; f++)
    best[f] = (struct candidate){HUGE_VAL, NONE};

  for (size_t i = 0; i < b->nactive; i++) {
    size_t ai = b->active[i];
    const struct node *a = &b->nodes[ai];
    struct measure m;
    measure(b, a->next, pos, &m);
    double r = ratio(&m, lw);
    bool too_long = overfull(&m, lw);

    if (!too_long && r <= b->threshold) {
      double d = a->demerits + line_demerits(b, a, &m, r, pi, flagged, final);
      struct candidate *c = &best[fitness(r)];
      if (d < c->demerits) *c = (struct candidate){d, ai};
      if (d < least) least = d;
    }
    if (too_long) {
      double over = m.width - m.shrink - (double)lw;
      if (rescue == NONE || over < rescue_over ||
          (over == rescue_over && a->demerits < b->nodes[rescue].demerits)) {
        rescue = ai;
        rescue_over = over;
      }
    }
    if (!too_long && !forced) b->active[kept++] = ai;
  }
  b->nactive = kept;

  /* Emergency: an overfull line rather than an empty list.  Its own
   * demerits count as 0, as TeX's artificial_demerits. */
  if (b->emergency && least == HUGE_VAL && kept == 0 && rescue != NONE) {
    best[FIT_TIGHT] = (struct candidate){b->nodes[rescue].demerits, rescue};
    least = best[FIT_TIGHT].demerits;
  }
  if (least == HUGE_VAL) return;

  for (int f = 0; f < FIT__MAX; f++)
    if (best[f].from != NONE &&
        best[f].demerits <= least + fabs(b->p->adj_demerits))
      add_node(b, pos, (enum fitness)f, flagged, &best[f]);
}

/* One pass over the items; returns the best final node, or NONE. */
static size_t run_pass(struct breaker *b, double threshold, bool hyphens,
                       bool emergency) {
  b->threshold = threshold;
  b->hyphens = hyphens;
  b->emergency = emergency;
  b->nnodes = b->nactive = 0;
  struct candidate start = {0, NONE};
  add_node(b, NONE, FIT_DECENT, false, &start);

  for (size_t pos = 0; pos <= b->final; pos++) {
    int pi;
    bool flagged;
    if (!breakpoint(b, pos, &pi, &flagged)) continue;
    try_break(b, pos, pi, flagged);
    if (b->nactive == 0) return NONE;
  }

  /* The final break is forced: only nodes made there are still active. */
  size_t best = NONE;
  for (size_t i = 0; i < b->nactive; i++) {
    size_t k = b->active[i];
    if (b->nodes[k].pos != b->final) continue;
    if (best == NONE || b->nodes[k].demerits < b->nodes[best].demerits)
      best = k;
  }
  return best;
}

/* ---- result ------------------------------------------------------------- */

static void set_line(const struct breaker *b, size_t from, size_t pos,
                     struct lb_line *ln) {
  struct measure m;
  measure(b, from, pos, &m);
  double r = ratio(&m, b->p->line_width);
  const struct item *brk = pos < b->n ? &b->items[pos] : NULL;

  ln->start = m.start;
  ln->end = pos;
  ln->overfull = overfull(&m, b->p->line_width);
  if (b->p->ragged || r == HUGE_VAL)
    ln->ratio = 0;
  else
    ln->ratio = ln->overfull ? -1 : r;
  ln->hyphenated =
      brk && brk->type == ITEM_PENALTY && brk->flagged && brk->width > 0;
}

/* Lines of the chain of breaks that ends at node last. */
static size_t collect(const struct breaker *b, size_t last, struct arena *arena,
                      struct lb_line **lines) {
  size_t count = 0;
  for (size_t k = last; b->nodes[k].prev != NONE; k = b->nodes[k].prev) count++;
  struct lb_line *out = arena_alloc(arena, count * sizeof *out);
  size_t i = count;
  for (size_t k = last; b->nodes[k].prev != NONE; k = b->nodes[k].prev) {
    const struct node *nd = &b->nodes[k];
    set_line(b, b->nodes[nd->prev].next, nd->pos, &out[--i]);
  }
  *lines = out;
  return count;
}

size_t linebreak(const struct item *items, size_t n, const struct lb_params *p,
                 struct arena *arena, struct lb_line **lines) {
  *lines = NULL;
  if (n == 0) return 0;

  struct breaker b = {.items = items, .n = n, .p = p};
  const struct item *last = &items[n - 1];
  bool ends_forced =
      last->type == ITEM_PENALTY && last->penalty <= -ITEM_INF_PENALTY;
  b.final = ends_forced ? n - 1 : n;
  b.sums = xmalloc((n + 1) * sizeof *b.sums);
  b.next_box = xmalloc((n + 1) * sizeof *b.next_box);
  sums_init(&b);

  size_t best = NONE;
  if (p->pretolerance >= 0) best = run_pass(&b, p->pretolerance, false, false);
  if (best == NONE) best = run_pass(&b, p->tolerance, true, false);
  if (best == NONE) best = run_pass(&b, HUGE_VAL, true, true);

  size_t count;
  if (best != NONE) {
    count = collect(&b, best, arena, lines);
  } else { /* unreachable: the emergency pass always ends; stay safe */
    count = 1;
    *lines = arena_alloc(arena, sizeof **lines);
    set_line(&b, 0, b.final, *lines);
  }
  free(b.sums);
  free(b.next_box);
  free(b.nodes);
  free(b.active);
  return count;
}
