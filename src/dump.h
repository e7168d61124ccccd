/*
 * dump: each stage's output as plain text, for golden tests and debugging
 * (--dump=tree|lines|pages).  Lengths print in points with two decimals, so
 * the dumps are exact and independent of the locale.
 */
#ifndef HANDOUT_DUMP_H
#define HANDOUT_DUMP_H

#include <stdio.h>

#include "compose.h"
#include "doc.h"
#include "page.h"

void dump_tree(FILE *out, const struct doc *doc);
void dump_lines(FILE *out, const struct galley *g);
void dump_pages(FILE *out, const struct pg_doc *pg);

#endif
