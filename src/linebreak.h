/*
 * linebreak: Knuth-Plass total-fit line breaking.
 *
 * Input:  an item list (shape.h; only type, width, stretch, shrink, penalty
 *         and flagged are read, so tests can build lists with fake metrics)
 *         and lb_params.
 * Output: the chosen breaks as lines, from the arena.
 *
 * Justified: glue stretches and shrinks by the adjustment ratio.  Ragged
 * (params.ragged): interword glue keeps its natural width and each line
 * gets params.ragged_stretch of right-side stretch, so the optimum spreads
 * the raggedness evenly, as TeX's \raggedright does, instead of filling each
 * line greedily.
 *
 * Demerits as in TeX: (line_penalty + 100|r|^3)^2 plus penalty^2, plus
 * double_hyphen_demerits for two flagged breaks in a row, plus
 * final_hyphen_demerits if the second-last line ends in a hyphen, plus
 * adj_demerits when fitness classes of adjacent lines differ by more than 1.
 * First pass without hyphenation points (pretolerance), second with them,
 * and a last emergency pass that allows overfull lines (reported in
 * lb_line.overfull) rather than failing.
 */
#ifndef HANDOUT_LINEBREAK_H
#define HANDOUT_LINEBREAK_H

#include <stdbool.h>
#include <stddef.h>

#include "shape.h"
#include "util.h"

struct lb_params {
  hu_t line_width;
  double pretolerance;  /* max ratio for the first pass; < 0 skips it (1.0) */
  double tolerance;     /* max ratio for the second pass (2.0) */
  int line_penalty;     /* 10 */
  double double_hyphen_demerits; /* 10000 */
  double final_hyphen_demerits;  /* 5000 */
  double adj_demerits;           /* 10000 */
  bool ragged;
  hu_t ragged_stretch; /* right-side stretch per line when ragged */
  double expansion;    /* justified only: boxes stretch and shrink by this
                          fraction of their width too (font expansion) */
};

void lb_params_default(struct lb_params *p, hu_t line_width);

struct lb_line {
  size_t start;    /* first item drawn (discardables after a break skipped) */
  size_t end;      /* index of the break item; items [start, end) are drawn */
  double ratio;    /* adjustment ratio applied to the glue (0 if ragged) */
  bool hyphenated; /* break at a flagged penalty with width > 0: draw it */
  bool overfull;   /* no feasible break: the line is wider than the measure */
};

/* Returns the number of lines (>= 1 for a non-empty list) and stores them in
 * *lines (from arena). */
size_t linebreak(const struct item *items, size_t n, const struct lb_params *p,
                 struct arena *arena, struct lb_line **lines);

/* Width of glue item it on a line set with ratio r. */
hu_t lb_glue_width(const struct item *it, double r);

#endif
