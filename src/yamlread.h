/*
 * yamlread: one YAML file to a small generic node tree with source marks.
 *
 *   bytes on disk -> checks (size, UTF-8, tabs) -> libyaml events -> yr_node
 *
 * The only includer of yaml.h.  It reads with libyaml's event API, so every
 * node keeps its own position, and enforces what libyaml does not:
 *
 *   - at most LOAD_MAX_BYTES per file ("file is N bytes (expected ...)")
 *     and LOAD_MAX_SCALAR per value ("value is N bytes long (...)");
 *   - valid UTF-8, checked before libyaml sees the bytes, reported at the
 *     exact line:col of the first bad byte;
 *   - no tab characters in indentation;
 *   - no anchors (&a), aliases (*a) or tags (!t), reported where they are;
 *   - at most LOAD_MAX_DEPTH mappings and sequences nested inside the top
 *     one (the top collection is level 0), checked as soon as it is
 *     exceeded;
 *   - mapping keys are plain text and unique ("duplicate key ...");
 *   - one document per file.
 * libyaml syntax errors become one plain `file:line:col: error:` line
 * (libyaml's 0-based marks + 1).
 *
 * No implicit typing happens here: every scalar is text with its style, and
 * load.c gives values their types from the schema.  For every scalar the
 * reader also computes inline anchors (inline.h): the value byte offset
 * where each source line of the scalar starts and that byte's file position,
 * for plain multi-line, quoted, literal (|) and folded (>) scalars.  Escapes
 * in quoted scalars (\t, \u00e9, '') start a new anchor after them, so every
 * value byte maps to its exact character in the file.
 *
 * Ownership: nodes, strings and anchors come from the arena passed in and
 * live until the caller frees that arena.  pos.file in every node is the
 * display_path pointer passed in (not copied): keep it alive as long as the
 * positions are used.
 *
 * Errors: reported through diag; yamlread_file() returns NULL if the file
 * had any error (after reporting every error it found in one pass, except
 * that a syntax error, bad UTF-8, a tab or the depth limit stop the read).
 *
 * Included by the modules that read YAML (load.c, site.c, lint.c) and unit
 * tests only.
 */
#ifndef HANDOUT_YAMLREAD_H
#define HANDOUT_YAMLREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "inline.h"
#include "util.h"

enum yr_kind {
  YR_SCALAR,
  YR_MAPPING,
  YR_SEQUENCE,
  YR_ANY, /* only in struct yr_field: the handler checks the kind itself */
  YR__MAX
};

enum yr_style {
  YR_PLAIN,
  YR_SINGLE_QUOTED,
  YR_DOUBLE_QUOTED,
  YR_LITERAL, /* | */
  YR_FOLDED,  /* > */
  YR_STYLE__MAX
};

struct yr_node;

struct yr_pair {
  struct yr_node *key; /* always a YR_SCALAR */
  struct yr_node *value;
};

struct yr_node {
  enum yr_kind kind;
  struct src_pos pos; /* first character of the node (libyaml start_mark) */

  /* YR_SCALAR */
  const char *str; /* NUL-terminated UTF-8 value; "" for an empty value */
  size_t len;      /* bytes */
  enum yr_style style;
  struct inline_anchor *anchors; /* at least one; anchors[0].offset == 0 */
  size_t nanchors;

  /* YR_MAPPING, in file order */
  struct yr_pair *pairs;
  size_t npairs;

  /* YR_SEQUENCE, in file order */
  struct yr_node **items;
  size_t nitems;

  bool flow; /* YR_MAPPING, YR_SEQUENCE: written as {...} or [...] */
};

/* Read path and return its root node (NULL for an empty file, which is
 * reported as an error).  display_path is what positions print.
 * Returns NULL after reporting through d on any error. */
struct yr_node *yamlread_file(const char *path, const char *display_path,
                              struct arena *arena, struct diag *d);

/* The same for a buffer already in memory (tests, fuzzing).  text need
 * not be NUL-terminated. */
struct yr_node *yamlread_buffer(const char *text, size_t len,
                                const char *display_path, struct arena *arena,
                                struct diag *d);

/* ---- helpers for schema code ------------------------------------------- */

/* "a mapping", "a sequence", "a text value", "an empty value". */
const char *yr_kind_name(const struct yr_node *n);

/* True if n is a plain empty scalar (`key:` with nothing after it). */
bool yr_is_empty(const struct yr_node *n);

/* Check n's kind; if it differs, report
 * "expected a mapping, found a sequence (check indentation)" at n. */
bool yr_expect(struct diag *d, const struct yr_node *n, enum yr_kind kind);

/* Look up a key in a mapping (NULL if absent). */
const struct yr_node *yr_get(const struct yr_node *map, const char *key);

/*
 * Table-driven mapping dispatch.  One table per mapping type; each row is
 * {key, expected kind, required, handler}.  yr_dispatch() walks the pairs in
 * file order: an unknown key is reported at the key ("unknown key 'titel'
 * (did you mean 'title'?)" or "(expected one of: a, b, c)"), a value of the
 * wrong kind at the value, otherwise the handler runs.  Finally every
 * required key that was absent is reported at the mapping's position
 * ("missing required key 'review_by'"), unless an unknown key was already
 * reported with that key as its suggestion.
 * ctx is the caller's state, obj the structure being filled; each handler
 * gets a pointer to its own field of obj (obj + offset).
 * Returns false if any error was reported (handlers report through their
 * own diag and return false).
 */
typedef bool (*yr_handler)(void *ctx, void *dst, const struct yr_node *key,
                           const struct yr_node *value);

struct yr_field {
  const char *key;
  enum yr_kind kind; /* YR_ANY: no kind check */
  bool required;
  yr_handler handler; /* called with dst = (char *)obj + offset */
  size_t offset;      /* offsetof() the field the handler fills */
};

bool yr_dispatch(struct diag *d, const struct yr_node *map,
                 const struct yr_field *fields, size_t nfields, void *ctx,
                 void *obj);

/* Report an unknown key at the key: "unknown WHAT 'x' (did you mean 'y'?)"
 * when one of names[] is close, else "(expected one of: a, b, c)".  what is
 * "key" or, for example, "block type".  Returns the suggestion or NULL. */
const char *yr_unknown_key(struct diag *d, const struct yr_node *key,
                           const char *what, const char *const *names,
                           size_t nnames);

/* ---- typed readers shared by every loader (handouts, layouts, sites) ----
 * A loader's context struct must begin with struct yr_ctx, so that the
 * shared handlers below can be put in its yr_field tables. */
struct yr_ctx {
  struct diag *d;
  struct arena *arena; /* where kept strings go */
};

/* Non-empty text copied into ctx->arena: "empty value for 'k' (expected
 * text)" otherwise. */
bool yr_text(struct yr_ctx *ctx, const struct yr_node *k,
             const struct yr_node *v, const char **out);
/* An id: yr_text, then only lowercase letters, digits and '-'; the error
 * names example ("like demo") as the expected form. */
bool yr_id(struct yr_ctx *ctx, const struct yr_node *k,
           const struct yr_node *v, const char **out, const char *example);
/* yr_field handlers: dst is a const char * (text), a bool (true|false
 * only, as the schema says: yes/no/on/off are refused), or a const struct
 * yr_node * kept for checks after the dispatch. */
bool yr_h_text(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v);
bool yr_h_bool(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v);
bool yr_h_node(void *ctx, void *dst, const struct yr_node *k, const struct yr_node *v);

/* Position of byte offset off of a scalar's value (via its anchors). */
struct src_pos yr_pos_at(const struct yr_node *scalar, size_t off);

#endif
