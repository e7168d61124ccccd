/*
 * fuzz_csv: patients CSV bytes -> csv_read_mem() and patients_load_mem(),
 * the in-memory twins of what `handout batch --patients FILE` and
 * `handout mail` read (patients_load() reads the file, then the same code).
 *
 * The handout and layout columns name files in the real handouts/ and
 * layouts/ folders of the data folder.  Must never crash, leak or hang,
 * whatever the bytes.  Besides crashes, the target checks the contracts of
 * csv.h and patients.h that cannot fail for correct code:
 *   - csv: every record has a field; fields are NUL-free (NUL is refused)
 *     with len == strlen(text), within CSV_MAX_FIELD, at a position >= 1:1;
 *     records and fields come in file order;
 *   - patients: count + nbad == nrows when the file was read, nothing when
 *     it was refused; each patient has a valid, findable ref, non-empty
 *     names, real dates, and the layout large_print asks for.
 */
#include <string.h>

#include "csv.h"
#include "fuzz_common.h"
#include "patients.h"
#include "util.h"

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) abort();                                                      \
  } while (0)

static bool pos_before(struct src_pos a, struct src_pos b) {
  return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static void check_row_fields(const struct csv_row *row) {
  FUZZ_CHECK(row->nfields >= 1 && row->nfields <= CSV_MAX_COLUMNS);
  FUZZ_CHECK(row->pos.line >= 1 && row->pos.col == 1);
  for (size_t i = 0; i < row->nfields; i++) {
    const struct csv_field *f = &row->fields[i];
    FUZZ_CHECK(f->text && strlen(f->text) == f->len);
    FUZZ_CHECK(f->len <= CSV_MAX_FIELD);
    FUZZ_CHECK(f->pos.line >= row->pos.line && f->pos.col >= 1);
    if (i > 0) FUZZ_CHECK(pos_before(row->fields[i - 1].pos, f->pos));
  }
}

/* csv.h: the records as the reader gives them. */
static void fuzz_csv_reader(const char *bytes, size_t len, struct diag *d) {
  struct csv *c = csv_read_mem("patients.csv", bytes, len, d);
  if (!c) return;
  FUZZ_CHECK(c->nrows <= CSV_MAX_ROWS);
  check_row_fields(&c->header);
  struct src_pos prev = c->header.pos;
  for (size_t i = 0; i < c->nrows; i++) {
    check_row_fields(&c->rows[i]);
    FUZZ_CHECK(prev.line < c->rows[i].pos.line);
    prev = c->rows[i].pos;
  }
  csv_free(c);
}

static void check_patient(const struct patient_list *list,
                          const struct patient *p) {
  size_t n = strlen(p->ref);
  FUZZ_CHECK(n >= 1 && n <= PATIENTS_REF_MAX && p->ref[0] != '.');
  FUZZ_CHECK(patients_find(list, p->ref) == p);
  FUZZ_CHECK(*p->first_name && *p->last_name && *p->handout);
  FUZZ_CHECK(p->layout_given && *p->layout_given);
  FUZZ_CHECK(strcmp(p->layout, p->large_print ? PATIENTS_LARGE_PRINT
                                              : p->layout_given) == 0);
  FUZZ_CHECK(!p->start_date || iso_date_valid(p->start_date));
  FUZZ_CHECK(!p->date_of_birth || iso_date_valid(p->date_of_birth));
  FUZZ_CHECK(p->row >= 1 && p->pos.line >= 2 && p->pos.file == list->path);
}

/* patients.h: the checked list, as batch and mail get it. */
static void fuzz_patients(const char *bytes, size_t len, struct diag *d) {
  static char handouts[4096], layouts[4096];
  if (!*handouts) {
    snprintf(handouts, sizeof handouts, "%s/handouts", fuzz_home());
    snprintf(layouts, sizeof layouts, "%s/layouts", fuzz_home());
  }
  struct patient_list list;
  if (patients_load_mem("patients.csv", bytes, len, handouts, layouts, d,
                        &list)) {
    FUZZ_CHECK(list.count + list.nbad == list.nrows);
    for (size_t i = 0; i < list.count; i++)
      check_patient(&list, &list.patients[i]);
  } else {
    FUZZ_CHECK(list.count == 0 && list.nbad == 0);
  }
  patients_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct diag d;
  diag_init(&d, fuzz_devnull());
  fuzz_csv_reader((const char *)data, size, &d);
  diag_init(&d, fuzz_devnull());
  d.show_patient_data = size % 2; /* both ways of printing values */
  fuzz_patients((const char *)data, size, &d);
  return 0;
}
