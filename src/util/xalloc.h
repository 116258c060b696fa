/*
 * xalloc: allocation wrappers that abort on out-of-memory, so callers never
 * have to handle a NULL from malloc.  Sizes that come from users must be
 * capped before they reach these functions.
 */
#ifndef EVID_UTIL_XALLOC_H
#define EVID_UTIL_XALLOC_H

#include <stddef.h>

/* Each returns memory the caller owns and frees with free(); never NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * Copy src into dst of size dstsz, always NUL-terminating.  Returns 0, or -1
 * when src did not fit (dst then holds a truncated copy).
 */
int xstrlcpy(char *dst, const char *src, size_t dstsz);

#endif
