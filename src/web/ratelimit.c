/*
 * ratelimit: a fixed table of counters keyed by "a:" account or "i:"
 * address, searched linearly under one mutex: logins are rare next to
 * everything else, and the table is small.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "web/ratelimit.h"

#define SLOTS 4096
#define KEY_MAX 300

struct slot {
	char key[KEY_MAX];
	int failures;
	int64_t first; /* when the window of these failures began */
};

static struct slot slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void key_of(char *out, char kind, const char *s)
{
	snprintf(out, KEY_MAX, "%c:%s", kind, s ? s : "");
}

/* The slot of key, or NULL; expired windows count as absent. */
static struct slot *find(const char *key, int64_t now)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (slots[i].key[0] && strcmp(slots[i].key, key) == 0) {
			if (now - slots[i].first >= RATELIMIT_WINDOW) {
				slots[i].key[0] = '\0';
				return NULL;
			}
			return &slots[i];
		}
	return NULL;
}

/* A free slot for key: an empty or expired one, else the oldest. */
static struct slot *take(const char *key, int64_t now)
{
	struct slot *best = &slots[0];
	int i;

	for (i = 0; i < SLOTS; i++) {
		if (!slots[i].key[0] || now - slots[i].first >= RATELIMIT_WINDOW) {
			best = &slots[i];
			break;
		}
		if (slots[i].first < best->first)
			best = &slots[i];
	}
	snprintf(best->key, sizeof(best->key), "%s", key);
	best->failures = 0;
	best->first = now;
	return best;
}

static int64_t over(const char *key, int limit, int64_t now)
{
	struct slot *s = find(key, now);

	if (!s || s->failures < limit)
		return 0;
	return s->first + RATELIMIT_WINDOW - now;
}

int ratelimit_check(const char *account, const char *address, int64_t now, int64_t *retry_after)
{
	char ka[KEY_MAX], ki[KEY_MAX];
	int64_t a, i;

	key_of(ka, 'a', account);
	key_of(ki, 'i', address);
	pthread_mutex_lock(&mu);
	a = over(ka, RATELIMIT_ACCOUNT, now);
	i = address && *address ? over(ki, RATELIMIT_ADDRESS, now) : 0;
	pthread_mutex_unlock(&mu);
	*retry_after = a > i ? a : i;
	return *retry_after > 0 ? -1 : 0;
}

static void count(const char *key, int64_t now)
{
	struct slot *s = find(key, now);

	if (!s)
		s = take(key, now);
	s->failures++;
}

void ratelimit_failed(const char *account, const char *address, int64_t now)
{
	char k[KEY_MAX];

	pthread_mutex_lock(&mu);
	key_of(k, 'a', account);
	count(k, now);
	if (address && *address) {
		key_of(k, 'i', address);
		count(k, now);
	}
	pthread_mutex_unlock(&mu);
}

void ratelimit_succeeded(const char *account)
{
	char k[KEY_MAX];
	int i;

	key_of(k, 'a', account);
	pthread_mutex_lock(&mu);
	for (i = 0; i < SLOTS; i++)
		if (strcmp(slots[i].key, k) == 0)
			slots[i].key[0] = '\0';
	pthread_mutex_unlock(&mu);
}

void ratelimit_reset(void)
{
	pthread_mutex_lock(&mu);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&mu);
}
