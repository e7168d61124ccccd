/*
 * when: conditions on blocks and sections (`when:` in a handout), parsed by
 * load and evaluated by resolve.
 *
 *   when: "patient.treatment contains ipilimumab"
 *
 * Grammar (words separated by spaces; keywords in lower case):
 *
 *   condition := "no patient"                   a generic leaflet
 *              | "patient." FIELD test
 *   test      := "is set" | "is not set"
 *              | "is" VALUE | "is not" VALUE
 *              | "contains" VALUE | "does not contain" VALUE
 *   VALUE     := the rest of the text, spaces around it dropped
 *
 *   FIELD         tests allowed
 *   treatment     is set, is, contains (ASCII case ignored; contains finds
 *                 the value anywhere: "nivolumab + ipilimumab" contains
 *                 ipilimumab)
 *   language      is set, is TAG: the patient's tag is TAG or starts with
 *                 TAG- (RFC 4647 basic filtering, case ignored: "es"
 *                 matches es, es-ES and es-419)
 *   large_print   is yes, is no (and is not ...)
 *   start_date, date_of_birth, email, ref
 *                 is set, is not set ("patient.ref is set": any per-patient
 *                 leaflet, the opposite of "no patient")
 *
 * The names and the leaflet's layout and handout cannot be tested (nothing
 * a leaflet should say depends on them); the passphrase never.
 *
 * Evaluation: with no patient (a generic leaflet) every patient.*
 * condition is false, negated ones too, and only "no patient" is true; with
 * a patient "no patient" is false.  A missing optional field is "not set"
 * (so "is not ..." and "does not contain" hold for it).
 *
 * Errors (load time, at the exact character of the when: value): an empty
 * condition, an unknown form, an unknown or untestable field (with "did
 * you mean"), a missing or unknown operator, a test the field does not
 * allow, a missing value, a large_print value other than yes/no, a bad
 * language tag.
 *
 * Ownership: conditions come from the arena passed in (the doc's).
 * Included by load.c and resolve.c (and tests).
 */
#ifndef HANDOUT_WHEN_H
#define HANDOUT_WHEN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "doc.h"
#include "inline.h"
#include "patients.h"

/* Parse text[0..len), the value of a when: key; pos is the value's
 * position, anchors (as for inline_parse; may be NULL with nanchors 0, then
 * positions are pos plus the character offset) map byte offsets to the
 * file.  outer: the enclosing condition, or NULL.  Returns the condition
 * (from arena) or NULL after reporting through d. */
const struct doc_when *when_parse(struct arena *arena, const char *text,
                                  size_t len, struct src_pos pos,
                                  const struct inline_anchor *anchors,
                                  size_t nanchors, const struct doc_when *outer,
                                  struct diag *d);

/* True if w and every outer condition hold for patient p (NULL: a generic
 * leaflet).  w == NULL holds. */
bool when_holds(const struct doc_when *w, const struct patient *p);

#endif
