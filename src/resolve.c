/*
 * resolve: {{variables}} in a loaded handout replaced by their values.
 * See resolve.h for the contract.
 *
 * One walk over every inline text of the document (summary, headings,
 * paragraphs, list items and their sublists, call-out titles and bodies,
 * table cells, captions, the wallet card).  A SPAN_VAR span is replaced in
 * place by one span of its value: same position (the "{{"), same bold, keep
 * and link; SPAN_KEEP is added when the value is at most
 * RESOLVE_KEEP_BYTES long, so a phone number or a short name is never broken
 * across lines.  Link targets holding variables ("tel:{{clinic.phone_24h}}")
 * are filled in too; spans that shared a target before share the filled-in
 * one after (shape and compose compare link targets by pointer).
 *
 * Patient variables come from the patient's row (patients.h) or, with no
 * patient or an empty optional field, are RESOLVE_BLANK.  After the walk,
 * blocks whose when: condition fails (when.h) are removed, in one pass over
 * the block array (and each call-out's children), keeping order.
 *
 * Errors: every unknown variable and every variable whose optional profile
 * field is missing is reported; the walk goes on, and false is returned.
 */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "patients.h"
#include "when.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* The patient variables: "patient." + the field name. */
static const enum patient_field patient_vars[] = {
    PF_FIRST_NAME, PF_LAST_NAME, PF_TREATMENT, PF_START_DATE, PF_REF};

#define RESOLVE_KEEP_BYTES 40

struct url_map {
  const char *from, *to; /* to == NULL: it had an error (reported once) */
};

struct resolver {
  const struct site *site;
  const struct patient *patient; /* NULL: a generic leaflet */
  bool from_patient; /* value_of(): the last value came from the patient */
  struct src_pos patient_pos; /* ...and the field's place in the CSV */
  struct arena *arena; /* doc->arena */
  struct diag *d;
  bool ok;
  struct url_map *urls;
  size_t nurls, capurls;
};

/* "patient.first_name, patient.last_name, ..." from the arena. */
static const char *patient_var_list(struct resolver *r) {
  struct strbuf b = {0};
  for (size_t i = 0; i < NELEM(patient_vars); i++)
    strbuf_printf(&b, "%spatient.%s", i ? ", " : "",
                  patient_field_name(patient_vars[i]));
  char *out = arena_strdup(r->arena, b.data);
  strbuf_free(&b);
  return out;
}

/* The value of patient variable name ("patient.x"), RESOLVE_BLANK when
 * there is none, or NULL after reporting an unknown name. */
static const char *patient_value(struct resolver *r, const char *name,
                                 struct src_pos pos, const char *where) {
  const char *field = name + strlen("patient.");
  size_t i = 0;
  while (i < NELEM(patient_vars) &&
         strcmp(patient_field_name(patient_vars[i]), field) != 0)
    i++;
  if (i == NELEM(patient_vars)) {
    const char *names[NELEM(patient_vars)];
    for (size_t k = 0; k < NELEM(patient_vars); k++)
      names[k] = patient_field_name(patient_vars[k]);
    const char *best = nearest_name(field, names, NELEM(names));
    r->ok = false;
    if (best)
      diag_error(r->d, pos,
                 "unknown variable '%s'%s (did you mean 'patient.%s'?)", name,
                 where, best);
    else
      diag_error(r->d, pos, "unknown variable '%s'%s (expected one of: %s)",
                 name, where, patient_var_list(r));
    return NULL;
  }
  if (*where) { /* a link target */
    r->ok = false;
    diag_error(r->d, pos,
               "variable '%s'%s (expected a clinic variable there: patient "
               "data is never put into a link)",
               name, where);
    return NULL;
  }
  const char *v =
      r->patient ? patient_field_value(r->patient, patient_vars[i]) : NULL;
  if (!v)
    return RESOLVE_BLANK;
  r->from_patient = true;
  r->patient_pos = r->patient->field_pos[patient_vars[i]];
  if (patient_vars[i] == PF_START_DATE) {
    char buf[64];
    if (format_long_date(v, buf, sizeof buf))
      return arena_strdup(r->arena, buf);
  }
  return v;
}

/* The value of name, or NULL after reporting why there is none. */
static const char *value_of(struct resolver *r, const char *name,
                            struct src_pos pos, const char *where) {
  r->from_patient = false;
  if (strncmp(name, "patient.", 8) == 0)
    return patient_value(r, name, pos, where);
  const struct site_var *v = site_lookup(r->site, name);
  if (v && v->value)
    return v->value;
  r->ok = false;
  if (v) {
    const char *key = strrchr(name, '.') + 1;
    diag_error(r->d, pos,
               "variable '%s'%s has no value in the clinic profile %s "
               "(expected '%s:' in the profile, or text without the "
               "variable)",
               name, where, r->site->path, key);
    return NULL;
  }
  const char *s = site_suggest(r->site, name);
  if (s)
    diag_error(r->d, pos, "unknown variable '%s'%s (did you mean '%s'?)", name,
               where, s);
  else
    diag_error(r->d, pos, "unknown variable '%s'%s (expected one of: %s)", name,
               where, site_var_list(r->site, r->arena));
  return NULL;
}

static bool url_scheme_ok(const char *u) {
  static const char *const schemes[] = {"https://", "http://",
                                        "mailto:", "tel:"};
  for (size_t k = 0; k < sizeof schemes / sizeof *schemes; k++) {
    size_t sl = strlen(schemes[k]);
    if (strlen(u) > sl && strncmp(u, schemes[k], sl) == 0)
      return true;
  }
  return false;
}

/* A link target with its variables filled in (inline.c has checked their
 * syntax).  In a tel: target only digits and '+' are kept. */
static const char *resolve_url(struct resolver *r, const char *url,
                               struct src_pos pos) {
  for (size_t i = 0; i < r->nurls; i++)
    if (r->urls[i].from == url)
      return r->urls[i].to ? r->urls[i].to : url;
  struct strbuf b = {0};
  bool ok = true;
  for (const char *p = url; *p;) {
    const char *close = strncmp(p, "{{", 2) == 0 ? strstr(p + 2, "}}") : NULL;
    if (!close) {
      strbuf_putc(&b, *p++);
      continue;
    }
    char *name = arena_strndup(r->arena, p + 2, (size_t)(close - p - 2));
    const char *v = value_of(r, name, pos, " in a link target");
    if (v)
      strbuf_puts(&b, v);
    else
      ok = false;
    p = close + 2;
  }
  const char *to = NULL;
  if (ok && b.data) {
    char *s = b.data;
    if (strncmp(s, "tel:", 4) == 0) {
      size_t o = 4;
      for (size_t i = 4; s[i]; i++)
        if ((s[i] >= '0' && s[i] <= '9') || s[i] == '+')
          s[o++] = s[i];
      s[o] = '\0';
    }
    if (!url_scheme_ok(s) || strpbrk(s, " \t\r\n")) {
      diag_error(r->d, pos,
                 "link target '%s' is '%s' once its variables are filled in "
                 "(expected a URL without spaces starting with https://, "
                 "http://, mailto: or tel:)",
                 url, s);
      r->ok = false;
    } else {
      to = arena_strdup(r->arena, s);
    }
  }
  strbuf_free(&b);
  struct url_map *m = VEC_PUSH(r->urls, r->nurls, r->capurls);
  m->from = url;
  m->to = to;
  return to ? to : url;
}

static void resolve_inline(struct resolver *r, struct doc_inline *in) {
  for (size_t i = 0; i < in->nspans; i++) {
    struct doc_span *sp = &in->spans[i];
    if (sp->url && strstr(sp->url, "{{"))
      sp->url = resolve_url(r, sp->url, sp->pos);
    if (!(sp->flags & SPAN_VAR))
      continue;
    char *name = arena_strndup(r->arena, sp->text, sp->len);
    const char *v = value_of(r, name, sp->pos, "");
    if (!v)
      continue;
    sp->len = strlen(v);
    sp->text = arena_strndup(r->arena, v, sp->len);
    sp->flags &= ~(unsigned)SPAN_VAR;
    if (sp->len <= RESOLVE_KEEP_BYTES)
      sp->flags |= SPAN_KEEP;
    if (r->from_patient) {
      sp->flags |= SPAN_PATIENT;
      /* a later error about this text (a character no font has) points at
       * the CSV cell it came from, where it can be fixed */
      if (r->patient_pos.line > 0)
        sp->pos = r->patient_pos;
    }
  }
}

static void resolve_block(struct resolver *r, struct doc_block *b) {
  resolve_inline(r, &b->text);
  for (size_t i = 0; i < b->nitems; i++) {
    resolve_inline(r, &b->items[i].text);
    if (b->items[i].sublist)
      resolve_block(r, b->items[i].sublist);
  }
  for (size_t i = 0; i < b->nchildren; i++)
    resolve_block(r, &b->children[i]);
  if (b->kind == DOC_TABLE)
    for (size_t i = 0; i < b->nrows * b->ncols; i++)
      resolve_inline(r, &b->cells[i]);
}

static void resolve_card_side(struct resolver *r, struct doc_card_side *side) {
  resolve_inline(r, &side->title);
  for (size_t i = 0; i < side->nlines; i++)
    resolve_inline(r, &side->lines[i]);
  resolve_inline(r, &side->note);
}

/* Keep the blocks of v[0..n) whose conditions hold, in order; a call-out
 * keeps the children whose conditions hold and goes if none does.  Returns
 * the new count. */
static size_t keep_blocks(struct doc_block *v, size_t n,
                          const struct patient *p) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (!when_holds(v[i].when, p))
      continue;
    if (v[i].kind == DOC_CALLOUT && v[i].nchildren) {
      v[i].nchildren = keep_blocks(v[i].children, v[i].nchildren, p);
      if (!v[i].nchildren)
        continue;
    }
    v[o++] = v[i];
  }
  return o;
}

bool resolve_doc_patient(struct doc *doc, const struct site *site,
                         const struct patient *p, struct diag *d) {
  struct resolver r = {0};
  r.site = site;
  r.patient = p;
  r.arena = doc->arena;
  r.d = d;
  r.ok = true;
  resolve_inline(&r, &doc->summary);
  for (size_t i = 0; i < doc->nblocks; i++)
    resolve_block(&r, &doc->blocks[i]);
  if (doc->card.present) {
    resolve_card_side(&r, &doc->card.front);
    resolve_card_side(&r, &doc->card.back);
  }
  free(r.urls);
  doc->nblocks = keep_blocks(doc->blocks, doc->nblocks, p);
  doc->patient = p;
  return r.ok;
}

bool resolve_doc(struct doc *doc, const struct site *site, struct diag *d) {
  return resolve_doc_patient(doc, site, NULL, d);
}
