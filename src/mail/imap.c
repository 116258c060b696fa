/*
 * imap: importing a mailbox by UID (RFC 3501; RFC 4315 UID EXPUNGE, RFC
 * 6851 MOVE, RFC 2152 modified UTF-7 names).  libcurl connects, starts TLS
 * (RFC 8314 imaps://, RFC 2595 STARTTLS) and logs in (SASL PLAIN/LOGIN,
 * XOAUTH2, RFC 7628 OAUTHBEARER) with CURLOPT_CONNECT_ONLY; the commands
 * after that are written and read here over curl_easy_send/recv.  libcurl's
 * own IMAP commands read responses line by line (a body line that starts
 * with the command's tag would end the response, a line longer than its
 * buffer is cut) and fetch one message per request; here literals are read
 * by their byte counts, so any bytes come through, and one UID FETCH brings
 * a batch of messages.  Credentials go only to libcurl, never to a message.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>


#include "mail/curl_api.h"
#include "mail/imap.h"
#include "mail/intake.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "store/store_mail.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/job.h"
#include "util/log.h"
#include "util/xalloc.h"

#define IO_TIMEOUT_MS 60000	   /* no byte from the server for this long: give up */
#define STOP_GRACE_MS 5000	   /* once asked to stop, wait at most this for the server */
#define CONNECT_TIMEOUT_S 30	   /* connection, TLS and login */
#define IN_BUF 65536		   /* bytes read from the connection at a time */
#define RESP_TEXT_MAX (256 * 1024) /* one response without its literals */
#define RESP_LITS_MAX 8		   /* literals in one response */
#define SERVER_TEXT_MAX 200	   /* bytes of a server's answer quoted in messages */
#define UIDS_MAX 200000		   /* new messages taken in one run (the rest: next run) */
#define BATCH_COUNT 1000	   /* messages in one UID FETCH */
#define BATCH_BYTES (32u << 20)	   /* their total size, as the server announced it */
#define CMD_MAX 16384		   /* one command line we send */
#define PENDING_MAX 4		   /* commands on their way at once */

/* ---- the connection ---- */

struct pending;

struct lit {
	char *p;     /* malloc'd, NUL-terminated; NULL when dropped or taken */
	size_t n;    /* its size as announced */
	int dropped; /* larger than the command allowed: read and thrown away */
};

/* One response: its text, where each literal shows as "{n}", and the literals in order. */
struct resp {
	struct buf text;
	struct lit lits[RESP_LITS_MAX];
	size_t nlits;
};

struct imap {
	CURL *curl;
	curl_socket_t sock;
	atomic_int *stop;
	int64_t stop_seen_ms; /* when the stop flag was first noticed, 0 = not yet */
	char *in;	      /* IN_BUF bytes read ahead */
	size_t in_len, in_off;
	unsigned tag;
	int cap_move, cap_uidplus;
	int bye;			       /* the server said BYE */
	char server_text[SERVER_TEXT_MAX + 1]; /* the last tagged NO/BAD's text */
	char curl_err[CURL_ERROR_SIZE];
	char err[400];			/* why the connection failed */
	int err_rc;			/* its enum imap_rc */
	struct pending *q[PENDING_MAX]; /* commands sent, oldest first, not answered yet */
	size_t nq;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4))) static int im_fail(struct imap *im, int rc, const char *fmt,
							 ...)
{
	va_list ap;

	/* The first failure is the one worth telling. */
	if (im->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof(im->err), fmt, ap);
	va_end(ap);
	im->err_rc = rc;
	return -1;
}

/* Copy a server's text for a message: printable ASCII only, cut to fit. */
static void server_text_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < dstsz; i++)
		dst[j++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[j] = '\0';
}

static int stopping(struct imap *im)
{
	if (!im->stop || !atomic_load(im->stop))
		return 0;
	if (!im->stop_seen_ms)
		im->stop_seen_ms = mono_ms();
	return 1;
}

/* Wait until the socket is ready for events; 0, or -1 after a timeout or a stop. */
static int io_wait(struct imap *im, short events)
{
	int64_t start = mono_ms();
	struct pollfd pfd = {.fd = im->sock, .events = events};

	for (;;) {
		int64_t now = mono_ms();
		int r;

		if (now - start >= IO_TIMEOUT_MS)
			return im_fail(im, IMAP_TRANSIENT, "the server did not answer for %d s",
				       IO_TIMEOUT_MS / 1000);
		if (stopping(im) && now - im->stop_seen_ms >= STOP_GRACE_MS)
			return im_fail(im, IMAP_TRANSIENT, "stopped while waiting for the server");
		r = poll(&pfd, 1, 200);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return im_fail(im, IMAP_TRANSIENT, "poll: %s", strerror(errno));
	}
}

static int send_all(struct imap *im, const char *p, size_t n)
{
	while (n > 0) {
		size_t sent = 0;
		CURLcode c = CU->easy_send(im->curl, p, n, &sent);

		if (c == CURLE_AGAIN) {
			if (io_wait(im, POLLOUT) < 0)
				return -1;
			continue;
		}
		if (c != CURLE_OK)
			return im_fail(im, IMAP_TRANSIENT, "cannot write to the server: %s",
				       CU->easy_strerror(c));
		p += sent;
		n -= sent;
	}
	return 0;
}

/* Read more bytes into im->in when all read ones are used.  0, or -1. */
static int fill(struct imap *im)
{
	size_t got = 0;
	CURLcode c;

	if (im->in_off < im->in_len)
		return 0;
	im->in_off = im->in_len = 0;
	while ((c = CU->easy_recv(im->curl, im->in, IN_BUF, &got)) == CURLE_AGAIN)
		if (io_wait(im, POLLIN) < 0)
			return -1;
	if (c != CURLE_OK)
		return im_fail(im, IMAP_TRANSIENT, "cannot read from the server: %s",
			       CU->easy_strerror(c));
	if (got == 0)
		return im_fail(im, IMAP_TRANSIENT, "the server closed the connection%s",
			       im->bye ? " (BYE)" : "");
	im->in_len = got;
	return 0;
}

/* ---- responses ---- */

static void resp_clear(struct resp *r)
{
	for (size_t i = 0; i < r->nlits; i++)
		free(r->lits[i].p);
	memset(r->lits, 0, sizeof(r->lits));
	r->nlits = 0;
	buf_reset(&r->text);
}

/* Read n literal bytes into dst (NULL: throw them away). */
static int read_literal(struct imap *im, char *dst, size_t n)
{
	while (n > 0) {
		size_t k;

		if (fill(im) < 0)
			return -1;
		k = im->in_len - im->in_off;
		if (k > n)
			k = n;
		if (dst) {
			memcpy(dst, im->in + im->in_off, k);
			dst += k;
		}
		im->in_off += k;
		n -= k;
	}
	return 0;
}

/* If the text ends in a literal's announcement "{n}" (or "~{n}", "{n+}"), its size. */
static int literal_size(const struct buf *t, size_t *n)
{
	size_t i = t->len, digits = 0;
	uint64_t v = 0, mul = 1;

	if (i < 3 || t->s[i - 1] != '}')
		return 0;
	i--;
	if (t->s[i - 1] == '+')
		i--;
	while (i > 0 && isdigit((unsigned char)t->s[i - 1])) {
		if (++digits > 12)
			return 0;
		v += (uint64_t)(t->s[i - 1] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (!digits || i == 0 || t->s[i - 1] != '{')
		return 0;
	*n = (size_t)v;
	return 1;
}

/*
 * Read one whole response (a line, with any literals and the lines after
 * them) into r.  Literals larger than lit_max are read and dropped
 * (lits[i].dropped).  0, or -1.
 */
static int resp_read(struct imap *im, struct resp *r, size_t lit_max)
{
	resp_clear(r);
	for (;;) {
		char *nl;
		size_t k, n;

		if (fill(im) < 0)
			return -1;
		k = im->in_len - im->in_off;
		nl = memchr(im->in + im->in_off, '\n', k);
		if (nl)
			k = (size_t)(nl - (im->in + im->in_off));
		if (buf_add(&r->text, im->in + im->in_off, k) < 0)
			return im_fail(im, IMAP_ERROR, "a server response is longer than %d KB",
				       RESP_TEXT_MAX / 1024);
		im->in_off += k;
		if (!nl)
			continue;
		im->in_off++; /* the LF */
		if (r->text.len && r->text.s[r->text.len - 1] == '\r')
			r->text.s[--r->text.len] = '\0';
		if (!literal_size(&r->text, &n))
			return 0;
		if (r->nlits == RESP_LITS_MAX)
			return im_fail(im, IMAP_ERROR,
				       "a server response has more than %d literals",
				       RESP_LITS_MAX);
		r->lits[r->nlits].n = n;
		if (n > lit_max) {
			r->lits[r->nlits].dropped = 1;
			if (read_literal(im, NULL, n) < 0)
				return -1;
		} else {
			r->lits[r->nlits].p = xmalloc(n + 1);
			if (read_literal(im, r->lits[r->nlits].p, n) < 0)
				return -1;
			r->lits[r->nlits].p[n] = '\0';
		}
		r->nlits++;
	}
}

/* ---- reading a response's text ---- */

struct tk {
	const char *p, *e;
	struct resp *r;
	size_t lit; /* the next literal of r */
};

static void tk_init(struct tk *t, struct resp *r, size_t skip)
{
	t->r = r;
	t->p = r->text.s + (skip < r->text.len ? skip : r->text.len);
	t->e = r->text.s + r->text.len;
	t->lit = 0;
}

static void tk_space(struct tk *t)
{
	while (t->p < t->e && *t->p == ' ')
		t->p++;
}

/* Whether the text continues with word (case-insensitive) and a space or the end; eats it. */
static int tk_word(struct tk *t, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(t->e - t->p) < n || strncasecmp(t->p, word, n) != 0)
		return 0;
	if (t->p + n < t->e && t->p[n] != ' ' && t->p[n] != ']' && t->p[n] != ')')
		return 0;
	t->p += n;
	tk_space(t);
	return 1;
}

static int tk_number(struct tk *t, uint64_t *v)
{
	int digits = 0;

	*v = 0;
	while (t->p < t->e && isdigit((unsigned char)*t->p)) {
		if (++digits > 19)
			return -1;
		*v = *v * 10 + (uint64_t)(*t->p++ - '0');
	}
	if (!digits)
		return -1;
	tk_space(t);
	return 0;
}

/*
 * A FETCH item's name: an atom that may hold "[...]" (with spaces) and an
 * "<origin>".  Copied upper-case into name (cut to fit).
 */
static int tk_item_name(struct tk *t, char *name, size_t sz)
{
	size_t j = 0;
	int depth = 0;

	while (t->p < t->e) {
		char c = *t->p;

		if (!depth && (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{'))
			break;
		if (c == '[')
			depth++;
		else if (c == ']' && depth)
			depth--;
		if (j + 1 < sz)
			name[j++] = (char)toupper((unsigned char)c);
		t->p++;
	}
	name[j] = '\0';
	if (!j)
		return -1;
	tk_space(t);
	return 0;
}

/* Skip one value: atom, number, quoted string, literal, NIL or a list (nested at most 32). */
static int tk_skip(struct tk *t, int depth)
{
	if (t->p >= t->e || depth > 32)
		return -1;
	if (*t->p == '(') {
		t->p++;
		tk_space(t);
		while (t->p < t->e && *t->p != ')')
			if (tk_skip(t, depth + 1) < 0)
				return -1;
		if (t->p >= t->e)
			return -1;
		t->p++;
	} else if (*t->p == '"') {
		for (t->p++; t->p < t->e && *t->p != '"'; t->p++)
			if (*t->p == '\\' && t->p + 1 < t->e)
				t->p++;
		if (t->p >= t->e)
			return -1;
		t->p++;
	} else if (*t->p == '{' || (*t->p == '~' && t->p + 1 < t->e && t->p[1] == '{')) {
		const char *close = memchr(t->p, '}', (size_t)(t->e - t->p));

		if (!close || t->lit >= t->r->nlits)
			return -1;
		t->lit++;
		t->p = close + 1;
	} else {
		const char *s = t->p;

		while (t->p < t->e && *t->p != ' ' && *t->p != '(' && *t->p != ')')
			t->p++;
		if (t->p == s)
			return -1;
	}
	tk_space(t);
	return 0;
}

/* A literal value: its index in r->lits (or -1 for NIL / a quoted string, which holds no body). */
static int tk_literal(struct tk *t, int *index)
{
	*index = -1;
	if (t->p < t->e && (*t->p == '{' || *t->p == '~')) {
		if (t->lit >= t->r->nlits)
			return -1;
		*index = (int)t->lit;
	}
	return tk_skip(t, 0);
}

/* ---- commands ---- */

/* Called for every untagged response "* ..." of a command; -1 marks a response it cannot read. */
typedef int (*untagged_fn)(struct imap *im, struct resp *r, void *ctx);

enum { CMD_OK = 0, CMD_NO = 1 };

static void untagged_common(struct imap *im, struct resp *r)
{
	struct tk t;

	tk_init(&t, r, 2);
	if (tk_word(&t, "BYE"))
		im->bye = 1;
	else if (tk_word(&t, "CAPABILITY") || (tk_word(&t, "OK") && tk_word(&t, "[CAPABILITY"))) {
		while (t.p < t.e && *t.p != ']') {
			if (tk_word(&t, "MOVE"))
				im->cap_move = 1;
			else if (tk_word(&t, "UIDPLUS"))
				im->cap_uidplus = 1;
			else if (tk_skip(&t, 0) < 0)
				break;
		}
	}
}

/*
 * A command sent and not answered yet.  Several may be on their way at once
 * (a batch's FETCH while the one before is flagged): the server answers
 * them in turn, and each untagged response goes to every pending command's
 * fn, which ignores what is not its own (FETCH responses name their UID).
 */
struct pending {
	unsigned tag;
	untagged_fn fn; /* may be NULL */
	void *ctx;
	size_t lit_max;			/* literals larger than this are dropped */
	int done;			/* its tagged answer came */
	int result;			/* then: CMD_OK or CMD_NO */
	int unreadable;			/* fn could not read one of its responses */
	char text[SERVER_TEXT_MAX + 1]; /* NO or BAD: the server's text */
};

/* Send "TAG cmd" for p (which must stay put until answered).  0, or -1 (im->err). */
static int imap_send(struct imap *im, struct pending *p, untagged_fn fn, void *ctx, size_t lit_max,
		     const char *cmd)
{
	struct buf line = BUF_INIT(CMD_MAX);
	int rc;

	memset(p, 0, sizeof(*p));
	if (im->err[0])
		return -1;
	assert(im->nq < PENDING_MAX);
	p->tag = ++im->tag;
	p->fn = fn;
	p->ctx = ctx;
	p->lit_max = lit_max;
	if (buf_printf(&line, "E%u %s\r\n", p->tag, cmd) < 0) {
		buf_free(&line);
		return im_fail(im, IMAP_ERROR, "an IMAP command is longer than %d bytes", CMD_MAX);
	}
	rc = send_all(im, line.s, line.len);
	buf_free(&line);
	if (rc == 0)
		im->q[im->nq++] = p;
	return rc;
}

/* The tagged answer r: find its command, mark it done.  0, or -1 when nobody asked. */
static int tagged(struct imap *im, struct resp *r)
{
	unsigned long tag;
	char *end;
	size_t i;
	struct tk t;

	if (r->text.s[0] != 'E')
		return -1;
	tag = strtoul(r->text.s + 1, &end, 10);
	if (end == r->text.s + 1 || *end != ' ')
		return -1;
	for (i = 0; i < im->nq && im->q[i]->tag != tag; i++)
		;
	if (i == im->nq)
		return -1;
	tk_init(&t, r, (size_t)(end - r->text.s) + 1);
	im->q[i]->done = 1;
	if (tk_word(&t, "OK")) {
		im->q[i]->result = CMD_OK;
	} else {
		im->q[i]->result = CMD_NO;
		server_text_copy(im->q[i]->text, sizeof(im->q[i]->text), t.p, (size_t)(t.e - t.p));
	}
	memmove(im->q + i, im->q + i + 1, (im->nq - i - 1) * sizeof(im->q[0]));
	im->nq--;
	return 0;
}

/*
 * Read responses until p is answered.  Returns CMD_OK, CMD_NO (NO or BAD;
 * the server's text in p->text and im->server_text), or -1 when the
 * connection or the protocol failed (im->err).
 */
static int imap_wait(struct imap *im, struct pending *p)
{
	struct resp r = {.text = BUF_INIT(RESP_TEXT_MAX)};
	int rc = -1;

	while (!p->done) {
		size_t lit_max = 0, i;

		for (i = 0; i < im->nq; i++)
			if (im->q[i]->lit_max > lit_max)
				lit_max = im->q[i]->lit_max;
		if (im->err[0] || resp_read(im, &r, lit_max) < 0)
			goto out;
		if (r.text.len >= 2 && r.text.s[0] == '*' && r.text.s[1] == ' ') {
			untagged_common(im, &r);
			for (i = 0; i < im->nq; i++)
				if (im->q[i]->fn && im->q[i]->fn(im, &r, im->q[i]->ctx) < 0)
					im->q[i]->unreadable = 1;
			continue;
		}
		if (r.text.s[0] == '+') {
			im_fail(im, IMAP_ERROR, "the server asked for data nobody sends");
			goto out;
		}
		if (tagged(im, &r) < 0) {
			/* A tag nobody sent: the dialogue is out of step. */
			server_text_copy(im->server_text, sizeof(im->server_text), r.text.s,
					 r.text.len);
			im_fail(im, IMAP_ERROR, "unexpected answer from the server: %s",
				im->server_text);
			goto out;
		}
	}
	if (p->unreadable) {
		im_fail(im, IMAP_ERROR, "the server's answer could not be read");
		goto out;
	}
	rc = p->result;
	if (rc == CMD_NO)
		memcpy(im->server_text, p->text, sizeof(im->server_text));
out:
	resp_clear(&r);
	buf_free(&r.text);
	return rc;
}

/* Send cmd and wait for its answer: imap_send and imap_wait. */
static int imap_cmd(struct imap *im, untagged_fn fn, void *ctx, size_t lit_max, const char *cmd)
{
	struct pending p;

	if (imap_send(im, &p, fn, ctx, lit_max, cmd) < 0)
		return -1;
	return imap_wait(im, &p);
}

/* ---- mailbox names ---- */

static const char mutf7_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Decode one UTF-8 character at s (n bytes left); its length, or 0 when invalid. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A mailbox name (UTF-8) as an IMAP quoted string in modified UTF-7
 * (RFC 3501 5.1.3): "Obrađeno" -> "\"Obra&AREA-eno\"".  Returns 0, or -1
 * for invalid UTF-8, a control character or a name too long.
 */
static int mailbox_quote(const char *name, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), i = 0;
	int fail = buf_putc(out, '"');

	while (i < n && !fail) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			if (s[i] == '"' || s[i] == '\\')
				fail |= buf_putc(out, '\\');
			fail |= buf_putc(out, (char)s[i]);
			if (s[i] == '&')
				fail |= buf_putc(out, '-');
			i++;
			continue;
		}
		if (s[i] < 0x80)
			return -1; /* a control character */
		/* a run of non-ASCII characters: UTF-16BE in modified base64 */
		uint32_t bits = 0;
		int nbits = 0;

		fail |= buf_putc(out, '&');
		while (i < n && s[i] >= 0x80 && !fail) {
			uint32_t cp, units[2];
			size_t len = utf8_char(s + i, n - i, &cp), nu = 1;

			if (!len)
				return -1;
			i += len;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				units[0] = 0xd800 | (cp >> 10);
				units[1] = 0xdc00 | (cp & 0x3ff);
				nu = 2;
			} else {
				units[0] = cp;
			}
			for (size_t u = 0; u < nu; u++) {
				bits = (bits << 16) | units[u];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					fail |= buf_putc(out, mutf7_b64[(bits >> nbits) & 0x3f]);
				}
				bits &= (1u << nbits) - 1;
			}
		}
		if (nbits)
			fail |= buf_putc(out, mutf7_b64[(bits << (6 - nbits)) & 0x3f]);
		fail |= buf_putc(out, '-');
	}
	fail |= buf_putc(out, '"');
	return fail ? -1 : 0;
}

/* ---- UID lists ---- */

struct uid_item {
	uint32_t uid;
	uint64_t size;
};

struct uid_list {
	struct uid_item *v;
	size_t n, cap;
	uint32_t above;	      /* only UIDs above this count */
	uint32_t min_dropped; /* the lowest UID left out because the list was full, 0 none */
};

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct uid_item *)a)->uid, y = ((const struct uid_item *)b)->uid;

	return x < y ? -1 : x > y;
}

/* "1:5,7,9" for uids[0..n) (ascending) into b.  0, or -1 when it does not fit. */
static int uid_set(struct buf *b, const uint32_t *uids, size_t n)
{
	size_t i = 0;
	int fail = 0;

	while (i < n && !fail) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (i)
			fail |= buf_putc(b, ',');
		if (j > i)
			fail |= buf_printf(b, "%" PRIu32 ":%" PRIu32, uids[i], uids[j]);
		else
			fail |= buf_printf(b, "%" PRIu32, uids[i]);
		i = j + 1;
	}
	return fail ? -1 : 0;
}

/* ---- FETCH responses ---- */

struct fetch_item {
	uint64_t uid;
	uint64_t size; /* RFC822.SIZE, or 0 */
	int body;      /* index of the BODY[] literal, -1 none */
	int has_body;  /* a BODY[] item was there (NIL or a string counts) */
};

/* Read "* n FETCH (...)" into it.  1 when it is one, 0 for another response, -1 unreadable. */
static int fetch_parse(struct resp *r, struct fetch_item *it)
{
	struct tk t;
	uint64_t seq;
	char name[64];

	memset(it, 0, sizeof(*it));
	it->body = -1;
	tk_init(&t, r, 2);
	if (tk_number(&t, &seq) < 0 || !tk_word(&t, "FETCH"))
		return 0;
	if (t.p >= t.e || *t.p != '(')
		return -1;
	t.p++;
	tk_space(&t);
	while (t.p < t.e && *t.p != ')') {
		if (tk_item_name(&t, name, sizeof(name)) < 0)
			return -1;
		if (strcmp(name, "UID") == 0) {
			if (tk_number(&t, &it->uid) < 0)
				return -1;
		} else if (strcmp(name, "RFC822.SIZE") == 0) {
			if (tk_number(&t, &it->size) < 0)
				return -1;
		} else if (strncmp(name, "BODY[]", 6) == 0) {
			it->has_body = 1;
			if (tk_literal(&t, &it->body) < 0)
				return -1;
		} else if (tk_skip(&t, 0) < 0) {
			return -1;
		}
	}
	if (t.p >= t.e)
		return -1;
	return 1;
}

static int on_uid_list(struct imap *im, struct resp *r, void *ctx)
{
	struct uid_list *l = ctx;
	struct fetch_item it;
	int k = fetch_parse(r, &it);

	(void)im;
	if (k <= 0)
		return k;
	/* "UID FETCH n:*" answers the highest UID even when it is below n. */
	if (!it.uid || it.uid > UINT32_MAX || it.uid <= l->above)
		return 0;
	if (l->n == UIDS_MAX) {
		if (!l->min_dropped || it.uid < l->min_dropped)
			l->min_dropped = (uint32_t)it.uid;
		return 0;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].uid = (uint32_t)it.uid;
	l->v[l->n].size = it.size;
	l->n++;
	return 0;
}

/* One message of a batch. */
struct slot {
	uint32_t uid;
	uint64_t size; /* announced */
	char *raw;     /* the message, malloc'd, or NULL */
	size_t n;
	int got;     /* its BODY[] came */
	int too_big; /* it was larger than the fetch limit */
	int over;    /* it did not fit in what the batch may hold: fetched again next run */
};

struct batch {
	struct slot *s; /* ascending UIDs */
	size_t n;
	size_t max_each;  /* the fetch limit */
	size_t held, cap; /* bytes of the messages taken, and the most a batch may hold */
	size_t *lit_max;  /* the FETCH's literal limit, lowered as the batch fills */
};

static int on_batch(struct imap *im, struct resp *r, void *ctx)
{
	struct batch *b = ctx;
	struct fetch_item it;
	size_t lo = 0, hi = b->n;
	int k = fetch_parse(r, &it);

	(void)im;
	if (k <= 0)
		return k;
	if (!it.has_body || !it.uid)
		return 0; /* a flag change someone else made, announced to us */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (b->s[mid].uid < it.uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n || b->s[lo].uid != it.uid || b->s[lo].got)
		return 0;
	b->s[lo].got = 1;
	if (it.body < 0)
		return 0; /* NIL or a quoted string: no message there */
	if (r->lits[it.body].dropped || b->held + r->lits[it.body].n > b->cap) {
		if (r->lits[it.body].n > b->max_each) {
			b->s[lo].too_big = 1;
			b->s[lo].size = r->lits[it.body].n;
		} else {
			b->s[lo].over = 1; /* the server sent more than it announced */
		}
		return 0;
	}
	b->s[lo].raw = r->lits[it.body].p;
	b->s[lo].n = r->lits[it.body].n;
	r->lits[it.body].p = NULL;
	/* what the batch holds stays bounded, whatever sizes the server announced */
	b->held += b->s[lo].n;
	if (b->lit_max)
		*b->lit_max = b->cap - b->held < b->max_each ? b->cap - b->held : b->max_each;
	return 0;
}

/* ---- SELECT, LIST ---- */

struct select_info {
	uint64_t uidvalidity;
	uint64_t exists;
	int have_exists;
};

static int on_select(struct imap *im, struct resp *r, void *ctx)
{
	struct select_info *si = ctx;
	struct tk t;
	uint64_t v;

	(void)im;
	tk_init(&t, r, 2);
	if (tk_word(&t, "OK")) {
		if (tk_word(&t, "[UIDVALIDITY") && tk_number(&t, &v) == 0)
			si->uidvalidity = v;
		return 0;
	}
	if (tk_number(&t, &v) == 0 && tk_word(&t, "EXISTS")) {
		si->exists = v;
		si->have_exists = 1;
	}
	return 0;
}

struct list_info {
	int found; /* a LIST response that names a mailbox one can select */
};

static int on_list(struct imap *im, struct resp *r, void *ctx)
{
	struct list_info *li = ctx;
	struct tk t;
	const char *close;

	(void)im;
	tk_init(&t, r, 2);
	if (!tk_word(&t, "LIST") || t.p >= t.e || *t.p != '(')
		return 0;
	close = memchr(t.p, ')', (size_t)(t.e - t.p));
	if (!close)
		return -1;
	if (!memmem(t.p, (size_t)(close - t.p), "\\Noselect", 9) &&
	    !memmem(t.p, (size_t)(close - t.p), "\\NonExistent", 12) &&
	    !memmem(t.p, (size_t)(close - t.p), "\\noselect", 9))
		li->found = 1;
	return 0;
}

/* ---- the configuration ---- */

struct target {
	char scheme[8];
	char host[256];
	long port;
	char mailbox[256]; /* UTF-8, as in the url */
	char key[1001];	   /* the position's name in the store */
	char where[600];   /* "imaps://host:port/INBOX" for messages: no user, no password */
};

static int target_parse(const struct config *conf, struct target *tg, char *err, size_t errsz)
{
	CURLU *u = CU->url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	const char *mb;
	int rc = -1;

	memset(tg, 0, sizeof(*tg));
	if (!conf->imap_url[0]) {
		snprintf(err, errsz, "[imap] url is not set: there is no mailbox to fetch from");
		goto out;
	}
	if (!u)
		abort();
	if (CU->url_set(u, CURLUPART_URL, conf->imap_url, 0) != CURLUE_OK ||
	    CU->url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    CU->url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    CU->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    CU->url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		snprintf(err, errsz, "[imap] url: not a usable imap:// or imaps:// url");
		goto out;
	}
	if (strcmp(scheme, "imap") != 0 && strcmp(scheme, "imaps") != 0) {
		snprintf(err, errsz, "[imap] url must start with imap:// or imaps://");
		goto out;
	}
	mb = path[0] == '/' ? path + 1 : path;
	if (!*mb)
		mb = "INBOX";
	if (strchr(mb, ';') || strlen(mb) >= sizeof(tg->mailbox)) {
		snprintf(err, errsz,
			 "[imap] url: give only the mailbox after the host "
			 "(e.g. imaps://mail.example.hr/INBOX)");
		goto out;
	}
	for (const char *p = mb; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errsz,
				 "[imap] url: the mailbox name has a control character");
			goto out;
		}
	}
	xstrlcpy(tg->scheme, scheme, sizeof(tg->scheme));
	xstrlcpy(tg->host, host, sizeof(tg->host));
	tg->port = strtol(port, NULL, 10);
	xstrlcpy(tg->mailbox, mb, sizeof(tg->mailbox));
	snprintf(tg->key, sizeof(tg->key), "%s@%s:%ld/%s", conf->imap_username, tg->host, tg->port,
		 tg->mailbox);
	snprintf(tg->where, sizeof(tg->where), "%s://%s:%ld/%s", tg->scheme, tg->host, tg->port,
		 tg->mailbox);
	rc = 0;
out:
	CU->free(scheme);
	CU->free(host);
	CU->free(port);
	CU->free(path);
	CU->url_cleanup(u);
	return rc;
}

size_t imap_fetch_max(const struct config *conf)
{
	uint64_t mb =
	    (uint64_t)(conf->mail_max_message_mb > 0 ? conf->mail_max_message_mb : 25) * 4;

	if (mb < 16)
		mb = 16;
	if (mb > 1024)
		mb = 1024;
	return (size_t)(mb << 20);
}

/* ---- connecting ---- */

static int progress_cb(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	atomic_int *stop = arg;

	(void)a, (void)b, (void)c, (void)d;
	return stop && atomic_load(stop) ? 1 : 0;
}

/* What a failed connection or login means for the caller. */
static int connect_rc(CURLcode c)
{
	switch (c) {
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_USE_SSL_FAILED:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
		return IMAP_CONFIG;
	default:
		return IMAP_TRANSIENT;
	}
}

static int imap_connect(struct imap *im, const struct config *conf, const struct target *tg)
{
	CURLcode c;
	const char *auth;
	char detail[CURL_ERROR_SIZE + 8] = "";

	im->curl = CU->easy_init();
	if (!im->curl)
		return im_fail(im, IMAP_ERROR, "cannot start libcurl");
	im->in = xmalloc(IN_BUF);
	CU->easy_setopt(im->curl, CURLOPT_URL, conf->imap_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	CU->easy_setopt(im->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
#else
	CU->easy_setopt(im->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_IMAP | CURLPROTO_IMAPS));
#endif
	CU->easy_setopt(im->curl, CURLOPT_CONNECT_ONLY, 1L);
	CU->easy_setopt(im->curl, CURLOPT_NOSIGNAL, 1L);
	CU->easy_setopt(im->curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	CU->easy_setopt(im->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)CONNECT_TIMEOUT_S);
	CU->easy_setopt(im->curl, CURLOPT_TIMEOUT, (long)CONNECT_TIMEOUT_S * 2);
	CU->easy_setopt(im->curl, CURLOPT_ERRORBUFFER, im->curl_err);
	CU->easy_setopt(im->curl, CURLOPT_NOPROGRESS, 0L);
	CU->easy_setopt(im->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	CU->easy_setopt(im->curl, CURLOPT_XFERINFODATA, im->stop);
	if (strcmp(tg->scheme, "imap") == 0) {
		long ssl = strcmp(conf->imap_starttls, "required") == 0 ? CURLUSESSL_ALL
			   : strcmp(conf->imap_starttls, "off") == 0	? CURLUSESSL_NONE
									: CURLUSESSL_TRY;
		CU->easy_setopt(im->curl, CURLOPT_USE_SSL, ssl);
	}
	CU->easy_setopt(im->curl, CURLOPT_SSL_VERIFYPEER, conf->imap_verify_tls ? 1L : 0L);
	CU->easy_setopt(im->curl, CURLOPT_SSL_VERIFYHOST, conf->imap_verify_tls ? 2L : 0L);
	if (conf->imap_ca_file[0])
		CU->easy_setopt(im->curl, CURLOPT_CAINFO, conf->imap_ca_file);
	if (conf->imap_username[0])
		CU->easy_setopt(im->curl, CURLOPT_USERNAME, conf->imap_username);
	if (conf->imap_oauth2_token[0]) {
		/* libcurl offers the token as OAUTHBEARER or XOAUTH2, whichever the server has */
		CU->easy_setopt(im->curl, CURLOPT_XOAUTH2_BEARER, conf->imap_oauth2_token);
		auth = "oauth2_token";
	} else {
		CU->easy_setopt(im->curl, CURLOPT_PASSWORD, conf->imap_password);
		auth = "password";
	}
	c = CU->easy_perform(im->curl);
	if (c == CURLE_OK) {
		curl_socket_t s;

		if (CU->easy_getinfo(im->curl, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK ||
		    s == CURL_SOCKET_BAD)
			return im_fail(im, IMAP_ERROR, "libcurl gave no connection");
		im->sock = s;
		return 0;
	}
	if (c == CURLE_ABORTED_BY_CALLBACK)
		return im_fail(im, IMAP_TRANSIENT, "stopped while connecting");
	if (im->curl_err[0])
		snprintf(detail, sizeof(detail), " (%s)", im->curl_err);
	/* libcurl's messages hold no credentials; the server's answer is not in them. */
	if (c == CURLE_LOGIN_DENIED)
		return im_fail(im, IMAP_CONFIG,
			       "the server refused the login of '%s': check [imap] username and %s",
			       conf->imap_username, auth);
	if (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE)
		return im_fail(im, IMAP_CONFIG,
			       "cannot trust the server's certificate%s: set [imap] ca_file, or "
			       "verify_tls = no for a test server",
			       detail);
	if (c == CURLE_USE_SSL_FAILED)
		return im_fail(
		    im, IMAP_CONFIG,
		    "the server does not offer STARTTLS and [imap] starttls is 'required'");
	return im_fail(im, connect_rc(c), "cannot connect: %s",
		       im->curl_err[0] ? im->curl_err : CU->easy_strerror(c));
}

static void imap_close(struct imap *im)
{
	/*
	 * libcurl says LOGOUT and waits for the answer when it lets go of the
	 * connection; after a failure, or with a command still on its way, the
	 * dialogue may be out of step, so the connection is cut first and that
	 * goodbye fails at once.
	 */
	if (im->curl && im->sock != CURL_SOCKET_BAD && (im->err[0] || im->bye || im->nq))
		shutdown(im->sock, SHUT_RDWR);
	if (im->curl)
		CU->easy_cleanup(im->curl);
	free(im->in);
	im->curl = NULL;
	im->in = NULL;
}

/* ---- the run ---- */

/* The flag or move of one committed batch, on its way (after_import). */
struct flagging {
	struct pending p;
	int sent;     /* p is on its way; else result holds the outcome already */
	int result;   /* CMD_OK or CMD_NO */
	size_t n;     /* messages */
	uint32_t pos; /* the position to record once it is answered */
};

#define FLAG_RING 4

struct run {
	struct imap im;
	struct store *st;
	const struct config *conf;
	struct fetch_stats *stats;
	struct target tg;
	uint32_t uidvalidity;
	uint32_t pos;	 /* every UID up to this is done */
	int pos_dirty;	 /* pos or uidvalidity differ from the store's */
	uint64_t exists; /* messages in the mailbox when it was opened */
	int rc;		 /* enum imap_rc */
	char quoted_mailbox[1100], quoted_move_to[1100];
	struct flagging flags[FLAG_RING]; /* answers awaited: nflag of them from flag0 on */
	size_t flag0, nflag;
};

__attribute__((format(printf, 3, 4))) static int run_fail(struct run *r, int rc, const char *fmt,
							  ...)
{
	va_list ap;

	if (r->rc != IMAP_OK)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->stats->error, sizeof(r->stats->error), fmt, ap);
	va_end(ap);
	r->rc = rc;
	return -1;
}

/* Turn a failed connection (im.err) into the run's failure. */
static int run_conn_fail(struct run *r)
{
	return run_fail(r, r->im.err_rc ? r->im.err_rc : IMAP_TRANSIENT, "%s: %s", r->tg.where,
			r->im.err[0] ? r->im.err : "connection failed");
}

static int run_store_fail(struct run *r, int src, const char *what)
{
	return run_fail(r, src == STORE_BUSY || src == STORE_FULL ? IMAP_TRANSIENT : IMAP_ERROR,
			"%s: %s", what, store_errmsg(r->st));
}

static void count_outcome(struct fetch_stats *s, const struct intake_result *res)
{
	s->imported++;
	if (res->quarantined) {
		s->quarantined++;
		return;
	}
	switch (res->outcome.result) {
	case MAIL_NEW:
	case MAIL_NEW_LINKED:
		s->new_tickets++;
		break;
	case MAIL_APPENDED:
	case MAIL_REOPENED:
		s->replies++;
		break;
	case MAIL_DUPLICATE:
		s->duplicates++;
		break;
	case MAIL_BOUNCE:
		s->bounces++;
		break;
	case MAIL_OWN:
		s->own++;
		break;
	}
}

static int flags_collect(struct run *r, int block);

/*
 * Tell the server what after_import says for the committed messages
 * uids[0..n) (a batch ending at pos); the answer is collected later, in
 * order, by flags_collect, which advances the position.  0, or -1.
 */
static int flag_send(struct run *r, const uint32_t *uids, size_t n, uint32_t pos)
{
	struct buf cmd = BUF_INIT(CMD_MAX), set = BUF_INIT(CMD_MAX - 200);
	const char *how = r->conf->imap_after_import;
	struct flagging *f;
	int k = CMD_OK;

	if (r->nflag == FLAG_RING && flags_collect(r, 1) < 0)
		return -1;
	f = &r->flags[(r->flag0 + r->nflag) % FLAG_RING];
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->pos = pos;
	f->result = CMD_OK;
	r->nflag++;
	if (!n || strcmp(how, "none") == 0)
		goto out;
	if (uid_set(&set, uids, n) < 0)
		abort(); /* a batch's set always fits (BATCH_COUNT) */
	if (strcmp(how, "move") == 0 && !r->im.cap_move) {
		/*
		 * RFC 3501 without MOVE: copy, mark deleted, expunge just these
		 * (UIDPLUS; without it they stay marked).  One after the other: a
		 * message must not be marked deleted unless the copy worked.
		 */
		if (buf_printf(&cmd, "UID COPY %s %s", set.s, r->quoted_move_to) == 0)
			k = imap_cmd(&r->im, NULL, NULL, 0, cmd.s);
		if (k == CMD_OK) {
			buf_reset(&cmd);
			if (buf_printf(&cmd, "UID STORE %s +FLAGS.SILENT (\\Deleted)", set.s) == 0)
				k = imap_cmd(&r->im, NULL, NULL, 0, cmd.s);
		}
		if (k == CMD_OK && r->im.cap_uidplus) {
			buf_reset(&cmd);
			if (buf_printf(&cmd, "UID EXPUNGE %s", set.s) == 0)
				k = imap_cmd(&r->im, NULL, NULL, 0, cmd.s);
		}
		f->result = k;
		goto out;
	}
	if (strcmp(how, "move") == 0)
		k = buf_printf(&cmd, "UID MOVE %s %s", set.s, r->quoted_move_to);
	else
		k = buf_printf(&cmd, "UID STORE %s +FLAGS.SILENT (\\Seen)", set.s);
	if (k < 0)
		abort(); /* fits: the set is shorter than the command by 200 */
	k = imap_send(&r->im, &f->p, NULL, NULL, 0, cmd.s);
	f->sent = k == 0;
out:
	buf_free(&cmd);
	buf_free(&set);
	return k < 0 ? run_conn_fail(r) : 0;
}

/*
 * Take the answers to the flags and moves sent, oldest first (waiting for
 * them when block is set, else only those already answered), count them
 * and advance the position.  A refusal is counted (flag_failed), not
 * fatal: the messages are imported all the same.  0, or -1.
 */
static int flags_collect(struct run *r, int block)
{
	while (r->nflag) {
		struct flagging *f = &r->flags[r->flag0];
		int k = f->result;

		if (f->sent) {
			if (!f->p.done && !block)
				break;
			if ((k = imap_wait(&r->im, &f->p)) < 0)
				return run_conn_fail(r);
		}
		if (k == CMD_NO)
			r->stats->flag_failed += (int)f->n;
		else if (f->n && strcmp(r->conf->imap_after_import, "move") == 0)
			r->stats->moved += (int)f->n;
		else if (f->n && strcmp(r->conf->imap_after_import, "seen") == 0)
			r->stats->flagged += (int)f->n;
		if (f->pos > r->pos) {
			r->pos = f->pos;
			r->pos_dirty = 1;
		}
		r->flag0 = (r->flag0 + 1) % FLAG_RING;
		r->nflag--;
	}
	return 0;
}

/*
 * A message over the fetch limit: keep its first IMAP_TOO_BIG_KEEP bytes in
 * the quarantine with the reason; the message itself stays in the mailbox.
 */
static int too_big(struct run *r, uint32_t uid, uint64_t size)
{
	struct slot s = {.uid = uid};
	struct batch b = {.s = &s, .n = 1, .max_each = IMAP_TOO_BIG_KEEP, .cap = IMAP_TOO_BIG_KEEP};
	char cmd[128], hash[CRYPTO_SHA256_HEX], reason[256];
	int k, src;

	snprintf(cmd, sizeof(cmd), "UID FETCH %" PRIu32 " (UID BODY.PEEK[]<0.%d>)", uid,
		 IMAP_TOO_BIG_KEEP);
	k = imap_cmd(&r->im, on_batch, &b, IMAP_TOO_BIG_KEEP, cmd);
	if (k < 0)
		return run_conn_fail(r);
	if (k == CMD_NO || !s.got) {
		free(s.raw);
		if (k == CMD_NO)
			return run_fail(r, IMAP_TRANSIENT,
					"%s: the server could not read UID %" PRIu32 ": %s",
					r->tg.where, uid, r->im.server_text);
		r->stats->gone++;
		return 0;
	}
	snprintf(reason, sizeof(reason),
		 "larger than the fetch limit of %zu MB (%" PRIu64 " bytes): only its start is "
		 "kept; the whole message stays in the mailbox as UID %" PRIu32,
		 imap_fetch_max(r->conf) >> 20, size, uid);
	crypto_sha256_hex(s.raw ? s.raw : "", s.n, hash);
	src = store_quarantine_add(r->st, s.raw ? s.raw : "", s.n, hash, reason, MAIL_SOURCE_IMAP,
				   clock_now(), NULL);
	free(s.raw);
	if (src != STORE_OK)
		return run_store_fail(r, src, "cannot keep an oversized message");
	r->stats->too_big++;
	return 0;
}

/*
 * mail_intake failed on s for a reason other than a busy or full database:
 * keep the raw message in the quarantine with the store's reason, so that
 * one message the store refuses does not hold up every message after it.
 * Returns STORE_OK (res says quarantined) or the quarantine's failure.
 */
static int keep_refused(struct run *r, const struct slot *s, struct intake_result *res)
{
	char hash[CRYPTO_SHA256_HEX];
	int k;

	memset(res, 0, sizeof(*res));
	res->quarantined = 1;
	snprintf(res->why, sizeof(res->why), "could not be imported: %s", store_errmsg(r->st));
	crypto_sha256_hex(s->raw, s->n, hash);
	k = store_quarantine_add(r->st, s->raw, s->n, hash, res->why, MAIL_SOURCE_IMAP, clock_now(),
				 &res->quarantine_id);
	return k;
}

/* A batch on its way: its FETCH and the messages that came. */
struct flight {
	struct pending p;
	struct batch b;
	int sent; /* a FETCH went out (not when every message is too big) */
};

static void flight_free(struct flight *f)
{
	for (size_t i = 0; i < f->b.n; i++)
		free(f->b.s[i].raw);
	free(f->b.s);
	memset(f, 0, sizeof(*f));
}

/* How many of l->v[i..] make the next batch. */
static size_t next_batch(const struct run *r, const struct uid_list *l, size_t i)
{
	size_t j = i, max = imap_fetch_max(r->conf);
	uint64_t bytes = 0;

	while (j < l->n && j - i < BATCH_COUNT) {
		uint64_t sz = l->v[j].size > max ? 0 : l->v[j].size;

		if (j > i && bytes + sz > BATCH_BYTES)
			break;
		bytes += sz;
		j++;
	}
	return j - i;
}

/* Send the UID FETCH of items[0..n), leaving out those announced too big.  0, or -1. */
static int flight_send(struct run *r, struct flight *f, const struct uid_item *items, size_t n)
{
	struct buf cmd = BUF_INIT(CMD_MAX);
	uint32_t *uids = xcalloc(n, sizeof(uint32_t));
	size_t i, nf = 0, max = imap_fetch_max(r->conf);
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->b.s = xcalloc(n, sizeof(struct slot));
	f->b.n = n;
	f->b.max_each = max;
	f->b.cap = 2 * (size_t)BATCH_BYTES + max;
	for (i = 0; i < n; i++) {
		f->b.s[i].uid = items[i].uid;
		f->b.s[i].size = items[i].size;
		if (items[i].size > max)
			f->b.s[i].too_big = 1;
		else
			uids[nf++] = items[i].uid;
	}
	if (nf) {
		if (buf_puts(&cmd, "UID FETCH ") < 0 || uid_set(&cmd, uids, nf) < 0 ||
		    buf_puts(&cmd, " (UID BODY.PEEK[])") < 0)
			abort(); /* BATCH_COUNT UIDs always fit */
		rc = imap_send(&r->im, &f->p, on_batch, &f->b, max, cmd.s);
		f->sent = rc == 0;
		f->b.lit_max = &f->p.lit_max;
		if (rc < 0)
			run_conn_fail(r);
	}
	free(uids);
	buf_free(&cmd);
	return rc;
}

/*
 * Wait for f's messages and import them in UID order in one transaction
 * (one commit, one fsync, instead of one per message; mail_intake's own
 * transactions become part of it).  The UIDs committed go to done[*ndone]
 * and *end becomes the last UID dealt with (imported, gone or kept as too
 * big).  0 when the run may go on, -1 when it must end (r->rc and
 * stats->stopped say why; done still lists what was committed).
 */
static int flight_import(struct run *r, struct flight *f, atomic_int *stop, uint32_t *done,
			 size_t *ndone, uint32_t *end)
{
	struct fetch_stats before;
	size_t i, n0 = *ndone;
	uint32_t end0 = *end;
	int k, fetch_no = 0, pos_in = 0, queued = 0;

	if (f->sent) {
		if ((k = imap_wait(&r->im, &f->p)) < 0)
			return run_conn_fail(r);
		fetch_no = k == CMD_NO;
	}
	before = *r->stats;
	if ((k = store_batch_begin(r->st)) != STORE_OK)
		return run_store_fail(r, k, "cannot start storing messages");
	/* The position the answered flags allow rides along, for free. */
	if (r->pos_dirty) {
		if ((k = store_imap_set(r->st, r->tg.key, r->uidvalidity, r->pos)) != STORE_OK) {
			store_batch_end(r->st, 0);
			return run_store_fail(r, k, "cannot record the mailbox position");
		}
		pos_in = 1;
	}
	for (i = 0; i < f->b.n; i++) {
		struct slot *s = &f->b.s[i];
		struct intake_result res;

		if (stop && atomic_load(stop)) {
			r->stats->stopped = 1;
			break;
		}
		if (s->over) {
			run_fail(r, IMAP_TRANSIENT,
				 "%s: the server sent more than it announced; UID %" PRIu32
				 " is left for the next run",
				 r->tg.where, s->uid);
			break;
		}
		if (s->too_big) {
			if (too_big(r, s->uid, s->size) < 0)
				break;
		} else if (!s->got) {
			/*
			 * Not in an answer that said OK: someone expunged it.  After a
			 * NO it may still be there: end the run before it.
			 */
			if (fetch_no) {
				run_fail(r, IMAP_TRANSIENT,
					 "%s: the server could not read UID %" PRIu32 ": %s",
					 r->tg.where, s->uid, f->p.text);
				break;
			}
			r->stats->gone++;
		} else if (s->raw) {
			r->stats->bytes += (int64_t)s->n;
			memset(&res, 0, sizeof(res));
			k = mail_intake(r->st, r->conf, s->raw, s->n, MAIL_SOURCE_IMAP, clock_now(),
					&res);
			if (k != STORE_OK && k != STORE_BUSY && k != STORE_FULL)
				k = keep_refused(r, s, &res);
			free(s->raw);
			s->raw = NULL;
			if (k != STORE_OK) {
				char what[64];

				snprintf(what, sizeof(what),
					 "UID %" PRIu32 " is left for the next run", s->uid);
				run_store_fail(r, k, what);
				break;
			}
			count_outcome(r->stats, &res);
			if (!res.quarantined)
				queued += res.outcome.queued;
			done[(*ndone)++] = s->uid;
		} else {
			r->stats->gone++; /* BODY[] NIL: the server has no such message any more */
		}
		*end = s->uid;
	}
	if ((k = store_batch_end(r->st, 1)) != STORE_OK) {
		/* Nothing of this batch is in the database: all of it comes again next time. */
		int stopped = r->stats->stopped;

		*r->stats = before;
		r->stats->stopped = stopped;
		*ndone = n0;
		*end = end0;
		r->rc = IMAP_OK;
		return run_store_fail(r, k, "cannot store the messages fetched");
	}
	if (pos_in)
		r->pos_dirty = 0;
	/* acknowledgements and notifications are there now: `evid serve` sends them at once */
	if (queued)
		outbox_wake();
	return r->rc == IMAP_OK && !r->stats->stopped ? 0 : -1;
}

/*
 * Fetch, import and flag l's messages in batches, pipelined: the next
 * batch's FETCH goes out before this one is imported, and a batch's flags
 * (sent once it is committed) are answered while the next is imported.
 */
static void run_batches(struct run *r, const struct uid_list *l, atomic_int *stop)
{
	struct flight fl[2], *cur = &fl[0], *nxt = &fl[1], *t;
	uint32_t *done = xcalloc(BATCH_COUNT, sizeof(uint32_t));
	size_t i = 0, n;
	int have = 0;

	memset(fl, 0, sizeof(fl));
	if (l->n) {
		n = next_batch(r, l, 0);
		have = flight_send(r, cur, l->v, n) == 0;
		i = n;
	}
	while (have) {
		size_t ndone = 0;
		uint32_t end = 0;
		int k;

		have = 0;
		if (i < l->n && !(stop && atomic_load(stop))) {
			n = next_batch(r, l, i);
			if (flight_send(r, nxt, l->v + i, n) < 0)
				break;
			have = 1;
			i += n;
		}
		k = flight_import(r, cur, stop, done, &ndone, &end);
		flight_free(cur);
		/* what was committed is flagged even when the run ends here */
		if (end && flag_send(r, done, ndone, end) < 0)
			break;
		if (k < 0 || flags_collect(r, 0) < 0)
			break;
		t = cur;
		cur = nxt;
		nxt = t;
	}
	if (!r->im.err[0])
		flags_collect(r, 1);
	/* a FETCH still on its way is left: the connection is cut (imap_close) */
	flight_free(&fl[0]);
	flight_free(&fl[1]);
	free(done);
}

static int run_checks(struct run *r)
{
	const struct config *c = r->conf;
	struct buf q = BUF_INIT(sizeof(r->quoted_mailbox) - 1);

	if (curl_api_load(r->stats->error, sizeof(r->stats->error)) < 0) {
		r->rc = IMAP_TRANSIENT;
		return -1;
	}
	if (target_parse(c, &r->tg, r->stats->error, sizeof(r->stats->error)) < 0) {
		r->rc = IMAP_CONFIG;
		return -1;
	}
	xstrlcpy(r->stats->mailbox, r->tg.key, sizeof(r->stats->mailbox));
	if (!c->imap_username[0])
		return run_fail(r, IMAP_CONFIG, "[imap] username is not set");
	if (!c->imap_password[0] && !c->imap_oauth2_token[0])
		return run_fail(r, IMAP_CONFIG, "[imap] password (or oauth2_token) is not set");
	if (mailbox_quote(r->tg.mailbox, &q) < 0) {
		buf_free(&q);
		return run_fail(r, IMAP_CONFIG, "[imap] url: the mailbox name is not UTF-8 text");
	}
	xstrlcpy(r->quoted_mailbox, q.s, sizeof(r->quoted_mailbox));
	buf_reset(&q);
	if (strcmp(c->imap_after_import, "move") == 0) {
		if (!c->imap_move_to[0]) {
			buf_free(&q);
			return run_fail(r, IMAP_CONFIG,
					"[imap] after_import is 'move' but move_to is not set");
		}
		if (strcmp(c->imap_move_to, r->tg.mailbox) == 0 ||
		    mailbox_quote(c->imap_move_to, &q) < 0) {
			buf_free(&q);
			return run_fail(r, IMAP_CONFIG,
					"[imap] move_to must be another mailbox's name, in UTF-8");
		}
		xstrlcpy(r->quoted_move_to, q.s, sizeof(r->quoted_move_to));
	}
	buf_free(&q);
	return 0;
}

/* Open the mailbox, compare its UIDVALIDITY with the stored one.  0, or -1. */
static int run_open(struct run *r)
{
	struct select_info si = {0};
	struct buf cmd = BUF_INIT(CMD_MAX);
	int64_t v = 0, last = 0;
	int k, known;

	k = store_imap_get(r->st, r->tg.key, &v, &last);
	if (k != STORE_OK && k != STORE_NOT_FOUND)
		return run_store_fail(r, k, "cannot read the mailbox position");
	known = k == STORE_OK;
	if (imap_connect(&r->im, r->conf, &r->tg) < 0)
		return run_conn_fail(r);
	if (imap_cmd(&r->im, NULL, NULL, 0, "CAPABILITY") != CMD_OK)
		return r->im.err[0] ? run_conn_fail(r)
				    : run_fail(r, IMAP_ERROR, "%s: CAPABILITY refused: %s",
					       r->tg.where, r->im.server_text);
	if (strcmp(r->conf->imap_after_import, "move") == 0) {
		struct list_info li = {0};

		if (buf_printf(&cmd, "LIST \"\" %s", r->quoted_move_to) < 0)
			abort();
		k = imap_cmd(&r->im, on_list, &li, 0, cmd.s);
		if (k < 0)
			goto conn;
		if (k == CMD_NO || !li.found) {
			buf_free(&cmd);
			return run_fail(
			    r, IMAP_CONFIG,
			    "%s: there is no mailbox '%s' to move messages to: create it "
			    "or change [imap] move_to",
			    r->tg.where, r->conf->imap_move_to);
		}
		buf_reset(&cmd);
	}
	/* Read-only when nothing is to be changed on the server. */
	if (buf_printf(&cmd, "%s %s",
		       strcmp(r->conf->imap_after_import, "none") == 0 ? "EXAMINE" : "SELECT",
		       r->quoted_mailbox) < 0)
		abort();
	k = imap_cmd(&r->im, on_select, &si, 0, cmd.s);
	buf_free(&cmd);
	if (k < 0)
		goto conn;
	if (k == CMD_NO)
		return run_fail(r, IMAP_CONFIG, "%s: cannot open mailbox '%s': %s", r->tg.where,
				r->tg.mailbox, r->im.server_text);
	if (!si.uidvalidity || si.uidvalidity > UINT32_MAX)
		return run_fail(r, IMAP_ERROR, "%s: the server gave no UIDVALIDITY for '%s'",
				r->tg.where, r->tg.mailbox);
	r->uidvalidity = (uint32_t)si.uidvalidity;
	r->stats->uidvalidity = r->uidvalidity;
	r->exists = si.exists;
	if (known && v == (int64_t)r->uidvalidity && last >= 0 && last <= UINT32_MAX) {
		r->pos = (uint32_t)last;
	} else {
		/* New to us, or rebuilt: every UID means something else now. */
		r->stats->reset = known;
		r->pos = 0;
		r->pos_dirty = 1;
	}
	return 0;
conn:
	buf_free(&cmd);
	return run_conn_fail(r);
}

int imap_fetch_until(struct store *st, const struct config *conf, atomic_int *stop,
		     struct fetch_stats *stats)
{
	struct run *r = xcalloc(1, sizeof(*r));
	struct uid_list l = {0};
	int64_t t0 = mono_ms();
	size_t i, j;
	char cmd[64];
	int k, rc;

	memset(stats, 0, sizeof(*stats));
	r->st = st;
	r->conf = conf;
	r->stats = stats;
	r->im.stop = stop;
	r->im.sock = CURL_SOCKET_BAD;
	if (run_checks(r) < 0 || run_open(r) < 0)
		goto out;
	l.above = r->pos;
	if (r->exists && r->pos < UINT32_MAX) {
		snprintf(cmd, sizeof(cmd), "UID FETCH %" PRIu32 ":* (UID RFC822.SIZE)", r->pos + 1);
		k = imap_cmd(&r->im, on_uid_list, &l, 0, cmd);
		if (k < 0) {
			run_conn_fail(r);
			goto out;
		}
		/* NO: nothing to list (some servers say so for an empty mailbox) */
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), uid_cmp);
	/* After a full list, take only what lies below everything left out. */
	if (l.min_dropped)
		while (l.n && l.v[l.n - 1].uid >= l.min_dropped)
			l.n--;
	for (i = j = 0; i < l.n; i++)
		if (!j || l.v[i].uid != l.v[j - 1].uid)
			l.v[j++] = l.v[i];
	l.n = j;
	stats->found = (int)l.n;
	run_batches(r, &l, stop);
	/* also after a failure: what was flagged before it need not come again */
	if (r->pos_dirty && r->uidvalidity) {
		k = store_imap_set(st, r->tg.key, r->uidvalidity, r->pos);
		if (k != STORE_OK)
			run_store_fail(r, k, "cannot record the mailbox position");
	}
out:
	stats->last_uid = r->pos;
	stats->ms = mono_ms() - t0;
	imap_close(&r->im);
	free(l.v);
	rc = r->rc;
	if (rc == IMAP_OK && stats->stopped && !stats->error[0])
		snprintf(stats->error, sizeof(stats->error), "stopped");
	free(r);
	return rc;
}

int imap_fetch(struct store *st, const struct config *conf, struct fetch_stats *stats)
{
	return imap_fetch_until(st, conf, NULL, stats);
}

/* ---- the poller of `evid serve` ---- */

struct imap_worker {
	const struct config *conf;
	struct store *st;
	struct job *job;
};

static void worker_pass(void *arg, atomic_int *stop)
{
	struct imap_worker *w = arg;
	struct fetch_stats s;
	int rc = imap_fetch_until(w->st, w->conf, stop, &s);

	if (s.found || s.reset || s.imported)
		log_info("imap fetch mailbox=%s found=%d imported=%d new=%d replies=%d "
			 "duplicates=%d quarantined=%d too_big=%d flagged=%d moved=%d "
			 "flag_failed=%d last_uid=%" PRId64 "%s ms=%" PRId64,
			 s.mailbox, s.found, s.imported, s.new_tickets, s.replies, s.duplicates,
			 s.quarantined, s.too_big, s.flagged, s.moved, s.flag_failed, s.last_uid,
			 s.reset ? " uidvalidity_changed=1" : "", s.ms);
	if (rc != IMAP_OK)
		log_warn("imap fetch failed mailbox=%s: %s", s.mailbox, s.error);
}

int imap_worker_start(const struct config *conf, struct imap_worker **out, char *err, size_t errsz)
{
	struct imap_worker *w;
	int rc;

	*out = NULL;
	if (!conf->imap_url[0])
		return 0;
	w = xcalloc(1, sizeof(*w));
	w->conf = conf;
	rc = store_open(conf->db_path, &w->st, err, errsz);
	if (rc == STORE_OK && store_set_busy_timeout(w->st, conf->busy_timeout_ms) != STORE_OK) {
		snprintf(err, errsz, "%s", store_errmsg(w->st));
		rc = STORE_ERROR;
	}
	if (rc != STORE_OK)
		goto fail;
	/* before the thread: neither may start in two threads at once */
	mime_init();
	w->job = job_start("imap", conf->imap_interval_seconds, worker_pass, w, err, errsz);
	if (!w->job) {
		goto fail;
	}
	log_info("imap polling started interval=%ds", conf->imap_interval_seconds);
	*out = w;
	return 0;
fail:
	if (w->st)
		store_close(w->st);
	free(w);
	return -1;
}

void imap_worker_stop(struct imap_worker *w)
{
	if (!w)
		return;
	job_stop(w->job);
	store_close(w->st);
	free(w);
	log_info("imap polling stopped");
}
