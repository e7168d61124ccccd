/*
 * sha256: SHA-256 (FIPS 180-4), for leaflet fingerprints (the mail
 * journal's key, deterministic Message-IDs) and manifests.
 *
 * Input: bytes, in one call or in pieces.  Output: the 32-byte digest, or
 * its 64 lower-case hex digits.  Computed by libcrypto (OpenSSL); out of
 * memory aborts, as xmalloc does; no other errors.
 *
 * May be included by any module.
 */
#ifndef HANDOUT_SHA256_H
#define HANDOUT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64 /* without the NUL */

/* A digest in pieces: sha256_init, any number of sha256_update, then
 * sha256_final, which must always be called (it frees the context). */
struct sha256_ctx {
  void *md; /* libcrypto's EVP_MD_CTX */
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_LEN]);

/* One call: the digest of data[0..len). */
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* The digest as 64 lower-case hex digits plus NUL into hex[65]. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
/* digest -> hex[65] */
void sha256_to_hex(const unsigned char digest[SHA256_LEN],
                   char hex[SHA256_HEX_LEN + 1]);

#endif
