/*
 * site: a clinic profile (handouts/sites/NAME.yaml), the per-clinic facts a
 * leaflet prints: name, logo, phone lines, address, and the rules that
 * differ between centres (CAR-T: weeks to stay near, weeks without driving,
 * fever threshold).
 *
 * Input:  load_site(), through yamlread like every YAML file, with the same
 *         file:line:col errors; the logo must be a readable PNG or JPEG.
 *         The schema is at the top of site.c.
 * Output: struct site, read by resolve ({{clinic.*}} variables) and by
 *         compose (the clinic's name and logo on every leaflet, the generated
 *         "Contact us" section).
 *
 * A profile with `demo: true` is fiction: compose marks every leaflet made
 * with it as a demo, and its phone numbers come from ranges reserved for
 * drama (Ofcom 020 7946 0000-0999).
 *
 * Ownership: site_free() frees the struct and everything it points to.
 */
#ifndef HANDOUT_SITE_H
#define HANDOUT_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

#define SITE_DEFAULT "demo"

struct site_var {
  const char *name;  /* "clinic.phone_24h", "clinic.car_t.no_driving_weeks" */
  const char *value; /* plain text; NULL: an optional field left out */
  struct src_pos pos; /* of the value in the profile */
};

struct site {
  const char *path;
  const char *id;
  bool demo;
  const char *name;          /* "Demo Cancer Centre" */
  const char *department;    /* may be NULL */
  const char *logo;          /* path resolved relative to the profile, or NULL */
  const char *phone_24h;     /* required */
  const char *phone_office;  /* required */
  const char *address;       /* may be NULL */
  const char *website;       /* may be NULL; http(s) */
  const char *email;         /* may be NULL */
  const char *feedback;      /* how to give feedback; required */
  uint32_t logo_px_w, logo_px_h; /* the logo's size in pixels, if any */
  struct site_car_t {        /* CAR-T rules of this centre: decimal numbers */
    const char *stay_near_weeks;
    const char *no_driving_weeks;
    const char *carer_days;
    const char *fever_threshold_c;
  } car_t;
  struct site_var *vars;     /* every clinic.* variable, for resolve */
  size_t nvars;
  struct arena *arena;
};

/* name_or_path: "demo" (sites_dir/demo.yaml) or a path to a .yaml file. */
struct site *load_site(const char *name_or_path, const char *sites_dir,
                       struct diag *d);
void site_free(struct site *s);

/* The value of a clinic.* variable, or NULL (unknown, or an optional field
 * the profile leaves out). */
const char *site_var(const struct site *s, const char *name);

/* The variable called name, or NULL if there is no such variable.  Optional
 * fields the profile leaves out are variables with value NULL. */
const struct site_var *site_lookup(const struct site *s, const char *name);

/* The nearest variable name for a "did you mean", or NULL. */
const char *site_suggest(const struct site *s, const char *name);

/* "clinic.name, clinic.department, ..." (every variable), from arena. */
char *site_var_list(const struct site *s, struct arena *arena);

#endif
