/* protect: passwords for protected leaflets.  See protect.h. */
#include "protect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pdffix.h"

static const char *const mode_names[PROTECT__MAX] = {"none", "dob",
                                                     "passphrase"};

bool protect_mode_parse(const char *name, enum protect_mode *out) {
  for (int m = 0; m < PROTECT__MAX; m++)
    if (strcmp(name, mode_names[m]) == 0) {
      *out = (enum protect_mode)m;
      return true;
    }
  return false;
}

const char *protect_mode_name(enum protect_mode m) {
  return m >= 0 && m < PROTECT__MAX ? mode_names[m] : "?";
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* "YYYY-MM-DD", a real calendar date from 1900 on. */
static bool parse_iso_date(const char *s, int *y, int *m, int *d) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  *m = (s[5] - '0') * 10 + (s[6] - '0');
  *d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*y < 1900 || *m < 1 || *m > 12 || *d < 1) return false;
  int max = mdays[*m - 1] + (*m == 2 && is_leap(*y));
  return *d <= max;
}

bool protect_password(enum protect_mode mode, const char *dob,
                      const char *passphrase, char *out, size_t size,
                      const char **why) {
  *why = NULL;
  if (size < PROTECT_PASSWORD_SIZE) {
    *why = "password buffer too small";
    return false;
  }
  out[0] = '\0';
  switch (mode) {
  case PROTECT_NONE:
    return true;
  case PROTECT_DOB: {
    int y, m, d;
    if (!dob || !*dob) {
      *why = "date_of_birth is empty (needed by --protect dob)";
      return false;
    }
    if (!parse_iso_date(dob, &y, &m, &d)) {
      *why = "date_of_birth is not a date YYYY-MM-DD (needed by --protect dob)";
      return false;
    }
    snprintf(out, size, "%02d%02d%04d", d, m, y);
    return true;
  }
  case PROTECT_PASSPHRASE: {
    if (!passphrase || !*passphrase) {
      *why = "passphrase is empty (needed by --protect passphrase)";
      return false;
    }
    size_t n = strlen(passphrase);
    for (size_t i = 0; i < n; i++) {
      unsigned char c = (unsigned char)passphrase[i];
      if (c < 0x20 || c > 0x7E) {
        *why = "passphrase holds a character that is not printable ASCII "
               "(PDF readers prepare such passwords differently)";
        return false;
      }
    }
    if (n < PROTECT_PASSPHRASE_MIN) {
      *why = "passphrase is shorter than 8 characters";
      return false;
    }
    if (n > PROTECT_PASSPHRASE_MAX) {
      *why = "passphrase is longer than 127 characters";
      return false;
    }
    memcpy(out, passphrase, n + 1);
    return true;
  }
  case PROTECT__MAX:
    break;
  }
  *why = "unknown protection mode";
  return false;
}

bool protect_random(unsigned char *buf, size_t n) {
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int e = r < 0 ? errno : EIO;
      close(fd);
      errno = e;
      return false;
    }
    got += (size_t)r;
  }
  close(fd);
  return true;
}

void protect_wipe(void *buf, size_t n) {
  /* volatile: the compiler may not drop stores to memory about to be
   * freed or go out of scope */
  volatile unsigned char *p = buf;
  while (n--) *p++ = 0;
}

unsigned char *protect_pdf(const unsigned char *pdf, size_t len,
                           const char *user_password, struct diag *d,
                           size_t *len_out) {
  *len_out = 0;
  if (!user_password || !*user_password) {
    diag_fail(d, "protecting a leaflet: the open password is empty");
    return NULL;
  }
  /* Owner password: 256 random bits as 64 hex digits, new for each file. */
  unsigned char raw[32];
  char owner[2 * sizeof raw + 1];
  if (!protect_random(raw, sizeof raw)) {
    diag_fail(d, "protecting a leaflet: cannot read /dev/urandom: %s",
              strerror(errno));
    return NULL;
  }
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof raw; i++) {
    owner[2 * i] = hex[raw[i] >> 4];
    owner[2 * i + 1] = hex[raw[i] & 15];
  }
  owner[2 * sizeof raw] = '\0';
  unsigned char *out =
      pdffix_encrypt(pdf, len, user_password, owner, d, len_out);
  protect_wipe(raw, sizeof raw);
  protect_wipe(owner, sizeof owner);
  return out;
}
