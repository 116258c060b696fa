/*
 * charset: text of a mail part or header to UTF-8.  The declared charset is
 * used when it is a real one and outside the family that gets mixed up in
 * Croatian mail; inside that family (US-ASCII, UTF-8, ISO-8859-1/15,
 * windows-1252, ISO-8859-2, windows-1250) or when it is missing or
 * unknown, the bytes decide: valid UTF-8 stays UTF-8, otherwise each
 * candidate reading is scored for plausible Croatian (RFC 2045 charset
 * parameter, RFC 2978 names; tables for the family, iconv for the rest).
 */
#ifndef EVID_MAIL_CHARSET_H
#define EVID_MAIL_CHARSET_H

#include <stddef.h>

/*
 * Convert s (n bytes) declared as charset declared (NULL or "" when there is
 * no declaration) to UTF-8.  Returns a malloc'd NUL-terminated string the
 * caller frees, well-formed UTF-8 (undecodable bytes become U+FFFD), at
 * most max bytes (cut at a character boundary), its length in *outlen (OUT,
 * may be NULL), and in *used (OUT, may be NULL) a static name of the
 * charset that was read: "us-ascii", "utf-8", "windows-1250", "iso-8859-2",
 * "iso-8859-1", "windows-1252", "iso-8859-15" or "declared" (the declared
 * non-family charset).  Never fails (out-of-memory aborts).
 */
char *charset_to_utf8(const char *declared, const char *s, size_t n, size_t max, size_t *outlen,
		      const char **used);

struct buf;

/*
 * s (n bytes) read as charset, one of ISO-8859-1, ISO-8859-15, windows-1252,
 * ISO-8859-2 or windows-1250 (any spelling), without any guessing, appended
 * to out as UTF-8 (a byte that means nothing there becomes U+FFFD).  Returns
 * 0, or -1 when charset is not one of those five.
 */
int charset_decode_8bit(const char *charset, const char *s, size_t n, struct buf *out);

/*
 * How plausible s (n bytes of UTF-8) is as Croatian or Western text: +2 for
 * each of č ć ž š đ and their capitals, 0 for ASCII and common Latin-1
 * letters and punctuation, negative for U+FFFD, C1 controls, rare symbols
 * and letters of other Central European languages.  For tests and for
 * choosing between readings.
 */
long charset_score(const char *s, size_t n);

#endif
