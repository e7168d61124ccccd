/*
 * impose: pages onto printer's sheets.  See impose.h for the page order and
 * what is kept.
 *
 * Both impositions are the same operation: every source page is placed on
 * one or more sheet sides at an offset, its ops copied and translated.  A
 * placement records the source page, the side and the offset, so that the
 * outline entries can be moved with their page.
 */
#include "impose.h"

#include <string.h>

#define MARK_OFFSET HU_FROM_MM(1)     /* crop mark: gap to the trim edge */
#define MARK_LENGTH HU_FROM_MM(2.5)   /* crop mark: length */
#define MARK_WIDTH HU_FROM_PT(0.25)   /* crop mark: line width */
#define MARK_COLOR 0x000000u

void impose_saddle_side(size_t n, size_t s, size_t *left, size_t *right) {
  size_t k = s / 2;
  if (s % 2 == 0) { /* front: n-2k | 2k+1 (1-based) */
    *left = n - 2 * k - 1;
    *right = 2 * k;
  } else { /* back: 2k+2 | n-2k-1 */
    *left = 2 * k + 1;
    *right = n - 2 * k - 2;
  }
}

struct side {
  struct pg_op *ops;
  size_t n, cap;
};

static struct pg_op *side_op(struct arena *a, struct side *s) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 128;
    struct pg_op *ops = arena_alloc(a, ncap * sizeof *ops);
    if (s->n) memcpy(ops, s->ops, s->n * sizeof *ops);
    s->ops = ops;
    s->cap = ncap;
  }
  return &s->ops[s->n++];
}

/* The trim box of a source page (its finished area inside the bleed). */
struct box {
  hu_t x0, y0, x1, y1;
};

/* Cut a filled or stroked rectangle to box; false if nothing is left. */
static bool clip_rect(struct pg_op *op, const struct box *b) {
  /* PG_RECT: x, y is the bottom-left corner, w x h */
  hu_t x0 = op->x > b->x0 ? op->x : b->x0;
  hu_t y0 = op->y > b->y0 ? op->y : b->y0;
  hu_t x1 = op->x + op->w < b->x1 ? op->x + op->w : b->x1;
  hu_t y1 = op->y + op->h < b->y1 ? op->y + op->h : b->y1;
  if (x1 <= x0 || y1 <= y0) return false;
  op->x = x0, op->y = y0, op->w = x1 - x0, op->h = y1 - y0;
  return true;
}

/* Copy page src onto side at (dx, dy) (added to every coordinate).  A copy
 * (content false) is all artifacts and has no links; clip, if not NULL,
 * cuts rectangles to that box (source coordinates). */
static void place_page(struct arena *a, const struct pg_page *src,
                       struct side *side, hu_t dx, hu_t dy, bool content,
                       const struct box *clip) {
  for (size_t i = 0; i < src->nops; i++) {
    struct pg_op op = src->ops[i];
    if (!content && op.kind == PG_LINK) continue;
    if (op.kind == PG_RECT && clip && !clip_rect(&op, clip)) continue;
    if (!content) op.elem = -1;
    op.x += dx;
    op.y += dy;
    *side_op(a, side) = op;
  }
}

static void mark(struct arena *a, struct side *s, hu_t x, hu_t y, hu_t w,
                 hu_t h) {
  struct pg_op *op = side_op(a, s);
  memset(op, 0, sizeof *op);
  op->kind = PG_RECT;
  op->elem = -1;
  op->x = x, op->y = y, op->w = w, op->h = h;
  op->fill = MARK_COLOR;
  op->stroke = PG_NO_COLOR;
}

/* Eight thin marks outside the corners of the card at (x, y) w x h, each in
 * line with an edge. */
static void crop_marks(struct arena *a, struct side *s, hu_t x, hu_t y,
                       hu_t w, hu_t h) {
  hu_t t = MARK_WIDTH, o = MARK_OFFSET, l = MARK_LENGTH;
  hu_t xs[2] = {x, x + w}, ys[2] = {y, y + h};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      hu_t cx = xs[i], cy = ys[j];
      /* horizontal: along the edge y = cy, outside the left or right side */
      mark(a, s, i == 0 ? cx - o - l : cx + o, cy - t / 2, l, t);
      /* vertical: along the edge x = cx, below or above */
      mark(a, s, cx - t / 2, j == 0 ? cy - o - l : cy + o, t, l);
    }
}

struct placement {
  size_t side;
  hu_t dx, dy;
};

static void finish(const struct pg_doc *in, struct arena *arena,
                   struct side *sides, size_t nsides, hu_t w, hu_t h,
                   const struct placement *where, struct pg_doc *out) {
  *out = *in;
  out->page_width = w;
  out->page_height = h;
  out->bleed = 0;
  out->npages = nsides;
  out->pages = arena_alloc(arena, (nsides ? nsides : 1) * sizeof *out->pages);
  for (size_t i = 0; i < nsides; i++) {
    out->pages[i].ops = sides[i].ops;
    out->pages[i].nops = sides[i].n;
  }
  out->outlines =
      arena_alloc(arena, (in->noutlines + 1) * sizeof *out->outlines);
  for (size_t i = 0; i < in->noutlines; i++) {
    struct pg_outline o = in->outlines[i];
    const struct placement *p = &where[o.page];
    o.page = (int)p->side;
    o.y += p->dy;
    out->outlines[i] = o;
  }
}

static bool impose_saddle(const struct pg_doc *in, const struct pagedef *pd,
                          struct arena *arena, struct diag *d,
                          struct pg_doc *out) {
  size_t n = in->npages;
  if (n == 0 || n % 4 != 0) {
    diag_error(d, pd->pos,
               "%zu pages cannot be imposed as a saddle-stitched booklet "
               "(expected a multiple of 4: set page_multiple: 4 in layout "
               "'%s')",
               n, pd->name);
    return false;
  }
  const struct pagedef_sheet *sh = &pd->sheet;
  hu_t b = in->bleed;
  hu_t w = in->page_width - 2 * b, h = in->page_height - 2 * b;
  hu_t x0 = (sh->width - 2 * w) / 2, y0 = (sh->height - h) / 2;
  size_t nsides = n / 2;
  struct side *sides = arena_alloc(arena, nsides * sizeof *sides);
  struct placement *where = arena_alloc(arena, n * sizeof *where);
  for (size_t s = 0; s < nsides; s++) {
    size_t pages[2];
    impose_saddle_side(n, s, &pages[0], &pages[1]);
    for (int half = 0; half < 2; half++) {
      struct placement *p = &where[pages[half]];
      p->side = s;
      p->dx = x0 + half * w - b;
      p->dy = y0 - b;
      place_page(arena, &in->pages[pages[half]], &sides[s], p->dx, p->dy,
                 true, NULL);
    }
  }
  finish(in, arena, sides, nsides, sh->width, sh->height, where, out);
  return true;
}

static bool impose_cards(const struct pg_doc *in, const struct pagedef *pd,
                         struct arena *arena, struct diag *d,
                         struct pg_doc *out) {
  if (in->npages != 2) {
    diag_error(d, pd->pos,
               "a card of %zu pages cannot be imposed (expected 2: front and "
               "back, layout '%s')",
               in->npages, pd->name);
    return false;
  }
  const struct pagedef_sheet *sh = &pd->sheet;
  hu_t b = in->bleed;
  hu_t w = in->page_width - 2 * b, h = in->page_height - 2 * b;
  struct box trim = {b, b, b + w, b + h};
  hu_t gw = sh->columns * w + (sh->columns - 1) * sh->gap;
  hu_t gh = sh->rows * h + (sh->rows - 1) * sh->gap;
  hu_t gx = (sh->width - gw) / 2, gy = (sh->height - gh) / 2;
  struct side *sides = arena_alloc(arena, 2 * sizeof *sides);
  struct placement where[2] = {{0, 0, 0}, {1, 0, 0}};
  for (int r = 0; r < sh->rows; r++)
    for (int c = 0; c < sh->columns; c++) {
      bool first = r == 0 && c == 0;
      hu_t x = gx + c * (w + sh->gap);
      hu_t y = sh->height - gy - (r + 1) * h - r * sh->gap;
      for (size_t s = 0; s < 2; s++) {
        /* the back turns over on the sheet's vertical axis */
        hu_t sx = s == 0 ? x : sh->width - x - w;
        place_page(arena, &in->pages[s], &sides[s], sx - b, y - b, first,
                   &trim);
        if (first) where[s] = (struct placement){s, sx - b, y - b};
      }
    }
  if (sh->crop_marks)
    for (int r = 0; r < sh->rows; r++)
      for (int c = 0; c < sh->columns; c++) {
        hu_t x = gx + c * (w + sh->gap);
        hu_t y = sh->height - gy - (r + 1) * h - r * sh->gap;
        crop_marks(arena, &sides[0], x, y, w, h);
        crop_marks(arena, &sides[1], sh->width - x - w, y, w, h);
      }
  finish(in, arena, sides, 2, sh->width, sh->height, where, out);
  return true;
}

bool impose_doc(const struct pg_doc *in, const struct pagedef *pd,
                struct arena *arena, struct diag *d, struct pg_doc *out) {
  switch (pd->sheet.imposition) {
  case IMPOSE_SADDLE: return impose_saddle(in, pd, arena, d, out);
  case IMPOSE_CARDS: return impose_cards(in, pd, arena, d, out);
  case IMPOSE_NONE:
  case IMPOSE__MAX: break;
  }
  *out = *in;
  return true;
}
