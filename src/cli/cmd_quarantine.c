/*
 * cmd_quarantine: `evid quarantine list|show|reprocess`: the admin's view of
 * the messages that could not be imported (unreadable, too large, refused
 * by the store), kept raw so that none is lost, and their re-processing
 * once the cause is gone (docs/mail.md, "The quarantine").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "mail/intake.h"
#include "mail/mime.h"
#include "util/clock.h"
#include "web/json_doc.h"

const char cmd_quarantine_usage[] =
    "usage: evid quarantine list [--all] [--json]\n"
    "       evid quarantine show ID\n"
    "       evid quarantine reprocess ID [--json]\n"
    "\n"
    "'list' shows the messages still held, newest first (--all: also those\n"
    "imported since).  'show' writes the raw message to standard output, as it\n"
    "came.  'reprocess' runs a held message through the import again (after\n"
    "raising [mail] max_message_mb, say): imported, it is marked so with its\n"
    "ticket; still unreadable, it stays held.\n";

static int parse_item_id(const char *s, int64_t *id)
{
	if (cli_parse_id(s, id) < 0)
		return cli_error("'%.40s' is not a quarantine id: see 'evid quarantine list'", s);
	return 0;
}

static int quarantine_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = {"ID",     "RECEIVED", "SOURCE", "SIZE",
					    "STATUS", "TICKET",	  "REASON"};
	int json = 0, all = 0, rc;
	struct cli_opt opts[] = {
	    {"all", CLI_FLAG, NULL, &all},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct quarantine_list l = {0};
	struct cli_table t;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "quarantine list", cmd_quarantine_usage) < 0)
		return EXIT_USAGE;
	rc = store_quarantine_list(env->st, !all, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_quarantine(&l);

		quarantine_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 7, heads);
	for (i = 0; i < l.n; i++) {
		const struct quarantine_item *q = &l.items[i];
		char id[24], when[32], size[24], ticket[TICKET_NUMBER_LEN + 1] = "";
		const char *row[7] = {
		    id, when, mail_source_name(q->source), size, q->status, ticket, q->reason};
		struct ticket tk;

		snprintf(id, sizeof(id), "%lld", (long long)q->id);
		snprintf(size, sizeof(size), "%lld", (long long)q->size);
		cli_local_time(q->received_at, when);
		if (q->ticket_id && store_ticket_get(env->st, q->ticket_id, &tk) == STORE_OK)
			memcpy(ticket, tk.number, sizeof(ticket));
		cli_table_row(&t, row);
	}
	if (l.n)
		cli_table_print(&t, stdout);
	else
		printf(all ? "the quarantine is empty\n" : "no message is held\n");
	cli_table_free(&t);
	quarantine_list_free(&l);
	return 0;
}

static int quarantine_show(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1];
	struct quarantine_item q;
	char *raw = NULL;
	size_t n = 0;
	int64_t id;
	int rc;

	rc = cli_parse(argc, argv, NULL, ref, 1, "quarantine show", cmd_quarantine_usage);
	if (rc < 0)
		return EXIT_USAGE;
	if (rc != 1)
		return cli_usage_error(cmd_quarantine_usage, "quarantine show needs an ID");
	if (parse_item_id(ref[0], &id))
		return EXIT_FAIL;
	rc = store_quarantine_get(env->st, id, &q, &raw, &n);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	rc = 0;
	if (fwrite(raw, 1, n, stdout) != n || fflush(stdout) != 0)
		rc = cli_error("cannot write the message to the output");
	free(raw);
	return rc;
}

static int quarantine_reprocess(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1];
	int json = 0, rc;
	struct cli_opt opts[] = {
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct intake_result r;
	int64_t id;

	rc = cli_parse(argc, argv, opts, ref, 1, "quarantine reprocess", cmd_quarantine_usage);
	if (rc < 0)
		return EXIT_USAGE;
	if (rc != 1)
		return cli_usage_error(cmd_quarantine_usage, "quarantine reprocess needs an ID");
	if (parse_item_id(ref[0], &id))
		return EXIT_FAIL;
	mime_init();
	rc = mail_quarantine_reprocess(env->st, &env->conf, id, clock_now(), &r);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json)
		return cli_json_print(json_doc_intake(&r));
	if (r.quarantined) {
		printf("still held: %s\n", r.why);
		return 0;
	}
	if (r.outcome.result == MAIL_OWN)
		printf("imported %lld: one of our own messages, nothing to keep\n", (long long)id);
	else
		printf("imported %lld: %s, ticket %s\n", (long long)id,
		       mail_result_name(r.outcome.result), r.outcome.number);
	return 0;
}

int cmd_quarantine(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "list") == 0)
		return quarantine_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "show") == 0)
		return quarantine_show(argc - 2, argv + 2, env);
	if (strcmp(sub, "reprocess") == 0)
		return quarantine_reprocess(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_quarantine_usage,
				       "quarantine: which one: list, show or reprocess?");
	return cli_usage_error(cmd_quarantine_usage, "quarantine: unknown subcommand '%.40s'", sub);
}
