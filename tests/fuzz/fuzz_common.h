/*
 * fuzz_common: what the fuzz targets share (tests/fuzz/fuzz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput(); the same source is linked
 * either with libFuzzer (-DHANDOUT_FUZZ=ON, clang) or with replay.c (every
 * build, to replay tests/fuzz/regressions/ under ctest).
 *
 * Data folders (fonts/, layouts/, handouts/) come from $HANDOUT_HOME, else
 * from the source tree the target was built from (HANDOUT_SOURCE_DIR).
 * Diagnostics go to /dev/null ($HANDOUT_FUZZ_VERBOSE=1: stderr): a target
 * checks that nothing crashes, leaks or hangs, not what is reported.
 */
#ifndef HANDOUT_FUZZ_COMMON_H
#define HANDOUT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HANDOUT_SOURCE_DIR
#define HANDOUT_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The data folder: $HANDOUT_HOME or the source tree. */
static inline const char *fuzz_home(void) {
  const char *h = getenv("HANDOUT_HOME");
  return h && *h ? h : HANDOUT_SOURCE_DIR;
}

/* One /dev/null stream for the whole run (diagnostics are not checked);
 * stderr instead when $HANDOUT_FUZZ_VERBOSE is set, to see what a case
 * does. */
static inline FILE *fuzz_devnull(void) {
  static FILE *f;
  if (!f) {
    const char *v = getenv("HANDOUT_FUZZ_VERBOSE");
    f = v && *v ? stderr : fopen("/dev/null", "w");
  }
  if (!f) abort();
  return f;
}

#endif
