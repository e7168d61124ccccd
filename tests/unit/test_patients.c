/*
 * test_patients: the patients file (src/patients.c).  Run from the
 * repository root: handout and layout names are checked against
 * handouts/ and layouts/.
 *
 * A good file gives every field; the header is checked (unknown columns
 * with "did you mean", duplicates, missing required columns, a file with
 * no header); each bad row is reported at the exact line:col of the field
 * and skipped while the others are kept; messages never carry a patient's
 * value unless show_patient_data is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "patients.h"

static struct diag d;
static FILE *errf;
static char errbuf[16384];

static void err_reset(bool show) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
  diag_init(&d, errf);
  d.show_patient_data = show;
}

static const char *err_text(void) {
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return errbuf;
}

static bool load(const char *text, bool show, struct patient_list *out) {
  err_reset(show);
  return patients_load_mem("p.csv", text, strlen(text), "handouts", "layouts",
                           &d, out);
}

#define ALL_COLUMNS                                                            \
  "ref,first_name,last_name,handout,layout,treatment,start_date,email,"        \
  "date_of_birth,language,large_print,passphrase\n"

static void test_good(void) {
  struct patient_list pl;
  bool ok =
      load("\xEF\xBB\xBF" ALL_COLUMNS
           "P0001,Zoë,O'Brien,melanoma,a4,nivolumab + ipilimumab,"
           "2026-12-01,zoe@example.org,1950-02-28,en-GB,no,\n"
           "P0002,\" José \",\"Smith, Jr.\",lung-nsclc,letter,,,,,es,"
           "YES,open sesame\r\n"
           "P0003,Ζωή,Παπαδοπούλου,melanoma,large-print,\"pembro\nlizumab\","
           ",,,,,\n",
           false, &pl);
  OK(ok, "good file loads");
  STR_EQ(err_text(), "", "no messages");
  INT_EQ(pl.count, 3, "three patients");
  INT_EQ(pl.nbad, 0, "no bad rows");
  INT_EQ(pl.nrows, 3, "three rows");
  if (pl.count == 3) {
    const struct patient *p = &pl.patients[0];
    STR_EQ(p->ref, "P0001", "ref");
    STR_EQ(p->first_name, "Zoë", "first name");
    STR_EQ(p->last_name, "O'Brien", "apostrophe kept");
    STR_EQ(p->handout, "melanoma", "handout");
    STR_EQ(p->layout, "a4", "layout");
    STR_EQ(p->treatment, "nivolumab + ipilimumab", "treatment");
    STR_EQ(p->start_date, "2026-12-01", "start date");
    STR_EQ(p->email, "zoe@example.org", "email");
    STR_EQ(p->date_of_birth, "1950-02-28", "date of birth");
    STR_EQ(p->language, "en-GB", "language");
    OK(!p->large_print, "not large print");
    OK(p->passphrase == NULL, "empty passphrase is NULL");
    INT_EQ(p->row, 1, "row number");
    INT_EQ(p->pos.line, 2, "row line");
    INT_EQ(p->field_pos[PF_TREATMENT].col, 31, "field position kept");
    STR_EQ(p->field_pos[PF_TREATMENT].file, "p.csv", "positions name file");

    p = &pl.patients[1];
    STR_EQ(p->first_name, "José", "spaces around a value dropped");
    STR_EQ(p->last_name, "Smith, Jr.", "comma inside quotes");
    OK(p->treatment == NULL && p->start_date == NULL && p->email == NULL,
       "empty optional fields are NULL");
    OK(p->large_print, "YES is yes");
    STR_EQ(p->layout, "large-print", "large_print overrides the layout");
    STR_EQ(p->layout_given, "letter", "the layout as written is kept");
    STR_EQ(p->passphrase, "open sesame", "passphrase");

    p = &pl.patients[2];
    STR_EQ(p->first_name, "Ζωή", "Greek first name");
    STR_EQ(p->last_name, "Παπαδοπούλου", "Greek last name");
    STR_EQ(p->treatment, "pembro lizumab", "line break inside is a space");
    INT_EQ(p->pos.line, 4, "row 3 on line 4");
  }
  const struct patient *f = patients_find(&pl, "p0002");
  OK(f && strcmp(f->ref, "P0002") == 0, "find ignores case");
  OK(patients_find(&pl, "P9") == NULL, "find: unknown ref");
  patients_free(&pl);
}

static void test_header(void) {
  struct patient_list pl;
  OK(!load("ref,frist_name,last_name,handout,layout\nP1,A,B,melanoma,a4\n",
           false, &pl),
     "misspelt column refuses the file");
  STR_EQ(err_text(),
         "p.csv:1:5: error: unknown column 'frist_name' (did you mean "
         "'first_name'?)\n",
         "did you mean, no 'missing' for the suggested column");
  INT_EQ(pl.count, 0, "no patients");
  patients_free(&pl);

  OK(!load("Ref,First Name,last_name,handout,layout,postcode\n", false, &pl),
     "wrong case, space and an unknown column");
  STR_EQ(err_text(),
         "p.csv:1:1: error: unknown column 'Ref' (did you mean 'ref'?)\n"
         "p.csv:1:5: error: unknown column 'First Name' (did you mean "
         "'first_name'?)\n"
         "p.csv:1:41: error: unknown column 'postcode' (expected one of: "
         "ref, first_name, last_name, handout, layout, treatment, "
         "start_date, email, date_of_birth, language, large_print, "
         "passphrase)\n",
         "each unknown column at its place");
  patients_free(&pl);

  OK(!load("ref,first_name,last_name,handout,layout,email, email\n", false,
           &pl),
     "duplicate column");
  STR_EQ(err_text(),
         "p.csv:1:47: error: duplicate column 'email' (also column 6 of the "
         "header; expected each column once)\n",
         "duplicate column message");
  patients_free(&pl);

  OK(!load("ref,first_name,last_name,,handout\n", false, &pl),
     "missing layout, empty name");
  STR_EQ(err_text(),
         "p.csv:1:26: error: empty column name (expected one of: ref, "
         "first_name, last_name, handout, layout, treatment, start_date, "
         "email, date_of_birth, language, large_print, passphrase)\n"
         "p.csv:1:1: error: missing column 'layout' (expected the columns "
         "ref, first_name, last_name, handout, layout, and optionally "
         "treatment, start_date, email, date_of_birth, language, "
         "large_print, passphrase)\n",
         "empty and missing columns");
  patients_free(&pl);

  OK(!load("P0001,Zoë,O'Brien,melanoma,a4\n", false, &pl), "no header row");
  STR_EQ(err_text(),
         "p.csv:1:1: error: no header row (expected the first line to name "
         "the columns: ref, first_name, last_name, handout, layout, and "
         "optionally treatment, start_date, email, date_of_birth, language, "
         "large_print, passphrase)\n",
         "no header: nothing quoted");
  patients_free(&pl);
}

/* One row per problem; line 2 and line 9 are good. */
static const char *const bad_rows =
    "ref,first_name,last_name,handout,layout,start_date,large_print\n"
    "P1,Ann,Lee,melanoma,a4,2026-12-01,no\n"
    "P2,,Ng,melanoma,a4,,\n"
    "P3,Bo,Ng,melanomma,a4,2026-02-30,maybe\n"
    "bad ref!,Cy,Do,melanoma,a4,,\n"
    "p1,Di,Ek,melanoma,a5,,\n"
    "P6,Ed,Fu,melanoma\n"
    ",,,,,,\n"
    "P7,\"Fay\",Gee,melanoma,letter,,YES\n"
    "P8,Gil,\"Hu\x07\",melanoma,a4,,\n";

static void test_rows(void) {
  struct patient_list pl;
  OK(load(bad_rows, false, &pl), "bad rows do not refuse the file");
  STR_EQ(err_text(),
         "p.csv:3:4: error: empty 'first_name' (expected a value: the column "
         "is required)\n"
         "p.csv:4:10: error: unknown handout <redacted> (expected the name "
         "of a file in handouts/ without .yaml; --show-patient-data shows "
         "the value)\n"
         "p.csv:4:23: error: bad start_date <redacted> (expected a date "
         "written YYYY-MM-DD, such as 2026-12-01)\n"
         "p.csv:4:34: error: bad large_print <redacted> (expected yes or "
         "no)\n"
         "p.csv:5:1: error: bad ref <redacted> (expected 1 to 64 letters, "
         "digits, '.', '_' or '-', not starting with '.': refs name the "
         "output files)\n"
         "p.csv:6:1: error: duplicate ref 'p1' (line 2 has 'P1', the same "
         "file name when case is ignored; expected each ref once)\n"
         "p.csv:6:19: error: unknown layout <redacted> (expected the name of "
         "a file in layouts/ without .yaml; --show-patient-data shows the "
         "value)\n"
         "p.csv:7:1: error: row has 4 fields, the header 7 (expected one "
         "field per column; a value holding a comma must be in quotes)\n"
         "p.csv:10:8: error: control character U+0007 in 'last_name' "
         "(expected text)\n",
         "every problem at its field, values redacted");
  INT_EQ(pl.count, 2, "two good rows kept");
  INT_EQ(pl.nbad, 6, "six rows skipped");
  INT_EQ(pl.nrows, 8, "eight rows (the blank one not counted)");
  if (pl.count == 2) {
    STR_EQ(pl.patients[0].ref, "P1", "first good row");
    STR_EQ(pl.patients[1].ref, "P7", "second good row, in file order");
    STR_EQ(pl.patients[1].layout, "large-print", "YES overrides layout");
    INT_EQ(pl.patients[1].row, 8, "data row number counts blank rows");
  }
  static const char *const secrets[] = {
      "melanomma", "2026-02-30", "maybe", "bad ref!", "a5", "Ann", "Hu"};
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
    OK(strstr(errbuf, secrets[i]) == NULL, "'%s' not in any message",
       secrets[i]);
  patients_free(&pl);

  OK(load(bad_rows, true, &pl), "again with show_patient_data");
  const char *e = err_text();
  OK(strstr(e, "p.csv:4:10: error: unknown handout 'melanomma' (did you mean "
               "'melanoma'?)\n") != NULL,
     "shown: handout value and did you mean");
  OK(strstr(e, "p.csv:4:23: error: bad start_date '2026-02-30' (expected") !=
         NULL,
     "shown: date value");
  OK(strstr(e, "p.csv:4:34: error: bad large_print 'maybe' (expected yes or "
               "no)\n") != NULL,
     "shown: large_print value");
  OK(strstr(e, "p.csv:5:1: error: bad ref 'bad ref!' (expected") != NULL,
     "shown: bad ref");
  OK(strstr(e, "p.csv:6:19: error: unknown layout 'a5' (did you mean "
               "'a4'?)\n") != NULL,
     "shown: layout");
  INT_EQ(pl.count, 2, "same rows kept");
  patients_free(&pl);
}

static void test_values(void) {
  struct patient_list pl;
  OK(load("ref,first_name,last_name,handout,layout,email,date_of_birth,"
          "language\n"
          "A.1,X,Y,melanoma,a4,not-an-email,1950-13-01,e_s\n"
          ".hidden,X,Y,melanoma,a4,,,\n"
          "A-2,X,Y,../etc/passwd,a4,,2024-02-29,es-419\n"
          "A_3,X,Y,melanoma,a4,,2023-02-29,\n"
          "a-2,X,Y,melanoma,a4,,,\n",
          false, &pl),
     "value checks");
  STR_EQ(err_text(),
         "p.csv:2:21: error: bad email <redacted> (expected an address like "
         "name@example.org)\n"
         "p.csv:2:34: error: bad date_of_birth <redacted> (expected a date "
         "written YYYY-MM-DD, such as 2026-12-01)\n"
         "p.csv:2:45: error: bad language <redacted> (expected a BCP 47 tag "
         "such as en-GB or es)\n"
         "p.csv:3:1: error: bad ref <redacted> (expected 1 to 64 letters, "
         "digits, '.', '_' or '-', not starting with '.': refs name the "
         "output files)\n"
         "p.csv:4:9: error: unknown handout <redacted> (expected the name of "
         "a file in handouts/ without .yaml; --show-patient-data shows the "
         "value)\n"
         "p.csv:5:22: error: bad date_of_birth <redacted> (expected a date "
         "written YYYY-MM-DD, such as 2026-12-01)\n"
         "p.csv:6:1: error: duplicate ref 'a-2' (line 4 has 'A-2', the same "
         "file name when case is ignored; expected each ref once)\n",
         "email, dates (leap years), language, path, ref");
  INT_EQ(pl.count, 0, "all skipped");
  INT_EQ(pl.nbad, 5, "five bad rows");
  patients_free(&pl);

  /* 64-character ref is fine, 65 is not */
  char text[512];
  snprintf(text, sizeof text,
           "ref,first_name,last_name,handout,layout\n"
           "%064d,A,B,melanoma,a4\n%065d,A,B,melanoma,a4\n",
           7, 8);
  OK(load(text, false, &pl), "ref lengths");
  INT_EQ(pl.count, 1, "64 kept");
  INT_EQ(pl.nbad, 1, "65 skipped");
  patients_free(&pl);

  OK(iso_date_valid("2000-02-29"), "2000 is a leap year");
  OK(!iso_date_valid("1900-02-29"), "1900 is not");
  OK(!iso_date_valid("2026-1-01"), "two-digit month");
  OK(!iso_date_valid("2026-01-01x"), "nothing after");
}

static void test_file_errors(void) {
  struct patient_list pl;
  err_reset(false);
  OK(!patients_load("/nonexistent/p.csv", NULL, "handouts", "layouts", &d, &pl),
     "missing file");
  OK(pl.io_error, "io_error set");
  patients_free(&pl);

  err_reset(false);
  OK(!patients_load_mem("p.csv", "ref\n", 4, "/nonexistent", "layouts", &d,
                        &pl),
     "missing handouts folder");
  OK(pl.io_error, "io_error set for the folder");
  STR_EQ(err_text(),
         "p.csv: error: cannot read the folder /nonexistent: No such file or "
         "directory (expected the handouts folder the 'handout' column names "
         "files in)\n",
         "folder message");
  patients_free(&pl);

  OK(!load("ref,first_name\n\"x\n", false, &pl), "CSV error refuses file");
  OK(!pl.io_error, "not an I/O error");
  patients_free(&pl);
}

int main(void) {
  errf = tmpfile();
  if (!errf)
    abort();
  test_good();
  test_header();
  test_rows();
  test_values();
  test_file_errors();
  return harness_done();
}
