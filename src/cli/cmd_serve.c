/*
 * cmd_serve: `evid serve`: check the database, apply the command-line
 * overrides to the configuration, start the outbox's sender thread and hand
 * over to the web server until SIGINT or SIGTERM; then stop the sender
 * after the message in flight.  The [imap] poller, when a url is set,
 * runs beside it and stops after the message in hand.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "cli/cli.h"
#include "mail/imap.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "web/web.h"

const char cmd_serve_usage[] =
	"usage: evid serve [--listen ADDR:PORT] [--threads N]\n"
	"\n"
	"Serve the web application and the JSON API until SIGINT or SIGTERM, then\n"
	"finish the requests in flight and exit 0.  The database must be initialised\n"
	"('evid init').  Outgoing mail is sent from the outbox in the background\n"
	"(see [smtp] in docs/configuration.md); a message being sent when the\n"
	"signal comes is finished first.  With [imap] url set, the mailbox is\n"
	"polled every [imap] interval_seconds, as 'evid fetch' does.\n"
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
	struct outbox_worker *sender;
	struct imap_worker *poller;
	sigset_t sigs;
	char err[256];
	int rc;

	if (cli_parse(argc - 1, argv + 1, opts, NULL, 0, "serve", cmd_serve_usage) < 0)
		return EXIT_USAGE;
	if (listen && config_set(&env->conf, "server", "listen", listen, err, sizeof(err)) < 0)
		return cli_usage_error(cmd_serve_usage, "serve: --%s", err);
	if (threads && config_set(&env->conf, "server", "threads", threads, err, sizeof(err)) < 0)
		return cli_usage_error(cmd_serve_usage, "serve: --%s", err);
	/* main() checked the schema; the server opens its own pool of connections. */
	store_close(env->st);
	env->st = NULL;
	/*
	 * The stop signals stay blocked from here on, so that no thread but
	 * web_serve's sigwait() takes them (web_serve blocks them too).
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sender = outbox_worker_start(&env->conf, err, sizeof(err));
	if (!sender)
		return cli_error("cannot start sending mail: %s", err);
	if (imap_worker_start(&env->conf, &poller, err, sizeof(err)) < 0) {
		outbox_worker_stop(sender);
		return cli_error("cannot start polling the mailbox: %s", err);
	}
	rc = web_serve(&env->conf) == 0 ? 0 : EXIT_FAIL;
	imap_worker_stop(poller);
	outbox_worker_stop(sender);
	return rc;
}
