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

/* Column width of the layout (content width split into its columns). */
hu_t paginate_column_width(const struct pagedef *pd);

/* date: "D:YYYYMMDDHHmmSS+00'00'" for the document information. */
bool paginate(const struct galley *g, const struct doc *doc,
              const struct pagedef *pd, struct fontset *fs, const char *date,
              struct arena *arena, struct diag *d, struct pg_doc *out);

#endif
