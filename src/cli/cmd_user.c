/*
 * cmd_user: `evid user add|list|set-password|disable|enable`: the staff
 * accounts, for the first admin and for recovery when nobody can log in.
 * Passwords come from stdin or are generated and shown once; only their
 * argon2id hash is stored.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

const char cmd_user_usage[] =
	"usage: evid user add --email EMAIL --name NAME --role admin|technician\n"
	"                     [--lang hr|en] [--password-stdin] [--json]\n"
	"       evid user list [--json]\n"
	"       evid user set-password EMAIL|ID [--password-stdin]\n"
	"       evid user disable EMAIL|ID\n"
	"       evid user enable EMAIL|ID\n"
	"\n"
	"Without --password-stdin a random password is generated and printed once.\n"
	"With it, one line is read from stdin: at least 10 characters.  --lang is\n"
	"the user's interface language (default [company] language).  A disabled\n"
	"user can no longer log in, and their sessions and API tokens stop working.\n"
	"set-password and disable end all of the user's login sessions.\n";

/* The password to set: read from stdin, or generated into out and flagged. */
static int password_get(int from_stdin, char out[CLI_PASSWORD_MAX + 1], int *generated)
{
	char gen[CRYPTO_SECRET_MAX];

	*generated = !from_stdin;
	if (from_stdin)
		return cli_read_password(out);
	crypto_random_password(gen);
	xstrlcpy(out, gen, CLI_PASSWORD_MAX + 1);
	explicit_bzero(gen, sizeof(gen));
	return 0;
}

static int user_add(int argc, char **argv, struct cli_env *env)
{
	const char *email = NULL, *name = NULL, *role = NULL, *lang = NULL;
	int from_stdin = 0, json = 0, generated = 0, rc;
	struct cli_opt opts[] = {
		{ "email", CLI_ARG, &email, NULL },
		{ "name", CLI_ARG, &name, NULL },
		{ "role", CLI_ARG, &role, NULL },
		{ "lang", CLI_ARG, &lang, NULL },
		{ "password-stdin", CLI_FLAG, NULL, &from_stdin },
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	char password[CLI_PASSWORD_MAX + 1] = "", hash[CRYPTO_PWHASH_MAX];
	struct user u;

	if (cli_parse(argc, argv, opts, NULL, 0, "user add", cmd_user_usage) < 0)
		return EXIT_USAGE;
	if (!email || !name || !role)
		return cli_usage_error(cmd_user_usage, "user add needs --email, --name and --role");
	memset(&u, 0, sizeof(u));
	if (!valid_email(email))
		return cli_error("'%.80s' is not a valid email address", email);
	xstrlcpy(u.email, email, sizeof(u.email));
	ascii_lower(u.email);
	if (!valid_text(name, NAME_MAX_LEN, 0) || !name[strspn(name, " ")])
		return cli_error("the name must be one line of 1 to %d bytes", NAME_MAX_LEN);
	xstrlcpy(u.name, name, sizeof(u.name));
	if (role_parse(role, &u.role) < 0)
		return cli_error("unknown role '%.40s': use admin or technician", role);
	if (!lang)
		lang = env->conf.language;
	if (strcmp(lang, "hr") != 0 && strcmp(lang, "en") != 0)
		return cli_error("unknown language '%.40s': use hr or en", lang);
	xstrlcpy(u.lang, lang, sizeof(u.lang));
	u.active = 1;

	rc = password_get(from_stdin, password, &generated);
	if (rc)
		return rc;
	if (crypto_password_hash(password, hash) < 0) {
		rc = cli_error("cannot hash the password: out of memory");
		goto out;
	}
	rc = store_user_create(env->st, &u, hash, clock_now());
	if (rc != STORE_OK) {
		rc = cli_store_error(env->st, rc);
		goto out;
	}
	if (json) {
		/* As POST /api/v1/users answers: a generated password is shown once. */
		rc = cli_json_print(json_doc_user(&u, generated ? password : NULL));
		goto out;
	}
	printf("created %s %lld: %s <%s>\n", role_name(u.role), (long long)u.id, u.name, u.email);
	if (generated)
		printf("password: %s\n(shown only this once: pass it on now)\n", password);
	rc = 0;
out:
	explicit_bzero(password, sizeof(password));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

static int user_list(int argc, char **argv, struct cli_env *env)
{
	static const char *const heads[] = { "ID", "EMAIL", "NAME", "ROLE", "LANG", "ACTIVE" };
	int json = 0, rc;
	struct cli_opt opts[] = {
		{ "json", CLI_FLAG, NULL, &json },
		{ NULL },
	};
	struct user_list l = { 0 };
	struct cli_table t;
	size_t i;

	if (cli_parse(argc, argv, opts, NULL, 0, "user list", cmd_user_usage) < 0)
		return EXIT_USAGE;
	rc = store_user_list(env->st, &l);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	if (json) {
		char *doc = json_doc_users(&l);

		user_list_free(&l);
		return cli_json_print(doc);
	}
	cli_table_init(&t, 6, heads);
	for (i = 0; i < l.n; i++) {
		const struct user *u = &l.items[i];
		char id[24];
		const char *row[6];

		snprintf(id, sizeof(id), "%lld", (long long)u->id);
		row[0] = id;
		row[1] = u->email;
		row[2] = u->name;
		row[3] = role_name(u->role);
		row[4] = u->lang;
		row[5] = u->active ? "yes" : "no";
		cli_table_row(&t, row);
	}
	cli_table_print(&t, stdout);
	cli_table_free(&t);
	user_list_free(&l);
	return 0;
}

static int user_set_password(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1];
	int from_stdin = 0, generated = 0, rc, n;
	struct cli_opt opts[] = {
		{ "password-stdin", CLI_FLAG, NULL, &from_stdin },
		{ NULL },
	};
	char password[CLI_PASSWORD_MAX + 1] = "", hash[CRYPTO_PWHASH_MAX];
	struct user u;

	n = cli_parse(argc, argv, opts, ref, 1, "user set-password", cmd_user_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return cli_usage_error(cmd_user_usage, "user set-password needs EMAIL or ID");
	rc = cli_find_user(env->st, ref[0], &u);
	if (rc)
		return rc;
	rc = password_get(from_stdin, password, &generated);
	if (rc)
		return rc;
	if (crypto_password_hash(password, hash) < 0) {
		rc = cli_error("cannot hash the password: out of memory");
		goto out;
	}
	/*
	 * Sessions first: should setting the password then fail, nothing was
	 * printed and nothing lost, and the command can simply be run again.
	 */
	rc = store_session_delete_user(env->st, u.id, NULL);
	if (rc == STORE_OK)
		rc = store_user_set_password(env->st, u.id, hash);
	if (rc != STORE_OK) {
		rc = cli_store_error(env->st, rc);
		goto out;
	}
	printf("set a new password for %s\n", u.email);
	if (generated)
		printf("password: %s\n(shown only this once: pass it on now)\n", password);
	rc = 0;
out:
	explicit_bzero(password, sizeof(password));
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

static int user_set_active(int argc, char **argv, struct cli_env *env, int active)
{
	const char *what = active ? "user enable" : "user disable";
	const char *ref[1];
	struct cli_opt opts[] = { { NULL } };
	struct user u;
	int rc, n;

	n = cli_parse(argc, argv, opts, ref, 1, what, cmd_user_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return cli_usage_error(cmd_user_usage, "%s needs EMAIL or ID", what);
	rc = cli_find_user(env->st, ref[0], &u);
	if (rc)
		return rc;
	if (u.active == active) {
		printf("%s is already %s\n", u.email, active ? "enabled" : "disabled");
		return 0;
	}
	u.active = active;
	/* Disabling also deletes the user's sessions (see store_user_update). */
	rc = store_user_update(env->st, &u, NULL);
	if (rc != STORE_OK)
		return cli_store_error(env->st, rc);
	printf("%s %s\n", active ? "enabled" : "disabled", u.email);
	return 0;
}

int cmd_user(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "add") == 0)
		return user_add(argc - 2, argv + 2, env);
	if (strcmp(sub, "list") == 0)
		return user_list(argc - 2, argv + 2, env);
	if (strcmp(sub, "set-password") == 0)
		return user_set_password(argc - 2, argv + 2, env);
	if (strcmp(sub, "disable") == 0)
		return user_set_active(argc - 2, argv + 2, env, 0);
	if (strcmp(sub, "enable") == 0)
		return user_set_active(argc - 2, argv + 2, env, 1);
	if (!*sub)
		return cli_usage_error(cmd_user_usage, "user: which one: add, list, set-password, "
						       "disable or enable?");
	return cli_usage_error(cmd_user_usage, "user: unknown subcommand '%.40s'", sub);
}
