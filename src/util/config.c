/*
 * config: the INI settings file (see config.h), read with libinih through a
 * line-counting reader so that every error names the file and line.  Each
 * key has one setter that validates its value; the table below is the list
 * docs/configuration.md documents.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "core/model.h"
#include "core/validate.h"
#include "util/config.h"
#include "util/xalloc.h"

#define CONFIG_FILE_MAX (64 * 1024) /* bytes; a settings file is a few hundred */

static void config_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	xstrlcpy(c->listen, "127.0.0.1:8080", sizeof(c->listen));
	xstrlcpy(c->base_url, "http://127.0.0.1:8080", sizeof(c->base_url));
	c->threads = 4;
	c->session_hours = 12;
	xstrlcpy(c->db_path, "var/evid.db", sizeof(c->db_path));
	c->busy_timeout_ms = 5000;
	xstrlcpy(c->timezone, "Europe/Zagreb", sizeof(c->timezone));
	xstrlcpy(c->language, "hr", sizeof(c->language));
}

/* ---- value checks ---- */

/* Parse a decimal integer in [min, max]; returns 0 or -1. */
static int parse_int(const char *v, long min, long max, int *out)
{
	char *end;
	long n;

	if (!*v || (*v != '-' && (*v < '0' || *v > '9')))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

/* "ADDR:PORT" with a literal IPv4 address or a bracketed IPv6 one. */
static int listen_valid(const char *v)
{
	char host[64];
	const char *colon;
	size_t hlen;
	int port, fam = AF_INET;
	unsigned char addr[16];

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return 0;
		hlen = (size_t)(close - v - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return 0;
		memcpy(host, v + 1, hlen);
		colon = close + 1;
		fam = AF_INET6;
	} else {
		colon = strrchr(v, ':');
		if (!colon)
			return 0;
		hlen = (size_t)(colon - v);
		if (hlen == 0 || hlen >= sizeof(host))
			return 0;
		memcpy(host, v, hlen);
	}
	host[hlen] = '\0';
	if (inet_pton(fam, host, addr) != 1)
		return 0;
	return parse_int(colon + 1, 1, 65535, &port) == 0;
}

/*
 * An IANA zone name that names a compiled zone file ("TZif" magic) under
 * /usr/share/zoneinfo: a folder such as "Europe" or a stray file is refused.
 */
static int zone_valid(const char *tz)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-";
	char path[512], magic[4];
	struct stat sb;
	FILE *f;
	size_t got;

	if (!*tz || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	for (const char *p = tz; *p; p++)
		if (!strchr(allowed, *p))
			return 0;
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz) >= (int)sizeof(path))
		return 0;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return got == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/* Copy a one-line text value of at most max bytes into dst. */
static int set_text(char *dst, size_t dstsz, size_t max, const char *v, int may_be_empty,
		    const char *key, char *err, size_t errsz)
{
	if (!may_be_empty && !*v) {
		config_err(err, errsz, "%s: a value is required", key);
		return -1;
	}
	if (!valid_text(v, max, 0) || strlen(v) >= dstsz) {
		config_err(err, errsz, "%s: must be text of at most %zu bytes", key, max);
		return -1;
	}
	xstrlcpy(dst, v, dstsz);
	return 0;
}

/* ---- one setter per key ---- */

static int set_listen(struct config *c, const char *v, char *err, size_t errsz)
{
	char derived[sizeof(c->base_url)];

	if (strlen(v) >= sizeof(c->listen) || !listen_valid(v)) {
		config_err(err, errsz,
			   "listen: '%.64s' is not ADDR:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)",
			   v);
		return -1;
	}
	/* base_url follows listen until it is set on its own. */
	snprintf(derived, sizeof(derived), "http://%s", c->listen);
	if (strcmp(derived, c->base_url) == 0)
		snprintf(c->base_url, sizeof(c->base_url), "http://%s", v);
	xstrlcpy(c->listen, v, sizeof(c->listen));
	return 0;
}

static int set_base_url(struct config *c, const char *v, char *err, size_t errsz)
{
	size_t n = strlen(v);
	const char *rest;

	if (strncmp(v, "http://", 7) == 0)
		rest = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		rest = v + 8;
	else
		rest = NULL;
	if (!rest || !*rest || *rest == '/' || n >= sizeof(c->base_url) || !valid_text(v, n, 0) ||
	    strpbrk(v, " \"<>\\^`{|}")) {
		config_err(err, errsz,
			   "base_url: '%.64s' is not an http:// or https:// URL "
			   "(at most %zu bytes)",
			   v, sizeof(c->base_url) - 1);
		return -1;
	}
	xstrlcpy(c->base_url, v, sizeof(c->base_url));
	/* One form only, so that links are built as base_url + "/path". */
	n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';
	return 0;
}

static int set_threads(struct config *c, const char *v, char *err, size_t errsz)
{
	if (parse_int(v, 1, 64, &c->threads) < 0) {
		config_err(err, errsz, "threads: '%.32s' is not a whole number from 1 to 64", v);
		return -1;
	}
	return 0;
}

static int set_session_hours(struct config *c, const char *v, char *err, size_t errsz)
{
	if (parse_int(v, 1, 720, &c->session_hours) < 0) {
		config_err(err, errsz, "session_hours: '%.32s' is not a whole number from 1 to 720",
			   v);
		return -1;
	}
	return 0;
}

static int set_db_path(struct config *c, const char *v, char *err, size_t errsz)
{
	return set_text(c->db_path, sizeof(c->db_path), sizeof(c->db_path) - 1, v, 0, "path", err,
			errsz);
}

static int set_busy_timeout(struct config *c, const char *v, char *err, size_t errsz)
{
	if (parse_int(v, 0, 600000, &c->busy_timeout_ms) < 0) {
		config_err(err, errsz,
			   "busy_timeout_ms: '%.32s' is not a whole number from 0 to 600000", v);
		return -1;
	}
	return 0;
}

static int set_company_name(struct config *c, const char *v, char *err, size_t errsz)
{
	return set_text(c->company_name, sizeof(c->company_name), NAME_MAX_LEN, v, 1, "name", err,
			errsz);
}

static int set_company_oib(struct config *c, const char *v, char *err, size_t errsz)
{
	if (*v && !valid_oib(v)) {
		config_err(err, errsz,
			   "oib: '%.32s' is not a valid OIB (11 digits with a correct check digit)",
			   v);
		return -1;
	}
	xstrlcpy(c->company_oib, v, sizeof(c->company_oib));
	return 0;
}

static int set_company_address(struct config *c, const char *v, char *err, size_t errsz)
{
	return set_text(c->company_address, sizeof(c->company_address), ADDRESS_MAX_LEN, v, 1,
			"address", err, errsz);
}

static int set_timezone(struct config *c, const char *v, char *err, size_t errsz)
{
	if (strlen(v) >= sizeof(c->timezone) || !zone_valid(v)) {
		config_err(err, errsz,
			   "timezone: '%.64s' is not a time zone known to this system "
			   "(e.g. Europe/Zagreb)",
			   v);
		return -1;
	}
	xstrlcpy(c->timezone, v, sizeof(c->timezone));
	return 0;
}

static int set_language(struct config *c, const char *v, char *err, size_t errsz)
{
	if (strcmp(v, "hr") != 0 && strcmp(v, "en") != 0) {
		config_err(err, errsz, "language: '%.32s' is not hr or en", v);
		return -1;
	}
	xstrlcpy(c->language, v, sizeof(c->language));
	return 0;
}

static const struct config_key {
	const char *section;
	const char *key;
	int (*set)(struct config *c, const char *v, char *err, size_t errsz);
} config_keys[] = {
	{ "server", "listen", set_listen },
	{ "server", "base_url", set_base_url },
	{ "server", "threads", set_threads },
	{ "server", "session_hours", set_session_hours },
	{ "database", "path", set_db_path },
	{ "database", "busy_timeout_ms", set_busy_timeout },
	{ "company", "name", set_company_name },
	{ "company", "oib", set_company_oib },
	{ "company", "address", set_company_address },
	{ "company", "timezone", set_timezone },
	{ "company", "language", set_language },
};
#define CONFIG_KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* The index of section/key in config_keys, -1 for an unknown key, -2 for an unknown section. */
static int config_key_find(const char *section, const char *key)
{
	int section_known = 0;

	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		if (strcmp(config_keys[i].section, section) != 0)
			continue;
		section_known = 1;
		if (strcmp(config_keys[i].key, key) == 0)
			return (int)i;
	}
	return section_known ? -1 : -2;
}

static int config_set_at(struct config *c, int k, const char *section, const char *key,
			 const char *value, char *err, size_t errsz)
{
	if (k == -2) {
		if (!*section)
			config_err(err, errsz, "key '%.64s' is outside a section such as [server]",
				   key);
		else
			config_err(err, errsz,
				   "unknown section [%.64s] (known: server, database, company)",
				   section);
		return -1;
	}
	if (k < 0) {
		config_err(err, errsz, "unknown key '%.64s' in [%s]", key, section);
		return -1;
	}
	return config_keys[k].set(c, value, err, errsz);
}

int config_set(struct config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errsz)
{
	return config_set_at(c, config_key_find(section, key), section, key, value, err, errsz);
}

/* ---- reading a file ---- */

struct config_parse {
	struct config *c;
	FILE *f;
	int line;           /* physical lines read so far: the line inih is parsing */
	size_t bytes;       /* bytes read so far, capped at CONFIG_FILE_MAX */
	int in_key;         /* a key was read in this section: inih would take an indented line
			       as a continuation of it */
	unsigned seen;      /* bit per config_keys entry already set by this file */
	int err_line;       /* the first error found by us, 0 = none */
	char err[256];
};

static void parse_fail(struct config_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void parse_fail(struct config_parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return;
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/*
 * fgets for inih that counts lines and looks at each raw line: lines longer
 * than inih's buffer and indented continuation lines (which inih would glue
 * to the previous value) are errors here, not silent surprises.
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	size_t n;
	const char *s;
	int ch;

	if (!fgets(str, num, p->f))
		return NULL;
	p->line++;
	n = strlen(str);
	p->bytes += n;
	if (p->bytes > CONFIG_FILE_MAX) {
		parse_fail(p, "file is larger than %d bytes", CONFIG_FILE_MAX);
		return NULL;
	}
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(p->f)) {
		parse_fail(p, "line is longer than %d characters", num - 2);
		/* Swallow the rest, so that it is not parsed as a line of its own. */
		while ((ch = getc(p->f)) != EOF && ch != '\n')
			p->bytes++;
	}
	for (s = str; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		p->in_key = 0;
	} else if (s > str && p->in_key) {
		parse_fail(p, "indented line: continuation lines are not supported, "
			      "remove the leading spaces");
	} else {
		p->in_key = 1;
	}
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	char err[200];
	int k = config_key_find(section, name);

	if (k >= 0 && (p->seen & (1u << k))) {
		parse_fail(p, "'%s' is set twice in [%s]", name, section);
		return 0;
	}
	if (config_set_at(p->c, k, section, name, value, err, sizeof(err)) < 0) {
		parse_fail(p, "%s", err);
		return 0;
	}
	p->seen |= 1u << k;
	return 1;
}

int config_load(struct config *c, const char *path, int required, char *err, size_t errsz)
{
	struct config_parse p;
	struct config work = *c;
	int rc = -1, at;

	_Static_assert(CONFIG_KEY_COUNT <= 32, "config_parse.seen has one bit per key");
	memset(&p, 0, sizeof(p));
	p.c = &work;
	p.f = fopen(path, "r");
	if (!p.f) {
		if (errno == ENOENT && !required) {
			c->path[0] = '\0';
			return 0;
		}
		config_err(err, errsz, "cannot read configuration '%s': %s", path,
			   errno == ENOENT ? "no such file" : strerror(errno));
		return -1;
	}
	at = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (ferror(p.f)) {
		config_err(err, errsz, "cannot read configuration '%s': read error", path);
		goto out;
	}
	if (at < 0) {
		config_err(err, errsz, "cannot read configuration '%s': out of memory", path);
		goto out;
	}
	/* Report whichever came first: our own finding or inih's syntax error. */
	if (p.err_line && (at == 0 || p.err_line <= at)) {
		config_err(err, errsz, "%s:%d: %s", path, p.err_line, p.err);
		goto out;
	}
	if (at > 0) {
		config_err(err, errsz, "%s:%d: not a [section] or a 'key = value' line", path, at);
		goto out;
	}
	xstrlcpy(work.path, path, sizeof(work.path));
	*c = work;
	rc = 0;
out:
	fclose(p.f);
	return rc;
}

const char *config_path_choose(const char *explicit_path, int *required)
{
	const char *env = getenv("EVID_CONFIG");

	*required = 1;
	if (explicit_path)
		return explicit_path;
	if (env && *env)
		return env;
	*required = 0;
	return "evid.conf";
}
