/*
 * impose: finished pages onto the printer's sheets (--impose).
 *
 * Input:  struct pg_doc from paginate (page.h) and the layout's sheet
 *         (pagedef.sheet).
 * Output: a new struct pg_doc (from the arena) whose pages are the sides of
 *         the sheets, in printing order (sheet 1 front, sheet 1 back, ...),
 *         for double-sided printing with the sheet turned over on its
 *         vertical axis ("flip on short edge" for a landscape sheet, "flip on
 *         long edge" for a portrait one).  Pages are placed at full size,
 *         never scaled; their ops are translated, keep their structure
 *         element and reading order (pg_op.order), so the structure tree,
 *         bookmarks and text extraction still follow the reading order.
 *
 * IMPOSE_SADDLE (a5-booklet): n pages (n a multiple of 4; paginate pads
 *   with blank pages) on n/4 sheets, two pages side by side, centred on the
 *   sheet; fold the stack in the middle and staple on the fold.  Sheet k
 *   (0-based, outermost first):
 *     front: left = page n-2k,  right = page 2k+1
 *     back:  left = page 2k+2,  right = page n-2k-1      (1-based pages)
 *   so each spread's two page numbers add up to n+1 and the pages read in
 *   order once folded.  The source's bleed is dropped (pages are placed by
 *   their trim box).
 *
 * IMPOSE_CARDS (wallet-card-sheet): a two-page card (front, back) on one
 *   sheet: columns x rows copies of the front on side 1 and of the back on
 *   side 2, the back mirrored left to right so that each back prints behind
 *   its front; the grid is centred with sheet.gap between cards, and with
 *   crop_marks each card gets thin marks outside its corners, in line with
 *   its edges.  Fills and rules are cut to the card's trim box (an office
 *   sheet has no bleed; a print shop uses the card layout itself, which
 *   has one).  Only the first card of each side is content: the other
 *   copies and the marks are artifacts, so screen readers and text
 *   extraction read the card once.  Link annotations are kept on the first
 *   card only.
 *
 * Errors: a document that does not suit the imposition (a page count that
 * is not a multiple of 4; a card that is not two pages) is reported through
 * diag; returns false.
 */
#ifndef HANDOUT_IMPOSE_H
#define HANDOUT_IMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "page.h"
#include "pagedef.h"

/* Saddle-stitch order: the 0-based pages on side s (0-based: sheet s/2,
 * front if s is even) of a booklet of n pages (n % 4 == 0). */
void impose_saddle_side(size_t n, size_t s, size_t *left, size_t *right);

bool impose_doc(const struct pg_doc *in, const struct pagedef *pd,
                struct arena *arena, struct diag *d, struct pg_doc *out);

#endif
