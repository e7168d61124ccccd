/*
 * pdffix: the last pass over libharu's output, with libqpdf.  The only
 * includer of qpdf-c.h.
 *
 * Rewrites the PDF with object streams (they also compress libharu's large
 * /W arrays), a deterministic /ID (so the same input gives the same bytes),
 * and every Type0 font's /ToUnicode replaced by a valid CMap (libharu writes
 * its encoding CMap there, which poppler warns about).
 *
 * pdffix_encrypt() is a second, separate pass for leaflets sent by email
 * (protect.h decides the passwords).
 *
 * Input/output: PDF bytes in memory; the result is malloc'd, caller frees.
 * Errors: reported through diag; returns NULL.
 */
#ifndef HANDOUT_PDFFIX_H
#define HANDOUT_PDFFIX_H

#include <stddef.h>

#include "diag.h"

unsigned char *pdffix_finish(const unsigned char *pdf, size_t len,
                             struct diag *d, size_t *len_out);

/* Encrypt a finished PDF (pdffix_finish's output) with AES-256, security
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
