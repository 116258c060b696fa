/*
 * buf: the one growable string builder.  Modelled on git's strbuf: `s` is
 * never NULL and always NUL-terminated; each buffer has its own size cap and
 * refuses to grow past it instead of trusting a size that came from outside.
 *
 *   struct buf b = BUF_INIT(4096);
 *   if (buf_printf(&b, "%d", n) < 0) ... over the cap ...
 *   char *owned = buf_detach(&b);   // ownership leaves only through detach
 */
#ifndef EVID_UTIL_BUF_H
#define EVID_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

extern char buf_slop[1];

struct buf {
	char *s;    /* never NULL; points at buf_slop while nothing is allocated */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated (0 while s == buf_slop) */
	size_t max; /* the most len may ever reach */
};

#define BUF_INIT(maxlen) { buf_slop, 0, 0, (maxlen) }

void buf_init(struct buf *b, size_t max);

/*
 * Append; each returns 0, or -1 when the result would exceed b->max, in which
 * case b is left exactly as it was.  Out-of-memory aborts.
 */
__attribute__((warn_unused_result)) int buf_add(struct buf *b, const void *p, size_t n);
__attribute__((warn_unused_result)) int buf_puts(struct buf *b, const char *s);
__attribute__((warn_unused_result)) int buf_putc(struct buf *b, char c);
__attribute__((warn_unused_result, format(printf, 2, 3))) int buf_printf(struct buf *b, const char *fmt, ...);
__attribute__((warn_unused_result)) int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Empty the buffer, keeping its memory and cap. */
void buf_reset(struct buf *b);

/* Hand the string to the caller (free() it); b is left empty and reusable. */
char *buf_detach(struct buf *b);

/* Release the memory; b is left empty and reusable. */
void buf_free(struct buf *b);

#endif
