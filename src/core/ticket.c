/*
 * ticket: which status changes a ticket may make, and its human number
 * "YYYY-NNNNNN" (year and a sequence within that year).
 */
#include <stddef.h>

#include "core/ticket.h"

/*
 * The transition table, [from][to].  Work in progress (new, open, waiting)
 * may move anywhere but back to new; resolved may be reopened or closed;
 * closed may only be reopened.  The diagonal is the allowed no-op.
 */
static const unsigned char status_moves[STATUS_COUNT][STATUS_COUNT] = {
	/*                   new open wait resv clsd */
	[STATUS_NEW]      = { 1,  1,   1,   1,   1 },
	[STATUS_OPEN]     = { 0,  1,   1,   1,   1 },
	[STATUS_WAITING]  = { 0,  1,   1,   1,   1 },
	[STATUS_RESOLVED] = { 0,  1,   0,   1,   1 },
	[STATUS_CLOSED]   = { 0,  1,   0,   0,   1 },
};

static int status_in_range(enum ticket_status s)
{
	return (int)s >= 0 && (int)s < STATUS_COUNT;
}

int ticket_status_allowed(enum ticket_status from, enum ticket_status to)
{
	if (!status_in_range(from) || !status_in_range(to))
		return 0;
	return status_moves[from][to];
}

int ticket_status_is_active(enum ticket_status s)
{
	return status_in_range(s) && s != STATUS_CLOSED;
}

int ticket_number_format(int year, int64_t seq, char out[TICKET_NUMBER_LEN + 1])
{
	int i;

	if (year < 1000 || year > 9999 || seq < 1 || seq > 999999)
		return -1;
	/* Written by hand: the widths are fixed, and it keeps stdio out of core. */
	for (i = 3; i >= 0; i--) {
		out[i] = (char)('0' + year % 10);
		year /= 10;
	}
	out[4] = '-';
	for (i = 10; i >= 5; i--) {
		out[i] = (char)('0' + seq % 10);
		seq /= 10;
	}
	out[TICKET_NUMBER_LEN] = '\0';
	return 0;
}

/* n ASCII digits at s as a number, or -1 when any of them is not a digit. */
static int64_t digits_value(const char *s, int n)
{
	int64_t v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int ticket_number_parse(const char *s, int *year, int64_t *seq)
{
	int64_t y, q;
	int i;

	if (!s)
		return -1;
	/* Exactly "DDDD-DDDDDD": check the length without reading past a short string. */
	for (i = 0; i < TICKET_NUMBER_LEN; i++)
		if (s[i] == '\0')
			return -1;
	if (s[TICKET_NUMBER_LEN] != '\0' || s[4] != '-')
		return -1;
	y = digits_value(s, 4);
	q = digits_value(s + 5, 6);
	if (y < 1000 || q < 1)
		return -1;
	*year = (int)y;
	*seq = q;
	return 0;
}
