/*
 * mime: one raw message to a struct mail_msg with GMime 3 (see mime.h and
 * docs/mail.md, "Reading messages").  RFC 5322 headers, RFC 2045-2049 MIME,
 * RFC 2047 encoded words, RFC 2231 parameters, RFC 3464 delivery status,
 * RFC 3834 automatic responses; Outlook's TNEF through tnef.c.
 *
 * The tree GMime builds is walked once, depth-first, in one of two modes:
 * BODY, where text parts without a file name make the body, and FILES,
 * where only files are collected (the alternatives not chosen, and the
 * inside of a forwarded message, which is kept whole as a .eml file).
 * Everything the walk keeps is bounded: depth, number of parts, header
 * bytes read, body text and the three file limits.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "core/html_text.h"
#include "core/mail.h"
#include "core/quote.h"
#include "core/utf8.h"
#include "core/validate.h"
#include "mail/charset.h"
#include "mail/mediatype.h"
#include "mail/mime.h"
#include "mail/rfc2047.h"
#include "mail/tnef.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define MIME_MAX_DEPTH 20	 /* nesting of multiparts and messages walked */
#define MIME_MAX_PARTS 1000	 /* parts looked at */
#define MIME_HEADER_MAX 65536	 /* bytes of one header value read */
#define MIME_TEXT_MAX (4u << 20) /* body text kept, bytes of UTF-8 */
#define MIME_SNIFF_MAX 2048	 /* bytes of HTML searched for <meta charset> */

/* Used when the caller passes no limits. */
static const struct mime_limits default_limits = {25u << 20, 50u << 20, 100};

enum mode {
	MODE_BODY,  /* text parts without a file name are the body */
	MODE_FILES, /* only files */
};

struct ctx {
	const struct mime_limits *lim;
	GMimeParserOptions *opts;
	struct mail_msg *m;
	size_t parts;	   /* objects visited */
	size_t kept;	   /* bytes of files kept */
	size_t files_cap;  /* slots allocated in m->files.items */
	struct buf plain;  /* the text/plain body parts, UTF-8 */
	struct buf html;   /* the text/html body parts, UTF-8 */
	int html_was_utf8; /* every HTML body part was UTF-8 (or ASCII) already */
	int in_dsn;	   /* inside the top-level multipart/report */
	char *tnef_body;   /* plain body found in winmail.dat */
	unsigned char *tnef_rtf;
	size_t tnef_rtf_len;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_gmime(void)
{
	g_mime_init();
}

void mime_init(void)
{
	pthread_once(&init_once, init_gmime);
}

/* ---- small helpers ---- */

static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static int has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static const char *raw_header(GMimeObject *o, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;

	return h ? g_mime_header_get_raw_value(h) : NULL;
}

/*
 * A raw header value ready for GMime's decoders (see rfc2047.h): unfolded,
 * at most MIME_HEADER_MAX bytes read, raw 8-bit text read with the charset
 * guess, and with words = 1 its encoded words joined and made UTF-8.
 * Returns malloc'd text, or NULL when the header is absent.
 */
static char *header_utf8(GMimeObject *o, const char *name, int words)
{
	const char *raw = raw_header(o, name);

	if (!raw)
		return NULL;
	return rfc2047_prepare(raw, strnlen(raw, MIME_HEADER_MAX), MIME_HEADER_MAX, words);
}

/* A message id without <>: printable, no white space, short enough; else "". */
static void copy_msgid(char *dst, size_t dstsz, const char *id)
{
	size_t n, i;

	dst[0] = '\0';
	if (!id)
		return;
	n = strlen(id);
	if (n == 0 || n >= dstsz)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= ' ' || c == 0x7F || c == '<' || c == '>')
			return;
	}
	if (has_8bit(id, n) && !valid_utf8(id, n))
		return;
	memcpy(dst, id, n + 1);
}

/* The first token of a header value, lowercased: "auto-replied; x" -> "auto-replied". */
static void copy_token(char *dst, size_t dstsz, const char *raw)
{
	size_t k = 0;

	dst[0] = '\0';
	if (!raw)
		return;
	while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n')
		raw++;
	while (*raw && k + 1 < dstsz) {
		unsigned char c = (unsigned char)*raw++;

		if (c <= ' ' || c == ';' || c == '(' || c >= 0x7F)
			break;
		dst[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	dst[k] = '\0';
}

/* ---- addresses ---- */

/* Fill a from one mailbox; returns 0, or -1 when it has no usable address. */
static int fill_addr(struct mail_addr *a, InternetAddress *ia)
{
	const char *addr, *name;
	size_t n, i;

	memset(a, 0, sizeof(*a));
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return -1;
	name = internet_address_get_name(ia);
	if (name)
		utf8_line_copy(a->name, sizeof(a->name), name, strlen(name));
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (!addr)
		return -1;
	n = strlen(addr);
	if (n == 0 || n > EMAIL_MAX_LEN || !memchr(addr, '@', n) || !valid_utf8(addr, n))
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)addr[i] <= ' ' || addr[i] == 0x7F)
			return -1;
	memcpy(a->addr, addr, n + 1);
	lower_ascii(a->addr);
	return 0;
}

/* Append the mailboxes of list (groups flattened) to out, up to MAIL_MAX_ADDRS. */
static void collect_addrs(InternetAddressList *list, struct mail_addr_list *out, int depth)
{
	int i, n = list ? internet_address_list_length(list) : 0;
	struct mail_addr a;

	for (i = 0; i < n && out->n < MAIL_MAX_ADDRS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			if (depth < 2)
				collect_addrs(
				    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				    out, depth + 1);
			continue;
		}
		if (fill_addr(&a, ia) < 0)
			continue;
		if (!out->items)
			out->items = xcalloc(MAIL_MAX_ADDRS, sizeof(*out->items));
		out->items[out->n++] = a;
	}
}

static InternetAddressList *parse_addrs(struct ctx *c, GMimeObject *msg, const char *name)
{
	char *v = header_utf8(msg, name, 1);
	InternetAddressList *list;

	if (!v)
		return NULL;
	list = internet_address_list_parse(c->opts, v);
	free(v);
	return list;
}

/* The first mailbox of header name into a; the display name alone when
 * there is no usable address. */
static void first_addr(struct ctx *c, GMimeObject *msg, const char *name, struct mail_addr *a)
{
	InternetAddressList *list = parse_addrs(c, msg, name);
	struct mail_addr_list one = {NULL, 0};
	int n = list ? internet_address_list_length(list) : 0;

	memset(a, 0, sizeof(*a));
	if (n == 0) {
		if (list)
			g_object_unref(list);
		return;
	}
	collect_addrs(list, &one, 0);
	if (one.n > 0) {
		*a = one.items[0];
	} else {
		InternetAddress *ia = internet_address_list_get_address(list, 0);
		const char *dn = internet_address_get_name(ia);

		if (dn)
			utf8_line_copy(a->name, sizeof(a->name), dn, strlen(dn));
	}
	free(one.items);
	g_object_unref(list);
}

static void addr_list(struct ctx *c, GMimeObject *msg, const char *name, struct mail_addr_list *out)
{
	InternetAddressList *list = parse_addrs(c, msg, name);

	if (!list)
		return;
	collect_addrs(list, out, 0);
	g_object_unref(list);
}

/* ---- headers ---- */

static void read_subject(struct ctx *c, GMimeObject *msg, char *dst, size_t dstsz)
{
	char *v = header_utf8(msg, "Subject", 1);
	char *dec;

	dst[0] = '\0';
	if (!v)
		return;
	dec = g_mime_utils_header_decode_text(c->opts, v);
	if (dec)
		utf8_line_copy(dst, dstsz, dec, strlen(dec));
	g_free(dec);
	free(v);
}

static void read_ids(struct ctx *c, GMimeObject *msg)
{
	struct mail_msg *m = c->m;
	GMimeReferences *refs;
	char *v, *id;
	int i, n;
	size_t k;

	if ((v = header_utf8(msg, "Message-ID", 0)) != NULL) {
		id = g_mime_utils_decode_message_id(v);
		copy_msgid(m->message_id, sizeof(m->message_id), id);
		g_free(id);
		free(v);
	}
	if ((v = header_utf8(msg, "In-Reply-To", 0)) != NULL) {
		refs = g_mime_references_parse(c->opts, v);
		if (refs && g_mime_references_length(refs) > 0) {
			copy_msgid(m->in_reply_to, sizeof(m->in_reply_to),
				   g_mime_references_get_message_id(refs, 0));
		} else {
			id = g_mime_utils_decode_message_id(v);
			copy_msgid(m->in_reply_to, sizeof(m->in_reply_to), id);
			g_free(id);
		}
		if (refs)
			g_mime_references_free(refs);
		free(v);
	}
	if ((v = header_utf8(msg, "References", 0)) != NULL) {
		refs = g_mime_references_parse(c->opts, v);
		n = refs ? g_mime_references_length(refs) : 0;
		/* Keep the newest MAIL_MAX_REFERENCES, oldest first. */
		m->references = xcalloc(MAIL_MAX_REFERENCES, sizeof(char *));
		for (i = n > MAIL_MAX_REFERENCES ? n - MAIL_MAX_REFERENCES : 0; i < n; i++) {
			char buf[MSGID_MAX_LEN + 1];

			copy_msgid(buf, sizeof(buf), g_mime_references_get_message_id(refs, i));
			if (!buf[0])
				continue;
			for (k = 0; k < m->n_references; k++)
				if (strcmp(m->references[k], buf) == 0)
					break;
			if (k == m->n_references)
				m->references[m->n_references++] = xstrdup(buf);
		}
		if (refs)
			g_mime_references_free(refs);
		free(v);
	}
}

static void read_noise_headers(GMimeObject *msg, struct mail_msg *m)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(msg);
	const char *rp;

	copy_token(m->auto_submitted, sizeof(m->auto_submitted), raw_header(msg, "Auto-Submitted"));
	copy_token(m->precedence, sizeof(m->precedence), raw_header(msg, "Precedence"));
	m->has_list_id = g_mime_header_list_contains(hl, "List-Id");
	m->has_evid_marker = g_mime_header_list_contains(hl, "X-Evid-Ticket");
	rp = raw_header(msg, "Return-Path");
	if (rp) {
		size_t k = 0;

		m->has_return_path = 1;
		/* "<>", "< >", "" and white space around are all the null sender. */
		for (; *rp && k < 3; rp++) {
			if (*rp == ' ' || *rp == '\t' || *rp == '\r' || *rp == '\n')
				continue;
			if ((k == 0 && *rp != '<') || (k == 1 && *rp != '>'))
				k = 3;
			else
				k++;
		}
		m->return_path_empty = k == 0 || k == 2;
	}
}

/* ---- part content ---- */

/* The decoded content of a part (transfer encoding undone) as a byte array
 * the caller frees with g_byte_array_unref. */
static GByteArray *part_bytes(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *st = g_mime_stream_mem_new();
	GByteArray *arr;

	if (dw)
		g_mime_data_wrapper_write_to_stream(dw, st);
	/* Take the bytes over: the stream would empty the array when it goes. */
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(st), FALSE);
	g_object_unref(st);
	return arr;
}

static void media_type_of(GMimeObject *o, char *out, size_t outsz)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *t = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *s = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	size_t i;

	size_t tn = t ? strlen(t) : 0, sn = s ? strlen(s) : 0;

	if (tn == 0 || sn == 0 || tn + sn + 2 > outsz) {
		snprintf(out, outsz, "application/octet-stream");
		return;
	}
	memcpy(out, t, tn);
	out[tn] = '/';
	memcpy(out + tn + 1, s, sn + 1);
	lower_ascii(out);
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] <= ' ' || (unsigned char)out[i] >= 0x7F) {
			snprintf(out, outsz, "application/octet-stream");
			return;
		}
}

static int is_type(const char *media, const char *want)
{
	return strcmp(media, want) == 0;
}

/*
 * A file name cleaned for storage: control characters gone, only the last
 * component of a path ("C:\\Users\\ana\\racun.pdf" -> "racun.pdf"), no
 * separators and no leading dots left, at most FILENAME_MAX_LEN bytes with
 * the extension kept; "attachment-N.ext" when nothing is left.
 */
static void clean_filename(char *dst, const char *name, size_t index, const char *media)
{
	size_t len, i, k = 0, ext = 0, stem, base = 0;
	char *clean = utf8_clean(name ? name : "", name ? strlen(name) : 0, 0, &len);

	for (i = 0; i < len; i++)
		if ((clean[i] == '/' || clean[i] == '\\') && i + 1 < len)
			base = i + 1;
	for (i = base; i < len; i++)
		if (clean[i] != '/' && clean[i] != '\\')
			clean[k++] = clean[i];
	clean[k] = '\0';
	len = k;
	i = 0;
	while (i < len && (clean[i] == '.' || clean[i] == ' '))
		i++;
	memmove(clean, clean + i, len - i + 1);
	len -= i;
	while (len > 0 && (clean[len - 1] == '.' || clean[len - 1] == ' '))
		clean[--len] = '\0';
	if (len == 0) {
		snprintf(dst, FILENAME_MAX_LEN + 1, "attachment-%zu%s", index,
			 mediatype_ext(media));
		free(clean);
		return;
	}
	if (len > FILENAME_MAX_LEN) {
		const char *dot = strrchr(clean, '.');

		if (dot && (size_t)(clean + len - dot) <= 16)
			ext = (size_t)(clean + len - dot);
		stem = utf8_cut(clean, len - ext, FILENAME_MAX_LEN - ext);
		memmove(clean + stem, clean + len - ext, ext + 1);
		len = stem + ext;
	}
	memcpy(dst, clean, len + 1);
	free(clean);
}

/*
 * Keep a file unless a limit says no (then files_dropped counts it).  data
 * is copied.
 */
static void add_file(struct ctx *c, const char *name, const char *media, const char *cid,
		     int is_inline, const unsigned char *data, size_t size)
{
	struct mail_msg *m = c->m;
	struct mail_file *f;

	if (m->files.n >= c->lim->max_count || size > c->lim->max_file ||
	    size > c->lim->max_files - c->kept) {
		m->files_dropped++;
		return;
	}
	if (m->files.n == c->files_cap) {
		c->files_cap = c->files_cap ? c->files_cap * 2 : 8;
		m->files.items = xrealloc(m->files.items, c->files_cap * sizeof(*m->files.items));
	}
	f = &m->files.items[m->files.n];
	memset(f, 0, sizeof(*f));
	clean_filename(f->filename, name, m->files.n + 1, media);
	snprintf(f->media_type, sizeof(f->media_type), "%s", media);
	copy_msgid(f->content_id, sizeof(f->content_id), cid);
	f->is_inline = is_inline && f->content_id[0];
	f->data = xmalloc(size ? size : 1);
	if (size)
		memcpy(f->data, data, size);
	f->size = size;
	c->kept += size;
	m->files.n++;
}

/*
 * The file name of a part, decoded (RFC 2231, RFC 2047).  Raw 8-bit
 * parameters that are not UTF-8 are read with the charset guess, like
 * headers.  Returns malloc'd text or NULL.
 */
static char *part_filename(struct ctx *c, GMimePart *part)
{
	GMimeObject *o = GMIME_OBJECT(part);
	const char *rd = raw_header(o, "Content-Disposition");
	const char *rt = raw_header(o, "Content-Type");
	const char *name;
	char *v, *out = NULL;

	/* GMime's own reading is right unless there is raw 8-bit text or an
	 * encoded word (which may be split or mislabelled). */
	if ((rd && (has_8bit(rd, strnlen(rd, MIME_HEADER_MAX)) || strstr(rd, "=?"))) ||
	    (rt && (has_8bit(rt, strnlen(rt, MIME_HEADER_MAX)) || strstr(rt, "=?")))) {
		if ((v = header_utf8(o, "Content-Disposition", 1)) != NULL) {
			GMimeContentDisposition *d = g_mime_content_disposition_parse(c->opts, v);

			name = d ? g_mime_content_disposition_get_parameter(d, "filename") : NULL;
			if (name && *name)
				out = xstrdup(name);
			if (d)
				g_object_unref(d);
			free(v);
		}
		if (!out && (v = header_utf8(o, "Content-Type", 1)) != NULL) {
			GMimeContentType *t = g_mime_content_type_parse(c->opts, v);

			name = t ? g_mime_content_type_get_parameter(t, "name") : NULL;
			if (name && *name)
				out = xstrdup(name);
			if (t)
				g_object_unref(t);
			free(v);
		}
		if (out)
			return out;
	}
	name = g_mime_part_get_filename(part);
	return name && *name ? xstrdup(name) : NULL;
}

/* charset="..." inside the first bytes of an HTML document, or "". */
static void html_meta_charset(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i, k = 0;

	out[0] = '\0';
	if (n > MIME_SNIFF_MAX)
		n = MIME_SNIFF_MAX;
	for (i = 0; i + 8 <= n; i++) {
		if (strncasecmp(s + i, "charset=", 8) != 0)
			continue;
		i += 8;
		while (i < n && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
			i++;
		while (i < n && k + 1 < outsz &&
		       ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == ':'))
			out[k++] = s[i++];
		out[k] = '\0';
		return;
	}
}

/* A text body part: converted to UTF-8 and appended to the plain or HTML body. */
static void add_body(struct ctx *c, GMimePart *part, int html)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	GByteArray *arr = part_bytes(part);
	struct buf *b = html ? &c->html : &c->plain;
	char meta[40];
	const char *used = NULL;
	size_t room, len;
	char *text;

	if (arr->len == 0) {
		g_byte_array_unref(arr);
		return;
	}
	if (html && (!charset || !*charset)) {
		html_meta_charset((const char *)arr->data, arr->len, meta, sizeof(meta));
		charset = meta;
	}
	room = b->max > b->len + 1 ? b->max - b->len - 1 : 0; /* and the '\n' between parts */
	text = charset_to_utf8(charset, (const char *)arr->data, arr->len, room, &len, &used);
	if (html && strcmp(used, "utf-8") != 0 && strcmp(used, "us-ascii") != 0)
		c->html_was_utf8 = 0;
	if (b->len > 0 && len > 0)
		(void)!buf_putc(b, '\n');
	(void)!buf_add(b, text, len);
	free(text);
	g_byte_array_unref(arr);
}

/* ---- delivery status notifications (RFC 3464) ---- */

/* Unfolded field "name:" of a block of header-like lines, first one only. */
static int dsn_field(const char *s, size_t n, const char *name, char *out, size_t outsz)
{
	size_t i = 0, k = strlen(name), o = 0;

	while (i < n) {
		size_t start = i;

		while (i < n && s[i] != '\n')
			i++;
		if (i - start > k && strncasecmp(s + start, name, k) == 0 && s[start + k] == ':') {
			size_t j = start + k + 1;

			/* the value, with continuation lines joined */
			for (;;) {
				for (; j < i; j++) {
					char ch = s[j] == '\t' || s[j] == '\r' ? ' ' : s[j];

					if (o + 1 < outsz)
						out[o++] = ch;
				}
				if (i + 1 < n && (s[i + 1] == ' ' || s[i + 1] == '\t')) {
					j = i + 1;
					i = j;
					while (i < n && s[i] != '\n')
						i++;
					continue;
				}
				break;
			}
			out[o] = '\0';
			return 1;
		}
		i++;
	}
	return 0;
}

static void dsn_status(struct ctx *c, GMimePart *part)
{
	struct mail_msg *m = c->m;
	GByteArray *arr = part_bytes(part);
	const char *s = (const char *)arr->data;
	size_t n = arr->len < MIME_HEADER_MAX ? arr->len : MIME_HEADER_MAX;
	char v[EMAIL_MAX_LEN + 64];
	char *p, *e;

	if (!m->dsn_action[0] && dsn_field(s, n, "Action", v, sizeof(v)))
		copy_token(m->dsn_action, sizeof(m->dsn_action), v);
	if (!m->dsn_recipient[0] && (dsn_field(s, n, "Final-Recipient", v, sizeof(v)) ||
				     dsn_field(s, n, "Original-Recipient", v, sizeof(v)))) {
		/* "rfc822; user@example.com" */
		p = strchr(v, ';');
		p = p ? p + 1 : v;
		while (*p == ' ' || *p == '<')
			p++;
		for (e = p; *e && *e != ' ' && *e != '>'; e++)
			;
		*e = '\0';
		/* A longer one is no address: better none than a cut one. */
		if (strchr(p, '@') && strlen(p) <= EMAIL_MAX_LEN && valid_utf8(p, strlen(p))) {
			memcpy(m->dsn_recipient, p, strlen(p) + 1);
			lower_ascii(m->dsn_recipient);
		}
	}
	g_byte_array_unref(arr);
}

/* The Message-ID of a text/rfc822-headers part (the bounced message's headers). */
static void dsn_headers(struct ctx *c, GMimePart *part)
{
	GByteArray *arr = part_bytes(part);
	size_t n = arr->len < MIME_HEADER_MAX ? arr->len : MIME_HEADER_MAX;
	char v[1024];
	char *id;

	if (!c->m->dsn_original_id[0] &&
	    (dsn_field((const char *)arr->data, n, "Message-ID", v, sizeof(v)) ||
	     dsn_field((const char *)arr->data, n, "Message-Id", v, sizeof(v)))) {
		id = g_mime_utils_decode_message_id(v);
		copy_msgid(c->m->dsn_original_id, sizeof(c->m->dsn_original_id), id);
		g_free(id);
	}
	g_byte_array_unref(arr);
}

/* ---- the walk ---- */

static void walk(struct ctx *c, GMimeObject *o, enum mode mode, int depth);

static void tnef_file(void *ctx, const char *name, const char *media, const unsigned char *data,
		      size_t size)
{
	struct ctx *c = ctx;

	add_file(c, name, media, NULL, 0, data, size);
}

static int is_tnef(const char *media, const char *filename)
{
	return is_type(media, "application/ms-tnef") || is_type(media, "application/vnd.ms-tnef") ||
	       (filename && strcasecmp(filename, "winmail.dat") == 0);
}

static void leaf(struct ctx *c, GMimePart *part, enum mode mode, int in_related)
{
	GMimeObject *o = GMIME_OBJECT(part);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
	const char *disp = cd ? g_mime_content_disposition_get_disposition(cd) : NULL;
	int attachment = disp && strcasecmp(disp, "attachment") == 0;
	const char *cid = g_mime_object_get_content_id(o);
	char media[MEDIA_TYPE_MAX_LEN + 1];
	char *filename = part_filename(c, part);
	GByteArray *arr;

	media_type_of(o, media, sizeof(media));
	if (c->in_dsn && (is_type(media, "message/delivery-status") ||
			  is_type(media, "message/global-delivery-status")))
		dsn_status(c, part);
	if (c->in_dsn &&
	    (is_type(media, "text/rfc822-headers") || is_type(media, "message/global-headers")))
		dsn_headers(c, part);

	if (!filename && !attachment &&
	    (is_type(media, "text/plain") || is_type(media, "text/html"))) {
		if (mode == MODE_BODY)
			add_body(c, part, is_type(media, "text/html"));
		goto out;
	}
	arr = part_bytes(part);
	if (is_tnef(media, filename)) {
		struct tnef_result r;

		if (tnef_unpack(arr->data, arr->len, c->lim->max_file, tnef_file, c, &r) == 0) {
			/* Only the outermost message's winmail.dat may stand for its body. */
			if (mode == MODE_BODY && !c->tnef_body && r.body) {
				c->tnef_body = r.body;
				r.body = NULL;
			}
			if (mode == MODE_BODY && !c->tnef_rtf && r.rtf) {
				c->tnef_rtf = r.rtf;
				c->tnef_rtf_len = r.rtf_len;
				r.rtf = NULL;
			}
			tnef_result_free(&r);
			g_byte_array_unref(arr);
			goto out;
		}
	}
	if (!filename && is_type(media, "message/delivery-status"))
		filename = xstrdup("delivery-status.txt");
	else if (!filename && is_type(media, "text/rfc822-headers"))
		filename = xstrdup("rfc822-headers.txt");
	add_file(c, filename, media, cid, cid && !attachment && (in_related || disp), arr->data,
		 arr->len);
	g_byte_array_unref(arr);
out:
	free(filename);
}

/* Whether o holds a body part of the given kind ("text/plain") within a few levels. */
static int holds_body(GMimeObject *o, const char *want, int depth)
{
	char media[MEDIA_TYPE_MAX_LEN + 1];
	int i, n;

	if (depth > 4)
		return 0;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n && i < 16; i++)
			if (holds_body(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), want,
				       depth + 1))
				return 1;
		return 0;
	}
	if (!GMIME_IS_PART(o))
		return 0;
	media_type_of(o, media, sizeof(media));
	if (!is_type(media, want) || g_mime_part_get_filename(GMIME_PART(o)))
		return 0;
	return !g_mime_part_is_attachment(GMIME_PART(o));
}

static void walk_alternative(struct ctx *c, GMimeMultipart *mp, enum mode mode, int depth)
{
	int i, n = g_mime_multipart_get_count(mp), best = -1, best_rank = 0, rank;

	for (i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(mp, i);

		rank = holds_body(child, "text/plain", 0)  ? 3
		       : holds_body(child, "text/html", 0) ? 2
							   : 1;
		if (rank > best_rank) {
			best = i;
			best_rank = rank;
		}
	}
	for (i = 0; i < n; i++)
		walk(c, g_mime_multipart_get_part(mp, i), i == best ? mode : MODE_FILES, depth + 1);
}

static void walk_related(struct ctx *c, GMimeMultipart *mp, enum mode mode, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
	const char *start = ct ? g_mime_content_type_get_parameter(ct, "start") : NULL;
	char start_id[MSGID_MAX_LEN + 1] = "";
	int i, n = g_mime_multipart_get_count(mp), root = 0;

	if (start) {
		char *id = g_mime_utils_decode_message_id(start);

		copy_msgid(start_id, sizeof(start_id), id);
		g_free(id);
	}
	for (i = 0; i < n && start_id[0]; i++) {
		const char *cid = g_mime_object_get_content_id(g_mime_multipart_get_part(mp, i));

		if (cid && strcmp(cid, start_id) == 0) {
			root = i;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(mp, i);

		if (i == root) {
			walk(c, child, mode, depth + 1);
		} else if (GMIME_IS_PART(child)) {
			if (++c->parts > MIME_MAX_PARTS)
				return;
			leaf(c, GMIME_PART(child), MODE_FILES, 1);
		} else {
			walk(c, child, MODE_FILES, depth + 1);
		}
	}
}

static int is_signature(GMimeObject *o)
{
	char media[MEDIA_TYPE_MAX_LEN + 1];

	media_type_of(o, media, sizeof(media));
	return is_type(media, "application/pgp-signature") ||
	       is_type(media, "application/pkcs7-signature") ||
	       is_type(media, "application/x-pkcs7-signature");
}

/* A forwarded or returned message: kept whole as "<subject>.eml", its own
 * files unpacked beside it (not those of a bounced message: we sent them). */
static void message_part(struct ctx *c, GMimeMessagePart *mp, int depth)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	GMimeObject *io, *body;
	GMimeStream *st;
	GByteArray *arr;
	char subject[SUBJECT_MAX_LEN + 1], name[SUBJECT_MAX_LEN + 8];
	char *id;
	const char *filename;

	if (!inner)
		return;
	io = GMIME_OBJECT(inner);
	read_subject(c, io, subject, sizeof(subject));
	/* "Ponuda 12/2026" is a subject, not a path: keep all of it. */
	for (char *p = subject; *p; p++)
		if (*p == '/' || *p == '\\')
			*p = '-';
	if (subject[0]) {
		snprintf(name, sizeof(name), "%s.eml", subject);
	} else {
		filename =
		    g_mime_object_get_content_disposition_parameter(GMIME_OBJECT(mp), "filename");
		snprintf(name, sizeof(name), "%s", filename ? filename : "");
	}
	st = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(io, NULL, st);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	add_file(c, name, "message/rfc822", NULL, 0, arr->data, arr->len);
	g_object_unref(st);

	if (c->in_dsn) {
		if (!c->m->dsn_original_id[0]) {
			char *v = header_utf8(io, "Message-ID", 0);

			if (v) {
				id = g_mime_utils_decode_message_id(v);
				copy_msgid(c->m->dsn_original_id, sizeof(c->m->dsn_original_id),
					   id);
				g_free(id);
				free(v);
			}
		}
		return;
	}
	body = g_mime_message_get_mime_part(inner);
	if (body)
		walk(c, body, MODE_FILES, depth + 1);
}

static void walk(struct ctx *c, GMimeObject *o, enum mode mode, int depth)
{
	char media[MEDIA_TYPE_MAX_LEN + 1];
	int i, n;

	if (!o || depth > MIME_MAX_DEPTH || ++c->parts > MIME_MAX_PARTS)
		return;
	if (GMIME_IS_MESSAGE_PART(o)) {
		message_part(c, GMIME_MESSAGE_PART(o), depth);
		return;
	}
	if (GMIME_IS_PART(o)) {
		leaf(c, GMIME_PART(o), mode, 0);
		return;
	}
	if (!GMIME_IS_MULTIPART(o))
		return; /* message/partial and the like carry nothing we can show */
	media_type_of(o, media, sizeof(media));
	if (is_type(media, "multipart/alternative")) {
		walk_alternative(c, GMIME_MULTIPART(o), mode, depth);
		return;
	}
	if (is_type(media, "multipart/related")) {
		walk_related(c, GMIME_MULTIPART(o), mode, depth);
		return;
	}
	n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
	for (i = 0; i < n; i++) {
		GMimeObject *child = g_mime_multipart_get_part(GMIME_MULTIPART(o), i);

		/* A signature means nothing once the message is unwrapped. */
		if (is_type(media, "multipart/signed") && i > 0 && is_signature(child))
			continue;
		walk(c, child, mode, depth + 1);
	}
}

/* ---- the whole message ---- */

/* Turn the collected body parts into m->text, m->quote_at and message.html. */
static void finish_body(struct ctx *c)
{
	struct mail_msg *m = c->m;
	const char *src = "";
	size_t n = 0, len, lead = 0, i;
	char *html_text = NULL, *clean;

	if (c->plain.len > 0) {
		src = c->plain.s;
		n = c->plain.len;
	} else if (c->html.len > 0) {
		html_text = html_to_text(c->html.s, c->html.len, &n);
		src = html_text;
		m->text_from_html = 1;
	} else if (c->tnef_body) {
		src = c->tnef_body;
		n = strlen(src);
	}
	clean = utf8_clean(src, n, 1, &len);
	free(html_text);
	/* Leading blank lines and trailing white space are noise. */
	for (i = 0; i < len && (clean[i] == '\n' || clean[i] == ' ' || clean[i] == '\t'); i++)
		if (clean[i] == '\n')
			lead = i + 1;
	if (i == len)
		lead = len;
	if (lead > 0) {
		memmove(clean, clean + lead, len - lead + 1);
		len -= lead;
	}
	while (len > 0 &&
	       (clean[len - 1] == '\n' || clean[len - 1] == ' ' || clean[len - 1] == '\t'))
		clean[--len] = '\0';
	len = utf8_cut(clean, len, MIME_TEXT_MAX);
	clean[len] = '\0';
	m->text = clean;
	m->text_len = len;
	m->quote_at = quote_split(m->text, m->text_len);

	if (m->text_from_html) {
		/* The original HTML as a file, marked UTF-8 when we converted it. */
		struct buf h = BUF_INIT(c->html.len + 64);

		if (!c->html_was_utf8)
			(void)!buf_puts(&h, "<meta charset=\"utf-8\">\n");
		(void)!buf_add(&h, c->html.s, c->html.len);
		add_file(c, "message.html", "text/html", NULL, 0, (const unsigned char *)h.s,
			 h.len);
		buf_free(&h);
	}
	if (c->plain.len == 0 && c->html.len == 0 && c->tnef_rtf)
		add_file(c, "message.rtf", "application/rtf", NULL, 0, c->tnef_rtf,
			 c->tnef_rtf_len);
}

static int looks_like_header(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 80; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ':')
			return i > 0;
		if (ch <= ' ' || ch >= 0x7F)
			return 0;
	}
	return 0;
}

/*
 * Offset of the first line that looks like a header field, skipping a few
 * lines of junk in front of the header block (an mbox ">From " line, a
 * banner); 0 when the first line already looks like one or none is found.
 */
static size_t skip_junk(const char *raw, size_t n)
{
	size_t i = 0, lines;

	for (lines = 0; lines < 20 && i < n; lines++) {
		const char *nl = memchr(raw + i, '\n', n - i);

		if (looks_like_header(raw + i, n - i))
			return i;
		if (!nl)
			break;
		i = (size_t)(nl - raw) + 1;
	}
	return 0;
}

static GMimeMessage *construct(GMimeParserOptions *opts, const char *raw, size_t n)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, n);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(p, opts);
	g_object_unref(p);
	g_object_unref(st);
	return msg;
}

static void set_err(char *err, size_t errsz, const char *what)
{
	if (err && errsz > 0)
		snprintf(err, errsz, "%s", what);
}

int mime_parse(const char *raw, size_t n, const struct mime_limits *lim, struct mail_msg *out,
	       char *err, size_t errsz)
{
	static const char *fallback[] = {"utf-8", "windows-1250", "iso-8859-2", NULL};
	struct ctx c;
	GMimeMessage *msg = NULL;
	GMimeObject *mo;
	GMimeContentType *ct;
	GDateTime *date;
	const char *rt;
	size_t skip;
	int rc = -1, no_headers;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	set_err(err, errsz, "");
	mime_init();
	c.lim = lim ? lim : &default_limits;
	c.m = out;
	buf_init(&c.plain, MIME_TEXT_MAX);
	buf_init(&c.html, MIME_TEXT_MAX);
	c.html_was_utf8 = 1;
	c.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(c.opts, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(c.opts, GMIME_RFC_COMPLIANCE_LOOSE);

	if (!raw || n == 0) {
		set_err(err, errsz, "empty input");
		goto out;
	}
	msg = construct(c.opts, raw, n);
	if (!msg && (skip = skip_junk(raw, n)) > 0)
		msg = construct(c.opts, raw + skip, n - skip);
	if (!msg) {
		set_err(err, errsz, "no header block");
		goto out;
	}
	/* GMime files the Content-* fields under the body part, not the message. */
	mo = g_mime_message_get_mime_part(msg);
	no_headers =
	    g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(msg))) == 0 &&
	    (!mo || g_mime_header_list_get_count(g_mime_object_get_header_list(mo)) == 0);
	mo = GMIME_OBJECT(msg);

	first_addr(&c, mo, "From", &out->from);
	first_addr(&c, mo, "Reply-To", &out->reply_to);
	addr_list(&c, mo, "To", &out->to);
	addr_list(&c, mo, "Cc", &out->cc);
	read_subject(&c, mo, out->subject, sizeof(out->subject));
	date = g_mime_message_get_date(msg);
	out->date = date ? g_date_time_to_unix(date) : 0;
	read_ids(&c, mo);
	read_noise_headers(mo, out);

	mo = g_mime_message_get_mime_part(msg);
	if (mo) {
		ct = g_mime_object_get_content_type(mo);
		rt = ct ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
		if (GMIME_IS_MULTIPART(mo) && ct &&
		    g_mime_content_type_is_type(ct, "multipart", "report") && rt &&
		    (strcasecmp(rt, "delivery-status") == 0 ||
		     strcasecmp(rt, "global-delivery-status") == 0)) {
			out->is_dsn = 1;
			c.in_dsn = 1;
		}
		walk(&c, mo, MODE_BODY, 0);
	}
	finish_body(&c);
	/* Only text with neither headers nor content is not a message at all. */
	if (no_headers && out->text_len == 0 && out->files.n == 0) {
		set_err(err, errsz, "no header block and no content");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		mail_msg_free(out);
	if (msg)
		g_object_unref(msg);
	g_mime_parser_options_free(c.opts);
	buf_free(&c.plain);
	buf_free(&c.html);
	free(c.tnef_body);
	free(c.tnef_rtf);
	return rc;
}
