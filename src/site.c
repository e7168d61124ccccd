/*
 * site: a clinic profile to struct site.  See site.h for the contract.
 *
 * Read through yamlread like handouts and layouts, with the same checks
 * (size, UTF-8, tabs, anchors, duplicate keys) and the same table-driven
 * schema: unknown keys with "did you mean", values of the wrong kind and
 * missing required keys are reported at their positions, every problem in
 * the file at once, and then NULL is returned.  Every value is text; none
 * is typed by YAML's implicit rules (`stay_near_weeks: 4` is the text "4").
 *
 * SITE SCHEMA (handouts/sites/NAME.yaml)
 *
 *   id: demo                         required; [a-z0-9-]+
 *   demo: true                       required; true|false.  A demo profile's
 *                                    phone numbers must be in a range
 *                                    reserved for drama (Ofcom 020 7946
 *                                    0000-0999, or North American
 *                                    555-0100-0199)
 *   name: Demo Cancer Centre         required; text
 *   department: Immunotherapy Unit   optional; text
 *   logo: demo-logo.png              optional; PNG or JPEG, relative to the
 *                                    profile's folder, checked
 *   phone_24h: 020 7946 0000         required; digits, spaces, + - ( ) .
 *   phone_office: 020 7946 0123      required; the same
 *   address: 1 Example Street, ...   optional; text
 *   website: https://example.org     optional; http:// or https://
 *   email: info@example.org          optional; an email address
 *   feedback: Tell us what ...       required; text: how to give feedback
 *   car_t:                           required; the centre's CAR-T rules,
 *     stay_near_weeks: "4"             each a decimal number (digits, an
 *     no_driving_weeks: "8"            optional point and more digits)
 *     carer_days: "28"
 *     fever_threshold_c: "37.5"
 *
 * Variables (site.h, resolve.h): clinic.KEY for each text key above, and
 * clinic.car_t.KEY for each CAR-T rule.
 */
#include "site.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "yamlread.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

struct sloader {
  struct yr_ctx yr;    /* first: the shared readers (yamlread.h) use it */
  const char *dir;     /* folder of the profile ("" = current) */
};

/* One row per variable: its name, the field that holds its value, and the
 * key it comes from (under car_t: when car_t is set). */
static const struct {
  const char *name;
  size_t offset; /* in struct site */
  const char *key;
  bool car_t;
} var_table[] = {
    {"clinic.name", offsetof(struct site, name), "name", false},
    {"clinic.department", offsetof(struct site, department), "department",
     false},
    {"clinic.phone_24h", offsetof(struct site, phone_24h), "phone_24h", false},
    {"clinic.phone_office", offsetof(struct site, phone_office), "phone_office",
     false},
    {"clinic.address", offsetof(struct site, address), "address", false},
    {"clinic.website", offsetof(struct site, website), "website", false},
    {"clinic.email", offsetof(struct site, email), "email", false},
    {"clinic.feedback", offsetof(struct site, feedback), "feedback", false},
    {"clinic.car_t.stay_near_weeks",
     offsetof(struct site, car_t.stay_near_weeks), "stay_near_weeks", true},
    {"clinic.car_t.no_driving_weeks",
     offsetof(struct site, car_t.no_driving_weeks), "no_driving_weeks", true},
    {"clinic.car_t.carer_days", offsetof(struct site, car_t.carer_days),
     "carer_days", true},
    {"clinic.car_t.fever_threshold_c",
     offsetof(struct site, car_t.fever_threshold_c), "fever_threshold_c", true},
};

/* ---- value handlers (dst is the field) ---------------------------------- */

static bool h_id(void *ctx, void *dst, const struct yr_node *k,
                 const struct yr_node *v) {
  struct sloader *L = ctx;
  return yr_id(&L->yr, k, v, dst, "demo");
}

static bool h_phone(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  struct sloader *L = ctx;
  if (!yr_text(&L->yr, k, v, dst))
    return false;
  int digits = 0;
  bool ok = true;
  for (const char *p = v->str; *p; p++) {
    if (*p >= '0' && *p <= '9')
      digits++;
    else if (!strchr(" +-().", *p))
      ok = false;
  }
  if (!ok || digits < 3) {
    diag_error(L->yr.d, v->pos,
               "bad phone number '%s' for '%s' (expected digits, spaces and "
               "+ - ( ), like 020 7946 0000)",
               v->str, k->str);
    return false;
  }
  return true;
}

static bool h_url(void *ctx, void *dst, const struct yr_node *k,
                  const struct yr_node *v) {
  struct sloader *L = ctx;
  if (!yr_text(&L->yr, k, v, dst))
    return false;
  const char *s = v->str, *rest = NULL;
  if (strncmp(s, "https://", 8) == 0)
    rest = s + 8;
  else if (strncmp(s, "http://", 7) == 0)
    rest = s + 7;
  bool ok = rest && *rest && *rest != '/' && !strpbrk(s, " \t\r\n");
  if (!ok) {
    diag_error(L->yr.d, v->pos,
               "bad URL '%s' (expected a web address starting with https:// "
               "or http://)",
               s);
    return false;
  }
  return true;
}

static bool h_email(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  struct sloader *L = ctx;
  if (!yr_text(&L->yr, k, v, dst))
    return false;
  const char *s = v->str, *at = strchr(s, '@');
  bool ok = at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
            at[1] != '.' && s[v->len - 1] != '.' &&
            !strpbrk(s, " \t\r\n<>()[],;:\"");
  if (!ok) {
    diag_error(L->yr.d, v->pos,
               "bad email address '%s' (expected an address like "
               "name@example.org)",
               s);
    return false;
  }
  return true;
}

static bool h_number(void *ctx, void *dst, const struct yr_node *k,
                     const struct yr_node *v) {
  struct sloader *L = ctx;
  if (!yr_text(&L->yr, k, v, dst))
    return false;
  const char *p = v->str;
  size_t n = 0, frac = 0;
  while (p[n] >= '0' && p[n] <= '9')
    n++;
  bool ok = n > 0 && n <= 6;
  if (ok && p[n] == '.') {
    while (p[n + 1 + frac] >= '0' && p[n + 1 + frac] <= '9')
      frac++;
    ok = frac > 0 && frac <= 3;
    n += 1 + frac;
  }
  if (!ok || p[n]) {
    diag_error(L->yr.d, v->pos,
               "bad number '%s' for '%s' (expected digits with an optional "
               "decimal point, like 4 or 37.5)",
               v->str, k->str);
    return false;
  }
  return true;
}

/* ---- checks across fields ----------------------------------------------- */

/* A number from a range reserved for fiction: Ofcom's drama numbers
 * 020 7946 0000-0999 (also written +44 20 7946 0xxx), or North American
 * 555-0100-0199 (with or without the area code and a leading 1). */
static bool drama_number(const char *phone) {
  char dg[32];
  size_t n = 0;
  for (const char *p = phone; *p && n + 1 < sizeof dg; p++)
    if (*p >= '0' && *p <= '9')
      dg[n++] = *p;
  dg[n] = '\0';
  if (n == 11 && strncmp(dg, "02079460", 8) == 0)
    return true;
  if (n == 12 && strncmp(dg, "442079460", 9) == 0)
    return true;
  const char *nanp = dg;
  if (n == 11 && dg[0] == '1')
    nanp++, n--;
  if (n == 10)
    nanp += 3, n -= 3;
  return n == 7 && strncmp(nanp, "55501", 5) == 0;
}

static void check_demo_phone(struct sloader *L, const struct yr_node *top,
                             const char *key, const char *value) {
  if (!value || drama_number(value))
    return;
  diag_error(L->yr.d, yr_get(top, key)->pos,
             "'%s' %s of a demo profile is not a number reserved for drama "
             "(expected 020 7946 0000 to 020 7946 0999, or 555-0100 to "
             "555-0199)",
             key, value);
}

static char *dir_of(struct arena *a, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return "";
  if (slash == path)
    return "/";
  return arena_strndup(a, path, (size_t)(slash - path));
}

static void check_logo(struct sloader *L, struct site *s,
                       const struct yr_node *v) {
  const char *rel = s->logo;
  s->logo = NULL;
  if (rel[0] == '/') {
    diag_error(L->yr.d, v->pos,
               "absolute logo path '%s' (expected a path relative to the "
               "folder of the profile)",
               rel);
    return;
  }
  const char *path = *L->dir ? arena_printf(L->yr.arena, "%s/%s", L->dir, rel)
                             : arena_strdup(L->yr.arena, rel);
  if (access(path, F_OK) != 0 && errno == ENOENT) {
    diag_error(L->yr.d, v->pos,
               "logo file '%s' not found (expected a PNG or JPEG file at %s)",
               rel, path);
    return;
  }
  if (image_probe(path, v->pos, L->yr.d, &s->logo_px_w, &s->logo_px_h))
    s->logo = path;
}

/* ---- finding the file ------------------------------------------------- */

/* "unknown site 'x' (expected one of: a, b)" from the .yaml files in dir. */
static void unknown_site(struct diag *d, const char *name, const char *dir) {
  char **list = NULL;
  size_t n = 0, cap = 0;
  DIR *dp = opendir(dir);
  if (dp) {
    struct dirent *e;
    while ((e = readdir(dp))) {
      size_t el = strlen(e->d_name);
      if (el > 5 && strcmp(e->d_name + el - 5, ".yaml") == 0 &&
          e->d_name[0] != '.')
        *VEC_PUSH(list, n, cap) = xstrndup(e->d_name, el - 5);
    }
    closedir(dp);
  }
  for (size_t i = 1; i < n; i++) /* insertion sort: few names */
    for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
      char *t = list[j];
      list[j] = list[j - 1];
      list[j - 1] = t;
    }
  struct strbuf names = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      strbuf_puts(&names, ", ");
    strbuf_puts(&names, list[i]);
    free(list[i]);
  }
  free(list);
  if (n)
    diag_fail(d, "unknown site '%s' (expected one of: %s)", name, names.data);
  else
    diag_fail(d, "unknown site '%s' (expected a clinic profile in %s/)", name,
              dir);
  strbuf_free(&names);
}

/* ---- load_site ------------------------------------------------------------
 */

/* What the top-level dispatch fills: the site, and car_t's node. */
struct site_in {
  struct site site;
  const struct yr_node *car_t;
};
#define SITE_FIELD(f) offsetof(struct site_in, site.f)

struct site *load_site(const char *name_or_path, const char *sites_dir,
                       struct diag *d) {
  static const struct yr_field fields[] = {
      {"id", YR_SCALAR, true, h_id, SITE_FIELD(id)},
      {"demo", YR_SCALAR, true, yr_h_bool, SITE_FIELD(demo)},
      {"name", YR_SCALAR, true, yr_h_text, SITE_FIELD(name)},
      {"department", YR_SCALAR, false, yr_h_text, SITE_FIELD(department)},
      {"logo", YR_SCALAR, false, yr_h_text, SITE_FIELD(logo)},
      {"phone_24h", YR_SCALAR, true, h_phone, SITE_FIELD(phone_24h)},
      {"phone_office", YR_SCALAR, true, h_phone, SITE_FIELD(phone_office)},
      {"address", YR_SCALAR, false, yr_h_text, SITE_FIELD(address)},
      {"website", YR_SCALAR, false, h_url, SITE_FIELD(website)},
      {"email", YR_SCALAR, false, h_email, SITE_FIELD(email)},
      {"feedback", YR_SCALAR, true, yr_h_text, SITE_FIELD(feedback)},
      {"car_t", YR_MAPPING, true, yr_h_node, offsetof(struct site_in, car_t)},
  };
  static const struct yr_field car_t_fields[] = {
      {"stay_near_weeks", YR_SCALAR, true, h_number,
       offsetof(struct site_car_t, stay_near_weeks)},
      {"no_driving_weeks", YR_SCALAR, true, h_number,
       offsetof(struct site_car_t, no_driving_weeks)},
      {"carer_days", YR_SCALAR, true, h_number,
       offsetof(struct site_car_t, carer_days)},
      {"fever_threshold_c", YR_SCALAR, true, h_number,
       offsetof(struct site_car_t, fever_threshold_c)},
  };

  /* find the file: a name in sites_dir, or a path */
  const char *dir = sites_dir && *sites_dir ? sites_dir : "handouts/sites";
  size_t nl = strlen(name_or_path);
  bool is_path = strchr(name_or_path, '/') ||
                 (nl >= 5 && strcmp(name_or_path + nl - 5, ".yaml") == 0);
  struct site *s = xcalloc(1, sizeof *s);
  s->arena = arena_new();
  if (is_path) {
    s->path = arena_strdup(s->arena, name_or_path);
  } else {
    s->path = arena_printf(s->arena, "%s/%s.yaml", dir, name_or_path);
    struct stat st;
    bool name_ok =
        nl > 0 &&
        strspn(name_or_path, "abcdefghijklmnopqrstuvwxyz0123456789-_") == nl;
    if (!name_ok || stat(s->path, &st) != 0) {
      unknown_site(d, name_or_path, dir);
      site_free(s);
      return NULL;
    }
  }

  struct sloader L = {{d, s->arena}, dir_of(s->arena, s->path)};
  int before = d->count[DIAG_ERROR];
  struct arena *tree = arena_new();
  struct yr_node *top = yamlread_file(s->path, s->path, tree, d);
  if (top && yr_expect(d, top, YR_MAPPING)) {
    struct site_in in = {*s, NULL};
    yr_dispatch(d, top, fields, NELEM(fields), &L, &in);
    *s = in.site;
    const struct yr_node *car_t = in.car_t;
    if (car_t)
      yr_dispatch(d, car_t, car_t_fields, NELEM(car_t_fields), &L, &s->car_t);
    if (s->logo)
      check_logo(&L, s, yr_get(top, "logo"));
    if (s->demo) {
      check_demo_phone(&L, top, "phone_24h", s->phone_24h);
      check_demo_phone(&L, top, "phone_office", s->phone_office);
    }

    /* the variables, with the positions of their values */
    s->nvars = NELEM(var_table);
    s->vars = arena_alloc(s->arena, s->nvars * sizeof *s->vars);
    for (size_t i = 0; i < s->nvars; i++) {
      struct site_var *v = &s->vars[i];
      v->name = var_table[i].name;
      v->value = *(const char **)((char *)s + var_table[i].offset);
      const struct yr_node *map = var_table[i].car_t ? car_t : top;
      const struct yr_node *n = map ? yr_get(map, var_table[i].key) : NULL;
      v->pos = n ? n->pos : top->pos;
    }
  }
  arena_free(tree);
  if (!top || d->count[DIAG_ERROR] != before) {
    site_free(s);
    return NULL;
  }
  return s;
}

void site_free(struct site *s) {
  if (!s)
    return;
  arena_free(s->arena);
  free(s);
}

const struct site_var *site_lookup(const struct site *s, const char *name) {
  for (size_t i = 0; i < s->nvars; i++)
    if (strcmp(s->vars[i].name, name) == 0)
      return &s->vars[i];
  return NULL;
}

const char *site_var(const struct site *s, const char *name) {
  const struct site_var *v = site_lookup(s, name);
  return v ? v->value : NULL;
}

const char *site_suggest(const struct site *s, const char *name) {
  const char *names[NELEM(var_table)] = {0};
  size_t n = s->nvars < NELEM(names) ? s->nvars : NELEM(names);
  for (size_t i = 0; i < n; i++)
    names[i] = s->vars[i].name;
  const char *best = nearest_name(name, names, n);
  if (best)
    return best;
  /* "phone_24h" or "car_t.carer_days" without the "clinic." */
  size_t nl = strlen(name);
  for (size_t i = 0; i < n; i++) {
    size_t vl = strlen(names[i]);
    if (vl > nl && names[i][vl - nl - 1] == '.' &&
        strcmp(names[i] + vl - nl, name) == 0)
      return names[i];
  }
  return NULL;
}

char *site_var_list(const struct site *s, struct arena *arena) {
  struct strbuf b = {0};
  for (size_t i = 0; i < s->nvars; i++) {
    if (i)
      strbuf_puts(&b, ", ");
    strbuf_puts(&b, s->vars[i].name);
  }
  char *out = arena_strdup(arena, b.data ? b.data : "");
  strbuf_free(&b);
  return out;
}
