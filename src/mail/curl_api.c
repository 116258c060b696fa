/*
 * curl_api: fills the libcurl table by dlopen, once per process; see
 * curl_api.h for why.  The library stays loaded until the process ends.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "mail/curl_api.h"

#define CURL_SONAME "libcurl.so.4"

const struct curl_api *curl_api_table;

static struct curl_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

/* Each member and the symbol it comes from. */
#define SYM(member, name) {(void **)&api.member, name}
static const struct {
	void **slot;
	const char *name;
} syms[] = {
	SYM(global_init, "curl_global_init"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_perform, "curl_easy_perform"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_send, "curl_easy_send"),
	SYM(easy_recv, "curl_easy_recv"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
	SYM(url, "curl_url"),
	SYM(url_set, "curl_url_set"),
	SYM(url_get, "curl_url_get"),
	SYM(url_cleanup, "curl_url_cleanup"),
	SYM(free, "curl_free"),
};

static void load(void)
{
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", CURL_SONAME, dlerror());
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(load_error, sizeof(load_error), "%s has no %s", CURL_SONAME,
				 syms[i].name);
			return;
		}
	}
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "curl_global_init failed");
		return;
	}
	curl_api_table = &api;
}

int curl_api_load(char *err, size_t errsz)
{
	pthread_once(&once, load);
	if (curl_api_table)
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "%s", load_error);
	return -1;
}
