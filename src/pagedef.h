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
#define PAGEDEF_MAX_PANELS 12

/* leaflet: the handout's sections in pages or panels; card: its card: part
 * (front on page 1, back on page 2), see compose.h. */
enum pagedef_kind { PAGEDEF_LEAFLET, PAGEDEF_CARD, PAGEDEF_KIND__MAX };

/* One column of one page (both 0-based): a panel of a folded leaflet. */
struct pagedef_slot {
  int page, column;
};

/* How pages go onto the printer's sheet (impose.h). */
enum pagedef_imposition {
  IMPOSE_NONE,   /* no sheet: the layout is never imposed */
  IMPOSE_SADDLE, /* saddle-stitch booklet: two pages per sheet side */
  IMPOSE_CARDS,  /* card: columns x rows copies per sheet side, crop marks */
  IMPOSE__MAX
};

struct pagedef_sheet {
  enum pagedef_imposition imposition;
  hu_t width, height; /* the sheet */
  int columns, rows;  /* IMPOSE_CARDS: copies across and down */
  hu_t gap;           /* IMPOSE_CARDS: space between cards */
  bool crop_marks;    /* IMPOSE_CARDS: marks outside each card's corners */
  bool always;        /* impose without --impose (wallet-card-sheet) */
};

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
  bool running_footer; /* footer: running: title, version, "Page X of Y" */

  struct pagedef_colors colors;

  /* What is laid out and how pages are cut (see load.c LAYOUT SCHEMA). */
  enum pagedef_kind kind;
  struct pagedef_slot panels[PAGEDEF_MAX_PANELS]; /* flow order; npanels 0:
                                                     columns page by page */
  int npanels;
  bool has_back;            /* back: slot for urgent call-outs + Contact us */
  struct pagedef_slot back;
  int page_multiple;        /* pad with blank pages to a multiple; 1 = none */
  struct pagedef_sheet sheet;

  struct arena *arena;
};

void pagedef_free(struct pagedef *p);

#endif
