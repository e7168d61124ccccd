/*
 * main: the handout command line, a thin layer over the library.
 *
 *   handout render HANDOUT.yaml [-l LAYOUT] [-s SITE] [-o FILE.pdf] [--dump=tree|lines|pages]
 *   handout render HANDOUT.yaml --patients FILE.csv --patient REF [-s SITE] [-o FILE.pdf]
 *   handout batch [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] [-s SITE] [-o OUTDIR] [-j JOBS]
 *                 [--shard K/N] [--fresh]
 *   handout batch --patients FILE.csv [-s SITE] [-o OUTDIR] [-j JOBS] [--shard K/N] [--fresh]
 *   handout lint [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] [-s SITE] [--format text|json]
 *   handout mail --patients FILE.csv --from ADDR (--smtp URL | --spool DIR) ...
 *                (src/mail_cli.c)
 *   handout --help | --version
 *
 * Exit status (DESIGN.md): 0 all done; 1 some input was invalid (every valid
 * item still produced); 2 usage error; 3 I/O or system failure.
 *
 * Data folders (fonts/, layouts/, handouts/, handouts/sites/) are looked up
 * under $HANDOUT_HOME, or else the source tree the binary was built from, so
 * the command works from any working directory and never looks at system
 * fonts.  batch lists the .yaml files directly in handouts/ only, never the
 * clinic profiles in handouts/sites/ nor the shared parts in
 * handouts/common/.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch.h"
#include "diag.h"
#include "job.h"
#include "lint.h"
#include "patients.h"
#include "mail_cli.h"
#include "site.h"
#include "util.h"

#ifndef HANDOUT_SOURCE_DIR
#define HANDOUT_SOURCE_DIR "."
#endif

static const char usage_text[] =
    "usage: handout render HANDOUT.yaml [-l LAYOUT] [-s SITE] [-o FILE.pdf] "
    "[--impose] [--dump=tree|lines|pages]\n"
    "       handout render HANDOUT.yaml --patients FILE.csv --patient REF "
    "[-s SITE] [-o FILE.pdf] [--show-patient-data]\n"
    "       handout batch [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] "
    "[-s SITE] [-o OUTDIR] [-j JOBS] [--shard K/N] [--impose] [--fresh]\n"
    "       handout batch --patients FILE.csv [-s SITE] [-o OUTDIR] [-j JOBS] "
    "[--shard K/N] [--show-patient-data] [--fresh]\n"
    "       handout lint [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] "
    "[-s SITE] [--format text|json]\n"
    "       handout mail --patients FILE.csv --from ADDR (--smtp URL | --spool DIR) "
    "[--protect none|dob|passphrase] [--dry-run] ... (handout mail --help)\n"
    "       handout --help | --version\n";

static const char help_text[] =
    "\n"
    "Turn YAML patient leaflets about immunotherapy into print-ready PDFs.\n"
    "\n"
    "Commands:\n"
    "  render   one handout in one layout (default a4) to -o FILE.pdf\n"
    "           (default out/LAYOUT/ID.pdf), or a text dump of a stage\n"
    "  batch    every handout given (default: every handouts/*.yaml) in every\n"
    "           layout given (default: every layouts/*.yaml) into\n"
    "           OUTDIR/LAYOUT/HANDOUT.pdf (default OUTDIR: out); with --patients,\n"
    "           one leaflet per valid row (its handout and layout) into\n"
    "           OUTDIR/REF.pdf, mode 0600 (default OUTDIR: out/patients); and\n"
    "           OUTDIR/manifest.jsonl (path, pages, bytes, sha256, status);\n"
    "           a re-run keeps the leaflets an interrupted run finished\n"
    "  lint     check the handouts given (default: every handouts/*.yaml) and\n"
    "           the layouts (default: every layouts/*.yaml): readability,\n"
    "           length of lists and sentences, required parts, review date,\n"
    "           alt text, jargon, clear print, contrast; writes no PDF and\n"
    "           exits 1 only on errors (warnings and notes exit 0)\n"
    "  mail     email each patient in --patients FILE.csv with an address their\n"
    "           own leaflet, once (a journal records what was accepted), over\n"
    "           SMTP with STARTTLS or into a spool folder; see handout mail --help\n"
    "\n"
    "Options:\n"
    "  -l, --layout NAME   a layout in layouts/ (a4, letter, a4-justified) or a path\n"
    "  -s, --site NAME     the clinic profile in handouts/sites/ (default demo)\n"
    "                      or a path: the clinic's name, logo, phone lines and\n"
    "                      rules that fill in {{clinic.*}} in the handouts\n"
    "  -o, --output PATH   render: the PDF file; batch: the output folder\n"
    "  -j, --jobs N        batch: worker processes (default: number of cores)\n"
    "      --patients FILE.csv\n"
    "                      render, batch: per-patient leaflets from this patients\n"
    "                      file (ref, first_name, last_name, handout, layout, ...)\n"
    "      --patient REF   render: the row of --patients to render; HANDOUT must be\n"
    "                      the row's handout, the layout is the row's\n"
    "      --shard K/N     batch: only part K of N (1 <= K <= N <= 10000), for job\n"
    "                      arrays; the N parts together are the whole run; the\n"
    "                      manifest is OUTDIR/manifest-K-of-N.jsonl\n"
    "      --show-patient-data\n"
    "                      show patients' values (and the handouts they have) in\n"
    "                      messages and the manifest: for your own screen only\n"
    "      --dump=KIND     render: print the tree, lines or pages instead of a PDF\n"
    "      --fresh         batch: make every leaflet again, keeping none that an\n"
    "                      earlier run into OUTDIR finished\n"
    "      --impose        printer's sheets for layouts with a sheet: a5-booklet\n"
    "                      as saddle-stitch spreads on A4, wallet-card as ten\n"
    "                      cards on A4 with crop marks; other layouts as usual\n"
    "      --format=KIND   lint: text (file:line:col: level: message, default)\n"
    "                      or json (one object per line on standard output)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "Exit status: 0 done, 1 invalid input, 2 usage error, 3 I/O failure.\n"
    "Environment: HANDOUT_HOME (data folders), SOURCE_DATE_EPOCH (PDF dates),\n"
    "HANDOUT_TODAY (lint: the date review_by is checked against, YYYY-MM-DD).\n";

struct cli {
  const char *command;
  const char *layouts;   /* -l, may be comma separated for batch */
  const char *output;    /* -o */
  const char *site;      /* -s */
  const char *format;    /* --format (lint) */
  bool impose;           /* --impose */
  int jobs;              /* -j */
  const char *patients;  /* --patients FILE.csv */
  const char *patient;   /* --patient REF (render) */
  bool show_patient_data; /* --show-patient-data */
  int shard_k, shard_n;  /* --shard K/N; 0 0: the whole run */
  bool fresh;            /* --fresh (batch) */
  enum job_dump dump;
  char **inputs;
  int ninputs;
  char home[4096];
  char fonts[4200], layouts_dir[4200], handouts[4200], hyphenation[4200];
  char sites_dir[4200];
};

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "handout: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", usage_text);
  return JOB_USAGE;
}

static int parse_dump(const char *s, enum job_dump *out) {
  static const char *const names[DUMP__MAX] = {"none", "tree", "lines", "pages"};
  for (int i = 1; i < DUMP__MAX; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (enum job_dump)i;
      return 0;
    }
  return usage_error("--dump=%s is not a dump kind (expected tree, lines or pages)", s);
}

/* Parse options after the command; returns -1 to go on, else an exit code. */
static int parse_options(struct cli *cli, int argc, char **argv) {
  static const struct option opts[] = {
      {"dump", required_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
      {"jobs", required_argument, NULL, 'j'}, {"layout", required_argument, NULL, 'l'},
      {"format", required_argument, NULL, 'F'}, {"fresh", no_argument, NULL, 'N'},
      {"impose", no_argument, NULL, 'I'},
      {"output", required_argument, NULL, 'o'}, {"patient", required_argument, NULL, 'R'},
      {"patients", required_argument, NULL, 'P'}, {"shard", required_argument, NULL, 'S'},
      {"show-patient-data", no_argument, NULL, 'X'}, {"site", required_argument, NULL, 's'},
      {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":hj:l:o:s:", opts, NULL)) != -1) {
    switch (c) {
    case 'D':
      if (parse_dump(optarg, &cli->dump)) return JOB_USAGE;
      break;
    case 'h': fputs(usage_text, stdout); fputs(help_text, stdout); return 0;
    case 'j': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 1 || n > 256)
        return usage_error("-j %s is not a worker count (expected 1 to 256)", optarg);
      cli->jobs = (int)n;
      break;
    }
    case 'F':
      if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
        return usage_error("--format=%s is not an output form (expected text or json)",
                           optarg);
      cli->format = optarg;
      break;
    case 'l': cli->layouts = optarg; break;
    case 'I': cli->impose = true; break;
    case 'N': cli->fresh = true; break;
    case 'o': cli->output = optarg; break;
    case 'P': cli->patients = optarg; break;
    case 'R': cli->patient = optarg; break;
    case 'S':
      if (!batch_parse_shard(optarg, &cli->shard_k, &cli->shard_n))
        return usage_error("--shard %s is not a part of the work (expected K/N with "
                           "1 <= K <= N <= 10000, such as 3/8)", optarg);
      break;
    case 'X': cli->show_patient_data = true; break;
    case 's': cli->site = optarg; break;
    case ':': return usage_error("option %s needs a value", argv[optind - 1]);
    default: return usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  cli->inputs = argv + optind;
  cli->ninputs = argc - optind;
  return -1;
}

static void set_paths(struct cli *cli) {
  const char *home = getenv("HANDOUT_HOME");
  snprintf(cli->home, sizeof cli->home, "%s", home && *home ? home : HANDOUT_SOURCE_DIR);
  snprintf(cli->fonts, sizeof cli->fonts, "%s/fonts", cli->home);
  snprintf(cli->layouts_dir, sizeof cli->layouts_dir, "%s/layouts", cli->home);
  snprintf(cli->handouts, sizeof cli->handouts, "%s/handouts", cli->home);
  snprintf(cli->hyphenation, sizeof cli->hyphenation, "%s/layouts/hyphenation.txt",
           cli->home);
  snprintf(cli->sites_dir, sizeof cli->sites_dir, "%s/handouts/sites", cli->home);
}

/* "handouts/melanoma.yaml" -> "melanoma" (arena-free: caller frees). */
static char *file_stem(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  return xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

static bool make_dir(const char *path, struct diag *d) {
  if (mkdir(path, 0755) == 0 || errno == EEXIST) return true;
  diag_fail(d, "cannot create folder '%s': %s", path, strerror(errno));
  return false;
}

/* path and any missing folders above it (mkdir -p); the last gets mode. */
static bool make_dirs(const char *path, unsigned mode, struct diag *d) {
  char *p = xstrdup(path);
  bool ok = true;
  for (char *q = p + 1; *q && ok; q++) {
    if (*q != '/') continue;
    *q = '\0';
    if (mkdir(p, 0755) != 0 && errno != EEXIST) ok = false;
    *q = '/';
  }
  if (ok && mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) ok = false;
  if (!ok) diag_fail(d, "cannot create folder '%s': %s", path, strerror(errno));
  free(p);
  return ok;
}

/* A ref as patients.h allows it: [A-Za-z0-9._-]{1,64}, not starting with
 * '.'.  Anything else given to --patient is not echoed (it may be a name). */
static bool ref_syntax_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > PATIENTS_REF_MAX || s[0] == '.') return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
      return false;
  return true;
}

/* render --patients FILE --patient REF: the row, whose handout must be the
 * one given (compared by name: handouts/melanoma.yaml, or a draft
 * elsewhere called melanoma.yaml).  Returns 0 with *out set, or the exit
 * status after reporting. */
static int render_patient(struct cli *cli, struct diag *d, struct patient_list *pl,
                          const struct patient **out) {
  if (!cli->patient)
    return usage_error("render --patients needs --patient REF (batch --patients "
                       "renders every row)%s", "");
  if (cli->layouts)
    return usage_error("-l cannot be used with --patient (the layout is the "
                       "patient's row's)%s", "");
  if (!ref_syntax_ok(cli->patient))
    return usage_error("--patient takes a ref (expected 1 to 64 letters, digits, "
                       "'.', '_' or '-'; the value given is not shown)%s", "");
  if (!patients_load(cli->patients, cli->patients, cli->handouts, cli->layouts_dir,
                     d, pl))
    return pl->io_error ? JOB_IO : JOB_INVALID;
  const struct patient *p = patients_find(pl, cli->patient);
  if (!p) {
    diag_fail(d, "no valid row with ref '%s' in %s (expected the ref of a row "
                 "without errors)", cli->patient, cli->patients);
    return JOB_INVALID;
  }
  char *stem = file_stem(cli->inputs[0]);
  bool same = strcmp(stem, p->handout) == 0;
  free(stem);
  if (!same) {
    diag_error(d, p->field_pos[PF_HANDOUT],
               "the row with ref '%s' is for handout %s, not the one given "
               "(expected HANDOUT.yaml to be the row's handout%s)",
               p->ref, d->show_patient_data ? p->handout : "<redacted>",
               d->show_patient_data ? "" : "; --show-patient-data shows it");
    return JOB_USAGE;
  }
  *out = p;
  return 0;
}

static int cmd_render(struct cli *cli) {
  if (cli->ninputs != 1)
    return usage_error("render takes one handout file%s", "");
  if (cli->shard_n) return usage_error("--shard works with batch, not render%s", "");
  if (cli->fresh) return usage_error("--fresh works with batch, not render%s", "");
  if (cli->patient && !cli->patients)
    return usage_error("--patient needs --patients FILE.csv%s", "");
  struct diag d;
  diag_init(&d, stderr);
  d.show_patient_data = cli->show_patient_data;
  struct patient_list pl = {0};
  const struct patient *p = NULL;
  if (cli->patients) {
    int st = render_patient(cli, &d, &pl, &p);
    if (st) {
      patients_free(&pl);
      return st;
    }
  }
  const char *layout = p ? p->layout : cli->layouts ? cli->layouts : "a4";
  char *stem = file_stem(cli->inputs[0]);
  char *lstem = file_stem(layout);
  char *path = NULL;
  if (!cli->output && !cli->dump) {
    /* out/LAYOUT/ID.pdf; a patient's: out/patients/REF.pdf (ref only) */
    const char *dir = p ? "patients" : lstem, *name = p ? p->ref : stem;
    size_t n = strlen(dir) + strlen(name) + 16;
    path = xmalloc(n);
    snprintf(path, n, "out/%s", dir);
    if (!make_dirs(path, p ? 0700 : 0755, &d)) {
      free(stem), free(lstem), free(path);
      patients_free(&pl);
      return JOB_IO;
    }
    snprintf(path, n, "out/%s/%s.pdf", dir, name);
  }
  char datebuf[40];
  int errors_before = d.count[DIAG_ERROR]; /* bad rows of other patients */
  struct job job = {.handout = cli->inputs[0],
                    .layout = layout,
                    .out_path = cli->output ? cli->output : path,
                    .dump = cli->dump,
                    .dump_out = stdout,
                    .date = job_date_from_env(&d, datebuf, sizeof datebuf),
                    .site = cli->site ? cli->site : SITE_DEFAULT,
                    .impose = cli->impose,
                    .patient = p,
                    .mode = p ? 0600 : 0};
  struct job_paths paths = {cli->fonts, cli->layouts_dir, cli->hyphenation,
                            cli->sites_dir};
  struct diag jd; /* the job's own: compose fails on any error counted */
  diag_init(&jd, stderr);
  jd.show_patient_data = cli->show_patient_data;
  int status = d.count[DIAG_ERROR] > errors_before
                   ? JOB_USAGE
                   : (int)job_run(&job, &paths, NULL, &jd);
  if (status == JOB_OK && pl.nbad) status = JOB_INVALID; /* other rows were bad */
  free(stem), free(lstem), free(path);
  patients_free(&pl);
  return status;
}

/* ---- batch ------------------------------------------------------------ */

struct names {
  char **v;
  size_t n, cap;
};

static void names_add(struct names *ns, char *s) { *VEC_PUSH(ns->v, ns->n, ns->cap) = s; }

static void names_free(struct names *ns) {
  for (size_t i = 0; i < ns->n; i++) free(ns->v[i]);
  free(ns->v);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml files directly inside dir (not in sub-folders), sorted. */
static bool list_yaml(const char *dir, struct names *out, struct diag *d) {
  DIR *dh = opendir(dir);
  if (!dh) {
    diag_fail(d, "cannot read folder '%s': %s", dir, strerror(errno));
    return false;
  }
  size_t first = out->n;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 && e->d_name[0] != '.') {
      size_t n = strlen(dir) + len + 2;
      char *path = xmalloc(n);
      snprintf(path, n, "%s/%s", dir, e->d_name);
      names_add(out, path);
    }
  }
  closedir(dh);
  qsort(out->v + first, out->n - first, sizeof *out->v, cmp_str);
  return true;
}

static bool collect_handouts(struct cli *cli, struct names *out, struct diag *d) {
  if (cli->ninputs == 0) return list_yaml(cli->handouts, out, d);
  for (int i = 0; i < cli->ninputs; i++) {
    struct stat st;
    if (stat(cli->inputs[i], &st) != 0) {
      diag_fail(d, "cannot read '%s': %s", cli->inputs[i], strerror(errno));
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      if (!list_yaml(cli->inputs[i], out, d)) return false;
    } else {
      names_add(out, xstrdup(cli->inputs[i]));
    }
  }
  return true;
}

static bool collect_layouts(struct cli *cli, struct names *out, struct diag *d) {
  if (!cli->layouts) return list_yaml(cli->layouts_dir, out, d);
  char *copy = xstrdup(cli->layouts);
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save))
    names_add(out, xstrdup(tok));
  free(copy);
  return true;
}

/* The default worker count: one per core. */
static int default_jobs(const struct cli *cli) {
  long n = cli->jobs ? cli->jobs : sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* Strings the batch items point at, freed together. */
static char *keep(struct names *owned, char *s) {
  names_add(owned, s);
  return s;
}

/* One item per valid patient row: its handout in its layout (large-print
 * when the row asks) into OUTDIR/REF.pdf. */
static struct batch_item *patient_items(struct cli *cli, const struct patient_list *pl,
                                        struct names *owned, size_t *n) {
  struct batch_item *items = xcalloc(pl->count ? pl->count : 1, sizeof *items);
  for (size_t i = 0; i < pl->count; i++) {
    const struct patient *p = &pl->patients[i];
    size_t hn = strlen(cli->handouts) + strlen(p->handout) + 8;
    char *handout = keep(owned, xmalloc(hn));
    snprintf(handout, hn, "%s/%s.yaml", cli->handouts, p->handout);
    size_t rn = strlen(p->ref) + 5;
    char *rel = keep(owned, xmalloc(rn));
    snprintf(rel, rn, "%s.pdf", p->ref);
    items[i] = (struct batch_item){handout, p->layout, p->handout, p->layout, rel, p};
  }
  *n = pl->count;
  return items;
}

/* Every handout in every layout (layout by layout) into
 * OUTDIR/LAYOUT/HANDOUT.pdf. */
static struct batch_item *generic_items(const struct names *hs, const struct names *ls,
                                        struct names *owned, size_t *n) {
  size_t total = hs->n * ls->n;
  struct batch_item *items = xcalloc(total ? total : 1, sizeof *items);
  for (size_t i = 0; i < total; i++) {
    const char *handout = hs->v[i % hs->n], *layout = ls->v[i / hs->n];
    char *hstem = keep(owned, file_stem(handout));
    char *lstem = keep(owned, file_stem(layout));
    size_t rn = strlen(hstem) + strlen(lstem) + 6;
    char *rel = keep(owned, xmalloc(rn));
    snprintf(rel, rn, "%s/%s.pdf", lstem, hstem);
    items[i] = (struct batch_item){handout, layout, hstem, lstem, rel, NULL};
  }
  *n = total;
  return items;
}

/* The line at the end of every batch: counts, time and speed, never a
 * patient's value. */
static void batch_summary(const struct cli *cli, const struct batch_result *r,
                          const char *outdir, size_t all, size_t nhandouts,
                          size_t nlayouts, size_t rows_skipped) {
  const char *what = cli->patients ? "leaflets" : "PDFs";
  char shard[64] = "";
  if (cli->shard_n)
    snprintf(shard, sizeof shard, "shard %d/%d: ", cli->shard_k, cli->shard_n);
  if (r->interrupted) {
    fprintf(stderr,
            "handout: %sinterrupted by %s: %zu of %zu %s written to %s/; no "
            "manifest written (a manifest means a complete run); the same "
            "command again makes the other %zu\n",
            shard, r->signal == SIGINT ? "SIGINT" : "SIGTERM", r->ok, r->total,
            what, outdir, r->total - r->ok);
    return;
  }
  struct strbuf b = {0};
  if (cli->patients)
    strbuf_printf(&b, "%zu row%s skipped", rows_skipped, rows_skipped == 1 ? "" : "s");
  else
    strbuf_printf(&b, "%zu handouts x %zu layouts", nhandouts, nlayouts);
  if (cli->shard_n) strbuf_printf(&b, "; %zu in all shards", all);
  size_t failed = r->invalid + r->io, not_made = r->total - r->ok - failed;
  if (failed) strbuf_printf(&b, "; %zu failed", failed);
  if (not_made) strbuf_printf(&b, "; %zu not made: the batch stopped", not_made);
  if (r->kept) strbuf_printf(&b, "; %zu kept from an earlier run", r->kept);
  if (r->hidden)
    strbuf_printf(&b, "; %zu message%s not shown: --show-patient-data", r->hidden,
                  r->hidden == 1 ? "" : "s");
  double rate = r->seconds > 0 ? (double)(r->ok - r->kept) / r->seconds : 0;
  fprintf(stderr, "handout: %s%zu of %zu %s written to %s/ (%s) in %.2f s, %.1f leaflets/s\n",
          shard, r->ok, r->total, what, outdir, b.data, r->seconds, rate);
  strbuf_free(&b);
}

static int cmd_batch(struct cli *cli) {
  struct diag d;
  diag_init(&d, stderr);
  d.show_patient_data = cli->show_patient_data;
  if (cli->dump) return usage_error("--dump works with render, not batch%s", "");
  if (cli->patient)
    return usage_error("--patient works with render (batch --patients renders "
                       "every row)%s", "");
  if (cli->patients && (cli->ninputs || cli->layouts))
    return usage_error("batch --patients takes no handouts and no -l (each row "
                       "names its handout and layout)%s", "");
  struct names hs = {0}, ls = {0}, owned = {0};
  struct patient_list pl = {0};
  struct batch_item *items = NULL;
  size_t nitems = 0;
  const char *outdir =
      cli->output ? cli->output : cli->patients ? "out/patients" : "out";
  int status = JOB_IO;
  char datebuf[40];
  const char *date = job_date_from_env(&d, datebuf, sizeof datebuf);
  if (diag_has_errors(&d)) {
    status = JOB_USAGE;
    goto done;
  }
  /* the clinic profile once, up front: a bad one would fail every job */
  struct site *site = load_site(cli->site ? cli->site : SITE_DEFAULT,
                                cli->sites_dir, &d);
  if (!site) {
    status = JOB_INVALID;
    goto done;
  }
  site_free(site);
  if (cli->patients) {
    if (!patients_load(cli->patients, cli->patients, cli->handouts,
                       cli->layouts_dir, &d, &pl)) {
      status = pl.io_error ? JOB_IO : JOB_INVALID;
      goto done;
    }
    items = patient_items(cli, &pl, &owned, &nitems);
  } else {
    if (!collect_handouts(cli, &hs, &d) || !collect_layouts(cli, &ls, &d)) goto done;
    if (hs.n == 0 || ls.n == 0) {
      diag_fail(&d, "nothing to do: %zu handouts, %zu layouts", hs.n, ls.n);
      status = JOB_USAGE;
      goto done;
    }
    items = generic_items(&hs, &ls, &owned, &nitems);
  }
  size_t all = nitems;
  if (cli->shard_n)
    nitems = batch_select_shard(items, nitems, cli->shard_k, cli->shard_n);
  /* patients' leaflets: a folder only its owner can read */
  if (!make_dirs(outdir, cli->patients ? 0700 : 0755, &d)) goto done;
  for (size_t i = 0; i < ls.n; i++) {
    char *lstem = file_stem(ls.v[i]);
    size_t n = strlen(outdir) + strlen(lstem) + 2;
    char *dir = xmalloc(n);
    snprintf(dir, n, "%s/%s", outdir, lstem);
    bool ok = make_dir(dir, &d);
    free(dir), free(lstem);
    if (!ok) goto done;
  }
  struct batch_options o = {
      .outdir = outdir,
      .site = cli->site ? cli->site : SITE_DEFAULT,
      .date = date,
      .impose = cli->impose,
      .jobs = default_jobs(cli),
      .patients = cli->patients != NULL,
      .csv_path = cli->patients,
      .show_patient_data = cli->show_patient_data,
      .progress = isatty(STDERR_FILENO) == 1,
      .shard_k = cli->shard_k,
      .shard_n = cli->shard_n,
      .fresh = cli->fresh,
  };
  struct job_paths paths = {cli->fonts, cli->layouts_dir, cli->hyphenation,
                            cli->sites_dir};
  struct batch_result r;
  status = batch_run(items, nitems, &o, &paths, &d, &r);
  batch_summary(cli, &r, outdir, all, hs.n, ls.n, pl.nbad);
  if (status == JOB_OK && pl.nbad) status = JOB_INVALID; /* rows skipped */
done:
  free(items);
  names_free(&owned);
  names_free(&hs);
  names_free(&ls);
  patients_free(&pl);
  return status;
}

/* ---- lint ------------------------------------------------------------- */

static int cmd_lint(struct cli *cli) {
  if (cli->dump || cli->output || cli->jobs || cli->impose || cli->patients ||
      cli->patient || cli->shard_n || cli->show_patient_data || cli->fresh)
    return usage_error("lint takes handouts, -l, -s and --format only%s", "");
  char today[16];
  if (!lint_today(today, sizeof today))
    return usage_error("HANDOUT_TODAY=%s is not a date (expected YYYY-MM-DD)",
                       getenv("HANDOUT_TODAY"));
  struct diag d;
  diag_init(&d, stderr);
  struct names ls = {0};
  if (cli->layouts) {
    char *copy = xstrdup(cli->layouts);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
      names_add(&ls, xstrdup(tok));
    free(copy);
  }
  char glossary[4300];
  snprintf(glossary, sizeof glossary, "%s/lint/glossary.yaml", cli->handouts);
  struct lint_options opt = {
      .format = cli->format && strcmp(cli->format, "json") == 0 ? LINT_JSON : LINT_TEXT,
      .today = today,
      .layouts_dir = cli->layouts_dir,
      .glossary = glossary,
      .sites_dir = cli->sites_dir,
      .out = stdout,
      .layouts = (const char *const *)ls.v,
      .nlayouts = ls.n,
      .hyphenation = cli->hyphenation,
      .site = cli->site,
  };
  char *dflt[1] = {cli->handouts};
  int errors = cli->ninputs ? lint_run(cli->inputs, cli->ninputs, &opt, &d)
                            : lint_run(dflt, 1, &opt, &d);
  names_free(&ls);
  fflush(stdout);
  return errors ? JOB_INVALID : JOB_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return JOB_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    fputs(usage_text, stdout);
    fputs(help_text, stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    printf("handout %s\n", HANDOUT_VERSION);
    return 0;
  }
  struct cli cli = {0};
  cli.command = cmd;
  set_paths(&cli);
  if (strcmp(cmd, "mail") == 0) { /* own options: src/mail_cli.c */
    struct job_paths paths = {cli.fonts, cli.layouts_dir, cli.hyphenation,
                              cli.sites_dir};
    return mail_main(argc - 1, argv + 1, &paths);
  }
  int rc = parse_options(&cli, argc - 1, argv + 1);
  if (rc >= 0) return rc;
  if (cli.format && strcmp(cmd, "lint") != 0)
    return usage_error("--format works with lint only%s", "");
  if (strcmp(cmd, "render") == 0) return cmd_render(&cli);
  if (strcmp(cmd, "batch") == 0) return cmd_batch(&cli);
  if (strcmp(cmd, "lint") == 0) return cmd_lint(&cli);
  return usage_error("unknown command '%s' (expected render, batch, lint or mail)", cmd);
}
