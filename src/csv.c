/*
 * csv: RFC 4180 records with positions.  See csv.h for the contract.
 *
 * Two passes over the bytes: the first checks the encoding (UTF-8, no NUL)
 * so the second can count columns in code points without checking again;
 * the second is a small state machine, one record at a time:
 *
 *   record := field (',' field)* (CRLF | LF | CR | end of file)
 *   field  := '"' (any character but '"' | '""')* '"'   quoted
 *           | (any character but ',' '"' CR LF)*          unquoted
 *
 * The reader keeps the line and column of the byte it is at; a line break
 * is CRLF, LF or CR wherever it is (inside quotes too), so positions match
 * what an editor shows.
 */
#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A position (a compound literal's commas would split a macro argument). */
static struct src_pos at(const char *file, int line, int col) {
  struct src_pos p = {file, line, col};
  return p;
}

struct reader {
  const char *s;
  size_t n, i;      /* bytes, count, the current offset */
  int line, col;    /* position of s[i] */
  const char *path; /* display path (csv->path) */
  struct diag *d;
  struct arena *arena;
};

static struct src_pos here(const struct reader *r) {
  return (struct src_pos){r->path, r->line, r->col};
}

/* Consume one line break at s[i] (CRLF, LF or CR). */
static void eat_newline(struct reader *r) {
  if (r->s[r->i] == '\r' && r->i + 1 < r->n && r->s[r->i + 1] == '\n')
    r->i++;
  r->i++;
  r->line++;
  r->col = 1;
}

static bool at_newline(const struct reader *r) {
  return r->i < r->n && (r->s[r->i] == '\n' || r->s[r->i] == '\r');
}

/* Consume the code point at s[i] (not a line break). */
static void eat_char(struct reader *r) {
  r->i++;
  while (r->i < r->n && ((unsigned char)r->s[r->i] & 0xC0) == 0x80)
    r->i++;
  r->col++;
}

/* Line and column of byte offset off (valid UTF-8 before it), counting
 * from start (just after a BOM). */
static struct src_pos pos_of(const char *path, const char *s, size_t start,
                             size_t off) {
  struct reader r = {s, off, start, 1, 1, path, NULL, NULL};
  while (r.i < off) {
    if (at_newline(&r))
      eat_newline(&r);
    else
      eat_char(&r);
  }
  return here(&r);
}

/* The first pass: UTF-8 and NUL.  Reports the first problem only: a file
 * saved in another encoding has them on every other line. */
static bool check_encoding(struct reader *r) {
  size_t bad = utf8_invalid_at(r->s + r->i, r->n - r->i);
  const char *nul = memchr(r->s + r->i, '\0', r->n - r->i);
  size_t nul_at = nul ? (size_t)(nul - r->s) : (size_t)-1;
  if (bad != (size_t)-1)
    bad += r->i;
  if (bad != (size_t)-1 && bad < nul_at) {
    diag_error(r->d, pos_of(r->path, r->s, r->i, bad),
               "invalid UTF-8: byte 0x%02X (expected UTF-8 text: save the "
               "file as \"CSV UTF-8\")",
               (unsigned char)r->s[bad]);
    return false;
  }
  if (nul) {
    diag_error(r->d, pos_of(r->path, r->s, r->i, nul_at),
               "NUL character U+0000 (expected text; is this a CSV file?)");
    return false;
  }
  return true;
}

/* One field starting at s[i]; on success *f is filled (text in the arena)
 * and s[i] is at ',', a line break or the end. */
static bool read_field(struct reader *r, struct strbuf *buf,
                       struct csv_field *f) {
  f->pos = here(r);
  buf->len = 0;
  if (r->i < r->n && r->s[r->i] == '"') {
    f->quoted = true;
    eat_char(r);
    for (;;) {
      if (r->i >= r->n) {
        diag_error(r->d, f->pos,
                   "quote never closed (expected a closing '\"' before the "
                   "end of the file; a quote inside a quoted field is "
                   "written twice: \"\")");
        return false;
      }
      char c = r->s[r->i];
      if (c == '"') {
        if (r->i + 1 < r->n && r->s[r->i + 1] == '"') {
          strbuf_putc(buf, '"');
          eat_char(r);
          eat_char(r);
          continue;
        }
        eat_char(r);
        break;
      }
      if (c == '\r' || c == '\n') {
        strbuf_putc(buf, '\n');
        eat_newline(r);
        continue;
      }
      size_t from = r->i;
      eat_char(r);
      strbuf_append(buf, r->s + from, r->i - from);
      if (buf->len > CSV_MAX_FIELD)
        break;
    }
    if (buf->len <= CSV_MAX_FIELD && r->i < r->n && r->s[r->i] != ',' &&
        !at_newline(r)) {
      diag_error(r->d, here(r),
                 "text after a closing quote (expected ',' or the end of the "
                 "line; a quote inside a quoted field is written twice: "
                 "\"\")");
      return false;
    }
  } else {
    size_t from = r->i;
    while (r->i < r->n && r->s[r->i] != ',' && !at_newline(r)) {
      if (r->s[r->i] == '"') {
        bool spaces = strspn(r->s + from, " \t") == r->i - from;
        if (spaces)
          diag_error(r->d, here(r),
                     "space before an opening quote (expected the quote as "
                     "the field's first character)");
        else
          diag_error(r->d, here(r),
                     "quote inside an unquoted field (expected the whole "
                     "field in quotes, with each quote inside written "
                     "twice: \"\")");
        return false;
      }
      eat_char(r);
      if (r->i - from > CSV_MAX_FIELD)
        break;
    }
    strbuf_append(buf, r->s + from, r->i - from);
  }
  if (buf->len > CSV_MAX_FIELD) {
    diag_error(r->d, f->pos,
               "field is longer than %d bytes (expected at most 64 KiB in "
               "one field)",
               CSV_MAX_FIELD);
    return false;
  }
  f->len = buf->len;
  f->text = arena_strndup(r->arena, buf->data ? buf->data : "", buf->len);
  return true;
}

/* One record starting at s[i] (not at a line break, not at the end). */
static bool read_record(struct reader *r, struct strbuf *buf,
                        struct csv_field **tmp, size_t *cap,
                        struct csv_row *row) {
  size_t n = 0;
  row->pos = here(r);
  for (;;) {
    struct csv_field f = {0};
    if (!read_field(r, buf, &f))
      return false;
    if (n == CSV_MAX_COLUMNS) {
      diag_error(r->d, f.pos,
                 "more than %d fields in one row (expected at most %d "
                 "columns)",
                 CSV_MAX_COLUMNS, CSV_MAX_COLUMNS);
      return false;
    }
    *VEC_PUSH(*tmp, n, *cap) = f;
    if (r->i < r->n && r->s[r->i] == ',') {
      eat_char(r);
      continue;
    }
    if (at_newline(r))
      eat_newline(r);
    break;
  }
  row->nfields = n;
  row->fields = arena_alloc(r->arena, n * sizeof *row->fields);
  memcpy(row->fields, *tmp, n * sizeof *row->fields);
  return true;
}

static struct csv *parse(struct csv *c, const char *bytes, size_t len,
                         struct diag *d) {
  struct reader r = {bytes, len, 0, 1, 1, c->path, d, c->arena};
  if (len > CSV_MAX_BYTES) {
    diag_error(d, at(c->path, 0, 0),
               "file is %zu bytes (expected at most %d bytes, 64 MiB: split "
               "it into several files)",
               len, CSV_MAX_BYTES);
    return NULL;
  }
  if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
    r.i = 3;
  if (!check_encoding(&r))
    return NULL;

  struct strbuf buf = {0};
  struct csv_field *tmp = NULL;
  size_t cap = 0, nrows = 0, caprows = 0;
  struct csv_row *rows = NULL;
  bool have_header = false, ok = true;
  while (r.i < r.n) {
    if (at_newline(&r)) { /* an empty line */
      eat_newline(&r);
      continue;
    }
    struct csv_row row;
    struct src_pos start = here(&r);
    if (have_header && nrows == CSV_MAX_ROWS) {
      diag_error(d, start,
                 "more than %d rows (expected at most %d rows after the "
                 "header: split the file)",
                 CSV_MAX_ROWS, CSV_MAX_ROWS);
      ok = false;
      break;
    }
    if (!read_record(&r, &buf, &tmp, &cap, &row)) {
      ok = false;
      break;
    }
    if (!have_header) {
      c->header = row;
      have_header = true;
    } else {
      *VEC_PUSH(rows, nrows, caprows) = row;
    }
  }
  strbuf_free(&buf);
  free(tmp);
  if (ok && !have_header) {
    diag_error(d, at(c->path, 1, 1),
               "empty file (expected a header row naming the columns)");
    ok = false;
  }
  if (ok) {
    c->nrows = nrows;
    c->rows = arena_alloc(c->arena, (nrows ? nrows : 1) * sizeof *rows);
    if (nrows)
      memcpy(c->rows, rows, nrows * sizeof *rows);
  }
  free(rows);
  return ok ? c : NULL;
}

static struct csv *csv_new(const char *display) {
  struct csv *c = xcalloc(1, sizeof *c);
  c->arena = arena_new();
  c->path = arena_strdup(c->arena, display);
  return c;
}

struct csv *csv_read_mem(const char *display, const char *bytes, size_t len,
                         struct diag *d) {
  struct csv *c = csv_new(display);
  if (!parse(c, bytes, len, d)) {
    csv_free(c);
    return NULL;
  }
  return c;
}

struct csv *csv_read_file(const char *path, const char *display, struct diag *d,
                          bool *io_error) {
  if (io_error)
    *io_error = false;
  size_t len = 0;
  char *bytes = read_file(path, CSV_MAX_BYTES, &len);
  if (!bytes) {
    struct stat st;
    if (errno == EFBIG && stat(path, &st) == 0) {
      diag_error(d, at(display, 0, 0),
                 "file is %lld bytes (expected at most %d bytes, 64 MiB: "
                 "split it into several files)",
                 (long long)st.st_size, CSV_MAX_BYTES);
      return NULL;
    }
    diag_error(d, at(display, 0, 0),
               "cannot read the file: %s (expected a readable CSV file)",
               strerror(errno));
    if (io_error)
      *io_error = true;
    return NULL;
  }
  struct csv *c = csv_read_mem(display, bytes, len, d);
  free(bytes);
  return c;
}

void csv_free(struct csv *c) {
  if (!c)
    return;
  arena_free(c->arena);
  free(c);
}
