/*
 * smtp: sending one message at a time through libcurl.  The only includer
 * of curl/curl.h.
 *
 *   struct smtp_config (URL, TLS policy, CA file, credentials, timeouts,
 *   retries) + (from, to, message bytes) -> struct smtp_result (accepted,
 *   rejected, deferred or fatal, with the server's last reply)
 *
 * Transport security:
 *   - smtp://host[:port]: STARTTLS.  SMTP_TLS_REQUIRED (the default) fails
 *     the session if the server does not offer it (CURLUSESSL_ALL);
 *     SMTP_TLS_OPPORTUNISTIC uses it when offered (CURLUSESSL_TRY);
 *     SMTP_TLS_NONE never does (CURLUSESSL_NONE): a relay on localhost only.
 *   - smtps://host[:port]: TLS from the first byte (port 465); SMTP_TLS_NONE
 *     with smtps:// is refused as a contradiction.
 *   - The server's certificate and host name are always verified, against
 *     the system's CA store or, with cacert, that PEM file only (curl's
 *     --cacert: for a private CA or a test certificate).  There is no way
 *     to turn verification off.
 *   - AUTH (whatever the server offers: PLAIN, LOGIN, ...) with credentials
 *     from a file or the environment (smtp_credentials_load), never from
 *     the command line (it shows in `ps` and shell history).  Credentials
 *     are refused unless TLS is certain (smtps://, or SMTP_TLS_REQUIRED):
 *     with opportunistic TLS an attacker who strips STARTTLS would read
 *     them.
 *   - Only the smtp and smtps protocols are enabled in curl.
 *
 * Delivery of one message (smtp_send): MAIL FROM, one RCPT TO, DATA.  The
 * connection is kept open between messages and reopened by curl when it
 * was dropped.  Outcome:
 *   SMTP_ACCEPTED  2xx to the end of DATA.
 *   SMTP_REJECTED  a 5xx reply (550 unknown user, 552 too big, ...): not
 *                  retried; the caller records it as failed.
 *   SMTP_DEFERRED  a 4xx reply (421 closing, 451 try later, greylisting)
 *                  or a dropped or timed-out connection, on each of
 *                  max_attempts attempts, waiting backoff_ms, 2x, 4x ...
 *                  (at most backoff_max_ms) between them.
 *   SMTP_FATAL     nothing will work this session: certificate not
 *                  trusted, STARTTLS not offered when required, AUTH
 *                  refused (530/534/535/538), a bad URL.  Stop the run.
 * A dropped connection after the end of DATA and before the reply is
 * retried, so that message may arrive twice (see journal.h).
 *
 * Rate limit: smtp_rate_wait() before each message spaces them evenly (N
 * per minute: one every 60/N s), on the monotonic clock.
 *
 * Threads: one struct smtp per thread; smtp_new() is not thread safe (it
 * may run curl_global_init).
 * Ownership: smtp_free() closes the connection (QUIT) and frees everything;
 * smtp_credentials_free() wipes and frees the credentials.  The config's
 * strings must outlive the struct smtp.
 * Errors: configuration errors through diag from smtp_new() (NULL);
 * delivery outcomes in struct smtp_result, never printed here (the reply
 * may name the recipient: the caller decides what to show).
 * May be included by any module.
 */
#ifndef HANDOUT_SMTP_H
#define HANDOUT_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "diag.h"

enum smtp_tls {
  SMTP_TLS_REQUIRED,      /* STARTTLS or fail (default) */
  SMTP_TLS_OPPORTUNISTIC, /* STARTTLS when offered */
  SMTP_TLS_NONE,          /* plain text: localhost relays only */
  SMTP_TLS__MAX
};

/* "required", "opportunistic", "none" */
bool smtp_tls_parse(const char *name, enum smtp_tls *out);
const char *smtp_tls_name(enum smtp_tls t);

struct smtp_config {
  const char *url;         /* smtp://host[:port][/ehlo-name] or smtps://... */
  enum smtp_tls tls;
  const char *cacert;      /* PEM file of CAs to trust; NULL: system store */
  const char *user;        /* NULL: no AUTH */
  const char *password;
  long connect_timeout_ms; /* 0: 10,000 */
  long timeout_ms;         /* one attempt, connection to reply; 0: 120,000 */
  int max_attempts;        /* 0: 5 */
  long backoff_ms;         /* wait before the 2nd attempt; 0: 2,000 */
  long backoff_max_ms;     /* longest wait; 0: 60,000 */
};

enum smtp_outcome {
  SMTP_ACCEPTED,
  SMTP_REJECTED,
  SMTP_DEFERRED,
  SMTP_FATAL,
  SMTP__MAX
};

#define SMTP_REPLY_MAX 512
#define SMTP_ERROR_MAX 256 /* libcurl's CURL_ERROR_SIZE */

struct smtp_result {
  enum smtp_outcome outcome;
  int code;                   /* last reply code from the server, 0: none */
  char reply[SMTP_REPLY_MAX]; /* that reply, lines joined by " / " */
  char error[SMTP_ERROR_MAX]; /* libcurl's message for the last attempt,
                                 "" when it succeeded */
  int attempts;               /* 1 .. max_attempts */
};

struct smtp;

/* Check the configuration (URL scheme, TLS policy, CA file readable,
 * credentials only with certain TLS) and prepare a session.  No connection
 * is made until the first smtp_send().  NULL after reporting through d. */
struct smtp *smtp_new(const struct smtp_config *cfg, struct diag *d);

/* Send msg[0..len) (CRLF line ends; curl adds dot-stuffing and the final
 * CRLF.CRLF) from envelope sender `from` to the one recipient `to` (both
 * checked addresses, without angle brackets), retrying as described above.
 * Fills *r; returns r->outcome == SMTP_ACCEPTED. */
bool smtp_send(struct smtp *s, const char *from, const char *to,
               const char *msg, size_t len, struct smtp_result *r);

void smtp_free(struct smtp *s); /* NULL allowed */

const char *smtp_outcome_name(enum smtp_outcome o);

/* ---- credentials ------------------------------------------------------- */

struct smtp_credentials {
  char *user;     /* NULL: none */
  char *password;
};

/* From file (one line "user:password"; the password is everything after
 * the first ':'; a final CR/LF is dropped; the file must be a regular file,
 * and a warning is given if others may read it), or, with file NULL, from
 * the environment: HANDOUT_SMTP_USER and HANDOUT_SMTP_PASSWORD, both or
 * neither.  Neither: c->user = NULL and true.  False after reporting
 * (never quoting the password). */
bool smtp_credentials_load(const char *file, struct smtp_credentials *c,
                           struct diag *d);
void smtp_credentials_free(struct smtp_credentials *c);

/* ---- rate limit -------------------------------------------------------- */

struct smtp_rate {
  double interval_s;      /* between two message starts; 0: no limit */
  struct timespec next;   /* monotonic time of the next allowed start */
  bool started;
};

/* "N/min" (also "N/s", "N/h"), N a positive integer, at most 100,000.
 * Sets *why on failure. */
bool smtp_rate_parse(const char *spec, struct smtp_rate *r, const char **why);
/* Sleep until the next message may start, then book the slot after it. */
void smtp_rate_wait(struct smtp_rate *r);

#endif
