/* batch: jobs over worker processes, shards, input keys, the manifest and
 * its journal, resuming.  See batch.h.
 *
 * Pipe protocol: one pipe shared by all workers; each finished item is one
 * write() of a struct batch_record, smaller than PIPE_BUF, so records from
 * different workers never interleave.  The parent reads records until every
 * worker has closed its end; an item with no record (a worker that died)
 * counts as an I/O failure.
 *
 * Journal: a worker fsyncs each leaflet's data and renames it into place
 * before it sends the record.  The parent journals records in groups (what
 * has arrived when the pipe is momentarily empty, at most
 * JOURNAL_GROUP_MAX): it fsyncs the folders the group's leaflets went into,
 * then appends their manifest lines to MANIFEST.partial and fsyncs that.
 * So a journal line never names a file that is not complete on disk, even
 * after SIGKILL or a power cut, and a busy batch pays three fsyncs per
 * group rather than per leaflet.  Lines that could not be written whole are
 * cut off again (ftruncate) and their leaflets removed.
 *
 * Messages: a worker collects each item's messages in memory and writes
 * them to stderr with one write() (so lines of two workers never mix), led
 * by "\r\033[K" when the progress line is drawn, which the parent redraws
 * at its next update.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "load.h"
#include "patients.h"
#include "sha256.h"
#include "site.h"
#include "util.h"
#include "yamlread.h"

#define JOURNAL_GROUP_MAX 64 /* lines journaled with one fsync, at most */

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

/* ---- files -------------------------------------------------------------- */

static char *join_path(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = xmalloc(n);
  snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

/* The folder part of path, "." when it has none; caller frees. */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  if (slash == path) return xstrdup("/");
  return xstrndup(path, (size_t)(slash - path));
}

/* fsync the folder holding path, so that a rename into it is on disk
 * before anything records it.  Best effort: a file system that cannot
 * fsync a folder has made the rename all the same. */
static void sync_folder_of(const char *path) {
  char *dir = folder_of(path);
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    if (fsync(fd) != 0) { /* see above */
    }
    close(fd);
  }
  free(dir);
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

/* The SHA-256 of the regular file at path (following symbolic links) into
 * out; false if it is not a regular file or cannot be read. */
static bool digest_file(const char *path, unsigned char out[SHA256_LEN]) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  struct sha256_ctx c;
  sha256_init(&c);
  unsigned char buf[65536];
  while (ok) {
    ssize_t k = read(fd, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      ok = k == 0;
      break;
    }
    sha256_update(&c, buf, (size_t)k);
  }
  close(fd);
  unsigned char digest[SHA256_LEN];
  sha256_final(&c, digest); /* always: it frees the context */
  if (ok) memcpy(out, digest, SHA256_LEN);
  return ok;
}

/* ---- input keys ----------------------------------------------------------
 *
 * An item's input key is a SHA-256 over everything its PDF is made from, so
 * that a re-run keeps an earlier file only when a new render would give the
 * same bytes:
 *   the program: its version and the executable's own bytes (any rebuild is
 *     a new program), every file in fonts/ and the hyphenation file;
 *   the handout file and, recursively, the include: files and image: files
 *     it names (resolved as load.c does: includes from the handout's folder,
 *     images from the including file's);
 *   the layout file; the clinic profile and its logo;
 *   the fixed date (SOURCE_DATE_EPOCH) and --impose;
 *   the patient's row: every field of struct patient (patients.h; keep
 *     item_key in step when a field is added).
 * Each part goes in as tag, length, bytes, so that no two different inputs
 * make the same stream; a file goes in as its own digest.
 */

static void key_put(struct sha256_ctx *c, const char *tag, const void *data,
                    size_t len) {
  unsigned char n[8];
  for (int i = 0; i < 8; i++) n[i] = (unsigned char)((uint64_t)len >> (8 * i));
  sha256_update(c, tag, strlen(tag) + 1);
  sha256_update(c, n, sizeof n);
  sha256_update(c, data, len);
}

/* s, or a mark that it is absent (NULL). */
static void key_put_str(struct sha256_ctx *c, const char *tag, const char *s) {
  if (s)
    key_put(c, tag, s, strlen(s));
  else
    key_put(c, "absent", tag, strlen(tag));
}

/* The file's digest, or a mark that it could not be read. */
static void key_put_file(struct sha256_ctx *c, const char *tag,
                         const char *path) {
  unsigned char dg[SHA256_LEN];
  if (digest_file(path, dg))
    key_put(c, tag, dg, sizeof dg);
  else
    key_put_str(c, tag, NULL);
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every file in fonts/, by name in byte order. */
static void key_put_fonts(struct sha256_ctx *c, const char *fonts_dir) {
  DIR *dh = opendir(fonts_dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; dh && (e = readdir(dh)) != NULL;)
    if (e->d_name[0] != '.') *VEC_PUSH(names, n, cap) = xstrdup(e->d_name);
  if (dh) closedir(dh);
  if (n) qsort(names, n, sizeof *names, cmp_cstr);
  for (size_t i = 0; i < n; i++) {
    char *path = join_path(fonts_dir, names[i]);
    key_put_str(c, "font", names[i]);
    key_put_file(c, "font-bytes", path);
    free(path);
    free(names[i]);
  }
  free(names);
}

static void key_put_handout(struct sha256_ctx *c, const char *path,
                            const char *root, int *budget, FILE *devnull);

/* The include: values (relative to root) and image: file: values (relative
 * to dir, the folder of the file being read) anywhere under n. */
static void key_walk(struct sha256_ctx *c, const struct yr_node *n,
                     const char *root, const char *dir, int *budget,
                     FILE *devnull) {
  if (n->kind == YR_SEQUENCE)
    for (size_t i = 0; i < n->nitems; i++)
      key_walk(c, n->items[i], root, dir, budget, devnull);
  if (n->kind != YR_MAPPING) return;
  for (size_t i = 0; i < n->npairs; i++) {
    const char *k = n->pairs[i].key->str;
    const struct yr_node *v = n->pairs[i].value;
    const struct yr_node *file =
        strcmp(k, "image") == 0 && v->kind == YR_MAPPING ? yr_get(v, "file")
                                                         : NULL;
    if (strcmp(k, "include") == 0 && v->kind == YR_SCALAR) {
      char *p = join_path(root, v->str);
      key_put_str(c, "include", v->str);
      key_put_handout(c, p, root, budget, devnull);
      free(p);
    } else if (file && file->kind == YR_SCALAR) {
      char *p = join_path(dir, file->str);
      key_put_str(c, "image", file->str);
      key_put_file(c, "image-bytes", p);
      free(p);
    } else {
      key_walk(c, v, root, dir, budget, devnull);
    }
  }
}

/* A handout or include file and what it names.  budget: includes still
 * allowed (load.c's limit), which also ends an include cycle. */
static void key_put_handout(struct sha256_ctx *c, const char *path,
                            const char *root, int *budget, FILE *devnull) {
  key_put_file(c, "yaml", path);
  if ((*budget)-- <= 0 || !devnull) return;
  struct arena *tree = arena_new();
  struct diag quiet; /* the job itself reports what is wrong */
  diag_init(&quiet, devnull);
  struct yr_node *top = yamlread_file(path, path, tree, &quiet);
  char *dir = folder_of(path);
  if (top) key_walk(c, top, root, dir, budget, devnull);
  free(dir);
  arena_free(tree);
}

/* A layout name or path, resolved as load_pagedef() does. */
static void key_put_layout(struct sha256_ctx *c, const char *layout,
                           const char *layouts_dir) {
  size_t n = strlen(layout);
  bool is_path = strchr(layout, '/') ||
                 (n >= 5 && strcmp(layout + n - 5, ".yaml") == 0);
  struct strbuf b = {0};
  if (is_path)
    strbuf_puts(&b, layout);
  else
    strbuf_printf(&b, "%s/%s.yaml",
                  layouts_dir && *layouts_dir ? layouts_dir : "layouts", layout);
  key_put_file(c, "layout", b.data);
  strbuf_free(&b);
}

/* What every item shares: the program, the clinic profile, the options. */
static void key_common(const struct batch_options *o,
                       const struct job_paths *paths, FILE *devnull,
                       unsigned char out[SHA256_LEN]) {
  struct sha256_ctx c;
  sha256_init(&c);
  key_put_str(&c, "version", HANDOUT_VERSION);
  key_put_file(&c, "executable", "/proc/self/exe");
  key_put_fonts(&c, paths->fonts_dir);
  key_put_file(&c, "hyphenation", paths->hyphenation);
  struct diag quiet;
  diag_init(&quiet, devnull);
  struct site *s =
      devnull ? load_site(o->site, paths->sites_dir, &quiet) : NULL;
  key_put_str(&c, "site", o->site);
  if (s) {
    key_put_file(&c, "site-bytes", s->path);
    if (s->logo) key_put_file(&c, "logo", s->logo);
    site_free(s);
  }
  key_put_str(&c, "date", o->date);
  key_put_str(&c, "impose", o->impose ? "yes" : "no");
  sha256_final(&c, out);
}

/* Digests of the handouts (or layouts) met so far, by the item's string. */
struct key_memo {
  const char **name;
  unsigned char (*digest)[SHA256_LEN];
  size_t n, cap;
};

static const unsigned char *memo_find(const struct key_memo *m,
                                      const char *name) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->name[i], name) == 0) return m->digest[i];
  return NULL;
}

static unsigned char *memo_add(struct key_memo *m, const char *name) {
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    m->name = xrealloc(m->name, m->cap * sizeof *m->name);
    m->digest = xrealloc(m->digest, m->cap * sizeof *m->digest);
  }
  m->name[m->n] = name;
  return m->digest[m->n++];
}

static void memo_free(struct key_memo *m) {
  free(m->name);
  free(m->digest);
}

static const unsigned char *handout_digest(struct key_memo *m,
                                           const char *path, FILE *devnull) {
  const unsigned char *got = memo_find(m, path);
  if (got) return got;
  unsigned char *dg = memo_add(m, path);
  struct sha256_ctx c;
  sha256_init(&c);
  char *root = folder_of(path);
  int budget = LOAD_MAX_INCLUDES;
  key_put_handout(&c, path, root, &budget, devnull);
  free(root);
  sha256_final(&c, dg);
  return dg;
}

static const unsigned char *layout_digest(struct key_memo *m,
                                          const char *layout,
                                          const char *layouts_dir) {
  const unsigned char *got = memo_find(m, layout);
  if (got) return got;
  unsigned char *dg = memo_add(m, layout);
  struct sha256_ctx c;
  sha256_init(&c);
  key_put_layout(&c, layout, layouts_dir);
  sha256_final(&c, dg);
  return dg;
}

/* Every field of the patient's row (none for a generic leaflet). */
static void key_put_patient(struct sha256_ctx *c, const struct patient *p) {
  if (!p) {
    key_put_str(c, "patient", NULL);
    return;
  }
  key_put_str(c, "ref", p->ref);
  key_put_str(c, "first_name", p->first_name);
  key_put_str(c, "last_name", p->last_name);
  key_put_str(c, "handout", p->handout);
  key_put_str(c, "layout", p->layout);
  key_put_str(c, "layout_given", p->layout_given);
  key_put_str(c, "treatment", p->treatment);
  key_put_str(c, "start_date", p->start_date);
  key_put_str(c, "email", p->email);
  key_put_str(c, "date_of_birth", p->date_of_birth);
  key_put_str(c, "language", p->language);
  key_put_str(c, "large_print", p->large_print ? "yes" : "no");
  key_put_str(c, "passphrase", p->passphrase);
}

/* Each item's input key, as 64 hex digits, into keys[0..n).  The files are
 * parsed with messages going nowhere (they would name a handout; the job
 * reports what is wrong). */
static void item_keys(const struct batch_item *items, size_t n,
                      const struct batch_options *o,
                      const struct job_paths *paths,
                      char (*keys)[SHA256_HEX_LEN + 1]) {
  FILE *devnull = fopen("/dev/null", "w");
  struct timespec t0; /* without /dev/null: keys that match no earlier run */
  clock_gettime(CLOCK_REALTIME, &t0);
  unsigned char common[SHA256_LEN];
  key_common(o, paths, devnull, common);
  struct key_memo handouts = {0}, layouts = {0};
  for (size_t i = 0; i < n; i++) {
    struct sha256_ctx c;
    sha256_init(&c);
    key_put(&c, "common", common, sizeof common);
    if (!devnull) key_put(&c, "unverifiable", &t0, sizeof t0);
    key_put(&c, "handout",
            handout_digest(&handouts, items[i].handout,
                           devnull),
            SHA256_LEN);
    key_put(&c, "layout",
            layout_digest(&layouts, items[i].layout, paths->layouts_dir),
            SHA256_LEN);
    key_put_patient(&c, items[i].patient);
    unsigned char dg[SHA256_LEN];
    sha256_final(&c, dg);
    sha256_to_hex(dg, keys[i]);
  }
  memo_free(&handouts);
  memo_free(&layouts);
  if (devnull) fclose(devnull);
}

/* ---- workers ------------------------------------------------------------ */

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
    if (!job_write_atomic(path, pdf, len, mode, &wd)) /* data fsync'd */
      st = JOB_IO;
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

/* A killed parent (SIGKILL) leaves no worker rendering on its own for
 * long: the kernel sends the worker SIGTERM (Linux), it stops after the
 * leaflet it is on, and a record it can no longer send ends it (SIGPIPE). */
static void stop_with_parent(pid_t parent) {
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  if (getppid() != parent) got_signal = SIGTERM; /* died before prctl */
}

/* Worker w of nworkers: items todo[w], todo[w + nworkers], ... */
static void worker(const struct batch_item *items, const size_t *todo,
                   size_t ntodo, const struct batch_options *o,
                   const struct job_paths *paths, int w, int nworkers, int fd,
                   pid_t parent) {
  catch_signals(true, NULL);
  stop_with_parent(parent);
  struct job_cache *cache = job_cache_new();
  for (size_t j = (size_t)w; j < ntodo && !got_signal; j += (size_t)nworkers)
    run_item(&items[todo[j]], todo[j], o, paths, cache, fd);
  job_cache_free(cache);
}

/* ---- manifest lines -------------------------------------------------------- */

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
                          const struct batch_record *r, const char *key,
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
  strbuf_printf(b, ",\"input\":\"%s\",\"status\":\"%s\"}\n", key,
                status_name(r->status));
}

/* ---- an earlier run's entries -------------------------------------------- */

/* One line of an earlier run's manifest or journal. */
struct old_entry {
  char *path;                      /* relative to OUTDIR */
  char sha256[SHA256_HEX_LEN + 1]; /* "" unless given */
  char input[SHA256_HEX_LEN + 1];
  bool ok;                         /* "status":"ok" */
  unsigned long long pages, bytes;
  size_t seq; /* line number over both files: the later line wins */
};

static int hex_value(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                               : -1;
}

/* The JSON string at *p as json_string() writes them (escapes \" \\ and
 * \u00XX only) into out; advances *p past it.  false on anything else. */
static bool json_read_string(const char **p, const char *end,
                             struct strbuf *out) {
  const char *s = *p;
  if (s >= end || *s != '"') return false;
  strbuf_puts(out, "");
  for (s++; s < end && *s != '"'; s++) {
    if (*s != '\\') {
      strbuf_putc(out, *s);
    } else if (end - s > 1 && (s[1] == '"' || s[1] == '\\')) {
      strbuf_putc(out, *++s);
    } else if (end - s > 5 && s[1] == 'u' && s[2] == '0' && s[3] == '0' &&
               hex_value(s[4]) >= 0 && hex_value(s[5]) >= 0) {
      strbuf_putc(out, (char)(hex_value(s[4]) * 16 + hex_value(s[5])));
      s += 5;
    } else {
      return false;
    }
  }
  if (s >= end) return false;
  *p = s + 1;
  return true;
}

/* A member "key": value of the entry; value is the string, or NULL for a
 * number or null in raw[0..rlen). */
static void entry_set(struct old_entry *e, const char *key, const char *value,
                      const char *raw, size_t rlen) {
  char num[24] = "";
  if (!value && rlen < sizeof num) memcpy(num, raw, rlen), num[rlen] = '\0';
  if (strcmp(key, "path") == 0 && value && !e->path)
    e->path = xstrdup(value);
  else if (strcmp(key, "sha256") == 0 && value &&
           strlen(value) == SHA256_HEX_LEN)
    memcpy(e->sha256, value, SHA256_HEX_LEN + 1);
  else if (strcmp(key, "input") == 0 && value &&
           strlen(value) == SHA256_HEX_LEN)
    memcpy(e->input, value, SHA256_HEX_LEN + 1);
  else if (strcmp(key, "status") == 0 && value)
    e->ok = strcmp(value, "ok") == 0;
  else if (strcmp(key, "pages") == 0 && !value)
    e->pages = strtoull(num, NULL, 10);
  else if (strcmp(key, "bytes") == 0 && !value)
    e->bytes = strtoull(num, NULL, 10);
}

/* The manifest line [p, end) (without its newline) into e; false if it is
 * not one of ours (a line cut short by a crash is not). */
static bool parse_entry(const char *p, const char *end, struct old_entry *e) {
  memset(e, 0, sizeof *e);
  bool ok = p < end && *p++ == '{';
  while (ok) {
    struct strbuf key = {0}, val = {0};
    ok = json_read_string(&p, end, &key) && p < end && *p++ == ':';
    if (ok && p < end && *p == '"') {
      ok = json_read_string(&p, end, &val);
      if (ok) entry_set(e, key.data, val.data, NULL, 0);
    } else if (ok) {
      const char *q = p;
      while (q < end && *q != ',' && *q != '}') q++;
      entry_set(e, key.data, NULL, p, (size_t)(q - p));
      p = q;
    }
    strbuf_free(&key);
    strbuf_free(&val);
    if (!ok || p >= end) {
      ok = false;
    } else if (*p == '}') {
      p++;
      break;
    } else {
      ok = *p++ == ',';
    }
  }
  if (ok && p == end && e->path) return true;
  free(e->path);
  e->path = NULL;
  return false;
}

/* The complete lines of the file at path, appended to *v. */
static void read_entries(const char *path, struct old_entry **v, size_t *n,
                         size_t *cap) {
  size_t len = 0;
  char *data = read_file(path, (size_t)1 << 30, &len);
  if (!data) return; /* none (or unreadable): nothing to keep */
  const char *p = data, *end = data + len;
  for (const char *nl; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
    struct old_entry e;
    if (!parse_entry(p, nl, &e)) continue;
    e.seq = *n;
    *VEC_PUSH(*v, *n, *cap) = e;
  }
  free(data);
}

static int cmp_entry_path(const void *a, const void *b) {
  return strcmp(((const struct old_entry *)a)->path,
                ((const struct old_entry *)b)->path);
}

static int cmp_entry(const void *a, const void *b) {
  int c = cmp_entry_path(a, b);
  if (c) return c;
  size_t x = ((const struct old_entry *)a)->seq,
         y = ((const struct old_entry *)b)->seq;
  return x < y ? -1 : x > y;
}

/* The last entry for rel in v[0..n) (sorted by cmp_entry), or NULL. */
static const struct old_entry *find_entry(const struct old_entry *v, size_t n,
                                          const char *rel) {
  struct old_entry probe = {.path = (char *)rel};
  const struct old_entry *e =
      n ? bsearch(&probe, v, n, sizeof *v, cmp_entry_path) : NULL;
  while (e && e + 1 < v + n && strcmp(e[1].path, rel) == 0) e++;
  return e;
}

/* ---- stale temporary files ------------------------------------------------- */

/* name[0..len) ends in ".tmp.XXXXXX" as job_write_atomic() (job.c) names
 * its temporary files: mkstemp() letters and digits. */
static bool is_temp_name(const char *name, size_t len) {
  if (len <= 11 || memcmp(name + len - 11, ".tmp.", 5) != 0) return false;
  for (size_t i = len - 6; i < len; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return false;
  }
  return true;
}

/* In OUTDIR/sub, remove the regular files named OWN.tmp.XXXXXX where
 * sub/OWN is one of own[0..nown) (sorted); returns how many. */
static size_t remove_temps_in(const char *outdir, const char *sub,
                              const char **own, size_t nown) {
  char *dir = *sub ? join_path(outdir, sub) : xstrdup(outdir);
  DIR *dh = opendir(dir);
  size_t removed = 0;
  for (struct dirent *e; dh && (e = readdir(dh)) != NULL;) {
    size_t len = strlen(e->d_name);
    if (!is_temp_name(e->d_name, len)) continue;
    struct strbuf rel = {0};
    if (*sub) strbuf_printf(&rel, "%s/", sub);
    strbuf_append(&rel, e->d_name, len - 11);
    const char *key = rel.data;
    char *path = join_path(dir, e->d_name);
    struct stat st;
    if (bsearch(&key, own, nown, sizeof *own, cmp_cstr) &&
        lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) == 0)
      removed++;
    free(path);
    strbuf_free(&rel);
  }
  if (dh) closedir(dh);
  free(dir);
  return removed;
}

/* The temporary files killed runs left of own[0..nown) (paths relative to
 * outdir): only these names, so a shard never touches another's files. */
static size_t remove_stale_temps(const char *outdir, const char **own,
                                 size_t nown) {
  qsort(own, nown, sizeof *own, cmp_cstr);
  char **subs = xcalloc(nown, sizeof *subs);
  for (size_t i = 0; i < nown; i++) {
    const char *slash = strrchr(own[i], '/');
    subs[i] = xstrndup(own[i], slash ? (size_t)(slash - own[i]) : 0);
  }
  qsort(subs, nown, sizeof *subs, cmp_cstr);
  size_t removed = 0;
  for (size_t i = 0; i < nown; i++)
    if (i == 0 || strcmp(subs[i], subs[i - 1]) != 0)
      removed += remove_temps_in(outdir, subs[i], own, nown);
  for (size_t i = 0; i < nown; i++) free(subs[i]);
  free(subs);
  return removed;
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

/* The parent's state for one batch_run. */
struct run {
  const struct batch_item *items;
  size_t n;
  const struct batch_options *o;
  struct diag *d;
  unsigned mode;                    /* of the leaflets, manifest, journal */
  char (*keys)[SHA256_HEX_LEN + 1]; /* each item's input key */
  struct batch_record *recs;        /* each item's outcome, by index */
  bool *done;                       /* recs[i] is set: kept or reported */
  size_t *todo, ntodo;              /* the items to render, in order */
  size_t ndone, kept;
  char manifest_name[64], journal_name[80]; /* relative to outdir */
  char manifest[4608], journal[4608];
  int journal_fd;
  off_t journal_len; /* bytes of whole lines in the journal */
  bool journal_failed;
  size_t *pending, npending; /* reported, not yet journaled (group commit) */
};

static void run_names(struct run *r) {
  const struct batch_options *o = r->o;
  if (o->shard_n > 0)
    snprintf(r->manifest_name, sizeof r->manifest_name,
             "manifest-%d-of-%d.jsonl", o->shard_k, o->shard_n);
  else
    snprintf(r->manifest_name, sizeof r->manifest_name, "manifest.jsonl");
  snprintf(r->journal_name, sizeof r->journal_name, "%s.partial",
           r->manifest_name);
  snprintf(r->manifest, sizeof r->manifest, "%s/%s", o->outdir,
           r->manifest_name);
  snprintf(r->journal, sizeof r->journal, "%s/%s", o->outdir,
           r->journal_name);
}

/* Whether item i's file from an earlier run can stand: its entry says ok
 * for the same input key, and the file is there, a regular file (not a
 * link) with the entry's size and sha256 and the mode this run gives. */
static bool entry_still_good(const struct run *r, size_t i,
                             const struct old_entry *e) {
  if (!e->ok || strcmp(e->input, r->keys[i]) != 0 || !e->sha256[0])
    return false;
  char *path = join_path(r->o->outdir, r->items[i].rel_path);
  struct stat st;
  unsigned char dg[SHA256_LEN];
  char hex[SHA256_HEX_LEN + 1] = "";
  if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
      (unsigned)(st.st_mode & 07777) == r->mode &&
      (unsigned long long)st.st_size == e->bytes && digest_file(path, dg))
    sha256_to_hex(dg, hex);
  free(path);
  return strcmp(hex, e->sha256) == 0;
}

/* Mark done, with the earlier outcome, every item whose file an earlier
 * run (its manifest, then its journal: the later line wins) left and can
 * stand. */
static void keep_earlier(struct run *r) {
  struct old_entry *v = NULL;
  size_t n = 0, cap = 0;
  read_entries(r->manifest, &v, &n, &cap);
  read_entries(r->journal, &v, &n, &cap);
  if (n) qsort(v, n, sizeof *v, cmp_entry);
  for (size_t i = 0; i < r->n; i++) {
    const struct old_entry *e = find_entry(v, n, r->items[i].rel_path);
    if (!e || !entry_still_good(r, i, e)) continue;
    struct batch_record *rec = &r->recs[i];
    rec->index = (uint32_t)i;
    rec->status = JOB_OK;
    rec->pages = (uint32_t)e->pages;
    rec->bytes = (uint64_t)e->bytes;
    memcpy(rec->sha256, e->sha256, SHA256_HEX_LEN);
    r->done[i] = true;
    r->kept++;
  }
  for (size_t i = 0; i < n; i++) free(v[i].path);
  free(v);
}

/* Remove the temporary files killed runs left of this run's own files. */
static void clean_up_after_kill(struct run *r) {
  const char **own = xcalloc(r->n + 2, sizeof *own);
  for (size_t i = 0; i < r->n; i++) own[i] = r->items[i].rel_path;
  own[r->n] = r->manifest_name;
  own[r->n + 1] = r->journal_name;
  size_t removed = remove_stale_temps(r->o->outdir, own, r->n + 2);
  free(own);
  if (removed)
    diag_msg(r->d, DIAG_NOTE, (struct src_pos){0},
             "removed %zu temporary file%s an interrupted run left in %s/",
             removed, removed == 1 ? "" : "s", r->o->outdir);
}

/* Start the journal with the kept items' lines, in item order, and open it
 * to append; then remove the earlier manifest (a manifest on disk means a
 * complete run that agrees with the files).  false after reporting. */
static bool start_journal(struct run *r) {
  struct strbuf b = {0};
  for (size_t i = 0; i < r->n; i++)
    if (r->done[i])
      manifest_line(&b, &r->items[i], &r->recs[i], r->keys[i], r->o);
  bool ok = job_write_atomic(r->journal, b.data ? b.data : "", b.len, r->mode,
                             r->d);
  r->journal_len = (off_t)b.len;
  strbuf_free(&b);
  if (!ok) return false;
  sync_folder_of(r->journal);
  r->journal_fd = open(r->journal, O_WRONLY | O_APPEND);
  if (r->journal_fd < 0) {
    diag_fail(r->d, "cannot open '%s': %s", r->journal, strerror(errno));
    return false;
  }
  if (unlink(r->manifest) != 0 && errno != ENOENT) {
    diag_fail(r->d, "cannot remove the old manifest '%s': %s", r->manifest,
              strerror(errno));
    return false;
  }
  return true;
}

/* Before any worker starts: input keys, what an earlier run left that can
 * stand (unless --fresh), its temporary files gone, the journal started,
 * the list of items to render.  false after reporting. */
static bool run_prepare(struct run *r, const struct job_paths *paths) {
  item_keys(r->items, r->n, r->o, paths, r->keys);
  if (!r->o->fresh) keep_earlier(r);
  clean_up_after_kill(r);
  if (!start_journal(r)) return false;
  for (size_t i = 0; i < r->n; i++)
    if (!r->done[i]) r->todo[r->ntodo++] = i;
  r->ndone = r->kept;
  return true;
}

/* Journal the pending items as one group: fsync the folders their
 * leaflets were renamed into (once each), then append their lines with one
 * write and one fsync.  So a line still never names a file whose rename is
 * not on disk, at three fsyncs per group instead of per leaflet: the
 * leaflet's own data was fsync'd by the worker before its rename.  On
 * failure the lines are cut off again, the group's leaflets removed (no
 * file may stand that the journal does not list) and made io-errors, and
 * journal_failed set: the batch stops. */
static void journal_flush(struct run *r) {
  if (r->npending == 0) return;
  char *last_dir = NULL;
  struct strbuf b = {0};
  for (size_t k = 0; k < r->npending; k++) {
    size_t i = r->pending[k];
    char *path = join_path(r->o->outdir, r->items[i].rel_path);
    char *dir = folder_of(path);
    if (r->recs[i].status == JOB_OK && (!last_dir || strcmp(dir, last_dir))) {
      sync_folder_of(path); /* in item order: mostly one folder per run */
      free(last_dir);
      last_dir = dir;
    } else {
      free(dir);
    }
    free(path);
    manifest_line(&b, &r->items[i], &r->recs[i], r->keys[i], r->o);
  }
  free(last_dir);
  errno = 0;
  bool ok = !r->journal_failed && write_all(r->journal_fd, b.data, b.len) &&
            fsync(r->journal_fd) == 0;
  int err = errno ? errno : EIO;
  if (ok) r->journal_len += (off_t)b.len;
  strbuf_free(&b);
  size_t n = r->npending;
  r->npending = 0;
  if (ok) return;
  if (ftruncate(r->journal_fd, r->journal_len) != 0) {
    /* read_entries() skips a line cut short */
  }
  if (!r->journal_failed)
    diag_fail(r->d,
              "cannot record %s in '%s': %s (stopping; expected room for the "
              "journal: run the same command again to make the rest)",
              r->items[r->pending[0]].rel_path, r->journal, strerror(err));
  r->journal_failed = true;
  for (size_t k = 0; k < n; k++) {
    struct batch_record *rec = &r->recs[r->pending[k]];
    if (rec->status != JOB_OK) continue;
    char *path = join_path(r->o->outdir, r->items[r->pending[k]].rel_path);
    unlink(path);
    free(path);
    rec->status = JOB_IO;
  }
}

/* Whether a record can be read from fd without waiting. */
static bool record_waiting(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, 0) > 0;
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

/* Read records until every worker has closed the pipe, journaling each;
 * forward a signal (SIGTERM when the journal failed) to the workers once. */
static void collect(struct run *r, int fd, const pid_t *pids, int started) {
  bool forwarded = false;
  double last_draw = 0;
  if (r->o->progress) draw_progress(r->ndone, r->n), last_draw = now_s();
  for (;;) {
    if ((got_signal || r->journal_failed) && !forwarded) {
      for (int w = 0; w < started; w++)
        kill(pids[w], got_signal ? got_signal : SIGTERM);
      forwarded = true;
    }
    struct batch_record rec;
    int rc = read_record(fd, &rec);
    if (rc < 0) continue;
    if (rc == 0) break;
    if (rec.index >= r->n || r->done[rec.index]) continue; /* cannot happen */
    r->done[rec.index] = true;
    r->recs[rec.index] = rec;
    r->ndone++;
    r->pending[r->npending++] = rec.index;
    /* a group ends when the workers have nothing more to say right now,
     * or at JOURNAL_GROUP_MAX lines */
    if (r->npending == JOURNAL_GROUP_MAX || !record_waiting(fd))
      journal_flush(r);
    if (r->o->progress) {
      double t = now_s();
      if (t - last_draw >= 0.1) draw_progress(r->ndone, r->n), last_draw = t;
    }
  }
  journal_flush(r);
}

/* Fork up to nworkers workers over r->todo into pids; returns how many
 * started, after reporting a failure to start one. */
static int start_workers(struct run *r, const struct job_paths *paths,
                         const int fds[2], pid_t *pids, int nworkers) {
  fflush(NULL);
  pid_t parent = getpid();
  int started = 0;
  for (int w = 0; w < nworkers; w++) {
    pid_t pid = fork();
    if (pid < 0) {
      diag_fail(r->d, "cannot start worker %d: %s", w + 1, strerror(errno));
      break;
    }
    if (pid == 0) {
      close(fds[0]);
      close(r->journal_fd); /* the parent's alone */
      worker(r->items, r->todo, r->ntodo, r->o, paths, w, nworkers, fds[1],
             parent);
      free(pids); /* the parent's copy: not left unreferenced at _exit */
      _exit(0);
    }
    pids[started++] = pid;
  }
  return started;
}

/* Reap the workers; false if one did not end normally. */
static bool wait_workers(const pid_t *pids, int started, int nworkers,
                         struct diag *d) {
  bool ok = true;
  for (int w = 0; w < started; w++) {
    int ws;
    while (waitpid(pids[w], &ws, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) continue;
    if (!got_signal)
      diag_fail(d, "worker %d of %d stopped %s %d before its items were done",
                w + 1, nworkers, WIFSIGNALED(ws) ? "by signal" : "with status",
                WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
    ok = false;
  }
  return ok;
}

/* Render r->todo over the workers, journaling each record.  Returns
 * JOB_IO if the workers could not all start or end normally, else JOB_OK. */
static int run_workers(struct run *r, const struct job_paths *paths) {
  if (r->ntodo == 0) return JOB_OK;
  int nworkers = r->o->jobs < 1 ? 1 : r->o->jobs;
  if ((size_t)nworkers > r->ntodo) nworkers = (int)r->ntodo;
  int fds[2];
  if (pipe(fds) != 0) {
    diag_fail(r->d, "cannot create a pipe: %s", strerror(errno));
    return JOB_IO;
  }
  pid_t *pids = xcalloc((size_t)nworkers, sizeof *pids);
  int started = start_workers(r, paths, fds, pids, nworkers);
  close(fds[1]);
  collect(r, fds[0], pids, started);
  close(fds[0]);
  bool ok = wait_workers(pids, started, nworkers, r->d) && started == nworkers;
  free(pids);
  return ok ? JOB_OK : JOB_IO;
}

/* The manifest of a complete run, in item order (an item no worker
 * reported, because its worker died, is an io-error: its file, if any, is
 * not vouched for); then the journal goes.  false after reporting. */
static bool write_manifest(struct run *r) {
  struct strbuf b = {0};
  for (size_t i = 0; i < r->n; i++)
    manifest_line(&b, &r->items[i], &r->recs[i], r->keys[i], r->o);
  bool ok = job_write_atomic(r->manifest, b.data ? b.data : "", b.len,
                             r->mode, r->d);
  strbuf_free(&b);
  if (!ok) return false;
  sync_folder_of(r->manifest);
  unlink(r->journal); /* left behind, it would still agree */
  return true;
}

/* Counts into result and, unless the run stopped early, the manifest.
 * Returns the exit status. */
static int run_finish(struct run *r, int worst, struct batch_result *result) {
  bool stopped = got_signal || r->journal_failed;
  for (size_t i = 0; i < r->n; i++) {
    if (!r->done[i]) { /* its worker died, or the run stopped */
      r->recs[i].status = JOB_IO;
      continue;
    }
    result->hidden += r->recs[i].hidden;
    if (r->recs[i].status == JOB_OK)
      result->ok++;
    else if (r->recs[i].status == JOB_INVALID)
      result->invalid++;
    else
      result->io++;
    if ((int)r->recs[i].status > worst) worst = (int)r->recs[i].status;
  }
  result->kept = r->kept;
  if (r->ndone < r->n) worst = JOB_IO;
  if (!stopped) result->io += r->n - r->ndone; /* not run: not failed */
  if (got_signal) {
    result->interrupted = true;
    result->signal = got_signal;
  }
  if (stopped) return JOB_IO;
  if (!write_manifest(r)) return JOB_IO;
  snprintf(result->manifest, sizeof result->manifest, "%s", r->manifest);
  return worst;
}

int batch_run(const struct batch_item *items, size_t n,
              const struct batch_options *o, const struct job_paths *paths,
              struct diag *d, struct batch_result *result) {
  memset(result, 0, sizeof *result);
  result->total = n;
  double t0 = now_s();
  size_t cells = n ? n : 1;
  struct run r = {.items = items,
                  .n = n,
                  .o = o,
                  .d = d,
                  .mode = o->patients ? 0600 : 0644,
                  .keys = xcalloc(cells, sizeof *r.keys),
                  .recs = xcalloc(cells, sizeof *r.recs),
                  .done = xcalloc(cells, sizeof *r.done),
                  .todo = xcalloc(cells, sizeof *r.todo),
                  .pending = xcalloc(cells, sizeof *r.pending),
                  .journal_fd = -1};
  run_names(&r);
  struct sigaction old[2];
  got_signal = 0;
  catch_signals(false, old);
  int worst = JOB_IO;
  if (run_prepare(&r, paths)) {
    worst = run_workers(&r, paths);
    if (o->progress && n) write_all(STDERR_FILENO, "\r\033[K", 4);
    worst = run_finish(&r, worst, result);
  }
  restore_signals(old);
  if (r.journal_fd >= 0) close(r.journal_fd);
  result->seconds = now_s() - t0;
  free(r.keys);
  free(r.recs);
  free(r.done);
  free(r.todo);
  free(r.pending);
  return worst;
}
