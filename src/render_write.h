/*
 * render_write: part of the render module (only render.c includes this
 * header).  Serializes a finished libharu document to PDF bytes in place of
 * HPDF_SaveToStream, so that no second pass (qpdf) is needed:
 *
 *   - every object that is not a stream goes into object streams, and the
 *     cross-reference table is an xref stream (PDF 1.5), both deflated: the
 *     structure tree and libharu's /W arrays would otherwise be most of a
 *     leaflet's bytes;
 *   - objects are renumbered densely in libharu's order, and the separate
 *     indirect /Length objects libharu makes for streams are dropped
 *     (lengths are written direct);
 *   - each stream is deflated once, here, when its dict asks for FlateDecode
 *     (dict->filter); a stream whose dict already carries its own /Filter
 *     (a pre-compressed image, a JPEG) is copied as it is;
 *   - the /ID is a 128-bit hash (two FNV-1a) of everything written before
 *     the xref stream, so the same document gives the same bytes.
 *
 * Ownership: the result is malloc'd (caller frees).  The document is
 * modified (hooks run, objects renumbered) and must only be freed after.
 * Errors: returns NULL and sets *why to a static description of the step;
 * libharu's own error, if any, is left in pdf->error for the caller.
 */
#ifndef HANDOUT_RENDER_WRITE_H
#define HANDOUT_RENDER_WRITE_H

#include <stddef.h>

#include <hpdf.h>

/* Deflate level for the streams of one document (zlib 1..9). */
#define RENDER_DEFLATE_LEVEL 6

unsigned char *render_write_pdf(HPDF_Doc pdf, size_t *len_out,
                                const char **why);

/* n bytes deflated (zlib format, as /FlateDecode wants) at level; appends
 * to out.  Returns false only if zlib fails (out of memory). */
struct strbuf;
_Bool render_deflate(const void *data, size_t n, int level, struct strbuf *out);

#endif
