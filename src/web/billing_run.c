/*
 * billing_run: the month-end run, closing a month and the prepayments (see
 * billing_run.h).  One client at a time goes from the store's reader through
 * bill_client_spec to a writer; a closed month's specifications come back
 * from their stored JSON instead.  The writers are report/ (text, CSV, PDF,
 * XLSX) and web/json_billing.c (JSON); this file only decides where the
 * bytes go.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/calendar.h"
#include "report/report.h"
#include "util/xalloc.h"
#include "web/billing_run.h"
#include "web/json.h"
#include "web/json_doc.h"

/* One client's document is rendered into memory before it is written out. */
#define DOC_MAX (64u * 1024 * 1024)

static const char *const format_names[] = {"text", "json", "csv", "pdf", "xlsx"};
static const char *const format_exts[] = {"txt", "json", "csv", "pdf", "xlsx"};
static const char *const format_types[] = {
    "text/plain; charset=utf-8",
    "application/json",
    "text/csv; charset=utf-8",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

const char *billing_format_name(enum billing_format f)
{
	return format_names[f];
}

int billing_format_parse(const char *s, enum billing_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum billing_format)i;
			return 0;
		}
	return -1;
}

const char *billing_format_ext(enum billing_format f)
{
	return format_exts[f];
}

const char *billing_format_type(enum billing_format f)
{
	return format_types[f];
}

static int fail(struct billing_error *e, enum billing_fail kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct billing_error *e, enum billing_fail kind, const char *fmt, ...)
{
	va_list ap;

	e->kind = kind;
	e->store_rc = STORE_OK;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_store(struct billing_error *e, struct store *st, int rc)
{
	const char *msg = store_errmsg(st);

	fail(e, BILLING_FAIL_STORE, "%s", msg && *msg ? msg : "database error");
	e->store_rc = rc;
	return -1;
}

void billing_default_terms(const struct config *conf, struct bill_terms *out)
{
	memset(out, 0, sizeof(*out));
	out->increment = (int64_t)conf->billing_increment_minutes * 60;
	if (bill_round_mode_parse(conf->billing_rounding, &out->mode) < 0)
		out->mode = ROUND_UP;
	if (bill_round_per_parse(conf->billing_round_per, &out->per) < 0)
		out->per = ROUND_PER_ENTRY;
	out->minimum = (int64_t)conf->billing_minimum_minutes * 60;
}

/* ---- the specifications, one client at a time ---- */

static int each_open(struct store *st, const struct config *conf, int32_t month, int64_t client_id,
		     billing_spec_fn fn, void *arg, struct billing_error *e)
{
	struct bill_context ctx;
	struct bill_reader *rd = NULL;
	struct bill_client_input in;
	int rc, ret = -1;

	memset(&ctx, 0, sizeof(ctx));
	rc = store_bill_begin(st, month, client_id, conf->billing_default_rate, &ctx, &rd);
	if (rc == STORE_NOT_FOUND) {
		/* The client is known (billing_each asked): what is missing is the default rate. */
		fail_store(e, st, rc);
		e->kind = BILLING_FAIL_RULES;
		return -1;
	}
	if (rc != STORE_OK)
		return fail_store(e, st, rc);
	billing_default_terms(conf, &ctx.default_terms);
	while ((rc = store_bill_next(rd, &in)) == 1) {
		struct bill_spec spec;
		const char *why = NULL;
		int r;

		memset(&spec, 0, sizeof(spec));
		if (bill_client_spec(&ctx, &in, &spec, &why) < 0) {
			bill_spec_clear(&spec);
			fail(e, BILLING_FAIL_RULES, "client %lld (%s): %s", (long long)in.client_id,
			     in.client_name, why ? why : "the specification cannot be made");
			goto out;
		}
		if (spec.n_lines == 0) {
			bill_spec_clear(&spec);
			continue;
		}
		e->msg[0] = '\0';
		r = fn(&spec, arg, e);
		bill_spec_clear(&spec);
		if (r < 0) {
			if (!e->msg[0])
				fail(e, BILLING_FAIL_OUTPUT, "cannot write the specification");
			goto out;
		}
	}
	if (rc < 0) {
		fail_store(e, st, rc);
		goto out;
	}
	ret = 0;
out:
	store_bill_end(rd);
	return ret;
}

static int each_closed(struct store *st, int32_t month, int64_t client_id, billing_spec_fn fn,
		       void *arg, struct billing_error *e)
{
	struct bill_stored_spec *specs = NULL;
	char *summary = NULL, err[256], m[8];
	size_t n = 0, i;
	int rc, ret = -1;

	rc = store_month_specs(st, month, client_id, &specs, &n, &summary);
	if (rc == STORE_NOT_FOUND && client_id)
		return 0; /* the client had nothing in the month */
	if (rc != STORE_OK)
		return fail_store(e, st, rc);
	for (i = 0; i < n; i++) {
		struct bill_spec spec;
		int r;

		memset(&spec, 0, sizeof(spec));
		err[0] = '\0';
		if (json_doc_spec_parse(specs[i].json, &spec, err, sizeof(err)) < 0) {
			bill_spec_clear(&spec);
			fail(e, BILLING_FAIL_STORE,
			     "the stored specification of client %lld for %s cannot be read: %s",
			     (long long)specs[i].client_id, cal_month_format(month, m), err);
			e->store_rc = STORE_ERROR;
			goto out;
		}
		e->msg[0] = '\0';
		r = fn(&spec, arg, e);
		bill_spec_clear(&spec);
		if (r < 0) {
			if (!e->msg[0])
				fail(e, BILLING_FAIL_OUTPUT, "cannot write the specification");
			goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free((char *)specs[i].json);
	free(specs);
	free(summary);
	return ret;
}

int billing_each(struct store *st, const struct config *conf, int32_t month, int64_t client_id,
		 billing_spec_fn fn, void *arg, int *closed, struct billing_error *e)
{
	int is_closed = 0, rc;

	/* An unknown client is an error whether the month is open or closed. */
	if (client_id) {
		struct client c;

		rc = store_client_get(st, client_id, &c);
		if (rc != STORE_OK)
			return fail_store(e, st, rc);
	}
	rc = store_month_closed(st, month, &is_closed);
	if (rc != STORE_OK)
		return fail_store(e, st, rc);
	if (closed)
		*closed = is_closed;
	if (is_closed)
		return each_closed(st, month, client_id, fn, arg, e);
	return each_open(st, conf, month, client_id, fn, arg, e);
}

/* ---- writing a run ---- */

struct run_state {
	const struct config *conf;
	const struct billing_run_req *req;
	const char *lang;
	struct report_company co;
	char dir[1024];	 /* out_dir/YYYY-MM when writing files */
	struct buf doc;	 /* one client's document (files and streams) */
	struct buf *out; /* where the one document goes: req->out or &doc */
	struct bill_summary summary;
	size_t n; /* specifications written */
	size_t files;
	int closed;
	/*
	 * A closed month's JSON written as stored (json_doc_spec's text of the
	 * spec at hand, and the summary read from the stored one), so that a
	 * whole closed month in JSON needs no parsing: set by closed_json_all.
	 */
	const char *stored_json;
	int summary_stored;
	struct json_spec_writer *jw; /* JSON of computed specs: one tree, filled again per spec */
};

static int write_err(struct billing_error *e, const char *what, const char *path)
{
	return fail(e, BILLING_FAIL_OUTPUT, "cannot write %s '%s': %s", what, path,
		    strerror(errno));
}

/* Make path (one level) unless it exists. */
static int make_dir(const char *path, struct billing_error *e)
{
	struct stat sb;

	if (mkdir(path, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	return fail(e, BILLING_FAIL_OUTPUT, "cannot make the folder '%s': %s", path,
		    strerror(errno));
}

/* Write n bytes of data to path whole: a temporary file beside it, then renamed. */
static int file_put(const char *path, const char *data, size_t n, struct billing_error *e)
{
	char tmp[1100];
	size_t done = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return fail(e, BILLING_FAIL_OUTPUT, "the path '%s' is too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return write_err(e, "the file", tmp);
	while (done < n) {
		ssize_t w = write(fd, data + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			write_err(e, "the file", tmp);
			close(fd);
			unlink(tmp);
			return -1;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		write_err(e, "the file", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Read the file at path into out (its cap limits it). */
static int file_get(const char *path, struct buf *out, struct billing_error *e)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int ret = 0;

	if (!f)
		return fail(e, BILLING_FAIL_OUTPUT, "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(out, chunk, n) < 0) {
			ret = fail(e, BILLING_FAIL_OUTPUT, "the document is larger than %zu bytes",
				   out->max);
			break;
		}
	if (ret == 0 && ferror(f))
		ret = fail(e, BILLING_FAIL_OUTPUT, "cannot read '%s'", path);
	fclose(f);
	return ret;
}

/* Append text to out with every line after the first indented by pad spaces. */
static int put_indented(struct buf *out, const char *text, size_t n, int pad)
{
	static const char spaces[] = "        ";
	const char *p = text, *end = text + n;

	assert(pad >= 0 && (size_t)pad < sizeof(spaces));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (buf_add(out, p, len) < 0)
			return -1;
		p += len;
		if (nl && p < end && buf_add(out, spaces, (size_t)pad) < 0)
			return -1;
	}
	return 0;
}

/* An XLSX workbook of s through a temporary file, into out. */
static int xlsx_to_buf(struct run_state *rs, const struct bill_spec *s, struct buf *out,
		       struct billing_error *e)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[1024], err[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/evid-xlsx-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return write_err(e, "a temporary file", path);
	close(fd);
	err[0] = '\0';
	if (report_spec_xlsx(s, &rs->co, rs->lang, path, err, sizeof(err)) < 0)
		ret = fail(e, BILLING_FAIL_OUTPUT, "%s", err);
	else
		ret = file_get(path, out, e);
	unlink(path);
	return ret;
}

/* The run's JSON writer of computed specifications, made on first use. */
static struct json_spec_writer *spec_writer(struct run_state *rs)
{
	if (!rs->jw)
		rs->jw = json_spec_writer_new();
	return rs->jw;
}

/*
 * One client's document in its own right (a file of out_dir, or the one
 * pdf/xlsx document): s in req->format into out.
 */
static int spec_document(struct run_state *rs, const struct bill_spec *s, struct buf *out,
			 struct billing_error *e)
{
	char err[256];
	int rc = 0;

	err[0] = '\0';
	switch (rs->req->format) {
	case BILLING_TEXT:
		rc = report_spec_text(s, rs->lang, out, err, sizeof(err));
		break;
	case BILLING_CSV:
		rc = report_spec_csv(s, 1, out, err, sizeof(err));
		break;
	case BILLING_PDF:
		rc = report_spec_pdf(s, &rs->co, rs->lang, out, err, sizeof(err));
		break;
	case BILLING_JSON:
		if (rs->stored_json)
			rc = buf_puts(out, rs->stored_json);
		else
			rc = json_spec_write(spec_writer(rs), s, 0, out) < 0 ||
				     buf_putc(out, '\n') < 0
				 ? -1
				 : 0;
		if (rc < 0)
			snprintf(err, sizeof(err), "the document is larger than %zu bytes",
				 out->max);
		break;
	case BILLING_XLSX:
		return xlsx_to_buf(rs, s, out, e);
	}
	if (rc < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "%s",
			    err[0] ? err : "cannot write the document");
	return 0;
}

/* Hand what rs->out holds to the FILE, when streaming, and empty it. */
static int stream_flush(struct run_state *rs, struct billing_error *e)
{
	FILE *f = rs->req->f;

	if (!f || rs->out->len == 0)
		return 0;
	if (fwrite(rs->out->s, 1, rs->out->len, f) != rs->out->len || fflush(f) != 0)
		return fail(e, BILLING_FAIL_OUTPUT, "cannot write the output: %s", strerror(errno));
	buf_reset(rs->out);
	return 0;
}

/* The start of the one document, before the first client. */
static int doc_begin(struct run_state *rs, struct billing_error *e)
{
	char m[8];

	if (rs->req->format != BILLING_JSON)
		return 0;
	if (buf_printf(rs->out, "{\n  \"month\": \"%s\",\n  \"closed\": %s,\n  \"clients\": [",
		       cal_month_format(rs->req->month, m), rs->closed ? "true" : "false") < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "the output is larger than %zu bytes",
			    rs->out->max);
	return 0;
}

/* One client's part of the one document at place seq (0 first) into out. */
static int spec_part(const struct run_state *rs, struct json_spec_writer *jw,
		     const struct bill_spec *s, size_t seq, struct buf *out, char *err,
		     size_t errsz)
{
	switch (rs->req->format) {
	case BILLING_TEXT:
		if (seq > 0 && buf_puts(out, "\n") < 0)
			return -1;
		return report_spec_text(s, rs->lang, out, err, errsz);
	case BILLING_CSV:
		return report_spec_csv(s, seq == 0, out, err, errsz);
	case BILLING_JSON:
		/* The spec's own document, one level deeper: as jansson would indent it. */
		if (buf_puts(out, seq > 0 ? ",\n    " : "\n    ") < 0)
			return -1;
		return json_spec_write(jw, s, 4, out);
	default:
		return -1; /* not one document of parts (pdf, xlsx) */
	}
}

/* One client's part of the one document. */
static int doc_spec(struct run_state *rs, const struct bill_spec *s, struct billing_error *e)
{
	char err[256];
	int rc = 0;

	err[0] = '\0';
	switch (rs->req->format) {
	case BILLING_JSON:
		if (rs->stored_json) {
			/* The stored document, one level deeper: as jansson would indent it. */
			size_t n = strlen(rs->stored_json);

			while (n > 0 && rs->stored_json[n - 1] == '\n')
				n--;
			rc = buf_puts(rs->out, rs->n > 0 ? ",\n    " : "\n    ") < 0
				 ? -1
				 : put_indented(rs->out, rs->stored_json, n, 4);
			break;
		}
		rc = spec_part(rs, spec_writer(rs), s, rs->n, rs->out, err, sizeof(err));
		break;
	case BILLING_TEXT:
	case BILLING_CSV:
		rc = spec_part(rs, NULL, s, rs->n, rs->out, err, sizeof(err));
		break;
	case BILLING_PDF:
	case BILLING_XLSX:
		/* One client only (checked before the run). */
		if (rs->n > 0)
			return fail(e, BILLING_FAIL_INPUT,
				    "the %s format makes one file per client",
				    billing_format_name(rs->req->format));
		return spec_document(rs, s, rs->out, e);
	}
	if (rc < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "%s",
			    err[0] ? err : "the output is larger than its limit");
	return 0;
}

/* The end of the one document: the summary. */
static int doc_end(struct run_state *rs, struct billing_error *e)
{
	char err[256];
	int rc = 0;

	err[0] = '\0';
	switch (rs->req->format) {
	case BILLING_TEXT:
		if (rs->n > 0 && buf_puts(rs->out, "\n") < 0)
			rc = -1;
		else
			rc = report_summary_text(&rs->summary, rs->lang, rs->out, err, sizeof(err));
		break;
	case BILLING_JSON: {
		char *doc = json_doc_summary(&rs->summary);
		size_t n = strlen(doc);

		while (n > 0 && doc[n - 1] == '\n')
			n--;
		if (buf_puts(rs->out,
			     rs->n > 0 ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ") < 0 ||
		    put_indented(rs->out, doc, n, 2) < 0 || buf_puts(rs->out, "\n}\n") < 0)
			rc = -1;
		free(doc);
		break;
	}
	case BILLING_CSV:
		/* No client: the header alone, so that the document still says what it is. */
		if (rs->n == 0) {
			struct bill_spec none;

			memset(&none, 0, sizeof(none));
			rc = report_spec_csv(&none, 1, rs->out, err, sizeof(err));
		}
		break;
	case BILLING_PDF:
	case BILLING_XLSX:
		if (rs->n == 0) {
			char m[8];

			return fail(e, BILLING_FAIL_INPUT, "client %lld has nothing in %s",
				    (long long)rs->req->client_id,
				    cal_month_format(rs->req->month, m));
		}
		break;
	}
	if (rc < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "%s",
			    err[0] ? err : "the output is larger than its limit");
	return 0;
}

/* The summary as a file of out_dir: text (also for pdf and xlsx), json or csv. */
static int dir_summary(struct run_state *rs, struct billing_error *e)
{
	enum billing_format f = rs->req->format;
	char path[1100], err[256];
	int rc = 0;

	if (f == BILLING_PDF || f == BILLING_XLSX)
		f = BILLING_TEXT;
	buf_reset(&rs->doc);
	err[0] = '\0';
	if (f == BILLING_TEXT) {
		rc = report_summary_text(&rs->summary, rs->lang, &rs->doc, err, sizeof(err));
	} else if (f == BILLING_CSV) {
		rc = report_summary_csv(&rs->summary, 1, &rs->doc, err, sizeof(err));
	} else {
		char *doc = json_doc_summary(&rs->summary);

		rc = buf_puts(&rs->doc, doc);
		free(doc);
	}
	if (rc < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "%s",
			    err[0] ? err : "the summary is larger than its limit");
	snprintf(path, sizeof(path), "%s/summary.%s", rs->dir, billing_format_ext(f));
	if (file_put(path, rs->doc.s, rs->doc.len, e) < 0)
		return -1;
	rs->files++;
	return 0;
}

static int run_one(const struct bill_spec *s, void *arg, struct billing_error *e)
{
	struct run_state *rs = arg;

	if (rs->req->out_dir) {
		char path[1100];

		buf_reset(&rs->doc);
		snprintf(path, sizeof(path), "%s/%lld.%s", rs->dir, (long long)s->client_id,
			 billing_format_ext(rs->req->format));
		if (rs->req->format == BILLING_XLSX) {
			char tmp[1110], err[256];

			snprintf(tmp, sizeof(tmp), "%s.tmp", path);
			err[0] = '\0';
			if (report_spec_xlsx(s, &rs->co, rs->lang, tmp, err, sizeof(err)) < 0) {
				unlink(tmp);
				return fail(e, BILLING_FAIL_OUTPUT, "%s", err);
			}
			if (rename(tmp, path) != 0) {
				unlink(tmp);
				return write_err(e, "the file", path);
			}
		} else if (spec_document(rs, s, &rs->doc, e) < 0 ||
			   file_put(path, rs->doc.s, rs->doc.len, e) < 0) {
			return -1;
		}
		rs->files++;
	} else {
		if (rs->n == 0 && doc_begin(rs, e) < 0)
			return -1;
		if (doc_spec(rs, s, e) < 0 || stream_flush(rs, e) < 0)
			return -1;
	}
	if (!rs->summary_stored && bill_summary_add(&rs->summary, s) < 0)
		return fail(e, BILLING_FAIL_RULES, "the month's totals overflow");
	rs->n++;
	return 0;
}

/*
 * An open month's run as one document (a stream or a buffer), on more than
 * one core: this thread reads each client's inputs and makes its
 * specification (the store is this thread's), formatter threads turn the
 * specifications into their parts of the document, each into a slot of its
 * own, and this thread writes the finished parts out in the clients' order
 * (and formats too, rather than wait, when all the slots are full).  The
 * bytes are those of the run on one thread: each part is what doc_spec
 * writes for the specification at its place.  A big month spends most of
 * its time formatting (JSON above all), which is what the other cores take.
 */
#define PIPE_SLOTS 32
#define PIPE_WAKE 8 /* ready slots that wake an idle formatter */
#define PIPE_FORMATTERS_MAX 3

enum slot_state { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE, SLOT_FAILED };

struct pipe_slot {
	struct bill_spec spec; /* owned from READY until written */
	struct buf text;       /* its part of the document */
	enum slot_state state;
	char err[256]; /* why formatting failed */
};

struct pipe {
	const struct run_state *rs;
	pthread_mutex_t mu;
	pthread_cond_t ready; /* formatters: a slot is ready, or stop */
	pthread_cond_t done;  /* this thread: a slot is formatted */
	int idle;	      /* formatters waiting for a ready slot */
	int waiting;	      /* this thread waits for a formatted slot */
	struct pipe_slot slot[PIPE_SLOTS];
	size_t put, formatted, written; /* places: given out, taken to format, written */
	int stop;
	pthread_t threads[PIPE_FORMATTERS_MAX];
	int n_threads;
};

/*
 * With p->mu held: format the oldest ready slot (the lock let go meanwhile)
 * with jw (JSON's writer of the calling thread).  1 when one was, 0 when
 * none was ready.
 */
static int pipe_format_one(struct pipe *p, struct json_spec_writer *jw)
{
	struct pipe_slot *sl;
	size_t seq;
	int rc;

	if (p->formatted == p->put)
		return 0;
	seq = p->formatted++;
	sl = &p->slot[seq % PIPE_SLOTS];
	sl->state = SLOT_BUSY;
	pthread_mutex_unlock(&p->mu);

	sl->err[0] = '\0';
	buf_reset(&sl->text);
	rc = spec_part(p->rs, jw, &sl->spec, seq, &sl->text, sl->err, sizeof(sl->err));

	pthread_mutex_lock(&p->mu);
	sl->state = rc < 0 ? SLOT_FAILED : SLOT_DONE;
	if (p->waiting)
		pthread_cond_signal(&p->done);
	return 1;
}

static void *pipe_formatter(void *arg)
{
	struct pipe *p = arg;
	struct json_spec_writer *jw =
	    p->rs->req->format == BILLING_JSON ? json_spec_writer_new() : NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		if (pipe_format_one(p, jw))
			continue;
		p->idle++;
		pthread_cond_wait(&p->ready, &p->mu);
		p->idle--;
	}
	pthread_mutex_unlock(&p->mu);
	json_spec_writer_free(jw);
	return NULL;
}

/*
 * Start the formatters for rs: JSON, whose formatting outweighs the rest,
 * one per other core; text and CSV one.  Returns how many started: 0 on one
 * core, or when none could.
 */
static int pipe_start(struct pipe *p, const struct run_state *rs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int want, i;

	memset(p, 0, sizeof(*p));
	if (cpus < 2)
		return 0;
	want = rs->req->format == BILLING_JSON ? (int)(cpus - 1) : 1;
	if (want > PIPE_FORMATTERS_MAX)
		want = PIPE_FORMATTERS_MAX;
	p->rs = rs;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return 0;
	if (pthread_cond_init(&p->ready, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return 0;
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->ready);
		pthread_mutex_destroy(&p->mu);
		return 0;
	}
	for (i = 0; i < PIPE_SLOTS; i++)
		buf_init(&p->slot[i].text, DOC_MAX);
	for (i = 0; i < want; i++)
		if (pthread_create(&p->threads[p->n_threads], NULL, pipe_formatter, p) == 0)
			p->n_threads++;
	if (p->n_threads == 0) {
		pthread_cond_destroy(&p->done);
		pthread_cond_destroy(&p->ready);
		pthread_mutex_destroy(&p->mu);
	}
	return p->n_threads;
}

/* Stop the formatters and free what the slots hold. */
static void pipe_end(struct pipe *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->ready);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	for (i = 0; i < PIPE_SLOTS; i++) {
		bill_spec_clear(&p->slot[i].spec);
		buf_free(&p->slot[i].text);
	}
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->ready);
	pthread_mutex_destroy(&p->mu);
}

/*
 * Write the formatted parts from the oldest on, in order, until one is not
 * formatted yet; with wait, the oldest at least (to free its slot): meanwhile
 * this thread formats what is ready.  Returns 0, or -1 with e filled.
 */
static int pipe_write(struct pipe *p, struct run_state *rs, int wait, struct billing_error *e)
{
	for (;;) {
		struct pipe_slot *sl;
		enum slot_state st;

		pthread_mutex_lock(&p->mu);
		if (p->written == p->put) {
			pthread_mutex_unlock(&p->mu);
			return 0;
		}
		sl = &p->slot[p->written % PIPE_SLOTS];
		while (wait && sl->state != SLOT_DONE && sl->state != SLOT_FAILED) {
			if (pipe_format_one(p, rs->req->format == BILLING_JSON ? spec_writer(rs)
									       : NULL))
				continue;
			p->waiting = 1;
			pthread_cond_wait(&p->done, &p->mu);
			p->waiting = 0;
		}
		st = sl->state;
		pthread_mutex_unlock(&p->mu);
		if (st == SLOT_FAILED)
			return fail(e, BILLING_FAIL_OUTPUT, "%s",
				    sl->err[0] ? sl->err : "the output is larger than its limit");
		if (st != SLOT_DONE)
			return 0;
		if (rs->n == 0 && doc_begin(rs, e) < 0)
			return -1;
		if (rs->req->f) {
			/* streamed: what rs->out holds (the head) first, then the part itself */
			if (stream_flush(rs, e) < 0)
				return -1;
			if (fwrite(sl->text.s, 1, sl->text.len, rs->req->f) != sl->text.len ||
			    fflush(rs->req->f) != 0)
				return fail(e, BILLING_FAIL_OUTPUT, "cannot write the output: %s",
					    strerror(errno));
		} else if (buf_add(rs->out, sl->text.s, sl->text.len) < 0) {
			/* what doc_spec says when the one document passes its cap */
			return fail(e, BILLING_FAIL_OUTPUT, "%s",
				    rs->req->format == BILLING_JSON
					? "the output is larger than its limit"
					: "the document is larger than its limit");
		}
		bill_spec_clear(&sl->spec);
		rs->n++;
		pthread_mutex_lock(&p->mu);
		sl->state = SLOT_FREE;
		p->written++;
		pthread_mutex_unlock(&p->mu);
		wait = 0;
	}
}

/* Hand spec (taken) to the formatters, writing what is done to make room. */
static int pipe_put(struct pipe *p, struct run_state *rs, struct bill_spec *spec,
		    struct billing_error *e)
{
	struct pipe_slot *sl;

	if (pipe_write(p, rs, p->put - p->written == PIPE_SLOTS, e) < 0)
		return -1;
	pthread_mutex_lock(&p->mu);
	sl = &p->slot[p->put % PIPE_SLOTS];
	sl->spec = *spec;
	memset(spec, 0, sizeof(*spec));
	sl->state = SLOT_READY;
	p->put++;
	/* an idle formatter is woken for a few slots at once: a wake-up costs a switch */
	if (p->idle && p->put - p->formatted >= PIPE_WAKE)
		pthread_cond_signal(&p->ready);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/*
 * Every client of open month through the pipe: each_open's reading and
 * rules (its messages), with the specifications handed over instead of
 * written here.  1 when done, 0 when no formatter could start (nothing was
 * read: the caller runs on one thread), -1 with e filled.
 */
static int run_pipe(struct store *st, struct run_state *rs, struct billing_error *e)
{
	const struct config *conf = rs->conf;
	struct bill_context ctx;
	struct bill_reader *rd = NULL;
	struct bill_client_input in;
	struct billing_error later; /* a failure to write after the one reported */
	struct pipe p;
	int rc, ret = -1;

	if (pipe_start(&p, rs) == 0)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	rc = store_bill_begin(st, rs->req->month, 0, conf->billing_default_rate, &ctx, &rd);
	if (rc == STORE_NOT_FOUND) {
		/* what is missing is the default rate */
		fail_store(e, st, rc);
		e->kind = BILLING_FAIL_RULES;
		pipe_end(&p);
		return -1;
	}
	if (rc != STORE_OK) {
		fail_store(e, st, rc);
		pipe_end(&p);
		return -1;
	}
	billing_default_terms(conf, &ctx.default_terms);
	while ((rc = store_bill_next(rd, &in)) == 1) {
		struct bill_spec spec;
		const char *why = NULL;

		memset(&spec, 0, sizeof(spec));
		if (bill_client_spec(&ctx, &in, &spec, &why) < 0) {
			bill_spec_clear(&spec);
			fail(e, BILLING_FAIL_RULES, "client %lld (%s): %s", (long long)in.client_id,
			     in.client_name, why ? why : "the specification cannot be made");
			goto drain;
		}
		if (spec.n_lines == 0) {
			bill_spec_clear(&spec);
			continue;
		}
		if (bill_summary_add(&rs->summary, &spec) < 0) {
			bill_spec_clear(&spec);
			fail(e, BILLING_FAIL_RULES, "the month's totals overflow");
			goto drain;
		}
		if (pipe_put(&p, rs, &spec, e) < 0) {
			bill_spec_clear(&spec);
			goto out;
		}
	}
	if (rc < 0) {
		fail_store(e, st, rc);
		goto out;
	}
	/* the rest, in order */
	while (p.written < p.put)
		if (pipe_write(&p, rs, 1, e) < 0)
			goto out;
	ret = 1;
	goto out;
drain:
	/* the clients before the one that failed are written, as on one thread */
	while (p.written < p.put && pipe_write(&p, rs, 1, &later) == 0)
		;
out:
	store_bill_end(rd);
	pipe_end(&p);
	return ret;
}

/*
 * Every client of a closed month in JSON: the stored texts as they are
 * (json_doc_spec_parse and json_doc_spec again would give the same bytes,
 * at the cost of parsing every one) and the stored summary.
 */
static int closed_json_all(struct store *st, struct run_state *rs, struct billing_error *e)
{
	struct bill_stored_spec *specs = NULL;
	char *summary = NULL, err[256];
	size_t n = 0, i;
	int rc, ret = -1;

	rc = store_month_specs(st, rs->req->month, 0, &specs, &n, &summary);
	if (rc != STORE_OK)
		return fail_store(e, st, rc);
	err[0] = '\0';
	if (!summary || json_doc_summary_parse(summary, &rs->summary, err, sizeof(err)) < 0) {
		fail(e, BILLING_FAIL_STORE, "the stored summary cannot be read: %s",
		     err[0] ? err : "none");
		e->store_rc = STORE_ERROR;
		goto out;
	}
	rs->summary_stored = 1;
	for (i = 0; i < n; i++) {
		struct bill_spec spec;

		memset(&spec, 0, sizeof(spec));
		spec.month = rs->req->month;
		spec.client_id = specs[i].client_id;
		rs->stored_json = specs[i].json;
		if (run_one(&spec, rs, e) < 0)
			goto out;
	}
	ret = 0;
out:
	rs->stored_json = NULL;
	for (i = 0; i < n; i++)
		free((char *)specs[i].json);
	free(specs);
	free(summary);
	return ret;
}

int billing_run(struct store *st, const struct config *conf, const struct billing_run_req *req,
		struct billing_run_result *res, struct billing_error *e)
{
	struct run_state rs;
	char m[8];
	int rc, ret = -1;

	memset(&rs, 0, sizeof(rs));
	rs.conf = conf;
	rs.req = req;
	rs.lang = req->lang ? req->lang : conf->language;
	rs.co.name = conf->company_name;
	rs.co.oib = conf->company_oib;
	rs.co.address = conf->company_address;
	buf_init(&rs.doc, DOC_MAX);
	rs.out = req->out ? req->out : &rs.doc;
	bill_summary_init(&rs.summary, req->month);
	cal_month_format(req->month, m);

	if (!req->out_dir && !req->f && !req->out)
		return fail(e, BILLING_FAIL_INPUT, "nowhere to write the run");
	if (!req->out_dir && !req->client_id &&
	    (req->format == BILLING_PDF || req->format == BILLING_XLSX))
		return fail(e, BILLING_FAIL_INPUT,
			    "the %s format makes one file per client: give an output folder, or "
			    "one client",
			    billing_format_name(req->format));
	if (req->out_dir) {
		if (snprintf(rs.dir, sizeof(rs.dir), "%s/%s", req->out_dir, m) >=
		    (int)sizeof(rs.dir))
			return fail(e, BILLING_FAIL_INPUT, "the output folder's name is too long");
		if (make_dir(req->out_dir, e) < 0 || make_dir(rs.dir, e) < 0)
			return -1;
	}
	rc = store_month_closed(st, req->month, &rs.closed);
	if (rc != STORE_OK) {
		fail_store(e, st, rc);
		goto out;
	}
	if (rs.closed && req->format == BILLING_JSON && !req->client_id) {
		if (closed_json_all(st, &rs, e) < 0)
			goto out;
	} else if (!rs.closed && !req->out_dir && !req->client_id &&
		   (req->format == BILLING_TEXT || req->format == BILLING_CSV ||
		    req->format == BILLING_JSON) &&
		   (rc = run_pipe(st, &rs, e)) != 0) {
		/* every client of an open month, formatted on the other cores */
		if (rc < 0)
			goto out;
	} else if (billing_each(st, conf, req->month, req->client_id, run_one, &rs, &rs.closed, e) <
		   0) {
		/* billing_each sets rs.closed again before the first client: the head says it. */
		goto out;
	}
	if (req->out_dir) {
		if (dir_summary(&rs, e) < 0)
			goto out;
	} else {
		if (rs.n == 0 && doc_begin(&rs, e) < 0)
			goto out;
		if (doc_end(&rs, e) < 0 || stream_flush(&rs, e) < 0)
			goto out;
	}
	if (res) {
		res->closed = rs.closed;
		res->summary = rs.summary;
		res->files = rs.files;
	}
	ret = 0;
out:
	json_spec_writer_free(rs.jw);
	buf_free(&rs.doc);
	return ret;
}

/* ---- closing ---- */

/*
 * Closing reads the month and stores each client's specification under one
 * write lock (a store batch), so what is stored is exactly what the month
 * holds when it closes, and only one client's JSON is in memory at a time.
 */
struct close_state {
	struct store *st;
	int32_t month;
	size_t n;
	struct bill_summary summary;
};

static int close_one(const struct bill_spec *s, void *arg, struct billing_error *e)
{
	struct close_state *cs = arg;
	char *json = json_doc_spec(s);
	int rc = store_month_close_spec(cs->st, cs->month, s->client_id, json);

	free(json);
	if (rc != STORE_OK)
		return fail_store(e, cs->st, rc);
	cs->n++;
	if (bill_summary_add(&cs->summary, s) < 0)
		return fail(e, BILLING_FAIL_RULES, "the month's totals overflow");
	return 0;
}

int billing_close(struct store *st, const struct config *conf, int32_t month, int64_t actor_user_id,
		  int64_t now, struct billing_run_result *res, struct billing_error *e)
{
	struct close_state cs;
	char *summary = NULL, m[8];
	int closed = 0, rc, ret = -1;

	memset(&cs, 0, sizeof(cs));
	cs.st = st;
	cs.month = month;
	bill_summary_init(&cs.summary, month);
	if ((rc = store_batch_begin(st)) != STORE_OK)
		return fail_store(e, st, rc);
	rc = store_month_closed(st, month, &closed);
	if (rc != STORE_OK) {
		fail_store(e, st, rc);
		goto out;
	}
	if (closed) {
		fail(e, BILLING_FAIL_STORE, "month %s is closed already",
		     cal_month_format(month, m));
		e->store_rc = STORE_CONFLICT;
		goto out;
	}
	if (each_open(st, conf, month, 0, close_one, &cs, e) < 0)
		goto out;
	summary = json_doc_summary(&cs.summary);
	rc = store_month_close(st, month, summary, actor_user_id, now);
	if (rc != STORE_OK) {
		fail_store(e, st, rc);
		goto out;
	}
	if ((rc = store_batch_end(st, 1)) != STORE_OK) {
		fail_store(e, st, rc);
		free(summary);
		return -1;
	}
	if (res) {
		memset(res, 0, sizeof(*res));
		res->closed = 1;
		res->summary = cs.summary;
	}
	free(summary);
	return 0;
out:
	(void)store_batch_end(st, 0);
	free(summary);
	return ret;
}

/* ---- prepayments ---- */

void billing_prepay_list_free(struct billing_prepay_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		bill_prepay_clear(&l->items[i].p);
	free(l->items);
	free(l->clients);
	memset(l, 0, sizeof(*l));
}

static void prepay_push(struct billing_prepay_list *l, size_t *cap, const struct bill_prepay *p)
{
	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		l->items = xrealloc(l->items, *cap * sizeof(*l->items));
	}
	memset(&l->items[l->n], 0, sizeof(l->items[l->n]));
	l->items[l->n].p = *p;
	l->n++;
}

/* Items of one client together, clients by name then id; the order within kept. */
static int item_cmp(const void *a, const void *b)
{
	const struct billing_prepay_item *x = a, *y = b;
	int c = strcmp(x->p.client_name, y->p.client_name);

	if (c)
		return c;
	if (x->p.client_id != y->p.client_id)
		return x->p.client_id < y->p.client_id ? -1 : 1;
	c = strcmp(x->p.contract_number, y->p.contract_number);
	if (c)
		return c;
	return x->p.contract_id < y->p.contract_id ? -1 : x->p.contract_id > y->p.contract_id;
}

/* Totals of nothing, in the order of struct bill_spec's: 25, 13, 5, 0. */
static void vat_rates_init(struct bill_vat_total v[BILL_VAT_RATES])
{
	static const int rates[BILL_VAT_RATES] = {25, 13, 5, 0};

	memset(v, 0, BILL_VAT_RATES * sizeof(*v));
	for (int i = 0; i < BILL_VAT_RATES; i++)
		v[i].vat = rates[i];
}

/* The per-client and overall totals of l (items sorted); 0, or -1 on overflow. */
static int prepay_totals(struct billing_prepay_list *l)
{
	int ret = 0;

	size_t i = 0, cap_lines = 64;
	int *vat = xmalloc(cap_lines * sizeof(*vat));
	int64_t *net = xmalloc(cap_lines * sizeof(*net));

	l->clients = xcalloc(l->n ? l->n : 1, sizeof(*l->clients));
	while (i < l->n) {
		struct billing_prepay_client *c = &l->clients[l->n_clients++];
		size_t j = i, k = 0;

		c->client_id = l->items[i].p.client_id;
		xstrlcpy(c->client_name, l->items[i].p.client_name, sizeof(c->client_name));
		xstrlcpy(c->client_oib, l->items[i].p.client_oib, sizeof(c->client_oib));
		c->first = i;
		while (j < l->n && l->items[j].p.client_id == c->client_id)
			j++;
		c->n = j - i;
		for (size_t x = i; x < j; x++) {
			const struct bill_prepay *p = &l->items[x].p;

			for (size_t y = 0; y < p->n_lines; y++) {
				if (k == cap_lines) {
					cap_lines *= 2;
					vat = xrealloc(vat, cap_lines * sizeof(*vat));
					net = xrealloc(net, cap_lines * sizeof(*net));
				}
				vat[k] = p->lines[y].vat;
				net[k] = p->lines[y].amount;
				k++;
			}
		}
		if (bill_vat_totals(vat, net, k, c->vat, &c->net, &c->tax, &c->gross) < 0)
			ret = -1;
		/* The whole is the sum of what each client is invoiced. */
		for (int v = 0; v < BILL_VAT_RATES; v++) {
			l->vat[v].vat = c->vat[v].vat;
			l->vat[v].net += c->vat[v].net;
			l->vat[v].tax += c->vat[v].tax;
			l->vat[v].gross += c->vat[v].gross;
		}
		l->net += c->net;
		l->tax += c->tax;
		l->gross += c->gross;
		i = j;
	}
	free(vat);
	free(net);
	return ret;
}

int billing_prepay(struct store *st, int32_t month, int issue, int64_t now,
		   struct billing_prepay_list *out, struct billing_error *e)
{
	struct bill_contract_list cl = {0};
	struct bill_prepay_list pl = {0};
	struct billing_prepay_list l;
	unsigned char *taken = NULL;
	size_t cap = 0, i, j;
	int rc, ret = -1;

	memset(&l, 0, sizeof(l));
	l.month = month;
	vat_rates_init(l.vat);
	rc = store_contract_list(st, 0, &cl);
	if (rc == STORE_OK)
		rc = store_prepay_list(st, month, &pl);
	if (rc != STORE_OK) {
		fail_store(e, st, rc);
		goto out;
	}
	taken = xcalloc(pl.n ? pl.n : 1, 1);
	for (i = 0; i < cl.n; i++) {
		const struct bill_contract *c = &cl.items[i];
		struct bill_prepay p;
		const char *why = NULL;
		int64_t id = 0;

		/* Recorded already: shown as it was recorded. */
		for (j = 0; j < pl.n; j++)
			if (!taken[j] && pl.items[j].contract_id == c->id)
				break;
		if (j < pl.n) {
			taken[j] = 1;
			prepay_push(&l, &cap, &pl.items[j]);
			memset(&pl.items[j], 0, sizeof(pl.items[j]));
			l.items[l.n - 1].issued = 1;
			l.items[l.n - 1].prepayment_id = pl.ids ? pl.ids[j] : 0;
			l.items[l.n - 1].issued_at = pl.issued_at ? pl.issued_at[j] : 0;
			continue;
		}
		if (!c->prepaid)
			continue;
		memset(&p, 0, sizeof(p));
		rc = bill_prepay_contract(c, month, &p, &why);
		if (rc < 0) {
			bill_prepay_clear(&p);
			fail(e, BILLING_FAIL_RULES, "contract %s: %s", c->number,
			     why ? why : "the prepayment cannot be computed");
			goto out;
		}
		if (rc == 0) {
			bill_prepay_clear(&p);
			continue;
		}
		prepay_push(&l, &cap, &p);
		if (!issue)
			continue;
		rc = store_prepay_record(st, month, &l.items[l.n - 1].p, now, &id);
		if (rc != STORE_OK) {
			const char *msg = store_errmsg(st);

			fail(e, BILLING_FAIL_STORE, "contract %s: %s", c->number,
			     msg && *msg ? msg : "database error");
			e->store_rc = rc;
			goto out;
		}
		l.items[l.n - 1].issued = l.items[l.n - 1].issued_now = 1;
		l.items[l.n - 1].prepayment_id = id;
		l.items[l.n - 1].issued_at = now;
		l.issued_now++;
	}
	/* A recorded prepayment of a contract not listed (cannot happen: nothing is deleted). */
	for (j = 0; j < pl.n; j++)
		if (!taken[j]) {
			prepay_push(&l, &cap, &pl.items[j]);
			memset(&pl.items[j], 0, sizeof(pl.items[j]));
			l.items[l.n - 1].issued = 1;
			l.items[l.n - 1].prepayment_id = pl.ids ? pl.ids[j] : 0;
			l.items[l.n - 1].issued_at = pl.issued_at ? pl.issued_at[j] : 0;
		}
	if (l.n > 1)
		qsort(l.items, l.n, sizeof(*l.items), item_cmp);
	if (prepay_totals(&l) < 0) {
		fail(e, BILLING_FAIL_RULES, "the prepayments' totals overflow");
		goto out;
	}
	/* The documents show each client's OIB; contracts do not carry it. */
	for (i = 0; i < l.n_clients; i++) {
		struct billing_prepay_client *pc = &l.clients[i];
		struct client cli;

		rc = store_client_get(st, pc->client_id, &cli);
		if (rc != STORE_OK) {
			fail_store(e, st, rc);
			goto out;
		}
		xstrlcpy(pc->client_oib, cli.oib, sizeof(pc->client_oib));
		for (j = pc->first; j < pc->first + pc->n; j++)
			xstrlcpy(l.items[j].p.client_oib, cli.oib, sizeof(l.items[j].p.client_oib));
	}
	*out = l;
	memset(&l, 0, sizeof(l));
	ret = 0;
out:
	billing_prepay_list_free(&l);
	free(taken);
	bill_contract_list_free(&cl);
	bill_prepay_list_free(&pl);
	return ret;
}

int billing_prepay_write(const struct billing_prepay_list *l, enum billing_format format,
			 const char *lang, struct buf *out, struct billing_error *e)
{
	struct bill_prepay *ps = NULL;
	char err[256];
	int rc = 0;

	err[0] = '\0';
	if (format == BILLING_PDF || format == BILLING_XLSX)
		return fail(e, BILLING_FAIL_INPUT,
			    "prepayments are written as text, json or csv, not %s",
			    billing_format_name(format));
	if (format == BILLING_JSON) {
		char *doc = json_doc_prepay_list(l);

		rc = buf_puts(out, doc);
		free(doc);
		if (rc < 0)
			return fail(e, BILLING_FAIL_OUTPUT, "the output is larger than %zu bytes",
				    out->max);
		return 0;
	}
	/* The writers take the prepayments as one array (shallow copies). */
	ps = xcalloc(l->n ? l->n : 1, sizeof(*ps));
	for (size_t i = 0; i < l->n; i++)
		ps[i] = l->items[i].p;
	if (format == BILLING_CSV)
		rc = report_prepay_csv(ps, l->n, out, err, sizeof(err));
	else
		rc = report_prepay_text(ps, l->n, lang, out, err, sizeof(err));
	free(ps);
	/* The text also says which are recorded already (CSV is for invoicing: the lines only). */
	for (size_t i = 0; rc == 0 && format == BILLING_TEXT && i < l->n; i++) {
		const struct billing_prepay_item *it = &l->items[i];
		int hr = strcmp(lang, "hr") == 0;
		char when[32] = "";

		if (it->issued) {
			time_t t = (time_t)it->issued_at;
			struct tm tm;

			if (localtime_r(&t, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		}
		rc = buf_printf(out, "%s%s: %s%s%s\n", i == 0 ? "\n" : "", it->p.contract_number,
				it->issued ? (hr ? "izdano" : "issued")
					   : (hr ? "nije izdano" : "not issued"),
				when[0] ? " " : "", when);
		if (rc < 0)
			snprintf(err, sizeof(err), "the list is larger than %zu bytes", out->max);
	}
	if (rc < 0)
		return fail(e, BILLING_FAIL_OUTPUT, "%s", err[0] ? err : "cannot write the list");
	return 0;
}
