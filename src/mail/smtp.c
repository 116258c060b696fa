/*
 * smtp: one message to the mail server over libcurl (RFC 5321 SMTP, RFC
 * 3207 STARTTLS, RFC 8314 implicit TLS, RFC 4954 AUTH).  libcurl's debug
 * callback shows the dialogue; it is read here only for the reply codes to
 * MAIL, RCPT and the data, so that a failure can be classified (4xx retry,
 * 5xx give up) and refused recipients named.  Nothing of it is logged: a
 * command line may carry the AUTH credentials.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "core/model.h"
#include "mail/curl_api.h"
#include "mail/smtp.h"
#include "util/buf.h"
#include "util/xalloc.h"

#define RCPT_MAX 200	   /* recipients of one message (to and cc) */
#define REPLY_LINE_MAX 200 /* bytes of a server reply kept for messages */

#if LIBCURL_VERSION_NUM >= 0x080200
#define OPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define OPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

/* ---- the message as the upload ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* ---- what the server answered ---- */

enum stage { ST_OTHER, ST_MAIL, ST_RCPT, ST_DATA, ST_END };

struct dialog {
	enum stage stage;	      /* what the last command was */
	char rcpt[EMAIL_MAX_LEN + 1]; /* the address of the last RCPT */
	int code;		      /* the last final reply */
	char line[REPLY_LINE_MAX + 1];
	int stage_code; /* the last reply to MAIL, RCPT, DATA or the data */
	char stage_line[REPLY_LINE_MAX + 1];
	enum stage failed_stage; /* the stage of stage_code when it was >= 400 */
	int rcpt_ok, rcpt_4xx, rcpt_5xx;
	struct buf rejected;
};

/* Copy a protocol line without its line end and control characters. */
static void line_copy(const char *p, size_t n, char *out, size_t outsz)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < outsz; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r' || c == '\n')
			break;
		out[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[k] = '\0';
}

static void on_command(struct dialog *d, const char *p, size_t n)
{
	const char *lt, *gt;

	/* Only the verb is looked at: an AUTH line carries the credentials. */
	if (n >= 4 && strncasecmp(p, "MAIL", 4) == 0) {
		d->stage = ST_MAIL;
	} else if (n >= 4 && strncasecmp(p, "RCPT", 4) == 0) {
		d->stage = ST_RCPT;
		d->rcpt[0] = '\0';
		lt = memchr(p, '<', n);
		gt = lt ? memchr(lt, '>', n - (size_t)(lt - p)) : NULL;
		if (lt && gt && (size_t)(gt - lt - 1) < sizeof(d->rcpt))
			line_copy(lt + 1, (size_t)(gt - lt - 1), d->rcpt, sizeof(d->rcpt));
	} else if (n >= 4 && strncasecmp(p, "DATA", 4) == 0) {
		d->stage = ST_DATA;
	} else {
		d->stage = ST_OTHER;
	}
}

static void on_reply(struct dialog *d, const char *p, size_t n)
{
	int code;

	/* Only the last line of a reply ("250 ok", not "250-SIZE") counts. */
	if (n < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
	    p[2] > '9' || (n > 3 && p[3] == '-'))
		return;
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	d->code = code;
	line_copy(p, n, d->line, sizeof(d->line));
	if (d->stage == ST_OTHER)
		return;
	d->stage_code = code;
	memcpy(d->stage_line, d->line, sizeof(d->line));
	if (code >= 400)
		d->failed_stage = d->stage;
	if (d->stage == ST_RCPT) {
		if (code < 400) {
			d->rcpt_ok++;
		} else {
			if (code < 500)
				d->rcpt_4xx++;
			else
				d->rcpt_5xx++;
			/* Past the cap the list is cut; the counts stay right. */
			if (buf_printf(&d->rejected, "%s%s (%s)", d->rejected.len ? ", " : "",
				       d->rcpt, d->line) < 0)
				return;
		}
	}
	/* After 354 the next reply answers the data itself. */
	if (d->stage == ST_DATA && code == 354)
		d->stage = ST_END;
}

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct dialog *d = arg;
	size_t i = 0;

	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		on_command(d, data, size);
	} else if (type == CURLINFO_HEADER_IN) {
		/* One call may hold several lines. */
		while (i < size) {
			const char *nl = memchr(data + i, '\n', size - i);
			size_t len = nl ? (size_t)(nl - (data + i)) + 1 : size - i;

			on_reply(d, data + i, len);
			i += len;
		}
	}
	return 0;
}

/* ---- the envelope ---- */

/* Add each address of list not yet in *l; returns -1 past RCPT_MAX. */
static int rcpt_add(struct curl_slist **l, int *count, const char *list)
{
	char one[EMAIL_MAX_LEN + 3];
	const char *p = list ? list : "";
	struct curl_slist *it, *nl;

	while (*p) {
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0 && n <= EMAIL_MAX_LEN && !memchr(p, '<', n) && !memchr(p, '>', n) &&
		    !memchr(p, '\r', n) && !memchr(p, '\n', n)) {
			int dup = 0;

			snprintf(one, sizeof(one), "<%.*s>", (int)n, p);
			for (it = *l; it; it = it->next)
				dup |= strcasecmp(it->data, one) == 0;
			if (!dup) {
				if (++*count > RCPT_MAX)
					return -1;
				nl = CU->slist_append(*l, one);
				if (!nl)
					return -1;
				*l = nl;
			}
		}
		p += strcspn(p, ",");
	}
	return 0;
}

/* The URL with the EHLO name as its path ("smtp://host:25/firma.hr") unless it has one. */
static void url_with_ehlo(const char *url, const char *from, char *out, size_t outsz)
{
	const char *host = strstr(url, "://");
	const char *at = strrchr(from, '@');

	host = host ? host + 3 : url;
	if (strchr(host, '/') || !at || !at[1])
		snprintf(out, outsz, "%s", url);
	else
		snprintf(out, outsz, "%s/%s", url, at + 1);
}

static int auth_code(int code)
{
	return code == 530 || code == 534 || code == 535 || code == 538;
}

static const char *stage_name(enum stage s)
{
	switch (s) {
	case ST_MAIL:
		return "the sender (MAIL FROM)";
	case ST_RCPT:
		return "the recipients (RCPT TO)";
	case ST_DATA:
		return "DATA";
	case ST_END:
		return "the message";
	default:
		return "the session";
	}
}

static enum smtp_result classify(CURLcode rc, const struct dialog *d, const char *errbuf,
				 struct smtp_outcome *out)
{
	if (rc == CURLE_OK) {
		out->result = SMTP_SENT;
		out->code = d->stage_code;
		if (d->rejected.len)
			snprintf(out->rejected, sizeof(out->rejected), "%s", d->rejected.s);
		return out->result;
	}
	if (d->failed_stage != ST_OTHER && d->stage_code >= 400) {
		int permanent = d->stage_code >= 500 && !auth_code(d->stage_code);

		/* No recipient taken: permanent only when every refusal was. */
		if (d->failed_stage == ST_RCPT)
			permanent = d->rcpt_ok == 0 && d->rcpt_4xx == 0 && d->rcpt_5xx > 0;
		out->result = permanent ? SMTP_PERMANENT : SMTP_TRANSIENT;
		out->code = d->stage_code;
		if (d->failed_stage == ST_RCPT && d->rejected.len)
			snprintf(out->error, sizeof(out->error), "the server refused %s",
				 d->rejected.s);
		else
			snprintf(out->error, sizeof(out->error), "the server refused %s: %s",
				 stage_name(d->failed_stage), d->stage_line);
		return out->result;
	}
	out->result = SMTP_TRANSIENT;
	out->code = d->code;
	if (d->code >= 400)
		snprintf(out->error, sizeof(out->error), "%s: %s",
			 errbuf[0] ? errbuf : CU->easy_strerror(rc), d->line);
	else
		snprintf(out->error, sizeof(out->error), "%s",
			 errbuf[0] ? errbuf : CU->easy_strerror(rc));
	return out->result;
}

enum smtp_result smtp_send(const struct config *conf, const char *raw, size_t n, const char *to,
			   const char *cc, struct smtp_outcome *out)
{
	char url[sizeof(conf->smtp_url) + EMAIL_MAX_LEN + 2], from[EMAIL_MAX_LEN + 3];
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *rcpts = NULL;
	struct upload up = {raw, n};
	struct dialog d;
	CURL *c = NULL;
	CURLcode rc;
	int count = 0, smtps;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	if (curl_api_load(out->error, sizeof(out->error)) < 0) {
		out->result = SMTP_TRANSIENT;
		return out->result;
	}
	buf_init(&d.rejected, sizeof(out->rejected) - 1);
	errbuf[0] = '\0';
	out->result = SMTP_TRANSIENT;
	if (!conf->smtp_url[0]) {
		snprintf(out->error, sizeof(out->error), "no mail server: [smtp] url is not set");
		goto out;
	}
	if (rcpt_add(&rcpts, &count, to) < 0 || rcpt_add(&rcpts, &count, cc) < 0) {
		out->result = SMTP_PERMANENT;
		snprintf(out->error, sizeof(out->error), "more than %d recipients", RCPT_MAX);
		goto out;
	}
	if (!rcpts) {
		out->result = SMTP_PERMANENT;
		snprintf(out->error, sizeof(out->error), "no recipient");
		goto out;
	}
	c = CU->easy_init();
	if (!c) {
		snprintf(out->error, sizeof(out->error), "cannot start libcurl");
		goto out;
	}
	smtps = strncasecmp(conf->smtp_url, "smtps:", 6) == 0;
	url_with_ehlo(conf->smtp_url, conf->mail_address, url, sizeof(url));
	snprintf(from, sizeof(from), "<%s>", conf->mail_address);
	CU->easy_setopt(c, CURLOPT_URL, url);
	CU->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	CU->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CU->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CU->easy_setopt(c, CURLOPT_TIMEOUT, (long)conf->smtp_timeout_seconds);
	CU->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)conf->smtp_timeout_seconds);
	if (!smtps) {
		long use = strcmp(conf->smtp_starttls, "required") == 0 ? CURLUSESSL_ALL
			   : strcmp(conf->smtp_starttls, "off") == 0	? CURLUSESSL_NONE
									: CURLUSESSL_TRY;

		CU->easy_setopt(c, CURLOPT_USE_SSL, use);
	}
	CU->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, conf->smtp_verify_tls ? 1L : 0L);
	CU->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, conf->smtp_verify_tls ? 2L : 0L);
	if (conf->smtp_ca_file[0])
		CU->easy_setopt(c, CURLOPT_CAINFO, conf->smtp_ca_file);
	if (conf->smtp_username[0]) {
		CU->easy_setopt(c, CURLOPT_USERNAME, conf->smtp_username);
		CU->easy_setopt(c, CURLOPT_PASSWORD, conf->smtp_password);
	}
	CU->easy_setopt(c, CURLOPT_MAIL_FROM, from);
	CU->easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	CU->easy_setopt(c, OPT_RCPT_ALLOWFAILS, 1L);
	CU->easy_setopt(c, CURLOPT_UPLOAD, 1L);
	CU->easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	CU->easy_setopt(c, CURLOPT_READDATA, &up);
	CU->easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)n);
	CU->easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
	CU->easy_setopt(c, CURLOPT_DEBUGDATA, &d);
	CU->easy_setopt(c, CURLOPT_VERBOSE, 1L);
	rc = CU->easy_perform(c);
	classify(rc, &d, errbuf, out);
out:
	if (c)
		CU->easy_cleanup(c);
	CU->slist_free_all(rcpts);
	buf_free(&d.rejected);
	return out->result;
}
