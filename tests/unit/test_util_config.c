/*
 * Unit tests for util/config: the defaults, config_set's validation and the
 * rule that base_url follows listen until it is set, config_load's
 * file:line messages and that a failed load leaves the settings untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/config.h"

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.base_url, "http://127.0.0.1:8080");
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.session_hours, 12);
	assert_string_equal(c.db_path, "var/evid.db");
	assert_int_equal(c.busy_timeout_ms, 5000);
	assert_int_equal(c.result_cache, 32);
	assert_string_equal(c.timezone, "Europe/Zagreb");
	assert_string_equal(c.language, "hr");
	assert_string_equal(c.company_name, "");
	assert_string_equal(c.path, "");
}

static void test_set_values(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "server", "threads", "64", err, sizeof(err)), 0);
	assert_int_equal(c.threads, 64);
	assert_int_equal(config_set(&c, "server", "threads", "65", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "threads"));
	assert_int_equal(c.threads, 64);
	assert_int_equal(config_set(&c, "server", "threads", "4x", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "server", "threads", "", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "database", "result_cache", "0", err, sizeof(err)), 0);
	assert_int_equal(c.result_cache, 0);
	assert_int_equal(config_set(&c, "database", "result_cache", "1025", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "result_cache"));
	assert_int_equal(config_set(&c, "database", "result_cache", "-1", err, sizeof(err)), -1);
	assert_int_equal(c.result_cache, 0);
	assert_int_equal(config_set(&c, "company", "oib", "69435151530", err, sizeof(err)), 0);
	assert_string_equal(c.company_oib, "69435151530");
	assert_int_equal(config_set(&c, "company", "oib", "69435151531", err, sizeof(err)), -1);
	assert_string_equal(c.company_oib, "69435151530");
	assert_int_equal(config_set(&c, "company", "timezone", "UTC", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "company", "timezone", "Europe", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "company", "timezone", "../etc/passwd", err, sizeof(err)),
			 -1);
	assert_string_equal(c.timezone, "UTC");
	assert_int_equal(config_set(&c, "server", "lisen", "x", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown key 'lisen' in [server]");
	assert_int_equal(config_set(&c, "srv", "listen", "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown section [srv]"));
	assert_int_equal(config_set(&c, "server", "base_url", "https://e.hr//", err, sizeof(err)),
			 0);
	assert_string_equal(c.base_url, "https://e.hr");
	assert_int_equal(config_set(&c, "server", "base_url", "https://", err, sizeof(err)), -1);
}

static void test_listen_moves_default_base_url(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "server", "listen", "0.0.0.0:9000", err, sizeof(err)), 0);
	assert_string_equal(c.base_url, "http://0.0.0.0:9000");
	assert_int_equal(config_set(&c, "server", "listen", "[::1]:9001", err, sizeof(err)), 0);
	assert_string_equal(c.listen, "[::1]:9001");
	assert_string_equal(c.base_url, "http://[::1]:9001");
	assert_int_equal(config_set(&c, "server", "listen", "::1:9001", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "server", "listen", "1.2.3.4:0", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "server", "listen", "1.2.3.4", err, sizeof(err)), -1);
	/* Once set on its own, base_url stays where it was put. */
	assert_int_equal(config_set(&c, "server", "base_url", "https://evid.firma.hr", err,
				    sizeof(err)),
			 0);
	assert_int_equal(config_set(&c, "server", "listen", "127.0.0.1:80", err, sizeof(err)), 0);
	assert_string_equal(c.base_url, "https://evid.firma.hr");
}

/* Write text to a new temporary file; returns its path (static buffer). */
static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/evid-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_load(void **state)
{
	struct config c, before;
	char err[1400], want[1400];
	const char *path;

	(void)state;
	config_defaults(&c);
	path = write_tmp("# comment\n[server]\nthreads = 8 ; inline\n\n[company]\n"
			 "name = Servis Perić d.o.o.\nlanguage = en\n");
	assert_int_equal(config_load(&c, path, 1, err, sizeof(err)), 0);
	assert_int_equal(c.threads, 8);
	assert_string_equal(c.company_name, "Servis Perić d.o.o.");
	assert_string_equal(c.language, "en");
	assert_string_equal(c.path, path);
	unlink(path);

	before = c;
	path = write_tmp("[server]\nthreads = 2\n[company]\nlanguage = de\n");
	assert_int_equal(config_load(&c, path, 1, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: language: 'de' is not hr or en", path);
	assert_string_equal(err, want);
	/* Nothing of a bad file is applied, not even its good lines. */
	assert_memory_equal(&c, &before, sizeof(c));
	unlink(path);

	assert_int_equal(config_load(&c, "/nonexistent/evid.conf", 0, err, sizeof(err)), 0);
	assert_string_equal(c.path, "");
	assert_int_equal(config_load(&c, "/nonexistent/evid.conf", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read configuration"));
}

/* The [mail], [smtp] and [imap] keys: each accepted value lands, each bad one is named. */
static void test_mail_keys(void **state)
{
	static const struct {
		const char *section, *key, *value;
		int ok;
		const char *err; /* a part of the message for a refused value */
	} cases[] = {
		{ "mail", "address", "Podrska@Firma.HR", 1, NULL },
		{ "mail", "address", "not-an-address", 0, "address: 'not-an-address' is not an email" },
		{ "mail", "aliases", "servis@firma.hr, info@firma.hr", 1, NULL },
		{ "mail", "aliases", "servis@firma.hr,,x@y.hr", 0, "aliases: must be email addresses" },
		{ "mail", "tag_prefix", "EVID#", 1, NULL },
		{ "mail", "tag_prefix", "", 1, NULL },
		{ "mail", "tag_prefix", "[#", 0, "without spaces or brackets" },
		{ "mail", "reopen_days", "0", 1, NULL },
		{ "mail", "reopen_days", "-1", 0, "from 0 to 3650" },
		{ "mail", "max_message_mb", "0", 0, "from 1 to 1024" },
		{ "smtp", "url", "smtps://mail.firma.hr:465", 1, NULL },
		{ "smtp", "url", "", 1, NULL },
		{ "smtp", "url", "http://mail.firma.hr", 0, "must start with one of smtp|smtps" },
		{ "smtp", "url", "mail.firma.hr", 0, "is not a URL" },
		{ "smtp", "starttls", "required", 1, NULL },
		{ "smtp", "starttls", "maybe", 0, "is not one of required|try|off" },
		{ "smtp", "verify_tls", "no", 1, NULL },
		{ "smtp", "verify_tls", "perhaps", 0, "is not yes or no" },
		{ "smtp", "password", "s3cret-value\x01", 0, "password: must be one line" },
		{ "imap", "url", "imaps://127.0.0.1:993/INBOX", 1, NULL },
		{ "imap", "url", "smtp://x", 0, "must start with one of imap|imaps" },
		{ "imap", "after_import", "move", 1, NULL },
		{ "imap", "interval_seconds", "5", 0, "from 10 to 86400" },
	};
	struct config c;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		config_defaults(&c);
		err[0] = '\0';
		rc = config_set(&c, cases[i].section, cases[i].key, cases[i].value, err, sizeof(err));
		if (rc != (cases[i].ok ? 0 : -1) ||
		    (!cases[i].ok && !strstr(err, cases[i].err)))
			fail_msg("[%s] %s = '%s': rc %d, err '%s'", cases[i].section, cases[i].key,
				 cases[i].value, rc, err);
		/* A secret is never repeated in a message. */
		if (!cases[i].ok && strcmp(cases[i].key, "password") == 0)
			assert_null(strstr(err, "s3cret"));
	}
	config_defaults(&c);
	assert_int_equal(config_set(&c, "mail", "address", "Podrska@Firma.HR", err, sizeof(err)), 0);
	assert_string_equal(c.mail_address, "podrska@firma.hr");
	assert_int_equal(config_set(&c, "smtp", "verify_tls", "no", err, sizeof(err)), 0);
	assert_int_equal(c.smtp_verify_tls, 0);
	assert_int_equal(config_set(&c, "mail", "reopen_days", "30", err, sizeof(err)), 0);
	assert_int_equal(c.mail_reopen_days, 30);
	assert_string_equal(c.imap_after_import, "seen");
	assert_int_equal(c.imap_interval_seconds, 60);
	assert_int_equal(config_set(&c, "pop3", "url", "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown section [pop3]"));
}

static void test_path_choose(void **state)
{
	int required = -1;

	(void)state;
	unsetenv("EVID_CONFIG");
	assert_string_equal(config_path_choose(NULL, &required), "evid.conf");
	assert_int_equal(required, 0);
	setenv("EVID_CONFIG", "/etc/evid.conf", 1);
	assert_string_equal(config_path_choose(NULL, &required), "/etc/evid.conf");
	assert_int_equal(required, 1);
	assert_string_equal(config_path_choose("x.conf", &required), "x.conf");
	assert_int_equal(required, 1);
	unsetenv("EVID_CONFIG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_values),
		cmocka_unit_test(test_listen_moves_default_base_url),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_mail_keys),
		cmocka_unit_test(test_path_choose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
