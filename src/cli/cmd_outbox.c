/*
 * cmd_outbox: `evid outbox list|flush`: the operator's view of outgoing
 * mail (what waits, what went, what failed and why) and a way to send what
 * waits now, in the foreground, with an exit status a script can act on.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "util/clock.h"
#include "web/json_doc.h"

#define LIST_DEFAULT 100

const char cmd_outbox_usage[] =
    "usage: evid outbox list [--status queued|sent|failed] [--limit N] [--json]\n"
    "       evid outbox flush\n"
    "\n"
    "'list' shows outgoing mail, newest first (at most N, default 100; 0: all):\n"
    "what it is, to whom, its status, the attempts so far and the last error.\n"
    "\n"
    "'flush' makes every queued message due now and sends them in the\n"
    "foreground through [smtp] url.  Exit status: 0 when nothing is left\n"
    "queued, 75 when some messages are still queued for a transient reason\n"
    "(the server is away or answered 4xx; they are retried later), 1 when a\n"
    "message failed for good in this run (see 'evid outbox list --status\n"
    "failed') or no mail server is set up.  Do not run it often next to\n"
    "'evid serve': both may send the same message (at least once, never lost).\n";

static int outbox_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID", "TICKET", "KIND", "STATUS",
					    "TO", "TRIES",  "WHEN", "LAST ERROR"};
	const char *status = NULL, *limit_s = NULL;
	int json = 0, rc, limit = LIST_DEFAULT, has_more = 0, st = -1;
	struct cli_opt opts[] = {
	    {"status", CLI_ARG, &status, NULL},
	    {"limit", CLI_ARG, &limit_s, NULL},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct outbox_list l = {0};
	struct cli_table t;
	enum outbox_status s;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "outbox list", cmd_outbox_usage) < 0)
		return EXIT_USAGE;
	if (status) {
		if (outbox_status_parse(status, &s) < 0)
			return cli_usage_error(cmd_outbox_usage,
					       "--status must be queued, sent or failed");
		st = (int)s;
	}
	if (limit_s && strcmp(limit_s, "0") == 0)
		limit = 0;
	else if (limit_s && cli_parse_count(limit_s, 1000000, &limit) < 0)
		return cli_usage_error(cmd_outbox_usage, "--limit must be a number from 0");
	/* One more than asked tells whether there are more. */
	rc = store_outbox_list(env->st, st, limit ? limit + 1 : 0, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (limit && l.n > (size_t)limit) {
		l.n = (size_t)limit;
		has_more = 1;
	}
	if (json) {
		char *doc = json_doc_outbox(&l, has_more);

		outbox_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 8, heads);
	for (i = 0; i < l.n; i++) {
		const struct outbox_item *o = &l.items[i];
		char id[24], number[TICKET_NUMBER_LEN + 1], tries[16], when[32];
		const char *row[8] = {id,
				      number,
				      outbox_kind_name(o->kind),
				      outbox_status_name(o->status),
				      o->to,
				      tries,
				      when,
				      o->last_error};
		struct ticket tk;

		snprintf(id, sizeof(id), "%lld", (long long)o->id);
		if (store_ticket_get(env->st, o->ticket_id, &tk) == STORE_OK)
			snprintf(number, sizeof(number), "%s", tk.number);
		else
			snprintf(number, sizeof(number), "%lld", (long long)o->ticket_id);
		snprintf(tries, sizeof(tries), "%d", o->attempts);
		/* When it went; when it is tried next; when it was queued. */
		cli_local_time(o->status == OUTBOX_SENT	    ? o->sent_at
			       : o->status == OUTBOX_QUEUED ? o->next_attempt_at
							    : o->created_at,
			       when);
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	if (has_more)
		printf("(the newest %d shown; --limit 0 shows all)\n", limit);
	outbox_list_free(&l);
	return 0;
}

static int outbox_flush(int argc, char **argv, struct cli_env *env)
{
	struct outbox_stats stats;
	struct outbox_list left = {0};
	int64_t now = clock_now();
	int rc, made_due = 0;

	if (cli_parse(argc, argv, NULL, NULL, 0, "outbox flush", cmd_outbox_usage) < 0)
		return EXIT_USAGE;
	rc = store_outbox_flush(env->st, now, &made_due);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	rc = outbox_run(env->st, &env->conf, now, &stats);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	rc = store_outbox_list(env->st, OUTBOX_QUEUED, 0, &left);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (stats.unconfigured && left.n) {
		outbox_list_free(&left);
		return cli_error("%s is not set: %d message(s) wait in the outbox",
				 env->conf.smtp_url[0] ? "[mail] address" : "[smtp] url", made_due);
	}
	printf("sent %d, to retry %d, failed %d; %zu queued\n", stats.sent, stats.retry,
	       stats.failed, left.n);
	outbox_list_free(&left);
	if (stats.failed)
		return EXIT_FAIL;
	if (stats.retry || left.n)
		return EXIT_TEMPFAIL;
	return 0;
}

int cmd_outbox(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "list") == 0)
		return outbox_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "flush") == 0)
		return outbox_flush(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_outbox_usage, "outbox: which one: list or flush?");
	return cli_usage_error(cmd_outbox_usage, "outbox: unknown subcommand '%.40s'", sub);
}
