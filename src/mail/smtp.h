/*
 * smtp: hand one rendered message to the mail server with libcurl (RFC 5321
 * SMTP, RFC 3207 STARTTLS, RFC 8314 implicit TLS, RFC 4954 AUTH), and say
 * whether a failure is worth a retry (RFC 5321 reply codes: 4xx transient,
 * 5xx permanent).  The only user of libcurl's mail protocols for sending.
 */
#ifndef EVID_MAIL_SMTP_H
#define EVID_MAIL_SMTP_H

#include <stddef.h>

#include "util/config.h"

enum smtp_result {
	SMTP_SENT,	/* the server took it (for every recipient, or see rejected) */
	SMTP_TRANSIENT, /* try again later: 4xx, refused connection, timeout, TLS, AUTH */
	SMTP_PERMANENT, /* the server refused it for good: 5xx to MAIL, RCPT or DATA */
};

struct smtp_outcome {
	enum smtp_result result;
	int code;	    /* the server's reply code that decided it, 0 when none */
	char error[512];    /* why it failed, one line, for last_error and the log */
	char rejected[512]; /* SENT while the server refused some recipients:
			       "a@b.hr (550 5.1.1 no such user), ..." cut to fit; else "" */
};


/*
 * Send raw (n bytes, CRLF line ends, as compose_build writes it) through
 * conf's [smtp] server from [mail] address to every address of the
 * comma-separated lists to and cc (duplicates once).  smtp:// uses
 * STARTTLS as [smtp] starttls says (required, try, off); smtps:// is TLS
 * from the start; AUTH when [smtp] username is set; certificates checked
 * unless verify_tls is off, against ca_file when set; the whole attempt
 * within timeout_seconds.  A refused recipient does not stop the others;
 * when none is accepted the worst reply decides.  A 5xx about
 * authentication or TLS (530, 534, 535, 538) counts as transient: it is
 * the configuration's fault, not the message's.  Returns out->result.
 * Never writes the password anywhere.
 */
enum smtp_result smtp_send(const struct config *conf, const char *raw, size_t n, const char *to,
			   const char *cc, struct smtp_outcome *out);

#endif
