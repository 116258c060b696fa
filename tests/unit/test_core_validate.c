/*
 * Unit tests for core/validate: UTF-8 well-formedness (RFC 3629), field
 * text, e-mail addresses, OIB check digits and e-mail domain lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/model.h"
#include "core/validate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct bytes_case {
	const char *s;
	size_t n;
	int valid;
	const char *what;
};

#define B(lit, v, what) { lit, sizeof(lit) - 1, v, what }

static const struct bytes_case utf8_cases[] = {
	B("", 1, "empty"),
	B("Evidencija", 1, "ascii"),
	B("\xc4\x8d\xc4\x87\xc5\xbe\xc5\xa1\xc4\x91", 1, "čćžšđ"),
	B("\xc4\x8c\xc4\x86\xc5\xbd\xc5\xa0\xc4\x90", 1, "ČĆŽŠĐ"),
	B("Ra\xc4\x8dun za o\xc5\xbeujak", 1, "Račun za ožujak"),
	B("\xe2\x82\xac", 1, "euro sign U+20AC"),
	B("\xc2\x80", 1, "U+0080, smallest 2-byte"),
	B("\xdf\xbf", 1, "U+07FF"),
	B("\xe0\xa0\x80", 1, "U+0800, smallest 3-byte"),
	B("\xed\x9f\xbf", 1, "U+D7FF, just below the surrogates"),
	B("\xee\x80\x80", 1, "U+E000, just above the surrogates"),
	B("\xef\xbf\xbd", 1, "U+FFFD"),
	B("\xf0\x90\x80\x80", 1, "U+10000, smallest 4-byte"),
	B("\xf0\x9f\x98\x80", 1, "emoji U+1F600"),
	B("\xf4\x8f\xbf\xbf", 1, "U+10FFFF, the last code point"),
	B("a\0b", 1, "NUL is well-formed UTF-8 (valid_text refuses it)"),
	/* overlong */
	B("\xc0\xaf", 0, "overlong '/' in 2 bytes"),
	B("\xc1\xbf", 0, "overlong U+007F"),
	B("\xc0\x80", 0, "overlong NUL"),
	B("\xe0\x80\xaf", 0, "overlong '/' in 3 bytes"),
	B("\xe0\x9f\xbf", 0, "overlong U+07FF in 3 bytes"),
	B("\xf0\x80\x80\xaf", 0, "overlong '/' in 4 bytes"),
	B("\xf0\x8f\xbf\xbf", 0, "overlong U+FFFF in 4 bytes"),
	/* surrogates */
	B("\xed\xa0\x80", 0, "U+D800"),
	B("\xed\xbf\xbf", 0, "U+DFFF"),
	B("\xed\xa0\xbd\xed\xb8\x80", 0, "CESU-8 surrogate pair"),
	/* beyond U+10FFFF */
	B("\xf4\x90\x80\x80", 0, "U+110000"),
	B("\xf5\x80\x80\x80", 0, "F5 lead byte"),
	B("\xf7\xbf\xbf\xbf", 0, "U+1FFFFF"),
	B("\xf8\x88\x80\x80\x80", 0, "5-byte form"),
	B("\xfc\x84\x80\x80\x80\x80", 0, "6-byte form"),
	B("\xfe", 0, "FE"),
	B("\xff", 0, "FF"),
	/* truncated and stray bytes */
	B("\xc4", 0, "lone lead byte of č"),
	B("ab\xc4", 0, "text ending in half a č"),
	B("\xe2\x82", 0, "euro sign missing its last byte"),
	B("\xf0\x9f\x98", 0, "emoji missing its last byte"),
	B("\xe2\x82" "a", 0, "sequence cut by ASCII"),
	B("\x80", 0, "lone continuation byte"),
	B("a\xbf" "b", 0, "stray continuation in ASCII"),
	B("\xc4\x8d\x8d", 0, "č followed by a continuation byte"),
	B("\xc4\xc4\x8d", 0, "two lead bytes"),
	B("\xe9", 0, "Latin-1 é"),
	B("\xe8\xe6\xbe\xb9\xf0", 0, "čćžšđ in Windows-1250"),
};

static void test_utf8(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(utf8_cases); i++) {
		const struct bytes_case *c = &utf8_cases[i];

		if (valid_utf8(c->s, c->n) != c->valid)
			fail_msg("valid_utf8(%s) != %d", c->what, c->valid);
	}
}

/* n bounds the scan: a valid string cut inside a character is not valid. */
static void test_utf8_length(void **state)
{
	const char *s = "\xc4\x8d" "a"; /* "ča" */

	(void)state;
	assert_true(valid_utf8(s, 3));
	assert_true(valid_utf8(s, 2));
	assert_false(valid_utf8(s, 1));
	assert_true(valid_utf8(s, 0));
	assert_true(valid_utf8(NULL, 0));
	assert_false(valid_utf8(NULL, 1));
}

struct text_case {
	const char *s;
	size_t max;
	int multiline;
	int valid;
};

static const struct text_case text_cases[] = {
	{ "Pisa\xc4\x8d ne radi", 100, 0, 1 },
	{ "", 100, 0, 1 },
	{ "", 0, 0, 1 },
	{ "abc", 3, 0, 1 },               /* exactly at the cap */
	{ "abcd", 3, 0, 0 },              /* one byte over */
	{ "\xc4\x8d\xc4\x87", 4, 0, 1 },  /* the cap counts bytes, not letters */
	{ "\xc4\x8d\xc4\x87", 3, 0, 0 },
	{ "line one\nline two", 100, 0, 0 },
	{ "line one\nline two", 100, 1, 1 },
	{ "a\tb", 100, 0, 0 },
	{ "a\tb", 100, 1, 1 },
	{ "a\r\nb", 100, 1, 1 },          /* CRLF from browser forms */
	{ "a\rb", 100, 0, 0 },
	{ "bell\a", 100, 1, 0 },
	{ "esc\x1b[31m", 100, 1, 0 },
	{ "del\x7f", 100, 1, 0 },
	{ "\x01", 100, 1, 0 },
	{ "\x1f", 100, 1, 0 },
	{ "c1 \xc2\x85", 100, 1, 0 },     /* U+0085 NEL, a C1 control */
	{ "c1 \xc2\x9f", 100, 1, 0 },     /* U+009F */
	{ "nbsp\xc2\xa0ok", 100, 0, 1 },  /* U+00A0 is not a control */
	{ "bad \xc0\xaf", 100, 1, 0 },
	{ "bad \xed\xa0\x80", 100, 1, 0 },
	{ "cut \xc4", 100, 1, 0 },
};

static void test_text(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(text_cases); i++) {
		const struct text_case *c = &text_cases[i];

		if (valid_text(c->s, c->max, c->multiline) != c->valid)
			fail_msg("case %zu: valid_text(\"%s\", %zu, %d) != %d", i, c->s, c->max,
				 c->multiline, c->valid);
	}
	assert_false(valid_text(NULL, 100, 1));
}

/* A long string is judged by its cap without scanning all of it. */
static void test_text_long(void **state)
{
	static char big[NOTES_MAX_LEN + 2];

	(void)state;
	memset(big, 'a', NOTES_MAX_LEN);
	big[NOTES_MAX_LEN] = '\0';
	assert_true(valid_text(big, NOTES_MAX_LEN, 0));
	big[NOTES_MAX_LEN] = 'a';
	big[NOTES_MAX_LEN + 1] = '\0';
	assert_false(valid_text(big, NOTES_MAX_LEN, 0));
	assert_true(valid_text(big, SIZE_MAX, 0));
}

struct str_case {
	const char *s;
	int valid;
};

static const struct str_case email_cases[] = {
	{ "ivo.horvat@firma.hr", 1 },
	{ "Ivo.Horvat@Firma.HR", 1 },
	{ "ana+racuni@mail.example.com", 1 },
	{ "a@b.co", 1 },
	{ "x_y-z.1@sub-domain.firma.hr", 1 },
	{ "o'brien@example.ie", 1 },
	{ "ivan.\xc4\x8d" "eh@firma.hr", 1 },   /* UTF-8 local part (RFC 6531) */
	{ "podrska@xn--aa-yka.hr", 1 },
	{ "", 0 },
	{ "@", 0 },
	{ "ivo", 0 },
	{ "ivo@", 0 },
	{ "@firma.hr", 0 },
	{ "ivo@firma", 0 },                  /* the domain needs a dot */
	{ "ivo@@firma.hr", 0 },
	{ "ivo@firma@hr.hr", 0 },
	{ "ivo horvat@firma.hr", 0 },
	{ "ivo@firma .hr", 0 },
	{ " ivo@firma.hr", 0 },
	{ "ivo@firma.hr ", 0 },
	{ "ivo\t@firma.hr", 0 },
	{ "ivo@firma.hr\n", 0 },
	{ "ivo\r\nBcc: x@y.hr@firma.hr", 0 },
	{ "ivo\x7f@firma.hr", 0 },
	{ "<ivo@firma.hr>", 0 },
	{ "Ivo <ivo@firma.hr>", 0 },
	{ "ivo,ana@firma.hr", 0 },
	{ "ivo;@firma.hr", 0 },
	{ "\"ivo\"@firma.hr", 0 },
	{ "ivo@.firma.hr", 0 },
	{ "ivo@firma.hr.", 0 },
	{ "ivo@firma..hr", 0 },
	{ "ivo@-firma.hr", 0 },
	{ "ivo@firma-.hr", 0 },
	{ "ivo@firma_x.hr", 0 },
	{ "ivo@[192.168.1.1]", 0 },
	{ "ivo@fi\xc4\x8dma.hr", 0 },        /* IDN domains in their xn-- form only */
	{ "iv\xc0\xafo@firma.hr", 0 },
};

static void test_email(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(email_cases); i++)
		if (valid_email(email_cases[i].s) != email_cases[i].valid)
			fail_msg("valid_email(\"%s\") != %d", email_cases[i].s,
				 email_cases[i].valid);
	assert_false(valid_email(NULL));
}

/* Build "local@domain" of exact lengths around the limits. */
static void make_email(char *out, size_t local_len, size_t total_len)
{
	size_t i, domain_len = total_len - local_len - 1;

	memset(out, 'a', local_len);
	out[local_len] = '@';
	/* the domain as labels of up to 60 letters joined by dots, ending ".hr" */
	for (i = 0; i < domain_len; i++)
		out[local_len + 1 + i] = (i % 61 == 60) ? '.' : 'b';
	memcpy(out + total_len - 3, ".hr", 3);
	out[total_len] = '\0';
}

static void test_email_lengths(void **state)
{
	char s[400];

	(void)state;
	make_email(s, 64, EMAIL_MAX_LEN);
	assert_int_equal(strlen(s), 254);
	assert_true(valid_email(s));
	make_email(s, 64, EMAIL_MAX_LEN + 1);
	assert_false(valid_email(s));
	make_email(s, 65, 100);
	assert_false(valid_email(s));            /* local part over 64 bytes */
	make_email(s, 64, 100);
	assert_true(valid_email(s));
	/* a 64-letter label is one too long */
	memset(s, 0, sizeof(s));
	strcpy(s, "ivo@");
	memset(s + 4, 'c', 64);
	strcpy(s + 68, ".hr");
	assert_false(valid_email(s));
	s[4 + 63] = '.';                         /* now labels of 63 and 0... */
	assert_false(valid_email(s));
	memmove(s + 67, s + 68, 4);              /* ...and now a 63-letter label */
	assert_true(valid_email(s));
}

/*
 * The ISO 7064 MOD 11,10 check digit, written independently of validate.c
 * (the recursive form: P(j) = (S(j) mod 10, with 0 as 10) * 2 mod 11).
 */
static int oib_check_digit(const char *ten)
{
	int p = 10, i, s;

	for (i = 0; i < 10; i++) {
		s = (p + ten[i] - '0') % 10;
		p = (s ? s : 10) * 2 % 11;
	}
	return (11 - p) % 10;
}

static void test_oib_computed(void **state)
{
	static const char *const prefixes[] = {
		"0000000000", "1234567890", "6943515153", "9999999999", "1000000000",
		"5555555555", "3141592653", "2718281828", "0101010101", "9876543210",
	};
	char oib[OIB_LEN + 1];
	int good, d;
	size_t i;

	(void)state;
	for (i = 0; i < N(prefixes); i++) {
		good = oib_check_digit(prefixes[i]);
		memcpy(oib, prefixes[i], 10);
		oib[OIB_LEN] = '\0';
		/* exactly one of the ten last digits makes a valid OIB */
		for (d = 0; d <= 9; d++) {
			oib[10] = (char)('0' + d);
			if (valid_oib(oib) != (d == good))
				fail_msg("valid_oib(%s) != %d", oib, d == good);
		}
	}
}

static const struct str_case oib_cases[] = {
	{ "69435151530", 1 },
	{ "12345678903", 1 },
	{ "00000000001", 1 },
	{ "94577403194", 1 },
	{ "69435151531", 0 },   /* wrong check digit */
	{ "12345678901", 0 },
	{ "96435151530", 0 },   /* two digits swapped */
	{ "6943515153", 0 },    /* 10 digits */
	{ "694351515300", 0 },  /* 12 digits */
	{ "", 0 },
	{ "6943515153O", 0 },   /* letter O */
	{ " 69435151530", 0 },
	{ "69435151530 ", 0 },
	{ "HR69435151530", 0 }, /* a VAT id, not an OIB */
	{ "6943-5151530", 0 },
	{ "+69435151530", 0 },
};

static void test_oib(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(oib_cases); i++)
		if (valid_oib(oib_cases[i].s) != oib_cases[i].valid)
			fail_msg("valid_oib(\"%s\") != %d", oib_cases[i].s, oib_cases[i].valid);
	assert_false(valid_oib(NULL));
}

static const struct str_case domain_cases[] = {
	{ "", 1 },
	{ "firma.hr", 1 },
	{ "firma.hr,firma.com", 1 },
	{ "Firma.HR,mail.firma.com", 1 },
	{ "a-b.c-d.hr,x1.eu,xn--aa-yka.hr", 1 },
	{ ",", 0 },
	{ "firma.hr,", 0 },
	{ ",firma.hr", 0 },
	{ "firma.hr,,firma.com", 0 },
	{ "firma.hr, firma.com", 0 },
	{ "firma.hr;firma.com", 0 },
	{ "firma", 0 },
	{ "firma.hr,localhost", 0 },
	{ ".firma.hr", 0 },
	{ "firma.hr.", 0 },
	{ "firma..hr", 0 },
	{ "-firma.hr", 0 },
	{ "firma-.hr", 0 },
	{ "firma_x.hr", 0 },
	{ "@firma.hr", 0 },
	{ "ivo@firma.hr", 0 },
	{ "*.firma.hr", 0 },
	{ "fi\xc4\x8dma.hr", 0 },
	{ "firma.hr\n", 0 },
};

/* 50 domains joined by commas, the first one of first_len bytes, the others "aaaaaa.hr". */
static size_t make_domain_list(char *out, size_t first_len)
{
	size_t i, n;

	memset(out, 'a', first_len - 3);
	memcpy(out + first_len - 3, ".hr", 3);
	n = first_len;
	for (i = 1; i < 50; i++) {
		memcpy(out + n, ",aaaaaa.hr", 10);
		n += 10;
	}
	out[n] = '\0';
	return n;
}

static void test_domain_list(void **state)
{
	char big[DOMAINS_MAX_LEN + 16];
	size_t i;

	(void)state;
	for (i = 0; i < N(domain_cases); i++)
		if (valid_domain_list(domain_cases[i].s) != domain_cases[i].valid)
			fail_msg("valid_domain_list(\"%s\") != %d", domain_cases[i].s,
				 domain_cases[i].valid);
	assert_false(valid_domain_list(NULL));

	/* the cap counts the whole list: 500 bytes pass, 501 do not */
	assert_int_equal(make_domain_list(big, 10), DOMAINS_MAX_LEN);
	assert_true(valid_domain_list(big));
	assert_int_equal(make_domain_list(big, 11), DOMAINS_MAX_LEN + 1);
	assert_false(valid_domain_list(big));
}

static void test_ascii_lower(void **state)
{
	char s[] = "Ivo.HORVAT@Firma.HR";
	char u[] = "\xc4\x8c\xc4\x86-ABC-\xc5\xbd"; /* ČĆ-ABC-Ž */
	char e[] = "";

	(void)state;
	ascii_lower(s);
	assert_string_equal(s, "ivo.horvat@firma.hr");
	ascii_lower(u);
	assert_string_equal(u, "\xc4\x8c\xc4\x86-abc-\xc5\xbd"); /* non-ASCII bytes untouched */
	ascii_lower(e);
	assert_string_equal(e, "");
	ascii_lower(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_long),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_oib_computed),
		cmocka_unit_test(test_oib),
		cmocka_unit_test(test_domain_list),
		cmocka_unit_test(test_ascii_lower),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
