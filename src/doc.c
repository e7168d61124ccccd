/* doc and pagedef: release functions (the structures are built by load.c). */
#include <stdlib.h>

#include "doc.h"
#include "pagedef.h"

void doc_free(struct doc *doc) {
  if (!doc) return;
  arena_free(doc->arena);
  free(doc);
}

void pagedef_free(struct pagedef *p) {
  if (!p) return;
  arena_free(p->arena);
  free(p);
}
