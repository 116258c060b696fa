/*
 * cmd_fetch: `evid fetch`: poll the [imap] mailbox once in the foreground
 * (mail/imap.c does the work), for cron or a test, with an exit status a
 * script can act on and a summary for people (--verbose) or programs (--json).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "mail/imap.h"
#include "mail/mime.h"
#include "web/json_doc.h"

const char cmd_fetch_usage[] =
    "usage: evid fetch [--verbose] [--json]\n"
    "\n"
    "Import the new messages of the [imap] mailbox once: every message above\n"
    "the last UID imported, read or unread, goes through the same intake as\n"
    "'evid mail-in', and is flagged \\Seen or moved ([imap] after_import) only\n"
    "after it is in the database.  'evid serve' does the same every [imap]\n"
    "interval_seconds.  See docs/mail.md, \"Fetching from a mailbox\".\n"
    "\n"
    "  --verbose  print a summary line\n"
    "  --json     print the summary as JSON (also when the fetch failed)\n"
    "\n"
    "Exit status: 0 done; 75 try again later (the server is away or timed out,\n"
    "the database is busy or full): what was imported stays imported; 1 the\n"
    "configuration needs fixing (login refused, no such mailbox, certificate\n"
    "not trusted) or another failure.\n";

static void plural(int n, const char *one, const char *many, int *first)
{
	if (!n)
		return;
	printf("%s%d %s", *first ? "" : ", ", n, n == 1 ? one : many);
	*first = 0;
}

static void print_summary(const struct fetch_stats *s)
{
	int first = 1;
	double secs = (double)s->ms / 1000.0;

	printf("fetched %d new message%s from %s", s->found, s->found == 1 ? "" : "s",
	       s->mailbox[0] ? s->mailbox : "(no mailbox)");
	if (s->imported || s->too_big || s->gone) {
		fputs(": ", stdout);
		plural(s->new_tickets, "new ticket", "new tickets", &first);
		plural(s->replies, "reply", "replies", &first);
		plural(s->duplicates, "duplicate", "duplicates", &first);
		plural(s->bounces, "bounce", "bounces", &first);
		plural(s->own, "of our own", "of our own", &first);
		plural(s->quarantined, "quarantined", "quarantined", &first);
		plural(s->too_big, "too big (start kept in quarantine)",
		       "too big (start kept in quarantine)", &first);
		plural(s->gone, "gone before it was read", "gone before they were read", &first);
	}
	if (s->flagged)
		printf("; %d flagged seen", s->flagged);
	if (s->moved)
		printf("; %d moved", s->moved);
	printf("; last uid %" PRId64 "%s in %.2f s", s->last_uid,
	       s->reset ? " (uidvalidity changed: started over)" : "", secs);
	if (s->imported && secs > 0)
		printf(" (%.0f messages/s)", (double)s->imported / secs);
	putchar('\n');
}

int cmd_fetch(int argc, char **argv, struct cli_env *env)
{
	int verbose = 0, json = 0, rc, out;
	struct cli_opt opts[] = {
	    {"verbose", CLI_FLAG, NULL, &verbose},
	    {"json", CLI_FLAG, NULL, &json},
	    {NULL},
	};
	struct fetch_stats s;

	if (cli_parse(argc - 1, argv + 1, opts, NULL, 0, "fetch", cmd_fetch_usage) < 0)
		return EXIT_USAGE;
	mime_init();
	rc = imap_fetch(env->st, &env->conf, &s);
	out = rc == IMAP_OK ? 0 : rc == IMAP_TRANSIENT ? EXIT_TEMPFAIL : EXIT_FAIL;
	if (json) {
		int jr = cli_json_print(json_doc_fetch(&s, rc == IMAP_OK));

		if (jr && !out)
			out = jr;
	} else if (verbose) {
		print_summary(&s);
	}
	if (s.flag_failed)
		fprintf(stderr,
			"evid: the server refused to %s %d imported message%s (they are in the "
			"database; see [imap] after_import)\n",
			s.moved || env->conf.imap_after_import[0] == 'm' ? "move" : "flag",
			s.flag_failed, s.flag_failed == 1 ? "" : "s");
	if (rc != IMAP_OK)
		fprintf(stderr, "evid: fetch: %s%s\n", s.error,
			rc == IMAP_TRANSIENT ? " (try again later)" : "");
	return out;
}
