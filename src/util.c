/* util: allocation, arena, string buffer, UTF-8, files.  See util.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void out_of_memory(size_t n) {
  fprintf(stderr, "handout: error: out of memory (allocating %zu bytes)\n", n);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory(count * size);
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory(n);
  return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n) {
  char *p = xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/* ---- arena ------------------------------------------------------------
 * A list of chunks; allocations are bumped from the newest chunk.  Large
 * requests get a chunk of their own so small ones do not waste space. */

#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

struct arena_chunk {
  struct arena_chunk *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
};

struct arena {
  struct arena_chunk *head;
};

struct arena *arena_new(void) { return xcalloc(1, sizeof(struct arena)); }

static struct arena_chunk *chunk_new(size_t size) {
  struct arena_chunk *c = xmalloc(sizeof *c + size);
  c->next = NULL;
  c->used = 0;
  c->size = size;
  return c;
}

void *arena_alloc(struct arena *a, size_t n) {
  n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (n == 0) n = ARENA_ALIGN;
  struct arena_chunk *c = a->head;
  if (!c || c->size - c->used < n) {
    if (n > ARENA_CHUNK / 4) {
      /* big block: its own chunk, linked behind the current one */
      struct arena_chunk *big = chunk_new(n);
      big->used = n;
      if (c) {
        big->next = c->next;
        c->next = big;
      } else {
        a->head = big;
      }
      memset(big->data, 0, n);
      return big->data;
    }
    c = chunk_new(ARENA_CHUNK);
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(struct arena *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}

void arena_free(struct arena *a) {
  if (!a) return;
  struct arena_chunk *c = a->head;
  while (c) {
    struct arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  free(a);
}

/* ---- strbuf ------------------------------------------------------------ */

void strbuf_reserve(struct strbuf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void strbuf_append(struct strbuf *b, const void *p, size_t n) {
  strbuf_reserve(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s) { strbuf_append(b, s, strlen(s)); }

void strbuf_putc(struct strbuf *b, char c) { strbuf_append(b, &c, 1); }

void strbuf_printf(struct strbuf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  strbuf_reserve(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
}

char *strbuf_steal(struct strbuf *b) {
  char *p = b->data ? b->data : xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

void strbuf_free(struct strbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- UTF-8 ------------------------------------------------------------- */

int utf8_decode(const char *str, size_t n, uint32_t *cp) {
  const unsigned char *s = (const unsigned char *)str;
  if (n == 0) return 0;
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  int len;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0; /* continuation byte, overlong lead (C0/C1) or > F4 */
  }
  if ((size_t)len > n) return 0;
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

int utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t utf8_invalid_at(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if ((unsigned char)s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (k == 0) return i;
    i += (size_t)k;
  }
  return (size_t)-1;
}

size_t utf8_count(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
  return count;
}

/* ---- files and numbers ------------------------------------------------- */

char *read_file(const char *path, size_t max_bytes, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    int e = errno;
    fclose(f);
    errno = e;
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return NULL;
  }
  struct strbuf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > max_bytes) {
      strbuf_free(&b);
      fclose(f);
      errno = EFBIG;
      return NULL;
    }
    strbuf_append(&b, chunk, n);
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    strbuf_free(&b);
    errno = EIO;
    return NULL;
  }
  if (len_out) *len_out = b.len;
  return strbuf_steal(&b);
}

/* Locale-free: digits, one optional '.', optional leading '-' or '+'. */
bool parse_decimal(const char *s, double *out) {
  const char *p = s;
  double sign = 1, value = 0, scale = 1;
  bool digits = false, dot = false;
  if (*p == '-' || *p == '+') sign = (*p++ == '-') ? -1 : 1;
  for (; *p; p++) {
    if (*p >= '0' && *p <= '9') {
      digits = true;
      if (dot) {
        scale /= 10;
        value += (*p - '0') * scale;
      } else {
        value = value * 10 + (*p - '0');
      }
    } else if (*p == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  *out = sign * value;
  return true;
}

int edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return 1000;
  int row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

static void lower_copy(char *dst, const char *src, size_t size) {
  size_t i = 0;
  for (; src[i] && i + 1 < size; i++)
    dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32) : src[i];
  dst[i] = '\0';
}

const char *nearest_name(const char *word, const char *const *names,
                         size_t nnames) {
  char w[80];
  lower_copy(w, word, sizeof w);
  size_t wl = strlen(w);
  int limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;
  const char *best = NULL;
  int bestd = limit + 1;
  for (size_t i = 0; i < nnames; i++) {
    int dist = edit_distance(w, names[i]);
    /* a transposition ("titel") counts as one edit, not two */
    size_t nl = strlen(names[i]);
    if (nl == wl) {
      size_t diff = 0, first = 0;
      for (size_t k = 0; k < wl; k++)
        if (w[k] != names[i][k]) {
          if (!diff)
            first = k;
          diff++;
        }
      if (diff == 2 && first + 1 < wl && w[first] == names[i][first + 1] &&
          w[first + 1] == names[i][first])
        dist = 1;
    }
    if (dist < bestd) {
      bestd = dist;
      best = names[i];
    }
  }
  return best;
}

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool iso_date_valid(const char *s) {
  for (int i = 0; i < 10; i++) {
    bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9'))
      return false;
  }
  if (s[10])
    return false;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1)
    return false;
  return d <= mdays[m - 1] + (m == 2 && leap(y));
}

bool format_long_date(const char *iso, char *buf, size_t size) {
  int y, m, d;
  if (!iso || !iso_date_valid(iso) ||
      sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return false;
  snprintf(buf, size, "%d %s %d", d, month_names[m - 1], y);
  return true;
}
