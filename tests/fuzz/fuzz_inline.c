/*
 * fuzz_inline: bytes -> inline_parse() -> inline_plain().
 *
 * The parser's contract is a valid UTF-8 scalar (load has checked it), so
 * other inputs are skipped.  Anchors are synthetic but shaped like the ones
 * yamlread makes: offset 0 at line 1 column 1, and one more after every
 * '\n' (the next source line, column 1).  Besides crashes, the target
 * checks the span invariants doc.h promises.
 */
#include <string.h>

#include "fuzz_common.h"
#include "inline.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  if (utf8_invalid_at(text, size) != (size_t)-1) return 0;
  size_t n = 1;
  for (size_t i = 0; i < size; i++) n += text[i] == '\n';
  struct inline_anchor *a = xcalloc(n, sizeof *a);
  a[0].pos = (struct src_pos){"fuzz.yaml", 1, 1};
  for (size_t i = 0, k = 1; i < size; i++)
    if (text[i] == '\n') {
      a[k].offset = i + 1;
      a[k].pos = (struct src_pos){"fuzz.yaml", (int)k + 1, 1};
      k++;
    }
  struct diag d;
  diag_init(&d, fuzz_devnull());
  struct arena *arena = arena_new();
  struct doc_inline out;
  if (inline_parse(arena, text, size, a, n, &d, &out)) {
    /* the contract of doc.h: spans are not empty, have a position, and
     * never cross a source line (a '\n' can only end one) */
    for (size_t i = 0; i < out.nspans; i++) {
      const struct doc_span *s = &out.spans[i];
      if (s->len == 0 || s->pos.line < 1 || s->pos.col < 1) abort();
      const char *nl = memchr(s->text, '\n', s->len);
      if (nl && nl != s->text + s->len - 1) abort();
    }
    (void)inline_plain(arena, &out);
  }
  arena_free(arena);
  free(a);
  return 0;
}
