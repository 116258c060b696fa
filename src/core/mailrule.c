/*
 * mailrule: the mail decisions that need no I/O.  Whether a message may be
 * answered automatically (RFC 3834; RFC 3464 delivery reports), the ticket
 * tag "[#2026-000123]" in subjects, and which ticket a message goes to.
 */
#include <assert.h>
#include <string.h>

#include "core/mailrule.h"
#include "core/ticket.h"

#define SECONDS_PER_DAY 86400

static char fold_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Whether the n bytes at a and the n bytes at b are equal, ASCII case folded. */
static int ci_equal_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fold_ascii(a[i]) != fold_ascii(b[i]))
			return 0;
	return 1;
}

/* Whether the n bytes at s are exactly the NUL-terminated word w, case folded. */
static int ci_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && ci_equal_n(s, w, n);
}

/*
 * The first token of a header value: leading blanks skipped, ended by a
 * blank, a ';' (parameters) or a '(' (a comment).  Sets *len (OUT).
 */
static const char *header_token(const char *v, size_t *len)
{
	size_t n = 0;

	while (is_space(*v))
		v++;
	while (v[n] && !is_space(v[n]) && v[n] != ';' && v[n] != '(')
		n++;
	*len = n;
	return v;
}

/*
 * Whether the Auto-Submitted value says the message was sent automatically.
 * Only a token of "no" says a person sent it; a present value with an empty
 * token (";x", "(comment)") is taken as automatic, which costs at most one
 * unsent acknowledgement and never a loop.
 */
static int auto_submitted(const char *v)
{
	const char *tok;
	size_t n;

	if (v[0] == '\0')
		return 0;
	tok = header_token(v, &n);
	return !ci_is(tok, n, "no");
}

/* The static reason when the Precedence value is bulk, junk or list, else NULL. */
static const char *precedence_reason(const char *v)
{
	const char *tok;
	size_t n;

	tok = header_token(v, &n);
	if (ci_is(tok, n, "bulk"))
		return "precedence bulk";
	if (ci_is(tok, n, "junk"))
		return "precedence junk";
	if (ci_is(tok, n, "list"))
		return "precedence list";
	return NULL;
}

/*
 * The local part of addr (before the last '@') and its length in *len
 * (OUT), or NULL when addr cannot be answered: empty, without an '@', or
 * with nothing on one side of it.
 */
static const char *local_part(const char *addr, size_t *len)
{
	const char *at = strrchr(addr, '@');

	if (!at || at == addr || at[1] == '\0')
		return NULL;
	*len = (size_t)(at - addr);
	return addr;
}

/*
 * Addresses whose mailboxes nobody reads.  A local part (its "+detail"
 * ignored) that is one of these words, or starts with one followed by
 * '-', '.', '_' or '+' ("noreply-dmarc-support", "no-reply.billing"),
 * gets no automatic answer.
 */
static const char *const noreply_words[] = {
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
};

/* The static reason when the local part (n bytes at lp) is a system or no-reply one, else NULL. */
static const char *system_sender_reason(const char *lp, size_t n)
{
	size_t base = 0, i, wl;

	/* "postmaster+abc" is still the postmaster. */
	while (base < n && lp[base] != '+')
		base++;
	if (ci_is(lp, base, "mailer-daemon"))
		return "mailer-daemon sender";
	if (ci_is(lp, base, "postmaster"))
		return "postmaster sender";
	for (i = 0; i < sizeof(noreply_words) / sizeof(noreply_words[0]); i++) {
		wl = strlen(noreply_words[i]);
		if (wl > base || !ci_equal_n(lp, noreply_words[i], wl))
			continue;
		if (wl == base || (lp[wl] && strchr("-._+", lp[wl])))
			return "no-reply sender";
	}
	return NULL;
}

/* Whether addr is one of the comma-separated addresses in ours (blanks around items ignored). */
static int is_ours(const char *addr, const char *ours)
{
	size_t alen = strlen(addr), n;
	const char *p = ours, *end;

	if (!ours || alen == 0)
		return 0;
	while (*p) {
		while (*p == ',' || is_space(*p))
			p++;
		end = p;
		while (*end && *end != ',')
			end++;
		n = (size_t)(end - p);
		while (n > 0 && is_space(p[n - 1]))
			n--;
		if (n == alen && ci_equal_n(p, addr, n))
			return 1;
		p = end;
	}
	return 0;
}

/*
 * Checked from the surest sign of a machine to the weakest.  Besides the
 * From address, a Reply-To that is ours also says no: an answer would come
 * straight back to us.  A no-reply From with a person's Reply-To (a web
 * form) still gets no answer; the ticket is opened all the same.
 */
static const char *autoreply_refusal(const struct mail_msg *m, const char *ours)
{
	const char *lp, *reason;
	size_t lplen = 0;

	if (m->has_evid_marker)
		return "our own message (x-evid-ticket)";
	if (m->is_dsn)
		return "delivery status notification";
	if (auto_submitted(m->auto_submitted))
		return "auto-submitted";
	if ((reason = precedence_reason(m->precedence)) != NULL)
		return reason;
	if (m->has_list_id)
		return "mailing list (list-id)";
	if (m->return_path_empty)
		return "empty return-path";
	if ((lp = local_part(m->from.addr, &lplen)) == NULL)
		return "no usable from address";
	if ((reason = system_sender_reason(lp, lplen)) != NULL)
		return reason;
	if (is_ours(m->from.addr, ours))
		return "from one of our addresses";
	if (is_ours(m->reply_to.addr, ours))
		return "reply-to one of our addresses";
	return NULL;
}

/* *why is set to NULL when the answer is allowed; why may be NULL. */
int mailrule_no_autoreply(const struct mail_msg *m, const char *ours, const char **why)
{
	const char *reason;

	assert(m);
	reason = autoreply_refusal(m, ours);
	if (why)
		*why = reason;
	return reason != NULL;
}

/*
 * Length of our tag at s ("[" prefix number "]", the prefix matched with
 * ASCII case folded, the number valid for ticket_number_parse), the number
 * in num (OUT); 0 when there is none at s.
 */
static size_t tag_at(const char *s, const char *prefix, size_t plen,
		     char num[TICKET_NUMBER_LEN + 1])
{
	size_t i;
	int year;
	int64_t seq;

	if (s[0] != '[')
		return 0;
	for (i = 0; i < plen; i++)
		if (s[1 + i] == '\0' || fold_ascii(s[1 + i]) != fold_ascii(prefix[i]))
			return 0;
	for (i = 0; i < TICKET_NUMBER_LEN; i++) {
		if (s[1 + plen + i] == '\0')
			return 0;
		num[i] = s[1 + plen + i];
	}
	num[TICKET_NUMBER_LEN] = '\0';
	if (s[1 + plen + TICKET_NUMBER_LEN] != ']' || ticket_number_parse(num, &year, &seq) != 0)
		return 0;
	return 1 + plen + TICKET_NUMBER_LEN + 1;
}

/*
 * No blanks inside the brackets ("[ #2026-000123 ]" is not a tag): our own
 * subjects never have them, and a looser match only widens what a guessed
 * number can reach.  The prefix matches in any ASCII case ("evid#", "EVID#").
 */
int mailrule_tag_find(const char *subject, const char *prefix, char out[TICKET_NUMBER_LEN + 1])
{
	char num[TICKET_NUMBER_LEN + 1];
	size_t plen;
	const char *p;

	if (!subject)
		return 0;
	if (!prefix)
		prefix = "";
	plen = strlen(prefix);
	for (p = strchr(subject, '['); p; p = strchr(p + 1, '[')) {
		if (tag_at(p, prefix, plen, num)) {
			memcpy(out, num, sizeof(num));
			return 1;
		}
	}
	return 0;
}

/*
 * Reply and forward markers mail programs put in front of a subject: English
 * (Re, Fwd, Fw), Croatian Outlook (Odg, Prosl), German (AW, WG), Scandinavian
 * (SV), Finnish (VS); any case.
 */
static const char *const reply_words[] = {
	"re", "fwd", "fw", "odg", "prosl", "aw", "wg", "sv", "vs",
};

#define REPLY_COUNTER_MAX_DIGITS 4

/* Length of one marker at s ("Re:", "RE :", "Re[2]:", "Fwd:"), or 0. */
static size_t reply_marker_at(const char *s)
{
	size_t i, w, n, d;

	for (w = 0; w < sizeof(reply_words) / sizeof(reply_words[0]); w++) {
		n = strlen(reply_words[w]);
		if (!ci_equal_n(s, reply_words[w], n))
			continue;
		/* ci_equal_n stopped at any NUL in s: s holds at least n bytes here. */
		i = n;
		if (s[i] == '[') {
			for (d = 0; d < REPLY_COUNTER_MAX_DIGITS && s[i + 1 + d] >= '0' &&
				    s[i + 1 + d] <= '9';
			     d++)
				;
			if (d == 0 || s[i + 1 + d] != ']')
				continue;
			i += d + 2;
		}
		while (s[i] == ' ' || s[i] == '\t')
			i++;
		if (s[i] == ':')
			return i + 1;
	}
	return 0;
}

/*
 * Bytes of the character at s: the length its lead byte announces, cut short
 * at a NUL or a byte that does not continue it, so ill-formed input moves on
 * one unit at a time and nothing is read past the end.
 */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n, i;

	if (c >= 0xF0 && c <= 0xF7)
		n = 4;
	else if (c >= 0xE0)
		n = c <= 0xEF ? 3 : 1;
	else if (c >= 0xC0)
		n = 2;
	else
		n = 1;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return i;
	return n;
}

/*
 * Copy the subject from p into dst without our tags, every run of blanks
 * (and each removed tag) one space, no blank at either end, whole characters
 * only, at most max bytes.  Returns the bytes written (no NUL).
 */
static size_t copy_subject(char *dst, size_t max, const char *p, const char *prefix, size_t plen)
{
	char num[TICKET_NUMBER_LEN + 1];
	size_t len = 0, n, need;
	int blank = 0;

	while (*p) {
		if (is_space(*p)) {
			blank = 1;
			p++;
			continue;
		}
		if ((n = tag_at(p, prefix, plen, num)) != 0) {
			blank = 1;
			p += n;
			continue;
		}
		n = char_len(p);
		need = n + (blank && len > 0);
		if (len + need > max)
			break;
		if (blank && len > 0)
			dst[len++] = ' ';
		blank = 0;
		memcpy(dst + len, p, n);
		len += n;
		p += n;
	}
	return len;
}

/*
 * Layout: re, the subject, " [", prefix, number, "]".  The tag matters most
 * (it threads the answer), then re, then the subject: when outsz is short the
 * subject is cut at a character boundary, then re is left out, and when not
 * even the tag fits out is "".  An empty subject stays empty (the caller's
 * template may supply one), giving re + "[#2026-000123]".  With number NULL
 * or "" no tag is added.  out must not overlap the inputs.
 */
void mailrule_subject(const char *subject, const char *re, const char *prefix, const char *number,
		      char *out, size_t outsz)
{
	char num[TICKET_NUMBER_LEN + 1];
	const char *p;
	size_t plen, nlen, relen, avail, taglen, pos = 0, max, sublen, n;

	if (!out || outsz == 0)
		return;
	p = subject ? subject : "";
	re = re ? re : "";
	prefix = prefix ? prefix : "";
	number = number ? number : "";
	plen = strlen(prefix);
	nlen = strlen(number);
	relen = strlen(re);
	avail = outsz - 1;
	taglen = nlen ? 1 + plen + nlen + 1 : 0;
	if (taglen > avail) {
		out[0] = '\0';
		return;
	}
	if (relen + taglen <= avail) {
		memcpy(out, re, relen);
		pos = relen;
	}

	/* Leading tags and reply markers, in any order: "[#2026-000001] RE: Fwd: x". */
	for (;;) {
		while (is_space(*p))
			p++;
		if ((n = tag_at(p, prefix, plen, num)) == 0)
			n = reply_marker_at(p);
		if (n == 0)
			break;
		p += n;
	}

	max = avail - pos - taglen;
	if (taglen)
		max = max > 0 ? max - 1 : 0; /* the space before the tag */
	sublen = copy_subject(out + pos, max, p, prefix, plen);
	pos += sublen;
	if (taglen) {
		if (sublen)
			out[pos++] = ' ';
		out[pos++] = '[';
		memcpy(out + pos, prefix, plen);
		pos += plen;
		memcpy(out + pos, number, nlen);
		pos += nlen;
		out[pos++] = ']';
	}
	assert(pos < outsz);
	out[pos] = '\0';
}

/*
 * Whether a ticket closed at closed_at may still be reopened at now: within
 * reopen_days (the last second included), never when reopen_days <= 0.  A
 * closing time after now (a clock step) counts as within.  A closed ticket
 * without a closing time is far outside any window.
 */
static int within_reopen(int64_t closed_at, int64_t now, int reopen_days)
{
	uint64_t elapsed;

	if (reopen_days <= 0)
		return 0;
	if (closed_at > now)
		return 1;
	/* Unsigned, so that extreme values cannot overflow; now >= closed_at here. */
	elapsed = (uint64_t)now - (uint64_t)closed_at;
	return elapsed <= (uint64_t)reopen_days * SECONDS_PER_DAY;
}

/*
 * A status outside the enum is a broken record: the message still gets a
 * ticket of its own (NEW_LINKED) rather than landing in one we cannot read.
 */
enum thread_decision mailrule_thread(const struct thread_facts *f)
{
	assert(f);
	if (f->match != MATCH_REFERENCES && f->match != MATCH_TAG)
		return THREAD_NEW;
	if (f->match == MATCH_TAG && !f->sender_known)
		return THREAD_NEW_LINKED;
	switch (f->status) {
	case STATUS_NEW:
	case STATUS_OPEN:
	case STATUS_WAITING:
		return THREAD_APPEND;
	case STATUS_RESOLVED:
		return THREAD_REOPEN;
	case STATUS_CLOSED:
		return within_reopen(f->closed_at, f->now, f->reopen_days) ? THREAD_REOPEN
									   : THREAD_NEW_LINKED;
	}
	return THREAD_NEW_LINKED;
}
