/*
 * html_text: readable text from the HTML of a mail body (see html_text.h).
 * One pass over the bytes, no tree: tags only switch state (skipped
 * content, <pre>, quote depth, list depth, the open link).  Text is written
 * through emit(), which collapses white space and puts pending line breaks
 * and the "> " prefix of <blockquote> in front of the next visible
 * character.  Outlook's <p class=MsoNormal> lines count as single lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/html_text.h"
#include "core/utf8.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define MAX_QUOTE 8   /* deepest "> " prefix written */
#define MAX_LIST 8    /* deepest list indentation and numbering kept */
#define ATTR_MAX 2048 /* longest href or class value kept */

struct conv {
	struct buf out;
	int pre;     /* inside <pre> (depth) */
	int in_head; /* inside <head> */
	int quote;   /* <blockquote> depth */
	int list;    /* list depth */
	int ordered[MAX_LIST];
	int counter[MAX_LIST];
	int pending_nl;	  /* line breaks owed before the next text (0..2) */
	int space;	  /* a space owed before the next text */
	int line_start;	  /* nothing written on the current line yet */
	int mso_p;	  /* the open <p> is Outlook's one-line MsoNormal */
	char *href;	  /* the open <a href>, owned */
	size_t link_from; /* output offset where its text started */
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void put(struct conv *c, const char *s, size_t n)
{
	/* The buffer's cap is far above anything a parsed mail can reach. */
	if (buf_add(&c->out, s, n) < 0)
		abort();
}

/* The "> > " prefix of the current quote depth (without the trailing space
 * for a blank line). */
static void put_prefix(struct conv *c, int blank)
{
	int i, q = c->quote < MAX_QUOTE ? c->quote : MAX_QUOTE;

	for (i = 0; i < q; i++)
		put(c, ">", 1);
	if (q > 0 && !blank)
		put(c, " ", 1);
}

/* Settle owed line breaks before visible text. */
static void flush_breaks(struct conv *c)
{
	int i;

	if (c->out.len == 0) {
		c->pending_nl = 0;
		return;
	}
	for (i = 0; i < c->pending_nl; i++) {
		put(c, "\n", 1);
		if (i + 1 < c->pending_nl)
			put_prefix(c, 1);
		c->line_start = 1;
	}
	c->pending_nl = 0;
}

/* Write n bytes of visible text (already entity-decoded). */
static void emit(struct conv *c, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (c->pre) {
			if (ch == '\r')
				continue;
			flush_breaks(c);
			if (ch == '\n') {
				put(c, "\n", 1);
				c->line_start = 1;
				continue;
			}
			if (c->line_start) {
				put_prefix(c, 0);
				c->line_start = 0;
			}
			put(c, (const char *)&ch, 1);
			continue;
		}
		if (is_space(ch)) {
			if (!c->line_start || c->pending_nl)
				c->space = 1;
			continue;
		}
		/* U+00A0 no-break space reads as a space. */
		if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
			i++;
			if (!c->line_start || c->pending_nl)
				c->space = 1;
			continue;
		}
		if (c->pending_nl) {
			flush_breaks(c);
			c->space = 0;
		}
		if (c->line_start) {
			put_prefix(c, 0);
			c->line_start = 0;
			c->space = 0;
		} else if (c->space) {
			put(c, " ", 1);
		}
		c->space = 0;
		put(c, (const char *)&ch, 1);
	}
}

/* Owe at least nl line breaks (1 = new line, 2 = blank line between). */
static void block(struct conv *c, int nl)
{
	if (c->out.len == 0)
		return;
	if (c->line_start && c->pending_nl == 0 && nl == 1)
		return;
	if (nl > c->pending_nl)
		c->pending_nl = nl;
	c->space = 0;
}

struct entity {
	const char *name;
	unsigned cp;
};

static const struct entity entities[] = {
    {"amp", '&'},      {"lt", '<'},	  {"gt", '>'},	      {"quot", '"'},	 {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},	  {"reg", 0xAE},      {"euro", 0x20AC},	 {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018},  {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"sbquo", 0x201A},  {"laquo", 0xAB},	 {"raquo", 0xBB},
    {"bull", 0x2022},  {"middot", 0xB7},  {"trade", 0x2122},  {"deg", 0xB0},	 {"plusmn", 0xB1},
    {"times", 0xD7},   {"divide", 0xF7},  {"shy", 0xAD},      {"sect", 0xA7},	 {"para", 0xB6},
    {"cent", 0xA2},    {"pound", 0xA3},	  {"yen", 0xA5},      {"iexcl", 0xA1},	 {"iquest", 0xBF},
    {"ensp", 0x2002},  {"emsp", 0x2003},  {"thinsp", 0x2009}, {"zwnj", 0x200C},	 {"zwj", 0x200D},
    {"scaron", 0x161}, {"Scaron", 0x160}, {"zcaron", 0x17E},  {"Zcaron", 0x17D}, {"ccaron", 0x10D},
    {"Ccaron", 0x10C}, {"cacute", 0x107}, {"Cacute", 0x106},  {"dstrok", 0x111}, {"Dstrok", 0x110},
    {"auml", 0xE4},    {"Auml", 0xC4},	  {"ouml", 0xF6},     {"Ouml", 0xD6},	 {"uuml", 0xFC},
    {"Uuml", 0xDC},    {"szlig", 0xDF},	  {"eacute", 0xE9},   {"Eacute", 0xC9},	 {"egrave", 0xE8},
    {"Egrave", 0xC8},  {"aacute", 0xE1},  {"Aacute", 0xC1},   {"agrave", 0xE0},	 {"iacute", 0xED},
    {"oacute", 0xF3},  {"Oacute", 0xD3},  {"uacute", 0xFA},   {"ccedil", 0xE7},	 {"ntilde", 0xF1},
    {"acirc", 0xE2},   {"ecirc", 0xEA},	  {"ocirc", 0xF4},    {"aring", 0xE5},	 {"oslash", 0xF8},
    {"aelig", 0xE6},
};

/* Windows-1252's meaning of 0x80..0x9F, which HTML gives numeric references there. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

/*
 * A character reference at s[0] == '&' (n bytes available): its code point
 * in *cp and the bytes it spans, or 0 when it is not one (a literal '&').
 */
static size_t entity(const char *s, size_t n, unsigned *cp)
{
	size_t i = 1, k;
	unsigned long v = 0;
	int digits = 0;

	if (n > 1 && s[1] == '#') {
		int hex = n > 2 && (s[2] == 'x' || s[2] == 'X');

		i = hex ? 3 : 2;
		for (; i < n && digits < 8; i++, digits++) {
			int ch = lower((unsigned char)s[i]);

			if (ch >= '0' && ch <= '9')
				v = v * (hex ? 16 : 10) + (unsigned long)(ch - '0');
			else if (hex && ch >= 'a' && ch <= 'f')
				v = v * 16 + (unsigned long)(ch - 'a' + 10);
			else
				break;
		}
		if (digits == 0)
			return 0;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') || (hex && is_alpha(s[i])))) {
			i++; /* absurdly long: swallow the rest, it is U+FFFD */
			v = 0x110000;
		}
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v <= 0x9F)
			v = cp1252_c1[v - 0x80];
		if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = 0xFFFD;
		*cp = (unsigned)v;
		return i;
	}
	for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
		size_t len = strlen(entities[k].name);

		if (n >= len + 1 && memcmp(s + 1, entities[k].name, len) == 0) {
			i = len + 1;
			if (i < n && s[i] == ';')
				i++;
			else if (i < n && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')))
				continue; /* "&ampx": not this one */
			*cp = entities[k].cp;
			return i;
		}
	}
	return 0;
}

/* Decode character references of s[0..n) into b. */
static void decode_into(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, len;
	unsigned cp;
	char u[4];

	while (i < n) {
		if (s[i] == '&' && (len = entity(s + i, n - i, &cp)) > 0) {
			if (buf_add(b, u, utf8_encode(cp, u)) < 0)
				return;
			i += len;
			continue;
		}
		if (buf_add(b, s + i, 1) < 0)
			return;
		i++;
	}
}

/* Text between tags: decode references and emit. */
static void text(struct conv *c, const char *s, size_t n)
{
	struct buf b = BUF_INIT((size_t)-1 / 4);

	if (c->in_head || n == 0)
		return;
	if (!memchr(s, '&', n)) {
		emit(c, s, n);
		return;
	}
	decode_into(&b, s, n);
	emit(c, b.s, b.len);
	buf_free(&b);
}

/* Case-insensitive search for "</name" in s[0..n); returns its offset or n. */
static size_t find_end_tag(const char *s, size_t n, const char *name)
{
	size_t k = strlen(name), i, j;

	for (i = 0; i + 2 + k <= n; i++) {
		if (s[i] != '<' || s[i + 1] != '/')
			continue;
		for (j = 0; j < k; j++)
			if (lower((unsigned char)s[i + 2 + j]) != name[j])
				break;
		if (j == k)
			return i;
	}
	return n;
}

static int name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const raw_text[] = {"script", "style", "title",  "template", "noscript",
				       "xml",	 "svg",	  "object", "textarea", NULL};
static const char *const para_tags[] = {"p",	      "h1",  "h2", "h3", "h4", "h5", "h6", "table",
					"blockquote", "pre", "hr", "dl", "ul", "ol", NULL};
static const char *const line_tags[] = {
    "div",    "tr",	  "dt",	    "dd",      "caption", "address",	"section", "article",
    "header", "footer",	  "nav",    "aside",   "figure",  "figcaption", "main",	   "center",
    "form",   "fieldset", "legend", "details", "summary", "body",	"html",	   NULL};

static void link_close(struct conv *c)
{
	const char *href = c->href, *t;
	size_t tn, hn;

	if (!href)
		return;
	t = c->out.s + c->link_from;
	tn = c->out.len - c->link_from;
	while (tn > 0 && is_space((unsigned char)*t)) {
		t++;
		tn--;
	}
	hn = strlen(href);
	if (strncmp(href, "mailto:", 7) == 0) {
		href += 7;
		hn -= 7;
	}
	/* "text <url>" only when the text does not already say it. */
	if (hn > 0 && !(tn == hn && memcmp(t, href, hn) == 0) &&
	    !(tn + 7 == hn && strncmp(href, "http://", 7) == 0 && memcmp(t, href + 7, tn) == 0) &&
	    !(tn + 8 == hn && strncmp(href, "https://", 8) == 0 && memcmp(t, href + 8, tn) == 0)) {
		if (tn == 0) {
			emit(c, href, hn);
		} else {
			emit(c, " <", 2);
			emit(c, href, hn);
			emit(c, ">", 1);
		}
	}
	free(c->href);
	c->href = NULL;
}

/*
 * Read the attributes of a tag from s[0..n) (after its name, up to '>');
 * keeps href and class values (decoded) in *href / *cls (OUT, malloc'd or
 * NULL).  Returns the bytes consumed, including the closing '>'.
 */
static size_t attributes(const char *s, size_t n, char **href, char **cls)
{
	size_t i = 0, ns, vs, vn;

	*href = NULL;
	*cls = NULL;
	while (i < n && s[i] != '>') {
		char an[8];
		size_t k;

		if (is_space((unsigned char)s[i]) || s[i] == '/') {
			i++;
			continue;
		}
		ns = i;
		while (i < n && !is_space((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' &&
		       !(s[i] == '/' && i + 1 < n && s[i + 1] == '>'))
			i++;
		k = i - ns < sizeof(an) - 1 ? i - ns : sizeof(an) - 1;
		for (size_t j = 0; j < k; j++)
			an[j] = (char)lower((unsigned char)s[ns + j]);
		an[k] = '\0';
		if (i - ns >= sizeof(an))
			an[0] = '\0';
		while (i < n && is_space((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != '=')
			continue;
		i++;
		while (i < n && is_space((unsigned char)s[i]))
			i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			char q = s[i++];

			vs = i;
			while (i < n && s[i] != q)
				i++;
			vn = i - vs;
			if (i < n)
				i++;
		} else {
			vs = i;
			while (i < n && !is_space((unsigned char)s[i]) && s[i] != '>')
				i++;
			vn = i - vs;
		}
		if (vn > ATTR_MAX)
			continue;
		if ((strcmp(an, "href") == 0 && !*href) || (strcmp(an, "class") == 0 && !*cls)) {
			struct buf b = BUF_INIT(ATTR_MAX * 4);
			size_t t = 0;

			/* Leading and trailing white space in a URL is noise. */
			while (t < vn && is_space((unsigned char)s[vs + t]))
				t++;
			while (vn > t && is_space((unsigned char)s[vs + vn - 1]))
				vn--;
			decode_into(&b, s + vs + t, vn - t);
			if (an[0] == 'h')
				*href = buf_detach(&b);
			else
				*cls = buf_detach(&b);
		}
	}
	if (i < n)
		i++; /* '>' */
	return i;
}

static void start_tag(struct conv *c, const char *name, const char *href, const char *cls)
{
	if (strcmp(name, "head") == 0) {
		c->in_head = 1;
		return;
	}
	if (strcmp(name, "body") == 0)
		c->in_head = 0;
	if (strcmp(name, "br") == 0) {
		if (c->out.len > 0) {
			if (c->pending_nl < 2)
				c->pending_nl++;
			c->space = 0;
		}
		return;
	}
	if (strcmp(name, "p") == 0) {
		c->mso_p = cls && strstr(cls, "MsoNormal");
		block(c, c->mso_p ? 1 : 2);
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!c->line_start)
			c->space = 1;
		return;
	}
	if (strcmp(name, "li") == 0) {
		char num[24];
		int d = c->list > 0 ? c->list - 1 : 0;

		block(c, 1);
		if (d >= MAX_LIST)
			d = MAX_LIST - 1;
		flush_breaks(c);
		if (c->line_start && c->out.len > 0) {
			put_prefix(c, 0);
			c->line_start = 0;
		}
		for (int i = 0; i < d; i++)
			put(c, "  ", 2);
		if (c->list > 0 && c->ordered[d]) {
			int len = snprintf(num, sizeof(num), "%d. ", ++c->counter[d]);

			put(c, num, (size_t)len);
		} else {
			put(c, "- ", 2);
		}
		c->line_start = 0;
		c->space = 0;
		return;
	}
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
		block(c, c->list > 0 ? 1 : 2);
		if (c->list < MAX_LIST) {
			c->ordered[c->list] = name[0] == 'o';
			c->counter[c->list] = 0;
		}
		c->list++;
		return;
	}
	if (strcmp(name, "blockquote") == 0) {
		block(c, 2);
		c->quote++;
		return;
	}
	if (strcmp(name, "pre") == 0) {
		block(c, 2);
		c->pre++;
		return;
	}
	if (strcmp(name, "a") == 0) {
		link_close(c);
		if (href && href[0] && href[0] != '#' && strncmp(href, "javascript:", 11) != 0 &&
		    strncmp(href, "cid:", 4) != 0) {
			c->href = xstrdup(href);
			c->link_from = c->out.len;
		}
		return;
	}
	if (name_is(name, para_tags))
		block(c, 2);
	else if (name_is(name, line_tags))
		block(c, 1);
}

static void end_tag(struct conv *c, const char *name)
{
	if (strcmp(name, "head") == 0) {
		c->in_head = 0;
		return;
	}
	if (strcmp(name, "a") == 0) {
		link_close(c);
		return;
	}
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
		if (c->list > 0)
			c->list--;
		block(c, c->list > 0 ? 1 : 2);
		return;
	}
	if (strcmp(name, "blockquote") == 0) {
		block(c, 2);
		if (c->quote > 0)
			c->quote--;
		return;
	}
	if (strcmp(name, "pre") == 0) {
		if (c->pre > 0)
			c->pre--;
		block(c, 2);
		return;
	}
	if (strcmp(name, "li") == 0) {
		block(c, 1);
		return;
	}
	if (strcmp(name, "p") == 0) {
		block(c, c->mso_p ? 1 : 2);
		c->mso_p = 0;
	} else if (name_is(name, para_tags))
		block(c, 2);
	else if (name_is(name, line_tags))
		block(c, 1);
}

/*
 * A tag at s[0] == '<' (n bytes available).  Returns the bytes consumed, or
 * 0 when this '<' is plain text.
 */
static size_t tag(struct conv *c, const char *s, size_t n)
{
	char name[16];
	size_t i = 1, k = 0, used;
	int closing = 0;
	char *href = NULL, *cls = NULL;

	if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
		for (i = 4; i + 3 <= n; i++)
			if (memcmp(s + i, "-->", 3) == 0)
				return i + 3;
		return n;
	}
	if (n >= 2 && (s[1] == '!' || s[1] == '?')) {
		const char *gt = memchr(s, '>', n);

		return gt ? (size_t)(gt - s) + 1 : n;
	}
	if (n >= 2 && s[1] == '/') {
		closing = 1;
		i = 2;
	}
	if (i >= n || !is_alpha((unsigned char)s[i]))
		return 0;
	while (i < n && (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9') ||
			 s[i] == '-' || s[i] == ':')) {
		if (k < sizeof(name) - 1)
			name[k++] = (char)lower((unsigned char)s[i]);
		i++;
	}
	name[k] = '\0';
	used = attributes(s + i, n - i, &href, &cls);
	i += used;
	if (closing) {
		end_tag(c, name);
	} else {
		start_tag(c, name, href, cls);
		/* Raw text elements: jump past their content. */
		if (name_is(name, raw_text)) {
			size_t end = find_end_tag(s + i, n - i, name);

			i += end;
			if (i < n) {
				const char *gt = memchr(s + i, '>', n - i);

				i = gt ? (size_t)(gt - s) + 1 : n;
			}
		}
	}
	free(href);
	free(cls);
	return i;
}

char *html_to_text(const char *html, size_t n, size_t *outlen)
{
	struct conv c;
	size_t i = 0, start = 0, used, len;
	char *out;

	memset(&c, 0, sizeof(c));
	buf_init(&c.out, (size_t)-1 / 4);
	c.line_start = 1;
	if (!html)
		n = 0;
	while (i < n) {
		if (html[i] != '<') {
			i++;
			continue;
		}
		/* The text before the tag goes out before the tag acts. */
		text(&c, html + start, i - start);
		start = i;
		used = tag(&c, html + i, n - i);
		if (used == 0) {
			i++; /* a literal '<': it stays in the next run of text */
			continue;
		}
		i += used;
		start = i;
	}
	text(&c, html + start, n - start);
	link_close(&c);

	/* Trailing white space and line breaks go; then make it clean UTF-8. */
	len = c.out.len;
	while (len > 0 && is_space((unsigned char)c.out.s[len - 1]))
		len--;
	out = utf8_clean(c.out.s, len, 1, &len);
	buf_free(&c.out);
	if (outlen)
		*outlen = len;
	return out;
}
