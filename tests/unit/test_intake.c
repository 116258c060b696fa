/*
 * Unit tests for mail/intake.c (the policy from the configuration, the size
 * check, the quarantine of what cannot be read or imported, re-processing)
 * and for store_mail_adopt_contact, against a real database file in a fresh
 * folder under /tmp per test, with the real MIME parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/intake.h"
#include "mail/mime.h"
#include "store/store.h"
#include "store/store_mail.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
	struct config conf;
	int64_t client;
};

static const char hello[] = "From: Ivan Horvat <Ivan@Klijent.hr>\r\n"
			    "To: podrska@firma.hr\r\n"
			    "Subject: Printer\r\n"
			    "Message-ID: <hello-1@klijent.hr>\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n"
			    "\r\n"
			    "Printer ne radi.\r\n";

static const char not_a_message[] = "samo tekst bez zaglavlja\n";

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct client c;
	char err[256];

	strcpy(fx->dir, "/tmp/evid-test-intake-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/evid.db", fx->dir);
	if (store_open(fx->path, &fx->st, err, sizeof(err)) != STORE_OK ||
	    store_migrate(fx->st, NULL) != STORE_OK)
		return -1;
	config_defaults(&fx->conf);
	strcpy(fx->conf.mail_address, "Podrska@Firma.hr");
	strcpy(fx->conf.mail_aliases, " pomoc@firma.hr, podrska@firma.hr ,help@firma.hr");
	memset(&c, 0, sizeof(c));
	strcpy(c.name, "Klijent d.o.o.");
	strcpy(c.email_domains, "klijent.hr");
	c.active = 1;
	if (store_client_create(fx->st, &c, NOW) != STORE_OK)
		return -1;
	fx->client = c.id;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	store_close(fx->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void test_policy_from_config(void **state)
{
	struct fx *fx = *state;
	char ours[sizeof(fx->conf.mail_address) + sizeof(fx->conf.mail_aliases)], domain[255];
	struct mail_policy pol;

	mail_policy_from_config(&fx->conf, NOW, &pol, ours, sizeof(ours), domain, sizeof(domain));
	/* lowercase, trimmed, each once, the support address first */
	assert_string_equal(pol.ours, "podrska@firma.hr,pomoc@firma.hr,help@firma.hr");
	assert_string_equal(pol.msgid_domain, "firma.hr");
	assert_string_equal(pol.tag_prefix, "#");
	assert_int_equal(pol.reopen_days, 14);
	assert_int_equal(pol.autoreply_per_hour, 5);
	assert_int_equal(pol.year, 2026);

	/* an address that does not fit whole is left out, never cut */
	mail_policy_from_config(&fx->conf, NOW, &pol, ours, 33, domain, sizeof(domain));
	assert_string_equal(pol.ours, "podrska@firma.hr,pomoc@firma.hr");

	/* no support address: a domain that is ours by definition */
	fx->conf.mail_address[0] = '\0';
	mail_policy_from_config(&fx->conf, NOW, &pol, ours, sizeof(ours), domain, sizeof(domain));
	assert_string_equal(pol.msgid_domain, "evid.invalid");
	assert_string_equal(pol.ours, "pomoc@firma.hr,podrska@firma.hr,help@firma.hr");
	/* a domain a Message-ID cannot carry */
	strcpy(fx->conf.mail_address, "podrska@firma_x.hr");
	mail_policy_from_config(&fx->conf, NOW, &pol, ours, sizeof(ours), domain, sizeof(domain));
	assert_string_equal(pol.msgid_domain, "evid.invalid");
}

static void test_intake_imports(void **state)
{
	struct fx *fx = *state;
	struct intake_result r;
	struct quarantine_list l = {0};

	assert_int_equal(
	    mail_intake(fx->st, &fx->conf, hello, strlen(hello), MAIL_SOURCE_PIPE, NOW, &r),
	    STORE_OK);
	assert_false(r.quarantined);
	assert_int_equal(r.outcome.result, MAIL_NEW);
	assert_string_equal(r.outcome.number, "2026-000001");
	assert_int_equal(r.outcome.client_id, fx->client);
	assert_int_equal(r.outcome.queued, 1); /* the acknowledgement; no staff yet */
	assert_string_equal(mail_result_name(r.outcome.result), "new");
	/* the same bytes again */
	assert_int_equal(
	    mail_intake(fx->st, &fx->conf, hello, strlen(hello), MAIL_SOURCE_IMAP, NOW + 1, &r),
	    STORE_OK);
	assert_int_equal(r.outcome.result, MAIL_DUPLICATE);
	assert_string_equal(r.outcome.number, "2026-000001");
	assert_int_equal(store_quarantine_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	quarantine_list_free(&l);
}

static void test_intake_quarantines_unreadable(void **state)
{
	struct fx *fx = *state;
	struct intake_result r, again;
	struct quarantine_list l = {0};
	struct quarantine_item q;
	char hash[CRYPTO_SHA256_HEX], *raw = NULL;
	size_t n = 0;

	assert_int_equal(mail_intake(fx->st, &fx->conf, not_a_message, strlen(not_a_message),
				     MAIL_SOURCE_PIPE, NOW, &r),
			 STORE_OK);
	assert_true(r.quarantined);
	assert_true(r.quarantine_id > 0);
	assert_string_equal(r.why, "cannot read the message: no header block");
	assert_int_equal(store_quarantine_get(fx->st, r.quarantine_id, &q, &raw, &n), STORE_OK);
	assert_int_equal(n, strlen(not_a_message));
	assert_memory_equal(raw, not_a_message, n);
	crypto_sha256_hex(not_a_message, n, hash);
	assert_string_equal(q.sha256, hash);
	assert_string_equal(q.status, "held");
	assert_int_equal(q.source, MAIL_SOURCE_PIPE);
	free(raw);

	/* re-processing: still unreadable, still the one item, still held */
	assert_int_equal(
	    mail_quarantine_reprocess(fx->st, &fx->conf, r.quarantine_id, NOW + 60, &again),
	    STORE_OK);
	assert_true(again.quarantined);
	assert_int_equal(again.quarantine_id, r.quarantine_id);
	assert_int_equal(store_quarantine_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].status, "held");
	assert_int_equal(l.items[0].source, MAIL_SOURCE_PIPE);
	quarantine_list_free(&l);

	assert_int_equal(mail_quarantine_reprocess(fx->st, &fx->conf, 999, NOW, &again),
			 STORE_NOT_FOUND);
}

static void test_intake_size_limit_and_reprocess(void **state)
{
	struct fx *fx = *state;
	size_t n = (1u << 20) + 1000, head = strlen(hello);
	char *big = xmalloc(n);
	struct intake_result r, again;
	struct quarantine_item q;

	/* hello with a body padded past 1 MB */
	memcpy(big, hello, head);
	memset(big + head, 'x', n - head);
	big[n - 1] = '\n';
	fx->conf.mail_max_message_mb = 1;
	assert_int_equal(mail_intake(fx->st, &fx->conf, big, n, MAIL_SOURCE_IMAP, NOW, &r),
			 STORE_OK);
	assert_true(r.quarantined);
	assert_string_equal(r.why, "message is larger than 1 MB");
	assert_int_equal(store_quarantine_get(fx->st, r.quarantine_id, &q, NULL, NULL), STORE_OK);
	assert_int_equal(q.size, (int64_t)n);
	assert_int_equal(q.source, MAIL_SOURCE_IMAP);
	assert_string_equal(q.reason, "message is larger than 1 MB");

	/* the limit raised: re-processing imports it and marks the item */
	fx->conf.mail_max_message_mb = 2;
	assert_int_equal(
	    mail_quarantine_reprocess(fx->st, &fx->conf, r.quarantine_id, NOW + 60, &again),
	    STORE_OK);
	assert_false(again.quarantined);
	assert_int_equal(again.outcome.result, MAIL_NEW);
	assert_int_equal(store_quarantine_get(fx->st, r.quarantine_id, &q, NULL, NULL), STORE_OK);
	assert_string_equal(q.status, "imported");
	assert_int_equal(q.ticket_id, again.outcome.ticket_id);
	/* and again: a duplicate of what it imported, the item keeps its ticket */
	assert_int_equal(
	    mail_quarantine_reprocess(fx->st, &fx->conf, r.quarantine_id, NOW + 120, &again),
	    STORE_OK);
	assert_int_equal(again.outcome.result, MAIL_DUPLICATE);
	assert_int_equal(store_quarantine_get(fx->st, r.quarantine_id, &q, NULL, NULL), STORE_OK);
	assert_int_equal(q.ticket_id, again.outcome.ticket_id);
	free(big);
}

static void test_adopt_contact(void **state)
{
	struct fx *fx = *state;
	struct intake_result r;
	struct contact c;
	struct ticket t;
	struct event_list ev = {0};
	static const char stranger[] = "From: =?utf-8?Q?Ana_Kova=C4=8D?= <Ana.Kovac@Gmail.com>\n"
				       "Subject: Disk\n"
				       "Message-ID: <stranger@gmail.com>\n"
				       "\n"
				       "Disk ne radi.\n";

	assert_int_equal(
	    mail_intake(fx->st, &fx->conf, stranger, strlen(stranger), MAIL_SOURCE_PIPE, NOW, &r),
	    STORE_OK);
	assert_int_equal(r.outcome.result, MAIL_NEW);
	assert_true(r.outcome.triage);

	/* refused: an unknown client, a ticket not opened by mail, an unknown ticket */
	assert_int_equal(
	    store_mail_adopt_contact(fx->st, r.outcome.ticket_id, 999, NULL, 0, NOW, &c, &t),
	    STORE_INVALID);
	assert_int_equal(store_mail_adopt_contact(fx->st, 999, fx->client, NULL, 0, NOW, &c, &t),
			 STORE_NOT_FOUND);
	memset(&t, 0, sizeof(t));
	strcpy(t.subject, "Telefonom");
	t.status = STATUS_NEW;
	t.channel = CHANNEL_PHONE;
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "", 0, NOW), STORE_OK);
	assert_int_equal(store_mail_adopt_contact(fx->st, t.id, fx->client, NULL, 0, NOW, &c, &t),
			 STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "ticket 2026-000002 was not opened by an email");

	/* the name as the email gave it */
	assert_int_equal(store_mail_adopt_contact(fx->st, r.outcome.ticket_id, fx->client, NULL, 0,
						  NOW + 60, &c, &t),
			 STORE_OK);
	assert_string_equal(c.email, "ana.kovac@gmail.com");
	assert_string_equal(c.name, "Ana Kovač");
	assert_int_equal(c.client_id, fx->client);
	assert_true(c.active);
	assert_int_equal(t.client_id, fx->client);
	assert_int_equal(t.contact_id, c.id);
	assert_string_equal(t.contact_name, "Ana Kovač");
	assert_int_equal(store_ticket_events(fx->st, t.id, &ev), STORE_OK);
	assert_int_equal(ev.n, 3);
	assert_string_equal(ev.items[1].field, "client_id");
	assert_string_equal(ev.items[1].new_value, "Klijent d.o.o.");
	assert_string_equal(ev.items[2].field, "contact_id");
	assert_string_equal(ev.items[2].new_value, "Ana Kovač");
	event_list_free(&ev);

	/* twice: the ticket has its contact now */
	assert_int_equal(
	    store_mail_adopt_contact(fx->st, r.outcome.ticket_id, fx->client, "X", 0, NOW, &c, &t),
	    STORE_CONFLICT);
}

static void test_adopt_contact_existing_address(void **state)
{
	struct fx *fx = *state;
	struct intake_result r;
	struct contact c, other;
	struct ticket t, before;

	/* a triage ticket whose sender became a contact meanwhile, by hand */
	static const char msg[] = "From: Marko <marko@example.org>\n"
				  "Subject: Pitanje\n"
				  "Message-ID: <marko-1@example.org>\n"
				  "\n"
				  "Pitanje.\n";

	assert_int_equal(
	    mail_intake(fx->st, &fx->conf, msg, strlen(msg), MAIL_SOURCE_PIPE, NOW, &r), STORE_OK);
	assert_true(r.outcome.triage);
	memset(&other, 0, sizeof(other));
	other.client_id = fx->client;
	strcpy(other.name, "Marko");
	strcpy(other.email, "marko@example.org");
	other.active = 1;
	assert_int_equal(store_contact_create(fx->st, &other, NOW), STORE_OK);
	assert_int_equal(store_ticket_get(fx->st, r.outcome.ticket_id, &before), STORE_OK);
	assert_int_equal(store_mail_adopt_contact(fx->st, r.outcome.ticket_id, fx->client,
						  "Marko M.", 0, NOW + 60, &c, &t),
			 STORE_CONFLICT);
	/* nothing changed */
	assert_int_equal(store_ticket_get(fx->st, r.outcome.ticket_id, &t), STORE_OK);
	assert_int_equal(t.client_id, 0);
	assert_int_equal(t.updated_at, before.updated_at);
	/* a bad name */
	assert_int_equal(store_mail_adopt_contact(fx->st, r.outcome.ticket_id, fx->client,
						  "two\nlines", 0, NOW, &c, &t),
			 STORE_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_policy_from_config, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_intake_imports, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_intake_quarantines_unreadable, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_intake_size_limit_and_reprocess, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_contact, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_contact_existing_address, fx_setup,
					    fx_teardown),
	};

	if (crypto_init() < 0 || clock_set_zone("Europe/Zagreb") < 0)
		return 1;
	log_set_quiet(1);
	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
