/*
 * image: image files, checked and decoded without trusting them.
 * The only includer of png.h and jpeglib.h.
 *
 * PNG: decoded with libpng's simplified API (never aborts the process) to 8-bit
 * gray or RGB plus an optional 8-bit alpha plane; 16-bit and interlaced
 * files work.  JPEG: the header and the whole scan are decoded with libjpeg
 * to prove the file is intact; the bytes are then passed through as DCT.
 *
 * Ownership: struct image and its buffers are malloc'd; image_free().
 * Errors: reported through diag at pos, naming the file; NULL returned.
 */
#ifndef HANDOUT_IMAGE_H
#define HANDOUT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define IMAGE_MAX_PIXELS (40u * 1000u * 1000u) /* 40 megapixels */

enum image_format { IMAGE_PNG, IMAGE_JPEG };

struct image {
  enum image_format format;
  uint32_t width, height;
  int channels;            /* PNG: 1 (gray) or 3 (RGB); JPEG: 1, 3 or 4 */
  unsigned char *pixels;   /* PNG: width*height*channels bytes */
  unsigned char *alpha;    /* PNG: width*height bytes, or NULL if opaque */
  unsigned char *data;     /* JPEG: the file bytes */
  size_t data_len;
};

/* Check that path is a readable, intact PNG or JPEG and return its size in
 * pixels without keeping the pixels (load and compose use this). */
bool image_probe(const char *path, struct src_pos pos, struct diag *d,
                 uint32_t *width, uint32_t *height);

/* Decode fully for drawing. */
struct image *image_load(const char *path, struct src_pos pos, struct diag *d);
void image_free(struct image *img);

/* The form PDF embeds pixel rows in: height rows of row_bytes each, each
 * row prefixed with the PNG filter that predicts it best (None, Sub, Up,
 * Average or Paeth, by least sum of absolute differences; bpp bytes per
 * pixel, 1 for packed depths below 8 bits), then deflated at zlib level; a
 * reader undoes it with /FlateDecode and /DecodeParms << /Predictor 15
 * /Colors /BitsPerComponent /Columns >>.  Appends to out; false only if
 * zlib fails. */
struct strbuf;
bool image_deflate_rows(const unsigned char *rows, size_t row_bytes,
                        uint32_t height, int bpp, int level,
                        struct strbuf *out);

/* An RGB image of at most 256 colours as a palette and packed indexes. */
struct image_indexed {
  unsigned char palette[256 * 3]; /* RGB, in order of first appearance */
  int ncolors;
  int bits;          /* 1, 2, 4 or 8 bits per index, the fewest that fit */
  unsigned char *rows; /* height rows of row_bytes, MSB first (malloc'd) */
  size_t row_bytes;
};

/* Fills out and returns true if img is an RGB PNG with at most 256 distinct
 * colours (logos usually are: a third of the bytes of RGB); else false and
 * nothing to free.  The caller frees out->rows. */
bool image_index(const struct image *img, struct image_indexed *out);

#endif
