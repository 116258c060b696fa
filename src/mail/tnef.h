/*
 * tnef: unpacks Outlook's winmail.dat (application/ms-tnef, MS-OXTNEF) into
 * the files it carries, with libytnef; only src/mail/mime.c uses it.
 */
#ifndef EVID_MAIL_TNEF_H
#define EVID_MAIL_TNEF_H

#include <stddef.h>

/*
 * Called once per file found: name is UTF-8 as stored (not yet cleaned,
 * may be ""), media_type lowercase ("application/octet-stream" when TNEF
 * names none), data/size the content (borrowed for the call).
 */
typedef void (*tnef_file_fn)(void *ctx, const char *name, const char *media_type,
			     const unsigned char *data, size_t size);

struct tnef_result {
	int files;	    /* files handed to the callback */
	char *body;	    /* malloc'd UTF-8 plain body (PR_BODY), or NULL */
	unsigned char *rtf; /* malloc'd decompressed RTF body, or NULL */
	size_t rtf_len;
};

/*
 * Unpack data (n bytes).  max_file is the largest attachment worth reading
 * (bytes).  Returns 0 and fills *res (OUT; release with tnef_result_free)
 * when the whole stream parsed; -1 when it is not TNEF or is damaged, in
 * which case no callback has been made and *res is empty.
 */
int tnef_unpack(const unsigned char *data, size_t n, size_t max_file, tnef_file_fn fn, void *ctx,
		struct tnef_result *res);

void tnef_result_free(struct tnef_result *res);

#endif
