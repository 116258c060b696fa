/*
 * clock: the current instant and calendar facts in the business time zone.
 * Instants are int64 UTC seconds.  The business zone is set once, before any
 * thread starts, with clock_set_zone(); after that the calls are thread-safe.
 */
#ifndef EVID_UTIL_CLOCK_H
#define EVID_UTIL_CLOCK_H

#include <stdint.h>

/* Current time in UTC seconds. */
int64_t clock_now(void);

/*
 * Make tz (an IANA name such as "Europe/Zagreb") the zone of every local
 * calendar computation.  Returns 0, or -1 when the zone is unknown to the
 * system's tz database (nothing is changed then).
 */
int clock_set_zone(const char *tz);

/* The local calendar year of instant t in the business zone. */
int clock_local_year(int64_t t);

/*
 * The local day of instant t in the business zone, as a day number (days
 * since 1970-01-01, as core/calendar.h counts them).
 */
int32_t clock_local_day(int64_t t);

/*
 * The instant local midnight begins day (a day number) in the business zone:
 * days are 23, 24 or 25 hours long there.  clock_day_start(day + 1) is where
 * day ends.
 */
int64_t clock_day_start(int32_t day);

#endif
