/*
 * job: a background thread of `evid serve` that runs one pass of some work
 * at once, then every interval seconds (sooner when woken), until stopped:
 * the outbox's sender and the mailbox poller are both one of these.
 */
#ifndef EVID_UTIL_JOB_H
#define EVID_UTIL_JOB_H

#include <stdatomic.h>
#include <stddef.h>

struct job;

/*
 * One pass of the work.  stop becomes non-zero when the job is being
 * stopped: a long pass should look at it between steps and return soon.
 */
typedef void (*job_fn)(void *arg, atomic_int *stop);

/*
 * Start a thread named name (for messages; borrowed, must outlive the job)
 * running run(arg, stop) at once and then interval_seconds (1 or more)
 * after the end of each pass, or as soon as job_wake() is called.  Block
 * SIGINT and SIGTERM before calling, so that the thread never takes them.
 * Returns the job, or NULL with a message in err.
 */
struct job *job_start(const char *name, int interval_seconds, job_fn run, void *arg, char *err,
		      size_t errsz);

/* Make the next pass start now (or right after the one running).  NULL is fine. */
void job_wake(struct job *j);

/*
 * Set the stop flag, wake the thread, wait for the pass in hand to return,
 * and free the job.  NULL is fine.  arg is the caller's to free afterwards.
 */
void job_stop(struct job *j);

#endif
