/*
 * shape: inline spans to boxes, glue and penalties.  See shape.h.
 *
 * One paragraph is shaped in three passes over its characters:
 *
 *   1. decode: the spans' text is concatenated (span boundaries remembered)
 *      and decoded into one record per character; libunibreak marks the
 *      UAX #14 break opportunities over the whole paragraph at once, so
 *      breaks at span boundaries (a slash just after a bold word) come out
 *      right.  Each character is classified (breakable space, drawn, soft hyphen,
 *      invisible, bad) and gets its face from fontset_pick(); characters no
 *      face has and control characters are reported here.
 *   2. hyphenate: letter runs of 5 or more letters get hyph_word() points.
 *   3. emit: boxes, glue and penalties, with advances and kerning.
 *
 * Decisions (TeX-like, after The TeXbook ch. 12 and 14):
 *   - Interword glue: natural = the face's space advance at the size,
 *     stretch 1/2 and shrink 1/3 of it.  These are exactly the ratios of
 *     Computer Modern's \fontdimen2-4 (3.33pt plus 1.67pt minus 1.11pt), the
 *     best-tested defaults there are.  A run of spaces is one glue; leading
 *     and trailing spaces are dropped.  Where UAX #14 forbids a break after
 *     the spaces (before '!' '?' ')' in "Attention !", after "( "), the
 *     glue gets an infinite penalty in front of it, so it cannot break.
 *     No wider space after sentences (\frenchspacing), as is usual outside
 *     the US typewriter tradition.
 *   - Hyphenation point (patterns, exception list, U+00AD soft hyphen):
 *     penalty 50 (\hyphenpenalty), flagged, width = advance of '-' in the
 *     face of the letter before the point.
 *   - Break after an explicit hyphen or dash (- U+2010 U+2012-2015) or a
 *     slash: penalty 50 (\exhyphenpenalty), flagged (a line ending in a
 *     visible hyphen counts for the double-hyphen demerits, as in TeX),
 *     width 0.  After U+200B (zero-width space): penalty 0, unflagged.
 *     Any other non-space UAX #14 opportunity: penalty 50, unflagged.
 *   - No break anywhere between two characters of [[keep]] spans (spaces
 *     inside them become part of the box text) or at U+00A0/U+202F/U+2007
 *     (libunibreak class GL: drawn as themselves, never broken).
 *   - Words not hyphenated automatically: in a [[keep]] span, containing a
 *     soft hyphen (the author chose the points, as in TeX), all capitals
 *     (acronyms), or in a token with '/' or '@' (URLs, e-mail addresses).
 *   - Kerning: font_kern() between consecutive drawn characters of the same
 *     face, also across box boundaries inside a word (stored on the last
 *     character of the earlier box and counted in its width).  Across a
 *     hyphenation point the kern is kept and the penalty's width is the
 *     hyphen's advance minus the kern: a break there leaves the kern
 *     undrawn (render drops the kern after a line's last character), so
 *     box + penalty width is exactly what is drawn either way.  Across a
 *     width-0 penalty (after - / or U+200B) there is no kern: giving it
 *     back would need a width != 0, which means "draw a hyphen" (shape.h).
 *     So "anti-TNF" loses kern('-','T') = -92.  No kern between a letter
 *     and the hyphen drawn at a break, none across glue or a face change.
 *   - Invisible format characters (U+200B-U+200F, U+2060-U+2064, U+FEFF,
 *     U+FE00-U+FE0F, U+034F, bidi controls) are not drawn; their break
 *     opportunities (U+200B) still count.
 *   - Rejected: C0/C1 controls and DEL (a tab or newline in a paragraph is
 *     an authoring error: "new line" is a new paragraph or list item),
 *     U+2028/U+2029, and characters above U+FFFF (libharu writes 2-byte
 *     codes: they would silently vanish from the PDF).
 *
 * Cost: per character one decode, one cached glyph lookup, one cached kern
 * probe; memory is five scratch arrays per paragraph (freed) plus the items,
 * the drawn text and the kerning in the arena.  No allocation per character.
 */
#include "shape.h"

#include <stdlib.h>
#include <string.h>
#include <threads.h>

/* libunibreak's header is called linebreak.h, like ours, and with -Isrc
 * #include <linebreak.h> finds ours.  So the two functions and the one value
 * we use are declared here, exactly as libunibreak 1.1 (Debian 12,
 * LINEBREAK_VERSION 0x0202) declares them; later releases keep them. */
void init_linebreak(void);
void set_linebreaks_utf8(const unsigned char *s, size_t len, const char *lang, char *brks);
#define UNIBREAK_ALLOWBREAK 1 /* LINEBREAK_ALLOWBREAK */

#define PEN_HYPHEN 50   /* \hyphenpenalty: automatic and soft hyphens */
#define PEN_EXHYPHEN 50 /* \exhyphenpenalty: after - – — / */
#define PEN_ZWSP 0      /* after U+200B: the author asked for a break here */
#define PEN_OTHER 50    /* any other UAX #14 opportunity not at a space */
#define PEN_URL 100     /* inside a web or email address shown as text */
#define HYPH_MIN_LETTERS 5

/* libunibreak 1.1 builds its lookup tables in init_linebreak(), which is
 * not safe to run twice concurrently: call_once makes it safe for batch
 * workers that shape in threads.  After that, set_linebreaks_utf8() only
 * reads global tables and is thread safe. */
static once_flag unibreak_once = ONCE_FLAG_INIT;
static void unibreak_init(void) { init_linebreak(); }

enum ch_kind {
  K_SPACE,  /* U+0020 outside [[keep]]: glue */
  K_DRAW,   /* drawn in a box */
  K_SHY,    /* U+00AD: hyphenation point, not drawn */
  K_IGNORE, /* invisible format character: not drawn */
  K_BAD,    /* reported error: skipped */
};

struct ch {
  uint32_t cp;
  uint32_t off;  /* byte offset in the paragraph text */
  uint32_t span; /* index into in->spans */
  uint8_t nbytes;
  uint8_t kind;  /* enum ch_kind */
  int8_t face;   /* K_DRAW, K_SPACE: fontset index */
  bool brk;      /* a UAX #14 break opportunity after this character */
  bool hyph;     /* a hyphenation point after this character */
};

struct shaper {
  const struct doc_inline *in;
  const struct shape_style *st;
  struct fontset *fs;
  struct diag *d;
  const char *text;  /* concatenated span text */
  size_t *span_off;  /* byte offset of each span in text */
  struct ch *chs;
  size_t n;
  bool failed;
  uint32_t *reported; /* code points already reported in this paragraph */
  size_t nreported, capreported;

  /* output */
  struct item *items;
  size_t nitems, capitems;
  char *dtext;      /* drawn text (arena) */
  size_t dlen;
  int16_t *dkern;   /* per drawn character (arena) */
  size_t dk;
};

/* ---- character classes -------------------------------------------------- */

static bool is_control(uint32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029;
}

static bool is_ignorable(uint32_t c) {
  if (c < 0x034F) return false;
  return c == 0x034F || c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x206F) || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;
}

static bool is_letter(uint32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
  return (c >= 0x300 && c <= 0x36F) ||                 /* combining marks */
         (c >= 0x386 && c <= 0x3FF && c != 0x387) ||   /* Greek */
         (c >= 0x400 && c <= 0x52F) ||                 /* Cyrillic */
         (c >= 0x1E00 && c <= 0x1EFF);                 /* Latin Ext. Additional */
}

static bool is_upper(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
         (c >= 0x391 && c <= 0x3AB) || (c >= 0x400 && c <= 0x42F);
}

static bool is_hyphen_like(uint32_t c) {
  return c == '-' || c == 0x2010 || (c >= 0x2012 && c <= 0x2015) || c == '/';
}

/* ---- diagnostics --------------------------------------------------------- */

static struct src_pos char_pos(const struct shaper *s, size_t i) {
  const struct ch *c = &s->chs[i];
  const struct doc_span *sp = &s->in->spans[c->span];
  struct src_pos p = sp->pos;
  if (sp->flags & SPAN_PATIENT) return p; /* the patient field's own place
                                             (the CSV cell): no offset */
  size_t start = s->span_off[c->span];
  if (p.col > 0) p.col += (int)utf8_count(s->text + start, c->off - start);
  return p;
}

/* The character for a message: 'é' (U+00E9), or, when it comes from a
 * patient field and patient data is not shown, words that name neither the
 * character nor its code point (either could give away a name's script). */
static void describe_char(const struct shaper *s, size_t i, char *buf,
                          size_t size) {
  const struct doc_span *sp = &s->in->spans[s->chs[i].span];
  if ((sp->flags & SPAN_PATIENT) && !s->d->show_patient_data)
    snprintf(buf, size, "in a patient field (hidden: --show-patient-data "
                        "shows it)");
  else
    diag_describe_char(s->chs[i].cp, buf, size);
}

static const char *base_name(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

/* "A.ttf", "A.ttf or B.ttf", "A.ttf, B.ttf or C.ttf" over the faces in
 * which[0..n), without duplicate file names. */
static void list_fonts(const struct fontset *fs, const int *which, int n, char *buf,
                       size_t size) {
  const char *names[FONTSET_MAX];
  int k = 0;
  for (int i = 0; i < n; i++) {
    const char *nm = base_name(font_file(fs->face[which[i]]));
    bool dup = false;
    for (int j = 0; j < k; j++) dup |= strcmp(names[j], nm) == 0;
    if (!dup) names[k++] = nm;
  }
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; i < k && o < size; i++) {
    const char *sep = i == 0 ? "" : (i == k - 1 ? " or " : ", ");
    int w = snprintf(buf + o, size - o, "%s%s", sep, names[i]);
    if (w < 0) break;
    o += (size_t)w;
  }
}

/* Once per code point per paragraph: the same missing character twenty
 * times is one problem. */
static bool first_report(struct shaper *s, uint32_t cp) {
  for (size_t i = 0; i < s->nreported; i++)
    if (s->reported[i] == cp) return false;
  *VEC_PUSH(s->reported, s->nreported, s->capreported) = cp;
  return true;
}

static void report_missing(struct shaper *s, size_t i, enum font_role role) {
  s->failed = true;
  uint32_t cp = s->chs[i].cp;
  if (!first_report(s, cp)) return;
  char what[80], fonts[512];
  describe_char(s, i, what, sizeof what);
  struct src_pos pos = char_pos(s, i);

  /* Faces this role may use, and faces that have the character. */
  int usable[FONTSET_MAX], has[FONTSET_MAX], nu = 0, nh = 0;
  usable[nu++] = (int)role;
  for (int f = 2; f < s->fs->nfaces; f++) usable[nu++] = f;
  if (role == FONT_BOLD) usable[nu++] = FONT_REGULAR;
  for (int f = 0; f < s->fs->nfaces; f++)
    if (font_has(s->fs->face[f], cp)) has[nh++] = f;

  if (nh == 0) {
    int all[FONTSET_MAX];
    for (int f = 0; f < s->fs->nfaces; f++) all[f] = f;
    list_fonts(s->fs, all, s->fs->nfaces, fonts, sizeof fonts);
    diag_error(s->d, pos,
               "character %s is not in any font of this layout (expected a character "
               "that %s has)", what, fonts);
  } else {
    char other[256];
    list_fonts(s->fs, usable, nu, fonts, sizeof fonts);
    list_fonts(s->fs, has, nh, other, sizeof other);
    diag_error(s->d, pos,
               "character %s is not in %s, the font%s for %s text here (expected a "
               "character that font has; only %s has it)", what, fonts, nu > 1 ? "s" : "",
               role == FONT_BOLD ? "bold" : "regular", other);
  }
}

static void report_char(struct shaper *s, size_t i, const char *fmt) {
  s->failed = true;
  if (!first_report(s, s->chs[i].cp)) return;
  char what[80];
  describe_char(s, i, what, sizeof what);
  diag_error(s->d, char_pos(s, i), fmt, what);
}

/* ---- pass 1: decode and classify --------------------------------------------- */

static enum font_role span_role(const struct shaper *s, const struct doc_span *sp) {
  return (sp->flags & SPAN_BOLD) ? FONT_BOLD : s->st->role;
}

static bool decode(struct shaper *s, char *brks) {
  const struct doc_inline *in = s->in;
  for (size_t i = 0; i < s->n; i++) {
    struct ch *c = &s->chs[i];
    const struct doc_span *sp = &in->spans[c->span];
    bool keep = (sp->flags & SPAN_KEEP) != 0;
    enum font_role role = span_role(s, sp);
    uint32_t cp = c->cp;
    c->brk = brks[c->off + c->nbytes - 1] == UNIBREAK_ALLOWBREAK;
    c->face = -1;

    if (cp > 0x20 && cp < 0x7F) {
      c->kind = K_DRAW; /* the common case first */
    } else if ((cp == 0x20 || cp == '\n' || cp == '\t' || cp == '\r') && !keep) {
      /* a new line or tab in the YAML text (| and > blocks) is a space,
       * as in HTML: paragraphs are separate blocks, not lines */
      c->kind = K_SPACE;
    } else if (cp == 0xAD) {
      c->kind = K_SHY;
    } else if (is_control(cp)) {
      c->kind = K_BAD;
      report_char(s, i,
                  "control character %s in text (expected printable characters; a new "
                  "line is a new paragraph or list item)");
      continue;
    } else if (is_ignorable(cp)) {
      c->kind = K_IGNORE;
    } else {
      c->kind = K_DRAW;
    }
    if (c->kind == K_SPACE || c->kind == K_DRAW) {
      int f = fontset_pick(s->fs, role, c->kind == K_SPACE ? 0x20 : cp);
      if (f < 0) {
        c->kind = K_BAD;
        report_missing(s, i, role);
      } else if (cp > 0xFFFF) {
        c->kind = K_BAD;
        report_char(s, i,
                    "character %s is outside the Basic Multilingual Plane (expected a "
                    "character up to U+FFFF: PDF text is written with 2-byte codes)");
      } else {
        c->face = (int8_t)f;
      }
    }
  }
  return !s->failed;
}

/* ---- pass 2: hyphenation -------------------------------------------------- */

static void hyphenate(struct shaper *s, struct hyph *hy) {
  bool points[128];
  size_t i = 0;
  while (i < s->n) {
    /* a token: characters between breakable spaces */
    if (s->chs[i].kind == K_SPACE) {
      i++;
      continue;
    }
    size_t t0 = i, t1 = i;
    bool urlish = false;
    while (t1 < s->n && s->chs[t1].kind != K_SPACE) {
      uint32_t cp = s->chs[t1].cp;
      if (cp == '/' || cp == '@') urlish = true;
      t1++;
    }
    i = t1;
    if (urlish) continue;

    /* words: maximal runs of letters and soft hyphens inside the token */
    size_t w = t0;
    while (w < t1) {
      const struct ch *c = &s->chs[w];
      if (!((c->kind == K_DRAW && is_letter(c->cp)) || c->kind == K_SHY)) {
        w++;
        continue;
      }
      size_t w1 = w, letters = 0;
      bool shy = false, keep = false, lower = false;
      while (w1 < t1) {
        const struct ch *e = &s->chs[w1];
        if (e->kind == K_SHY) {
          shy = true;
        } else if (e->kind == K_DRAW && is_letter(e->cp)) {
          letters++;
          if (!is_upper(e->cp)) lower = true;
        } else {
          break;
        }
        if (s->in->spans[e->span].flags & SPAN_KEEP) keep = true;
        w1++;
      }
      if (!shy && !keep && lower && letters >= HYPH_MIN_LETTERS &&
          letters <= sizeof points) {
        /* letters only and no soft hyphen: the bytes are contiguous */
        const char *word = s->text + s->chs[w].off;
        size_t len = s->chs[w1 - 1].off + s->chs[w1 - 1].nbytes - s->chs[w].off;
        if (hyph_word(hy, word, len, points) > 0)
          for (size_t k = 0; k + 1 < letters; k++)
            if (points[k]) s->chs[w + k].hyph = true;
      }
      w = w1;
    }
  }
}

/* ---- pass 3: items ---------------------------------------------------------- */

static struct item *push_item(struct shaper *s, enum item_type type) {
  struct item *it = VEC_PUSH(s->items, s->nitems, s->capitems);
  memset(it, 0, sizeof *it);
  it->type = type;
  it->size = s->st->size;
  return it;
}

static uint32_t span_color(const struct shaper *s, const struct doc_span *sp) {
  return sp->url ? s->st->link_color : s->st->color;
}

static bool same_link(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

static bool last_is(const struct shaper *s, enum item_type t) {
  return s->nitems > 0 && s->items[s->nitems - 1].type == t;
}

/* A penalty after character i (never first, never two in a row). */
static void emit_penalty(struct shaper *s, size_t i, int penalty, bool flagged, bool hyphen) {
  if (s->nitems == 0 || last_is(s, ITEM_PENALTY) || last_is(s, ITEM_GLUE)) return;
  const struct doc_span *sp = &s->in->spans[s->chs[i].span];
  int face = s->chs[i].face;
  hu_t width = 0;
  if (hyphen) {
    face = fontset_pick(s->fs, span_role(s, sp), '-');
    if (face < 0) return; /* no hyphen glyph anywhere: no hyphenation */
    width = (hu_t)font_advance(s->fs->face[face], '-') * s->st->size;
  }
  struct item *it = push_item(s, ITEM_PENALTY);
  it->penalty = penalty;
  it->flagged = flagged;
  it->width = width;
  it->face = (uint8_t)(face < 0 ? 0 : face);
  it->color = span_color(s, sp);
  it->link = sp->url;
}

static bool address_break(const struct shaper *s, size_t i);

static void emit(struct shaper *s) {
  const int size = s->st->size;
  long box = -1; /* index of the open box item */
  bool prev_ok = false; /* a drawn character to kern against */
  uint32_t prev_cp = 0;
  int prev_face = -1;
  size_t prev_k = 0, prev_item = 0;

  for (size_t i = 0; i < s->n; i++) {
    const struct ch *c = &s->chs[i];
    const struct doc_span *sp = &s->in->spans[c->span];

    if (c->kind == K_SPACE) {
      size_t j = i;
      while (j < s->n && (s->chs[j].kind == K_SPACE || s->chs[j].kind == K_IGNORE)) j++;
      box = -1;
      prev_ok = false;
      if (j < s->n && s->nitems > 0 && !last_is(s, ITEM_GLUE)) {
        if (last_is(s, ITEM_PENALTY)) s->nitems--; /* "x\u00AD y": the glue breaks */
        if (!s->chs[j - 1].brk) {
          /* UAX #14 forbids a break after these spaces ("Attention !",
           * "( a"): TeX's way, an infinite penalty in front of the glue. */
          struct item *p = push_item(s, ITEM_PENALTY);
          p->penalty = ITEM_INF_PENALTY;
          p->face = (uint8_t)c->face;
        }
        struct item *g = push_item(s, ITEM_GLUE);
        g->width = (hu_t)font_advance(s->fs->face[c->face], ' ') * size;
        g->stretch = g->width / 2;
        g->shrink = g->width / 3;
        g->face = (uint8_t)c->face;
        g->color = span_color(s, sp);
        g->link = sp->url;
      }
      i = j - 1;
      continue;
    }

    if (c->kind == K_SHY) {
      if (!(sp->flags & SPAN_KEEP) && prev_ok && i + 1 < s->n &&
          s->chs[i + 1].kind != K_SPACE) {
        box = -1;
        emit_penalty(s, i, PEN_HYPHEN, true, true);
      }
      continue; /* kerning goes on across the soft hyphen */
    }

    if (c->kind == K_BAD) {
      prev_ok = false;
      continue;
    }

    if (c->kind == K_DRAW) {
      const struct font *fnt = s->fs->face[c->face];
      uint32_t color = span_color(s, sp);
      if (box >= 0) {
        const struct item *b = &s->items[box];
        if (b->face != c->face || b->color != color || !same_link(b->link, sp->url))
          box = -1;
      }
      if (prev_ok && prev_face == c->face) {
        int k = font_kern(s->fs->face[c->face], prev_cp, c->cp);
        /* A penalty between the two characters: if the line breaks there
         * the kern is not drawn (the pair is split over two lines), so a
         * hyphen penalty gives it back through its width.  A width-0
         * penalty cannot (width > 0 means "draw a hyphen"): no kern. */
        bool ok = k != 0;
        for (size_t q = prev_item + 1; ok && q < s->nitems; q++)
          if (s->items[q].type == ITEM_PENALTY &&
              (s->items[q].width == 0 || s->items[q].width - (hu_t)k * size <= 0))
            ok = false;
        if (ok) {
          s->dkern[prev_k] = (int16_t)k;
          s->items[prev_item].width += (hu_t)k * size;
          for (size_t q = prev_item + 1; q < s->nitems; q++)
            if (s->items[q].type == ITEM_PENALTY) s->items[q].width -= (hu_t)k * size;
        }
      }
      if (box < 0) {
        struct item *b = push_item(s, ITEM_BOX);
        b->text = s->dtext + s->dlen;
        b->kern = s->dkern + s->dk;
        b->face = (uint8_t)c->face;
        b->color = color;
        b->link = sp->url;
        box = (long)(s->nitems - 1);
      }
      struct item *b = &s->items[box];
      for (unsigned k = 0; k < c->nbytes; k++) s->dtext[s->dlen++] = s->text[c->off + k];
      b->len += c->nbytes;
      b->width += (hu_t)font_advance(fnt, c->cp) * size;
      s->dkern[s->dk] = 0;
      prev_ok = true;
      prev_cp = c->cp;
      prev_face = c->face;
      prev_k = s->dk++;
      prev_item = (size_t)box;
    }

    /* a break after this character (K_DRAW or K_IGNORE)?  Breaks before a
     * space are the glue's business. */
    if (i + 1 >= s->n || s->chs[i + 1].kind == K_SPACE) continue;
    const struct doc_span *next = &s->in->spans[s->chs[i + 1].span];
    bool keep = (sp->flags & SPAN_KEEP) && (next->flags & SPAN_KEEP);
    if (c->brk && !keep) {
      box = -1;
      if (c->cp == 0x200B)
        emit_penalty(s, i, PEN_ZWSP, false, false);
      else if (is_hyphen_like(c->cp))
        emit_penalty(s, i, PEN_EXHYPHEN, true, false);
      else
        emit_penalty(s, i, PEN_OTHER, false, false);
    } else if (c->hyph) {
      box = -1;
      emit_penalty(s, i, PEN_HYPHEN, true, true);
    } else if (!keep && address_break(s, i)) {
      box = -1;
      emit_penalty(s, i, PEN_URL, false, false);
    }
  }

  while (last_is(s, ITEM_PENALTY) || last_is(s, ITEM_GLUE)) s->nitems--;

  /* kern arrays that are all zero become NULL */
  for (size_t k = 0; k < s->nitems; k++) {
    struct item *it = &s->items[k];
    if (it->type != ITEM_BOX) continue;
    size_t nch = utf8_count(it->text, it->len);
    bool any = false;
    for (size_t j = 0; j < nch && !any; j++) any = it->kern[j] != 0;
    if (!any) it->kern = NULL;
  }

  /* the paragraph end: penalty(+inf) glue(0, fil) penalty(-inf) */
  struct item *p = push_item(s, ITEM_PENALTY);
  p->penalty = ITEM_INF_PENALTY;
  struct item *g = push_item(s, ITEM_GLUE);
  g->stretch = ITEM_FIL;
  struct item *e = push_item(s, ITEM_PENALTY);
  e->penalty = -ITEM_INF_PENALTY;
}

/* Whether the text of a link span is itself an address (a URL or an email
 * shown as text), which UAX #14 leaves almost unbreakable. */
static bool span_is_address(const struct doc_span *sp) {
  if (!sp->url || (sp->flags & SPAN_KEEP)) return false;
  for (size_t i = 0; i < sp->len; i++)
    if (sp->text[i] == '@' || (sp->text[i] == ':' && i + 2 < sp->len &&
                               sp->text[i + 1] == '/' && sp->text[i + 2] == '/'))
      return true;
  return sp->len > 4 && memcmp(sp->text, "www.", 4) == 0;
}

/* Extra breaks inside an address, as typographers set URLs: after '@' and
 * after '/' sequences, before '.', '?', '&', '=' and '#'; never inside the
 * scheme ("https://") nor before the final character. */
static bool address_break(const struct shaper *s, size_t i) {
  const struct ch *c = &s->chs[i], *n = &s->chs[i + 1];
  if (c->span != n->span || !span_is_address(&s->in->spans[c->span])) return false;
  if (i + 2 >= s->n || s->chs[i + 2].span != c->span) return false;
  if (c->cp == '@') return true;
  if (c->cp == '/' && n->cp != '/' && i > 0 && s->chs[i - 1].cp != ':') return true;
  return n->cp == '.' || n->cp == '?' || n->cp == '&' || n->cp == '=' || n->cp == '#';
}

/* ---- entry points --------------------------------------------------------- */

bool shape_inline(const struct doc_inline *in, const struct shape_style *st,
                  struct fontset *fs, struct hyph *hy, struct arena *arena,
                  struct diag *d, struct item_list *out) {
  call_once(&unibreak_once, unibreak_init);
  out->items = NULL;
  out->n = 0;

  struct shaper s = {.in = in, .st = st, .fs = fs, .d = d};
  size_t total = 0;
  for (size_t i = 0; i < in->nspans; i++) total += in->spans[i].len;

  char *text = xmalloc(total + 1);
  s.span_off = xmalloc((in->nspans + 1) * sizeof *s.span_off);
  s.chs = xmalloc((total + 1) * sizeof *s.chs);
  char *brks = xmalloc(total + 1);
  s.text = text;

  /* pass 1: concatenate, decode, find breaks, classify */
  size_t o = 0;
  for (size_t i = 0; i < in->nspans; i++) {
    const struct doc_span *sp = &in->spans[i];
    s.span_off[i] = o;
    size_t bad = utf8_invalid_at(sp->text, sp->len);
    if (bad != (size_t)-1) {
      struct src_pos p = sp->pos;
      if (p.col > 0) p.col += (int)utf8_count(sp->text, bad);
      diag_error(d, p, "text is not valid UTF-8 (expected UTF-8)");
      s.failed = true;
    }
    memcpy(text + o, sp->text, sp->len);
    o += sp->len;
  }
  if (!s.failed) {
    size_t nffff = 0;
    for (size_t i = 0, b = 0; i < in->nspans; i++) {
      const size_t end = s.span_off[i] + in->spans[i].len;
      while (b < end) {
        struct ch *c = &s.chs[s.n++];
        int k = utf8_decode(text + b, end - b, &c->cp);
        c->off = (uint32_t)b;
        c->nbytes = (uint8_t)k;
        c->span = (uint32_t)i;
        c->hyph = false;
        /* U+FFFF is libunibreak's end-of-text value: given one, it stops
         * early and fails an assertion (abort).  U+FFFD, as long in UTF-8,
         * stands in for it while the breaks are found; decode() still sees
         * U+FFFF (tests/fuzz/regressions/render-uffff). */
        if (c->cp == 0xFFFF) text[b + 2] = (char)0xBD, nffff++;
        b += (size_t)k;
      }
    }
    if (total > 0) set_linebreaks_utf8((const unsigned char *)text, total, NULL, brks);
    for (size_t i = 0; nffff && i < s.n; i++)
      if (s.chs[i].cp == 0xFFFF) text[s.chs[i].off + 2] = (char)0xBF, nffff--;
    decode(&s, brks);
  }

  if (!s.failed) {
    /* pass 2 */
    if (st->hyphenate && hy) hyphenate(&s, hy);
    /* pass 3 */
    s.dtext = arena_alloc(arena, total + 1);
    s.dkern = arena_alloc(arena, (s.n + 1) * sizeof *s.dkern);
    emit(&s);
    out->items = arena_alloc(arena, s.nitems * sizeof *out->items);
    memcpy(out->items, s.items, s.nitems * sizeof *out->items);
    out->n = s.nitems;
  }

  free(text);
  free(s.span_off);
  free(s.chs);
  free(brks);
  free(s.items);
  free(s.reported);
  return !s.failed;
}

hu_t shape_text_width(struct fontset *fs, enum font_role role, int size,
                      const char *utf8, size_t len) {
  long milli = 0;
  int prev_face = -1;
  uint32_t prev_cp = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    int k = utf8_decode(utf8 + i, len - i, &cp);
    if (k == 0) { /* invalid byte: skip it, zero width */
      i++;
      prev_face = -1;
      continue;
    }
    i += (size_t)k;
    if (cp == 0xAD || is_ignorable(cp)) continue;
    int f = is_control(cp) ? -1 : fontset_pick(fs, role, cp);
    if (f < 0) {
      prev_face = -1;
      continue;
    }
    if (f == prev_face) milli += font_kern(fs->face[f], prev_cp, cp);
    milli += font_advance(fs->face[f], cp);
    prev_face = f;
    prev_cp = cp;
  }
  return (hu_t)milli * size;
}
