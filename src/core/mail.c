/*
 * mail: releasing a parsed message (see mail.h); the parser that fills it
 * lives in src/mail/mime.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mail.h"

void mail_msg_free(struct mail_msg *m)
{
	size_t i;

	if (!m)
		return;
	free(m->to.items);
	free(m->cc.items);
	for (i = 0; i < m->n_references; i++)
		free(m->references[i]);
	free(m->references);
	free(m->text);
	for (i = 0; i < m->files.n; i++)
		free(m->files.items[i].data);
	free(m->files.items);
	memset(m, 0, sizeof(*m));
}
