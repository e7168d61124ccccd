/*
 * load: YAML files to typed structures.
 *
 *   handouts/NAME.yaml (+ includes from handouts/common/) -> struct doc
 *   layouts/NAME.yaml                                      -> struct pagedef
 *
 * Reads with libyaml's event API (through yamlread.h, the only includer of
 * yaml.h), so every value keeps its file:line:col.  Rejected, each with one
 * `file:line:col: error: what (expected what)` line through diag:
 * unknown keys (with "did you mean"), wrong node kinds, duplicate keys,
 * anchors and aliases, nesting deeper than LOAD_MAX_DEPTH, files larger than
 * LOAD_MAX_BYTES, invalid UTF-8, tabs in indentation, missing required keys,
 * bad dates and lengths, includes that escape the handouts folder.
 *
 * Ownership: the returned struct and everything it points to belong to the
 * caller; free with doc_free() / pagedef_free().  On any error the functions
 * report every problem they can find, free what they built and return NULL.
 */
#ifndef HANDOUT_LOAD_H
#define HANDOUT_LOAD_H

#include "diag.h"
#include "doc.h"
#include "pagedef.h"

#define LOAD_MAX_BYTES (1024 * 1024) /* per YAML file */
#define LOAD_MAX_DEPTH 32            /* nested mappings and sequences */
#define LOAD_MAX_INCLUDES 64         /* include: directives per handout */

/* path: the handout file.  root: the folder includes must stay inside
 * (normally "handouts"); include: paths are relative to root. */
struct doc *load_handout(const char *path, const char *root, struct diag *d);

/* name_or_path: "a4" (looked up as layouts_dir/a4.yaml) or a path to a
 * .yaml file. */
struct pagedef *load_pagedef(const char *name_or_path, const char *layouts_dir,
                             struct diag *d);

#endif
