/*
 * test_inline: the inline markup parser (src/inline.c).
 *
 * Each case parses a string whose anchors say "offset 0 is at line 1,
 * column 1" (plus more anchors where a case models several source lines),
 * then checks the spans: text, flags, URL and the position of each span's
 * first character.  Errors are captured from diag into a temporary file and
 * compared as whole lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "inline.h"

static struct arena *arena;
static struct diag d;
static FILE *errf;
static char errbuf[4096];

static const char *FILE_NAME = "t.yaml";

/* Parse text with one anchor at 1:1; returns the result of inline_parse. */
static bool parse_at(const char *text, const struct inline_anchor *a, size_t na,
                     struct doc_inline *out) {
  rewind(errf);
  if (ftruncate(fileno(errf), 0) != 0)
    abort();
  bool ok = inline_parse(arena, text, strlen(text), a, na, &d, out);
  fflush(errf);
  rewind(errf);
  size_t n = fread(errbuf, 1, sizeof errbuf - 1, errf);
  errbuf[n] = '\0';
  return ok;
}

static bool parse(const char *text, struct doc_inline *out) {
  struct inline_anchor a = {0, {FILE_NAME, 1, 1}};
  return parse_at(text, &a, 1, out);
}

/* Span i as a NUL-terminated string (static buffer). */
static const char *span_text(const struct doc_inline *in, size_t i) {
  static char buf[512];
  size_t n =
      in->spans[i].len < sizeof buf - 1 ? in->spans[i].len : sizeof buf - 1;
  memcpy(buf, in->spans[i].text, n);
  buf[n] = '\0';
  return buf;
}

#define SPAN(in, i, txt, fl, u, line_, col_)                                   \
  do {                                                                         \
    OK((in).nspans > (i), "span %d exists", (int)(i));                         \
    if ((in).nspans > (i)) {                                                   \
      STR_EQ(span_text(&(in), (i)), (txt), "span %d text", (int)(i));          \
      INT_EQ((in).spans[i].flags, (fl), "span %d flags", (int)(i));            \
      if (u)                                                                   \
        STR_EQ((in).spans[i].url, (const char *)(u), "span %d url", (int)(i)); \
      else                                                                     \
        OK((in).spans[i].url == NULL, "span %d has no url", (int)(i));         \
      INT_EQ((in).spans[i].pos.line, (line_), "span %d line", (int)(i));       \
      INT_EQ((in).spans[i].pos.col, (col_), "span %d col", (int)(i));          \
    }                                                                          \
  } while (0)

static void test_plain(void) {
  struct doc_inline in;
  OK(parse("Hello world.", &in), "plain text parses");
  INT_EQ(in.nspans, 1, "one span");
  SPAN(in, 0, "Hello world.", 0, NULL, 1, 1);
  STR_EQ(in.spans[0].pos.file, FILE_NAME, "span file");
  STR_EQ(inline_plain(arena, &in), "Hello world.", "plain text");
  STR_EQ(errbuf, "", "no errors");

  OK(parse("", &in), "empty text parses");
  INT_EQ(in.nspans, 0, "no spans for empty text");
  STR_EQ(inline_plain(arena, &in), "", "plain of nothing");

  OK(parse("****", &in), "empty bold parses");
  INT_EQ(in.nspans, 0, "no spans for ****");
}

static void test_bold(void) {
  struct doc_inline in;
  OK(parse("a **bold** word", &in), "bold parses");
  INT_EQ(in.nspans, 3, "three spans");
  SPAN(in, 0, "a ", 0, NULL, 1, 1);
  SPAN(in, 1, "bold", SPAN_BOLD, NULL, 1, 5);
  SPAN(in, 2, " word", 0, NULL, 1, 11);
  STR_EQ(inline_plain(arena, &in), "a bold word", "plain drops markup");

  OK(parse("**all bold**", &in), "whole text bold");
  INT_EQ(in.nspans, 1, "one span");
  SPAN(in, 0, "all bold", SPAN_BOLD, NULL, 1, 3);

  /* columns count characters, not bytes */
  OK(parse("é ¿**b**", &in), "bold after multibyte characters");
  SPAN(in, 1, "b", SPAN_BOLD, NULL, 1, 6);

  /* a single * is an ordinary character */
  OK(parse("5 * 3", &in), "single star");
  SPAN(in, 0, "5 * 3", 0, NULL, 1, 1);
}

static void test_links(void) {
  struct doc_inline in;
  OK(parse("See [our site](https://example.org/x) now.", &in), "link parses");
  INT_EQ(in.nspans, 3, "three spans");
  SPAN(in, 0, "See ", 0, NULL, 1, 1);
  SPAN(in, 1, "our site", 0, "https://example.org/x", 1, 6);
  SPAN(in, 2, " now.", 0, NULL, 1, 38);

  OK(parse("[**Call** us](tel:08001234567)", &in), "bold inside a link");
  INT_EQ(in.nspans, 2, "two spans");
  SPAN(in, 0, "Call", SPAN_BOLD, "tel:08001234567", 1, 4);
  SPAN(in, 1, " us", 0, "tel:08001234567", 1, 10);

  OK(parse("[call [[0800 123]]](tel:0800123)", &in), "keep inside a link");
  INT_EQ(in.nspans, 2, "two spans");
  SPAN(in, 0, "call ", 0, "tel:0800123", 1, 2);
  SPAN(in, 1, "0800 123", SPAN_KEEP, "tel:0800123", 1, 9);

  OK(parse("[w](https://en.wikipedia.org/wiki/A_(b)) x", &in),
     "parentheses inside a URL");
  SPAN(in, 0, "w", 0, "https://en.wikipedia.org/wiki/A_(b)", 1, 2);
  SPAN(in, 1, " x", 0, NULL, 1, 41);

  OK(parse("[mail](mailto:a@b.org)", &in), "mailto link");
  SPAN(in, 0, "mail", 0, "mailto:a@b.org", 1, 2);

  /* brackets that are not links stay text */
  OK(parse("[note] (see above)", &in), "bracket without (");
  INT_EQ(in.nspans, 1, "one span");
  SPAN(in, 0, "[note] (see above)", 0, NULL, 1, 1);
  OK(parse("[a] and [b](https://x.org)", &in), "only the second is a link");
  INT_EQ(in.nspans, 2, "two spans");
  SPAN(in, 0, "[a] and ", 0, NULL, 1, 1);
  SPAN(in, 1, "b", 0, "https://x.org", 1, 10);
  OK(parse("x [unclosed", &in), "lone [");
  SPAN(in, 0, "x [unclosed", 0, NULL, 1, 1);
  OK(parse("a ]] b", &in), "]] outside a keep is text");
  SPAN(in, 0, "a ]] b", 0, NULL, 1, 1);
}

static void test_keep_nbsp(void) {
  struct doc_inline in;
  OK(parse("Call [[0800 123 4567]] now", &in), "keep parses");
  INT_EQ(in.nspans, 3, "three spans");
  SPAN(in, 0, "Call ", 0, NULL, 1, 1);
  SPAN(in, 1, "0800 123 4567", SPAN_KEEP, NULL, 1, 8);
  SPAN(in, 2, " now", 0, NULL, 1, 23);

  OK(parse("**[[bold keep]]**", &in), "bold keep");
  SPAN(in, 0, "bold keep", SPAN_BOLD | SPAN_KEEP, NULL, 1, 5);

  OK(parse("38~°C", &in), "tilde is a non-breaking space");
  INT_EQ(in.nspans, 1, "one span: ~ keeps columns contiguous");
  SPAN(in, 0, "38\xC2\xA0°C", 0, NULL, 1, 1);

  OK(parse("[[[0800]]](tel:0800)", &in), "[[[ tries a link first");
  INT_EQ(in.nspans, 1, "one span");
  SPAN(in, 0, "0800", SPAN_KEEP, "tel:0800", 1, 4);
}

static void test_escapes(void) {
  struct doc_inline in;
  OK(parse("\\*\\*not bold\\*\\*", &in), "escaped stars");
  STR_EQ(inline_plain(arena, &in), "**not bold**", "escapes give the char");
  for (size_t i = 0; i < in.nspans; i++)
    INT_EQ(in.spans[i].flags, 0, "no bold");
  /* each escaped character starts a span at its own column */
  SPAN(in, 0, "*", 0, NULL, 1, 2);
  SPAN(in, 1, "*not bold", 0, NULL, 1, 4);

  OK(parse("a\\~b \\[x\\](y) c\\\\d", &in), "more escapes");
  STR_EQ(inline_plain(arena, &in), "a~b [x](y) c\\d", "escaped ~ [ ] \\");

  OK(parse("C:\\dir", &in), "backslash before a letter is text");
  STR_EQ(inline_plain(arena, &in), "C:\\dir", "kept");
  OK(parse("end\\", &in), "trailing backslash is text");
  STR_EQ(inline_plain(arena, &in), "end\\", "kept");
}

/* Spans split where the source line changes, and positions follow the
 * anchors. */
static void test_anchors(void) {
  struct doc_inline in;
  /* "first line second **line**": "first line " from 3:7, the rest from
   * 4:9 (as a folded plain scalar would give) */
  const char *t = "first line second **bold** end";
  struct inline_anchor a[2] = {{0, {FILE_NAME, 3, 7}}, {11, {FILE_NAME, 4, 9}}};
  OK(parse_at(t, a, 2, &in), "two-line text parses");
  INT_EQ(in.nspans, 4, "split at the line and at bold");
  SPAN(in, 0, "first line ", 0, NULL, 3, 7);
  SPAN(in, 1, "second ", 0, NULL, 4, 9);
  SPAN(in, 2, "bold", SPAN_BOLD, NULL, 4, 18);
  SPAN(in, 3, " end", 0, NULL, 4, 24);

  /* an error on the second line points there */
  const char *u = "ok text then **open";
  struct inline_anchor b[2] = {{0, {FILE_NAME, 7, 10}}, {8, {FILE_NAME, 8, 3}}};
  OK(!parse_at(u, b, 2, &in), "unclosed bold on line 2");
  STR_EQ(errbuf,
         "t.yaml:8:8: error: unclosed '**' (expected a closing '**' on the "
         "same text)\n",
         "error on the second line");

  /* without anchors there is no position */
  OK(inline_parse(arena, "x", 1, NULL, 0, &d, &in), "no anchors");
  OK(in.spans[0].pos.file == NULL && in.spans[0].pos.line == 0,
     "position unknown");
}

static void test_errors(void) {
  struct doc_inline in;
  int before = d.count[DIAG_ERROR];
  OK(!parse("Call **now", &in), "unclosed bold fails");
  STR_EQ(errbuf,
         "t.yaml:1:6: error: unclosed '**' (expected a closing '**' on the "
         "same text)\n",
         "unclosed bold message");
  OK(!parse("**a** b **c", &in), "second bold unclosed");
  STR_EQ(errbuf,
         "t.yaml:1:9: error: unclosed '**' (expected a closing '**' on the "
         "same text)\n",
         "points at the last opening");
  OK(!parse("Call [[0800 now", &in), "unclosed keep fails");
  STR_EQ(errbuf,
         "t.yaml:1:6: error: unclosed '[[' (expected a closing ']]' on the "
         "same text)\n",
         "unclosed keep message");
  OK(!parse("[[a **b]] c", &in), "bold may outlive a keep, but must close");
  STR_EQ(errbuf,
         "t.yaml:1:5: error: unclosed '**' (expected a closing '**' on the "
         "same text)\n",
         "bold reported, keep was closed");
  OK(!parse("**a [[b", &in), "bold and keep both unclosed");
  STR_EQ(errbuf,
         "t.yaml:1:1: error: unclosed '**' (expected a closing '**' on the "
         "same text)\n"
         "t.yaml:1:5: error: unclosed '[[' (expected a closing ']]' on the "
         "same text)\n",
         "both reported, in source order");
  OK(!parse("[[a [[b]] c]]", &in), "nested keep fails");
  STR_EQ(errbuf,
         "t.yaml:1:5: error: '[[' inside '[[' (expected ']]' to close the "
         "first one)\n",
         "nested keep message");
  OK(!parse("See [site](https://x.org for", &in), "unclosed target fails");
  STR_EQ(errbuf,
         "t.yaml:1:11: error: unclosed '(' after link text (expected ')' to "
         "end the link target)\n",
         "unclosed target message");
  OK(!parse("See [site]() now", &in), "empty target fails");
  STR_EQ(errbuf,
         "t.yaml:1:11: error: empty link target (expected a URL between '(' "
         "and ')')\n",
         "empty target message");
  OK(!parse("See [site](www.x.org) now", &in), "scheme-less target fails");
  STR_EQ(errbuf,
         "t.yaml:1:12: error: bad link target 'www.x.org' (expected a URL "
         "starting with https://, http://, mailto: or tel:)\n",
         "bad target message");
  OK(!parse("See [site](https://) now", &in), "scheme only fails");
  OK(!parse("[x](javascript:alert(1))", &in), "javascript: fails");
  OK(!parse("See [site](https://x.org/a b) now", &in), "space in URL fails");
  STR_EQ(errbuf,
         "t.yaml:1:27: error: space in link target (expected a URL without "
         "spaces; write a space as %20)\n",
         "space message");
  OK(!parse("See [](https://x.org) now", &in), "empty link text fails");
  STR_EQ(errbuf,
         "t.yaml:1:5: error: empty link text (expected the words to show "
         "between '[' and ']')\n",
         "empty link text message");
  OK(d.count[DIAG_ERROR] > before, "errors were counted");
}

/* {{name}}: one SPAN_VAR span whose text is the name and whose position is
 * the "{{"; styles around it carry over. */
static void test_variables(void) {
  struct doc_inline in;
  OK(parse("Call {{clinic.phone_24h}} now.", &in), "variable parses");
  INT_EQ(in.nspans, 3, "three spans");
  SPAN(in, 0, "Call ", 0, NULL, 1, 1);
  SPAN(in, 1, "clinic.phone_24h", SPAN_VAR, NULL, 1, 6);
  SPAN(in, 2, " now.", 0, NULL, 1, 26);
  STR_EQ(errbuf, "", "no errors");

  OK(parse("{{a}}{{b.c_1}}", &in), "two variables side by side");
  INT_EQ(in.nspans, 2, "one span each");
  SPAN(in, 0, "a", SPAN_VAR, NULL, 1, 1);
  SPAN(in, 1, "b.c_1", SPAN_VAR, NULL, 1, 6);

  OK(parse("**24-hour line: {{clinic.phone_24h}}**", &in), "inside bold");
  INT_EQ(in.nspans, 2, "two spans");
  SPAN(in, 0, "24-hour line: ", SPAN_BOLD, NULL, 1, 3);
  SPAN(in, 1, "clinic.phone_24h", SPAN_BOLD | SPAN_VAR, NULL, 1, 17);

  OK(parse("[call {{clinic.phone_24h}}](tel:02079460000)", &in),
     "inside link text");
  SPAN(in, 1, "clinic.phone_24h", SPAN_VAR, "tel:02079460000", 1, 7);

  OK(parse("[[{{x}}]]", &in), "inside a keep");
  SPAN(in, 0, "x", SPAN_KEEP | SPAN_VAR, NULL, 1, 3);

  OK(parse("é {{x}}", &in), "column after a multibyte character");
  SPAN(in, 1, "x", SPAN_VAR, NULL, 1, 3);

  /* variables in link targets stay in the URL for resolve */
  OK(parse("[write to us](mailto:{{clinic.email}})", &in), "in a target");
  SPAN(in, 0, "write to us", 0, "mailto:{{clinic.email}}", 1, 2);
  OK(parse("[our site]({{clinic.website}})", &in),
     "a target that is a variable");
  SPAN(in, 0, "our site", 0, "{{clinic.website}}", 1, 2);

  /* not variables */
  OK(parse("\\{{x}} and {a} and }}", &in), "escaped {, single braces");
  INT_EQ(in.nspans, 1, "one plain span");
  STR_EQ(inline_plain(arena, &in), "{{x}} and {a} and }}", "text kept");
  for (size_t i = 0; i < in.nspans; i++)
    INT_EQ(in.spans[i].flags, 0, "no variable");
}

#define UNCLOSED_VAR                                                           \
  "error: unclosed '{{' (expected '}}' after the variable name, like "         \
  "{{clinic.phone_24h}}; write \\{ for a literal '{')\n"
#define BAD_VAR_CHAR(c)                                                        \
  "error: character " c " in a variable name (expected lower-case letters, "   \
  "digits and '_' in parts joined by '.', like {{clinic.phone_24h}})\n"

static void test_variable_errors(void) {
  struct doc_inline in;
  OK(!parse("Call {{clinic.phone_24h now", &in), "unclosed {{");
  STR_EQ(errbuf, "t.yaml:1:6: " UNCLOSED_VAR, "unclosed message");
  OK(!parse("a {{clinic.name}", &in), "only one closing brace");
  STR_EQ(errbuf, "t.yaml:1:3: " UNCLOSED_VAR, "unclosed (one brace)");
  OK(!parse("x {{clinic.Phone}}", &in), "upper case in a name");
  STR_EQ(errbuf, "t.yaml:1:12: " BAD_VAR_CHAR("'P' (U+0050)"),
         "bad character message points at the character");
  OK(!parse("{{ clinic.name }}", &in), "spaces in braces");
  STR_EQ(errbuf, "t.yaml:1:3: " BAD_VAR_CHAR("' ' (U+0020)"),
         "space message");
  OK(!parse("ab {{}}", &in), "empty name");
  STR_EQ(errbuf,
         "t.yaml:1:4: error: empty variable '{{}}' (expected a name, like "
         "{{clinic.phone_24h}})\n",
         "empty message");
  OK(!parse("{{clinic..name}}", &in), "double dot");
  STR_EQ(errbuf,
         "t.yaml:1:9: error: bad variable name 'clinic..name' (expected parts "
         "of lower-case letters, digits and '_' joined by single dots, like "
         "clinic.phone_24h)\n",
         "double dot message points at the dot");
  OK(!parse("{{.x}} {{x.}}", &in), "leading dot");
  STR_EQ(errbuf,
         "t.yaml:1:3: error: bad variable name '.x' (expected parts of "
         "lower-case letters, digits and '_' joined by single dots, like "
         "clinic.phone_24h)\n",
         "leading dot message");
  OK(!parse("[x](tel:{{clinic.Phone}})", &in), "bad name in a target");
  STR_EQ(errbuf, "t.yaml:1:18: " BAD_VAR_CHAR("'P' (U+0050)"),
         "target: the bad character's position");
  OK(!parse("[x](tel:{{clinic.phone_24h)", &in), "unclosed in a target");
  STR_EQ(errbuf, "t.yaml:1:9: " UNCLOSED_VAR, "target: unclosed message");
  /* a second line: the position follows the anchors */
  const char *t = "first line {{oops";
  struct inline_anchor a[2] = {{0, {FILE_NAME, 5, 3}}, {11, {FILE_NAME, 6, 5}}};
  OK(!parse_at(t, a, 2, &in), "unclosed on line 2");
  STR_EQ(errbuf, "t.yaml:6:5: " UNCLOSED_VAR, "line 2 position");
}

int main(void) {
  arena = arena_new();
  errf = tmpfile();
  diag_init(&d, errf);
  test_plain();
  test_bold();
  test_links();
  test_keep_nbsp();
  test_escapes();
  test_anchors();
  test_errors();
  test_variables();
  test_variable_errors();
  fclose(errf);
  arena_free(arena);
  return harness_done();
}
