/* diag: compiler-style diagnostics.  See diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <string.h>

#include "util.h"

static const char *const level_names[DIAG__MAX] = {"note", "warning", "error"};

void diag_init(struct diag *d, FILE *out) {
  memset(d, 0, sizeof *d);
  d->out = out ? out : stderr;
}

static void print_prefix(FILE *out, enum diag_level level, struct src_pos pos) {
  if (!pos.file)
    fprintf(out, "handout: ");
  else if (pos.line <= 0)
    fprintf(out, "%s: ", pos.file);
  else if (pos.col <= 0)
    fprintf(out, "%s:%d: ", pos.file, pos.line);
  else
    fprintf(out, "%s:%d:%d: ", pos.file, pos.line, pos.col);
  fprintf(out, "%s: ", level_names[level]);
}

void diag_msg(struct diag *d, enum diag_level level, struct src_pos pos,
              const char *fmt, ...) {
  d->count[level]++;
  print_prefix(d->out, level, pos);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(d->out, fmt, ap);
  va_end(ap);
  fputc('\n', d->out);
  fflush(d->out);
}

void diag_fail(struct diag *d, const char *fmt, ...) {
  d->count[DIAG_ERROR]++;
  print_prefix(d->out, DIAG_ERROR, (struct src_pos){0});
  va_list ap;
  va_start(ap, fmt);
  vfprintf(d->out, fmt, ap);
  va_end(ap);
  fputc('\n', d->out);
  fflush(d->out);
}

bool diag_has_errors(const struct diag *d) { return d->count[DIAG_ERROR] > 0; }

const char *diag_redact(const struct diag *d, const char *value) {
  return d->show_patient_data ? value : "<redacted>";
}

void diag_describe_char(unsigned cp, char *buf, size_t bufsize) {
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
    snprintf(buf, bufsize, "U+%04X", cp);
    return;
  }
  char enc[5] = {0};
  int n = utf8_encode(cp, enc);
  enc[n] = '\0';
  snprintf(buf, bufsize, "'%s' (U+%04X)", enc, cp);
}
