/*
 * paginate: the galley to pages.
 *
 * Input:  struct galley (compose.h), the doc (for footer text) and pagedef.
 * Output: struct pg_doc (page.h), from the arena: chunks placed into the
 *         layout's columns page by page, honouring keep_with_next, dropping
 *         space_before at the top of a column, plus a running footer on every
 *         page (title, version, review date, "Page X of Y") marked as an
 *         artifact, outline entries with their page and position, and the
 *         document information.
 *
 * A break is taken at the last legal point (after a chunk without
 * keep_with_next) before the column overflows.  A run of chunks kept
 * together that is taller than a column cannot be placed: it is an error at
 * the run's source position, never a silent overflow or truncation.
 *
 * A handout that needs more than PAGINATE_MAX_PAGES pages is an error at the
 * block that would start the next page (it bounds render's time and memory;
 * real leaflets have 2 to 12 pages).
 *
 * Layout variants (pagedef.h): panels (a folded leaflet: a fixed set of
 * pages, the text flowing through pagedef.panels in order, urgent call-outs
 * and "Contact us" on the back panel; text left over is an error naming the
 * handout); cards (no footer, CHUNK_NEW_PAGE starts the back);
 * page_multiple (blank pages at the end); bleed (the page grows by it on
 * every side and every op moves with it).  Every op gets pg_op.order, its
 * place in the reading order.  The running footer's height is measured
 * first and the text area ends above it, whatever the footer size.
 */
#ifndef HANDOUT_PAGINATE_H
#define HANDOUT_PAGINATE_H

#include <stdbool.h>

#include "compose.h"
#include "diag.h"
#include "doc.h"
#include "font.h"
#include "page.h"
#include "pagedef.h"

#define PAGINATE_MAX_PAGES 100

/* Column width of the layout (content width split into its columns). */
hu_t paginate_column_width(const struct pagedef *pd);

/* date: "D:YYYYMMDDHHmmSS+00'00'" for the document information. */
bool paginate(const struct galley *g, const struct doc *doc,
              const struct pagedef *pd, struct fontset *fs, const char *date,
              struct arena *arena, struct diag *d, struct pg_doc *out);

#endif
