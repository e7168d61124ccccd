/*
 * load: handout and layout YAML to struct doc / struct pagedef.
 * See load.h for the contract, yamlread.h for what is checked before this
 * file sees a node (size, UTF-8, tabs, anchors, aliases, tags, depth,
 * duplicate keys, syntax).
 *
 * Every value gets its type from the schema below, never from YAML's
 * implicit rules: `version: 1.0` is the text "1.0", `hyphenate: yes` is the
 * text "yes" (and is refused), `published: 2026-01-05` is the text of a date.
 * Each mapping type has one table of {key, kind, required, handler, field};
 * yr_dispatch() reports unknown keys (with "did you mean"), values of the
 * wrong kind and missing required keys.  Errors never stop the walk: every
 * problem in the file is reported, then NULL is returned.
 *
 * HANDOUT SCHEMA (handouts/NAME.yaml)
 *
 *   id: lung-cancer              required; [a-z0-9-]+
 *   language: en-GB              required; BCP 47 tag: ll or lll, then
 *                                 -subtags of 2-8 letters or digits
 *   title: Immunotherapy ...     required; plain text (~ and \ escapes only)
 *   subtitle: For patients ...   optional; plain text
 *   version: "1.0"               required; text (1.0 stays "1.0")
 *   published: 2026-01-05        required; YYYY-MM-DD, a real calendar date
 *   review_by: 2027-01-05        required; date, after published
 *   owner: Oncology nursing      required; text
 *   reviewed_against: ...        required; text (guideline/label versions)
 *   summary: ...                 optional; inline text, the main message
 *   sources:                     required; non-empty sequence of
 *     - title: ...                 required; text
 *       publisher: ...             optional; text
 *       url: https://...           optional; http:// or https://
 *   sections:                    required; non-empty sequence of sections
 *   card:                        optional; the wallet card (layout kind
 *                                 card), ISO/IEC 7810 ID-1
 *     front:                       required; a side:
 *       title: INLINE                required
 *       lines: [INLINE...]           required; 1 to DOC_CARD_MAX_LINES (6)
 *       note: INLINE                 optional
 *     back:                        required; a side, as front
 *
 *   section    := {heading: INLINE, body: [block...], sections:
 * [subsection...]} heading required, body and sections optional | {include:
 * common/FILE.yaml}   the file holds one section subsection := {heading:
 * INLINE, body: [block...]}  (two levels only) | {include: common/FILE.yaml}
 * the file holds one subsection
 *
 *   A section (either form) and a block may also have
 *     when: "patient.treatment contains ipilimumab"
 *   a condition (when.h): the section or block is printed only when it
 *   holds.  A section's condition is stored on its heading and every block
 *   in it (struct doc_when.outer chains nested ones); resolve drops them.
 *
 *   block := one mapping with exactly one of these keys:
 *     text: INLINE                      a paragraph
 *     bullets: [item...]                a bulleted list (non-empty)
 *     numbered: [item...]               a numbered list (non-empty)
 *       item := INLINE
 *             | {text: INLINE, bullets: [INLINE...]}
 *             | {text: INLINE, numbered: [INLINE...]}
 *               (one nested level; nested items are INLINE or {text})
 *     callout:                          a boxed group
 *       kind: info|warning|urgent         required
 *       title: INLINE                     optional
 *       body: [block...]                  required; only text, bullets,
 *                                         numbered (and includes of them)
 *     table:
 *       header: [INLINE...]               optional
 *       rows: [[INLINE...]...]            required; every row as long as the
 *                                         header (or as the first row)
 *     image:
 *       file: pictures/x.png              required; relative to the folder of
 *                                         the YAML file, PNG or JPEG, checked
 *       alt: ...                          required; non-empty text
 *       width: 60mm                       optional; length
 *       caption: INLINE                   optional
 *     qr:
 *       url: https://...                  required; http:// or https://
 *       alt: ...                          optional; default "QR code: URL"
 *       width: 25mm                       optional; length
 *       caption: INLINE                   optional
 *     include: common/FILE.yaml         the file holds a sequence of blocks,
 *                                       spliced in place
 *
 *   INLINE is text with the markup of inline.h (**bold**, [text](url),
 *   [[keep]], ~, \ escapes).
 *
 *   Includes: paths are relative to the root folder given to
 *   load_handout() (normally "handouts"); absolute paths, ".." that leaves
 *   the root, symbolic links that resolve outside it, missing files, cycles
 *   and more than LOAD_MAX_INCLUDES includes per handout are errors.
 *   Included files may include others.  Errors inside an included file name
 *   that file.
 *
 *   Output: sections are flattened into doc->blocks: DOC_HEADING level 1,
 *   its body, then for each subsection DOC_HEADING level 2 and its body.
 *
 * LAYOUT SCHEMA (layouts/NAME.yaml)
 *
 *   name: a4                          required
 *   page:                             required
 *     size: A4|A5|Letter|Legal          size, or width and height (lengths)
 *     orientation: portrait|landscape   optional, with size only
 *     margins: {top, bottom, left, right}  required, lengths >= 0
 *     bleed: 3mm                        optional, length >= 0
 *   columns: 2                        optional, 1..4, default 1
 *   column_gap: 8mm                   optional, default 8mm
 *   fonts:                            required
 *     regular: DejaVuSans.ttf           required; a file name in fonts/
 *     bold: DejaVuSans-Bold.ttf         required
 *     fallback: [a.ttf, b.ttf]          optional; at most
 *                                       PAGEDEF_MAX_FALLBACKS
 *   text:                             required
 *     size: 12pt                        required; font size
 *     leading: 16pt                     required; length
 *     align: left|justify               required
 *     hyphenate: true|false             required (yes/no are refused)
 *     language: en-US                   optional, default en-US
 *     paragraph_space: 8pt              optional, default leading / 2
 *     min_size: 12pt                    optional, default 12pt; size must
 *                                       not be below it
 *     expansion: 2%                     optional, default 0%: how much the
 *                                       letters of a justified line may be
 *                                       widened or narrowed (0% to 5%)
 *   headings: {title, subtitle, h1, h2}  optional font sizes; defaults
 *                                       1.7, 1.2, 1.35 and 1.15 x text size
 *   footer: {size, running}           optional; size default 0.85 x text
 *                                       size, never below min_size; running:
 *                                       true|false (default true): the
 *                                       running footer (title, version,
 *                                       "Page X of Y") on every page
 *   kind: leaflet|card                optional, default leaflet; card: the
 *                                       handout's card: part, front on page
 *                                       1 and back on page 2 (compose.h)
 *   panels:                           optional; a folded leaflet: a fixed
 *                                       set of panels (page columns)
 *     order: [{page: 1, column: 3}, ...]  required; the panels the text flows
 *                                       through, in reading order (page 1-8,
 *                                       column 1..columns, each panel once)
 *     back: {page: 1, column: 2}        optional; the back cover: urgent
 *                                       call-outs and "Contact us" go here
 *   page_multiple: 4                  optional, 1-16, default 1: blank pages
 *                                       are added at the end to make the page
 *                                       count a multiple of this
 *   sheet:                            optional; the printer's sheet that
 *                                       --impose puts the pages on (impose.h)
 *     size: A4                          required; a named size
 *     orientation: portrait|landscape   optional
 *     imposition: saddle-stitch|cards   required; saddle-stitch needs
 *                                       page_multiple 4 and two pages side
 *                                       by side on the sheet; cards needs
 *                                       kind card
 *     columns: 2, rows: 5               cards only, 1-10, default 1
 *     gap: 4mm                          cards only, default 4mm
 *     crop_marks: true|false            cards only, default true
 *     always: true|false                optional, default false: impose even
 *                                       without --impose
 *   colors: {text, heading, link, rule, info_bg, info_border, warning_bg,
 *            warning_border, urgent_bg, urgent_border}   optional, #RRGGBB
 *
 *   Lengths are a decimal number and a unit: 12pt, 10.5pt, 20mm, 2.5cm, 1in.
 *   Font sizes are lengths too and must be above 0 and at most 600pt.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* realpath */
#endif
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "inline.h"
#include "when.h"
#include "yamlread.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* ---- loader state -------------------------------------------------------- */

struct loader {
  struct yr_ctx yr; /* first: the shared readers (yamlread.h); its arena is
                       the result's: everything kept goes there */
  struct doc *doc;

  /* includes */
  const char *root; /* as given, without a trailing '/' */
  char *root_real;  /* realpath(root), malloc'd; NULL if it failed */
  const char *chain[LOAD_MAX_INCLUDES + 2]; /* display paths */
  char *chain_real[LOAD_MAX_INCLUDES + 2];  /* realpaths, malloc'd */
  int nchain;
  int nincludes;
  bool too_many;

  size_t nblocks;     /* counted against LOAD_MAX_BLOCKS (bvec_push) */
  bool too_many_blocks;
  size_t nlinks;      /* counted against LOAD_MAX_LINKS (count_links) */
  bool too_many_links;

  const char *dir; /* folder of the file being read ("" = current) */

  /* The condition every block read now is under (a section's, an include
   * or call-out block's when:), or NULL; see struct doc_when. */
  const struct doc_when *when;
};

/* A growable array of blocks in the arena (old copies are left behind). */
struct bvec {
  struct doc_block *v;
  size_t n, cap;
};

/* Every block of the handout passes here once, so this is where the
 * LOAD_MAX_BLOCKS limit is counted: one for each block, plus its list items
 * (nested ones too) and table rows (a call-out's blocks count themselves). */
static void bvec_push(struct loader *L, struct bvec *bv,
                      const struct doc_block *b) {
  size_t n = 1 + b->nrows;
  for (size_t i = 0; i < b->nitems; i++)
    n += 1 + (b->items[i].sublist ? b->items[i].sublist->nitems : 0);
  L->nblocks += n;
  if (L->nblocks > LOAD_MAX_BLOCKS && !L->too_many_blocks) {
    L->too_many_blocks = true;
    diag_error(L->yr.d, b->pos,
               "more than %d blocks in one handout (expected at most %d "
               "headings, paragraphs, list items, table rows and other "
               "blocks: split it into several leaflets)",
               LOAD_MAX_BLOCKS, LOAD_MAX_BLOCKS);
  }
  if (bv->n == bv->cap) {
    size_t cap = bv->cap ? bv->cap * 2 : 8;
    struct doc_block *v = arena_alloc(L->yr.arena, cap * sizeof *v);
    if (bv->n)
      memcpy(v, bv->v, bv->n * sizeof *v);
    bv->v = v;
    bv->cap = cap;
  }
  bv->v[bv->n++] = *b;
}

static int nerrors(const struct loader *L) { return L->yr.d->count[DIAG_ERROR]; }

/* ---- scalar readers ---------------------------------------------------------
 */

static bool blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
      return false;
  return true;
}

/* Non-empty text, copied into the result arena. */
static bool get_text(struct loader *L, const struct yr_node *k,
                     const struct yr_node *v, const char **out) {
  return yr_text(&L->yr, k, v, out);
}

/* Count the links of a parsed text against LOAD_MAX_LINKS (each becomes
 * an annotation per line it is set on).  The spans of one link share its
 * url pointer, so a link in several styles counts once. */
static bool count_links(struct loader *L, const struct doc_inline *in) {
  for (size_t i = 0; i < in->nspans; i++) {
    const struct doc_span *sp = &in->spans[i];
    if (!sp->url || (i > 0 && in->spans[i - 1].url == sp->url))
      continue;
    if (++L->nlinks > LOAD_MAX_LINKS && !L->too_many_links) {
      L->too_many_links = true;
      diag_error(L->yr.d, sp->pos,
                 "more than %d links in one handout (expected at most %d)",
                 LOAD_MAX_LINKS, LOAD_MAX_LINKS);
      return false;
    }
  }
  return true;
}

static bool get_inline(struct loader *L, const struct yr_node *k,
                       const struct yr_node *v, bool required,
                       struct doc_inline *out) {
  if (required && blank(v->str, v->len)) {
    diag_error(L->yr.d, v->pos, "empty value for '%s' (expected text)", k->str);
    return false;
  }
  return inline_parse(L->yr.arena, v->str, v->len, v->anchors, v->nanchors, L->yr.d,
                      out) &&
         count_links(L, out);
}

/* Plain text: inline escapes and ~ are allowed, formatting is not. */
static bool get_plain(struct loader *L, const struct yr_node *k,
                      const struct yr_node *v, const char **out) {
  struct doc_inline in;
  if (!get_inline(L, k, v, true, &in))
    return false;
  for (size_t i = 0; i < in.nspans; i++) {
    if (in.spans[i].flags & SPAN_VAR) {
      diag_error(L->yr.d, in.spans[i].pos,
                 "variable '{{%.*s}}' in '%s' (expected plain text; variables "
                 "work in the summary, the sections and the card)",
                 (int)in.spans[i].len, in.spans[i].text, k->str);
      return false;
    }
    if (in.spans[i].flags || in.spans[i].url) {
      diag_error(L->yr.d, in.spans[i].pos,
                 "formatting in '%s' (expected plain text without **, [[ ]] "
                 "or links)",
                 k->str);
      return false;
    }
  }
  *out = inline_plain(L->yr.arena, &in);
  return true;
}

static bool is_http_url(const char *s) {
  const char *rest = NULL;
  if (strncmp(s, "https://", 8) == 0)
    rest = s + 8;
  else if (strncmp(s, "http://", 7) == 0)
    rest = s + 7;
  if (!rest || !*rest || *rest == '/')
    return false;
  for (const char *p = s; *p; p++)
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
      return false;
  return true;
}

static bool get_url(struct loader *L, const struct yr_node *k,
                    const struct yr_node *v, const char **out) {
  if (!get_text(L, k, v, out))
    return false;
  if (!is_http_url(*out)) {
    diag_error(L->yr.d, v->pos,
               "bad URL '%s' (expected a web address starting with https:// "
               "or http://)",
               v->str);
    return false;
  }
  return true;
}

static bool get_date(struct loader *L, const struct yr_node *k,
                     const struct yr_node *v, const char **out) {
  if (!get_text(L, k, v, out))
    return false;
  if (!iso_date_valid(*out)) {
    diag_error(L->yr.d, v->pos,
               "bad date '%s' (expected a real date as YYYY-MM-DD)", v->str);
    *out = NULL;
    return false;
  }
  return true;
}

/* A length: decimal number and unit (pt, mm, cm, in) to hu. */
static bool parse_length(const char *s, hu_t *out) {
  size_t n = strlen(s);
  if (n < 3 || n > 40)
    return false;
  static const struct {
    const char *unit;
    double pt; /* points per unit */
  } units[] = {
      {"pt", 1.0}, {"mm", 72.0 / 25.4}, {"cm", 720.0 / 25.4}, {"in", 72.0}};
  for (size_t u = 0; u < NELEM(units); u++) {
    if (strcmp(s + n - 2, units[u].unit) != 0)
      continue;
    char num[48];
    memcpy(num, s, n - 2);
    num[n - 2] = '\0';
    double v;
    if (!parse_decimal(num, &v) || v > 100000 || v < -100000)
      return false;
    *out = HU_FROM_PT(v * units[u].pt);
    return true;
  }
  return false;
}

static bool get_length(struct loader *L, const struct yr_node *k,
                       const struct yr_node *v, bool positive, hu_t *out) {
  const char *s;
  if (!get_text(L, k, v, &s))
    return false;
  hu_t h;
  if (!parse_length(s, &h)) {
    diag_error(L->yr.d, v->pos,
               "bad length '%s' for '%s' (expected a number and a unit: pt, "
               "mm, cm or in, like 12pt or 20mm)",
               s, k->str);
    return false;
  }
  if (h < 0) {
    diag_error(L->yr.d, v->pos,
               "negative length '%s' for '%s' (expected 0 or more)", s, k->str);
    return false;
  }
  if (positive && h == 0) {
    diag_error(L->yr.d, v->pos, "zero length '%s' for '%s' (expected more than 0)",
               s, k->str);
    return false;
  }
  *out = h;
  return true;
}

/* A font size in cpt (1/100 pt). */
static bool get_font_size(struct loader *L, const struct yr_node *k,
                          const struct yr_node *v, int *out) {
  hu_t h;
  if (!get_length(L, k, v, true, &h))
    return false;
  if (h > HU_FROM_PT(600)) {
    diag_error(L->yr.d, v->pos,
               "font size '%s' for '%s' is too large (expected at most 600pt)",
               v->str, k->str);
    return false;
  }
  int cpt = (int)((h + HU_PER_CPT / 2) / HU_PER_CPT);
  if (cpt <= 0) {
    diag_error(L->yr.d, v->pos,
               "font size '%s' for '%s' is too small (expected at least "
               "0.01pt)",
               v->str, k->str);
    return false;
  }
  *out = cpt;
  return true;
}

/* One of names[] (exact, or ignoring ASCII case when fold is set). */
static int get_enum(struct loader *L, const struct yr_node *k,
                    const struct yr_node *v, const char *const *names, size_t n,
                    bool fold) {
  for (size_t i = 0; i < n; i++)
    if (fold ? strcasecmp(v->str, names[i]) == 0
             : strcmp(v->str, names[i]) == 0)
      return (int)i;
  struct strbuf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      strbuf_puts(&b, i + 1 == n ? " or " : ", ");
    strbuf_puts(&b, names[i]);
  }
  diag_error(L->yr.d, v->pos, "unknown value '%s' for '%s' (expected %s)", v->str,
             k->str, b.data);
  strbuf_free(&b);
  return -1;
}

/* ---- generic handlers (dst is the field) -----------------------------------
 */

static bool h_text(void *ctx, void *dst, const struct yr_node *k,
                   const struct yr_node *v) {
  return get_text(ctx, k, v, dst);
}

static bool h_plain(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  return get_plain(ctx, k, v, dst);
}

static bool h_inline_req(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  return get_inline(ctx, k, v, true, dst);
}

static bool h_url(void *ctx, void *dst, const struct yr_node *k,
                  const struct yr_node *v) {
  return get_url(ctx, k, v, dst);
}

static bool h_date(void *ctx, void *dst, const struct yr_node *k,
                   const struct yr_node *v) {
  return get_date(ctx, k, v, dst);
}

static bool h_length(void *ctx, void *dst, const struct yr_node *k,
                     const struct yr_node *v) {
  return get_length(ctx, k, v, false, dst);
}

static bool h_length_pos(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  return get_length(ctx, k, v, true, dst);
}

static bool h_font_size(void *ctx, void *dst, const struct yr_node *k,
                        const struct yr_node *v) {
  return get_font_size(ctx, k, v, dst);
}

/* "2%" -> 0.02; at most 5%: more visibly distorts the letters. */
static bool h_expansion(void *ctx, void *dst, const struct yr_node *k,
                        const struct yr_node *v) {
  struct loader *L = ctx;
  size_t n = strlen(v->str);
  char num[32];
  double pct;
  if (n < 2 || n >= sizeof num || v->str[n - 1] != '%' ||
      (memcpy(num, v->str, n - 1), num[n - 1] = '\0', !parse_decimal(num, &pct)) ||
      pct < 0 || pct > 5) {
    diag_error(L->yr.d, v->pos,
               "'%s' is not a valid %s (expected a percentage from 0%% to 5%%, "
               "e.g. 2%%)",
               v->str, k->str);
    return false;
  }
  *(double *)dst = pct / 100.0;
  return true;
}

/* ---- handout: top-level fields ----------------------------------------------
 */

static bool h_id(void *ctx, void *dst, const struct yr_node *k,
                 const struct yr_node *v) {
  struct loader *L = ctx;
  return yr_id(&L->yr, k, v, dst, "lung-cancer");
}

static bool h_language(void *ctx, void *dst, const struct yr_node *k,
                       const struct yr_node *v) {
  struct loader *L = ctx;
  if (!get_text(L, k, v, dst))
    return false;
  const char *p = v->str;
  size_t n = 0;
  bool ok = true;
  while (p[n] && ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z')))
    n++;
  if (n < 2 || n > 3)
    ok = false;
  p += n;
  while (ok && *p) {
    if (*p != '-') {
      ok = false;
      break;
    }
    p++;
    n = 0;
    while (p[n] &&
           ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
            (p[n] >= '0' && p[n] <= '9')))
      n++;
    if (n < 2 || n > 8)
      ok = false;
    p += n;
  }
  if (!ok) {
    diag_error(L->yr.d, v->pos,
               "bad language tag '%s' (expected a BCP 47 tag like en-GB or es)",
               v->str);
    return false;
  }
  return true;
}

static bool h_source(struct loader *L, const struct yr_node *v,
                     struct doc_source *src) {
  static const struct yr_field fields[] = {
      {"title", YR_SCALAR, true, h_text, offsetof(struct doc_source, title)},
      {"publisher", YR_SCALAR, false, h_text,
       offsetof(struct doc_source, publisher)},
      {"url", YR_SCALAR, false, h_url, offsetof(struct doc_source, url)},
  };
  src->pos = v->pos;
  return yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, src);
}

static bool h_sources(void *ctx, void *dst, const struct yr_node *k,
                      const struct yr_node *v) {
  struct loader *L = ctx;
  struct doc *doc = dst;
  if (v->nitems == 0) {
    diag_error(L->yr.d, v->pos,
               "empty '%s' (expected at least one source with a title)",
               k->str);
    return false;
  }
  if (v->nitems > LOAD_MAX_SOURCES) {
    diag_error(L->yr.d, v->pos, "'%s' has %zu entries (expected at most %d)",
               k->str, v->nitems, LOAD_MAX_SOURCES);
    return false;
  }
  doc->sources = arena_alloc(L->yr.arena, v->nitems * sizeof *doc->sources);
  bool ok = true;
  for (size_t i = 0; i < v->nitems; i++) {
    const struct yr_node *item = v->items[i];
    if (!yr_expect(L->yr.d, item, YR_MAPPING)) {
      ok = false;
      continue;
    }
    if (!h_source(L, item, &doc->sources[doc->nsources++]))
      ok = false;
  }
  return ok;
}

/* ---- includes
 * ------------------------------------------------------------------ */

struct incl {
  struct arena *tree; /* the included file's node tree */
  struct yr_node *root;
  const char *saved_dir;
};

static char *dir_of(struct loader *L, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return "";
  if (slash == path)
    return "/";
  return arena_strndup(L->yr.arena, path, (size_t)(slash - path));
}

static const char *join(struct loader *L, const char *dir, const char *rel) {
  if (!dir || !*dir || strcmp(dir, ".") == 0)
    return arena_strdup(L->yr.arena, rel);
  return arena_printf(L->yr.arena, "%s/%s", dir, rel);
}

/* Lexically normalise a relative path ("a/./b/../c" -> "a/c").  Returns
 * NULL if ".." would leave the top. */
static char *normalize(struct loader *L, const char *p) {
  size_t n = strlen(p);
  char *out = arena_alloc(L->yr.arena, n + 1);
  size_t o = 0;
  const char *s = p;
  while (*s) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == 0 || (len == 1 && s[0] == '.')) {
      /* skip */
    } else if (len == 2 && s[0] == '.' && s[1] == '.') {
      if (o == 0)
        return NULL;
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--; /* the '/' */
    } else {
      if (o)
        out[o++] = '/';
      memcpy(out + o, s, len);
      o += len;
    }
    s += len;
    if (*s == '/')
      s++;
  }
  out[o] = '\0';
  return out;
}

/* Read the file an include: value names.  On success the caller processes
 * inc->root and then calls include_end(). */
static bool include_begin(struct loader *L, const struct yr_node *k,
                          const struct yr_node *v, struct incl *inc) {
  const char *rootname = L->root && *L->root ? L->root : ".";
  const char *rel;
  if (!get_text(L, k, v, &rel))
    return false;
  if (L->nincludes >= LOAD_MAX_INCLUDES) {
    if (!L->too_many)
      diag_error(L->yr.d, v->pos,
                 "more than %d includes in one handout (expected at most %d)",
                 LOAD_MAX_INCLUDES, LOAD_MAX_INCLUDES);
    L->too_many = true;
    return false;
  }
  L->nincludes++;
  if (rel[0] == '/') {
    diag_error(L->yr.d, v->pos,
               "absolute include path '%s' (expected a path relative to %s/, "
               "like common/side-effects.yaml)",
               rel, rootname);
    return false;
  }
  char *norm = normalize(L, rel);
  if (!norm || !*norm) {
    diag_error(L->yr.d, v->pos,
               "include path '%s' leaves %s/ (expected a file inside %s/)", rel,
               rootname, rootname);
    return false;
  }
  const char *full = join(L, L->root, norm);
  char *real = realpath(full, NULL);
  if (!real) {
    if (errno == ENOENT || errno == ENOTDIR)
      diag_error(L->yr.d, v->pos,
                 "include file '%s' not found (expected a file at %s)", rel,
                 full);
    else
      diag_error(L->yr.d, v->pos,
                 "cannot open include file '%s': %s (expected a readable file)",
                 rel, strerror(errno));
    return false;
  }
  if (L->root_real) {
    size_t rl = strlen(L->root_real);
    bool inside = strncmp(real, L->root_real, rl) == 0 &&
                  (real[rl] == '/' || strcmp(L->root_real, "/") == 0);
    if (!inside) {
      diag_error(L->yr.d, v->pos,
                 "include path '%s' leaves %s/ through a symbolic link "
                 "(expected a file inside %s/)",
                 rel, rootname, rootname);
      free(real);
      return false;
    }
  }
  for (int i = 0; i < L->nchain; i++) {
    if (L->chain_real[i] && strcmp(L->chain_real[i], real) == 0) {
      struct strbuf b = {0};
      for (int j = i; j < L->nchain; j++) {
        strbuf_puts(&b, L->chain[j]);
        strbuf_puts(&b, " -> ");
      }
      strbuf_puts(&b, full);
      diag_error(L->yr.d, v->pos,
                 "include cycle: %s (expected no file to include itself)",
                 b.data);
      strbuf_free(&b);
      free(real);
      return false;
    }
  }
  inc->tree = arena_new();
  inc->root = yamlread_file(full, full, inc->tree, L->yr.d);
  if (!inc->root) {
    arena_free(inc->tree);
    free(real);
    return false;
  }
  L->chain[L->nchain] = full;
  L->chain_real[L->nchain] = real;
  L->nchain++;
  inc->saved_dir = L->dir;
  L->dir = dir_of(L, full);
  return true;
}

static void include_end(struct loader *L, struct incl *inc) {
  L->nchain--;
  free(L->chain_real[L->nchain]);
  L->chain_real[L->nchain] = NULL;
  L->dir = inc->saved_dir;
  arena_free(inc->tree);
}

/* ---- blocks
 * ---------------------------------------------------------------------- */

static void parse_blocks(struct loader *L, const struct yr_node *seq,
                         bool in_callout, struct bvec *out);

enum block_key {
  BK_TEXT,
  BK_BULLETS,
  BK_NUMBERED,
  BK_CALLOUT,
  BK_TABLE,
  BK_IMAGE,
  BK_QR,
  BK_INCLUDE,
  BK__MAX
};

static const char *const block_keys[BK__MAX] = {
    "text",  "bullets", "numbered", "callout",
    "table", "image",   "qr",       "include"};

static const enum yr_kind block_kinds[BK__MAX] = {
    YR_SCALAR,  YR_SEQUENCE, YR_SEQUENCE, YR_MAPPING,
    YR_MAPPING, YR_MAPPING,  YR_MAPPING,  YR_SCALAR};

/* Lists */

struct item_in {
  const struct yr_node *text, *bullets, *numbered;
};

static bool parse_list(struct loader *L, const struct yr_node *k,
                       const struct yr_node *seq, bool ordered, bool nested,
                       struct doc_block *b);

static bool parse_item(struct loader *L, const struct yr_node *v, bool nested,
                       struct doc_list_item *it) {
  it->pos = v->pos;
  if (v->kind == YR_SCALAR) {
    static const struct yr_node item_key = {.str = "item"};
    return get_inline(L, &item_key, v, true, &it->text);
  }
  if (v->kind != YR_MAPPING) {
    diag_error(L->yr.d, v->pos,
               "expected a text value or a mapping with 'text:', found %s "
               "(check indentation)",
               yr_kind_name(v));
    return false;
  }
  static const struct yr_field fields[] = {
      {"text", YR_SCALAR, true, yr_h_node, offsetof(struct item_in, text)},
      {"bullets", YR_SEQUENCE, false, yr_h_node,
       offsetof(struct item_in, bullets)},
      {"numbered", YR_SEQUENCE, false, yr_h_node,
       offsetof(struct item_in, numbered)},
  };
  struct item_in in = {0};
  bool ok = yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  const struct yr_node *sub = in.bullets ? in.bullets : in.numbered;
  if (in.text) {
    static const struct yr_node text_key = {.str = "text"};
    if (!get_inline(L, &text_key, in.text, true, &it->text))
      ok = false;
  }
  if (in.bullets && in.numbered) {
    const struct yr_node *second = NULL;
    for (size_t i = 0; i < v->npairs; i++)
      if (v->pairs[i].value == in.bullets || v->pairs[i].value == in.numbered)
        second = v->pairs[i].key;
    diag_error(L->yr.d, second->pos,
               "both 'bullets' and 'numbered' in one item (expected one "
               "nested list)");
    return false;
  }
  if (sub && nested) {
    const struct yr_node *key = NULL;
    for (size_t i = 0; i < v->npairs; i++)
      if (v->pairs[i].value == sub)
        key = v->pairs[i].key;
    diag_error(L->yr.d, key->pos,
               "list nested too deep (expected at most one nested level)");
    return false;
  }
  if (sub && ok) {
    struct doc_block *b = arena_alloc(L->yr.arena, sizeof *b);
    const struct yr_node *key = NULL;
    for (size_t i = 0; i < v->npairs; i++)
      if (v->pairs[i].value == sub)
        key = v->pairs[i].key;
    b->pos = key->pos;
    if (!parse_list(L, key, sub, sub == in.numbered, true, b))
      return false;
    it->sublist = b;
  }
  return ok;
}

static bool parse_list(struct loader *L, const struct yr_node *k,
                       const struct yr_node *seq, bool ordered, bool nested,
                       struct doc_block *b) {
  b->kind = DOC_LIST;
  b->ordered = ordered;
  if (seq->nitems == 0) {
    diag_error(L->yr.d, seq->pos, "empty '%s' list (expected at least one item)",
               k->str);
    return false;
  }
  if (seq->nitems > LOAD_MAX_LIST_ITEMS) {
    diag_error(L->yr.d, seq->pos, "list has %zu items (expected at most %d)",
               seq->nitems, LOAD_MAX_LIST_ITEMS);
    return false;
  }
  b->items = arena_alloc(L->yr.arena, seq->nitems * sizeof *b->items);
  b->nitems = seq->nitems;
  bool ok = true;
  for (size_t i = 0; i < seq->nitems; i++)
    if (!parse_item(L, seq->items[i], nested, &b->items[i]))
      ok = false;
  return ok;
}

/* Callouts */

struct callout_in {
  const struct yr_node *kind, *title, *body;
};

static bool parse_callout(struct loader *L, const struct yr_node *v,
                          struct doc_block *b) {
  static const struct yr_field fields[] = {
      {"kind", YR_SCALAR, true, yr_h_node, offsetof(struct callout_in, kind)},
      {"title", YR_SCALAR, false, yr_h_node, offsetof(struct callout_in, title)},
      {"body", YR_SEQUENCE, true, yr_h_node, offsetof(struct callout_in, body)},
  };
  static const char *const kinds[CALLOUT__MAX] = {"info", "warning", "urgent"};
  struct callout_in in = {0};
  int before = nerrors(L);
  yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  b->kind = DOC_CALLOUT;
  if (in.kind) {
    static const struct yr_node kind_key = {.str = "kind"};
    int kd = get_enum(L, &kind_key, in.kind, kinds, CALLOUT__MAX, false);
    if (kd >= 0)
      b->callout = (enum doc_callout_kind)kd;
  }
  if (in.title) {
    static const struct yr_node title_key = {.str = "title"};
    get_inline(L, &title_key, in.title, false, &b->text);
  }
  if (in.body) {
    if (in.body->nitems == 0) {
      diag_error(L->yr.d, in.body->pos,
                 "empty callout body (expected at least one text, bullets or "
                 "numbered block)");
    } else {
      struct bvec kids = {0};
      parse_blocks(L, in.body, true, &kids);
      b->children = kids.v;
      b->nchildren = kids.n;
    }
  }
  return nerrors(L) == before;
}

/* Tables */

struct table_in {
  const struct yr_node *header, *rows;
};

static bool parse_cells(struct loader *L, const struct yr_node *row,
                        struct doc_inline *cells) {
  bool ok = true;
  for (size_t c = 0; c < row->nitems; c++) {
    const struct yr_node *cell = row->items[c];
    if (!yr_expect(L->yr.d, cell, YR_SCALAR)) {
      ok = false;
      continue;
    }
    if (!inline_parse(L->yr.arena, cell->str, cell->len, cell->anchors,
                      cell->nanchors, L->yr.d, &cells[c]) ||
        !count_links(L, &cells[c]))
      ok = false;
  }
  return ok;
}

static bool parse_table(struct loader *L, const struct yr_node *v,
                        struct doc_block *b) {
  static const struct yr_field fields[] = {
      {"header", YR_SEQUENCE, false, yr_h_node, offsetof(struct table_in, header)},
      {"rows", YR_SEQUENCE, true, yr_h_node, offsetof(struct table_in, rows)},
  };
  struct table_in in = {0};
  int before = nerrors(L);
  yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  b->kind = DOC_TABLE;
  if (in.header && in.header->nitems == 0) {
    diag_error(L->yr.d, in.header->pos,
               "empty table header (expected one cell per column)");
    in.header = NULL;
  }
  if (in.rows && in.rows->nitems == 0) {
    diag_error(L->yr.d, in.rows->pos, "empty 'rows' (expected at least one row)");
    in.rows = NULL;
  }
  if (!in.rows)
    return false;
  if (in.rows->nitems > LOAD_MAX_TABLE_ROWS) {
    diag_error(L->yr.d, in.rows->pos, "table has %zu rows (expected at most %d)",
               in.rows->nitems, LOAD_MAX_TABLE_ROWS);
    return false;
  }
  for (size_t r = 0; r < in.rows->nitems; r++)
    if (!yr_expect(L->yr.d, in.rows->items[r], YR_SEQUENCE))
      return false;
  size_t ncols = in.header ? in.header->nitems : in.rows->items[0]->nitems;
  if (ncols == 0) {
    diag_error(L->yr.d, in.rows->items[0]->pos,
               "row 1 has no cells (expected at least one)");
    return false;
  }
  if (ncols > LOAD_MAX_TABLE_COLUMNS) {
    diag_error(L->yr.d, in.header ? in.header->pos : in.rows->items[0]->pos,
               "table has %zu columns (expected at most %d)", ncols,
               LOAD_MAX_TABLE_COLUMNS);
    return false;
  }
  for (size_t r = 0; r < in.rows->nitems; r++) {
    const struct yr_node *row = in.rows->items[r];
    if (row->nitems != ncols)
      diag_error(L->yr.d, row->pos,
                 "row %zu has %zu cell%s (expected %zu, like %s)", r + 1,
                 row->nitems, row->nitems == 1 ? "" : "s", ncols,
                 in.header ? "the header" : "row 1");
  }
  if (nerrors(L) != before)
    return false;
  b->header_row = in.header != NULL;
  b->ncols = ncols;
  b->nrows = in.rows->nitems + (in.header ? 1 : 0);
  b->cells = arena_alloc(L->yr.arena, b->nrows * ncols * sizeof *b->cells);
  struct doc_inline *cells = b->cells;
  if (in.header) {
    parse_cells(L, in.header, cells);
    cells += ncols;
  }
  for (size_t r = 0; r < in.rows->nitems; r++, cells += ncols)
    parse_cells(L, in.rows->items[r], cells);
  return nerrors(L) == before;
}

/* Images and QR codes */

struct figure_in {
  const struct yr_node *file, *alt, *url, *caption;
  hu_t width;
};

static bool parse_figure(struct loader *L, const struct yr_node *v, bool qr,
                         struct doc_block *b) {
  static const struct yr_field image_fields[] = {
      {"file", YR_SCALAR, true, yr_h_node, offsetof(struct figure_in, file)},
      {"alt", YR_SCALAR, true, yr_h_node, offsetof(struct figure_in, alt)},
      {"width", YR_SCALAR, false, h_length_pos,
       offsetof(struct figure_in, width)},
      {"caption", YR_SCALAR, false, yr_h_node,
       offsetof(struct figure_in, caption)},
  };
  static const struct yr_field qr_fields[] = {
      {"url", YR_SCALAR, true, yr_h_node, offsetof(struct figure_in, url)},
      {"alt", YR_SCALAR, false, yr_h_node, offsetof(struct figure_in, alt)},
      {"width", YR_SCALAR, false, h_length_pos,
       offsetof(struct figure_in, width)},
      {"caption", YR_SCALAR, false, yr_h_node,
       offsetof(struct figure_in, caption)},
  };
  static const struct yr_node alt_key = {.str = "alt"},
                              caption_key = {.str = "caption"},
                              url_key = {.str = "url"},
                              file_key = {.str = "file"};
  struct figure_in in = {0};
  int before = nerrors(L);
  if (qr)
    yr_dispatch(L->yr.d, v, qr_fields, NELEM(qr_fields), L, &in);
  else
    yr_dispatch(L->yr.d, v, image_fields, NELEM(image_fields), L, &in);
  b->kind = qr ? DOC_QR : DOC_IMAGE;
  b->width = in.width;
  if (in.alt)
    get_text(L, &alt_key, in.alt, &b->alt);
  if (in.caption)
    get_inline(L, &caption_key, in.caption, false, &b->text);
  if (qr && in.url && get_url(L, &url_key, in.url, &b->url) && !in.alt)
    b->alt = arena_printf(L->yr.arena, "QR code: %s", b->url);
  if (!qr && in.file) {
    const char *rel;
    if (get_text(L, &file_key, in.file, &rel)) {
      if (rel[0] == '/') {
        diag_error(L->yr.d, in.file->pos,
                   "absolute image path '%s' (expected a path relative to "
                   "the folder of this file)",
                   rel);
      } else {
        b->path = join(L, L->dir, rel);
        uint32_t w, h;
        if (access(b->path, F_OK) != 0 && errno == ENOENT)
          diag_error(L->yr.d, in.file->pos,
                     "image file '%s' not found (expected a PNG or JPEG file "
                     "at %s)",
                     rel, b->path);
        else
          image_probe(b->path, in.file->pos, L->yr.d, &w, &h);
      }
    }
  }
  return nerrors(L) == before;
}

/* One block mapping; appends to out (several blocks for an include). */
/* A when: value (when.h): on success L->when becomes the new condition,
 * nested in the current one; the caller restores L->when afterwards. */
static bool parse_when(struct loader *L, const struct yr_node *v) {
  if (!yr_expect(L->yr.d, v, YR_SCALAR))
    return false;
  const struct doc_when *w =
      when_parse(L->yr.arena, v->str, v->len, v->pos, v->anchors, v->nanchors,
                 L->when, L->yr.d);
  if (!w)
    return false;
  L->when = w;
  return true;
}

static void parse_block(struct loader *L, const struct yr_node *v,
                        bool in_callout, struct bvec *out) {
  if (v->kind != YR_MAPPING) {
    diag_error(L->yr.d, v->pos,
               "expected a mapping, found %s (check indentation; a block is "
               "'text: ...', 'bullets: ...' and so on)",
               yr_kind_name(v));
    return;
  }
  if (v->npairs == 0) {
    diag_error(L->yr.d, v->pos,
               "empty block (expected one of: text, bullets, numbered, "
               "callout, table, image, qr, include)");
    return;
  }
  int which = -1;
  const struct yr_node *key = NULL, *val = NULL, *when = NULL;
  bool any_known = false;
  for (size_t i = 0; i < v->npairs; i++)
    for (int bk = 0; bk < BK__MAX; bk++)
      if (strcmp(v->pairs[i].key->str, block_keys[bk]) == 0)
        any_known = true;
  bool ok = true;
  for (size_t i = 0; i < v->npairs; i++) {
    const struct yr_node *k = v->pairs[i].key;
    if (strcmp(k->str, "when") == 0) { /* a condition next to the block key */
      when = v->pairs[i].value;
      continue;
    }
    int bk = 0;
    while (bk < BK__MAX && strcmp(k->str, block_keys[bk]) != 0)
      bk++;
    if (bk == BK__MAX) {
      static const char *const when_key[] = {"when"};
      if (any_known && nearest_name(k->str, when_key, 1))
        diag_error(L->yr.d, k->pos, "unknown key '%s' (did you mean 'when'?)",
                   k->str);
      else
        yr_unknown_key(L->yr.d, k, any_known ? "key" : "block type", block_keys,
                       BK__MAX);
      ok = false;
      continue;
    }
    if (which >= 0) {
      diag_error(L->yr.d, k->pos,
                 "two block types in one block: '%s' and '%s' (expected one "
                 "per '- ' item)",
                 block_keys[which], k->str);
      ok = false;
      continue;
    }
    which = bk;
    key = k;
    val = v->pairs[i].value;
  }
  if (which < 0 && ok && when) {
    diag_error(L->yr.d, v->pos,
               "'when' without a block (expected one of: text, bullets, "
               "numbered, callout, table, image, qr, include next to it)");
    return;
  }
  if (which < 0 || !ok)
    return;
  const struct doc_when *outer = L->when;
  if (when && !parse_when(L, when))
    return;
  if (in_callout && which != BK_TEXT && which != BK_BULLETS &&
      which != BK_NUMBERED && which != BK_INCLUDE) {
    diag_error(L->yr.d, key->pos,
               "a %s is not allowed in a callout (expected text, bullets or "
               "numbered)",
               which == BK_QR ? "QR code" : block_keys[which]);
    goto done;
  }
  if (!yr_expect(L->yr.d, val, block_kinds[which]))
    goto done;

  struct doc_block b = {0};
  b.pos = v->pos;
  b.when = L->when;
  switch ((enum block_key)which) {
  case BK_TEXT:
    b.kind = DOC_PARA;
    ok = get_inline(L, key, val, true, &b.text);
    break;
  case BK_BULLETS:
  case BK_NUMBERED:
    ok = parse_list(L, key, val, which == BK_NUMBERED, false, &b);
    break;
  case BK_CALLOUT:
    ok = parse_callout(L, val, &b);
    break;
  case BK_TABLE:
    ok = parse_table(L, val, &b);
    break;
  case BK_IMAGE:
  case BK_QR:
    ok = parse_figure(L, val, which == BK_QR, &b);
    break;
  case BK_INCLUDE: {
    struct incl inc;
    if (include_begin(L, key, val, &inc)) {
      if (inc.root->kind == YR_SEQUENCE)
        parse_blocks(L, inc.root, in_callout, out);
      else
        diag_error(L->yr.d, inc.root->pos,
                   "expected a sequence of blocks, found %s (a file included "
                   "among blocks holds '- text: ...' items; a file holding "
                   "one section is included from 'sections:')",
                   yr_kind_name(inc.root));
      include_end(L, &inc);
    }
    goto done;
  }
  case BK__MAX:
    goto done;
  }
  if (ok)
    bvec_push(L, out, &b);
done:
  L->when = outer;
}

static void parse_blocks(struct loader *L, const struct yr_node *seq,
                         bool in_callout, struct bvec *out) {
  for (size_t i = 0; i < seq->nitems; i++)
    parse_block(L, seq->items[i], in_callout, out);
}

/* ---- sections
 * -------------------------------------------------------------------- */

struct section_in {
  const struct yr_node *heading, *body, *sections, *when;
};

static bool h_too_deep(void *ctx, void *dst, const struct yr_node *k,
                       const struct yr_node *v) {
  struct loader *L = ctx;
  (void)dst, (void)v;
  diag_error(L->yr.d, k->pos,
             "'sections' inside a subsection (expected at most two heading "
             "levels)");
  return false;
}

static void parse_section(struct loader *L, const struct yr_node *v, int level,
                          struct bvec *out) {
  static const struct yr_field fields1[] = {
      {"heading", YR_SCALAR, true, yr_h_node,
       offsetof(struct section_in, heading)},
      {"body", YR_SEQUENCE, false, yr_h_node, offsetof(struct section_in, body)},
      {"sections", YR_SEQUENCE, false, yr_h_node,
       offsetof(struct section_in, sections)},
      {"when", YR_SCALAR, false, yr_h_node, offsetof(struct section_in, when)},
  };
  static const struct yr_field fields2[] = {
      {"heading", YR_SCALAR, true, yr_h_node,
       offsetof(struct section_in, heading)},
      {"body", YR_SEQUENCE, false, yr_h_node, offsetof(struct section_in, body)},
      {"sections", YR_ANY, false, h_too_deep, 0},
      {"when", YR_SCALAR, false, yr_h_node, offsetof(struct section_in, when)},
  };
  const struct doc_when *outer = L->when;
  if (!yr_expect(L->yr.d, v, YR_MAPPING))
    return;

  const struct yr_node *inc_val = yr_get(v, "include");
  if (inc_val) {
    for (size_t i = 0; i < v->npairs; i++) {
      if (strcmp(v->pairs[i].key->str, "include") != 0 &&
          strcmp(v->pairs[i].key->str, "when") != 0) {
        diag_error(L->yr.d, v->pairs[i].key->pos,
                   "'%s' next to 'include' (expected 'include' alone in its "
                   "mapping, or with 'when')",
                   v->pairs[i].key->str);
        return;
      }
    }
    if (!yr_expect(L->yr.d, inc_val, YR_SCALAR))
      return;
    const struct yr_node *when = yr_get(v, "when");
    if (when && !parse_when(L, when))
      return;
    static const struct yr_node include_key = {.str = "include"};
    struct incl inc;
    if (include_begin(L, &include_key, inc_val, &inc)) {
      if (inc.root->kind == YR_MAPPING)
        parse_section(L, inc.root, level, out);
      else
        diag_error(L->yr.d, inc.root->pos,
                   "expected a section (a mapping with 'heading:'), found %s "
                   "(a file included from 'sections:' holds one section; a "
                   "list of blocks is included from 'body:')",
                   yr_kind_name(inc.root));
      include_end(L, &inc);
    }
    L->when = outer;
    return;
  }

  struct section_in in = {0};
  if (level == 1)
    yr_dispatch(L->yr.d, v, fields1, NELEM(fields1), L, &in);
  else
    yr_dispatch(L->yr.d, v, fields2, NELEM(fields2), L, &in);
  if (in.when)
    parse_when(L, in.when); /* on error the section is read unconditioned */
  if (in.heading) {
    static const struct yr_node heading_key = {.str = "heading"};
    struct doc_block h = {0};
    h.when = L->when;
    h.kind = DOC_HEADING;
    h.level = level;
    h.pos = in.heading->pos;
    if (get_inline(L, &heading_key, in.heading, true, &h.text))
      bvec_push(L, out, &h);
  }
  if (in.body)
    parse_blocks(L, in.body, false, out);
  if (in.sections) {
    if (in.sections->nitems == 0)
      diag_error(L->yr.d, in.sections->pos,
                 "empty 'sections' (expected at least one subsection, or "
                 "leave the key out)");
    for (size_t i = 0; i < in.sections->nitems; i++)
      parse_section(L, in.sections->items[i], 2, out);
  }
  L->when = outer;
}

static bool h_sections(void *ctx, void *dst, const struct yr_node *k,
                       const struct yr_node *v) {
  struct loader *L = ctx;
  struct doc *doc = dst;
  (void)k;
  int before = nerrors(L);
  if (v->nitems == 0) {
    diag_error(L->yr.d, v->pos,
               "empty 'sections' (expected at least one section with a "
               "heading)");
    return false;
  }
  struct bvec bv = {0};
  for (size_t i = 0; i < v->nitems; i++)
    parse_section(L, v->items[i], 1, &bv);
  doc->blocks = bv.v;
  doc->nblocks = bv.n;
  return nerrors(L) == before;
}

/* ---- the wallet card
 * -------------------------------------------------------------------- */

static bool h_card_lines(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  struct loader *L = ctx;
  struct doc_card_side *side = dst;
  if (v->nitems == 0) {
    diag_error(L->yr.d, v->pos,
               "empty '%s' (expected 1 to %d short lines)", k->str,
               DOC_CARD_MAX_LINES);
    return false;
  }
  if (v->nitems > DOC_CARD_MAX_LINES) {
    diag_error(L->yr.d, v->items[DOC_CARD_MAX_LINES]->pos,
               "%zu lines on one side of the card (expected at most %d: a "
               "card has room for about %d short lines)",
               v->nitems, DOC_CARD_MAX_LINES, DOC_CARD_MAX_LINES);
    return false;
  }
  static const struct yr_node line_key = {.str = "line"};
  side->lines = arena_alloc(L->yr.arena, v->nitems * sizeof *side->lines);
  bool ok = true;
  for (size_t i = 0; i < v->nitems; i++) {
    if (!yr_expect(L->yr.d, v->items[i], YR_SCALAR) ||
        !get_inline(L, &line_key, v->items[i], true, &side->lines[i]))
      ok = false;
  }
  side->nlines = v->nitems;
  return ok;
}

static bool h_card_side(void *ctx, void *dst, const struct yr_node *k,
                        const struct yr_node *v) {
  static const struct yr_field fields[] = {
      {"title", YR_SCALAR, true, h_inline_req,
       offsetof(struct doc_card_side, title)},
      {"lines", YR_SEQUENCE, true, h_card_lines, 0},
      {"note", YR_SCALAR, false, h_inline_req,
       offsetof(struct doc_card_side, note)},
  };
  struct loader *L = ctx;
  struct doc_card_side *side = dst;
  (void)k;
  side->pos = v->pos;
  return yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, side);
}

/* card: {front: SIDE, back: SIDE}; SIDE := {title, lines, note}. */
static bool h_card(void *ctx, void *dst, const struct yr_node *k,
                   const struct yr_node *v) {
  static const struct yr_field fields[] = {
      {"front", YR_MAPPING, true, h_card_side,
       offsetof(struct doc_card, front)},
      {"back", YR_MAPPING, true, h_card_side, offsetof(struct doc_card, back)},
  };
  struct loader *L = ctx;
  struct doc_card *card = dst;
  (void)k;
  card->pos = v->pos;
  card->present = yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, card);
  return card->present;
}

/* The top file's node tree: read from path, or, when bytes is not NULL,
 * from bytes[0..len) already in memory (path is then only the name that
 * positions print).  Both give the same errors, including the size limit. */
static struct yr_node *read_top(const char *path, const char *display,
                                const char *bytes, size_t len,
                                struct arena *tree, struct diag *d) {
  if (!bytes)
    return yamlread_file(path, display, tree, d);
  if (len > LOAD_MAX_BYTES) {
    struct src_pos pos = {display, 0, 0};
    diag_error(d, pos, "file is %lld bytes (expected at most %d)",
               (long long)len, LOAD_MAX_BYTES);
    return NULL;
  }
  return yamlread_buffer(bytes, len, display, tree, d);
}

/* ---- load_handout
 * ------------------------------------------------------------------ */

/* load_handout() (bytes == NULL) and load_handout_mem(). */
static struct doc *handout_from(const char *path, const char *bytes,
                                size_t len, const char *root,
                                struct diag *d) {
  static const struct yr_field fields[] = {
      {"id", YR_SCALAR, true, h_id, offsetof(struct doc, id)},
      {"language", YR_SCALAR, true, h_language, offsetof(struct doc, language)},
      {"title", YR_SCALAR, true, h_plain, offsetof(struct doc, title)},
      {"subtitle", YR_SCALAR, false, h_plain, offsetof(struct doc, subtitle)},
      {"version", YR_SCALAR, true, h_text, offsetof(struct doc, version)},
      {"published", YR_SCALAR, true, h_date, offsetof(struct doc, published)},
      {"review_by", YR_SCALAR, true, h_date, offsetof(struct doc, review_by)},
      {"owner", YR_SCALAR, true, h_text, offsetof(struct doc, owner)},
      {"reviewed_against", YR_SCALAR, true, h_text,
       offsetof(struct doc, reviewed_against)},
      {"summary", YR_SCALAR, false, h_inline_req,
       offsetof(struct doc, summary)},
      {"sources", YR_SEQUENCE, true, h_sources, 0},
      {"sections", YR_SEQUENCE, true, h_sections, 0},
      {"card", YR_MAPPING, false, h_card, offsetof(struct doc, card)},
  };
  struct loader L = {0};
  L.yr.d = d;
  struct doc *doc = xcalloc(1, sizeof *doc);
  doc->arena = arena_new();
  L.yr.arena = doc->arena;
  L.doc = doc;
  doc->path = arena_strdup(doc->arena, path);
  int before = nerrors(&L);

  /* the include root, as given and resolved */
  if (!root || !*root)
    root = dir_of(&L, doc->path);
  {
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
      rl--;
    L.root = arena_strndup(L.yr.arena, root, rl);
  }
  L.root_real = realpath(*L.root ? L.root : ".", NULL);
  L.dir = dir_of(&L, doc->path);
  L.chain[0] = doc->path;
  L.chain_real[0] = realpath(path, NULL);
  L.nchain = 1;

  struct arena *tree = arena_new();
  struct yr_node *top = read_top(path, doc->path, bytes, len, tree, d);
  if (top && yr_expect(d, top, YR_MAPPING)) {
    doc->pos = top->pos;
    yr_dispatch(d, top, fields, NELEM(fields), &L, doc);
    const struct yr_node *rb = yr_get(top, "review_by");
    if (doc->published && doc->review_by &&
        strcmp(doc->review_by, doc->published) <= 0)
      diag_error(d, rb->pos,
                 "review_by %s is not after published %s (expected a later "
                 "date)",
                 doc->review_by, doc->published);
  }
  arena_free(tree);
  free(L.chain_real[0]);
  free(L.root_real);
  if (!top || nerrors(&L) != before) {
    doc_free(doc);
    return NULL;
  }
  return doc;
}

struct doc *load_handout(const char *path, const char *root, struct diag *d) {
  return handout_from(path, NULL, 0, root, d);
}

struct doc *load_handout_mem(const char *name, const char *bytes, size_t len,
                             const char *root, struct diag *d) {
  return handout_from(name, bytes ? bytes : "", len, root, d);
}

/* ---- load_pagedef
 * -------------------------------------------------------------------- */

struct page_in {
  const struct yr_node *size, *width, *height, *orientation, *margins;
  hu_t bleed;
};

struct margins_in {
  hu_t top, bottom, left, right;
};

struct pd_in { /* top level: name, and nodes handled after the dispatch */
  const char *name;
  const struct yr_node *page, *columns, *column_gap, *fonts, *text, *headings,
      *footer, *colors, *kind, *panels, *page_multiple, *sheet;
};

static bool h_color(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  struct loader *L = ctx;
  const char *s = v->str;
  bool ok = v->len == 7 && s[0] == '#';
  uint32_t rgb = 0;
  for (int i = 1; ok && i < 7; i++) {
    int h = (s[i] >= '0' && s[i] <= '9')   ? s[i] - '0'
            : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10
            : (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10
                                           : -1;
    if (h < 0)
      ok = false;
    rgb = rgb * 16 + (uint32_t)h;
  }
  if (!ok) {
    diag_error(L->yr.d, v->pos,
               "bad color '%s' for '%s' (expected #RRGGBB, like #003a70)", s,
               k->str);
    return false;
  }
  *(uint32_t *)dst = rgb;
  return true;
}

static bool h_font_file(void *ctx, void *dst, const struct yr_node *k,
                        const struct yr_node *v) {
  struct loader *L = ctx;
  if (!get_text(L, k, v, dst))
    return false;
  if (strchr(v->str, '/')) {
    diag_error(L->yr.d, v->pos,
               "font file '%s' contains '/' (expected a file name inside "
               "fonts/)",
               v->str);
    return false;
  }
  return true;
}

static bool h_fallback(void *ctx, void *dst, const struct yr_node *k,
                       const struct yr_node *v) {
  struct loader *L = ctx;
  struct pagedef *p = dst;
  if (v->nitems > PAGEDEF_MAX_FALLBACKS) {
    diag_error(L->yr.d, v->items[PAGEDEF_MAX_FALLBACKS]->pos,
               "%zu fallback fonts (expected at most %d)", v->nitems,
               PAGEDEF_MAX_FALLBACKS);
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v->nitems; i++) {
    if (!yr_expect(L->yr.d, v->items[i], YR_SCALAR) ||
        !h_font_file(L, &p->font_fallback[p->nfallbacks], k, v->items[i]))
      ok = false;
    else
      p->nfallbacks++;
  }
  return ok;
}

static bool h_align(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  static const char *const names[ALIGN__MAX] = {"left", "justify"};
  int a = get_enum(ctx, k, v, names, ALIGN__MAX, false);
  if (a < 0)
    return false;
  *(enum pagedef_align *)dst = (enum pagedef_align)a;
  return true;
}

static bool h_hyph_lang(void *ctx, void *dst, const struct yr_node *k,
                        const struct yr_node *v) {
  return h_language(ctx, dst, k, v);
}

struct named_size {
  const char *name;
  double w_pt, h_pt;
};

static const struct named_size page_sizes[] = {
    {"A4", 210 * 72 / 25.4, 297 * 72 / 25.4},
    {"A5", 148 * 72 / 25.4, 210 * 72 / 25.4},
    {"Letter", 612, 792},
    {"Legal", 612, 1008},
};

static void load_page(struct loader *L, const struct yr_node *v,
                      struct pagedef *p) {
  static const struct yr_field fields[] = {
      {"size", YR_SCALAR, false, yr_h_node, offsetof(struct page_in, size)},
      {"width", YR_SCALAR, false, yr_h_node, offsetof(struct page_in, width)},
      {"height", YR_SCALAR, false, yr_h_node, offsetof(struct page_in, height)},
      {"orientation", YR_SCALAR, false, yr_h_node,
       offsetof(struct page_in, orientation)},
      {"margins", YR_MAPPING, true, yr_h_node, offsetof(struct page_in, margins)},
      {"bleed", YR_SCALAR, false, h_length, offsetof(struct page_in, bleed)},
  };
  static const struct yr_field margin_fields[] = {
      {"top", YR_SCALAR, true, h_length, offsetof(struct margins_in, top)},
      {"bottom", YR_SCALAR, true, h_length,
       offsetof(struct margins_in, bottom)},
      {"left", YR_SCALAR, true, h_length, offsetof(struct margins_in, left)},
      {"right", YR_SCALAR, true, h_length, offsetof(struct margins_in, right)},
  };
  static const struct yr_node size_key = {.str = "size"},
                              width_key = {.str = "width"},
                              height_key = {.str = "height"},
                              orient_key = {.str = "orientation"};
  struct page_in in = {0};
  yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  p->bleed = in.bleed;

  if (in.size && (in.width || in.height)) {
    const struct yr_node *extra = in.width ? in.width : in.height;
    diag_error(L->yr.d, extra->pos,
               "both 'size' and '%s' (expected a named size, or width and "
               "height)",
               in.width ? "width" : "height");
  } else if (in.size) {
    const char *names[NELEM(page_sizes)];
    for (size_t i = 0; i < NELEM(page_sizes); i++)
      names[i] = page_sizes[i].name;
    int s = get_enum(L, &size_key, in.size, names, NELEM(page_sizes), true);
    if (s >= 0) {
      p->page_width = HU_FROM_PT(page_sizes[s].w_pt);
      p->page_height = HU_FROM_PT(page_sizes[s].h_pt);
    }
    if (in.orientation) {
      static const char *const orients[] = {"portrait", "landscape"};
      int o = get_enum(L, &orient_key, in.orientation, orients, 2, false);
      if (o == 1) {
        hu_t t = p->page_width;
        p->page_width = p->page_height;
        p->page_height = t;
      }
    }
  } else if (in.width || in.height) {
    if (!in.width || !in.height)
      diag_error(L->yr.d, v->pos, "missing required key '%s'",
                 in.width ? "height" : "width");
    if (in.width)
      get_length(L, &width_key, in.width, true, &p->page_width);
    if (in.height)
      get_length(L, &height_key, in.height, true, &p->page_height);
    if (in.orientation)
      diag_error(L->yr.d, in.orientation->pos,
                 "'orientation' with width and height (expected orientation "
                 "only with a named size)");
  } else {
    diag_error(L->yr.d, v->pos,
               "missing required key 'size' (expected a named size, or width "
               "and height)");
  }

  if (in.margins) {
    struct margins_in m = {0};
    yr_dispatch(L->yr.d, in.margins, margin_fields, NELEM(margin_fields), L, &m);
    p->margin_top = m.top;
    p->margin_bottom = m.bottom;
    p->margin_left = m.left;
    p->margin_right = m.right;
  }
}

/* ---- layout: kind, panels, page_multiple, sheet ------------------------- */

/* A whole number from min to max. */
static bool get_count(struct loader *L, const struct yr_node *k,
                      const struct yr_node *v, int min, int max, int *out) {
  const char *s = v->str;
  bool digits = v->len > 0 && v->len < 4;
  for (size_t i = 0; digits && i < v->len; i++)
    if (s[i] < '0' || s[i] > '9')
      digits = false;
  int n = digits ? atoi(s) : -1;
  if (!digits || n < min || n > max) {
    diag_error(L->yr.d, v->pos,
               "bad number '%s' for '%s' (expected a whole number from %d "
               "to %d)",
               s, k->str, min, max);
    return false;
  }
  *out = n;
  return true;
}

static bool h_count_page(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  return get_count(ctx, k, v, 1, 8, dst);
}

static bool h_count_column(void *ctx, void *dst, const struct yr_node *k,
                           const struct yr_node *v) {
  return get_count(ctx, k, v, 1, 4, dst);
}

static bool h_count_grid(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  return get_count(ctx, k, v, 1, 10, dst);
}

struct slot_in {
  int page, column; /* 1-based as written; 0 = missing or bad */
  struct src_pos pos;
};

/* {page: N, column: N} */
static bool get_slot(struct loader *L, const struct yr_node *v,
                     struct slot_in *out) {
  static const struct yr_field fields[] = {
      {"page", YR_SCALAR, true, h_count_page, offsetof(struct slot_in, page)},
      {"column", YR_SCALAR, true, h_count_column,
       offsetof(struct slot_in, column)},
  };
  out->pos = v->pos;
  if (!yr_expect(L->yr.d, v, YR_MAPPING))
    return false;
  return yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, out) && out->page &&
         out->column;
}

struct panels_in {
  const struct yr_node *order, *back;
};

/* panels: {order: [SLOT...], back: SLOT}, checked against the columns. */
static void load_panels(struct loader *L, const struct yr_node *v,
                        struct pagedef *p) {
  static const struct yr_field fields[] = {
      {"order", YR_SEQUENCE, true, yr_h_node, offsetof(struct panels_in, order)},
      {"back", YR_MAPPING, false, yr_h_node, offsetof(struct panels_in, back)},
  };
  struct panels_in in = {0};
  yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  if (!in.order)
    return;
  size_t n = in.order->nitems;
  if (n == 0) {
    diag_error(L->yr.d, in.order->pos,
               "empty 'order' (expected the panels in reading order, like "
               "{page: 1, column: 3})");
    return;
  }
  if (n > PAGEDEF_MAX_PANELS) {
    diag_error(L->yr.d, in.order->items[PAGEDEF_MAX_PANELS]->pos,
               "%zu panels (expected at most %d)", n, PAGEDEF_MAX_PANELS);
    return;
  }
  struct slot_in all[PAGEDEF_MAX_PANELS + 1];
  size_t nall = 0;
  bool ok = true;
  for (size_t i = 0; i < n; i++)
    if (get_slot(L, in.order->items[i], &all[nall]))
      nall++;
    else
      ok = false;
  if (in.back) {
    if (get_slot(L, in.back, &all[nall]))
      nall++;
    else
      ok = false;
  }
  if (!ok)
    return;
  for (size_t i = 0; i < nall; i++) {
    if (all[i].column > p->columns) {
      diag_error(L->yr.d, all[i].pos,
                 "panel column %d is outside the layout (expected a column "
                 "from 1 to %d, as 'columns' says)",
                 all[i].column, p->columns);
      ok = false;
    }
    for (size_t j = 0; j < i; j++)
      if (all[j].page == all[i].page && all[j].column == all[i].column) {
        diag_error(L->yr.d, all[i].pos,
                   "panel page %d, column %d is used twice (expected each "
                   "panel once)",
                   all[i].page, all[i].column);
        ok = false;
        break;
      }
  }
  if (!ok)
    return;
  for (size_t i = 0; i < n; i++)
    p->panels[i] = (struct pagedef_slot){all[i].page - 1, all[i].column - 1};
  p->npanels = (int)n;
  if (in.back) {
    p->has_back = true;
    p->back = (struct pagedef_slot){all[n].page - 1, all[n].column - 1};
  }
}

struct sheet_in {
  const struct yr_node *size, *orientation, *imposition;
  int columns, rows;
  hu_t gap;
  bool crop_marks, always;
  const struct yr_node *columns_node, *rows_node, *gap_node, *crop_node;
};

static bool h_imposition(void *ctx, void *dst, const struct yr_node *k,
                         const struct yr_node *v) {
  static const char *const names[] = {"saddle-stitch", "cards"};
  int i = get_enum(ctx, k, v, names, NELEM(names), false);
  if (i < 0)
    return false;
  *(enum pagedef_imposition *)dst = (enum pagedef_imposition)(i + 1);
  return true;
}

/* sheet: the printer's sheet that --impose puts the pages on. */
static void load_sheet(struct loader *L, const struct yr_node *v,
                       struct pagedef *p) {
  static const struct yr_field fields[] = {
      {"size", YR_SCALAR, true, yr_h_node, offsetof(struct sheet_in, size)},
      {"orientation", YR_SCALAR, false, yr_h_node,
       offsetof(struct sheet_in, orientation)},
      {"imposition", YR_SCALAR, true, yr_h_node,
       offsetof(struct sheet_in, imposition)},
      {"columns", YR_SCALAR, false, yr_h_node,
       offsetof(struct sheet_in, columns_node)},
      {"rows", YR_SCALAR, false, yr_h_node, offsetof(struct sheet_in, rows_node)},
      {"gap", YR_SCALAR, false, yr_h_node, offsetof(struct sheet_in, gap_node)},
      {"crop_marks", YR_SCALAR, false, yr_h_node,
       offsetof(struct sheet_in, crop_node)},
      {"always", YR_SCALAR, false, yr_h_bool, offsetof(struct sheet_in, always)},
  };
  static const struct yr_node size_key = {.str = "size"},
                              orient_key = {.str = "orientation"},
                              imp_key = {.str = "imposition"},
                              columns_key = {.str = "columns"},
                              rows_key = {.str = "rows"},
                              gap_key = {.str = "gap"},
                              crop_key = {.str = "crop_marks"};
  struct sheet_in in = {0};
  int before = nerrors(L);
  yr_dispatch(L->yr.d, v, fields, NELEM(fields), L, &in);
  struct pagedef_sheet *s = &p->sheet;
  enum pagedef_imposition imp = IMPOSE_NONE;
  if (in.imposition)
    h_imposition(L, &imp, &imp_key, in.imposition);
  if (in.size) {
    const char *names[NELEM(page_sizes)];
    for (size_t i = 0; i < NELEM(page_sizes); i++)
      names[i] = page_sizes[i].name;
    int i = get_enum(L, &size_key, in.size, names, NELEM(page_sizes), true);
    if (i >= 0) {
      s->width = HU_FROM_PT(page_sizes[i].w_pt);
      s->height = HU_FROM_PT(page_sizes[i].h_pt);
    }
  }
  if (in.orientation) {
    static const char *const orients[] = {"portrait", "landscape"};
    if (get_enum(L, &orient_key, in.orientation, orients, 2, false) == 1) {
      hu_t t = s->width;
      s->width = s->height;
      s->height = t;
    }
  }
  s->columns = s->rows = 1;
  s->gap = HU_FROM_MM(4);
  s->crop_marks = imp == IMPOSE_CARDS;
  s->always = in.always;
  /* grid keys belong to card sheets only */
  const struct yr_node *grid[] = {in.columns_node, in.rows_node, in.gap_node,
                                  in.crop_node};
  for (size_t i = 0; i < NELEM(grid); i++) {
    if (!grid[i] || imp != IMPOSE_SADDLE)
      continue;
    for (size_t j = 0; j < v->npairs; j++)
      if (v->pairs[j].value == grid[i])
        diag_error(L->yr.d, v->pairs[j].key->pos,
                   "'%s' with imposition saddle-stitch (expected it only "
                   "with imposition: cards)",
                   v->pairs[j].key->str);
  }
  if (imp == IMPOSE_CARDS) {
    if (in.columns_node)
      h_count_grid(L, &s->columns, &columns_key, in.columns_node);
    if (in.rows_node)
      h_count_grid(L, &s->rows, &rows_key, in.rows_node);
    if (in.gap_node)
      get_length(L, &gap_key, in.gap_node, false, &s->gap);
    if (in.crop_node)
      yr_h_bool(L, &s->crop_marks, &crop_key, in.crop_node);
  }
  if (nerrors(L) != before || imp == IMPOSE_NONE)
    return;
  s->imposition = imp;
}

/* Checks across keys, once everything is read: the kind, the sheet and the
 * page size must agree.  at: the layout's top mapping. */
static void check_layout(struct loader *L, const struct pd_in *in,
                         struct pagedef *p) {
  const struct pagedef_sheet *s = &p->sheet;
  double mm = 25.4 / 72.0;
  if (p->kind == PAGEDEF_CARD && in->panels)
    diag_error(L->yr.d, in->panels->pos,
               "'panels' in a card layout (expected panels only with kind: "
               "leaflet)");
  if (s->imposition == IMPOSE_SADDLE) {
    if (p->kind == PAGEDEF_CARD)
      diag_error(L->yr.d, in->sheet->pos,
                 "imposition saddle-stitch in a card layout (expected "
                 "imposition: cards)");
    if (p->page_multiple % 4 != 0)
      diag_error(L->yr.d, in->sheet->pos,
                 "imposition saddle-stitch needs page_multiple: 4 (expected "
                 "a page count that is a multiple of 4)");
    if (2 * p->page_width > s->width || p->page_height > s->height)
      diag_error(L->yr.d, in->sheet->pos,
                 "two %.1f x %.1f mm pages side by side do not fit on the "
                 "%.1f x %.1f mm sheet (expected a bigger sheet or "
                 "orientation: landscape; pages are never scaled)",
                 HU_TO_PT(p->page_width) * mm, HU_TO_PT(p->page_height) * mm,
                 HU_TO_PT(s->width) * mm, HU_TO_PT(s->height) * mm);
  }
  if (s->imposition == IMPOSE_CARDS && p->kind != PAGEDEF_CARD)
    diag_error(L->yr.d, in->sheet->pos,
               "imposition cards in a leaflet layout (expected kind: card)");
  else if (s->imposition == IMPOSE_CARDS) {
    hu_t w = s->columns * p->page_width + (s->columns - 1) * s->gap;
    hu_t h = s->rows * p->page_height + (s->rows - 1) * s->gap;
    if (w > s->width || h > s->height)
      diag_error(L->yr.d, in->sheet->pos,
                 "%d x %d cards of %.1f x %.1f mm with %.1f mm gaps need "
                 "%.1f x %.1f mm (expected at most the %.1f x %.1f mm sheet)",
                 s->columns, s->rows, HU_TO_PT(p->page_width) * mm,
                 HU_TO_PT(p->page_height) * mm, HU_TO_PT(s->gap) * mm,
                 HU_TO_PT(w) * mm, HU_TO_PT(h) * mm, HU_TO_PT(s->width) * mm,
                 HU_TO_PT(s->height) * mm);
  }
}

static int scale_cpt(int cpt, double f) { return (int)(cpt * f + 0.5); }

/* load_pagedef() (bytes == NULL) and load_pagedef_mem(), which skips the
 * lookup in layouts_dir. */
static struct pagedef *pagedef_from(const char *name_or_path,
                                    const char *layouts_dir, const char *bytes,
                                    size_t len, struct diag *d) {
  static const struct yr_field fields[] = {
      {"name", YR_SCALAR, true, h_text, offsetof(struct pd_in, name)},
      {"page", YR_MAPPING, true, yr_h_node, offsetof(struct pd_in, page)},
      {"columns", YR_SCALAR, false, yr_h_node, offsetof(struct pd_in, columns)},
      {"column_gap", YR_SCALAR, false, yr_h_node,
       offsetof(struct pd_in, column_gap)},
      {"fonts", YR_MAPPING, true, yr_h_node, offsetof(struct pd_in, fonts)},
      {"text", YR_MAPPING, true, yr_h_node, offsetof(struct pd_in, text)},
      {"headings", YR_MAPPING, false, yr_h_node, offsetof(struct pd_in, headings)},
      {"footer", YR_MAPPING, false, yr_h_node, offsetof(struct pd_in, footer)},
      {"colors", YR_MAPPING, false, yr_h_node, offsetof(struct pd_in, colors)},
      {"kind", YR_SCALAR, false, yr_h_node, offsetof(struct pd_in, kind)},
      {"panels", YR_MAPPING, false, yr_h_node, offsetof(struct pd_in, panels)},
      {"page_multiple", YR_SCALAR, false, yr_h_node,
       offsetof(struct pd_in, page_multiple)},
      {"sheet", YR_MAPPING, false, yr_h_node, offsetof(struct pd_in, sheet)},
  };
  static const struct yr_field font_fields[] = {
      {"regular", YR_SCALAR, true, h_font_file,
       offsetof(struct pagedef, font_regular)},
      {"bold", YR_SCALAR, true, h_font_file,
       offsetof(struct pagedef, font_bold)},
      {"fallback", YR_SEQUENCE, false, h_fallback, 0},
  };
  static const struct yr_field text_fields[] = {
      {"size", YR_SCALAR, true, h_font_size,
       offsetof(struct pagedef, body_size)},
      {"leading", YR_SCALAR, true, h_length_pos,
       offsetof(struct pagedef, leading)},
      {"align", YR_SCALAR, true, h_align, offsetof(struct pagedef, align)},
      {"hyphenate", YR_SCALAR, true, yr_h_bool,
       offsetof(struct pagedef, hyphenate)},
      {"language", YR_SCALAR, false, h_hyph_lang,
       offsetof(struct pagedef, hyphen_language)},
      {"paragraph_space", YR_SCALAR, false, h_length,
       offsetof(struct pagedef, paragraph_space)},
      {"min_size", YR_SCALAR, false, h_font_size,
       offsetof(struct pagedef, min_body_size)},
      {"expansion", YR_SCALAR, false, h_expansion,
       offsetof(struct pagedef, expansion)},
  };
  static const struct yr_field heading_fields[] = {
      {"title", YR_SCALAR, false, h_font_size,
       offsetof(struct pagedef, title_size)},
      {"subtitle", YR_SCALAR, false, h_font_size,
       offsetof(struct pagedef, subtitle_size)},
      {"h1", YR_SCALAR, false, h_font_size, offsetof(struct pagedef, h1_size)},
      {"h2", YR_SCALAR, false, h_font_size, offsetof(struct pagedef, h2_size)},
  };
  static const struct yr_field footer_fields[] = {
      {"size", YR_SCALAR, false, h_font_size,
       offsetof(struct pagedef, footer_size)},
      {"running", YR_SCALAR, false, yr_h_bool,
       offsetof(struct pagedef, running_footer)},
  };
#define COLOR(f)                                                               \
  { #f, YR_SCALAR, false, h_color, offsetof(struct pagedef_colors, f) }
  static const struct yr_field color_fields[] = {
      COLOR(text),          COLOR(heading),        COLOR(link),
      COLOR(rule),          COLOR(info_bg),        COLOR(info_border),
      COLOR(warning_bg),    COLOR(warning_border), COLOR(urgent_bg),
      COLOR(urgent_border),
  };
#undef COLOR
  static const struct yr_node columns_key = {.str = "columns"},
                              gap_key = {.str = "column_gap"};

  /* find the file */
  const char *path = name_or_path;
  size_t nl = strlen(name_or_path);
  bool is_path = strchr(name_or_path, '/') ||
                 (nl >= 5 && strcmp(name_or_path + nl - 5, ".yaml") == 0);
  char *built = NULL;
  if (!is_path && !bytes) {
    const char *dir = layouts_dir && *layouts_dir ? layouts_dir : "layouts";
    struct strbuf b = {0};
    strbuf_printf(&b, "%s/%s.yaml", dir, name_or_path);
    built = strbuf_steal(&b);
    path = built;
    struct stat st;
    if (stat(path, &st) != 0) {
      /* list what there is */
      struct strbuf names = {0};
      DIR *dp = opendir(dir);
      char **list = NULL;
      size_t n = 0, cap = 0;
      if (dp) {
        struct dirent *e;
        while ((e = readdir(dp))) {
          size_t el = strlen(e->d_name);
          if (el > 5 && strcmp(e->d_name + el - 5, ".yaml") == 0 &&
              e->d_name[0] != '.')
            *VEC_PUSH(list, n, cap) = xstrndup(e->d_name, el - 5);
        }
        closedir(dp);
      }
      for (size_t i = 1; i < n; i++) /* insertion sort: few names */
        for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
          char *t = list[j];
          list[j] = list[j - 1];
          list[j - 1] = t;
        }
      for (size_t i = 0; i < n; i++) {
        if (i)
          strbuf_puts(&names, ", ");
        strbuf_puts(&names, list[i]);
        free(list[i]);
      }
      free(list);
      if (n)
        diag_fail(d, "unknown layout '%s' (expected one of: %s)", name_or_path,
                  names.data);
      else
        diag_fail(d, "unknown layout '%s' (expected a layout file in %s/)",
                  name_or_path, dir);
      strbuf_free(&names);
      free(built);
      return NULL;
    }
  }

  struct loader L = {0};
  L.yr.d = d;
  struct pagedef *p = xcalloc(1, sizeof *p);
  p->arena = arena_new();
  L.yr.arena = p->arena;
  p->path = arena_strdup(p->arena, path);
  free(built);
  int before = nerrors(&L);

  /* "not set" markers for optional values with computed defaults */
  p->paragraph_space = -1;

  struct arena *tree = arena_new();
  struct yr_node *top = read_top(p->path, p->path, bytes, len, tree, d);
  if (top && yr_expect(d, top, YR_MAPPING)) {
    p->pos = top->pos;
    struct pd_in in = {0};
    yr_dispatch(d, top, fields, NELEM(fields), &L, &in);
    p->name = in.name;

    if (in.page)
      load_page(&L, in.page, p);
    p->columns = 1;
    if (in.columns) {
      const char *s = in.columns->str;
      size_t n = in.columns->len;
      bool digits = n > 0 && n < 4;
      for (size_t i = 0; digits && i < n; i++)
        if (s[i] < '0' || s[i] > '9')
          digits = false;
      int c = digits ? atoi(s) : -1;
      if (!digits)
        diag_error(d, in.columns->pos,
                   "bad number '%s' for '%s' (expected a whole number from 1 "
                   "to 4)",
                   s, columns_key.str);
      else if (c < 1 || c > 4)
        diag_error(d, in.columns->pos,
                   "columns %d is out of range (expected 1 to 4)", c);
      else
        p->columns = c;
    }
    p->column_gap = HU_FROM_MM(8);
    if (in.column_gap)
      get_length(&L, &gap_key, in.column_gap, false, &p->column_gap);
    if (in.fonts)
      yr_dispatch(d, in.fonts, font_fields, NELEM(font_fields), &L, p);
    const struct yr_node *size_node = NULL;
    if (in.text) {
      yr_dispatch(d, in.text, text_fields, NELEM(text_fields), &L, p);
      size_node = yr_get(in.text, "size");
    }
    if (in.headings)
      yr_dispatch(d, in.headings, heading_fields, NELEM(heading_fields), &L, p);
    p->running_footer = true;
    if (in.footer)
      yr_dispatch(d, in.footer, footer_fields, NELEM(footer_fields), &L, p);

    /* what is laid out, in which panels, and on which sheet */
    static const struct yr_node kind_key = {.str = "kind"},
                                multiple_key = {.str = "page_multiple"};
    if (in.kind) {
      static const char *const kinds[PAGEDEF_KIND__MAX] = {"leaflet", "card"};
      int k = get_enum(&L, &kind_key, in.kind, kinds, PAGEDEF_KIND__MAX, false);
      if (k >= 0)
        p->kind = (enum pagedef_kind)k;
    }
    if (in.panels)
      load_panels(&L, in.panels, p);
    p->page_multiple = 1;
    if (in.page_multiple)
      get_count(&L, &multiple_key, in.page_multiple, 1, 16, &p->page_multiple);
    if (in.sheet)
      load_sheet(&L, in.sheet, p);
    if (nerrors(&L) == before)
      check_layout(&L, &in, p);

    /* colours: accessible defaults, then the layout's */
    p->colors = (struct pagedef_colors){
        .text = 0x000000,
        .heading = 0x003a70,
        .link = 0x0a4a94,
        .rule = 0x5a6b7b,
        .info_bg = 0xe8f1fb,
        .info_border = 0x0b4f9c,
        .warning_bg = 0xfff4d6,
        .warning_border = 0x8a5a00,
        .urgent_bg = 0xfde8e8,
        .urgent_border = 0xb00020,
    };
    if (in.colors)
      yr_dispatch(d, in.colors, color_fields, NELEM(color_fields), &L,
                  &p->colors);

    /* defaults computed from the body size */
    if (!p->hyphen_language)
      p->hyphen_language = "en-US";
    if (!p->min_body_size)
      p->min_body_size = 1200;
    if (p->body_size) {
      if (p->paragraph_space < 0)
        p->paragraph_space = p->leading / 2;
      if (!p->title_size)
        p->title_size = scale_cpt(p->body_size, 1.7);
      if (!p->subtitle_size)
        p->subtitle_size = scale_cpt(p->body_size, 1.2);
      if (!p->h1_size)
        p->h1_size = scale_cpt(p->body_size, 1.35);
      if (!p->h2_size)
        p->h2_size = scale_cpt(p->body_size, 1.15);
      if (!p->footer_size) {
        p->footer_size = scale_cpt(p->body_size, 0.85);
        if (p->footer_size < p->min_body_size)
          p->footer_size = p->min_body_size;
      }
      if (p->body_size < p->min_body_size && size_node)
        diag_error(d, size_node->pos,
                   "text size %gpt is below min_size %gpt (expected at least "
                   "%gpt)",
                   p->body_size / 100.0, p->min_body_size / 100.0,
                   p->min_body_size / 100.0);
    }
    if (p->paragraph_space < 0)
      p->paragraph_space = 0;

    /* the margins must leave room for text */
    if (in.page && p->page_width > 0 && p->page_height > 0 &&
        nerrors(&L) == before) {
      hu_t text_w = p->page_width - p->margin_left - p->margin_right -
                    (p->columns - 1) * p->column_gap;
      hu_t text_h = p->page_height - p->margin_top - p->margin_bottom;
      if (text_w <= 0 || text_h <= 0)
        diag_error(d, in.page->pos,
                   "margins%s leave no room for text on a %gpt x %gpt page "
                   "(expected smaller margins)",
                   p->columns > 1 ? " and column gaps" : "",
                   HU_TO_PT(p->page_width), HU_TO_PT(p->page_height));
    }
  }
  arena_free(tree);
  if (!top || nerrors(&L) != before) {
    pagedef_free(p);
    return NULL;
  }
  return p;
}

struct pagedef *load_pagedef(const char *name_or_path, const char *layouts_dir,
                             struct diag *d) {
  return pagedef_from(name_or_path, layouts_dir, NULL, 0, d);
}

struct pagedef *load_pagedef_mem(const char *name, const char *bytes,
                                 size_t len, struct diag *d) {
  return pagedef_from(name, NULL, bytes ? bytes : "", len, d);
}
