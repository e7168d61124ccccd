/*
 * image: PNG and JPEG files checked and decoded without trusting them.
 * See image.h for the contract.
 *
 * Why we decode ourselves: libharu's PNG loader lets libpng abort() the
 * process on a corrupt file, writes 16-bit PNGs wrongly, rejects interlaced
 * ones and never compresses the soft mask; its JPEG loader accepts truncated
 * files silently (LIBHARU.md §3, §5).  So every image goes through here first.
 *
 * Steps, for both image_probe() and image_load():
 *   1. Read the whole file (at most IMAGE_MAX_FILE_BYTES) into memory.
 *   2. Identify the format by its magic bytes; the extension is ignored.
 *   3. Read the header and reject more than IMAGE_MAX_PIXELS pixels before
 *      any pixel buffer is allocated.
 *   4. PNG: decode every row with libpng's simplified API (png_image_*),
 *      which reports errors in png_image.message and never aborts.  The
 *      result is 8-bit gray or RGB (16-bit input is reduced by libpng,
 *      palettes are expanded, interlacing is undone), with the alpha channel
 *      split off into its own plane; a plane that is 255 everywhere is
 *      dropped.  libpng *warnings* (bad CRC on an ancillary chunk, a
 *      questionable iCCP profile) are ignored: libpng has already skipped
 *      the offending chunk and the pixels are intact.
 *      JPEG: libjpeg decodes the header and every scan.  Its error_exit is
 *      replaced by a longjmp, and its *warnings* are treated as errors too,
 *      because libjpeg reports truncated or corrupt entropy data ("Premature
 *      end of JPEG file", "Corrupt JPEG data: ...") only as warnings and
 *      then invents the missing pixels.  The decode runs at 1/8 scale: the
 *      entropy decoder still reads every coefficient of every block (that is
 *      where damage shows), only the IDCT and colour conversion shrink
 *      (measured: baseline 17 ms instead of 24 ms for 3 MP; progressive
 *      files are dominated by entropy decoding, 69 ms either way).  The file
 *      bytes are kept and passed through to the PDF as DCT.
 *
 * Probe strategy: image_probe() runs exactly the same decode as
 * image_load() and throws the pixels away.  A header-only probe would be
 * cheap but would pass a truncated or corrupt file that then fails (or, in
 * libharu, aborts) at render time, after pages are laid out; decoding in full
 * guarantees that a probed file also loads, except when memory runs out.
 * Cost: one extra decode per image.  Measured at -O2 on a 2000 x 1500
 * noisy photo-like picture (CPU time): PNG 106 ms (5.3 MB file, RGB or
 * RGBA), baseline JPEG 17 ms, progressive JPEG 69 ms; i.e. about 35, 6 and
 * 23 ms per megapixel.  Peak memory is a transient width*height*(3 or 4)
 * byte buffer for PNG (at most 160 MB at the 40 MP limit) plus the file.
 */
#include "image.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* needs stdio.h first */
#include <png.h>
#include <zlib.h>

#include "util.h"

#define IMAGE_MAX_FILE_BYTES ((size_t)50 * 1024 * 1024) /* 50 MB */

static const unsigned char png_magic[8] = {0x89, 'P',  'N',  'G',
                                           '\r', '\n', 0x1A, '\n'};
static const unsigned char jpeg_magic[3] = {0xFF, 0xD8, 0xFF};

/* Reads path into memory; reports and returns NULL on failure. */
static unsigned char *slurp(const char *path, struct src_pos pos,
                            struct diag *d, size_t *len) {
  errno = 0;
  char *buf = read_file(path, IMAGE_MAX_FILE_BYTES, len);
  if (buf) return (unsigned char *)buf;
  if (errno == EFBIG)
    diag_error(d, pos, "image '%s' is larger than 50 MB (expected at most %zu "
               "bytes)", path, IMAGE_MAX_FILE_BYTES);
  else
    diag_error(d, pos, "cannot read image '%s': %s", path,
               strerror(errno ? errno : EIO));
  return NULL;
}

/* Rejects images whose pixel count exceeds the limit.  Called after the
 * header is read and before any pixel memory is allocated. */
static bool check_pixels(const char *path, struct src_pos pos, struct diag *d,
                         uint32_t w, uint32_t h) {
  if ((uint64_t)w * h <= IMAGE_MAX_PIXELS) return true;
  diag_error(d, pos,
             "image '%s' is %" PRIu32 " x %" PRIu32
             " pixels (expected at most %u pixels)",
             path, w, h, IMAGE_MAX_PIXELS);
  return false;
}

/* ---- PNG ---------------------------------------------------------------- */

/* Decodes a PNG held in buf into img (format, size, pixels, alpha). */
static bool png_decode(const char *path, struct src_pos pos, struct diag *d,
                       const unsigned char *buf, size_t len,
                       struct image *img) {
  png_image pi;
  memset(&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&pi, buf, len)) {
    diag_error(d, pos, "image '%s' is not a valid PNG: %s", path, pi.message);
    png_image_free(&pi);
    return false;
  }
  if (!check_pixels(path, pos, d, pi.width, pi.height)) {
    png_image_free(&pi);
    return false;
  }

  /* Ask libpng for 8-bit gray or RGB, with alpha if the file has any
   * (an alpha channel, or a tRNS chunk on any colour type). */
  bool color = (pi.format & PNG_FORMAT_FLAG_COLOR) != 0;
  bool has_alpha = (pi.format & PNG_FORMAT_FLAG_ALPHA) != 0;
  int channels = color ? 3 : 1;
  int stride_px = channels + (has_alpha ? 1 : 0);
  pi.format = (color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY) |
              (has_alpha ? PNG_FORMAT_FLAG_ALPHA : 0);
  size_t npix = (size_t)pi.width * pi.height; /* <= 40 M, cannot overflow */
  unsigned char *raw = xmalloc(npix * (size_t)stride_px);
  if (!png_image_finish_read(&pi, NULL, raw, 0, NULL)) {
    diag_error(d, pos, "image '%s' is not a valid PNG: %s", path, pi.message);
    png_image_free(&pi);
    free(raw);
    return false;
  }
  png_image_free(&pi);

  img->format = IMAGE_PNG;
  img->width = pi.width;
  img->height = pi.height;
  img->channels = channels;
  img->pixels = raw;
  img->alpha = NULL;
  if (!has_alpha) return true;

  /* Split interleaved G+A / RGB+A into colour and alpha planes, in place
   * for the colour (the write position never overtakes the read). */
  unsigned char *alpha = xmalloc(npix);
  bool opaque = true;
  for (size_t i = 0; i < npix; i++) {
    const unsigned char *src = raw + i * (size_t)stride_px;
    unsigned char a = src[channels];
    memmove(raw + i * (size_t)channels, src, (size_t)channels);
    alpha[i] = a;
    opaque &= a == 255;
  }
  if (opaque) {
    free(alpha);
    alpha = NULL;
  }
  img->pixels = xrealloc(raw, npix * (size_t)channels);
  img->alpha = alpha;
  return true;
}

/* ---- JPEG --------------------------------------------------------------- */

struct jpeg_guard {
  struct jpeg_error_mgr pub; /* must be first: libjpeg sees only this */
  jmp_buf env;
  char msg[JMSG_LENGTH_MAX];
};

/* Replaces libjpeg's error_exit, which would call exit(). */
static void jpeg_fail(j_common_ptr c) {
  struct jpeg_guard *g = (struct jpeg_guard *)c->err;
  (*c->err->format_message)(c, g->msg);
  longjmp(g->env, 1);
}

/* Warnings (level -1) mean damaged data: fail.  Trace messages are ignored. */
static void jpeg_emit(j_common_ptr c, int level) {
  if (level < 0) jpeg_fail(c);
}

static void jpeg_quiet(j_common_ptr c) { (void)c; }

/* Decodes the JPEG in buf at 1/8 scale to prove it is intact, and fills in
 * img's format, size and channels.  Only libjpeg's own pools are allocated
 * between setjmp and longjmp, so jpeg_destroy_decompress() frees everything
 * on the error path. */
static bool jpeg_check(const char *path, struct src_pos pos, struct diag *d,
                       const unsigned char *buf, size_t len,
                       struct image *img) {
  struct jpeg_decompress_struct ci;
  struct jpeg_guard g;
  memset(&ci, 0, sizeof ci);
  ci.err = jpeg_std_error(&g.pub);
  g.pub.error_exit = jpeg_fail;
  g.pub.emit_message = jpeg_emit;
  g.pub.output_message = jpeg_quiet;
  g.msg[0] = '\0';
  if (setjmp(g.env)) {
    jpeg_destroy_decompress(&ci);
    diag_error(d, pos, "image '%s' is not a valid JPEG: %s", path, g.msg);
    return false;
  }
  jpeg_create_decompress(&ci);
  jpeg_mem_src(&ci, buf, (unsigned long)len);
  jpeg_read_header(&ci, TRUE);

  if (!check_pixels(path, pos, d, ci.image_width, ci.image_height)) {
    jpeg_destroy_decompress(&ci);
    return false;
  }
  int comps = ci.num_components;
  if (comps != 1 && comps != 3 && comps != 4) {
    jpeg_destroy_decompress(&ci);
    diag_error(d, pos,
               "image '%s' has %d colour components (expected 1 (gray), "
               "3 (RGB) or 4 (CMYK))",
               path, comps);
    return false;
  }

  ci.scale_num = 1;
  ci.scale_denom = 8;
  ci.dct_method = JDCT_IFAST;
  ci.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&ci);
  JSAMPARRAY row = (*ci.mem->alloc_sarray)(
      (j_common_ptr)&ci, JPOOL_IMAGE,
      ci.output_width * (JDIMENSION)ci.output_components, 1);
  while (ci.output_scanline < ci.output_height)
    jpeg_read_scanlines(&ci, row, 1);
  jpeg_finish_decompress(&ci);

  img->format = IMAGE_JPEG;
  img->width = ci.image_width;
  img->height = ci.image_height;
  img->channels = comps;
  jpeg_destroy_decompress(&ci);
  return true;
}

/* ---- common ------------------------------------------------------------- */

/* Reads, identifies and decodes path into *img.  On success img owns the
 * file bytes (JPEG) or the pixel planes (PNG). */
static bool decode(const char *path, struct src_pos pos, struct diag *d,
                   struct image *img) {
  size_t len = 0;
  unsigned char *buf = slurp(path, pos, d, &len);
  if (!buf) return false;
  memset(img, 0, sizeof *img);

  bool ok;
  if (len == 0) {
    diag_error(d, pos, "image '%s' is empty (expected PNG or JPEG)", path);
    ok = false;
  } else if (len >= sizeof png_magic &&
             memcmp(buf, png_magic, sizeof png_magic) == 0) {
    ok = png_decode(path, pos, d, buf, len, img);
  } else if (len >= sizeof jpeg_magic &&
             memcmp(buf, jpeg_magic, sizeof jpeg_magic) == 0) {
    ok = jpeg_check(path, pos, d, buf, len, img);
    if (ok) {
      img->data = buf;
      img->data_len = len;
      return true;
    }
  } else {
    diag_error(d, pos,
               "image '%s' is not a PNG or JPEG file (expected PNG or JPEG)",
               path);
    ok = false;
  }
  free(buf);
  return ok;
}

bool image_probe(const char *path, struct src_pos pos, struct diag *d,
                 uint32_t *width, uint32_t *height) {
  struct image img;
  if (!decode(path, pos, d, &img)) return false;
  *width = img.width;
  *height = img.height;
  free(img.pixels);
  free(img.alpha);
  free(img.data);
  return true;
}

struct image *image_load(const char *path, struct src_pos pos,
                         struct diag *d) {
  struct image img;
  if (!decode(path, pos, d, &img)) return NULL;
  struct image *out = xmalloc(sizeof *out);
  *out = img;
  return out;
}

void image_free(struct image *img) {
  if (!img) return;
  free(img->pixels);
  free(img->alpha);
  free(img->data);
  free(img);
}

/* ---- PDF embedding ------------------------------------------------------ */

/* PNG filter types (PNG spec 9.2) and the Paeth predictor. */
enum { ROW_NONE, ROW_SUB, ROW_UP, ROW_AVERAGE, ROW_PAETH, ROW_FILTERS };

static int paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Row filtered with type into out[0..n); prev is the row above (zeros for
 * the first).  bpp: bytes per pixel.  Returns the sum of |signed bytes|,
 * the usual heuristic for which filter will compress best. */
static unsigned long filter_row(int type, const unsigned char *row,
                                const unsigned char *prev, size_t n, int bpp,
                                unsigned char *out) {
  unsigned long cost = 0;
  for (size_t i = 0; i < n; i++) {
    int a = i >= (size_t)bpp ? row[i - bpp] : 0, b = prev[i];
    int c = i >= (size_t)bpp ? prev[i - bpp] : 0, pred = 0;
    switch (type) {
    case ROW_SUB: pred = a; break;
    case ROW_UP: pred = b; break;
    case ROW_AVERAGE: pred = (a + b) / 2; break;
    case ROW_PAETH: pred = paeth(a, b, c); break;
    default: break;
    }
    out[i] = (unsigned char)(row[i] - pred);
    cost += (unsigned long)abs((signed char)out[i]);
  }
  return cost;
}

bool image_deflate_rows(const unsigned char *rows, size_t row_bytes,
                        uint32_t height, int bpp, int level,
                        struct strbuf *out) {
  size_t n = row_bytes;
  unsigned char *zero = xcalloc(n + 1, 1), *best = xmalloc(n + 1);
  unsigned char *trial = xmalloc(n + 1);
  struct strbuf filtered = {0};
  strbuf_reserve(&filtered, (n + 1) * height);
  for (uint32_t y = 0; y < height; y++) {
    const unsigned char *row = rows + (size_t)y * n;
    const unsigned char *prev = y ? row - n : zero;
    unsigned long best_cost = ~0ul;
    for (int t = ROW_NONE; t < ROW_FILTERS; t++) {
      unsigned long cost = filter_row(t, row, prev, n, bpp, trial + 1);
      if (cost < best_cost) {
        best_cost = cost;
        trial[0] = (unsigned char)t;
        memcpy(best, trial, n + 1);
      }
    }
    strbuf_append(&filtered, best, n + 1);
  }
  free(zero);
  free(best);
  free(trial);
  uLong bound = compressBound((uLong)filtered.len);
  strbuf_reserve(out, bound);
  uLongf got = bound;
  bool ok = compress2((Bytef *)out->data + out->len, &got,
                      (const Bytef *)filtered.data, (uLong)filtered.len,
                      level) == Z_OK;
  if (ok) out->len += got;
  strbuf_free(&filtered);
  return ok;
}

/* Index of colour rgb in the open-addressing table (slots of 512), adding
 * it as palette entry *n if new; -1 once there would be a 257th colour. */
static int palette_slot(uint32_t *keys, unsigned char *index, uint32_t rgb,
                        struct image_indexed *out) {
  uint32_t h = (rgb * 2654435761u) >> 23; /* 9 bits */
  while (keys[h]) {
    if (keys[h] == (rgb | 0x1000000u)) return index[h];
    h = (h + 1) & 511;
  }
  if (out->ncolors == 256) return -1;
  keys[h] = rgb | 0x1000000u;
  index[h] = (unsigned char)out->ncolors;
  memcpy(out->palette + 3 * out->ncolors,
         (unsigned char[3]){(unsigned char)(rgb >> 16),
                            (unsigned char)(rgb >> 8), (unsigned char)rgb},
         3);
  return out->ncolors++;
}

bool image_index(const struct image *img, struct image_indexed *out) {
  memset(out, 0, sizeof *out);
  if (img->format != IMAGE_PNG || img->channels != 3) return false;
  size_t npx = (size_t)img->width * img->height;
  unsigned char *idx = xmalloc(npx ? npx : 1);
  uint32_t keys[512] = {0};
  unsigned char slot_index[512];
  for (size_t i = 0; i < npx; i++) {
    const unsigned char *p = img->pixels + 3 * i;
    int k = palette_slot(keys, slot_index,
                         (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], out);
    if (k < 0) {
      free(idx);
      return false;
    }
    idx[i] = (unsigned char)k;
  }
  out->bits = out->ncolors <= 2 ? 1 : out->ncolors <= 4 ? 2
              : out->ncolors <= 16 ? 4 : 8;
  out->row_bytes = ((size_t)img->width * (size_t)out->bits + 7) / 8;
  out->rows = xcalloc(out->row_bytes * img->height + 1, 1);
  for (uint32_t y = 0; y < img->height; y++) {
    unsigned char *row = out->rows + out->row_bytes * y;
    for (uint32_t x = 0; x < img->width; x++) {
      size_t bit = (size_t)x * (size_t)out->bits;
      unsigned v = idx[(size_t)y * img->width + x];
      row[bit / 8] |= (unsigned char)(v << (8 - out->bits - bit % 8));
    }
  }
  free(idx);
  return true;
}
