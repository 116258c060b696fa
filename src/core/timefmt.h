/*
 * timefmt: instants as RFC 3339 text and durations as h:mm:ss.
 */
#ifndef EVID_CORE_TIMEFMT_H
#define EVID_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN 20  /* "2026-11-27T13:05:00Z" */

/* Format t (UTC seconds) as "YYYY-MM-DDTHH:MM:SSZ".  out holds RFC3339_LEN + 1. */
void timefmt_rfc3339(int64_t t, char out[RFC3339_LEN + 1]);

/*
 * Parse RFC 3339 ("2026-11-27T13:05:00Z", "2026-11-27T14:05:00+01:00",
 * fractional seconds accepted and dropped, 't'/'z' accepted) into UTC
 * seconds.  Returns 0, or -1 when malformed or a field is out of range.
 */
int timefmt_parse_rfc3339(const char *s, int64_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (y, m 1..12, d 1..31). */
int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Format a duration as "H:MM:SS" (hours unbounded; negative as 0). */
void timefmt_duration(int64_t seconds, char *out, size_t outsz);

#endif
