/*
 * job: one handout in one layout, from YAML to a PDF file (or a text dump).
 *
 *   load (+ clinic profile) -> resolve -> compose -> paginate -> render
 *   (which also writes the finished file bytes) -> atomic write
 *
 * Owns everything it builds for the job (one arena) and frees it before it
 * returns.  The PDF is written to a temporary file in the target folder and
 * renamed into place only when complete, so a failed job leaves no file.
 *
 * Errors go through the job's diag; the return value is the exit status the
 * CLI contract gives (DESIGN.md): 0 done, 1 invalid input, 3 I/O failure.
 */
#ifndef HANDOUT_JOB_H
#define HANDOUT_JOB_H

#include <stdio.h>

#include "diag.h"

struct patient; /* patients.h */

enum job_dump { DUMP_NONE, DUMP_TREE, DUMP_LINES, DUMP_PAGES, DUMP__MAX };

enum job_status { JOB_OK = 0, JOB_INVALID = 1, JOB_USAGE = 2, JOB_IO = 3 };

struct job_paths {
  const char *fonts_dir;   /* fonts/ */
  const char *layouts_dir; /* layouts/ */
  const char *hyphenation; /* layouts/hyphenation.txt (may be absent) */
  const char *sites_dir;   /* handouts/sites/; NULL: "handouts/sites" */
};

struct job {
  const char *handout;  /* path to the handout YAML */
  const char *layout;   /* layout name or path */
  const char *out_path; /* PDF to write; NULL with a dump */
  enum job_dump dump;   /* DUMP_NONE: write the PDF */
  FILE *dump_out;       /* where dumps go (stdout) */
  const char *date;     /* fixed PDF date "D:...", NULL: from the handout */
  const char *site;     /* clinic profile name or path; NULL: SITE_DEFAULT */
  bool impose;          /* --impose: the layout's printer sheets (impose.h)
                           instead of its pages; no effect on a layout
                           without a sheet: */

  /* In memory (fuzzing, tests; see job_render_mem): with handout_bytes set
   * the handout is read from handout_bytes[0..handout_len) and handout is
   * only its name (its folder is still the include root); with pdf_out set
   * the finished PDF is handed over in *pdf_out (malloc'd, caller frees) and
   * *pdf_len instead of being written to out_path. */
  const char *handout_bytes;
  size_t handout_len;
  unsigned char **pdf_out;
  size_t *pdf_len;

  /* Per-patient leaflets (patients.h): the patient whose fields fill
   * {{patient.*}} and when: conditions, or NULL for a generic leaflet.
   * Not owned; must outlive job_run. */
  const struct patient *patient;
  unsigned mode;              /* file mode of out_path; 0 means 0644 */
  struct job_result *result;  /* if set, filled in when the job succeeds */
};

/* What a finished job produced, for manifests and mail journals. */
struct job_result {
  int pages;
  size_t bytes;
  char sha256[65]; /* lower-case hex of the PDF bytes */
};

/* Layouts, fonts, hyphenation dictionaries and clinic profiles kept loaded
 * across the jobs of one worker (loading a hyphenation dictionary alone
 * costs ~10 ms).  Not thread safe: one per worker process.
 * job_cache_free(NULL) is allowed. */
struct job_cache;
struct job_cache *job_cache_new(void);
void job_cache_free(struct job_cache *c);

/* cache may be NULL: everything is then loaded for this job and freed. */
enum job_status job_run(const struct job *job, const struct job_paths *paths,
                        struct job_cache *cache, struct diag *d);

/* The whole pipeline from handout bytes in memory to PDF bytes in memory,
 * nothing written to disk: job_run() with handout_bytes and pdf_out set.
 * name: the handout's path as positions print it (its folder is the include
 * root); layout: name or path as in struct job; date: NULL for the handout's
 * own.  Returns the PDF (malloc'd, caller frees) and its length in
 * *len_out, or NULL after reporting through diag. */
unsigned char *job_render_mem(const char *name, const char *bytes, size_t len,
                              const char *layout, const char *date,
                              const struct job_paths *paths,
                              struct job_cache *cache, struct diag *d,
                              size_t *len_out);

/* "D:YYYYMMDDHHmmSS+00'00'" from $SOURCE_DATE_EPOCH, or NULL if unset.
 * An invalid value is reported and gives NULL too. */
const char *job_date_from_env(struct diag *d, char *buf, size_t size);

/* Write len bytes to path atomically (temp file + fsync + rename), with the
 * given mode.  Returns false after reporting through diag. */
bool job_write_atomic(const char *path, const void *data, size_t len,
                      unsigned mode, struct diag *d);

#endif
