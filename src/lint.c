/*
 * lint: content and layout checks, compiler style.  See lint.h for the
 * contract; this comment gives every rule exactly (README.md "Checking a
 * handout" is the user's version).
 *
 * BODY TEXT (what readability and sentence length measure)
 *   In: the summary, paragraphs, list items (and nested items), call-out
 *   titles and bodies, table body cells, image and QR captions, and the
 *   wallet card's lines.  Out: headings, table header rows, card titles and
 *   the card's note for clinicians, sources, metadata, and the generated
 *   parts (Contact us, Sources, About this leaflet).  Inside body text these
 *   words are skipped by the formulas (but count towards sentence length):
 *   {{variables}} (their values are contact details and names), phone
 *   numbers (digit runs with spaces, - ( ) or +, 6 digits or more in all),
 *   web and email addresses (@, ://, www., or name.tld), and drug names
 *   (every entry of layouts/hyphenation.txt written without a hyphen: that
 *   file's documented rule is that drug names are listed unhyphenated).
 *
 * SENTENCES AND WORDS
 *   A word is a run of characters between spaces (space, no-break space,
 *   new line) holding a letter or a digit, with punctuation and quotes
 *   around it stripped.  A sentence ends after a word followed by '.', '!'
 *   or '?' (then a space or the end of the text; "e.g.", "i.e.", "Dr.",
 *   "Mr.", "Mrs.", "Ms.", "vs." and "approx." do not end one), and at the
 *   end of every unit: paragraph, list item, table cell, call-out title,
 *   caption, card line.  A phone number counts as one word.
 *
 * SYLLABLES (lint_syllables)
 *   Vowel groups (a e i o u, and y except before a vowel at the start of a
 *   word or between two vowels), then: a silent final e (not after a
 *   consonant + l or r, as in table, centre); silent -es and -ed (not after
 *   s x z ch sh ce ge, or t d); a silent e before -ly -ment -ful -less -ness
 *   -ty -let and after some/life/home/time/... in compounds; -gue and -que;
 *   vowel pairs said as two syllables (ia, io, iu, eo, ua, uo, ui, ie, ea,
 *   oe, ue in the contexts listed in count_letters()); -ing after a vowel;
 *   -ier/-iest; a final -sm or -thm; and a short list of exceptions.  A word
 *   with a digit counts as 1.  Tested against tests/lint/syllables.txt.
 *
 * FORMULAS (../shared/CONTENT.md 1.1), over the body text of one handout:
 *   FRE  = 206.835 - 1.015 W/S - 84.6 Y/W
 *   FKGL = 0.39 W/S + 11.8 Y/W - 15.59
 *   SMOG = 1.043 sqrt(P * 30 / S) + 3.1291
 *   W words, S sentences (with at least one counted word), Y syllables, P
 *   words of 3 or more syllables.  Reported as one note; error when FKGL
 *   (rounded to 0.1) is above LINT_MAX_FKGL or SMOG above LINT_MAX_SMOG.
 *
 * JARGON (terms of the glossary, handouts/lint/glossary.yaml)
 *   A term (or one of its forms) is found case-insensitively as whole words
 *   (letters, digits and '-' join words; a space in a form matches any run
 *   of spaces) in the summary, paragraphs, list items, call-outs, table
 *   cells and captions, in reading order; at each place the longest form of
 *   any term is the use ("CAR-T cell therapy" is not also "T cell").
 *   Headings, run-in headings (a paragraph's leading bold text ending in
 *   '.', or in ':' outside a list item: "**Hormone glands.** ...") and the
 *   card are not searched.  A term's FIRST use must be explained, in one of
 *   these forms (TERM is the use):
 *     TERM (explanation)          TERM - explanation  (also – and —)
 *     TERM, which is/are/means    TERM, that is/means
 *     TERM is/are/means ...       explanation (TERM)
 *     ... called TERM, known as TERM, named TERM (a/an/the may come between)
 *     a list item "**TERM**: explanation" (glossary style)
 *   Otherwise: warning at the first use.  The check is of form, not
 *   meaning: "colitis is rare" passes.
 *
 * REQUIRED PARTS: a summary (error at the document if missing); a call-out
 *   of kind urgent (error at the document if none) holding a phone number:
 *   {{clinic.phone_24h}} or a digit run as above (error at the first urgent
 *   call-out if none has one); a heading containing "question" (error at the
 *   document); at least one source (the loader requires them too).
 *
 * DATES: review_by before today is an error, within LINT_REVIEW_WARN_DAYS
 *   days (today included) a warning, both at the review_by value.
 *
 * LAYOUTS (each checked once per run, positions in the layout file): the
 *   loader's own check that text.size is not under text.min_size; a layout
 *   is CLEAR PRINT when its min_size is 12pt or more (the default when
 *   min_size is not given): a clear-print layout must be left aligned and
 *   unhyphenated (error at text.align / text.hyphenate); contrast (WCAG 2
 *   relative luminance) of text, heading and link on the white page and on
 *   info_bg, warning_bg and urgent_bg, rounded to 0.01: error under 4.5:1,
 *   warning under 7:1, at the foreground colour's value (else the
 *   background's, else the colors mapping, else the file).
 *
 * OUTPUT ORDER: per handout, its messages sorted by file (in order of first
 * appearance, the handout first) then line and column, the readability note
 * first; then unknown-variable errors; then the layouts, in the order given.
 */
#define _POSIX_C_SOURCE 200809L
#include "lint.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "doc.h"
#include "load.h"
#include "pagedef.h"
#include "resolve.h"
#include "site.h"
#include "util.h"
#include "yamlread.h"

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* Defaults (../shared/CONTENT.md 1.9).  Not configurable: a clinic that
 * needs other limits changes them here. */
#define LINT_MAX_FKGL 8.0
#define LINT_MAX_SMOG 10.0
#define LINT_MAX_LIST_ITEMS 7
#define LINT_MAX_SENTENCE_WORDS 25
#define LINT_REVIEW_WARN_DAYS 60
#define LINT_CONTRAST_ERROR 4.5 /* WCAG AA */
#define LINT_CONTRAST_WARN 7.0  /* WCAG AAA */
#define LINT_CLEAR_PRINT_CPT 1200
#define LINT_PHONE_DIGITS 6
#define LINT_PHONE_VAR "clinic.phone_24h"

/* ======================================================================== */
/* syllables                                                                */
/* ======================================================================== */

static bool is_aeiou(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Is w[i] a vowel?  y is one except at the start before a vowel (yes, you)
 * and between two vowels (beyond, layer, loyal). */
static bool vowel_at(const char *w, size_t n, size_t i) {
  if (i >= n)
    return false;
  char c = w[i];
  if (is_aeiou(c))
    return true;
  if (c != 'y')
    return false;
  if (i == 0)
    return n == 1 || !is_aeiou(w[1]);
  if (is_aeiou(w[i - 1]) && i + 1 < n && is_aeiou(w[i + 1]))
    return false;
  return true;
}

static bool ends(const char *w, size_t n, const char *suf) {
  size_t k = strlen(suf);
  return n >= k && memcmp(w + n - k, suf, k) == 0;
}

static bool starts(const char *w, size_t n, const char *pre) {
  size_t k = strlen(pre);
  return n >= k && memcmp(w, pre, k) == 0;
}

static bool cons_at(const char *w, size_t n, size_t i) {
  return i < n && !vowel_at(w, n, i);
}

/* A consonant + l or r before a final vowel (table, centre): that l or r is
 * a syllable of its own, so the e after it is not silent.  i is the l/r. */
static bool syllabic_lr(const char *w, size_t n, size_t i) {
  return i >= 1 && i < n && (w[i] == 'l' || w[i] == 'r') &&
         cons_at(w, n, i - 1) && w[i - 1] != w[i] && w[i - 1] != 'r' &&
         w[i - 1] != 'l';
}

/* Whole words the rules get wrong (lower case, letters only). */
static const struct {
  const char *word;
  int n;
} syl_exceptions[] = {
    {"acne", 2},       {"apostrophe", 4}, {"business", 2}, {"businesses", 3},
    {"cafe", 2},       {"catastrophe", 4}, {"choir", 1},   {"colonel", 2},
    {"diabetes", 4},   {"epitome", 4},    {"herpes", 2},    {"hyperbole", 4},
    {"karate", 3},     {"naive", 2},      {"recipe", 3},    {"recipes", 3},
    {"simile", 3},     {"syncope", 3},    {"wednesday", 2},
};

/* Compound words whose first part ends in a silent e. */
static const char *const silent_e_prefixes[] = {
    "base", "care", "face", "fire", "five", "hate", "home", "house",
    "life", "like", "love", "make", "more", "name", "nine", "note",
    "safe", "side", "some", "take", "there", "time", "where", "whole",
    "wide",
};

/* Suffixes after which a stem's final e is silent (safely, movement). */
static const struct {
  const char *suf;
  size_t min_stem;
} silent_e_suffixes[] = {
    {"ly", 3},    {"ment", 4}, {"ments", 4}, {"ful", 3},    {"fully", 3},
    {"less", 3},  {"ness", 3}, {"ty", 4},    {"let", 4},    {"lets", 4},
};

/* Syllables of w[0..n), lower-case a-z only, n > 0. */
static int count_letters(const char *w, size_t n) {
  for (size_t i = 0; i < NELEM(syl_exceptions); i++)
    if (strlen(syl_exceptions[i].word) == n &&
        memcmp(syl_exceptions[i].word, w, n) == 0)
      return syl_exceptions[i].n;

  /* vowel groups */
  int groups = 0;
  for (size_t i = 0; i < n; i++)
    if (vowel_at(w, n, i) && (i == 0 || !vowel_at(w, n, i - 1)))
      groups++;
  if (groups == 0)
    return 1;
  int syl = groups;

  /* vowel pairs said as two syllables */
  for (size_t i = 0; i + 1 < n; i++) {
    if (!vowel_at(w, n, i) || !vowel_at(w, n, i + 1))
      continue;
    char a = w[i], b = w[i + 1];
    char prev = i > 0 ? w[i - 1] : 0;
    const char *rest = w + i + 2; /* after the pair */
    size_t rn = n - i - 2;
    bool at_end = rn == 0;
    if (a == 'y') { /* consonant + y + vowel: my-o-car-di-tis, any-one */
      if (i > 0 && prev != 'w' && !is_aeiou(prev))
        syl++;
      continue;
    }
    if (a == 'i' && b == 'a') {
      if (prev != 'c' && prev != 't' && !(prev == 's' && rn == 0) &&
          !(rn >= 2 && rest[0] == 'g' && rest[1] == 'e') && !is_aeiou(prev))
        syl++;
    } else if (a == 'i' && b == 'o') {
      bool soft = prev == 't' || prev == 's' || prev == 'c' || prev == 'x' ||
                  prev == 'g';
      bool nion = (prev == 'n' || (prev == 'l' && i >= 2 && w[i - 2] == 'l')) &&
                  rn >= 1 && rest[0] == 'n';
      if (at_end || (!soft && !nion && !is_aeiou(prev)))
        syl++;
    } else if (a == 'i' && b == 'u') {
      if (!is_aeiou(prev))
        syl++;
    } else if (a == 'e' && b == 'o') {
      bool start = i == 1 && (prev == 'n' || prev == 'g');
      bool theo = i == 2 && starts(w, n, "theo");
      bool end = at_end || (rn == 1 && rest[0] == 's');
      bool eou = rn >= 1 && rest[0] == 'u' && prev != 'g' && prev != 'c';
      if (start || theo || end || eou || starts(w, n, "stereo"))
        syl++;
    } else if (a == 'o' && b == 'a') {
      if (prev == 'e')
        syl++;
    } else if (a == 'u' && b == 'a') {
      if (prev != 'q' && prev != 'g' && !is_aeiou(prev))
        syl++;
    } else if (a == 'u' && b == 'o') {
      if (prev != 'q' && prev != 'g')
        syl++;
    } else if (a == 'u' && b == 'i') {
      bool one = prev == 'q' || prev == 'g' ||
                 (rn >= 2 && rest[0] == 'l' && (rest[1] == 'd' || rest[1] == 't')) ||
                 (rn == 1 && rest[0] == 't') ||
                 (rn == 2 && rest[0] == 't' && rest[1] == 's') ||
                 (rn >= 2 && (rest[0] == 'c' || rest[0] == 's') &&
                  rest[1] == 'e' && (rn == 2 || (rn == 3 && rest[2] == 's')));
      if (!one)
        syl++;
    } else if (a == 'i' && b == 'e') {
      bool t = rn >= 1 && rest[0] == 't';
      bool nce = rn >= 2 && rest[0] == 'n' && (rest[1] == 'c' || rest[1] == 't');
      bool soft = (prev == 'c' && !(i >= 2 && w[i - 2] == 's')) || prev == 't';
      bool tier = rn >= 1 && rest[0] == 'r' &&
                  (rn == 1 || (rn == 2 && rest[1] == 's')) && n > 4 &&
                  cons_at(w, n, i - 1);
      bool tiest = rn == 2 && rest[0] == 's' && rest[1] == 't' && n > 5 &&
                   cons_at(w, n, i - 1);
      bool qu = prev == 'u' && i >= 2 && w[i - 2] == 'q'; /* qui-et */
      if ((t && (!is_aeiou(prev) || qu)) || (nce && !soft) || tier || tiest)
        syl++;
    } else if (a == 'e' && b == 'a') {
      if (at_end || starts(w, n, "creat") || starts(w, n, "pancrea") ||
          (i == 1 && prev == 'r' && rn >= 1 && rest[0] == 'c') ||
          (i == 2 && starts(w, n, "thea")))
        syl++;
    } else if (a == 'o' && b == 'e') {
      if (i == 1 && (prev == 'p' || prev == 'c'))
        syl++;
    } else if (a == 'u' && b == 'e') {
      if (prev != 'q' && prev != 'g' && rn >= 2 && rest[0] == 'n' &&
          (rest[1] == 't' || rest[1] == 'c'))
        syl++;
    }
  }

  /* -ing after a vowel: be-ing, go-ing */
  if ((ends(w, n, "ing") || ends(w, n, "ings")) && n > 4) {
    size_t k = ends(w, n, "ing") ? n - 4 : n - 5;
    if (is_aeiou(w[k]))
      syl++;
  }

  /* final -sm, -thm: spa-sm, rhy-thm, -ism */
  if (ends(w, n, "sm") || ends(w, n, "sms") || ends(w, n, "thm") ||
      ends(w, n, "thms"))
    syl++;

  /* silent endings: the e forms a group of its own after a consonant */
  if (groups > 1 && n > 2) {
    if (w[n - 1] == 'e' && cons_at(w, n, n - 2) && !syllabic_lr(w, n, n - 2))
      syl--;
    else if (ends(w, n, "es") && n > 3 && cons_at(w, n, n - 3)) {
      char c = w[n - 3];
      bool said = c == 's' || c == 'x' || c == 'z' || c == 'c' || c == 'g' ||
                  ends(w, n, "ches") || ends(w, n, "shes") ||
                  syllabic_lr(w, n, n - 3);
      if (!said)
        syl--;
    } else if (ends(w, n, "ed") && n > 3 && cons_at(w, n, n - 3)) {
      char c = w[n - 3];
      if (c != 't' && c != 'd' && !syllabic_lr(w, n, n - 3))
        syl--;
    }
  }
  /* -gue, -que: league, tongue, unique (not argue) */
  if (ends(w, n, "gue") || ends(w, n, "gues") || ends(w, n, "que") ||
      ends(w, n, "ques")) {
    size_t q = ends(w, n, "ue") ? n - 3 : n - 4; /* the g or q */
    if (q >= 1 && (w[q] == 'q' || is_aeiou(w[q - 1]) || w[q - 1] == 'n'))
      syl--;
  }

  /* a silent e inside: safe-ly, move-ment, some-thing, life-time */
  bool inner = false;
  for (size_t k = 0; k < NELEM(silent_e_suffixes) && !inner; k++) {
    const char *suf = silent_e_suffixes[k].suf;
    size_t sl = strlen(suf);
    if (!ends(w, n, suf) || n - sl < silent_e_suffixes[k].min_stem)
      continue;
    size_t e = n - sl - 1; /* the stem's last letter */
    if (e >= 2 && w[e] == 'e' && cons_at(w, n, e - 1) && vowel_at(w, n, e - 2))
      inner = true;
  }
  for (size_t k = 0; k < NELEM(silent_e_prefixes) && !inner; k++) {
    size_t pl = strlen(silent_e_prefixes[k]);
    if (!starts(w, n, silent_e_prefixes[k]) || n - pl < 3 ||
        vowel_at(w, n, pl))
      continue;
    for (size_t j = pl; j < n; j++)
      if (vowel_at(w, n, j)) {
        inner = true;
        break;
      }
  }
  if (inner)
    syl--;
  if (starts(w, n, "every"))
    syl--;
  return syl < 1 ? 1 : syl;
}

/* Lower-case ASCII letter for one code point of a word, 0 for none (Latin-1
 * accented vowels become plain ones: café, naïve). */
static char fold_letter(uint32_t cp) {
  if (cp < 0x80)
    return isalpha((int)cp) ? (char)tolower((int)cp) : 0;
  static const struct {
    uint32_t lo, hi;
    char c;
  } ranges[] = {{0xC0, 0xC5, 'a'}, {0xE0, 0xE5, 'a'}, {0xC8, 0xCB, 'e'},
                {0xE8, 0xEB, 'e'}, {0xCC, 0xCF, 'i'}, {0xEC, 0xEF, 'i'},
                {0xD2, 0xD6, 'o'}, {0xF2, 0xF6, 'o'}, {0xD9, 0xDC, 'u'},
                {0xF9, 0xFC, 'u'}, {0xC7, 0xC7, 'c'}, {0xE7, 0xE7, 'c'},
                {0xD1, 0xD1, 'n'}, {0xF1, 0xF1, 'n'}, {0xC6, 0xC6, 'e'},
                {0xE6, 0xE6, 'e'}};
  for (size_t i = 0; i < NELEM(ranges); i++)
    if (cp >= ranges[i].lo && cp <= ranges[i].hi)
      return ranges[i].c;
  return 0;
}

/* One part of a word (no '-' or '/'): s[0..n). */
static int count_part(const char *s, size_t n) {
  char w[128];
  size_t wn = 0;
  bool digit = false, lower = false;
  int letters = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (k <= 0)
      k = 1, cp = 0;
    i += (size_t)k;
    if (cp >= '0' && cp <= '9')
      digit = true;
    char c = fold_letter(cp);
    if (!c)
      continue;
    letters++;
    if (cp >= 'a' && cp <= 'z')
      lower = true;
    if (wn < sizeof w)
      w[wn++] = c;
  }
  if (digit)
    return 1;
  if (wn == 0)
    return 0;
  /* an abbreviation said letter by letter: NHS, GP, CT */
  if (!lower && letters >= 2 && letters <= 5) {
    bool vowel = false;
    for (size_t i = 0; i < wn; i++)
      vowel = vowel || is_aeiou(w[i]);
    if (!vowel)
      return letters;
  }
  return count_letters(w, wn);
}

int lint_syllables(const char *word) {
  int total = 0;
  const char *p = word;
  for (;;) {
    size_t n = strcspn(p, "-/");
    total += count_part(p, n);
    if (!p[n])
      break;
    p += n + 1;
  }
  return total;
}

/* ======================================================================== */
/* dates                                                                    */
/* ======================================================================== */

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* "2026-11-28" -> days since 1970-01-01; false if not a calendar date. */
static bool day_number(const char *s, long *out) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
      return false;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 ||
      d > mdays[m - 1] + (m == 2 && leap(y)))
    return false;
  /* days from civil (H. Hinnant) */
  long yy = y - (m <= 2);
  long era = (yy >= 0 ? yy : yy - 399) / 400;
  long yoe = yy - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *out = era * 146097 + doe - 719468;
  return true;
}

bool lint_today(char *buf, size_t size) {
  const char *env = getenv("HANDOUT_TODAY");
  long dn;
  if (env && *env) {
    if (!day_number(env, &dn))
      return false;
    snprintf(buf, size, "%s", env);
    return true;
  }
  time_t now = time(NULL);
  struct tm tm;
  if (!localtime_r(&now, &tm))
    return false;
  strftime(buf, size, "%Y-%m-%d", &tm);
  return true;
}

/* ======================================================================== */
/* output: text through diag, or JSON lines                                 */
/* ======================================================================== */

struct readability {
  long words, sentences, syllables, poly;
  double fkgl, smog, fre;
};

struct msg {
  enum diag_level level;
  struct src_pos pos;
  char *text;
  const struct readability *r; /* the note's figures, or NULL */
  size_t seq;                  /* emission order, for a stable sort */
  int file_rank;
};

struct lint {
  const struct lint_options *opt;
  struct diag *d;
  long today;

  /* JSON mode: the loaders report into sub, captured, then converted */
  struct diag sub;
  char *subbuf;
  size_t sublen;

  /* glossary */
  struct term *terms;
  size_t nterms;
  /* drug names, lower case, sorted */
  char **drugs;
  size_t ndrugs;
  struct site *site;
  bool site_tried;

  /* the current handout's messages */
  struct msg *msgs;
  size_t nmsgs, capmsgs;
  const char **files; /* files in order of first appearance */
  size_t nfiles, capfiles;
  struct arena *arena; /* per handout */
};

static void json_string(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (*p < 0x20 || *p == 0x7F)
        fprintf(f, "\\u%04x", *p);
      else
        fputc(*p, f);
    }
  }
  fputc('"', f);
}

static const char *const level_names[DIAG__MAX] = {"note", "warning", "error"};

static void json_msg(FILE *f, enum diag_level level, struct src_pos pos,
                     const char *text, const struct readability *r) {
  fputs("{\"file\":", f);
  json_string(f, pos.file);
  fprintf(f, ",\"line\":%d,\"col\":%d,\"level\":\"%s\",\"message\":",
          pos.line, pos.col, level_names[level]);
  json_string(f, text);
  if (r)
    fprintf(f,
            ",\"fkgl\":%.1f,\"smog\":%.1f,\"fre\":%.1f,\"words\":%ld,"
            "\"sentences\":%ld",
            r->fkgl, r->smog, r->fre, r->words, r->sentences);
  fputs("}\n", f);
}

/* Emit one message now. */
static void emit(struct lint *L, enum diag_level level, struct src_pos pos,
                 const char *text, const struct readability *r) {
  if (L->opt->format == LINT_JSON) {
    L->d->count[level]++;
    json_msg(L->opt->out ? L->opt->out : stdout, level, pos, text, r);
  } else {
    diag_msg(L->d, level, pos, "%s", text);
  }
}

/* The diag the loaders should report into. */
static struct diag *sub_begin(struct lint *L) {
  if (L->opt->format != LINT_JSON)
    return L->d;
  L->subbuf = NULL;
  L->sublen = 0;
  FILE *f = open_memstream(&L->subbuf, &L->sublen);
  diag_init(&L->sub, f ? f : stderr);
  return &L->sub;
}

/* JSON mode: turn the captured "file:line:col: level: text" lines into
 * JSON objects and count them. */
static void sub_end(struct lint *L) {
  if (L->opt->format != LINT_JSON)
    return;
  if (L->sub.out != stderr)
    fclose(L->sub.out);
  char *buf = L->subbuf;
  for (char *line = buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    enum diag_level level = DIAG_ERROR;
    char *sep = NULL;
    for (int lv = 0; lv < DIAG__MAX; lv++) {
      char key[16];
      snprintf(key, sizeof key, ": %s: ", level_names[lv]);
      char *at = strstr(line, key);
      if (at && (!sep || at < sep)) {
        sep = at;
        level = (enum diag_level)lv;
      }
    }
    struct src_pos pos = {NULL, 0, 0};
    const char *text = line;
    if (sep) {
      *sep = '\0';
      text = sep + 4 + strlen(level_names[level]);
      /* prefix: "handout", "file", "file:line" or "file:line:col" */
      if (strcmp(line, "handout") != 0) {
        int nums[2], nn = 0;
        char *end = line + strlen(line);
        while (nn < 2) {
          char *colon = strrchr(line, ':');
          if (!colon || colon + 1 == end ||
              strspn(colon + 1, "0123456789") != strlen(colon + 1))
            break;
          nums[nn++] = atoi(colon + 1);
          *colon = '\0';
          end = colon;
        }
        pos.file = line;
        if (nn == 2)
          pos.line = nums[1], pos.col = nums[0];
        else if (nn == 1)
          pos.line = nums[0];
      }
    }
    L->d->count[level]++;
    json_msg(L->opt->out ? L->opt->out : stdout, level, pos, text, NULL);
    line = nl ? nl + 1 : NULL;
  }
  free(buf);
  L->subbuf = NULL;
}

static int file_rank(struct lint *L, const char *file) {
  for (size_t i = 0; i < L->nfiles; i++)
    if (L->files[i] == file || (file && L->files[i] && strcmp(L->files[i], file) == 0))
      return (int)i;
  *VEC_PUSH(L->files, L->nfiles, L->capfiles) = file;
  return (int)L->nfiles - 1;
}

/* Queue a message about the current handout. */
static void report(struct lint *L, enum diag_level level, struct src_pos pos,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(struct lint *L, enum diag_level level, struct src_pos pos,
                   const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  char small[1];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  char *text = arena_alloc(L->arena, (size_t)(n < 0 ? 0 : n) + 1);
  vsnprintf(text, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
  va_end(ap2);
  struct msg *m = VEC_PUSH(L->msgs, L->nmsgs, L->capmsgs);
  m->level = level;
  m->pos = pos;
  m->text = text;
  m->r = NULL;
  m->seq = L->nmsgs - 1;
  m->file_rank = file_rank(L, pos.file);
}

static int cmp_msg(const void *a, const void *b) {
  const struct msg *x = a, *y = b;
  if (x->file_rank != y->file_rank)
    return x->file_rank < y->file_rank ? -1 : 1;
  if (x->pos.line != y->pos.line)
    return x->pos.line < y->pos.line ? -1 : 1;
  if (x->pos.col != y->pos.col)
    return x->pos.col < y->pos.col ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_msgs(struct lint *L) {
  if (L->nmsgs)
    qsort(L->msgs, L->nmsgs, sizeof *L->msgs, cmp_msg);
  for (size_t i = 0; i < L->nmsgs; i++)
    emit(L, L->msgs[i].level, L->msgs[i].pos, L->msgs[i].text, L->msgs[i].r);
  L->nmsgs = 0;
  L->nfiles = 0;
}

/* ======================================================================== */
/* glossary and drug names                                                  */
/* ======================================================================== */

struct term {
  const char *term;   /* as the glossary writes it */
  const char *means;  /* the plain explanation */
  char **forms;       /* lower case; forms[0] is the term */
  size_t nforms;
  struct src_pos pos;
};

struct gl_entry {
  const char *term, *means;
  const struct yr_node *forms;
};

struct gl_ctx {
  struct lint *L;
  struct diag *d;
  struct arena *arena;
};

static bool gl_text(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  struct gl_ctx *g = ctx;
  const char *s = v->str;
  while (*s == ' ')
    s++;
  if (!*s) {
    diag_error(g->d, v->pos, "empty value for '%s' (expected text)", k->str);
    return false;
  }
  *(const char **)dst = arena_strdup(g->arena, v->str);
  return true;
}

static bool gl_node(void *ctx, void *dst, const struct yr_node *k,
                    const struct yr_node *v) {
  (void)ctx, (void)k;
  *(const struct yr_node **)dst = v;
  return true;
}

static char *lower_dup(struct arena *a, const char *s) {
  char *r = arena_strdup(a, s);
  for (char *p = r; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return r;
}

/* handouts/lint/glossary.yaml:
 *   terms:
 *     - term: colitis
 *       means: inflammation of the bowel
 *       forms: [colitides]        # optional: other spellings and plurals
 * An absent file is no glossary (no jargon check); a bad one is an error. */
static void load_glossary(struct lint *L, struct arena *arena) {
  const char *path = L->opt->glossary;
  struct stat st;
  if (!path || stat(path, &st) != 0)
    return;
  static const struct yr_field top_fields[] = {
      {"terms", YR_SEQUENCE, true, gl_node, 0},
  };
  static const struct yr_field fields[] = {
      {"term", YR_SCALAR, true, gl_text, offsetof(struct gl_entry, term)},
      {"means", YR_SCALAR, true, gl_text, offsetof(struct gl_entry, means)},
      {"forms", YR_SEQUENCE, false, gl_node, offsetof(struct gl_entry, forms)},
  };
  struct diag *d = sub_begin(L);
  struct arena *tree = arena_new();
  struct yr_node *top = yamlread_file(path, path, tree, d);
  struct gl_ctx g = {L, d, arena};
  const struct yr_node *seq = NULL;
  if (top && yr_expect(d, top, YR_MAPPING) &&
      yr_dispatch(d, top, top_fields, NELEM(top_fields), &g, &seq) && seq) {
    size_t cap = 0;
    for (size_t i = 0; i < seq->nitems; i++) {
      const struct yr_node *it = seq->items[i];
      struct gl_entry e = {0};
      if (!yr_expect(d, it, YR_MAPPING) ||
          !yr_dispatch(d, it, fields, NELEM(fields), &g, &e))
        continue;
      struct term *t = VEC_PUSH(L->terms, L->nterms, cap);
      memset(t, 0, sizeof *t);
      t->term = e.term;
      t->means = e.means;
      t->pos = it->pos;
      size_t nf = 1 + (e.forms ? e.forms->nitems : 0);
      t->forms = arena_alloc(arena, nf * sizeof *t->forms);
      t->forms[t->nforms++] = lower_dup(arena, e.term);
      for (size_t f = 0; e.forms && f < e.forms->nitems; f++) {
        const struct yr_node *fn = e.forms->items[f];
        if (fn->kind != YR_SCALAR || !*fn->str) {
          diag_error(d, fn->pos, "bad form of '%s' (expected a word or words)",
                     e.term);
          continue;
        }
        t->forms[t->nforms++] = lower_dup(arena, fn->str);
      }
    }
  }
  arena_free(tree);
  sub_end(L);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drug names: the entries of layouts/hyphenation.txt without a hyphen. */
static void load_drugs(struct lint *L, struct arena *arena) {
  if (!L->opt->hyphenation)
    return;
  char *text = read_file(L->opt->hyphenation, LOAD_MAX_BYTES, NULL);
  if (!text)
    return;
  size_t cap = 0;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char *w = line + strspn(line, " \t\r");
    size_t n = strcspn(w, " \t\r");
    if (n == 0 || memchr(w, '-', n))
      continue;
    w[n] = '\0';
    *VEC_PUSH(L->drugs, L->ndrugs, cap) = lower_dup(arena, w);
  }
  free(text);
  if (L->ndrugs)
    qsort(L->drugs, L->ndrugs, sizeof *L->drugs, cmp_str);
}

static bool is_drug(const struct lint *L, const char *lower) {
  return L->ndrugs &&
         bsearch(&lower, L->drugs, L->ndrugs, sizeof *L->drugs, cmp_str);
}

/* ======================================================================== */
/* plain text of an inline, with positions                                  */
/* ======================================================================== */

struct ptext {
  char *s;    /* plain text; a variable appears as {{name}} */
  char *lc;   /* the same, ASCII lower case */
  size_t len;
  const struct doc_inline *in;
  size_t *start; /* start of each span in s; start[nspans] = len */
};

static void ptext_build(struct arena *a, const struct doc_inline *in,
                        struct ptext *pt) {
  struct strbuf b = {0};
  pt->in = in;
  pt->start = arena_alloc(a, (in->nspans + 1) * sizeof *pt->start);
  for (size_t i = 0; i < in->nspans; i++) {
    const struct doc_span *sp = &in->spans[i];
    pt->start[i] = b.len;
    if (sp->flags & SPAN_VAR) {
      strbuf_puts(&b, "{{");
      strbuf_append(&b, sp->text, sp->len);
      strbuf_puts(&b, "}}");
    } else {
      strbuf_append(&b, sp->text, sp->len);
    }
  }
  pt->start[in->nspans] = b.len;
  pt->len = b.len;
  pt->s = arena_strndup(a, b.data ? b.data : "", b.len);
  pt->lc = arena_strndup(a, pt->s, pt->len);
  for (size_t i = 0; i < pt->len; i++)
    pt->lc[i] = (char)tolower((unsigned char)pt->lc[i]);
  strbuf_free(&b);
}

static size_t ptext_span(const struct ptext *pt, size_t off) {
  size_t i = 0;
  while (i + 1 < pt->in->nspans && pt->start[i + 1] <= off)
    i++;
  return i;
}

static struct src_pos ptext_pos(const struct ptext *pt, size_t off) {
  if (!pt->in->nspans)
    return (struct src_pos){NULL, 0, 0};
  size_t i = ptext_span(pt, off);
  const struct doc_span *sp = &pt->in->spans[i];
  struct src_pos pos = sp->pos;
  if (!(sp->flags & SPAN_VAR) && pos.col > 0 && off > pt->start[i])
    pos.col += (int)utf8_count(sp->text, off - pt->start[i]);
  return pos;
}

static unsigned ptext_flags(const struct ptext *pt, size_t off) {
  if (!pt->in->nspans)
    return 0;
  return pt->in->spans[ptext_span(pt, off)].flags;
}

/* ======================================================================== */
/* words and sentences                                                      */
/* ======================================================================== */

enum tok_kind {
  TK_WORD,    /* counted by the formulas */
  TK_NUMBER,  /* digits only: a word of one syllable */
  TK_CONTACT, /* phone number, web or email address: skipped */
  TK_VAR,     /* {{variable}}: skipped */
  TK_DRUG,    /* drug name: skipped */
};

struct token {
  size_t s, e; /* the word, punctuation around it stripped */
  enum tok_kind kind;
  bool end;   /* ends a sentence */
  bool phone; /* a phone number (digit run) or {{clinic.phone_24h}} */
};

/* Length of a space at s[i] (space, tab, new line, no-break or thin space),
 * or 0. */
static size_t space_len(const char *s, size_t n, size_t i) {
  unsigned char c = (unsigned char)s[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
    return 1;
  if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
    return 2;
  if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
      ((unsigned char)s[i + 2] == 0x89 || (unsigned char)s[i + 2] == 0xAF))
    return 3;
  return 0;
}

/* Punctuation stripped from the ends of a word (ASCII and “ ” ‘ ’ …). */
static size_t punct_len_at(const char *s, size_t n, size_t i) {
  static const char ascii[] = "()[]{}\"',;:.!?*<>";
  if (i >= n)
    return 0;
  if (strchr(ascii, s[i]) && s[i])
    return 1;
  if ((unsigned char)s[i] == 0xE2 && i + 2 < n &&
      (unsigned char)s[i + 1] == 0x80) {
    unsigned char c = (unsigned char)s[i + 2];
    if (c == 0x98 || c == 0x99 || c == 0x9C || c == 0x9D || c == 0xA6)
      return 3;
  }
  return 0;
}

/* The same, for the punctuation that ends at s[i-1]. */
static size_t punct_len_before(const char *s, size_t i) {
  if (i == 0)
    return 0;
  if (strchr("()[]{}\"',;:.!?*<>", s[i - 1]) && s[i - 1])
    return 1;
  if (i >= 3 && (unsigned char)s[i - 3] == 0xE2 &&
      (unsigned char)s[i - 2] == 0x80) {
    unsigned char c = (unsigned char)s[i - 1];
    if (c == 0x98 || c == 0x99 || c == 0x9C || c == 0x9D || c == 0xA6)
      return 3;
  }
  return 0;
}

static bool has_letter(const char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (k <= 0)
      return false;
    i += (size_t)k;
    if (cp < 0x80 ? isalpha((int)cp) != 0
                  : (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 &&
                     !(cp >= 0x2000 && cp <= 0x2BFF)))
      return true;
  }
  return false;
}

static bool has_digit(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (isdigit((unsigned char)s[i]))
      return true;
  return false;
}

static bool is_phone_piece(const char *s, size_t n) {
  return n > 0 && strspn(s, "0123456789+()-.") >= n && has_digit(s, n);
}

static size_t count_digits(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += isdigit((unsigned char)s[i]) != 0;
  return k;
}

/* cancer.gov, example.org/x, someone@example.org, https://... */
static bool is_address(const char *s, size_t n) {
  char w[256];
  if (n >= sizeof w)
    return true;
  memcpy(w, s, n);
  w[n] = '\0';
  if (strchr(w, '@') || strstr(w, "://") || strncmp(w, "www.", 4) == 0)
    return true;
  char *slash = strchr(w, '/');
  if (slash)
    *slash = '\0';
  char *dot = strrchr(w, '.');
  if (!dot || dot == w || !isalpha((unsigned char)dot[-1]))
    return false;
  size_t tl = strlen(dot + 1);
  if (tl < 2 || tl > 6)
    return false;
  for (char *p = dot + 1; *p; p++)
    if (!islower((unsigned char)*p))
      return false;
  return true;
}

static bool abbreviation(const char *lc, size_t s, size_t e) {
  static const char *const abbr[] = {"e.g", "i.e", "dr", "mr", "mrs",
                                     "ms", "vs", "approx"};
  for (size_t i = 0; i < NELEM(abbr); i++)
    if (strlen(abbr[i]) == e - s && memcmp(lc + s, abbr[i], e - s) == 0)
      return true;
  return false;
}

/* Split pt into words; every unit ends a sentence. */
static size_t tokenize(const struct lint *L, const struct ptext *pt,
                       struct token **out, struct arena *a) {
  const char *s = pt->s;
  size_t n = pt->len;
  size_t cap = 16, nt = 0;
  struct token *t = arena_alloc(a, cap * sizeof *t);
  for (size_t i = 0; i < n;) {
    size_t sl = space_len(s, n, i);
    if (sl) {
      i += sl;
      continue;
    }
    size_t rs = i;
    while (i < n && !space_len(s, n, i))
      i++;
    size_t re = i;
    /* a variable stays whole: "{{clinic.phone_24h}}." */
    size_t ws = rs, we = re, k;
    while (ws < we && (k = punct_len_at(s, we, ws)) &&
           !(s[ws] == '{' && ptext_flags(pt, ws) & SPAN_VAR))
      ws += k;
    while (we > ws && (k = punct_len_before(s, we)) &&
           !(s[we - 1] == '}' && ptext_flags(pt, we - 1) & SPAN_VAR))
      we -= k;
    bool var = false;
    for (size_t j = ws; j < we && !var; j++)
      var = (ptext_flags(pt, j) & SPAN_VAR) != 0;
    if (!var && !has_letter(s + ws, we - ws) && !has_digit(s + ws, we - ws))
      continue;
    bool end = false;
    for (size_t j = we; j < re; j++)
      if (s[j] == '.' || s[j] == '!' || s[j] == '?')
        end = true;
    if (end && s[we] == '.' && abbreviation(pt->lc, ws, we))
      end = false;
    if (nt == cap) {
      struct token *bigger = arena_alloc(a, 2 * cap * sizeof *t);
      memcpy(bigger, t, nt * sizeof *t);
      t = bigger;
      cap *= 2;
    }
    struct token *tk = &t[nt++];
    tk->s = ws;
    tk->e = we;
    tk->end = end;
    tk->phone = false;
    if (var) {
      tk->kind = TK_VAR;
      tk->phone = strstr(pt->s + ws, "{{" LINT_PHONE_VAR "}}") == pt->s + ws;
    } else if (is_address(s + ws, we - ws)) {
      tk->kind = TK_CONTACT;
    } else if (!has_letter(s + ws, we - ws)) {
      tk->kind = TK_NUMBER;
    } else {
      char w[128];
      size_t wn = we - ws < sizeof w - 1 ? we - ws : sizeof w - 1;
      memcpy(w, pt->lc + ws, wn);
      w[wn] = '\0';
      if (wn > 2 && (strcmp(w + wn - 2, "'s") == 0))
        w[wn - 2] = '\0';
      tk->kind = is_drug(L, w) ? TK_DRUG : TK_WORD;
    }
  }
  if (nt)
    t[nt - 1].end = true;

  /* phone numbers: runs of digit pieces, 6 digits or more, one word */
  size_t o = 0;
  for (size_t i = 0; i < nt;) {
    size_t j = i, digits = 0;
    while (j < nt && t[j].kind == TK_NUMBER &&
           is_phone_piece(s + t[j].s, t[j].e - t[j].s) &&
           (j == i || !t[j - 1].end)) {
      digits += count_digits(s + t[j].s, t[j].e - t[j].s);
      j++;
    }
    if (j > i && digits >= LINT_PHONE_DIGITS) {
      t[o] = t[i];
      t[o].e = t[j - 1].e;
      t[o].end = t[j - 1].end;
      t[o].kind = TK_CONTACT;
      t[o].phone = true;
      o++;
      i = j;
    } else {
      t[o++] = t[i++];
    }
  }
  *out = t;
  return o;
}

/* ======================================================================== */
/* one handout                                                              */
/* ======================================================================== */

enum unit_kind {
  U_SUMMARY,
  U_HEADING,
  U_PARA,
  U_ITEM,
  U_CALLOUT_TITLE,
  U_HEADER_CELL,
  U_CELL,
  U_CAPTION,
  U_CARD_TITLE,
  U_CARD_LINE,
  U_CARD_NOTE,
  U__MAX
};

/* Which checks see which unit. */
static const struct {
  bool body;   /* readability and sentence length */
  bool jargon; /* glossary terms */
} unit_rules[U__MAX] = {
    [U_SUMMARY] = {true, true},      [U_HEADING] = {false, false},
    [U_PARA] = {true, true},         [U_ITEM] = {true, true},
    [U_CALLOUT_TITLE] = {true, true}, [U_HEADER_CELL] = {false, true},
    [U_CELL] = {true, true},         [U_CAPTION] = {true, true},
    [U_CARD_TITLE] = {false, false}, [U_CARD_LINE] = {true, false},
    [U_CARD_NOTE] = {false, false},
};

struct handout {
  struct lint *L;
  const struct doc *doc;
  struct readability r;
  bool questions;
  size_t urgent;        /* urgent call-outs */
  bool urgent_phone;    /* one of them has a phone number */
  struct src_pos first_urgent;
  bool in_urgent;
  bool *term_seen;
};

static bool word_at(const char *lc, size_t n, size_t i, const char *w) {
  size_t k = strlen(w);
  return i + k <= n && memcmp(lc + i, w, k) == 0 &&
         (i + k == n || !isalnum((unsigned char)lc[i + k]));
}

static size_t skip_spaces(const char *s, size_t n, size_t i) {
  size_t k;
  while (i < n && (k = space_len(s, n, i)))
    i += k;
  return i;
}

/* Start of the word that ends at or before i (spaces skipped back). */
static size_t prev_word(const char *s, size_t i, size_t *end) {
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n' ||
                   (i >= 2 && (unsigned char)s[i - 2] == 0xC2 &&
                    (unsigned char)s[i - 1] == 0xA0)))
    i -= (unsigned char)s[i - 1] == 0xA0 ? 2 : 1;
  *end = i;
  while (i > 0 && isalpha((unsigned char)s[i - 1]))
    i--;
  return i;
}

static bool prev_is(const char *lc, size_t s, size_t e, const char *w) {
  return e - s == strlen(w) && memcmp(lc + s, w, e - s) == 0;
}

/* End of the unit's leading run of bold spans, or 0. */
static size_t bold_lead_end(const struct ptext *pt) {
  const struct doc_inline *in = pt->in;
  if (!in->nspans || !(in->spans[0].flags & SPAN_BOLD))
    return 0;
  size_t i = 0;
  while (i + 1 < in->nspans && (in->spans[i + 1].flags & SPAN_BOLD))
    i++;
  return pt->start[i + 1];
}

/* A run-in heading: a leading bold run ending in '.' (or ':' outside a list
 * item, where "**term:** explanation" is the glossary form) with more text
 * after it, as in "**Hormone glands.** Immunotherapy can ...".  Like a
 * heading, it is not searched for jargon.  Returns its end, or 0. */
static size_t run_in_heading(const struct ptext *pt, enum unit_kind kind) {
  size_t end = bold_lead_end(pt);
  if (!end || end >= pt->len)
    return 0;
  size_t k = end;
  while (k > 0 && pt->s[k - 1] == ' ')
    k--;
  if (k == 0)
    return 0;
  char c = pt->s[k - 1];
  return c == '.' || (c == ':' && kind != U_ITEM) ? end : 0;
}

/* Is the use lc[s..e) of a term explained there?  (The forms of the top
 * comment.) */
static bool explained(const struct ptext *pt, enum unit_kind kind, size_t s,
                      size_t e) {
  const char *lc = pt->lc;
  size_t n = pt->len;
  size_t j = skip_spaces(lc, n, e);
  /* TERM (explanation), TERM - / – / — explanation */
  if (j < n && lc[j] == '(')
    return true;
  if (j > e && j < n &&
      ((lc[j] == '-' && j + 1 < n && lc[j + 1] == ' ') ||
       (j + 2 < n && (unsigned char)lc[j] == 0xE2 &&
        (unsigned char)lc[j + 1] == 0x80 &&
        ((unsigned char)lc[j + 2] == 0x93 || (unsigned char)lc[j + 2] == 0x94))))
    return true;
  /* TERM is/are/means; TERM, which is/are/means; TERM, that is/means */
  if (word_at(lc, n, j, "is") || word_at(lc, n, j, "are") ||
      word_at(lc, n, j, "means"))
    return true;
  if (e < n && lc[e] == ',') {
    size_t k = skip_spaces(lc, n, e + 1);
    bool which = word_at(lc, n, k, "which"), that = word_at(lc, n, k, "that");
    if (which || that) {
      k = skip_spaces(lc, n, k + (which ? 5 : 4));
      if (word_at(lc, n, k, "is") || word_at(lc, n, k, "means") ||
          (which && (word_at(lc, n, k, "are") || word_at(lc, n, k, "mean"))))
        return true;
    }
  }
  /* explanation (TERM) */
  if (s > 0 && lc[s - 1] == '(' && e < n && lc[e] == ')')
    return true;
  /* called / named / known as TERM (a, an, the may come between) */
  size_t we, ws = prev_word(lc, s, &we);
  if (prev_is(lc, ws, we, "a") || prev_is(lc, ws, we, "an") ||
      prev_is(lc, ws, we, "the"))
    ws = prev_word(lc, ws, &we);
  if (prev_is(lc, ws, we, "called") || prev_is(lc, ws, we, "named"))
    return true;
  if (prev_is(lc, ws, we, "as")) {
    size_t w2e, w2s = prev_word(lc, ws, &w2e);
    if (prev_is(lc, w2s, w2e, "known"))
      return true;
  }
  /* a glossary-style list item: "**TERM**: explanation" */
  if (kind == U_ITEM && s < bold_lead_end(pt) && j < n && lc[j] == ':')
    return true;
  return false;
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '-'; }

/* Length of a match of form f at lc[i] (a space in f matches any run of
 * spaces), or 0. */
static size_t match_form(const char *lc, size_t n, size_t i, const char *f) {
  size_t j = i;
  for (const char *p = f; *p;) {
    if (*p == ' ') {
      size_t k = skip_spaces(lc, n, j);
      if (k == j)
        return 0;
      j = k;
      while (*p == ' ')
        p++;
      continue;
    }
    if (j >= n || lc[j] != *p)
      return 0;
    j++, p++;
  }
  if (j < n && word_char(lc[j]))
    return 0;
  return j - i;
}

/* Every use of a glossary term, left to right; at each place the longest
 * form of any term is the use (so "CAR-T cell therapy" is one use of CAR-T,
 * not also of T cells), and only a term's first use is checked. */
static void check_jargon(struct handout *h, const struct ptext *pt,
                         enum unit_kind kind) {
  struct lint *L = h->L;
  const char *lc = pt->lc;
  size_t n = pt->len;
  size_t i = kind == U_PARA || kind == U_ITEM ? run_in_heading(pt, kind) : 0;
  for (; i < n; i++) {
    if (i > 0 && word_char(lc[i - 1]))
      continue;
    if (ptext_flags(pt, i) & SPAN_VAR)
      continue;
    size_t best = 0, len = 0;
    for (size_t t = 0; t < L->nterms; t++)
      for (size_t f = 0; f < L->terms[t].nforms; f++) {
        size_t m = match_form(lc, n, i, L->terms[t].forms[f]);
        if (m > len)
          len = m, best = t;
      }
    if (!len)
      continue;
    if (!h->term_seen[best]) {
      const struct term *term = &L->terms[best];
      h->term_seen[best] = true;
      if (!explained(pt, kind, i, i + len))
        report(L, DIAG_WARNING, ptext_pos(pt, i),
               "'%s' is used before it is explained (expected an explanation "
               "at first use, e.g. \"%s (%s)\")",
               term->term, term->term, term->means);
    }
    i += len - 1;
  }
}

/* One unit of text: readability, sentence length, jargon, phone. */
static void check_unit(struct handout *h, const struct doc_inline *in,
                       enum unit_kind kind) {
  struct lint *L = h->L;
  if (!in || !in->nspans)
    return;
  struct ptext pt;
  ptext_build(L->arena, in, &pt);
  struct token *t;
  size_t nt = tokenize(L, &pt, &t, L->arena);

  if (h->in_urgent) {
    for (size_t i = 0; i < nt; i++)
      h->urgent_phone = h->urgent_phone || t[i].phone;
    if (strstr(pt.s, "{{" LINT_PHONE_VAR "}}"))
      h->urgent_phone = true;
  }

  if (unit_rules[kind].body) {
    size_t first = 0;
    long all = 0, words = 0;
    for (size_t i = 0; i < nt; i++) {
      all++;
      if (t[i].kind == TK_WORD || t[i].kind == TK_NUMBER) {
        char *w = arena_strndup(L->arena, pt.s + t[i].s, t[i].e - t[i].s);
        int syl = t[i].kind == TK_NUMBER ? 1 : lint_syllables(w);
        words++;
        h->r.words++;
        h->r.syllables += syl;
        h->r.poly += syl >= 3;
      }
      if (!t[i].end)
        continue;
      if (words)
        h->r.sentences++;
      if (all > LINT_MAX_SENTENCE_WORDS)
        report(L, DIAG_WARNING, ptext_pos(&pt, t[first].s),
               "sentence has %ld words (expected at most %d: split it)", all,
               LINT_MAX_SENTENCE_WORDS);
      first = i + 1;
      all = words = 0;
    }
  }
  if (unit_rules[kind].jargon && L->nterms)
    check_jargon(h, &pt, kind);
}

static bool contains_ci(const char *hay, const char *needle) {
  size_t nl = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (strncasecmp(p, needle, nl) == 0)
      return true;
  return false;
}

/* Nothing but spaces, including no-break, thin and zero-width ones (the
 * loader already refuses ASCII-only blanks). */
static bool blank_text(const char *s) {
  size_t n = s ? strlen(s) : 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    int k = utf8_decode(s + i, n - i, &cp);
    if (k <= 0)
      return false;
    i += (size_t)k;
    bool space = cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 ||
                 (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
                 cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
    if (!space)
      return false;
  }
  return true;
}

static void check_block(struct handout *h, const struct doc_block *b);

static void check_list(struct handout *h, const struct doc_block *b) {
  if (b->nitems > LINT_MAX_LIST_ITEMS)
    report(h->L, DIAG_ERROR, b->pos,
           "list has %zu items (expected at most %d: split it or group the "
           "items under headings)",
           b->nitems, LINT_MAX_LIST_ITEMS);
  for (size_t i = 0; i < b->nitems; i++) {
    check_unit(h, &b->items[i].text, U_ITEM);
    if (b->items[i].sublist)
      check_block(h, b->items[i].sublist);
  }
}

static void check_block(struct handout *h, const struct doc_block *b) {
  struct lint *L = h->L;
  switch (b->kind) {
  case DOC_HEADING: {
    struct ptext pt;
    ptext_build(L->arena, &b->text, &pt);
    if (contains_ci(pt.s, "question"))
      h->questions = true;
    break;
  }
  case DOC_PARA:
    check_unit(h, &b->text, U_PARA);
    break;
  case DOC_LIST:
    check_list(h, b);
    break;
  case DOC_CALLOUT:
    if (b->callout == CALLOUT_URGENT) {
      if (!h->urgent++)
        h->first_urgent = b->pos;
      h->in_urgent = true;
    }
    check_unit(h, &b->text, U_CALLOUT_TITLE);
    for (size_t i = 0; i < b->nchildren; i++)
      check_block(h, &b->children[i]);
    h->in_urgent = false;
    break;
  case DOC_TABLE:
    for (size_t r = 0; r < b->nrows; r++)
      for (size_t c = 0; c < b->ncols; c++)
        check_unit(h, &b->cells[r * b->ncols + c],
                   r == 0 && b->header_row ? U_HEADER_CELL : U_CELL);
    break;
  case DOC_IMAGE:
  case DOC_QR: {
    if (blank_text(b->alt))
      report(L, DIAG_ERROR, b->pos,
             "%s has no alternative text (expected alt: saying what it shows, "
             "for readers who cannot see it)",
             b->kind == DOC_IMAGE ? "image" : "QR code");
    check_unit(h, &b->text, U_CAPTION);
    break;
  }
  case DOC__MAX:
    break;
  }
}

static void check_card(struct handout *h, const struct doc_card *card) {
  if (!card->present)
    return;
  const struct doc_card_side *sides[2] = {&card->front, &card->back};
  for (int s = 0; s < 2; s++) {
    check_unit(h, &sides[s]->title, U_CARD_TITLE);
    for (size_t i = 0; i < sides[s]->nlines; i++)
      check_unit(h, &sides[s]->lines[i], U_CARD_LINE);
    check_unit(h, &sides[s]->note, U_CARD_NOTE);
  }
}

/* 1043 -> "1,043" */
static void thousands(long v, char *buf, size_t size) {
  char raw[32];
  snprintf(raw, sizeof raw, "%ld", v);
  size_t n = strlen(raw), o = 0;
  for (size_t i = 0; i < n && o + 2 < size; i++) {
    if (i && (n - i) % 3 == 0 && raw[i - 1] != '-')
      buf[o++] = ',';
    buf[o++] = raw[i];
  }
  buf[o] = '\0';
}

static double round1(double x) { return floor(x * 10.0 + 0.5) / 10.0; }
static double round2(double x) { return floor(x * 100.0 + 0.5) / 100.0; }

static void check_readability(struct handout *h) {
  struct lint *L = h->L;
  struct readability *r = &h->r;
  struct src_pos top = {h->doc->path, 1, 1};
  char words[32], sentences[32];
  thousands(r->words, words, sizeof words);
  thousands(r->sentences, sentences, sizeof sentences);
  struct readability *copy = arena_alloc(L->arena, sizeof *copy);
  if (r->words == 0 || r->sentences == 0) {
    report(L, DIAG_NOTE, top, "readability: no body text to measure");
    return;
  }
  double asl = (double)r->words / (double)r->sentences;
  double asw = (double)r->syllables / (double)r->words;
  r->fre = round1(206.835 - 1.015 * asl - 84.6 * asw);
  r->fkgl = round1(0.39 * asl + 11.8 * asw - 15.59);
  r->smog = round1(1.043 * sqrt((double)r->poly * 30.0 / (double)r->sentences) +
                   3.1291);
  *copy = *r;
  report(L, DIAG_NOTE, top,
         "readability: FKGL %.1f, SMOG %.1f, FRE %.1f (%s words, %s "
         "sentences)",
         r->fkgl, r->smog, r->fre, words, sentences);
  L->msgs[L->nmsgs - 1].r = copy;
  if (r->fkgl > LINT_MAX_FKGL)
    report(L, DIAG_ERROR, top,
           "Flesch-Kincaid grade %.1f is above %g (expected at most %g: use "
           "shorter sentences and shorter words)",
           r->fkgl, LINT_MAX_FKGL, LINT_MAX_FKGL);
  if (r->smog > LINT_MAX_SMOG)
    report(L, DIAG_ERROR, top,
           "SMOG grade %.1f is above %g (expected at most %g: use fewer words "
           "of three or more syllables)",
           r->smog, LINT_MAX_SMOG, LINT_MAX_SMOG);
}

/* Position of a top-level key's value in the handout file. */
static struct src_pos key_pos(const struct doc *doc, const char *key) {
  struct src_pos pos = doc->pos;
  struct arena *tree = arena_new();
  char *buf = NULL;
  size_t len = 0;
  struct diag quiet;
  FILE *f = open_memstream(&buf, &len);
  diag_init(&quiet, f);
  struct yr_node *top = yamlread_file(doc->path, doc->path, tree, &quiet);
  const struct yr_node *v = top && top->kind == YR_MAPPING ? yr_get(top, key) : NULL;
  if (v)
    pos = v->pos, pos.file = doc->path;
  fclose(f);
  free(buf);
  arena_free(tree);
  return pos;
}

static void check_dates(struct handout *h) {
  struct lint *L = h->L;
  long rb;
  if (!day_number(h->doc->review_by, &rb))
    return;
  long days = rb - L->today;
  if (days >= LINT_REVIEW_WARN_DAYS)
    return;
  struct src_pos pos = key_pos(h->doc, "review_by");
  if (days < 0)
    report(L, DIAG_ERROR, pos,
           "review_by %s has passed (today is %s; expected the leaflet "
           "reviewed and a new review_by date)",
           h->doc->review_by, L->opt->today);
  else
    report(L, DIAG_WARNING, pos,
           "review_by %s is %s%ld day%s away (expected at least %d days: plan "
           "the review now)",
           h->doc->review_by, days ? "" : "today, ", days, days == 1 ? "" : "s",
           LINT_REVIEW_WARN_DAYS);
}

static void lint_handout(struct lint *L, const char *path) {
  struct diag *sd = sub_begin(L);
  struct doc *doc = load_handout(path, NULL, sd);
  sub_end(L);
  if (!doc)
    return;
  L->arena = arena_new();
  struct handout h = {0};
  h.L = L;
  h.doc = doc;
  h.term_seen = arena_alloc(L->arena, (L->nterms + 1) * sizeof *h.term_seen);
  file_rank(L, doc->path); /* the handout's own messages first */

  /* text in reading order */
  check_unit(&h, &doc->summary, U_SUMMARY);
  for (size_t i = 0; i < doc->nblocks; i++)
    check_block(&h, &doc->blocks[i]);
  check_card(&h, &doc->card);
  check_readability(&h);

  /* required parts */
  if (!doc->summary.nspans)
    report(L, DIAG_ERROR, doc->pos,
           "no summary (expected the main message first: a 'summary:' of one "
           "to three short sentences)");
  if (!h.urgent)
    report(L, DIAG_ERROR, doc->pos,
           "no urgent call-out (expected a 'callout:' of kind urgent with the "
           "red-flag symptoms and {{" LINT_PHONE_VAR "}})");
  else if (!h.urgent_phone)
    report(L, DIAG_ERROR, h.first_urgent,
           "urgent call-out has no phone number (expected {{" LINT_PHONE_VAR
           "}} or a phone number in an urgent call-out)");
  if (!h.questions)
    report(L, DIAG_ERROR, doc->pos,
           "no questions section (expected a heading with \"questions\", e.g. "
           "\"Questions to ask your team\")");
  if (!doc->nsources)
    report(L, DIAG_ERROR, doc->pos,
           "no sources (expected 'sources:' listing what the facts come "
           "from)");
  check_dates(&h);
  flush_msgs(L);

  /* variables: resolve reports unknown ones */
  if (!L->site_tried) {
    L->site_tried = true;
    if (L->opt->sites_dir) {
      struct diag *d = sub_begin(L);
      L->site = load_site(L->opt->site ? L->opt->site : SITE_DEFAULT,
                          L->opt->sites_dir, d);
      sub_end(L);
    }
  }
  if (L->site) {
    struct diag *d = sub_begin(L);
    resolve_doc(doc, L->site, d);
    sub_end(L);
  }
  doc_free(doc);
  arena_free(L->arena);
  L->arena = NULL;
}

/* ======================================================================== */
/* layouts                                                                  */
/* ======================================================================== */

static double channel(uint32_t v) {
  double c = (double)v / 255.0;
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(uint32_t rgb) {
  return 0.2126 * channel((rgb >> 16) & 0xFF) +
         0.7152 * channel((rgb >> 8) & 0xFF) + 0.0722 * channel(rgb & 0xFF);
}

static double contrast(uint32_t a, uint32_t b) {
  double la = luminance(a), lb = luminance(b);
  if (la < lb) {
    double t = la;
    la = lb;
    lb = t;
  }
  return (la + 0.05) / (lb + 0.05);
}

static const struct yr_node *get_path(const struct yr_node *top,
                                      const char *a, const char *b) {
  const struct yr_node *m = top && top->kind == YR_MAPPING ? yr_get(top, a) : NULL;
  if (!b || !m)
    return m;
  return m->kind == YR_MAPPING ? yr_get(m, b) : NULL;
}

static void lint_layout(struct lint *L, const char *name) {
  struct diag *sd = sub_begin(L);
  struct pagedef *p = load_pagedef(name, L->opt->layouts_dir, sd);
  sub_end(L);
  if (!p)
    return;
  L->arena = arena_new();
  struct arena *tree = arena_new();
  char *buf = NULL;
  size_t len = 0;
  struct diag quiet;
  FILE *f = open_memstream(&buf, &len);
  diag_init(&quiet, f);
  const struct yr_node *top = yamlread_file(p->path, p->path, tree, &quiet);
  fclose(f);
  free(buf);
  struct src_pos file_pos = p->pos;
  file_pos.file = p->path;
  const char *lname = p->name ? p->name : p->path;

  /* clear print: left aligned, no hyphenation */
  if (p->min_body_size >= LINT_CLEAR_PRINT_CPT) {
    const struct yr_node *n;
    if (p->align == ALIGN_JUSTIFY) {
      n = get_path(top, "text", "align");
      report(L, DIAG_ERROR, n ? n->pos : file_pos,
             "clear-print layout '%s' is justified (expected align: left; a "
             "layout with min_size %gpt or more is clear print)",
             lname, LINT_CLEAR_PRINT_CPT / 100.0);
    }
    if (p->hyphenate) {
      n = get_path(top, "text", "hyphenate");
      report(L, DIAG_ERROR, n ? n->pos : file_pos,
             "clear-print layout '%s' is hyphenated (expected hyphenate: "
             "false; a layout with min_size %gpt or more is clear print)",
             lname, LINT_CLEAR_PRINT_CPT / 100.0);
    }
  }

  /* contrast */
  static const struct {
    const char *key;
    size_t off;
  } fg[] = {{"text", offsetof(struct pagedef_colors, text)},
            {"heading", offsetof(struct pagedef_colors, heading)},
            {"link", offsetof(struct pagedef_colors, link)}},
    bg[] = {{NULL, 0},
            {"info_bg", offsetof(struct pagedef_colors, info_bg)},
            {"warning_bg", offsetof(struct pagedef_colors, warning_bg)},
            {"urgent_bg", offsetof(struct pagedef_colors, urgent_bg)}};
  const struct yr_node *colors = get_path(top, "colors", NULL);
  for (size_t i = 0; i < NELEM(fg); i++)
    for (size_t j = 0; j < NELEM(bg); j++) {
      uint32_t fc = *(const uint32_t *)((const char *)&p->colors + fg[i].off);
      uint32_t bc = bg[j].key
                        ? *(const uint32_t *)((const char *)&p->colors + bg[j].off)
                        : 0xFFFFFF;
      double ratio = round2(contrast(fc, bc));
      if (ratio >= LINT_CONTRAST_WARN)
        continue;
      const struct yr_node *n = get_path(top, "colors", fg[i].key);
      if (!n && bg[j].key)
        n = get_path(top, "colors", bg[j].key);
      if (!n)
        n = colors;
      bool err = ratio < LINT_CONTRAST_ERROR;
      char bgname[40];
      if (bg[j].key)
        snprintf(bgname, sizeof bgname, "%s #%06x", bg[j].key, (unsigned)bc);
      else
        snprintf(bgname, sizeof bgname, "the white page");
      report(L, err ? DIAG_ERROR : DIAG_WARNING, n ? n->pos : file_pos,
             "%s colour #%06x on %s has contrast %.2f:1 (expected at least "
             "%g:1, WCAG %s)",
             fg[i].key, (unsigned)fc, bgname, ratio,
             err ? LINT_CONTRAST_ERROR : LINT_CONTRAST_WARN,
             err ? "AA" : "AAA, for print");
    }
  flush_msgs(L);
  arena_free(tree);
  arena_free(L->arena);
  L->arena = NULL;
  pagedef_free(p);
}

/* ======================================================================== */
/* the run                                                                  */
/* ======================================================================== */

struct names {
  char **v;
  size_t n, cap;
};

/* The *.yaml files directly inside dir, sorted. */
static bool list_yaml(struct lint *L, const char *dir, struct names *out) {
  DIR *dh = opendir(dir);
  if (!dh) {
    struct diag *d = sub_begin(L);
    diag_fail(d, "cannot read folder '%s': %s", dir, strerror(errno));
    sub_end(L);
    return false;
  }
  size_t first = out->n;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 &&
        e->d_name[0] != '.') {
      size_t dl = strlen(dir);
      bool slash = dl && dir[dl - 1] == '/';
      struct strbuf b = {0};
      strbuf_printf(&b, "%s%s%s", dir, slash ? "" : "/", e->d_name);
      *VEC_PUSH(out->v, out->n, out->cap) = strbuf_steal(&b);
    }
  }
  closedir(dh);
  if (out->n > first)
    qsort(out->v + first, out->n - first, sizeof *out->v, cmp_str);
  return true;
}

int lint_run(char **paths, int npaths, const struct lint_options *opt,
             struct diag *d) {
  struct lint L = {0};
  L.opt = opt;
  L.d = d;
  int before = d->count[DIAG_ERROR];
  struct arena *arena = arena_new();
  if (!opt->today || !day_number(opt->today, &L.today)) {
    struct diag *sd = sub_begin(&L);
    diag_fail(sd, "today's date '%s' is not a date (expected YYYY-MM-DD)",
              opt->today ? opt->today : "");
    sub_end(&L);
    arena_free(arena);
    return d->count[DIAG_ERROR] - before;
  }
  load_glossary(&L, arena);
  load_drugs(&L, arena);

  struct names hs = {0};
  for (int i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) {
      struct diag *sd = sub_begin(&L);
      diag_fail(sd, "cannot read '%s': %s", paths[i], strerror(errno));
      sub_end(&L);
    } else if (S_ISDIR(st.st_mode)) {
      list_yaml(&L, paths[i], &hs);
    } else {
      *VEC_PUSH(hs.v, hs.n, hs.cap) = xstrdup(paths[i]);
    }
  }
  for (size_t i = 0; i < hs.n; i++)
    lint_handout(&L, hs.v[i]);

  struct names ls = {0};
  if (opt->nlayouts)
    for (size_t i = 0; i < opt->nlayouts; i++)
      *VEC_PUSH(ls.v, ls.n, ls.cap) = xstrdup(opt->layouts[i]);
  else if (opt->layouts_dir)
    list_yaml(&L, opt->layouts_dir, &ls);
  for (size_t i = 0; i < ls.n; i++)
    lint_layout(&L, ls.v[i]);

  for (size_t i = 0; i < hs.n; i++)
    free(hs.v[i]);
  free(hs.v);
  for (size_t i = 0; i < ls.n; i++)
    free(ls.v[i]);
  free(ls.v);
  free(L.msgs);
  free(L.files);
  free(L.terms);
  free(L.drugs);
  site_free(L.site);
  arena_free(arena);
  return d->count[DIAG_ERROR] - before;
}
