/*
 * rfc2047: prepares a raw header value for GMime's RFC 2047 decoders.
 * Mail in the wild splits one character across two encoded words, labels
 * windows-1250 text as ISO-8859-1, and puts raw 8-bit text in headers;
 * GMime decodes each word alone and takes the first fallback charset that
 * converts.  This pass fixes that before GMime sees the value.
 */
#ifndef EVID_MAIL_RFC2047_H
#define EVID_MAIL_RFC2047_H

#include <stddef.h>

/*
 * raw (n bytes, a header value as it came) unfolded (CR and LF dropped, the
 * white space after them kept), raw 8-bit text read with the charset guess
 * (charset.h) when it is not UTF-8, and, when words is 1, every run of
 * adjacent encoded words in one charset decoded together, read with
 * charset_to_utf8 and written back as a single "=?UTF-8?B?...?=" word.
 * Returns a malloc'd NUL-terminated string the caller frees (at most about
 * 2 * max bytes: max bounds the input read).  Never fails.
 */
char *rfc2047_prepare(const char *raw, size_t n, size_t max, int words);

#endif
