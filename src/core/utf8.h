/*
 * utf8: the few UTF-8 (RFC 3629) operations the mail code needs: decode
 * and encode one character, cut at a character boundary, and turn any
 * bytes into clean text (invalid bytes become U+FFFD, control characters
 * go).  Pure C, no I/O.
 */
#ifndef EVID_CORE_UTF8_H
#define EVID_CORE_UTF8_H

#include <stddef.h>

#define UTF8_REPLACEMENT 0xFFFDu

/*
 * Length of the well-formed UTF-8 sequence at s (n > 0 bytes available) and
 * its code point in *cp (OUT); 0 when the bytes there are not well-formed
 * (overlong, surrogate, above U+10FFFF, truncated, stray continuation).
 */
size_t utf8_decode(const char *s, size_t n, unsigned *cp);

/* Write cp as UTF-8 into out (OUT, room for 4 bytes); returns the length.
 * Surrogates and values above U+10FFFF are written as U+FFFD. */
size_t utf8_encode(unsigned cp, char *out);

/*
 * The longest prefix of s (n bytes) of at most max bytes that does not end
 * inside a multi-byte character.
 */
size_t utf8_cut(const char *s, size_t n, size_t max);

/*
 * Clean text: returns a malloc'd, NUL-terminated, well-formed UTF-8 copy of
 * s (n bytes) the caller frees, its length in *outlen (OUT, may be NULL).
 * Invalid bytes become U+FFFD; a byte-order mark, DEL and the C0/C1
 * control characters go.  multiline = 1: CR LF and lone CR become LF, tabs
 * stay.  multiline = 0: line breaks, tabs and no-break spaces are spaces,
 * runs of spaces collapse to one and both ends are trimmed.  Never
 * fails (out-of-memory aborts).
 */
char *utf8_clean(const char *s, size_t n, int multiline, size_t *outlen);

/*
 * utf8_clean(s, n, 0) into dst (dstsz bytes, at least 1), cut at a
 * character boundary so it always fits and stays well-formed.
 */
void utf8_line_copy(char *dst, size_t dstsz, const char *s, size_t n);

#endif
