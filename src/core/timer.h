/*
 * timer: the stopwatch rules.  A technician runs at most one stopwatch; each
 * start-stop pair becomes one time entry; starting on another ticket stops
 * the running one first.  The store applies these decisions in a transaction.
 */
#ifndef EVID_CORE_TIMER_H
#define EVID_CORE_TIMER_H

#include <stdint.h>
#include "core/model.h"

/* The longest single entry added or corrected by hand. */
#define TIME_ENTRY_MAX_SECONDS (24 * 3600)

enum timer_start_plan {
	TIMER_START,          /* nothing runs: start one */
	TIMER_SWITCH,         /* one runs on another ticket: stop it, then start */
	TIMER_ALREADY,        /* one runs on this very ticket: leave it, report it */
	TIMER_REFUSE_CLOSED,  /* the ticket is closed: refuse */
};

/*
 * Decide what starting the stopwatch on ticket_id (in status st) means when
 * `running` (NULL if none) is the user's running stopwatch.
 */
enum timer_start_plan timer_plan_start(const struct timer_running *running, int64_t ticket_id,
				       enum ticket_status st);

/*
 * Build the time entry for a stopwatch stopped at `now`.  A clock that went
 * backwards yields a zero-length entry (never negative).  The entry is
 * billable unless the ticket's billing kind is free or warranty.
 */
void timer_make_entry(const struct timer_running *running, int64_t now, enum billing_kind billing,
		      struct time_entry *out);

/*
 * Validate a time entry given by hand or corrected: started_at < ended_at,
 * at most TIME_ENTRY_MAX_SECONDS long, not ending after now + 60 s.  Sets
 * e->seconds.  Returns 0, or -1 with *why set to a static message naming the
 * problem ("ended_at must be after started_at").
 */
int time_entry_check(struct time_entry *e, int64_t now, const char **why);

#endif
