/*
 * spool: the file transport of `handout mail --spool DIR`: each message is
 * written to DIR/<ref>.eml instead of being sent, for review or for a local
 * `sendmail -t -i < DIR/<ref>.eml`.
 *
 *   message bytes (mime_build, CRLF line ends as on the wire) + ref
 *   -> DIR/<ref>.eml, mode 0600, written atomically (temporary file, fsync,
 *      rename: job_write_atomic), replacing an older file of that name
 *
 * The file name carries the ref only (never a name, address or diagnosis);
 * a ref that is not safe as a file name ([A-Za-z0-9._-], not starting with
 * '.', at most 128 bytes) is refused.
 *
 * Ownership: nothing is kept.  Errors: through diag, then false.
 * May be included by any module.
 */
#ifndef HANDOUT_SPOOL_H
#define HANDOUT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Is ref safe as a file name?  (See the top.) */
bool spool_ref_ok(const char *ref);

/* Write msg[0..len) to dir/<ref>.eml.  path_out (may be NULL) receives the
 * path written, malloc'd, caller frees. */
bool spool_write(const char *dir, const char *ref, const char *msg, size_t len,
                 struct diag *d, char **path_out);

#endif
