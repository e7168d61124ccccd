/*
 * fuzz_render: handout YAML bytes -> the whole pipeline (load, resolve,
 * compose, paginate, render, pdffix) -> PDF bytes in memory, through
 * job_render_mem().  Nothing is written to disk.
 *
 * The layout is the valid a4 of the data folder, with its fonts; layouts,
 * fonts, the hyphenator and the clinic profile stay loaded in one job cache
 * for the whole run, as in a batch worker.  A PDF that comes back must at
 * least look like one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "job.h"

static struct job_cache *cache;
static struct job_paths paths;
static char name[4096], fonts[4096], layouts[4096], hyph[4096], sites[4096];

static void fuzz_render_init(void) {
  const char *home = fuzz_home();
  snprintf(name, sizeof name, "%s/handouts/fuzz.yaml", home);
  snprintf(fonts, sizeof fonts, "%s/fonts", home);
  snprintf(layouts, sizeof layouts, "%s/layouts", home);
  snprintf(hyph, sizeof hyph, "%s/layouts/hyphenation.txt", home);
  snprintf(sites, sizeof sites, "%s/handouts/sites", home);
  paths.fonts_dir = fonts;
  paths.layouts_dir = layouts;
  paths.hyphenation = hyph;
  paths.sites_dir = sites;
  cache = job_cache_new();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!cache) fuzz_render_init();
  struct diag d;
  diag_init(&d, fuzz_devnull());
  size_t len = 0;
  unsigned char *pdf =
      job_render_mem(name, (const char *)data, size, "a4",
                     "D:20260101000000+00'00'", &paths, cache, &d, &len);
  if (pdf) {
    if (len < 8 || memcmp(pdf, "%PDF-", 5) != 0) abort();
    if (fuzz_devnull() == stderr) fprintf(stderr, "PDF: %zu bytes\n", len);
    free(pdf);
  }
  return 0;
}
