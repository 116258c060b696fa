/*
 * cmd_timer: `evid timer start|stop|status`: a technician's stopwatch from
 * the command line.  The rules (one running stopwatch, starting another
 * stops the first) are core/timer.c's, applied by the store.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timefmt.h"
#include "util/clock.h"
#include "web/json_doc.h"

const char cmd_timer_usage[] =
	"usage: evid timer start TICKET --as EMAIL [--json]\n"
	"       evid timer stop [TICKET] --as EMAIL [--json]\n"
	"       evid timer status --as EMAIL [--json]\n"
	"\n"
	"TICKET is an id or a number (2026-000123).  A technician has at most one\n"
	"running stopwatch: starting it on another ticket stops the running one,\n"
	"and each stop records a time entry on the ticket.  'stop' without TICKET\n"
	"stops whichever runs.  'status' exits 0 whether or not one runs.\n";

static int timer_start(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *as = NULL;
	int json = 0, rc, n, already;
	struct cli_opt opts[] = {
		{ "as", CLI_ARG, &as, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct user u;
	struct ticket t;
	struct timer_running before, run;
	struct time_entry stopped;
	char dur[32];
	int64_t now;

	n = cli_parse(argc, argv, opts, ref, 1, "timer start", cmd_timer_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1 || !as)
		return cli_usage_error(cmd_timer_usage, "timer start needs TICKET and --as EMAIL");
	rc = cli_find_actor(env->st, as, &u);
	if (rc)
		return rc;
	rc = cli_find_ticket(env->st, ref[0], &t);
	if (rc)
		return rc;
	rc = store_timer_get(env->st, u.id, &before);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return cli_store_error(env->st, rc);
	already = rc == STORE_OK && before.ticket_id == t.id;
	now = clock_now();
	memset(&stopped, 0, sizeof(stopped));
	rc = store_timer_start(env->st, u.id, t.id, now, &run, &stopped);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		/* Read the stopped entry back for the names the stop left out, as the API does. */
		if (stopped.id) {
			rc = store_time_get(env->st, stopped.id, &stopped);
			if (rc != STORE_OK)
				return cli_store_error(env->st, rc);
		}
		return cli_json_print(
		    json_doc_timer_started(&run, stopped.id ? &stopped : NULL, now));
	}
	if (stopped.id) {
		timefmt_duration(stopped.seconds, dur, sizeof(dur));
		/* What was stopped is what ran before: `before` holds its number. */
		printf("stopped the stopwatch on %s after %s (time entry %lld)\n",
		       before.ticket_number, dur, (long long)stopped.id);
	}
	if (already) {
		timefmt_duration(now - run.started_at, dur, sizeof(dur));
		printf("the stopwatch already runs on %s for %s\n", run.ticket_number, dur);
	} else {
		printf("started the stopwatch on %s: %s\n", run.ticket_number, run.ticket_subject);
	}
	return 0;
}

static int timer_stop(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *as = NULL;
	int json = 0, rc, n;
	struct cli_opt opts[] = {
		{ "as", CLI_ARG, &as, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct user u;
	struct ticket t;
	struct time_entry e;
	char dur[32];

	n = cli_parse(argc, argv, opts, ref, 1, "timer stop", cmd_timer_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (!as)
		return cli_usage_error(cmd_timer_usage, "timer stop needs --as EMAIL");
	rc = cli_find_actor(env->st, as, &u);
	if (rc)
		return rc;
	t.id = 0;
	if (n == 1) {
		rc = cli_find_ticket(env->st, ref[0], &t);
		if (rc)
			return rc;
	}
	rc = store_timer_stop(env->st, u.id, t.id, clock_now(), &e);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		/* The entry as stored, with its user's name, as the API answers a stop. */
		rc = store_time_get(env->st, e.id, &e);
		if (rc != STORE_OK)
			return cli_store_error(env->st, rc);
		return cli_json_print(json_doc_time_entry(&e));
	}
	if (n == 0) {
		rc = store_ticket_get(env->st, e.ticket_id, &t);
		if (rc != STORE_OK)
			return cli_store_error(env->st, rc);
	}
	timefmt_duration(e.seconds, dur, sizeof(dur));
	printf("stopped the stopwatch on %s after %s (time entry %lld)\n", t.number, dur,
	       (long long)e.id);
	return 0;
}

static int timer_status(int argc, char **argv, struct cli_env *env)
{
	const char *as = NULL;
	int json = 0, rc;
	struct cli_opt opts[] = {
		{ "as", CLI_ARG, &as, NULL },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct user u;
	struct timer_running run;
	char dur[32], since[32];
	int64_t now = clock_now();

	if (cli_parse(argc, argv, opts, NULL, 0, "timer status", cmd_timer_usage) < 0)
		return EXIT_USAGE;
	if (!as)
		return cli_usage_error(cmd_timer_usage, "timer status needs --as EMAIL");
	rc = cli_find_user(env->st, as, &u);
	if (rc)
		return rc;
	rc = store_timer_get(env->st, u.id, &run);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_timer(rc == STORE_OK ? &run : NULL, now));
	if (rc == STORE_NOT_FOUND) {
		printf("no stopwatch running for %s\n", u.email);
		return 0;
	}
	timefmt_duration(now - run.started_at, dur, sizeof(dur));
	cli_local_time(run.started_at, since);
	printf("running on %s for %s (since %s): %s\n", run.ticket_number, dur, since,
	       run.ticket_subject);
	return 0;
}

int cmd_timer(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "start") == 0)
		return timer_start(argc - 2, argv + 2, env);
	if (strcmp(sub, "stop") == 0)
		return timer_stop(argc - 2, argv + 2, env);
	if (strcmp(sub, "status") == 0)
		return timer_status(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_timer_usage, "timer: which one: start, stop or status?");
	return cli_usage_error(cmd_timer_usage, "timer: unknown subcommand '%.40s'", sub);
}
