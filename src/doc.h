/*
 * doc: the document model of one handout, as load produces it.
 *
 * Input:  built by load (load.h) from handouts/NAME.yaml and its includes.
 * Output: read by compose (text to lines, blocks to boxes) and by dump.
 *
 * Ownership: every pointer in a struct doc (strings, spans, blocks) points
 * into doc->arena; doc_free() releases all of it.  Nothing is shared with
 * other documents.
 *
 * Sections are flattened: a section becomes a DOC_HEADING block (level 1 or
 * 2) followed by its body blocks, so later stages see one block sequence in
 * reading order.
 *
 * Text: every string is valid UTF-8 (load rejects anything else).  Inline
 * markup (bold, links, keep-together runs, non-breaking spaces) has already
 * been parsed into spans (inline.h).  A span never crosses a source line, so
 * the position of its n-th character is span.pos with col + n (exact unless
 * the YAML used escapes inside the span).
 */
#ifndef HANDOUT_DOC_H
#define HANDOUT_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

struct patient; /* patients.h */

enum doc_span_flag {
  SPAN_BOLD = 1 << 0, /* **bold** */
  SPAN_KEEP = 1 << 1, /* [[keep together]]: no line break anywhere inside */
  SPAN_VAR = 1 << 2,  /* {{clinic.name}}: text is the variable's name; pos is
                         the '{{'.  resolve.h replaces every one of these
                         before compose sees the document */
  SPAN_PATIENT = 1 << 3, /* text from a patient field ({{patient.*}} filled
                         in by resolve): personal data, never quoted in a
                         message unless diag->show_patient_data
                         (diag_redact) */
};

struct doc_span {
  const char *text; /* UTF-8, not NUL-terminated; U+00A0 for ~ */
  size_t len;       /* bytes */
  unsigned flags;   /* enum doc_span_flag */
  const char *url;  /* link target, or NULL */
  struct src_pos pos; /* position of the first character in the YAML */
};

struct doc_inline {
  struct doc_span *spans;
  size_t nspans;
};

enum doc_block_kind {
  DOC_HEADING, /* level 1 (section) or 2 (subsection) */
  DOC_PARA,
  DOC_LIST,    /* bullets or numbered, items may hold one nested list */
  DOC_CALLOUT, /* a boxed group: info, warning or urgent */
  DOC_TABLE,
  DOC_IMAGE,
  DOC_QR,
  DOC__MAX
};

enum doc_callout_kind { CALLOUT_INFO, CALLOUT_WARNING, CALLOUT_URGENT, CALLOUT__MAX };

struct doc_block;

/*
 * A `when:` condition on a block or a section (when.h parses and evaluates
 * it; the grammar is there).  A block is kept only if its condition and
 * every enclosing one (outer: the section's, the subsection's, an include
 * block's, a call-out's) hold; resolve drops the others.
 */
enum doc_when_op {
  WHEN_NO_PATIENT, /* "no patient": a generic leaflet */
  WHEN_IS_SET,     /* "patient.F is set" */
  WHEN_IS,         /* "patient.F is VALUE" */
  WHEN_CONTAINS,   /* "patient.F contains VALUE" */
  WHEN__MAX
};

struct doc_when {
  enum doc_when_op op;
  bool negate;       /* "is not", "is not set", "does not contain" */
  int field;         /* enum patient_field (patients.h); not for
                        WHEN_NO_PATIENT */
  const char *value; /* WHEN_IS, WHEN_CONTAINS: what is compared */
  const char *text;  /* the condition as written (dumps) */
  struct src_pos pos; /* the when: value */
  const struct doc_when *outer; /* enclosing condition, or NULL */
};

struct doc_list_item {
  struct doc_inline text;
  struct doc_block *sublist; /* a DOC_LIST (never itself nested), or NULL */
  struct src_pos pos;
};

struct doc_block {
  enum doc_block_kind kind;
  struct src_pos pos;
  const struct doc_when *when; /* NULL: always; else kept only when it
                                  holds (with its outer conditions).  A
                                  section's condition is on its heading and
                                  every block of the section */

  int level;              /* DOC_HEADING: 1 or 2 */
  struct doc_inline text; /* HEADING, PARA; CALLOUT title (may be empty);
                             IMAGE and QR caption (may be empty) */

  bool ordered;                 /* DOC_LIST: numbered */
  struct doc_list_item *items;  /* DOC_LIST */
  size_t nitems;

  enum doc_callout_kind callout; /* DOC_CALLOUT */
  struct doc_block *children;    /* DOC_CALLOUT: paragraphs and lists */
  size_t nchildren;

  size_t nrows, ncols;      /* DOC_TABLE */
  bool header_row;          /* DOC_TABLE: first row is a header */
  struct doc_inline *cells; /* DOC_TABLE: nrows * ncols, row-major */

  const char *path;  /* DOC_IMAGE: file path, resolved relative to the YAML */
  const char *alt;   /* DOC_IMAGE, DOC_QR: alternative text (required) */
  hu_t width;        /* DOC_IMAGE, DOC_QR: printed width; 0 = default */
  const char *url;   /* DOC_QR: the encoded URL */
};

struct doc_source {
  const char *title;
  const char *publisher; /* may be NULL */
  const char *url;       /* may be NULL */
  struct src_pos pos;
};

/* One side of the wallet card (card: front: / back:). */
#define DOC_CARD_MAX_LINES 6
struct doc_card_side {
  struct doc_inline title; /* required */
  struct doc_inline *lines; /* 1..DOC_CARD_MAX_LINES */
  size_t nlines;
  struct doc_inline note;  /* optional (empty: none) */
  struct src_pos pos;      /* the side's mapping, for "does not fit" */
};

/* The handout's card: part (layout kind card), ISO/IEC 7810 ID-1. */
struct doc_card {
  bool present;
  struct doc_card_side front, back;
  struct src_pos pos; /* the card: mapping */
};

struct doc {
  const char *path; /* the handout file as given */
  struct src_pos pos; /* start of the document mapping */

  const char *id;        /* required; file stem by convention */
  const char *language;  /* BCP 47, e.g. "en-GB"; required */
  const char *title;     /* required, plain text (no markup) */
  const char *subtitle;  /* may be NULL */
  const char *version;   /* required, e.g. "1.0" */
  const char *published; /* required, YYYY-MM-DD */
  const char *review_by; /* required, YYYY-MM-DD, after published */
  const char *owner;     /* required: owning team */
  const char *reviewed_against; /* required: guideline/label versions */
  struct doc_inline summary;    /* main message, shown first; may be empty */

  struct doc_source *sources; /* at least one */
  size_t nsources;

  struct doc_block *blocks; /* flattened sections, reading order */
  size_t nblocks;

  struct doc_card card; /* card.present: the handout has a card: part */

  /* The patient this leaflet is for, set by resolve_doc_patient()
   * (resolve.h); NULL: a generic leaflet.  Not owned: it points into the
   * struct patient_list (patients.h), which must outlive the doc.  compose
   * reads it for the "Prepared for" box. */
  const struct patient *patient;

  struct arena *arena; /* owns everything above except patient */
};

void doc_free(struct doc *doc); /* frees the arena and the struct */

#endif
