/*
 * cli: the option parser, error reporting, lookups, stdin readers and the
 * table printer shared by the cmd_*.c files (see cli.h).  The JSON itself
 * comes from web/json_doc.h; only its printing is here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/ticket.h"
#include "core/validate.h"
#include "util/xalloc.h"

/* ---- errors ---- */

static void cli_vmessage(const char *fmt, va_list ap)
{
	fputs("evid: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmessage(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmessage(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

int cli_store_error(struct store *st, int rc)
{
	const char *msg = st ? store_errmsg(st) : NULL;

	if (!msg || !*msg)
		msg = "database error";
	fprintf(stderr, "evid: %s\n", msg);
	return rc == STORE_BUSY || rc == STORE_FULL ? EXIT_TEMPFAIL : EXIT_FAIL;
}

/* ---- options ---- */

static const struct cli_opt *opt_find(const struct cli_opt *opts, const char *name, size_t n)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == n && strncmp(opts->name, name, n) == 0)
			return opts;
	return NULL;
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char **pos, int maxpos,
	      const char *what, const char *usage)
{
	unsigned char given[64] = { 0 };
	int npos = 0, i, only_pos = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *value;
		const struct cli_opt *o;
		size_t n, idx;

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (npos >= maxpos) {
				cli_usage_error(usage, "%s: unexpected argument '%.80s'", what, a);
				return -1;
			}
			pos[npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (a[1] != '-') {
			cli_usage_error(usage, "%s: unknown option '%.80s'", what, a);
			return -1;
		}
		name = a + 2;
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		o = opt_find(opts, name, n);
		if (!o) {
			cli_usage_error(usage, "%s: unknown option '--%.*s'", what,
					(int)(n > 80 ? 80 : n), name);
			return -1;
		}
		idx = (size_t)(o - opts);
		if (idx < sizeof(given)) {
			if (given[idx]) {
				cli_usage_error(usage, "%s: option --%s given twice", what,
						o->name);
				return -1;
			}
			given[idx] = 1;
		}
		if (o->kind == CLI_FLAG) {
			if (eq) {
				cli_usage_error(usage, "%s: option --%s takes no value", what,
						o->name);
				return -1;
			}
			*o->flag = 1;
			continue;
		}
		if (eq) {
			value = eq + 1;
		} else {
			if (i + 1 >= argc) {
				cli_usage_error(usage, "%s: option --%s needs a value", what,
						o->name);
				return -1;
			}
			value = argv[++i];
		}
		*o->value = value;
	}
	return npos;
}

int cli_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cli_parse_count(const char *s, int max, int *out)
{
	int64_t v;

	if (cli_parse_id(s, &v) < 0 || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* ---- lookups ---- */

int cli_find_user(struct store *st, const char *ref, struct user *out)
{
	char email[EMAIL_MAX_LEN + 1];
	int64_t id;
	int rc;

	if (cli_parse_id(ref, &id) == 0) {
		rc = store_user_get(st, id, out);
		if (rc == STORE_NOT_FOUND)
			return cli_error("no user with id %lld", (long long)id);
		return rc == STORE_OK ? 0 : cli_store_error(st, rc);
	}
	if (!valid_email(ref))
		return cli_error("'%.80s' is not a user's email address or id", ref);
	xstrlcpy(email, ref, sizeof(email));
	ascii_lower(email);
	rc = store_user_get_by_email(st, email, out, NULL);
	if (rc == STORE_NOT_FOUND)
		return cli_error("no user with email '%s': see 'evid user list'", email);
	return rc == STORE_OK ? 0 : cli_store_error(st, rc);
}

int cli_find_actor(struct store *st, const char *ref, struct user *out)
{
	int rc = cli_find_user(st, ref, out);

	if (rc)
		return rc;
	if (!out->active)
		return cli_error("user '%s' is disabled", out->email);
	return 0;
}

int cli_find_ticket(struct store *st, const char *ref, struct ticket *out)
{
	int64_t id, seq;
	int year, rc;

	if (ticket_number_parse(ref, &year, &seq) == 0) {
		rc = store_ticket_get_by_number(st, ref, out);
		if (rc == STORE_NOT_FOUND)
			return cli_error("no ticket with number %s", ref);
	} else if (cli_parse_id(ref, &id) == 0) {
		rc = store_ticket_get(st, id, out);
		if (rc == STORE_NOT_FOUND)
			return cli_error("no ticket with id %lld", (long long)id);
	} else {
		return cli_error("'%.80s' is not a ticket id or number (like 2026-000123)", ref);
	}
	return rc == STORE_OK ? 0 : cli_store_error(st, rc);
}

/* ---- input ---- */

int cli_read_stdin(struct buf *b)
{
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (buf_add(b, chunk, n) < 0)
			return cli_error("stdin is larger than %zu bytes", b->max);
	if (ferror(stdin))
		return cli_error("cannot read stdin: %s", strerror(errno));
	return 0;
}

int cli_read_password(char out[CLI_PASSWORD_MAX + 1])
{
	/* Room for the longest password, CR, LF, NUL and one byte to notice overflow. */
	char line[CLI_PASSWORD_MAX + 4];
	size_t n, chars = 0;

	if (!fgets(line, sizeof(line), stdin))
		return cli_error("no password on stdin");
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	else if (!feof(stdin))
		return cli_error("password is longer than %d bytes", CLI_PASSWORD_MAX);
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n > CLI_PASSWORD_MAX)
		return cli_error("password is longer than %d bytes", CLI_PASSWORD_MAX);
	if (!valid_text(line, CLI_PASSWORD_MAX, 0))
		return cli_error("password must be UTF-8 text without control characters");
	for (const char *p = line; *p; p++)
		if (((unsigned char)*p & 0xC0) != 0x80)
			chars++;
	if (chars < CLI_PASSWORD_MIN)
		return cli_error("password is too short: use at least %d characters",
				 CLI_PASSWORD_MIN);
	memcpy(out, line, n + 1);
	explicit_bzero(line, sizeof(line));
	return 0;
}

/* ---- tables ---- */

#define CELL_MAX_CHARS 48

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *heads)
{
	t->ncols = ncols;
	t->heads = heads;
	t->cells = NULL;
	t->nrows = 0;
	t->cap = 0;
}

static size_t utf8_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * A copy of s fit for one cell: controls as spaces, at most CELL_MAX_CHARS
 * characters (cut on a character boundary, ending in "...").
 */
static char *cell_dup(const char *s)
{
	struct buf b = BUF_INIT(CELL_MAX_CHARS * 4 + 4);
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t keep = utf8_width((const char *)p), chars = 0;
	int cut = keep > CELL_MAX_CHARS;

	if (cut)
		keep = CELL_MAX_CHARS - 3;
	for (; *p; p++) {
		if ((*p & 0xC0) != 0x80 && ++chars > keep)
			break;
		if (buf_putc(&b, (*p < 0x20 || *p == 0x7F) ? ' ' : (char)*p) < 0)
			break;
	}
	/* The cap has room for 4 bytes a character and the mark: this cannot fail. */
	if (cut && buf_puts(&b, "...") < 0)
		abort();
	return buf_detach(&b);
}

void cli_table_row(struct cli_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = cell_dup(cells[i]);
	t->nrows++;
}

static void table_line(const struct cli_table *t, const char *const *cells, const size_t *w,
		       FILE *f)
{
	size_t i, pad;

	for (i = 0; i < t->ncols; i++) {
		fputs(cells[i], f);
		if (i + 1 == t->ncols)
			break;
		for (pad = utf8_width(cells[i]); pad < w[i] + 2; pad++)
			fputc(' ', f);
	}
	fputc('\n', f);
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t));
	size_t r, i, n;

	for (i = 0; i < t->ncols; i++)
		w[i] = utf8_width(t->heads[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			n = utf8_width(t->cells[r * t->ncols + i]);
			if (n > w[i])
				w[i] = n;
		}
	table_line(t, t->heads, w, f);
	for (r = 0; r < t->nrows; r++)
		table_line(t, (const char *const *)&t->cells[r * t->ncols], w, f);
	free(w);
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

void cli_local_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t == 0 || !localtime_r(&tt, &tm))
		return;
	strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* ---- JSON output ---- */

int cli_json_print(char *doc)
{
	size_t n = strlen(doc);
	int rc = 0;

	if (fwrite(doc, 1, n, stdout) != n || fflush(stdout) != 0)
		rc = cli_error("cannot write the output");
	/* `user add --json` prints a generated password: leave no copy behind. */
	explicit_bzero(doc, n);
	free(doc);
	return rc;
}
