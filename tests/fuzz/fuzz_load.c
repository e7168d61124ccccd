/*
 * fuzz_load: handout YAML bytes -> load_handout_mem() -> dump_tree().
 *
 * The input is read as handouts/fuzz.yaml of the data folder, so include:
 * directives reach the real handouts/common/ files.  Must never crash, leak
 * or hang, whatever the bytes.
 */
#include <stdio.h>

#include "dump.h"
#include "fuzz_common.h"
#include "load.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char name[4096], root[4096];
  if (!*name) {
    snprintf(root, sizeof root, "%s/handouts", fuzz_home());
    snprintf(name, sizeof name, "%s/handouts/fuzz.yaml", fuzz_home());
  }
  struct diag d;
  diag_init(&d, fuzz_devnull());
  struct doc *doc = load_handout_mem(name, (const char *)data, size, root, &d);
  if (doc) {
    dump_tree(fuzz_devnull(), doc);
    doc_free(doc);
  }
  return 0;
}
