/*
 * Unit tests for the web layer's pure parts: the escaping HTML writer, the
 * user's-language formats (dates in Europe/Zagreb, numbers) and the login
 * rate limiter.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "web/html.h"
#include "web/i18n.h"
#include "web/ratelimit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the writer ---- */

static void test_escapes_every_string(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 4096);
	html_printf(&h, "<p title=\"%s\">%s</p>", "\"><script>alert(1)</script>",
		    "<img src=x onerror=alert(1)> & 'x'");
	assert_false(html_failed(&h));
	assert_string_equal(html_data(&h),
			    "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">"
			    "&lt;img src=x onerror=alert(1)&gt; &amp; &#39;x&#39;</p>");
	html_free(&h);
}

static void test_conversions(void **state)
{
	struct html h, inner;

	(void)state;
	html_init(&h, 4096);
	html_init(&inner, 4096);
	html_printf(&inner, "<b>%s</b>", "a<b");
	html_printf(&h, "%d %j %u %% %q|%h|%s", -5, (int64_t)9007199254740993LL, 7u,
		    "a b&c/č?=", &inner, (const char *)NULL);
	assert_string_equal(html_data(&h),
			    "-5 9007199254740993 7 % a%20b%26c%2F%C4%8D%3F%3D|<b>a&lt;b</b>|");
	html_free(&inner);
	html_free(&h);
}

/* Integers are written without printf: the edges of each type. */
static void test_integer_edges(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 4096);
	html_printf(&h, "%d %d %d|%u %u|%j %j %j", 0, INT_MIN, INT_MAX, 0u, UINT_MAX, INT64_MIN,
		    INT64_MAX, (int64_t)-10);
	assert_string_equal(html_data(&h), "0 -2147483648 2147483647|0 4294967295|"
					   "-9223372036854775808 9223372036854775807 -10");
	html_free(&h);
}

/* Text stops at a NUL inside the given length; every special byte is escaped in a long run. */
static void test_text_runs(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 4096);
	html_textn(&h, "ab&cd<ef>gh\"ij'kl\0mn", 17);
	assert_string_equal(html_data(&h), "ab&amp;cd&lt;ef&gt;gh&quot;ij&#39;kl");
	html_free(&h);
}

/* What html_textn must write for the n bytes at s, one byte at a time. */
static void escape_slowly(const char *s, size_t n, char *out)
{
	size_t i;

	*out = '\0';
	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char one[2] = { (char)c, 0 };

		strcat(out, c == '&'    ? "&amp;"
			    : c == '<'  ? "&lt;"
			    : c == '>'  ? "&gt;"
			    : c == '"'  ? "&quot;"
			    : c == '\'' ? "&#39;"
			    : (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ? "\xEF\xBF\xBD"
									  : one);
	}
}

/*
 * Each special byte (and a plain one, and a UTF-8 letter's bytes) at every
 * place of a 40-byte text, so that it falls in each byte of the 8-byte
 * words html_textn reads at a time and in the bytes after the last word.
 */
static void test_text_every_place(void **state)
{
	static const char specials[] = "&<>\"'\x01\x1f\t\n\r\x7f\xc4\x8d\0a";
	char text[41], want[41 * 8];
	struct html h;
	size_t k, at;

	(void)state;
	for (k = 0; k < sizeof(specials) - 1; k++) {
		for (at = 0; at < 40; at++) {
			memset(text, 'x', 40);
			text[40] = '\0';
			text[at] = specials[k];
			escape_slowly(text, 40, want);
			html_init(&h, 4096);
			html_textn(&h, text, 40);
			assert_string_equal(html_data(&h), want);
			html_free(&h);
		}
	}
}

static void test_control_characters_replaced(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 4096);
	html_printf(&h, "%s", "a\x01" "b\tc\nd\x7f");
	assert_string_equal(html_data(&h), "a\xEF\xBF\xBD" "b\tc\nd\x7f");
	html_free(&h);
}

static void test_cap(void **state)
{
	struct html h;
	int i;

	(void)state;
	html_init(&h, 100);
	for (i = 0; i < 20; i++)
		html_printf(&h, "<li>%s</li>", "0123456789");
	assert_true(html_failed(&h));
	assert_true(html_len(&h) <= 100);
	html_free(&h);
}

struct ml_case {
	const char *in, *want;
};

static const struct ml_case ml_cases[] = {
    {"a\nb", "a<br>\nb"},
    {"a\r\nb", "a<br>\nb"},
    {"<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"},
    {"see https://evid.test/a?b=1&c=2.",
     "see <a href=\"https://evid.test/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" "
     "target=\"_blank\">https://evid.test/a?b=1&amp;c=2</a>."},
    {"javascript:alert(1) http:// x", "javascript:alert(1) http:// x"},
    {"x\"https://a.test/\"onmouseover=1", "x&quot;https://a.test/&quot;onmouseover=1"},
    {"(http://a.test/x)",
     "(<a href=\"http://a.test/x\" rel=\"noopener noreferrer nofollow\" "
     "target=\"_blank\">http://a.test/x</a>)"},
};

static void test_multiline(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(ml_cases); i++) {
		struct html h;

		html_init(&h, 4096);
		html_multiline(&h, ml_cases[i].in, strlen(ml_cases[i].in));
		assert_string_equal(html_data(&h), ml_cases[i].want);
		html_free(&h);
	}
}

static void test_escape_into(void **state)
{
	char out[16];

	(void)state;
	html_escape("<a>", out, sizeof(out));
	assert_string_equal(out, "&lt;a&gt;");
}

/* ---- the user's language ---- */

static void test_dates(void **state)
{
	char out[I18N_DATETIME_MAX];

	(void)state;
	/* 2026-11-27 13:05 UTC is 14:05 in Zagreb (CET). */
	i18n_datetime("hr", 1795784700, out, sizeof(out));
	assert_string_equal(out, "27. 11. 2026. 14:05");
	i18n_datetime("en", 1795784700, out, sizeof(out));
	assert_string_equal(out, "27 Nov 2026 14:05");
	i18n_date("hr", 1795784700, out, sizeof(out));
	assert_string_equal(out, "27. 11. 2026.");
	/* 2026-07-01 10:00 UTC is 12:00 in summer (CEST). */
	i18n_datetime("hr", 1782900000, out, sizeof(out));
	assert_string_equal(out, "1. 7. 2026. 12:00");
	/* 2027-01-01 00:00 in Zagreb, the first minute of a year */
	i18n_datetime("en", 1798758000, out, sizeof(out));
	assert_string_equal(out, "1 Jan 2027 00:00");
	i18n_datetime("hr", 1795784700, out, 9);
	assert_string_equal(out, "27. 11. ");
	i18n_datetime_input(1795784700, out, sizeof(out));
	assert_string_equal(out, "2026-11-27T14:05");
}

/*
 * Local time from the table of the zone's offsets (i18n.c) is what
 * localtime_r says: every 5.5 days from 1970 to 2099, and each minute of
 * the hours around the daylight saving changes of 2026 and 2027.
 */
static void test_local_time_as_libc(void **state)
{
	static const int64_t changes[] = { 1774746000, 1792890000, 1806195600, 1824944400 };
	char got[I18N_DATETIME_MAX], want[I18N_DATETIME_MAX];
	struct tm tm;
	int64_t t;
	time_t tt;
	size_t i;
	int n = 0;

	(void)state;
	for (t = 0; t < 4102444800LL; t += 7919 * 60) {
		tt = (time_t)t;
		assert_non_null(localtime_r(&tt, &tm));
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M", &tm);
		i18n_datetime_input(t, got, sizeof(got));
		assert_string_equal(got, want);
		n++;
	}
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		for (t = changes[i] - 7200; t <= changes[i] + 7200; t += 60) {
			int64_t d;

			for (d = -1; d <= 0; d++) {
				tt = (time_t)(t + d);
				assert_non_null(localtime_r(&tt, &tm));
				strftime(want, sizeof(want), "%Y-%m-%dT%H:%M", &tm);
				i18n_datetime_input(t + d, got, sizeof(got));
				assert_string_equal(got, want);
				n++;
			}
		}
	}
	assert_true(n > 8000);
}

struct parse_case {
	const char *in;
	int ok;
	int64_t want;
};

static const struct parse_case parse_cases[] = {
    {"2026-11-27T14:05", 1, 1795784700},
    {"2026-11-27T14:05:30", 1, 1795784730},
    {"2026-11-27 14:05", 1, 1795784700},
    {"2026-07-01T12:00", 1, 1782900000},
    {"2026-02-31T10:00", 0, 0},
    {"2026-13-01T10:00", 0, 0},
    {"2026-11-27T24:00", 0, 0},
    {"2026-11-27", 0, 0},
    {"27. 11. 2026. 14:05", 0, 0},
    {"2026-11-27T14:05Z", 0, 0},
    {"", 0, 0},
};

static void test_parse_input(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(parse_cases); i++) {
		int64_t t = -1;
		int rc = i18n_parse_datetime_input(parse_cases[i].in, &t);

		if (parse_cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_int_equal(t, parse_cases[i].want);
		} else if (rc != -1) {
			fail_msg("'%s' parsed", parse_cases[i].in);
		}
	}
}

static void test_numbers(void **state)
{
	char out[48];

	(void)state;
	i18n_cents("hr", 123456, out, sizeof(out));
	assert_string_equal(out, "1.234,56");
	i18n_cents("en", 123456, out, sizeof(out));
	assert_string_equal(out, "1,234.56");
	i18n_cents("hr", -5, out, sizeof(out));
	assert_string_equal(out, "-0,05");
	i18n_int("hr", 1234567, out, sizeof(out));
	assert_string_equal(out, "1.234.567");
	i18n_int("en", 999, out, sizeof(out));
	assert_string_equal(out, "999");
	i18n_int("en", -1000, out, sizeof(out));
	assert_string_equal(out, "-1,000");
	i18n_hours(0, out, sizeof(out));
	assert_string_equal(out, "0:00");
	i18n_hours(3 * 3600 + 5 * 60 + 59, out, sizeof(out));
	assert_string_equal(out, "3:05");
	i18n_hours(-10, out, sizeof(out));
	assert_string_equal(out, "0:00");
	i18n_hours(123 * 3600 + 45 * 60, out, sizeof(out));
	assert_string_equal(out, "123:45");
	/* what does not fit is cut, and the text still ends */
	i18n_hours(123 * 3600 + 45 * 60, out, 4);
	assert_string_equal(out, "123");
	i18n_age("en", 59, out, sizeof(out));
	assert_string_equal(out, "0 min");
	i18n_age("hr", 299, out, sizeof(out));
	assert_string_equal(out, "4 min");
	i18n_age("hr", 3 * 3600, out, sizeof(out));
	assert_string_equal(out, "3 h");
	i18n_age("en", 12 * 86400 + 5, out, sizeof(out));
	assert_string_equal(out, "12 d");
	assert_string_equal(L("hr", "Log out", "Odjava"), "Odjava");
	assert_string_equal(L("en", "Log out", "Odjava"), "Log out");
	assert_string_equal(L(NULL, "Log out", "Odjava"), "Log out");
	assert_true(i18n_lang_ok("hr"));
	assert_false(i18n_lang_ok("de"));
	assert_false(i18n_lang_ok(NULL));
}

/* ---- the rate limiter ---- */

static void test_ratelimit_account(void **state)
{
	int64_t retry, t = 1000000;
	int i;

	(void)state;
	ratelimit_reset();
	for (i = 0; i < RATELIMIT_ACCOUNT; i++) {
		assert_int_equal(ratelimit_check("a@x.hr", "10.0.0.1", t, &retry), 0);
		ratelimit_failed("a@x.hr", i % 2 ? "10.0.0.1" : "10.0.0.2", t);
	}
	assert_int_equal(ratelimit_check("a@x.hr", "10.0.0.9", t + 60, &retry), -1);
	assert_int_equal(retry, RATELIMIT_WINDOW - 60);
	/* Other accounts from the same addresses are not held up. */
	assert_int_equal(ratelimit_check("b@x.hr", "10.0.0.1", t + 60, &retry), 0);
	/* The window passes. */
	assert_int_equal(ratelimit_check("a@x.hr", "10.0.0.9", t + RATELIMIT_WINDOW, &retry), 0);
}

static void test_ratelimit_success_clears(void **state)
{
	int64_t retry, t = 2000000;
	int i;

	(void)state;
	ratelimit_reset();
	for (i = 0; i < RATELIMIT_ACCOUNT - 1; i++)
		ratelimit_failed("a@x.hr", "10.0.0.1", t);
	ratelimit_succeeded("a@x.hr");
	ratelimit_failed("a@x.hr", "10.0.0.1", t);
	assert_int_equal(ratelimit_check("a@x.hr", "10.0.0.1", t, &retry), 0);
}

static void test_ratelimit_address(void **state)
{
	char acct[32];
	int64_t retry, t = 3000000;
	int i;

	(void)state;
	ratelimit_reset();
	for (i = 0; i < RATELIMIT_ADDRESS; i++) {
		snprintf(acct, sizeof(acct), "u%d@x.hr", i);
		ratelimit_failed(acct, "192.0.2.7", t);
	}
	assert_int_equal(ratelimit_check("new@x.hr", "192.0.2.7", t, &retry), -1);
	assert_true(retry > 0);
	assert_int_equal(ratelimit_check("new@x.hr", "192.0.2.8", t, &retry), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes_every_string),
	    cmocka_unit_test(test_conversions),
	    cmocka_unit_test(test_integer_edges),
	    cmocka_unit_test(test_text_runs),
	    cmocka_unit_test(test_text_every_place),
	    cmocka_unit_test(test_local_time_as_libc),
	    cmocka_unit_test(test_control_characters_replaced),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_multiline),
	    cmocka_unit_test(test_escape_into),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_parse_input),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_ratelimit_account),
	    cmocka_unit_test(test_ratelimit_success_clears),
	    cmocka_unit_test(test_ratelimit_address),
	};

	if (clock_set_zone("Europe/Zagreb") < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
