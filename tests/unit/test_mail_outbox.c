/*
 * Unit tests for the outbox sender (src/mail/outbox.c) without a mail
 * server: the back-off, nothing tried without [smtp] url, a refused
 * connection retried later with the same rendered bytes, giving up after
 * [smtp] give_up_hours (failed on the ticket), and a message that cannot be
 * rendered failing at once.  The delivery itself is tested against a real
 * SMTP server in tests/integration/test_mail_outbox.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "store/store.h"
#include "store/store_mail.h"
#include "util/clock.h"
#include "util/config.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "testdb.h"

/* 2026-03-02T08:00:00Z */
#define NOW 1772438400LL
#define HOUR 3600

static const struct mail_policy policy = {
    .tag_prefix = "#",
    .reopen_days = 14,
    .ours = "podrska@evid.test",
    .msgid_domain = "evid.test",
    .autoreply_per_hour = 5,
    .year = 2026,
};

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
	struct config conf;
	int64_t tech, ticket;
};

/* A TCP port on 127.0.0.1 that nothing listens on: connecting to it is refused. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	struct user u;
	struct ticket t;

	if (testdb_make(fx->dir, fx->path, "outbox") != 0 ||
	    testdb_open(fx->path, &fx->st, 1) != 0)
		return -1;
	*state = fx;
	config_defaults(&fx->conf);
	strcpy(fx->conf.mail_address, "podrska@evid.test");
	snprintf(fx->conf.smtp_url, sizeof(fx->conf.smtp_url), "smtp://127.0.0.1:%d",
		 closed_port());
	strcpy(fx->conf.smtp_starttls, "off");
	fx->conf.smtp_timeout_seconds = 5;
	memset(&u, 0, sizeof(u));
	strcpy(u.email, "tom@evid.test");
	strcpy(u.name, "Tom Tech");
	strcpy(u.lang, "en");
	u.role = ROLE_TECHNICIAN;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
	fx->tech = u.id;
	memset(&t, 0, sizeof(t));
	strcpy(t.subject, "Pisač ne radi");
	t.priority = PRIORITY_NORMAL;
	t.channel = CHANNEL_PHONE;
	assert_int_equal(store_ticket_create(fx->st, &t, 2026, "Ne ispisuje.", fx->tech, NOW),
			 STORE_OK);
	fx->ticket = t.id;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	testdb_remove(fx->dir, fx->path);
	free(fx);
	return 0;
}

/* Queue a reply (with one file of file_size bytes when not 0); returns its outbox id. */
static int64_t queue_reply(struct fx *fx, size_t file_size)
{
	struct mail_file f;
	int64_t oid = 0;

	memset(&f, 0, sizeof(f));
	if (file_size) {
		strcpy(f.filename, "big.bin");
		strcpy(f.media_type, "application/octet-stream");
		f.data = xcalloc(1, file_size);
		f.size = file_size;
		crypto_sha256_hex(f.data, f.size, f.sha256);
	}
	assert_int_equal(store_reply_queue(fx->st, fx->ticket, fx->tech, "Zamijenili smo toner.",
					   "ivan@firma.hr", "", &f, file_size ? 1 : 0, &policy, NOW,
					   NULL, &oid),
			 STORE_OK);
	free(f.data);
	return oid;
}

/* The delivery events ("delivery" field changes) on the ticket, counted; the last into *last. */
static int delivery_events(struct fx *fx, struct event *last)
{
	struct event_list l;
	size_t i;
	int n = 0;

	assert_int_equal(store_ticket_events(fx->st, fx->ticket, &l), STORE_OK);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.items[i].field, "delivery") != 0)
			continue;
		n++;
		if (last) {
			*last = l.items[i];
			last->body = l.items[i].body ? xstrdup(l.items[i].body) : NULL;
		}
	}
	event_list_free(&l);
	return n;
}

static void test_backoff(void **state)
{
	struct config c;
	int64_t d;
	int attempts, id, differ = 0;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.smtp_retry_seconds, 60);
	for (id = 1; id <= 50; id++) {
		int64_t base = 60;

		for (attempts = 1; attempts <= 12; attempts++) {
			d = outbox_backoff(&c, id, attempts);
			assert_true(d >= base && d <= base + base / 4);
			base = base * 2 > OUTBOX_RETRY_MAX ? OUTBOX_RETRY_MAX : base * 2;
		}
		differ |= outbox_backoff(&c, id, 1) != outbox_backoff(&c, 1, 1);
	}
	/* The jitter is not the same for every message. */
	assert_true(differ);
	/* The same message and attempt always waits the same. */
	assert_int_equal(outbox_backoff(&c, 7, 3), outbox_backoff(&c, 7, 3));
	c.smtp_retry_seconds = 1;
	assert_int_equal(outbox_backoff(&c, 7, 1), 1);
	assert_true(outbox_backoff(&c, 7, 2) == 2);
	assert_true(outbox_backoff(&c, 7, 20) >= OUTBOX_RETRY_MAX);
}

static void test_names(void **state)
{
	enum outbox_status s;

	(void)state;
	assert_string_equal(outbox_kind_name(OUTBOX_ACK), "ack");
	assert_string_equal(outbox_kind_name(OUTBOX_NOTIFY_NEW), "notify_new");
	assert_string_equal(outbox_kind_name(OUTBOX_NOTIFY_REPLY), "notify_reply");
	assert_string_equal(outbox_kind_name(OUTBOX_REPLY), "reply");
	assert_int_equal(outbox_status_parse("failed", &s), 0);
	assert_int_equal(s, OUTBOX_FAILED);
	assert_string_equal(outbox_status_name(s), "failed");
	assert_int_equal(outbox_status_parse("Sent", &s), -1);
	assert_int_equal(outbox_status_parse(NULL, &s), -1);
}

static void test_unconfigured_waits(void **state)
{
	struct fx *fx = *state;
	struct outbox_stats stats;
	struct outbox_item it;
	char *raw = NULL;
	size_t n;
	int64_t id = queue_reply(fx, 0);

	fx->conf.smtp_url[0] = '\0';
	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 10, &stats), STORE_OK);
	assert_int_equal(stats.unconfigured, 1);
	assert_int_equal(stats.sent + stats.retry + stats.failed, 0);
	assert_int_equal(store_outbox_get(fx->st, id, &it, &raw, &n), STORE_OK);
	assert_int_equal(it.status, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 0);
	assert_null(raw);
}

static void test_refused_retried_then_given_up(void **state)
{
	struct fx *fx = *state;
	struct outbox_stats stats;
	struct outbox_item it;
	struct mail_record_list mail;
	struct event ev;
	char *raw1 = NULL, *raw2 = NULL;
	size_t n1 = 0, n2 = 0, i;
	int64_t id = queue_reply(fx, 0), next;

	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 10, &stats), STORE_OK);
	assert_int_equal(stats.retry, 1);
	assert_int_equal(stats.sent + stats.failed + stats.unconfigured, 0);
	assert_int_equal(store_outbox_get(fx->st, id, &it, &raw1, &n1), STORE_OK);
	assert_int_equal(it.status, OUTBOX_QUEUED);
	assert_int_equal(it.attempts, 1);
	assert_true(it.next_attempt_at >= NOW + 10 + 60 && it.next_attempt_at <= NOW + 10 + 75);
	assert_non_null(strstr(it.last_error, "onnect"));
	/* Rendered at the first attempt and kept. */
	assert_true(it.rendered);
	assert_non_null(raw1);
	assert_non_null(strstr(raw1, "X-Evid-Ticket: 2026-000001\r\n"));

	/* Not due yet: nothing happens. */
	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 20, &stats), STORE_OK);
	assert_int_equal(stats.retry + stats.sent + stats.failed, 0);

	/* The second attempt sends the same bytes and waits twice as long. */
	next = it.next_attempt_at;
	assert_int_equal(outbox_run(fx->st, &fx->conf, next, &stats), STORE_OK);
	assert_int_equal(stats.retry, 1);
	assert_int_equal(store_outbox_get(fx->st, id, &it, &raw2, &n2), STORE_OK);
	assert_int_equal(it.attempts, 2);
	assert_true(it.next_attempt_at >= next + 120 && it.next_attempt_at <= next + 150);
	assert_int_equal(n1, n2);
	assert_memory_equal(raw1, raw2, n1);
	assert_int_equal(delivery_events(fx, NULL), 0);

	/* give_up_hours after it was queued, the next failure is the last. */
	assert_int_equal(store_outbox_flush(fx->st, NOW + 48 * HOUR, NULL), STORE_OK);
	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 48 * HOUR, &stats), STORE_OK);
	assert_int_equal(stats.failed, 1);
	assert_int_equal(stats.retry, 0);
	assert_int_equal(store_outbox_get(fx->st, id, &it, NULL, NULL), STORE_OK);
	assert_int_equal(it.status, OUTBOX_FAILED);
	assert_int_equal(it.attempts, 3);
	assert_non_null(strstr(it.last_error, "gave up after 48 hours: "));
	/* On the ticket: the event, and the message undelivered. */
	assert_int_equal(delivery_events(fx, &ev), 1);
	assert_string_equal(ev.old_value, "queued");
	assert_string_equal(ev.new_value, "failed");
	assert_non_null(strstr(ev.body, "ivan@firma.hr"));
	event_free(&ev);
	assert_int_equal(store_mail_messages(fx->st, fx->ticket, &mail), STORE_OK);
	for (i = 0; i < mail.n; i++)
		if (mail.items[i].outbox_id == id)
			assert_true(mail.items[i].undelivered && mail.items[i].sent_at == 0);
	mail_record_list_free(&mail);
	/* Failed is final. */
	assert_int_equal(store_outbox_flush(fx->st, NOW + 49 * HOUR, NULL), STORE_OK);
	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 49 * HOUR, &stats), STORE_OK);
	assert_int_equal(stats.failed + stats.retry + stats.sent, 0);
	free(raw1);
	free(raw2);
}

static void test_unrenderable_fails_at_once(void **state)
{
	struct fx *fx = *state;
	struct outbox_stats stats;
	struct outbox_item it;
	struct event ev;
	int64_t small, big;

	fx->conf.mail_max_message_mb = 1;
	big = queue_reply(fx, (1u << 20) + 1);
	small = queue_reply(fx, 100);
	assert_int_equal(outbox_run(fx->st, &fx->conf, NOW + 10, &stats), STORE_OK);
	assert_int_equal(stats.failed, 1);
	assert_int_equal(stats.retry, 1);
	assert_int_equal(store_outbox_get(fx->st, big, &it, NULL, NULL), STORE_OK);
	assert_int_equal(it.status, OUTBOX_FAILED);
	assert_non_null(strstr(it.last_error, "cannot render the message: "));
	assert_non_null(strstr(it.last_error, "max_message_mb"));
	assert_int_equal(delivery_events(fx, &ev), 1);
	assert_string_equal(ev.new_value, "failed");
	event_free(&ev);
	/* The other one only waits for the server. */
	assert_int_equal(store_outbox_get(fx->st, small, &it, NULL, NULL), STORE_OK);
	assert_int_equal(it.status, OUTBOX_QUEUED);
	assert_true(it.rendered);
}

static void test_stop_before_the_next(void **state)
{
	struct fx *fx = *state;
	struct outbox_stats stats;
	atomic_int stop;

	queue_reply(fx, 0);
	queue_reply(fx, 0);
	atomic_init(&stop, 1);
	assert_int_equal(outbox_run_until(fx->st, &fx->conf, NOW + 10, &stop, &stats), STORE_OK);
	assert_int_equal(stats.retry + stats.sent + stats.failed, 0);
	atomic_store(&stop, 0);
	assert_int_equal(outbox_run_until(fx->st, &fx->conf, NOW + 10, &stop, &stats), STORE_OK);
	assert_int_equal(stats.retry, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_unconfigured_waits, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_refused_retried_then_given_up, fx_setup,
					    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_unrenderable_fails_at_once, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_stop_before_the_next, fx_setup, fx_teardown),
	};
	int rc;

	if (crypto_init() < 0 || clock_set_zone("Europe/Zagreb") < 0)
		return 1;
	log_set_quiet(1);
	mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
