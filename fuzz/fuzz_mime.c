/*
 * libFuzzer harness for the message parser: any bytes go through
 * mime_parse (GMime, the charset guess, RFC 2047 joining, TNEF, HTML to
 * text, quote detection) and the result is checked for what must always
 * hold, so the fuzzer finds wrong output as well as crashes and leaks.
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mail.h"
#include "core/validate.h"
#include "mail/mime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mime_init();
	return 0;
}

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small limits so that the limit paths are taken too. */
	struct mime_limits lim = {64 * 1024, 128 * 1024, 8};
	struct mail_msg m;
	char err[128];
	size_t i, j;

	if (mime_parse((const char *)data, size, &lim, &m, err, sizeof(err)) != 0) {
		check(err[0] != '\0');
		return 0;
	}
	check(m.text != NULL && strlen(m.text) == m.text_len);
	check(valid_utf8(m.text, m.text_len));
	check(m.quote_at <= m.text_len);
	check(valid_text(m.subject, SUBJECT_MAX_LEN, 0));
	check(valid_text(m.from.name, NAME_MAX_LEN, 0));
	check(valid_text(m.reply_to.name, NAME_MAX_LEN, 0));
	check(valid_utf8(m.message_id, strlen(m.message_id)));
	check(m.n_references <= MAIL_MAX_REFERENCES);
	for (i = 0; i < m.n_references; i++)
		check(m.references[i][0] != '\0' && strlen(m.references[i]) <= MSGID_MAX_LEN);
	check(m.to.n <= MAIL_MAX_ADDRS && m.cc.n <= MAIL_MAX_ADDRS);
	check(m.files.n <= lim.max_count);
	for (i = 0, j = 0; i < m.files.n; i++) {
		const struct mail_file *f = &m.files.items[i];

		check(f->filename[0] != '\0' && !strchr(f->filename, '/') &&
		      !strchr(f->filename, '\\'));
		check(valid_text(f->filename, FILENAME_MAX_LEN, 0));
		check(strchr(f->media_type, '/') != NULL);
		check(f->size <= lim.max_file && f->data != NULL);
		j += f->size;
	}
	check(j <= lim.max_files);
	mail_msg_free(&m);
	return 0;
}
