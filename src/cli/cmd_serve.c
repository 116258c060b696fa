/*
 * cmd_serve: `evid serve`: check the database, apply the command-line
 * overrides to the configuration and hand over to the web server until
 * SIGINT or SIGTERM.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "web/web.h"

const char cmd_serve_usage[] =
	"usage: evid serve [--listen ADDR:PORT] [--threads N]\n"
	"\n"
	"Serve the web application and the JSON API until SIGINT or SIGTERM, then\n"
	"finish the requests in flight and exit 0.  The database must be initialised\n"
	"('evid init').\n"
	"\n"
	"  --listen ADDR:PORT  the address to listen on (default [server] listen,\n"
	"                      127.0.0.1:8080); an IPv4 address or [IPv6]\n"
	"  --threads N         worker threads, 1 to 64 (default [server] threads, 4)\n";

int cmd_serve(int argc, char **argv, struct cli_env *env)
{
	const char *listen = NULL, *threads = NULL;
	struct cli_opt opts[] = {
		{ "listen", CLI_ARG, &listen, NULL },
		{ "threads", CLI_ARG, &threads, NULL },
		{ NULL },
	};
	char err[256];

	if (cli_parse(argc - 1, argv + 1, opts, NULL, 0, "serve", cmd_serve_usage) < 0)
		return EXIT_USAGE;
	if (listen && config_set(&env->conf, "server", "listen", listen, err, sizeof(err)) < 0)
		return cli_usage_error(cmd_serve_usage, "serve: --%s", err);
	if (threads && config_set(&env->conf, "server", "threads", threads, err, sizeof(err)) < 0)
		return cli_usage_error(cmd_serve_usage, "serve: --%s", err);
	/* main() checked the schema; the server opens its own pool of connections. */
	store_close(env->st);
	env->st = NULL;
	return web_serve(&env->conf) == 0 ? 0 : EXIT_FAIL;
}
