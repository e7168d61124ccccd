/*
 * inline: the inline markup of handout text, to spans.
 *
 *   **bold**            bold text
 *   [text](https://..)  a link (text may contain **bold**)
 *   [[0800 123 4567]]   keep together: never broken across lines
 *   ~                   a non-breaking space (U+00A0), as in TeX
 *   {{clinic.phone_24h}} a variable: one SPAN_VAR span holding the name
 *                       (resolve.h gives it its value); also allowed inside
 *                       a link target, where resolve replaces it
 *   \*  \[  \]  \~  \{  \\  the character itself
 *
 * Input:  a UTF-8 scalar and a map from its byte offsets to source positions.
 * Output: struct doc_inline whose spans split at every change of style and at
 *         every source line, allocated from the given arena.
 * Errors: unclosed ** or [[, a [text]( without ), an empty link target, a
 *         URL that is not http(s)/mailto/tel, an unclosed {{ or a bad
 *         variable name: reported through diag at the exact position;
 *         returns false.
 */
#ifndef HANDOUT_INLINE_H
#define HANDOUT_INLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "doc.h"

/* Where each source line of a scalar starts: byte offset in the scalar value
 * and the 1-based position of that byte in the file. */
struct inline_anchor {
  size_t offset;
  struct src_pos pos;
};

bool inline_parse(struct arena *arena, const char *text, size_t len,
                  const struct inline_anchor *anchors, size_t nanchors,
                  struct diag *d, struct doc_inline *out);

/* Plain text of an inline (markup removed), NUL-terminated, from arena. */
char *inline_plain(struct arena *arena, const struct doc_inline *in);

#endif
