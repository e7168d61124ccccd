/*
 * paginate: galley chunks to pages and columns.  See paginate.h.
 *
 * The galley is cut into runs: a run is a chunk and every chunk it is kept
 * with (keep_with_next chains).  Runs are placed whole, greedily, so each
 * column ends at the last legal break before it would overflow.  A run taller
 * than a whole column is split at chunk boundaries with a warning if it has
 * several chunks (a keep cannot be honoured), and is an error if it is a
 * single chunk (a call-out box or table row that can never fit).
 *
 * Where the text goes:
 *   - plain layouts: columns left to right, then a new page, as long as
 *     there is text;
 *   - folded leaflets (pagedef.panels): the fixed pages of the layout, the
 *     text flowing through its panels in the layout's reading order; text
 *     left over after the last panel is an error naming the handout (never
 *     cut, never an extra page).  With a back panel, urgent call-out boxes
 *     (CHUNK_URGENT) and the generated "Contact us" section (from its level-1
 *     heading to the next one) are taken out of the flow and set on the back
 *     panel, the one a folded leaflet shows: the structure tree keeps them
 *     where they were in the reading order;
 *   - cards: a chunk with CHUNK_NEW_PAGE starts the next page.
 *
 * Every op placed gets pg_op.order from its chunk's place in the galley, so
 * the reading order survives panels and imposition (page.h).
 *
 * The running footer (pagedef.running_footer; never on cards or panels
 * layouts that turn it off) sits in the bottom margin: its bottom line half
 * a line below the middle of the margin, extra lines (a long title or
 * version at a large footer size) going upwards.  Its height is measured
 * before any text is placed, for the widest page label, and the text area
 * ends at least half a footer line above it, so footer and text never
 * overlap whatever the footer size (large print sets it at 18 pt).
 *
 * After the footers, blank pages (no ops) pad the page count to a multiple
 * of pagedef.page_multiple (booklets); "Page X of Y" counts only the pages
 * with text.  Last, with a bleed every op is shifted by the bleed and the
 * page grows by it on each side (page.h).
 */
#include "paginate.h"

#include <string.h>

#include "inline.h"
#include "linebreak.h"
#include "shape.h"

/* The generated section that joins the urgent boxes on a back panel
 * (compose.c adds it after the handout's sections). */
#define PAGINATE_CONTACT_HEADING "Contact us"

struct paginator {
  const struct galley *g;
  const struct doc *doc;
  const struct pagedef *pd;
  struct fontset *fs;
  struct arena *arena;
  struct diag *d;
  struct pg_doc *out;
  size_t cap_pages;
  size_t *cap_ops;  /* per page */
  size_t page;      /* current page (0-based) */
  int column;       /* current column on the current page */
  hu_t used;        /* height used in the current column */
  hu_t col_height;  /* usable height of a column (footer room deducted) */
  int slot;         /* panels: index into pd->panels */
  bool out_of_room; /* panels: the last panel is full */
  bool *on_back;    /* per chunk: set on the back panel */
};

hu_t paginate_column_width(const struct pagedef *pd) {
  hu_t content = pd->page_width - pd->margin_left - pd->margin_right;
  int n = pd->columns > 0 ? pd->columns : 1;
  return (content - (n - 1) * pd->column_gap) / n;
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
}

/* Move to a slot: a page (created if needed) and a column, empty. */
static void go_to(struct paginator *p, size_t page, int column) {
  while (p->out->npages <= page) new_page(p);
  p->page = page;
  p->column = column;
  p->used = 0;
}

/* The next column: in a panels layout the next panel in reading order (or
 * out_of_room after the last), else the next column or a new page. */
static void next_column(struct paginator *p) {
  const struct pagedef *pd = p->pd;
  if (pd->npanels) {
    if (p->slot + 1 >= pd->npanels) {
      p->out_of_room = true;
      return;
    }
    p->slot++;
    go_to(p, (size_t)pd->panels[p->slot].page, pd->panels[p->slot].column);
  } else if (p->column + 1 < pd->columns) {
    go_to(p, p->page, p->column + 1);
  } else {
    go_to(p, p->page + 1, 0);
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

/* Place chunk k at the current position (space_before already decided). */
static void place_chunk(struct paginator *p, size_t k, hu_t space) {
  const struct pagedef *pd = p->pd;
  const struct galley_chunk *ch = &p->g->chunks[k];
  hu_t col_x = pd->margin_left +
               p->column * (paginate_column_width(pd) + pd->column_gap);
  hu_t top = pd->page_height - pd->margin_top - p->used - space;
  for (size_t i = 0; i < ch->nops; i++) {
    struct pg_op *op = page_op(p, p->page);
    *op = ch->ops[i];
    op->x += col_x;
    op->y = top - ch->ops[i].y;
    op->order = ((long)(k + 1) << 20) + (long)i + 1;
  }
  if (ch->outline >= 0) {
    struct pg_outline *o = &p->out->outlines[ch->outline];
    o->page = (int)p->page;
    o->y = top;
  }
  p->used += space + ch->height;
}

/* The next chunk of the flow at or after i (chunks on the back panel are
 * not in the flow); g->nchunks if none. */
static size_t flow_next(const struct paginator *p, size_t i) {
  while (i < p->g->nchunks && p->on_back[i]) i++;
  return i;
}

/* The last chunk of the run starting at flow chunk i. */
static size_t run_end(const struct paginator *p, size_t i) {
  size_t j = i;
  for (;;) {
    if (!p->g->chunks[j].keep_with_next) return j;
    size_t n = flow_next(p, j + 1);
    if (n >= p->g->nchunks || (p->g->chunks[n].flags & CHUNK_NEW_PAGE))
      return j;
    j = n;
  }
}

/* Height of the flow chunks [i, j] placed from the current position. */
static hu_t run_height(const struct paginator *p, size_t i, size_t j) {
  hu_t h = 0;
  for (size_t k = i; k <= j; k = flow_next(p, k + 1)) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    bool at_top = k == i && p->used == 0;
    h += (at_top ? 0 : ch->space_before) + ch->height;
  }
  return h;
}

static void place_run(struct paginator *p, size_t i, size_t j) {
  for (size_t k = i; k <= j; k = flow_next(p, k + 1))
    place_chunk(p, k, p->used == 0 ? 0 : p->g->chunks[k].space_before);
}

/* "does not fit" for a panels layout: what is left from chunk i on. */
static bool report_out_of_room(struct paginator *p, size_t i) {
  hu_t left = 0;
  for (size_t k = i; k < p->g->nchunks; k = flow_next(p, k + 1))
    left += p->g->chunks[k].space_before + p->g->chunks[k].height;
  const struct galley_chunk *ch = &p->g->chunks[i];
  diag_error(p->d, ch->pos,
             "handout '%s' does not fit the %d panels of layout '%s': this "
             "%s and what follows (%.0f pt of text) are left over (expected "
             "a shorter handout, or a layout with more pages; text is never "
             "cut)",
             p->doc->id, p->pd->npanels + (p->pd->has_back ? 1 : 0),
             p->pd->name, ch->what,
             HU_TO_PT(left));
  return false;
}

/* A run that cannot fit in an empty column: split it, or fail. */
static bool place_oversized(struct paginator *p, size_t i, size_t j) {
  const struct galley_chunk *first = &p->g->chunks[i];
  hu_t col = p->col_height;
  for (size_t k = i; k <= j; k = flow_next(p, k + 1)) {
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
  for (size_t k = i; k <= j; k = flow_next(p, k + 1)) {
    const struct galley_chunk *ch = &p->g->chunks[k];
    hu_t space = p->used == 0 ? 0 : ch->space_before;
    if (p->used + space + ch->height > col) {
      next_column(p);
      if (p->out_of_room) return report_out_of_room(p, k);
    }
    place_chunk(p, k, p->used == 0 ? 0 : ch->space_before);
  }
  return true;
}

/* The text flow: every chunk not set on the back panel. */
static bool place_flow(struct paginator *p) {
  const struct galley *g = p->g;
  const struct pagedef *pd = p->pd;
  if (pd->npanels)
    go_to(p, (size_t)pd->panels[0].page, pd->panels[0].column);
  else
    go_to(p, 0, 0);
  size_t i = flow_next(p, 0);
  while (i < g->nchunks) {
    if ((g->chunks[i].flags & CHUNK_NEW_PAGE) && p->used > 0)
      go_to(p, p->page + 1, 0);
    if (p->page >= PAGINATE_MAX_PAGES) {
      diag_error(p->d, g->chunks[i].pos,
                 "handout '%s' runs to more than %d pages in layout '%s' at "
                 "this %s (expected at most %d pages: split it into several "
                 "leaflets)",
                 p->doc->id, PAGINATE_MAX_PAGES, pd->name, g->chunks[i].what,
                 PAGINATE_MAX_PAGES);
      return false;
    }
    size_t j = run_end(p, i);
    if (p->used + run_height(p, i, j) <= p->col_height) {
      place_run(p, i, j);
    } else if (p->used > 0) {
      next_column(p);
      if (p->out_of_room) return report_out_of_room(p, i);
      continue; /* retry the same run at the top of the next column */
    } else if (!place_oversized(p, i, j)) {
      return false;
    }
    i = flow_next(p, j + 1);
  }
  return true;
}

/* ---- the back panel ------------------------------------------------------ */

/* Mark the chunks that go on the back panel: urgent boxes, and the Contact
 * us section from its heading up to the next level-1 heading. */
static void choose_back(struct paginator *p) {
  const struct galley *g = p->g;
  bool in_contact = false;
  for (size_t i = 0; i < g->nchunks; i++) {
    const struct galley_chunk *ch = &g->chunks[i];
    if (ch->outline >= 0 && g->outlines[ch->outline].level == 1)
      in_contact = strcmp(g->outlines[ch->outline].title,
                          PAGINATE_CONTACT_HEADING) == 0;
    p->on_back[i] = in_contact || (ch->flags & CHUNK_URGENT);
  }
}

static bool place_back(struct paginator *p) {
  const struct galley *g = p->g;
  const struct pagedef *pd = p->pd;
  go_to(p, (size_t)pd->back.page, pd->back.column);
  hu_t need = 0;
  for (size_t i = 0; i < g->nchunks; i++)
    if (p->on_back[i])
      need += (need ? g->chunks[i].space_before : 0) + g->chunks[i].height;
  if (need > p->col_height) {
    size_t first = 0;
    while (!p->on_back[first]) first++;
    diag_error(p->d, g->chunks[first].pos,
               "the urgent call-outs and \"%s\" of handout '%s' are %.0f pt "
               "tall (expected at most %.0f pt, the back panel of layout "
               "'%s', where a folded leaflet shows them: shorten them)",
               PAGINATE_CONTACT_HEADING, p->doc->id, HU_TO_PT(need),
               HU_TO_PT(p->col_height), pd->name);
    return false;
  }
  for (size_t i = 0; i < g->nchunks; i++)
    if (p->on_back[i])
      place_chunk(p, i, p->used == 0 ? 0 : g->chunks[i].space_before);
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

static hu_t footer_lead(const struct pagedef *pd) {
  return pd->leading * pd->footer_size / pd->body_size;
}

/* The footer's lines for page i of n; with emit false only counted (for
 * the room it needs).  Two lines in the bottom margin: the title; then
 * version and review date on the left and "Page X of Y" on the right.
 * Returns the number of lines, 0 on error. */
static size_t footer_page(struct paginator *p, const char *version, size_t i,
                          size_t n, bool emit) {
  const struct pagedef *pd = p->pd;
  hu_t content = pd->page_width - pd->margin_left - pd->margin_right;
  hu_t lead = footer_lead(pd);
  hu_t base = pd->margin_bottom / 2 - lead / 2;
  const struct item *ri, *vi, *ti;
  size_t rn, vn, tn;
  const char *right = arena_printf(p->arena, "Page %zu of %zu", i + 1, n);
  struct lb_line *rl = footer_lines(p, right, content, &ri, &rn);
  if (!rl) return 0;
  hu_t rw = lines_width(ri, &rl[0]);
  struct lb_line *vl = footer_lines(p, version, content - rw - lead, &vi, &vn);
  struct lb_line *tl = footer_lines(p, p->doc->title, content, &ti, &tn);
  if (!vl || !tl) return 0;
  if (!emit) return vn + tn;
  footer_op(p, i, ri, &rl[0], pd->margin_left + content - rw, base);
  for (size_t k = 0; k < vn; k++) /* never cut: extra lines go upwards */
    footer_op(p, i, vi, &vl[k], pd->margin_left, base + (hu_t)(vn - 1 - k) * lead);
  for (size_t k = 0; k < tn; k++)
    footer_op(p, i, ti, &tl[k], pd->margin_left,
              base + (hu_t)(vn + tn - 1 - k) * lead);
  return vn + tn;
}

/* "Version 1.0 · Review by 1 November 2028": the date never split (its
 * spaces are no-break spaces, UKAAF). */
static const char *footer_version(struct paginator *p) {
  char review[64];
  if (!format_long_date(p->doc->review_by, review, sizeof review))
    snprintf(review, sizeof review, "%s", p->doc->review_by);
  struct strbuf b = {0};
  for (const char *s = review; *s; s++)
    if (*s == ' ')
      strbuf_puts(&b, "\xC2\xA0");
    else
      strbuf_putc(&b, *s);
  const char *v = arena_printf(p->arena, "Version\xC2\xA0%s \xC2\xB7 Review by %s",
                               p->doc->version, b.data ? b.data : "");
  strbuf_free(&b);
  return v;
}

static bool has_footer(const struct pagedef *pd) {
  return pd->running_footer && pd->kind == PAGEDEF_LEAFLET;
}

/* The usable column height: the text area, ending at least half a footer
 * line above the footer's top (measured for the widest label, "Page 888 of
 * 888": DejaVu's digits all have one width). */
static bool measure_columns(struct paginator *p) {
  const struct pagedef *pd = p->pd;
  hu_t bottom = pd->margin_bottom;
  if (has_footer(pd)) {
    size_t n = footer_page(p, footer_version(p), 887, 888, false);
    if (!n) return false;
    hu_t lead = footer_lead(pd);
    const struct font *f = p->fs->face[FONT_REGULAR];
    hu_t asc = (hu_t)font_ascender(f) * pd->footer_size;
    hu_t top = pd->margin_bottom / 2 - lead / 2 + (hu_t)(n - 1) * lead + asc;
    if (top + lead / 2 > bottom) bottom = top + lead / 2;
  }
  p->col_height = pd->page_height - pd->margin_top - bottom;
  if (p->col_height < pd->leading) { /* not even one line of text */
    if (bottom > pd->margin_bottom) /* a title or version of many lines */
      diag_error(p->d, p->doc->pos,
                 "the running footer reaches %.1f pt up the page with this "
                 "title and version, leaving no room for text in layout '%s' "
                 "(expected a shorter title or version)",
                 HU_TO_PT(bottom), pd->name);
    else
      diag_error(p->d, pd->pos,
                 "the margins of layout '%s' leave %.1f pt of the page's "
                 "height for text (expected at least one line, %.1f pt)",
                 pd->name, HU_TO_PT(p->col_height), HU_TO_PT(pd->leading));
    return false;
  }
  return true;
}

static bool add_footers(struct paginator *p) {
  const char *version = footer_version(p);
  size_t n = p->out->npages;
  for (size_t i = 0; i < n; i++)
    if (!footer_page(p, version, i, n, true)) return false;
  return true;
}

/* ---- after the text -------------------------------------------------------- */

static void pad_pages(struct paginator *p) {
  int m = p->pd->page_multiple > 0 ? p->pd->page_multiple : 1;
  while (p->out->npages % (size_t)m) new_page(p);
}

/* Shift everything by the bleed: the MediaBox grows by it on every side and
 * the finished page sits inside it (page.h). */
static void apply_bleed(struct pg_doc *o, hu_t bleed) {
  if (bleed <= 0) return;
  o->page_width += 2 * bleed;
  o->page_height += 2 * bleed;
  for (size_t i = 0; i < o->npages; i++)
    for (size_t k = 0; k < o->pages[i].nops; k++) {
      o->pages[i].ops[k].x += bleed;
      o->pages[i].ops[k].y += bleed;
    }
  for (size_t i = 0; i < o->noutlines; i++) o->outlines[i].y += bleed;
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

  struct paginator p = {0};
  p.g = g, p.doc = doc, p.pd = pd, p.fs = fs, p.arena = arena, p.d = d;
  p.out = out;
  p.on_back = arena_alloc(arena, (g->nchunks + 1) * sizeof *p.on_back);
  if (!measure_columns(&p)) return false;
  bool back = pd->npanels && pd->has_back;
  if (back) choose_back(&p);
  if (pd->npanels) { /* a folded leaflet has all its pages, full or not */
    for (int i = 0; i < pd->npanels; i++) go_to(&p, (size_t)pd->panels[i].page, 0);
    if (back) go_to(&p, (size_t)pd->back.page, 0);
  }
  if (!place_flow(&p)) return false;
  if (back && !place_back(&p)) return false;
  if (has_footer(pd) && !add_footers(&p)) return false;
  pad_pages(&p);
  apply_bleed(out, pd->bleed);
  return true;
}
