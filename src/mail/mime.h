/*
 * mime: turns one raw RFC 5322 message into a struct mail_msg (core/mail.h)
 * with GMime 3, the only user of it (RFC 5322, 2045-2049 MIME, 2047 encoded
 * words, 2231 parameters, 3464 DSN, 3834 auto-submitted; Outlook's TNEF via
 * libytnef).
 */
#ifndef EVID_MAIL_MIME_H
#define EVID_MAIL_MIME_H

#include <stddef.h>

#include "core/mail.h"

struct mime_limits {
	size_t max_file;   /* largest single file kept, bytes */
	size_t max_files;  /* sum of the files kept, bytes */
	size_t max_count;  /* most files kept */
};

/* Call once before any thread parses (g_mime_init); idempotent. */
void mime_init(void);

/*
 * Parse raw (n bytes).  On success returns 0 and fills *out, which the
 * caller releases with mail_msg_free.  Files over the limits are left out
 * and counted in out->files_dropped.  Returns -1 with a short reason in err
 * (errsz bytes) when the input is not a message at all (no header block, no
 * From and no Message-ID and no body): such input goes to quarantine.
 */
int mime_parse(const char *raw, size_t n, const struct mime_limits *lim, struct mail_msg *out,
	       char *err, size_t errsz);

#endif
