/*
 * fuzz_layout: layout YAML bytes -> load_pagedef_mem() -> the column width.
 */
#include "fuzz_common.h"
#include "load.h"
#include "paginate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct diag d;
  diag_init(&d, fuzz_devnull());
  struct pagedef *pd =
      load_pagedef_mem("layouts/fuzz.yaml", (const char *)data, size, &d);
  if (pd) {
    volatile hu_t w = paginate_column_width(pd);
    (void)w;
    pagedef_free(pd);
  }
  return 0;
}
