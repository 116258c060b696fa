/*
 * money: EUR amounts as int64 cents, formatted and parsed without floating
 * point, and the one rounding rule (half away from zero) for proportions.
 */
#include <assert.h>
#include <string.h>

#include "core/money.h"

int money_format(int64_t cents, char dec, char thousands, char *out, size_t outsz)
{
	/* Built backwards: the longest is "-92.233.720.368.547.758,08" (26 bytes). */
	char tmp[MONEY_STR_MAX];
	size_t pos = sizeof(tmp), len;
	uint64_t mag, units;
	int group = 0;

	assert(dec != '\0');
	/* The magnitude in unsigned arithmetic, so INT64_MIN has one too. */
	mag = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
	units = mag / 100;
	tmp[--pos] = (char)('0' + mag % 10);
	tmp[--pos] = (char)('0' + mag / 10 % 10);
	tmp[--pos] = dec;
	do {
		if (group == 3 && thousands) {
			tmp[--pos] = thousands;
			group = 0;
		}
		tmp[--pos] = (char)('0' + units % 10);
		units /= 10;
		group++;
	} while (units);
	if (cents < 0)
		tmp[--pos] = '-';
	len = sizeof(tmp) - pos;
	if (len + 1 > outsz) {
		if (outsz)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, tmp + pos, len);
	out[len] = '\0';
	return 0;
}

int money_parse(const char *s, int64_t *out)
{
	/* The magnitude may reach 2^63 for INT64_MIN itself. */
	const uint64_t limit = (uint64_t)INT64_MAX + 1;
	uint64_t units = 0, cents;
	unsigned frac = 0;
	int neg = 0, ndigits = 0, nfrac = 0;

	if (!s)
		return -1;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, ndigits++) {
		if (units > (limit - (unsigned)(*s - '0')) / 10)
			return -1;
		units = units * 10 + (unsigned)(*s - '0');
	}
	if (ndigits == 0)
		return -1;
	if (*s == '.' || *s == ',') {
		/* Two decimals at most: "12.345" is likelier a thousands separator than cents. */
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac == 2)
				return -1;
			frac = frac * 10 + (unsigned)(*s - '0');
		}
		if (nfrac == 0)
			return -1;
		if (nfrac == 1)
			frac *= 10;
	}
	if (*s != '\0')
		return -1;
	if (units > (limit - frac) / 100)
		return -1;
	cents = units * 100 + frac;
	if (!neg && cents > (uint64_t)INT64_MAX)
		return -1;
	/* -(cents - 1) - 1 reaches INT64_MIN without ever holding +2^63 in an int64. */
	*out = neg && cents ? -(int64_t)(cents - 1) - 1 : (int64_t)cents;
	return 0;
}

int money_muldiv(int64_t amount, int64_t num, int64_t den, int64_t *out)
{
	__extension__ typedef __int128 wide;
	wide p, q, r;

	if (den <= 0)
		return -1;
	/* Any int64 * int64 fits in 128 bits, so only the quotient can overflow. */
	p = (wide)amount * num;
	q = p / den;
	r = p % den;
	if (r < 0)
		r = -r;
	if (2 * r >= den)
		q += p < 0 ? -1 : 1;
	if (q > INT64_MAX || q < INT64_MIN)
		return -1;
	*out = (int64_t)q;
	return 0;
}
