/*
 * mail: a received message as the rest of the program sees it, after the
 * MIME parser (src/mail/mime.c) has decoded it: addresses, decoded subject,
 * the thread headers, the headers that tell an automatic message from a
 * person's (RFC 3834, RFC 3464), the body as UTF-8 text, and the files.
 * Pure data: no I/O, no GMime.  Everything is owned by the struct and
 * released by mail_msg_free.
 */
#ifndef EVID_CORE_MAIL_H
#define EVID_CORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define MSGID_MAX_LEN 250      /* a Message-ID without its angle brackets */
#define MAIL_MAX_REFERENCES 50 /* References kept (the newest ones) */
#define MAIL_MAX_ADDRS 100     /* To / Cc entries kept */

struct mail_addr {
	char addr[EMAIL_MAX_LEN + 1]; /* lowercase "ivan@firma.hr"; "" when unparseable */
	char name[NAME_MAX_LEN + 1];  /* decoded display name, may be "" */
};

struct mail_addr_list {
	struct mail_addr *items;
	size_t n;
};

struct mail_file {
	char filename[FILENAME_MAX_LEN + 1];     /* decoded, path separators removed; never "" */
	char media_type[MEDIA_TYPE_MAX_LEN + 1]; /* lowercase "application/pdf" */
	char content_id[MSGID_MAX_LEN + 1];      /* without <>, for inline images; may be "" */
	int is_inline;                           /* Content-Disposition inline with a cid */
	unsigned char *data;                     /* owned */
	size_t size;
	char sha256[65]; /* lowercase hex SHA-256 of data, filled by the caller of the store
			    (crypto_sha256_hex) before store_mail_import / store_reply_queue;
			    the parser leaves it "" */
};

struct mail_file_list {
	struct mail_file *items;
	size_t n;
};

struct mail_msg {
	struct mail_addr from;     /* from.addr "" when there is no usable From */
	struct mail_addr reply_to; /* "" when absent */
	struct mail_addr_list to, cc;
	char subject[SUBJECT_MAX_LEN + 1]; /* decoded, one line, cut at a character boundary */
	int64_t date;                      /* UTC seconds, 0 when absent or unparseable */
	char message_id[MSGID_MAX_LEN + 1];  /* "" when absent */
	char in_reply_to[MSGID_MAX_LEN + 1]; /* "" when absent */
	char **references; /* owned, oldest first, at most MAIL_MAX_REFERENCES */
	size_t n_references;

	/* what tells an automatic message from a person's */
	char auto_submitted[64];  /* header value lowercased, "" when absent */
	char precedence[32];      /* lowercased, "" when absent */
	int has_list_id;          /* List-Id present */
	int has_return_path;      /* Return-Path present */
	int return_path_empty;    /* Return-Path: <> */
	int has_evid_marker;      /* our own X-Evid-Ticket header (a message we sent) */

	/* a delivery status notification (multipart/report; report-type=delivery-status) */
	int is_dsn;
	char dsn_original_id[MSGID_MAX_LEN + 1]; /* Message-ID of the bounced message, if found */
	char dsn_action[32];                     /* "failed", "delayed", ... lowercased */
	char dsn_recipient[EMAIL_MAX_LEN + 1];

	/* the body */
	char *text;            /* owned UTF-8, never NULL after a successful parse */
	size_t text_len;
	int text_from_html;    /* the text was made from an HTML-only body */
	size_t quote_at;       /* offset in text where quoted history starts (text_len if none) */

	struct mail_file_list files; /* attachments, inline images, unpacked TNEF, the HTML original */
	int files_dropped;           /* parts left out because of the size limits */
};

void mail_msg_free(struct mail_msg *m);

#endif
