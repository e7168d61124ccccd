/*
 * bench_render HANDOUT LAYOUT RUNS OUT.pdf
 *
 * Renders one handout RUNS times in this one process (load, compose,
 * paginate, render, pdffix, atomic write: the whole job, with the layout,
 * its fonts and hyphenation dictionary cached as a batch worker keeps them
 * after its first job) and prints the
 * median, minimum and maximum wall-clock and CPU milliseconds per render.
 * Used by tests/bench/bench.sh; never a pass/fail test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "job.h"

static double now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bench_render HANDOUT LAYOUT RUNS OUT.pdf\n");
    return 2;
  }
  int runs = atoi(argv[3]);
  if (runs < 1) runs = 1;
  const char *home = getenv("HANDOUT_HOME");
  if (!home) home = ".";
  char fonts[4096], layouts[4096], hyph[4096], sites[4096];
  snprintf(fonts, sizeof fonts, "%s/fonts", home);
  snprintf(layouts, sizeof layouts, "%s/layouts", home);
  snprintf(hyph, sizeof hyph, "%s/layouts/hyphenation.txt", home);
  snprintf(sites, sizeof sites, "%s/handouts/sites", home);
  struct job_paths paths = {fonts, layouts, hyph, sites};
  struct job job = {.handout = argv[1], .layout = argv[2], .out_path = argv[4],
                    .dump = DUMP_NONE, .site = "demo"};
  struct job_cache *cache = job_cache_new();
  double *wall = calloc((size_t)runs, sizeof *wall);
  double *cpu = calloc((size_t)runs, sizeof *cpu);
  for (int i = 0; i < runs; i++) {
    struct diag d;
    diag_init(&d, stderr);
    double w0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (job_run(&job, &paths, cache, &d) != JOB_OK) return 1;
    wall[i] = now_ms(CLOCK_MONOTONIC) - w0;
    cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
  }
  qsort(wall, (size_t)runs, sizeof *wall, cmp_double);
  qsort(cpu, (size_t)runs, sizeof *cpu, cmp_double);
  printf("wall_ms median %.3f min %.3f max %.3f\n", wall[runs / 2], wall[0],
         wall[runs - 1]);
  printf("cpu_ms median %.3f min %.3f max %.3f\n", cpu[runs / 2], cpu[0],
         cpu[runs - 1]);
  free(wall);
  free(cpu);
  job_cache_free(cache);
  return 0;
}
