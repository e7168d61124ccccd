/*
 * compose: the document's blocks to a galley, a column-wide vertical list of
 * chunks ready to be cut into pages.
 *
 * Input:  struct doc (variables resolved), the clinic profile, struct
 *         pagedef, the fontset and hyphenator, and the column width.
 * Output: struct galley (from the arena): chunks in reading order, the
 *         structure elements (tagged PDF) and the outline entries.
 *
 * Paragraphs are shaped (shape.h) and broken into lines (linebreak.h); each
 * text line becomes a chunk, so pages may break between lines.  Keep rules
 * are expressed as keep_with_next on chunks: a heading keeps with the first
 * two lines after it; paragraphs of up to three lines stay whole; longer
 * ones keep their first two and last two lines together (no orphans, no
 * widows).  Call-out boxes, table rows, images and QR codes are one chunk
 * each and are never split.  The title block carries the clinic's logo (top
 * right), name and department, and for a demo profile a "Demo leaflet"
 * line.  After the handout's sections, compose adds "Contact us" (from the
 * clinic profile), "Sources" and "About this leaflet" (from the metadata and
 * the profile's feedback route), so every leaflet carries them in the same
 * form.
 *
 * Errors: from shape (missing glyphs), images; returns false.
 */
#ifndef HANDOUT_COMPOSE_H
#define HANDOUT_COMPOSE_H

#include <stdbool.h>

#include "diag.h"
#include "doc.h"
#include "font.h"
#include "hyph.h"
#include "page.h"
#include "pagedef.h"
#include "site.h"

/* What paginate needs to know about a chunk beyond its size. */
enum galley_flag {
  CHUNK_URGENT = 1 << 0,   /* an urgent call-out box: goes to the back panel
                              of a folded leaflet (pagedef.back) */
  CHUNK_NEW_PAGE = 1 << 1, /* starts a new page (the back of a card) */
};

/* Ops in a chunk use chunk coordinates: x from the column's left edge, y
 * measured DOWN from the chunk's top to the op's baseline (PG_TEXT) or to its
 * bottom edge (every other kind). */
struct galley_chunk {
  hu_t height;
  hu_t space_before;   /* dropped at the top of a column */
  bool keep_with_next; /* no page or column break after this chunk */
  struct pg_op *ops;
  size_t nops;
  int outline;         /* index into galley.outlines, or -1 */
  struct src_pos pos;  /* source of the block, for "does not fit" errors */
  const char *what;    /* "paragraph line", "call-out box", ... */
  unsigned flags;      /* enum galley_flag */
};

struct galley {
  hu_t width;
  struct galley_chunk *chunks;
  size_t nchunks;
  struct pg_elem *elems; /* [0] is the Document root */
  size_t nelems;
  struct pg_outline *outlines; /* page and y are filled in by paginate */
  size_t noutlines;
};

/* site may be NULL: no clinic parts (tests). */
bool compose_doc(const struct doc *doc, const struct site *site,
                 const struct pagedef *pd, struct fontset *fs, struct hyph *hy,
                 hu_t column_width, struct arena *arena, struct diag *d,
                 struct galley *out);

/*
 * The wallet card (layout kind card) instead of the leaflet: the handout's
 * card: part, the front as page 1 and the back as page 2 (the first chunk of
 * the back has CHUNK_NEW_PAGE).  Each side is a bold title on a coloured
 * band (front) or in the urgent colour (back), then its lines (bulleted on
 * the back: the red flags) and its note, at the layout's body size; a side
 * that does not fit the card is set again 0.5 pt smaller, down to the
 * layout's min_size, and is then an error at the side naming the handout
 * and how many lines fit.  A handout without a card: part is an error.
 * The whole card is composed for the page size minus the margins
 * (column_width is ignored).
 */
bool compose_card(const struct doc *doc, const struct pagedef *pd,
                  struct fontset *fs, struct arena *arena, struct diag *d,
                  struct galley *out);

#endif
