/*
 * tnef: winmail.dat (MS-OXTNEF) to files with libytnef (see tnef.h).  The
 * stream is parsed whole before any file is handed out, so a damaged one
 * yields nothing and the caller keeps winmail.dat as it came.  Names come
 * from PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME, PR_ATTACH_FILENAME or the
 * legacy attAttachTitle, in that order; 8-bit ones are in the stream's OEM
 * code page.  An attachment that is itself TNEF is unpacked in place.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ytnef.h>

#include "mail/charset.h"
#include "mail/mediatype.h"
#include "mail/tnef.h"
#include "util/xalloc.h"

#define TNEF_MAX_DEPTH 3	/* TNEF inside TNEF */
#define TNEF_NAME_MAX 1024	/* longest name read, bytes */
#define TNEF_BODY_MAX (1 << 20) /* longest plain body kept */
#define TNEF_SIGNATURE 0x223E9F78u

struct walk {
	tnef_file_fn fn;
	void *ctx;
	size_t max_file;
	char codepage[16]; /* "cp1250", or "" */
	int files;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static variableLength *find(MAPIProps *p, unsigned type, unsigned id)
{
	variableLength *v = MAPIFindProperty(p, PROP_TAG(type, id));

	if (v == MAPI_UNDEFINED || !v || !v->data || v->size <= 0)
		return NULL;
	return v;
}

/* A string property as malloc'd UTF-8, or NULL when absent or empty. */
static char *string_prop(MAPIProps *p, unsigned id, const char *codepage)
{
	variableLength *v;
	size_t len;

	/* libytnef has already turned PT_UNICODE into (NUL-terminated) UTF-8,
	 * in a buffer of 3 * size / 2 + 1 bytes. */
	if ((v = find(p, PT_UNICODE, id)) != NULL) {
		len = strnlen((const char *)v->data, (size_t)v->size * 3 / 2);
		if (len > 0)
			return charset_to_utf8("utf-8", (const char *)v->data, len, TNEF_NAME_MAX,
					       NULL, NULL);
	}
	if ((v = find(p, PT_STRING8, id)) != NULL) {
		len = strnlen((const char *)v->data, (size_t)v->size);
		if (len > 0)
			return charset_to_utf8(codepage, (const char *)v->data, len, TNEF_NAME_MAX,
					       NULL, NULL);
	}
	return NULL;
}

static char *attachment_name(Attachment *a, const char *codepage)
{
	static const unsigned ids[] = {PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME,
				       PR_ATTACH_FILENAME};
	size_t i, len;
	char *name;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if ((name = string_prop(&a->MAPI, ids[i], codepage)) != NULL)
			return name;
	if (a->Title.data && a->Title.size > 0) {
		len = strnlen((const char *)a->Title.data, (size_t)a->Title.size);
		return charset_to_utf8(codepage, (const char *)a->Title.data, len, TNEF_NAME_MAX,
				       NULL, NULL);
	}
	return xstrdup("");
}

/* PR_ATTACH_MIME_TAG when it looks like "type/subtype", else by the name. */
static void attachment_type(Attachment *a, const char *name, char *out, size_t outsz)
{
	char *tag = string_prop(&a->MAPI, PR_ATTACH_MIME_TAG, NULL);
	size_t i, slash = 0, n;
	int ok = tag != NULL;

	if (tag) {
		n = strlen(tag);
		for (i = 0; i < n && ok; i++) {
			char c = tag[i];

			if (c >= 'A' && c <= 'Z')
				tag[i] = (char)(c + 32);
			else if (c == '/')
				slash = slash ? (size_t)-1 : i;
			else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
				   strchr("!#$&^_.+-", c)))
				ok = 0;
		}
		ok = ok && slash > 0 && slash != (size_t)-1 && slash + 1 < n && n < outsz;
	}
	if (ok)
		snprintf(out, outsz, "%s", tag);
	else
		snprintf(out, outsz, "%s", mediatype_for_name(name));
	free(tag);
}

static int walk_tnef(struct walk *w, const unsigned char *data, size_t n, int depth,
		     struct tnef_result *res);

/* Whether an attachment's bytes are a TNEF stream that unpacks in place. */
static int unpack_embedded(struct walk *w, const unsigned char *d, size_t n, int depth)
{
	struct walk inner;
	struct tnef_result r;

	if (depth >= TNEF_MAX_DEPTH || n < 6 || le32(d) != TNEF_SIGNATURE)
		return 0;
	inner = *w;
	inner.files = 0;
	memset(&r, 0, sizeof(r));
	/* The inner stream is parsed whole first, like the outer one. */
	if (walk_tnef(&inner, d, n, depth + 1, &r) < 0)
		return 0;
	w->files += inner.files;
	tnef_result_free(&r);
	return 1;
}

static void emit_attachment(struct walk *w, Attachment *a, int depth)
{
	variableLength *v;
	const unsigned char *d;
	size_t n;
	char *name;
	char type[128];

	/* The data is either the legacy attAttachData or, for embedded
	 * objects, PR_ATTACH_DATA_OBJ after a 16-byte interface id. */
	if ((v = find(&a->MAPI, PT_OBJECT, PR_ATTACH_DATA_OBJ)) != NULL && v->size > 16) {
		d = v->data + 16;
		n = (size_t)v->size - 16;
	} else if ((v = find(&a->MAPI, PT_BINARY, PR_ATTACH_DATA_OBJ)) != NULL) {
		d = v->data;
		n = (size_t)v->size;
	} else if (a->FileData.data && a->FileData.size > 0) {
		d = a->FileData.data;
		n = (size_t)a->FileData.size;
	} else {
		return; /* nothing to keep: a link, or an empty slot */
	}
	if (unpack_embedded(w, d, n, depth))
		return;
	name = attachment_name(a, w->codepage);
	attachment_type(a, name, type, sizeof(type));
	w->fn(w->ctx, name, type, d, n);
	w->files++;
	free(name);
}

/*
 * The RTF body: PR_RTF_COMPRESSED decompressed (MS-OXRTFCP) here rather than
 * with libytnef's DecompressRTF, which trusts the sizes in the stream.
 * Returns malloc'd RTF of *outlen bytes, or NULL.
 */
static unsigned char *rtf_decompress(const unsigned char *p, size_t n, size_t *outlen)
{
	static const char prebuf[] =
	    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
	    "\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New "
	    "RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
	    "\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
	unsigned char dict[4096], c, *dst;
	size_t in = 16, out = 0, wp = sizeof(prebuf) - 1, raw, comp, off, len, k;
	unsigned flags, bit;

	if (n < 16)
		return NULL;
	comp = le32(p);
	raw = le32(p + 4);
	if (comp < 12 || comp > n - 4 || raw == 0 || raw > TNEF_BODY_MAX)
		return NULL;
	n = comp + 4;
	if (le32(p + 8) == 0x414C454Du) { /* "MELA": stored as is */
		if (raw > n - 16)
			return NULL;
		dst = xmalloc(raw);
		memcpy(dst, p + 16, raw);
		*outlen = raw;
		return dst;
	}
	if (le32(p + 8) != 0x75465A4Cu) /* "LZFu" */
		return NULL;
	memset(dict, 0, sizeof(dict));
	memcpy(dict, prebuf, sizeof(prebuf) - 1);
	dst = xmalloc(raw);
	while (in < n && out < raw) {
		flags = p[in++];
		for (bit = 0; bit < 8 && out < raw; bit++, flags >>= 1) {
			if (!(flags & 1)) {
				if (in >= n)
					goto done;
				c = p[in++];
				dst[out++] = c;
				dict[wp] = c;
				wp = (wp + 1) & 4095;
				continue;
			}
			if (in + 1 >= n)
				goto done;
			off = (size_t)(p[in] << 4 | p[in + 1] >> 4);
			len = (size_t)(p[in + 1] & 15) + 2;
			in += 2;
			if (off == wp)
				goto done; /* the end marker */
			for (k = 0; k < len && out < raw; k++) {
				c = dict[(off + k) & 4095];
				dst[out++] = c;
				dict[wp] = c;
				wp = (wp + 1) & 4095;
			}
		}
	}
done:
	if (out == 0) {
		free(dst);
		return NULL;
	}
	*outlen = out;
	return dst;
}

static void read_body(TNEFStruct *t, const char *codepage, struct tnef_result *res)
{
	variableLength *v;

	if (!res->body)
		res->body = string_prop(&t->MapiProperties, PR_BODY, codepage);
	if (!res->body && t->body.data && t->body.size > 0)
		res->body =
		    charset_to_utf8(codepage, (const char *)t->body.data,
				    strnlen((const char *)t->body.data, (size_t)t->body.size),
				    TNEF_BODY_MAX, NULL, NULL);
	if (!res->rtf && (v = find(&t->MapiProperties, PT_BINARY, PR_RTF_COMPRESSED)) != NULL)
		res->rtf = rtf_decompress(v->data, (size_t)v->size, &res->rtf_len);
}

/*
 * Whether the stream's attributes (level, id, length, data, 16-bit sum of
 * the data) are all whole and their sums right, as libytnef will find them.
 * Checked first so that damaged input never reaches the library, which
 * prints complaints on standard output and has had bugs on such input.
 * Like libytnef, fewer than nine bytes left over at the end are ignored.
 */
static int well_formed(const unsigned char *d, size_t n, size_t max_attr)
{
	size_t i = 6, len, k;
	unsigned sum;

	while (n - i >= 9) {
		len = le32(d + i + 5);
		if (len == 0 || len > max_attr || len > n - i - 9 || n - i - 9 - len < 2)
			return 0;
		for (sum = 0, k = 0; k < len; k++)
			sum += d[i + 9 + k];
		if ((sum & 0xFFFF) != (unsigned)(d[i + 9 + len] | d[i + 10 + len] << 8))
			return 0;
		i += 9 + len + 2;
	}
	return 1;
}

static int walk_tnef(struct walk *w, const unsigned char *data, size_t n, int depth,
		     struct tnef_result *res)
{
	TNEFStruct t;
	Attachment *a;
	int rc = -1;
	/* libytnef refuses attributes over attachmentSize MiB. */
	size_t mb = w->max_file / (1024 * 1024) + 1 < 512 ? w->max_file / (1024 * 1024) + 1 : 512;

	if (n < 6 || n > (size_t)INT32_MAX || le32(data) != TNEF_SIGNATURE ||
	    !well_formed(data, n, mb * 1024 * 1024))
		return -1;
	TNEFInitialize(&t);
	t.Debug = 0;
	t.attachmentSize = (int)mb;
	if (TNEFParseMemory((BYTE *)data, (long)n, &t) != 0)
		goto out;
	if (t.CodePage.data && t.CodePage.size >= 4)
		snprintf(w->codepage, sizeof(w->codepage), "cp%u", (unsigned)le32(t.CodePage.data));
	for (a = t.starting_attach.next; a; a = a->next)
		emit_attachment(w, a, depth);
	if (depth == 0)
		read_body(&t, w->codepage, res);
	rc = 0;
out:
	TNEFFree(&t);
	return rc;
}

int tnef_unpack(const unsigned char *data, size_t n, size_t max_file, tnef_file_fn fn, void *ctx,
		struct tnef_result *res)
{
	struct walk w;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.ctx = ctx;
	w.max_file = max_file;
	if (!data || walk_tnef(&w, data, n, 0, res) < 0) {
		tnef_result_free(res);
		return -1;
	}
	res->files = w.files;
	return 0;
}

void tnef_result_free(struct tnef_result *res)
{
	free(res->body);
	free(res->rtf);
	memset(res, 0, sizeof(*res));
}
