/*
 * test_smtp: the SMTP client's configuration checks, credentials, rate
 * limit and retry on a refused connection (smtp.c).  No mail is sent; the
 * only connection tried is to a closed port on 127.0.0.1.  Sending for
 * real is tests/mail/run_integration.py.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "harness.h"
#include "smtp.h"
#include "util.h"

static char tmpdir[64];

/* smtp_new must fail with a message containing want. */
static void refused(struct smtp_config cfg, const char *want, const char *what) {
  char *msgs = NULL;
  size_t n;
  FILE *f = open_memstream(&msgs, &n);
  struct diag d;
  diag_init(&d, f);
  struct smtp *s = smtp_new(&cfg, &d);
  fclose(f);
  OK(!s, "%s: refused", what);
  OK(msgs && strstr(msgs, want), "%s: message '%s' lacks '%s'", what,
     msgs ? msgs : "", want);
  smtp_free(s);
  free(msgs);
}

static void test_config(void) {
  enum smtp_tls t;
  OK(smtp_tls_parse("required", &t) && t == SMTP_TLS_REQUIRED, "required");
  OK(smtp_tls_parse("opportunistic", &t) && t == SMTP_TLS_OPPORTUNISTIC,
     "opportunistic");
  OK(smtp_tls_parse("none", &t) && t == SMTP_TLS_NONE, "none");
  OK(!smtp_tls_parse("off", &t), "off is not a policy");
  STR_EQ(smtp_tls_name(SMTP_TLS_OPPORTUNISTIC), "opportunistic", "name");
  STR_EQ(smtp_outcome_name(SMTP_REJECTED), "rejected", "outcome name");

  struct smtp_config c = {.url = "smtp://127.0.0.1:25"};
  refused((struct smtp_config){.url = "http://example.org"}, "not an smtp://",
          "http URL");
  refused((struct smtp_config){.url = ""}, "no server URL", "empty URL");
  refused((struct smtp_config){.url = "smtp://a b"}, "space", "URL with space");
  refused((struct smtp_config){.url = "smtps://mail.example.org",
                               .tls = SMTP_TLS_NONE},
          "contradicts", "smtps with --tls none");
  refused((struct smtp_config){.url = "smtp://mail.example.org",
                               .tls = SMTP_TLS_OPPORTUNISTIC, .user = "u",
                               .password = "p"},
          "certain TLS", "credentials with opportunistic TLS");
  refused((struct smtp_config){.url = "smtp://mail.example.org",
                               .tls = SMTP_TLS_NONE, .user = "u",
                               .password = "p"},
          "certain TLS", "credentials without TLS");
  refused((struct smtp_config){.url = "smtp://mail.example.org",
                               .cacert = "/nonexistent/ca.pem"},
          "--cacert", "missing CA file");
  refused((struct smtp_config){.url = "smtp://mail.example.org",
                               .max_attempts = -1},
          "out of range", "negative attempts");

  struct diag d;
  diag_init(&d, stderr);
  struct smtp *s = smtp_new(&c, &d);
  OK(s, "plain config accepted");
  smtp_free(s);
  c.url = "SMTPS://mail.example.org:465";
  c.user = "u";
  c.password = "p";
  s = smtp_new(&c, &d);
  OK(s, "smtps with credentials accepted");
  struct smtp *s2 = smtp_new(&c, &d);
  OK(s2, "two sessions at once");
  smtp_free(s);
  smtp_free(s2);
  smtp_free(NULL);
}

static void write_text(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

static void test_credentials(void) {
  char path[128];
  snprintf(path, sizeof path, "%s/cred", tmpdir);
  struct smtp_credentials c;
  char *msgs = NULL;
  size_t n;
  struct diag d;

  write_text(path, "mailer@example.org:pa:ss word\r\n", 0600);
  diag_init(&d, stderr);
  OK(smtp_credentials_load(path, &c, &d), "file read");
  STR_EQ(c.user, "mailer@example.org", "user");
  STR_EQ(c.password, "pa:ss word", "password after the first colon");
  smtp_credentials_free(&c);
  OK(c.user == NULL && c.password == NULL, "freed");

  const char *bad[] = {"nocolon\n", ":nouser\n", "user:\n", "a:b\nc:d\n", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    write_text(path, bad[i], 0600);
    FILE *f = open_memstream(&msgs, &n);
    diag_init(&d, f);
    bool ok = smtp_credentials_load(path, &c, &d);
    fclose(f);
    OK(!ok, "bad credentials file %zu refused", i);
    OK(msgs && !strstr(msgs, "nouser") && !strstr(msgs, "c:d"),
       "message quotes nothing: %s", msgs ? msgs : "");
    free(msgs);
    smtp_credentials_free(&c);
  }

  write_text(path, "u:secret-password\n", 0644);
  FILE *f = open_memstream(&msgs, &n);
  diag_init(&d, f);
  OK(smtp_credentials_load(path, &c, &d), "group-readable file still read");
  fclose(f);
  OK(msgs && strstr(msgs, "chmod 600") && !strstr(msgs, "secret"),
     "warned without the password: %s", msgs ? msgs : "");
  free(msgs);
  smtp_credentials_free(&c);

  diag_init(&d, stderr);
  OK(!smtp_credentials_load("/nonexistent/cred", &c, &d), "missing file");

  unsetenv("HANDOUT_SMTP_USER");
  unsetenv("HANDOUT_SMTP_PASSWORD");
  OK(smtp_credentials_load(NULL, &c, &d) && c.user == NULL,
     "no environment: no credentials");
  setenv("HANDOUT_SMTP_USER", "envuser", 1);
  setenv("HANDOUT_SMTP_PASSWORD", "envpass", 1);
  OK(smtp_credentials_load(NULL, &c, &d), "environment");
  STR_EQ(c.user, "envuser", "env user");
  STR_EQ(c.password, "envpass", "env password");
  smtp_credentials_free(&c);
  unsetenv("HANDOUT_SMTP_PASSWORD");
  f = fopen("/dev/null", "w");
  diag_init(&d, f);
  OK(!smtp_credentials_load(NULL, &c, &d), "user without password refused");
  fclose(f);
  unsetenv("HANDOUT_SMTP_USER");
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_rate(void) {
  struct smtp_rate r;
  const char *why;
  OK(smtp_rate_parse("30/min", &r, &why) && r.interval_s == 2.0, "30/min");
  OK(smtp_rate_parse("4/s", &r, &why) && r.interval_s == 0.25, "4/s");
  OK(smtp_rate_parse("3600/h", &r, &why) && r.interval_s == 1.0, "3600/h");
  const char *bad[] = {"0/min", "30", "/min", "30/day", "-1/min", "x/min",
                       "100001/min", "99999999999999999999/min", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    OK(!smtp_rate_parse(bad[i], &r, &why) && why, "rate '%s' refused", bad[i]);

  OK(smtp_rate_parse("20/s", &r, &why), "20/s");
  double t0 = now_s();
  for (int i = 0; i < 4; i++) smtp_rate_wait(&r); /* first is free */
  double dt = now_s() - t0;
  OK(dt >= 0.149 && dt < 1.0, "4 slots at 20/s take 0.15 s (took %.3f)", dt);
  struct smtp_rate none = {0};
  t0 = now_s();
  for (int i = 0; i < 100; i++) smtp_rate_wait(&none);
  OK(now_s() - t0 < 0.05, "no limit: no wait");
}

/* A port on 127.0.0.1 with nothing listening. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    close(fd);
    return -1;
  }
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

static void test_refused_connection(void) {
  int port = closed_port();
  OK(port > 0, "found a free port");
  if (port <= 0) return;
  char url[64];
  snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
  struct smtp_config c = {.url = url, .max_attempts = 3, .backoff_ms = 20,
                          .connect_timeout_ms = 2000, .timeout_ms = 5000};
  struct diag d;
  diag_init(&d, stderr);
  struct smtp *s = smtp_new(&c, &d);
  OK(s, "session");
  if (!s) return;
  struct smtp_result r;
  double t0 = now_s();
  const char msg[] = "Subject: x\r\n\r\nx\r\n";
  bool sent = smtp_send(s, "a@example.org", "b@example.org", msg,
                        sizeof msg - 1, &r);
  double dt = now_s() - t0;
  OK(!sent && r.outcome == SMTP_DEFERRED, "refused connection is deferred "
     "(%s)", smtp_outcome_name(r.outcome));
  INT_EQ(r.attempts, 3, "three attempts");
  INT_EQ(r.code, 0, "no reply code");
  OK(r.error[0] != '\0', "curl's error kept: %s", r.error);
  OK(dt >= 0.059, "backed off 20 + 40 ms (took %.3f s)", dt);
  smtp_free(s);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_smtp.XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 2;
  }
  test_config();
  test_credentials();
  test_rate();
  test_refused_connection();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  return harness_done();
}
