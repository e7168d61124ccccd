/*
 * batch: many jobs (job.h) over worker processes, with sharding, a
 * manifest, a progress line and privacy rules for per-patient leaflets.
 *
 *   items (handout x layout, or one per patient row) -> [--shard K/N]
 *   -> input keys; keep what an earlier run finished (resume, below)
 *   -> fork -j workers over the rest (worker w runs the w-th, w+N-th, ...
 *      in order)
 *   -> each writes OUTDIR/ITEM.rel_path atomically and sends the parent one
 *      fixed-size result record per item through a pipe
 *   -> the parent appends each to the journal as it comes, and at the end
 *      writes OUTDIR/manifest.jsonl (manifest-K-of-N.jsonl for a shard)
 *      atomically, in item order
 *
 * Determinism: every item is rendered on its own (the worker's job cache
 * holds only layouts, fonts and profiles), so the files and the manifest
 * are byte-identical whatever the number of workers.  The manifest holds
 * no time, host or worker number.
 *
 * Sharding: item i belongs to shard (fnv1a64(key) % N) + 1, key = the ref
 * for a patient, "HANDOUT\0LAYOUT" (the names, not the paths) otherwise.
 * A key's shard depends on nothing else, so adding rows to a patients file
 * moves no other row to another shard, and the N shards are disjoint and
 * together exactly the unsharded set.
 *
 * Manifest: one JSON object per line, in item order:
 *   patients: {"ref", "layout", "path", "pages", "bytes", "sha256", "input",
 *             "status"} ("handout" after "ref" only with show_patient_data:
 *             handout names tell a diagnosis), mode 0600;
 *   otherwise {"handout", "layout", "path", ...}, mode 0644.
 * path is relative to OUTDIR (the manifest's folder); status is "ok",
 * "invalid" or "io-error"; pages, bytes and sha256 (of the file's bytes, as
 * sha256sum prints it) are null unless ok.  input is the item's input key
 * (batch.c): a SHA-256 over the program, fonts, handout with its includes
 * and images, layout, clinic profile, fixed date, --impose and the
 * patient's whole row, so it can be checked only by someone holding the
 * row.  The manifest is written (atomically) only when every item has
 * reported: a manifest present means a complete run that agrees with the
 * files.
 *
 * Journal: MANIFEST.partial (manifest.jsonl.partial) holds the lines of the
 * items done so far, in the order they finished: the worker fsyncs the
 * file and renames it into place, then the parent fsyncs its folder and
 * appends and fsyncs the line (lines that arrive together share one group
 * of fsyncs).  After any interruption (SIGTERM, SIGKILL, a power
 * cut, a full disk) every journal line names a complete file with that
 * sha256; the files renamed just before a SIGKILL may have no line yet
 * (they are complete; the next run makes them again).  A complete run writes the
 * manifest and removes the journal.
 *
 * Resume (the default; fresh: off): a run first reads the manifest and
 * journal an earlier run left (the journal's lines win) and keeps an item
 * without rendering it when its line says ok with the same input key and
 * the file is a regular file with the line's size, sha256 and this run's
 * mode.  It then removes the temporary files killed runs left of its own
 * items (OUTDIR/REL.tmp.XXXXXX, job_write_atomic's names; the manifest's
 * and journal's too; only this run's names, so shards sharing OUTDIR never
 * touch each other's), writes a new journal holding the kept items' lines,
 * removes the old manifest, and renders the rest.  The final manifest of a
 * resumed run is byte-identical to that of an uninterrupted run.
 *
 * Privacy (patient batches without show_patient_data): a job's messages
 * that are not at a place in the patients file (messages about the handout
 * or layout name the handout, i.e. a diagnosis) are not shown; one line at
 * the row's place says how many were hidden.  Messages at the patients
 * file's places never quote a value (shape.h, patients.h).  Progress
 * carries counts only.
 *
 * Signals: SIGINT and SIGTERM make the parent forward the signal to the
 * workers; each finishes the item it is on (its file is complete or, on
 * failure, its temporary file removed) and stops; the parent journals the
 * records still coming, and batch_run returns 3 with result->interrupted
 * set, the journal in place and no manifest.  A worker whose parent dies
 * (SIGKILL) gets SIGTERM from the kernel (Linux) and stops the same way.
 * A journal line that cannot be written (a full disk) stops the batch the
 * same way: the line is cut off, its leaflet removed, exit status 3.
 *
 * Errors: per item through the worker's messages on stderr; batch-level
 * failures (pipe, fork, journal, manifest) through d; an output folder
 * that cannot be written fails before any item runs, naming the folder.
 * Returns the exit status (job.h): 0 all ok, 1 some item invalid, 3 an
 * I/O failure or interruption.
 *
 * Ownership: items are borrowed; nothing is kept after return.
 * Included by the CLI (main.c) and tests.
 */
#ifndef HANDOUT_BATCH_H
#define HANDOUT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "job.h"

#define BATCH_MAX_SHARDS 10000

struct batch_item {
  const char *handout;      /* path of the handout YAML */
  const char *layout;       /* layout name or path (struct job's layout) */
  const char *handout_name; /* "melanoma": manifest and shard key */
  const char *layout_name;  /* "a4": manifest and shard key */
  const char *rel_path;     /* output file, relative to the output folder */
  const struct patient *patient; /* NULL: a generic leaflet */
};

struct batch_options {
  const char *outdir;   /* exists */
  const char *site;     /* clinic profile name or path */
  const char *date;     /* fixed PDF date, or NULL: each handout's own */
  bool impose;          /* --impose */
  int jobs;             /* worker processes, >= 1 (fewer if fewer items) */
  bool patients;        /* per-patient leaflets: mode 0600, privacy */
  const char *csv_path; /* the patients file as positions print it */
  bool show_patient_data;
  bool progress;        /* draw the progress line (stderr is a terminal) */
  int shard_k, shard_n; /* this shard, for the manifest's name; 0 0: none */
  bool fresh;           /* --fresh: render every item, keep nothing earlier */
};

struct batch_result {
  size_t total;  /* items run */
  size_t ok, invalid, io;
  size_t kept;   /* of ok: files an earlier run left, not rendered again */
  size_t hidden; /* messages not shown (privacy) */
  double seconds;
  bool interrupted;
  int signal;           /* the signal, when interrupted */
  char manifest[4608];  /* the manifest written, or "" */
};

/* FNV-1a, 64 bits. */
uint64_t batch_fnv1a64(const void *data, size_t len);

/* The shard (1..nshards) item it belongs to. */
int batch_shard_of(const struct batch_item *it, int nshards);

/* Keep in items[0..n) only those of shard k of nshards, in order; returns
 * the new count. */
size_t batch_select_shard(struct batch_item *items, size_t n, int k,
                          int nshards);

/* Parse "K/N" (1 <= K <= N <= BATCH_MAX_SHARDS). */
bool batch_parse_shard(const char *s, int *k, int *n);

/* Run items[0..n); see the top of this file.  result is always filled. */
int batch_run(const struct batch_item *items, size_t n,
              const struct batch_options *o, const struct job_paths *paths,
              struct diag *d, struct batch_result *result);

#endif
