/*
 * page: the page model, output of paginate and input of render.
 *
 * A struct pg_doc is the finished layout: pages of positioned drawing
 * operations, the structure tree (tagged PDF) in reading order, the outline
 * (bookmarks) and the document information.  Render draws it without making
 * any layout decision.
 *
 * Coordinates are hu from the bottom-left corner of the page (PDF's
 * convention).  Text ops give the baseline origin of a line.
 *
 * Ownership: everything is from the arena given to paginate; items point
 * into the item lists shape made in the same arena.
 */
#ifndef HANDOUT_PAGE_H
#define HANDOUT_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shape.h"
#include "util.h"

/* Structure roles (PDF 1.7 standard structure types, ISO 32000-1 14.8.4). */
enum pg_role {
  ROLE_DOCUMENT, ROLE_SECT, ROLE_DIV, ROLE_H1, ROLE_H2, ROLE_H3, ROLE_P, ROLE_L,
  ROLE_LI, ROLE_LBL, ROLE_LBODY, ROLE_TABLE, ROLE_TR, ROLE_TH, ROLE_TD,
  ROLE_FIGURE, ROLE_CAPTION, ROLE__MAX
};

struct pg_elem {
  enum pg_role role;
  int parent;      /* index in pg_doc.elems; -1 for the Document root */
  const char *alt; /* ROLE_FIGURE: alternative text (required) */
};

enum pg_op_kind {
  PG_TEXT,  /* a line of items */
  PG_RECT,  /* filled and/or stroked rectangle */
  PG_IMAGE, /* an image file scaled into x, y, w, h */
  PG_QR,    /* a QR code of url drawn as vectors into x, y, w, w */
  PG_LINK,  /* a URI link annotation over x, y, w, h (draws nothing) */
  PG__MAX
};

#define PG_NO_COLOR 0xFFFFFFFFu

struct pg_op {
  enum pg_op_kind kind;
  int elem;        /* structure element it belongs to; -1 = artifact */
  long order;      /* position in reading order (paginate numbers the ops it
                      places from the galley); render orders an element's
                      content by it, so text stays in reading order when the
                      pages are drawn in another order (panels, imposition).
                      0: drawing order */
  hu_t x, y, w, h; /* TEXT: x, y = baseline origin; w = line width */

  /* PG_TEXT */
  const struct item *items; /* the line's items, drawn in order */
  size_t nitems;
  double ratio;       /* glue set ratio (lb_glue_width) */
  double scale;       /* horizontal scale of the boxes' glyphs (font
                         expansion of justified lines); 0 or 1 = none */
  bool hyphen;        /* draw a hyphen after the last box */

  /* PG_RECT */
  uint32_t fill;      /* 0xRRGGBB or PG_NO_COLOR */
  uint32_t stroke;    /* 0xRRGGBB or PG_NO_COLOR */
  hu_t line_width;

  /* PG_IMAGE: path; PG_QR and PG_LINK: url */
  const char *path;
  const char *url;
};

struct pg_page {
  struct pg_op *ops;
  size_t nops;
};

struct pg_outline {
  const char *title; /* UTF-8 plain text */
  int level;         /* 1 (section) or 2 (subsection) */
  int page;          /* 0-based */
  hu_t y;            /* top of the heading */
};

struct pg_doc {
  hu_t page_width, page_height; /* the MediaBox: trimmed size + 2 x bleed */
  hu_t bleed; /* BleedBox = MediaBox; TrimBox inset by bleed on each side.
                 Paginate shifts every op by bleed, so the finished page's
                 bottom-left corner is at (bleed, bleed) */

  struct pg_page *pages;
  size_t npages;

  struct pg_elem *elems; /* elems[0] is the Document root; reading order */
  size_t nelems;

  struct pg_outline *outlines;
  size_t noutlines;

  /* document information, UTF-8 */
  const char *title;
  const char *subject;
  const char *author;
  const char *keywords;
  const char *language; /* BCP 47, for /Lang */
  const char *date;     /* D:YYYYMMDDHHmmSS+00'00' for Creation/ModDate */
};

#endif
