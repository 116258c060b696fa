/*
 * charset: mail text to UTF-8 with a guess for the charsets that Croatian
 * mail mixes up (see charset.h).  The five 8-bit charsets of that family
 * are decoded with tables; any other goes through iconv, its name mapped to
 * iconv's by GMime (RFC 2978 aliases such as "ks_c_5601-1987").
 *
 * windows-1250 and ISO-8859-2 agree on all Croatian letters but four:
 * š ž Š Ž are 9A 9E 8A 8E in windows-1250 and B9 BE A9 AE in ISO-8859-2,
 * where windows-1250 has ą ľ © ® instead, and ISO-8859-2 has C1 controls at
 * 80..9F.  Reading the bytes both ways and scoring the result picks the
 * right one; the same score catches Croatian text declared as ISO-8859-1 or
 * windows-1252 (è æ ð instead of č ć đ).
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "core/utf8.h"
#include "mail/charset.h"
#include "util/buf.h"
#include "util/xalloc.h"

enum family { F_NONE, F_OTHER, F_ASCII, F_UTF8, F_LATIN1, F_CP1252, F_LATIN9, F_LATIN2, F_CP1250 };

/*
 * The five 8-bit family charsets from 0x80 up (0xFFFD where a byte means
 * nothing), decoded here rather than through iconv: they are the common
 * case and every guess reads the bytes two or three ways.  ISO-8859-1 is
 * the identity.  tests/unit/test_mail_charset.c checks them against iconv.
 */
static const unsigned short tab_cp1252[128] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178, 0x00A0, 0x00A1, 0x00A2, 0x00A3,
    0x00A4, 0x00A5, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x00B9, 0x00BA, 0x00BB,
    0x00BC, 0x00BD, 0x00BE, 0x00BF, 0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, 0x00D0, 0x00D1, 0x00D2, 0x00D3,
    0x00D4, 0x00D5, 0x00D6, 0x00D7, 0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, 0x00E8, 0x00E9, 0x00EA, 0x00EB,
    0x00EC, 0x00ED, 0x00EE, 0x00EF, 0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
};
static const unsigned short tab_latin9[128] = {
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087, 0x0088, 0x0089, 0x008A, 0x008B,
    0x008C, 0x008D, 0x008E, 0x008F, 0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097,
    0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A0, 0x00A1, 0x00A2, 0x00A3,
    0x20AC, 0x00A5, 0x0160, 0x00A7, 0x0161, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF,
    0x00B0, 0x00B1, 0x00B2, 0x00B3, 0x017D, 0x00B5, 0x00B6, 0x00B7, 0x017E, 0x00B9, 0x00BA, 0x00BB,
    0x0152, 0x0153, 0x0178, 0x00BF, 0x00C0, 0x00C1, 0x00C2, 0x00C3, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
    0x00C8, 0x00C9, 0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x00CE, 0x00CF, 0x00D0, 0x00D1, 0x00D2, 0x00D3,
    0x00D4, 0x00D5, 0x00D6, 0x00D7, 0x00D8, 0x00D9, 0x00DA, 0x00DB, 0x00DC, 0x00DD, 0x00DE, 0x00DF,
    0x00E0, 0x00E1, 0x00E2, 0x00E3, 0x00E4, 0x00E5, 0x00E6, 0x00E7, 0x00E8, 0x00E9, 0x00EA, 0x00EB,
    0x00EC, 0x00ED, 0x00EE, 0x00EF, 0x00F0, 0x00F1, 0x00F2, 0x00F3, 0x00F4, 0x00F5, 0x00F6, 0x00F7,
    0x00F8, 0x00F9, 0x00FA, 0x00FB, 0x00FC, 0x00FD, 0x00FE, 0x00FF,
};
static const unsigned short tab_latin2[128] = {
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087, 0x0088, 0x0089, 0x008A, 0x008B,
    0x008C, 0x008D, 0x008E, 0x008F, 0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097,
    0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A0, 0x0104, 0x02D8, 0x0141,
    0x00A4, 0x013D, 0x015A, 0x00A7, 0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
    0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7, 0x00B8, 0x0161, 0x015F, 0x0165,
    0x017A, 0x02DD, 0x017E, 0x017C, 0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, 0x0110, 0x0143, 0x0147, 0x00D3,
    0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB,
    0x011B, 0x00ED, 0x00EE, 0x010F, 0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};
static const unsigned short tab_cp1250[128] = {
    0x20AC, 0xFFFD, 0x201A, 0xFFFD, 0x201E, 0x2026, 0x2020, 0x2021, 0xFFFD, 0x2030, 0x0160, 0x2039,
    0x015A, 0x0164, 0x017D, 0x0179, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0xFFFD, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A, 0x00A0, 0x02C7, 0x02D8, 0x0141,
    0x00A4, 0x0104, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
    0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x0105, 0x015F, 0x00BB,
    0x013D, 0x02DD, 0x013E, 0x017C, 0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, 0x0110, 0x0143, 0x0147, 0x00D3,
    0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB,
    0x011B, 0x00ED, 0x00EE, 0x010F, 0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

static const unsigned short *family_table(enum family f)
{
	switch (f) {
	case F_CP1252:
		return tab_cp1252;
	case F_LATIN9:
		return tab_latin9;
	case F_LATIN2:
		return tab_latin2;
	case F_CP1250:
		return tab_cp1250;
	default:
		return NULL; /* F_LATIN1: identity */
	}
}
static const char *const family_name[] = {
    [F_LATIN1] = "iso-8859-1", [F_CP1252] = "windows-1252", [F_LATIN9] = "iso-8859-15",
    [F_LATIN2] = "iso-8859-2", [F_CP1250] = "windows-1250", [F_UTF8] = "utf-8",
    [F_ASCII] = "us-ascii"};

/* The family of a declared name: lowercase, punctuation ignored. */
static enum family family_of(const char *cs)
{
	static const struct {
		const char *name;
		enum family f;
	} names[] = {
	    {"usascii", F_ASCII},	{"ascii", F_ASCII},	   {"ansix341968", F_ASCII},
	    {"iso646us", F_ASCII},	{"us", F_ASCII},	   {"utf8", F_UTF8},
	    {"iso88591", F_LATIN1},	{"latin1", F_LATIN1},	   {"l1", F_LATIN1},
	    {"iso885911987", F_LATIN1}, {"windows1252", F_CP1252}, {"cp1252", F_CP1252},
	    {"xcp1252", F_CP1252},	{"iso885915", F_LATIN9},   {"latin9", F_LATIN9},
	    {"iso88592", F_LATIN2},	{"latin2", F_LATIN2},	   {"l2", F_LATIN2},
	    {"iso885921987", F_LATIN2}, {"windows1250", F_CP1250}, {"cp1250", F_CP1250},
	    {"xcp1250", F_CP1250},
	};
	char norm[32];
	size_t k = 0, i;

	if (!cs || !*cs)
		return F_NONE;
	for (; *cs && k < sizeof(norm) - 1; cs++) {
		char c = *cs;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			norm[k++] = c;
	}
	norm[k] = '\0';
	if (*cs)
		return F_OTHER; /* too long to be one of ours */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(norm, names[i].name) == 0)
			return names[i].f;
	return F_OTHER;
}

/* Append as much of p[0..n) as b's cap allows; -1 when not all of it fit. */
static int add_capped(struct buf *b, const char *p, size_t n)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;

	if (buf_add(b, p, n < room ? n : room) < 0 || n > room)
		return -1;
	return 0;
}

/*
 * Convert with iconv into b (capped by b->max: conversion stops there).
 * Undecodable bytes become U+FFFD.  Returns -1 when iconv does not know the
 * charset.
 */
static int convert(const char *from, const char *s, size_t n, struct buf *b)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char chunk[4096];
	char *in = (char *)s, *o;
	size_t inleft = n, oleft, r;

	if (cd == (iconv_t)-1)
		return -1;
	while (inleft > 0) {
		o = chunk;
		oleft = sizeof(chunk);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		if (add_capped(b, chunk, sizeof(chunk) - oleft) < 0)
			break;
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ (a byte with no meaning) or EINVAL (cut at the end). */
		if (buf_add(b, "\xef\xbf\xbd", 3) < 0)
			break;
		iconv(cd, NULL, NULL, NULL, NULL);
		if (errno == EINVAL) {
			inleft = 0;
			break;
		}
		in++;
		inleft--;
	}
	/* Stateful encodings (ISO-2022-JP) may owe a shift sequence. */
	o = chunk;
	oleft = sizeof(chunk);
	if (iconv(cd, NULL, NULL, &o, &oleft) != (size_t)-1)
		(void)add_capped(b, chunk, sizeof(chunk) - oleft);
	iconv_close(cd);
	return 0;
}

/* s read as 8-bit family charset f, into b (capped by b->max). */
static void decode_8bit(enum family f, const char *s, size_t n, struct buf *b)
{
	const unsigned short *tab = family_table(f);
	size_t i, len;
	unsigned cp;
	char u[4];

	for (i = 0; i < n; i++) {
		cp = (unsigned char)s[i];
		if (cp >= 0x80 && tab)
			cp = tab[cp - 0x80];
		len = utf8_encode(cp, u);
		if (buf_add(b, u, len) < 0)
			return;
	}
}

int charset_decode_8bit(const char *charset, const char *s, size_t n, struct buf *out)
{
	enum family f = family_of(charset);

	if (f != F_LATIN1 && f != F_CP1252 && f != F_LATIN9 && f != F_LATIN2 && f != F_CP1250)
		return -1;
	decode_8bit(f, s, n, out);
	return 0;
}

/* UTF-8 with each ill-formed byte read as U+FFFD, into b. */
static void utf8_lossy(const char *s, size_t n, struct buf *b)
{
	size_t i = 0, len;
	unsigned cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			if (buf_add(b, "\xef\xbf\xbd", 3) < 0)
				return;
			i++;
			continue;
		}
		if (buf_add(b, s + i, len) < 0)
			return;
		i += len;
	}
}

static int is_croatian(unsigned cp)
{
	switch (cp) {
	case 0x10C:
	case 0x10D: /* Č č */
	case 0x106:
	case 0x107: /* Ć ć */
	case 0x17D:
	case 0x17E: /* Ž ž */
	case 0x160:
	case 0x161: /* Š š */
	case 0x110:
	case 0x111: /* Đ đ */
		return 1;
	}
	return 0;
}

static int cp_score(unsigned cp)
{
	if (cp < 0x80)
		return 0;
	if (is_croatian(cp))
		return 2;
	if (cp == 0xFFFD || cp <= 0x9F)
		return -10;
	if (cp <= 0xBF) {
		/* no-break space, § « ° · » are everyday; © ® ¹ ¾ ± ¤ ... are not */
		return (cp == 0xA0 || cp == 0xA7 || cp == 0xAB || cp == 0xB0 || cp == 0xB7 ||
			cp == 0xBB)
			   ? 0
			   : -1;
	}
	if (cp == 0xD7 || cp == 0xF7)
		return -1;
	if (cp <= 0xFF)
		return 0;
	if (cp <= 0x17F)
		return -2; /* ą ľ ŕ ę ď ű ...: another language's letters */
	if (cp >= 0x2C7 && cp <= 0x2DD)
		return -2; /* ˇ ˘ ˙ ˛ ˝ */
	return 0;
}

long charset_score(const char *s, size_t n)
{
	size_t i = 0, len;
	unsigned cp;
	long score = 0;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			cp = 0xFFFD;
			len = 1;
		}
		score += cp_score(cp);
		i += len;
	}
	return score;
}

static int all_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int well_formed(const char *s, size_t n)
{
	size_t i = 0, len;
	unsigned cp;

	while (i < n) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

/* Hand out b as a string cut to max bytes on a character boundary. */
static char *finish(struct buf *b, size_t max, size_t *outlen)
{
	size_t len = utf8_cut(b->s, b->len, max);
	char *out;

	/* Not xstrndup: the text may hold NUL bytes (utf_clean drops them later). */
	out = xmalloc(len + 1);
	memcpy(out, b->s, len);
	out[len] = '\0';
	buf_free(b);
	if (outlen)
		*outlen = len;
	return out;
}

char *charset_to_utf8(const char *declared, const char *s, size_t n, size_t max, size_t *outlen,
		      const char **used)
{
	enum family fam = family_of(declared);
	enum family cands[4];
	size_t cap = max < (size_t)-1 - 4 ? max + 4 : max;
	struct buf best = BUF_INIT(cap), b;
	long best_score = 0, sc, margin;
	size_t nc = 0, i;
	const char *best_name = NULL;
	const char *dummy;

	if (!used)
		used = &dummy;
	if (!s)
		n = 0;
	if (fam == F_OTHER) {
		const char *name = g_mime_charset_iconv_name(declared);

		if (convert(name, s, n, &best) == 0) {
			*used = "declared";
			return finish(&best, max, outlen);
		}
		buf_free(&best);
		fam = F_NONE; /* unknown to iconv: decide from the bytes */
	}
	if (all_ascii(s, n)) {
		*used = "us-ascii";
		(void)add_capped(&best, s, n);
		return finish(&best, max, outlen);
	}
	if (well_formed(s, n)) {
		*used = "utf-8";
		(void)add_capped(&best, s, n);
		return finish(&best, max, outlen);
	}

	/* The preferred reading first: the declared 8-bit charset, else
	 * UTF-8 when declared so, else windows-1250. */
	if (fam == F_LATIN1 || fam == F_CP1252 || fam == F_LATIN9 || fam == F_LATIN2 ||
	    fam == F_CP1250)
		cands[nc++] = fam;
	else if (fam == F_UTF8)
		cands[nc++] = F_UTF8;
	if (fam != F_CP1250)
		cands[nc++] = F_CP1250;
	if (fam != F_LATIN2)
		cands[nc++] = F_LATIN2;
	if (fam != F_UTF8)
		cands[nc++] = F_UTF8;

	for (i = 0; i < nc; i++) {
		buf_init(&b, cap);
		if (cands[i] == F_UTF8)
			utf8_lossy(s, n, &b);
		else
			decode_8bit(cands[i], s, n, &b);
		sc = charset_score(b.s, b.len);
		/* A declared charset keeps its place unless another reading is
		 * better by more than a point; between guesses the first of
		 * equals wins. */
		margin = (best_name && fam != F_NONE && best_name == family_name[fam]) ? 1 : 0;
		if (i == 0 || sc > best_score + margin) {
			buf_free(&best);
			best = b;
			best_score = sc;
			best_name = family_name[cands[i]];
		} else {
			buf_free(&b);
		}
	}
	*used = best_name;
	return finish(&best, max, outlen);
}
