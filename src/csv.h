/*
 * csv: an RFC 4180 reader that keeps every field's position.
 *
 *   bytes (a file, or memory) -> checks (size, UTF-8, NUL) -> header row
 *   + records, each field with its 1-based line and column
 *
 * Accepted:
 *   - fields separated by ',' and records ended by CRLF, LF or CR; the last
 *     record may or may not end with a line break;
 *   - quoted fields ("...") holding commas, line breaks (CRLF, LF or CR) and
 *     quotes written twice (""); a line break inside a field is stored as
 *     one LF, whatever the file used;
 *   - UTF-8 with or without a byte order mark (the BOM is dropped and takes
 *     no column);
 *   - empty lines between records are skipped (they are no record).  A
 *     record whose fields are all empty (",,,," as spreadsheets export blank
 *     rows) is kept: what it means is the caller's business.
 * Spaces are part of a field, as RFC 4180 says (the caller may trim).
 *
 * Positions: line counts every line break in the file, inside quotes too,
 * so a field after a quoted multi-line field gets the line a text editor
 * shows.  Column is the character (code point, not byte) in its line where
 * the field starts: its opening quote if quoted.  Tabs count as one.
 *
 * Errors (each one `file:line:col: error: ...` through diag, then NULL; the
 * whole file is refused, because after a quoting mistake no later record
 * can be trusted to be split where the writer meant):
 *   - a file larger than CSV_MAX_BYTES, more than CSV_MAX_ROWS records after
 *     the header, more than CSV_MAX_COLUMNS fields in a record, a field
 *     longer than CSV_MAX_FIELD bytes: each names its limit;
 *   - bytes that are not UTF-8, and NUL characters, at their exact place;
 *   - a quote inside an unquoted field, text after a closing quote, a quote
 *     never closed (reported at the opening quote);
 *   - an empty file (no header row).
 * No message quotes the content of a field (a patients file is personal
 * data): messages name places, bytes and limits only.
 *
 * Ownership: csv_free() frees the struct and everything it points to (one
 * arena).  Position file pointers point at csv->path, owned by the same
 * arena: keep the struct alive as long as positions are used.
 *
 * May be included by any module; it knows nothing of patients (patients.h).
 */
#ifndef HANDOUT_CSV_H
#define HANDOUT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

#define CSV_MAX_BYTES (64 * 1024 * 1024) /* per file: 64 MiB */
#define CSV_MAX_ROWS 100000              /* records after the header */
#define CSV_MAX_COLUMNS 64               /* fields in one record */
#define CSV_MAX_FIELD (64 * 1024)        /* bytes in one field: 64 KiB */

struct csv_field {
  const char *text;   /* NUL-terminated UTF-8, quotes and "" undone */
  size_t len;         /* bytes */
  bool quoted;        /* written in quotes */
  struct src_pos pos; /* first character: the opening quote if quoted */
};

struct csv_row {
  struct csv_field *fields; /* at least one (an empty line is no record) */
  size_t nfields;
  struct src_pos pos; /* where the record starts (column 1) */
};

struct csv {
  const char *path;      /* display path, as positions print it */
  struct csv_row header; /* the first record */
  struct csv_row *rows;  /* the records after it, in file order */
  size_t nrows;
  struct arena *arena; /* owns everything above */
};

/* Read path; display is what positions print (usually path itself).
 * Returns NULL after reporting through d.  *io_error (may be NULL) is set
 * when the file could not be opened or read (exit status 3 in the CLI
 * contract), cleared otherwise. */
struct csv *csv_read_file(const char *path, const char *display, struct diag *d,
                          bool *io_error);

/* The same for bytes[0..len) in memory (tests): the same checks, including
 * CSV_MAX_BYTES. */
struct csv *csv_read_mem(const char *display, const char *bytes, size_t len,
                         struct diag *d);

void csv_free(struct csv *c); /* NULL allowed */

#endif
