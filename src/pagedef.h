/*
 * pagedef: one print layout (layouts/NAME.yaml) as typed values.
 *
 * Input:  built by load_pagedef() (load.h).
 * Output: read by compose, paginate and render.
 *
 * Ownership: strings point into pagedef->arena; pagedef_free() frees all.
 * Lengths are hu (util.h), font sizes cpt (1/100 pt), colours 0xRRGGBB.
 */
#ifndef HANDOUT_PAGEDEF_H
#define HANDOUT_PAGEDEF_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

enum pagedef_align { ALIGN_LEFT, ALIGN_JUSTIFY, ALIGN__MAX };

#define PAGEDEF_MAX_FALLBACKS 4

struct pagedef_colors {
  uint32_t text;       /* body text */
  uint32_t heading;    /* headings and title */
  uint32_t link;       /* link text */
  uint32_t rule;       /* rules under the title, table lines */
  uint32_t info_bg, info_border;
  uint32_t warning_bg, warning_border;
  uint32_t urgent_bg, urgent_border;
};

struct pagedef {
  const char *name; /* "a4" */
  const char *path; /* file as found */
  struct src_pos pos;

  hu_t page_width, page_height;
  hu_t margin_top, margin_bottom, margin_left, margin_right;
  hu_t bleed; /* 0 unless the layout declares one */
  int columns;
  hu_t column_gap;

  const char *font_regular; /* file names inside fonts/ */
  const char *font_bold;
  const char *font_fallback[PAGEDEF_MAX_FALLBACKS];
  int nfallbacks;

  int body_size;  /* cpt */
  hu_t leading;   /* baseline to baseline of body text */
  enum pagedef_align align;
  bool hyphenate;
  const char *hyphen_language; /* "en-US": libhyphen dictionary */
  hu_t paragraph_space; /* vertical space between blocks */
  double expansion;     /* justified lines: glyphs may widen or narrow by up
                           to this fraction (0.02 = 2%), as pdfTeX's font
                           expansion; 0 = off */

  int title_size, subtitle_size, h1_size, h2_size; /* cpt */
  int footer_size;                                  /* cpt */
  int min_body_size; /* cpt: the layout's floor, for lint and fixed cards */

  struct pagedef_colors colors;

  struct arena *arena;
};

void pagedef_free(struct pagedef *p);

#endif
