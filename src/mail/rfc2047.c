/*
 * rfc2047: unfold a header value, fix its 8-bit text and join its encoded
 * words (RFC 2047 section 6.2: white space between adjacent encoded words
 * is not displayed) before GMime decodes it (see rfc2047.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "mail/charset.h"
#include "mail/rfc2047.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define CHARSET_NAME_MAX 40
#define WORD_TEXT_MAX 4096 /* longest encoded text of one word accepted */

struct word {
	const char *cs; /* charset name, without an RFC 2231 "*language" */
	size_t cslen;
	char enc;	  /* 'B' or 'Q' */
	const char *text; /* encoded text */
	size_t textlen;
	size_t end; /* offset just after "?=" */
};

/* An encoded word "=?charset?B?text?=" at s[i]; 1 and *w, or 0. */
static int parse_word(const char *s, size_t n, size_t i, struct word *w)
{
	size_t j, k;

	if (i + 1 >= n || s[i] != '=' || s[i + 1] != '?')
		return 0;
	j = i + 2;
	w->cs = s + j;
	while (j < n && s[j] != '?' && (unsigned char)s[j] > ' ' && j - i < CHARSET_NAME_MAX)
		j++;
	if (j >= n || s[j] != '?' || j == i + 2)
		return 0;
	w->cslen = (size_t)(s + j - w->cs);
	for (k = 0; k < w->cslen; k++)
		if (w->cs[k] == '*') {
			w->cslen = k;
			break;
		}
	if (w->cslen == 0 || j + 3 >= n || s[j + 2] != '?')
		return 0;
	w->enc = s[j + 1] == 'b' || s[j + 1] == 'B'   ? 'B'
		 : s[j + 1] == 'q' || s[j + 1] == 'Q' ? 'Q'
						      : 0;
	if (!w->enc)
		return 0;
	j += 3;
	w->text = s + j;
	while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '=')) {
		if ((unsigned char)s[j] <= ' ' || (unsigned char)s[j] >= 0x7F ||
		    (size_t)(s + j - w->text) > WORD_TEXT_MAX)
			return 0;
		j++;
	}
	if (j + 1 >= n)
		return 0;
	w->textlen = (size_t)(s + j - w->text);
	w->end = j + 2;
	return 1;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the bytes an encoded word stands for to b. */
static void decode_word(const struct word *w, struct buf *b)
{
	size_t i;
	unsigned acc = 0;
	int bits = 0, v, h, l;
	char c;

	for (i = 0; i < w->textlen; i++) {
		c = w->text[i];
		if (w->enc == 'B') {
			if ((v = b64_value(c)) < 0)
				continue; /* '=' padding and junk */
			acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				c = (char)(acc >> bits & 0xFF);
				(void)!buf_add(b, &c, 1);
			}
			continue;
		}
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < w->textlen && (h = hex_value(w->text[i + 1])) >= 0 &&
			   (l = hex_value(w->text[i + 2])) >= 0) {
			c = (char)(h << 4 | l);
			i += 2;
		}
		(void)!buf_add(b, &c, 1);
	}
}

static void put_b64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char q[4];

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = tab[p[i] >> 2];
		q[1] = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = tab[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		q[3] = tab[p[i + 2] & 63];
		(void)!buf_add(out, q, 4);
	}
	if (i < n) {
		q[0] = tab[p[i] >> 2];
		if (i + 1 < n) {
			q[1] = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
			q[2] = tab[(p[i + 1] & 15) << 2];
		} else {
			q[1] = tab[(p[i] & 3) << 4];
			q[2] = '=';
		}
		q[3] = '=';
		(void)!buf_add(out, q, 4);
	}
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Append the UTF-8 reading of bytes (in charset cs, cslen bytes) to utf. */
static void flush_run(const char *cs, size_t cslen, struct buf *bytes, struct buf *utf)
{
	char name[CHARSET_NAME_MAX + 1];
	size_t len;
	char *utf8;

	memcpy(name, cs, cslen);
	name[cslen] = '\0';
	utf8 = charset_to_utf8(name, bytes->s, bytes->len, utf->max, &len, NULL);
	(void)!buf_add(utf, utf8, len);
	free(utf8);
	buf_reset(bytes);
}

/*
 * Rewrite the encoded words of s (n bytes, unfolded, UTF-8) into out: each
 * run of adjacent words becomes one UTF-8 word.  Within a run the bytes of
 * consecutive words in the same charset are read together, so a character
 * split between two words comes out whole.
 */
static void join_words(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, j, k;
	struct word w, next;
	struct buf bytes, utf;

	while (i < n) {
		if (!parse_word(s, n, i, &w)) {
			(void)!buf_add(out, s + i, 1);
			i++;
			continue;
		}
		buf_init(&bytes, out->max);
		buf_init(&utf, out->max);
		decode_word(&w, &bytes);
		j = w.end;
		for (;;) {
			for (k = j; k < n && is_wsp(s[k]); k++)
				;
			if (!parse_word(s, n, k, &next))
				break;
			if (next.cslen != w.cslen || strncasecmp(next.cs, w.cs, w.cslen) != 0) {
				flush_run(w.cs, w.cslen, &bytes, &utf);
				w = next;
			}
			decode_word(&next, &bytes);
			j = next.end;
		}
		flush_run(w.cs, w.cslen, &bytes, &utf);
		(void)!buf_puts(out, "=?UTF-8?B?");
		put_b64(out, (const unsigned char *)utf.s, utf.len);
		(void)!buf_puts(out, "?=");
		buf_free(&bytes);
		buf_free(&utf);
		i = j;
	}
}

char *rfc2047_prepare(const char *raw, size_t n, size_t max, int words)
{
	struct buf unfolded = BUF_INIT(max), out = BUF_INIT(max * 2 + 64);
	char *fixed = NULL;
	const char *s;
	size_t i, len;
	unsigned cp;

	if (!raw)
		n = 0;
	if (n > max)
		n = utf8_cut(raw, n, max);
	for (i = 0; i < n; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			(void)!buf_add(&unfolded, raw + i, 1);
	s = unfolded.s;
	len = unfolded.len;
	/* Raw 8-bit text that is not UTF-8: the same guess as for bodies. */
	for (i = 0; i < len;) {
		size_t l = utf8_decode(s + i, len - i, &cp);

		if (l == 0) {
			fixed = charset_to_utf8(NULL, s, len, max * 2, &len, NULL);
			s = fixed;
			break;
		}
		i += l;
	}
	while (len > 0 && is_wsp(*s)) {
		s++;
		len--;
	}
	if (words)
		join_words(s, len, &out);
	else
		(void)!buf_add(&out, s, len);
	free(fixed);
	buf_free(&unfolded);
	return buf_detach(&out);
}
