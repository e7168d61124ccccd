/*
 * compose: blocks to a galley of chunks.  See compose.h.
 *
 * The walk goes over doc->blocks once, in reading order.  Text goes through
 * set_text() (shape, then Knuth-Plass) and comes back as lines; a line is
 * then either a chunk of its own (paragraphs, list items: pages may break
 * between lines) or a set of ops inside a bigger chunk (call-outs, table
 * rows, figures: never split).  Structure elements are created as the walk
 * meets them, so their order is the reading order.
 *
 * Vertical metrics: a line of size s has height leading * s / body_size and
 * its baseline sits half the extra leading plus the ascender below its top.
 */
#include "compose.h"

#include <stdio.h>
#include <string.h>

#include "image.h"
#include "inline.h"
#include "linebreak.h"
#include "patients.h"
#include "shape.h"

struct composer {
  const struct doc *doc;
  const struct pagedef *pd;
  struct fontset *fs;
  struct hyph *hy;
  struct arena *arena;
  struct diag *d;
  struct galley *g;
  size_t cap_chunks, cap_elems, cap_outlines;
  const struct site *site; /* the clinic profile; NULL: no clinic parts */
  bool ragged; /* set text ragged and unhyphenated in any layout (title) */
};

/* An arena-backed growable array: old storage is left in the arena. */
static void *grow(struct arena *a, void *arr, size_t len, size_t *cap,
                  size_t elem) {
  if (len < *cap) return arr;
  size_t ncap = *cap ? *cap * 2 : 16;
  void *n = arena_alloc(a, ncap * elem);
  if (len) memcpy(n, arr, len * elem);
  *cap = ncap;
  return n;
}

/* ---- ops and chunks ---------------------------------------------------- */

struct opbuf {
  struct pg_op *ops;
  size_t n, cap;
};

static struct pg_op *op_add(struct composer *c, struct opbuf *b,
                            enum pg_op_kind kind, int elem) {
  b->ops = grow(c->arena, b->ops, b->n, &b->cap, sizeof *b->ops);
  struct pg_op *op = &b->ops[b->n++];
  memset(op, 0, sizeof *op);
  op->kind = kind;
  op->elem = elem;
  op->fill = op->stroke = PG_NO_COLOR;
  return op;
}

static struct galley_chunk *chunk_add(struct composer *c, hu_t height,
                                      hu_t space_before, struct src_pos pos,
                                      const char *what) {
  struct galley *g = c->g;
  g->chunks = grow(c->arena, g->chunks, g->nchunks, &c->cap_chunks,
                   sizeof *g->chunks);
  struct galley_chunk *ch = &g->chunks[g->nchunks++];
  memset(ch, 0, sizeof *ch);
  ch->height = height;
  ch->space_before = space_before;
  ch->outline = -1;
  ch->pos = pos;
  ch->what = what;
  return ch;
}

static int elem_add(struct composer *c, enum pg_role role, int parent) {
  struct galley *g = c->g;
  g->elems = grow(c->arena, g->elems, g->nelems, &c->cap_elems, sizeof *g->elems);
  struct pg_elem *e = &g->elems[g->nelems];
  e->role = role;
  e->parent = parent;
  e->alt = NULL;
  return (int)g->nelems++;
}

/* Mark the last chunk so that it stays with whatever comes next. */
static void keep_last(struct composer *c) {
  if (c->g->nchunks) c->g->chunks[c->g->nchunks - 1].keep_with_next = true;
}

/* ---- text -------------------------------------------------------------- */

struct text_style {
  enum font_role role;
  int size;       /* cpt */
  uint32_t color;
};

struct text_lines {
  double expansion; /* the breaker's font expansion (0: none) */
  const struct item *items;
  struct lb_line *lines;
  size_t n;
  hu_t height;   /* of one line */
  hu_t baseline; /* from the line's top */
};

static hu_t line_height(const struct pagedef *pd, int size) {
  return pd->leading * size / pd->body_size;
}

static hu_t baseline_offset(struct composer *c, int size, hu_t height) {
  const struct font *f = c->fs->face[FONT_REGULAR];
  hu_t asc = (hu_t)font_ascender(f) * size;
  hu_t desc = -(hu_t)font_descender(f) * size;
  return (height - asc - desc) / 2 + asc;
}

static bool set_text(struct composer *c, const struct doc_inline *in,
                     const struct text_style *ts, hu_t width,
                     struct text_lines *out) {
  const struct pagedef *pd = c->pd;
  struct shape_style st = {
      .role = ts->role,
      .size = ts->size,
      .color = ts->color,
      .link_color = pd->colors.link,
      .hyphenate = pd->hyphenate && !c->ragged,
  };
  struct item_list list;
  if (!shape_inline(in, &st, c->fs, st.hyphenate ? c->hy : NULL, c->arena,
                    c->d, &list))
    return false;
  struct lb_params p;
  lb_params_default(&p, width);
  p.ragged = pd->align == ALIGN_LEFT || c->ragged;
  /* Justified text: TeX's \tolerance=200 (r <= 1.26) rather than the
   * breaker's general default of 2, so a loose line loses to hyphenating;
   * paragraphs with no such solution still get the emergency pass. */
  if (!p.ragged) p.tolerance = 1.26;
  if (!p.ragged && st.hyphenate) p.pretolerance = -1;
  if (!p.ragged) p.expansion = pd->expansion;
  out->expansion = p.expansion;
  out->items = list.items;
  out->n = linebreak(list.items, list.n, &p, c->arena, &out->lines);
  out->height = line_height(pd, ts->size);
  out->baseline = baseline_offset(c, ts->size, out->height);
  for (size_t i = 0; i < out->n; i++)
    if (out->lines[i].overfull) {
      struct src_pos pos = in->nspans ? in->spans[0].pos : c->doc->pos;
      diag_warning(c->d, pos,
                   "line %zu of this text is wider than the column (expected "
                   "words short enough to fit; use [[...]] only for short runs)",
                   i + 1);
    }
  return true;
}

/* Add one PG_LINK op per run of boxes that share a link target. */
static void link_ops(struct composer *c, struct opbuf *b, const struct pg_op *t,
                     hu_t y_base, hu_t height) {
  const char *url = NULL;
  hu_t x = t->x, start = 0;
  for (size_t i = 0; i <= t->nitems; i++) {
    const struct item *it = i < t->nitems ? &t->items[i] : NULL;
    const char *u = it && it->type != ITEM_PENALTY ? it->link : NULL;
    if (it && it->type == ITEM_GLUE && url && i + 1 < t->nitems &&
        t->items[i + 1].link == url)
      u = url; /* a space inside a link stays in its rectangle */
    if (u != url) {
      if (url) {
        struct pg_op *op = op_add(c, b, PG_LINK, -1);
        op->x = start, op->w = x - start;
        op->y = y_base + (height - (height * 3) / 4), op->h = height;
        op->url = url;
      }
      url = u;
      start = x;
    }
    if (!it) break;
    if (it->type == ITEM_BOX)
      x += t->scale > 0 ? (hu_t)((double)it->width * t->scale) : it->width;
    if (it->type == ITEM_GLUE) x += lb_glue_width(it, t->ratio);
  }
}

/* How a set line shares its adjustment between letters and spaces: with
 * font expansion e the boxes scale by 1 + r e, capped at +-e (a line looser
 * than the tolerance, from the emergency pass, puts the rest in its spaces);
 * the glue then gets its own ratio. */
static void line_adjust(const struct text_lines *tl, const struct lb_line *ln,
                        double *scale, double *glue_ratio) {
  double r = ln->ratio, e = tl->expansion;
  *scale = 1.0;
  *glue_ratio = r;
  if (e <= 0 || r == 0) return;
  double boxes = 0, stretch = 0, shrink = 0;
  for (size_t i = ln->start; i < ln->end; i++) {
    const struct item *it = &tl->items[i];
    if (it->type == ITEM_BOX) boxes += (double)it->width;
    if (it->type == ITEM_GLUE && it->stretch < ITEM_FIL) {
      stretch += (double)it->stretch;
      shrink += (double)it->shrink;
    }
  }
  double er = r > 1 ? 1 : r < -1 ? -1 : r;
  double give = r > 0 ? stretch : shrink;
  if (give <= 0) er = r; /* no spaces: the letters take it all */
  *scale = 1.0 + er * e;
  if (give > 0) *glue_ratio = (r * (give + e * boxes) - er * e * boxes) / give;
}

/* Emit line i of tl as a PG_TEXT op (plus link ops) at x, baseline y. */
static void line_op(struct composer *c, struct opbuf *b,
                    const struct text_lines *tl, size_t i, hu_t x, hu_t y,
                    int elem) {
  const struct lb_line *ln = &tl->lines[i];
  struct pg_op *op = op_add(c, b, PG_TEXT, elem);
  op->x = x;
  op->y = y;
  op->items = tl->items + ln->start;
  op->nitems = ln->end > ln->start ? ln->end - ln->start : 0;
  line_adjust(tl, ln, &op->scale, &op->ratio);
  op->hyphen = ln->hyphenated;
  op->h = tl->height;
  struct pg_op copy = *op; /* op may move when link_ops grows the buffer */
  link_ops(c, b, &copy, y, tl->height);
}

/* Paragraph-like text as one chunk per line with widow/orphan keeps. */
static void lines_as_chunks(struct composer *c, const struct text_lines *tl,
                            hu_t x, hu_t space_before, int elem,
                            struct src_pos pos, const char *what) {
  for (size_t i = 0; i < tl->n; i++) {
    struct galley_chunk *ch =
        chunk_add(c, tl->height, i == 0 ? space_before : 0, pos, what);
    struct opbuf b = {0};
    line_op(c, &b, tl, i, x, tl->baseline, elem);
    ch->ops = b.ops;
    ch->nops = b.n;
    bool short_para = tl->n <= 3;
    ch->keep_with_next =
        i + 1 < tl->n && (short_para || i == 0 || i == tl->n - 2);
  }
}

/* ---- generated text ---------------------------------------------------- */

/* An inline of one plain span (generated text: titles, labels, metadata). */
static struct doc_inline plain_inline(struct composer *c, const char *text,
                                      unsigned flags) {
  struct doc_span *sp = arena_alloc(c->arena, sizeof *sp);
  sp->text = text;
  sp->len = strlen(text);
  sp->flags = flags;
  sp->pos = c->doc->pos;
  return (struct doc_inline){sp, 1};
}

static struct doc_inline concat_inline(struct composer *c,
                                       const struct doc_inline *parts,
                                       size_t nparts) {
  size_t n = 0;
  for (size_t i = 0; i < nparts; i++) n += parts[i].nspans;
  struct doc_span *sp = arena_alloc(c->arena, (n ? n : 1) * sizeof *sp);
  size_t k = 0;
  for (size_t i = 0; i < nparts; i++)
    for (size_t j = 0; j < parts[i].nspans; j++) sp[k++] = parts[i].spans[j];
  return (struct doc_inline){sp, n};
}

/* "2026-11-01" -> "1 November 2026" (load has validated the date). */
static const char *long_date(struct composer *c, const char *iso) {
  char buf[64];
  if (!format_long_date(iso, buf, sizeof buf)) return iso ? iso : "";
  return arena_strdup(c->arena, buf);
}

/* ---- headings and paragraphs ------------------------------------------ */

static int heading_size(const struct pagedef *pd, int level) {
  return level == 1 ? pd->h1_size : pd->h2_size;
}

static bool compose_heading(struct composer *c, const struct doc_block *b) {
  struct text_style ts = {FONT_BOLD, heading_size(c->pd, b->level),
                          c->pd->colors.heading};
  struct text_lines tl;
  if (!set_text(c, &b->text, &ts, c->g->width, &tl)) return false;
  int elem = elem_add(c, b->level == 1 ? ROLE_H2 : ROLE_H3, 0);
  size_t first = c->g->nchunks;
  hu_t before = c->pd->paragraph_space * (b->level == 1 ? 2 : 3) / 2;
  lines_as_chunks(c, &tl, 0, before, elem, b->pos, "heading");
  for (size_t i = first; i < c->g->nchunks; i++)
    c->g->chunks[i].keep_with_next = true; /* heading stays with its text */

  struct galley *g = c->g;
  g->outlines = grow(c->arena, g->outlines, g->noutlines, &c->cap_outlines,
                     sizeof *g->outlines);
  struct pg_outline *o = &g->outlines[g->noutlines];
  o->title = inline_plain(c->arena, &b->text);
  o->level = b->level;
  g->chunks[first].outline = (int)g->noutlines++;
  return true;
}

static const struct text_style *body_style(struct composer *c,
                                           struct text_style *ts) {
  ts->role = FONT_REGULAR;
  ts->size = c->pd->body_size;
  ts->color = c->pd->colors.text;
  return ts;
}

static bool compose_para(struct composer *c, const struct doc_inline *text,
                         struct src_pos pos, int parent) {
  struct text_style ts;
  struct text_lines tl;
  if (!set_text(c, text, body_style(c, &ts), c->g->width, &tl)) return false;
  int elem = elem_add(c, ROLE_P, parent);
  lines_as_chunks(c, &tl, 0, c->pd->paragraph_space, elem, pos, "paragraph");
  return true;
}

/* ---- lists ------------------------------------------------------------- */

/* A list is laid out by one walker for both targets: chunks in the main flow
 * (pages may break between lines) or ops inside a call-out box. */
struct flow {
  struct opbuf *box; /* NULL: emit chunks; else ops into this box */
  hu_t y;            /* box only: current depth below the box top */
};

static hu_t para_gap(struct composer *c) { return c->pd->paragraph_space; }

/* Place text lines at x into the flow. */
static void flow_lines(struct composer *c, struct flow *f,
                       const struct text_lines *tl, hu_t x, hu_t before,
                       int elem, struct src_pos pos, const char *what) {
  if (!f->box) {
    lines_as_chunks(c, tl, x, before, elem, pos, what);
    return;
  }
  f->y += before;
  for (size_t i = 0; i < tl->n; i++) {
    line_op(c, f->box, tl, i, x, f->y + tl->baseline, elem);
    f->y += tl->height;
  }
}

/* The label ("•", "–" or "3.") of a list item, right-aligned in its gutter. */
static bool list_label(struct composer *c, struct flow *f, const char *label,
                       hu_t x, hu_t gutter, int elem, struct src_pos pos,
                       const struct text_lines *body) {
  struct text_style ts;
  struct doc_inline in = plain_inline(c, label, 0);
  in.spans[0].pos = pos;
  struct text_lines tl;
  if (!set_text(c, &in, body_style(c, &ts), gutter * 4, &tl)) return false;
  hu_t w = 0;
  for (size_t i = tl.lines[0].start; i < tl.lines[0].end; i++)
    if (tl.items[i].type == ITEM_BOX) w += tl.items[i].width;
  hu_t lx = x + gutter - w - gutter / 4;
  if (!f->box) {
    /* the label joins the first chunk of the item's text */
    struct galley_chunk *ch = &c->g->chunks[c->g->nchunks - body->n];
    struct opbuf b = {ch->ops, ch->nops, ch->nops};
    line_op(c, &b, &tl, 0, lx, body->baseline, elem);
    ch->ops = b.ops;
    ch->nops = b.n;
  } else {
    hu_t top = f->y - body->n * body->height;
    line_op(c, f->box, &tl, 0, lx, top + body->baseline, elem);
  }
  return true;
}

static bool compose_list(struct composer *c, struct flow *f,
                         const struct doc_block *b, hu_t x, hu_t width,
                         int parent, int depth);

static bool compose_item(struct composer *c, struct flow *f,
                         const struct doc_block *list, size_t k, hu_t x,
                         hu_t width, int l_elem, int depth) {
  const struct doc_list_item *item = &list->items[k];
  hu_t gutter = (hu_t)c->pd->body_size * 1500; /* 1.5 em */
  if (list->ordered && list->nitems >= 10) gutter = (hu_t)c->pd->body_size * 2000;
  int li = elem_add(c, ROLE_LI, l_elem);
  int lbl = elem_add(c, ROLE_LBL, li);
  int lbody = elem_add(c, ROLE_LBODY, li);
  struct text_style ts;
  struct text_lines tl;
  if (!set_text(c, &item->text, body_style(c, &ts), width - gutter, &tl))
    return false;
  hu_t before = k == 0 ? para_gap(c) : para_gap(c) / 3;
  flow_lines(c, f, &tl, x + gutter, before, lbody, item->pos, "list item");
  const char *label =
      list->ordered ? arena_printf(c->arena, "%zu.", k + 1)
                    : (depth == 0 ? "\xE2\x80\xA2" : "\xE2\x80\x93");
  if (!list_label(c, f, label, x, gutter, lbl, item->pos, &tl)) return false;
  if (item->sublist)
    return compose_list(c, f, item->sublist, x + gutter, width - gutter, lbody,
                        depth + 1);
  return true;
}

static bool compose_list(struct composer *c, struct flow *f,
                         const struct doc_block *b, hu_t x, hu_t width,
                         int parent, int depth) {
  int l_elem = elem_add(c, ROLE_L, parent);
  bool ok = true;
  for (size_t k = 0; k < b->nitems; k++)
    ok = compose_item(c, f, b, k, x, width, l_elem, depth) && ok;
  return ok;
}

/* ---- call-out boxes ---------------------------------------------------- */

static void callout_colors(const struct pagedef *pd, enum doc_callout_kind k,
                           uint32_t *bg, uint32_t *border) {
  switch (k) {
  case CALLOUT_URGENT:
    *bg = pd->colors.urgent_bg, *border = pd->colors.urgent_border;
    break;
  case CALLOUT_WARNING:
    *bg = pd->colors.warning_bg, *border = pd->colors.warning_border;
    break;
  default:
    *bg = pd->colors.info_bg, *border = pd->colors.info_border;
    break;
  }
}

/* Title and children of a call-out into the box's ops; f->y grows. */
static bool callout_body(struct composer *c, struct flow *f,
                         const struct doc_block *b, hu_t x, hu_t width,
                         int div) {
  bool ok = true;
  if (b->text.nspans) {
    struct text_style ts = {FONT_BOLD, c->pd->h2_size, c->pd->colors.text};
    struct text_lines tl;
    if (set_text(c, &b->text, &ts, width, &tl))
      flow_lines(c, f, &tl, x, 0, elem_add(c, ROLE_P, div), b->pos, "");
    else
      ok = false;
  }
  for (size_t i = 0; i < b->nchildren; i++) {
    const struct doc_block *ch = &b->children[i];
    hu_t before = (i == 0 && !b->text.nspans) ? 0 : para_gap(c);
    if (ch->kind == DOC_LIST) {
      ok = compose_list(c, f, ch, x, width, div, 0) && ok;
      continue;
    }
    struct text_style ts;
    struct text_lines tl;
    if (!set_text(c, &ch->text, body_style(c, &ts), width, &tl)) {
      ok = false;
      continue;
    }
    flow_lines(c, f, &tl, x, before, elem_add(c, ROLE_P, div), ch->pos, "");
  }
  return ok;
}

static bool compose_callout(struct composer *c, const struct doc_block *b) {
  hu_t pad = (hu_t)c->pd->body_size * 700; /* 0.7 em */
  hu_t bar = c->pd->body_size * (hu_t)300; /* 0.3 em left bar */
  hu_t width = c->g->width;
  int div = elem_add(c, ROLE_DIV, 0);
  struct opbuf box = {0};
  uint32_t bg, border;
  callout_colors(c->pd, b->callout, &bg, &border);
  /* background first, so the text is drawn over it; sized afterwards */
  struct pg_op *rect = op_add(c, &box, PG_RECT, -1);
  struct pg_op *barop = op_add(c, &box, PG_RECT, -1);
  (void)rect, (void)barop;
  struct flow f = {&box, pad};
  if (!callout_body(c, &f, b, bar + pad, width - bar - 2 * pad, div))
    return false;
  hu_t height = f.y + pad;
  struct pg_op *bgop = &box.ops[0], *bop = &box.ops[1];
  bgop->x = 0, bgop->y = height, bgop->w = width, bgop->h = height;
  bgop->fill = bg, bgop->stroke = border;
  bgop->line_width = HU_FROM_PT(1.0);
  bop->x = 0, bop->y = height, bop->w = bar, bop->h = height;
  bop->fill = border;
  struct galley_chunk *ch =
      chunk_add(c, height, para_gap(c) * 3 / 2, b->pos, "call-out box");
  ch->ops = box.ops;
  ch->nops = box.n;
  if (b->callout == CALLOUT_URGENT) ch->flags |= CHUNK_URGENT;
  return true;
}

/* ---- tables ----------------------------------------------------------- */

/* Natural width of a text on one line, and its widest unbreakable piece. */
static void text_extent(struct composer *c, const struct doc_inline *in,
                        const struct text_style *ts, hu_t *natural,
                        hu_t *longest) {
  struct shape_style st = {ts->role, ts->size, ts->color, c->pd->colors.link,
                           false};
  struct item_list list;
  *natural = *longest = 0;
  struct diag quiet; /* errors surface when the cell is really set */
  diag_init(&quiet, c->d->out);
  FILE *devnull = fopen("/dev/null", "w");
  if (devnull) quiet.out = devnull;
  bool ok = shape_inline(in, &st, c->fs, NULL, c->arena, &quiet, &list);
  if (devnull) fclose(devnull);
  if (!ok) return;
  hu_t word = 0;
  for (size_t i = 0; i < list.n; i++) {
    const struct item *it = &list.items[i];
    if (it->type == ITEM_BOX) {
      word += it->width;
      *natural += it->width;
    } else if (it->type == ITEM_GLUE) {
      if (it->stretch < ITEM_FIL) *natural += it->width;
      if (word > *longest) *longest = word;
      word = 0;
    } else if (it->penalty < ITEM_INF_PENALTY) {
      if (word > *longest) *longest = word;
      word = 0;
    }
  }
  if (word > *longest) *longest = word;
}

/* Column widths: natural widths if they fit, otherwise the slack above the
 * longest words is shared in proportion to what each column wants. */
static bool table_widths(struct composer *c, const struct doc_block *b,
                         hu_t avail, hu_t pad, hu_t *w) {
  size_t nc = b->ncols;
  hu_t *want = arena_alloc(c->arena, nc * sizeof *want);
  hu_t *need = arena_alloc(c->arena, nc * sizeof *need);
  for (size_t r = 0; r < b->nrows; r++)
    for (size_t k = 0; k < nc; k++) {
      struct text_style ts;
      body_style(c, &ts);
      if (r == 0 && b->header_row) ts.role = FONT_BOLD;
      hu_t nat, lng;
      text_extent(c, &b->cells[r * nc + k], &ts, &nat, &lng);
      if (nat + 2 * pad > want[k]) want[k] = nat + 2 * pad;
      if (lng + 2 * pad > need[k]) need[k] = lng + 2 * pad;
    }
  hu_t sum_want = 0, sum_need = 0;
  for (size_t k = 0; k < nc; k++) sum_want += want[k], sum_need += need[k];
  if (sum_need > avail) {
    diag_error(c->d, b->pos,
               "table is %.1f pt wide at its narrowest (expected at most %.1f "
               "pt: fewer columns or shorter words)",
               HU_TO_PT(sum_need), HU_TO_PT(avail));
    return false;
  }
  for (size_t k = 0; k < nc; k++) {
    if (sum_want <= avail)
      w[k] = want[k] + (avail - sum_want) * want[k] / (sum_want ? sum_want : 1);
    else
      w[k] = need[k] + (avail - sum_need) * (want[k] - need[k]) /
                           (sum_want - sum_need);
  }
  return true;
}

static bool compose_row(struct composer *c, const struct doc_block *b,
                        size_t r, const hu_t *w, hu_t pad, int table) {
  bool header = r == 0 && b->header_row;
  int tr = elem_add(c, ROLE_TR, table);
  struct opbuf box = {0};
  struct text_lines *cells = arena_alloc(c->arena, b->ncols * sizeof *cells);
  hu_t height = 0;
  for (size_t k = 0; k < b->ncols; k++) {
    struct text_style ts;
    body_style(c, &ts);
    if (header) ts.role = FONT_BOLD;
    if (!set_text(c, &b->cells[r * b->ncols + k], &ts, w[k] - 2 * pad, &cells[k]))
      return false;
    hu_t h = cells[k].n * cells[k].height + 2 * pad;
    if (h > height) height = h;
  }
  hu_t x = 0;
  for (size_t k = 0; k < b->ncols; k++) {
    struct pg_op *rect = op_add(c, &box, PG_RECT, -1);
    rect->x = x, rect->y = height, rect->w = w[k], rect->h = height;
    rect->stroke = c->pd->colors.rule;
    rect->fill = header ? c->pd->colors.info_bg : PG_NO_COLOR;
    rect->line_width = HU_FROM_PT(0.75);
    x += w[k];
  }
  x = 0;
  for (size_t k = 0; k < b->ncols; k++) {
    int cell = elem_add(c, header ? ROLE_TH : ROLE_TD, tr);
    struct flow f = {&box, pad};
    flow_lines(c, &f, &cells[k], x + pad, 0, cell, b->pos, "");
    x += w[k];
  }
  struct galley_chunk *ch = chunk_add(c, height, r == 0 ? para_gap(c) : 0,
                                      b->pos, "table row");
  ch->ops = box.ops;
  ch->nops = box.n;
  ch->keep_with_next = header || (r == 0 && b->nrows > 1);
  return true;
}

static bool compose_table(struct composer *c, const struct doc_block *b) {
  hu_t pad = (hu_t)c->pd->body_size * 400; /* 0.4 em */
  hu_t *w = arena_alloc(c->arena, b->ncols * sizeof *w);
  if (!table_widths(c, b, c->g->width, pad, w)) return false;
  int table = elem_add(c, ROLE_TABLE, 0);
  for (size_t r = 0; r < b->nrows; r++)
    if (!compose_row(c, b, r, w, pad, table)) return false;
  return true;
}

/* ---- figures: images and QR codes ------------------------------------- */

/* Caption lines to the right of (QR) or below (image) a figure. */
static bool compose_figure(struct composer *c, const struct doc_block *b,
                           enum pg_op_kind kind, hu_t fw, hu_t fh) {
  int fig = elem_add(c, ROLE_FIGURE, 0);
  c->g->elems[fig].alt = b->alt;
  struct opbuf box = {0};
  struct pg_op *op = op_add(c, &box, kind, fig);
  op->x = 0, op->y = fh, op->w = fw, op->h = fh;
  op->path = b->path;
  op->url = b->url;
  if (kind == PG_QR) {
    struct pg_op *link = op_add(c, &box, PG_LINK, -1);
    link->x = 0, link->y = fh, link->w = fw, link->h = fh;
    link->url = b->url;
  }
  hu_t height = fh;
  if (b->text.nspans) {
    bool beside = kind == PG_QR;
    hu_t gap = (hu_t)c->pd->body_size * 800;
    hu_t cw = beside ? c->g->width - fw - gap : c->g->width;
    struct text_style ts;
    struct text_lines tl;
    if (!set_text(c, &b->text, body_style(c, &ts), cw, &tl)) return false;
    hu_t th = tl.n * tl.height;
    struct flow f = {&box, beside ? (fh > th ? (fh - th) / 2 : 0) : fh + gap / 2};
    flow_lines(c, &f, &tl, beside ? fw + gap : 0, 0,
               elem_add(c, ROLE_CAPTION, 0), b->pos, "");
    height = beside ? (fh > th ? fh : th) : f.y;
  }
  struct galley_chunk *ch = chunk_add(
      c, height, para_gap(c), b->pos, kind == PG_QR ? "QR code" : "image");
  ch->ops = box.ops;
  ch->nops = box.n;
  return true;
}

static bool compose_image(struct composer *c, const struct doc_block *b) {
  uint32_t px_w, px_h;
  if (!image_probe(b->path, b->pos, c->d, &px_w, &px_h)) return false;
  /* default: 150 pixels per inch, never wider than the column */
  hu_t w = b->width ? b->width : HU_FROM_PT(px_w * 72.0 / 150.0);
  if (w > c->g->width) w = c->g->width;
  hu_t h = (hu_t)((double)w * px_h / px_w);
  return compose_figure(c, b, PG_IMAGE, w, h);
}

static bool compose_qr(struct composer *c, const struct doc_block *b) {
  hu_t w = b->width ? b->width : HU_FROM_MM(28);
  if (w > c->g->width) w = c->g->width;
  return compose_figure(c, b, PG_QR, w, w);
}

/* ---- the leaflet's fixed parts ----------------------------------------- */

#define LOGO_HEIGHT_MM 14.0

/* A span of clinic-profile text, placed at the profile's value so that an
 * error in it (a missing glyph) points there. */
static struct doc_inline site_inline(struct composer *c, const char *var,
                                     const char *text, unsigned flags) {
  struct doc_inline in = plain_inline(c, text, flags);
  const struct site_var *v = site_lookup(c->site, var);
  if (v) in.spans[0].pos = v->pos;
  return in;
}

/* The clinic's logo, LOGO_HEIGHT_MM high (aspect kept, never wider than the
 * column), right-aligned: beside the title when that leaves the title at
 * least 3/5 of the column, else on a row of its own above it.  Returns the
 * op to place (the caller puts it into the first title chunk) or NULL. */
static struct pg_op logo_op(struct composer *c, bool *beside, hu_t *title_w) {
  const struct site *s = c->site;
  struct pg_op op = {0};
  *beside = false;
  *title_w = c->g->width;
  if (!s || !s->logo || !s->logo_px_w || !s->logo_px_h) return op;
  hu_t h = HU_FROM_MM(LOGO_HEIGHT_MM);
  hu_t w = (hu_t)((double)h * s->logo_px_w / s->logo_px_h);
  if (w > c->g->width) {
    w = c->g->width;
    h = (hu_t)((double)w * s->logo_px_h / s->logo_px_w);
  }
  hu_t gap = (hu_t)c->pd->body_size * 1000; /* 1 em */
  *beside = c->g->width - w - gap >= c->g->width * 3 / 5;
  if (*beside) *title_w = c->g->width - w - gap;
  int fig = elem_add(c, ROLE_FIGURE, 0);
  c->g->elems[fig].alt = arena_printf(c->arena, "%s logo", s->name);
  op.kind = PG_IMAGE;
  op.elem = fig;
  op.fill = op.stroke = PG_NO_COLOR;
  op.x = c->g->width - w, op.y = h, op.w = w, op.h = h;
  op.path = s->logo;
  return op;
}

/* The clinic's name and department under the title, and for a demo profile
 * a warning that the details are not real. */
static bool compose_clinic_line(struct composer *c) {
  const struct site *s = c->site;
  if (!s) return true;
  struct doc_inline parts[2];
  size_t n = 0;
  parts[n++] = site_inline(c, "clinic.name", s->name, SPAN_BOLD);
  if (s->department)
    parts[n++] = site_inline(
        c, "clinic.department",
        arena_printf(c->arena, ", %s", s->department), 0);
  struct doc_inline line = concat_inline(c, parts, n);
  struct text_style ts = {FONT_REGULAR, c->pd->body_size, c->pd->colors.heading};
  struct text_lines tl;
  if (!set_text(c, &line, &ts, c->g->width, &tl)) return false;
  lines_as_chunks(c, &tl, 0, para_gap(c) / 2, elem_add(c, ROLE_P, 0),
                  line.spans[0].pos, "clinic name");
  keep_last(c);
  if (!s->demo) return true;
  struct doc_block *para = arena_alloc(c->arena, sizeof *para);
  para->kind = DOC_PARA;
  para->text = plain_inline(
      c, "Demo leaflet: the clinic details are examples, not real.", SPAN_BOLD);
  para->pos = c->doc->pos;
  struct doc_block box = {0};
  box.kind = DOC_CALLOUT;
  box.callout = CALLOUT_WARNING;
  box.children = para;
  box.nchildren = 1;
  box.pos = c->doc->pos;
  if (!compose_callout(c, &box)) return false;
  keep_last(c);
  return true;
}

/* A patient's value (personal data: SPAN_PATIENT), placed at the field's
 * CSV cell so that an error about it (a character no font has) points
 * there; short values stay on one line, as resolve keeps them. */
static struct doc_inline patient_inline(struct composer *c, const char *text,
                                        enum patient_field f, unsigned flags) {
  if (strlen(text) <= 40) flags |= SPAN_KEEP;
  struct doc_inline in = plain_inline(c, text, flags | SPAN_PATIENT);
  struct src_pos pos = c->doc->patient->field_pos[f];
  if (pos.line > 0) in.spans[0].pos = pos;
  return in;
}

/* A per-patient leaflet's box under the title: "Prepared for First Last",
 * then "Your treatment: X" and "Starting on 1 December 2026" when the row
 * has them; ruled in the heading colour on the page's white, so that it
 * does not read as one of the handout's call-outs.  Its chunk points at
 * the handout (as the title does), its spans at the CSV cells. */
static bool compose_prepared_for(struct composer *c) {
  const struct patient *p = c->doc->patient;
  if (!p) return true;
  struct doc_inline lines[3];
  size_t n = 0;
  struct doc_inline parts[4];
  parts[0] = plain_inline(c, "Prepared for ", 0);
  parts[1] = patient_inline(c, p->first_name, PF_FIRST_NAME, SPAN_BOLD);
  parts[2] = plain_inline(c, " ", SPAN_BOLD);
  parts[3] = patient_inline(c, p->last_name, PF_LAST_NAME, SPAN_BOLD);
  lines[n++] = concat_inline(c, parts, 4);
  if (p->treatment) {
    parts[0] = plain_inline(c, "Your treatment: ", 0);
    parts[1] = patient_inline(c, p->treatment, PF_TREATMENT, SPAN_BOLD);
    lines[n++] = concat_inline(c, parts, 2);
  }
  if (p->start_date) {
    parts[0] = plain_inline(c, "Starting on ", 0);
    parts[1] = patient_inline(c, long_date(c, p->start_date), PF_START_DATE,
                              SPAN_BOLD);
    lines[n++] = concat_inline(c, parts, 2);
  }
  hu_t pad = (hu_t)c->pd->body_size * 600; /* 0.6 em */
  hu_t thick = HU_FROM_PT(1.5);
  hu_t width = c->g->width;
  int div = elem_add(c, ROLE_DIV, 0);
  struct opbuf box = {0};
  op_add(c, &box, PG_RECT, -1); /* the frame, sized below */
  struct flow f = {&box, pad};
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    struct text_style ts;
    struct text_lines tl;
    if (!set_text(c, &lines[i], body_style(c, &ts), width - 2 * pad, &tl)) {
      ok = false;
      continue;
    }
    flow_lines(c, &f, &tl, pad, 0, elem_add(c, ROLE_P, div), c->doc->pos, "");
  }
  if (!ok) return false;
  hu_t height = f.y + pad;
  struct pg_op *frame = &box.ops[0];
  frame->x = thick / 2, frame->y = height - thick / 2;
  frame->w = width - thick, frame->h = height - thick;
  frame->stroke = c->pd->colors.heading;
  frame->line_width = thick;
  struct galley_chunk *ch = chunk_add(c, height, para_gap(c) * 2 / 3,
                                      c->doc->pos, "\"Prepared for\" box");
  ch->ops = box.ops;
  ch->nops = box.n;
  keep_last(c);
  return true;
}

/* Logo, title, subtitle, the "Prepared for" box of a per-patient leaflet,
 * clinic line (and demo warning), then a rule. */
static bool title_block(struct composer *c) {
  const struct doc *doc = c->doc;
  struct text_style ts = {FONT_BOLD, c->pd->title_size, c->pd->colors.heading};
  struct text_lines tl;
  bool beside;
  hu_t title_w;
  struct pg_op logo = logo_op(c, &beside, &title_w);
  if (logo.path && !beside) { /* a row of its own */
    struct galley_chunk *ch = chunk_add(c, logo.h, 0, doc->pos, "logo");
    struct opbuf b = {0};
    *op_add(c, &b, PG_IMAGE, logo.elem) = logo;
    ch->ops = b.ops;
    ch->nops = b.n;
    ch->keep_with_next = true;
  }
  struct doc_inline title = plain_inline(c, doc->title, 0);
  if (!set_text(c, &title, &ts, title_w, &tl)) return false;
  int h1 = elem_add(c, ROLE_H1, 0);
  size_t first = c->g->nchunks;
  lines_as_chunks(c, &tl, 0, 0, h1, doc->pos, "title");
  keep_last(c);
  if (logo.path && beside && c->g->nchunks > first) {
    /* into the first title line; the block is made at least as tall */
    struct galley_chunk *ch = &c->g->chunks[first];
    struct opbuf b = {ch->ops, ch->nops, ch->nops};
    *op_add(c, &b, PG_IMAGE, logo.elem) = logo;
    ch->ops = b.ops;
    ch->nops = b.n;
    hu_t tall = 0;
    for (size_t i = first; i < c->g->nchunks; i++) tall += c->g->chunks[i].height;
    if (tall < logo.h) c->g->chunks[c->g->nchunks - 1].height += logo.h - tall;
  }
  if (doc->subtitle) {
    struct text_style ss = {FONT_REGULAR, c->pd->subtitle_size,
                            c->pd->colors.heading};
    struct doc_inline sub = plain_inline(c, doc->subtitle, 0);
    if (!set_text(c, &sub, &ss, c->g->width, &tl)) return false;
    lines_as_chunks(c, &tl, 0, para_gap(c) / 3, elem_add(c, ROLE_P, 0),
                    doc->pos, "subtitle");
    keep_last(c);
  }
  if (!compose_prepared_for(c)) return false;
  if (!compose_clinic_line(c)) return false;
  /* a rule under the title block */
  struct opbuf b = {0};
  struct pg_op *rule = op_add(c, &b, PG_RECT, -1);
  hu_t thick = HU_FROM_PT(1.5);
  rule->x = 0, rule->w = c->g->width, rule->h = thick;
  rule->y = para_gap(c) / 2 + thick;
  rule->fill = c->pd->colors.rule;
  struct galley_chunk *ch =
      chunk_add(c, para_gap(c) / 2 + thick, 0, doc->pos, "title rule");
  ch->ops = b.ops;
  ch->nops = b.n;
  return true;
}

/* The title block is set ragged and unhyphenated in every layout: a
 * justified two-line title in large type spreads its few words apart. */
static bool compose_title(struct composer *c) {
  c->ragged = true;
  bool ok = title_block(c);
  c->ragged = false;
  return ok;
}

/* The main message, first and boxed (CDC Clear Communication Index 1-3). */
static bool compose_summary(struct composer *c) {
  if (!c->doc->summary.nspans) return true;
  struct doc_block *b = arena_alloc(c->arena, sizeof *b);
  struct doc_block *para = arena_alloc(c->arena, sizeof *para);
  para->kind = DOC_PARA;
  para->text = c->doc->summary;
  para->pos = c->doc->summary.spans[0].pos;
  b->kind = DOC_CALLOUT;
  b->callout = CALLOUT_INFO;
  b->text = plain_inline(c, "What you need to know", SPAN_BOLD);
  b->children = para;
  b->nchildren = 1;
  b->pos = para->pos;
  return compose_callout(c, b);
}

static bool compose_block(struct composer *c, const struct doc_block *b) {
  struct flow f = {NULL, 0};
  switch (b->kind) {
  case DOC_HEADING: return compose_heading(c, b);
  case DOC_PARA: return compose_para(c, &b->text, b->pos, 0);
  case DOC_LIST: return compose_list(c, &f, b, 0, c->g->width, 0, 0);
  case DOC_CALLOUT: return compose_callout(c, b);
  case DOC_TABLE: return compose_table(c, b);
  case DOC_IMAGE: return compose_image(c, b);
  case DOC_QR: return compose_qr(c, b);
  case DOC__MAX: break;
  }
  return false;
}

static struct doc_block heading_block(struct composer *c, const char *text) {
  struct doc_block h = {0};
  h.kind = DOC_HEADING;
  h.level = 1;
  h.text = plain_inline(c, text, 0);
  h.pos = c->doc->pos;
  return h;
}

/* "tel:02079460000" from a phone number as written. */
static const char *tel_url(struct composer *c, const char *phone) {
  char *u = arena_printf(c->arena, "tel:%s", phone);
  size_t o = 4;
  for (size_t i = 4; u[i]; i++)
    if ((u[i] >= '0' && u[i] <= '9') || u[i] == '+') u[o++] = u[i];
  u[o] = '\0';
  return u;
}

/* One "Label: value" line of the contact section; the value is a link when
 * url is set and stays on one line when short. */
static bool contact_line(struct composer *c, const char *label, const char *var,
                         const char *value, const char *url, unsigned flags,
                         bool first, bool last) {
  struct doc_inline parts[2];
  parts[0] = site_inline(c, var, label, flags);
  parts[1] = site_inline(c, var, value,
                         flags | (strlen(value) <= 40 ? SPAN_KEEP : 0));
  parts[1].spans[0].url = url;
  struct doc_inline line = concat_inline(c, parts, 2);
  struct text_style ts;
  struct text_lines tl;
  if (!set_text(c, &line, body_style(c, &ts), c->g->width, &tl)) return false;
  hu_t before = first ? para_gap(c) : para_gap(c) / 3;
  lines_as_chunks(c, &tl, 0, before, elem_add(c, ROLE_P, 0), line.spans[0].pos,
                  "contact line");
  if (!last) keep_last(c); /* the contact details stay together */
  return true;
}

/* "Contact us": the clinic's lines, address, website and email, from the
 * profile (only the fields it has). */
static bool compose_contact(struct composer *c) {
  const struct site *s = c->site;
  if (!s) return true;
  struct doc_block h = heading_block(c, "Contact us");
  if (!compose_heading(c, &h)) return false;
  bool more = s->address || s->website || s->email;
  bool ok = contact_line(c, "24-hour line: ", "clinic.phone_24h", s->phone_24h,
                         tel_url(c, s->phone_24h), SPAN_BOLD, true, false);
  ok = contact_line(c, "Office hours: ", "clinic.phone_office", s->phone_office,
                    tel_url(c, s->phone_office), 0, false, !more) && ok;
  if (s->address)
    ok = contact_line(c, "Address: ", "clinic.address", s->address, NULL, 0,
                      false, !s->website && !s->email) && ok;
  if (s->website)
    ok = contact_line(c, "Website: ", "clinic.website", s->website, s->website,
                      0, false, !s->email) && ok;
  if (s->email)
    ok = contact_line(c, "Email: ", "clinic.email", s->email,
                      arena_printf(c->arena, "mailto:%s", s->email), 0, false,
                      true) && ok;
  return ok;
}

/* "Sources": a numbered list of title, publisher and linked address. */
static bool compose_sources(struct composer *c) {
  const struct doc *doc = c->doc;
  struct doc_block h = heading_block(c, "Sources");
  if (!compose_heading(c, &h)) return false;
  struct doc_block list = {0};
  list.kind = DOC_LIST;
  list.ordered = true;
  list.nitems = doc->nsources;
  list.items = arena_alloc(c->arena, doc->nsources * sizeof *list.items);
  for (size_t i = 0; i < doc->nsources; i++) {
    const struct doc_source *s = &doc->sources[i];
    struct doc_inline parts[4];
    size_t n = 0;
    /* "Title." unless the title ends in its own punctuation ("...?") */
    size_t tl = strlen(s->title);
    bool punct = tl && strchr(".?!", s->title[tl - 1]);
    parts[n++] = plain_inline(
        c, punct ? s->title : arena_printf(c->arena, "%s.", s->title), 0);
    if (s->publisher)
      parts[n++] = plain_inline(c, arena_printf(c->arena, " %s.", s->publisher), 0);
    if (s->url) {
      parts[n++] = plain_inline(c, " ", 0);
      parts[n] = plain_inline(c, s->url, 0);
      parts[n++].spans[0].url = s->url;
    }
    for (size_t k = 0; k < n; k++) parts[k].spans[0].pos = s->pos;
    list.items[i].text = concat_inline(c, parts, n);
    list.items[i].pos = s->pos;
  }
  list.pos = doc->pos;
  struct flow f = {NULL, 0};
  return compose_list(c, &f, &list, 0, c->g->width, 0, 0);
}

/* "About this leaflet": version, dates, owner, what it was checked against,
 * other formats and (from the clinic profile) how to give feedback. */
static bool compose_about(struct composer *c) {
  const struct doc *doc = c->doc;
  struct doc_block h = heading_block(c, "About this leaflet");
  if (!compose_heading(c, &h)) return false;
  const char *lines[6] = {
      arena_printf(c->arena, "Version %s, published %s.", doc->version,
                   long_date(c, doc->published)),
      arena_printf(c->arena, "Next review due by %s.", long_date(c, doc->review_by)),
      arena_printf(c->arena, "Written by %s.", doc->owner),
      arena_printf(c->arena, "Checked against: %s.", doc->reviewed_against),
      "Other formats: large print, email or audio on request.",
      c->site ? c->site->feedback : NULL,
  };
  size_t n = lines[5] ? 6 : 5;
  struct doc_block list = {0};
  list.kind = DOC_LIST;
  list.nitems = n;
  list.items = arena_alloc(c->arena, n * sizeof *list.items);
  for (size_t i = 0; i < n; i++) {
    list.items[i].text = i == 5 ? site_inline(c, "clinic.feedback", lines[i], 0)
                                : plain_inline(c, lines[i], 0);
    list.items[i].pos = list.items[i].text.spans[0].pos;
  }
  struct flow f = {NULL, 0};
  return compose_list(c, &f, &list, 0, c->g->width, 0, 0);
}

bool compose_doc(const struct doc *doc, const struct site *site,
                 const struct pagedef *pd, struct fontset *fs, struct hyph *hy,
                 hu_t column_width, struct arena *arena, struct diag *d,
                 struct galley *out) {
  memset(out, 0, sizeof *out);
  out->width = column_width;
  struct composer c = {doc, pd, fs, hy, arena, d, out, 0, 0, 0, site, false};
  elem_add(&c, ROLE_DOCUMENT, -1);
  bool ok = compose_title(&c) && compose_summary(&c);
  /* keep going after an error so that every problem is reported at once */
  for (size_t i = 0; i < doc->nblocks; i++)
    ok = compose_block(&c, &doc->blocks[i]) && ok;
  ok = compose_contact(&c) && compose_sources(&c) && compose_about(&c) && ok;
  return ok && !diag_has_errors(d);
}

/* ---- the wallet card (layout kind card) ---------------------------------- */

/* The layout at body size `size` (cpt): every size and space scaled. */
static struct pagedef card_scaled(const struct pagedef *pd, int size) {
  struct pagedef t = *pd;
  t.body_size = size;
  t.leading = pd->leading * size / pd->body_size;
  t.paragraph_space = pd->paragraph_space * size / pd->body_size;
  t.title_size = pd->title_size * size / pd->body_size;
  t.h2_size = pd->h2_size * size / pd->body_size;
  return t;
}


/* The title: white on a band of the urgent colour across the top of the
 * front, from the card's edges (and bleed) to a little below the text; in
 * the urgent colour on the back.  One chunk. */
static bool card_title(struct composer *c, const struct doc_card_side *side,
                       bool front) {
  const struct pagedef *pd = c->pd;
  struct text_style ts = {FONT_BOLD, pd->title_size,
                          front ? 0xFFFFFFu : pd->colors.urgent_border};
  struct text_lines tl;
  if (!set_text(c, &side->title, &ts, c->g->width, &tl)) return false;
  struct opbuf b = {0};
  hu_t th = (hu_t)tl.n * tl.height, pad = front ? pd->margin_top * 2 / 3 : 0;
  if (front) {
    struct pg_op *band = op_add(c, &b, PG_RECT, -1);
    band->x = -pd->margin_left - pd->bleed;
    band->w = pd->page_width + 2 * pd->bleed;
    band->y = th + pad;
    band->h = pd->margin_top + pd->bleed + th + pad;
    band->fill = pd->colors.urgent_border;
  }
  int elem = elem_add(c, front ? ROLE_H1 : ROLE_H2, 0);
  for (size_t i = 0; i < tl.n; i++)
    line_op(c, &b, &tl, i, 0, (hu_t)i * tl.height + tl.baseline, elem);
  struct galley_chunk *ch = chunk_add(c, th + pad, 0, side->pos, "card title");
  ch->ops = b.ops;
  ch->nops = b.n;
  ch->keep_with_next = true;
  if (!front) ch->flags |= CHUNK_NEW_PAGE;
  return true;
}

/* One side at the composer's (scaled) layout: title, lines, note. */
static bool card_side(struct composer *c, const struct doc_card_side *side,
                      bool front) {
  if (!card_title(c, side, front)) return false;
  bool ok = true;
  if (front) {
    for (size_t i = 0; i < side->nlines; i++) {
      struct text_style ts;
      struct text_lines tl;
      if (!set_text(c, &side->lines[i], body_style(c, &ts), c->g->width, &tl)) {
        ok = false;
        continue;
      }
      hu_t before = i == 0 ? para_gap(c) : para_gap(c) / 3;
      lines_as_chunks(c, &tl, 0, before, elem_add(c, ROLE_P, 0),
                      side->pos, "card line");
    }
  } else { /* the red flags, as a bulleted list */
    struct doc_block list = {0};
    list.kind = DOC_LIST;
    list.pos = side->pos;
    list.nitems = side->nlines;
    list.items = arena_alloc(c->arena, side->nlines * sizeof *list.items);
    for (size_t i = 0; i < side->nlines; i++) {
      list.items[i].text = side->lines[i];
      list.items[i].pos = side->lines[i].nspans ? side->lines[i].spans[0].pos
                                                : side->pos;
    }
    struct flow f = {NULL, 0};
    ok = compose_list(c, &f, &list, 0, c->g->width, 0, 0);
  }
  if (side->note.nspans) {
    struct text_style ts;
    struct text_lines tl;
    if (set_text(c, &side->note, body_style(c, &ts), c->g->width, &tl))
      lines_as_chunks(c, &tl, 0, para_gap(c), elem_add(c, ROLE_P, 0),
                      side->pos, "card note");
    else
      ok = false;
  }
  return ok;
}

/* Height of chunks [from, nchunks) stacked from the top of a page. */
static hu_t card_height(const struct galley *g, size_t from) {
  hu_t h = 0;
  for (size_t i = from; i < g->nchunks; i++)
    h += (i == from ? 0 : g->chunks[i].space_before) + g->chunks[i].height;
  return h;
}

/* Set a side at the largest size from the body size down to min_size, in
 * 0.5 pt steps, at which it fits the card; else report it.  Trial sizes are
 * set with diagnostics off, the final one with them on. */
static bool card_fit(struct composer *c, const struct pagedef *pd,
                     const struct doc_card_side *side, bool front) {
  struct galley *g = c->g;
  hu_t avail = pd->page_height - pd->margin_top - pd->margin_bottom;
  size_t chunks0 = g->nchunks, elems0 = g->nelems;
  struct diag *real = c->d;
  struct diag quiet;
  diag_init(&quiet, real->out);
  FILE *devnull = fopen("/dev/null", "w");
  if (devnull) quiet.out = devnull;
  int floor = pd->min_body_size < pd->body_size ? pd->min_body_size
                                                : pd->body_size;
  int size = pd->body_size;
  struct pagedef t;
  for (;; size -= 50) {
    if (size < floor) size = floor;
    t = card_scaled(pd, size);
    c->pd = &t;
    c->d = &quiet;
    bool ok = card_side(c, side, front);
    hu_t h = card_height(g, chunks0);
    g->nchunks = chunks0, g->nelems = elems0;
    if (!ok || h <= avail || size == floor) break;
  }
  if (devnull) fclose(devnull);
  c->d = real;
  bool ok = card_side(c, side, front);
  hu_t h = card_height(g, chunks0);
  if (ok && h > avail) {
    size_t need = g->nchunks - chunks0 - 1; /* one chunk per line */
    hu_t fixed = g->chunks[chunks0].height; /* the title and the gaps */
    for (size_t i = chunks0 + 1; i < g->nchunks; i++)
      fixed += g->chunks[i].space_before;
    long fit = (long)((avail - fixed) / t.leading);
    if (fit < 0) fit = 0;
    double mm = 25.4 / 72.0;
    diag_error(real, side->pos,
               "card %s of '%s' does not fit on an %.1f x %.1f mm card even at "
               "%g pt: it takes %zu lines (expected at most %ld lines at "
               "%g pt: shorten it)",
               front ? "front" : "back", c->doc->id,
               HU_TO_PT(pd->page_width) * mm, HU_TO_PT(pd->page_height) * mm,
               size / 100.0, need, fit, size / 100.0);
    ok = false;
  }
  c->pd = pd;
  return ok;
}

bool compose_card(const struct doc *doc, const struct pagedef *pd,
                  struct fontset *fs, struct arena *arena, struct diag *d,
                  struct galley *out) {
  memset(out, 0, sizeof *out);
  out->width = pd->page_width - pd->margin_left - pd->margin_right;
  if (!doc->card.present) {
    diag_error(d, doc->pos,
               "handout '%s' has no card: part (expected a card: part for "
               "layout '%s')",
               doc->id, pd->name);
    return false;
  }
  struct composer c = {0};
  c.doc = doc, c.pd = pd, c.fs = fs, c.arena = arena, c.d = d, c.g = out;
  elem_add(&c, ROLE_DOCUMENT, -1);
  bool ok = card_fit(&c, pd, &doc->card.front, true);
  ok = card_fit(&c, pd, &doc->card.back, false) && ok;
  return ok && !diag_has_errors(d);
}
