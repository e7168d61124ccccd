/*
 * test_font: metrics, kerning, fallback, errors and subsetting of font.c.
 *
 *   test_font [FONTS_DIR]     (default "fonts": run from the repository root)
 *
 * Advances are checked against a direct FreeType computation
 * (FT_Load_Glyph with FT_LOAD_NO_SCALE, floor(horiAdvance*1000/upem)), the
 * rule libharu uses for /W, and against known DejaVu Sans values.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_TRUETYPE_TABLES_H
#include FT_TRUETYPE_TAGS_H

#include "font.h"
#include "harness.h"

static const char *fonts_dir = "fonts";

static struct pagedef layout(const char *regular, const char *bold, const char *fallback) {
  struct pagedef pd;
  memset(&pd, 0, sizeof pd);
  pd.name = "test";
  pd.path = "layouts/test.yaml";
  pd.pos = (struct src_pos){"layouts/test.yaml", 3, 7};
  pd.font_regular = regular;
  pd.font_bold = bold;
  if (fallback) {
    pd.font_fallback[0] = fallback;
    pd.nfallbacks = 1;
  }
  return pd;
}

/* A diag writing into a memory buffer, so messages can be compared. */
struct capture {
  struct diag d;
  char *buf;
  size_t len;
};
static void capture_start(struct capture *c) {
  c->buf = NULL;
  c->len = 0;
  diag_init(&c->d, open_memstream(&c->buf, &c->len));
}
static const char *capture_text(struct capture *c) {
  fflush(c->d.out);
  return c->buf ? c->buf : "";
}
static void capture_end(struct capture *c) {
  fclose(c->d.out);
  free(c->buf);
}

static double now_cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ft_milli(FT_Face f, uint32_t cp) {
  FT_UInt gid = FT_Get_Char_Index(f, cp);
  if (!gid || FT_Load_Glyph(f, gid, FT_LOAD_NO_SCALE)) return -1;
  return (int)(f->glyph->metrics.horiAdvance * 1000 / f->units_per_EM);
}

static bool has_table(FT_Face f, FT_ULong tag) {
  FT_ULong len = 0;
  return FT_Load_Sfnt_Table(f, tag, 0, NULL, &len) == 0 && len > 0;
}

static void test_metrics(struct fontset *fs, FT_Library ft) {
  static const uint32_t cps[] = {' ', 'A', 'V', 'T', 'o', 'W', 'i', 0xE9 /* é */,
                                 0x2265 /* ≥ */, 0x2013 /* – */, '-', 0xA0, 0x2010,
                                 0x20AC /* € */, 0x2019, 0xB5 /* µ */};
  const char *files[2] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"};
  for (int k = 0; k < 2; k++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fonts_dir, files[k]);
    FT_Face face;
    OK(FT_New_Face(ft, path, 0, &face) == 0, "FreeType opens %s", path);
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
      INT_EQ(font_advance(fs->face[k], cps[i]), ft_milli(face, cps[i]),
             "%s advance of U+%04X = floor(adv*1000/upem)", files[k], (unsigned)cps[i]);
      INT_EQ(font_advance(fs->face[k], cps[i]), ft_milli(face, cps[i]),
             "%s advance of U+%04X again (cached)", files[k], (unsigned)cps[i]);
    }
    FT_Done_Face(face);
  }
  struct font *r = fs->face[FONT_REGULAR], *b = fs->face[FONT_BOLD];
  /* 651*1000/2048 = 317.87: floor is 317, as libharu writes it in /W */
  INT_EQ(font_advance(r, ' '), 317, "DejaVuSans space");
  INT_EQ(font_advance(r, 'A'), 684, "DejaVuSans A (1401 fu)");
  INT_EQ(font_advance(r, 0x2265), 837, "DejaVuSans >= (1716 fu)");
  INT_EQ(font_advance(r, '-'), 360, "DejaVuSans hyphen (739 fu)");
  INT_EQ(font_advance(b, ' '), 348, "DejaVuSans-Bold space (713 fu)");
  INT_EQ(font_advance(r, 0x514D), 0, "advance of a missing character is 0");

  OK(font_has(r, 'A'), "has A");
  OK(font_has(r, 0xE9), "has e-acute");
  OK(font_has(r, 0x1F600), "DejaVu Sans 2.37 does have U+1F600 (shape refuses it: astral)");
  OK(!font_has(r, 0x1F9EC), "has no U+1F9EC");
  OK(!font_has(r, 0x514D), "has no CJK U+514D");
  OK(!font_has(b, 0xF000), "bold has no U+F000");
  OK(font_has(r, 0xF000), "regular has U+F000");

  /* Rounded to nearest, as font.h says.  LIBHARU.md lists AV -63, To -169,
   * LT -137, r. -91: those are the same font-unit values truncated toward
   * zero (AV = -131 fu = -63.96 milli-em, To -348 fu = -169.92,
   * LT -282 fu = -137.70, r. -188 fu = -91.80). */
  INT_EQ(font_kern(r, 'A', 'V'), -64, "kern AV (-131 fu)");
  INT_EQ(font_kern(r, 'T', 'o'), -170, "kern To (-348 fu)");
  INT_EQ(font_kern(r, 'L', 'T'), -138, "kern LT (-282 fu)");
  INT_EQ(font_kern(r, 'r', '.'), -92, "kern r. (-188 fu)");
  INT_EQ(font_kern(r, 'A', 'V'), -64, "kern AV again (cached)");
  INT_EQ(font_kern(r, 'o', 'o'), 0, "kern oo");
  INT_EQ(font_kern(r, 'f', 'i'), 0, "fi: no ligature, no kern");
  INT_EQ(font_kern(r, 'A', 0x514D), 0, "kern with a missing character");
  OK(font_kern(b, 'A', 'V') < 0, "bold kerns AV too (%d)", font_kern(b, 'A', 'V'));

  /* vertical metrics: hhea 1901/-483, OS/2 v1 has no sCapHeight: 'H' 1493 */
  INT_EQ(font_ascender(r), 928, "ascender");
  INT_EQ(font_descender(r), -236, "descender");
  INT_EQ(font_cap_height(r), 729, "cap height");
  STR_EQ(font_postscript_name(r), "DejaVuSans", "PostScript name");
  STR_EQ(font_postscript_name(b), "DejaVuSans-Bold", "PostScript name bold");
  char want[512];
  snprintf(want, sizeof want, "%s/DejaVuSans.ttf", fonts_dir);
  STR_EQ(font_file(r), want, "font_file");
}

static void test_pick(void) {
  struct diag d;
  diag_init(&d, stderr);
  struct pagedef pd = layout("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", NULL);
  struct fontset fs;
  OK(fontset_load(&fs, &pd, fonts_dir, &d), "load without fallback");
  INT_EQ(fs.nfaces, 2, "two faces");
  INT_EQ(fontset_pick(&fs, FONT_REGULAR, 'A'), 0, "regular A");
  INT_EQ(fontset_pick(&fs, FONT_BOLD, 'A'), 1, "bold A");
  INT_EQ(fontset_pick(&fs, FONT_BOLD, 0xF000), 0, "bold role falls back to regular");
  INT_EQ(fontset_pick(&fs, FONT_REGULAR, 0x1F9EC), -1, "no face has U+1F9EC");
  INT_EQ(fontset_pick(&fs, FONT_BOLD, 0x514D), -1, "no face has CJK");
  fontset_free(&fs);

  /* Bold as the regular face, regular as a fallback: U+F000 only there. */
  pd = layout("DejaVuSans-Bold.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans.ttf");
  OK(fontset_load(&fs, &pd, fonts_dir, &d), "load with a fallback");
  INT_EQ(fs.nfaces, 3, "three faces");
  INT_EQ(fontset_pick(&fs, FONT_REGULAR, 'A'), 0, "own face first");
  INT_EQ(fontset_pick(&fs, FONT_REGULAR, 0xF000), 2, "regular role: fallback");
  INT_EQ(fontset_pick(&fs, FONT_BOLD, 0xF000), 2, "bold role: fallback before regular");
  fontset_free(&fs);
}

static void test_errors(void) {
  struct capture c;
  struct fontset fs;
  char want[512];

  capture_start(&c);
  struct pagedef pd = layout("Nope.ttf", "DejaVuSans-Bold.ttf", "Gone.ttf");
  OK(!fontset_load(&fs, &pd, fonts_dir, &c.d), "missing font fails");
  INT_EQ(fs.nfaces, 0, "nothing left loaded");
  snprintf(want, sizeof want,
           "layouts/test.yaml:3:7: error: font 'Nope.ttf' not found in %s/ (expected a "
           "TrueType file there)\n"
           "layouts/test.yaml:3:7: error: font 'Gone.ttf' not found in %s/ (expected a "
           "TrueType file there)\n", fonts_dir, fonts_dir);
  STR_EQ(capture_text(&c), want, "every missing font reported at the layout");
  INT_EQ(c.d.count[DIAG_ERROR], 2, "two errors");
  capture_end(&c);

  capture_start(&c);
  pd = layout("../fonts/DejaVuSans.ttf", "DejaVuSans-Bold.ttf", NULL);
  OK(!fontset_load(&fs, &pd, fonts_dir, &c.d), "a path is refused");
  OK(strstr(capture_text(&c), "font '../fonts/DejaVuSans.ttf' is a path") != NULL,
     "path message: %s", capture_text(&c));
  capture_end(&c);

  capture_start(&c);
  pd = layout("DejaVu-LICENSE.txt", "DejaVuSans-Bold.ttf", NULL);
  OK(!fontset_load(&fs, &pd, fonts_dir, &c.d), "a text file is refused");
  OK(strstr(capture_text(&c), "is not a font FreeType can read") != NULL,
     "not-a-font message: %s", capture_text(&c));
  capture_end(&c);
}

static void test_subset(struct fontset *fs, FT_Library ft) {
  /* ~90 code points, a typical leaflet: ASCII letters, digits, punctuation
   * and a few typographic characters. */
  uint32_t cps[128];
  size_t n = 0;
  for (uint32_t c = 0x21; c <= 0x7E; c++)
    if (c != '`' && c != '^' && c != '~' && c != '|' && c != '\\' && c != '{' && c != '}')
      cps[n++] = c;
  const uint32_t extra[] = {0xE9, 0x2265, 0x2264, 0x2013, 0x2014, 0x2019, 0x201C, 0x201D,
                            0x2022, 0xA0, 0xB5, 0x20AC};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) cps[n++] = extra[i];

  for (int k = 0; k < 2; k++) {
    const struct font *f = fs->face[k];
    size_t len = 0, len2 = 0;
    double t0 = now_cpu();
    uint16_t gids[128];
    unsigned char *sub = font_subset(f, cps, n, gids, &len);
    double t1 = now_cpu();
    unsigned char *sub2 = font_subset(f, cps, n, gids, &len2);
    OK(sub != NULL, "subset made");
    if (!sub) return;
    OK(sub2 && len == len2 && memcmp(sub, sub2, len) == 0, "subset is deterministic");
    printf("subset of %s: %zu code points + space -> %zu bytes (%.2f ms)\n",
           font_postscript_name(f), n, len, (t1 - t0) * 1e3);
    OK(len < 40000, "subset is small (%zu bytes)", len);

    FT_Face face;
    OK(FT_New_Memory_Face(ft, sub, (FT_Long)len, 0, &face) == 0, "FreeType reads subset");
    int mapped = 0, same = 0;
    for (size_t i = 0; i < n; i++) {
      if (FT_Get_Char_Index(face, cps[i])) mapped++;
      if (ft_milli(face, cps[i]) == font_advance(f, cps[i])) same++;
    }
    INT_EQ(mapped, (long long)n, "every code point mapped in the subset");
    INT_EQ(same, (long long)n, "every width identical in the subset");
    OK(FT_Get_Char_Index(face, ' ') != 0, "space added");
    OK(FT_Get_Char_Index(face, 0xDF) == 0, "U+00DF not asked for, not kept");
    OK(has_table(face, TTAG_glyf) && has_table(face, TTAG_loca) &&
           has_table(face, TTAG_hmtx) && has_table(face, TTAG_cmap) &&
           has_table(face, TTAG_head) && has_table(face, TTAG_hhea) &&
           has_table(face, TTAG_maxp) && has_table(face, TTAG_post) &&
           has_table(face, TTAG_name) && has_table(face, TTAG_OS2),
       "the 10 tables libharu needs are there");
    OK(!has_table(face, TTAG_cvt) && !has_table(face, TTAG_fpgm),
       "hinting dropped (libharu writes empty cvt/fpgm instead)");
    FT_ULong prep_len = 0;
    OK(FT_Load_Sfnt_Table(face, TTAG_prep, 0, NULL, &prep_len) == 0 &&
           prep_len == 3,
       "a 3-byte no-op prep, so that libharu never writes an empty last "
       "table (font.c)");
    OK(!has_table(face, TTAG_GSUB) && !has_table(face, TTAG_GPOS) &&
           !has_table(face, TTAG_kern) && !has_table(face, TTAG_GDEF),
       "layout tables dropped");
    STR_EQ(FT_Get_Postscript_Name(face), font_postscript_name(f), "PostScript name kept");
    FT_Done_Face(face);
    free(sub);
    free(sub2);
  }
}

static void test_speed(struct fontset *fs) {
  struct font *r = fs->face[FONT_REGULAR];
  const char *text = "Immunotherapy helps your immune system to find and attack cancer "
                     "cells. Tell your team at once if you have a new cough, diarrhoea, "
                     "or a temperature of 38 \xC2\xB0" "C or more.";
  size_t len = strlen(text);
  /* warm */
  for (size_t i = 0; i + 1 < len; i++) font_kern(r, (unsigned char)text[i], (unsigned char)text[i + 1]);
  double t0 = now_cpu();
  long sum = 0;
  int rounds = 2000;
  for (int k = 0; k < rounds; k++)
    for (size_t i = 0; i + 1 < len; i++) {
      sum += font_advance(r, (unsigned char)text[i]);
      sum += font_kern(r, (unsigned char)text[i], (unsigned char)text[i + 1]);
    }
  double t1 = now_cpu();
  double per = (t1 - t0) / (rounds * (double)(len - 1)) * 1e9;
  printf("advance+kern (cached): %.1f ns per character (checksum %ld)\n", per, sum);

  /* cold kerning: fresh pairs through HarfBuzz */
  t0 = now_cpu();
  int pairs = 0;
  for (uint32_t a = 0x100; a < 0x140; a++)
    for (uint32_t b = 'a'; b <= 'z'; b++, pairs++) font_kern(r, a, b);
  t1 = now_cpu();
  printf("kern (cold, HarfBuzz shaping): %.2f us per pair\n", (t1 - t0) / pairs * 1e6);
}

int main(int argc, char **argv) {
  if (argc > 1) fonts_dir = argv[1];
  FT_Library ft;
  FT_Init_FreeType(&ft);

  struct diag d;
  diag_init(&d, stderr);
  struct pagedef pd = layout("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", NULL);
  struct fontset fs;
  double t0 = now_cpu();
  bool ok = fontset_load(&fs, &pd, fonts_dir, &d);
  double t1 = now_cpu();
  OK(ok, "fontset loads from %s", fonts_dir);
  if (!ok) return harness_done();
  printf("fontset_load (2 faces): %.2f ms\n", (t1 - t0) * 1e3);

  test_metrics(&fs, ft);
  test_pick();
  test_errors();
  test_subset(&fs, ft);
  test_speed(&fs);

  fontset_free(&fs);
  FT_Done_FreeType(ft);
  return harness_done();
}
