/*
 * test_site: clinic profiles (src/site.c) and variables (src/resolve.c).
 * Run from the repository root (CTest sets WORKING_DIRECTORY): it reads
 * handouts/sites/demo.yaml and writes small profiles and handouts into a
 * temporary folder.
 *
 * Profiles: the shipped demo loads with every variable; bad profiles give
 * exact messages at exact positions.  Resolve: values replace the variable
 * spans keeping their position, style and link, short values are kept
 * together, and unknown variables are reported with "did you mean".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "load.h"
#include "resolve.h"
#include "site.h"

static struct diag d;
static FILE *errf;
static char errbuf[8192];
static char tmpdir[] = "/tmp/test_site.XXXXXX";

static void err_reset(void) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
}

static const char *err_text(void) {
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return errbuf;
}

/* Write text to tmpdir/name; returns the path (static buffer per call). */
static const char *write_tmp(const char *name, const char *text) {
  static char paths[8][512];
  static int k;
  char *p = paths[k++ % 8];
  snprintf(p, 512, "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  if (!f)
    abort();
  fputs(text, f);
  fclose(f);
  return p;
}

/* A complete valid profile body after the first line(s) the test gives. */
#define PROFILE_TAIL                                                           \
  "name: Test Clinic\n"                                                        \
  "phone_office: 020 7946 0123\n"                                              \
  "feedback: Ask us.\n"                                                        \
  "car_t:\n"                                                                   \
  "  stay_near_weeks: \"2\"\n"                                                 \
  "  no_driving_weeks: \"8\"\n"                                                \
  "  carer_days: \"28\"\n"                                                     \
  "  fever_threshold_c: \"38\"\n"

/* ---- profiles ------------------------------------------------------------ */

static void test_demo(void) {
  err_reset();
  struct site *s = load_site("demo", "handouts/sites", &d);
  OK(s != NULL, "demo profile loads");
  STR_EQ(err_text(), "", "no errors");
  if (!s)
    return;
  STR_EQ(s->path, "handouts/sites/demo.yaml", "path from the name");
  STR_EQ(s->id, "demo", "id");
  OK(s->demo, "marked as a demo");
  STR_EQ(s->logo, "handouts/sites/demo-logo.png", "logo beside the profile");
  OK(s->logo_px_w > 0 && s->logo_px_h > 0, "logo size read");
  static const char *const want[][2] = {
      {"clinic.name", "Demo Cancer Centre (demo)"},
      {"clinic.department", "Immunotherapy Unit"},
      {"clinic.phone_24h", "020 7946 0000"},
      {"clinic.phone_office", "020 7946 0123"},
      {"clinic.address", "1 Example Street, Demo Town (demo address)"},
      {"clinic.website", "https://example.org"},
      {"clinic.email", "patient.information@example.org"},
      {"clinic.feedback",
       "Tell us what you think: ask any member of staff, or email "
       "patient.information@example.org (demo)."},
      {"clinic.car_t.stay_near_weeks", "4"},
      {"clinic.car_t.no_driving_weeks", "8"},
      {"clinic.car_t.carer_days", "28"},
      {"clinic.car_t.fever_threshold_c", "37.5"},
  };
  INT_EQ(s->nvars, sizeof want / sizeof *want, "twelve variables");
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    STR_EQ(site_var(s, want[i][0]), want[i][1], "%s", want[i][0]);
    const struct site_var *v = site_lookup(s, want[i][0]);
    OK(v && v->pos.line > 1 && v->pos.col > 1, "%s has a position", want[i][0]);
  }
  OK(site_var(s, "clinic.phone24") == NULL, "unknown variable: NULL");
  STR_EQ(site_suggest(s, "clinic.phone24"), "clinic.phone_24h", "suggest");
  STR_EQ(site_suggest(s, "phone_24h"), "clinic.phone_24h",
         "suggest without the clinic. prefix");
  STR_EQ(site_suggest(s, "car_t.carer_days"), "clinic.car_t.carer_days",
         "suggest a car_t name without the prefix");
  OK(site_suggest(s, "weather") == NULL, "nothing close");
  site_free(s);

  /* by path, too */
  err_reset();
  s = load_site("handouts/sites/demo.yaml", "elsewhere", &d);
  OK(s != NULL, "profile by path");
  site_free(s);
}

static void test_unknown_site(void) {
  err_reset();
  OK(load_site("nowhere", "handouts/sites", &d) == NULL, "unknown site");
  STR_EQ(err_text(),
         "handout: error: unknown site 'nowhere' (expected one of: demo)\n",
         "lists the profiles");
  err_reset();
  OK(load_site("Demo", "handouts/sites", &d) == NULL, "names are lower case");
  STR_EQ(err_text(),
         "handout: error: unknown site 'Demo' (expected one of: demo)\n",
         "upper case is unknown");
}

/* Load tmpdir/name with text; returns the error text. */
static const char *load_bad(const char *name, const char *text) {
  const char *path = write_tmp(name, text);
  err_reset();
  struct site *s = load_site(path, NULL, &d);
  OK(s == NULL, "%s is refused", name);
  site_free(s);
  /* messages name the file by its path: print it as "P" */
  static char out[8192];
  const char *e = err_text();
  size_t pl = strlen(path), o = 0;
  while (*e && o + 2 < sizeof out) {
    if (strncmp(e, path, pl) == 0) {
      out[o++] = 'P';
      e += pl;
    } else {
      out[o++] = *e++;
    }
  }
  out[o] = '\0';
  return out;
}

static void test_bad_profiles(void) {
  STR_EQ(load_bad("typo.yaml", "id: t\n"
                               "demo: true\n"
                               "phone24h: 020 7946 0000\n" PROFILE_TAIL),
         "P:3:1: error: unknown key 'phone24h' (did you mean 'phone_24h'?)\n",
         "unknown key, with the suggestion (and no missing-key message)");
  STR_EQ(load_bad("nophone.yaml", "id: t\n"
                                  "demo: true\n" PROFILE_TAIL),
         "P:1:1: error: missing required key 'phone_24h'\n",
         "missing phone_24h");
  char want[1024];
  snprintf(want, sizeof want,
           "P:3:7: error: logo file 'pictures/none.png' not found (expected a "
           "PNG or JPEG file at %s/pictures/none.png)\n",
           tmpdir);
  STR_EQ(load_bad("nologo.yaml", "id: t\n"
                                 "demo: true\n"
                                 "logo: pictures/none.png\n"
                                 "phone_24h: 020 7946 0000\n" PROFILE_TAIL),
         want, "missing logo file");
  STR_EQ(load_bad("kinds.yaml", "id: t\n"
                                "demo: yes\n"
                                "phone_24h: [020 7946 0000]\n"
                                "website: www.example.org\n"
                                "email: nobody\n" PROFILE_TAIL),
         "P:2:7: error: 'yes' is not allowed for 'demo' (expected true or "
         "false; yes, no, on and off are not accepted)\n"
         "P:3:12: error: expected a text value, found a sequence (put quotes "
         "around text that starts with '[')\n"
         "P:4:10: error: bad URL 'www.example.org' (expected a web address "
         "starting with https:// or http://)\n"
         "P:5:8: error: bad email address 'nobody' (expected an address like "
         "name@example.org)\n",
         "every wrong value reported, in file order");
  STR_EQ(load_bad("real.yaml", "id: t\n"
                               "demo: true\n"
                               "phone_24h: 01223 245151\n" PROFILE_TAIL),
         "P:3:12: error: 'phone_24h' 01223 245151 of a demo profile is not a "
         "number reserved for drama (expected 020 7946 0000 to 020 7946 0999, "
         "or 555-0100 to 555-0199)\n",
         "a demo profile cannot carry a real-looking number");
  STR_EQ(load_bad("cart.yaml", "id: t\n"
                               "demo: false\n"
                               "phone_24h: 01223 245151 ext. 2\n"
                               "name: Test Clinic\n"
                               "phone_office: 020 7946 0123\n"
                               "feedback: Ask us.\n"
                               "car_t:\n"
                               "  stay_near_weeks: four\n"
                               "  no_driving_weeks: \"8\"\n"
                               "  fever_threshold_c: 37,5\n"),
         "P:3:12: error: bad phone number '01223 245151 ext. 2' for "
         "'phone_24h' (expected digits, spaces and + - ( ), like 020 7946 "
         "0000)\n"
         "P:8:20: error: bad number 'four' for 'stay_near_weeks' (expected "
         "digits with an optional decimal point, like 4 or 37.5)\n"
         "P:10:22: error: bad number '37,5' for 'fever_threshold_c' (expected "
         "digits with an optional decimal point, like 4 or 37.5)\n"
         "P:8:3: error: missing required key 'carer_days'\n",
         "car_t rules and phone numbers checked");

  /* a real clinic (demo: false) may use any number, and leave out the
   * optional fields, whose variables then have no value */
  const char *path =
      write_tmp("real-ok.yaml", "id: t\n"
                                "demo: false\n"
                                "phone_24h: 01223 245151\n" PROFILE_TAIL);
  err_reset();
  struct site *s = load_site(path, NULL, &d);
  OK(s != NULL, "a real profile with only the required keys loads");
  STR_EQ(err_text(), "", "no errors");
  if (s) {
    OK(s->logo == NULL && s->department == NULL, "optional fields NULL");
    OK(site_lookup(s, "clinic.department") != NULL &&
           site_var(s, "clinic.department") == NULL,
       "an optional variable left out exists, without a value");
  }
  site_free(s);
}

/* ---- resolve ------------------------------------------------------------- */

static const char *span_str(const struct doc_span *s) {
  static char buf[512];
  size_t n = s->len < sizeof buf - 1 ? s->len : sizeof buf - 1;
  memcpy(buf, s->text, n);
  buf[n] = '\0';
  return buf;
}

#define HANDOUT_HEAD                                                           \
  "id: t\n"                                                                    \
  "language: en-GB\n"                                                          \
  "title: Test\n"                                                              \
  "version: \"1\"\n"                                                           \
  "published: 2026-01-01\n"                                                    \
  "review_by: 2027-01-01\n"                                                    \
  "owner: Us\n"                                                                \
  "reviewed_against: nothing\n"                                                \
  "sources: [{title: A}]\n"

static struct doc *load_tmp_handout(const char *name, const char *text) {
  const char *path = write_tmp(name, text);
  err_reset();
  struct doc *doc = load_handout(path, tmpdir, &d);
  OK(doc != NULL, "%s loads", name);
  return doc;
}

static void test_resolve(const struct site *s) {
  struct doc *doc = load_tmp_handout(
      "vars.yaml", HANDOUT_HEAD
      "summary: \"Call **{{clinic.phone_24h}}** now.\"\n"
      "sections:\n"
      "  - heading: H\n"
      "    body:\n"
      "      - text: \"{{clinic.feedback}}\"\n"
      "      - bullets:\n"
      "          - text: \"[write]({{clinic.website}}) or "
      "[call](tel:{{clinic.phone_office}})\"\n"
      "            bullets: [\"{{clinic.car_t.carer_days}} days\"]\n"
      "      - callout: {kind: urgent, title: \"{{clinic.name}}\", body: "
      "[{text: \"x\"}]}\n"
      "      - table: {rows: [[\"{{clinic.car_t.fever_threshold_c}}~°C\"]]}\n");
  if (!doc)
    return;
  err_reset();
  OK(resolve_doc(doc, s, &d), "resolves");
  STR_EQ(err_text(), "", "no errors");

  const struct doc_inline *sum = &doc->summary;
  INT_EQ(sum->nspans, 3, "summary: three spans");
  STR_EQ(span_str(&sum->spans[1]), "020 7946 0000", "value replaces the name");
  INT_EQ(sum->spans[1].flags, SPAN_BOLD | SPAN_KEEP,
         "bold kept, short value kept together, no SPAN_VAR");
  INT_EQ(sum->spans[1].pos.line, 10, "value keeps the variable's line");
  INT_EQ(sum->spans[1].pos.col, 18, "and column (the '{{')");

  const struct doc_block *para = &doc->blocks[1];
  STR_EQ(span_str(&para->text.spans[0]),
         "Tell us what you think: ask any member of staff, or email "
         "patient.information@example.org (demo).",
         "long value");
  INT_EQ(para->text.spans[0].flags, 0, "over 40 bytes: may break");

  const struct doc_block *list = &doc->blocks[2];
  const struct doc_inline *item = &list->items[0].text;
  STR_EQ(item->spans[0].url, "https://example.org", "target from a variable");
  STR_EQ(item->spans[2].url, "tel:02079460123", "tel: target, digits only");
  const struct doc_inline *sub = &list->items[0].sublist->items[0].text;
  STR_EQ(span_str(&sub->spans[0]), "28", "sublist resolved");

  const struct doc_block *box = &doc->blocks[3];
  STR_EQ(span_str(&box->text.spans[0]), "Demo Cancer Centre (demo)",
         "callout title resolved");
  const struct doc_block *table = &doc->blocks[4];
  STR_EQ(span_str(&table->cells[0].spans[0]), "37.5", "table cell resolved");
  doc_free(doc);
}

static void test_resolve_errors(const struct site *s) {
  struct doc *doc = load_tmp_handout(
      "unknown.yaml", HANDOUT_HEAD
      "sections:\n"
      "  - heading: \"Call {{clinic.phone24}}\"\n"
      "    body:\n"
      "      - text: \"{{weather}} and [us](tel:{{clinic.emial}})\"\n");
  if (!doc)
    return;
  err_reset();
  OK(!resolve_doc(doc, s, &d), "unknown variables fail");
  char want[2048];
  snprintf(want, sizeof want,
           "%s/unknown.yaml:11:20: error: unknown variable 'clinic.phone24' "
           "(did you mean 'clinic.phone_24h'?)\n"
           "%s/unknown.yaml:13:16: error: unknown variable 'weather' "
           "(expected one of: clinic.name, clinic.department, "
           "clinic.phone_24h, clinic.phone_office, clinic.address, "
           "clinic.website, clinic.email, clinic.feedback, "
           "clinic.car_t.stay_near_weeks, clinic.car_t.no_driving_weeks, "
           "clinic.car_t.carer_days, clinic.car_t.fever_threshold_c)\n"
           "%s/unknown.yaml:13:33: error: unknown variable 'clinic.emial' in "
           "a link target (did you mean 'clinic.email'?)\n",
           tmpdir, tmpdir, tmpdir);
  STR_EQ(err_text(), want, "every unknown variable at its position");
  doc_free(doc);

  /* an optional field the profile leaves out */
  const char *path =
      write_tmp("bare.yaml", "id: t\n"
                             "demo: false\n"
                             "phone_24h: 01223 245151\n" PROFILE_TAIL);
  struct site *bare = load_site(path, NULL, &d);
  doc = load_tmp_handout("dept.yaml", HANDOUT_HEAD
                         "sections:\n"
                         "  - heading: \"{{clinic.department}}\"\n");
  if (!doc || !bare) {
    site_free(bare);
    doc_free(doc);
    return;
  }
  err_reset();
  OK(!resolve_doc(doc, bare, &d), "a variable without a value fails");
  snprintf(want, sizeof want,
           "%s/dept.yaml:11:15: error: variable 'clinic.department' has no "
           "value in the clinic profile %s (expected 'department:' in the "
           "profile, or text without the variable)\n",
           tmpdir, path);
  STR_EQ(err_text(), want, "no-value message");
  doc_free(doc);
  site_free(bare);
}

int main(void) {
  if (!mkdtemp(tmpdir))
    return 2;
  errf = tmpfile();
  diag_init(&d, errf);
  test_demo();
  test_unknown_site();
  test_bad_profiles();
  err_reset();
  struct site *demo = load_site("demo", "handouts/sites", &d);
  OK(demo != NULL, "demo for resolve");
  if (demo) {
    test_resolve(demo);
    test_resolve_errors(demo);
  }
  site_free(demo);
  fclose(errf);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", tmpdir);
  return harness_done();
}
