/*
 * clock: wall-clock time and the business time zone (see clock.h).  The zone
 * is installed through TZ once, before threads start, so localtime_r is safe
 * to call from any thread afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

int64_t clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int clock_set_zone(const char *tz)
{
	char path[512];

	if (!tz || !*tz || tz[0] == '/' || tz[0] == '.')
		return -1;
	for (const char *p = tz; *p; p++)
		if (p[0] == '.' && p[1] == '.')
			return -1;
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz) >= (int)sizeof(path))
		return -1;
	if (access(path, R_OK) != 0)
		return -1;
	if (setenv("TZ", tz, 1) != 0)
		return -1;
	tzset();
	return 0;
}

int clock_local_year(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 1970;
	return tm.tm_year + 1900;
}

int32_t clock_local_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	/* The local date, counted as if it were UTC: whole days since the epoch. */
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	return (int32_t)(timegm(&tm) / 86400);
}

int64_t clock_day_start(int32_t day)
{
	time_t utc_midnight = (time_t)day * 86400;
	struct tm tm;

	gmtime_r(&utc_midnight, &tm);
	/* The same wall-clock date at 00:00 in the business zone; mktime works out
	 * whether summer time is in force then. */
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}
