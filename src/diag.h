/*
 * diag: diagnostics in compiler form.
 *
 *   file:line:col: error: what is wrong (expected what)
 *
 * A struct diag belongs to one job (one handout render, one lint run); there
 * is no global message state, so batch workers each keep their own.  Messages
 * are written to diag->out as they are reported (stderr by default) and
 * counted; the exit status of a job follows from the worst level seen.
 *
 * Positions are 1-based line and column, columns counted in characters (not
 * bytes), as libyaml reports them plus one.  A position with file == NULL is
 * printed without a location ("handout: error: ...").
 *
 * Patient data never goes into a message unless the caller decided so: the
 * stages that handle patient fields format them with diag_redact().
 *
 * May be included by any module.
 */
#ifndef HANDOUT_DIAG_H
#define HANDOUT_DIAG_H

#include <stdbool.h>
#include <stdio.h>

struct src_pos {
  const char *file; /* path as given by the user; not owned */
  int line;         /* 1-based; 0 = unknown */
  int col;          /* 1-based, in characters; 0 = unknown */
};

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR, DIAG__MAX };

struct diag {
  FILE *out;           /* where messages go; stderr unless redirected */
  int count[DIAG__MAX];
  bool show_patient_data; /* --show-patient-data */
};

void diag_init(struct diag *d, FILE *out);

/* Report a message at pos.  fmt should read "what is wrong (expected ...)". */
void diag_msg(struct diag *d, enum diag_level level, struct src_pos pos,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define diag_error(d, pos, ...) diag_msg((d), DIAG_ERROR, (pos), __VA_ARGS__)
#define diag_warning(d, pos, ...) diag_msg((d), DIAG_WARNING, (pos), __VA_ARGS__)

/* An error with no source position: "handout: error: ...". */
void diag_fail(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

bool diag_has_errors(const struct diag *d);

/* Text to use for a patient field in a message: the value itself when
 * show_patient_data is set, otherwise "<redacted>". */
const char *diag_redact(const struct diag *d, const char *value);

/* Describe a code point for a message: 'é' (U+00E9), or U+0009 for controls. */
void diag_describe_char(unsigned cp, char *buf, size_t bufsize);

#endif
