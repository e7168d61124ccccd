/*
 * protect: password protection of a finished leaflet for email (handout mail
 * --protect none|dob|passphrase).
 *
 *   finished PDF bytes + the patient's password -> AES-256 (PDF 2.0 / R6)
 *   encrypted PDF bytes
 *
 * The encryption itself is pdffix_encrypt() (pdffix.c is the one includer of
 * qpdf-c.h); this module decides the passwords:
 *   - the open ("user") password comes from the patient's row: either the
 *     date of birth as DDMMYYYY (PROTECT_DOB) or a passphrase column
 *     (PROTECT_PASSPHRASE);
 *   - the owner password is 32 random bytes from /dev/urandom, hex encoded,
 *     new for every file and never stored or shown: nobody can lift the
 *     permissions afterwards, and no two files share it.
 * Permissions: printing at high resolution, text extraction and the
 * accessibility permission stay allowed (screen readers and copy/paste keep
 * working once the file is open); changing, assembling, annotating and form
 * filling are not.  Metadata is encrypted too (the title names the leaflet).
 *
 * WEAK PROTECTION, said plainly: a date of birth is known to family,
 * colleagues, insurers and anyone who has seen a form, and there are only
 * about 36,500 plausible values for an adult, which a laptop tries in
 * seconds even against AES-256 R6.  PROTECT_DOB keeps a misdirected email
 * from being read by a casual stranger, no more.  A passphrase given to the
 * patient by another channel (letter, phone, in clinic) is the better
 * choice.  The password is never written into the message (mime.h only says
 * which kind of password opens the file).
 *
 * Output is not byte-identical between runs: AES salts, IVs, the owner
 * password and the /ID are random.  Fingerprint the unprotected leaflet (as
 * the mail journal does), never the protected file.
 *
 * Ownership: returned buffers are malloc'd, the caller frees them.  Password
 * buffers are the caller's; protect_wipe() clears one.
 * Errors: reported through diag (never quoting a patient value unless
 * diag->show_patient_data), then false / NULL.
 * May be included by any module.
 */
#ifndef HANDOUT_PROTECT_H
#define HANDOUT_PROTECT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum protect_mode {
  PROTECT_NONE,       /* the PDF is sent as rendered */
  PROTECT_DOB,        /* open password: date of birth as DDMMYYYY (weak) */
  PROTECT_PASSPHRASE, /* open password: the row's passphrase column */
  PROTECT__MAX
};

/* "none", "dob", "passphrase" <-> enum.  Returns false for another name. */
bool protect_mode_parse(const char *name, enum protect_mode *out);
const char *protect_mode_name(enum protect_mode m);

/* Passphrases: printable ASCII (0x20-0x7E), PROTECT_PASSPHRASE_MIN to
 * PROTECT_PASSPHRASE_MAX bytes.  ASCII only because PDF readers differ in
 * how they prepare non-ASCII passwords (SASLprep, NFC/NFD, legacy code
 * pages): a password that opens the file in one reader may fail in another.
 * 127 bytes is the most PDF 2.0 uses. */
#define PROTECT_PASSPHRASE_MIN 8
#define PROTECT_PASSPHRASE_MAX 127
/* Room for any password this module makes, with its NUL. */
#define PROTECT_PASSWORD_SIZE (PROTECT_PASSPHRASE_MAX + 1)

/* The open password for mode from the row's fields into out[size]
 * (size >= PROTECT_PASSWORD_SIZE).
 *   PROTECT_DOB: dob must be a real date "YYYY-MM-DD" (1900 or later, not
 *     in the future is the caller's check); gives "DDMMYYYY".
 *   PROTECT_PASSPHRASE: passphrase as it is, checked as above.
 *   PROTECT_NONE: gives "" and true.
 * On failure returns false and sets *why to a message that quotes no patient
 * data ("date_of_birth is not a date YYYY-MM-DD"). */
bool protect_password(enum protect_mode mode, const char *dob,
                      const char *passphrase, char *out, size_t size,
                      const char **why);

/* Encrypt pdf[0..len) with user_password (non-empty) and a fresh random
 * owner password.  Returns the encrypted PDF (malloc'd) and its length in
 * *len_out, or NULL after reporting through d. */
unsigned char *protect_pdf(const unsigned char *pdf, size_t len,
                           const char *user_password, struct diag *d,
                           size_t *len_out);

/* Fill buf[0..n) with bytes from /dev/urandom.  False (errno set) if the
 * device cannot be read. */
bool protect_random(unsigned char *buf, size_t n);

/* Overwrite a password buffer so it does not linger in memory. */
void protect_wipe(void *buf, size_t n);

#endif
