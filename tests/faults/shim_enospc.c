/*
 * shim_enospc: an LD_PRELOAD library that makes a folder look like a full
 * disk, for tests/faults/ (issue 6: faults).  Built only for tests, linked
 * against nothing but libc and never with the sanitizers, so that it can be
 * preloaded into the plain and the ASan+UBSan build alike (with ASan, set
 * ASAN_OPTIONS=verify_asan_link_order=0: the shim then comes before the
 * ASan runtime, and calls on into its interceptors through RTLD_NEXT).
 *
 * Environment (read once, when the library is loaded):
 *   FAULT_ENOSPC_DIR=PREFIX   only files whose path starts with PREFIX are
 *                             affected (required: unset, the shim does
 *                             nothing).  The path of a descriptor is
 *                             /proc/self/fd/N's link.
 *   FAULT_ENOSPC_AFTER=N      the "disk" holds N bytes: write() and
 *                             pwrite() to affected files succeed until N
 *                             bytes in all have been written by this
 *                             process and every process it forks (the count
 *                             is in shared memory made at load time); the
 *                             write that crosses N is cut short, every later
 *                             one fails with ENOSPC.
 *   FAULT_ENOSPC_MATCH=GLOB   affected files whose path matches GLOB
 *                             (fnmatch, '*' also matches '/') fail with
 *                             ENOSPC, for the operations in
 *   FAULT_ENOSPC_OPS=LIST     comma-separated: write (write, pwrite), fsync
 *                             (fsync, fdatasync), rename (either name
 *                             matching); default all three.
 *   FAULT_STALL_MATCH=GLOB    a write() or pwrite() to an affected file
 *                             matching GLOB never returns (it waits for
 *                             SIGKILL): a process killed in the middle of
 *                             writing a file.
 * FAULT_ENOSPC_LOG=FILE appends one line per failure ("enospc OP PATH"), so
 * a test can check that the fault was hit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static const char *dir_prefix; /* FAULT_ENOSPC_DIR, or NULL: off */
static const char *match;      /* FAULT_ENOSPC_MATCH, or NULL */
static const char *stall;      /* FAULT_STALL_MATCH, or NULL */
static bool op_write = true, op_fsync = true, op_rename = true;
static long long capacity = -1;   /* FAULT_ENOSPC_AFTER, or -1 */
static long long *used;           /* shared with forked children */
static const char *log_path;

__attribute__((constructor)) static void shim_init(void) {
  dir_prefix = getenv("FAULT_ENOSPC_DIR");
  if (!dir_prefix || !*dir_prefix) {
    dir_prefix = NULL;
    return;
  }
  match = getenv("FAULT_ENOSPC_MATCH");
  stall = getenv("FAULT_STALL_MATCH");
  log_path = getenv("FAULT_ENOSPC_LOG");
  const char *ops = getenv("FAULT_ENOSPC_OPS");
  if (ops) {
    op_write = strstr(ops, "write") != NULL;
    op_fsync = strstr(ops, "fsync") != NULL;
    op_rename = strstr(ops, "rename") != NULL;
  }
  const char *after = getenv("FAULT_ENOSPC_AFTER");
  if (after && *after) {
    capacity = atoll(after);
    void *m = mmap(NULL, sizeof *used, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    used = m == MAP_FAILED ? NULL : m;
  }
}

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static bool under_dir(const char *path) {
  return dir_prefix && strncmp(path, dir_prefix, strlen(dir_prefix)) == 0;
}

/* The path of fd into buf, or false (not a file, or unreadable). */
static bool fd_path(int fd, char *buf, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, buf, size - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}

static void log_failure(const char *op, const char *path) {
  if (!log_path) return;
  int saved = errno;
  ssize_t (*real_write)(int, const void *, size_t) = next("write");
  int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd >= 0) {
    char line[4200];
    int n = snprintf(line, sizeof line, "enospc %s %s\n", op, path);
    if (n > 0 && real_write(fd, line, (size_t)n) < 0) { /* nothing to do */
    }
    close(fd);
  }
  errno = saved;
}

static bool matches(const char *path) {
  return match && fnmatch(match, path, 0) == 0;
}

/* How many of len bytes to fd may be written (0: fail with ENOSPC); op is
 * "write".  len itself when fd is not affected. */
static size_t allowed(int fd, size_t len) {
  char path[4096];
  if (!dir_prefix || !op_write || !fd_path(fd, path, sizeof path) ||
      !under_dir(path))
    return len;
  if (stall && fnmatch(stall, path, 0) == 0)
    for (;;) pause(); /* caught signals return here; SIGKILL ends it */
  if (matches(path)) {
    log_failure("write", path);
    return 0;
  }
  if (capacity < 0 || !used || len == 0) return len;
  long long before = __atomic_fetch_add(used, (long long)len, __ATOMIC_SEQ_CST);
  if (before + (long long)len <= capacity) return len;
  long long room = capacity - before;
  if (room > 0) { /* give back what will not be written */
    __atomic_fetch_sub(used, (long long)len - room, __ATOMIC_SEQ_CST);
    return (size_t)room;
  }
  __atomic_fetch_sub(used, (long long)len, __ATOMIC_SEQ_CST);
  log_failure("write", path);
  return 0;
}

ssize_t write(int fd, const void *buf, size_t len) {
  static ssize_t (*real)(int, const void *, size_t);
  if (!real) real = next("write");
  size_t ok = allowed(fd, len);
  if (ok == 0 && len > 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, ok);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) {
  static ssize_t (*real)(int, const void *, size_t, off_t);
  if (!real) real = next("pwrite");
  size_t ok = allowed(fd, len);
  if (ok == 0 && len > 0) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, ok, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off) {
  return pwrite(fd, buf, len, off);
}

static bool fsync_fails(int fd) {
  char path[4096];
  if (!dir_prefix || !op_fsync || !fd_path(fd, path, sizeof path) ||
      !under_dir(path) || !matches(path))
    return false;
  log_failure("fsync", path);
  return true;
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = next("fsync");
  if (fsync_fails(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = next("fdatasync");
  if (fsync_fails(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd);
}

/* A relative name is taken as it is: the tests give absolute paths. */
static bool rename_fails(const char *from, const char *to) {
  const char *hit = under_dir(from) && matches(from) ? from
                    : under_dir(to) && matches(to)   ? to
                                                     : NULL;
  if (!dir_prefix || !op_rename || !hit) return false;
  log_failure("rename", hit);
  return true;
}

int rename(const char *from, const char *to) {
  static int (*real)(const char *, const char *);
  if (!real) real = next("rename");
  if (rename_fails(from, to)) {
    errno = ENOSPC;
    return -1;
  }
  return real(from, to);
}
