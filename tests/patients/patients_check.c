/*
 * patients_check: load a patients file with patients_load() and report, as
 * the command line does (test driver for tests/patients/: the test
 * patients.awkward-200 lists the rows; tests/bad-csv/ runs through
 * `handout batch --patients` itself, which reports the same lines).
 *
 *   patients_check [--show-patient-data] [--list] FILE.csv
 *
 * Handout and layout names are checked against $HANDOUT_HOME/handouts and
 * $HANDOUT_HOME/layouts (default: the current folder's).  Diagnostics go
 * to stderr; stdout gets "N patients, N rows skipped" and, with --list,
 * one line per patient: ref, handout, layout (no personal data).
 * Exit status: 0 all rows good, 1 a bad row or a bad file, 2 usage, 3 the
 * file could not be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patients.h"

int main(int argc, char **argv) {
  bool show = false, list = false;
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--show-patient-data") == 0)
      show = true;
    else if (strcmp(argv[i], "--list") == 0)
      list = true;
    else if (!file && argv[i][0] != '-')
      file = argv[i];
    else
      file = NULL, i = argc;
  }
  if (!file) {
    fprintf(stderr,
            "usage: patients_check [--show-patient-data] [--list] FILE.csv\n");
    return 2;
  }
  const char *home = getenv("HANDOUT_HOME");
  char hdir[4096], ldir[4096];
  snprintf(hdir, sizeof hdir, "%s%shandouts", home ? home : "",
           home ? "/" : "");
  snprintf(ldir, sizeof ldir, "%s%slayouts", home ? home : "", home ? "/" : "");

  struct diag d;
  diag_init(&d, stderr);
  d.show_patient_data = show;
  struct patient_list pl;
  bool ok = patients_load(file, file, hdir, ldir, &d, &pl);
  printf("%zu patients, %zu rows skipped\n", pl.count, pl.nbad);
  if (list)
    for (size_t i = 0; i < pl.count; i++)
      printf("%s %s %s\n", pl.patients[i].ref, pl.patients[i].handout,
             pl.patients[i].layout);
  int rc = !ok ? (pl.io_error ? 3 : 1) : pl.nbad ? 1 : 0;
  patients_free(&pl);
  return rc;
}
