/*
 * crypto: libsodium behind a small interface (see crypto.h).
 */
#include <string.h>

#include <sodium.h>

#include "util/crypto.h"

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int crypto_password_hash(const char *password, char out[CRYPTO_PWHASH_MAX])
{
	_Static_assert(CRYPTO_PWHASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");
	return crypto_pwhash_str_alg(out, password, strlen(password),
				     crypto_pwhash_OPSLIMIT_INTERACTIVE,
				     crypto_pwhash_MEMLIMIT_INTERACTIVE,
				     crypto_pwhash_ALG_ARGON2ID13) == 0
		       ? 0
		       : -1;
}

int crypto_password_verify(const char *hash, const char *password)
{
	if (!hash || !*hash)
		return 0;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void crypto_sha256_hex(const void *data, size_t n, char out[CRYPTO_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, n);
	sodium_bin2hex(out, CRYPTO_SHA256_HEX, h, sizeof(h));
}

void crypto_random_secret(const char *prefix, char out[CRYPTO_SECRET_MAX])
{
	unsigned char r[32];
	size_t plen = strnlen(prefix, 16);

	randombytes_buf(r, sizeof(r));
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, CRYPTO_SECRET_MAX - plen, r, sizeof(r),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

void crypto_random_password(char out[CRYPTO_SECRET_MAX])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	int i;

	for (i = 0; i < 20; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[i] = '\0';
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}
