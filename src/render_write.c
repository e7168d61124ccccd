/* render_write: libharu's document to PDF bytes.  See render_write.h.
 *
 * Four passes over libharu's cross-reference list (its objects in creation
 * order; entry 0 is the free head):
 *   1. run every dict's before-write hook, as HPDF_SaveToStream would: the
 *      font hooks create the font descriptor and FontFile2 objects, page and
 *      outline hooks fix counts.  The list may grow while this runs.
 *   2. mark what is not written: hidden objects and the indirect /Length
 *      number of every stream (lengths are written direct).
 *   3. give the rest dense numbers 1..k in the same order by rewriting each
 *      object's obj_id, which is what libharu prints in references.
 *   4. write the streams as top-level objects and everything else into
 *      object streams of at most OBJSTM_MAX objects, then the xref stream.
 */
#include "render_write.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <zlib.h>

#include "util.h"

#define OBJSTM_MAX 200
#define OBJ_ID_MASK 0x00FFFFFFu

/* One cross-reference entry: type 1 (offset) or 2 (object stream, index). */
struct xref_entry {
  uint8_t type;
  uint32_t field2;
  uint16_t field3;
};

struct writer {
  HPDF_Doc pdf;
  HPDF_List entries; /* libharu's xref entries */
  struct strbuf file;  /* the PDF so far */
  struct strbuf objs;  /* objects of the object stream being filled */
  struct strbuf index; /* its "number offset" pairs */
  size_t nobjs;        /* objects in it */
  uint32_t next_stm;   /* number of the next object stream */
  HPDF_Stream to_file, to_objs;
  struct xref_entry *xref; /* by new object number */
  uint32_t nxref;
  const char *why;
};

static HPDF_STATUS HPDF_STDCALL append_to_strbuf(HPDF_Stream s,
                                                 const HPDF_BYTE *p,
                                                 HPDF_UINT n) {
  strbuf_append(s->attr, p, n);
  return HPDF_OK;
}

static bool fail(struct writer *w, const char *why) {
  if (!w->why) w->why = why;
  return false;
}

bool render_deflate(const void *data, size_t n, int level, struct strbuf *out) {
  uLong bound = compressBound((uLong)n);
  strbuf_reserve(out, bound);
  uLongf got = bound;
  if (compress2((Bytef *)out->data + out->len, &got, data, (uLong)n, level) !=
      Z_OK)
    return false;
  out->len += got;
  out->data[out->len] = 0;
  return true;
}

static HPDF_XrefEntry entry_at(struct writer *w, HPDF_UINT i) {
  return (HPDF_XrefEntry)HPDF_List_ItemAt(w->entries, i);
}

static bool is_dict(const void *obj) {
  const HPDF_Obj_Header *h = obj;
  return (h->obj_class & HPDF_OCLASS_ANY) == HPDF_OCLASS_DICT;
}

static bool is_stream(const void *obj) {
  return is_dict(obj) && ((HPDF_Dict)obj)->stream != NULL;
}

/* Pass 1.  The list grows while the hooks run, hence the fresh count. */
static bool run_hooks(struct writer *w) {
  for (HPDF_UINT i = 1; i < w->entries->count; i++) {
    void *obj = entry_at(w, i)->obj;
    if (!obj) return fail(w, "checking the object list");
    if (is_dict(obj) && ((HPDF_Dict)obj)->before_write_fn &&
        ((HPDF_Dict)obj)->before_write_fn(obj) != HPDF_OK)
      return fail(w, "preparing an object for writing");
  }
  return true;
}

/* Passes 2 and 3: new numbers (0 = not written) by libharu entry index. */
static uint32_t *renumber(struct writer *w, uint32_t *nkept, uint32_t *nplain) {
  HPDF_UINT n = w->entries->count;
  uint32_t *num = xcalloc(n, sizeof *num);
  for (HPDF_UINT i = 1; i < n; i++) num[i] = 1;
  for (HPDF_UINT i = 1; i < n; i++) {
    HPDF_Obj_Header *h = entry_at(w, i)->obj;
    if (h->obj_id & HPDF_OTYPE_HIDDEN) num[i] = 0;
    if (!is_stream(h)) continue;
    HPDF_Obj_Header *len = HPDF_Dict_GetItem((HPDF_Dict)h, "Length",
                                             HPDF_OCLASS_NUMBER);
    uint32_t id = len ? len->obj_id & OBJ_ID_MASK : 0;
    if (len && (len->obj_id & HPDF_OTYPE_INDIRECT) && id > 0 && id < n &&
        entry_at(w, id)->obj == len)
      num[id] = 0;
  }
  uint32_t k = 0, plain = 0;
  for (HPDF_UINT i = 1; i < n; i++) {
    if (!num[i]) continue;
    HPDF_Obj_Header *h = entry_at(w, i)->obj;
    num[i] = ++k;
    h->obj_id = (h->obj_id & ~OBJ_ID_MASK) | k;
    if (!is_stream(h)) plain++;
  }
  *nkept = k;
  *nplain = plain;
  return num;
}

/* The bytes of a dict's memory stream, contiguous (malloc'd). */
static unsigned char *stream_bytes(HPDF_Stream s, size_t *n) {
  *n = 0;
  if (s->type != HPDF_STREAM_MEMORY) return NULL;
  HPDF_UINT chunks = HPDF_MemStream_GetBufCount(s);
  size_t total = HPDF_Stream_Size(s);
  unsigned char *out = xmalloc(total + 1);
  size_t at = 0;
  for (HPDF_UINT i = 0; i < chunks; i++) {
    HPDF_UINT len = 0;
    HPDF_BYTE *p = HPDF_MemStream_GetBufPtr(s, i, &len);
    if (!p || at + len > total) {
      free(out);
      return NULL;
    }
    memcpy(out + at, p, len);
    at += len;
  }
  *n = at;
  return out;
}

/* The dict's entries except the ones this writer sets itself. */
static bool write_entries(struct writer *w, HPDF_Dict dict, bool own_filter) {
  for (HPDF_UINT i = 0; i < dict->list->count; i++) {
    HPDF_DictElement e = HPDF_List_ItemAt(dict->list, i);
    HPDF_Obj_Header *h = e->value;
    if (!h) return fail(w, "writing a dictionary entry");
    if ((h->obj_id & HPDF_OTYPE_HIDDEN) || strcmp(e->key, "Length") == 0 ||
        (own_filter && (strcmp(e->key, "Filter") == 0 ||
                        strcmp(e->key, "DecodeParms") == 0)))
      continue;
    if (HPDF_Stream_WriteEscapeName(w->to_file, e->key) != HPDF_OK ||
        HPDF_Stream_WriteChar(w->to_file, ' ') != HPDF_OK ||
        HPDF_Obj_Write(h, w->to_file, NULL) != HPDF_OK)
      return fail(w, "writing a dictionary entry");
    strbuf_putc(&w->file, '\n');
  }
  return true;
}

static bool write_stream_object(struct writer *w, HPDF_Dict dict,
                                uint32_t num) {
  if (dict->write_fn || dict->filterParams ||
      (dict->filter & ~(HPDF_UINT)(HPDF_STREAM_FILTER_FLATE_DECODE |
                                   HPDF_STREAM_FILTER_DCT_DECODE)))
    return fail(w, "writing a stream of a kind libharu makes only for "
                   "features handout does not use");
  w->xref[num] = (struct xref_entry){1, (uint32_t)w->file.len, 0};
  strbuf_printf(&w->file, "%u 0 obj\n<<", (unsigned)num);
  bool own_filter = dict->filter != HPDF_STREAM_FILTER_NONE;
  if (!write_entries(w, dict, own_filter)) return false;
  size_t n = 0;
  unsigned char *raw = stream_bytes(dict->stream, &n);
  if (!raw) return fail(w, "reading a stream");
  struct strbuf z = {0};
  const unsigned char *data = raw;
  if (dict->filter & HPDF_STREAM_FILTER_FLATE_DECODE) {
    if (!render_deflate(raw, n, RENDER_DEFLATE_LEVEL, &z)) {
      free(raw);
      return fail(w, "compressing a stream");
    }
    strbuf_puts(&w->file, "/Filter /FlateDecode\n");
    data = (const unsigned char *)z.data;
    n = z.len;
  } else if (dict->filter & HPDF_STREAM_FILTER_DCT_DECODE) {
    strbuf_puts(&w->file, "/Filter /DCTDecode\n");
  }
  strbuf_printf(&w->file, "/Length %zu\n>>\nstream\n", n);
  strbuf_append(&w->file, data, n);
  strbuf_puts(&w->file, "\nendstream\nendobj\n");
  free(raw);
  strbuf_free(&z);
  if (dict->after_write_fn && dict->after_write_fn(dict) != HPDF_OK)
    return fail(w, "finishing a stream");
  return true;
}

/* Writes the object stream being filled (if any) as object w->next_stm. */
static bool flush_objstm(struct writer *w) {
  if (w->nobjs == 0) return true;
  uint32_t num = w->next_stm++;
  struct strbuf body = {0}, z = {0};
  strbuf_append(&body, w->index.data, w->index.len);
  size_t first = body.len;
  strbuf_append(&body, w->objs.data, w->objs.len);
  bool ok = render_deflate(body.data, body.len, RENDER_DEFLATE_LEVEL, &z);
  if (ok) {
    w->xref[num] = (struct xref_entry){1, (uint32_t)w->file.len, 0};
    strbuf_printf(&w->file,
                  "%u 0 obj\n<</Type /ObjStm /N %zu /First %zu "
                  "/Filter /FlateDecode /Length %zu>>\nstream\n",
                  (unsigned)num, w->nobjs, first, z.len);
    strbuf_append(&w->file, z.data, z.len);
    strbuf_puts(&w->file, "\nendstream\nendobj\n");
  }
  strbuf_free(&body);
  strbuf_free(&z);
  w->objs.len = w->index.len = 0;
  w->nobjs = 0;
  return ok || fail(w, "compressing an object stream");
}

static bool add_to_objstm(struct writer *w, void *obj, uint32_t num) {
  w->xref[num] = (struct xref_entry){2, w->next_stm, (uint16_t)w->nobjs};
  strbuf_printf(&w->index, "%u %zu ", (unsigned)num, w->objs.len);
  if (HPDF_Obj_WriteValue(obj, w->to_objs, NULL) != HPDF_OK)
    return fail(w, "writing an object");
  strbuf_putc(&w->objs, '\n');
  if (++w->nobjs == OBJSTM_MAX) return flush_objstm(w);
  return true;
}

static void put_be(struct strbuf *b, uint32_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) strbuf_putc(b, (char)(v >> (8 * i)));
}

static uint32_t ref_of(const void *obj) {
  return obj ? ((const HPDF_Obj_Header *)obj)->obj_id & OBJ_ID_MASK : 0;
}

/* The /ID as 32 hex digits: two 64-bit FNV-1a hashes (different offset
 * bases) of the file.  An /ID needs to identify a file, not to resist an
 * attacker, and SHA-256 of every leaflet cost a tenth of a batch's time. */
static void file_id(const char *p, size_t n, char hex[33]) {
  uint64_t a = 0xcbf29ce484222325u, b = 0x84222325cbf29ce4u;
  for (size_t i = 0; i < n; i++) {
    a = (a ^ (unsigned char)p[i]) * 0x100000001b3u;
    b = (b ^ (unsigned char)p[n - 1 - i]) * 0x100000001b3u;
  }
  snprintf(hex, 33, "%016llx%016llx", (unsigned long long)a,
           (unsigned long long)b);
}

/* The xref stream (object w->nxref - 1) with the trailer's entries. */
static bool write_xref_stream(struct writer *w) {
  uint32_t num = w->nxref - 1;
  size_t offset = w->file.len;
  if (offset > UINT32_MAX) return fail(w, "writing a PDF over 4 GB");
  w->xref[num] = (struct xref_entry){1, (uint32_t)offset, 0};
  char id[33];
  file_id(w->file.data, w->file.len, id);

  struct strbuf rows = {0}, z = {0};
  put_be(&rows, 0, 1); /* object 0: the head of the free list */
  put_be(&rows, 0, 4);
  put_be(&rows, 0xFFFF, 2);
  for (uint32_t i = 1; i < w->nxref; i++) {
    put_be(&rows, w->xref[i].type, 1);
    put_be(&rows, w->xref[i].field2, 4);
    put_be(&rows, w->xref[i].field3, 2);
  }
  bool ok = render_deflate(rows.data, rows.len, RENDER_DEFLATE_LEVEL, &z);
  if (ok) {
    strbuf_printf(&w->file,
                  "%u 0 obj\n<</Type /XRef /Size %u /W [1 4 2] /Root %u 0 R",
                  (unsigned)num, (unsigned)w->nxref,
                  (unsigned)ref_of(w->pdf->catalog));
    if (w->pdf->info)
      strbuf_printf(&w->file, " /Info %u 0 R", (unsigned)ref_of(w->pdf->info));
    strbuf_printf(&w->file,
                  " /ID [<%s> <%s>] /Filter /FlateDecode /Length %zu>>\n"
                  "stream\n",
                  id, id, z.len);
    strbuf_append(&w->file, z.data, z.len);
    strbuf_printf(&w->file, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n",
                  offset);
  }
  strbuf_free(&rows);
  strbuf_free(&z);
  return ok || fail(w, "compressing the cross-reference stream");
}

static bool write_all(struct writer *w) {
  if (!run_hooks(w)) return false;
  HPDF_UINT count = w->entries->count;
  uint32_t kept = 0, plain = 0;
  uint32_t *num = renumber(w, &kept, &plain);
  uint32_t nstm = (plain + OBJSTM_MAX - 1) / OBJSTM_MAX;
  w->next_stm = kept + 1;
  w->nxref = kept + nstm + 2; /* 0, the objects, object streams, xref */
  w->xref = xcalloc(w->nxref, sizeof *w->xref);
  strbuf_puts(&w->file, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
  bool ok = true;
  for (HPDF_UINT i = 1; ok && i < count; i++) {
    if (!num[i]) continue;
    void *obj = entry_at(w, i)->obj;
    ok = is_stream(obj) ? write_stream_object(w, obj, num[i])
                        : add_to_objstm(w, obj, num[i]);
  }
  free(num);
  ok = ok && flush_objstm(w);
  if (ok && w->entries->count != count)
    ok = fail(w, "writing (an object appeared while writing)");
  return ok && write_xref_stream(w);
}

unsigned char *render_write_pdf(HPDF_Doc pdf, size_t *len_out,
                                const char **why) {
  struct writer w = {.pdf = pdf, .entries = pdf->xref->entries};
  *len_out = 0;
  w.to_file = HPDF_CallbackWriter_New(pdf->mmgr, append_to_strbuf, &w.file);
  w.to_objs = HPDF_CallbackWriter_New(pdf->mmgr, append_to_strbuf, &w.objs);
  bool ok = w.to_file && w.to_objs;
  if (!ok) fail(&w, "creating the output streams");
  if (ok && pdf->xref->prev) ok = fail(&w, "writing an incremental update");
  ok = ok && write_all(&w);
  if (w.to_file) HPDF_Stream_Free(w.to_file);
  if (w.to_objs) HPDF_Stream_Free(w.to_objs);
  strbuf_free(&w.objs);
  strbuf_free(&w.index);
  free(w.xref);
  if (!ok) {
    strbuf_free(&w.file);
    *why = w.why ? w.why : "writing the document";
    return NULL;
  }
  *len_out = w.file.len;
  return (unsigned char *)strbuf_steal(&w.file);
}
