/*
 * Unit tests for util/json_escape: quoting, the escapes RFC 8259 requires,
 * UTF-8 copied as it is, malformed bytes replaced, and the buffer cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/json_escape.h"

/* Escape s into a fresh buffer and compare with want. */
static void check(const char *s, const char *want)
{
	struct buf b = BUF_INIT(1024);

	assert_int_equal(json_escape(&b, s), 0);
	assert_string_equal(b.s, want);
	buf_free(&b);
}

static void test_plain_and_special(void **state)
{
	(void)state;
	check("", "\"\"");
	check("abc", "\"abc\"");
	check("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	check("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	check("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* Croatian letters, a three-byte and a four-byte character pass through. */
	check("Perić Šimić đ ž", "\"Perić Šimić đ ž\"");
	check("€ \xf0\x9f\x98\x80", "\"€ \xf0\x9f\x98\x80\"");
	/* A lone continuation byte, a cut sequence, an overlong and a surrogate. */
	check("a\x80z", "\"a\\ufffdz\"");
	check("a\xc4", "\"a\\ufffd\"");
	check("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	check("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	check("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_cap_leaves_buffer_unchanged(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(json_escape(&b, "ab"), 0);
	assert_string_equal(b.s, "\"ab\"");
	/* Needs 6 more bytes ("\"\\n\\n\"" is 6): over the cap of 8. */
	assert_int_equal(json_escape(&b, "\n\n"), -1);
	assert_string_equal(b.s, "\"ab\"");
	assert_int_equal(b.len, 4);
	assert_int_equal(json_escape(&b, "c"), 0);
	assert_string_equal(b.s, "\"ab\"\"c\"");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_special),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cap_leaves_buffer_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
