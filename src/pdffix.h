/*
 * pdffix: AES-256 encryption of a finished PDF, with libqpdf.  The only
 * includer of qpdf-c.h.  Used for leaflets sent by email (protect.h decides
 * the passwords).  Leaflets themselves are finished by render
 * (render_write.h): object streams, deterministic /ID, valid ToUnicode.
 *
 * Input/output: PDF bytes in memory; the result is malloc'd, caller frees.
 * Errors: reported through diag; returns NULL.
 */
#ifndef HANDOUT_PDFFIX_H
#define HANDOUT_PDFFIX_H

#include <stddef.h>

#include "diag.h"

/* Encrypt a finished PDF (render_pdf's output) with AES-256, security
 * handler revision 6 (PDF 2.0): open password user_password (UTF-8, at most
 * 127 bytes), owner password owner_password; printing at high resolution,
 * text extraction and accessibility allowed, nothing else; metadata
 * encrypted.  The /ID is random: a deterministic /ID together with
 * encryption makes qpdf abort the process (LIBHARU.md section 4), so this
 * write never asks for one; the output differs on every call.  Object
 * streams are kept as they are.  Callers pick the passwords (protect.h);
 * the result is malloc'd, caller frees; NULL after reporting through diag. */
unsigned char *pdffix_encrypt(const unsigned char *pdf, size_t len,
                              const char *user_password,
                              const char *owner_password, struct diag *d,
                              size_t *len_out);

#endif
