/* job: one handout in one layout to a PDF.  See job.h. */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "dump.h"
#include "font.h"
#include "hyph.h"
#include "impose.h"
#include "load.h"
#include "paginate.h"
#include "render.h"
#include "sha256.h"
#include "resolve.h"
#include "site.h"
#include "util.h"

const char *job_date_from_env(struct diag *d, char *buf, size_t size) {
  const char *s = getenv("SOURCE_DATE_EPOCH");
  if (!s || !*s) return NULL;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < 0 || v > 253402300799LL) {
    diag_fail(d, "SOURCE_DATE_EPOCH is '%s' (expected seconds since 1970 as a "
                 "whole number)", s);
    return NULL;
  }
  time_t t = (time_t)v;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, size, "D:%Y%m%d%H%M%S+00'00'", &tm);
  return buf;
}

/* The handout's publication date at midnight UTC. */
static const char *date_from_doc(const struct doc *doc, struct arena *a) {
  int y, m, dd;
  if (sscanf(doc->published, "%4d-%2d-%2d", &y, &m, &dd) != 3)
    return "D:20000101000000+00'00'";
  return arena_printf(a, "D:%04d%02d%02d000000+00'00'", y, m, dd);
}

bool job_write_atomic(const char *path, const void *data, size_t len,
                      unsigned mode, struct diag *d) {
  struct stat st; /* a folder: say so before any temporary file is made */
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    diag_fail(d, "cannot write '%s': Is a directory (expected the path of a "
                 "file, not a folder)", path);
    return false;
  }
  char *dir_copy = xstrdup(path);
  const char *dir = dirname(dir_copy);
  char *tmp = xmalloc(strlen(path) + 16);
  sprintf(tmp, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  bool ok = false;
  if (fd < 0) {
    diag_fail(d, "cannot create a file in '%s': %s", dir, strerror(errno));
    goto done;
  }
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      diag_fail(d, "cannot write '%s': %s", path, strerror(n < 0 ? errno : EIO));
      goto fail;
    }
    p += n, left -= (size_t)n;
  }
  if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
    diag_fail(d, "cannot write '%s': %s", path, strerror(errno));
    goto fail;
  }
  if (close(fd) != 0) {
    fd = -1;
    diag_fail(d, "cannot write '%s': %s", path, strerror(errno));
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) != 0) {
    diag_fail(d, "cannot write '%s': %s", path, strerror(errno));
    goto fail;
  }
  ok = true;
  goto done;
fail:
  if (fd >= 0) close(fd);
  unlink(tmp);
done:
  free(tmp);
  free(dir_copy);
  return ok;
}

/* Phase timings on stderr when $HANDOUT_PROFILE is set (for tests/bench). */
struct phase_clock {
  bool on;
  double last;
};

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void phase(struct phase_clock *pc, const char *name) {
  if (!pc->on) return;
  double now = cpu_ms();
  if (name) fprintf(stderr, "phase %-9s %8.3f ms\n", name, now - pc->last);
  pc->last = now;
}

/* A layout with what it needs loaded: fonts and the hyphenator. */
struct layout_res {
  char *key; /* the layout name or path as the job gave it */
  struct pagedef *pd;
  struct fontset fs;
  bool fonts_loaded;
  struct hyph *hy;
};

/* A clinic profile, by the name or path the job gave. */
struct site_res {
  char *key;
  struct site *site;
};

struct job_cache {
  struct layout_res *v;
  size_t n, cap;
  struct site_res *sites;
  size_t nsites, capsites;
  struct render_cache *render; /* images and font subsets, embeddable */
};

struct job_cache *job_cache_new(void) {
  struct job_cache *c = xcalloc(1, sizeof(struct job_cache));
  c->render = render_cache_new();
  return c;
}

static void layout_res_free(struct layout_res *r) {
  pagedef_free(r->pd);
  if (r->fonts_loaded) fontset_free(&r->fs);
  if (r->hy) hyph_free(r->hy);
  free(r->key);
  memset(r, 0, sizeof *r);
}

void job_cache_free(struct job_cache *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) layout_res_free(&c->v[i]);
  free(c->v);
  for (size_t i = 0; i < c->nsites; i++) {
    site_free(c->sites[i].site);
    free(c->sites[i].key);
  }
  free(c->sites);
  render_cache_free(c->render);
  free(c);
}

static bool layout_res_load(struct layout_res *r, const char *layout, bool fonts,
                            const struct job_paths *paths, struct diag *d) {
  r->key = xstrdup(layout);
  r->pd = load_pagedef(layout, paths->layouts_dir, d);
  if (!r->pd || !fonts) return r->pd != NULL;
  r->fonts_loaded = fontset_load(&r->fs, r->pd, paths->fonts_dir, d);
  if (!r->fonts_loaded) return false;
  if (r->pd->hyphenate) {
    const char *exc = paths->hyphenation;
    if (exc && access(exc, R_OK) != 0) exc = NULL;
    r->hy = hyph_open(r->pd->hyphen_language, exc, d);
    if (!r->hy) return false;
  }
  return true;
}

/* Everything a job builds, released in one place. */
struct job_state {
  struct doc *doc;
  struct site *own_site;        /* used when there is no cache */
  const struct site *site;      /* own_site, or an entry of the cache */
  struct layout_res own;        /* used when there is no cache */
  const struct layout_res *lay; /* own, or an entry of the cache */
  struct arena *arena;
  unsigned char *pdf; /* finished as render wrote it (render_write.h) */
};

static void job_state_free(struct job_state *s) {
  doc_free(s->doc);
  site_free(s->own_site);
  layout_res_free(&s->own);
  arena_free(s->arena);
  free(s->pdf);
}

/* The folder include: paths are resolved against: the handout's own. */
static char *include_root(const char *handout) {
  char *copy = xstrdup(handout);
  char *root = xstrdup(dirname(copy));
  free(copy);
  return root;
}

/* The job's layout from the cache, loading it into the cache if new.  A
 * layout that fails to load is not kept, so its errors show for each job. */
static const struct layout_res *cached_layout(struct job_cache *c, const char *layout,
                                              const struct job_paths *paths,
                                              struct diag *d) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->v[i].key, layout) == 0) return &c->v[i];
  struct layout_res r = {0};
  if (!layout_res_load(&r, layout, true, paths, d)) {
    layout_res_free(&r);
    return NULL;
  }
  *VEC_PUSH(c->v, c->n, c->cap) = r;
  return &c->v[c->n - 1];
}

/* The job's clinic profile from the cache, loading it if new (a profile
 * that fails to load is not kept, so its errors show for each job). */
static const struct site *cached_site(struct job_cache *c, const char *name,
                                      const struct job_paths *paths,
                                      struct diag *d) {
  for (size_t i = 0; i < c->nsites; i++)
    if (strcmp(c->sites[i].key, name) == 0) return c->sites[i].site;
  struct site *site = load_site(name, paths->sites_dir, d);
  if (!site) return NULL;
  struct site_res *r = VEC_PUSH(c->sites, c->nsites, c->capsites);
  r->key = xstrdup(name);
  r->site = site;
  return site;
}

static bool load_inputs(const struct job *job, const struct job_paths *paths,
                        struct job_cache *cache, struct job_state *s,
                        struct diag *d) {
  char *root = include_root(job->handout);
  s->doc = job->handout_bytes
               ? load_handout_mem(job->handout, job->handout_bytes,
                                  job->handout_len, root, d)
               : load_handout(job->handout, root, d);
  free(root);
  const char *site = job->site ? job->site : SITE_DEFAULT;
  if (cache)
    s->site = cached_site(cache, site, paths, d);
  else
    s->site = s->own_site = load_site(site, paths->sites_dir, d);
  if (s->doc && s->site &&
      !resolve_doc_patient(s->doc, s->site, job->patient, d)) {
    doc_free(s->doc);
    s->doc = NULL;
  }
  bool fonts = job->dump != DUMP_TREE;
  if (cache && fonts) {
    s->lay = cached_layout(cache, job->layout, paths, d);
  } else if (layout_res_load(&s->own, job->layout, fonts, paths, d)) {
    s->lay = &s->own;
  }
  return s->doc && s->site && s->lay;
}

enum job_status job_run(const struct job *job, const struct job_paths *paths,
                        struct job_cache *cache, struct diag *d) {
  struct job_state s = {0};
  enum job_status status = JOB_INVALID;
  struct phase_clock pc = {getenv("HANDOUT_PROFILE") != NULL, 0};
  phase(&pc, NULL);
  s.arena = arena_new();
  if (!load_inputs(job, paths, cache, &s, d)) goto out;
  const struct pagedef *pd = s.lay->pd;
  struct fontset *fs = (struct fontset *)&s.lay->fs;
  phase(&pc, "load");
  if (job->dump == DUMP_TREE) {
    dump_tree(job->dump_out, s.doc);
    status = JOB_OK;
    goto out;
  }
  struct galley g;
  bool composed =
      pd->kind == PAGEDEF_CARD
          ? compose_card(s.doc, pd, fs, s.arena, d, &g)
          : compose_doc(s.doc, s.site, pd, fs, s.lay->hy,
                        paginate_column_width(pd), s.arena, d, &g);
  if (!composed) goto out;
  phase(&pc, "compose");
  if (job->dump == DUMP_LINES) {
    dump_lines(job->dump_out, &g);
    status = JOB_OK;
    goto out;
  }
  const char *date = job->date ? job->date : date_from_doc(s.doc, s.arena);
  struct pg_doc pg;
  if (!paginate(&g, s.doc, pd, fs, date, s.arena, d, &pg)) goto out;
  if ((job->impose || pd->sheet.always) &&
      pd->sheet.imposition != IMPOSE_NONE) {
    struct pg_doc sheets;
    if (!impose_doc(&pg, pd, s.arena, d, &sheets)) goto out;
    pg = sheets;
  }
  phase(&pc, "paginate");
  if (job->dump == DUMP_PAGES) {
    dump_pages(job->dump_out, &pg);
    status = JOB_OK;
    goto out;
  }
  size_t len;
  s.pdf = render_pdf(&pg, fs, cache ? cache->render : NULL, d, &len);
  if (!s.pdf) goto out;
  phase(&pc, "render");
  if (job->result) {
    job->result->pages = (int)pg.npages;
    job->result->bytes = len;
    sha256_hex(s.pdf, len, job->result->sha256);
  }
  if (job->pdf_out) { /* in memory: hand the PDF over */
    *job->pdf_out = s.pdf;
    *job->pdf_len = len;
    s.pdf = NULL;
    status = JOB_OK;
    goto out;
  }
  status = job_write_atomic(job->out_path, s.pdf, len, job->mode ? job->mode : 0644, d)
               ? JOB_OK
               : JOB_IO;
  phase(&pc, "write");
out:
  job_state_free(&s);
  return status;
}

unsigned char *job_render_mem(const char *name, const char *bytes, size_t len,
                              const char *layout, const char *date,
                              const struct job_paths *paths,
                              struct job_cache *cache, struct diag *d,
                              size_t *len_out) {
  unsigned char *pdf = NULL;
  size_t pdf_len = 0;
  struct job job = {0};
  job.handout = name;
  job.layout = layout;
  job.date = date;
  job.handout_bytes = bytes ? bytes : "";
  job.handout_len = len;
  job.pdf_out = &pdf;
  job.pdf_len = &pdf_len;
  if (job_run(&job, paths, cache, d) != JOB_OK) {
    free(pdf);
    return NULL;
  }
  *len_out = pdf_len;
  return pdf;
}
