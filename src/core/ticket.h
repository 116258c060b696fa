/*
 * ticket: the rules of a ticket's life that do not need the database:
 * which status changes are allowed, and the human ticket number.
 */
#ifndef EVID_CORE_TICKET_H
#define EVID_CORE_TICKET_H

#include <stdint.h>
#include "core/model.h"

/*
 * Whether a ticket may go from status `from` to `to`.  Returns 1 or 0.
 * Staying in the same status is allowed (a no-op).  Nothing returns to
 * "new"; a resolved or closed ticket may be reopened (to "open").
 */
int ticket_status_allowed(enum ticket_status from, enum ticket_status to);

/* Whether work may be started on a ticket in this status (not closed). 1 or 0. */
int ticket_status_is_active(enum ticket_status s);

/*
 * Format the human number: year and a six-digit (or longer) sequence,
 * "2026-000123".  out must hold TICKET_NUMBER_LEN + 1 bytes.  Returns 0, or
 * -1 when year is outside 1000..9999 or seq outside 1..999999.
 */
int ticket_number_format(int year, int64_t seq, char out[TICKET_NUMBER_LEN + 1]);

/* Parse "2026-000123" into year and seq.  Returns 0, or -1 when malformed. */
int ticket_number_parse(const char *s, int *year, int64_t *seq);

#endif
