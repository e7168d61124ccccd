/*
 * test_csv: the RFC 4180 reader (src/csv.c).
 *
 * Quoted fields with commas, doubled quotes and line breaks (LF, CRLF, CR)
 * inside, with the right line numbers for every field after them; CRLF and
 * LF records; a BOM; empty fields and empty lines; a last record with and
 * without a line break; columns counted in characters (Greek, Cyrillic,
 * accents); every error at its exact place, naming its limit, and never
 * quoting a field's content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "harness.h"

static struct diag d;
static FILE *errf;
static char errbuf[8192];

static void err_reset(void) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
  diag_init(&d, errf);
}

static const char *err_text(void) {
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return errbuf;
}

static struct csv *rd(const char *text) {
  err_reset();
  return csv_read_mem("p.csv", text, strlen(text), &d);
}

/* field (row r, field f; r = -1: the header) has text, line and column */
static void field_is(const struct csv *c, int r, size_t f, const char *text,
                     int line, int col, const char *what) {
  const struct csv_row *row = r < 0 ? &c->header : &c->rows[r];
  OK(f < row->nfields, "%s: field %zu exists", what, f);
  if (f >= row->nfields)
    return;
  STR_EQ(row->fields[f].text, text, "%s: text", what);
  INT_EQ(row->fields[f].len, strlen(text), "%s: len", what);
  INT_EQ(row->fields[f].pos.line, line, "%s: line", what);
  INT_EQ(row->fields[f].pos.col, col, "%s: column", what);
}

static void test_basic(void) {
  struct csv *c = rd("ref,first_name,last_name\nP1,Ann,Lee\nP2,Bo,Ng\n");
  OK(c != NULL, "basic file reads");
  STR_EQ(err_text(), "", "no errors");
  if (!c)
    return;
  INT_EQ(c->header.nfields, 3, "header fields");
  INT_EQ(c->nrows, 2, "two rows");
  field_is(c, -1, 0, "ref", 1, 1, "header ref");
  field_is(c, -1, 2, "last_name", 1, 16, "header last_name");
  field_is(c, 0, 1, "Ann", 2, 4, "row 1 first_name");
  field_is(c, 1, 2, "Ng", 3, 7, "row 2 last_name");
  INT_EQ(c->rows[1].pos.line, 3, "row 2 starts on line 3");
  INT_EQ(c->rows[1].pos.col, 1, "row 2 starts at column 1");
  STR_EQ(c->rows[1].pos.file, "p.csv", "positions name the file");
  csv_free(c);
}

static void test_quotes(void) {
  struct csv *c = rd("a,b,c\n\"Smith, Jr.\",\"O\"\"Brien\",\"\"\n");
  OK(c != NULL, "quoted fields read");
  if (!c)
    return;
  field_is(c, 0, 0, "Smith, Jr.", 2, 1, "comma inside quotes");
  OK(c->rows[0].fields[0].quoted, "marked quoted");
  field_is(c, 0, 1, "O\"Brien", 2, 14, "doubled quote");
  field_is(c, 0, 2, "", 2, 25, "quoted empty field");
  OK(!c->header.fields[0].quoted, "header not quoted");
  csv_free(c);

  c = rd("a\n\"\"\"\"\n");
  OK(c && c->nrows == 1, "a field of one quote reads");
  if (c)
    field_is(c, 0, 0, "\"", 2, 1, "\"\"\"\" is one quote");
  csv_free(c);
}

static void test_newlines_inside(void) {
  /* LF inside: the next field and the next row get the lines an editor
   * shows */
  struct csv *c = rd("a,b\n\"line 1\nline 2\",z\nq,r\n");
  OK(c != NULL, "LF inside quotes");
  if (c) {
    INT_EQ(c->nrows, 2, "two records");
    field_is(c, 0, 0, "line 1\nline 2", 2, 1, "two-line field");
    field_is(c, 0, 1, "z", 3, 9, "field after it: line 3");
    field_is(c, 1, 0, "q", 4, 1, "next record: line 4");
  }
  csv_free(c);

  /* CRLF inside, CRLF records: stored as LF */
  c = rd("a,b\r\n\"x\r\ny\r\nz\",w\r\nq,r\r\n");
  OK(c != NULL, "CRLF inside quotes");
  if (c) {
    field_is(c, 0, 0, "x\ny\nz", 2, 1, "CRLF inside becomes LF");
    field_is(c, 0, 1, "w", 4, 4, "field after: line 4");
    field_is(c, 1, 1, "r", 5, 3, "next record: line 5");
    INT_EQ(c->nrows, 2, "two records");
  }
  csv_free(c);

  /* CR alone inside and as a record end */
  c = rd("a,b\r\"x\ry\",w\rq,r");
  OK(c != NULL, "CR inside quotes and as record end");
  if (c) {
    field_is(c, 0, 0, "x\ny", 2, 1, "CR inside becomes LF");
    field_is(c, 0, 1, "w", 3, 4, "field after: line 3");
    field_is(c, 1, 0, "q", 4, 1, "next record: line 4");
  }
  csv_free(c);

  /* an error after a multi-line field is at the right line */
  struct csv *bad = rd("a,b\n\"1\n2\n3\",x\"y\n");
  OK(bad == NULL, "quote after multi-line field refused");
  STR_EQ(err_text(),
         "p.csv:4:5: error: quote inside an unquoted field (expected the "
         "whole field in quotes, with each quote inside written twice: "
         "\"\")\n",
         "error on line 4");
}

static void test_crlf_and_ending(void) {
  const char *variants[] = {
      "ref,name\r\nP1,Ann\r\nP2,Bo\r\n", /* CRLF, final line break */
      "ref,name\r\nP1,Ann\r\nP2,Bo",     /* CRLF, none */
      "ref,name\nP1,Ann\nP2,Bo\n",       /* LF */
      "ref,name\nP1,Ann\nP2,Bo",         /* LF, none */
      "ref,name\nP1,Ann\r\nP2,Bo\n\n\n", /* mixed, empty lines at the end */
  };
  for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
    struct csv *c = rd(variants[i]);
    OK(c != NULL, "variant %zu reads", i);
    if (!c)
      continue;
    INT_EQ(c->nrows, 2, "variant %zu: two rows", i);
    field_is(c, 1, 1, "Bo", 3, 4, "variant: last field");
    INT_EQ(c->rows[1].nfields, 2, "variant %zu: two fields", i);
    csv_free(c);
  }
  /* a trailing comma is an empty last field, also at the end of file */
  struct csv *c = rd("a,b\nx,");
  OK(c && c->rows[0].nfields == 2, "trailing comma: empty last field");
  if (c)
    field_is(c, 0, 1, "", 2, 3, "empty last field at end of file");
  csv_free(c);
}

static void test_bom_and_empty(void) {
  struct csv *c = rd("\xEF\xBB\xBFref,name\nP1,\n");
  OK(c != NULL, "BOM accepted");
  if (c) {
    field_is(c, -1, 0, "ref", 1, 1, "BOM takes no column");
    field_is(c, -1, 1, "name", 1, 5, "second header field");
    field_is(c, 0, 1, "", 2, 4, "empty field");
  }
  csv_free(c);

  c = rd("a,b,c\n,,\n\n\nx,y,z\n");
  OK(c != NULL, "empty fields and lines");
  if (c) {
    INT_EQ(c->nrows, 2, "empty lines are no record, ',,' is one");
    field_is(c, 0, 0, "", 2, 1, "empty 1");
    field_is(c, 0, 1, "", 2, 2, "empty 2");
    field_is(c, 0, 2, "", 2, 3, "empty 3");
    field_is(c, 1, 0, "x", 5, 1, "after two empty lines: line 5");
  }
  csv_free(c);

  c = rd("only,a,header\n");
  OK(c && c->nrows == 0, "a header alone: no rows");
  csv_free(c);

  OK(rd("") == NULL, "empty file refused");
  STR_EQ(err_text(),
         "p.csv:1:1: error: empty file (expected a header row naming the "
         "columns)\n",
         "empty file message");
  OK(rd("\xEF\xBB\xBF\n\n") == NULL, "BOM and empty lines only refused");
}

static void test_scripts(void) {
  /* columns count characters: Ζωή is 3 characters, 6 bytes */
  struct csv *c = rd("ref,first,last,after\n"
                     "P1,Ζωή,Παπαδοπούλου,x\n"
                     "P2,Пётр,Иванов,y\n"
                     "P3,Zoë,O'Brien-José,z\n"
                     "P4,\"Renée\",\"D'Arcy, Jr.\",w\n");
  OK(c != NULL, "Greek, Cyrillic, accents and apostrophes");
  if (!c)
    return;
  field_is(c, 0, 1, "Ζωή", 2, 4, "Greek first name");
  field_is(c, 0, 2, "Παπαδοπούλου", 2, 8, "Greek last name");
  field_is(c, 0, 3, "x", 2, 21, "after Greek: character columns");
  field_is(c, 1, 1, "Пётр", 3, 4, "Cyrillic first name");
  field_is(c, 1, 3, "y", 3, 16, "after Cyrillic");
  field_is(c, 2, 2, "O'Brien-José", 4, 8, "apostrophe, hyphen and accent");
  field_is(c, 2, 3, "z", 4, 21, "after accent");
  field_is(c, 3, 1, "Renée", 5, 4, "quoted accent");
  field_is(c, 3, 2, "D'Arcy, Jr.", 5, 12, "apostrophe and comma");
  field_is(c, 3, 3, "w", 5, 26, "after quoted");
  csv_free(c);
}

static void test_errors(void) {
  OK(rd("a,b\n\"Secret, Name,x\n") == NULL, "unclosed quote refused");
  STR_EQ(err_text(),
         "p.csv:2:1: error: quote never closed (expected a closing '\"' "
         "before the end of the file; a quote inside a quoted field is "
         "written twice: \"\")\n",
         "unclosed quote: at the opening quote");

  OK(rd("a,b\nx,\"Secret\"Name\n") == NULL, "text after closing quote");
  STR_EQ(err_text(),
         "p.csv:2:11: error: text after a closing quote (expected ',' or "
         "the end of the line; a quote inside a quoted field is written "
         "twice: \"\")\n",
         "text after quote: at the text");

  OK(rd("a,b\nx,Sec\"ret\n") == NULL, "quote in unquoted field");
  STR_EQ(err_text(),
         "p.csv:2:6: error: quote inside an unquoted field (expected the "
         "whole field in quotes, with each quote inside written twice: "
         "\"\")\n",
         "quote in unquoted field: at the quote");

  OK(rd("a,b\nx, \"Secret\"\n") == NULL, "space before quote");
  STR_EQ(err_text(),
         "p.csv:2:4: error: space before an opening quote (expected the "
         "quote as the field's first character)\n",
         "space before quote: at the quote");

  OK(rd("a,b\nx,Jos\xE9\n") == NULL, "Latin-1 refused");
  STR_EQ(err_text(),
         "p.csv:2:6: error: invalid UTF-8: byte 0xE9 (expected UTF-8 text: "
         "save the file as \"CSV UTF-8\")\n",
         "invalid UTF-8 at line:col");

  OK(rd("\xEF\xBB\xBF"
        "a,b\n\"x\ny\",Zoë\xC3\n") == NULL,
     "bad UTF-8 after a multi-line field and a BOM");
  STR_EQ(err_text(),
         "p.csv:3:7: error: invalid UTF-8: byte 0xC3 (expected UTF-8 text: "
         "save the file as \"CSV UTF-8\")\n",
         "invalid UTF-8: lines and characters counted");

  err_reset();
  OK(csv_read_mem("p.csv", "a,b\nx,y\0z\n", 10, &d) == NULL, "NUL refused");
  STR_EQ(err_text(),
         "p.csv:2:4: error: NUL character U+0000 (expected text; is this a "
         "CSV file?)\n",
         "NUL at line:col");
  OK(strstr(errbuf, "Secret") == NULL, "no field content in messages");
}

static void test_limits(void) {
  /* 65 columns */
  struct strbuf b = {0};
  for (int i = 0; i < 65; i++)
    strbuf_printf(&b, "%sc%d", i ? "," : "", i);
  strbuf_putc(&b, '\n');
  OK(rd(b.data) == NULL, "65 columns refused");
  char want[256];
  snprintf(want, sizeof want,
           "p.csv:1:%d: error: more than 64 fields in one row (expected at "
           "most 64 columns)\n",
           (int)(strstr(b.data, ",c64") - b.data) + 2);
  STR_EQ(err_text(), want, "65th field: at the field, naming 64");
  strbuf_free(&b);

  b = (struct strbuf){0};
  for (int i = 0; i < 64; i++)
    strbuf_printf(&b, "%sc%d", i ? "," : "", i);
  strbuf_putc(&b, '\n');
  struct csv *c = rd(b.data);
  OK(c && c->header.nfields == 64, "64 columns accepted");
  csv_free(c);
  strbuf_free(&b);

  /* a field of 64 KiB + 1 */
  b = (struct strbuf){0};
  strbuf_puts(&b, "a,b\nx,\"");
  for (int i = 0; i <= CSV_MAX_FIELD; i++)
    strbuf_putc(&b, 'y');
  strbuf_puts(&b, "\"\n");
  OK(rd(b.data) == NULL, "field over 64 KiB refused");
  STR_EQ(err_text(),
         "p.csv:2:3: error: field is longer than 65536 bytes (expected at "
         "most 64 KiB in one field)\n",
         "long field: at its start, naming the limit");
  b.len = 0;
  strbuf_puts(&b, "a,b\nx,");
  for (int i = 0; i < CSV_MAX_FIELD; i++)
    strbuf_putc(&b, 'y');
  strbuf_puts(&b, "\n");
  c = rd(b.data);
  OK(c && c->rows[0].fields[1].len == CSV_MAX_FIELD, "64 KiB field accepted");
  csv_free(c);
  strbuf_free(&b);

  /* 100,001 rows */
  b = (struct strbuf){0};
  strbuf_puts(&b, "ref\n");
  for (int i = 0; i <= CSV_MAX_ROWS; i++)
    strbuf_printf(&b, "P%d\n", i);
  OK(rd(b.data) == NULL, "100,001 rows refused");
  STR_EQ(err_text(),
         "p.csv:100002:1: error: more than 100000 rows (expected at most "
         "100000 rows after the header: split the file)\n",
         "too many rows: at the first extra row");
  b.len -= strlen("P100000\n");
  b.data[b.len] = '\0';
  c = rd(b.data);
  OK(c && c->nrows == CSV_MAX_ROWS, "100,000 rows accepted");
  csv_free(c);
  strbuf_free(&b);

  /* 64 MiB + 1 byte (not read: the size is checked first) */
  size_t big = (size_t)CSV_MAX_BYTES + 1;
  char *huge = calloc(big, 1);
  err_reset();
  OK(csv_read_mem("p.csv", huge, big, &d) == NULL, "64 MiB + 1 refused");
  STR_EQ(err_text(),
         "p.csv: error: file is 67108865 bytes (expected at most 67108864 "
         "bytes, 64 MiB: split it into several files)\n",
         "file size: names the limit");
  free(huge);
}

static void test_file(void) {
  char path[] = "/tmp/test_csv.XXXXXX";
  int fd = mkstemp(path);
  OK(fd >= 0, "temp file");
  const char *text = "ref,name\r\nP1,\"Zoë\"\r\n";
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
    abort();
  close(fd);
  err_reset();
  bool io = true;
  struct csv *c = csv_read_file(path, "shown.csv", &d, &io);
  OK(c != NULL && !io, "file reads");
  if (c) {
    field_is(c, 0, 1, "Zoë", 2, 4, "from a file");
    STR_EQ(c->rows[0].fields[1].pos.file, "shown.csv", "display path");
  }
  csv_free(c);
  unlink(path);
  err_reset();
  OK(csv_read_file(path, "gone.csv", &d, &io) == NULL && io,
     "missing file: NULL and io_error");
  STR_EQ(err_text(),
         "gone.csv: error: cannot read the file: No such file or directory "
         "(expected a readable CSV file)\n",
         "missing file message");
}

int main(void) {
  errf = tmpfile();
  if (!errf)
    abort();
  test_basic();
  test_quotes();
  test_newlines_inside();
  test_crlf_and_ending();
  test_bom_and_empty();
  test_scripts();
  test_errors();
  test_limits();
  test_file();
  return harness_done();
}
