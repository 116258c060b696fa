/*
 * cmd_init: `evid init [--demo]`: create the database and its folder, apply
 * the pending migrations (running it again changes nothing) and, with
 * --demo, fill a new database with the demo data set.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/xalloc.h"

const char cmd_init_usage[] =
	"usage: evid init [--demo]\n"
	"\n"
	"Create the database (and its folder) when missing and apply the pending\n"
	"migrations; on a current database it changes nothing.\n"
	"\n"
	"  --demo   also add the demo data set: clients, contacts, an admin, three\n"
	"           technicians, tickets with history and time.  Only into a database\n"
	"           without data; prints the demo logins.\n";

/* mkdir -p of the folder that holds path; returns 0 or an exit code. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct config *)0)->db_path)];
	char *slash, *p;

	if (xstrlcpy(dir, path, sizeof(dir)) < 0)
		return cli_error("database path is too long");
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (p = dir + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return cli_error("cannot create folder '%s': %s", dir, strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/* Whether the database holds any user, client or ticket: 1, 0, or -1 on failure. */
static int has_data(struct store *st, int *rc_out)
{
	struct user_list users = { 0 };
	struct client_list clients = { 0 };
	struct ticket_list tickets = { 0 };
	struct client_filter cf = { .limit = 1 };
	struct ticket_filter tf;
	int64_t total = 0;
	int rc, found = -1;

	store_ticket_filter_init(&tf);
	tf.limit = 1;
	rc = store_user_list(st, &users);
	if (rc != STORE_OK)
		goto out;
	rc = store_client_list(st, &cf, &clients, &total);
	if (rc != STORE_OK)
		goto out;
	rc = store_ticket_list(st, &tf, &tickets, &total);
	if (rc != STORE_OK)
		goto out;
	found = users.n > 0 || clients.n > 0 || tickets.n > 0;
out:
	*rc_out = rc;
	user_list_free(&users);
	client_list_free(&clients);
	ticket_list_free(&tickets);
	return found;
}

/* Remove a database file this run created, with its WAL companions. */
static void remove_db(const char *path)
{
	char side[sizeof(((struct config *)0)->db_path) + 8];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int cmd_init(int argc, char **argv, struct cli_env *env)
{
	const char *path = env->conf.db_path;
	int demo = 0, rc, version = 0, applied = 0, latest = store_schema_latest(), existed;
	struct cli_opt opts[] = {
		{ "demo", CLI_FLAG, NULL, &demo },
		{ NULL },
	};
	struct store *st = NULL;
	struct stat sb;
	char err[512];

	if (cli_parse(argc - 1, argv + 1, opts, NULL, 0, "init", cmd_init_usage) < 0)
		return EXIT_USAGE;
	rc = make_parent(path);
	if (rc)
		return rc;
	existed = stat(path, &sb) == 0;
	rc = store_open(path, &st, err, sizeof(err));
	if (rc != STORE_OK) {
		fprintf(stderr, "evid: %s\n", err);
		return rc == STORE_BUSY || rc == STORE_FULL ? EXIT_TEMPFAIL : EXIT_FAIL;
	}
	rc = store_set_busy_timeout(st, env->conf.busy_timeout_ms);
	if (rc == STORE_OK)
		rc = store_schema_version(st, &version);
	if (rc != STORE_OK) {
		rc = cli_store_error(st, rc);
		goto out;
	}
	if (version > latest) {
		rc = cli_error("database '%s' has schema version %d, newer than this evid knows "
			       "(%d): use a newer evid",
			       path, version, latest);
		goto out;
	}
	/* A current database with data is refused before anything is written. */
	if (demo && version == latest) {
		int found = has_data(st, &rc);

		if (found < 0) {
			rc = cli_store_error(st, rc);
			goto out;
		}
		if (found) {
			rc = cli_error("database '%s' already has data: --demo only fills a new "
				       "database (choose another with --db PATH)",
				       path);
			goto out;
		}
	}
	rc = store_migrate(st, &applied);
	if (rc != STORE_OK) {
		rc = cli_store_error(st, rc);
		goto out;
	}
	if (applied == 0)
		printf("database %s is up to date (schema version %d)\n", path, latest);
	else if (!existed || version == 0)
		printf("created database %s (schema version %d, %d migration%s)\n", path, latest,
		       applied, applied == 1 ? "" : "s");
	else
		printf("migrated database %s from schema version %d to %d\n", path, version,
		       latest);
	rc = 0;
	if (!demo)
		goto out;
	if (version != latest) {
		int found = has_data(st, &rc);

		if (found < 0) {
			rc = cli_store_error(st, rc);
			goto out;
		}
		if (found) {
			rc = cli_error("database '%s' already has data: --demo only fills a new "
				       "database (choose another with --db PATH)",
				       path);
			goto out;
		}
	}
	rc = demo_load(st, clock_now());
	if (rc) {
		if (!existed) {
			store_close(st);
			st = NULL;
			remove_db(path);
			fprintf(stderr, "evid: removed the incomplete database '%s'\n", path);
		} else {
			fprintf(stderr, "evid: the demo data is incomplete: start again with a new "
					"database\n");
		}
		goto out;
	}
	printf("added the demo data set\n"
	       "  admin:      %s  password %s\n"
	       "  technician: %s  password %s\n",
	       DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_TECH_EMAIL, DEMO_TECH_PASSWORD);
out:
	if (st)
		store_close(st);
	return rc;
}
