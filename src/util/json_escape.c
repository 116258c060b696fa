/*
 * json_escape: a quoted JSON string writer (see json_escape.h).  Malformed
 * UTF-8 is replaced rather than refused, so a bad byte in stored data can
 * never make the output invalid JSON.
 */
#include <stdio.h>
#include <string.h>

#include "util/json_escape.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 table), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	/* The NUL terminator fails these tests, so a short sequence is caught. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

int json_escape(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len, n;
	char esc[8];
	int rc = -1;

	if (buf_putc(b, '"') < 0)
		goto out;
	while (*p) {
		const char *rep = NULL;

		switch (*p) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		default: break;
		}
		if (!rep && (*p < 0x20 || *p == 0x7F)) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			rep = esc;
		}
		if (rep) {
			if (buf_puts(b, rep) < 0)
				goto out;
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0) {
			if (buf_puts(b, "\\ufffd") < 0)
				goto out;
			p++;
			continue;
		}
		if (buf_add(b, p, n) < 0)
			goto out;
		p += n;
	}
	if (buf_putc(b, '"') < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		/* Leave b as it was: cut back to where this string began. */
		b->len = start;
		if (b->cap)
			b->s[start] = '\0';
	}
	return rc;
}
