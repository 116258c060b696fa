/*
 * config: the INI settings file (see config.h), read with libinih through a
 * line-counting reader so that every error names the file and line.  Each
 * key has one setter that validates its value; the table below is the list
 * docs/configuration.md documents.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
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
#define TAG_PREFIX_MAX 16

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
	c->result_cache = 32;
	xstrlcpy(c->timezone, "Europe/Zagreb", sizeof(c->timezone));
	xstrlcpy(c->language, "hr", sizeof(c->language));
	xstrlcpy(c->mail_from_name, "Evidencija", sizeof(c->mail_from_name));
	xstrlcpy(c->mail_tag_prefix, "#", sizeof(c->mail_tag_prefix));
	c->mail_reopen_days = 14;
	c->mail_autoreply_per_hour = 5;
	c->mail_max_message_mb = 25;
	c->mail_max_file_mb = 20;
	c->mail_max_files = 100;
	xstrlcpy(c->smtp_starttls, "try", sizeof(c->smtp_starttls));
	c->smtp_verify_tls = 1;
	c->smtp_timeout_seconds = 30;
	c->smtp_give_up_hours = 48;
	c->smtp_retry_seconds = 60;
	xstrlcpy(c->imap_starttls, "try", sizeof(c->imap_starttls));
	c->imap_verify_tls = 1;
	c->imap_interval_seconds = 60;
	xstrlcpy(c->imap_after_import, "seen", sizeof(c->imap_after_import));
	c->billing_increment_minutes = 15;
	xstrlcpy(c->billing_rounding, "up", sizeof(c->billing_rounding));
	xstrlcpy(c->billing_round_per, "entry", sizeof(c->billing_round_per));
	c->billing_minimum_minutes = 0;
	xstrlcpy(c->billing_default_rate, "remote", sizeof(c->billing_default_rate));
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

static int set_tag_prefix(struct config *c, const char *v, char *err, size_t errsz)
{
	/* Printable ASCII without brackets or spaces, so the tag stays one token. */
	if (strlen(v) > TAG_PREFIX_MAX || strpbrk(v, "[] ")) {
		config_err(err, errsz, "tag_prefix: '%.32s' must be at most %d characters "
			   "without spaces or brackets", v, TAG_PREFIX_MAX);
		return -1;
	}
	for (const char *p = v; *p; p++)
		if (*p < 0x21 || *p > 0x7e) {
			config_err(err, errsz, "tag_prefix: only printable ASCII characters");
			return -1;
		}
	xstrlcpy(c->mail_tag_prefix, v, sizeof(c->mail_tag_prefix));
	return 0;
}

static int set_db_path(struct config *c, const char *v, char *err, size_t errsz)
{
	return set_text(c->db_path, sizeof(c->db_path), sizeof(c->db_path) - 1, v, 0, "path", err,
			errsz);
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

/* A rate's code as the catalogue spells it: [a-z0-9_.-], 1 to 32 characters. */
static int set_default_rate(struct config *c, const char *v, char *err, size_t errsz)
{
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(c->billing_default_rate) ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n) {
		config_err(err, errsz,
			   "default_rate: '%.40s' is not a rate code (1 to %zu of a-z 0-9 _ . -)",
			   v, sizeof(c->billing_default_rate) - 1);
		return -1;
	}
	xstrlcpy(c->billing_default_rate, v, sizeof(c->billing_default_rate));
	return 0;
}

/*
 * Most keys need no setter of their own: their type says how to check them
 * and where the value goes (offset and size in struct config).
 */
enum key_type {
	KEY_FN,     /* the setter does it all */
	KEY_INT,    /* a whole number in [min, max] */
	KEY_TEXT,   /* one line of text, may be empty */
	KEY_SECRET, /* as KEY_TEXT; never echoed in messages */
	KEY_EMAIL,  /* an address, or "" */
	KEY_EMAILS, /* comma-separated addresses, or "" */
	KEY_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	KEY_CHOICE, /* one of the words in choices, separated by '|' */
	KEY_URL,    /* a URL whose scheme is one of choices ("smtp|smtps"), or "" */
};

struct config_key {
	const char *section;
	const char *key;
	int (*set)(struct config *c, const char *v, char *err, size_t errsz);
	enum key_type type;
	size_t off, size;
	long min, max;
	const char *choices;
};

#define FN(sec, k, fn) { sec, k, fn, KEY_FN, 0, 0, 0, 0, NULL }
#define FIELD(m) offsetof(struct config, m), sizeof(((struct config *)0)->m)
#define INT(sec, k, m, lo, hi) { sec, k, NULL, KEY_INT, offsetof(struct config, m), 0, lo, hi, NULL }
#define TYPED(sec, k, type, m, choices) { sec, k, NULL, type, FIELD(m), 0, 0, choices }

static int words_has(const char *words, const char *v)
{
	size_t n = strlen(v);

	for (const char *w = words; *w;) {
		const char *bar = strchr(w, '|');
		size_t len = bar ? (size_t)(bar - w) : strlen(w);

		if (len == n && strncmp(w, v, n) == 0)
			return 1;
		w += len + (bar ? 1 : 0);
	}
	return 0;
}

static int emails_valid(const char *v)
{
	char one[EMAIL_MAX_LEN + 1];

	while (*v) {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);

		while (len && *v == ' ')
			v++, len--;
		while (len && v[len - 1] == ' ')
			len--;
		if (len == 0 || len > EMAIL_MAX_LEN)
			return 0;
		memcpy(one, v, len);
		one[len] = '\0';
		if (!valid_email(one))
			return 0;
		if (!comma)
			break;
		v = comma + 1;
	}
	return 1;
}

static int bool_parse(const char *v, int *out)
{
	if (words_has("yes|true|on|1", v))
		*out = 1;
	else if (words_has("no|false|off|0", v))
		*out = 0;
	else
		return -1;
	return 0;
}

static int set_typed(const struct config_key *k, struct config *c, const char *v, char *err,
		     size_t errsz)
{
	char *dst = (char *)c + k->off;
	int n;

	switch (k->type) {
	case KEY_FN:
		return k->set(c, v, err, errsz);
	case KEY_INT:
		if (parse_int(v, k->min, k->max, &n) < 0) {
			config_err(err, errsz, "%s: '%.32s' is not a whole number from %ld to %ld",
				   k->key, v, k->min, k->max);
			return -1;
		}
		*(int *)(void *)dst = n;
		return 0;
	case KEY_BOOL:
		if (bool_parse(v, &n) < 0) {
			config_err(err, errsz, "%s: '%.32s' is not yes or no", k->key, v);
			return -1;
		}
		*(int *)(void *)dst = n;
		return 0;
	case KEY_CHOICE:
		if (!words_has(k->choices, v) || strlen(v) >= k->size) {
			config_err(err, errsz, "%s: '%.32s' is not one of %s", k->key, v,
				   k->choices);
			return -1;
		}
		break;
	case KEY_EMAIL:
		if (*v && (strlen(v) >= k->size || !valid_email(v))) {
			config_err(err, errsz, "%s: '%.64s' is not an email address", k->key, v);
			return -1;
		}
		break;
	case KEY_EMAILS:
		if (strlen(v) >= k->size || !emails_valid(v)) {
			config_err(err, errsz, "%s: must be email addresses separated by commas",
				   k->key);
			return -1;
		}
		break;
	case KEY_URL: {
		const char *colon = strstr(v, "://");
		char scheme[16];

		if (!*v)
			break;
		if (!colon || (size_t)(colon - v) >= sizeof(scheme) || strlen(v) >= k->size ||
		    !valid_text(v, k->size - 1, 0) || strchr(v, ' ')) {
			config_err(err, errsz, "%s: '%.64s' is not a URL such as %s://host:port",
				   k->key, v, k->choices);
			return -1;
		}
		memcpy(scheme, v, (size_t)(colon - v));
		scheme[colon - v] = '\0';
		if (!words_has(k->choices, scheme) || !colon[3]) {
			config_err(err, errsz, "%s: the URL must start with one of %s followed by ://",
				   k->key, k->choices);
			return -1;
		}
		break;
	}
	case KEY_TEXT:
	case KEY_SECRET:
		if (!valid_text(v, k->size - 1, 0)) {
			if (k->type == KEY_SECRET)
				config_err(err, errsz, "%s: must be one line of at most %zu bytes",
					   k->key, k->size - 1);
			else
				config_err(err, errsz, "%s: '%.32s' must be one line of at most %zu bytes",
					   k->key, v, k->size - 1);
			return -1;
		}
		break;
	}
	xstrlcpy(dst, v, k->size);
	if (k->type == KEY_EMAIL || k->type == KEY_EMAILS)
		ascii_lower(dst);
	return 0;
}

static const struct config_key config_keys[] = {
	FN("server", "listen", set_listen),
	FN("server", "base_url", set_base_url),
	INT("server", "threads", threads, 1, 64),
	INT("server", "session_hours", session_hours, 1, 720),
	FN("database", "path", set_db_path),
	INT("database", "busy_timeout_ms", busy_timeout_ms, 0, 600000),
	INT("database", "result_cache", result_cache, 0, 1024),
	FN("company", "name", set_company_name),
	FN("company", "oib", set_company_oib),
	FN("company", "address", set_company_address),
	FN("company", "timezone", set_timezone),
	FN("company", "language", set_language),
	TYPED("mail", "address", KEY_EMAIL, mail_address, NULL),
	TYPED("mail", "from_name", KEY_TEXT, mail_from_name, NULL),
	TYPED("mail", "aliases", KEY_EMAILS, mail_aliases, NULL),
	FN("mail", "tag_prefix", set_tag_prefix),
	INT("mail", "reopen_days", mail_reopen_days, 0, 3650),
	INT("mail", "autoreply_per_hour", mail_autoreply_per_hour, 0, 1000),
	INT("mail", "max_message_mb", mail_max_message_mb, 1, 1024),
	INT("mail", "max_file_mb", mail_max_file_mb, 1, 1024),
	INT("mail", "max_files", mail_max_files, 1, 10000),
	TYPED("smtp", "url", KEY_URL, smtp_url, "smtp|smtps"),
	TYPED("smtp", "starttls", KEY_CHOICE, smtp_starttls, "required|try|off"),
	TYPED("smtp", "username", KEY_TEXT, smtp_username, NULL),
	TYPED("smtp", "password", KEY_SECRET, smtp_password, NULL),
	{ "smtp", "verify_tls", NULL, KEY_BOOL, offsetof(struct config, smtp_verify_tls), 0, 0, 0,
	  NULL },
	TYPED("smtp", "ca_file", KEY_TEXT, smtp_ca_file, NULL),
	INT("smtp", "timeout_seconds", smtp_timeout_seconds, 1, 600),
	INT("smtp", "give_up_hours", smtp_give_up_hours, 1, 720),
	INT("smtp", "retry_seconds", smtp_retry_seconds, 1, 3600),
	TYPED("imap", "url", KEY_URL, imap_url, "imap|imaps"),
	TYPED("imap", "starttls", KEY_CHOICE, imap_starttls, "required|try|off"),
	TYPED("imap", "username", KEY_TEXT, imap_username, NULL),
	TYPED("imap", "password", KEY_SECRET, imap_password, NULL),
	TYPED("imap", "oauth2_token", KEY_SECRET, imap_oauth2_token, NULL),
	{ "imap", "verify_tls", NULL, KEY_BOOL, offsetof(struct config, imap_verify_tls), 0, 0, 0,
	  NULL },
	TYPED("imap", "ca_file", KEY_TEXT, imap_ca_file, NULL),
	INT("imap", "interval_seconds", imap_interval_seconds, 10, 86400),
	TYPED("imap", "after_import", KEY_CHOICE, imap_after_import, "none|seen|move"),
	TYPED("imap", "move_to", KEY_TEXT, imap_move_to, NULL),
	INT("billing", "increment_minutes", billing_increment_minutes, 0, 1440),
	TYPED("billing", "rounding", KEY_CHOICE, billing_rounding, "up|nearest"),
	TYPED("billing", "round_per", KEY_CHOICE, billing_round_per, "entry|ticket"),
	INT("billing", "minimum_minutes", billing_minimum_minutes, 0, 1440),
	FN("billing", "default_rate", set_default_rate),
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
				   "unknown section [%.64s] (known: server, database, company, mail, smtp, imap, billing)",
				   section);
		return -1;
	}
	if (k < 0) {
		config_err(err, errsz, "unknown key '%.64s' in [%s]", key, section);
		return -1;
	}
	return set_typed(&config_keys[k], c, value, err, errsz);
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
	uint64_t seen;      /* bit per config_keys entry already set by this file */
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

	if (k >= 0 && (p->seen & ((uint64_t)1 << k))) {
		parse_fail(p, "'%s' is set twice in [%s]", name, section);
		return 0;
	}
	if (config_set_at(p->c, k, section, name, value, err, sizeof(err)) < 0) {
		parse_fail(p, "%s", err);
		return 0;
	}
	p->seen |= (uint64_t)1 << k;
	return 1;
}

int config_load(struct config *c, const char *path, int required, char *err, size_t errsz)
{
	struct config_parse p;
	struct config work = *c;
	int rc = -1, at;

	_Static_assert(CONFIG_KEY_COUNT <= 64, "config_parse.seen has one bit per key");
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
