/*
 * The mail corpus: every tests/data/mail/NNN-name.eml is parsed with
 * mime_parse and checked against NNN-name.expect, one cmocka test per case
 * (so a failure names the case).  Keys are described in
 * tests/data/mail/README.md; keys this driver does not know (those of the
 * intake tests) are ignored.  EVID_MAIL_DATA overrides the directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mail.h"
#include "core/validate.h"
#include "mail/mime.h"

#define MAX_CASES 1000
#define MAX_VALUE 4096

static const char *data_dir(void)
{
	const char *d = getenv("EVID_MAIL_DATA");

	return d && *d ? d : "tests/data/mail";
}

/* Read a whole file; returns malloc'd bytes (NUL-terminated) or NULL. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			buf[len] = '\0';
			*n = (size_t)len;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* "\n", "\t" and "\\" in expected values. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

struct expect_line {
	char key[32];
	char value[MAX_VALUE];
};

/* Split the .expect text into lines "key: value"; returns the count. */
static size_t parse_expect(char *text, struct expect_line **out)
{
	size_t n = 0, cap = 16;
	struct expect_line *l = calloc(cap, sizeof(*l));
	char *line, *save = NULL, *colon, *v;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		colon = strchr(line, ':');
		if (!colon || (size_t)(colon - line) >= sizeof(l->key))
			continue;
		if (n == cap) {
			cap *= 2;
			l = realloc(l, cap * sizeof(*l));
		}
		memcpy(l[n].key, line, (size_t)(colon - line));
		l[n].key[colon - line] = '\0';
		v = colon + 1;
		if (*v == ' ')
			v++;
		snprintf(l[n].value, sizeof(l[n].value), "%s", v);
		unescape(l[n].value);
		n++;
	}
	*out = l;
	return n;
}

static int yes(const char *v)
{
	return strcmp(v, "yes") == 0;
}

#define CHECK_STR(what, got, want)                                                                 \
	do {                                                                                       \
		if (strcmp((got), (want)) != 0)                                                    \
			fail_msg("%s: %s: got '%s', want '%s'", c->name, what, (got), (want));     \
	} while (0)

#define CHECK_INT(what, got, want)                                                                 \
	do {                                                                                       \
		if ((long long)(got) != (long long)(want))                                         \
			fail_msg("%s: %s: got %lld, want %lld", c->name, what, (long long)(got),   \
				 (long long)(want));                                               \
	} while (0)

struct corpus_case {
	char name[256];
	char path[1024];
};

static void join_addrs(const struct mail_addr_list *l, char *out, size_t outsz)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? " " : "", l->items[i].addr);
}

static int is_auto(const struct mail_msg *m)
{
	return (m->auto_submitted[0] && strcmp(m->auto_submitted, "no") != 0) ||
	       strcmp(m->precedence, "bulk") == 0 || strcmp(m->precedence, "junk") == 0 ||
	       strcmp(m->precedence, "list") == 0 || m->has_list_id || m->return_path_empty;
}

/* What holds for every message whatever its .expect says. */
static void check_invariants(const struct corpus_case *c, const struct mail_msg *m)
{
	size_t i;

	assert_non_null(m->text);
	CHECK_INT("text_len", strlen(m->text), m->text_len);
	if (!valid_utf8(m->text, m->text_len))
		fail_msg("%s: text is not UTF-8", c->name);
	if (m->quote_at > m->text_len)
		fail_msg("%s: quote_at %zu beyond text_len %zu", c->name, m->quote_at, m->text_len);
	if (!valid_text(m->subject, SUBJECT_MAX_LEN, 0))
		fail_msg("%s: subject not one clean line: '%s'", c->name, m->subject);
	if (!valid_text(m->from.name, NAME_MAX_LEN, 0))
		fail_msg("%s: from_name not one clean line", c->name);
	for (i = 0; i < m->files.n; i++) {
		const struct mail_file *f = &m->files.items[i];

		if (!f->filename[0] || strchr(f->filename, '/') || strchr(f->filename, '\\') ||
		    !valid_text(f->filename, FILENAME_MAX_LEN, 0))
			fail_msg("%s: bad file name '%s'", c->name, f->filename);
		if (!f->media_type[0] || !strchr(f->media_type, '/'))
			fail_msg("%s: bad media type '%s'", c->name, f->media_type);
	}
}

static void run_case(void **state)
{
	const struct corpus_case *c = *state;
	char path[1100], joined[MAX_VALUE], err[128];
	char *raw, *etext;
	size_t rawlen, elen, n, i, nfile = 0;
	struct expect_line *e;
	struct mime_limits lim = {10u << 20, 25u << 20, 100};
	struct mail_msg m;
	int rc, want_rc = 0;

	raw = slurp(c->path, &rawlen);
	if (!raw)
		fail_msg("%s: cannot read %s", c->name, c->path);
	snprintf(path, sizeof(path), "%.*s.expect", (int)(strlen(c->path) - 4), c->path);
	etext = slurp(path, &elen);
	if (!etext)
		fail_msg("%s: no %s beside it", c->name, path);
	n = parse_expect(etext, &e);

	for (i = 0; i < n; i++) {
		if (strcmp(e[i].key, "limits") == 0 &&
		    sscanf(e[i].value, "%zu %zu %zu", &lim.max_file, &lim.max_files,
			   &lim.max_count) != 3)
			fail_msg("%s: bad limits line", c->name);
		if (strcmp(e[i].key, "parse") == 0)
			want_rc = strcmp(e[i].value, "error") == 0 ? -1 : 0;
	}
	rc = mime_parse(raw, rawlen, &lim, &m, err, sizeof(err));
	if (rc != want_rc)
		fail_msg("%s: mime_parse returned %d (%s), want %d", c->name, rc, err, want_rc);
	if (rc < 0)
		goto out;
	check_invariants(c, &m);

	for (i = 0; i < n; i++) {
		const char *k = e[i].key, *v = e[i].value;

		if (strcmp(k, "from") == 0) {
			CHECK_STR(k, m.from.addr, v);
		} else if (strcmp(k, "from_name") == 0) {
			CHECK_STR(k, m.from.name, v);
		} else if (strcmp(k, "reply_to") == 0) {
			CHECK_STR(k, m.reply_to.addr, v);
		} else if (strcmp(k, "to") == 0) {
			join_addrs(&m.to, joined, sizeof(joined));
			CHECK_STR(k, joined, v);
		} else if (strcmp(k, "cc") == 0) {
			join_addrs(&m.cc, joined, sizeof(joined));
			CHECK_STR(k, joined, v);
		} else if (strcmp(k, "subject") == 0) {
			CHECK_STR(k, m.subject, v);
		} else if (strcmp(k, "subject_starts") == 0) {
			if (strncmp(m.subject, v, strlen(v)) != 0)
				fail_msg("%s: subject '%s' does not start with '%s'", c->name,
					 m.subject, v);
		} else if (strcmp(k, "subject_bytes") == 0) {
			CHECK_INT(k, strlen(m.subject), atoll(v));
		} else if (strcmp(k, "date") == 0) {
			CHECK_INT(k, m.date, atoll(v));
		} else if (strcmp(k, "message_id") == 0) {
			CHECK_STR(k, m.message_id, v);
		} else if (strcmp(k, "in_reply_to") == 0) {
			CHECK_STR(k, m.in_reply_to, v);
		} else if (strcmp(k, "references") == 0) {
			size_t j, o = 0;

			joined[0] = '\0';
			for (j = 0; j < m.n_references && o < sizeof(joined); j++)
				o += (size_t)snprintf(joined + o, sizeof(joined) - o, "%s%s",
						      j ? " " : "", m.references[j]);
			CHECK_STR(k, joined, v);
		} else if (strcmp(k, "text_starts") == 0) {
			if (strncmp(m.text, v, strlen(v)) != 0)
				fail_msg("%s: text does not start with '%s':\n%.300s", c->name, v,
					 m.text);
		} else if (strcmp(k, "text_contains") == 0) {
			if (!strstr(m.text, v))
				fail_msg("%s: text lacks '%s':\n%.2000s", c->name, v, m.text);
		} else if (strcmp(k, "text_not_contains") == 0) {
			if (strstr(m.text, v))
				fail_msg("%s: text has '%s':\n%.2000s", c->name, v, m.text);
		} else if (strcmp(k, "quote") == 0) {
			if ((m.quote_at < m.text_len) != yes(v))
				fail_msg("%s: quote: got %s (quote_at %zu of %zu), want %s",
					 c->name, m.quote_at < m.text_len ? "yes" : "no",
					 m.quote_at, m.text_len, v);
		} else if (strcmp(k, "quote_starts") == 0) {
			if (strncmp(m.text + m.quote_at, v, strlen(v)) != 0)
				fail_msg("%s: quote starts with '%.60s', want '%s'", c->name,
					 m.text + m.quote_at, v);
		} else if (strcmp(k, "text_from_html") == 0) {
			CHECK_INT(k, m.text_from_html, yes(v));
		} else if (strcmp(k, "file") == 0) {
			/* NAME MEDIA/TYPE SIZE; the name may hold spaces */
			char *sp2 = strrchr(v, ' '), *sp1;
			const struct mail_file *f;
			char name[MAX_VALUE], type[MAX_VALUE];

			if (!sp2)
				fail_msg("%s: bad file line '%s'", c->name, v);
			*sp2 = '\0';
			sp1 = strrchr(v, ' ');
			if (!sp1)
				fail_msg("%s: bad file line '%s'", c->name, v);
			snprintf(name, sizeof(name), "%.*s", (int)(sp1 - v), v);
			snprintf(type, sizeof(type), "%s", sp1 + 1);
			if (nfile >= m.files.n)
				fail_msg("%s: file %zu '%s' missing (only %zu files)", c->name,
					 nfile + 1, name, m.files.n);
			f = &m.files.items[nfile++];
			CHECK_STR("file name", f->filename, name);
			CHECK_STR("file type", f->media_type, type);
			CHECK_INT("file size", f->size, atoll(sp2 + 1));
		} else if (strcmp(k, "inline") == 0) {
			/* NAME CID: that file is an inline image with that Content-ID */
			char *sp = strrchr(v, ' ');
			size_t j;

			if (!sp)
				fail_msg("%s: bad inline line '%s'", c->name, v);
			*sp = '\0';
			for (j = 0; j < m.files.n; j++)
				if (strcmp(m.files.items[j].filename, v) == 0)
					break;
			if (j == m.files.n)
				fail_msg("%s: no file '%s' for inline", c->name, v);
			CHECK_INT("is_inline", m.files.items[j].is_inline, 1);
			CHECK_STR("content_id", m.files.items[j].content_id, sp + 1);
		} else if (strcmp(k, "files_dropped") == 0) {
			CHECK_INT(k, m.files_dropped, atoll(v));
		} else if (strcmp(k, "auto") == 0) {
			CHECK_INT(k, is_auto(&m), yes(v));
		} else if (strcmp(k, "auto_submitted") == 0) {
			CHECK_STR(k, m.auto_submitted, v);
		} else if (strcmp(k, "precedence") == 0) {
			CHECK_STR(k, m.precedence, v);
		} else if (strcmp(k, "evid_marker") == 0) {
			CHECK_INT(k, m.has_evid_marker, yes(v));
		} else if (strcmp(k, "dsn") == 0) {
			CHECK_INT(k, m.is_dsn, yes(v));
		} else if (strcmp(k, "dsn_original_id") == 0) {
			CHECK_STR(k, m.dsn_original_id, v);
		} else if (strcmp(k, "dsn_action") == 0) {
			CHECK_STR(k, m.dsn_action, v);
		} else if (strcmp(k, "dsn_recipient") == 0) {
			CHECK_STR(k, m.dsn_recipient, v);
		}
	}
	/* The file lines list every file: none missing, none extra. */
	if (nfile != m.files.n)
		fail_msg("%s: %zu files, the .expect lists %zu (first extra: '%s')", c->name,
			 m.files.n, nfile, m.files.items[nfile].filename);
	mail_msg_free(&m);
out:
	free(e);
	free(etext);
	free(raw);
}

static int by_name(const void *a, const void *b)
{
	const struct corpus_case *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int main(void)
{
	static struct corpus_case cases[MAX_CASES];
	struct CMUnitTest *tests;
	const char *dir = data_dir();
	struct dirent *de;
	size_t n = 0, i, len;
	DIR *d;
	int rc;

	mime_init();
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "test_mail_corpus: cannot open %s (set EVID_MAIL_DATA)\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < MAX_CASES) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".eml") != 0)
			continue;
		snprintf(cases[n].name, sizeof(cases[n].name), "%.*s", (int)(len - 4), de->d_name);
		snprintf(cases[n].path, sizeof(cases[n].path), "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "test_mail_corpus: no .eml cases in %s\n", dir);
		return 1;
	}
	qsort(cases, n, sizeof(cases[0]), by_name);
	tests = calloc(n, sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = &cases[i];
	}
	rc = _cmocka_run_group_tests("mail_corpus", tests, n, NULL, NULL);
	free(tests);
	return rc;
}
