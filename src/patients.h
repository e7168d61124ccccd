/*
 * patients: a patients file (CSV, csv.h) to a list of checked patients, one
 * per-patient leaflet each.
 *
 *   patients.csv -> csv.h -> header check -> row checks -> struct
 *   patient_list (the valid rows, in file order)
 *
 * Columns (the header row names them, in any order):
 *
 *   ref            required  opaque reference, [A-Za-z0-9._-]{1,64}, not
 *                            starting with '.'; unique in the file (case
 *                            folded: refs become file names)
 *   first_name     required  text
 *   last_name      required  text
 *   handout        required  a handout name: handouts_dir/NAME.yaml exists
 *   layout         required  a layout name: layouts_dir/NAME.yaml exists
 *   treatment      optional  text: the drug names ("nivolumab + ipilimumab")
 *   start_date     optional  YYYY-MM-DD, a real date
 *   email          optional  name@example.org
 *   date_of_birth  optional  YYYY-MM-DD, a real date
 *   language       optional  BCP 47 tag (en-GB, es)
 *   large_print    optional  yes or no (any case; empty = no); yes replaces
 *                            the layout by PATIENTS_LARGE_PRINT
 *   passphrase     optional  text, for protected PDFs (issue 5); never
 *                            printed anywhere
 *
 * Values: spaces and tabs around a value are dropped; a line break (or tab)
 * inside one becomes a space; any other control character is an error.  An
 * empty optional value is the same as the column being absent (NULL).
 * A row whose fields are all empty (a blank spreadsheet row) is skipped
 * silently.
 *
 * Errors:
 *   - the file as a whole (csv.h: encoding, quoting, limits) and the header
 *     (unknown column, with "did you mean"; duplicate column; missing
 *     required column; empty column name): reported, patients_load()
 *     returns false and the list is empty;
 *   - a row (wrong number of fields, missing required value, bad ref,
 *     duplicate ref, bad date, unknown handout or layout, bad email or
 *     language, large_print not yes/no): every problem of the row is
 *     reported at its field's `file:line:col`, the row is skipped (counted
 *     in nbad) and the others are kept; patients_load() returns true.
 *     The CLI exits 1 when nbad > 0 after producing the good rows.
 *
 * PRIVACY: no message quotes a patient's value (name, email, date of birth,
 * treatment, handout, layout, language, passphrase), unless
 * diag->show_patient_data is set (--show-patient-data), through
 * diag_redact().  A valid ref may be quoted: it is opaque by contract.  A
 * ref that breaks the ref rules is redacted like any value (a name typed in
 * the wrong column must not leak).  Column names and positions are printed.
 *
 * Ownership: patients_free() releases everything in the list (one arena).
 * Positions point into the list's arena (the display path): keep the list
 * alive as long as a patient or its positions are used, for example by a
 * struct doc that resolve_doc_patient() pointed at a patient (resolve.h).
 *
 * May be included by any module.
 */
#ifndef HANDOUT_PATIENTS_H
#define HANDOUT_PATIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

#define PATIENTS_REF_MAX 64                /* bytes in a ref */
#define PATIENTS_LARGE_PRINT "large-print" /* layout for large_print=yes */

/* The columns, in the order the header check lists them.  The names are
 * patient_field_name(). */
enum patient_field {
  PF_REF,
  PF_FIRST_NAME,
  PF_LAST_NAME,
  PF_HANDOUT,
  PF_LAYOUT,
  PF_TREATMENT,
  PF_START_DATE,
  PF_EMAIL,
  PF_DATE_OF_BIRTH,
  PF_LANGUAGE,
  PF_LARGE_PRINT,
  PF_PASSPHRASE,
  PF__MAX
};

struct patient {
  const char *ref;           /* valid, unique */
  const char *first_name;    /* non-empty */
  const char *last_name;     /* non-empty */
  const char *handout;       /* a name in handouts_dir ("melanoma") */
  const char *layout;        /* the layout to render: PATIENTS_LARGE_PRINT when
                                large_print, else layout_given */
  const char *layout_given;  /* the layout column as written */
  const char *treatment;     /* NULL: not given */
  const char *start_date;    /* YYYY-MM-DD, or NULL */
  const char *email;         /* NULL: not given */
  const char *date_of_birth; /* YYYY-MM-DD, or NULL */
  const char *language;      /* BCP 47, or NULL */
  bool large_print;
  const char *passphrase; /* NULL: not given */
  size_t row;             /* 1-based data row (the header is row 0) */
  struct src_pos pos;     /* the row's first field */
  struct src_pos field_pos[PF__MAX]; /* each field (line 0: column absent),
                                        for errors found later (a render
                                        that fails for this patient) */
};

struct patient_list {
  const char *path;         /* display path */
  struct patient *patients; /* the valid rows, in file order */
  size_t count;
  size_t nrows;        /* data rows read (blank rows not counted) */
  size_t nbad;         /* rows reported and skipped */
  bool io_error;       /* patients_load() failed: file not readable
                          (exit status 3) rather than invalid (1) */
  struct arena *arena; /* owns everything above */
};

/* Load path (display: what positions print, usually path).  handouts_dir
 * and layouts_dir are the folders the handout and layout columns name
 * files in (handouts_dir/NAME.yaml, layouts_dir/NAME.yaml).
 * Returns true when the file was read: out holds the valid rows and nbad
 * the skipped ones (each already reported).  Returns false after
 * reporting when the file cannot be used at all (unreadable, not CSV, bad
 * header): out is then empty (count 0), io_error tells why.  Either way
 * call patients_free(out). */
bool patients_load(const char *path, const char *display,
                   const char *handouts_dir, const char *layouts_dir,
                   struct diag *d, struct patient_list *out);

/* The same for a file in memory (tests): bytes[0..len). */
bool patients_load_mem(const char *display, const char *bytes, size_t len,
                       const char *handouts_dir, const char *layouts_dir,
                       struct diag *d, struct patient_list *out);

void patients_free(struct patient_list *list); /* the contents, not list */

/* The patient with this ref (case folded, as duplicates are), or NULL:
 * for `render --patient REF`. */
const struct patient *patients_find(const struct patient_list *list,
                                    const char *ref);

/* "first_name" for PF_FIRST_NAME. */
const char *patient_field_name(enum patient_field f);

/* The field's value in p (NULL if not given; "yes"/"no" for large_print). */
const char *patient_field_value(const struct patient *p, enum patient_field f);

/* The field called name (without "patient."), or PF__MAX. */
enum patient_field patient_field_by_name(const char *name);

#endif
