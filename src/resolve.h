/*
 * resolve: variables in a loaded handout replaced by their values, and
 * `when:` conditions applied.
 *
 *   {{clinic.phone_24h}}    from the site profile (site.h)
 *   {{patient.first_name}}  from the patient (patients.h): first_name,
 *   {{patient.last_name}}   last_name, treatment, start_date (printed as
 *   {{patient.treatment}}   "1 December 2026"), ref
 *   {{patient.start_date}}
 *   {{patient.ref}}
 *
 * Input:  struct doc from load (spans with SPAN_VAR hold a variable name,
 *         blocks may carry a struct doc_when), the site profile, and the
 *         patient (NULL: a generic leaflet).
 * Output: the same doc with every SPAN_VAR span replaced by a text span of
 *         the value (keeping the span's bold and link; values of up to 40
 *         bytes are kept together on one line, like [[...]]; values from a
 *         patient also get SPAN_PATIENT and, as position, the patient
 *         field's CSV cell (patient->field_pos), so that a later error about
 *         the text points at the cell to fix), every block whose condition does
 *         not hold for the patient removed (a call-out left with no block
 *         goes too; see when.h), and doc->patient set to the patient.  New
 *         strings come from doc->arena; the patient is not copied: the
 *         patient list must outlive the doc.
 *
 * A generic leaflet (no patient) stays usable on paper: every
 * {{patient.*}} variable is printed as a line to fill in by hand,
 * RESOLVE_BLANK; so is an optional field (treatment, start_date) the
 * patient's row leaves empty.  Authors who want other words for the generic
 * leaflet write two blocks with `when: "no patient"` and
 * `when: "patient.ref is set"`.
 *
 * Errors: an unknown variable is reported at its position with the nearest
 * known name ("did you mean"); a patient variable in a link target is an
 * error (patient data never goes into a URL).  Every variable is checked,
 * including those in blocks a condition removes, so a generic render and
 * `handout lint` find the mistakes of every per-patient leaflet.  Returns
 * false after reporting all.  No message quotes a patient's value.
 */
#ifndef HANDOUT_RESOLVE_H
#define HANDOUT_RESOLVE_H

#include <stdbool.h>

#include "diag.h"
#include "doc.h"
#include "site.h"

#define RESOLVE_BLANK "____________" /* a patient variable with no value */

struct patient;

/* A generic leaflet: resolve_doc_patient(doc, site, NULL, d). */
bool resolve_doc(struct doc *doc, const struct site *site, struct diag *d);

/* A per-patient leaflet for p (NULL: generic).  p must outlive doc. */
bool resolve_doc_patient(struct doc *doc, const struct site *site,
                         const struct patient *p, struct diag *d);

#endif
