/*
 * cli: what the subcommands share: the environment main() prepares, a small
 * declarative option parser, error reporting with the exit codes, lookups of
 * users and tickets by the names people type, and the two output forms
 * (aligned tables, and --json: the API's JSON from web/json_doc.h).
 */
#ifndef EVID_CLI_CLI_H
#define EVID_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"

/* Exit codes: 0 done, 1 failed, 2 bad usage, 75 try again later (sysexits EX_TEMPFAIL). */
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_TEMPFAIL 75

/* What main() prepares before a command runs (the command table's flags). */
enum {
	CLI_DB_CREATE = 1 << 0, /* the command opens (and may create) the database itself */
	CLI_DB = 1 << 1,        /* open the existing database; its schema must be current */
	CLI_NO_CONFIG = 1 << 2, /* do not load the configuration file (config check reads it) */
	CLI_LOG = 1 << 3,       /* log info lines on stderr (the server); others stay quiet */
	CLI_TEMPFAIL = 1 << 4,  /* every failure exits EXIT_TEMPFAIL (mail-in: the mail server
				   retries rather than bounces) */
};

struct cli_env {
	struct config conf;      /* defaults, the file, then --db / $EVID_DB */
	const char *config_path; /* the file chosen by --config / $EVID_CONFIG / evid.conf */
	int config_required;     /* 0 when config_path is the optional fallback */
	struct store *st;        /* open for CLI_DB commands; main() closes it */
};

typedef int (*cli_fn)(int argc, char **argv, struct cli_env *env);

/*
 * The commands, each in its own cmd_*.c.  argv[0] is the command's name;
 * each returns the process exit code.  Each has a usage text that main()
 * prints for `evid CMD --help`.
 */
int cmd_init(int argc, char **argv, struct cli_env *env);
int cmd_serve(int argc, char **argv, struct cli_env *env);
int cmd_user(int argc, char **argv, struct cli_env *env);
int cmd_token(int argc, char **argv, struct cli_env *env);
int cmd_client(int argc, char **argv, struct cli_env *env);
int cmd_contact(int argc, char **argv, struct cli_env *env);
int cmd_ticket(int argc, char **argv, struct cli_env *env);
int cmd_timer(int argc, char **argv, struct cli_env *env);
int cmd_config(int argc, char **argv, struct cli_env *env);
int cmd_outbox(int argc, char **argv, struct cli_env *env);
int cmd_fetch(int argc, char **argv, struct cli_env *env);
extern const char cmd_init_usage[], cmd_serve_usage[], cmd_user_usage[], cmd_token_usage[],
	cmd_client_usage[], cmd_contact_usage[], cmd_ticket_usage[], cmd_timer_usage[],
	cmd_config_usage[];
extern const char cmd_outbox_usage[];
extern const char cmd_fetch_usage[];
int cmd_mail_in(int argc, char **argv, struct cli_env *env);
int cmd_quarantine(int argc, char **argv, struct cli_env *env);
extern const char cmd_mail_in_usage[], cmd_quarantine_usage[];

/*
 * Add the demo data set (demo.c) to an empty, migrated database, as of
 * `now`.  Returns 0, or an exit code after printing why on stderr.
 */
int demo_load(struct store *st, int64_t now);

/* The demo logins, printed by `evid init --demo` and scripts/run.sh. */
#define DEMO_ADMIN_EMAIL "admin@evidencija.test"
#define DEMO_ADMIN_PASSWORD "demo-admin"
#define DEMO_TECH_EMAIL "ivana.horvat@evidencija.test"
#define DEMO_TECH_PASSWORD "demo-technician"

/* ---- options ---- */

enum cli_opt_kind { CLI_ARG, CLI_FLAG };

struct cli_opt {
	const char *name;       /* "email" matches --email VALUE and --email=VALUE */
	enum cli_opt_kind kind;
	const char **value;     /* CLI_ARG: receives the value (borrowed from argv) */
	int *flag;              /* CLI_FLAG: set to 1 */
};

/*
 * Parse args[0..argc) against opts (terminated by an entry whose name is
 * NULL; opts may be NULL for none): options may come in any order and
 * between positional arguments; "--" ends the options.  Positional
 * arguments go to pos[0..maxpos).  Returns how many positionals there
 * were, or -1 after printing the problem and the usage on stderr (an
 * unknown or repeated option, a missing value, too many arguments).
 * `what` names the command in messages ("user add").
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int maxpos,
	      const char *what, const char *usage);

/* Print "evid: <message>" and the usage on stderr; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *usage, const char *fmt,
							   ...);

/* Print "evid: <message>" on stderr; returns EXIT_FAIL. */
__attribute__((format(printf, 1, 2))) int cli_error(const char *fmt, ...);

/*
 * Report a failed store call: "evid: <store_errmsg>" on stderr.  Returns
 * EXIT_TEMPFAIL for STORE_BUSY / STORE_FULL (try again), else EXIT_FAIL.
 */
int cli_store_error(struct store *st, int rc);

/* Parse a positive decimal id.  Returns 0, or -1 when s is not one. */
int cli_parse_id(const char *s, int64_t *out);

/* Parse a count from 1 to max.  Returns 0, or -1. */
int cli_parse_count(const char *s, int max, int *out);

/* ---- lookups: each returns 0, or an exit code after printing why ---- */

/* A staff user by email (any case) or numeric id. */
int cli_find_user(struct store *st, const char *ref, struct user *out);

/* The active staff user acting in a command (--as EMAIL). */
int cli_find_actor(struct store *st, const char *ref, struct user *out);

/* A ticket by numeric id or by its number "2026-000123". */
int cli_find_ticket(struct store *st, const char *ref, struct ticket *out);

/* ---- input ---- */

/*
 * Read all of stdin into b (whose cap limits it).  Returns 0, or an exit
 * code after printing "stdin is larger than N bytes".
 */
int cli_read_stdin(struct buf *b);

/*
 * Read one password line from stdin (the newline and a CR before it are
 * dropped) into out.  Returns 0, or an exit code after printing why: empty,
 * shorter than 10 characters, too long, not UTF-8 text.
 */
#define CLI_PASSWORD_MIN 10
#define CLI_PASSWORD_MAX 256
int cli_read_password(char out[CLI_PASSWORD_MAX + 1]);

/* ---- tables ---- */

struct cli_table {
	size_t ncols;
	const char *const *heads;
	char **cells;           /* nrows * ncols owned strings */
	size_t nrows, cap;
};

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *heads);
/* Add a row of t->ncols strings (copied; NULL prints as empty). */
void cli_table_row(struct cli_table *t, const char *const *cells);
/*
 * Print the rows in aligned columns under the heads: widths count UTF-8
 * characters, cells longer than 48 characters are cut with "...", and
 * control characters are shown as spaces.
 */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

/* A local date and time "2026-11-27 13:05" in the business zone, or "" for 0. */
void cli_local_time(int64_t t, char out[32]);

/* ---- JSON output ---- */

/*
 * Write doc (a JSON document from web/json_doc.h, ending in a newline) to
 * stdout and free it.  Returns 0, or EXIT_FAIL after saying that stdout
 * could not be written.
 */
int cli_json_print(char *doc);

#endif
