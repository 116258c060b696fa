/*
 * quote: find where the quoted history of a reply starts (see quote.h).
 * Line-based and linear: the text is split into lines once, each rule looks
 * at a line and a few after it, and the earliest match wins.
 *
 * Rules, in the order of the code below:
 *   1. a separator line "-----Original Message-----" / "-----Izvorna poruka-----";
 *   2. a header block "From: / Sent: / To: / Subject:" (Outlook) and its Croatian
 *      form "Od: / Poslano: / Prima: / Predmet:", with the "____" line above it;
 *   3. an attribution "On ... wrote:" / "... je napisao/la:" (up to three
 *      wrapped lines), unless replies are interleaved with the quote below it;
 *   4. the trailing block of '>' lines.
 * A forwarded message ("---------- Forwarded message ---------", Outlook's
 * header block right after such a marker) is content, not history.
 */
#include <stdlib.h>
#include <string.h>

#include "core/quote.h"
#include "util/xalloc.h"

struct line {
	size_t start; /* offset of the first byte */
	size_t len;   /* without the '\n' and a trailing '\r' */
};

struct text {
	const char *s;
	struct line *lines;
	size_t n;
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* The line without leading and trailing white space (and '*' from bold). */
static const char *trimmed(const struct text *t, size_t i, size_t *len, int stars)
{
	const char *p = t->s + t->lines[i].start;
	size_t n = t->lines[i].len;

	while (n > 0 && (*p == ' ' || *p == '\t' || (stars && *p == '*'))) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*len = n;
	return p;
}

static int is_blank(const struct text *t, size_t i)
{
	size_t n;

	trimmed(t, i, &n, 0);
	return n == 0;
}

static int is_quoted(const struct text *t, size_t i)
{
	size_t n;
	const char *p = trimmed(t, i, &n, 0);

	return n > 0 && p[0] == '>';
}

/* Case-insensitive (ASCII) prefix test; non-ASCII bytes must match exactly. */
static int has_prefix(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (lower((unsigned char)p[i]) != lower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

static int has_suffix(const char *p, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && has_prefix(p + n - k, k, suffix);
}

static int contains(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (has_prefix(p + i, n - i, needle))
			return 1;
	return 0;
}

/* Whether line i is "Name: value" for one of names (a NULL-terminated list). */
static int is_field(const struct text *t, size_t i, const char *const *names)
{
	size_t n, k;
	const char *p = trimmed(t, i, &n, 1);

	for (; *names; names++) {
		k = strlen(*names);
		if (!has_prefix(p, n, *names))
			continue;
		/* "*From:* x" from HTML bold, and "From :" */
		while (k < n && (p[k] == ' ' || p[k] == '*'))
			k++;
		if (k < n && p[k] == ':')
			return 1;
	}
	return 0;
}

static const char *const from_names[] = {"From",
					 "Od",
					 "\xc5\xa0"
					 "alje",
					 "Po\xc5\xa1iljatelj",
					 "Von",
					 "De",
					 NULL};
static const char *const sent_names[] = {"Sent",     "Date",	      "Poslano", "Datum",
					 "Gesendet", "Envoy\xc3\xa9", NULL};
static const char *const to_names[] = {"To",	  "Subject",  "Cc",	"Prima", "Za",
				       "Predmet", "Tema",     "Kopija", "An",	 "Betreff",
				       "Objet",	  "\xc3\x80", NULL};

/* A "-----Original Message-----" line: dashes around a known phrase. */
static int is_original_separator(const struct text *t, size_t i)
{
	static const char *const phrases[] = {"original message", "izvorna poruka",
					      "originalna poruka", NULL};
	size_t n, k;
	const char *p = trimmed(t, i, &n, 0);
	const char *const *ph;

	if (n < 6 || p[0] != '-' || p[1] != '-' || p[n - 1] != '-')
		return 0;
	while (n > 0 && (*p == '-' || *p == ' ')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '-' || p[n - 1] == ' '))
		n--;
	for (ph = phrases; *ph; ph++) {
		k = strlen(*ph);
		if (n == k && has_prefix(p, n, *ph))
			return 1;
	}
	return 0;
}

static int is_forward_marker(const struct text *t, size_t i)
{
	static const char *const phrases[] = {"forwarded message",
					      "begin forwarded message",
					      "proslije\xc4\x91"
					      "ena poruka",
					      "proslijedjena poruka",
					      "weitergeleitete nachricht",
					      "message transf\xc3\xa9r\xc3\xa9",
					      NULL};
	size_t n;
	const char *p = trimmed(t, i, &n, 0);
	const char *const *ph;

	for (ph = phrases; *ph; ph++)
		if (contains(p, n, *ph))
			return 1;
	return 0;
}

static int is_rule_line(const struct text *t, size_t i)
{
	size_t n, k;
	const char *p = trimmed(t, i, &n, 0);

	if (n < 10)
		return 0;
	for (k = 0; k < n; k++)
		if (p[k] != '_' && p[k] != '-')
			return 0;
	return 1;
}

/* The nearest non-blank line above i, or (size_t)-1. */
static size_t line_above(const struct text *t, size_t i)
{
	while (i > 0) {
		i--;
		if (!is_blank(t, i))
			return i;
	}
	return (size_t)-1;
}

/* Rule 2: line i starts an Outlook header block; returns the line to cut at. */
static size_t outlook_block(const struct text *t, size_t i)
{
	size_t j, seen = 0, up;
	int sent = 0, to = 0;

	if (!is_field(t, i, from_names))
		return (size_t)-1;
	/* The next few non-blank lines are all fields, among them a date and
	 * a recipient or subject (HTML turned to text may put blank lines
	 * between them). */
	for (j = i + 1; j < t->n && j <= i + 10 && seen < 5; j++) {
		if (is_blank(t, j))
			continue;
		seen++;
		if (is_field(t, j, sent_names))
			sent = 1;
		else if (is_field(t, j, to_names))
			to = 1;
		else
			break;
	}
	if (!sent || !to)
		return (size_t)-1;
	up = line_above(t, i);
	if (up != (size_t)-1 && is_forward_marker(t, up))
		return (size_t)-1;
	if (up != (size_t)-1 && (is_rule_line(t, up) || is_original_separator(t, up)))
		return up;
	return i;
}

/* Rule 3: whether lines i.. (up to three, joined) end in "wrote:". */
static size_t attribution_end(const struct text *t, size_t i)
{
	static const char *const endings[] = {"wrote:",
					      "napisao:",
					      "napisala:",
					      "napisao/la:",
					      "napisao/la :",
					      "napisao je:",
					      "napisala je:",
					      "pi\xc5\xa1"
					      "e:",
					      "schrieb:",
					      "a \xc3\xa9"
					      "crit :",
					      "a \xc3\xa9"
					      "crit:",
					      "escribi\xc3\xb3:",
					      NULL};
	size_t j, n, total = 0;
	const char *p, *first;
	size_t first_len;
	const char *const *e;
	int looks = 0;

	first = trimmed(t, i, &first_len, 0);
	if (first_len == 0 || first[0] == '>')
		return (size_t)-1;
	if (has_prefix(first, first_len, "On ") || has_prefix(first, first_len, "Dana ") ||
	    has_prefix(first, first_len, "Am ") || has_prefix(first, first_len, "Le "))
		looks = 1;
	for (j = i; j < t->n && j < i + 3; j++) {
		p = trimmed(t, j, &n, 0);
		if (n == 0 || (j > i && p[0] == '>'))
			break;
		total += n;
		if (total > 400)
			break;
		if (memchr(p, '@', n))
			looks = 1;
		for (size_t k = 0; k < n && !looks; k++)
			if (p[k] >= '0' && p[k] <= '9')
				looks = 1;
		for (e = endings; *e; e++)
			if (has_suffix(p, n, *e))
				return looks ? j : (size_t)-1;
		/* German puts the writer after the verb: "Am ... schrieb Max <m@x.de>:" */
		if (p[n - 1] == ':' && contains(p, n, " schrieb "))
			return looks ? j : (size_t)-1;
	}
	return (size_t)-1;
}

/* Split s into lines; returns the count, the array in *out (OUT, freed by caller). */
static size_t split_lines(const char *s, size_t n, struct line **out)
{
	size_t count = 1, i, k = 0, start = 0;
	struct line *l;

	for (i = 0; i < n; i++)
		if (s[i] == '\n')
			count++;
	l = xcalloc(count, sizeof(*l));
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '\n') {
			size_t len = i - start;

			if (len > 0 && s[start + len - 1] == '\r')
				len--;
			l[k].start = start;
			l[k].len = len;
			k++;
			start = i + 1;
		}
	}
	*out = l;
	return k;
}

size_t quote_split(const char *text, size_t n)
{
	struct text t = {text, NULL, 0};
	unsigned char *interleaved = NULL;
	size_t cut = (size_t)-1, i, j, at;
	int unquoted_below = 0;

	if (!text || n == 0)
		return n;
	t.n = split_lines(text, n, &t.lines);

	/* interleaved[i]: somewhere at or below line i a quoted line is followed
	 * by an unquoted one, i.e. the writer answers between the quotes. */
	interleaved = xcalloc(t.n + 1, 1);
	for (i = t.n; i-- > 0;) {
		int q = is_quoted(&t, i);

		interleaved[i] = interleaved[i + 1] || (q && unquoted_below);
		if (!q && !is_blank(&t, i))
			unquoted_below = 1;
	}

	for (i = 0; i < t.n && cut == (size_t)-1; i++) {
		if (is_original_separator(&t, i)) {
			cut = i;
			break;
		}
		at = outlook_block(&t, i);
		if (at != (size_t)-1) {
			cut = at;
			break;
		}
		j = attribution_end(&t, i);
		if (j != (size_t)-1 && !interleaved[j + 1 < t.n ? j + 1 : t.n]) {
			cut = i;
			break;
		}
	}

	/* Rule 4: the '>' block that runs to the end (blank lines allowed). */
	if (cut == (size_t)-1) {
		i = t.n;
		while (i > 0 && is_blank(&t, i - 1))
			i--;
		if (i > 0 && is_quoted(&t, i - 1)) {
			while (i > 0 && (is_quoted(&t, i - 1) || is_blank(&t, i - 1)))
				i--;
			while (i < t.n && is_blank(&t, i))
				i++;
			cut = i;
		}
	}

	at = n;
	if (cut != (size_t)-1 && cut < t.n) {
		/* Nothing new above the history: hide nothing. */
		for (i = 0; i < cut; i++)
			if (!is_blank(&t, i))
				break;
		if (i < cut)
			at = t.lines[cut].start;
	}
	free(interleaved);
	free(t.lines);
	return at;
}
