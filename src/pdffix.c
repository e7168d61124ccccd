/*
 * pdffix: encryption of finished PDFs, with libqpdf's C API.
 * See pdffix.h for the contract.
 *
 * Errors and warnings: qpdf_has_error() and qpdf_more_warnings() are checked
 * after every call; each one is reported through diag_fail() as
 * "PDF encryption: <qpdf message>" and NULL is returned.  Warnings are
 * treated as errors on purpose: the input is our own output, and
 * `qpdf --check` must stay clean on it, so any warning means a bug.  qpdf is
 * told not to print anything to stderr itself.
 *
 * NEVER combine qpdf_set_deterministic_ID() with any
 * qpdf_set_r*_encryption_parameters*(): qpdf throws std::logic_error
 * ("generateID has no data for deterministic ID") from a place the C API
 * does not catch, and the process aborts (LIBHARU.md section 4).  AES output
 * is never byte-identical anyway (random salts and IVs).
 *
 * (Until 2026-11-28 this module also rewrote every leaflet through qpdf for
 * object streams, a deterministic /ID and a valid ToUnicode; render now
 * writes all three itself, render_write.h, at a third of the cost.)
 */
#include "pdffix.h"

#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "util.h"

/* Reports all pending warnings, then the pending error (the order in which
 * qpdf met them).  Returns true if there were none. */
static bool qpdf_clean(qpdf_data q, struct diag *d) {
  bool clean = true;
  while (qpdf_more_warnings(q)) {
    qpdf_error w = qpdf_next_warning(q);
    diag_fail(d, "PDF encryption: %s", qpdf_get_error_full_text(q, w));
    clean = false;
  }
  if (qpdf_has_error(q)) {
    qpdf_error e = qpdf_get_error(q);
    diag_fail(d, "PDF encryption: %s", qpdf_get_error_full_text(q, e));
    clean = false;
  }
  return clean;
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
