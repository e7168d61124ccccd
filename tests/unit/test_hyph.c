/*
 * test_hyph: libhyphen patterns, the exception list and the UTF-8 mapping.
 *
 *   test_hyph [EXCEPTIONS]   (default "layouts/hyphenation.txt": run from
 *                             the repository root)
 *
 * Needs hyphen-en-us (/usr/share/hyphen/hyph_en_US.dic).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hyph.h"
#include "harness.h"

static const char *exc_path = "layouts/hyphenation.txt";

struct capture {
  struct diag d;
  char *buf;
  size_t len;
};
static void capture_start(struct capture *c) {
  c->buf = NULL;
  c->len = 0;
  diag_init(&c->d, open_memstream(&c->buf, &c->len));
}
static const char *capture_text(struct capture *c) {
  fflush(c->d.out);
  return c->buf ? c->buf : "";
}
static void capture_end(struct capture *c) {
  fclose(c->d.out);
  free(c->buf);
}

/* The word with '=' at each point, e.g. "immu=no=ther=apy". */
static const char *show(struct hyph *h, const char *word) {
  static char out[512];
  bool points[128];
  size_t len = strlen(word);
  int n = hyph_word(h, word, len, points);
  size_t o = 0, k = 0;
  int seen = 0;
  for (size_t i = 0; i < len;) {
    size_t j = i + 1;
    while (j < len && ((unsigned char)word[j] & 0xC0) == 0x80) j++;
    memcpy(out + o, word + i, j - i);
    o += j - i;
    if (j < len && points[k]) {
      out[o++] = '=';
      seen++;
    }
    k++;
    i = j;
  }
  out[o] = '\0';
  if (seen != n) return "(count mismatch)";
  return out;
}

static void test_patterns(void) {
  struct diag d;
  diag_init(&d, stderr);
  struct hyph *h = hyph_open("en-US", NULL, &d);
  OK(h != NULL, "en-US patterns load");
  if (!h) return;
  /* LIBHARU.md: hyphenate3 with 3/3 gives "immunother=apy" */
  STR_EQ(show(h, "immunotherapy"), "immunother=apy", "patterns only");
  STR_EQ(show(h, "Immunotherapy"), "Immunother=apy", "capitalised");
  STR_EQ(show(h, "IMMUNOTHERAPY"), "IMMUNOTHER=APY", "upper case is folded first");
  STR_EQ(show(h, "pembrolizumab"), "pem=brolizumab", "patterns split the drug name");
  STR_EQ(show(h, "inflammation"), "inflam=ma=tion", "inflammation ('in' is under 3)");
  STR_EQ(show(h, "cell"), "cell", "short word");
  STR_EQ(show(h, "hello"), "hello", "5 letters: 3/3 leaves nothing");

  /* UTF-8: libhyphen's vector for a 2-byte character.  "añimmunotherapy"
   * has 15 characters in 16 bytes: points after 'm' (4th character) and
   * after 'r' (12th), not shifted by the extra byte. */
  STR_EQ(show(h, "a\xC3\xB1immunotherapy"), "a\xC3\xB1im=munother=apy",
         "points counted in characters, not bytes");
  STR_EQ(show(h, "A\xC3\x91IMMUNOTHERAPY"), "A\xC3\x91IM=MUNOTHER=APY",
         "Latin-1 capital folded (N with tilde)");
  bool pts[32];
  memset(pts, 1, sizeof pts);
  INT_EQ(hyph_word(h, "a\xC3\xB1immunotherapy", 16, pts), 2, "two points");
  OK(pts[3] && pts[11] && !pts[4] && !pts[12] && !pts[14], "point indexes are characters");
  hyph_free(h);
}

static void test_exceptions(void) {
  struct diag d;
  diag_init(&d, stderr);
  struct hyph *h = hyph_open("en-US", exc_path, &d);
  OK(h != NULL, "en-US + %s load", exc_path);
  INT_EQ(d.count[DIAG_ERROR] + d.count[DIAG_WARNING], 0, "exception list is clean");
  if (!h) return;
  STR_EQ(show(h, "immunotherapy"), "immu=no=ther=apy",
         "listed im-mu-no-ther-a-py, 3/3 minima applied");
  STR_EQ(show(h, "Immunotherapy"), "Immu=no=ther=apy", "case-insensitive match");
  STR_EQ(show(h, "pembrolizumab"), "pembrolizumab", "drug name never split");
  STR_EQ(show(h, "Pembrolizumab"), "Pembrolizumab", "drug name, capitalised");
  STR_EQ(show(h, "PEMBROLIZUMAB"), "PEMBROLIZUMAB", "drug name, upper case");
  static const char *const drugs[] = {
      "nivolumab", "ipilimumab", "relatlimab", "atezolizumab", "avelumab", "durvalumab",
      "cemiplimab", "tremelimumab", "dostarlimab", "rituximab", "mosunetuzumab",
      "epcoritamab", "glofitamab", "axicabtagene", "ciloleucel", "tisagenlecleucel",
      "lisocabtagene", "maraleucel", "brexucabtagene", "autoleucel", "idecabtagene",
      "vicleucel", "ciltacabtagene", "talimogene", "laherparepvec", "adalimumab",
      "etanercept", "infliximab", "golimumab", "certolizumab", "abatacept",
      "tocilizumab", "nirsevimab", "clesrovimab", "bevacizumab", "Keytruda"};
  for (size_t i = 0; i < sizeof drugs / sizeof drugs[0]; i++) {
    bool p[64];
    INT_EQ(hyph_word(h, drugs[i], strlen(drugs[i]), p), 0, "%s is never split", drugs[i]);
  }
  STR_EQ(show(h, "checkpoint"), "check=point", "checkpoint");
  STR_EQ(show(h, "inflammations"), "inflam=ma=tions", "not listed: patterns");
  hyph_free(h);
}

static char *write_temp(const char *text) {
  static char path[64];
  strcpy(path, "/tmp/test_hyph_XXXXXX");
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) path[0] = '\0';
  close(fd);
  return path;
}

static void test_exception_file(void) {
  struct capture c;
  char want[1024];

  /* UTF-8 exceptions: points in characters */
  char *p = write_temp("# test\n  th\xC3\xA9-ra-peu-tique  # French\nsep-sis\n\nIM-MU-NO-LOG-I-CAL\n");
  capture_start(&c);
  struct hyph *h = hyph_open("en-US", p, &c.d);
  OK(h != NULL, "temp exception list loads");
  STR_EQ(capture_text(&c), "", "no messages");
  capture_end(&c);
  if (h) {
    STR_EQ(show(h, "th\xC3\xA9rapeutique"), "th\xC3\xA9=ra=peu=tique",
           "UTF-8 exception: points in characters");
    STR_EQ(show(h, "TH\xC3\x89RAPEUTIQUE"), "TH\xC3\x89=RA=PEU=TIQUE", "E-acute capital folded");
    STR_EQ(show(h, "immunological"), "immu=no=log=i=cal",
           "upper-case entry matches a lower-case word; 'im' under the minimum");
    STR_EQ(show(h, "sepsis"), "sep=sis", "3 + 3 letters: allowed");
    hyph_free(h);
  }
  unlink(p);

  /* errors, with positions */
  p = write_temp("good-word\n-lead\nab--cd\ntwo words\nok # fine\n");
  capture_start(&c);
  h = hyph_open("en-US", p, &c.d);
  OK(h == NULL, "bad exception list refused");
  snprintf(want, sizeof want,
           "%s:2:1: error: hyphenation exception '-lead' has a hyphen at its start, its "
           "end or next to another (expected hyphens only between letters, as in "
           "im-mu-no-ther-a-py)\n"
           "%s:3:4: error: hyphenation exception 'ab--cd' has a hyphen at its start, its "
           "end or next to another (expected hyphens only between letters, as in "
           "im-mu-no-ther-a-py)\n"
           "%s:4:1: error: hyphenation exception 'two words' has a space (expected one "
           "word per line, with hyphens where it may be split)\n", p, p, p);
  STR_EQ(capture_text(&c), want, "exception list errors");
  capture_end(&c);
  unlink(p);

  /* duplicates: later wins, with a warning */
  p = write_temp("check-point\ncheckpoint\n");
  capture_start(&c);
  h = hyph_open("en-US", p, &c.d);
  OK(h != NULL, "duplicates load");
  OK(strstr(capture_text(&c), ":2:1: warning: hyphenation exception 'checkpoint' is listed "
                              "again") != NULL, "duplicate warning: %s", capture_text(&c));
  capture_end(&c);
  if (h) {
    STR_EQ(show(h, "checkpoint"), "checkpoint", "later line wins");
    hyph_free(h);
  }
  unlink(p);

  capture_start(&c);
  h = hyph_open("en-US", "/nonexistent/hyphenation.txt", &c.d);
  OK(h == NULL, "missing exception list refused");
  OK(strstr(capture_text(&c), "/nonexistent/hyphenation.txt: error: cannot read the "
                              "hyphenation exception list") != NULL,
     "missing list message: %s", capture_text(&c));
  capture_end(&c);
}

static void test_dictionaries(void) {
  struct capture c;
  capture_start(&c);
  struct hyph *h = hyph_open("xx-YY", NULL, &c.d);
  OK(h == NULL, "unknown language");
  STR_EQ(capture_text(&c),
         "handout: error: no hyphenation dictionary for language 'xx-YY': "
         "/usr/share/hyphen/hyph_xx_YY.dic: No such file or directory (expected the "
         "Debian package hyphen-xx-yy, or HANDOUT_HYPHEN_DIR naming a folder with "
         "hyph_xx_YY.dic)\n", "unknown language message");
  capture_end(&c);

  capture_start(&c);
  h = hyph_open("../../etc/passwd", NULL, &c.d);
  OK(h == NULL, "a path as language is refused");
  capture_end(&c);

  setenv("HANDOUT_HYPHEN_DIR", "/nonexistent", 1);
  capture_start(&c);
  h = hyph_open("en-US", NULL, &c.d);
  OK(h == NULL, "HANDOUT_HYPHEN_DIR is used");
  OK(strstr(capture_text(&c), "/nonexistent/hyph_en_US.dic") != NULL, "names the path");
  capture_end(&c);
  setenv("HANDOUT_HYPHEN_DIR", "/usr/share/hyphen", 1);
  capture_start(&c);
  h = hyph_open("en-US", NULL, &c.d);
  OK(h != NULL, "HANDOUT_HYPHEN_DIR=/usr/share/hyphen");
  hyph_free(h);
  capture_end(&c);
  unsetenv("HANDOUT_HYPHEN_DIR");

  if (access("/usr/share/hyphen/hyph_en_GB.dic", R_OK) == 0) {
    struct diag d;
    diag_init(&d, stderr);
    h = hyph_open("en-GB", NULL, &d);
    OK(h != NULL, "en-GB loads");
    if (h) {
      STR_EQ(show(h, "immunotherapy"), "immun=o=ther=apy", "en-GB patterns, 3/3");
      hyph_free(h);
    }
  } else {
    printf("(hyphen-en-gb not installed: en-GB test skipped)\n");
  }
}

static void test_speed(void) {
  struct diag d;
  diag_init(&d, stderr);
  struct hyph *h = hyph_open("en-US", exc_path, &d);
  if (!h) return;
  static const char *const words[] = {"immunotherapy", "treatment", "inflammation",
                                      "pembrolizumab", "temperature", "diarrhoea",
                                      "breathlessness", "information", "appointment",
                                      "checkpoint"};
  bool p[64];
  struct timespec a, b;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  int rounds = 2000;
  for (int r = 0; r < rounds; r++)
    for (size_t i = 0; i < 10; i++) hyph_word(h, words[i], strlen(words[i]), p);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / (rounds * 10.0);
  printf("hyph_word: %.2f us per word (10 words, cached after the first round)\n", us);
  hyph_free(h);
}

int main(int argc, char **argv) {
  if (argc > 1) exc_path = argv[1];
  test_patterns();
  test_exceptions();
  test_exception_file();
  test_dictionaries();
  test_speed();
  return harness_done();
}
