/*
 * html: the escaping writer (see html.h).  The format language is ours and
 * small on purpose, so that no argument can reach the page unescaped.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "web/html.h"

void html_init(struct html *h, size_t max)
{
	buf_init(&h->b, max);
	h->failed = 0;
}

void html_free(struct html *h)
{
	buf_free(&h->b);
}

int html_failed(const struct html *h)
{
	return h->failed;
}

const char *html_data(const struct html *h)
{
	return h->b.s;
}

size_t html_len(const struct html *h)
{
	return h->b.len;
}

static void put(struct html *h, const char *p, size_t n)
{
	struct buf *b = &h->b;

	if (h->failed)
		return;
	/* Most pieces fit the room there is: copy them here, without a call. */
	if (n < b->cap - b->len && b->len + n <= b->max) {
		memcpy(b->s + b->len, p, n);
		b->len += n;
		b->s[b->len] = '\0';
		return;
	}
	if (buf_add(b, p, n) < 0)
		h->failed = 1;
}

static const char *entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

/*
 * Bytes html_textn must look at: the five that become entities, and the
 * control characters other than tab and newlines (which have no place in a
 * page and become U+FFFD).  Every other byte is copied as it is, a run at a
 * time.
 */
static const unsigned char html_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x0b] = 1, [0x0c] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1,
	[0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1,
	[0x1f] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1,
};

/*
 * Whether any of the 8 bytes in w is one html_special marks: a control
 * character (below 0x20) or one of & < > " '.  Tab and newlines are
 * controls too here; the byte loop then lets them through.  (The
 * "has a zero byte" test of Hacker's Delight, on w and on w xor each
 * special byte.)
 */
static int word_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
#define HAS_ZERO(x) (((x) - ones) & ~(x) & highs)
	uint64_t lt = (w - ones * 0x20) & ~w & highs; /* a byte below 0x20 */

	return (lt | HAS_ZERO(w ^ (ones * '&')) | HAS_ZERO(w ^ (ones * '<')) |
		HAS_ZERO(w ^ (ones * '>')) | HAS_ZERO(w ^ (ones * '"')) |
		HAS_ZERO(w ^ (ones * '\''))) != 0;
#undef HAS_ZERO
}

void html_textn(struct html *h, const char *s, size_t n)
{
	size_t i, start = 0;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c;
		const char *e;
		uint64_t w;

		/* Eight plain bytes at a time, the common case. */
		while (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (word_special(w))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = (unsigned char)s[i];
		if (!html_special[c])
			continue;
		if (c == 0)
			break;
		e = entity(c);
		if (!e)
			e = "\xEF\xBF\xBD";
		put(h, s + start, i - start);
		put(h, e, strlen(e));
		start = i + 1;
	}
	put(h, s + start, i - start);
}

static void html_text(struct html *h, const char *s)
{
	if (s)
		html_textn(h, s, strlen(s));
}

static void put_query(struct html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[3];

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			put(h, (const char *)&c, 1);
		} else {
			tmp[0] = '%';
			tmp[1] = hex[c >> 4];
			tmp[2] = hex[c & 15];
			put(h, tmp, 3);
		}
	}
}

/* v in decimal (a page has thousands of numbers: no snprintf for each). */
static void put_int(struct html *h, int64_t v)
{
	char num[24], *p = num + sizeof(num);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(h, p, (size_t)(num + sizeof(num) - p));
}

static void html_vprintf(struct html *h, const char *fmt, va_list ap)
{
	const char *p, *start = fmt;

	for (;;) {
		p = strchrnul(start, '%');
		put(h, start, (size_t)(p - start));
		if (!*p)
			return;
		p++;
		switch (*p) {
		case 's':
			html_text(h, va_arg(ap, const char *));
			break;
		case 'd':
			put_int(h, va_arg(ap, int));
			break;
		case 'u':
			put_int(h, va_arg(ap, unsigned));
			break;
		case 'j':
			put_int(h, va_arg(ap, int64_t));
			break;
		case 'q':
			put_query(h, va_arg(ap, const char *));
			break;
		case 'h': {
			const struct html *in = va_arg(ap, const struct html *);

			if (in->failed)
				h->failed = 1;
			put(h, in->b.s, in->b.len);
			break;
		}
		case '%':
			put(h, "%", 1);
			break;
		default:
			log_error("html_printf: unknown conversion in \"%.60s\"", fmt);
			abort();
		}
		start = p + 1;
	}
}

void html_printf(struct html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	html_vprintf(h, fmt, ap);
	va_end(ap);
}

/* Length of an http(s) address starting at s, without trailing punctuation. */
static size_t url_len(const char *s, size_t n)
{
	size_t i = 0;

	if (!(n >= 8 && strncmp(s, "https://", 8) == 0) && !(n >= 7 && strncmp(s, "http://", 7) == 0))
		return 0;
	while (i < n && (unsigned char)s[i] > ' ' && s[i] != '<' && s[i] != '>' && s[i] != '"')
		i++;
	while (i > 0 && strchr(".,;:!?)]'", s[i - 1]))
		i--;
	return i > 8 ? i : 0;
}

void html_multiline(struct html *h, const char *s, size_t n)
{
	size_t i = 0, start = 0, u;

	if (!s)
		return;
	while (i < n && s[i]) {
		if (s[i] == '\r') {
			html_textn(h, s + start, i - start);
			start = ++i;
			continue;
		}
		if (s[i] == '\n') {
			html_textn(h, s + start, i - start);
			put(h, "<br>\n", 5);
			start = ++i;
			continue;
		}
		if ((i == 0 || !((unsigned char)s[i - 1] > ' ' && s[i - 1] != '(' &&
				 s[i - 1] != '<')) &&
		    (u = url_len(s + i, n - i)) > 0) {
			html_textn(h, s + start, i - start);
			put(h, "<a href=\"", 9);
			html_textn(h, s + i, u);
			put(h, "\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">", 53);
			html_textn(h, s + i, u);
			put(h, "</a>", 4);
			i += u;
			start = i;
			continue;
		}
		i++;
	}
	html_textn(h, s + start, i - start);
}

void html_escape(const char *s, char *out, size_t outsz)
{
	struct html h;

	html_init(&h, outsz ? outsz - 1 : 0);
	html_text(&h, s);
	if (outsz)
		snprintf(out, outsz, "%s", h.b.s);
	html_free(&h);
}
