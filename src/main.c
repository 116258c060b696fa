/*
 * main: the evid binary, git-style: global options, then one command from
 * the table below, each implemented in src/cli/cmd_*.c.  main() prepares
 * what the command's flags ask for (configuration, business time zone, an
 * open database with a current schema) and closes it afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cmd_billing.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"

#ifndef EVID_VERSION
#define EVID_VERSION "0.1.0"
#endif

static const struct cli_command {
	const char *name;
	cli_fn fn;
	unsigned flags;
	const char *summary;
	const char *usage;
} commands[] = {
	{ "init", cmd_init, CLI_DB_CREATE, "create the database and apply migrations (--demo data)",
	  cmd_init_usage },
	{ "serve", cmd_serve, CLI_DB | CLI_LOG, "run the HTTP server", cmd_serve_usage },
	{ "user", cmd_user, CLI_DB, "add, list, disable staff users; set passwords",
	  cmd_user_usage },
	{ "token", cmd_token, CLI_DB, "create an API token for a user", cmd_token_usage },
	{ "client", cmd_client, CLI_DB, "add and list client companies", cmd_client_usage },
	{ "contact", cmd_contact, CLI_DB, "add and list contacts at clients", cmd_contact_usage },
	{ "ticket", cmd_ticket, CLI_DB, "open, list, show and close tickets", cmd_ticket_usage },
	{ "timer", cmd_timer, CLI_DB, "start, stop and show a technician's stopwatch",
	  cmd_timer_usage },
	{ "config", cmd_config, CLI_NO_CONFIG, "check a configuration file", cmd_config_usage },
	{ "outbox", cmd_outbox, CLI_DB, "list outgoing mail; send what waits now",
	  cmd_outbox_usage },
	{ "mail-in", cmd_mail_in, CLI_DB | CLI_TEMPFAIL,
	  "take one message on stdin (a mail server's pipe)", cmd_mail_in_usage },
	{ "quarantine", cmd_quarantine, CLI_DB, "list, show and re-process held messages",
	  cmd_quarantine_usage },
	{ "fetch", cmd_fetch, CLI_DB, "import new messages from the [imap] mailbox once",
	  cmd_fetch_usage },
	{ "service", cmd_service, CLI_DB, "add, list and change the services the company sells",
	  cmd_service_usage },
	{ "rate", cmd_rate, CLI_DB, "hourly rates of ticket work, their prices per client",
	  cmd_rate_usage },
	{ "contract", cmd_contract, CLI_DB, "clients' contracts with their lines and terms",
	  cmd_contract_usage },
	{ "billing", cmd_billing, CLI_DB,
	  "prepayments, the month-end run, closing a month, extras", cmd_billing_usage },
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: evid [--db PATH] [--config PATH] COMMAND [ARGS...]\n"
	      "       evid COMMAND --help\n"
	      "       evid --version\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < COMMAND_COUNT; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "The database is --db PATH, else $EVID_DB, else [database] path of the\n"
	      "configuration (default var/evid.db).  The configuration file is\n"
	      "--config PATH, else $EVID_CONFIG, else ./evid.conf when it exists.\n"
	      "Exit status: 0 done, 1 failed, 2 bad usage, 75 database busy: try again.\n",
	      f);
}

/*
 * The exit status of cmd for rc: a CLI_TEMPFAIL command (mail-in) turns
 * every failure into EXIT_TEMPFAIL, so the mail server keeps the message
 * and retries instead of bouncing it.
 */
static int command_exit(const struct cli_command *cmd, int rc)
{
	return rc != 0 && (cmd->flags & CLI_TEMPFAIL) ? EXIT_TEMPFAIL : rc;
}

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Whether the command's arguments ask for help (before any "--"). */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

/* Open the existing database at path and insist on the binary's schema. */
static int open_current_db(const char *path, int busy_timeout_ms, struct store **out)
{
	char err[512];
	struct stat sb;
	int rc, version = 0, latest = store_schema_latest();

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return cli_error("database '%s' does not exist: run 'evid init' "
					 "(or choose one with --db PATH)",
					 path);
		return cli_error("cannot open database '%s': %s", path, strerror(errno));
	}
	rc = store_open(path, out, err, sizeof(err));
	if (rc != STORE_OK) {
		fprintf(stderr, "evid: %s\n", err);
		return rc == STORE_BUSY || rc == STORE_FULL ? EXIT_TEMPFAIL : EXIT_FAIL;
	}
	rc = store_set_busy_timeout(*out, busy_timeout_ms);
	if (rc == STORE_OK)
		rc = store_schema_version(*out, &version);
	if (rc != STORE_OK) {
		rc = cli_store_error(*out, rc);
		goto fail;
	}
	if (version == 0) {
		rc = cli_error("database '%s' is not initialised: run 'evid init'", path);
		goto fail;
	}
	if (version > latest) {
		rc = cli_error("database '%s' has schema version %d, newer than this evid knows "
			       "(%d): use a newer evid",
			       path, version, latest);
		goto fail;
	}
	if (version < latest) {
		rc = cli_error("database '%s' has schema version %d, older than this evid's (%d): "
			       "run 'evid init' to migrate it",
			       path, version, latest);
		goto fail;
	}
	return 0;
fail:
	store_close(*out);
	*out = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	static struct cli_env env; /* large (struct config): not on the stack */
	const struct cli_command *cmd;
	const char *db_opt = NULL, *config_opt = NULL, *db_env;
	char err[1400];
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		size_t n = 0;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("evid %s\n", EVID_VERSION);
			return 0;
		}
		if (strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
			dst = &db_opt;
			n = 4;
		} else if (strncmp(a, "--config", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
			dst = &config_opt;
			n = 8;
		}
		if (!dst) {
			fprintf(stderr, "evid: unknown option '%.80s'\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (a[n] == '=') {
			*dst = a + n + 1;
		} else if (i + 1 < argc) {
			*dst = argv[++i];
		} else {
			fprintf(stderr, "evid: option %s needs a value\n\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (!**dst) {
			fprintf(stderr, "evid: option %.*s needs a non-empty value\n", (int)n, a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs("evid: no command given\n\n", stderr);
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = command_find(argv[i]);
	if (!cmd) {
		fprintf(stderr, "evid: unknown command '%.80s': see 'evid --help'\n\n", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= i;
	argv += i;
	if (wants_help(argc, argv)) {
		fputs(cmd->usage, stdout);
		return 0;
	}

	if (crypto_init() < 0) {
		fputs("evid: cannot start libsodium\n", stderr);
		return command_exit(cmd, EXIT_FAIL);
	}
	config_defaults(&env.conf);
	env.config_path = config_path_choose(config_opt, &env.config_required);
	if (!(cmd->flags & CLI_NO_CONFIG) &&
	    config_load(&env.conf, env.config_path, env.config_required, err, sizeof(err)) < 0) {
		fprintf(stderr, "evid: %s\n", err);
		return command_exit(cmd, EXIT_FAIL);
	}
	db_env = getenv("EVID_DB");
	if (db_opt || (db_env && *db_env)) {
		const char *db = db_opt ? db_opt : db_env;

		if (xstrlcpy(env.conf.db_path, db, sizeof(env.conf.db_path)) < 0) {
			fprintf(stderr, "evid: the database path is longer than %zu bytes\n",
				sizeof(env.conf.db_path) - 1);
			return command_exit(cmd, EXIT_USAGE);
		}
	}
	/* Before any thread starts: localtime_r reads TZ from here on. */
	if (clock_set_zone(env.conf.timezone) < 0) {
		fprintf(stderr, "evid: unknown time zone '%s'\n", env.conf.timezone);
		return command_exit(cmd, EXIT_FAIL);
	}
	/* Commands speak for themselves; only the server logs its work. */
	if (!(cmd->flags & CLI_LOG))
		log_set_quiet(1);

	if (cmd->flags & CLI_DB) {
		rc = open_current_db(env.conf.db_path, env.conf.busy_timeout_ms, &env.st);
		if (rc)
			return command_exit(cmd, rc);
	}
	rc = cmd->fn(argc, argv, &env);
	if (env.st)
		store_close(env.st);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "evid: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	return command_exit(cmd, rc);
}
