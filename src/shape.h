/*
 * shape: inline spans to the item list the line breaker reads
 * (boxes, glue and penalties, after Knuth & Plass).
 *
 * Input:  struct doc_inline, a shape_style, the fontset, a hyph (or NULL).
 * Output: struct item_list allocated from the arena, ending with the
 *         paragraph-finishing sequence penalty(+inf) glue(0, fil) penalty(-inf).
 *
 * Boxes are pieces of words between break opportunities (UAX #14 via
 * libunibreak, the only includer of linebreak.h) and hyphenation points; each
 * carries its UTF-8 text, face, size and the kerning after each character.
 * Spaces become glue: natural width = the face's space advance, stretch 1/2,
 * shrink 1/3 of it.  A hyphenation point is a flagged penalty whose width is
 * the hyphen's advance.  U+00A0 and [[keep]] spans never break; explicit
 * hyphens and slashes give an unflagged-width, flagged penalty of width 0.
 *
 * Errors: a character that no face of the fontset has is reported at its
 * source position naming the character; returns false.  A character of a
 * SPAN_PATIENT span is reported at the span's position (resolve and compose
 * put the patient field's CSV cell there) and, unless
 * diag->show_patient_data, without naming the character or its code point.
 *
 * Ownership: items, their text copies and kerning arrays are from the arena.
 */
#ifndef HANDOUT_SHAPE_H
#define HANDOUT_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "doc.h"
#include "font.h"
#include "hyph.h"
#include "util.h"

enum item_type { ITEM_BOX, ITEM_GLUE, ITEM_PENALTY };

#define ITEM_INF_PENALTY 10000 /* >= this: never break; <= -this: must */
#define ITEM_FIL ((hu_t)1 << 50) /* stretch at least this: infinite */

struct item {
  enum item_type type;
  hu_t width;   /* natural width */
  hu_t stretch; /* GLUE */
  hu_t shrink;  /* GLUE */
  int penalty;  /* PENALTY */
  bool flagged; /* PENALTY: a hyphen break (for double-hyphen demerits) */

  /* What render draws.  BOX: text; GLUE: one space (U+0020) of face;
   * flagged PENALTY with width > 0: a hyphen (U+2010 mapped to '-') of face,
   * drawn only if the line breaks there. */
  const char *text;   /* BOX: UTF-8 bytes (arena) */
  uint32_t len;       /* BOX: bytes */
  const int16_t *kern; /* BOX: per character, 1/1000 em added after it
                          (negative = closer); NULL when all zero */
  uint8_t face;       /* fontset index */
  int size;           /* cpt */
  uint32_t color;     /* 0xRRGGBB */
  const char *link;   /* URL of the span, or NULL */
};

struct item_list {
  struct item *items;
  size_t n;
};

struct shape_style {
  enum font_role role; /* FONT_REGULAR for body, FONT_BOLD for headings */
  int size;            /* cpt */
  uint32_t color;
  uint32_t link_color;
  bool hyphenate;      /* use hyph at all */
};

bool shape_inline(const struct doc_inline *in, const struct shape_style *st,
                  struct fontset *fs, struct hyph *hy, struct arena *arena,
                  struct diag *d, struct item_list *out);

/* Width of plain UTF-8 text in one role and size (no breaks), in hu; used
 * for list labels, footers and table measuring.  Characters no face has
 * count as zero width (callers shape real text through shape_inline). */
hu_t shape_text_width(struct fontset *fs, enum font_role role, int size,
                      const char *utf8, size_t len);

#endif
