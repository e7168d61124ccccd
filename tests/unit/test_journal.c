/*
 * test_journal: the mail journal (journal.c).
 *
 * Creation mode 0600; records appended and found again after reopening;
 * "failed" does not count as sent, a later "accepted" does; JSON escaping
 * of awkward replies read back (and by Python's json, when HANDOUT_PYTHON
 * runs); a torn last line is dropped with a warning and the next record
 * starts on its own line; a corrupt complete line stops the open; a second
 * process cannot open the journal while one has it; read-only opening of a
 * missing file is an empty journal and refuses appends.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "harness.h"
#include "journal.h"
#include "util.h"

static char tmpdir[64];

static const char S1[] =
    "1111111111111111111111111111111111111111111111111111111111111111";
static const char S2[] =
    "2222222222222222222222222222222222222222222222222222222222222222";

static struct journal *open_quiet(const char *path, bool w, char **msgs) {
  size_t n;
  FILE *f = open_memstream(msgs, &n);
  struct diag d;
  diag_init(&d, f);
  struct journal *j = journal_open(path, w, &d);
  fclose(f);
  return j;
}

static bool append(struct journal *j, const char *ref, const char *sha,
                   enum journal_status st, int code, const char *reply) {
  struct diag d;
  diag_init(&d, stderr);
  struct journal_record r = {ref, sha, 1772561045, st, code, reply};
  return journal_append(j, &r, &d);
}

static void test_basic(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/basic.jsonl", tmpdir);
  char *msgs = NULL;
  struct journal *j = open_quiet(path, true, &msgs);
  free(msgs);
  OK(j, "create");
  if (!j) return;
  struct stat st;
  OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
  OK(!journal_accepted(j, "A1", S1), "empty journal");
  OK(append(j, "A1", S1, JOURNAL_ACCEPTED, 250, "250 2.0.0 Ok: queued as X"),
     "append accepted");
  OK(append(j, "B2", S1, JOURNAL_FAILED, 550,
            "550 5.1.1 <b2@example.org>: \"User\" unknown \\ \x01 \xff end"),
     "append failed with awkward reply");
  OK(append(j, "C3", S1, JOURNAL_FAILED, 451, "451 later"), "append C3 failed");
  OK(append(j, "C3", S1, JOURNAL_ACCEPTED, 250, "250 ok"), "then accepted");
  OK(append(j, "Zoë-ref", S2, JOURNAL_ACCEPTED, 250, NULL), "no reply");
  OK(journal_accepted(j, "A1", S1), "A1 accepted (same run)");
  OK(!journal_accepted(j, "A1", S2), "A1 with another leaflet is not");
  OK(!journal_accepted(j, "B2", S1), "failed is not accepted");
  INT_EQ(journal_count(j, JOURNAL_ACCEPTED), 3, "accepted count");
  INT_EQ(journal_count(j, JOURNAL_FAILED), 2, "failed count");
  journal_close(j);

  j = open_quiet(path, true, &msgs);
  OK(j && msgs && msgs[0] == '\0', "reopen cleanly: %s", msgs ? msgs : "");
  free(msgs);
  if (!j) return;
  OK(journal_accepted(j, "A1", S1), "A1 accepted after reopen");
  OK(journal_accepted(j, "C3", S1), "C3 accepted after failing first");
  OK(journal_accepted(j, "Zoë-ref", S2), "UTF-8 ref");
  OK(!journal_accepted(j, "B2", S1), "B2 still not accepted");
  INT_EQ(journal_count(j, JOURNAL_ACCEPTED), 3, "accepted count reread");
  INT_EQ(journal_count(j, JOURNAL_FAILED), 2, "failed count reread");
  journal_close(j);

  size_t n;
  char *text = read_file(path, 1 << 20, &n);
  OK(text && strstr(text, "\"code\":550") &&
         strstr(text, "\\\"User\\\" unknown \\\\ \\u0001 \\ufffd end") &&
         strstr(text, "\"time\":\"2026-03-03T18:04:05Z\"") &&
         strstr(text, "{\"ref\":\"A1\",\"sha256\":\"1111"),
     "file content: %s", text ? text : "");
  int lines = 0;
  for (size_t i = 0; text && i < n; i++) lines += text[i] == '\n';
  INT_EQ(lines, 5, "one line per record");
  free(text);

  /* Python's json reads every line (when a Python is at hand). */
  const char *py = getenv("HANDOUT_PYTHON");
  if (py && *py && access(py, X_OK) == 0) {
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' %s",
             py, path);
    INT_EQ(system(cmd), 0, "python json reads the journal");
  }
}

static void test_torn_and_corrupt(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/torn.jsonl", tmpdir);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"ref\":\"A1\",\"sha256\":\"%s\",\"status\":\"accepted\"}\n", S1);
  fprintf(f, "\n");
  fprintf(f, "{\"ref\":\"B2\",\"sha256\":\"%s\",\"sta", S1); /* torn */
  fclose(f);
  chmod(path, 0600);
  char *msgs = NULL;
  struct journal *j = open_quiet(path, true, &msgs);
  OK(j, "torn last line: opens");
  OK(msgs && strstr(msgs, "torn.jsonl:3: warning") && strstr(msgs, "incomplete"),
     "torn line warned at line 3: %s", msgs ? msgs : "");
  free(msgs);
  if (!j) return;
  OK(journal_accepted(j, "A1", S1) && !journal_accepted(j, "B2", S1),
     "complete records read, torn one not");
  OK(append(j, "C3", S2, JOURNAL_ACCEPTED, 250, "ok"), "append after torn");
  journal_close(j);
  j = open_quiet(path, false, &msgs);
  OK(j, "the torn line did not corrupt the next record");
  OK(msgs && strstr(msgs, "warning") == NULL,
     "no warning once the torn line is gone: %s", msgs ? msgs : "");
  free(msgs);
  if (j) {
    OK(journal_accepted(j, "C3", S2), "C3 read back");
    journal_close(j);
  }

  snprintf(path, sizeof path, "%s/corrupt.jsonl", tmpdir);
  f = fopen(path, "w");
  fprintf(f, "{\"ref\":\"A1\",\"sha256\":\"%s\",\"status\":\"accepted\"}\n", S1);
  fprintf(f, "{\"ref\":\"B2\",\"sha256\":\"%s\",\"status\":\"maybe\"}\n", S1);
  fclose(f);
  j = open_quiet(path, true, &msgs);
  OK(!j, "a corrupt line stops the open");
  OK(msgs && strstr(msgs, "corrupt.jsonl:2: error"), "error at line 2: %s",
     msgs ? msgs : "");
  OK(msgs && !strstr(msgs, "B2"), "the record is not echoed");
  free(msgs);
  journal_close(j);

  /* garbage variants, each alone on a line */
  const char *bad[] = {
      "not json", "{}", "{\"ref\":\"A\"}", "{\"ref\":\"A\",\"sha256\":\"x\"",
      "{\"ref\":\"A\",\"sha256\":\"x\",\"status\":\"accepted\"} trailing",
      "{\"ref\":\"A\\q\",\"sha256\":\"x\",\"status\":\"accepted\"}",
      "{\"ref\":\"\\ud800\",\"sha256\":\"x\",\"status\":\"accepted\"}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    f = fopen(path, "w");
    fprintf(f, "%s\n", bad[i]);
    fclose(f);
    j = open_quiet(path, false, &msgs);
    OK(!j, "bad line %zu refused", i);
    free(msgs);
    journal_close(j);
  }
  /* an editor's extra fields and spaces are fine */
  f = fopen(path, "w");
  fprintf(f, " { \"note\" : \"by hand\\n\\u00e9\" , \"ref\":\"A\", \"n\": -3, "
             "\"ok\": true, \"sha256\":\"%s\", \"status\":\"accepted\" } \r\n", S1);
  fclose(f);
  j = open_quiet(path, false, &msgs);
  OK(j && journal_accepted(j, "A", S1), "extra fields tolerated");
  free(msgs);
  journal_close(j);
}

static void test_lock_and_readonly(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/lock.jsonl", tmpdir);
  char *msgs = NULL;
  struct journal *j = open_quiet(path, true, &msgs);
  free(msgs);
  OK(j, "open for the lock test");
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    char *m = NULL;
    struct journal *j2 = open_quiet(path, true, &m);
    int rc = j2 == NULL && m && strstr(m, "in use by another run") ? 0 : 1;
    journal_close(j2); /* NULL here; and nothing left for valgrind */
    free(m);
    _exit(rc);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
     "a second process cannot open a journal in use");
  journal_close(j);
  pid = fork();
  if (pid == 0) {
    char *m = NULL;
    struct journal *j2 = open_quiet(path, true, &m);
    int rc = j2 ? 0 : 1;
    journal_close(j2);
    free(m);
    _exit(rc);
  }
  waitpid(pid, &st, 0);
  OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "after close it can");

  snprintf(path, sizeof path, "%s/missing.jsonl", tmpdir);
  j = open_quiet(path, false, &msgs);
  free(msgs);
  OK(j && !journal_accepted(j, "A", S1), "read-only: missing file is empty");
  OK(access(path, F_OK) != 0, "read-only open creates nothing");
  if (j) {
    FILE *f = fopen("/dev/null", "w");
    struct diag d;
    diag_init(&d, f);
    struct journal_record r = {"A", S1, 0, JOURNAL_ACCEPTED, 250, "x"};
    OK(!journal_append(j, &r, &d), "read-only refuses appends");
    fclose(f);
  }
  journal_close(j);

  /* a group-readable journal gets a warning */
  snprintf(path, sizeof path, "%s/open.jsonl", tmpdir);
  int fd = open(path, O_CREAT | O_WRONLY, 0644);
  close(fd);
  chmod(path, 0644);
  j = open_quiet(path, true, &msgs);
  OK(j && msgs && strstr(msgs, "chmod 600"), "mode warning: %s",
     msgs ? msgs : "");
  free(msgs);
  journal_close(j);
  journal_close(NULL);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_journal.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_basic();
  test_torn_and_corrupt();
  test_lock_and_readonly();
  if (!harness_failed) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  } else {
    fprintf(stderr, "journals kept in %s\n", tmpdir);
  }
  return harness_done();
}
