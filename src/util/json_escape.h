/*
 * json_escape: write a C string as a quoted JSON string (RFC 8259) into a
 * buf.  Used by the CLI's --json output; the web layer uses jansson.
 */
#ifndef EVID_UTIL_JSON_ESCAPE_H
#define EVID_UTIL_JSON_ESCAPE_H

#include "util/buf.h"

/*
 * Append s as a JSON string with its quotes: '"', '\\' and control
 * characters are escaped, well-formed UTF-8 is copied as it is, and each
 * byte of a malformed sequence becomes U+FFFD.  Returns 0, or -1 when b's
 * cap would be exceeded (b is then left as it was).
 */
__attribute__((warn_unused_result)) int json_escape(struct buf *b, const char *s);

#endif
