/*
 * smtp: one message at a time through libcurl.  See smtp.h.
 *
 * The server's replies: libcurl hands every line it reads from an SMTP
 * server to the debug callback as CURLINFO_HEADER_IN (with CURLOPT_VERBOSE
 * on and our callback installed, nothing is printed).  We keep the last
 * complete reply ("250-..." continuation lines up to "250 ..."), which after
 * a transfer is the reply that ended it: the 250 to the end of DATA, or the
 * 4xx/5xx that stopped it (libcurl then sends QUIT; replies after our
 * QUIT are not kept).  TLS records, client commands other than QUIT and
 * the message itself are ignored, so AUTH secrets never pass through our
 * buffers.
 *
 * Classification of one attempt, in this order:
 *   1. CURLE_OK                                   -> accepted
 *   2. curl errors no retry can mend (certificate, STARTTLS refused, login
 *      denied, bad URL or option)                 -> fatal
 *   3. last reply 530/534/535/538 (authentication) -> fatal
 *   4. last reply 5xx                             -> rejected
 *   5. last reply 4xx, or anything else (connection refused, dropped,
 *      timed out, reset during TLS)               -> try again, up to
 *      max_attempts, then deferred.
 * A failed transfer makes libcurl close its connection ("SMTP done with
 * bad status"), so each retry starts a fresh session.
 */
#include "smtp.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "protect.h"
#include "util.h"

static_assert(SMTP_ERROR_MAX >= CURL_ERROR_SIZE, "curl error buffer");

static const char *const tls_names[SMTP_TLS__MAX] = {"required",
                                                     "opportunistic", "none"};
static const char *const outcome_names[SMTP__MAX] = {"accepted", "rejected",
                                                     "deferred", "fatal"};

bool smtp_tls_parse(const char *name, enum smtp_tls *out) {
  for (int t = 0; t < SMTP_TLS__MAX; t++)
    if (strcmp(name, tls_names[t]) == 0) {
      *out = (enum smtp_tls)t;
      return true;
    }
  return false;
}

const char *smtp_tls_name(enum smtp_tls t) {
  return t >= 0 && t < SMTP_TLS__MAX ? tls_names[t] : "?";
}

const char *smtp_outcome_name(enum smtp_outcome o) {
  return o >= 0 && o < SMTP__MAX ? outcome_names[o] : "?";
}

struct smtp {
  struct smtp_config cfg; /* defaults filled in */
  CURL *curl;
  char errbuf[CURL_ERROR_SIZE];
  /* the reply being read and the last complete one */
  struct strbuf partial;
  char last[SMTP_REPLY_MAX];
  int last_code;
  bool quitting; /* QUIT sent: its 221 is not the reply we report */
  /* the message being uploaded */
  const char *msg;
  size_t msg_len, msg_off;
};

static int curl_users; /* smtp_new() minus smtp_free(): global init/cleanup */

/* ---- the server's replies ---------------------------------------------- */

/* One line from the server: "250-..." continues, "250 ..." ends a reply. */
static void reply_line(struct smtp *s, const char *p, size_t n) {
  if (s->quitting) return;
  while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
  if (s->partial.len) strbuf_puts(&s->partial, " / ");
  for (size_t i = 0; i < n; i++) /* keep the text printable */
    strbuf_putc(&s->partial,
                (unsigned char)p[i] < 0x20 || p[i] == 0x7F ? '?' : p[i]);
  bool digits = n >= 3 && p[0] >= '2' && p[0] <= '5' && p[1] >= '0' &&
                p[1] <= '9' && p[2] >= '0' && p[2] <= '9';
  if (digits && n > 3 && p[3] == '-') return; /* more lines follow */
  snprintf(s->last, sizeof s->last, "%s", s->partial.data);
  s->last_code = digits ? (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0') : 0;
  s->partial.len = 0;
  s->partial.data[0] = '\0';
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size,
                    void *user) {
  (void)h;
  struct smtp *s = user;
  /* libcurl closes a failed session with QUIT: keep the reply that made
   * it fail, not the "221 Bye" */
  if (type == CURLINFO_HEADER_OUT && size >= 4 && strncmp(data, "QUIT", 4) == 0)
    s->quitting = true;
  if (type != CURLINFO_HEADER_IN) return 0;
  /* libcurl passes one line per call; split anyway, to be safe. */
  while (size > 0) {
    char *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) + 1 : size;
    reply_line(s, data, n);
    data += n, size -= n;
  }
  return 0;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *user) {
  struct smtp *s = user;
  size_t room = size * nitems, left = s->msg_len - s->msg_off;
  size_t n = left < room ? left : room;
  memcpy(buf, s->msg + s->msg_off, n);
  s->msg_off += n;
  return n;
}

/* ---- session ----------------------------------------------------------- */

static bool scheme_is(const char *url, const char *scheme) {
  size_t n = strlen(scheme);
  return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

struct smtp *smtp_new(const struct smtp_config *cfg, struct diag *d) {
  bool smtps = false;
  if (!cfg->url || !*cfg->url) {
    diag_fail(d, "--smtp: no server URL given (expected smtp://HOST[:PORT] "
                 "or smtps://HOST[:PORT])");
    return NULL;
  }
  if (scheme_is(cfg->url, "smtps"))
    smtps = true;
  else if (!scheme_is(cfg->url, "smtp")) {
    diag_fail(d, "--smtp '%s': not an smtp:// or smtps:// URL", cfg->url);
    return NULL;
  }
  for (const char *p = cfg->url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7F) {
      diag_fail(d, "--smtp: the URL holds a space or control character");
      return NULL;
    }
  if (cfg->tls < 0 || cfg->tls >= SMTP_TLS__MAX) {
    diag_fail(d, "--tls: unknown policy");
    return NULL;
  }
  if (smtps && cfg->tls == SMTP_TLS_NONE) {
    diag_fail(d, "--tls none contradicts an smtps:// URL (TLS from the "
                 "first byte); use smtp:// for a plain-text relay");
    return NULL;
  }
  bool tls_certain = smtps || cfg->tls == SMTP_TLS_REQUIRED;
  if (cfg->user && !tls_certain) {
    diag_fail(d, "SMTP credentials are only sent over certain TLS: use "
                 "--tls required (the default) or smtps://, not --tls %s",
              tls_names[cfg->tls]);
    return NULL;
  }
  if (cfg->user && !cfg->password) {
    diag_fail(d, "SMTP credentials: a user without a password");
    return NULL;
  }
  if (cfg->cacert) {
    struct stat st;
    FILE *f = fopen(cfg->cacert, "r");
    if (!f || stat(cfg->cacert, &st) != 0 || !S_ISREG(st.st_mode)) {
      diag_fail(d, "--cacert '%s': cannot read it: %s", cfg->cacert,
                f ? "not a regular file" : strerror(errno));
      if (f) fclose(f);
      return NULL;
    }
    fclose(f);
  }
  if (cfg->max_attempts < 0 || cfg->max_attempts > 100 ||
      cfg->connect_timeout_ms < 0 || cfg->timeout_ms < 0 ||
      cfg->backoff_ms < 0 || cfg->backoff_max_ms < 0) {
    diag_fail(d, "SMTP: a timeout, retry count or back-off is out of range");
    return NULL;
  }

  if (curl_users++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
    curl_users--;
    diag_fail(d, "SMTP: libcurl could not be initialised");
    return NULL;
  }
  struct smtp *s = xcalloc(1, sizeof *s);
  s->cfg = *cfg;
  if (!s->cfg.connect_timeout_ms) s->cfg.connect_timeout_ms = 10000;
  if (!s->cfg.timeout_ms) s->cfg.timeout_ms = 120000;
  if (!s->cfg.max_attempts) s->cfg.max_attempts = 5;
  if (!s->cfg.backoff_ms) s->cfg.backoff_ms = 2000;
  if (!s->cfg.backoff_max_ms) s->cfg.backoff_max_ms = 60000;
  strbuf_append(&s->partial, "", 0);

  s->curl = curl_easy_init();
  CURL *h = s->curl;
  CURLcode rc = CURLE_OK;
  if (!h) rc = CURLE_FAILED_INIT;
#define SET(opt, val)                                                         \
  do {                                                                        \
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val);                   \
  } while (0)
  SET(CURLOPT_ERRORBUFFER, s->errbuf);
  SET(CURLOPT_URL, cfg->url);
  SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  SET(CURLOPT_USE_SSL, (long)(smtps ? CURLUSESSL_ALL
                              : cfg->tls == SMTP_TLS_REQUIRED ? CURLUSESSL_ALL
                              : cfg->tls == SMTP_TLS_OPPORTUNISTIC
                                  ? CURLUSESSL_TRY
                                  : CURLUSESSL_NONE));
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if (cfg->cacert) SET(CURLOPT_CAINFO, cfg->cacert);
  if (cfg->user) {
    SET(CURLOPT_USERNAME, cfg->user);
    SET(CURLOPT_PASSWORD, cfg->password);
  }
  SET(CURLOPT_CONNECTTIMEOUT_MS, s->cfg.connect_timeout_ms);
  SET(CURLOPT_TIMEOUT_MS, s->cfg.timeout_ms);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_UPLOAD, 1L);
  SET(CURLOPT_READFUNCTION, on_read);
  SET(CURLOPT_READDATA, s);
  SET(CURLOPT_VERBOSE, 1L); /* feeds on_debug; prints nothing */
  SET(CURLOPT_DEBUGFUNCTION, on_debug);
  SET(CURLOPT_DEBUGDATA, s);
#undef SET
  if (rc != CURLE_OK) {
    diag_fail(d, "SMTP: libcurl refused an option: %s (libcurl %s)",
              curl_easy_strerror(rc), curl_version_info(CURLVERSION_NOW)->version);
    smtp_free(s);
    return NULL;
  }
  return s;
}

void smtp_free(struct smtp *s) {
  if (!s) return;
  if (s->curl) {
    /* the password was copied into the handle: cleanup frees it */
    curl_easy_cleanup(s->curl);
  }
  strbuf_free(&s->partial);
  free(s);
  if (--curl_users == 0) curl_global_cleanup();
}

/* ---- one message ------------------------------------------------------- */

static bool fatal_curl_error(CURLcode rc) {
  switch (rc) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_NOT_BUILT_IN:
  case CURLE_LOGIN_DENIED:
  case CURLE_USE_SSL_FAILED:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_AUTH_ERROR:
  case CURLE_BAD_FUNCTION_ARGUMENT:
  case CURLE_FUNCTION_NOT_FOUND:
  case CURLE_OUT_OF_MEMORY:
    return true;
  default:
    return false;
  }
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

bool smtp_send(struct smtp *s, const char *from, const char *to,
               const char *msg, size_t len, struct smtp_result *r) {
  memset(r, 0, sizeof *r);
  char *mail_from = xmalloc(strlen(from) + 3);
  sprintf(mail_from, "<%s>", from);
  char *rcpt = xmalloc(strlen(to) + 3);
  sprintf(rcpt, "<%s>", to);
  struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
  free(rcpt);
  curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);

  long wait = s->cfg.backoff_ms;
  for (int attempt = 1;; attempt++) {
    s->msg = msg;
    s->msg_len = len;
    s->msg_off = 0;
    s->errbuf[0] = '\0';
    s->last[0] = '\0';
    s->last_code = 0;
    s->quitting = false;
    s->partial.len = 0;
    s->partial.data[0] = '\0';
    CURLcode rc = curl_easy_perform(s->curl);
    r->attempts = attempt;
    r->code = s->last_code;
    snprintf(r->reply, sizeof r->reply, "%s", s->last);
    if (rc == CURLE_OK) {
      r->error[0] = '\0';
      r->outcome = SMTP_ACCEPTED;
      break;
    }
    snprintf(r->error, sizeof r->error, "%s",
             s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
    int c = s->last_code;
    if (fatal_curl_error(rc) || c == 530 || c == 534 || c == 535 || c == 538) {
      r->outcome = SMTP_FATAL;
      break;
    }
    if (c >= 500 && c <= 599) {
      r->outcome = SMTP_REJECTED;
      break;
    }
    /* 4xx, or the connection failed: try again after a while */
    if (attempt >= s->cfg.max_attempts) {
      r->outcome = SMTP_DEFERRED;
      break;
    }
    sleep_ms(wait);
    wait = wait > s->cfg.backoff_max_ms / 2 ? s->cfg.backoff_max_ms : wait * 2;
  }

  /* The handle keeps the pointers: clear them before freeing. */
  curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
  curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, (char *)NULL);
  curl_slist_free_all(rcpts);
  free(mail_from);
  s->msg = NULL;
  return r->outcome == SMTP_ACCEPTED;
}

/* ---- credentials ------------------------------------------------------- */

bool smtp_credentials_load(const char *file, struct smtp_credentials *c,
                           struct diag *d) {
  c->user = c->password = NULL;
  if (!file) {
    const char *u = getenv("HANDOUT_SMTP_USER");
    const char *p = getenv("HANDOUT_SMTP_PASSWORD");
    if (!u && !p) return true;
    if (!u || !*u || !p) {
      diag_fail(d, "SMTP credentials: set both HANDOUT_SMTP_USER and "
                   "HANDOUT_SMTP_PASSWORD, or neither");
      return false;
    }
    c->user = xstrdup(u);
    c->password = xstrdup(p);
    return true;
  }
  struct stat st;
  if (stat(file, &st) != 0) {
    diag_fail(d, "SMTP credentials file '%s': %s", file, strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    diag_fail(d, "SMTP credentials file '%s' is not a regular file", file);
    return false;
  }
  struct src_pos file_pos = {file, 0, 0};
  if (st.st_mode & 077)
    diag_warning(d, file_pos,
                 "SMTP credentials file is readable by other users (mode "
                 "%03o): chmod 600 it",
                 (unsigned)(st.st_mode & 0777));
  size_t len;
  char *text = read_file(file, 4096, &len);
  if (!text) {
    diag_fail(d, "SMTP credentials file '%s': %s", file,
              errno == EFBIG ? "larger than 4 KiB" : strerror(errno));
    return false;
  }
  /* one line: drop one final LF or CRLF */
  if (len && text[len - 1] == '\n') text[--len] = '\0';
  if (len && text[len - 1] == '\r') text[--len] = '\0';
  const char *why = NULL;
  char *colon = strchr(text, ':');
  if (memchr(text, '\0', len) || strpbrk(text, "\r\n"))
    why = "expected one line user:password";
  else if (!colon || colon == text)
    why = "expected user:password (no ':' after a user name)";
  else if (!colon[1])
    why = "the password after ':' is empty";
  if (why) {
    diag_fail(d, "SMTP credentials file '%s': %s", file, why);
    protect_wipe(text, len);
    free(text);
    return false;
  }
  *colon = '\0';
  c->user = xstrdup(text);
  c->password = xstrdup(colon + 1);
  protect_wipe(text, len);
  free(text);
  return true;
}

void smtp_credentials_free(struct smtp_credentials *c) {
  if (c->password) protect_wipe(c->password, strlen(c->password));
  free(c->user);
  free(c->password);
  c->user = c->password = NULL;
}

/* ---- rate limit -------------------------------------------------------- */

bool smtp_rate_parse(const char *spec, struct smtp_rate *r, const char **why) {
  memset(r, 0, sizeof *r);
  *why = NULL;
  long n = 0;
  const char *p = spec;
  while (*p >= '0' && *p <= '9' && n <= 100000) n = n * 10 + (*p++ - '0');
  double per;
  if (p == spec || *p != '/') {
    *why = "expected N/min, for example 30/min";
    return false;
  }
  p++;
  if (strcmp(p, "min") == 0)
    per = 60;
  else if (strcmp(p, "s") == 0)
    per = 1;
  else if (strcmp(p, "h") == 0)
    per = 3600;
  else {
    *why = "expected N/min, N/s or N/h";
    return false;
  }
  if (n < 1 || n > 100000) {
    *why = "N must be from 1 to 100000";
    return false;
  }
  r->interval_s = per / (double)n;
  return true;
}

static double ts_diff(struct timespec a, struct timespec b) {
  return (double)(a.tv_sec - b.tv_sec) + (double)(a.tv_nsec - b.tv_nsec) / 1e9;
}

static struct timespec ts_add(struct timespec t, double s) {
  long long ns = (long long)t.tv_nsec + (long long)(s * 1e9);
  t.tv_sec += (time_t)(ns / 1000000000LL);
  t.tv_nsec = (long)(ns % 1000000000LL);
  return t;
}

void smtp_rate_wait(struct smtp_rate *r) {
  if (r->interval_s <= 0) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (r->started) {
    double ahead = ts_diff(r->next, now);
    if (ahead > 0) {
      struct timespec ts = {(time_t)ahead,
                            (long)((ahead - (double)(time_t)ahead) * 1e9)};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
      now = r->next;
    }
  }
  r->started = true;
  r->next = ts_add(now, r->interval_s);
}
