/*
 * config: settings from an INI file, parsed by libinih (the only user of
 * it).  The file is chosen by --config PATH, else $EVID_CONFIG, else
 * "evid.conf" in the working folder (which may be absent: defaults apply).
 * Every key is listed in docs/configuration.md.
 */
#ifndef EVID_UTIL_CONFIG_H
#define EVID_UTIL_CONFIG_H

#include <stddef.h>

struct config {
	/* [server] */
	char listen[128];        /* "127.0.0.1:8080" */
	char base_url[256];      /* "http://127.0.0.1:8080" */
	int threads;             /* worker threads, 1..64, default 4 */
	int session_hours;       /* session lifetime, default 12 */
	/* [database] */
	char db_path[1024];      /* "var/evid.db" */
	int busy_timeout_ms;     /* default 5000 */
	/* [company] */
	char company_name[201];
	char company_oib[12];
	char company_address[301];
	char timezone[64];       /* "Europe/Zagreb" */
	char language[3];        /* "hr" or "en" */
	/* where the values came from, for messages */
	char path[1024];         /* the file read, or "" when none was */
};

/* Fill c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * Read the file at path over the defaults already in c.  When `required` is
 * 0 a missing file is not an error (c keeps its defaults).  Returns 0, or -1
 * with a message in err naming the file and line ("evid.conf:7: unknown key
 * 'lisen' in [server]").  Values are validated: an unknown time zone, a bad
 * listen address, an invalid OIB or language are errors.
 */
int config_load(struct config *c, const char *path, int required, char *err, size_t errsz);

/*
 * Set one key as if it were read from a file (the same validation), for
 * command-line overrides such as `evid serve --listen`.  Returns 0, or -1
 * with a message in err ("unknown key 'lisen' in [server]", "listen: ...").
 * Setting [server] listen also moves base_url when it still was the
 * default derived from the old listen address.
 */
int config_set(struct config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errsz);

/*
 * Choose the config path: explicit (from --config, may be NULL), else
 * $EVID_CONFIG, else "evid.conf".  *required is set to 1 unless it is the
 * fallback "evid.conf".
 */
const char *config_path_choose(const char *explicit_path, int *required);

#endif
