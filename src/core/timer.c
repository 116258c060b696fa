/*
 * timer: the stopwatch decisions (start, switch, stop) and the checks on a
 * time entry given or corrected by hand.  The store carries them out.
 */
#include <string.h>

#include "core/ticket.h"
#include "core/timer.h"

enum timer_start_plan timer_plan_start(const struct timer_running *running, int64_t ticket_id,
				       enum ticket_status st)
{
	/* Checked first: a stopwatch left on a closed ticket is not "already running" either. */
	if (!ticket_status_is_active(st))
		return TIMER_REFUSE_CLOSED;
	if (!running)
		return TIMER_START;
	if (running->ticket_id == ticket_id)
		return TIMER_ALREADY;
	return TIMER_SWITCH;
}

void timer_make_entry(const struct timer_running *running, int64_t now, enum billing_kind billing,
		      struct time_entry *out)
{
	int64_t seconds;

	memset(out, 0, sizeof(*out));
	out->ticket_id = running->ticket_id;
	out->user_id = running->user_id;
	out->started_at = running->started_at;
	/*
	 * The clock may have been set back (NTP, a restored VM) since the start:
	 * record zero seconds at the start rather than negative time.
	 */
	if (now < running->started_at ||
	    __builtin_sub_overflow(now, running->started_at, &seconds)) {
		out->ended_at = running->started_at;
		out->seconds = 0;
	} else {
		out->ended_at = now;
		out->seconds = seconds;
	}
	out->billable = billing != BILLING_FREE && billing != BILLING_WARRANTY;
	out->created_at = now;
}

int time_entry_check(struct time_entry *e, int64_t now, const char **why)
{
	const char *msg = NULL;
	int64_t seconds, ahead;

	if (e->ended_at <= e->started_at) {
		msg = "ended_at must be after started_at";
		goto out;
	}
	if (__builtin_sub_overflow(e->ended_at, e->started_at, &seconds) ||
	    seconds > TIME_ENTRY_MAX_SECONDS) {
		msg = "a time entry may be at most 24 hours long";
		goto out;
	}
	/* A little slack for clocks that differ between the client and us. */
	if (e->ended_at > now &&
	    (__builtin_sub_overflow(e->ended_at, now, &ahead) || ahead > 60)) {
		msg = "ended_at must not be in the future";
		goto out;
	}
	e->seconds = seconds;
out:
	if (why)
		*why = msg;
	return msg ? -1 : 0;
}
