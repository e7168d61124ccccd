/*
 * replay: run one fuzz target's LLVMFuzzerTestOneInput() over files, without
 * libFuzzer, so that every build (plain, ASan) replays the regression cases.
 *
 *   replay_TARGET FILE|DIR...
 *
 * A directory stands for every regular file in it (not recursive).  Prints
 * one line per input; exits 0 when all ran (a crash is a crash: the sanitizer
 * or the signal makes the test fail), 2 on a usage or read error.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "util.h"

static int replay_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    return 1;
  }
  size_t len = 0;
  char *data = read_file(path, (size_t)64 << 20, &len);
  if (!data) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    return 1;
  }
  /* a copy of exactly len bytes, as libFuzzer gives it, so ASan sees any
   * read past the end */
  uint8_t *copy = xmalloc(len ? len : 1);
  memcpy(copy, data, len);
  free(data);
  LLVMFuzzerTestOneInput(copy, len);
  free(copy);
  printf("replayed %s (%zu bytes)\n", path, len);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  int bad = 0, n = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *dp = opendir(argv[i]);
      if (!dp) {
        fprintf(stderr, "replay: cannot open %s\n", argv[i]);
        bad++;
        continue;
      }
      char **names = NULL;
      size_t nn = 0, cap = 0;
      struct dirent *e;
      while ((e = readdir(dp)))
        if (e->d_name[0] != '.') {
          struct strbuf b = {0};
          strbuf_printf(&b, "%s/%s", argv[i], e->d_name);
          *VEC_PUSH(names, nn, cap) = strbuf_steal(&b);
        }
      closedir(dp);
      qsort(names, nn, sizeof *names, cmp_str);
      for (size_t k = 0; k < nn; k++) {
        struct stat fs;
        if (stat(names[k], &fs) == 0 && S_ISREG(fs.st_mode)) {
          bad += replay_file(names[k]);
          n++;
        }
        free(names[k]);
      }
      free(names);
    } else {
      bad += replay_file(argv[i]);
      n++;
    }
  }
  printf("%d inputs replayed, %d unreadable\n", n, bad);
  return bad ? 2 : 0;
}
