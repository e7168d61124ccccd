/*
 * journal: the record of what `handout mail` sent, and how a re-run knows
 * what not to send again.
 *
 *   (ref, leaflet sha256, time, status, server reply) -> one JSON line
 *   appended to the journal file;  journal file -> "was (ref, sha256)
 *   already accepted?"
 *
 * File format: JSON lines, one record per line, in the order written:
 *
 *   {"ref":"A1B2","sha256":"<64 hex>","time":"2026-03-03T18:04:05Z",
 *    "status":"accepted","code":250,"reply":"250 2.0.0 Ok: queued as X"}
 *
 * (one line in the file).  status is "accepted" (the server took the
 * message: a 2xx reply to the end of DATA, or a spool file written) or
 * "failed" (refused with 5xx, or still deferred when the retries ran out).
 * code is the last SMTP reply code, 0 if there was none.  The key is the
 * pair (ref, sha256): sha256 is the fingerprint of the *unprotected*
 * rendered leaflet, which is deterministic; a protected attachment differs
 * on every run and must not be used.  A new version of a patient's leaflet
 * therefore has a new key and is sent again; the same leaflet is not.
 * Records are never rewritten or removed; a later "accepted" for a key
 * counts whatever came before it.  The server's reply is kept as it came
 * and may name the recipient's address: the file is personal data, created
 * 0600, and belongs with the patient record.
 *
 * Writing: the file is opened with O_APPEND (created 0600 if missing, its
 * folder fsync'd so the new name survives a crash) and locked with a POSIX
 * write lock for as long as it is open, so two runs cannot share it.  Each
 * record is one write() of the whole line followed by fsync() before
 * journal_append() returns.  If the file ends without a newline (a record
 * torn by a crash), opening it for writing cuts that incomplete line off
 * (ftruncate, with a warning), so it can never become a complete, invalid
 * line; a read-only open just ignores it.
 *
 * THE GUARANTEE.  The caller sends a message and then appends its record.
 * Between the server's "250" and the end of the fsync there is a window:
 *   - if the process (or the machine) dies inside that window, the journal
 *     does not know the message was accepted, and a re-run sends it again:
 *     at-least-once delivery, for that message only;
 *   - the same holds when the connection drops after the client sent the
 *     end of DATA but before the server's reply arrived: the client cannot
 *     tell whether the server took it (RFC 5321 section 4.1.1.4 and RFC
 *     1047), so it is retried, and may arrive twice;
 *   - otherwise, every message is accepted by the server exactly once
 *     across any number of runs with the same journal: an accepted record
 *     is durable on disk before the next message is sent, and a re-run
 *     skips every (ref, sha256) with an accepted record.
 * A message sent twice carries the same Message-ID both times (mime.h), so
 * a receiving system may drop the duplicate.
 *
 * Reading: a complete line that is not a journal record is an error
 * (journal_open fails: running on would risk sending twice); a torn last
 * line is a warning.
 *
 * Ownership: journal_close() closes the file, drops the lock and frees
 * everything; journal_close(NULL) is allowed.
 * Errors: reported through diag ("journal.jsonl:12: error: ..."), then
 * NULL/false.  Records are not echoed in messages (they hold refs).
 * May be included by any module.
 */
#ifndef HANDOUT_JOURNAL_H
#define HANDOUT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "diag.h"

enum journal_status { JOURNAL_ACCEPTED, JOURNAL_FAILED, JOURNAL__MAX };

struct journal_record {
  const char *ref;    /* opaque patient reference */
  const char *sha256; /* 64 hex digits: the unprotected leaflet */
  time_t time;        /* when the outcome was known */
  enum journal_status status;
  int code;           /* last SMTP reply code, 0: none */
  const char *reply;  /* the server's last reply text, or a note; may be
                         NULL */
};

struct journal;

/* Open (creating it 0600 if writable and missing) and read the journal at
 * path.  writable: false for a dry run: nothing is created, locked or
 * written, and a missing file is an empty journal.  Returns NULL after
 * reporting through d (I/O error, locked by another run, a line that is
 * not a record). */
struct journal *journal_open(const char *path, bool writable, struct diag *d);

/* Is there an "accepted" record for (ref, sha256), read at open or
 * appended since? */
bool journal_accepted(const struct journal *j, const char *ref,
                      const char *sha256);

/* Append r as one line, then fsync.  Returns false after reporting. */
bool journal_append(struct journal *j, const struct journal_record *r,
                    struct diag *d);

/* Records read at open plus appended, by status (for summaries and tests). */
size_t journal_count(const struct journal *j, enum journal_status status);

void journal_close(struct journal *j);

/* "accepted" / "failed" */
const char *journal_status_name(enum journal_status s);

#endif
