/*
 * job: one handout in one layout, from YAML to a PDF file (or a text dump).
 *
 *   load -> compose -> paginate -> render -> pdffix -> atomic write
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

enum job_dump { DUMP_NONE, DUMP_TREE, DUMP_LINES, DUMP_PAGES, DUMP__MAX };

enum job_status { JOB_OK = 0, JOB_INVALID = 1, JOB_USAGE = 2, JOB_IO = 3 };

struct job_paths {
  const char *fonts_dir;   /* fonts/ */
  const char *layouts_dir; /* layouts/ */
  const char *hyphenation; /* layouts/hyphenation.txt (may be absent) */
};

struct job {
  const char *handout;  /* path to the handout YAML */
  const char *layout;   /* layout name or path */
  const char *out_path; /* PDF to write; NULL with a dump */
  enum job_dump dump;   /* DUMP_NONE: write the PDF */
  FILE *dump_out;       /* where dumps go (stdout) */
  const char *date;     /* fixed PDF date "D:...", NULL: from the handout */
};

/* Layouts, fonts and hyphenation dictionaries kept loaded across the jobs
 * of one worker (loading a hyphenation dictionary alone costs ~10 ms).  Not
 * thread safe: one per worker process.  job_cache_free(NULL) is allowed. */
struct job_cache;
struct job_cache *job_cache_new(void);
void job_cache_free(struct job_cache *c);

/* cache may be NULL: everything is then loaded for this job and freed. */
enum job_status job_run(const struct job *job, const struct job_paths *paths,
                        struct job_cache *cache, struct diag *d);

/* "D:YYYYMMDDHHmmSS+00'00'" from $SOURCE_DATE_EPOCH, or NULL if unset.
 * An invalid value is reported and gives NULL too. */
const char *job_date_from_env(struct diag *d, char *buf, size_t size);

/* Write len bytes to path atomically (temp file + fsync + rename), with the
 * given mode.  Returns false after reporting through diag. */
bool job_write_atomic(const char *path, const void *data, size_t len,
                      unsigned mode, struct diag *d);

#endif
