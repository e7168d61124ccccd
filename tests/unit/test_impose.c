/*
 * test_impose: the saddle-stitch page order, and impose_doc() on small
 * hand-made page models (booklet spreads and a sheet of cards).
 */
#include <stdlib.h>

#include "harness.h"
#include "impose.h"
#include "util.h"

/* The order written out for n = 8 and 12, 1-based, as printers list it. */
static void test_known_orders(void) {
  static const size_t eight[4][2] = {{8, 1}, {2, 7}, {6, 3}, {4, 5}};
  for (size_t s = 0; s < 4; s++) {
    size_t l, r;
    impose_saddle_side(8, s, &l, &r);
    INT_EQ(l + 1, eight[s][0], "8 pages, side %zu left", s);
    INT_EQ(r + 1, eight[s][1], "8 pages, side %zu right", s);
  }
  static const size_t twelve[6][2] = {{12, 1}, {2, 11}, {10, 3},
                                      {4, 9},  {8, 5},  {6, 7}};
  for (size_t s = 0; s < 6; s++) {
    size_t l, r;
    impose_saddle_side(12, s, &l, &r);
    INT_EQ(l + 1, twelve[s][0], "12 pages, side %zu left", s);
    INT_EQ(r + 1, twelve[s][1], "12 pages, side %zu right", s);
  }
  size_t l, r;
  impose_saddle_side(4, 0, &l, &r);
  OK(l == 3 && r == 0, "4 pages: front is 4 | 1");
  impose_saddle_side(4, 1, &l, &r);
  OK(l == 1 && r == 2, "4 pages: back is 2 | 3");
}

/* For every n: each page once; each spread adds up to n + 1; on the front
 * of a sheet the odd page is on the right, on the back on the left; the
 * back of a sheet holds the pages next to its front's (k+1 behind k). */
static void test_invariants(void) {
  for (size_t n = 4; n <= 64; n += 4) {
    int *seen = calloc(n, sizeof *seen);
    bool ok = true;
    for (size_t s = 0; s < n / 2; s++) {
      size_t l, r;
      impose_saddle_side(n, s, &l, &r);
      if (l >= n || r >= n) {
        ok = false;
        continue;
      }
      seen[l]++, seen[r]++;
      if (l + r + 2 != n + 1) ok = false;
      bool front = s % 2 == 0;
      if (front ? (r % 2 != 0) : (l % 2 != 1)) ok = false; /* 0-based */
      if (!front) {
        size_t fl, fr;
        impose_saddle_side(n, s - 1, &fl, &fr);
        /* turned over on the vertical axis: left of the back is behind the
         * right of the front, and is the page after it */
        if (l != fr + 1 || r + 1 != fl) ok = false;
      }
    }
    for (size_t i = 0; i < n; i++)
      if (seen[i] != 1) ok = false;
    OK(ok, "saddle-stitch order for %zu pages", n);
    free(seen);
  }
}

static struct pg_op text_op(hu_t x, hu_t y, int elem, long order) {
  struct pg_op op = {0};
  op.kind = PG_TEXT;
  op.elem = elem;
  op.x = x, op.y = y;
  op.order = order;
  op.fill = op.stroke = PG_NO_COLOR;
  return op;
}

static void test_booklet_doc(void) {
  struct arena *a = arena_new();
  struct pagedef pd = {0};
  pd.name = "test";
  pd.page_width = HU_FROM_MM(148), pd.page_height = HU_FROM_MM(210);
  pd.sheet = (struct pagedef_sheet){IMPOSE_SADDLE, HU_FROM_MM(297),
                                    HU_FROM_MM(210), 1, 1, 0, false, false};
  struct pg_page pages[8] = {0};
  struct pg_op ops[8];
  for (int i = 0; i < 6; i++) { /* pages 7 and 8 blank */
    ops[i] = text_op(HU_FROM_MM(10), HU_FROM_MM(100), 1, i + 1);
    pages[i].ops = &ops[i];
    pages[i].nops = 1;
  }
  struct pg_outline outl = {"Heading", 1, 2, HU_FROM_MM(150)}; /* page 3 */
  struct pg_doc in = {0};
  in.page_width = pd.page_width, in.page_height = pd.page_height;
  in.pages = pages, in.npages = 8;
  in.outlines = &outl, in.noutlines = 1;
  struct diag d;
  diag_init(&d, stderr);
  struct pg_doc out;
  OK(impose_doc(&in, &pd, a, &d, &out), "booklet imposes");
  INT_EQ(out.npages, 4, "8 pages on 4 sides");
  INT_EQ(out.page_width, HU_FROM_MM(297), "A4 landscape");
  INT_EQ(out.bleed, 0, "no bleed on the sheet");
  /* side 0 = [8 | 1]: page 8 blank, page 1 on the right half */
  INT_EQ(out.pages[0].nops, 1, "sheet 1 front: one page with text");
  hu_t x0 = (HU_FROM_MM(297) - 2 * HU_FROM_MM(148)) / 2;
  INT_EQ(out.pages[0].ops[0].x, x0 + HU_FROM_MM(148) + HU_FROM_MM(10),
         "page 1 on the right, full size");
  INT_EQ(out.pages[0].ops[0].order, 1, "order kept");
  INT_EQ(out.pages[0].ops[0].elem, 1, "element kept");
  /* side 2 = [6 | 3]: the outline on page 3 moves to side 2 */
  INT_EQ(out.outlines[0].page, 2, "outline follows its page");
  /* side 3 = [4 | 5] */
  OK(out.pages[3].nops == 2 && out.pages[3].ops[0].order == 4 &&
         out.pages[3].ops[1].order == 5,
     "centre spread: pages 4 and 5");

  in.npages = 6; /* not a multiple of 4 */
  FILE *devnull = fopen("/dev/null", "w");
  struct diag q;
  diag_init(&q, devnull ? devnull : stderr);
  OK(!impose_doc(&in, &pd, a, &q, &out), "6 pages are refused");
  if (devnull) fclose(devnull);
  arena_free(a);
}

static void test_card_sheet(void) {
  struct arena *a = arena_new();
  struct pagedef pd = {0};
  pd.name = "card";
  pd.kind = PAGEDEF_CARD;
  hu_t w = HU_FROM_MM(85.6), h = HU_FROM_MM(53.98), b = HU_FROM_MM(2);
  pd.page_width = w, pd.page_height = h, pd.bleed = b;
  pd.sheet = (struct pagedef_sheet){IMPOSE_CARDS, HU_FROM_MM(210),
                                    HU_FROM_MM(297), 2, 5, HU_FROM_MM(4),
                                    true, true};
  /* front: a band running into the bleed, and a line of text */
  struct pg_op front[2];
  front[0] = (struct pg_op){.kind = PG_RECT, .elem = -1, .x = 0, .y = h,
                            .w = w + 2 * b, .h = HU_FROM_MM(12) + b,
                            .fill = 0xb00020, .stroke = PG_NO_COLOR};
  front[1] = text_op(b + HU_FROM_MM(3), b + HU_FROM_MM(30), 1, 1);
  struct pg_op back[1] = {text_op(b + HU_FROM_MM(3), b + HU_FROM_MM(40), 2, 2)};
  struct pg_page pages[2] = {{front, 2}, {back, 1}};
  struct pg_doc in = {0};
  in.page_width = w + 2 * b, in.page_height = h + 2 * b, in.bleed = b;
  in.pages = pages, in.npages = 2;
  struct diag d;
  diag_init(&d, stderr);
  struct pg_doc out;
  OK(impose_doc(&in, &pd, a, &d, &out), "cards impose");
  INT_EQ(out.npages, 2, "a front sheet and a back sheet");
  INT_EQ(out.page_width, HU_FROM_MM(210), "A4 portrait");
  size_t texts = 0, content = 0, rects = 0, marks = 0;
  hu_t first_x = 0;
  for (size_t i = 0; i < out.pages[0].nops; i++) {
    const struct pg_op *op = &out.pages[0].ops[i];
    if (op->kind == PG_TEXT) {
      texts++;
      if (op->elem >= 0) content++, first_x = op->x;
    } else if (op->fill == 0xb00020) {
      rects++;
      OK(op->w == w, "band cut to the card's width");
    } else {
      marks++;
    }
  }
  INT_EQ(texts, 10, "ten fronts");
  INT_EQ(content, 1, "only the first is content");
  INT_EQ(rects, 10, "ten bands");
  INT_EQ(marks, 80, "eight crop marks per card");
  hu_t gx = (HU_FROM_MM(210) - 2 * w - HU_FROM_MM(4)) / 2;
  INT_EQ(first_x, gx + HU_FROM_MM(3), "first card top left");
  /* the back of the first card is behind it: mirrored to the top right */
  hu_t back_x = -1;
  for (size_t i = 0; i < out.pages[1].nops; i++)
    if (out.pages[1].ops[i].kind == PG_TEXT && out.pages[1].ops[i].elem >= 0)
      back_x = out.pages[1].ops[i].x;
  INT_EQ(back_x, HU_FROM_MM(210) - gx - w + HU_FROM_MM(3),
         "first back mirrored to the right");
  arena_free(a);
}

int main(void) {
  test_known_orders();
  test_invariants();
  test_booklet_doc();
  test_card_sheet();
  return harness_done();
}
