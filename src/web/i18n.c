/*
 * i18n: the user's language for dates, times and numbers (see i18n.h).
 * Local time is in the business zone that clock_set_zone installed at
 * start-up, from a table of its offsets read once from localtime_r.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/money.h"
#include "web/i18n.h"

static int is_hr(const char *lang)
{
	return lang && lang[0] == 'h' && lang[1] == 'r' && lang[2] == '\0';
}

const char *L(const char *lang, const char *en, const char *hr)
{
	return is_hr(lang) ? hr : en;
}

int i18n_lang_ok(const char *lang)
{
	return lang && (strcmp(lang, "hr") == 0 || strcmp(lang, "en") == 0);
}

static const char *const month_en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/*
 * A short text put together in a caller's array without printf, which the
 * queue calls three times a row: what does not fit is cut, and the text
 * always ends in a NUL (f_end).
 */
struct fmt {
	char *p, *end; /* end: the last byte, kept for the NUL */
};

static struct fmt f_start(char *out, size_t outsz)
{
	return (struct fmt){ out, out + (outsz ? outsz - 1 : 0) };
}

static void f_str(struct fmt *f, const char *s)
{
	while (*s && f->p < f->end)
		*f->p++ = *s++;
}

/* v in decimal, with zeros in front to at least width digits. */
static void f_num(struct fmt *f, int64_t v, int width)
{
	char num[24], *q = num + sizeof(num);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*--q = '\0';
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
		width--;
	} while (u);
	while (width-- > 0)
		*--q = '0';
	if (v < 0)
		*--q = '-';
	f_str(f, q);
}

static void f_end(struct fmt *f, size_t outsz)
{
	if (outsz)
		*f->p = '\0';
}

/*
 * The business zone's offsets from UTC, read once per process from
 * localtime_r, which takes a process-wide lock and cost a fifth of a queue
 * page (a date on each of its 50 rows).  spans[i] holds from its instant to
 * the next one's, over SPAN_FIRST..SPAN_END; the zone is set before any
 * thread starts (clock_set_zone) and never changes after.  Sampled every
 * SPAN_STEP and each change found to the second: an offset that comes and
 * goes again within a week would be missed, and no zone has one.
 */
#define SPAN_FIRST 0LL             /* 1970-01-01T00:00:00Z */
#define SPAN_END 4102444800LL      /* 2100-01-01T00:00:00Z */
#define SPAN_STEP (7 * 86400LL)
#define SPANS_MAX 1024
static struct zone_span {
	int64_t from;
	long off;
} spans[SPANS_MAX];
static size_t n_spans;
static int spans_ok;
static pthread_once_t spans_once = PTHREAD_ONCE_INIT;

static int offset_at(int64_t t, long *off)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

static void spans_build(void)
{
	int64_t t, lo, hi, mid;
	long off, o, x;

	if (offset_at(SPAN_FIRST, &off) < 0)
		return;
	spans[0] = (struct zone_span){ SPAN_FIRST, off };
	n_spans = 1;
	for (t = SPAN_FIRST + SPAN_STEP; t <= SPAN_END; t += SPAN_STEP) {
		lo = t - SPAN_STEP; /* off holds there */
		if (offset_at(t, &o) < 0)
			return;
		while (o != off) {
			/* the first second after lo whose offset is not off */
			hi = t;
			while (hi - lo > 1) {
				mid = lo + (hi - lo) / 2;
				if (offset_at(mid, &x) < 0)
					return;
				if (x == off)
					lo = mid;
				else
					hi = mid;
			}
			if (offset_at(hi, &x) < 0 || n_spans == SPANS_MAX)
				return;
			spans[n_spans++] = (struct zone_span){ hi, x };
			off = x;
			lo = hi;
		}
	}
	spans_ok = 1;
}

/* The calendar fields of t in the business zone (year, month, day, hour, minute, second). */
static int local(int64_t t, struct tm *tm)
{
	size_t a = 0, b;
	int64_t s, day;
	int y, m, d;
	time_t tt;

	pthread_once(&spans_once, spans_build);
	if (!spans_ok || t < SPAN_FIRST || t >= SPAN_END) {
		tt = (time_t)t;
		return localtime_r(&tt, tm) ? 0 : -1;
	}
	/* the last span that starts at or before t */
	b = n_spans;
	while (b - a > 1) {
		size_t mid = a + (b - a) / 2;

		if (spans[mid].from <= t)
			a = mid;
		else
			b = mid;
	}
	s = t + spans[a].off;
	day = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	s -= day * 86400;
	cal_civil((int32_t)day, &y, &m, &d);
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	tm->tm_hour = (int)(s / 3600);
	tm->tm_min = (int)(s / 60 % 60);
	tm->tm_sec = (int)(s % 60);
	tm->tm_gmtoff = spans[a].off;
	return 0;
}

void i18n_datetime(const char *lang, int64_t t, char *out, size_t outsz)
{
	struct fmt f;
	struct tm tm;

	if (local(t, &tm) < 0) {
		snprintf(out, outsz, "?");
		return;
	}
	f = f_start(out, outsz);
	/* "27. 11. 2026. 14:05" and "27 Nov 2026 14:05" */
	f_num(&f, tm.tm_mday, 1);
	if (is_hr(lang)) {
		f_str(&f, ". ");
		f_num(&f, tm.tm_mon + 1, 1);
		f_str(&f, ". ");
		f_num(&f, tm.tm_year + 1900, 1);
		f_str(&f, ". ");
	} else {
		f_str(&f, " ");
		f_str(&f, month_en[tm.tm_mon]);
		f_str(&f, " ");
		f_num(&f, tm.tm_year + 1900, 1);
		f_str(&f, " ");
	}
	f_num(&f, tm.tm_hour, 2);
	f_str(&f, ":");
	f_num(&f, tm.tm_min, 2);
	f_end(&f, outsz);
}

void i18n_date(const char *lang, int64_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (local(t, &tm) < 0) {
		snprintf(out, outsz, "?");
		return;
	}
	if (is_hr(lang))
		snprintf(out, outsz, "%d. %d. %d.", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	else
		snprintf(out, outsz, "%d %s %d", tm.tm_mday, month_en[tm.tm_mon], tm.tm_year + 1900);
}

void i18n_datetime_input(int64_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (local(t, &tm) < 0) {
		snprintf(out, outsz, "%s", "");
		return;
	}
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int i18n_parse_datetime_input(const char *s, int64_t *out)
{
	struct tm tm, check;
	int y, mo, d, h, mi, sec = 0;
	time_t t;
	size_t n = s ? strlen(s) : 0;

	if ((n != 16 && n != 19) || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 ||
	    digits(s + 8, 2, &d) < 0 || digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0)
		return -1;
	if (n == 19 && (s[16] != ':' || digits(s + 17, 2, &sec) < 0))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || local((int64_t)t, &check) < 0)
		return -1;
	/* 31 February and the like roll over: refuse them. */
	if (check.tm_mday != d || check.tm_mon != mo - 1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Digits of |n| grouped by three with sep, into out (which holds at least 32). */
static void grouped(uint64_t n, char sep, char *out, size_t outsz)
{
	char tmp[32], res[48];
	int len, i, j = 0;

	len = snprintf(tmp, sizeof(tmp), "%" PRIu64, n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			res[j++] = sep;
		res[j++] = tmp[i];
	}
	res[j] = '\0';
	snprintf(out, outsz, "%s", res);
}

static uint64_t magnitude(int64_t n)
{
	return n < 0 ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
}

void i18n_cents(const char *lang, int64_t cents, char *out, size_t outsz)
{
	if (money_format(cents, is_hr(lang) ? ',' : '.', is_hr(lang) ? '.' : ',', out, outsz) != 0)
		snprintf(out, outsz, "?");
}

void i18n_int(const char *lang, int64_t n, char *out, size_t outsz)
{
	char g[48];

	grouped(magnitude(n), is_hr(lang) ? '.' : ',', g, sizeof(g));
	snprintf(out, outsz, "%s%s", n < 0 ? "-" : "", g);
}

void i18n_hours(int64_t seconds, char *out, size_t outsz)
{
	int64_t m = seconds < 0 ? 0 : seconds / 60;
	struct fmt f = f_start(out, outsz);

	f_num(&f, m / 60, 1);
	f_str(&f, ":");
	f_num(&f, m % 60, 2);
	f_end(&f, outsz);
}

void i18n_age(const char *lang, int64_t seconds, char *out, size_t outsz)
{
	struct fmt f = f_start(out, outsz);

	(void)lang;
	if (seconds < 0)
		seconds = 0;
	if (seconds < 3600) {
		f_num(&f, seconds / 60, 1);
		f_str(&f, " min");
	} else if (seconds < 86400) {
		f_num(&f, seconds / 3600, 1);
		f_str(&f, " h");
	} else {
		f_num(&f, seconds / 86400, 1);
		f_str(&f, " d");
	}
	f_end(&f, outsz);
}
