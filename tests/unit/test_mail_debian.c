/*
 * Mail nobody here wrote: every test message Debian ships with enmime
 * (golang-github-jhillyerd-enmime-dev, testdata/ *.raw and *.golden),
 * MIME::Explode (libmime-explode-perl, examples/testmsgs) and Mailman 3
 * (the *.eml files of the mailman3 package, copied out of its .deb into
 * build/testdata/mailman3 by scripts/mailman-testdata.sh) goes through
 * mime_parse, one cmocka test per file: none may crash or be refused, and
 * every result must be clean (UTF-8, one-line fields, safe file names).
 * enmime's .golden files are the output of its encoder for inputs its
 * encode_test.go and builder_test.go state; for those the subject, sender,
 * file names and body text must agree with what went in.
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
#include <sys/stat.h>

#include "core/mail.h"
#include "core/validate.h"
#include "mail/mime.h"

#define ENMIME_DIR "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"
#define EXPLODE_DIR "/usr/share/doc/libmime-explode-perl/examples/testmsgs"
#define MAILMAN_DIR "build/testdata/mailman3" /* relative to the repository root */
#define MAX_FILES 1000

/* What enmime's tests put into the encoder for each golden file. */
struct golden {
	const char *file;
	const char *subject;
	const char *from;
	const char *from_name;
	const char *to; /* addresses, space-separated */
	const char *files[2];
	const char *text; /* the body, or NULL when the test states none */
};

static const struct golden goldens[] = {
    {"build-qp-addr-headers.golden",
     "RFC 2047",
     "ojarnef@admin.kth.se",
     "Olle Järnefors",
     "paf@nada.kth.se keld@dkuug.dk",
     {NULL},
     ""},
    {"part-default-headers.golden", "", "", "", "", {"stuff.zip"}, ""},
    {"part-quoted-headers.golden", "", "", "", "", {"árvíztűrő \"x\" tükörfúrógép.zip"}, ""},
    {"part-quoted-printable-headers.golden",
     "",
     "",
     "",
     "",
     {"árvíztűrő \"x\" tükörfúrógép.zip"},
     ""},
    {"part-bin-header.golden",
     "¡Hola, señor!",
     "",
     "",
     "",
     {NULL},
     "This is a test of a plain text part.\n\nAnother line."},
    {"part-plain.golden",
     "",
     "",
     "",
     "",
     {NULL},
     "This is a test of a plain text part.\n\nAnother line."},
    {"part-content-only.golden", "", "", "", "", {NULL}, "No header, only content."},
    {"part-content-only-qp.golden", "", "", "", "", {NULL}, "☆ No header, only content."},
    {"part-quoted-content.golden", "", "", "", "", {NULL}, "¡Hola, señor! Welcome to MIME"},
    {"part-file-mod-date.golden", "", "", "", "", {NULL}, "¡Hola, señor! Welcome to MIME"},
    {"part-with-children.golden", "", "", "", "", {NULL}, "Plain text part"},
    {"nocontent-with-children.golden", "", "", "", "", {NULL}, "Plain text part"},
    /* A part of 2000 bytes of image/jpeg with no name. */
    {"part-bin-content.golden", "", "", "", "", {"attachment-1.jpg"}, ""},
    {"part-header-only.golden", "", "", "", "", {NULL}, ""},
    {"part-header-only-default-encoding.golden", "", "", "", "", {NULL}, ""},
    /* "Hello=" sent as quoted-printable unchanged: a lone '=' at the end stays. */
    {"part-quotable-content.golden", "", "", "", "", {NULL}, "Hello="},
};

/*
 * The two inputs that are refused, as their own project expects: enmime's
 * tests require erroneous.raw to fail ("Failed to read envelope"), and
 * part-empty.golden is the encoding of an empty part: zero bytes.
 */
static const char *const refused[] = {"mail/erroneous.raw", "encode/part-empty.golden", NULL};

struct set_file {
	char name[300]; /* "enmime/mail/x.raw" */
	char path[1024];
	int is_golden;
};

static struct set_file files[MAX_FILES];
static size_t n_files;

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

enum set { SET_ENMIME, SET_EXPLODE, SET_MAILMAN };

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int wanted(const char *name, enum set set)
{
	switch (set) {
	case SET_ENMIME:
		return ends_with(name, ".raw") || ends_with(name, ".golden");
	case SET_MAILMAN:
		return ends_with(name, ".eml");
	default:
		return name[0] != '.';
	}
}

/* Collect the files of dir (and its subdirectories, one level) into files[]. */
static void collect(const char *set, const char *root, const char *sub, enum set which)
{
	char dir[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s%s%s", root, sub[0] ? "/" : "", sub) >= (int)sizeof(dir))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL && n_files < MAX_FILES) {
		struct set_file *f = &files[n_files];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(f->path, sizeof(f->path), "%s/%s", dir, de->d_name) >=
			(int)sizeof(f->path) ||
		    stat(f->path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!sub[0])
				collect(set, root, de->d_name, which);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !wanted(de->d_name, which))
			continue;
		if (snprintf(f->name, sizeof(f->name), "%s/%s%s%s", set, sub, sub[0] ? "/" : "",
			     de->d_name) >= (int)sizeof(f->name))
			continue;
		f->is_golden = which == SET_ENMIME && ends_with(de->d_name, ".golden");
		n_files++;
	}
	closedir(d);
}

static void join_addrs(const struct mail_addr_list *l, char *out, size_t outsz)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? " " : "", l->items[i].addr);
}

static void check_golden(const struct set_file *f, const struct mail_msg *m)
{
	const char *base = strrchr(f->path, '/') + 1;
	const struct golden *g = NULL;
	char to[1024];
	size_t i, nf = 0;

	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++)
		if (strcmp(goldens[i].file, base) == 0)
			g = &goldens[i];
	if (!g)
		fail_msg("%s: a golden file this test does not know: add what enmime's test "
			 "put into it",
			 f->name);
	assert_string_equal(m->subject, g->subject);
	assert_string_equal(m->from.addr, g->from);
	assert_string_equal(m->from.name, g->from_name);
	join_addrs(&m->to, to, sizeof(to));
	assert_string_equal(to, g->to);
	while (nf < 2 && g->files[nf])
		nf++;
	assert_int_equal(m->files.n, nf);
	for (i = 0; i < nf; i++)
		assert_string_equal(m->files.items[i].filename, g->files[i]);
	if (g->text)
		assert_string_equal(m->text, g->text);
}

static void run_file(void **state)
{
	const struct set_file *f = *state;
	struct mail_msg m;
	char *raw, err[128];
	size_t n = 0, i;
	int rc, want = 0;

	raw = slurp(f->path, &n);
	if (!raw)
		fail_msg("%s: cannot read %s", f->name, f->path);
	for (i = 0; refused[i]; i++)
		if (strncmp(f->name, "enmime/", 7) == 0 && strcmp(f->name + 7, refused[i]) == 0)
			want = -1;
	rc = mime_parse(raw, n, NULL, &m, err, sizeof(err));
	if (rc != want)
		fail_msg("%s: mime_parse returned %d (%s), want %d", f->name, rc, err, want);
	if (rc == 0) {
		assert_non_null(m.text);
		assert_int_equal(strlen(m.text), m.text_len);
		assert_true(valid_utf8(m.text, m.text_len));
		assert_true(m.quote_at <= m.text_len);
		assert_true(valid_text(m.subject, SUBJECT_MAX_LEN, 0));
		assert_true(valid_text(m.from.name, NAME_MAX_LEN, 0));
		for (i = 0; i < m.files.n; i++) {
			const struct mail_file *mf = &m.files.items[i];

			if (!mf->filename[0] || strchr(mf->filename, '/') ||
			    !valid_text(mf->filename, FILENAME_MAX_LEN, 0))
				fail_msg("%s: bad file name '%s'", f->name, mf->filename);
		}
		if (f->is_golden)
			check_golden(f, &m);
		mail_msg_free(&m);
	}
	free(raw);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct set_file *)a)->name, ((const struct set_file *)b)->name);
}

int main(void)
{
	const char *enmime = getenv("EVID_ENMIME_DATA"), *explode = getenv("EVID_EXPLODE_DATA");
	const char *mailman = getenv("EVID_MAILMAN_DATA");
	struct CMUnitTest *tests;
	size_t i, n_enmime, n_explode, n_mailman;
	int rc;

	mime_init();
	collect("enmime", enmime && *enmime ? enmime : ENMIME_DIR, "", SET_ENMIME);
	n_enmime = n_files;
	collect("mime-explode", explode && *explode ? explode : EXPLODE_DIR, "", SET_EXPLODE);
	n_explode = n_files - n_enmime;
	collect("mailman3", mailman && *mailman ? mailman : MAILMAN_DIR, "", SET_MAILMAN);
	n_mailman = n_files - n_enmime - n_explode;
	/* All three sets come with `make deps-test`; a missing one is a failure. */
	if (n_enmime < 90 || n_explode < 30 || n_mailman < 10) {
		fprintf(stderr,
			"test_mail_debian: found %zu enmime, %zu MIME::Explode and %zu Mailman "
			"messages, want at least 90, 30 and 10: run make deps-test\n",
			n_enmime, n_explode, n_mailman);
		return 1;
	}
	qsort(files, n_files, sizeof(files[0]), by_name);
	tests = calloc(n_files, sizeof(*tests));
	for (i = 0; i < n_files; i++) {
		tests[i].name = files[i].name;
		tests[i].test_func = run_file;
		tests[i].initial_state = &files[i];
	}
	rc = _cmocka_run_group_tests("mail_debian", tests, n_files, NULL, NULL);
	free(tests);
	return rc;
}
