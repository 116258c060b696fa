/*
 * html_text: readable plain text from the HTML of a mail body, for display
 * only (the original is kept as a file).  A small tolerant tokenizer: no
 * script, style or head content; block elements and <br> become line
 * breaks, list items "- ", links "text <url>" when they differ; character
 * references decoded; runs of white space collapsed.
 */
#ifndef EVID_CORE_HTML_TEXT_H
#define EVID_CORE_HTML_TEXT_H

#include <stddef.h>

/*
 * Convert html (n bytes, UTF-8) to text.  Returns a malloc'd NUL-terminated
 * string the caller frees, its length in *outlen (may be NULL).  Never fails
 * (out-of-memory aborts); invalid UTF-8 becomes U+FFFD.
 */
char *html_to_text(const char *html, size_t n, size_t *outlen);

#endif
