/*
 * render: the page model to PDF bytes.  The only includer of hpdf.h.
 *
 * Input:  struct pg_doc (page.h) and the fontset its items refer to.
 * Output: a finished PDF in memory (malloc'd; caller frees): object streams,
 *         an xref stream, a deterministic /ID (render_write.h).
 *
 * Fonts: per document, each face is subset to the code points the document
 * uses (font_subset, hb-subset) and embedded as a UTF-8 Type0 font; text is
 * drawn with TJ arrays (kerning and justification), written into libharu's
 * page stream through its exported internals.  Also: marked content and the
 * structure tree (tagged PDF), /Lang, /MarkInfo, URI links, outlines,
 * TrimBox/BleedBox, document info with fixed dates, images decoded with
 * libpng (image.h) or checked JPEGs, QR codes from libqrencode as vectors.
 *
 * Errors: libharu errors are recorded by its handler and reported through
 * diag as "handout: error: PDF library: ..." with the failing step; returns
 * NULL.  Nothing is written to disk here.
 */
#ifndef HANDOUT_RENDER_H
#define HANDOUT_RENDER_H

#include <stddef.h>

#include "diag.h"
#include "font.h"
#include "page.h"

/* Work kept between documents by one process (a batch worker), each a pure
 * function of its key, so output never depends on what was rendered before:
 *   - each image file's embeddable form (decoded, a palette if it has few
 *     colours, rows PNG-filtered and deflated once), checked against the
 *     file's device, inode, size and modification time on every use;
 *   - each font subset (per font file and set of code points drawn), with
 *     its glyph IDs and ToUnicode CMap, deflated;
 *   - each QR code's modules (per text).
 * Each kind holds at most a few dozen entries and is emptied when full.
 * Not thread safe: one per worker.  render_cache_free(NULL) is a no-op. */
struct render_cache;
struct render_cache *render_cache_new(void);
void render_cache_free(struct render_cache *rc);

/* cache may be NULL (nothing kept after the call). */
unsigned char *render_pdf(const struct pg_doc *pg, struct fontset *fs,
                          struct render_cache *cache, struct diag *d,
                          size_t *len_out);

#endif
