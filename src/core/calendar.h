/*
 * calendar: civil dates and months, pure arithmetic (proleptic Gregorian).
 * A day is a count of days since 1970-01-01 (day 0); a month is a count of
 * months since January of year 0 (y * 12 + m - 1), so that "the next month"
 * is month + 1.  Which local day an instant falls on depends on the business
 * time zone and is worked out by util/clock (clock_local_day), not here.
 */
#ifndef EVID_CORE_CALENDAR_H
#define EVID_CORE_CALENDAR_H

#include <stdint.h>

/* Years outside 1900..9999 are refused by the parsers below. */
#define CAL_YEAR_MIN 1900
#define CAL_YEAR_MAX 9999

/* The day number of y-m-d (m 1..12, d 1..31; not checked: use cal_date_valid). */
int32_t cal_day(int y, int m, int d);
/* The civil date of day; any of the out pointers may be NULL. */
void cal_civil(int32_t day, int *y, int *m, int *d);
/* 1 when y-m-d is a real date within CAL_YEAR_MIN..CAL_YEAR_MAX, else 0. */
int cal_date_valid(int y, int m, int d);

int cal_leap_year(int y);
/* Days in month m (1..12) of year y: 28..31. */
int cal_days_in_month(int y, int m);

/* The month index of y-m, and back. */
int32_t cal_month(int y, int m);
void cal_month_ym(int32_t month, int *y, int *m);
/* The month index a day falls in. */
int32_t cal_month_of_day(int32_t day);
/* The first and the last day of a month index. */
int32_t cal_month_first_day(int32_t month);
int32_t cal_month_last_day(int32_t month);
/* Days in a month index. */
int cal_month_days(int32_t month);

/*
 * Parse "YYYY-MM" (exactly) into a month index.  Returns 0, or -1 when s is
 * not such a month within the year limits.
 */
int cal_month_parse(const char *s, int32_t *out);
/* Write "YYYY-MM" into out (at least 8 bytes); "????-??" for a year outside
 * 0..9999.  Returns out. */
char *cal_month_format(int32_t month, char *out);
/*
 * Parse "YYYY-MM-DD" (exactly) into a day number.  Returns 0, or -1 when s
 * is not a real date within the year limits.
 */
int cal_date_parse(const char *s, int32_t *out);
/* Write "YYYY-MM-DD" into out (at least 11 bytes); "????-??-??" for a year
 * outside 0..9999.  Returns out. */
char *cal_date_format(int32_t day, char *out);

#endif
