/*
 * ratelimit: failed logins counted per account and per client address in
 * the server's memory, so that passwords cannot be guessed at speed.
 * After RATELIMIT_ACCOUNT failures for one account, or RATELIMIT_ADDRESS
 * from one address, within RATELIMIT_WINDOW seconds, further attempts are
 * refused until the window since the first counted failure has passed.
 * Thread-safe; bounded (the oldest entries go when the table is full).
 */
#ifndef EVID_WEB_RATELIMIT_H
#define EVID_WEB_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_ACCOUNT 10
#define RATELIMIT_ADDRESS 30
#define RATELIMIT_WINDOW (15 * 60)

/*
 * Whether a login for account (lowercase email) from address may be tried
 * at now: 0 yes; -1 no, with the seconds until it may in *retry_after.
 */
int ratelimit_check(const char *account, const char *address, int64_t now, int64_t *retry_after);
/* Count one failed attempt against both. */
void ratelimit_failed(const char *account, const char *address, int64_t now);
/* A successful login forgets the account's failures (not the address's). */
void ratelimit_succeeded(const char *account);
/* Forget everything (tests). */
void ratelimit_reset(void);

#endif
