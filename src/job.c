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
#include "load.h"
#include "paginate.h"
#include "pdffix.h"
#include "render.h"
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

/* Everything a job builds, released in one place. */
struct job_state {
  struct doc *doc;
  struct pagedef *pd;
  struct fontset fs;
  bool fonts_loaded;
  struct hyph *hy;
  struct arena *arena;
  unsigned char *raw, *pdf;
};

static void job_state_free(struct job_state *s) {
  doc_free(s->doc);
  pagedef_free(s->pd);
  if (s->fonts_loaded) fontset_free(&s->fs);
  if (s->hy) hyph_free(s->hy);
  arena_free(s->arena);
  free(s->raw);
  free(s->pdf);
}

/* The folder include: paths are resolved against: the handout's own. */
static char *include_root(const char *handout) {
  char *copy = xstrdup(handout);
  char *root = xstrdup(dirname(copy));
  free(copy);
  return root;
}

static bool load_inputs(const struct job *job, const struct job_paths *paths,
                        struct job_state *s, struct diag *d) {
  char *root = include_root(job->handout);
  s->doc = load_handout(job->handout, root, d);
  free(root);
  s->pd = load_pagedef(job->layout, paths->layouts_dir, d);
  if (!s->doc || !s->pd) return false;
  if (job->dump == DUMP_TREE) return true;
  s->fonts_loaded = fontset_load(&s->fs, s->pd, paths->fonts_dir, d);
  if (!s->fonts_loaded) return false;
  if (s->pd->hyphenate) {
    const char *exc = paths->hyphenation;
    if (exc && access(exc, R_OK) != 0) exc = NULL;
    s->hy = hyph_open(s->pd->hyphen_language, exc, d);
    if (!s->hy) return false;
  }
  return true;
}

enum job_status job_run(const struct job *job, const struct job_paths *paths,
                        struct diag *d) {
  struct job_state s = {0};
  enum job_status status = JOB_INVALID;
  s.arena = arena_new();
  if (!load_inputs(job, paths, &s, d)) goto out;
  if (job->dump == DUMP_TREE) {
    dump_tree(job->dump_out, s.doc);
    status = JOB_OK;
    goto out;
  }
  struct galley g;
  if (!compose_doc(s.doc, s.pd, &s.fs, s.hy, paginate_column_width(s.pd),
                   s.arena, d, &g))
    goto out;
  if (job->dump == DUMP_LINES) {
    dump_lines(job->dump_out, &g);
    status = JOB_OK;
    goto out;
  }
  const char *date = job->date ? job->date : date_from_doc(s.doc, s.arena);
  struct pg_doc pg;
  if (!paginate(&g, s.doc, s.pd, &s.fs, date, s.arena, d, &pg)) goto out;
  if (job->dump == DUMP_PAGES) {
    dump_pages(job->dump_out, &pg);
    status = JOB_OK;
    goto out;
  }
  size_t raw_len, len;
  s.raw = render_pdf(&pg, &s.fs, d, &raw_len);
  if (!s.raw) goto out;
  s.pdf = pdffix_finish(s.raw, raw_len, d, &len);
  if (!s.pdf) goto out;
  status = job_write_atomic(job->out_path, s.pdf, len, 0644, d) ? JOB_OK : JOB_IO;
out:
  job_state_free(&s);
  return status;
}
