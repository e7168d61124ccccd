/*
 * test_when: `when:` conditions (src/when.c, parsed by load.c) and patient
 * variables (src/resolve.c).  Run from the repository root: it reads the
 * demo clinic profile (handouts/sites/demo.yaml).
 *
 * Parsing: each mistake at the exact character of the when: value.
 * Evaluation: every operator with and without a patient.
 * Resolve: a generic leaflet (no patient) and two patients give the
 * expected blocks; patient variables are filled in (start dates as
 * "1 December 2026"), blank lines without a patient, flagged SPAN_PATIENT,
 * refused in link targets, misspellings get "did you mean".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "inline.h"
#include "load.h"
#include "patients.h"
#include "resolve.h"
#include "site.h"
#include "when.h"

static struct diag d;
static FILE *errf;
static char errbuf[16384];
static struct site *site;

static void err_reset(void) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
  diag_init(&d, errf);
}

static const char *err_text(void) {
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return errbuf;
}

#define HEAD                                                                   \
  "id: w\n"                                                                    \
  "language: en-GB\n"                                                          \
  "title: T\n"                                                                 \
  "version: \"1\"\n"                                                           \
  "published: 2026-01-05\n"                                                    \
  "review_by: 2027-01-05\n"                                                    \
  "owner: O\n"                                                                 \
  "reviewed_against: R\n"                                                      \
  "sources:\n"                                                                 \
  "  - title: S\n"

static struct doc *load(const char *text) {
  err_reset();
  return load_handout_mem("w.yaml", text, strlen(text), "handouts", &d);
}

/* ---- parse errors ---------------------------------------------------------
 */

static void test_parse_errors(void) {
  struct doc *doc =
      load(HEAD "sections:\n"
                "  - heading: S\n" /* 12 */
                "    body:\n"
                "      - text: a\n" /* 14 */
                "        when: \"patient.treatmnt contains x\"\n"
                "      - text: b\n"
                "        when: \"patient.treatment has x\"\n"
                "      - text: c\n"
                "        when: \"patient.large_print is maybe\"\n" /* 19 */
                "      - text: d\n"
                "        when: patient.first_name is set\n"
                "      - text: e\n"
                "        when: clinic.name is set\n"
                "      - text: f\n" /* 24 */
                "        when: patient.language contains es\n"
                "      - text: g\n"
                "        when: patient.treatment contains\n"
                "      - text: h\n"
                "        when: \"\"\n" /* 29 */
                "      - text: i\n"
                "        when: no patients\n"
                "      - text: j\n"
                "        when: [a]\n"
                "      - when: no patient\n" /* 34 */
                "      - text: k\n"
                "        wehn: no patient\n"
                "      - text: l\n"
                "        when: patient.language is e-s\n"
                "      - text: m\n" /* 39 */
                "        when: patient.treatment contain x\n"
                "      - text: n\n"
                "        when: patient.large_print is set\n"
                "      - text: o\n"
                "        when: patient.treatment does contain x\n" /* 44 */
                "  - heading: T\n"
                "    when: patient.start_date is 2026\n"
                "    body:\n"
                "      - text: p\n");
  OK(doc == NULL, "bad conditions refuse the handout");
  STR_EQ(err_text(),
         "w.yaml:15:24: error: unknown patient field 'treatmnt' (did you "
         "mean 'treatment'?)\n"
         "w.yaml:17:34: error: unknown operator 'has' (expected is, is not, "
         "contains or does not contain)\n"
         "w.yaml:19:39: error: 'maybe' for patient.large_print (expected yes "
         "or no)\n"
         "w.yaml:21:23: error: patient field 'first_name' cannot be tested "
         "in a condition (expected one of: ref, treatment, start_date, "
         "email, date_of_birth, language, large_print)\n"
         "w.yaml:23:15: error: unknown condition 'clinic.name' (expected "
         "\"patient.FIELD is VALUE\", \"patient.FIELD contains VALUE\", "
         "\"patient.FIELD is set\" or \"no patient\")\n"
         "w.yaml:25:32: error: 'contains' does not apply to "
         "patient.language (expected is set, is TAG or their 'not' forms)\n"
         "w.yaml:27:41: error: missing value after 'contains' (expected e.g. "
         "\"patient.treatment contains ipilimumab\")\n"
         "w.yaml:29:15: error: empty condition (expected e.g. "
         "\"patient.treatment contains ipilimumab\" or \"no patient\")\n"
         "w.yaml:31:18: error: unknown condition (expected \"no patient\" "
         "after 'no')\n"
         "w.yaml:33:15: error: expected a text value, found a sequence (put "
         "quotes around text that starts with '[')\n"
         "w.yaml:34:9: error: 'when' without a block (expected one of: text, "
         "bullets, numbered, callout, table, image, qr, include next to "
         "it)\n"
         "w.yaml:36:9: error: unknown key 'wehn' (did you mean 'when'?)\n"
         "w.yaml:38:35: error: bad language tag 'e-s' (expected a BCP 47 tag "
         "such as es or en-GB)\n"
         "w.yaml:40:33: error: unknown operator 'contain' (did you mean "
         "'contains'?)\n"
         "w.yaml:42:35: error: 'is set' does not apply to "
         "patient.large_print (expected is yes or is no)\n"
         "w.yaml:44:38: error: unknown operator (expected \"does not "
         "contain\" after 'does')\n"
         "w.yaml:46:30: error: 'is' does not apply to patient.start_date "
         "(expected is set or is not set)\n",
         "each mistake at its character");
  doc_free(doc);
}

/* ---- evaluation -----------------------------------------------------------
 */

static bool holds(const char *cond, const struct patient *p) {
  struct arena *a = arena_new();
  err_reset();
  struct src_pos pos = {"t", 1, 1};
  const struct doc_when *w =
      when_parse(a, cond, strlen(cond), pos, NULL, 0, NULL, &d);
  OK(w != NULL, "'%s' parses", cond);
  bool r = w && when_holds(w, p);
  arena_free(a);
  return r;
}

static void test_eval(void) {
  struct patient a = {0}, b = {0};
  a.ref = "P1";
  a.treatment = "Nivolumab + Ipilimumab";
  a.start_date = "2026-12-01";
  a.language = "es-ES";
  b.ref = "P2";
  b.treatment = "pembrolizumab";
  b.language = "esp"; /* not es */
  b.large_print = true;

  OK(holds("no patient", NULL), "no patient: generic");
  OK(!holds("no patient", &a), "no patient: not with a patient");
  OK(holds("patient.ref is set", &a), "ref is set: any patient");
  OK(!holds("patient.ref is set", NULL), "ref is set: not generic");

  OK(holds("patient.treatment contains ipilimumab", &a), "contains, case");
  OK(!holds("patient.treatment contains ipilimumab", &b), "contains: no");
  OK(!holds("patient.treatment contains ipilimumab", NULL), "generic: false");
  OK(holds("patient.treatment does not contain ipilimumab", &b),
     "does not contain");
  OK(!holds("patient.treatment does not contain ipilimumab", NULL),
     "negated: still false without a patient");
  OK(holds("patient.treatment is PEMBROLIZUMAB", &b), "is: whole value");
  OK(!holds("patient.treatment is pembro", &b), "is: not a part");
  OK(holds("patient.treatment is   pembrolizumab  ", &b), "spaces dropped");

  OK(holds("patient.language is es", &a), "es matches es-ES");
  OK(holds("patient.language is ES-es", &a), "tags ignore case");
  OK(!holds("patient.language is es", &b), "es does not match esp");
  OK(holds("patient.language is not es", &b), "is not");

  OK(holds("patient.large_print is yes", &b), "large print yes");
  OK(!holds("patient.large_print is yes", &a), "large print no");
  OK(holds("patient.large_print is no", &a), "is no");
  OK(holds("patient.large_print is not yes", &a), "is not yes");

  OK(holds("patient.start_date is set", &a), "date set");
  OK(!holds("patient.start_date is set", &b), "date not set");
  OK(holds("patient.start_date is not set", &b), "is not set");
  OK(!holds("patient.start_date is not set", NULL), "generic: false");
  OK(holds("patient.email is not set", &a), "email not set");

  /* outer conditions */
  struct arena *ar = arena_new();
  struct src_pos pos = {"t", 1, 1};
  const struct doc_when *outer =
      when_parse(ar, "patient.language is es", 22, pos, NULL, 0, NULL, &d);
  const char *c = "patient.treatment contains nivolumab";
  const struct doc_when *inner =
      when_parse(ar, c, strlen(c), pos, NULL, 0, outer, &d);
  OK(inner && when_holds(inner, &a), "inner and outer hold");
  OK(inner && !when_holds(inner, &b), "outer fails");
  OK(when_holds(NULL, NULL), "no condition holds");
  arena_free(ar);
}

/* ---- resolve ---------------------------------------------------------------
 */

static const char *const leaflet =
    HEAD "summary: \"For {{patient.first_name}} {{patient.last_name}}\"\n"
         "sections:\n"
         "  - heading: About\n"
         "    body:\n"
         "      - text: \"Starts {{patient.start_date}} with "
         "{{patient.treatment}} ({{patient.ref}})\"\n"
         "      - text: Generic words\n"
         "        when: no patient\n"
         "      - text: Ipi words\n"
         "        when: \"patient.treatment contains ipilimumab\"\n"
         "      - text: Spanish\n"
         "        when: \"patient.language is es\"\n"
         "      - text: Large\n"
         "        when: \"patient.large_print is yes\"\n"
         "      - text: Has date\n"
         "        when: \"patient.start_date is set\"\n"
         "      - text: Not ipi\n"
         "        when: \"patient.treatment does not contain ipilimumab\"\n"
         "      - callout:\n"
         "          kind: info\n"
         "          title: Box\n"
         "          body:\n"
         "            - text: only ipi in box\n"
         "              when: \"patient.treatment contains IPILIMUMAB\"\n"
         "  - heading: Ipi section\n"
         "    when: \"patient.treatment contains ipilimumab\"\n"
         "    body:\n"
         "      - text: inside ipi section\n"
         "    sections:\n"
         "      - heading: Sub es\n"
         "        when: \"patient.language is es\"\n"
         "        body:\n"
         "          - text: ipi and es\n"
         "      - heading: Sub all\n"
         "        body:\n"
         "          - text: ipi, any language\n"
         "  - heading: Last\n"
         "    body:\n"
         "      - text: end\n";

/* "summary|block|block..." (a call-out as "[title: child, child]") */
static const char *render(const struct patient *p, struct doc **keep) {
  static char out[4096];
  struct doc *doc = load(leaflet);
  OK(doc != NULL, "leaflet loads");
  if (!doc)
    return "";
  OK(resolve_doc_patient(doc, site, p, &d), "resolves");
  OK(doc->patient == p, "doc->patient set");
  struct strbuf b = {0};
  strbuf_puts(&b, inline_plain(doc->arena, &doc->summary));
  for (size_t i = 0; i < doc->nblocks; i++) {
    const struct doc_block *bl = &doc->blocks[i];
    strbuf_putc(&b, '|');
    if (bl->kind == DOC_CALLOUT) {
      strbuf_printf(&b, "[%s:", inline_plain(doc->arena, &bl->text));
      for (size_t k = 0; k < bl->nchildren; k++)
        strbuf_printf(&b, " %s",
                      inline_plain(doc->arena, &bl->children[k].text));
      strbuf_putc(&b, ']');
    } else {
      strbuf_puts(&b, inline_plain(doc->arena, &bl->text));
    }
  }
  snprintf(out, sizeof out, "%s", b.data);
  strbuf_free(&b);
  if (keep)
    *keep = doc;
  else
    doc_free(doc);
  return out;
}

static void test_resolve(void) {
  struct doc *doc = NULL;
  STR_EQ(render(NULL, &doc),
         "For ____________ ____________|About|Starts ____________ with "
         "____________ (____________)|Generic words|Last|end",
         "generic: blanks to fill in, generic words, no patient sections");
  STR_EQ(err_text(), "", "generic: no errors");
  if (doc) {
    const struct doc_span *sp = &doc->summary.spans[1];
    OK((sp->flags & SPAN_KEEP) && !(sp->flags & SPAN_PATIENT),
       "blank: kept together, not patient data");
  }
  doc_free(doc);

  struct patient a = {0};
  a.ref = "P0001";
  a.first_name = "Zoë";
  a.last_name = "O'Brien";
  a.treatment = "nivolumab + ipilimumab";
  a.start_date = "2026-12-01";
  a.language = "es-ES";
  STR_EQ(render(&a, &doc),
         "For Zoë O'Brien|About|Starts 1 December 2026 with nivolumab + "
         "ipilimumab (P0001)|Ipi words|Spanish|Has date|[Box: only ipi in "
         "box]|Ipi section|inside ipi section|Sub es|ipi and es|Sub all|ipi, "
         "any language|Last|end",
         "patient A: her values and her blocks");
  if (doc) {
    const struct doc_span *sp = &doc->summary.spans[1];
    OK(sp->flags & SPAN_PATIENT, "patient value flagged SPAN_PATIENT");
    OK(!(doc->summary.spans[0].flags & SPAN_PATIENT), "text is not");
  }
  doc_free(doc);

  struct patient b = {0};
  b.ref = "P0002";
  b.first_name = "Пётр";
  b.last_name = "Иванов-Smith";
  b.treatment = "pembrolizumab";
  b.language = "en-GB";
  b.large_print = true;
  STR_EQ(render(&b, NULL),
         "For Пётр Иванов-Smith|About|Starts ____________ with pembrolizumab "
         "(P0002)|Large|Not ipi|Last|end",
         "patient B: no date is a blank, no ipilimumab blocks");
}

static void test_variable_errors(void) {
  struct doc *doc = load(HEAD "sections:\n"
                              "  - heading: S\n"
                              "    body:\n"
                              "      - text: \"{{patient.frist_name}} "
                              "{{patient.email}}\"\n"
                              "      - text: \"[us](https://example.org/"
                              "{{patient.ref}})\"\n");
  OK(doc != NULL, "loads");
  if (!doc)
    return;
  struct patient a = {0};
  a.ref = "P1";
  a.first_name = "Secret";
  OK(!resolve_doc_patient(doc, site, &a, &d), "errors");
  STR_EQ(err_text(),
         "w.yaml:14:16: error: unknown variable 'patient.frist_name' (did "
         "you mean 'patient.first_name'?)\n"
         "w.yaml:14:39: error: unknown variable 'patient.email' (expected "
         "one of: patient.first_name, patient.last_name, patient.treatment, "
         "patient.start_date, patient.ref)\n"
         "w.yaml:15:17: error: variable 'patient.ref' in a link target "
         "(expected a clinic variable there: patient data is never put into "
         "a link)\n",
         "unknown patient variables and links");
  OK(strstr(errbuf, "Secret") == NULL, "no value in messages");
  doc_free(doc);
}

/* A section and a block list included with when:. */
static void test_include(void) {
  char dir[] = "/tmp/test_when.XXXXXX";
  if (!mkdtemp(dir))
    abort();
  char path[256];
  snprintf(path, sizeof path, "%s/common", dir);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/common/blocks.yaml", dir);
  FILE *f = fopen(path, "w");
  fputs("- text: inc one\n- text: inc two\n  when: patient.large_print is "
        "no\n",
        f);
  fclose(f);
  snprintf(path, sizeof path, "%s/common/sec.yaml", dir);
  f = fopen(path, "w");
  fputs("heading: Inc section\nbody:\n  - text: in it\n", f);
  fclose(f);
  const char *text = HEAD "sections:\n"
                          "  - heading: S\n"
                          "    body:\n"
                          "      - include: common/blocks.yaml\n"
                          "        when: patient.ref is set\n"
                          "  - include: common/sec.yaml\n"
                          "    when: no patient\n";
  err_reset();
  struct doc *doc = load_handout_mem("w.yaml", text, strlen(text), dir, &d);
  OK(doc != NULL, "includes with when load");
  STR_EQ(err_text(), "", "no errors");
  if (doc) {
    INT_EQ(doc->nblocks, 5, "heading, two included, section heading, text");
    resolve_doc(doc, site, &d);
    INT_EQ(doc->nblocks, 3, "generic: S, Inc section, in it");
    if (doc->nblocks == 3)
      STR_EQ(inline_plain(doc->arena, &doc->blocks[1].text), "Inc section",
             "included section kept");
    doc_free(doc);
  }
  doc = load_handout_mem("w.yaml", text, strlen(text), dir, &d);
  if (doc) {
    struct patient p = {0};
    p.ref = "P1";
    p.first_name = p.last_name = "X";
    resolve_doc_patient(doc, site, &p, &d);
    INT_EQ(doc->nblocks, 3, "patient: S, inc one, inc two");
    if (doc->nblocks == 3)
      STR_EQ(inline_plain(doc->arena, &doc->blocks[2].text), "inc two",
             "nested: include's and block's conditions both hold");
    doc_free(doc);
  }
  snprintf(path, sizeof path, "rm -rf '%s'", dir);
  if (system(path) != 0)
    abort();
}

int main(void) {
  errf = tmpfile();
  if (!errf)
    abort();
  err_reset();
  site = load_site("demo", "handouts/sites", &d);
  OK(site != NULL, "demo profile");
  if (!site)
    return harness_done();
  test_parse_errors();
  test_eval();
  test_resolve();
  test_variable_errors();
  test_include();
  site_free(site);
  return harness_done();
}
