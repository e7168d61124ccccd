/*
 * util: small shared helpers used by every stage.
 *
 * - x-alloc family: abort with a message on out-of-memory (a CLI cannot do
 *   anything better, and callers stay free of NULL checks).
 * - arena: a bump allocator; everything a job builds (document tree, item
 *   lists, lines, pages) comes from one arena and is freed by arena_free().
 * - strbuf: a growable byte buffer.
 * - UTF-8 decoding and validation.
 * - lengths: the one internal length unit and its conversions.
 *
 * Ownership: arena memory lives until arena_free(); strbuf memory belongs to
 * the strbuf until strbuf_free() or strbuf_steal().
 * May be included by any module.
 */
#ifndef HANDOUT_UTIL_H
#define HANDOUT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- lengths ------------------------------------------------------------
 * hu ("handout unit") = 1/100000 pt.  Chosen so that a glyph width in
 * 1/1000 em (as libharu writes /W) times a font size in 1/100 pt (cpt) is an
 * exact integer in hu: width_hu = w_milli_em * size_cpt.  Every length inside
 * the pipeline is an int64_t in hu; conversion to float points happens only
 * in render and in dumps.
 */
typedef int64_t hu_t;
#define HU_PER_PT 100000
#define HU_FROM_PT(pt) ((hu_t)((pt) * (double)HU_PER_PT + ((pt) < 0 ? -0.5 : 0.5)))
#define HU_TO_PT(h) ((double)(h) / (double)HU_PER_PT)
#define HU_FROM_MM(mm) HU_FROM_PT((mm) * 72.0 / 25.4)
#define HU_PER_CPT 1000 /* 1/100 pt */

/* ---- allocation -------------------------------------------------------- */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Append one element to a growable array: *arr has *len used of *cap. */
#define VEC_PUSH(arr, len, cap)                                               \
  (((len) >= (cap) ? ((cap) = (cap) ? (cap) * 2 : 8,                          \
                      (arr) = xrealloc((arr), (cap) * sizeof *(arr)))         \
                   : 0),                                                      \
   &(arr)[(len)++])

/* ---- arena ------------------------------------------------------------- */
struct arena;
struct arena *arena_new(void);
void *arena_alloc(struct arena *a, size_t n);  /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* ---- strbuf ------------------------------------------------------------ */
struct strbuf {
  char *data; /* always NUL-terminated when len > 0 or after any append */
  size_t len;
  size_t cap;
};
/* Room for at least extra more bytes (and a NUL) without reallocating. */
void strbuf_reserve(struct strbuf *b, size_t extra);
void strbuf_append(struct strbuf *b, const void *p, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *strbuf_steal(struct strbuf *b); /* caller frees; buffer reset */
void strbuf_free(struct strbuf *b);

/* ---- UTF-8 ------------------------------------------------------------- */
/* Decode one code point at s[0..n).  Returns the number of bytes used (1-4)
 * and stores the code point, or returns 0 if the bytes are not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp into out (at least 4 bytes); returns the byte count. */
int utf8_encode(uint32_t cp, char *out);
/* Offset of the first invalid byte, or (size_t)-1 if s[0..n) is valid. */
size_t utf8_invalid_at(const char *s, size_t n);
/* Number of code points in s[0..n) (valid UTF-8 assumed). */
size_t utf8_count(const char *s, size_t n);

/* ---- files and numbers ------------------------------------------------- */
/* Read a whole file into a malloc'd, NUL-terminated buffer.  Returns NULL and
 * sets errno on failure; if the file is larger than max_bytes, returns NULL
 * with errno = EFBIG. */
char *read_file(const char *path, size_t max_bytes, size_t *len_out);
/* Locale-independent decimal parse of the whole string s ("12", "-3.5").
 * Returns false if s is not a plain decimal number. */
bool parse_decimal(const char *s, double *out);
/* Whether s is a calendar date written YYYY-MM-DD (year 0001 to 9999). */
bool iso_date_valid(const char *s);
/* "2026-11-01" -> "1 November 2026" into buf; false if iso is not a date. */
bool format_long_date(const char *iso, char *buf, size_t size);
/* Levenshtein distance, for "did you mean" suggestions. */
int edit_distance(const char *a, const char *b);
/* The "did you mean" candidate for word among names[] (lower case), or
 * NULL: the nearest by edit distance, word lowercased, a swap of two
 * neighbouring letters counting as one edit, within 1 edit for words of up
 * to 3 letters, 2 up to 6, else 3. */
const char *nearest_name(const char *word, const char *const *names,
                         size_t nnames);

#endif
