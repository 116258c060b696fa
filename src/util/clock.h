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

#endif
