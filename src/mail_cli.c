/*
 * mail_cli: `handout mail`.  See mail_cli.h for the command, its output and
 * its exit statuses; README.md "Sending leaflets by email" for the user's
 * view, and journal.h for the delivery guarantee.
 *
 * The send loop (mail_main, one mail_one() per row) takes each valid
 * patient row in file order:
 *
 *   no email                 -> counted, nothing printed
 *   address or password bad  -> reported at the row's CSV line:col, counted
 *                               as a bad row, skipped
 *   render (in memory)       -> a failure for this patient is a bad row
 *   journal has (ref, sha)   -> "already sent", unless --resend REF
 *   --dry-run                -> "would send", nothing else
 *   protect, MIME, send or spool, journal record (fsync'd) -> next row
 *
 * A fatal SMTP outcome (the session cannot work: certificate, STARTTLS,
 * AUTH; or no reply at all from the server through every retry) or an I/O
 * failure (journal, spool, encryption) stops the loop: nothing after it is
 * tried, the summary says how many rows were left.
 */
#include "mail_cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diag.h"
#include "journal.h"
#include "mime.h"
#include "patients.h"
#include "protect.h"
#include "site.h"
#include "smtp.h"
#include "spool.h"
#include "util.h"

#define SPOOL_JOURNAL "spool-journal.jsonl"
#define SMTP_JOURNAL_SUFFIX ".mail-journal.jsonl"
#define SPOOL_REPLY "written to the spool folder"

static const char mail_usage[] =
    "usage: handout mail --patients FILE.csv [-s SITE] --from ADDR\n"
    "                    (--smtp URL | --spool DIR) [--tls required|opportunistic|none]\n"
    "                    [--cacert FILE] [--credentials FILE]\n"
    "                    [--protect none|dob|passphrase] [--journal FILE]\n"
    "                    [--resend REF]... [--rate N/min] [--attempts N]\n"
    "                    [--backoff-ms MS] [--dry-run] [--show-patient-data]\n";

static const char mail_help[] =
    "\n"
    "Email each patient with an email address their own leaflet, once.\n"
    "\n"
    "  --patients FILE.csv  the patients file (see README: Per-patient leaflets)\n"
    "  -s, --site NAME      the clinic profile (default demo): the subject and\n"
    "                       the 24-hour line in the message\n"
    "  --from ADDR          the sender's address (name@example.org)\n"
    "  --smtp URL           smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT];\n"
    "                       never with user:password in it\n"
    "  --spool DIR          write DIR/REF.eml (mode 0600) instead of sending\n"
    "  --tls POLICY         required (default), opportunistic, or none (a relay\n"
    "                       on this machine only)\n"
    "  --cacert FILE        trust the CA certificates in this PEM file only\n"
    "  --credentials FILE   one line user:password (else HANDOUT_SMTP_USER and\n"
    "                       HANDOUT_SMTP_PASSWORD from the environment)\n"
    "  --protect MODE       none (default), dob (date of birth as DDMMYYYY:\n"
    "                       WEAK), passphrase (the row's passphrase column)\n"
    "  --journal FILE       the record of what was sent (default: beside\n"
    "                       FILE.csv, STEM.mail-journal.jsonl; with --spool,\n"
    "                       DIR/spool-journal.jsonl)\n"
    "  --resend REF         send this patient's leaflet again even if the\n"
    "                       journal says it was accepted (repeatable)\n"
    "  --rate N/min         at most N messages a minute (also N/s, N/h)\n"
    "  --attempts N         tries per message on 4xx replies and dropped\n"
    "                       connections (default 5)\n"
    "  --backoff-ms MS      wait before the 2nd try, doubling (default 2000)\n"
    "  --dry-run            list what would be sent; send and write nothing\n"
    "  --show-patient-data  let messages quote names, addresses and replies\n"
    "\n"
    "Exit status: 0 all sent or already sent, 1 some row bad or some message\n"
    "rejected or deferred (the others sent), 2 usage error, 3 fatal transport\n"
    "error or I/O failure (the run stops).\n";

struct mail_opts {
  const char *patients;
  const char *site;
  const char *from;
  const char *smtp_url;
  const char *spool_dir;
  const char *cacert;
  const char *credentials;
  const char *journal;
  const char *rate;
  enum smtp_tls tls;
  bool tls_given;
  enum protect_mode protect;
  char **resend; /* argv strings, not owned */
  size_t nresend, capresend;
  bool dry_run;
  bool show_patient_data;
  int attempts;    /* 0: smtp.h's default */
  long backoff_ms; /* 0: smtp.h's default */
};

/* What happened to the rows; the summary line prints it. */
struct mail_counts {
  size_t sent;     /* accepted by the server, or written to the spool */
  size_t already;  /* the journal had (ref, sha256) accepted */
  size_t no_email; /* valid rows without an address */
  size_t bad;      /* rows reported and skipped (patients_load's and ours) */
  size_t rejected; /* 5xx */
  size_t deferred; /* 4xx or dropped until the attempts ran out */
  size_t not_tried; /* rows left when a fatal error stopped the run */
};

static int mail_usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "handout: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", mail_usage);
  return JOB_USAGE;
}

static bool parse_count(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

/* Options.  Returns -1 to go on, else an exit status. */
static int parse_mail_options(struct mail_opts *o, int argc, char **argv) {
  enum {
    O_ATTEMPTS = 256, O_BACKOFF, O_CACERT, O_CREDENTIALS, O_DRY_RUN, O_FROM,
    O_JOURNAL, O_PATIENTS, O_PROTECT, O_RATE, O_RESEND, O_SHOW, O_SMTP,
    O_SPOOL, O_TLS
  };
  /* sorted by long name */
  static const struct option opts[] = {
      {"attempts", required_argument, NULL, O_ATTEMPTS},
      {"backoff-ms", required_argument, NULL, O_BACKOFF},
      {"cacert", required_argument, NULL, O_CACERT},
      {"credentials", required_argument, NULL, O_CREDENTIALS},
      {"dry-run", no_argument, NULL, O_DRY_RUN},
      {"from", required_argument, NULL, O_FROM},
      {"help", no_argument, NULL, 'h'},
      {"journal", required_argument, NULL, O_JOURNAL},
      {"patients", required_argument, NULL, O_PATIENTS},
      {"protect", required_argument, NULL, O_PROTECT},
      {"rate", required_argument, NULL, O_RATE},
      {"resend", required_argument, NULL, O_RESEND},
      {"show-patient-data", no_argument, NULL, O_SHOW},
      {"site", required_argument, NULL, 's'},
      {"smtp", required_argument, NULL, O_SMTP},
      {"spool", required_argument, NULL, O_SPOOL},
      {"tls", required_argument, NULL, O_TLS},
      {NULL, 0, NULL, 0}};
  int c;
  long n;
  optind = 0; /* glibc: a full reset, main() may have used getopt */
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":hs:", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      fputs(mail_usage, stdout);
      fputs(mail_help, stdout);
      return 0;
    case 's': o->site = optarg; break;
    case O_ATTEMPTS:
      if (!parse_count(optarg, 1, 100, &n))
        return mail_usage_error("--attempts %s is not a count (expected 1 to 100)",
                                optarg);
      o->attempts = (int)n;
      break;
    case O_BACKOFF:
      if (!parse_count(optarg, 1, 3600000, &n))
        return mail_usage_error("--backoff-ms %s is not a wait (expected 1 to "
                                "3600000 milliseconds)", optarg);
      o->backoff_ms = n;
      break;
    case O_CACERT: o->cacert = optarg; break;
    case O_CREDENTIALS: o->credentials = optarg; break;
    case O_DRY_RUN: o->dry_run = true; break;
    case O_FROM: o->from = optarg; break;
    case O_JOURNAL: o->journal = optarg; break;
    case O_PATIENTS: o->patients = optarg; break;
    case O_PROTECT:
      if (!protect_mode_parse(optarg, &o->protect))
        return mail_usage_error("--protect %s is not a protection (expected none, "
                                "dob or passphrase)", optarg);
      break;
    case O_RATE: o->rate = optarg; break;
    case O_RESEND: *VEC_PUSH(o->resend, o->nresend, o->capresend) = optarg; break;
    case O_SHOW: o->show_patient_data = true; break;
    case O_SMTP: o->smtp_url = optarg; break;
    case O_SPOOL: o->spool_dir = optarg; break;
    case O_TLS:
      if (!smtp_tls_parse(optarg, &o->tls))
        return mail_usage_error("--tls %s is not a TLS policy (expected required, "
                                "opportunistic or none)", optarg);
      o->tls_given = true;
      break;
    case ':': return mail_usage_error("option %s needs a value", argv[optind - 1]);
    default: return mail_usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return mail_usage_error("mail takes options only, not '%s'", argv[optind]);
  if (!o->patients) return mail_usage_error("mail needs --patients FILE.csv%s", "");
  if (!o->from) return mail_usage_error("mail needs --from ADDR%s", "");
  if (!o->smtp_url == !o->spool_dir)
    return mail_usage_error("mail needs exactly one of --smtp URL and --spool DIR%s",
                            "");
  if (o->spool_dir &&
      (o->tls_given || o->cacert || o->credentials || o->rate || o->attempts ||
       o->backoff_ms))
    return mail_usage_error("--tls, --cacert, --credentials, --rate, --attempts and "
                            "--backoff-ms work with --smtp, not --spool%s", "");
  const char *why;
  if (!mime_check_address(o->from, &why))
    return mail_usage_error("--from: not an email address (%s)", why);
  return -1;
}

/* Does the URL carry user information ("smtp://user:pass@host")?  Only
 * the authority part counts: up to the first '/', '?' or '#'. */
static bool url_has_userinfo(const char *url) {
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn(p, "/?#");
  return memchr(p, '@', n) != NULL;
}

/* The default journal path (see mail_cli.h), malloc'd. */
static char *default_journal(const struct mail_opts *o) {
  struct strbuf b = {0};
  if (o->spool_dir) {
    strbuf_printf(&b, "%s/%s", o->spool_dir, SPOOL_JOURNAL);
    return strbuf_steal(&b);
  }
  char *copy = xstrdup(o->patients);
  char *copy2 = xstrdup(o->patients);
  const char *dir = dirname(copy);
  const char *base = basename(copy2);
  const char *dot = strrchr(base, '.');
  size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  strbuf_printf(&b, "%s/%.*s%s", dir, (int)stem, base, SMTP_JOURNAL_SUFFIX);
  free(copy);
  free(copy2);
  return strbuf_steal(&b);
}

/* The folder the handout column names files in: the parent of sites_dir
 * (handouts/sites), malloc'd. */
static char *handouts_dir_of(const struct job_paths *paths) {
  char *copy = xstrdup(paths->sites_dir ? paths->sites_dir : "handouts/sites");
  char *dir = xstrdup(dirname(copy));
  free(copy);
  return dir;
}

/* Where to point a message about field f of p: the field, or the row. */
static struct src_pos row_pos(const struct patient *p, enum patient_field f) {
  return p->field_pos[f].line > 0 ? p->field_pos[f] : p->pos;
}

/* Is a --resend given for p? */
static bool resend_wanted(const struct mail_opts *o, const struct patient_list *list,
                          const struct patient *p) {
  for (size_t i = 0; i < o->nresend; i++)
    if (patients_find(list, o->resend[i]) == p) return true;
  return false;
}

/* Today in UTC as YYYY-MM-DD (for "date of birth in the future"). */
static void today_iso(char buf[16]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, 16, "%Y-%m-%d", &tm);
}

/* Everything one run shares. */
struct mail_run {
  const struct mail_opts *o;
  const struct job_paths *paths;
  const char *handouts_dir;
  const struct site *site;
  const struct patient_list *list;
  struct job_cache *cache;
  struct journal *journal;
  struct smtp *smtp;
  struct smtp_rate rate;
  const char *pdf_date; /* from SOURCE_DATE_EPOCH, or NULL */
  char today[16];
  struct diag *d;
  struct mail_counts n;
};

/* Checks that need nothing rendered: the address (RFC 5321, stricter than
 * the patients file's check) and the password column --protect needs.
 * Reports and returns false for a bad row. */
static bool row_checks(struct mail_run *m, const struct patient *p,
                       char password[PROTECT_PASSWORD_SIZE]) {
  struct diag *d = m->d;
  const char *why;
  bool ok = true;
  if (!mime_check_address(p->email, &why)) {
    diag_error(d, row_pos(p, PF_EMAIL), "bad email %s for sending (%s; expected "
               "an address like name@example.org)", diag_redact(d, p->email), why);
    ok = false;
  }
  if (m->o->protect == PROTECT_DOB && p->date_of_birth &&
      strcmp(p->date_of_birth, m->today) > 0) {
    diag_error(d, row_pos(p, PF_DATE_OF_BIRTH),
               "date_of_birth %s is in the future (needed by --protect dob)",
               diag_redact(d, p->date_of_birth));
    ok = false;
  } else if (!protect_password(m->o->protect, p->date_of_birth, p->passphrase,
                               password, PROTECT_PASSWORD_SIZE, &why)) {
    enum patient_field f =
        m->o->protect == PROTECT_DOB ? PF_DATE_OF_BIRTH : PF_PASSPHRASE;
    diag_error(d, row_pos(p, f), "%s", why);
    ok = false;
  }
  return ok;
}

/* Print the outcome line of one row: the ref, then what happened ("M001
 * sent after 3 attempts", "M012 rejected (550)"). */
static void say(const struct mail_run *m, const struct patient *p, const char *what,
                const struct smtp_result *r) {
  printf("%s %s", p->ref, what);
  if (r && r->code && r->outcome != SMTP_ACCEPTED) printf(" (%d)", r->code);
  if (r && r->attempts > 1) printf(" after %d attempts", r->attempts);
  if (m->o->show_patient_data) {
    printf(" <%s>", p->email);
    if (r && r->reply[0]) printf(" reply \"%s\"", r->reply);
  }
  putchar('\n');
}

/* Send (or spool) one built message and record the outcome.  Returns the
 * exit status it forces: 0, or JOB_IO to stop the run. */
static int deliver(struct mail_run *m, const struct patient *p, const char *sha,
                   const char *msg, size_t len) {
  struct diag *d = m->d;
  struct journal_record rec = {.ref = p->ref, .sha256 = sha};
  struct smtp_result r = {0};
  if (m->o->spool_dir) {
    if (!spool_write(m->o->spool_dir, p->ref, msg, len, d, NULL)) return JOB_IO;
    rec.status = JOURNAL_ACCEPTED;
    rec.reply = SPOOL_REPLY;
    m->n.sent++;
    say(m, p, "spooled", NULL);
  } else {
    smtp_rate_wait(&m->rate);
    smtp_send(m->smtp, m->o->from, p->email, msg, len, &r);
    rec.code = r.code;
    rec.reply = r.reply;
    switch (r.outcome) {
    case SMTP_ACCEPTED:
      rec.status = JOURNAL_ACCEPTED;
      m->n.sent++;
      say(m, p, "sent", &r);
      break;
    case SMTP_REJECTED:
      rec.status = JOURNAL_FAILED;
      m->n.rejected++;
      say(m, p, "rejected", &r);
      break;
    case SMTP_DEFERRED:
      rec.status = JOURNAL_FAILED;
      m->n.deferred++;
      say(m, p, "deferred", &r);
      break;
    default:
      /* Nothing reached the server: no record, a re-run tries again. */
      if (m->o->show_patient_data && r.reply[0])
        diag_fail(d, "SMTP: %s (server's reply: %s); stopping", r.error, r.reply);
      else if (r.code)
        diag_fail(d, "SMTP: %s (server's reply code %d); stopping", r.error, r.code);
      else
        diag_fail(d, "SMTP: %s; stopping", r.error);
      return JOB_IO;
    }
  }
  rec.time = time(NULL);
  if (!journal_append(m->journal, &rec, d)) return JOB_IO;
  /* Deferred without a single reply on the last attempt: the server could
   * not be reached at all, through every retry.  Every later message would
   * wait out the same back-off and fail the same way: stop instead. */
  if (!m->o->spool_dir && r.outcome == SMTP_DEFERRED && r.code == 0) {
    diag_fail(d, "SMTP: the server could not be reached in %d attempts (%s); "
                 "stopping", r.attempts, r.error);
    return JOB_IO;
  }
  return 0;
}

/* One patient row.  Returns 0, or JOB_IO to stop the run.  Reports through
 * m->d, which is the row's own (the stages judge a job by the errors its
 * diag has seen: one per row, as batch has one per job). */
static int mail_one(struct mail_run *m, const struct patient *p) {
  struct diag *d = m->d;
  const struct mail_opts *o = m->o;
  if (!p->email) {
    m->n.no_email++;
    return 0;
  }
  char password[PROTECT_PASSWORD_SIZE] = "";
  if (!row_checks(m, p, password)) {
    m->n.bad++;
    protect_wipe(password, sizeof password);
    return 0;
  }

  /* render this patient's leaflet in memory */
  struct strbuf handout = {0};
  strbuf_printf(&handout, "%s/%s.yaml", m->handouts_dir, p->handout);
  unsigned char *pdf = NULL;
  size_t pdf_len = 0;
  struct job_result res = {0};
  struct job job = {.handout = handout.data,
                    .layout = p->layout,
                    .dump = DUMP_NONE,
                    .date = m->pdf_date,
                    .site = o->site ? o->site : SITE_DEFAULT,
                    .pdf_out = &pdf,
                    .pdf_len = &pdf_len,
                    .patient = p,
                    .result = &res};
  enum job_status js = job_run(&job, m->paths, m->cache, d);
  strbuf_free(&handout);
  if (js != JOB_OK) {
    free(pdf);
    protect_wipe(password, sizeof password);
    if (js == JOB_IO) return JOB_IO;
    diag_error(d, p->pos, "the leaflet for this row could not be made (see above); "
                          "row skipped");
    m->n.bad++;
    return 0;
  }

  int status = 0;
  unsigned char *protected_pdf = NULL;
  char *msg = NULL;
  bool resend = resend_wanted(o, m->list, p);
  if (journal_accepted(m->journal, p->ref, res.sha256) && !resend) {
    m->n.already++;
    if (o->dry_run)
      printf("%s layout=%s protect=%s already sent\n", p->ref, p->layout,
             protect_mode_name(o->protect));
    else
      say(m, p, "already sent", NULL);
    goto done;
  }

  /* protect (not in a dry run: the message is built from the plain PDF) */
  const unsigned char *attach = pdf;
  size_t attach_len = pdf_len;
  if (o->protect != PROTECT_NONE && !o->dry_run) {
    protected_pdf = protect_pdf(pdf, pdf_len, password, d, &attach_len);
    if (!protected_pdf) {
      status = JOB_IO;
      goto done;
    }
    attach = protected_pdf;
  }
  struct strbuf to_name = {0};
  strbuf_printf(&to_name, "%s %s", p->first_name, p->last_name);
  struct mime_letter letter = {.from_addr = o->from,
                               .to_addr = p->email,
                               .to_name = to_name.data,
                               .date = time(NULL),
                               .ref = p->ref,
                               .leaflet_sha256 = res.sha256,
                               .clinic_name = m->site->name,
                               .phone_24h = m->site->phone_24h,
                               .first_name = p->first_name,
                               .protect = o->protect,
                               .pdf = attach,
                               .pdf_len = attach_len};
  size_t msg_len = 0;
  msg = mime_build(&letter, d, &msg_len);
  strbuf_free(&to_name);
  if (!msg) {
    diag_error(d, p->pos, "no message could be built for this row (see above); "
                          "row skipped");
    m->n.bad++;
    goto done;
  }
  if (o->dry_run) {
    m->n.sent++;
    printf("%s layout=%s protect=%s %s", p->ref, p->layout,
           protect_mode_name(o->protect), resend ? "would send again (--resend)"
                                                 : "would send");
    if (o->show_patient_data) printf(" handout=%s <%s>", p->handout, p->email);
    putchar('\n');
    goto done;
  }
  status = deliver(m, p, res.sha256, msg, msg_len);

done:
  protect_wipe(password, sizeof password);
  free(msg);
  free(protected_pdf);
  free(pdf);
  return status;
}

static void print_summary(const struct mail_run *m, bool stopped) {
  const struct mail_counts *n = &m->n;
  if (m->o->dry_run)
    printf("handout mail (dry run, nothing sent): would send %zu, already sent %zu, "
           "no email %zu, bad rows %zu\n",
           n->sent, n->already, n->no_email, n->bad);
  else
    printf("handout mail: %s %zu, already sent %zu, no email %zu, bad rows %zu, "
           "failed %zu (rejected %zu, deferred %zu)%s",
           m->o->spool_dir ? "spooled" : "sent", n->sent, n->already, n->no_email,
           n->bad, n->rejected + n->deferred, n->rejected, n->deferred,
           stopped ? "" : "\n");
  if (stopped)
    printf(", STOPPED with %zu rows not tried\n", n->not_tried);
  fflush(stdout);
}

int mail_main(int argc, char **argv, const struct job_paths *paths) {
  struct mail_opts o = {.tls = SMTP_TLS_REQUIRED, .protect = PROTECT_NONE};
  int status = parse_mail_options(&o, argc, argv);
  if (status >= 0) {
    free(o.resend);
    return status;
  }
  status = JOB_OK;
  struct diag d;
  diag_init(&d, stderr);
  d.show_patient_data = o.show_patient_data;
  struct mail_run m = {.o = &o, .paths = paths, .d = &d};
  struct smtp_credentials cred = {0};
  struct patient_list list = {0};
  struct site *site = NULL;
  char *journal_path = NULL;
  char *handouts_dir = handouts_dir_of(paths);
  char datebuf[40];
  m.handouts_dir = handouts_dir;
  today_iso(m.today);
  /* curl with CURLOPT_NOSIGNAL does not guard against SIGPIPE on a dropped
   * TLS connection; an error return is what the retry logic wants. */
  signal(SIGPIPE, SIG_IGN);

  /* transport settings, before anything is read or rendered */
  if (o.smtp_url) {
    if (url_has_userinfo(o.smtp_url)) {
      diag_fail(&d, "--smtp: the URL holds user information (user:password@); "
                    "credentials never go on the command line: use --credentials "
                    "FILE or HANDOUT_SMTP_USER and HANDOUT_SMTP_PASSWORD");
      status = JOB_USAGE;
      goto out;
    }
    const char *why;
    if (o.rate && !smtp_rate_parse(o.rate, &m.rate, &why)) {
      status = mail_usage_error("--rate: %s", why);
      goto out;
    }
    if (!smtp_credentials_load(o.credentials, &cred, &d)) {
      status = JOB_USAGE;
      goto out;
    }
    struct smtp_config cfg = {.url = o.smtp_url,
                              .tls = o.tls,
                              .cacert = o.cacert,
                              .user = cred.user,
                              .password = cred.password,
                              .max_attempts = o.attempts,
                              .backoff_ms = o.backoff_ms,
                              .backoff_max_ms = o.backoff_ms ? 30 * o.backoff_ms : 0};
    m.smtp = smtp_new(&cfg, &d);
    if (!m.smtp) {
      status = JOB_USAGE;
      goto out;
    }
  }
  m.pdf_date = job_date_from_env(&d, datebuf, sizeof datebuf);
  if (diag_has_errors(&d)) {
    status = JOB_USAGE;
    goto out;
  }

  /* the clinic, the patients, the --resend refs */
  site = load_site(o.site ? o.site : SITE_DEFAULT, paths->sites_dir, &d);
  if (!site) {
    status = JOB_INVALID;
    goto out;
  }
  m.site = site;
  if (!patients_load(o.patients, o.patients, handouts_dir, paths->layouts_dir, &d,
                     &list)) {
    status = list.io_error ? JOB_IO : JOB_INVALID;
    goto out;
  }
  m.list = &list;
  m.n.bad = list.nbad;
  for (size_t i = 0; i < o.nresend; i++)
    if (!patients_find(&list, o.resend[i])) {
      diag_fail(&d, "--resend %s: no valid row in %s has this ref", o.resend[i],
                o.patients);
      status = JOB_USAGE;
    }
  if (status) goto out;

  /* the journal: read-only for a dry run (nothing created or locked) */
  journal_path = o.journal ? xstrdup(o.journal) : default_journal(&o);
  if (o.spool_dir && !o.dry_run && mkdir(o.spool_dir, 0700) != 0 && errno != EEXIST) {
    diag_fail(&d, "--spool: cannot create folder '%s': %s", o.spool_dir,
              strerror(errno));
    status = JOB_IO;
    goto out;
  }
  m.journal = journal_open(journal_path, !o.dry_run, &d);
  if (!m.journal) {
    status = JOB_IO;
    goto out;
  }

  m.cache = job_cache_new();
  bool stopped = false;
  for (size_t i = 0; i < list.count; i++) {
    struct diag row_d;
    diag_init(&row_d, d.out);
    row_d.show_patient_data = d.show_patient_data;
    m.d = &row_d;
    int rs = mail_one(&m, &list.patients[i]);
    m.d = &d;
    for (int k = 0; k < DIAG__MAX; k++) d.count[k] += row_d.count[k];
    if (rs == JOB_IO) {
      stopped = true;
      m.n.not_tried = list.count - i - 1;
      break;
    }
  }
  print_summary(&m, stopped);
  if (stopped)
    status = JOB_IO;
  else if (m.n.bad || m.n.rejected || m.n.deferred)
    status = JOB_INVALID;

out:
  job_cache_free(m.cache);
  journal_close(m.journal);
  smtp_free(m.smtp);
  smtp_credentials_free(&cred);
  patients_free(&list);
  site_free(site);
  free(journal_path);
  free(handouts_dir);
  free(o.resend);
  return status;
}
