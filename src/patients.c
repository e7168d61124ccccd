/*
 * patients: a patients CSV file to struct patient_list.  See patients.h for
 * the columns, the rules and the privacy contract.
 *
 * Steps: csv.h reads the file (any error there refuses the whole file); the
 * header is matched against the column table (unknown, duplicate, missing
 * and empty names refuse the file too: no row can be read without it); then
 * each row is checked field by field, every problem reported at its field,
 * and a row with any problem is left out.  The handout and layout folders
 * are listed once (sorted), so each row's check is a binary search, not a
 * stat().  Duplicate refs are found with a hash table of case-folded refs.
 *
 * Every message goes through quoted() for a patient's value: the value in
 * quotes with --show-patient-data, "<redacted>" otherwise (diag_redact()).
 */
#include "patients.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* A position (a compound literal's commas would split a macro argument). */
static struct src_pos at(const char *file, int line, int col) {
  struct src_pos p = {file, line, col};
  return p;
}

#define NELEM(a) (sizeof(a) / sizeof *(a))

static const struct {
  const char *name;
  bool required;
} columns[PF__MAX] = {
    [PF_REF] = {"ref", true},
    [PF_FIRST_NAME] = {"first_name", true},
    [PF_LAST_NAME] = {"last_name", true},
    [PF_HANDOUT] = {"handout", true},
    [PF_LAYOUT] = {"layout", true},
    [PF_TREATMENT] = {"treatment", false},
    [PF_START_DATE] = {"start_date", false},
    [PF_EMAIL] = {"email", false},
    [PF_DATE_OF_BIRTH] = {"date_of_birth", false},
    [PF_LANGUAGE] = {"language", false},
    [PF_LARGE_PRINT] = {"large_print", false},
    [PF_PASSPHRASE] = {"passphrase", false},
};

const char *patient_field_name(enum patient_field f) {
  return f < PF__MAX ? columns[f].name : NULL;
}

enum patient_field patient_field_by_name(const char *name) {
  for (int f = 0; f < PF__MAX; f++)
    if (strcmp(columns[f].name, name) == 0)
      return (enum patient_field)f;
  return PF__MAX;
}

const char *patient_field_value(const struct patient *p, enum patient_field f) {
  switch (f) {
  case PF_REF:
    return p->ref;
  case PF_FIRST_NAME:
    return p->first_name;
  case PF_LAST_NAME:
    return p->last_name;
  case PF_HANDOUT:
    return p->handout;
  case PF_LAYOUT:
    return p->layout;
  case PF_TREATMENT:
    return p->treatment;
  case PF_START_DATE:
    return p->start_date;
  case PF_EMAIL:
    return p->email;
  case PF_DATE_OF_BIRTH:
    return p->date_of_birth;
  case PF_LANGUAGE:
    return p->language;
  case PF_LARGE_PRINT:
    return p->large_print ? "yes" : "no";
  case PF_PASSPHRASE:
    return p->passphrase;
  case PF__MAX:
    break;
  }
  return NULL;
}

/* ---- small checks ---------------------------------------------------------
 */

static bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

static bool valid_ref(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > PATIENTS_REF_MAX || s[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_alnum(s[i]) && !strchr("._-", s[i]))
      return false;
  return true;
}

/* ll or lll, then -subtags of 2-8 letters or digits (as load.c checks a
 * handout's language). */
static bool valid_language(const char *s) {
  size_t n = 0;
  while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
    n++;
  if (n < 2 || n > 3)
    return false;
  s += n;
  while (*s == '-') {
    s++;
    n = 0;
    while (is_alnum(s[n]))
      n++;
    if (n < 2 || n > 8)
      return false;
    s += n;
  }
  return *s == '\0';
}

static bool valid_email(const char *s) {
  const char *at = strchr(s, '@');
  size_t n = strlen(s);
  return at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
         at[1] != '.' && s[n - 1] != '.' && !strpbrk(s, " \t\r\n<>()[],;:\"");
}

static bool valid_name(const char *s) { /* handouts/NAME.yaml, no path */
  size_t n = strlen(s);
  return n > 0 && n <= 128 && s[0] != '-' &&
         strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static bool ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

/* ---- folder listings -------------------------------------------------------
 */

struct names {
  char **v; /* sorted, malloc'd */
  size_t n, cap;
};

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The NAME of every NAME.yaml in dir (regular files and links to them). */
static bool list_yaml(const char *dir, struct names *out) {
  DIR *dp = opendir(dir);
  if (!dp)
    return false;
  struct dirent *e;
  while ((e = readdir(dp))) {
    size_t el = strlen(e->d_name);
    if (el > 5 && e->d_name[0] != '.' &&
        strcmp(e->d_name + el - 5, ".yaml") == 0)
      *VEC_PUSH(out->v, out->n, out->cap) = xstrndup(e->d_name, el - 5);
  }
  closedir(dp);
  if (out->n)
    qsort(out->v, out->n, sizeof *out->v, cmp_str);
  return true;
}

static bool names_has(const struct names *ns, const char *name) {
  const char *key = name;
  return ns->n && bsearch(&key, ns->v, ns->n, sizeof *ns->v, cmp_str);
}

static void names_free(struct names *ns) {
  for (size_t i = 0; i < ns->n; i++)
    free(ns->v[i]);
  free(ns->v);
}

static char *join_names(struct arena *a, const char *const *names, size_t n) {
  struct strbuf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      strbuf_puts(&b, ", ");
    strbuf_puts(&b, names[i]);
  }
  char *s = arena_strdup(a, b.data ? b.data : "");
  strbuf_free(&b);
  return s;
}

/* ---- the loader ---------------------------------------------------------- */

struct ref_slot {
  const char *folded; /* NULL: empty */
  const char *ref;    /* as written */
  int line;
};

struct ploader {
  struct diag *d;
  struct arena *arena; /* the list's */
  const struct csv *csv;
  int col_of[PF__MAX]; /* field index of each column, -1: absent */
  struct names handouts, layouts;
  const char *handouts_dir, *layouts_dir;
  struct ref_slot *refs; /* open addressing, nrefs_cap a power of two */
  size_t refs_cap;
  bool row_ok;    /* the row being checked has no problem so far */
  bool value_bad; /* value() reported the last value it read */
};

/* A patient's value for a message: 'value' or <redacted>. */
static const char *quoted(struct ploader *L, const char *v) {
  const char *r = diag_redact(L->d, v);
  return r == v ? arena_printf(L->arena, "'%s'", v) : r;
}

static void row_error(struct ploader *L, struct src_pos pos, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static void row_error(struct ploader *L, struct src_pos pos, const char *fmt,
                      ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(L->d, pos, "%s", msg);
  L->row_ok = false;
}

/* The header: every column known, each once, the required ones present. */
static bool check_header(struct ploader *L) {
  const struct csv_row *h = &L->csv->header;
  const char *names[PF__MAX];
  for (int f = 0; f < PF__MAX; f++) {
    names[f] = columns[f].name;
    L->col_of[f] = -1;
  }
  bool ok = true;
  bool suggested[PF__MAX] = {0}; /* no "missing" for a "did you mean" */

  /* no known name at all: the first line is data, not a header, and must
   * not be quoted */
  bool any_known = false;
  for (size_t i = 0; i < h->nfields; i++) {
    char *name = arena_strdup(L->arena, h->fields[i].text);
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
      name[--n] = '\0';
    if (patient_field_by_name(name + strspn(name, " \t")) != PF__MAX)
      any_known = true;
  }
  if (!any_known) {
    diag_error(
        L->d, h->pos,
        "no header row (expected the first line to name the columns: "
        "%s, and optionally %s)",
        join_names(L->arena, names, PF_TREATMENT),
        join_names(L->arena, names + PF_TREATMENT, PF__MAX - PF_TREATMENT));
    return false;
  }

  for (size_t i = 0; i < h->nfields; i++) {
    const struct csv_field *fl = &h->fields[i];
    char *name = arena_strdup(L->arena, fl->text + strspn(fl->text, " \t"));
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
      name[--n] = '\0';
    if (!*name) {
      diag_error(L->d, fl->pos, "empty column name (expected one of: %s)",
                 join_names(L->arena, names, PF__MAX));
      ok = false;
      continue;
    }
    enum patient_field f = patient_field_by_name(name);
    if (f == PF__MAX) {
      char lower[80];
      size_t k = 0;
      for (; name[k] && k + 1 < sizeof lower; k++)
        lower[k] = name[k] >= 'A' && name[k] <= 'Z'   ? (char)(name[k] + 32)
                   : name[k] == ' ' || name[k] == '-' ? '_'
                                                      : name[k];
      lower[k] = '\0';
      const char *s = nearest_name(lower, names, PF__MAX);
      if (s) {
        diag_error(L->d, fl->pos, "unknown column '%s' (did you mean '%s'?)",
                   name, s);
        suggested[patient_field_by_name(s)] = true;
      } else
        diag_error(L->d, fl->pos, "unknown column '%s' (expected one of: %s)",
                   name, join_names(L->arena, names, PF__MAX));
      ok = false;
      continue;
    }
    if (L->col_of[f] >= 0) {
      diag_error(L->d, fl->pos,
                 "duplicate column '%s' (also column %d of the header; "
                 "expected each column once)",
                 name, L->col_of[f] + 1);
      ok = false;
      continue;
    }
    L->col_of[f] = (int)i;
  }
  for (int f = 0; f < PF__MAX; f++)
    if (columns[f].required && L->col_of[f] < 0 && !suggested[f]) {
      diag_error(
          L->d, h->pos,
          "missing column '%s' (expected the columns %s, and "
          "optionally %s)",
          columns[f].name, join_names(L->arena, names, PF_TREATMENT),
          join_names(L->arena, names + PF_TREATMENT, PF__MAX - PF_TREATMENT));
      ok = false;
    }
  return ok;
}

/* The value of field f in row, trimmed, line breaks and tabs inside made
 * spaces; NULL if the column is absent or the value empty.  A control
 * character is reported (the row is then skipped). */
static const char *value(struct ploader *L, const struct csv_row *row,
                         enum patient_field f, struct src_pos *pos) {
  *pos = (struct src_pos){0};
  L->value_bad = false;
  if (L->col_of[f] < 0)
    return NULL;
  const struct csv_field *fl = &row->fields[L->col_of[f]];
  *pos = fl->pos;
  const char *s = fl->text;
  size_t n = fl->len;
  while (n && (*s == ' ' || *s == '\t' || *s == '\n'))
    s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
    n--;
  if (!n)
    return NULL;
  char *v = arena_strndup(L->arena, s, n);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(v + i, n - i, &cp);
    if (k <= 0)
      k = 1;
    if (cp == '\n' || cp == '\t') {
      v[i] = ' ';
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      row_error(L, fl->pos, "control character U+%04X in '%s' (expected text)",
                (unsigned)cp, columns[f].name);
      L->value_bad = true;
      return NULL;
    }
    i += (size_t)k;
  }
  return v;
}

static const char *required(struct ploader *L, const struct csv_row *row,
                            enum patient_field f, struct src_pos *pos) {
  const char *v = value(L, row, f, pos);
  if (!v && !L->value_bad)
    row_error(L, *pos, "empty '%s' (expected a value: the column is required)",
              columns[f].name);
  return v;
}

static char *fold(struct arena *a, const char *s) {
  char *f = arena_strdup(a, s);
  for (char *p = f; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
  return f;
}

static size_t hash(const char *s) {
  size_t h = 1469598103934665603u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* Remember ref at line; if it was seen before, report and return false. */
static bool ref_unique(struct ploader *L, const char *ref, struct src_pos pos) {
  const char *folded = fold(L->arena, ref);
  size_t mask = L->refs_cap - 1;
  for (size_t i = hash(folded) & mask;; i = (i + 1) & mask) {
    struct ref_slot *s = &L->refs[i];
    if (!s->folded) {
      *s = (struct ref_slot){folded, ref, pos.line};
      return true;
    }
    if (strcmp(s->folded, folded) == 0) {
      if (strcmp(s->ref, ref) == 0)
        row_error(L, pos,
                  "duplicate ref '%s' (first at line %d; expected each ref "
                  "once: refs name the output files)",
                  ref, s->line);
      else
        row_error(L, pos,
                  "duplicate ref '%s' (line %d has '%s', the same file name "
                  "when case is ignored; expected each ref once)",
                  ref, s->line, s->ref);
      return false;
    }
  }
}

/* "unknown handout <redacted> (...)" with a "did you mean" when shown. */
static void unknown_name(struct ploader *L, struct src_pos pos,
                         const char *what, const char *v,
                         const struct names *ns, const char *dir) {
  if (!L->d->show_patient_data) {
    row_error(L, pos,
              "unknown %s <redacted> (expected the name of a file in %s/ "
              "without .yaml; --show-patient-data shows the value)",
              what, dir);
    return;
  }
  const char *s = nearest_name(v, (const char *const *)ns->v, ns->n);
  if (s)
    row_error(L, pos, "unknown %s '%s' (did you mean '%s'?)", what, v, s);
  else
    row_error(L, pos, "unknown %s '%s' (expected one of: %s)", what, v,
              join_names(L->arena, (const char *const *)ns->v, ns->n));
}

/* Read and check field f of row into p. */
static void check_field(struct ploader *L, const struct csv_row *row,
                        enum patient_field f, struct patient *p) {
  struct src_pos *pos = &p->field_pos[f];
  const char *v =
      columns[f].required ? required(L, row, f, pos) : value(L, row, f, pos);
  if (!v)
    return;
  switch (f) {
  case PF_REF:
    p->ref = v;
    if (!valid_ref(v))
      row_error(L, *pos,
                "bad ref %s (expected 1 to %d letters, digits, '.', '_' or "
                "'-', not starting with '.': refs name the output files)",
                quoted(L, v), PATIENTS_REF_MAX);
    else
      ref_unique(L, v, *pos);
    break;
  case PF_FIRST_NAME:
    p->first_name = v;
    break;
  case PF_LAST_NAME:
    p->last_name = v;
    break;
  case PF_HANDOUT:
    p->handout = v;
    if (!(valid_name(v) && names_has(&L->handouts, v)))
      unknown_name(L, *pos, "handout", v, &L->handouts, L->handouts_dir);
    break;
  case PF_LAYOUT:
    p->layout_given = v;
    if (!(valid_name(v) && names_has(&L->layouts, v)))
      unknown_name(L, *pos, "layout", v, &L->layouts, L->layouts_dir);
    break;
  case PF_TREATMENT:
    p->treatment = v;
    break;
  case PF_START_DATE:
  case PF_DATE_OF_BIRTH:
    if (!iso_date_valid(v))
      row_error(L, *pos,
                "bad %s %s (expected a date written YYYY-MM-DD, such as "
                "2026-12-01)",
                columns[f].name, quoted(L, v));
    *(f == PF_START_DATE ? &p->start_date : &p->date_of_birth) = v;
    break;
  case PF_EMAIL:
    p->email = v;
    if (!valid_email(v))
      row_error(L, *pos,
                "bad email %s (expected an address like name@example.org)",
                quoted(L, v));
    break;
  case PF_LANGUAGE:
    p->language = v;
    if (!valid_language(v))
      row_error(L, *pos,
                "bad language %s (expected a BCP 47 tag such as en-GB or es)",
                quoted(L, v));
    break;
  case PF_LARGE_PRINT:
    if (ieq(v, "yes")) {
      p->large_print = true;
      if (!names_has(&L->layouts, PATIENTS_LARGE_PRINT))
        row_error(L, *pos,
                  "large_print is yes but there is no layout '%s' (expected "
                  "%s/%s.yaml)",
                  PATIENTS_LARGE_PRINT, L->layouts_dir, PATIENTS_LARGE_PRINT);
    } else if (!ieq(v, "no")) {
      row_error(L, *pos, "bad large_print %s (expected yes or no)",
                quoted(L, v));
    }
    break;
  case PF_PASSPHRASE:
    p->passphrase = v;
    break;
  case PF__MAX:
    break;
  }
}

static void check_row(struct ploader *L, const struct csv_row *row,
                      size_t rowno, struct patient_list *out,
                      struct patient **vec, size_t *cap) {
  /* a blank spreadsheet row: no record at all */
  bool blank = true;
  for (size_t i = 0; i < row->nfields && blank; i++)
    blank = strspn(row->fields[i].text, " \t\n") == row->fields[i].len;
  if (blank)
    return;
  out->nrows++;
  L->row_ok = true;
  size_t want = L->csv->header.nfields;
  if (row->nfields != want) {
    struct src_pos pos = row->nfields > want ? row->fields[want].pos : row->pos;
    row_error(L, pos,
              "row has %zu field%s, the header %zu (expected one field per "
              "column; a value holding a comma must be in quotes)",
              row->nfields, row->nfields == 1 ? "" : "s", want);
    out->nbad++;
    return;
  }

  struct patient p = {0};
  p.row = rowno;
  p.pos = row->pos;
  /* the fields in the order of the file's columns, so the messages of a
   * row come left to right */
  int order[PF__MAX], n = 0;
  for (size_t c = 0; c < row->nfields; c++)
    for (int f = 0; f < PF__MAX; f++)
      if (L->col_of[f] == (int)c)
        order[n++] = f;
  for (int i = 0; i < n; i++)
    check_field(L, row, (enum patient_field)order[i], &p);
  p.layout = p.large_print ? PATIENTS_LARGE_PRINT : p.layout_given;

  if (!L->row_ok) {
    out->nbad++;
    return;
  }
  *VEC_PUSH(*vec, out->count, *cap) = p;
}

static bool load_from(struct ploader *L, struct csv *csv,
                      struct patient_list *out) {
  L->csv = csv;
  if (!check_header(L))
    return false;
  L->refs_cap = 16;
  while (L->refs_cap < 2 * csv->nrows + 2)
    L->refs_cap *= 2;
  L->refs = xcalloc(L->refs_cap, sizeof *L->refs);

  struct patient *vec = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < csv->nrows; i++)
    check_row(L, &csv->rows[i], i + 1, out, &vec, &cap);
  free(L->refs);
  out->patients =
      arena_alloc(out->arena, (out->count ? out->count : 1) * sizeof *vec);
  if (out->count)
    memcpy(out->patients, vec, out->count * sizeof *vec);
  free(vec);
  return true;
}

static bool list_dirs(struct ploader *L, const char *path) {
  const char *dirs[2] = {L->handouts_dir, L->layouts_dir};
  struct names *ns[2] = {&L->handouts, &L->layouts};
  for (int k = 0; k < 2; k++)
    if (!list_yaml(dirs[k], ns[k])) {
      diag_error(L->d, at(path, 0, 0),
                 "cannot read the folder %s: %s (expected the %s folder the "
                 "'%s' column names files in)",
                 dirs[k], strerror(errno), k ? "layouts" : "handouts",
                 k ? "layout" : "handout");
      return false;
    }
  return true;
}

static bool load_common(const char *path, const char *display,
                        const char *bytes, size_t len, const char *handouts_dir,
                        const char *layouts_dir, struct diag *d,
                        struct patient_list *out) {
  memset(out, 0, sizeof *out);
  out->arena = arena_new();
  out->path = arena_strdup(out->arena, display);
  struct ploader L = {0};
  L.d = d;
  L.arena = out->arena;
  L.handouts_dir = handouts_dir && *handouts_dir ? handouts_dir : "handouts";
  L.layouts_dir = layouts_dir && *layouts_dir ? layouts_dir : "layouts";

  bool ok = false;
  struct csv *csv = path ? csv_read_file(path, out->path, d, &out->io_error)
                         : csv_read_mem(out->path, bytes, len, d);
  if (csv) {
    if (!list_dirs(&L, out->path))
      out->io_error = true;
    else
      ok = load_from(&L, csv, out);
  }
  names_free(&L.handouts);
  names_free(&L.layouts);
  /* the patients' strings are in out->arena; the csv (its own arena) can
   * go, but positions point at csv->path: re-point them */
  if (ok)
    for (size_t i = 0; i < out->count; i++) {
      struct patient *p = &out->patients[i];
      p->pos.file = out->path;
      for (int f = 0; f < PF__MAX; f++)
        if (p->field_pos[f].file)
          p->field_pos[f].file = out->path;
    }
  csv_free(csv);
  if (!ok) {
    out->count = 0;
    out->nbad = 0;
  }
  return ok;
}

bool patients_load(const char *path, const char *display,
                   const char *handouts_dir, const char *layouts_dir,
                   struct diag *d, struct patient_list *out) {
  return load_common(path, display ? display : path, NULL, 0, handouts_dir,
                     layouts_dir, d, out);
}

bool patients_load_mem(const char *display, const char *bytes, size_t len,
                       const char *handouts_dir, const char *layouts_dir,
                       struct diag *d, struct patient_list *out) {
  return load_common(NULL, display, bytes, len, handouts_dir, layouts_dir, d,
                     out);
}

void patients_free(struct patient_list *list) {
  if (!list)
    return;
  arena_free(list->arena);
  memset(list, 0, sizeof *list);
}

const struct patient *patients_find(const struct patient_list *list,
                                    const char *ref) {
  for (size_t i = 0; i < list->count; i++)
    if (ieq(list->patients[i].ref, ref))
      return &list->patients[i];
  return NULL;
}
