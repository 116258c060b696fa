/*
 * Unit tests for the mail parser's helpers: mail/charset (declared,
 * undeclared and wrongly declared charsets to UTF-8), mail/rfc2047
 * (unfolding and joining encoded words before GMime decodes them) and
 * mail/mediatype.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "mail/charset.h"
#include "mail/mediatype.h"
#include "mail/mime.h"
#include "mail/rfc2047.h"
#include "util/buf.h"

struct cs_case {
	const char *what;
	const char *declared;
	const char *in;
	size_t n; /* 0: strlen(in) */
	const char *out;
	const char *used;
};

static const struct cs_case cs_cases[] = {
    {"ascii", NULL, "Hello", 0, "Hello", "us-ascii"},
    {"utf-8 undeclared", NULL, "Ra\xc4\x8dun", 0, "Ra\xc4\x8dun", "utf-8"},
    {"valid utf-8 stays whatever the label", "iso-8859-2", "\xc5\xa1uma", 0, "\xc5\xa1uma",
     "utf-8"},
    {"undeclared windows-1250 (9A 9E)", NULL,
     "\x9auma \x9e"
     "aba",
     0,
     "\xc5\xa1uma \xc5\xbe"
     "aba",
     "windows-1250"},
    {"undeclared iso-8859-2 (B9 BE)", NULL,
     "\xb9uma \xbe"
     "aba",
     0,
     "\xc5\xa1uma \xc5\xbe"
     "aba",
     "iso-8859-2"},
    {"letters both share: windows-1250 first", NULL, "\xe8\xe6\xf0", 0, "\xc4\x8d\xc4\x87\xc4\x91",
     "windows-1250"},
    {"windows-1250 labelled iso-8859-1", "iso-8859-1",
     "Ra\xe8unalo \x9a"
     "alje",
     0,
     "Ra\xc4\x8dunalo \xc5\xa1"
     "alje",
     "windows-1250"},
    {"windows-1250 labelled windows-1252", "windows-1252",
     "Ra\xe8un, \xe6"
     "e, \xf0",
     0,
     "Ra\xc4\x8dun, \xc4\x87"
     "e, \xc4\x91",
     "windows-1250"},
    {"real iso-8859-1 German stays", "ISO-8859-1",
     "Gr\xfc\xdf"
     "e aus M\xfcnchen",
     0,
     "Gr\xc3\xbc\xc3\x9f"
     "e aus M\xc3\xbcnchen",
     "iso-8859-1"},
    {"real iso-8859-1 French with several accents stays", "latin1", "tr\xe8s \xe0 la f\xeate", 0,
     "tr\xc3\xa8s \xc3\xa0 la f\xc3\xaate", "iso-8859-1"},
    {"iso-8859-2 labelled windows-1250", "windows-1250",
     "\xb9uma i \xbe"
     "aba",
     0,
     "\xc5\xa1uma i \xc5\xbe"
     "aba",
     "iso-8859-2"},
    {"windows-1250 labelled utf-8", "UTF-8", "\x8aime \x9euri", 0, "\xc5\xa0ime \xc5\xbeuri",
     "windows-1250"},
    {"utf-8 with one stray byte stays utf-8", "utf-8",
     "\xc4\x8d\xc4\x87\xc5\xbe\xc5\xa1\xc4\x91 \xc4\x8d\xc4\x87 \xff", 0,
     "\xc4\x8d\xc4\x87\xc5\xbe\xc5\xa1\xc4\x91 \xc4\x8d\xc4\x87 \xef\xbf\xbd", "utf-8"},
    {"us-ascii label with 8-bit bytes", "us-ascii",
     "\x9e"
     "elim",
     0,
     "\xc5\xbe"
     "elim",
     "windows-1250"},
    {"unknown label: guessed", "x-unknown", "\x9auma", 0, "\xc5\xa1uma", "windows-1250"},
    {"koi8-r is trusted", "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 0,
     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "declared"},
    {"iso-2022-jp (7-bit, stateful) is trusted", "ISO-2022-JP", "\x1b$B$3$s$K$A$O\x1b(B", 0,
     "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf", "declared"},
    {"utf-16le", "utf-16le", "a\0b\0", 4, "ab", "declared"},
    {"alias ks_c_5601-1987", "ks_c_5601-1987", "\xc7\xd1", 0, "\xed\x95\x9c", "declared"},
    {"undefined byte in windows-1250", "windows-1250", "\x81", 0, "\xef\xbf\xbd", "windows-1250"},
    {"truncated utf-16", "utf-16le", "a\0b", 3, "a\xef\xbf\xbd", "declared"},
};

static void test_charset_table(void **state)
{
	size_t i, len;
	const char *used;
	char *out;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cs_cases) / sizeof(cs_cases[0]); i++) {
		const struct cs_case *c = &cs_cases[i];
		size_t n = c->n ? c->n : strlen(c->in);

		out = charset_to_utf8(c->declared, c->in, n, 1000, &len, &used);
		if (strcmp(out, c->out) != 0 || strcmp(used, c->used) != 0 || len != strlen(out) ||
		    !valid_utf8(out, len)) {
			print_error("%s: got '%s' (%s), want '%s' (%s)\n", c->what, out, used,
				    c->out, c->used);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
}

/* The family tables agree with iconv on every byte from 0x80 up (where
 * iconv has no meaning for a byte, the table has U+FFFD). */
static void test_charset_tables_match_iconv(void **state)
{
	static const char *const names[] = {"ISO-8859-1", "ISO-8859-15", "WINDOWS-1252",
					    "ISO-8859-2", "WINDOWS-1250"};
	size_t i, inleft, outleft;
	int b, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		iconv_t cd = iconv_open("UTF-8", names[i]);

		assert_true(cd != (iconv_t)-1);
		for (b = 0x80; b <= 0xFF; b++) {
			char in = (char)b, want[8], *ip = &in, *op = want;
			struct buf got = BUF_INIT(64);

			inleft = 1;
			outleft = sizeof(want);
			iconv(cd, NULL, NULL, NULL, NULL);
			if (iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1) {
				memcpy(want, "\xef\xbf\xbd", 3);
				op = want + 3;
			}
			*op = '\0';
			assert_int_equal(charset_decode_8bit(names[i], &in, 1, &got), 0);
			if (strcmp(got.s, want) != 0) {
				print_error("%s byte %02X: table '%s', iconv '%s'\n", names[i], b,
					    got.s, want);
				bad++;
			}
			buf_free(&got);
		}
		iconv_close(cd);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(charset_decode_8bit("koi8-r", "a", 1, NULL), -1);
}

static void test_charset_cap(void **state)
{
	size_t len;
	char *out;

	(void)state;
	/* Cut at max bytes, on a character boundary. */
	out = charset_to_utf8(NULL, "\xc4\x8d\xc4\x8d\xc4\x8d", 6, 5, &len, NULL);
	assert_string_equal(out, "\xc4\x8d\xc4\x8d");
	assert_int_equal(len, 4);
	free(out);
	out = charset_to_utf8("windows-1250", "\x9a\x9a\x9a", 3, 3, &len, NULL);
	assert_string_equal(out, "\xc5\xa1");
	free(out);
	out = charset_to_utf8(NULL, NULL, 0, 10, &len, NULL);
	assert_string_equal(out, "");
	free(out);
}

static void test_charset_score(void **state)
{
	(void)state;
	assert_int_equal(charset_score("abc", 3), 0);
	assert_int_equal(charset_score("\xc4\x8d\xc5\xa1", 4), 4);		  /* č š */
	assert_true(charset_score("\xc4\x85", 2) < 0);				  /* ą */
	assert_true(charset_score("\xc2\x9a", 2) < charset_score("\xc2\xa9", 2)); /* C1 < © */
	assert_true(charset_score("\xef\xbf\xbd", 3) <= -10);
}

struct words_case {
	const char *what;
	const char *raw;
	int words;
	const char *out;
};

static const struct words_case words_cases[] = {
    {"unfold", " a\r\n b\n\tc\r\n", 0, "a b\tc"},
    {"a character split over two words", " =?utf-8?B?xA==?= =?UTF-8?b?jQ==?=", 1,
     "=?UTF-8?B?xI0=?="},
    {"a mislabelled word", "=?iso-8859-1?q?ra=E8unalo?=", 1, "=?UTF-8?B?cmHEjXVuYWxv?="},
    {"words of two charsets joined into one", "=?iso-8859-2?Q?=B9?= =?utf-8?Q?a?=", 1,
     "=?UTF-8?B?xaFh?="},
    {"text between words stays", "Re: =?utf-8?Q?a?= x =?utf-8?Q?b?=", 1,
     "Re: =?UTF-8?B?YQ==?= x =?UTF-8?B?Yg==?="},
    {"RFC 2231 language dropped", "=?utf-8*hr?Q?a_b?=", 1, "=?UTF-8?B?YSBi?="},
    {"unterminated word copied", "=?utf-8?B?xA", 1, "=?utf-8?B?xA"},
    {"bad encoding letter copied", "=?utf-8?X?abc?=", 1, "=?utf-8?X?abc?="},
    {"words untouched when not asked", "=?utf-8?B?xA==?=", 0, "=?utf-8?B?xA==?="},
    {"raw iso-8859-2 read as Croatian",
     "\xa9ime \xae"
     "agar",
     0,
     "\xc5\xa0ime \xc5\xbd"
     "agar"},
    {"raw utf-8 kept", "\xc5\xa0ime", 0, "\xc5\xa0ime"},
};

static void test_rfc2047_prepare(void **state)
{
	size_t i;
	char *out;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(words_cases) / sizeof(words_cases[0]); i++) {
		const struct words_case *c = &words_cases[i];

		out = rfc2047_prepare(c->raw, strlen(c->raw), 1000, c->words);
		if (strcmp(out, c->out) != 0) {
			print_error("%s: got '%s', want '%s'\n", c->what, out, c->out);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
	out = rfc2047_prepare(NULL, 0, 10, 1);
	assert_string_equal(out, "");
	free(out);
}

static void test_mediatype(void **state)
{
	(void)state;
	assert_string_equal(mediatype_for_name("Racun.PDF"), "application/pdf");
	assert_string_equal(
	    mediatype_for_name("a.docx"),
	    "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
	assert_string_equal(mediatype_for_name("winmail.dat"), "application/octet-stream");
	assert_string_equal(mediatype_for_name("README"), "application/octet-stream");
	assert_string_equal(mediatype_for_name(NULL), "application/octet-stream");
	assert_string_equal(mediatype_ext("image/png"), ".png");
	assert_string_equal(mediatype_ext("text/html"), ".html");
	assert_string_equal(mediatype_ext("text/x-unknown"), ".txt");
	assert_string_equal(mediatype_ext("application/x-unknown"), ".bin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_charset_table),
	    cmocka_unit_test(test_charset_tables_match_iconv),
	    cmocka_unit_test(test_charset_cap),
	    cmocka_unit_test(test_charset_score),
	    cmocka_unit_test(test_rfc2047_prepare),
	    cmocka_unit_test(test_mediatype),
	};

	mime_init(); /* GMime's charset alias table */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
