/*
 * timefmt: RFC 3339 instants and h:mm:ss durations.  The calendar arithmetic
 * is done here (Howard Hinnant's days_from_civil / civil_from_days), so the
 * result never depends on the process time zone or on the C library's tm.
 */
#include <stdio.h>

#include "core/timefmt.h"

/* What "YYYY" can hold: 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define RFC3339_MIN_T (-62167219200LL)
#define RFC3339_MAX_T 253402300799LL

int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;                                      /* [0, 399] */
	doy = (153 * (m > 2 ? (int64_t)m - 3 : (int64_t)m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

/* The inverse: the civil date of day z since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;                                          /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                        /* [0, 11] */
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Write v as exactly n decimal digits at p (v fits, by the callers' ranges). */
static void put_digits(char *p, int64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void timefmt_rfc3339(int64_t t, char out[RFC3339_LEN + 1])
{
	int64_t days, secs, y;
	unsigned m, d;

	/* Outside four-digit years the text would not fit: pin to the ends. */
	if (t < RFC3339_MIN_T)
		t = RFC3339_MIN_T;
	if (t > RFC3339_MAX_T)
		t = RFC3339_MAX_T;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

/* n digits at *p as a number, advancing *p; -1 if any is missing or not a digit. */
static int64_t take_digits(const char **p, int n)
{
	int64_t v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* Consume the character c at *p; 0, or -1 when something else is there. */
static int take_char(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int timefmt_parse_rfc3339(const char *s, int64_t *out)
{
	int64_t y, mo, d, h, mi, sec, oh, om, offset = 0;
	const char *p = s;

	if (!s)
		return -1;
	/* The digit readers stop at the NUL of a short string, so nothing reads past it. */
	if ((y = take_digits(&p, 4)) < 0 || take_char(&p, '-') < 0 ||
	    (mo = take_digits(&p, 2)) < 0 || take_char(&p, '-') < 0 ||
	    (d = take_digits(&p, 2)) < 0)
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if ((h = take_digits(&p, 2)) < 0 || take_char(&p, ':') < 0 ||
	    (mi = take_digits(&p, 2)) < 0 || take_char(&p, ':') < 0 ||
	    (sec = take_digits(&p, 2)) < 0)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		p++;
		if ((oh = take_digits(&p, 2)) < 0 || take_char(&p, ':') < 0 ||
		    (om = take_digits(&p, 2)) < 0)
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	/*
	 * A leap second (:60) has no POSIX time of its own; it is refused rather
	 * than silently folded into the next minute.
	 */
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	*out = timefmt_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	       mi * 60 + sec - offset;
	return 0;
}

void timefmt_duration(int64_t seconds, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return;
	if (seconds < 0)
		seconds = 0;
	snprintf(out, outsz, "%lld:%02d:%02d", (long long)(seconds / 3600),
		 (int)(seconds / 60 % 60), (int)(seconds % 60));
}
