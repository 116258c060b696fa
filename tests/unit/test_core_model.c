/*
 * Unit tests for core/model: the enum names as the API spells them, their
 * parsers, and the _free functions of the records and lists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "util/xalloc.h"

/* The expected spellings, written out here rather than taken from model.c. */
static const char *const roles[] = { "admin", "technician" };
static const char *const statuses[] = { "new", "open", "waiting", "resolved", "closed" };
static const char *const priorities[] = { "low", "normal", "high", "urgent" };
static const char *const channels[] = { "email", "web", "phone", "fax", "sms", "walk_in", "api" };
static const char *const billings[] = { "billable", "free", "warranty" };
static const char *const kinds[] = {
	"message_in", "reply", "note", "status_change",
	"assignment", "field_change", "time_entry", "time_correction", "merge",
};

/* Strings no parser may accept: near misses of real names. */
static const char *const bad_names[] = {
	"", " ", "unknown", "Admin", "ADMIN", " admin", "admin ", "Closed", "closed\n", "walk in",
	"walk_in ", "WALK_IN", "Walk-in", "status", "0", "1", "new,open", "timeentry",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_role(void **state)
{
	enum user_role r;
	size_t i;

	(void)state;
	assert_int_equal(N(roles), 2);
	for (i = 0; i < N(roles); i++) {
		assert_string_equal(role_name((enum user_role)i), roles[i]);
		r = (enum user_role)99;
		assert_int_equal(role_parse(roles[i], &r), 0);
		assert_int_equal(r, (int)i);
	}
	assert_string_equal(role_name(ROLE_ADMIN), "admin");
	assert_string_equal(role_name(ROLE_TECHNICIAN), "technician");
}

static void test_status(void **state)
{
	enum ticket_status s;
	size_t i;

	(void)state;
	assert_int_equal(N(statuses), STATUS_COUNT);
	for (i = 0; i < N(statuses); i++) {
		assert_string_equal(status_name((enum ticket_status)i), statuses[i]);
		assert_int_equal(status_parse(statuses[i], &s), 0);
		assert_int_equal(s, (int)i);
	}
	assert_int_equal(status_parse("waiting", &s), 0);
	assert_int_equal(s, STATUS_WAITING);
}

static void test_priority(void **state)
{
	enum ticket_priority p;
	size_t i;

	(void)state;
	assert_int_equal(N(priorities), PRIORITY_COUNT);
	for (i = 0; i < N(priorities); i++) {
		assert_string_equal(priority_name((enum ticket_priority)i), priorities[i]);
		assert_int_equal(priority_parse(priorities[i], &p), 0);
		assert_int_equal(p, (int)i);
	}
	assert_int_equal(priority_parse("urgent", &p), 0);
	assert_int_equal(p, PRIORITY_URGENT);
}

static void test_channel(void **state)
{
	enum ticket_channel c;
	size_t i;

	(void)state;
	assert_int_equal(N(channels), CHANNEL_COUNT);
	for (i = 0; i < N(channels); i++) {
		assert_string_equal(channel_name((enum ticket_channel)i), channels[i]);
		assert_int_equal(channel_parse(channels[i], &c), 0);
		assert_int_equal(c, (int)i);
	}
	/* The hyphenated spelling is accepted, but the name is always walk_in. */
	c = CHANNEL_EMAIL;
	assert_int_equal(channel_parse("walk-in", &c), 0);
	assert_int_equal(c, CHANNEL_WALK_IN);
	assert_string_equal(channel_name(c), "walk_in");
	assert_int_equal(channel_parse("walk-in ", &c), -1);
	assert_int_equal(channel_parse("walk--in", &c), -1);
}

static void test_billing(void **state)
{
	enum billing_kind b;
	size_t i;

	(void)state;
	assert_int_equal(N(billings), BILLING_COUNT);
	for (i = 0; i < N(billings); i++) {
		assert_string_equal(billing_name((enum billing_kind)i), billings[i]);
		assert_int_equal(billing_parse(billings[i], &b), 0);
		assert_int_equal(b, (int)i);
	}
}

static void test_event_kind(void **state)
{
	enum event_kind k;
	size_t i;

	(void)state;
	assert_int_equal(N(kinds), EVENT_KIND_COUNT);
	for (i = 0; i < N(kinds); i++) {
		assert_string_equal(event_kind_name((enum event_kind)i), kinds[i]);
		assert_int_equal(event_kind_parse(kinds[i], &k), 0);
		assert_int_equal(k, (int)i);
	}
	assert_int_equal(event_kind_parse("time_correction", &k), 0);
	assert_int_equal(k, EVENT_TIME_CORRECTION);
}

/* Every parser refuses every bad name and NULL, and leaves *out untouched. */
static void test_parse_refuses(void **state)
{
	enum user_role r = ROLE_TECHNICIAN;
	enum ticket_status s = STATUS_RESOLVED;
	enum ticket_priority p = PRIORITY_HIGH;
	enum ticket_channel c = CHANNEL_FAX;
	enum billing_kind b = BILLING_WARRANTY;
	enum event_kind k = EVENT_NOTE;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad_names); i++) {
		const char *n = bad_names[i];

		if (role_parse(n, &r) != -1 || status_parse(n, &s) != -1 ||
		    priority_parse(n, &p) != -1 || channel_parse(n, &c) != -1 ||
		    billing_parse(n, &b) != -1 || event_kind_parse(n, &k) != -1)
			fail_msg("a parser accepted \"%s\"", n);
	}
	assert_int_equal(role_parse(NULL, &r), -1);
	assert_int_equal(status_parse(NULL, &s), -1);
	assert_int_equal(priority_parse(NULL, &p), -1);
	assert_int_equal(channel_parse(NULL, &c), -1);
	assert_int_equal(billing_parse(NULL, &b), -1);
	assert_int_equal(event_kind_parse(NULL, &k), -1);
	/* A name of one enum is not a name of another. */
	assert_int_equal(status_parse("admin", &s), -1);
	assert_int_equal(channel_parse("note", &c), -1);
	assert_int_equal(r, ROLE_TECHNICIAN);
	assert_int_equal(s, STATUS_RESOLVED);
	assert_int_equal(p, PRIORITY_HIGH);
	assert_int_equal(c, CHANNEL_FAX);
	assert_int_equal(b, BILLING_WARRANTY);
	assert_int_equal(k, EVENT_NOTE);
}

/* A value outside an enum (a bug elsewhere) gets a visible name, not a crash. */
static void test_name_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(role_name((enum user_role)2), "unknown");
	assert_string_equal(status_name((enum ticket_status)STATUS_COUNT), "unknown");
	assert_string_equal(status_name((enum ticket_status)-1), "unknown");
	assert_string_equal(priority_name((enum ticket_priority)PRIORITY_COUNT), "unknown");
	assert_string_equal(channel_name((enum ticket_channel)CHANNEL_COUNT), "unknown");
	assert_string_equal(billing_name((enum billing_kind)BILLING_COUNT), "unknown");
	assert_string_equal(event_kind_name((enum event_kind)EVENT_KIND_COUNT), "unknown");
}

static void test_event_free(void **state)
{
	struct event e;

	(void)state;
	memset(&e, 0, sizeof(e));
	e.body = xstrdup("the printer on the 2nd floor jams");
	event_free(&e);
	assert_null(e.body);
	event_free(&e); /* a second call is harmless */
	assert_null(e.body);
	event_free(NULL);
}

static void test_event_list_free(void **state)
{
	struct event_list l;
	size_t i;

	(void)state;
	l.n = 4;
	l.items = xcalloc(l.n, sizeof(*l.items));
	for (i = 0; i < l.n; i++)
		l.items[i].body = i == 2 ? NULL : xstrdup("body");
	/* Under LeakSanitizer a body left behind fails the run. */
	event_list_free(&l);
	assert_null(l.items);
	assert_int_equal(l.n, 0);
	event_list_free(&l);
	event_list_free(NULL);
}

static void test_list_free(void **state)
{
	struct user_list ul = { xcalloc(3, sizeof(struct user)), 3 };
	struct client_list cl = { xcalloc(2, sizeof(struct client)), 2 };
	struct contact_list col = { xcalloc(2, sizeof(struct contact)), 2 };
	struct ticket_list tl = { xcalloc(5, sizeof(struct ticket)), 5 };
	struct time_entry_list tel = { xcalloc(1, sizeof(struct time_entry)), 1 };
	struct attachment_list al = { xcalloc(2, sizeof(struct attachment)), 2 };
	struct ticket_list empty = { NULL, 0 };

	(void)state;
	user_list_free(&ul);
	client_list_free(&cl);
	contact_list_free(&col);
	ticket_list_free(&tl);
	time_entry_list_free(&tel);
	attachment_list_free(&al);
	ticket_list_free(&empty);
	assert_null(ul.items);
	assert_int_equal(ul.n, 0);
	assert_null(cl.items);
	assert_int_equal(cl.n, 0);
	assert_null(col.items);
	assert_int_equal(col.n, 0);
	assert_null(tl.items);
	assert_int_equal(tl.n, 0);
	assert_null(tel.items);
	assert_int_equal(tel.n, 0);
	assert_null(al.items);
	assert_int_equal(al.n, 0);
	user_list_free(NULL);
	client_list_free(NULL);
	contact_list_free(NULL);
	ticket_list_free(NULL);
	time_entry_list_free(NULL);
	attachment_list_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_billing),
		cmocka_unit_test(test_event_kind),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_name_out_of_range),
		cmocka_unit_test(test_event_free),
		cmocka_unit_test(test_event_list_free),
		cmocka_unit_test(test_list_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
