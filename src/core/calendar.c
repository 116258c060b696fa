/*
 * calendar: civil dates and months as plain numbers (see calendar.h).  Day
 * numbers follow Howard Hinnant's days_from_civil / civil_from_days
 * ("chrono-Compatible Low-Level Date Algorithms"), which are exact over the
 * whole proleptic Gregorian calendar without tables or loops.
 */
#include <stddef.h>

#include "core/calendar.h"

int32_t cal_day(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;				      /* [0, 399] */
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	      /* [0, 146096] */

	return (int32_t)(era * 146097 + doe - 719468);
}

void cal_civil(int32_t day, int *y, int *m, int *d)
{
	int64_t z = (int64_t)day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
	int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
	int yy = (int)(yoe + era * 400 + (mm <= 2));

	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (d)
		*d = dd;
}

int cal_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int cal_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && cal_leap_year(y) ? 29 : days[m - 1];
}

int cal_date_valid(int y, int m, int d)
{
	if (y < CAL_YEAR_MIN || y > CAL_YEAR_MAX || m < 1 || m > 12)
		return 0;
	return d >= 1 && d <= cal_days_in_month(y, m);
}

int32_t cal_month(int y, int m)
{
	return (int32_t)y * 12 + (m - 1);
}

void cal_month_ym(int32_t month, int *y, int *m)
{
	/* Floor division, so that a negative index still gives m in 1..12. */
	int32_t q = month >= 0 ? month / 12 : -((-month + 11) / 12);

	if (y)
		*y = (int)q;
	if (m)
		*m = (int)(month - q * 12) + 1;
}

int32_t cal_month_of_day(int32_t day)
{
	int y, m;

	cal_civil(day, &y, &m, NULL);
	return cal_month(y, m);
}

int32_t cal_month_first_day(int32_t month)
{
	int y, m;

	cal_month_ym(month, &y, &m);
	return cal_day(y, m, 1);
}

int32_t cal_month_last_day(int32_t month)
{
	int y, m;

	cal_month_ym(month, &y, &m);
	return cal_day(y, m, cal_days_in_month(y, m));
}

int cal_month_days(int32_t month)
{
	int y, m;

	cal_month_ym(month, &y, &m);
	return cal_days_in_month(y, m);
}

/* n decimal digits at s into *out; 0, or -1 when one is not a digit. */
static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int cal_month_parse(const char *s, int32_t *out)
{
	int y, m;

	/* Each check stops at the first byte that differs, so a short string's
	 * NUL is never read past. */
	if (!s || parse_digits(s, 4, &y) != 0 || s[4] != '-' || parse_digits(s + 5, 2, &m) != 0 ||
	    s[7] != '\0')
		return -1;
	if (!cal_date_valid(y, m, 1))
		return -1;
	*out = cal_month(y, m);
	return 0;
}

int cal_date_parse(const char *s, int32_t *out)
{
	int y, m, d;

	if (!s || parse_digits(s, 4, &y) != 0 || s[4] != '-' || parse_digits(s + 5, 2, &m) != 0 ||
	    s[7] != '-' || parse_digits(s + 8, 2, &d) != 0 || s[10] != '\0')
		return -1;
	if (!cal_date_valid(y, m, d))
		return -1;
	*out = cal_day(y, m, d);
	return 0;
}

/* v (0..10^n - 1) as n digits at out. */
static void put_digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *cal_month_format(int32_t month, char *out)
{
	int y, m;

	cal_month_ym(month, &y, &m);
	if (y < 0 || y > 9999) {
		/* Never a plausible-looking month for an index no parser gives. */
		for (int i = 0; i < 7; i++)
			out[i] = i == 4 ? '-' : '?';
		out[7] = '\0';
		return out;
	}
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '\0';
	return out;
}

char *cal_date_format(int32_t day, char *out)
{
	int y, m, d;

	cal_civil(day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		for (int i = 0; i < 10; i++)
			out[i] = i == 4 || i == 7 ? '-' : '?';
		out[10] = '\0';
		return out;
	}
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = '\0';
	return out;
}
