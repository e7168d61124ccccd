/*
 * pdffix: the last pass over libharu's output, with libqpdf's C API.
 * See pdffix.h for the contract.
 *
 * Steps:
 *   1. qpdf_read_memory() the PDF, with recovery off: libharu's output has a
 *      correct xref, so anything qpdf would have to reconstruct is a bug
 *      upstream and is reported rather than silently repaired.
 *   2. Replace every Type0 font's /ToUnicode (see "ToUnicode" below).
 *   3. Write to memory with object streams generated (they also compress
 *      libharu's large /W arrays, which sit uncompressed in a dictionary),
 *      uncompressed streams compressed, unreferenced objects dropped (that
 *      removes the old ToUnicode streams), no linearization, and a
 *      deterministic /ID, so the same input bytes always give the same
 *      output bytes.
 *
 * Errors and warnings: qpdf_has_error() and qpdf_more_warnings() are checked
 * after every call; each one is reported through diag_fail() as
 * "PDF post-processing: <qpdf message>" and NULL is returned.  Warnings are
 * treated as errors on purpose: the input is our own libharu output, and
 * `qpdf --check` must stay clean on it, so any warning means a bug.  qpdf is
 * told not to print anything to stderr itself.
 *
 * Encryption: NEVER combine qpdf_set_deterministic_ID() with any
 * qpdf_set_r*_encryption_parameters*(): qpdf throws std::logic_error
 * ("generateID has no data for deterministic ID") from a place the C API
 * does not catch, and the process aborts (LIBHARU.md §4).  So encryption
 * is its own pass, pdffix_encrypt() at the end of this file, over
 * pdffix_finish()'s output, and that write never asks for a deterministic
 * ID; AES output is never byte-identical anyway (random salts and IVs).
 *
 * ToUnicode.  libharu writes its UTF-8 *encoding* CMap ("begincidrange
 * <0000> <FFFF> 0") as /ToUnicode; poppler warns "Invalid 'begincidrange'
 * operator in ToUnicode CMap".  For libharu's UTF-8 Type0 fonts (Encoding
 * /Identity-H, CIDFontType2) the 2-byte code, the CID and the Unicode BMP
 * code point are all the same number, so the correct ToUnicode is the
 * identity.  We write one identity CMap per document: 248 bfrange entries,
 * one per high byte 00-FF except the surrogates D8-DF (a bfrange may not
 * cross a change in the first byte), in blocks of at most 100 entries as the
 * CMap format requires.  It is a new stream (data set with
 * qpdf_oh_replace_stream_data) shared by every such font.
 *   Sizes measured for DejaVuSans: the full identity CMap is 5,599 B,
 *   1,671 B deflated, once per document whatever the fonts.  A CMap limited
 *   to the CIDs listed in the font's /W array is 5,725 B, 1,890 B deflated,
 *   per font (DejaVu maps 5,365 BMP code points in 254 runs) -- and /W is
 *   not a coverage list anyway: libharu leaves out every CID whose width
 *   equals /DW, so such characters would lose their mapping.  Covering only
 *   the CIDs drawn would need a content-stream parser.  So: full identity.
 * Type0 fonts with any other /Encoding are left alone (their CIDs are not
 * Unicode code points).
 */
#include "pdffix.h"

#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "util.h"

/* The identity ToUnicode CMap, without the surrogate block D800-DFFF. */
static void identity_cmap(struct strbuf *b) {
  strbuf_puts(b,
              "/CIDInit /ProcSet findresource begin\n"
              "12 dict begin\n"
              "begincmap\n"
              "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
              "/Supplement 0 >> def\n"
              "/CMapName /Adobe-Identity-UCS def\n"
              "/CMapType 2 def\n"
              "1 begincodespacerange\n"
              "<0000> <FFFF>\n"
              "endcodespacerange\n");
  enum { NRANGES = 256 - 8, BLOCK = 100 };
  unsigned hi = 0; /* next high byte to emit */
  for (int left = NRANGES; left > 0; left -= BLOCK) {
    int n = left < BLOCK ? left : BLOCK;
    strbuf_printf(b, "%d beginbfrange\n", n);
    for (int i = 0; i < n; i++, hi++) {
      if (hi == 0xD8) hi = 0xE0;
      strbuf_printf(b, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
    }
    strbuf_puts(b, "endbfrange\n");
  }
  strbuf_puts(b,
              "endcmap\n"
              "CMapName currentdict /CMapResource defineresource pop\n"
              "end\n"
              "end\n");
}

/* Reports all pending warnings, then the pending error (the order in which
 * qpdf met them).  Returns true if there were none. */
static bool qpdf_clean(qpdf_data q, struct diag *d) {
  bool clean = true;
  while (qpdf_more_warnings(q)) {
    qpdf_error w = qpdf_next_warning(q);
    diag_fail(d, "PDF post-processing: %s", qpdf_get_error_full_text(q, w));
    clean = false;
  }
  if (qpdf_has_error(q)) {
    qpdf_error e = qpdf_get_error(q);
    diag_fail(d, "PDF post-processing: %s", qpdf_get_error_full_text(q, e));
    clean = false;
  }
  return clean;
}

/* Is oh a dictionary whose key has the name value `name`? */
static bool key_is_name(qpdf_data q, qpdf_oh oh, const char *key,
                        const char *name) {
  qpdf_oh v = qpdf_oh_get_key(q, oh, key);
  bool yes = qpdf_oh_is_name_and_equals(q, v, name);
  qpdf_oh_release(q, v);
  return yes;
}

/* Points the /ToUnicode of every UTF-8 Type0 font at one new identity CMap
 * stream.  Walks all indirect objects (1 .. /Size-1, generation 0, which is
 * all libharu writes), so fonts used from anywhere are found.  Returns false
 * after reporting a qpdf error. */
static bool fix_tounicode(qpdf_data q, struct diag *d, size_t pdf_len) {
  qpdf_oh trailer = qpdf_get_trailer(q);
  qpdf_oh size_oh = qpdf_oh_get_key(q, trailer, "/Size");
  long long size = qpdf_oh_get_int_value(q, size_oh);
  qpdf_oh_release(q, size_oh);
  qpdf_oh_release(q, trailer);
  if (!qpdf_clean(q, d)) return false;
  /* An object takes more than one byte: bound the walk by the file size in
   * case /Size is absurd. */
  if (size < 0 || (unsigned long long)size > pdf_len) size = (long long)pdf_len;

  qpdf_oh cmap = 0;
  for (long long id = 1; id < size; id++) {
    qpdf_oh oh = qpdf_get_object_by_id(q, (int)id, 0);
    bool fix = qpdf_oh_is_dictionary(q, oh) &&
               key_is_name(q, oh, "/Subtype", "/Type0") &&
               key_is_name(q, oh, "/Encoding", "/Identity-H") &&
               qpdf_oh_has_key(q, oh, "/ToUnicode");
    if (fix) {
      if (!cmap) {
        struct strbuf text = {0};
        identity_cmap(&text);
        cmap = qpdf_oh_new_stream(q);
        if (!qpdf_oh_is_indirect(q, cmap)) {
          qpdf_oh ind = qpdf_make_indirect_object(q, cmap);
          qpdf_oh_release(q, cmap);
          cmap = ind;
        }
        qpdf_oh null = qpdf_oh_new_null(q);
        qpdf_oh_replace_stream_data(q, cmap, (const unsigned char *)text.data,
                                    text.len, null, null);
        qpdf_oh_release(q, null);
        strbuf_free(&text);
      }
      qpdf_oh_replace_key(q, oh, "/ToUnicode", cmap);
    }
    qpdf_oh_release(q, oh);
    if (!qpdf_clean(q, d)) return false;
  }
  return true;
}

unsigned char *pdffix_finish(const unsigned char *pdf, size_t len,
                             struct diag *d, size_t *len_out) {
  qpdf_data q = qpdf_init();
  qpdf_silence_errors(q);
  qpdf_set_suppress_warnings(q, QPDF_TRUE);
  qpdf_set_attempt_recovery(q, QPDF_FALSE);
  unsigned char *out = NULL;
  *len_out = 0;

  qpdf_read_memory(q, "generated PDF", (const char *)pdf, len, NULL);
  if (!qpdf_clean(q, d)) goto done;
  if (!fix_tounicode(q, d, len)) goto done;

  qpdf_init_write_memory(q);
  if (!qpdf_clean(q, d)) goto done;
  qpdf_set_object_stream_mode(q, qpdf_o_generate);
  qpdf_set_compress_streams(q, QPDF_TRUE);
  /* libharu already deflated every stream: copy them as they are instead
   * of inflating and deflating again (most of qpdf's time otherwise) */
  qpdf_set_decode_level(q, qpdf_dl_none);
  qpdf_set_preserve_unreferenced_objects(q, QPDF_FALSE);
  qpdf_set_linearization(q, QPDF_FALSE);
  /* Deterministic ID: never together with encryption (see the top). */
  qpdf_set_deterministic_ID(q, QPDF_TRUE);
  if (!qpdf_clean(q, d)) goto done;
  qpdf_write(q);
  if (!qpdf_clean(q, d)) goto done;

  size_t n = qpdf_get_buffer_length(q);
  const unsigned char *buf = qpdf_get_buffer(q);
  if (!buf || n == 0) {
    diag_fail(d, "PDF post-processing: qpdf produced no output");
    goto done;
  }
  out = xmalloc(n);
  memcpy(out, buf, n);
  *len_out = n;

done:
  qpdf_cleanup(&q);
  return out;
}

unsigned char *pdffix_encrypt(const unsigned char *pdf, size_t len,
                              const char *user_password,
                              const char *owner_password, struct diag *d,
                              size_t *len_out) {
  qpdf_data q = qpdf_init();
  qpdf_silence_errors(q);
  qpdf_set_suppress_warnings(q, QPDF_TRUE);
  qpdf_set_attempt_recovery(q, QPDF_FALSE);
  unsigned char *out = NULL;
  *len_out = 0;

  qpdf_read_memory(q, "finished PDF", (const char *)pdf, len, NULL);
  if (!qpdf_clean(q, d)) goto done;
  qpdf_init_write_memory(q);
  if (!qpdf_clean(q, d)) goto done;
  qpdf_set_object_stream_mode(q, qpdf_o_preserve);
  qpdf_set_decode_level(q, qpdf_dl_none);
  qpdf_set_linearization(q, QPDF_FALSE);
  /* NO qpdf_set_deterministic_ID here: with encryption it aborts the
   * process (see the top of this file). */
  qpdf_set_r6_encryption_parameters2(
      q, user_password, owner_password, /*allow_accessibility*/ QPDF_TRUE,
      /*allow_extract*/ QPDF_TRUE, /*allow_assemble*/ QPDF_FALSE,
      /*allow_annotate_and_form*/ QPDF_FALSE, /*allow_form_filling*/ QPDF_FALSE,
      /*allow_modify_other*/ QPDF_FALSE, qpdf_r3p_full,
      /*encrypt_metadata*/ QPDF_TRUE);
  if (!qpdf_clean(q, d)) goto done;
  qpdf_write(q);
  if (!qpdf_clean(q, d)) goto done;

  size_t n = qpdf_get_buffer_length(q);
  const unsigned char *buf = qpdf_get_buffer(q);
  if (!buf || n == 0) {
    diag_fail(d, "PDF encryption: qpdf produced no output");
    goto done;
  }
  out = xmalloc(n);
  memcpy(out, buf, n);
  *len_out = n;

done:
  qpdf_cleanup(&q);
  return out;
}
