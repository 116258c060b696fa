/*
 * cmd_mail_in: `evid mail-in`: one RFC 5322 message on standard input, from
 * a mail server's pipe (Postfix, Exim, procmail), through mail_intake.  Exit
 * 0 only once it is durably imported or quarantined; every failure is 75
 * (EX_TEMPFAIL, the command table's CLI_TEMPFAIL) so the server retries and
 * nothing bounces or is lost because of us.  See docs/mail.md, "Receiving mail".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "mail/intake.h"
#include "mail/mime.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/json_doc.h"

/*
 * The most we read: what the store can keep (a SQLite BLOB).  A message over
 * [mail] max_message_mb but under this is quarantined whole; one over this
 * cannot be kept at all and is left to the mail server (exit 75), whose own
 * message_size_limit should refuse it long before.
 */
#define MAIL_IN_MAX 1000000000u
#define CHUNK 65536

const char cmd_mail_in_usage[] =
    "usage: evid mail-in [--verbose] [--json]\n"
    "\n"
    "Read one message (RFC 5322) on standard input and import it: a new\n"
    "ticket, a reply on its ticket, a bounce on the message it bounced; a\n"
    "message that cannot be read or is larger than [mail] max_message_mb is\n"
    "kept in the quarantine ('evid quarantine').  For a mail server's pipe:\n"
    "exit 0 once the message is safely stored, 75 (EX_TEMPFAIL: try again\n"
    "later) on any failure, such as a locked or missing database.  Prints\n"
    "nothing unless --verbose (what was done) or --json.\n";

/* Read all of stdin into *out (malloc'd, NUL-terminated), its length in *n. */
static int read_message(char **out, size_t *n)
{
	size_t len = 0, cap = 0, got;
	char *buf = NULL, *grown;

	for (;;) {
		if (cap - len < CHUNK + 1) {
			size_t want = cap ? cap * 2 : 4 * CHUNK;

			if (want > MAIL_IN_MAX + (size_t)CHUNK + 1)
				want = MAIL_IN_MAX + (size_t)CHUNK + 1;
			grown = realloc(buf, want);
			if (!grown) {
				free(buf);
				return cli_error("out of memory reading the message");
			}
			buf = grown;
			cap = want;
		}
		got = fread(buf + len, 1, CHUNK, stdin);
		len += got;
		if (len > MAIL_IN_MAX) {
			free(buf);
			return cli_error("the message is larger than %u bytes, more than the "
					 "database can keep: have the mail server refuse such "
					 "messages (Postfix: message_size_limit)",
					 MAIL_IN_MAX);
		}
		if (got < CHUNK) {
			if (ferror(stdin)) {
				free(buf);
				return cli_error("cannot read the message on stdin: %s",
						 strerror(errno));
			}
			if (feof(stdin))
				break;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*n = len;
	return 0;
}

static void print_outcome(const struct intake_result *r)
{
	const struct mail_outcome *o = &r->outcome;

	if (r->quarantined) {
		printf("quarantined as %lld: %s\n", (long long)r->quarantine_id, r->why);
		return;
	}
	switch (o->result) {
	case MAIL_OWN:
		printf("own: one of our own messages, not imported\n");
		return;
	case MAIL_DUPLICATE:
		printf("duplicate: already imported on ticket %s\n", o->number);
		return;
	default:
		break;
	}
	printf("%s: ticket %s%s, %d message(s) queued", mail_result_name(o->result), o->number,
	       o->triage ? " (triage: no client)" : "", o->queued);
	if (o->no_answer_why)
		printf(", no acknowledgement: %s", o->no_answer_why);
	putchar('\n');
}

int cmd_mail_in(int argc, char **argv, struct cli_env *env)
{
	int verbose = 0, json = 0, rc;
	struct cli_opt opts[] = {
	    {"verbose", CLI_FLAG, NULL, &verbose},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct intake_result r;
	char *raw = NULL;
	size_t n = 0;

	if (cli_parse(argc - 1, argv + 1, opts, NULL, 0, "mail-in", cmd_mail_in_usage) < 0)
		return EXIT_USAGE;
	if ((rc = read_message(&raw, &n)) != 0)
		return rc;
	mime_init();
	rc = mail_intake(env->st, &env->conf, raw, n, MAIL_SOURCE_PIPE, clock_now(), &r);
	free(raw);
	if (rc != STORE_OK) {
		fprintf(stderr,
			"evid: the message was not stored, the mail server will retry: %s\n",
			store_errmsg(env->st)[0] ? store_errmsg(env->st) : "database error");
		return EXIT_TEMPFAIL;
	}
	if (json)
		return cli_json_print(json_doc_intake(&r));
	if (verbose)
		print_outcome(&r);
	return 0;
}
