/*
 * paginate: galley chunks to pages and columns.  See paginate.h.
 *
 * The galley is cut into runs: a run is a chunk and every chunk it is kept
 * with (keep_with_next chains).  Runs are placed whole, greedily, so each
 * column ends at the last legal break before it would overflow.  A run taller
 * than a whole column is split at chunk boundaries with a warning if it has
 * several chunks (a keep cannot be honoured), and is an error if it is a
 * single chunk (a call-out box or table row that can never fit).
 */
#include "paginate.h"

#include <string.h>

#include "inline.h"
#include "linebreak.h"
#include "shape.h"

struct paginator {
  const struct galley *g;
  const struct pagedef *pd;
  struct fontset *fs;
  struct arena *arena;
  struct diag *d;
  struct pg_doc *out;
  size_t cap_pages;
  size_t *cap_ops; /* per page */
  int column;      /* current column on the current page */
  hu_t used;       /* height used in the current column */
};

hu_t paginate_column_width(const struct pagedef *pd) {
  hu_t content = pd->page_width - pd->margin_left - pd->margin_right;
  int n = pd->columns > 0 ? pd->columns : 1;
  return (content - (n - 1) * pd->column_gap) / n;
}

static hu_t column_height(const struct pagedef *pd) {
  return pd->page_height - pd->margin_top - pd->margin_bottom;
}

static void new_page(struct paginator *p) {
  struct pg_doc *o = p->out;
  if (o->npages == p->cap_pages) {
    size_t ncap = p->cap_pages ? p->cap_pages * 2 : 8;
    struct pg_page *pages = arena_alloc(p->arena, ncap * sizeof *pages);
    size_t *caps = arena_alloc(p->arena, ncap * sizeof *caps);
    if (o->npages) {
      memcpy(pages, o->pages, o->npages * sizeof *pages);
      memcpy(caps, p->cap_ops, o->npages * sizeof *caps);
    }
    o->pages = pages;
    p->cap_ops = caps;
    p->cap_pages = ncap;
  }
  o->npages++;
  p->column = 0;
  p->used = 0;
}

static void next_column(struct paginator *p) {
  if (p->column + 1 < p->pd->columns) {
    p->column++;
    p->used = 0;
  } else {
    new_page(p);
  }
}

static struct pg_op *page_op(struct paginator *p, size_t page) {
  struct pg_page *pg = &p->out->pages[page];
  if (pg->nops == p->cap_ops[page]) {
    size_t ncap = p->cap_ops[page] ? p->cap_ops[page] * 2 : 64;
    struct pg_op *ops = arena_alloc(p->arena, ncap * sizeof *ops);
    if (pg->nops) memcpy(ops, pg->ops, pg->nops * sizeof *ops);
    pg->ops = ops;
    p->cap_ops[page] = ncap;
  }
  return &pg->ops[pg->nops++];
}

/* Place chunk ch at the current position (space_before already decided). */
static void place_chunk(struct paginator *p, const struct galley_chunk *ch,
                        hu_t space) {
  const struct pagedef *pd = p->pd;
  size_t page = p->out->npages - 1;
  hu_t col_x = pd->margin_left +
               p->column * (paginate_column_width(pd) + pd->column_gap);
  hu_t top = pd->page_height - pd->margin_top - p->used - space;
  for (size_t i = 0; i < ch->nops; i++) {
    struct pg_op *op = page_op(p, page);
    *op = ch->ops[i];
    op->x += col_x;
    op->y = top - ch->ops[i].y;
  }
  if (ch->outline >= 0) {
    struct pg_outline *o = &p->out->outlines[ch->outline];
    o->page = (int)page;
    o->y = top;
  }
  p->used += space + ch->height;
}

/* Height of chunks [i, j] placed from the current position. */
static hu_t run_height(const struct paginator *p, size_t i, size_t j) {
  hu_t h = 0;
  for (size_t k = i; k <= j; k++) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    bool at_top = k == i && p->used == 0;
    h += (at_top ? 0 : ch->space_before) + ch->height;
  }
  return h;
}

static void place_run(struct paginator *p, size_t i, size_t j) {
  for (size_t k = i; k <= j; k++) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    place_chunk(p, ch, p->used == 0 ? 0 : ch->space_before);
  }
}

/* A run that cannot fit in an empty column: split it, or fail. */
static bool place_oversized(struct paginator *p, size_t i, size_t j) {
  const struct galley_chunk *first = &p->g->chunks[i];
  hu_t col = column_height(p->pd);
  for (size_t k = i; k <= j; k++) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    if (ch->height > col) {
      diag_error(p->d, ch->pos,
                 "%s is %.1f pt tall (expected at most %.1f pt, the height of "
                 "a column in layout '%s': split it into smaller blocks)",
                 ch->what, HU_TO_PT(ch->height), HU_TO_PT(col), p->pd->name);
      return false;
    }
  }
  diag_warning(p->d, first->pos,
               "%s and what is kept with it do not fit on one page; breaking "
               "inside (expected a shorter run of kept-together blocks)",
               first->what);
  for (size_t k = i; k <= j; k++) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    hu_t space = p->used == 0 ? 0 : ch->space_before;
    if (p->used + space + ch->height > col) next_column(p);
    place_chunk(p, ch, p->used == 0 ? 0 : ch->space_before);
  }
  return true;
}

static bool place_all(struct paginator *p) {
  const struct galley *g = p->g;
  hu_t col = column_height(p->pd);
  new_page(p);
  size_t i = 0;
  while (i < g->nchunks) {
    size_t j = i;
    while (j + 1 < g->nchunks && g->chunks[j].keep_with_next) j++;
    if (p->used + run_height(p, i, j) <= col) {
      place_run(p, i, j);
    } else if (p->used > 0) {
      next_column(p);
      continue; /* retry the same run at the top of the next column */
    } else if (!place_oversized(p, i, j)) {
      return false;
    }
    i = j + 1;
  }
  return true;
}

/* ---- the running footer ------------------------------------------------ */

/* Shape text and set it as lines no wider than width; NULL on error. */
static struct lb_line *footer_lines(struct paginator *p, const char *text,
                                    hu_t width, const struct item **items,
                                    size_t *nlines) {
  const struct pagedef *pd = p->pd;
  struct doc_span *sp = arena_alloc(p->arena, sizeof *sp);
  sp->text = text;
  sp->len = strlen(text);
  sp->pos = pd->pos;
  struct doc_inline in = {sp, 1};
  struct shape_style st = {FONT_REGULAR, pd->footer_size, pd->colors.text,
                           pd->colors.link, false};
  struct item_list list;
  if (!shape_inline(&in, &st, p->fs, NULL, p->arena, p->d, &list)) return NULL;
  struct lb_params lp;
  lb_params_default(&lp, width);
  lp.ragged = true;
  struct lb_line *lines;
  *nlines = linebreak(list.items, list.n, &lp, p->arena, &lines);
  *items = list.items;
  return lines;
}

static hu_t lines_width(const struct item *items, const struct lb_line *ln) {
  hu_t w = 0;
  for (size_t i = ln->start; i < ln->end; i++)
    if (items[i].type != ITEM_PENALTY) w += items[i].width;
  return w;
}

static void footer_op(struct paginator *p, size_t page, const struct item *items,
                      const struct lb_line *ln, hu_t x, hu_t y) {
  struct pg_op *op = page_op(p, page);
  memset(op, 0, sizeof *op);
  op->kind = PG_TEXT;
  op->elem = -1; /* running footers are artifacts, not content */
  op->x = x;
  op->y = y;
  op->items = items + ln->start;
  op->nitems = ln->end - ln->start;
  op->fill = op->stroke = PG_NO_COLOR;
}

/* Two lines in the bottom margin: the title; then version and review date
 * on the left and "Page X of Y" on the right. */
static bool add_footers(struct paginator *p, const struct doc *doc) {
  const struct pagedef *pd = p->pd;
  hu_t content = pd->page_width - pd->margin_left - pd->margin_right;
  hu_t lead = pd->leading * pd->footer_size / pd->body_size;
  hu_t base = pd->margin_bottom / 2 - lead / 2;
  char review[64];
  if (!format_long_date(doc->review_by, review, sizeof review))
    snprintf(review, sizeof review, "%s", doc->review_by);
  const char *version = arena_printf(
      p->arena, "Version\xC2\xA0%s \xC2\xB7 Review by %s", doc->version, review);
  size_t n = p->out->npages;
  for (size_t i = 0; i < n; i++) {
    const struct item *ri, *vi, *ti;
    size_t rn, vn, tn;
    const char *right = arena_printf(p->arena, "Page %zu of %zu", i + 1, n);
    struct lb_line *rl = footer_lines(p, right, content, &ri, &rn);
    if (!rl) return false;
    hu_t rw = lines_width(ri, &rl[0]);
    struct lb_line *vl = footer_lines(p, version, content - rw - lead, &vi, &vn);
    struct lb_line *tl = footer_lines(p, doc->title, content, &ti, &tn);
    if (!vl || !tl) return false;
    footer_op(p, i, ri, &rl[0], pd->margin_left + content - rw, base);
    for (size_t k = 0; k < vn; k++) /* never cut: extra lines go upwards */
      footer_op(p, i, vi, &vl[k], pd->margin_left, base + (hu_t)(vn - 1 - k) * lead);
    for (size_t k = 0; k < tn; k++)
      footer_op(p, i, ti, &tl[k], pd->margin_left,
                base + (hu_t)(vn + tn - 1 - k) * lead);
  }
  return true;
}

bool paginate(const struct galley *g, const struct doc *doc,
              const struct pagedef *pd, struct fontset *fs, const char *date,
              struct arena *arena, struct diag *d, struct pg_doc *out) {
  memset(out, 0, sizeof *out);
  out->page_width = pd->page_width;
  out->page_height = pd->page_height;
  out->bleed = pd->bleed;
  out->elems = g->elems;
  out->nelems = g->nelems;
  out->noutlines = g->noutlines;
  out->outlines = arena_alloc(arena, (g->noutlines + 1) * sizeof *out->outlines);
  if (g->noutlines)
    memcpy(out->outlines, g->outlines, g->noutlines * sizeof *out->outlines);
  out->title = doc->title;
  out->subject = doc->subtitle ? doc->subtitle : inline_plain(arena, &doc->summary);
  out->author = doc->owner;
  out->keywords = arena_printf(arena, "immunotherapy, %s", doc->id);
  out->language = doc->language;
  out->date = date;

  struct paginator p = {g, pd, fs, arena, d, out, 0, NULL, 0, 0};
  if (!place_all(&p)) return false;
  return add_footers(&p, doc);
}
