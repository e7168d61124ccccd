/* spool: messages written to a folder.  See spool.h. */
#include "spool.h"

#include <string.h>

#include "job.h"
#include "util.h"

bool spool_ref_ok(const char *ref) {
  size_t n = strlen(ref);
  if (n == 0 || n > 128 || ref[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char c = ref[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

bool spool_write(const char *dir, const char *ref, const char *msg, size_t len,
                 struct diag *d, char **path_out) {
  if (path_out) *path_out = NULL;
  if (!spool_ref_ok(ref)) {
    diag_fail(d, "spool: ref '%s' cannot be a file name (expected letters, "
                 "digits, '.', '_', '-', not starting with '.')",
              diag_redact(d, ref));
    return false;
  }
  struct strbuf path = {0};
  strbuf_printf(&path, "%s/%s.eml", dir, ref);
  bool ok = job_write_atomic(path.data, msg, len, 0600, d);
  if (ok && path_out)
    *path_out = strbuf_steal(&path);
  strbuf_free(&path);
  return ok;
}
