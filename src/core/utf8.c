/*
 * utf8: decode, encode, cut and clean UTF-8 (RFC 3629) for the mail code
 * (see utf8.h).  Everything here is bounded by the length it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "util/xalloc.h"

size_t utf8_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	unsigned c;
	size_t len, i;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* The second-byte ranges of RFC 3629's table refuse overlongs,
	 * surrogates and code points above U+10FFFF. */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	*cp = c;
	return len;
}

size_t utf8_encode(unsigned cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = UTF8_REPLACEMENT;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
	size_t i = 0, len;
	unsigned cp;

	if (n <= max)
		max = n;
	/* Walk whole sequences; an invalid byte counts as one character. */
	while (i < max) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			len = 1;
		if (len > max - i)
			break;
		i += len;
	}
	return i;
}

/* Whether cp is dropped from clean text (when not turned into a space). */
static int is_junk(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF;
}

char *utf8_clean(const char *s, size_t n, int multiline, size_t *outlen)
{
	/* Worst case: every byte becomes U+FFFD (3 bytes). */
	char *out = xmalloc(n * 3 + 1);
	size_t i = 0, o = 0, len;
	int space = 0; /* line mode: a space is pending */
	unsigned cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			cp = UTF8_REPLACEMENT;
			len = 1;
		}
		i += len;
		if (multiline) {
			if (cp == '\r') {
				if (i < n && s[i] == '\n')
					i++;
				cp = '\n';
			}
			if (cp != '\n' && cp != '\t' && is_junk(cp))
				continue;
			o += utf8_encode(cp, out + o);
			continue;
		}
		if (cp == ' ' || cp == 0xA0 || (cp >= '\t' && cp <= '\r')) {
			space = o > 0;
			continue;
		}
		if (is_junk(cp))
			continue;
		if (space) {
			out[o++] = ' ';
			space = 0;
		}
		o += utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return out;
}

void utf8_line_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t len;
	char *clean = utf8_clean(s, n, 0, &len);

	len = utf8_cut(clean, len, dstsz - 1);
	while (len > 0 && clean[len - 1] == ' ')
		len--;
	memcpy(dst, clean, len);
	dst[len] = '\0';
	free(clean);
}
