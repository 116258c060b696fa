/*
 * compose: one outbox message rendered as the bytes that go to the mail
 * server, with GMime 3 (RFC 5322 headers and threading, RFC 2045-2049 MIME,
 * RFC 2047 encoded words, RFC 2231 file names, RFC 3834 Auto-Submitted).
 * compose_build turns prepared parts into a message; compose_render
 * gathers those parts for an outbox message from the store and the
 * configuration, and picks the template and language.
 */
#ifndef EVID_MAIL_COMPOSE_H
#define EVID_MAIL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_mail.h"
#include "util/config.h"

#define COMPOSE_MAX_REFERENCES 20 /* References keeps the first id and the newest 19 */
#define COMPOSE_EXCERPT_MAX 1500  /* bytes of the client's text a notification quotes */
#define COMPOSE_EXCERPT_LINES 25

struct compose_file {
	const char *filename;	/* UTF-8, any characters (encoded per RFC 2231) */
	const char *media_type; /* "application/pdf"; NULL or unparseable: octet-stream */
	const void *data;
	size_t size;
};

/* A message ready to be written; every string is UTF-8, borrowed from the caller. */
struct compose_msg {
	const char *from_name;	 /* may be "" */
	const char *from_addr;	 /* required */
	const char *to;		 /* comma-separated addresses, at least one */
	const char *cc;		 /* comma-separated, may be NULL or "" */
	const char *subject;	 /* the whole subject */
	const char *message_id;	 /* without <>, required */
	const char *in_reply_to; /* without <>, may be NULL or "" */
	char *const *references; /* without <>, oldest first; capped at COMPOSE_MAX_REFERENCES */
	size_t n_references;
	int64_t date;		    /* UTC seconds; written in the local zone (TZ) */
	const char *auto_submitted; /* "auto-replied", "auto-generated" or NULL (a person's) */
	const char *ticket_number;  /* X-Evid-Ticket, required */
	const char *body;	    /* text/plain; charset=utf-8 */
	const struct compose_file *files;
	size_t n_files;
};

/*
 * Write m as an RFC 5322 message with CRLF line ends into *raw (malloc'd,
 * NUL-terminated, *rawlen bytes without the NUL; the caller frees it).
 * Header values lose every control character (CR and LF included), so no
 * value can add a header; an id or address that is not plain printable
 * ASCII without spaces and angle brackets is left out.  The body is
 * text/plain; charset=utf-8 in the encoding GMime finds best (7bit,
 * quoted-printable or base64); with files the message is multipart/mixed,
 * the text first.  Returns 0, or -1 with a reason in err (no From, no To,
 * no Message-ID, no usable recipient).
 */
int compose_build(const struct compose_msg *m, char **raw, size_t *rawlen, char *err, size_t errsz);

enum compose_rc {
	COMPOSE_OK = 0,
	COMPOSE_RETRY = -1, /* the store could not answer now (busy, full, I/O): try later */
	COMPOSE_FAIL = -2,  /* this message cannot be rendered (err says why): give up on it */
};

/*
 * Render outbox message it at now: the ticket, the event it is about, the
 * ticket's conversation (store_mail_thread: In-Reply-To the client's
 * message, References the thread), the recipient's language (a staff
 * user's lang, else [company] language), the template, and for a reply the
 * files attached to its event (at most [mail] max_message_mb in all).
 * From is [mail] from_name <[mail] address>.  On COMPOSE_OK *raw and
 * *rawlen are as compose_build gives them; otherwise err says why.
 */
int compose_render(struct store *st, const struct config *conf, const struct outbox_item *it,
		   int64_t now, char **raw, size_t *rawlen, char *err, size_t errsz);

#endif
