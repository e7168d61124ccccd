/*
 * mail_driver: a test driver for the mail modules, standing in for the
 * `handout mail` command until the CLI is wired: N synthetic patients,
 * each with a small distinct PDF, run through the same steps the command
 * will take:
 *
 *   fingerprint (sha256) -> journal says already accepted? skip
 *   -> protect (none / dob / passphrase, cycling with --protect-cycle)
 *   -> mime_build -> smtp_send (or spool_write) -> journal_append
 *
 *   mail_driver --from ADDR (--smtp URL | --spool DIR) --journal FILE
 *               --out DIR [--count N] [--tls required|opportunistic|none]
 *               [--cacert FILE] [--credentials FILE] [--attempts N]
 *               [--backoff-ms N] [--timeout-ms N] [--rate N/min]
 *               [--protect-cycle] [--domain DOMAIN] [--date EPOCH]
 *
 * For every message it sends, it writes OUT/expected/REF.pdf (the exact
 * attachment bytes) and OUT/expected/REF.json (address, names, password,
 * protection, sha256) for run_integration.py to compare with what the
 * server received.  Prints one line per patient and a summary; exit status
 * 0 all accepted or skipped, 1 some rejected or deferred, 2 usage, 3 fatal
 * (the session could not work: nothing more was tried).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diag.h"
#include "journal.h"
#include "mime.h"
#include "protect.h"
#include "sha256.h"
#include "smtp.h"
#include "spool.h"
#include "util.h"

static const char *const FIRST[] = {
    "Ana", "Zoë", "Seán", "D'Arcy", "José María", "Дмитрий", "小龍",
    "Nguyễn Thị", "Chloé-Anne", "Mary Jane", "Øystein", "Ngozi",
};
static const char *const LAST[] = {
    "García", "O'Brien", "Łukasiewicz", "Smith, Jr.", "Иванова", "李",
    "Trần", "van der Berg", "Müller-Lüdenscheidt", "Okonkwo", "Ó Súilleabháin",
};

static void usage(void) {
  fprintf(stderr,
          "usage: mail_driver --from ADDR (--smtp URL | --spool DIR) "
          "--journal FILE --out DIR [--count N] [--tls T] [--cacert FILE] "
          "[--credentials FILE] [--attempts N] [--backoff-ms N] "
          "[--timeout-ms N] [--rate N/min] [--protect-cycle] [--domain D] "
          "[--date EPOCH]\n");
  exit(2);
}

/* A minimal valid one-page PDF whose text names the ref (qpdf reads it). */
static char *make_pdf(const char *ref, size_t *len) {
  struct strbuf b = {0};
  long off[6];
  char content[128];
  snprintf(content, sizeof content,
           "BT /F1 24 Tf 72 760 Td (Test leaflet %s) Tj ET\n", ref);
  strbuf_puts(&b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  off[1] = (long)b.len;
  strbuf_puts(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  off[2] = (long)b.len;
  strbuf_puts(&b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  off[3] = (long)b.len;
  strbuf_puts(&b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                  "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\n"
                  "endobj\n");
  off[4] = (long)b.len;
  strbuf_printf(&b, "4 0 obj\n<< /Length %zu >>\nstream\n%sendstream\nendobj\n",
                strlen(content), content);
  off[5] = (long)b.len;
  strbuf_puts(&b, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                  ">>\nendobj\n");
  long xref = (long)b.len;
  strbuf_puts(&b, "xref\n0 6\n0000000000 65535 f \n");
  for (int i = 1; i <= 5; i++) strbuf_printf(&b, "%010ld 00000 n \n", off[i]);
  strbuf_printf(&b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
                xref);
  *len = b.len;
  return strbuf_steal(&b);
}

static void json_str(struct strbuf *b, const char *s) {
  strbuf_putc(b, '"');
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\')
      strbuf_printf(b, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      strbuf_printf(b, "\\u%04x", (unsigned char)*s);
    else
      strbuf_putc(b, *s);
  }
  strbuf_putc(b, '"');
}

static bool write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(p, 1, n, f) == n;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) fprintf(stderr, "mail_driver: cannot write %s: %s\n", path, strerror(errno));
  return ok;
}

int main(int argc, char **argv) {
  const char *from = NULL, *smtp_url = NULL, *spool_dir = NULL, *journal_path = NULL;
  const char *out = NULL, *cacert = NULL, *cred_file = NULL, *rate_spec = NULL;
  const char *domain = "example.test";
  enum smtp_tls tls = SMTP_TLS_REQUIRED;
  int count = 50, attempts = 5;
  long backoff = 200, timeout = 20000;
  bool cycle = false;
  time_t date = 1772561045;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, true))
    if (ARG("--from")) from = v;
    else if (ARG("--smtp")) smtp_url = v;
    else if (ARG("--spool")) spool_dir = v;
    else if (ARG("--journal")) journal_path = v;
    else if (ARG("--out")) out = v;
    else if (ARG("--count")) count = atoi(v);
    else if (ARG("--tls")) { if (!smtp_tls_parse(v, &tls)) usage(); }
    else if (ARG("--cacert")) cacert = v;
    else if (ARG("--credentials")) cred_file = v;
    else if (ARG("--attempts")) attempts = atoi(v);
    else if (ARG("--backoff-ms")) backoff = atol(v);
    else if (ARG("--timeout-ms")) timeout = atol(v);
    else if (ARG("--rate")) rate_spec = v;
    else if (ARG("--domain")) domain = v;
    else if (ARG("--date")) date = (time_t)atoll(v);
    else if (strcmp(a, "--protect-cycle") == 0) cycle = true;
    else usage();
#undef ARG
  }
  if (!from || !journal_path || !out || !smtp_url == !spool_dir || count < 1)
    usage();

  struct diag d;
  diag_init(&d, stderr);
  struct smtp_rate rate = {0};
  const char *why;
  if (rate_spec && !smtp_rate_parse(rate_spec, &rate, &why)) {
    fprintf(stderr, "mail_driver: --rate: %s\n", why);
    return 2;
  }
  char expected[4096];
  snprintf(expected, sizeof expected, "%s/expected", out);
  mkdir(out, 0700);
  mkdir(expected, 0700);

  struct smtp_credentials cred = {0};
  struct smtp *smtp = NULL;
  if (smtp_url) {
    if (!smtp_credentials_load(cred_file, &cred, &d)) return 2;
    struct smtp_config cfg = {.url = smtp_url, .tls = tls, .cacert = cacert,
                              .user = cred.user, .password = cred.password,
                              .connect_timeout_ms = 5000, .timeout_ms = timeout,
                              .max_attempts = attempts, .backoff_ms = backoff,
                              .backoff_max_ms = 4 * backoff};
    smtp = smtp_new(&cfg, &d);
    if (!smtp) return 2;
  }
  struct journal *j = journal_open(journal_path, true, &d);
  if (!j) return 3;

  int sent = 0, skipped = 0, rejected = 0, deferred = 0, status = 0;
  for (int i = 1; i <= count && status != 3; i++) {
    char ref[16], email[128], dob[16], pass[32], to_name[256];
    snprintf(ref, sizeof ref, "P%03d", i);
    snprintf(email, sizeof email, "patient%03d@%s", i, domain);
    snprintf(dob, sizeof dob, "%04d-%02d-%02d", 1940 + i % 50, 1 + i % 12,
             1 + i % 28);
    snprintf(pass, sizeof pass, "leaflet-pass-%03d", i);
    const char *first = FIRST[i % (int)(sizeof FIRST / sizeof *FIRST)];
    const char *last = LAST[i % (int)(sizeof LAST / sizeof *LAST)];
    snprintf(to_name, sizeof to_name, "%s %s", first, last);
    enum protect_mode mode = cycle ? (enum protect_mode)(i % 3) : PROTECT_NONE;

    size_t pdf_len;
    char *pdf = make_pdf(ref, &pdf_len);
    char sha[SHA256_HEX_LEN + 1];
    sha256_hex(pdf, pdf_len, sha);
    if (journal_accepted(j, ref, sha)) {
      printf("%s skipped (already accepted)\n", ref);
      skipped++;
      free(pdf);
      continue;
    }
    char password[PROTECT_PASSWORD_SIZE];
    unsigned char *attach = (unsigned char *)pdf;
    size_t attach_len = pdf_len;
    unsigned char *protected_pdf = NULL;
    if (!protect_password(mode, dob, pass, password, sizeof password, &why)) {
      fprintf(stderr, "mail_driver: %s: %s\n", ref, why);
      return 3;
    }
    if (mode != PROTECT_NONE) {
      protected_pdf = protect_pdf(attach, attach_len, password, &d, &attach_len);
      if (!protected_pdf) return 3;
      attach = protected_pdf;
    }
    struct mime_letter m = {
        .from_addr = from, .to_addr = email, .to_name = to_name, .date = date,
        .ref = ref, .leaflet_sha256 = sha,
        .clinic_name = "Demo Cancer Centre (demo)",
        .phone_24h = "020 7946 0000", .first_name = first, .protect = mode,
        .pdf = attach, .pdf_len = attach_len};
    size_t msg_len;
    char *msg = mime_build(&m, &d, &msg_len);
    if (!msg) return 3;

    char path[4200];
    snprintf(path, sizeof path, "%s/%s.pdf", expected, ref);
    bool ok = write_file(path, attach, attach_len);
    struct strbuf js = {0};
    strbuf_puts(&js, "{\"ref\":");
    json_str(&js, ref);
    strbuf_puts(&js, ",\"to\":");
    json_str(&js, email);
    strbuf_puts(&js, ",\"first_name\":");
    json_str(&js, first);
    strbuf_puts(&js, ",\"last_name\":");
    json_str(&js, last);
    strbuf_puts(&js, ",\"to_name\":");
    json_str(&js, to_name);
    strbuf_puts(&js, ",\"protect\":");
    json_str(&js, protect_mode_name(mode));
    strbuf_puts(&js, ",\"password\":");
    json_str(&js, password);
    strbuf_puts(&js, ",\"sha256\":");
    json_str(&js, sha);
    strbuf_puts(&js, "}\n");
    snprintf(path, sizeof path, "%s/%s.json", expected, ref);
    ok = ok && write_file(path, js.data, js.len);
    strbuf_free(&js);
    if (!ok) return 3;

    struct journal_record rec = {.ref = ref, .sha256 = sha};
    struct smtp_result r; /* rec.reply points into it */
    if (spool_dir) {
      char *written = NULL;
      if (!spool_write(spool_dir, ref, msg, msg_len, &d, &written)) return 3;
      rec.status = JOURNAL_ACCEPTED;
      rec.reply = "written to the spool folder";
      printf("%s spooled\n", ref);
      free(written);
      sent++;
    } else {
      smtp_rate_wait(&rate);
      smtp_send(smtp, from, email, msg, msg_len, &r);
      printf("%s %s code=%d attempts=%d reply=\"%s\"%s%s\n", ref,
             smtp_outcome_name(r.outcome), r.code, r.attempts, r.reply,
             r.error[0] ? " error=" : "", r.error);
      rec.code = r.code;
      rec.reply = r.reply;
      switch (r.outcome) {
      case SMTP_ACCEPTED: rec.status = JOURNAL_ACCEPTED; sent++; break;
      case SMTP_REJECTED: rec.status = JOURNAL_FAILED; rejected++; break;
      case SMTP_DEFERRED: rec.status = JOURNAL_FAILED; deferred++; break;
      default: status = 3; break;
      }
    }
    rec.time = time(NULL);
    if (status != 3 && !journal_append(j, &rec, &d)) status = 3;
    protect_wipe(password, sizeof password);
    free(msg);
    free(protected_pdf);
    free(pdf);
  }
  printf("summary: sent=%d skipped=%d rejected=%d deferred=%d%s\n", sent,
         skipped, rejected, deferred, status == 3 ? " FATAL" : "");
  journal_close(j);
  smtp_free(smtp);
  smtp_credentials_free(&cred);
  if (status) return status;
  return rejected || deferred ? 1 : 0;
}
