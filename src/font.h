/*
 * font: font files to metrics.  The only includer of FreeType and HarfBuzz
 * (hb.h, hb-ft.h); render uses hb-subset through font_subset() below.
 *
 * Units: advances and kerning are integers in 1/1000 em, computed exactly as
 * libharu writes /W: floor(advance * 1000 / units_per_em).  Kerning comes
 * from HarfBuzz (GPOS or kern table) with ligatures off, converted to
 * 1/1000 em and rounded to nearest.
 *
 * Fonts are loaded only from the project's fonts/ folder (never the system).
 *
 * Ownership: a struct fontset owns its faces, their file bytes and a lazily
 * filled kerning cache; fontset_free() releases all.  A fontset is not thread
 * safe (the kerning cache is filled on use): one per worker.
 */
#ifndef HANDOUT_FONT_H
#define HANDOUT_FONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "pagedef.h"

enum font_role { FONT_REGULAR = 0, FONT_BOLD = 1 }; /* then fallbacks */
#define FONTSET_MAX (2 + PAGEDEF_MAX_FALLBACKS)

struct font;

struct fontset {
  struct font *face[FONTSET_MAX];
  int nfaces;
};

/* Load the layout's regular, bold and fallback faces from fonts_dir.  Reports
 * a missing or unreadable font at the layout's position; returns false. */
bool fontset_load(struct fontset *fs, const struct pagedef *pd,
                  const char *fonts_dir, struct diag *d);
void fontset_free(struct fontset *fs);

/* The face index to draw cp with in the given role: the role's own face if it
 * has the glyph, else the first fallback that has it, else (FONT_BOLD only)
 * the regular face; -1 if none has it. */
int fontset_pick(const struct fontset *fs, enum font_role role, uint32_t cp);

bool font_has(const struct font *f, uint32_t cp);
int font_advance(const struct font *f, uint32_t cp);           /* 1/1000 em */
int font_kern(struct font *f, uint32_t left, uint32_t right);  /* 1/1000 em */
int font_ascender(const struct font *f);                       /* 1/1000 em */
int font_descender(const struct font *f); /* 1/1000 em, negative */
int font_cap_height(const struct font *f); /* 1/1000 em */
const char *font_file(const struct font *f);      /* path as loaded */
const char *font_postscript_name(const struct font *f);

/* A TrueType subset of f holding exactly the code points cps[0..n) (plus
 * .notdef and the space), with glyph widths unchanged, GSUB/GPOS/kern and
 * hinting dropped, glyphs renumbered; gids_out[i] (n entries, caller's) is
 * the subset's glyph for cps[i], 0 if f has none.  Returns malloc'd bytes
 * (caller frees) or NULL if HarfBuzz fails.  A pure function of its input. */
unsigned char *font_subset(const struct font *f, const uint32_t *cps, size_t n,
                           uint16_t *gids_out, size_t *len_out);

/* What a PDF font descriptor says of a face; lengths in 1/1000 em. */
struct font_desc {
  int bbox[4];      /* xMin yMin xMax yMax of all glyphs (head), rounded out */
  int italic_angle; /* degrees counter-clockwise from vertical (post) */
  int stem_v;       /* estimated from the OS/2 weight class */
  bool italic, bold, fixed_pitch;
};
void font_describe(const struct font *f, struct font_desc *out);

#endif
