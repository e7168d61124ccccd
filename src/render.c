/*
 * render: the page model (page.h) to PDF bytes with libharu 2.3.0.
 *
 * This file and render_write.c (the writer, render_write.h) are the only
 * ones that include hpdf.h and libharu's internal headers (hpdf_doc.h,
 * hpdf_pages.h, hpdf_objects.h, hpdf_streams.h).  libharu holds the object
 * graph (pages, resources, outlines, annotations); what its public API
 * cannot do is done through those exported internals, for the reasons
 * measured in LIBHARU.md:
 *
 *   - fonts: built here, not by libharu.  Each face is subset to the code
 *     points the document draws (font_subset, hb-subset) and embedded as a
 *     Type0 font over a CIDFontType2 whose CIDs are the subset's glyph IDs
 *     (/CIDToGIDMap /Identity), with /W from the advances layout used and a
 *     /ToUnicode CMap per font.  The subset tag is derived from the subset
 *     bytes, so it is stable across runs and differs between different
 *     subsets (print shops merge files).  Faces loaded from the same file
 *     share one subset.  Subsets, images and QR codes are kept between
 *     documents in the caller's render_cache (render.h).
 *   - text: one TJ array per line written into the page's content stream
 *     (((HPDF_PageAttr)page->attr)->stream), carrying kerning and the
 *     justification space on each interword space.  Tw does nothing for
 *     Identity-H fonts and libharu has no TJ.  Resource names come from
 *     HPDF_Page_GetLocalFontName / HPDF_Page_GetXObjectName, so the page's
 *     /Resources stay libharu's.  All drawing is written raw, whole
 *     (BT..ET, q..Q), so libharu's gmode stays PAGE_DESCRIPTION between ops
 *     and its checks stay valid; numbers are printed from integers (exact,
 *     locale-free) rather than through libharu's float API.
 *   - tagged PDF: marked content (/ROLE <</MCID n>> BDC .. EMC, artifacts as
 *     /Artifact BMC .. EMC), a StructTreeRoot with one StructElem per
 *     pg_doc element, a ParentTree, /MarkInfo, /Lang, /StructParents and
 *     /Tabs /S on pages; link annotations are tagged as /Link elements with
 *     an OBJR.  The header is raised to PDF 1.7 (pdf->pdf_version).
 *   - TrimBox and BleedBox: HPDF_Dict_Add + HPDF_Box_Array_New.
 *
 * Order of work: collect the code points each face draws; load the subset
 * fonts; create every StructElem (so marked content can point at them);
 * draw the pages op by op, assigning MCIDs; build the /K arrays, parent tree
 * and catalog entries; outlines and info; write the file (render_write).
 *
 * Units: page.h lengths are hu (1/100000 pt), printed as points with five
 * decimals; font sizes are cpt (1/100 pt); glyph advances and kerning are
 * 1/1000 em, so an advance w at size s is exactly w * s hu.  A TJ number n
 * moves the pen by -n/1000 em, so a displacement of e hu at size s is
 * n = -e / s (printed with three decimals).
 *
 * Errors: the libharu handler records the first error_no/detail_no in a
 * per-call struct (no globals, no longjmp); every call's return value is
 * checked as well, because some failures never reach the handler.  The
 * first failure is reported once through diag_fail naming the step, the
 * document is freed with HPDF_Free, and NULL is returned.
 */
#include "render.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <qrencode.h>

#include "image.h"
#include "linebreak.h"
#include "render_write.h"
#include "util.h"

#define RENDER_PRODUCER "handout (libharu)"
#define RENDER_CREATOR "handout"
#define QR_QUIET_MODULES 4

/* The standard structure type of a role (ISO 32000-1, 14.8.4).  A switch
 * without default, so that -Wswitch flags a role added to page.h. */
static const char *role_name(enum pg_role role) {
  switch (role) {
  case ROLE_DOCUMENT: return "Document";
  case ROLE_SECT: return "Sect";
  case ROLE_DIV: return "Div";
  case ROLE_H1: return "H1";
  case ROLE_H2: return "H2";
  case ROLE_H3: return "H3";
  case ROLE_P: return "P";
  case ROLE_L: return "L";
  case ROLE_LI: return "LI";
  case ROLE_LBL: return "Lbl";
  case ROLE_LBODY: return "LBody";
  case ROLE_TABLE: return "Table";
  case ROLE_TR: return "TR";
  case ROLE_TH: return "TH";
  case ROLE_TD: return "TD";
  case ROLE_FIGURE: return "Figure";
  case ROLE_CAPTION: return "Caption";
  case ROLE__MAX: break;
  }
  return NULL;
}

/* ---- per-call state ------------------------------------------------------ */

struct hpdf_err {
  HPDF_STATUS error_no; /* first error the handler saw; 0 = none */
  HPDF_STATUS detail_no;
};

/* One entry of a structure element's /K other than a child element. */
enum kid_kind { KID_MCR, KID_LINK };
struct kid {
  enum kid_kind kind;
  int page;       /* KID_MCR */
  int mcid;       /* KID_MCR */
  HPDF_Dict link; /* KID_LINK: the /Link StructElem */
  long seq;       /* reading order (pg_op.order, else drawing order), to
                     sort the content and merge it with child elements */
};

struct elem_state {
  HPDF_Dict dict;
  struct kid *kids;
  size_t nkids, capkids;
  int *children; /* indexes into pg->elems, in reading order */
  size_t nchildren, capchildren;
  long first_seq; /* smallest seq in the subtree; LONG_MAX if none */
};

struct doc_image {
  const char *path;
  HPDF_Image image;
};

#define CP_WORDS (65536 / 64)

/* A font subset as embedded: made once per (font file, code point set) and
 * process, since the leaflets of a batch mostly draw the same characters. */
struct embed_subset {
  char *path;           /* font_file() */
  uint64_t *used;       /* [CP_WORDS]: the code points */
  uint16_t *gid_of;     /* [65536]: code point -> the subset's glyph */
  struct glyph_use *by_gid; /* the n drawn glyphs, by glyph ID */
  size_t n;
  struct strbuf file_z; /* the subset, deflated */
  size_t file_len;      /* its length before (/Length1) */
  struct strbuf tounicode_z; /* its /ToUnicode CMap, deflated */
  char tag[7];
};

struct embed_image;
struct render_cache {
  struct embed_image *images;
  size_t nimages, capimages;
  struct embed_subset *subsets;
  size_t nsubsets, capsubsets;
  struct qr_matrix *qrs;
  size_t nqrs, capqrs;
};
#define RENDER_CACHE_IMAGES 64 /* then the cache is emptied and refilled */
#define RENDER_CACHE_SUBSETS 32 /* emptied before a document that could overflow it */
#define RENDER_CACHE_QRS 64     /* likewise */

/* A QR code's modules: encoding one is a twentieth of a leaflet, and a
 * batch draws the same few addresses again and again. */
struct qr_matrix {
  char *text;
  int width;            /* modules per side */
  unsigned char *dark;  /* width * width, 1 = dark */
};

struct rctx {
  const struct pg_doc *pg;
  struct fontset *fs;
  struct diag *d;
  HPDF_Doc pdf;
  struct hpdf_err err;
  bool failed; /* an error has been reported through diag */

  /* fonts, by fontset index */
  uint64_t (*used)[CP_WORDS]; /* code points drawn per face */
  HPDF_Font font[FONTSET_MAX]; /* Type0 dicts; faces of one file share */
  const uint16_t *gid[FONTSET_MAX]; /* [65536] code point -> subset glyph,
                                       the render cache's */

  /* pages and structure */
  HPDF_Page *pages;
  HPDF_Array *page_mcids; /* per page: MCID -> StructElem (parent tree) */
  struct elem_state *es;
  long seq;
  HPDF_Array nums; /* parent tree /Nums */
  int next_key;    /* next /StructParent(s) key */

  struct render_cache *cache; /* the caller's, or one for this call */
  struct doc_image *images;   /* embedded in this document */
  size_t nimages, capimages;

  /* current page drawing state */
  HPDF_Page page;
  int pageno;
  HPDF_Stream stream;
  int mcid_next;
  int open_elem; /* elem of the open marked content; OPEN_NONE, -1 artifact */
  int cur_face, cur_size;
  uint32_t cur_color;
  struct strbuf buf; /* content being built for the current op */
};
#define OPEN_NONE (-2)

static void HPDF_STDCALL on_hpdf_error(HPDF_STATUS error_no,
                                       HPDF_STATUS detail_no, void *user) {
  struct hpdf_err *e = user;
  if (e->error_no == 0) {
    e->error_no = error_no;
    e->detail_no = detail_no;
  }
}

/* Report a libharu failure at step (once).  st is the status the call
 * returned, or 0 for a call that returned NULL. */
static bool hpdf_fail(struct rctx *c, HPDF_STATUS st, const char *step) {
  if (c->failed) return false;
  HPDF_STATUS no = c->err.error_no, detail = c->err.detail_no;
  if (no == 0 && c->pdf) {
    no = c->pdf->error.error_no;
    detail = c->pdf->error.detail_no;
  }
  if (no == 0) no = st;
  diag_fail(c->d, "PDF library error 0x%04X (detail %u) while %s",
            (unsigned)no, (unsigned)detail, step);
  c->failed = true;
  return false;
}

/* A call that returns HPDF_STATUS; also catches errors only the handler saw. */
static bool ok_st(struct rctx *c, HPDF_STATUS st, const char *step) {
  if (st != HPDF_OK || c->err.error_no != 0) return hpdf_fail(c, st, step);
  return true;
}

/* A call that returns an object pointer. */
static bool ok_ptr(struct rctx *c, const void *p, const char *step) {
  if (p == NULL || c->err.error_no != 0) return hpdf_fail(c, 0, step);
  return true;
}

/* A failure of ours (bad input to render, QR, image, subset). */
static bool fail_msg(struct rctx *c, const char *msg, const char *arg) {
  if (!c->failed) diag_fail(c->d, "%s%s", msg, arg ? arg : "");
  c->failed = true;
  return false;
}

/* ---- number printing (integers only: exact and locale-free) -------------- */

/* Print v / 10^digits with trailing zeros (and a bare '.') removed.  By
 * hand rather than printf: this prints every coordinate of every page. */
static void put_fixed(struct strbuf *b, int64_t v, int digits) {
  char tmp[48], *end = tmp + sizeof tmp, *p = end;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  bool any = false; /* a fraction digit printed */
  for (int i = 0; i < digits; i++, u /= 10) {
    unsigned dig = (unsigned)(u % 10);
    if (!any && dig == 0) continue; /* trailing zero */
    any = true;
    *--p = (char)('0' + dig);
  }
  if (any) *--p = '.';
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  strbuf_append(b, p, (size_t)(end - p));
}

static void put_pt(struct strbuf *b, hu_t h) { put_fixed(b, h, 5); }

/* Round a / b to nearest, halves away from zero (b > 0). */
static int64_t div_round(int64_t a, int64_t b) {
  return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static void put_color(struct strbuf *b, uint32_t rgb, const char *op) {
  for (int shift = 16; shift >= 0; shift -= 8) {
    put_fixed(b, div_round((int64_t)((rgb >> shift) & 0xFF) * 10000, 255), 4);
    strbuf_putc(b, ' ');
  }
  strbuf_puts(b, op);
  strbuf_putc(b, '\n');
}

static void put_rect(struct strbuf *b, hu_t x, hu_t y, hu_t w, hu_t h) {
  put_pt(b, x);
  strbuf_putc(b, ' ');
  put_pt(b, y);
  strbuf_putc(b, ' ');
  put_pt(b, w);
  strbuf_putc(b, ' ');
  put_pt(b, h);
  strbuf_puts(b, " re\n");
}

static HPDF_REAL pt_real(hu_t h) { return (HPDF_REAL)HU_TO_PT(h); }

/* Append the current op's content to the page stream. */
static bool flush_buf(struct rctx *c) {
  if (c->buf.len == 0) return true;
  HPDF_STATUS st =
      HPDF_Stream_Write(c->stream, (const HPDF_BYTE *)c->buf.data,
                        (HPDF_UINT)c->buf.len);
  c->buf.len = 0;
  return ok_st(c, st, "writing page content");
}

/* ---- PDF objects --------------------------------------------------------- */

static HPDF_Dict new_indirect_dict(struct rctx *c, const char *step) {
  HPDF_Dict dict = HPDF_Dict_New(c->pdf->mmgr);
  if (!ok_ptr(c, dict, step)) return NULL;
  if (!ok_st(c, HPDF_Xref_Add(c->pdf->xref, dict), step)) return NULL;
  return dict;
}

/* A new direct dictionary (or array), added to parent under key at once so
 * that HPDF_Free releases it whatever happens next. */
static HPDF_Dict add_dict(struct rctx *c, HPDF_Dict parent, const char *key,
                          const char *step) {
  HPDF_Dict dict = HPDF_Dict_New(c->pdf->mmgr);
  if (!ok_ptr(c, dict, step) || !ok_st(c, HPDF_Dict_Add(parent, key, dict), step))
    return NULL;
  return dict;
}

static HPDF_Array add_array(struct rctx *c, HPDF_Dict parent, const char *key,
                            const char *step) {
  HPDF_Array arr = HPDF_Array_New(c->pdf->mmgr);
  if (!ok_ptr(c, arr, step) || !ok_st(c, HPDF_Dict_Add(parent, key, arr), step))
    return NULL;
  return arr;
}

/* A PDF text string: a literal string for printable ASCII, otherwise
 * UTF-16BE with a byte-order mark (surrogate pairs for astral characters,
 * which libharu's own UTF-8 encoder drops). */
static void *text_string(struct rctx *c, const char *s) {
  size_t n = strlen(s);
  bool ascii = true;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E) ascii = false;
  if (ascii) return HPDF_String_New(c->pdf->mmgr, s, NULL);
  if (utf8_invalid_at(s, n) != (size_t)-1) {
    fail_msg(c, "text is not valid UTF-8: ", "document metadata or alt text");
    return NULL;
  }
  unsigned char *u = xmalloc(2 + 4 * n);
  size_t len = 0;
  u[len++] = 0xFE;
  u[len++] = 0xFF;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    i += (size_t)k;
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      uint32_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
      u[len++] = (unsigned char)(hi >> 8);
      u[len++] = (unsigned char)hi;
      u[len++] = (unsigned char)(lo >> 8);
      u[len++] = (unsigned char)lo;
    } else {
      u[len++] = (unsigned char)(cp >> 8);
      u[len++] = (unsigned char)cp;
    }
  }
  void *obj = HPDF_Binary_New(c->pdf->mmgr, u, (HPDF_UINT)len);
  free(u);
  return obj;
}

/* ---- fonts --------------------------------------------------------------- */

static bool cp_test(const uint64_t *set, uint32_t cp) {
  return (set[cp >> 6] >> (cp & 63)) & 1;
}
static void cp_set(uint64_t *set, uint32_t cp) {
  set[cp >> 6] |= (uint64_t)1 << (cp & 63);
}

/* Mark cp as drawn in face; false (reported) if the face cannot draw it. */
static bool use_cp(struct rctx *c, int face, uint32_t cp) {
  if (cp > 0xFFFF) {
    char desc[64];
    diag_describe_char(cp, desc, sizeof desc);
    return fail_msg(c,
                    "cannot draw a character outside the Basic Multilingual "
                    "Plane (libharu's UTF-8 fonts are 16-bit): ",
                    desc);
  }
  if (cp_test(c->used[face], cp)) return true;
  if (!font_has(c->fs->face[face], cp)) {
    char desc[64], msg[512];
    diag_describe_char(cp, desc, sizeof desc);
    snprintf(msg, sizeof msg, "cannot draw %s: the font has no glyph for it: ",
             desc);
    return fail_msg(c, msg, font_file(c->fs->face[face]));
  }
  cp_set(c->used[face], cp);
  return true;
}

static bool check_face(struct rctx *c, const struct item *it) {
  if (it->face >= c->fs->nfaces || c->fs->face[it->face] == NULL)
    return fail_msg(c, "internal error: text item refers to a missing font",
                    NULL);
  if (it->size <= 0 || it->size > 60000)
    return fail_msg(c, "internal error: font size out of range (0, 600] pt",
                    NULL);
  return true;
}

/* Pass 1: the code points each face draws (boxes, spaces, hyphens). */
static bool collect_code_points(struct rctx *c) {
  const struct pg_doc *pg = c->pg;
  for (size_t p = 0; p < pg->npages; p++) {
    for (size_t o = 0; o < pg->pages[p].nops; o++) {
      const struct pg_op *op = &pg->pages[p].ops[o];
      if (op->kind != PG_TEXT) continue;
      if (op->nitems > 0 && op->items == NULL)
        return fail_msg(c, "internal error: text op without items", NULL);
      const struct item *last_box = NULL;
      for (size_t i = 0; i < op->nitems; i++) {
        const struct item *it = &op->items[i];
        if (it->type == ITEM_PENALTY) continue;
        if (!check_face(c, it)) return false;
        if (it->type == ITEM_GLUE) {
          if (!use_cp(c, it->face, 0x20)) return false;
          continue;
        }
        last_box = it;
        size_t at = utf8_invalid_at(it->text, it->len);
        if (at != (size_t)-1)
          return fail_msg(c, "internal error: text is not valid UTF-8", NULL);
        for (size_t k = 0; k < it->len;) {
          uint32_t cp;
          k += (size_t)utf8_decode(it->text + k, it->len - k, &cp);
          if (!use_cp(c, it->face, cp)) return false;
        }
        /* a glue may be drawn as a space of the current face */
        if (font_has(c->fs->face[it->face], 0x20))
          cp_set(c->used[it->face], 0x20);
      }
      if (op->hyphen && last_box && !use_cp(c, last_box->face, '-'))
        return false;
    }
  }
  return true;
}

/* Six letters from the subset's bytes (FNV-1a): stable across runs,
 * different for different subsets. */
static void subset_tag(const unsigned char *p, size_t n, char tag[7]) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3u;
  }
  for (int i = 0; i < 6; i++) {
    tag[i] = (char)('A' + h % 26);
    h /= 26;
  }
  tag[6] = 0;
}

/* ---- fonts: each face a Type0 font over a CIDFontType2, built here --------
 * CID = glyph ID of the hb-subset subset (/CIDToGIDMap /Identity), so
 * there is no 65,536-entry map to build or store; /W lists the drawn
 * glyphs' advances exactly as layout measured them (font_advance); the
 * /ToUnicode CMap maps each glyph back to its code point.  libharu's own
 * TrueType path parsed every subset again and built the map by calling its
 * glyph lookup for every BMP code point: a sixth of a render. */

static void put_hex4(struct strbuf *b, unsigned v) {
  static const char hex[] = "0123456789ABCDEF";
  char s[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
               hex[v & 15]};
  strbuf_append(b, s, 4);
}

/* The code point as UTF-16BE hex (a surrogate pair above U+FFFF). */
static void put_utf16_hex(struct strbuf *b, uint32_t cp) {
  if (cp > 0xFFFF) {
    cp -= 0x10000;
    put_hex4(b, 0xD800 + (cp >> 10));
    cp = 0xDC00 + (cp & 0x3FF);
  }
  put_hex4(b, cp);
}

/* One drawn glyph of a subset. */
struct glyph_use {
  uint16_t gid;
  uint32_t cp;
};

static int by_gid(const void *a, const void *b) {
  const struct glyph_use *x = a, *y = b;
  return (x->gid > y->gid) - (x->gid < y->gid);
}

/* ToUnicode CMap text: glyph -> code point, in blocks of at most 100 as the
 * CMap format requires. */
static void tounicode_cmap(struct strbuf *b, const struct glyph_use *g,
                           size_t n) {
  strbuf_puts(b,
              "/CIDInit /ProcSet findresource begin\n12 dict begin\n"
              "begincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
              "/Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n"
              "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\n"
              "endcodespacerange\n");
  for (size_t i = 0; i < n; i += 100) {
    size_t m = n - i < 100 ? n - i : 100;
    strbuf_printf(b, "%zu beginbfchar\n", m);
    for (size_t k = i; k < i + m; k++) {
      strbuf_putc(b, '<');
      put_hex4(b, g[k].gid);
      strbuf_puts(b, "> <");
      put_utf16_hex(b, g[k].cp);
      strbuf_puts(b, ">\n");
    }
    strbuf_puts(b, "endbfchar\n");
  }
  strbuf_puts(b, "endcmap\nCMapName currentdict /CMapResource defineresource "
                 "pop\nend\nend\n");
}

/* /W: runs of consecutive glyph IDs, "first [w w ...]". */
static HPDF_Array width_array(struct rctx *c, const struct font *f,
                              const struct glyph_use *g, size_t n) {
  HPDF_Array w = HPDF_Array_New(c->pdf->mmgr);
  HPDF_Array run = NULL;
  HPDF_STATUS st = w ? 0 : HPDF_FAILD_TO_ALLOC_MEM;
  for (size_t i = 0; i < n && st == HPDF_OK; i++) {
    if (i > 0 && g[i].gid == g[i - 1].gid) continue;
    if (!run || g[i].gid != g[i - 1].gid + 1) {
      run = HPDF_Array_New(c->pdf->mmgr);
      if (!run) return NULL;
      st += HPDF_Array_AddNumber(w, g[i].gid);
      st += HPDF_Array_Add(w, run);
    }
    st += HPDF_Array_AddNumber(run, font_advance(f, g[i].cp));
  }
  return st == HPDF_OK ? w : NULL;
}

static HPDF_Dict stream_dict(struct rctx *c, const void *data, size_t len,
                             const char *step) {
  HPDF_Dict s = HPDF_DictStream_New(c->pdf->mmgr, c->pdf->xref);
  if (!ok_ptr(c, s, step)) return NULL;
  s->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
  if (!ok_st(c, HPDF_Stream_Write(s->stream, data, (HPDF_UINT)len), step))
    return NULL;
  return s;
}

/* A stream object of bytes deflated already. */
static HPDF_Dict deflated_stream(struct rctx *c, const struct strbuf *z,
                                 const char *step) {
  HPDF_Dict s = stream_dict(c, z->data, z->len, step);
  if (!s) return NULL;
  s->filter = HPDF_STREAM_FILTER_NONE;
  return ok_st(c, HPDF_Dict_AddName(s, "Filter", "FlateDecode"), step) ? s
                                                                      : NULL;
}

static HPDF_Dict font_descriptor(struct rctx *c, const struct font *f,
                                 const char *base, HPDF_Dict file,
                                 const char *step) {
  struct font_desc fd;
  font_describe(f, &fd);
  HPDF_Dict d = new_indirect_dict(c, step);
  HPDF_Array bbox = d ? HPDF_Array_New(c->pdf->mmgr) : NULL;
  if (!ok_ptr(c, bbox, step)) return NULL;
  int flags = 32 /* Nonsymbolic */ | (fd.fixed_pitch ? 1 : 0) |
              (fd.italic ? 64 : 0) | (fd.bold ? 262144 /* ForceBold */ : 0);
  HPDF_STATUS st = HPDF_Dict_AddName(d, "Type", "FontDescriptor");
  st += HPDF_Dict_AddName(d, "FontName", base);
  st += HPDF_Dict_AddNumber(d, "Flags", flags);
  for (int i = 0; i < 4; i++) st += HPDF_Array_AddNumber(bbox, fd.bbox[i]);
  st += HPDF_Dict_Add(d, "FontBBox", bbox);
  st += HPDF_Dict_AddNumber(d, "ItalicAngle", fd.italic_angle);
  st += HPDF_Dict_AddNumber(d, "Ascent", font_ascender(f));
  st += HPDF_Dict_AddNumber(d, "Descent", font_descender(f));
  st += HPDF_Dict_AddNumber(d, "CapHeight", font_cap_height(f));
  st += HPDF_Dict_AddNumber(d, "StemV", fd.stem_v);
  st += HPDF_Dict_Add(d, "FontFile2", file);
  return ok_st(c, st, step) ? d : NULL;
}

static HPDF_Dict cid_system_info(struct rctx *c) {
  HPDF_Dict info = HPDF_Dict_New(c->pdf->mmgr);
  if (!info) return NULL;
  HPDF_STATUS st = HPDF_Dict_Add(info, "Registry",
                                 HPDF_String_New(c->pdf->mmgr, "Adobe", NULL));
  st += HPDF_Dict_Add(info, "Ordering",
                      HPDF_String_New(c->pdf->mmgr, "Identity", NULL));
  st += HPDF_Dict_AddNumber(info, "Supplement", 0);
  return st == HPDF_OK ? info : NULL;
}

/* The Type0 font of a subset (bytes) whose drawn glyphs are g[0..n),
 * sorted by glyph ID. */
static HPDF_Dict embed_font(struct rctx *c, const struct font *f,
                            const struct embed_subset *sub,
                            const struct glyph_use *g, size_t n,
                            const char *step) {
  char base[HPDF_LIMIT_MAX_NAME_LEN + 1];
  snprintf(base, sizeof base, "%s+%s", sub->tag, font_postscript_name(f));
  HPDF_Dict file = deflated_stream(c, &sub->file_z, step);
  HPDF_Dict tounicode = file ? deflated_stream(c, &sub->tounicode_z, step)
                             : NULL;
  HPDF_Dict desc = tounicode ? font_descriptor(c, f, base, file, step) : NULL;
  HPDF_Dict cid = desc ? new_indirect_dict(c, step) : NULL;
  HPDF_Dict type0 = cid ? new_indirect_dict(c, step) : NULL;
  HPDF_Array kids = type0 ? HPDF_Array_New(c->pdf->mmgr) : NULL;
  HPDF_Array widths = kids ? width_array(c, f, g, n) : NULL;
  HPDF_Dict info = widths ? cid_system_info(c) : NULL;
  if (!ok_ptr(c, info, step)) return NULL;
  HPDF_STATUS st =
      HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)sub->file_len);
  st += HPDF_Dict_AddName(cid, "Type", "Font");
  st += HPDF_Dict_AddName(cid, "Subtype", "CIDFontType2");
  st += HPDF_Dict_AddName(cid, "BaseFont", base);
  st += HPDF_Dict_Add(cid, "CIDSystemInfo", info);
  st += HPDF_Dict_Add(cid, "FontDescriptor", desc);
  st += HPDF_Dict_Add(cid, "W", widths);
  st += HPDF_Dict_AddName(cid, "CIDToGIDMap", "Identity");
  st += HPDF_Dict_AddName(type0, "Type", "Font");
  st += HPDF_Dict_AddName(type0, "Subtype", "Type0");
  st += HPDF_Dict_AddName(type0, "BaseFont", base);
  st += HPDF_Dict_AddName(type0, "Encoding", "Identity-H");
  st += HPDF_Array_Add(kids, cid);
  st += HPDF_Dict_Add(type0, "DescendantFonts", kids);
  st += HPDF_Dict_Add(type0, "ToUnicode", tounicode);
  return ok_st(c, st, step) ? type0 : NULL;
}

static void embed_subset_free(struct embed_subset *e) {
  free(e->path);
  free(e->used);
  free(e->gid_of);
  free(e->by_gid);
  strbuf_free(&e->file_z);
  strbuf_free(&e->tounicode_z);
}

/* Subsets f to the code points in used and deflates it into e. */
static bool make_subset(struct rctx *c, const struct font *f,
                        const uint64_t *used, struct embed_subset *e) {
  uint32_t *cps = NULL;
  size_t cap = 0;
  for (uint32_t w = 0; w < CP_WORDS; w++)
    for (uint64_t bits = used[w]; bits; bits &= bits - 1)
      *VEC_PUSH(cps, e->n, cap) = w * 64 + (uint32_t)__builtin_ctzll(bits);
  uint16_t *gids = xcalloc(e->n + 1, sizeof *gids);
  unsigned char *bytes = font_subset(f, cps, e->n, gids, &e->file_len);
  bool ok = bytes != NULL || fail_msg(c, "cannot subset font ", font_file(f));
  e->gid_of = xcalloc(65536, sizeof *e->gid_of);
  e->by_gid = xcalloc(e->n + 1, sizeof *e->by_gid);
  for (size_t i = 0; ok && i < e->n; i++) {
    if (gids[i] == 0)
      ok = fail_msg(c, "internal error: no glyph in the subset of ",
                    font_file(f));
    e->gid_of[cps[i]] = gids[i]; /* cps are BMP: CP_WORDS */
    e->by_gid[i] = (struct glyph_use){gids[i], cps[i]};
  }
  qsort(e->by_gid, e->n, sizeof *e->by_gid, by_gid);
  struct strbuf cmap = {0};
  tounicode_cmap(&cmap, e->by_gid, e->n);
  if (ok) {
    subset_tag(bytes, e->file_len, e->tag);
    ok = (render_deflate(bytes, e->file_len, RENDER_DEFLATE_LEVEL,
                         &e->file_z) &&
          render_deflate(cmap.data, cmap.len, RENDER_DEFLATE_LEVEL,
                         &e->tounicode_z)) ||
         fail_msg(c, "cannot compress font ", font_file(f));
  }
  strbuf_free(&cmap);
  free(gids);
  free(cps);
  free(bytes);
  return ok;
}

/* The cached subset of face for the code points it draws. */
static const struct embed_subset *subset_get(struct rctx *c, int face) {
  struct render_cache *rc = c->cache;
  const struct font *f = c->fs->face[face];
  const uint64_t *used = c->used[face];
  for (size_t i = 0; i < rc->nsubsets; i++) {
    struct embed_subset *e = &rc->subsets[i];
    if (strcmp(e->path, font_file(f)) == 0 &&
        memcmp(e->used, used, CP_WORDS * sizeof *used) == 0)
      return e;
  }
  struct embed_subset fresh = {0};
  if (!make_subset(c, f, used, &fresh)) {
    embed_subset_free(&fresh);
    return NULL;
  }
  fresh.path = xstrdup(font_file(f));
  fresh.used = xmalloc(CP_WORDS * sizeof *used);
  memcpy(fresh.used, used, CP_WORDS * sizeof *used);
  struct embed_subset *e = VEC_PUSH(rc->subsets, rc->nsubsets, rc->capsubsets);
  *e = fresh;
  return e;
}

static bool load_face(struct rctx *c, int face) {
  const struct font *f = c->fs->face[face];
  char step[300];
  snprintf(step, sizeof step, "embedding font %s", font_file(f));
  const struct embed_subset *sub = subset_get(c, face);
  if (!sub) return false;
  c->gid[face] = sub->gid_of; /* the cache's: see load_fonts */
  c->font[face] = embed_font(c, f, sub, sub->by_gid, sub->n, step);
  return c->font[face] != NULL;
}

static bool empty_set(const uint64_t *set) {
  for (size_t w = 0; w < CP_WORDS; w++)
    if (set[w]) return false;
  return true;
}

/* Faces from the same file share one subset (the union of their code
 * points) and one libharu font. */
static bool load_fonts(struct rctx *c) {
  /* the cache is emptied here, never while a document holds its entries'
   * glyph tables (c->gid) */
  struct render_cache *rc = c->cache;
  if (rc->nsubsets + FONTSET_MAX > RENDER_CACHE_SUBSETS) {
    for (size_t i = 0; i < rc->nsubsets; i++)
      embed_subset_free(&rc->subsets[i]);
    rc->nsubsets = 0;
  }
  int owner[FONTSET_MAX];
  for (int i = 0; i < c->fs->nfaces; i++) {
    owner[i] = i;
    if (!c->fs->face[i]) continue;
    for (int j = 0; j < i; j++) {
      if (c->fs->face[j] && owner[j] == j &&
          strcmp(font_file(c->fs->face[i]), font_file(c->fs->face[j])) == 0) {
        owner[i] = j;
        for (size_t w = 0; w < CP_WORDS; w++) c->used[j][w] |= c->used[i][w];
        break;
      }
    }
  }
  for (int i = 0; i < c->fs->nfaces; i++)
    if (owner[i] == i && c->fs->face[i] && !empty_set(c->used[i]) &&
        !load_face(c, i))
      return false;
  for (int i = 0; i < c->fs->nfaces; i++)
    if (owner[i] != i) {
      c->font[i] = c->font[owner[i]];
      c->gid[i] = c->gid[owner[i]];
    }
  return true;
}

/* ---- marked content ------------------------------------------------------- */

static void add_kid(struct elem_state *e, struct kid k) {
  *VEC_PUSH(e->kids, e->nkids, e->capkids) = k;
}

static void mc_close(struct rctx *c) {
  if (c->open_elem != OPEN_NONE) strbuf_puts(&c->buf, "EMC\n");
  c->open_elem = OPEN_NONE;
}

/* Make sure the drawing that follows is inside elem's marked content
 * (consecutive ops of one element share one sequence and one MCID); order
 * is the first op's pg_op.order. */
static bool mc_open(struct rctx *c, int elem, long order) {
  if (elem == c->open_elem) return true;
  mc_close(c);
  if (elem < 0) {
    strbuf_puts(&c->buf, "/Artifact BMC\n");
    c->open_elem = -1;
    return true;
  }
  struct elem_state *e = &c->es[elem];
  int mcid = c->mcid_next++;
  strbuf_printf(&c->buf, "/%s <</MCID %d>> BDC\n",
                role_name(c->pg->elems[elem].role), mcid);
  add_kid(e, (struct kid){.kind = KID_MCR, .page = c->pageno, .mcid = mcid,
                          .seq = order > 0 ? order : c->seq++});
  c->open_elem = elem;
  return ok_st(c, HPDF_Array_Add(c->page_mcids[c->pageno], e->dict),
               "building the structure parent tree");
}

static bool check_elem(struct rctx *c, int elem) {
  if (elem < -1 || elem >= (int)c->pg->nelems)
    return fail_msg(c, "internal error: op refers to a missing structure "
                       "element", NULL);
  return true;
}

/* ---- text ------------------------------------------------------------------ */

/* The TJ array being written for one line. */
struct tj {
  struct rctx *c;
  bool in_array, in_hex;
  hu_t pending; /* displacement still to apply before the next glyph */
};

static void tj_number(struct tj *t, hu_t disp) {
  struct strbuf *b = &t->c->buf;
  if (disp == 0) return;
  if (t->in_hex) {
    strbuf_putc(b, '>');
    t->in_hex = false;
  }
  if (!t->in_array) {
    strbuf_putc(b, '[');
    t->in_array = true;
  } else {
    strbuf_putc(b, ' ');
  }
  put_fixed(b, div_round(-disp * 1000, t->c->cur_size), 3);
  strbuf_putc(b, ' ');
}

static void tj_glyph(struct tj *t, uint32_t cp) {
  struct strbuf *b = &t->c->buf;
  if (t->pending) {
    tj_number(t, t->pending);
    t->pending = 0;
  }
  if (!t->in_array) {
    strbuf_putc(b, '[');
    t->in_array = true;
  }
  if (!t->in_hex) {
    strbuf_putc(b, '<');
    t->in_hex = true;
  }
  const uint16_t *gid = t->c->gid[t->c->cur_face];
  put_hex4(b, gid && cp <= 0xFFFF ? gid[cp] : 0); /* all collected before */
}

/* Close the array; a pending displacement is kept if more text follows
 * (a number at the end of a TJ still moves the pen). */
static void tj_end(struct tj *t, bool keep_pending) {
  struct strbuf *b = &t->c->buf;
  if (keep_pending && t->pending) {
    tj_number(t, t->pending);
  }
  t->pending = 0;
  if (t->in_hex) strbuf_putc(b, '>');
  if (t->in_array) strbuf_puts(b, "] TJ\n");
  t->in_hex = t->in_array = false;
}

/* Switch face, size and colour for the glyphs that follow. */
static bool tj_run(struct tj *t, int face, int size, uint32_t color,
                   bool set_color) {
  struct rctx *c = t->c;
  if (face != c->cur_face || size != c->cur_size) {
    tj_end(t, true);
    const char *name = HPDF_Page_GetLocalFontName(c->page, c->font[face]);
    if (!ok_ptr(c, name, "adding a font to the page resources")) return false;
    strbuf_printf(&c->buf, "/%s ", name);
    put_fixed(&c->buf, size, 2);
    strbuf_puts(&c->buf, " Tf\n");
    c->cur_face = face;
    c->cur_size = size;
  }
  if (set_color && color != c->cur_color) {
    tj_end(t, true);
    put_color(&c->buf, color, "rg");
    c->cur_color = color;
  }
  return true;
}

/* Whether a box ends in a character after which a line may break without
 * a space: an explicit hyphen, dash or slash. */
static bool ends_in_break_char(const struct item *box) {
  uint32_t cp = 0;
  for (size_t k = 0; k < box->len;)
    k += (size_t)utf8_decode(box->text + k, box->len - k, &cp);
  return cp == '-' || cp == '/' || cp == 0x2010 || cp == 0x2013 ||
         cp == 0x2014 || cp == 0x00AD;
}

/* One line: BT, Td to the baseline origin, TJ arrays, ET.  Boxes draw their
 * characters with the kerning after each; glue draws a space (of the current
 * face when it has one, so runs are not split) moved to the set glue width;
 * penalties draw nothing except the final hyphen of a hyphenated line. */
static bool draw_text(struct rctx *c, const struct pg_op *op) {
  struct tj t = {.c = c};
  const struct item *last_box = NULL;
  strbuf_puts(&c->buf, "BT\n");
  put_pt(&c->buf, op->x);
  strbuf_putc(&c->buf, ' ');
  put_pt(&c->buf, op->y);
  strbuf_puts(&c->buf, " Td\n");
  /* font expansion: glyphs (and their kerning) widen by scale; Tz scales
   * every displacement, so glue adjustments are divided by it below */
  bool scaled = op->scale > 0 && op->scale != 1.0;
  double scale = scaled ? op->scale : 1.0;
  if (scaled) strbuf_printf(&c->buf, "%.3f Tz\n", 100.0 * scale);

  for (size_t i = 0; i < op->nitems; i++) {
    const struct item *it = &op->items[i];
    if (it->type == ITEM_BOX) {
      if (!tj_run(&t, it->face, it->size, it->color, true)) return false;
      size_t ci = 0;
      for (size_t k = 0; k < it->len; ci++) {
        uint32_t cp;
        k += (size_t)utf8_decode(it->text + k, it->len - k, &cp);
        tj_glyph(&t, cp);
        if (it->kern && it->kern[ci])
          t.pending += (hu_t)it->kern[ci] * it->size;
      }
      last_box = it;
    } else if (it->type == ITEM_GLUE) {
      int face = it->face;
      int size = it->size;
      if (c->cur_face >= 0 && cp_test(c->used[c->cur_face], 0x20)) {
        face = c->cur_face; /* same position, no font switch */
        size = c->cur_size;
      }
      if (!tj_run(&t, face, size, 0, false)) return false;
      tj_glyph(&t, 0x20);
      hu_t space = (hu_t)font_advance(c->fs->face[face], 0x20) * size;
      hu_t glue = lb_glue_width(it, op->ratio);
      t.pending += (scaled ? (hu_t)((double)glue / scale) : glue) - space;
    }
  }
  /* the kern after the last character belonged to the next line's text */
  t.pending = 0;
  if (op->hyphen && last_box) {
    if (!tj_run(&t, last_box->face, last_box->size, last_box->color, true))
      return false;
    tj_glyph(&t, '-');
  } else if (last_box && last_box == &op->items[op->nitems - 1] &&
             !ends_in_break_char(last_box) &&
             cp_test(c->used[c->cur_face], 0x20)) {
    /* an invisible space at the end of a line that broke at a space, so
     * that text extraction and screen readers, which concatenate the lines
     * of one marked-content sequence, keep the words apart */
    tj_glyph(&t, 0x20);
  }
  tj_end(&t, false);
  /* Tz belongs to the text state, which outlives ET */
  strbuf_puts(&c->buf, scaled ? "100 Tz\nET\n" : "ET\n");
  return true;
}

/* ---- rectangles, images, QR codes, links ---------------------------------- */

static bool draw_rect(struct rctx *c, const struct pg_op *op) {
  bool fill = op->fill != PG_NO_COLOR, stroke = op->stroke != PG_NO_COLOR;
  if (!fill && !stroke) return true;
  strbuf_puts(&c->buf, "q\n");
  if (fill) put_color(&c->buf, op->fill, "rg");
  if (stroke) {
    put_color(&c->buf, op->stroke, "RG");
    put_pt(&c->buf, op->line_width);
    strbuf_puts(&c->buf, " w\n");
  }
  put_rect(&c->buf, op->x, op->y, op->w, op->h);
  strbuf_puts(&c->buf, fill && stroke ? "B\nQ\n" : fill ? "f\nQ\n" : "S\nQ\n");
  return true;
}

/* ---- images: the embeddable form, made once per file per process ------- */

struct embed_image {
  char *path;
  struct stat id; /* st_dev, st_ino, st_size, st_mtim when it was read */
  enum image_format format;
  uint32_t width, height;
  int channels;
  int bits;            /* per sample in data: 8, or 1-8 when indexed */
  int ncolors;         /* > 0: data holds indexes into palette */
  unsigned char palette[256 * 3];
  struct strbuf data;  /* JPEG: the file; PNG: image_deflate_rows() */
  struct strbuf alpha; /* PNG with transparency: the alpha plane, same form */
};


struct render_cache *render_cache_new(void) {
  return xcalloc(1, sizeof(struct render_cache));
}

static void embed_image_free(struct embed_image *e) {
  free(e->path);
  strbuf_free(&e->data);
  strbuf_free(&e->alpha);
}

static void qr_matrix_free(struct qr_matrix *q) {
  free(q->text);
  free(q->dark);
}

void render_cache_free(struct render_cache *rc) {
  if (!rc) return;
  for (size_t i = 0; i < rc->nqrs; i++) qr_matrix_free(&rc->qrs[i]);
  free(rc->qrs);
  for (size_t i = 0; i < rc->nimages; i++) embed_image_free(&rc->images[i]);
  free(rc->images);
  for (size_t i = 0; i < rc->nsubsets; i++) embed_subset_free(&rc->subsets[i]);
  free(rc->subsets);
  free(rc);
}

static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Decodes path and makes its embeddable form into e (zeroed by caller).
 * Level 9: the work is done once per file and process. */
static bool make_embed_image(struct rctx *c, const char *path,
                             struct embed_image *e) {
  struct image *img = image_load(path, (struct src_pos){NULL, 0, 0}, c->d);
  if (!img) return c->failed = true, false; /* image_load reported it */
  e->format = img->format;
  e->width = img->width;
  e->height = img->height;
  e->channels = img->channels;
  bool ok = true;
  if (img->format == IMAGE_JPEG) {
    strbuf_append(&e->data, img->data, img->data_len);
  } else if (img->channels != 1 && img->channels != 3) {
    ok = fail_msg(c, "internal error: PNG with unexpected channel count: ",
                  path);
  } else {
    struct image_indexed ix;
    e->bits = 8;
    if (image_index(img, &ix)) { /* few colours: a palette */
      e->bits = ix.bits;
      e->ncolors = ix.ncolors;
      memcpy(e->palette, ix.palette, sizeof e->palette);
      /* no predictor: PNG's advice for palettes, and 30% smaller here */
      ok = render_deflate(ix.rows, ix.row_bytes * img->height, 9, &e->data);
      free(ix.rows);
    } else {
      ok = image_deflate_rows(img->pixels,
                              (size_t)img->width * (size_t)img->channels,
                              img->height, img->channels, 9, &e->data);
    }
    ok = ok && (!img->alpha ||
                image_deflate_rows(img->alpha, img->width, img->height, 1, 9,
                                   &e->alpha));
    if (!ok) fail_msg(c, "cannot compress image ", path);
  }
  image_free(img);
  return ok;
}

/* The cached form of path, made again if the file changed. */
static const struct embed_image *embed_image_get(struct rctx *c,
                                                 const char *path) {
  struct render_cache *rc = c->cache;
  struct stat st;
  bool known = stat(path, &st) == 0;
  for (size_t i = 0; known && i < rc->nimages; i++) {
    struct embed_image *e = &rc->images[i];
    if (strcmp(e->path, path) == 0 && same_file(&e->id, &st)) return e;
  }
  struct embed_image fresh = {0};
  if (!make_embed_image(c, path, &fresh)) {
    embed_image_free(&fresh);
    return NULL;
  }
  fresh.path = xstrdup(path);
  fresh.id = st;
  if (!known) memset(&fresh.id, 0, sizeof fresh.id); /* never matches */
  if (rc->nimages == RENDER_CACHE_IMAGES) {
    for (size_t i = 0; i < rc->nimages; i++) embed_image_free(&rc->images[i]);
    rc->nimages = 0;
  }
  struct embed_image *e = VEC_PUSH(rc->images, rc->nimages, rc->capimages);
  *e = fresh;
  return e;
}

/* An image XObject holding already-deflated PNG-filtered rows. */
/* The colour space entry of an image: gray, RGB or an RGB palette. */
static HPDF_STATUS add_color_space(struct rctx *c, HPDF_Dict im,
                                   const struct embed_image *e,
                                   bool alpha_plane) {
  if (alpha_plane || e->ncolors == 0)
    return HPDF_Dict_AddName(im, "ColorSpace",
                             alpha_plane || e->channels == 1 ? "DeviceGray"
                                                             : "DeviceRGB");
  HPDF_Array cs = HPDF_Array_New(c->pdf->mmgr);
  HPDF_Binary pal = cs ? HPDF_Binary_New(c->pdf->mmgr, (HPDF_BYTE *)e->palette,
                                         (HPDF_UINT)(3 * e->ncolors))
                       : NULL;
  if (!pal) return HPDF_FAILD_TO_ALLOC_MEM;
  HPDF_STATUS st = HPDF_Array_AddName(cs, "Indexed");
  st += HPDF_Array_AddName(cs, "DeviceRGB");
  st += HPDF_Array_AddNumber(cs, e->ncolors - 1);
  st += HPDF_Array_Add(cs, pal);
  return st + HPDF_Dict_Add(im, "ColorSpace", cs);
}

/* An image XObject holding already-deflated PNG-filtered rows. */
static HPDF_Dict flate_image(struct rctx *c, const struct embed_image *e,
                             bool alpha_plane, const char *step) {
  int colors = alpha_plane || e->ncolors ? 1 : e->channels;
  int bits = alpha_plane ? 8 : e->bits;
  const struct strbuf *b = alpha_plane ? &e->alpha : &e->data;
  HPDF_Dict im = HPDF_DictStream_New(c->pdf->mmgr, c->pdf->xref);
  HPDF_Dict parms = im ? HPDF_Dict_New(c->pdf->mmgr) : NULL;
  if (!ok_ptr(c, parms, step)) return NULL;
  im->header.obj_class |= HPDF_OSUBCLASS_XOBJECT;
  im->filter = HPDF_STREAM_FILTER_NONE; /* the bytes are deflated already */
  HPDF_STATUS st = 0;
  st += HPDF_Dict_AddName(im, "Type", "XObject");
  st += HPDF_Dict_AddName(im, "Subtype", "Image");
  st += HPDF_Dict_AddNumber(im, "Width", (HPDF_INT32)e->width);
  st += HPDF_Dict_AddNumber(im, "Height", (HPDF_INT32)e->height);
  st += add_color_space(c, im, e, alpha_plane);
  st += HPDF_Dict_AddNumber(im, "BitsPerComponent", bits);
  st += HPDF_Dict_AddName(im, "Filter", "FlateDecode");
  if (alpha_plane || e->ncolors == 0) { /* image_deflate_rows' form */
    st += HPDF_Dict_AddNumber(parms, "Predictor", 15);
    st += HPDF_Dict_AddNumber(parms, "Colors", colors);
    st += HPDF_Dict_AddNumber(parms, "BitsPerComponent", bits);
    st += HPDF_Dict_AddNumber(parms, "Columns", (HPDF_INT32)e->width);
    st += HPDF_Dict_Add(im, "DecodeParms", parms);
  } else {
    HPDF_Dict_Free(parms);
  }
  st += HPDF_Stream_Write(im->stream, (const HPDF_BYTE *)b->data,
                          (HPDF_UINT)b->len);
  return ok_st(c, st, step) ? im : NULL;
}

static HPDF_Image load_image(struct rctx *c, const char *path) {
  for (size_t i = 0; i < c->nimages; i++)
    if (strcmp(c->images[i].path, path) == 0) return c->images[i].image;

  const struct embed_image *e = embed_image_get(c, path);
  if (!e) return NULL;
  char step[300];
  snprintf(step, sizeof step, "embedding image %s", path);
  HPDF_Image h = NULL;
  if (e->format == IMAGE_JPEG) {
    h = HPDF_LoadJpegImageFromMem(c->pdf, (const HPDF_BYTE *)e->data.data,
                                  (HPDF_UINT)e->data.len);
    ok_ptr(c, h, step);
  } else {
    h = flate_image(c, e, false, step);
    if (h && e->alpha.len) {
      HPDF_Dict mask = flate_image(c, e, true, step);
      if (!mask || !ok_st(c, HPDF_Dict_Add(h, "SMask", mask), step)) h = NULL;
    }
  }
  if (c->failed) return NULL;
  struct doc_image *di = VEC_PUSH(c->images, c->nimages, c->capimages);
  di->path = path;
  di->image = h;
  return h;
}

static bool draw_image(struct rctx *c, const struct pg_op *op) {
  if (!op->path) return fail_msg(c, "internal error: image op without path",
                                 NULL);
  HPDF_Image img = load_image(c, op->path);
  if (!img) return false;
  const char *name = HPDF_Page_GetXObjectName(c->page, img);
  if (!ok_ptr(c, name, "adding an image to the page resources")) return false;
  strbuf_puts(&c->buf, "q\n");
  put_pt(&c->buf, op->w);
  strbuf_puts(&c->buf, " 0 0 ");
  put_pt(&c->buf, op->h);
  strbuf_putc(&c->buf, ' ');
  put_pt(&c->buf, op->x);
  strbuf_putc(&c->buf, ' ');
  put_pt(&c->buf, op->y);
  strbuf_printf(&c->buf, " cm\n/%s Do\nQ\n", name);
  return true;
}

static const struct qr_matrix *qr_get(struct rctx *c, const char *text) {
  struct render_cache *rc = c->cache;
  for (size_t i = 0; i < rc->nqrs; i++)
    if (strcmp(rc->qrs[i].text, text) == 0) return &rc->qrs[i];
  QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!qr) {
    fail_msg(c, "cannot encode QR code (text too long?): ", text);
    return NULL;
  }
  if (rc->nqrs == RENDER_CACHE_QRS) {
    for (size_t i = 0; i < rc->nqrs; i++) qr_matrix_free(&rc->qrs[i]);
    rc->nqrs = 0;
  }
  struct qr_matrix *q = VEC_PUSH(rc->qrs, rc->nqrs, rc->capqrs);
  q->text = xstrdup(text);
  q->width = qr->width;
  q->dark = xmalloc((size_t)qr->width * (size_t)qr->width);
  for (size_t i = 0; i < (size_t)qr->width * (size_t)qr->width; i++)
    q->dark[i] = qr->data[i] & 1;
  QRcode_free(qr);
  return q;
}

/* A QR code (ECC level M, 8-bit, case-sensitive) as one filled path: one
 * rectangle per horizontal run of dark modules, in module units under a
 * scaling cm (small integers: exact, and a quarter of the bytes of points).
 * The square x, y, w, w includes a quiet zone of QR_QUIET_MODULES on each
 * side. */
static bool draw_qr(struct rctx *c, const struct pg_op *op) {
  if (!op->url || !*op->url)
    return fail_msg(c, "internal error: QR op without text", NULL);
  const struct qr_matrix *qr = qr_get(c, op->url);
  if (!qr) return false;
  int n = qr->width, modules = n + 2 * QR_QUIET_MODULES;
  hu_t module = (hu_t)div_round(op->w, modules);
  strbuf_puts(&c->buf, "q\n0 0 0 rg\n");
  put_pt(&c->buf, module);
  strbuf_puts(&c->buf, " 0 0 ");
  put_pt(&c->buf, module);
  strbuf_putc(&c->buf, ' ');
  put_pt(&c->buf, op->x);
  strbuf_putc(&c->buf, ' ');
  put_pt(&c->buf, op->y);
  strbuf_puts(&c->buf, " cm\n");
  for (int row = 0; row < n; row++) {
    int y = modules - QR_QUIET_MODULES - row - 1; /* rows run down */
    for (int col = 0; col < n;) {
      if (!qr->dark[row * n + col]) {
        col++;
        continue;
      }
      int start = col;
      while (col < n && qr->dark[row * n + col]) col++;
      strbuf_printf(&c->buf, "%d %d %d 1 re\n", QR_QUIET_MODULES + start, y,
                    col - start);
    }
  }
  strbuf_puts(&c->buf, "f\nQ\n");
  return true;
}

/* A URI link annotation without border; tagged as a /Link element holding
 * an OBJR when the op belongs to an element. */
static bool draw_link(struct rctx *c, const struct pg_op *op) {
  if (!op->url || !*op->url)
    return fail_msg(c, "internal error: link op without URL", NULL);
  HPDF_Rect r = {pt_real(op->x), pt_real(op->y), pt_real(op->x + op->w),
                 pt_real(op->y + op->h)};
  const char *step = "adding a link";
  HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(c->page, r, op->url);
  if (!ok_ptr(c, a, step) ||
      !ok_st(c, HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0), step))
    return false;
  void *contents = text_string(c, op->url);
  if (!contents || !ok_st(c, HPDF_Dict_Add(a, "Contents", contents), step))
    return c->failed ? false : hpdf_fail(c, 0, step);
  if (op->elem < 0) return true;

  HPDF_Dict link = new_indirect_dict(c, step);
  HPDF_Dict objr = link ? add_dict(c, link, "K", step) : NULL;
  if (!objr) return false;
  int key = c->next_key++;
  HPDF_STATUS st = HPDF_Dict_AddName(link, "Type", "StructElem");
  st |= HPDF_Dict_AddName(link, "S", "Link");
  st |= HPDF_Dict_Add(link, "P", c->es[op->elem].dict);
  st |= HPDF_Dict_Add(link, "Pg", c->page);
  st |= HPDF_Dict_AddName(objr, "Type", "OBJR");
  st |= HPDF_Dict_Add(objr, "Obj", a);
  st |= HPDF_Dict_AddNumber(a, "StructParent", key);
  st |= HPDF_Array_AddNumber(c->nums, key);
  st |= HPDF_Array_Add(c->nums, link);
  add_kid(&c->es[op->elem],
          (struct kid){.kind = KID_LINK, .link = link,
                       .seq = op->order > 0 ? op->order : c->seq++});
  return ok_st(c, st, step);
}

/* ---- pages ----------------------------------------------------------------- */

static bool add_box(struct rctx *c, const char *key, hu_t inset) {
  const struct pg_doc *pg = c->pg;
  HPDF_Box box = {pt_real(inset), pt_real(inset),
                  pt_real(pg->page_width - inset),
                  pt_real(pg->page_height - inset)};
  HPDF_Array arr = HPDF_Box_Array_New(c->pdf->mmgr, box);
  return ok_ptr(c, arr, "setting page boxes") &&
         ok_st(c, HPDF_Dict_Add(c->page, key, arr), "setting page boxes");
}

static bool draw_page(struct rctx *c, size_t p) {
  const struct pg_doc *pg = c->pg;
  const char *step = "adding a page";
  c->page = HPDF_AddPage(c->pdf);
  if (!ok_ptr(c, c->page, step)) return false;
  c->pages[p] = c->page;
  c->pageno = (int)p;
  c->stream = ((HPDF_PageAttr)c->page->attr)->stream;
  c->mcid_next = 0;
  c->open_elem = OPEN_NONE;
  c->cur_face = -1;
  c->cur_size = 0;
  c->cur_color = 0; /* the initial fill colour is black */

  if (!ok_st(c, HPDF_Page_SetWidth(c->page, pt_real(pg->page_width)), step) ||
      !ok_st(c, HPDF_Page_SetHeight(c->page, pt_real(pg->page_height)),
             step) ||
      !add_box(c, "BleedBox", 0) || !add_box(c, "TrimBox", pg->bleed))
    return false;

  int key = c->next_key++;
  c->page_mcids[p] = HPDF_Array_New(c->pdf->mmgr);
  if (!ok_ptr(c, c->page_mcids[p], step) ||
      !ok_st(c, HPDF_Xref_Add(c->pdf->xref, c->page_mcids[p]), step))
    return false;
  HPDF_STATUS st = HPDF_Dict_AddNumber(c->page, "StructParents", key);
  st |= HPDF_Dict_AddName(c->page, "Tabs", "S");
  st |= HPDF_Array_AddNumber(c->nums, key);
  st |= HPDF_Array_Add(c->nums, c->page_mcids[p]);
  if (!ok_st(c, st, step)) return false;

  for (size_t o = 0; o < pg->pages[p].nops; o++) {
    const struct pg_op *op = &pg->pages[p].ops[o];
    if (!check_elem(c, op->elem)) return false;
    if (op->kind == PG_LINK) {
      if (!draw_link(c, op)) return false;
      continue;
    }
    if (!mc_open(c, op->elem, op->order)) return false;
    bool ok;
    switch (op->kind) {
    case PG_TEXT: ok = draw_text(c, op); break;
    case PG_RECT: ok = draw_rect(c, op); break;
    case PG_IMAGE: ok = draw_image(c, op); break;
    case PG_QR: ok = draw_qr(c, op); break;
    default: ok = fail_msg(c, "internal error: unknown op kind", NULL); break;
    }
    if (!ok || !flush_buf(c)) return false;
  }
  mc_close(c);
  return flush_buf(c);
}

/* ---- structure tree -------------------------------------------------------- */

static bool create_elems(struct rctx *c) {
  const struct pg_doc *pg = c->pg;
  const char *step = "building the structure tree";
  if (pg->nelems == 0 || pg->elems[0].parent != -1)
    return fail_msg(c, "internal error: elems[0] must be the Document root",
                    NULL);
  for (size_t i = 0; i < pg->nelems; i++) {
    const struct pg_elem *e = &pg->elems[i];
    if (!role_name(e->role) ||
        (i > 0 && (e->parent < 0 || (size_t)e->parent >= i)))
      return fail_msg(c, "internal error: structure element with a bad role "
                         "or a parent that does not precede it", NULL);
    HPDF_Dict dict = new_indirect_dict(c, step);
    if (!dict) return false;
    c->es[i].dict = dict;
    c->es[i].first_seq = LONG_MAX;
    HPDF_STATUS st = HPDF_Dict_AddName(dict, "Type", "StructElem");
    st |= HPDF_Dict_AddName(dict, "S", role_name(e->role));
    if (!ok_st(c, st, step)) return false;
    if (e->role == ROLE_FIGURE && e->alt) {
      void *alt = text_string(c, e->alt);
      if (!alt) return c->failed ? false : hpdf_fail(c, 0, step);
      if (!ok_st(c, HPDF_Dict_Add(dict, "Alt", alt), step)) return false;
    }
    if (i > 0) {
      struct elem_state *par = &c->es[e->parent];
      *VEC_PUSH(par->children, par->nchildren, par->capchildren) = (int)i;
      if (!ok_st(c, HPDF_Dict_Add(dict, "P", par->dict), step)) return false;
    }
  }
  return true;
}

static bool add_mcr(struct rctx *c, HPDF_Array k, const struct kid *kid,
                    int pg_page) {
  if (kid->page == pg_page) return ok_st(c, HPDF_Array_AddNumber(k, kid->mcid),
                                         "building the structure tree");
  HPDF_Dict mcr = HPDF_Dict_New(c->pdf->mmgr);
  if (!ok_ptr(c, mcr, "building the structure tree") ||
      !ok_st(c, HPDF_Array_Add(k, mcr), "building the structure tree"))
    return false;
  HPDF_STATUS st = HPDF_Dict_AddName(mcr, "Type", "MCR");
  st |= HPDF_Dict_Add(mcr, "Pg", c->pages[kid->page]);
  st |= HPDF_Dict_AddNumber(mcr, "MCID", kid->mcid);
  return ok_st(c, st, "building the structure tree");
}

/* /K of every element: its own content (MCRs, links) merged with its child
 * elements, children kept in reading order and content placed before the
 * first child whose content comes later in drawing order.  An element's
 * /Pg is the page of its first MCR; MCRs on that page are bare MCIDs. */
static int kid_cmp(const void *a, const void *b) {
  long x = ((const struct kid *)a)->seq, y = ((const struct kid *)b)->seq;
  return (x > y) - (x < y);
}

static bool finish_elems(struct rctx *c, HPDF_Dict root) {
  const struct pg_doc *pg = c->pg;
  const char *step = "building the structure tree";
  for (size_t i = pg->nelems; i-- > 0;) {
    struct elem_state *e = &c->es[i];
    /* pages drawn out of reading order (panels, imposed sheets) */
    if (e->nkids > 1) qsort(e->kids, e->nkids, sizeof *e->kids, kid_cmp);
    if (e->nkids && e->kids[0].seq < e->first_seq) e->first_seq = e->kids[0].seq;
    if (i > 0 && e->first_seq < c->es[pg->elems[i].parent].first_seq)
      c->es[pg->elems[i].parent].first_seq = e->first_seq;
  }
  for (size_t i = 0; i < pg->nelems; i++) {
    struct elem_state *e = &c->es[i];
    int pg_page = -1;
    for (size_t k = 0; k < e->nkids && pg_page < 0; k++)
      if (e->kids[k].kind == KID_MCR) pg_page = e->kids[k].page;
    if (pg_page >= 0 &&
        !ok_st(c, HPDF_Dict_Add(e->dict, "Pg", c->pages[pg_page]), step))
      return false;
    if (e->nkids + e->nchildren == 0) continue;
    HPDF_Array k = add_array(c, e->dict, "K", step);
    if (!k) return false;
    size_t a = 0, b = 0;
    while (a < e->nkids || b < e->nchildren) {
      bool take_kid =
          a < e->nkids &&
          (b == e->nchildren ||
           e->kids[a].seq < c->es[e->children[b]].first_seq);
      if (take_kid) {
        const struct kid *kid = &e->kids[a++];
        if (kid->kind == KID_MCR ? !add_mcr(c, k, kid, pg_page)
                                 : !ok_st(c, HPDF_Array_Add(k, kid->link), step))
          return false;
      } else {
        if (!ok_st(c, HPDF_Array_Add(k, c->es[e->children[b++]].dict), step))
          return false;
      }
    }
  }
  return ok_st(c, HPDF_Dict_Add(c->es[0].dict, "P", root), step);
}

static bool finish_catalog(struct rctx *c, HPDF_Dict root) {
  const char *step = "building the document catalog";
  HPDF_Dict cat = c->pdf->catalog;
  HPDF_Dict mark = add_dict(c, cat, "MarkInfo", step);
  HPDF_Dict vp = mark ? add_dict(c, cat, "ViewerPreferences", step) : NULL;
  if (!vp) return false;
  HPDF_STATUS st = HPDF_Dict_Add(root, "K", c->es[0].dict);
  st |= HPDF_Dict_AddNumber(root, "ParentTreeNextKey", c->next_key);
  st |= HPDF_Dict_AddBoolean(mark, "Marked", HPDF_TRUE);
  st |= HPDF_Dict_AddBoolean(vp, "DisplayDocTitle", HPDF_TRUE);
  st |= HPDF_Dict_Add(cat, "StructTreeRoot", root);
  if (c->pg->language && *c->pg->language) {
    void *lang = text_string(c, c->pg->language);
    if (!lang) return c->failed ? false : hpdf_fail(c, 0, step);
    st |= HPDF_Dict_Add(cat, "Lang", lang);
  }
  return ok_st(c, st, step);
}

/* ---- outlines and info ---------------------------------------------------- */

static bool add_outlines(struct rctx *c) {
  const struct pg_doc *pg = c->pg;
  const char *step = "adding outlines";
  HPDF_Outline level1 = NULL;
  for (size_t i = 0; i < pg->noutlines; i++) {
    const struct pg_outline *o = &pg->outlines[i];
    if (o->page < 0 || (size_t)o->page >= pg->npages || !o->title ||
        utf8_invalid_at(o->title, strlen(o->title)) != (size_t)-1)
      return fail_msg(c, "internal error: outline with a bad page or title",
                      NULL);
    HPDF_Outline parent = o->level >= 2 ? level1 : NULL;
    /* the title as our text string (libharu's encoders cost a 64 K table
     * per document and drop astral characters) */
    HPDF_Outline ol = HPDF_CreateOutline(c->pdf, parent, "", NULL);
    void *title = ol ? text_string(c, o->title) : NULL;
    if (!ok_ptr(c, title, step) ||
        !ok_st(c, HPDF_Dict_Add(ol, "Title", title), step))
      return false;
    if (o->level < 2) level1 = ol;
    else if (level1 &&
             !ok_st(c, HPDF_Outline_SetOpened(level1, HPDF_TRUE), step))
      return false;
    HPDF_Destination dst = HPDF_Page_CreateDestination(c->pages[o->page]);
    if (!ok_ptr(c, dst, step) ||
        !ok_st(c, HPDF_Destination_SetXYZ(dst, 0, pt_real(o->y), 1), step) ||
        !ok_st(c, HPDF_Outline_SetDestination(ol, dst), step))
      return false;
  }
  if (pg->noutlines &&
      !ok_st(c, HPDF_SetPageMode(c->pdf, HPDF_PAGE_MODE_USE_OUTLINE), step))
    return false;
  return true;
}

/* "D:YYYYMMDDHHmmSS" then "Z" or "+HH'mm'" / "-HH'mm'" (UTC written as
 * '+',0,0: libharu's PDF/A code rejects 'Z'). */
static bool parse_date(const char *s, HPDF_Date *out) {
  int v[6];
  static const int width[6] = {4, 2, 2, 2, 2, 2};
  if (strncmp(s, "D:", 2) != 0) return false;
  s += 2;
  for (int i = 0; i < 6; i++) {
    v[i] = 0;
    for (int k = 0; k < width[i]; k++, s++) {
      if (*s < '0' || *s > '9') return false;
      v[i] = v[i] * 10 + (*s - '0');
    }
  }
  *out = (HPDF_Date){v[0], v[1], v[2], v[3], v[4], v[5], '+', 0, 0};
  if (*s == 0 || strcmp(s, "Z") == 0) return true;
  if ((*s != '+' && *s != '-') || !(s[1] >= '0' && s[1] <= '9') ||
      !(s[2] >= '0' && s[2] <= '9'))
    return false;
  out->ind = *s;
  out->off_hour = (s[1] - '0') * 10 + (s[2] - '0');
  s += 3;
  if (*s == '\'') s++;
  if (*s >= '0' && *s <= '9' && s[1] >= '0' && s[1] <= '9') {
    out->off_minutes = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (*s == '\'') s++;
  }
  return *s == 0;
}

static bool set_info(struct rctx *c) {
  const struct pg_doc *pg = c->pg;
  const char *step = "setting document information";
  struct {
    const char *key, *value;
  } attrs[] = {
      {"Title", pg->title},       {"Subject", pg->subject},
      {"Author", pg->author},     {"Keywords", pg->keywords},
      {"Creator", RENDER_CREATOR}, {"Producer", RENDER_PRODUCER},
  };
  if (!c->pdf->info) { /* libharu makes it in HPDF_New (its Producer) */
    c->pdf->info = new_indirect_dict(c, step);
    if (!c->pdf->info) return false;
  }
  for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
    const char *v = attrs[i].value;
    if (!v || !*v) continue;
    if (utf8_invalid_at(v, strlen(v)) != (size_t)-1)
      return fail_msg(c, "document information is not valid UTF-8: ", v);
    void *str = text_string(c, v);
    if (!ok_ptr(c, str, step) ||
        !ok_st(c, HPDF_Dict_Add(c->pdf->info, attrs[i].key, str), step))
      return false;
  }
  if (pg->date) {
    HPDF_Date date;
    if (!parse_date(pg->date, &date))
      return fail_msg(c, "invalid document date (expected "
                         "D:YYYYMMDDHHmmSS+00'00'): ", pg->date);
    if (!ok_st(c, HPDF_SetInfoDateAttr(c->pdf, HPDF_INFO_CREATION_DATE, date),
               step) ||
        !ok_st(c, HPDF_SetInfoDateAttr(c->pdf, HPDF_INFO_MOD_DATE, date), step))
      return false;
  }
  return true;
}

/* ---- the whole document ------------------------------------------------------ */

static unsigned char *save(struct rctx *c, size_t *len_out) {
  const char *why = NULL;
  unsigned char *out = render_write_pdf(c->pdf, len_out, &why);
  if (!out) hpdf_fail(c, 0, why);
  return out;
}

static unsigned char *render_doc(struct rctx *c, size_t *len_out) {
  const struct pg_doc *pg = c->pg;
  const char *step = "creating the document";
  if (pg->npages == 0)
    return fail_msg(c, "internal error: document without pages", NULL), NULL;

  c->pdf = HPDF_New(on_hpdf_error, &c->err);
  if (!ok_ptr(c, c->pdf, step)) return NULL;
  if (!ok_st(c, HPDF_SetCompressionMode(c->pdf, HPDF_COMP_ALL), step))
    return NULL;

  if (!collect_code_points(c) || !load_fonts(c)) return NULL;

  /* the parent tree is filled while drawing */
  step = "building the structure tree";
  HPDF_Dict root = new_indirect_dict(c, step);
  HPDF_Dict tree = root ? add_dict(c, root, "ParentTree", step) : NULL;
  c->nums = tree ? add_array(c, tree, "Nums", step) : NULL;
  if (!c->nums ||
      !ok_st(c, HPDF_Dict_AddName(root, "Type", "StructTreeRoot"), step) ||
      !create_elems(c))
    return NULL;
  for (size_t p = 0; p < pg->npages; p++)
    if (!draw_page(c, p)) return NULL;
  if (!finish_elems(c, root) || !finish_catalog(c, root) || !add_outlines(c) ||
      !set_info(c))
    return NULL;
  return save(c, len_out);
}

unsigned char *render_pdf(const struct pg_doc *pg, struct fontset *fs,
                          struct render_cache *cache, struct diag *d,
                          size_t *len_out) {
  struct rctx c = {.pg = pg, .fs = fs, .d = d};
  c.cache = cache ? cache : render_cache_new();
  c.used = xcalloc((size_t)FONTSET_MAX, sizeof *c.used);
  c.pages = xcalloc(pg->npages + 1, sizeof *c.pages);
  c.page_mcids = xcalloc(pg->npages + 1, sizeof *c.page_mcids);
  c.es = xcalloc(pg->nelems + 1, sizeof *c.es);

  unsigned char *out = render_doc(&c, len_out);
  if (!out && !c.failed)
    diag_fail(d, "PDF library error while rendering (no detail)");

  if (c.pdf) HPDF_Free(c.pdf);
  for (size_t i = 0; i < pg->nelems; i++) {
    free(c.es[i].kids);
    free(c.es[i].children);
  }
  free(c.es);
  free(c.page_mcids);
  free(c.pages);
  free(c.used);
  free(c.images);
  if (c.cache != cache) render_cache_free(c.cache);
  strbuf_free(&c.buf);
  if (!out) *len_out = 0;
  return out;
}
