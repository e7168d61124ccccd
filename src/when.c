/*
 * when: `when:` conditions.  See when.h for the grammar and the meaning.
 *
 * The parser splits the text into words (keeping each word's byte offset
 * for positions), then reads them left to right: the form, the field, the
 * operator (one to three words), the value (the rest).  Each check reports
 * at the word it is about.
 */
#include "when.h"

#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof *(a))
#define WHEN_MAX_WORDS 32

/* The testable fields and what each allows. */
enum { T_SET = 1, T_IS = 2, T_CONTAINS = 4, T_YESNO = 8, T_LANG = 16 };
static const struct {
  enum patient_field field;
  unsigned tests;
  const char *expected; /* for "does not apply" */
} testable[] = {
    {PF_REF, T_SET, "is set or is not set"},
    {PF_TREATMENT, T_SET | T_IS | T_CONTAINS,
     "is set, is, contains or their 'not' forms"},
    {PF_START_DATE, T_SET, "is set or is not set"},
    {PF_EMAIL, T_SET, "is set or is not set"},
    {PF_DATE_OF_BIRTH, T_SET, "is set or is not set"},
    {PF_LANGUAGE, T_SET | T_IS | T_LANG, "is set, is TAG or their 'not' forms"},
    {PF_LARGE_PRINT, T_IS | T_YESNO, "is yes or is no"},
};

struct word {
  size_t off, len;
};

struct wparser {
  const char *text;
  size_t len;
  struct src_pos pos;
  const struct inline_anchor *anchors;
  size_t nanchors;
  struct diag *d;
  struct arena *arena;
};

static struct src_pos pos_at(const struct wparser *P, size_t off) {
  if (!P->nanchors) {
    struct src_pos p = P->pos;
    p.col += (int)utf8_count(P->text, off);
    return p;
  }
  size_t i = 0;
  while (i + 1 < P->nanchors && P->anchors[i + 1].offset <= off)
    i++;
  struct src_pos p = P->anchors[i].pos;
  size_t a = P->anchors[i].offset;
  if (off > a)
    p.col += (int)utf8_count(P->text + a, off - a);
  return p;
}

static bool word_is(const struct wparser *P, const struct word *w,
                    const char *s) {
  return w->len == strlen(s) && memcmp(P->text + w->off, s, w->len) == 0;
}

static const char *word_str(const struct wparser *P, const struct word *w) {
  return arena_strndup(P->arena, P->text + w->off, w->len);
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *testable_list(struct arena *a) {
  struct strbuf b = {0};
  for (size_t i = 0; i < NELEM(testable); i++) {
    if (i)
      strbuf_puts(&b, ", ");
    strbuf_puts(&b, patient_field_name(testable[i].field));
  }
  char *s = arena_strdup(a, b.data);
  strbuf_free(&b);
  return s;
}

#define FORMS                                                                  \
  "expected \"patient.FIELD is VALUE\", \"patient.FIELD contains VALUE\", "    \
  "\"patient.FIELD is set\" or \"no patient\""
#define OPERATORS "expected is, is not, contains or does not contain"

const struct doc_when *when_parse(struct arena *arena, const char *text,
                                  size_t len, struct src_pos pos,
                                  const struct inline_anchor *anchors,
                                  size_t nanchors, const struct doc_when *outer,
                                  struct diag *d) {
  struct wparser P = {text, len, pos, anchors, nanchors, d, arena};
  struct word w[WHEN_MAX_WORDS];
  size_t nw = 0;
  for (size_t i = 0; i < len;) {
    while (i < len && is_space(text[i]))
      i++;
    if (i == len)
      break;
    size_t s = i;
    while (i < len && !is_space(text[i]))
      i++;
    if (nw == WHEN_MAX_WORDS) {
      diag_error(d, pos_at(&P, s),
                 "condition has more than %d words (" FORMS ")",
                 WHEN_MAX_WORDS);
      return NULL;
    }
    w[nw++] = (struct word){s, i - s};
  }
  if (nw == 0) {
    diag_error(d, pos,
               "empty condition (expected e.g. \"patient.treatment contains "
               "ipilimumab\" or \"no patient\")");
    return NULL;
  }

  struct doc_when *c = arena_alloc(arena, sizeof *c);
  c->text = arena_strndup(arena, text, len);
  c->pos = pos;
  c->outer = outer;

  /* no patient */
  if (word_is(&P, &w[0], "no")) {
    if (nw < 2 || !word_is(&P, &w[1], "patient")) {
      size_t off = nw < 2 ? w[0].off + w[0].len : w[1].off;
      diag_error(d, pos_at(&P, off),
                 "unknown condition (expected \"no patient\" after 'no')");
      return NULL;
    }
    if (nw > 2) {
      diag_error(d, pos_at(&P, w[2].off),
                 "unexpected '%s' after \"no patient\" (expected nothing "
                 "more)",
                 word_str(&P, &w[2]));
      return NULL;
    }
    c->op = WHEN_NO_PATIENT;
    return c;
  }

  /* patient.FIELD */
  static const char prefix[] = "patient.";
  size_t pl = sizeof prefix - 1;
  if (w[0].len < pl || memcmp(text + w[0].off, prefix, pl) != 0) {
    diag_error(d, pos_at(&P, w[0].off), "unknown condition '%s' (" FORMS ")",
               word_str(&P, &w[0]));
    return NULL;
  }
  struct word fw = {w[0].off + pl, w[0].len - pl};
  const char *fname = word_str(&P, &fw);
  enum patient_field f = patient_field_by_name(fname);
  size_t ti = 0;
  while (ti < NELEM(testable) && testable[ti].field != f)
    ti++;
  if (ti == NELEM(testable)) {
    const char *names[NELEM(testable)];
    for (size_t i = 0; i < NELEM(testable); i++)
      names[i] = patient_field_name(testable[i].field);
    const char *s = nearest_name(fname, names, NELEM(names));
    if (f != PF__MAX)
      diag_error(d, pos_at(&P, fw.off),
                 "patient field '%s' cannot be tested in a condition "
                 "(expected one of: %s)",
                 fname, testable_list(arena));
    else if (s)
      diag_error(d, pos_at(&P, fw.off),
                 "unknown patient field '%s' (did you mean '%s'?)", fname, s);
    else
      diag_error(d, pos_at(&P, fw.off),
                 "unknown patient field '%s' (expected one of: %s)", fname,
                 testable_list(arena));
    return NULL;
  }
  c->field = (int)f;

  /* the operator */
  if (nw < 2) {
    diag_error(d, pos_at(&P, w[0].off + w[0].len),
               "missing operator after '%s' (" OPERATORS ")",
               word_str(&P, &w[0]));
    return NULL;
  }
  size_t k = 1; /* the word after the operator */
  const char *opname;
  if (word_is(&P, &w[1], "is")) {
    k = 2;
    if (nw > 2 && word_is(&P, &w[2], "not")) {
      c->negate = true;
      k = 3;
    }
    c->op = WHEN_IS;
    if (nw == k + 1 && word_is(&P, &w[k], "set")) {
      c->op = WHEN_IS_SET;
      k++;
    }
    opname = c->negate ? "is not" : "is";
  } else if (word_is(&P, &w[1], "contains")) {
    c->op = WHEN_CONTAINS;
    k = 2;
    opname = "contains";
  } else if (word_is(&P, &w[1], "does")) {
    if (nw < 4 || !word_is(&P, &w[2], "not") ||
        !word_is(&P, &w[3], "contain")) {
      size_t bad = nw < 3                       ? w[1].off + w[1].len
                   : !word_is(&P, &w[2], "not") ? w[2].off
                   : nw < 4                     ? w[2].off + w[2].len
                                                : w[3].off;
      diag_error(d, pos_at(&P, bad),
                 "unknown operator (expected \"does not contain\" after "
                 "'does')");
      return NULL;
    }
    c->op = WHEN_CONTAINS;
    c->negate = true;
    k = 4;
    opname = "does not contain";
  } else {
    static const char *const ops[] = {"is", "contains"};
    const char *op = word_str(&P, &w[1]);
    const char *s = nearest_name(op, ops, NELEM(ops));
    if (s)
      diag_error(d, pos_at(&P, w[1].off),
                 "unknown operator '%s' (did you mean '%s'?)", op, s);
    else
      diag_error(d, pos_at(&P, w[1].off),
                 "unknown operator '%s' (" OPERATORS ")", op);
    return NULL;
  }

  /* does the field allow it? */
  unsigned tests = testable[ti].tests;
  unsigned need = c->op == WHEN_IS_SET ? T_SET
                  : c->op == WHEN_IS   ? T_IS
                                       : T_CONTAINS;
  if (!(tests & need)) {
    const char *what =
        c->op == WHEN_IS_SET ? (c->negate ? "is not set" : "is set") : opname;
    diag_error(d, pos_at(&P, w[1].off),
               "'%s' does not apply to patient.%s (expected %s)", what, fname,
               testable[ti].expected);
    return NULL;
  }
  if (c->op == WHEN_IS_SET) {
    if (k < nw) {
      diag_error(d, pos_at(&P, w[k].off),
                 "unexpected '%s' after 'set' (expected nothing more)",
                 word_str(&P, &w[k]));
      return NULL;
    }
    return c;
  }

  /* the value: the rest */
  if (k >= nw) {
    diag_error(d, pos_at(&P, w[nw - 1].off + w[nw - 1].len),
               "missing value after '%s' (expected e.g. \"patient.%s %s %s\")",
               opname, fname, opname,
               tests & T_YESNO  ? "yes"
               : tests & T_LANG ? "es"
                                : "ipilimumab");
    return NULL;
  }
  size_t vend = w[nw - 1].off + w[nw - 1].len;
  c->value = arena_strndup(arena, text + w[k].off, vend - w[k].off);
  if ((tests & T_YESNO) && strcmp(c->value, "yes") != 0 &&
      strcmp(c->value, "no") != 0) {
    diag_error(d, pos_at(&P, w[k].off),
               "'%s' for patient.%s (expected yes or no)", c->value, fname);
    return NULL;
  }
  if (tests & T_LANG) {
    bool ok = nw == k + 1;
    const char *s = c->value;
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
      n++;
    ok = ok && n >= 2 && n <= 3;
    for (s += n; ok && *s == '-';) {
      s++;
      n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789");
      ok = n >= 2 && n <= 8;
      s += n;
    }
    if (!ok || *s) {
      diag_error(d, pos_at(&P, w[k].off),
                 "bad language tag '%s' (expected a BCP 47 tag such as es or "
                 "en-GB)",
                 c->value);
      return NULL;
    }
  }
  return c;
}

/* ---- evaluation ---------------------------------------------------------- */

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static bool ieq_n(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

static bool one(const struct doc_when *w, const struct patient *p) {
  if (w->op == WHEN_NO_PATIENT)
    return p == NULL;
  if (!p)
    return false;
  const char *v = patient_field_value(p, (enum patient_field)w->field);
  bool r = false;
  switch (w->op) {
  case WHEN_IS_SET:
    r = v != NULL;
    break;
  case WHEN_IS:
    if (v && w->field == PF_LANGUAGE) {
      size_t n = strlen(w->value);
      r = strlen(v) >= n && ieq_n(v, w->value, n) &&
          (v[n] == '\0' || v[n] == '-');
    } else {
      r = v && strlen(v) == strlen(w->value) && ieq_n(v, w->value, strlen(v));
    }
    break;
  case WHEN_CONTAINS:
    if (v) {
      size_t n = strlen(w->value), vl = strlen(v);
      for (size_t i = 0; !r && i + n <= vl; i++)
        r = ieq_n(v + i, w->value, n);
    }
    break;
  case WHEN_NO_PATIENT:
  case WHEN__MAX:
    break;
  }
  return w->negate ? !r : r;
}

bool when_holds(const struct doc_when *w, const struct patient *p) {
  for (; w; w = w->outer)
    if (!one(w, p))
      return false;
  return true;
}
