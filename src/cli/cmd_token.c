/*
 * cmd_token: `evid token create EMAIL`: a new API token for a staff user,
 * printed once on stdout (nothing else goes there, for scripts); the
 * database keeps only its SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/crypto.h"

const char cmd_token_usage[] =
	"usage: evid token create EMAIL|ID [--name NAME]\n"
	"\n"
	"Create an API token for an active staff user and print it on stdout; it\n"
	"is shown only this once.  Use it as 'Authorization: Bearer TOKEN'.  The\n"
	"token acts with the user's role.  --name says what the token is for.\n";

static int token_create(int argc, char **argv, struct cli_env *env)
{
	const char *ref[1], *name = "";
	struct cli_opt opts[] = {
		{ "name", CLI_ARG, &name, NULL },
		{ NULL },
	};
	char secret[CRYPTO_SECRET_MAX], hash[CRYPTO_SHA256_HEX];
	struct user u;
	int64_t id;
	int rc, n;

	n = cli_parse(argc, argv, opts, ref, 1, "token create", cmd_token_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1)
		return cli_usage_error(cmd_token_usage,
				       "token create needs the user's EMAIL or ID");
	if (!valid_text(name, TOKEN_NAME_MAX_LEN, 0))
		return cli_error("the token name must be one line of at most %d bytes",
				 TOKEN_NAME_MAX_LEN);
	rc = cli_find_actor(env->st, ref[0], &u);
	if (rc)
		return rc;
	crypto_random_secret("evid_", secret);
	crypto_sha256_hex(secret, strlen(secret), hash);
	rc = store_token_create(env->st, u.id, hash, name, clock_now(), &id);
	if (rc != STORE_OK) {
		rc = cli_store_error(env->st, rc);
		goto out;
	}
	printf("%s\n", secret);
	rc = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

int cmd_token(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "create") == 0)
		return token_create(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_token_usage, "token: which one: create?");
	return cli_usage_error(cmd_token_usage, "token: unknown subcommand '%.40s'", sub);
}
