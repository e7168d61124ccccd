/* batch: jobs over worker processes, shards, manifest.  See batch.h.
 *
 * Pipe protocol: one pipe shared by all workers; each finished item is one
 * write() of a struct batch_record, smaller than PIPE_BUF, so records from
 * different workers never interleave.  The parent reads records until every
 * worker has closed its end; an item with no record (a worker that died)
 * counts as an I/O failure.
 *
 * Messages: a worker collects each item's messages in memory and writes
 * them to stderr with one write() (so lines of two workers never mix), led
 * by "\r\033[K" when the progress line is drawn, which the parent redraws
 * at its next update.
 */
#include "batch.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "patients.h"
#include "sha256.h"
#include "util.h"

/* One finished item, worker -> parent. */
struct batch_record {
  uint32_t index;
  uint32_t status; /* enum job_status */
  uint32_t pages;
  uint32_t hidden; /* messages not shown */
  uint64_t bytes;
  char sha256[SHA256_HEX_LEN];
};
_Static_assert(sizeof(struct batch_record) <= PIPE_BUF,
               "a result record must be written atomically");

/* ---- shards ------------------------------------------------------------- */

uint64_t batch_fnv1a64(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

int batch_shard_of(const struct batch_item *it, int nshards) {
  uint64_t h;
  if (it->patient) {
    h = batch_fnv1a64(it->patient->ref, strlen(it->patient->ref));
  } else {
    size_t a = strlen(it->handout_name), b = strlen(it->layout_name);
    char *key = xmalloc(a + b + 1);
    memcpy(key, it->handout_name, a);
    key[a] = '\0';
    memcpy(key + a + 1, it->layout_name, b);
    h = batch_fnv1a64(key, a + 1 + b);
    free(key);
  }
  return (int)(h % (uint64_t)nshards) + 1;
}

size_t batch_select_shard(struct batch_item *items, size_t n, int k,
                          int nshards) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    if (batch_shard_of(&items[i], nshards) == k) items[o++] = items[i];
  return o;
}

bool batch_parse_shard(const char *s, int *k, int *n) {
  char *end;
  errno = 0;
  if (*s < '0' || *s > '9') return false;
  long kk = strtol(s, &end, 10);
  if (errno || *end != '/' || end[1] < '0' || end[1] > '9') return false;
  long nn = strtol(end + 1, &end, 10);
  if (errno || *end) return false;
  if (kk < 1 || nn < 1 || kk > nn || nn > BATCH_MAX_SHARDS) return false;
  *k = (int)kk;
  *n = (int)nn;
  return true;
}

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

/* restart: worker (system calls carry on; the flag is checked between
 * items); parent: not restarted, so a blocked read() returns EINTR. */
static void catch_signals(bool restart, struct sigaction old[2]) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGINT, &sa, old ? &old[0] : NULL);
  sigaction(SIGTERM, &sa, old ? &old[1] : NULL);
}

static void restore_signals(const struct sigaction old[2]) {
  sigaction(SIGINT, &old[0], NULL);
  sigaction(SIGTERM, &old[1], NULL);
}

/* ---- workers ------------------------------------------------------------ */

static char *join_path(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = xmalloc(n);
  snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

static bool write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n, len -= (size_t)n;
  }
  return true;
}

/* From a patient job's messages msgs[0..len), the lines at a place in the
 * patients file (they quote no value) into out; returns how many other
 * lines were left out. */
static size_t keep_csv_lines(const char *msgs, size_t len, const char *csv,
                             struct strbuf *out) {
  size_t hidden = 0, clen = strlen(csv);
  const char *p = msgs, *end = msgs + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl + 1 : end;
    bool at_csv = (size_t)(eol - p) > clen + 1 && memcmp(p, csv, clen) == 0 &&
                  p[clen] == ':' && p[clen + 1] >= '0' && p[clen + 1] <= '9';
    if (at_csv)
      strbuf_append(out, p, (size_t)(eol - p));
    else
      hidden++;
    p = eol;
  }
  return hidden;
}

/* Run item idx, write its file, report it on fd. */
static void run_item(const struct batch_item *it, size_t idx,
                     const struct batch_options *o,
                     const struct job_paths *paths, struct job_cache *cache,
                     int fd) {
  unsigned mode = o->patients ? 0600 : 0644;
  char *msgs = NULL, *wmsgs = NULL;
  size_t mlen = 0, wlen = 0;
  FILE *mem = open_memstream(&msgs, &mlen);
  FILE *wmem = open_memstream(&wmsgs, &wlen);
  struct diag d, wd; /* the job's messages; the write's (always shown) */
  diag_init(&d, mem ? mem : stderr);
  diag_init(&wd, wmem ? wmem : stderr);
  d.show_patient_data = wd.show_patient_data = o->show_patient_data;

  unsigned char *pdf = NULL;
  size_t len = 0;
  struct job_result jr = {0};
  struct job job = {.handout = it->handout,
                    .layout = it->layout,
                    .dump = DUMP_NONE,
                    .date = o->date,
                    .site = o->site,
                    .impose = o->impose,
                    .pdf_out = &pdf,
                    .pdf_len = &len,
                    .patient = it->patient,
                    .mode = mode,
                    .result = &jr};
  enum job_status st = job_run(&job, paths, cache, &d);
  if (st == JOB_OK) {
    char *path = join_path(o->outdir, it->rel_path);
    if (!job_write_atomic(path, pdf, len, mode, &wd)) st = JOB_IO;
    free(path);
  }
  free(pdf);
  if (mem) fclose(mem);
  if (wmem) fclose(wmem);

  struct strbuf out = {0};
  size_t hidden = 0;
  if (o->patients && !o->show_patient_data && mlen) {
    hidden = keep_csv_lines(msgs, mlen, o->csv_path, &out);
    if (hidden && st != JOB_OK) {
      const struct src_pos *p = &it->patient->pos;
      strbuf_printf(&out,
                    "%s:%d:%d: error: no leaflet for ref '%s': %zu message%s "
                    "about its handout or layout not shown (they would name "
                    "the handout; expected --show-patient-data to show them, "
                    "or check the handout with handout lint)\n",
                    p->file, p->line, p->col, it->patient->ref, hidden,
                    hidden == 1 ? "" : "s");
    }
  } else if (mlen) {
    strbuf_append(&out, msgs, mlen);
  }
  if (wlen) strbuf_append(&out, wmsgs, wlen);
  free(msgs);
  free(wmsgs);
  if (out.len) {
    struct strbuf all = {0};
    if (o->progress) strbuf_puts(&all, "\r\033[K");
    strbuf_append(&all, out.data, out.len);
    write_all(STDERR_FILENO, all.data, all.len);
    strbuf_free(&all);
  }
  strbuf_free(&out);

  struct batch_record r;
  memset(&r, 0, sizeof r);
  r.index = (uint32_t)idx;
  r.status = (uint32_t)st;
  r.hidden = (uint32_t)hidden;
  if (st == JOB_OK) {
    r.pages = (uint32_t)jr.pages;
    r.bytes = (uint64_t)jr.bytes;
    memcpy(r.sha256, jr.sha256, SHA256_HEX_LEN);
  }
  write_all(fd, &r, sizeof r);
}

static void worker(const struct batch_item *items, size_t n,
                   const struct batch_options *o,
                   const struct job_paths *paths, int w, int nworkers,
                   int fd) {
  catch_signals(true, NULL);
  struct job_cache *cache = job_cache_new();
  for (size_t i = (size_t)w; i < n && !got_signal; i += (size_t)nworkers)
    run_item(&items[i], i, o, paths, cache, fd);
  job_cache_free(cache);
}

/* ---- the parent ----------------------------------------------------------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw_progress(size_t done, size_t total) {
  char buf[96];
  int width = snprintf(buf, sizeof buf, "%zu", total);
  int pct = total ? (int)(done * 100 / total) : 100;
  int len = snprintf(buf, sizeof buf, "\r[%*zu/%zu] %d%%", width, done, total, pct);
  if (len > 0) write_all(STDERR_FILENO, buf, (size_t)len);
}

static void json_string(struct strbuf *b, const char *s) {
  strbuf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      strbuf_printf(b, "\\%c", *p);
    else if (*p < 0x20)
      strbuf_printf(b, "\\u%04x", *p);
    else
      strbuf_putc(b, (char)*p);
  }
  strbuf_putc(b, '"');
}

static const char *status_name(uint32_t st) {
  return st == JOB_OK ? "ok" : st == JOB_INVALID ? "invalid" : "io-error";
}

static void manifest_line(struct strbuf *b, const struct batch_item *it,
                          const struct batch_record *r,
                          const struct batch_options *o) {
  strbuf_putc(b, '{');
  if (it->patient) {
    strbuf_puts(b, "\"ref\":");
    json_string(b, it->patient->ref);
    if (o->show_patient_data) {
      strbuf_puts(b, ",\"handout\":");
      json_string(b, it->handout_name);
    }
  } else {
    strbuf_puts(b, "\"handout\":");
    json_string(b, it->handout_name);
  }
  strbuf_puts(b, ",\"layout\":");
  json_string(b, it->layout_name);
  strbuf_puts(b, ",\"path\":");
  json_string(b, it->rel_path);
  if (r->status == JOB_OK) {
    char sha[SHA256_HEX_LEN + 1];
    memcpy(sha, r->sha256, SHA256_HEX_LEN);
    sha[SHA256_HEX_LEN] = '\0';
    strbuf_printf(b, ",\"pages\":%u,\"bytes\":%llu,\"sha256\":\"%s\"", r->pages,
                  (unsigned long long)r->bytes, sha);
  } else {
    strbuf_puts(b, ",\"pages\":null,\"bytes\":null,\"sha256\":null");
  }
  strbuf_printf(b, ",\"status\":\"%s\"}\n", status_name(r->status));
}

static void manifest_path(const struct batch_options *o, char *buf,
                          size_t size) {
  if (o->shard_n > 0)
    snprintf(buf, size, "%s/manifest-%d-of-%d.jsonl", o->outdir, o->shard_k,
             o->shard_n);
  else
    snprintf(buf, size, "%s/manifest.jsonl", o->outdir);
}

/* One record: 1; end of the pipe (or a read error): 0; a signal before any
 * byte of it: -1 (the caller looks at got_signal and reads on). */
static int read_record(int fd, struct batch_record *r) {
  char *p = (char *)r;
  size_t got = 0;
  while (got < sizeof *r) {
    ssize_t k = read(fd, p + got, sizeof *r - got);
    if (k < 0 && errno == EINTR) {
      if (got == 0) return -1;
      continue;
    }
    if (k <= 0) return 0;
    got += (size_t)k;
  }
  return 1;
}

int batch_run(const struct batch_item *items, size_t n,
              const struct batch_options *o, const struct job_paths *paths,
              struct diag *d, struct batch_result *result) {
  memset(result, 0, sizeof *result);
  result->total = n;
  double t0 = now_s();
  char manifest[sizeof result->manifest];
  manifest_path(o, manifest, sizeof manifest);
  /* a manifest on disk must agree with the files: the old one goes first */
  if (unlink(manifest) != 0 && errno != ENOENT) {
    diag_fail(d, "cannot remove the old manifest '%s': %s", manifest,
              strerror(errno));
    return JOB_IO;
  }

  struct batch_record *recs = xcalloc(n ? n : 1, sizeof *recs);
  bool *seen = xcalloc(n ? n : 1, sizeof *seen);
  int nworkers = o->jobs < 1 ? 1 : o->jobs;
  if ((size_t)nworkers > n) nworkers = n ? (int)n : 1;
  pid_t *pids = xcalloc((size_t)nworkers, sizeof *pids);
  int started = 0, worst = JOB_OK;
  size_t done = 0;
  bool forwarded = false;
  double last_draw = 0;
  struct sigaction old[2];
  got_signal = 0;
  catch_signals(false, old);

  int fds[2] = {-1, -1};
  if (n && pipe(fds) != 0) {
    diag_fail(d, "cannot create a pipe: %s", strerror(errno));
    worst = JOB_IO;
    goto collect;
  }
  fflush(NULL);
  for (int w = 0; n && w < nworkers; w++) {
    pid_t pid = fork();
    if (pid < 0) {
      diag_fail(d, "cannot start worker %d: %s", w + 1, strerror(errno));
      worst = JOB_IO;
      break;
    }
    if (pid == 0) {
      close(fds[0]);
      worker(items, n, o, paths, w, nworkers, fds[1]);
      _exit(0);
    }
    pids[started++] = pid;
  }
  if (fds[1] >= 0) close(fds[1]);

  /* gather records, forwarding a signal once */
  if (o->progress && n) draw_progress(0, n), last_draw = now_s();
  struct batch_record r;
  for (;;) {
    if (got_signal && !forwarded) {
      for (int w = 0; w < started; w++) kill(pids[w], got_signal);
      forwarded = true;
    }
    int rc = fds[0] < 0 ? 0 : read_record(fds[0], &r);
    if (rc < 0) continue;
    if (rc == 0) break;
    if (r.index >= n || seen[r.index]) continue; /* cannot happen */
    seen[r.index] = true;
    recs[r.index] = r;
    done++;
    if (o->progress) {
      double t = now_s();
      if (t - last_draw >= 0.1) draw_progress(done, n), last_draw = t;
    }
  }
  if (fds[0] >= 0) close(fds[0]);

collect:
  for (int w = 0; w < started; w++) {
    int ws;
    while (waitpid(pids[w], &ws, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
      if (!got_signal)
        diag_fail(d, "worker %d of %d stopped %s %d before its items were done",
                  w + 1, nworkers, WIFSIGNALED(ws) ? "by signal" : "with status",
                  WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
      worst = JOB_IO;
    }
  }
  if (o->progress && n) write_all(STDERR_FILENO, "\r\033[K", 4);
  restore_signals(old);

  for (size_t i = 0; i < n; i++) {
    if (!seen[i]) { /* its worker died, or the run was interrupted */
      recs[i].status = JOB_IO;
      continue;
    }
    result->hidden += recs[i].hidden;
    if (recs[i].status == JOB_OK)
      result->ok++;
    else if (recs[i].status == JOB_INVALID)
      result->invalid++;
    else
      result->io++;
    if ((int)recs[i].status > worst) worst = (int)recs[i].status;
  }
  if (done < n) worst = JOB_IO;
  result->io += n - done;
  if (got_signal) {
    result->interrupted = true;
    result->signal = got_signal;
    result->io -= n - done; /* not failed: not run */
    worst = JOB_IO;
  } else {
    /* the manifest, in item order: an item no worker reported (its worker
     * died) is an io-error, its file (if any) not vouched for */
    struct strbuf b = {0};
    for (size_t i = 0; i < n; i++) manifest_line(&b, &items[i], &recs[i], o);
    if (job_write_atomic(manifest, b.data ? b.data : "", b.len,
                         o->patients ? 0600 : 0644, d))
      snprintf(result->manifest, sizeof result->manifest, "%s", manifest);
    else
      worst = JOB_IO;
    strbuf_free(&b);
  }
  result->seconds = now_s() - t0;
  free(recs);
  free(seen);
  free(pids);
  return worst;
}
