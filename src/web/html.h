/*
 * html: the only way HTML is written.  A page is built in one capped
 * buffer through html_printf, whose format string is trusted markup written
 * in our source and whose string arguments are escaped, always: untrusted
 * text (subjects, bodies, names, file names) cannot become markup by
 * accident.  Markup built elsewhere enters only as another struct html
 * (%h), never as a plain string.
 */
#ifndef EVID_WEB_HTML_H
#define EVID_WEB_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define HTML_PAGE_MAX (8 * 1024 * 1024) /* the cap of one page */

struct html {
	struct buf b;
	int failed; /* the cap was hit: the page is incomplete */
};

/* An empty writer capped at max bytes (HTML_PAGE_MAX for a page). */
void html_init(struct html *h, size_t max);
void html_free(struct html *h);

/*
 * Append fmt, a string literal of trusted markup, with these conversions:
 *   %s  const char *   text, escaped (& < > " ' become entities); NULL = ""
 *   %d  int
 *   %j  int64_t
 *   %u  unsigned
 *   %q  const char *   a URL query value, percent-encoded (then escaped)
 *   %h  const struct html *  markup built by another writer, as it is
 *   %%  a percent sign
 * Anything else aborts: it is a bug in our source, found by any test
 * that renders the page.  Past the cap the writer stops growing and
 * html_failed() tells; the page is then answered 500.
 */
void html_printf(struct html *h, const char *fmt, ...);

/* Append text escaped, at most n bytes of it. */
void html_textn(struct html *h, const char *s, size_t n);

/*
 * Append plain text as paragraphs: escaped, line breaks kept (<br>), and
 * http(s) addresses made into links with rel="noopener noreferrer nofollow".
 */
void html_multiline(struct html *h, const char *s, size_t n);

/* Whether the cap was hit (or memory ran out) at any point. */
int html_failed(const struct html *h);

/* The bytes so far and their length. */
const char *html_data(const struct html *h);
size_t html_len(const struct html *h);

/* Escape s into out (NUL-terminated, truncated to outsz).  For attribute-
 * or text-position use outside a writer, such as a header. */
void html_escape(const char *s, char *out, size_t outsz);

#endif
