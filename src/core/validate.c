/*
 * validate: the checks every piece of outside text passes before it reaches
 * the store: UTF-8 (RFC 3629), field text, e-mail addresses, OIB (ISO 7064
 * MOD 11,10) and lists of e-mail domains.
 */
#include <string.h>

#include "core/model.h"
#include "core/validate.h"

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes available)
 * and its code point in *cp, or 0 when it is not well-formed.  The ranges of
 * the second byte are those of RFC 3629's table: they refuse overlongs
 * (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
 * above U+10FFFF (F4 90.., F5..FF).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	unsigned cp;

	if (!s)
		return n == 0;
	while (i < n) {
		len = utf8_seq(p + i, n - i, &cp);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

int valid_text(const char *s, size_t max, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i = 0, len;
	unsigned cp;

	if (!s)
		return 0;
	/* Never scan further than the cap allows: the text may be huge. */
	n = strnlen(s, max + 1 > max ? max + 1 : max);
	if (n > max)
		return 0;
	while (i < n) {
		len = utf8_seq(p + i, n - i, &cp);
		if (len == 0)
			return 0;
		/* C0 controls, DEL and the C1 controls U+0080..U+009F. */
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			if (!(multiline && (cp == '\n' || cp == '\r' || cp == '\t')))
				return 0;
		}
		i += len;
	}
	return 1;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Whether s[0..n) is a host name of at least two labels, each 1..63 bytes of
 * letters, digits and '-' (not at either end of a label).  Internationalised
 * names are expected in their ASCII (xn--) form.
 */
static int valid_hostname(const char *s, size_t n)
{
	size_t i, label = 0, labels = 1;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			labels++;
		} else if (is_alnum(c) || c == '-') {
			if (c == '-' && label == 0)
				return 0;
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[n - 1] != '-' && labels >= 2;
}

int valid_email(const char *s)
{
	const char *at, *p;
	size_t n;

	if (!s)
		return 0;
	n = strnlen(s, EMAIL_MAX_LEN + 1);
	if (n > EMAIL_MAX_LEN)
		return 0;
	at = strchr(s, '@');
	/* One '@'; the local part is 1..64 bytes (RFC 5321, 4.5.3.1.1). */
	if (!at || at == s || at - s > 64 || strchr(at + 1, '@'))
		return 0;
	/*
	 * The local part: no spaces, controls or the characters that would need
	 * quoting or could break a header line (RFC 5322 specials).  Non-ASCII
	 * local parts (RFC 6531) are allowed when they are valid UTF-8.
	 */
	for (p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7F || strchr("()<>[]\\,;:\"", c))
			return 0;
	}
	if (!valid_utf8(s, (size_t)(at - s)))
		return 0;
	return valid_hostname(at + 1, strlen(at + 1));
}

int valid_oib(const char *s)
{
	int i, a = 10, check;

	if (!s)
		return 0;
	for (i = 0; i < OIB_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[OIB_LEN] != '\0')
		return 0;
	/* ISO 7064 MOD 11,10 over the first ten digits gives the eleventh. */
	for (i = 0; i < OIB_LEN - 1; i++) {
		a = (a + (s[i] - '0')) % 10;
		if (a == 0)
			a = 10;
		a = a * 2 % 11;
	}
	check = 11 - a;
	if (check == 10)
		check = 0;
	return check == s[OIB_LEN - 1] - '0';
}

int valid_domain_list(const char *s)
{
	const char *item, *comma;
	size_t n;

	if (!s)
		return 0;
	n = strnlen(s, DOMAINS_MAX_LEN + 1);
	if (n > DOMAINS_MAX_LEN)
		return 0;
	if (n == 0)
		return 1;
	for (item = s;; item = comma + 1) {
		comma = strchr(item, ',');
		if (!valid_hostname(item, comma ? (size_t)(comma - item) : strlen(item)))
			return 0;
		if (!comma)
			return 1;
	}
}

void ascii_lower(char *s)
{
	if (!s)
		return;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}
