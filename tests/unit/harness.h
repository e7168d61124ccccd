/*
 * harness: a minimal unit-test harness (after cmark's api_test/harness.h).
 *
 *   OK(cond, "what")       a check
 *   INT_EQ(got, want, "what"), STR_EQ(got, want, "what")
 *   return harness_done();  from main: prints "N passed, N failed", exit code
 *
 * Each test program includes this once.
 */
#ifndef HANDOUT_HARNESS_H
#define HANDOUT_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_passed, harness_failed;

#define OK(cond, ...)                                                         \
  do {                                                                        \
    if (cond) {                                                               \
      harness_passed++;                                                       \
    } else {                                                                  \
      harness_failed++;                                                       \
      fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                   \
      fprintf(stderr, __VA_ARGS__);                                           \
      fputc('\n', stderr);                                                    \
    }                                                                         \
  } while (0)

#define INT_EQ(got, want, ...)                                                \
  do {                                                                        \
    long long g_ = (long long)(got), w_ = (long long)(want);                  \
    OK(g_ == w_, __VA_ARGS__);                                                \
    if (g_ != w_) fprintf(stderr, "    got %lld, want %lld\n", g_, w_);       \
  } while (0)

#define STR_EQ(got, want, ...)                                                \
  do {                                                                        \
    const char *g_ = (got), *w_ = (want);                                     \
    int same_ = g_ && w_ && strcmp(g_, w_) == 0;                              \
    OK(same_, __VA_ARGS__);                                                   \
    if (!same_)                                                               \
      fprintf(stderr, "    got \"%s\"\n    want \"%s\"\n", g_ ? g_ : "(null)",  \
              w_ ? w_ : "(null)");                                            \
  } while (0)

static int harness_done(void) {
  printf("%d passed, %d failed\n", harness_passed, harness_failed);
  return harness_failed ? 1 : 0;
}

#endif
