/*
 * mhd_api: fills the libmicrohttpd table by dlopen, once per process; see
 * mhd_api.h for why.  The library stays loaded until the process ends.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "web/mhd_api.h"

#define MHD_SONAME "libmicrohttpd.so.12"

const struct mhd_api *mhd_api_table;

static struct mhd_api api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[256];

#define SYM(member) {(void **)&api.member, "MHD_" #member}
static const struct {
	void **slot;
	const char *name;
} syms[] = {
	SYM(start_daemon),
	SYM(quiesce_daemon),
	SYM(stop_daemon),
	SYM(create_response_from_buffer),
	SYM(create_response_from_buffer_with_free_callback),
	SYM(add_response_header),
	SYM(queue_response),
	SYM(destroy_response),
	SYM(get_connection_values),
	SYM(lookup_connection_value),
	SYM(lookup_connection_value_n),
	SYM(create_post_processor),
	SYM(post_process),
	SYM(destroy_post_processor),
	SYM(get_connection_info),
};

static void load(void)
{
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		snprintf(load_error, sizeof(load_error), "cannot load %s: %s", MHD_SONAME, dlerror());
		return;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(load_error, sizeof(load_error), "%s has no %s", MHD_SONAME,
				 syms[i].name);
			return;
		}
	}
	mhd_api_table = &api;
}

int mhd_api_load(char *err, size_t errsz)
{
	pthread_once(&once, load);
	if (mhd_api_table)
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "%s", load_error);
	return -1;
}
