/*
 * cmd_config: `evid config check [FILE]`: read a configuration file as
 * evid would, and say "ok" or name the first bad line (in the manner of
 * OpenSMTPD's `smtpd -n`).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_config_usage[] =
	"usage: evid config check [FILE]\n"
	"\n"
	"Validate a configuration file: print 'ok: FILE' and exit 0, or name the\n"
	"file, the line and what is wrong with it and exit 1.  Without FILE the\n"
	"file evid would read is checked (--config, $EVID_CONFIG or ./evid.conf).\n"
	"Every key is described in docs/configuration.md.\n";

static int config_check(int argc, char **argv, struct cli_env *env)
{
	const char *file[1], *path = env->config_path;
	int required = env->config_required, n;
	struct config c;
	char err[1400];

	n = cli_parse(argc, argv, NULL, file, 1, "config check", cmd_config_usage);
	if (n < 0)
		return EXIT_USAGE;
	if (n == 1) {
		path = file[0];
		required = 1;
	}
	config_defaults(&c);
	if (config_load(&c, path, required, err, sizeof(err)) < 0)
		return cli_error("%s", err);
	if (!c.path[0]) {
		printf("ok: no %s, the built-in defaults apply\n", path);
		return 0;
	}
	printf("ok: %s\n", path);
	return 0;
}

int cmd_config(int argc, char **argv, struct cli_env *env)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (strcmp(sub, "check") == 0)
		return config_check(argc - 2, argv + 2, env);
	if (!*sub)
		return cli_usage_error(cmd_config_usage, "config: which one: check?");
	return cli_usage_error(cmd_config_usage, "config: unknown subcommand '%.40s'", sub);
}
