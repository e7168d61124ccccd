/*
 * hyph: where a word may be hyphenated.  The only includer of libhyphen.
 *
 * Liang patterns from Debian's hyphen-* packages (/usr/share/hyphen by
 * default, or $HANDOUT_HYPHEN_DIR), with lhmin = rhmin = 3 ("hyphenate3"),
 * plus the project's exception list (layouts/hyphenation.txt): drug names and
 * other words listed there are hyphenated only where the list says, or never
 * if listed without hyphens.
 *
 * Ownership: struct hyph owns the dictionary and a cache of hyphenated
 * words; hyph_free() releases both.  Not thread safe (the cache is filled
 * on use): one per worker, like a fontset.
 */
#ifndef HANDOUT_HYPH_H
#define HANDOUT_HYPH_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

struct hyph;

/* language: "en-US", "en-GB", ...  exceptions_path may be NULL.  Returns NULL
 * after reporting through diag if the dictionary cannot be loaded. */
struct hyph *hyph_open(const char *language, const char *exceptions_path,
                       struct diag *d);
void hyph_free(struct hyph *h);

/* word: UTF-8 letters only, len bytes.  Sets points[i] = true when a hyphen
 * may go after the i-th character (code point) of the word; points has room
 * for as many entries as the word has characters.  Returns the number of
 * points set. */
int hyph_word(struct hyph *h, const char *word, size_t len, bool *points);

#endif
