/*
 * json_fetch: the summary of one mailbox poll (mail/imap.h's fetch_stats)
 * as JSON, for `evid fetch --json`; declared in json_doc.h with the other
 * documents the CLI prints.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "mail/imap.h"
#include "util/xalloc.h"
#include "web/json_doc.h"

static void put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v) < 0) {
		fputs("evid: out of memory while writing json\n", stderr);
		abort();
	}
}

char *json_doc_fetch(const struct fetch_stats *s, int ok)
{
	json_t *doc = json_object(), *f = json_object();
	size_t n;
	char *text;

	put(f, "ok", json_boolean(ok));
	put(f, "error", ok ? json_null() : json_string(s->error));
	put(f, "mailbox", json_string(s->mailbox));
	put(f, "uidvalidity", json_integer(s->uidvalidity));
	put(f, "last_uid", json_integer(s->last_uid));
	put(f, "uidvalidity_changed", json_boolean(s->reset));
	put(f, "found", json_integer(s->found));
	put(f, "imported", json_integer(s->imported));
	put(f, "new_tickets", json_integer(s->new_tickets));
	put(f, "replies", json_integer(s->replies));
	put(f, "duplicates", json_integer(s->duplicates));
	put(f, "bounces", json_integer(s->bounces));
	put(f, "own", json_integer(s->own));
	put(f, "quarantined", json_integer(s->quarantined));
	put(f, "too_big", json_integer(s->too_big));
	put(f, "gone", json_integer(s->gone));
	put(f, "flagged", json_integer(s->flagged));
	put(f, "moved", json_integer(s->moved));
	put(f, "flag_failed", json_integer(s->flag_failed));
	put(f, "stopped", json_boolean(s->stopped));
	put(f, "bytes", json_integer(s->bytes));
	put(f, "ms", json_integer(s->ms));
	put(doc, "fetch", f);
	n = json_dumpb(doc, NULL, 0, JSON_INDENT(2));
	if (!n)
		abort();
	text = xmalloc(n + 2);
	if (json_dumpb(doc, text, n, JSON_INDENT(2)) != n)
		abort();
	text[n] = '\n';
	text[n + 1] = '\0';
	json_decref(doc);
	return text;
}
