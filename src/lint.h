/*
 * lint: content checks an author wants before printing, compiler style.
 *
 *   file:line:col: warning|error: what (expected what)
 *
 * Input:  handout files (load.h), the layouts (for the layout checks), the
 *         glossary (handouts/lint/glossary.yaml), the drug names of
 *         layouts/hyphenation.txt and the clinic profile (for variables).
 * Output: diagnostics through diag (text) or one JSON object per line
 *         (--format json) on out; nothing is rendered.
 *
 * Checks (defaults): body-text readability (Flesch-Kincaid grade, SMOG and
 * Flesch Reading Ease, all three reported as a note; error above FKGL 8 or
 * SMOG 10); lists longer than 7 items; sentences longer than 25 words;
 * required parts (main message first, an urgent call-out with a phone
 * number, questions, sources); review_by passed (error) or within 60 days
 * (warning); images without alt text; glossary terms used before they are
 * explained; unknown {{variables}}; for each layout: body size under its
 * minimum, justified or hyphenated text in a clear-print layout (min_size
 * 12pt or more), text/background contrast under 4.5:1 (error) or 7:1
 * (warning).  lint.c's top comment gives every rule exactly.
 *
 * "today" is a YYYY-MM-DD date (from $HANDOUT_TODAY, or the real date: the
 * one place the wall clock is read, since review dates are about now).
 *
 * Ownership: lint_run() frees everything it builds; the options and paths
 * stay the caller's.  Messages go to d->out (text) or opt->out (JSON).
 */
#ifndef HANDOUT_LINT_H
#define HANDOUT_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"

enum lint_format { LINT_TEXT, LINT_JSON };

struct lint_options {
  enum lint_format format;
  const char *today;       /* YYYY-MM-DD */
  const char *layouts_dir; /* every *.yaml in it is checked */
  const char *glossary;    /* handouts/lint/glossary.yaml, may be absent */
  const char *sites_dir;   /* for variables: the demo profile's names */
  FILE *out;               /* JSON lines go here */

  /* Extensions (zero = the default). */
  const char *const *layouts; /* names or paths to check instead of every
                                 .yaml file in layouts_dir (-l) */
  size_t nlayouts;
  const char *hyphenation; /* layouts/hyphenation.txt: its unhyphenated
                              entries are drug names; NULL or absent: none */
  const char *site;        /* clinic profile; NULL: SITE_DEFAULT ("demo") */
};

/* Lint every handout in paths (files or folders of *.yaml).  Returns the
 * number of errors found (0 = clean); diag counts them too. */
int lint_run(char **paths, int npaths, const struct lint_options *opt,
             struct diag *d);

/* Syllables in one English word (exposed for the unit test).  Letters only
 * count; a word with a digit counts as one syllable; parts joined by '-' or
 * '/' are counted apart and added. */
int lint_syllables(const char *word);

/* Today's date for review_by: $HANDOUT_TODAY if set (must be a YYYY-MM-DD
 * calendar date, else false), otherwise the local date.  buf >= 11 bytes. */
bool lint_today(char *buf, size_t size);

#endif
