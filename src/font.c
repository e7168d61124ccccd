/*
 * font: font files to metrics.  See font.h for the contract.
 *
 * Each face keeps the whole file in memory: FreeType and HarfBuzz both read
 * from those bytes (no second open), and font_subset() hands the same bytes
 * to hb-subset.
 *
 * Metrics, all integers in 1/1000 em:
 *   advance  floor(hmtx_advance * 1000 / units_per_em), FT_LOAD_NO_SCALE,
 *            exactly the /W value libharu writes for the glyph.
 *   kerning  HarfBuzz shapes the pair (liga, clig, calt off) and we read the
 *            first glyph's x_advance minus its nominal advance, in font units,
 *            converted to 1/1000 em and rounded half away from zero.  This
 *            covers both the old 'kern' table and GPOS pair adjustment.
 *   vertical ascender/descender from hhea (FreeType's face->ascender, which
 *            falls back to OS/2 typo metrics), cap height from OS/2
 *            sCapHeight (version >= 2) or else the top of 'H'; rounded.
 *
 * Caches (this is the hot path in batch runs, so every lookup after the
 * first is an array index or one hash probe):
 *   - bmp[65536]: per BMP code point, "looked up" bit, "has glyph" bit and
 *     the advance.  Allocated with calloc, so untouched pages cost nothing;
 *     filled on first use.  Code points above U+FFFF are looked up directly
 *     every time (libharu cannot draw them anyway; shape rejects them).
 *   - kern: open-addressing hash of (left, right) -> kern, filled on use.
 *     Keys are never removed; the table doubles at 1/2 load, and is emptied
 *     when it holds KERN_CACHE_MAX pairs (a long-lived worker fed text in
 *     many scripts would otherwise grow it without end).
 * The caches are written through pointers held by the (possibly const)
 * struct font; that is why a fontset is not thread safe (font.h).
 */
#include "font.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_ADVANCES_H
#include FT_TRUETYPE_TABLES_H
#include FT_TRUETYPE_TAGS_H

#include <hb-subset.h>
#include <hb.h>

#include "util.h"

#define FONT_MAX_BYTES (64u * 1024 * 1024) /* larger is surely not a font */

#define ADV_FILLED 0x80000000u
#define ADV_HAS 0x40000000u
#define ADV_MASK 0x3FFFFFFFu

struct kern_cache {
  uint64_t *keys; /* 0 = empty, else KERN_KEY(left, right) */
  int16_t *vals;
  size_t cap;     /* power of two, or 0 before first use */
  size_t n;
};
#define KERN_CACHE_MAX ((size_t)1 << 20) /* pairs: 20 MB of table at most */
#define KERN_KEY(l, r) (((uint64_t)1 << 63) | ((uint64_t)(l) << 32) | (uint64_t)(r))

struct font {
  char *path; /* fonts_dir/file, as loaded */
  char *name; /* file name as the layout gives it */
  unsigned char *data;
  size_t len;

  FT_Library ft;
  FT_Face face;
  hb_blob_t *blob;
  hb_face_t *hbface;
  hb_font_t *hbfont;
  hb_buffer_t *hbbuf; /* reused for every pair */
  hb_language_t hblang;

  int upem;
  int ascender, descender, cap_height; /* 1/1000 em */
  char *psname;

  uint32_t *bmp; /* [65536] ADV_FILLED | ADV_HAS | advance */
  struct kern_cache kern;
};

/* ---- metrics ------------------------------------------------------------ */

static int to_milli_floor(long fu, int upem) {
  long v = fu * 1000;
  long q = v / upem;
  if (v % upem != 0 && v < 0) q--; /* floor, also for negatives */
  return (int)q;
}

static int to_milli_round(long fu, int upem) {
  long v = fu * 1000;
  long half = upem / 2;
  return (int)(v >= 0 ? (v + half) / upem : -((-v + half) / upem));
}

/* Look up cp directly in FreeType: ADV_HAS | advance, or 0 if no glyph. */
static uint32_t lookup_glyph(const struct font *f, uint32_t cp) {
  FT_UInt gid = FT_Get_Char_Index(f->face, cp);
  if (gid == 0) return 0;
  FT_Fixed adv = 0;
  if (FT_Get_Advance(f->face, gid, FT_LOAD_NO_SCALE, &adv) != 0) adv = 0;
  int milli = to_milli_floor((long)adv, f->upem);
  if (milli < 0) milli = 0;
  return ADV_HAS | ((uint32_t)milli & ADV_MASK);
}

static uint32_t glyph_info(const struct font *f, uint32_t cp) {
  if (cp > 0xFFFF) return lookup_glyph(f, cp);
  uint32_t e = f->bmp[cp];
  if (!(e & ADV_FILLED)) {
    e = ADV_FILLED | lookup_glyph(f, cp);
    f->bmp[cp] = e;
  }
  return e;
}

bool font_has(const struct font *f, uint32_t cp) {
  return (glyph_info(f, cp) & ADV_HAS) != 0;
}

/* 0 for a code point the face does not have. */
int font_advance(const struct font *f, uint32_t cp) {
  uint32_t e = glyph_info(f, cp);
  return (e & ADV_HAS) ? (int)(e & ADV_MASK) : 0;
}

int font_ascender(const struct font *f) { return f->ascender; }
int font_descender(const struct font *f) { return f->descender; }
int font_cap_height(const struct font *f) { return f->cap_height; }
const char *font_file(const struct font *f) { return f->path; }
const char *font_postscript_name(const struct font *f) { return f->psname; }

/* ---- kerning ------------------------------------------------------------ */

static int kern_compute(struct font *f, uint32_t left, uint32_t right) {
  static const hb_feature_t features[] = {
      {HB_TAG('l', 'i', 'g', 'a'), 0, 0, (unsigned)-1},
      {HB_TAG('c', 'l', 'i', 'g'), 0, 0, (unsigned)-1},
      {HB_TAG('c', 'a', 'l', 't'), 0, 0, (unsigned)-1},
  };
  hb_buffer_t *b = f->hbbuf;
  hb_buffer_clear_contents(b);
  hb_codepoint_t cps[2] = {left, right};
  hb_buffer_add_codepoints(b, cps, 2, 0, 2);
  hb_buffer_set_direction(b, HB_DIRECTION_LTR);
  /* Fixed language: guessing would read the process locale, and the same
   * input must give the same output everywhere. */
  hb_buffer_set_language(b, f->hblang);
  hb_buffer_guess_segment_properties(b);
  hb_shape(f->hbfont, b, features, sizeof features / sizeof features[0]);

  unsigned n = 0;
  hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &n);
  hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(b, NULL);
  if (n != 2) return 0; /* composed or decomposed: not a plain pair */
  hb_position_t nominal = hb_font_get_glyph_h_advance(f->hbfont, info[0].codepoint);
  long delta = (long)pos[0].x_advance - (long)nominal;
  if (delta == 0) return 0;
  return to_milli_round(delta, f->upem);
}

static void kern_grow(struct kern_cache *k) {
  size_t ncap = k->cap ? k->cap * 2 : 1024;
  uint64_t *nkeys = xcalloc(ncap, sizeof *nkeys);
  int16_t *nvals = xmalloc(ncap * sizeof *nvals);
  for (size_t i = 0; i < k->cap; i++) {
    if (!k->keys[i]) continue;
    size_t h = (size_t)((k->keys[i] * 0x9E3779B97F4A7C15ull) >> 20) & (ncap - 1);
    while (nkeys[h]) h = (h + 1) & (ncap - 1);
    nkeys[h] = k->keys[i];
    nvals[h] = k->vals[i];
  }
  free(k->keys);
  free(k->vals);
  k->keys = nkeys;
  k->vals = nvals;
  k->cap = ncap;
}

int font_kern(struct font *f, uint32_t left, uint32_t right) {
  struct kern_cache *k = &f->kern;
  if (k->n >= KERN_CACHE_MAX) { /* start again rather than grow further */
    memset(k->keys, 0, k->cap * sizeof *k->keys);
    k->n = 0;
  }
  if (k->n * 2 >= k->cap) kern_grow(k);
  uint64_t key = KERN_KEY(left, right);
  size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (k->cap - 1);
  while (k->keys[h]) {
    if (k->keys[h] == key) return k->vals[h];
    h = (h + 1) & (k->cap - 1);
  }
  int v = 0;
  if (font_has(f, left) && font_has(f, right)) v = kern_compute(f, left, right);
  if (v < INT16_MIN) v = INT16_MIN;
  if (v > INT16_MAX) v = INT16_MAX;
  k->keys[h] = key;
  k->vals[h] = (int16_t)v;
  k->n++;
  return v;
}

/* ---- loading ------------------------------------------------------------ */

static void font_free(struct font *f) {
  if (!f) return;
  if (f->hbbuf) hb_buffer_destroy(f->hbbuf);
  if (f->hbfont) hb_font_destroy(f->hbfont);
  if (f->hbface) hb_face_destroy(f->hbface);
  if (f->blob) hb_blob_destroy(f->blob);
  if (f->face) FT_Done_Face(f->face);
  if (f->ft) FT_Done_FreeType(f->ft);
  free(f->data);
  free(f->path);
  free(f->name);
  free(f->psname);
  free(f->bmp);
  free(f->kern.keys);
  free(f->kern.vals);
  free(f);
}

/* Message suffix naming the folder the way the user wrote it: "fonts/". */
static const char *dir_slash(const char *dir) {
  size_t n = strlen(dir);
  return (n > 0 && dir[n - 1] == '/') ? "" : "/";
}

static struct font *font_load(const char *fonts_dir, const char *file,
                              const struct pagedef *pd, struct diag *d) {
  const char *ds = dir_slash(fonts_dir);
  if (!file || !*file) {
    diag_error(d, pd->pos, "layout names no font file here (expected a file name in %s%s)",
               fonts_dir, ds);
    return NULL;
  }
  if (strchr(file, '/') || strchr(file, '\\') || strcmp(file, ".") == 0 ||
      strcmp(file, "..") == 0) {
    diag_error(d, pd->pos,
               "font '%s' is a path (expected a plain file name inside %s%s, "
               "e.g. 'DejaVuSans.ttf'; fonts are never loaded from elsewhere)",
               file, fonts_dir, ds);
    return NULL;
  }

  struct font *f = xcalloc(1, sizeof *f);
  f->name = xstrdup(file);
  size_t plen = strlen(fonts_dir) + strlen(ds) + strlen(file) + 1;
  f->path = xmalloc(plen);
  snprintf(f->path, plen, "%s%s%s", fonts_dir, ds, file);

  f->data = (unsigned char *)read_file(f->path, FONT_MAX_BYTES, &f->len);
  if (!f->data) {
    if (errno == ENOENT || errno == ENOTDIR)
      diag_error(d, pd->pos,
                 "font '%s' not found in %s%s (expected a TrueType file there)",
                 file, fonts_dir, ds);
    else
      diag_error(d, pd->pos,
                 "font '%s' in %s%s cannot be read: %s (expected a readable "
                 "TrueType file)", file, fonts_dir, ds, strerror(errno));
    font_free(f);
    return NULL;
  }

  FT_Error err = FT_Init_FreeType(&f->ft);
  if (!err) err = FT_New_Memory_Face(f->ft, f->data, (FT_Long)f->len, 0, &f->face);
  if (err || !FT_IS_SFNT(f->face)) {
    diag_error(d, pd->pos,
               "font '%s' in %s%s is not a font FreeType can read (expected a "
               "TrueType .ttf file)", file, fonts_dir, ds);
    font_free(f);
    return NULL;
  }
  FT_ULong glyf_len = 0;
  if (FT_Load_Sfnt_Table(f->face, TTAG_glyf, 0, NULL, &glyf_len) != 0 || glyf_len == 0) {
    diag_error(d, pd->pos,
               "font '%s' has no TrueType outlines (expected a .ttf with a glyf table; "
               "CFF-based .otf fonts cannot be embedded by libharu)", file);
    font_free(f);
    return NULL;
  }
  if (!f->face->charmap || f->face->charmap->encoding != FT_ENCODING_UNICODE) {
    diag_error(d, pd->pos,
               "font '%s' has no Unicode character map (expected a Unicode "
               "TrueType font)", file);
    font_free(f);
    return NULL;
  }
  TT_OS2 *os2 = FT_Get_Sfnt_Table(f->face, FT_SFNT_OS2);
  if (os2 && os2->version != 0xFFFF && (os2->fsType & (0x0002 | 0x0100 | 0x0200))) {
    diag_error(d, pd->pos,
               "font '%s' does not allow embedding (OS/2 fsType 0x%04X; expected a font "
               "whose licence allows embedding and subsetting)", file, os2->fsType);
    font_free(f);
    return NULL;
  }

  f->upem = f->face->units_per_EM;
  if (f->upem <= 0) f->upem = 1000;
  f->ascender = to_milli_round(f->face->ascender, f->upem);
  f->descender = to_milli_round(f->face->descender, f->upem);
  if (os2 && os2->version != 0xFFFF && os2->version >= 2 && os2->sCapHeight > 0) {
    f->cap_height = to_milli_round(os2->sCapHeight, f->upem);
  } else {
    FT_UInt gid = FT_Get_Char_Index(f->face, 'H');
    if (gid && FT_Load_Glyph(f->face, gid, FT_LOAD_NO_SCALE) == 0)
      f->cap_height = to_milli_round(f->face->glyph->metrics.horiBearingY, f->upem);
    else
      f->cap_height = f->ascender * 7 / 10;
  }
  const char *ps = FT_Get_Postscript_Name(f->face);
  f->psname = xstrdup(ps ? ps : file);

  f->blob = hb_blob_create((const char *)f->data, (unsigned)f->len,
                           HB_MEMORY_MODE_READONLY, NULL, NULL);
  f->hbface = hb_face_create(f->blob, 0);
  f->hbfont = hb_font_create(f->hbface); /* scale = upem: font units */
  f->hbbuf = hb_buffer_create();
  f->hblang = hb_language_from_string("en", 2);
  if (!hb_buffer_allocation_successful(f->hbbuf)) {
    fprintf(stderr, "handout: error: out of memory (HarfBuzz buffer)\n");
    abort();
  }

  f->bmp = xcalloc(65536, sizeof *f->bmp);
  return f;
}

bool fontset_load(struct fontset *fs, const struct pagedef *pd,
                  const char *fonts_dir, struct diag *d) {
  memset(fs, 0, sizeof *fs);
  const char *files[FONTSET_MAX];
  int n = 0;
  files[n++] = pd->font_regular;
  files[n++] = pd->font_bold;
  for (int i = 0; i < pd->nfallbacks && i < PAGEDEF_MAX_FALLBACKS; i++)
    files[n++] = pd->font_fallback[i];

  /* Load every face, so that all missing fonts are reported at once. */
  bool ok = true;
  for (int i = 0; i < n; i++) {
    fs->face[i] = font_load(fonts_dir, files[i], pd, d);
    if (!fs->face[i]) ok = false;
  }
  fs->nfaces = n;
  if (!ok) {
    fontset_free(fs);
    return false;
  }
  return true;
}

void fontset_free(struct fontset *fs) {
  for (int i = 0; i < FONTSET_MAX; i++) {
    font_free(fs->face[i]);
    fs->face[i] = NULL;
  }
  fs->nfaces = 0;
}

/* The role's face, then the fallbacks in layout order; for FONT_BOLD the
 * regular face comes last (a character missing from the bold face is better
 * drawn regular than refused, and the fallbacks are tried first because they
 * are the layout's explicit choice). */
int fontset_pick(const struct fontset *fs, enum font_role role, uint32_t cp) {
  int own = (int)role;
  if (own < fs->nfaces && fs->face[own] && font_has(fs->face[own], cp)) return own;
  for (int i = 2; i < fs->nfaces; i++)
    if (fs->face[i] && font_has(fs->face[i], cp)) return i;
  if (role == FONT_BOLD && fs->nfaces > 0 && fs->face[FONT_REGULAR] &&
      font_has(fs->face[FONT_REGULAR], cp))
    return FONT_REGULAR;
  return -1;
}

/* gids[i] = the glyph of cps[i] in the subset face (0 if it has none). */
static void subset_glyphs(hb_face_t *subset, const uint32_t *cps, size_t n,
                          uint16_t *gids) {
  hb_font_t *font = hb_font_create(subset);
  for (size_t i = 0; i < n; i++) {
    hb_codepoint_t g = 0;
    gids[i] = hb_font_get_nominal_glyph(font, cps[i], &g) && g <= 0xFFFF
                  ? (uint16_t)g
                  : 0;
  }
  hb_font_destroy(font);
}

void font_describe(const struct font *f, struct font_desc *out) {
  memset(out, 0, sizeof *out);
  const FT_BBox *bb = &f->face->bbox;
  out->bbox[0] = to_milli_floor(bb->xMin, f->upem);
  out->bbox[1] = to_milli_floor(bb->yMin, f->upem);
  out->bbox[2] = -to_milli_floor(-bb->xMax, f->upem); /* ceiling */
  out->bbox[3] = -to_milli_floor(-bb->yMax, f->upem);
  TT_Postscript *post = FT_Get_Sfnt_Table(f->face, FT_SFNT_POST);
  if (post) {
    long angle = (long)post->italicAngle; /* 16.16 fixed point */
    out->italic_angle = (int)((angle >= 0 ? angle + 0x8000 : angle - 0x8000) / 0x10000);
    out->fixed_pitch = post->isFixedPitch != 0;
  }
  TT_OS2 *os2 = FT_Get_Sfnt_Table(f->face, FT_SFNT_OS2);
  int weight = os2 && os2->version != 0xFFFF ? os2->usWeightClass : 400;
  if (weight < 100 || weight > 1000) weight = 400;
  out->stem_v = 50 + (weight / 65) * (weight / 65); /* the usual estimate */
  out->italic = (f->face->style_flags & FT_STYLE_FLAG_ITALIC) != 0;
  out->bold = (f->face->style_flags & FT_STYLE_FLAG_BOLD) != 0 || weight >= 600;
}

/* ---- subsetting ---------------------------------------------------------
 * hb-subset: glyph IDs renumbered (render draws the subset's glyph IDs,
 * given back in gids_out; retaining IDs would only make loca/hmtx larger),
 * hinting dropped (the
 * TrueType instructions are over half of a DejaVu subset, the leaflets are
 * for print and viewers hint on their own; libharu 2.3.0 writes empty
 * cvt and fpgm and qpdf, poppler and mupdf read the result; melanoma in a4
 * went from 40.6 KB to 26.9 KB), glyph names
 * dropped (post version 3), name table cut to IDs 0-6.  Layout tables are
 * dropped: we kern ourselves, and libharu draws code points, never
 * substituted glyphs.  A 3-byte 'prep' (push 0, pop: does nothing) is
 * added: libharu 2.3.0 fails to save a font whose rewritten tables fill a
 * whole number of its 4096-byte stream blocks when the last one it writes,
 * 'prep', is empty (its checksum pass seeks to the very end of a full
 * stream: "PDF library error 0x1033 while saving", about one subset in a
 * thousand, first met with a wallet card).  The output is a pure function
 * of the input (same face, same code points -> same bytes). */
unsigned char *font_subset(const struct font *f, const uint32_t *cps, size_t n,
                           uint16_t *gids_out, size_t *len_out) {
  static const hb_tag_t drop[] = {
      HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
      HB_TAG('k', 'e', 'r', 'n'), HB_TAG('M', 'A', 'T', 'H'), HB_TAG('B', 'A', 'S', 'E'),
      HB_TAG('J', 'S', 'T', 'F'), HB_TAG('m', 'o', 'r', 'x'), HB_TAG('m', 'o', 'r', 't'),
      HB_TAG('k', 'e', 'r', 'x'), HB_TAG('F', 'F', 'T', 'M'), HB_TAG('D', 'S', 'I', 'G'),
      HB_TAG('h', 'd', 'm', 'x'), HB_TAG('V', 'D', 'M', 'X'), HB_TAG('L', 'T', 'S', 'H'),
      HB_TAG('P', 'C', 'L', 'T'),
  };
  hb_subset_input_t *in = hb_subset_input_create_or_fail();
  if (!in) return NULL;
  hb_set_t *uni = hb_subset_input_unicode_set(in);
  hb_set_add(uni, 0x20);
  for (size_t i = 0; i < n; i++) hb_set_add(uni, cps[i]);
  hb_set_t *tags = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++) hb_set_add(tags, drop[i]);
  hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);

  hb_face_t *sub = hb_subset_or_fail(f->hbface, in);
  hb_subset_input_destroy(in);
  if (!sub) return NULL;
  /* the subset's tables plus the no-op 'prep' (see above) */
  static const char prep[3] = {(char)0xB0, 0x00, 0x21}; /* PUSHB[0] 0; POP */
  hb_blob_t *sub_blob = hb_face_reference_blob(sub);
  hb_face_destroy(sub);
  hb_face_t *parsed = hb_face_create(sub_blob, 0); /* a builder face cannot
                                                      list its tables */
  hb_blob_destroy(sub_blob);
  subset_glyphs(parsed, cps, n, gids_out);
  hb_face_t *built = hb_face_builder_create();
  hb_tag_t have[64];
  unsigned nhave = sizeof have / sizeof *have;
  hb_face_get_table_tags(parsed, 0, &nhave, have);
  for (unsigned i = 0; i < nhave; i++) {
    if (have[i] == HB_TAG('p', 'r', 'e', 'p')) continue;
    hb_blob_t *t = hb_face_reference_table(parsed, have[i]);
    hb_face_builder_add_table(built, have[i], t);
    hb_blob_destroy(t);
  }
  hb_blob_t *pb = hb_blob_create(prep, sizeof prep, HB_MEMORY_MODE_READONLY,
                                 NULL, NULL);
  hb_face_builder_add_table(built, HB_TAG('p', 'r', 'e', 'p'), pb);
  hb_blob_destroy(pb);
  hb_face_destroy(parsed);
  sub = built;
  hb_blob_t *blob = hb_face_reference_blob(sub);
  unsigned len = 0;
  const char *bytes = hb_blob_get_data(blob, &len);
  unsigned char *out = NULL;
  if (bytes && len > 0) {
    out = xmalloc(len);
    memcpy(out, bytes, len);
    if (len_out) *len_out = len;
  }
  hb_blob_destroy(blob);
  hb_face_destroy(sub);
  return out;
}
