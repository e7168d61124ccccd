/*
 * test_lint: the syllable counter against a word list with known counts,
 * and the small pieces of lint that the golden cases (tests/lint/) do not
 * pin down one by one.
 *
 *   test_lint [WORDLIST [HOLDOUT]]   (default tests/lint/syllables.txt and
 *                                     tests/lint/syllables-holdout.txt: run
 *                                     from the repository root)
 *
 * Targets: at least 95% of the main list and 85% of the held-out list
 * counted exactly, and no word more than one syllable off.  Every miss is printed, so a change to the rules shows what
 * it fixed and what it broke.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lint.h"
#include "util.h"

/* The main list: the rules were made against it.  The held-out list was
 * written afterwards and never used to tune the rules, so its score is the
 * fair estimate for new text. */
#define TARGET_PERCENT 95.0
#define HOLDOUT_TARGET_PERCENT 85.0

static void test_word_list(const char *path, double target) {
  char *text = read_file(path, 1 << 20, NULL);
  OK(text != NULL, "read %s", path);
  if (!text)
    return;
  int total = 0, exact = 0, far = 0;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#' || line[0] == '\0')
      continue;
    char word[64];
    int want;
    if (sscanf(line, "%63s %d", word, &want) != 2) {
      OK(0, "bad line in %s: %s", path, line);
      continue;
    }
    int got = lint_syllables(word);
    total++;
    if (got == want) {
      exact++;
    } else {
      printf("miss: %-16s got %d, want %d\n", word, got, want);
      if (abs(got - want) > 1)
        far++;
    }
  }
  free(text);
  double pct = total ? 100.0 * exact / total : 0;
  printf("syllables: %s: %d of %d words exact (%.1f%%, target %.0f%%)\n",
         path, exact, total, pct, target);
  OK(total >= 150, "word list has %d words (expected at least 150)", total);
  OK(pct >= target, "%s: %.1f%% exact (expected at least %.0f%%)", path, pct,
     target);
  INT_EQ(far, 0, "words off by more than one syllable");
}

/* Words that are not plain lower-case words. */
static void test_word_forms(void) {
  INT_EQ(lint_syllables("Immunotherapy"), 6, "capital first letter");
  INT_EQ(lint_syllables("IMMUNE"), 2, "capitals with vowels: a word");
  INT_EQ(lint_syllables("NHS"), 3, "abbreviation said letter by letter");
  INT_EQ(lint_syllables("GP"), 2, "GP");
  INT_EQ(lint_syllables("38"), 1, "a number is one syllable");
  INT_EQ(lint_syllables("24-hour"), 2, "24-hour: parts added");
  INT_EQ(lint_syllables("side-effects"), 3, "hyphenated words added");
  INT_EQ(lint_syllables("and/or"), 2, "and/or");
  INT_EQ(lint_syllables("don't"), 1, "apostrophe ignored");
  INT_EQ(lint_syllables("you're"), 1, "you're");
  INT_EQ(lint_syllables("café"), 2, "accented letters count");
  INT_EQ(lint_syllables("naïve"), 2, "naïve");
  INT_EQ(lint_syllables(""), 0, "empty");
}

static void test_today(void) {
  char buf[16];
  setenv("HANDOUT_TODAY", "2026-11-28", 1);
  OK(lint_today(buf, sizeof buf), "HANDOUT_TODAY accepted");
  STR_EQ(buf, "2026-11-28", "HANDOUT_TODAY used");
  setenv("HANDOUT_TODAY", "2026-02-30", 1);
  OK(!lint_today(buf, sizeof buf), "not a calendar date");
  setenv("HANDOUT_TODAY", "28/11/2026", 1);
  OK(!lint_today(buf, sizeof buf), "not YYYY-MM-DD");
  unsetenv("HANDOUT_TODAY");
  OK(lint_today(buf, sizeof buf) && strlen(buf) == 10, "the real date");
}

int main(int argc, char **argv) {
  test_word_list(argc > 1 ? argv[1] : "tests/lint/syllables.txt",
                 TARGET_PERCENT);
  test_word_list(argc > 2 ? argv[2] : "tests/lint/syllables-holdout.txt",
                 HOLDOUT_TARGET_PERCENT);
  test_word_forms();
  test_today();
  return harness_done();
}
