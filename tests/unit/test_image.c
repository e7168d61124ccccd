/*
 * test_image: image_load / image_probe on the fixtures in tests/images
 * (made by tests/images/make_fixtures.py).
 *
 * Usage: test_image [IMAGES_DIR]   (default: tests/images, i.e. run from the
 * repository root).  Good files must decode with the expected size, channel
 * count, alpha plane and a few pixel values; bad files must fail with exactly
 * the expected diagnostic, and never abort the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "harness.h"
#include "image.h"

static const char *dir = "tests/images";
static const struct src_pos POS = {"h.yaml", 3, 5};

static char *fixture(const char *name) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

/* A diag that writes into a memory buffer. */
struct capture {
  struct diag d;
  char *text;
  size_t len;
  FILE *f;
};

static void cap_open(struct capture *c) {
  c->text = NULL;
  c->len = 0;
  c->f = open_memstream(&c->text, &c->len);
  diag_init(&c->d, c->f);
}

static void cap_close(struct capture *c) {
  fclose(c->f);
}

/* ---- good files --------------------------------------------------------- */

struct good {
  const char *name;
  enum image_format format;
  uint32_t w, h;
  int channels;
  int has_alpha;
  /* spot check at (x, y): colour bytes and, if has_alpha, the alpha byte;
   * want[0] < 0 means no check (JPEG) */
  uint32_t x, y;
  int want[4];
};

static const struct good goods[] = {
    {"rgb8.png", IMAGE_PNG, 16, 12, 3, 0, 3, 2, {48, 32, 200, -1}},
    {"rgba8.png", IMAGE_PNG, 16, 12, 3, 1, 5, 7, {80, 112, 200, 95}},
    {"rgba_opaque.png", IMAGE_PNG, 16, 12, 3, 0, 15, 11, {240, 176, 200, -1}},
    {"gray8.png", IMAGE_PNG, 16, 12, 1, 0, 4, 3, {67, -1, -1, -1}},
    {"graya8.png", IMAGE_PNG, 16, 12, 1, 1, 2, 1, {33, 47, -1, -1}},
    {"palette.png", IMAGE_PNG, 16, 12, 3, 0, 1, 1, {0, 0, 255, -1}},
    {"palette_trns.png", IMAGE_PNG, 16, 12, 3, 1, 1, 0, {0, 255, 0, 128}},
    {"rgb16.png", IMAGE_PNG, 16, 12, 3, 0, 2, 9, {255, 0, 0, -1}},
    {"interlaced.png", IMAGE_PNG, 16, 12, 3, 0, 13, 7, {208, 112, 200, -1}},
    /* a bad CRC on an ancillary tEXt chunk is a libpng warning only */
    {"textcrc.png", IMAGE_PNG, 16, 12, 3, 0, 3, 2, {48, 32, 200, -1}},
    {"baseline.jpg", IMAGE_JPEG, 16, 12, 3, 0, 0, 0, {-1, -1, -1, -1}},
    {"progressive.jpg", IMAGE_JPEG, 16, 12, 3, 0, 0, 0, {-1, -1, -1, -1}},
    {"gray.jpg", IMAGE_JPEG, 16, 12, 1, 0, 0, 0, {-1, -1, -1, -1}},
    {"cmyk.jpg", IMAGE_JPEG, 16, 12, 4, 0, 0, 0, {-1, -1, -1, -1}},
};

static void check_good(const struct good *g) {
  struct capture c;
  cap_open(&c);
  const char *path = fixture(g->name);
  struct image *img = image_load(path, POS, &c.d);
  uint32_t pw = 0, ph = 0;
  bool probed = image_probe(path, POS, &c.d, &pw, &ph);
  cap_close(&c);
  OK(img != NULL, "%s: loads", g->name);
  OK(probed, "%s: probes", g->name);
  INT_EQ(c.len, 0, "%s: no diagnostics (got: %s)", g->name,
         c.text ? c.text : "");
  INT_EQ(pw, g->w, "%s: probe width", g->name);
  INT_EQ(ph, g->h, "%s: probe height", g->name);
  free(c.text);
  if (!img) return;

  INT_EQ(img->format, g->format, "%s: format", g->name);
  INT_EQ(img->width, g->w, "%s: width", g->name);
  INT_EQ(img->height, g->h, "%s: height", g->name);
  INT_EQ(img->channels, g->channels, "%s: channels", g->name);
  OK((img->alpha != NULL) == (g->has_alpha != 0), "%s: alpha plane %s",
     g->name, g->has_alpha ? "present" : "absent");
  if (g->format == IMAGE_JPEG) {
    OK(img->data && img->data_len > 3 && img->data[0] == 0xFF &&
           img->data[1] == 0xD8,
       "%s: file bytes kept", g->name);
    OK(!img->pixels && !img->alpha, "%s: no pixel planes", g->name);
  } else {
    OK(img->pixels && !img->data, "%s: pixels, no file bytes", g->name);
    size_t i = (size_t)g->y * img->width + g->x;
    for (int k = 0; k < g->channels; k++)
      INT_EQ(img->pixels[i * (size_t)g->channels + (size_t)k], g->want[k],
             "%s: pixel (%u,%u) channel %d", g->name, g->x, g->y, k);
    if (img->alpha)
      INT_EQ(img->alpha[i], g->want[g->channels], "%s: alpha at (%u,%u)",
             g->name, g->x, g->y);
  }
  image_free(img);
}

/* ---- bad files ---------------------------------------------------------- */

struct bad {
  const char *name;
  const char *what; /* message after "h.yaml:3:5: error: image 'PATH' " */
};

static const struct bad bads[] = {
    {"truncated.png", "is not a valid PNG: read beyond end of data"},
    {"garbage.png", "is not a valid PNG: [9F][C4][E9][0E]: invalid chunk type"},
    {"badcrc.png", "is not a valid PNG: IDAT: CRC error"},
    {"huge.png",
     "is 100000 x 100000 pixels (expected at most 40000000 pixels)"},
    {"text.png", "is not a PNG or JPEG file (expected PNG or JPEG)"},
    {"empty.png", "is empty (expected PNG or JPEG)"},
    {"image.gif", "is not a PNG or JPEG file (expected PNG or JPEG)"},
    {"truncated.jpg", "is not a valid JPEG: Premature end of JPEG file"},
    {"corrupt.jpg", "is not a valid JPEG: Corrupt JPEG data: "
                    "1098 extraneous bytes before marker 0xd9"},
    {"huge.jpg", "is 60000 x 60000 pixels (expected at most 40000000 pixels)"},
    {"garbage.jpg", "is not a valid JPEG: Unsupported marker type 0x07"},
};

static void check_bad(const struct bad *b, bool probe) {
  struct capture c;
  cap_open(&c);
  const char *path = fixture(b->name);
  bool ok;
  if (probe) {
    uint32_t w = 7, h = 7;
    ok = image_probe(path, POS, &c.d, &w, &h);
  } else {
    struct image *img = image_load(path, POS, &c.d);
    ok = img != NULL;
    image_free(img);
  }
  cap_close(&c);
  OK(!ok, "%s: %s fails", b->name, probe ? "probe" : "load");
  INT_EQ(c.d.count[DIAG_ERROR], 1, "%s: one error", b->name);
  char want[8192];
  snprintf(want, sizeof want, "h.yaml:3:5: error: image '%s' %s\n", path,
           b->what);
  STR_EQ(c.text, want, "%s: %s message", b->name, probe ? "probe" : "load");
  free(c.text);
}

static void check_missing(void) {
  struct capture c;
  cap_open(&c);
  const char *path = fixture("no-such-file.png");
  struct image *img = image_load(path, POS, &c.d);
  cap_close(&c);
  OK(img == NULL, "missing file fails");
  char want[8192];
  snprintf(want, sizeof want,
           "h.yaml:3:5: error: cannot read image '%s': No such file or "
           "directory\n",
           path);
  STR_EQ(c.text, want, "missing file message");
  free(c.text);
}

/* A directory, and a file over the 50 MB limit (sparse, made in /tmp). */
static void check_unreadable(void) {
  struct capture c;
  cap_open(&c);
  struct image *img = image_load(dir, POS, &c.d);
  cap_close(&c);
  OK(img == NULL, "directory fails");
  char want[8192];
  snprintf(want, sizeof want,
           "h.yaml:3:5: error: cannot read image '%s': Is a directory\n", dir);
  STR_EQ(c.text, want, "directory message");
  free(c.text);

  char big[] = "/tmp/test_image_bigXXXXXX";
  int fd = mkstemp(big);
  OK(fd >= 0 && ftruncate(fd, 50L * 1024 * 1024 + 1) == 0, "make big file");
  if (fd >= 0) close(fd);
  cap_open(&c);
  img = image_load(big, POS, &c.d);
  cap_close(&c);
  unlink(big);
  OK(img == NULL, "file over 50 MB fails");
  snprintf(want, sizeof want,
           "h.yaml:3:5: error: image '%s' is larger than 50 MB (expected at "
           "most 52428800 bytes)\n",
           big);
  STR_EQ(c.text, want, "file over 50 MB message");
  free(c.text);
}

int main(int argc, char **argv) {
  if (argc > 1) dir = argv[1];
  for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++)
    check_good(&goods[i]);
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    check_bad(&bads[i], false);
    check_bad(&bads[i], true);
  }
  check_missing();
  check_unreadable();
  return harness_done();
}
