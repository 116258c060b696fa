/*
 * crypto: the only user of libsodium.  Password hashing (argon2id), random
 * secrets and SHA-256.  Call crypto_init() once at start-up.
 */
#ifndef EVID_UTIL_CRYPTO_H
#define EVID_UTIL_CRYPTO_H

#include <stddef.h>

#define CRYPTO_PWHASH_MAX 128   /* size of a buffer that holds a password hash, NUL included */
#define CRYPTO_SHA256_HEX 65    /* 64 hex digits and the NUL */
#define CRYPTO_SECRET_MAX 64    /* size of a buffer that holds a generated secret */

/* Returns 0, or -1 when libsodium cannot start. */
int crypto_init(void);

/* Hash a password with argon2id (libsodium's interactive limits) into out. Returns 0 / -1. */
int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX]);

/* Returns 1 when password matches hash, 0 otherwise (also on a malformed hash). */
int crypto_password_verify(const char *hash, const char *password);

/* SHA-256 of data as lowercase hex into out. */
void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX]);

/*
 * A new random secret: prefix followed by 43 characters of URL-safe base64
 * (256 bits).  out must hold CRYPTO_SECRET_MAX bytes; prefix at most 16 bytes.
 */
void crypto_random_secret(const char *prefix, char out[CRYPTO_SECRET_MAX]);

/* A random password of 20 characters from an unambiguous alphabet. */
void crypto_random_password(char out[CRYPTO_SECRET_MAX]);

/* Constant-time comparison of n bytes; returns 1 when equal. */
int crypto_equal(const void *a, const void *b, size_t n);

#endif
