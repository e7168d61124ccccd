/*
 * pdffix: the last pass over libharu's output, with libqpdf.  The only
 * includer of qpdf-c.h.
 *
 * Rewrites the PDF with object streams (they also compress libharu's large
 * /W arrays), a deterministic /ID (so the same input gives the same bytes),
 * and every Type0 font's /ToUnicode replaced by a valid CMap (libharu writes
 * its encoding CMap there, which poppler warns about).
 *
 * Input/output: PDF bytes in memory; the result is malloc'd, caller frees.
 * Errors: reported through diag; returns NULL.
 */
#ifndef HANDOUT_PDFFIX_H
#define HANDOUT_PDFFIX_H

#include <stddef.h>

#include "diag.h"

unsigned char *pdffix_finish(const unsigned char *pdf, size_t len,
                             struct diag *d, size_t *len_out);

#endif
