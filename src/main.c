/*
 * main: the handout command line, a thin layer over the library.
 *
 *   handout render HANDOUT.yaml [-l LAYOUT] [-s SITE] [-o FILE.pdf] [--dump=tree|lines|pages]
 *   handout batch [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] [-s SITE] [-o OUTDIR] [-j JOBS]
 *   handout lint [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] [-s SITE] [--format text|json]
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "job.h"
#include "lint.h"
#include "site.h"
#include "util.h"

#ifndef HANDOUT_SOURCE_DIR
#define HANDOUT_SOURCE_DIR "."
#endif

static const char usage_text[] =
    "usage: handout render HANDOUT.yaml [-l LAYOUT] [-s SITE] [-o FILE.pdf] "
    "[--impose] [--dump=tree|lines|pages]\n"
    "       handout batch [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] "
    "[-s SITE] [-o OUTDIR] [-j JOBS] [--impose]\n"
    "       handout lint [HANDOUT.yaml|DIR ...] [-l LAYOUT[,LAYOUT...]] "
    "[-s SITE] [--format text|json]\n"
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
    "           OUTDIR/LAYOUT/HANDOUT.pdf (default OUTDIR: out)\n"
    "  lint     check the handouts given (default: every handouts/*.yaml) and\n"
    "           the layouts (default: every layouts/*.yaml): readability,\n"
    "           length of lists and sentences, required parts, review date,\n"
    "           alt text, jargon, clear print, contrast; writes no PDF and\n"
    "           exits 1 only on errors (warnings and notes exit 0)\n"
    "\n"
    "Options:\n"
    "  -l, --layout NAME   a layout in layouts/ (a4, letter, a4-justified) or a path\n"
    "  -s, --site NAME     the clinic profile in handouts/sites/ (default demo)\n"
    "                      or a path: the clinic's name, logo, phone lines and\n"
    "                      rules that fill in {{clinic.*}} in the handouts\n"
    "  -o, --output PATH   render: the PDF file; batch: the output folder\n"
    "  -j, --jobs N        batch: worker processes (default: number of cores)\n"
    "      --dump=KIND     render: print the tree, lines or pages instead of a PDF\n"
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
      {"format", required_argument, NULL, 'F'}, {"impose", no_argument, NULL, 'I'},
      {"output", required_argument, NULL, 'o'}, {"site", required_argument, NULL, 's'},
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
    case 'o': cli->output = optarg; break;
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

static int cmd_render(struct cli *cli) {
  if (cli->ninputs != 1)
    return usage_error("render takes one handout file%s", "");
  struct diag d;
  diag_init(&d, stderr);
  const char *layout = cli->layouts ? cli->layouts : "a4";
  char *stem = file_stem(cli->inputs[0]);
  char *lstem = file_stem(layout);
  char *path = NULL;
  if (!cli->output && !cli->dump) {
    size_t n = strlen(stem) + strlen(lstem) + 16;
    path = xmalloc(n);
    snprintf(path, n, "out/%s", lstem);
    if (!make_dir("out", &d) || !make_dir(path, &d)) {
      free(stem), free(lstem), free(path);
      return JOB_IO;
    }
    snprintf(path, n, "out/%s/%s.pdf", lstem, stem);
  }
  char datebuf[40];
  struct job job = {.handout = cli->inputs[0],
                    .layout = layout,
                    .out_path = cli->output ? cli->output : path,
                    .dump = cli->dump,
                    .dump_out = stdout,
                    .date = job_date_from_env(&d, datebuf, sizeof datebuf),
                    .site = cli->site ? cli->site : SITE_DEFAULT,
                    .impose = cli->impose};
  struct job_paths paths = {cli->fonts, cli->layouts_dir, cli->hyphenation,
                            cli->sites_dir};
  int status = diag_has_errors(&d) ? JOB_USAGE : (int)job_run(&job, &paths, NULL, &d);
  free(stem), free(lstem), free(path);
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

/* Run the jobs with index % nworkers == w; one status byte per job to fd. */
static void batch_worker(struct cli *cli, const struct names *hs,
                         const struct names *ls, const char *outdir, int w,
                         int nworkers, int fd) {
  struct job_paths paths = {cli->fonts, cli->layouts_dir, cli->hyphenation,
                            cli->sites_dir};
  char datebuf[40];
  size_t total = hs->n * ls->n;
  struct job_cache *cache = job_cache_new();
  for (size_t i = (size_t)w; i < total; i += (size_t)nworkers) {
    const char *handout = hs->v[i % hs->n], *layout = ls->v[i / hs->n];
    struct diag d;
    diag_init(&d, stderr);
    char *hstem = file_stem(handout), *lstem = file_stem(layout);
    size_t n = strlen(outdir) + strlen(hstem) + strlen(lstem) + 8;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/%s/%s.pdf", outdir, lstem, hstem);
    struct job job = {.handout = handout,
                      .layout = layout,
                      .out_path = path,
                      .dump = DUMP_NONE,
                      .date = job_date_from_env(&d, datebuf, sizeof datebuf),
                      .site = cli->site ? cli->site : SITE_DEFAULT,
                      .impose = cli->impose};
    unsigned char status = (unsigned char)job_run(&job, &paths, cache, &d);
    if (write(fd, &status, 1) != 1) status = JOB_IO;
    free(hstem), free(lstem), free(path);
  }
  job_cache_free(cache);
}

static int worker_count(const struct cli *cli, size_t total) {
  long n = cli->jobs ? cli->jobs : sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if ((size_t)n > total) n = (long)(total ? total : 1);
  return (int)n;
}

/* Fork the workers and gather one status byte per job. */
static int run_workers(struct cli *cli, const struct names *hs,
                       const struct names *ls, const char *outdir, size_t *failed) {
  size_t total = hs->n * ls->n;
  int nworkers = worker_count(cli, total);
  int fds[2];
  if (pipe(fds) != 0) return JOB_IO;
  fflush(NULL);
  for (int w = 0; w < nworkers; w++) {
    pid_t pid = fork();
    if (pid < 0) return JOB_IO;
    if (pid == 0) {
      close(fds[0]);
      batch_worker(cli, hs, ls, outdir, w, nworkers, fds[1]);
      _exit(0);
    }
  }
  close(fds[1]);
  int worst = JOB_OK;
  size_t got = 0;
  unsigned char st;
  while (read(fds[0], &st, 1) == 1) {
    got++;
    if (st != JOB_OK) (*failed)++;
    if (st > worst) worst = st;
  }
  close(fds[0]);
  int wstatus;
  while (wait(&wstatus) > 0)
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) worst = JOB_IO;
  if (got < total) {
    *failed += total - got; /* a worker died without reporting */
    worst = JOB_IO;
  }
  return worst;
}

static int cmd_batch(struct cli *cli) {
  struct diag d;
  diag_init(&d, stderr);
  if (cli->dump) return usage_error("--dump works with render, not batch%s", "");
  struct names hs = {0}, ls = {0};
  const char *outdir = cli->output ? cli->output : "out";
  int status = JOB_IO;
  if (!collect_handouts(cli, &hs, &d) || !collect_layouts(cli, &ls, &d)) goto done;
  if (hs.n == 0 || ls.n == 0) {
    diag_fail(&d, "nothing to do: %zu handouts, %zu layouts", hs.n, ls.n);
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
  if (!make_dir(outdir, &d)) goto done;
  for (size_t i = 0; i < ls.n; i++) {
    char *lstem = file_stem(ls.v[i]);
    size_t n = strlen(outdir) + strlen(lstem) + 2;
    char *dir = xmalloc(n);
    snprintf(dir, n, "%s/%s", outdir, lstem);
    bool ok = make_dir(dir, &d);
    free(dir), free(lstem);
    if (!ok) goto done;
  }
  size_t failed = 0, total = hs.n * ls.n;
  status = run_workers(cli, &hs, &ls, outdir, &failed);
  fprintf(stderr, "handout: %zu of %zu PDFs written to %s/ (%zu handouts x %zu layouts)%s\n",
          total - failed, total, outdir, hs.n, ls.n, failed ? ", some failed" : "");
done:
  names_free(&hs);
  names_free(&ls);
  return status;
}

/* ---- lint ------------------------------------------------------------- */

static int cmd_lint(struct cli *cli) {
  if (cli->dump || cli->output || cli->jobs || cli->impose)
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
  int rc = parse_options(&cli, argc - 1, argv + 1);
  if (rc >= 0) return rc;
  if (cli.format && strcmp(cmd, "lint") != 0)
    return usage_error("--format works with lint only%s", "");
  if (strcmp(cmd, "render") == 0) return cmd_render(&cli);
  if (strcmp(cmd, "batch") == 0) return cmd_batch(&cli);
  if (strcmp(cmd, "lint") == 0) return cmd_lint(&cli);
  return usage_error("unknown command '%s' (expected render, batch or lint)", cmd);
}
