/*
 * hyph: hyphenation points of a word.  See hyph.h for the contract.
 *
 * Order of lookup for a word:
 *   1. the exception list (layouts/hyphenation.txt), matched on the folded
 *      (lower-case) word: its points are used (none at all if it has none),
 *      still subject to the 3/3 minima, as TeX treats \hyphenation;
 *   2. libhyphen's Liang patterns via hnj_hyphen_hyphenate3() with
 *      lhmin = rhmin = 3 (TeX's \lefthyphenmin 2 is too eager for patient
 *      text: "im-munotherapy" reads badly).
 *
 * Case: libhyphen patterns are lower case and "IMMUNOTHERAPY" gets no points
 * unless folded first.  fold_cp() maps ASCII, Latin-1, Latin Extended-A,
 * basic Greek and Cyrillic capitals to lower case.  Limitation: no full
 * Unicode case folding (no Turkish dotless i, no Latin Extended-B, no ß/ẞ).
 *
 * The hyphen vector: libhyphen 2.8.8 fills one digit per BYTE while it runs
 * the patterns, and for UTF-8 dictionaries hnj_hyphen_hyphenate3() then
 * "normalises" it to one digit per CHARACTER (hnj_hyphen_norm) and ends it
 * with NUL.  Older releases stop at the per-byte vector.  map_vector() tells
 * the two apart by the vector's length (strlen == characters or == bytes)
 * and maps either to per-character points.  ISO 8859-1 dictionaries (German)
 * get the word converted to Latin-1 first, so bytes are characters there.
 *
 * Non-standard hyphenation (German "Schiff=fahrt" replacements, rep[]) is
 * not supported by the item model: such points are dropped.
 *
 * Thread safety: hnj_hyphen_hyphenate3() only reads the dictionary, but
 * hyph_word() fills a word cache (below), so a struct hyph must not be
 * shared between threads: one per worker, like a fontset.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strnlen */
#endif
#include "hyph.h"

#include <errno.h>
#include <hyphen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HYPH_DEFAULT_DIR "/usr/share/hyphen"
#define HYPH_MAX_WORD 64            /* characters; longer words: no points */
#define HYPH_LHMIN 3
#define HYPH_RHMIN 3
#define EXC_MAX_BYTES (4u * 1024 * 1024)

struct hyph_exc {
  char *word;    /* folded UTF-8, hyphens removed */
  size_t len;    /* bytes */
  size_t nchars;
  bool *points;  /* [nchars]: hyphen allowed after character i */
  int line;      /* where it was listed, for duplicate warnings */
};

/* Word cache: folded word -> points as a bit mask (bit i = after character
 * i).  libhyphen costs about 1 us and five mallocs per word; a leaflet
 * repeats its vocabulary, and a batch run repeats it across leaflets, so
 * after warm-up almost every word is one hash probe.  When the table holds
 * HYPH_CACHE_MAX words it is emptied and refilled (no eviction policy). */
#define HYPH_CACHE_MAX 32768
struct cache_slot {
  uint32_t off;    /* word bytes in cache_text; UINT32_MAX = empty */
  uint16_t len;
  uint64_t points;
};

struct hyph {
  HyphenDict *dict;
  bool latin1; /* dictionary in ISO 8859-1: convert words first */
  struct hyph_exc *exc; /* sorted by (word, len) */
  size_t nexc;

  struct cache_slot *cache; /* cache_cap slots, power of two */
  size_t cache_cap, cache_n;
  struct strbuf cache_text;
};

/* ---- case folding --------------------------------------------------------- */

static uint32_t fold_cp(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;          /* Āā ... Ķķ */
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c; /* Ĺĺ ... Ňň */
  if (c >= 0x14A && c <= 0x177) return c | 1;          /* Ŋŋ ... Ŷŷ */
  if (c == 0x178) return 0xFF;                         /* Ÿ */
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c; /* Źź Żż Žž */
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32; /* Greek */
  if (c >= 0x410 && c <= 0x42F) return c + 32;         /* Cyrillic А-Я */
  if (c >= 0x400 && c <= 0x40F) return c + 80;         /* Ѐ-Џ */
  return c;
}

/* Fold s[0..n) into out (room for n*2+4 bytes is plenty: folding never
 * grows a UTF-8 sequence by more than one byte).  Returns the byte length,
 * stores the character count, or returns (size_t)-1 on invalid UTF-8. */
static size_t fold_utf8(const char *s, size_t n, char *out, size_t *nchars) {
  size_t o = 0, k = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int used = utf8_decode(s + i, n - i, &cp);
    if (used == 0) return (size_t)-1;
    o += (size_t)utf8_encode(fold_cp(cp), out + o);
    i += (size_t)used;
    k++;
  }
  *nchars = k;
  return o;
}

/* ---- exception list --------------------------------------------------------- */

static int exc_cmp(const char *a, size_t alen, const char *b, size_t blen) {
  size_t m = alen < blen ? alen : blen;
  int c = memcmp(a, b, m);
  if (c) return c;
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int exc_qsort_cmp(const void *pa, const void *pb) {
  const struct hyph_exc *a = pa, *b = pb;
  int c = exc_cmp(a->word, a->len, b->word, b->len);
  if (c) return c;
  return a->line - b->line; /* stable: later lines after earlier ones */
}

static const struct hyph_exc *exc_find(const struct hyph *h, const char *w, size_t len) {
  size_t lo = 0, hi = h->nexc;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = exc_cmp(w, len, h->exc[mid].word, h->exc[mid].len);
    if (c == 0) return &h->exc[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Parse one entry (already trimmed, comment removed) at path:line:col. */
static bool exc_parse_entry(struct hyph *h, size_t *cap, const char *path, int lineno,
                            int col, const char *s, size_t n, struct diag *d) {
  struct src_pos pos = {path, lineno, col};
  for (size_t i = 0; i < n; i++) {
    if (is_blank(s[i])) {
      diag_error(d, pos,
                 "hyphenation exception '%.*s' has a space (expected one word per "
                 "line, with hyphens where it may be split)", (int)n, s);
      return false;
    }
  }
  size_t bad = utf8_invalid_at(s, n);
  if (bad != (size_t)-1) {
    pos.col = col + (int)utf8_count(s, bad);
    diag_error(d, pos, "hyphenation exception is not valid UTF-8 (expected UTF-8 text)");
    return false;
  }

  struct hyph_exc e = {0};
  e.line = lineno;
  e.word = xmalloc(n * 2 + 4);
  e.points = xcalloc(n + 1, sizeof *e.points);
  size_t o = 0, k = 0;
  bool prev_hyphen = true; /* a leading '-' is an error */
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int used = utf8_decode(s + i, n - i, &cp);
    if (cp == '-') {
      if (prev_hyphen || i + 1 == n) {
        pos.col = col + (int)utf8_count(s, i);
        diag_error(d, pos,
                   "hyphenation exception '%.*s' has a hyphen at its start, its end or "
                   "next to another (expected hyphens only between letters, as in "
                   "im-mu-no-ther-a-py)", (int)n, s);
        free(e.word);
        free(e.points);
        return false;
      }
      e.points[k - 1] = true;
      prev_hyphen = true;
    } else {
      o += (size_t)utf8_encode(fold_cp(cp), e.word + o);
      k++;
      prev_hyphen = false;
    }
    i += (size_t)used;
  }
  e.len = o;
  e.nchars = k;
  if (*cap == h->nexc) {
    *cap = *cap ? *cap * 2 : 64;
    h->exc = xrealloc(h->exc, *cap * sizeof *h->exc);
  }
  h->exc[h->nexc++] = e;
  return true;
}

static bool exc_load(struct hyph *h, const char *path, struct diag *d) {
  size_t len = 0;
  char *text = read_file(path, EXC_MAX_BYTES, &len);
  if (!text) {
    struct src_pos fpos = {path, 0, 0};
    diag_error(d, fpos,
               "cannot read the hyphenation exception list: %s (expected a text "
               "file, one word per line)", strerror(errno));
    return false;
  }
  bool ok = true;
  size_t cap = 0;
  int lineno = 0;
  for (size_t p = 0; p < len;) {
    size_t end = p;
    while (end < len && text[end] != '\n') end++;
    lineno++;
    size_t a = p, b = end;
    for (size_t i = a; i < b; i++)
      if (text[i] == '#') {
        b = i;
        break;
      }
    while (a < b && is_blank(text[a])) a++;
    while (b > a && is_blank(text[b - 1])) b--;
    if (b > a) {
      int col = 1 + (int)utf8_count(text + p, a - p);
      if (!exc_parse_entry(h, &cap, path, lineno, col, text + a, b - a, d)) ok = false;
    }
    p = end + 1;
  }
  free(text);
  if (!ok) return false;

  /* Sort, then keep the last of duplicate words (warning if they differ). */
  qsort(h->exc, h->nexc, sizeof *h->exc, exc_qsort_cmp);
  size_t w = 0;
  for (size_t r = 0; r < h->nexc; r++) {
    if (w > 0 && exc_cmp(h->exc[w - 1].word, h->exc[w - 1].len, h->exc[r].word,
                         h->exc[r].len) == 0) {
      struct hyph_exc *prev = &h->exc[w - 1];
      struct src_pos wpos = {path, h->exc[r].line, 1};
      if (memcmp(prev->points, h->exc[r].points, prev->nchars * sizeof(bool)) != 0)
        diag_warning(d, wpos,
                     "hyphenation exception '%.*s' is listed again with other points "
                     "(expected each word once; using this line, not line %d)",
                     (int)h->exc[r].len, h->exc[r].word, prev->line);
      free(prev->word);
      free(prev->points);
      *prev = h->exc[r];
      continue;
    }
    h->exc[w++] = h->exc[r];
  }
  h->nexc = w;
  return true;
}

/* ---- open / free ------------------------------------------------------------ */

struct hyph *hyph_open(const char *language, const char *exceptions_path,
                       struct diag *d) {
  if (!language || !*language) {
    diag_fail(d, "no hyphenation language given (expected e.g. 'en-US')");
    return NULL;
  }
  size_t ll = strlen(language);
  char file[64];
  if (ll > 32) {
    diag_fail(d, "hyphenation language '%.32s...' is too long (expected a tag like 'en-GB')",
              language);
    return NULL;
  }
  for (size_t i = 0; i < ll; i++) {
    char c = language[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_')) {
      diag_fail(d, "hyphenation language '%s' has a character other than letters, digits "
                   "and '-' (expected a tag like 'en-GB')", language);
      return NULL;
    }
    file[i] = c == '-' ? '_' : c;
  }
  file[ll] = '\0';

  const char *dir = getenv("HANDOUT_HYPHEN_DIR");
  if (!dir || !*dir) dir = HYPH_DEFAULT_DIR;
  size_t plen = strlen(dir) + ll + 16;
  char *path = xmalloc(plen);
  snprintf(path, plen, "%s/hyph_%s.dic", dir, file);

  FILE *probe = fopen(path, "r");
  if (!probe) {
    char pkg[40];
    size_t i;
    for (i = 0; i < ll && i < sizeof pkg - 1; i++) {
      char c = language[i];
      pkg[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c == '_' ? '-' : c);
    }
    pkg[i] = '\0';
    diag_fail(d, "no hyphenation dictionary for language '%s': %s: %s (expected the "
                 "Debian package hyphen-%s, or HANDOUT_HYPHEN_DIR naming a folder "
                 "with hyph_%s.dic)", language, path, strerror(errno), pkg, file);
    free(path);
    return NULL;
  }
  fclose(probe);

  HyphenDict *dict = hnj_hyphen_load(path);
  if (!dict) {
    diag_fail(d, "hyphenation dictionary %s could not be loaded (expected a libhyphen "
                 ".dic file)", path);
    free(path);
    return NULL;
  }
  struct hyph *h = xcalloc(1, sizeof *h);
  h->dict = dict;
  if (!dict->utf8) {
    if (strstr(dict->cset, "8859-1") || strstr(dict->cset, "8859_1")) {
      h->latin1 = true;
    } else {
      diag_fail(d, "hyphenation dictionary %s uses the character set '%s' (expected "
                   "UTF-8 or ISO8859-1)", path, dict->cset);
      free(path);
      hyph_free(h);
      return NULL;
    }
  }
  free(path);

  if (exceptions_path && !exc_load(h, exceptions_path, d)) {
    hyph_free(h);
    return NULL;
  }
  return h;
}

void hyph_free(struct hyph *h) {
  if (!h) return;
  free(h->cache);
  strbuf_free(&h->cache_text);
  if (h->dict) hnj_hyphen_free(h->dict);
  for (size_t i = 0; i < h->nexc; i++) {
    free(h->exc[i].word);
    free(h->exc[i].points);
  }
  free(h->exc);
  free(h);
}

/* ---- hyphenate ---------------------------------------------------------------- */

/* hyph[] from libhyphen to per-character points.  ends[i] is the byte
 * offset just past character i of the word as passed (wlen bytes). */
static int map_vector(const char *hv, size_t wlen, const size_t *ends, size_t nchars,
                      char **rep, bool *points) {
  size_t vlen = strnlen(hv, wlen + 1);
  bool per_char = vlen == nchars && nchars != wlen;
  int count = 0;
  for (size_t i = 0; i + 1 < nchars; i++) {
    size_t at = per_char ? i : ends[i] - 1;
    if (!(hv[at] & 1)) continue;
    if (rep && rep[at]) continue; /* non-standard: not supported */
    if (i + 1 < HYPH_LHMIN || nchars - (i + 1) < HYPH_RHMIN) continue;
    points[i] = true;
    count++;
  }
  return count;
}

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t x = 0xcbf29ce484222325ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) x = (x ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return x;
}

static void cache_reset(struct hyph *h, size_t cap) {
  free(h->cache);
  h->cache = xmalloc(cap * sizeof *h->cache);
  for (size_t i = 0; i < cap; i++) h->cache[i].off = UINT32_MAX;
  h->cache_cap = cap;
  h->cache_n = 0;
  h->cache_text.len = 0;
}

/* The slot for w: either holding w or the empty slot where it belongs. */
static struct cache_slot *cache_slot(struct hyph *h, const char *w, size_t len) {
  size_t i = (size_t)hash_bytes(w, len) & (h->cache_cap - 1);
  for (;;) {
    struct cache_slot *c = &h->cache[i];
    if (c->off == UINT32_MAX) return c;
    if (c->len == len && memcmp(h->cache_text.data + c->off, w, len) == 0) return c;
    i = (i + 1) & (h->cache_cap - 1);
  }
}

static void cache_put(struct hyph *h, const char *w, size_t len, uint64_t points) {
  if (h->cache_n >= HYPH_CACHE_MAX) cache_reset(h, h->cache_cap);
  if ((h->cache_n + 1) * 2 > h->cache_cap) {
    /* grow: rehash every word */
    struct cache_slot *old = h->cache;
    size_t oldcap = h->cache_cap;
    h->cache = xmalloc(oldcap * 2 * sizeof *h->cache);
    h->cache_cap = oldcap * 2;
    for (size_t i = 0; i < h->cache_cap; i++) h->cache[i].off = UINT32_MAX;
    for (size_t i = 0; i < oldcap; i++) {
      if (old[i].off == UINT32_MAX) continue;
      *cache_slot(h, h->cache_text.data + old[i].off, old[i].len) = old[i];
    }
    free(old);
  }
  struct cache_slot *c = cache_slot(h, w, len);
  if (c->off != UINT32_MAX) return;
  c->off = (uint32_t)h->cache_text.len;
  c->len = (uint16_t)len;
  c->points = points;
  strbuf_append(&h->cache_text, w, len);
  h->cache_n++;
}

static int points_from_mask(uint64_t mask, size_t nchars, bool *points) {
  int count = 0;
  for (size_t i = 0; i + 1 < nchars; i++)
    if (mask >> i & 1) {
      points[i] = true;
      count++;
    }
  return count;
}

static int hyph_word_uncached(struct hyph *h, const char *lw, size_t lwlen, size_t nchars,
                              bool *points);

int hyph_word(struct hyph *h, const char *word, size_t len, bool *points) {
  size_t nchars = utf8_count(word, len);
  memset(points, 0, nchars * sizeof *points);
  if (!h || nchars == 0 || nchars > HYPH_MAX_WORD) return 0;

  char lw[HYPH_MAX_WORD * 4 + 8];
  size_t n2;
  size_t lwlen = fold_utf8(word, len, lw, &n2);
  if (lwlen == (size_t)-1 || n2 != nchars) return 0;

  if (!h->cache) cache_reset(h, 1024);
  struct cache_slot *c = cache_slot(h, lw, lwlen);
  if (c->off != UINT32_MAX) return points_from_mask(c->points, nchars, points);

  int count = hyph_word_uncached(h, lw, lwlen, nchars, points);
  uint64_t mask = 0;
  for (size_t i = 0; i + 1 < nchars; i++)
    if (points[i]) mask |= (uint64_t)1 << i;
  cache_put(h, lw, lwlen, mask);
  return count;
}

/* lw: the folded word, lwlen bytes, nchars characters; points zeroed. */
static int hyph_word_uncached(struct hyph *h, const char *lw, size_t lwlen, size_t nchars,
                              bool *points) {
  const struct hyph_exc *e = exc_find(h, lw, lwlen);
  if (e) {
    int count = 0;
    /* As TeX does with \hyphenation, the minima still apply. */
    for (size_t i = 0; i + 1 < nchars && i < e->nchars; i++) {
      if (!e->points[i] || i + 1 < HYPH_LHMIN || nchars - (i + 1) < HYPH_RHMIN) continue;
      points[i] = true;
      count++;
    }
    return count;
  }
  if (nchars < HYPH_LHMIN + HYPH_RHMIN) return 0;

  /* The bytes libhyphen sees, and where each character ends in them. */
  char buf[HYPH_MAX_WORD * 4 + 8];
  size_t ends[HYPH_MAX_WORD];
  size_t blen = 0;
  if (h->latin1) {
    size_t k = 0;
    for (size_t i = 0; i < lwlen;) {
      uint32_t cp;
      int used = utf8_decode(lw + i, lwlen - i, &cp);
      if (cp > 0xFF) return 0; /* not representable: no points */
      buf[blen++] = (char)cp;
      ends[k++] = blen;
      i += (size_t)used;
    }
  } else {
    memcpy(buf, lw, lwlen);
    blen = lwlen;
    size_t k = 0;
    for (size_t i = 0; i < lwlen;) {
      uint32_t cp;
      i += (size_t)utf8_decode(lw + i, lwlen - i, &cp);
      ends[k++] = i;
    }
  }
  buf[blen] = '\0';

  char hv[HYPH_MAX_WORD * 4 + 8];
  memset(hv, 0, sizeof hv);
  char **rep = NULL;
  int *pos = NULL, *cut = NULL;
  hnj_hyphen_hyphenate3(h->dict, buf, (int)blen, hv, NULL, &rep, &pos, &cut, HYPH_LHMIN,
                        HYPH_RHMIN, 0, 0);
  int count = map_vector(hv, blen, ends, nchars, rep, points);
  if (rep) {
    for (size_t i = 0; i < blen; i++) free(rep[i]);
    free(rep);
  }
  free(pos);
  free(cut);
  return count;
}
