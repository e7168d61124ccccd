/*
 * journal: append-only JSON-lines record of sent mail.  See journal.h for
 * the format and the guarantee.
 *
 * In memory: the set of accepted keys "ref US sha256" (US = 0x1F, which a
 * checked ref cannot hold) in an open-addressing hash table that doubles at
 * half full.  Reading parses each line with a small JSON reader for flat
 * objects of strings, integers, true/false/null: exactly what
 * journal_append() writes, plus what a person might add with an editor.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define JOURNAL_MAX_BYTES ((size_t)1 << 30) /* 1 GiB: ~5 million records */

static const char *const status_names[JOURNAL__MAX] = {"accepted", "failed"};

const char *journal_status_name(enum journal_status s) {
  return s >= 0 && s < JOURNAL__MAX ? status_names[s] : "?";
}

struct journal {
  const char *path;
  int fd;              /* -1 when read-only */
  char **keys;         /* hash set of accepted keys; NULL = empty slot */
  size_t cap, nkeys;
  size_t count[JOURNAL__MAX];
};

/* ---- key set ----------------------------------------------------------- */

static char *make_key(const char *ref, const char *sha) {
  size_t a = strlen(ref), b = strlen(sha);
  char *k = xmalloc(a + b + 2);
  memcpy(k, ref, a);
  k[a] = '\x1f';
  memcpy(k + a + 1, sha, b + 1);
  return k;
}

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static size_t find_slot(char *const *keys, size_t cap, const char *k) {
  size_t i = (size_t)hash_str(k) & (cap - 1);
  while (keys[i] && strcmp(keys[i], k) != 0) i = (i + 1) & (cap - 1);
  return i;
}

/* Takes ownership of k. */
static void key_add(struct journal *j, char *k) {
  if (2 * (j->nkeys + 1) > j->cap) {
    size_t cap = j->cap ? 2 * j->cap : 64;
    char **keys = xcalloc(cap, sizeof *keys);
    for (size_t i = 0; i < j->cap; i++)
      if (j->keys[i]) keys[find_slot(keys, cap, j->keys[i])] = j->keys[i];
    free(j->keys);
    j->keys = keys;
    j->cap = cap;
  }
  size_t i = find_slot(j->keys, j->cap, k);
  if (j->keys[i]) {
    free(k);
    return;
  }
  j->keys[i] = k;
  j->nkeys++;
}

bool journal_accepted(const struct journal *j, const char *ref,
                      const char *sha256) {
  if (!j->cap) return false;
  char *k = make_key(ref, sha256);
  bool found = j->keys[find_slot(j->keys, j->cap, k)] != NULL;
  free(k);
  return found;
}

size_t journal_count(const struct journal *j, enum journal_status status) {
  return status >= 0 && status < JOURNAL__MAX ? j->count[status] : 0;
}

/* ---- reading ----------------------------------------------------------- */

struct jr {
  const char *p, *end;
};

static void skip_ws(struct jr *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r'))
    r->p++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_u4(struct jr *r, uint32_t *v) {
  if (r->end - r->p < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(r->p[i]);
    if (h < 0) return false;
    *v = *v << 4 | (uint32_t)h;
  }
  r->p += 4;
  return true;
}

/* A JSON string at r->p (the opening quote) into out. */
static bool read_string(struct jr *r, struct strbuf *out) {
  out->len = 0;
  strbuf_append(out, "", 0);
  if (r->p >= r->end || *r->p != '"') return false;
  r->p++;
  while (r->p < r->end && *r->p != '"') {
    unsigned char c = (unsigned char)*r->p++;
    if (c < 0x20) return false;
    if (c != '\\') {
      strbuf_putc(out, (char)c);
      continue;
    }
    if (r->p >= r->end) return false;
    char e = *r->p++;
    uint32_t cp;
    switch (e) {
    case '"': case '\\': case '/': strbuf_putc(out, e); break;
    case 'b': strbuf_putc(out, '\b'); break;
    case 'f': strbuf_putc(out, '\f'); break;
    case 'n': strbuf_putc(out, '\n'); break;
    case 'r': strbuf_putc(out, '\r'); break;
    case 't': strbuf_putc(out, '\t'); break;
    case 'u': {
      if (!read_u4(r, &cp)) return false;
      if (cp >= 0xD800 && cp < 0xDC00) {
        uint32_t lo;
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u') return false;
        r->p += 2;
        if (!read_u4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp < 0xE000) {
        return false;
      }
      char u[4];
      strbuf_append(out, u, (size_t)utf8_encode(cp, u));
      break;
    }
    default:
      return false;
    }
  }
  if (r->p >= r->end) return false;
  r->p++;
  return true;
}

/* Parse one record line.  Returns false if it is not a journal record. */
static bool parse_record(const char *line, size_t len, struct strbuf *ref,
                         struct strbuf *sha, enum journal_status *status) {
  struct jr r = {line, line + len};
  struct strbuf key = {0}, val = {0};
  bool have_ref = false, have_sha = false, have_status = false, ok = false;
  skip_ws(&r);
  if (r.p >= r.end || *r.p++ != '{') goto out;
  skip_ws(&r);
  if (r.p < r.end && *r.p == '}') goto out; /* empty object */
  for (;;) {
    skip_ws(&r);
    if (!read_string(&r, &key)) goto out;
    skip_ws(&r);
    if (r.p >= r.end || *r.p++ != ':') goto out;
    skip_ws(&r);
    if (r.p < r.end && *r.p == '"') {
      if (!read_string(&r, &val)) goto out;
      if (strcmp(key.data, "ref") == 0) {
        ref->len = 0;
        strbuf_append(ref, val.data, val.len);
        have_ref = true;
      } else if (strcmp(key.data, "sha256") == 0) {
        sha->len = 0;
        strbuf_append(sha, val.data, val.len);
        have_sha = true;
      } else if (strcmp(key.data, "status") == 0) {
        have_status = false;
        for (int s = 0; s < JOURNAL__MAX; s++)
          if (strcmp(val.data, status_names[s]) == 0) {
            *status = (enum journal_status)s;
            have_status = true;
          }
        if (!have_status) goto out;
      }
    } else {
      /* a number or a literal: skip it */
      const char *start = r.p;
      while (r.p < r.end && *r.p != ',' && *r.p != '}' && *r.p != ' ') r.p++;
      if (r.p == start) goto out;
    }
    skip_ws(&r);
    if (r.p >= r.end) goto out;
    if (*r.p == ',') {
      r.p++;
      continue;
    }
    if (*r.p++ != '}') goto out;
    break;
  }
  skip_ws(&r);
  ok = r.p == r.end && have_ref && have_sha && have_status && ref->len > 0 &&
       sha->len > 0;
out:
  strbuf_free(&key);
  strbuf_free(&val);
  return ok;
}

/* Read the records in data[0..len).  *complete: the length of the part
 * made of complete lines (len unless the last line is torn). */
static bool load(struct journal *j, const char *data, size_t len,
                 size_t *complete, struct diag *d) {
  struct strbuf ref = {0}, sha = {0};
  bool ok = true;
  int lineno = 0;
  *complete = len;
  for (size_t i = 0; i < len;) {
    lineno++;
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
    struct src_pos pos = {j->path, lineno, 0};
    enum journal_status st = JOURNAL_FAILED;
    bool blank = true;
    for (size_t k = 0; k < n; k++)
      if (!strchr(" \t\r", data[i + k])) blank = false;
    if (!nl) {
      /* The last write never finished: not a record. */
      diag_warning(d, pos,
                   "journal: the last line is incomplete (a run was "
                   "interrupted while writing it); %s",
                   j->fd >= 0 ? "removed" : "ignored");
      *complete = i;
    } else if (blank) {
      /* nothing */
    } else if (!parse_record(data + i, n, &ref, &sha, &st)) {
      diag_error(d, pos,
                 "journal: this line is not a journal record (expected "
                 "{\"ref\":...,\"sha256\":...,\"status\":\"accepted\"|"
                 "\"failed\",...}); fix or remove it");
      ok = false;
    } else {
      j->count[st]++;
      if (st == JOURNAL_ACCEPTED) key_add(j, make_key(ref.data, sha.data));
    }
    i += n + (nl ? 1 : 0);
  }
  strbuf_free(&ref);
  strbuf_free(&sha);
  return ok;
}

/* fsync the folder holding path, so a newly created name is durable. */
static bool sync_dir(const char *path) {
  char *copy = xstrdup(path);
  int fd = open(dirname(copy), O_RDONLY | O_CLOEXEC);
  free(copy);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0 || errno == EINVAL; /* some fs refuse: fine */
  close(fd);
  return ok;
}

struct journal *journal_open(const char *path, bool writable, struct diag *d) {
  struct journal *j = xcalloc(1, sizeof *j);
  j->path = xstrdup(path);
  j->fd = -1;
  char *data = NULL;
  size_t len = 0;

  if (!writable) {
    data = read_file(path, JOURNAL_MAX_BYTES, &len);
    if (!data && errno != ENOENT) {
      diag_fail(d, "cannot read journal '%s': %s", path, strerror(errno));
      goto fail;
    }
  } else {
    bool created = true;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      created = false;
      fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0) {
      diag_fail(d, "cannot open journal '%s': %s", path, strerror(errno));
      goto fail;
    }
    j->fd = fd;
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &lk) != 0) {
      if (errno == EACCES || errno == EAGAIN)
        diag_fail(d, "journal '%s' is in use by another run (locked); wait "
                     "for it to finish",
                  path);
      else
        diag_fail(d, "cannot lock journal '%s': %s", path, strerror(errno));
      goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      diag_fail(d, "journal '%s' is not a regular file", path);
      goto fail;
    }
    if (created && !sync_dir(path)) {
      diag_fail(d, "cannot sync the folder of journal '%s': %s", path,
                strerror(errno));
      goto fail;
    }
    struct src_pos file_pos = {path, 0, 0};
    if (st.st_mode & 077)
      diag_warning(d, file_pos,
                   "journal: readable by other users (mode %03o); it holds "
                   "personal data: chmod 600 it",
                   (unsigned)(st.st_mode & 0777));
    if ((size_t)st.st_size > JOURNAL_MAX_BYTES) {
      diag_fail(d, "journal '%s' is larger than 1 GiB: start a new one",
                path);
      goto fail;
    }
    len = (size_t)st.st_size;
    data = xmalloc(len + 1);
    size_t got = 0;
    while (got < len) {
      ssize_t r = pread(fd, data + got, len - got, (off_t)got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        diag_fail(d, "cannot read journal '%s': %s", path,
                  strerror(r < 0 ? errno : EIO));
        goto fail;
      }
      got += (size_t)r;
    }
  }
  size_t complete = len;
  if (data && !load(j, data, len, &complete, d)) goto fail;
  /* Cut a torn last line off, so the next record starts a line of its
   * own and the torn text never becomes a complete, invalid line. */
  if (j->fd >= 0 && complete < len &&
      (ftruncate(j->fd, (off_t)complete) != 0 || fsync(j->fd) != 0)) {
    diag_fail(d, "cannot remove the incomplete last line of journal '%s': %s",
              path, strerror(errno));
    goto fail;
  }
  free(data);
  return j;
fail:
  free(data);
  journal_close(j);
  return NULL;
}

/* ---- writing ----------------------------------------------------------- */

static void put_json_string(struct strbuf *b, const char *s) {
  strbuf_putc(b, '"');
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (k <= 0) { /* not UTF-8: U+FFFD */
      strbuf_puts(b, "\\ufffd");
      i++;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      strbuf_putc(b, '\\');
      strbuf_putc(b, (char)cp);
    } else if (cp < 0x20 || cp == 0x7F) {
      strbuf_printf(b, "\\u%04x", (unsigned)cp);
    } else {
      strbuf_append(b, s + i, (size_t)k);
    }
    i += (size_t)k;
  }
  strbuf_putc(b, '"');
}

bool journal_append(struct journal *j, const struct journal_record *r,
                    struct diag *d) {
  if (j->fd < 0) {
    diag_fail(d, "journal '%s' was opened read-only", j->path);
    return false;
  }
  if (r->status < 0 || r->status >= JOURNAL__MAX || !r->ref || !*r->ref ||
      !r->sha256 || !*r->sha256) {
    diag_fail(d, "journal: incomplete record (bug)");
    return false;
  }
  struct tm tm;
  char when[80];
  gmtime_r(&r->time, &tm);
  snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02dZ",
           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec);

  for (const char *p = r->ref; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7F) {
      diag_fail(d, "journal: a ref with a control character (bug)");
      return false;
    }
  struct strbuf b = {0};
  strbuf_puts(&b, "{\"ref\":");
  put_json_string(&b, r->ref);
  strbuf_puts(&b, ",\"sha256\":");
  put_json_string(&b, r->sha256);
  strbuf_printf(&b, ",\"time\":\"%s\",\"status\":\"%s\",\"code\":%d,\"reply\":",
                when, status_names[r->status], r->code);
  put_json_string(&b, r->reply ? r->reply : "");
  strbuf_puts(&b, "}\n");

  /* One write() for the whole line (O_APPEND puts it at the end). */
  bool ok = true;
  size_t off = 0;
  while (off < b.len) {
    ssize_t n = write(j->fd, b.data + off, b.len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      diag_fail(d, "cannot write journal '%s': %s", j->path,
                strerror(n < 0 ? errno : EIO));
      ok = false;
      break;
    }
    off += (size_t)n;
  }
  if (ok && fsync(j->fd) != 0) {
    diag_fail(d, "cannot sync journal '%s': %s", j->path, strerror(errno));
    ok = false;
  }
  strbuf_free(&b);
  if (!ok) return false;
  j->count[r->status]++;
  if (r->status == JOURNAL_ACCEPTED) key_add(j, make_key(r->ref, r->sha256));
  return true;
}

void journal_close(struct journal *j) {
  if (!j) return;
  if (j->fd >= 0) close(j->fd); /* drops the lock */
  for (size_t i = 0; i < j->cap; i++) free(j->keys[i]);
  free(j->keys);
  free((char *)j->path);
  free(j);
}
