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
 * bad dates and lengths, includes that escape the handouts folder, and
 * anything over the size limits below (values, lists, tables, sources,
 * links, blocks).
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
/* Limits that keep every render of a valid-looking file within 256 MiB and
 * 10 s (tests/fuzz/limits.py checks it); real leaflets are far below them. */
#define LOAD_MAX_SCALAR 16384        /* bytes in one value (a paragraph) */
#define LOAD_MAX_LIST_ITEMS 100      /* items in one list */
#define LOAD_MAX_TABLE_ROWS 200      /* rows in one table, header excluded */
#define LOAD_MAX_TABLE_COLUMNS 12    /* columns in one table */
#define LOAD_MAX_SOURCES 100         /* entries in sources: */
#define LOAD_MAX_LINKS 1000          /* [text](url) links per handout */
#define LOAD_MAX_BLOCKS 2000         /* per handout: headings, paragraphs,
                                        list items, table rows, call-outs,
                                        images and QR codes, includes
                                        spliced in */

/* path: the handout file.  root: the folder includes must stay inside
 * (normally "handouts"); include: paths are relative to root. */
struct doc *load_handout(const char *path, const char *root, struct diag *d);

/* The same for a handout already in memory (bytes[0..len), not necessarily
 * NUL-terminated; tests, fuzzing, renders from a buffer): name is the path
 * positions print, root as above.  The same checks and messages as for a
 * file, including the LOAD_MAX_BYTES limit. */
struct doc *load_handout_mem(const char *name, const char *bytes, size_t len,
                             const char *root, struct diag *d);

/* name_or_path: "a4" (looked up as layouts_dir/a4.yaml) or a path to a
 * .yaml file. */
struct pagedef *load_pagedef(const char *name_or_path, const char *layouts_dir,
                             struct diag *d);

/* A layout already in memory; name is what positions print (no lookup). */
struct pagedef *load_pagedef_mem(const char *name, const char *bytes,
                                 size_t len, struct diag *d);

#endif
