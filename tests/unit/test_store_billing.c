/*
 * Unit tests for the billing store (issue 5: store_sqlite_billing.c and
 * 0006_billing.sql): the catalogue, rate overrides, contracts and their
 * prepaid lines, the kind of work of an entry, extras, prepayments,
 * adjustments, closing months in order with their stored specifications,
 * the refusals of a closed month through every path that writes, the
 * month's reader at the month's edges in Europe/Zagreb, and the chart's
 * hours.  A real database file in a fresh folder under /tmp per test; a raw
 * sqlite3 connection looks at or prepares what the store cannot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/billing.h"
#include "core/calendar.h"
#include "core/model.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_billing.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR 3600
#define MIN 60

/* Instants in Europe/Zagreb (CET +01:00, CEST +02:00 from 2027-03-28 02:00). */
#define JAN_10_9H 1799568000LL	 /* 2027-01-10T09:00:00+01:00 */
#define JAN_31_2350 1801435800LL /* 2027-01-31T23:50:00+01:00 */
#define FEB_01_0010 1801437000LL /* 2027-02-01T00:10:00+01:00 */
#define FEB_10_9H 1802246400LL	 /* 2027-02-10T09:00:00+01:00 */
#define FEB_28_2350 1803855000LL /* 2027-02-28T23:50:00+01:00 */
#define MAR_01_0010 1803856200LL /* 2027-03-01T00:10:00+01:00 */
#define MAR_10_9H 1804665600LL	 /* 2027-03-10T09:00:00+01:00 */
#define MAR_28_0100 1806192000LL /* 2027-03-28T01:00:00+01:00, the night of 23 hours */
#define MAR_28_0400 1806199200LL /* 2027-03-28T04:00:00+02:00: two real hours later */
#define MAR_31_2350 1806529800LL /* 2027-03-31T23:50:00+02:00 */
#define APR_01_0010 1806531000LL /* 2027-04-01T00:10:00+02:00 */
#define APR_10_9H 1807340400LL	 /* 2027-04-10T09:00:00+02:00 */
#define NOW 1809511200LL	 /* 2027-05-05T12:00:00+02:00: every entry lies before it */

#define JAN (2027 * 12 + 0)
#define FEB (JAN + 1)
#define MAR (JAN + 2)
#define APR (JAN + 3)

#define CLOSED_JAN "month 2027-01 is closed; record a correction as an adjustment in an open month"

struct fx {
	char dir[TESTDB_DIR_MAX];
	char path[TESTDB_PATH_MAX];
	struct store *st;
	int64_t ana, bruno;		/* technicians */
	int64_t alfa, beta, gama;	/* clients */
	int64_t printer, server, hours; /* services */
	int64_t remote, on_site;	/* rates */
};

/* ---- fixture ---- */

static int64_t add_user(struct fx *fx, const char *email, const char *name)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	strcpy(u.email, email);
	strcpy(u.name, name);
	u.role = ROLE_TECHNICIAN;
	u.active = 1;
	assert_int_equal(store_user_create(fx->st, &u, "", NOW), STORE_OK);
	return u.id;
}

static int64_t add_client(struct fx *fx, const char *name, const char *oib)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, name);
	strcpy(c.oib, oib);
	snprintf(c.address, sizeof(c.address), "Ulica %s 1, Zagreb", name);
	c.active = 1;
	assert_int_equal(store_client_create(fx->st, &c, NOW), STORE_OK);
	return c.id;
}

static int64_t add_service(struct fx *fx, const char *code, const char *name, enum bill_unit unit,
			   int64_t price, int vat)
{
	struct bill_service s;

	memset(&s, 0, sizeof(s));
	strcpy(s.code, code);
	strcpy(s.name, name);
	s.unit = unit;
	s.price = price;
	s.vat = vat;
	s.active = 1;
	assert_int_equal(store_service_add(fx->st, &s), STORE_OK);
	assert_true(s.id > 0);
	return s.id;
}

static int64_t add_rate(struct fx *fx, const char *code, const char *name, int64_t hourly)
{
	struct bill_rate r;

	memset(&r, 0, sizeof(r));
	strcpy(r.code, code);
	strcpy(r.name, name);
	r.hourly = hourly;
	r.vat = 25;
	r.active = 1;
	assert_int_equal(store_rate_add(fx->st, &r), STORE_OK);
	return r.id;
}

static int fx_setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	*state = fx;
	if (testdb_make(fx->dir, fx->path, "store-billing") != 0 ||
	    testdb_open(fx->path, &fx->st, 1) != 0)
		return -1;
	fx->ana = add_user(fx, "ana@evid.test", "Ana Anić");
	fx->bruno = add_user(fx, "bruno@evid.test", "Bruno Babić");
	/* names that sort differently with and without case */
	fx->alfa = add_client(fx, "alfa d.o.o.", "");
	fx->beta = add_client(fx, "Beta obrt", "");
	fx->gama = add_client(fx, "Gama j.d.o.o.", "");
	fx->printer = add_service(fx, "printer", "Najam pisača", UNIT_MONTH, 3500, 25);
	fx->server = add_service(fx, "server", "Održavanje poslužitelja", UNIT_MONTH, 25000, 25);
	fx->hours = add_service(fx, "licence", "Licenca programa", UNIT_MONTH, 1200, 13);
	fx->remote = add_rate(fx, "remote", "Rad na daljinu", 4500);
	fx->on_site = add_rate(fx, "on_site", "Rad na terenu", 6000);
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

__attribute__((format(printf, 2, 3))) static int64_t raw_int(struct fx *fx, const char *fmt, ...)
{
	va_list ap;
	int64_t v;

	va_start(ap, fmt);
	v = testdb_raw_vint(fx->path, fmt, ap);
	va_end(ap);
	return v;
}

static int64_t add_ticket(struct fx *fx, int64_t client_id, const char *subject,
			  enum billing_kind billing)
{
	struct ticket t;

	memset(&t, 0, sizeof(t));
	snprintf(t.subject, sizeof(t.subject), "%s", subject);
	t.status = STATUS_OPEN;
	t.priority = PRIORITY_NORMAL;
	t.channel = CHANNEL_PHONE;
	t.billing = billing;
	t.client_id = client_id;
	assert_int_equal(store_ticket_create(fx->st, &t, 2027, "", fx->ana, JAN_10_9H - HOUR),
			 STORE_OK);
	return t.id;
}

static int64_t add_entry(struct fx *fx, int64_t ticket_id, int64_t user_id, int64_t start,
			 int64_t seconds, int billable)
{
	struct time_entry e;

	memset(&e, 0, sizeof(e));
	e.ticket_id = ticket_id;
	e.user_id = user_id;
	e.started_at = start;
	e.ended_at = start + seconds;
	e.billable = billable;
	assert_int_equal(store_time_add(fx->st, &e, user_id, NOW), STORE_OK);
	return e.id;
}

/* The kind of work of entry id as store_time_get reads it. */
static int64_t entry_rate(struct fx *fx, int64_t id)
{
	struct time_entry e;

	assert_int_equal(store_time_get(fx->st, id, &e), STORE_OK);
	return e.rate_id;
}

/* A contract of client with lines (service, quantity, price -1: the service's). */
struct ln {
	int64_t service;
	int64_t quantity;
	int64_t price;
};

static void contract_init(struct bill_contract *c, int64_t client_id, const char *number,
			  int32_t start, int32_t end, int prepaid, enum bill_cycle cycle,
			  struct bill_contract_line *lines, const struct ln *ls, size_t n)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->client_id = client_id;
	snprintf(c->number, sizeof(c->number), "%s", number);
	c->start_day = start;
	c->end_day = end;
	c->proration = PRORATE_DAILY;
	c->cycle = cycle;
	c->prepaid = prepaid;
	c->terms.increment = 15 * MIN;
	c->terms.mode = ROUND_UP;
	c->terms.per = ROUND_PER_ENTRY;
	for (i = 0; i < n; i++) {
		memset(&lines[i], 0, sizeof(lines[i]));
		lines[i].service_id = ls[i].service;
		lines[i].quantity = ls[i].quantity;
		lines[i].monthly_price = ls[i].price;
		lines[i].vat = -1;
	}
	c->lines = lines;
	c->n_lines = n;
}

static int64_t add_contract(struct fx *fx, int64_t client_id, const char *number, int32_t start,
			    int32_t end, int prepaid, enum bill_cycle cycle, const struct ln *ls,
			    size_t n, struct bill_contract_line *lines_out)
{
	struct bill_contract_line lines[4];
	struct bill_contract c;

	assert_true(n <= COUNT(lines));
	contract_init(&c, client_id, number, start, end, prepaid, cycle, lines, ls, n);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_OK);
	if (lines_out)
		memcpy(lines_out, lines, n * sizeof(*lines));
	return c.id;
}

static int32_t day_of(int y, int m, int d)
{
	return cal_day(y, m, d);
}

/* Close month with one spec per client given (json "{}") and a summary. */
static int close_month(struct fx *fx, int32_t month)
{
	return store_month_close(fx->st, month, "{\"clients\":0}", fx->ana, NOW);
}

/* ---- services and rates ---- */

static void test_services(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *name;
		const char *code, *text;
		int unit;
		int64_t price;
		int vat;
		int rc;
		const char *msg;
	} cases[] = {
	    {"fine", "backup.daily-1", "Sigurnosna kopija", UNIT_MONTH, 4000, 25, STORE_OK, ""},
	    {"code taken", "printer", "Drugi pisač", UNIT_MONTH, 1, 25, STORE_CONFLICT,
	     "code: a service with the code 'printer' exists"},
	    {"upper case code", "Printer2", "x", UNIT_MONTH, 1, 25, STORE_INVALID,
	     "code: 1 to 32 of the characters a-z, 0-9, '_', '.' and '-'"},
	    {"empty code", "", "x", UNIT_MONTH, 1, 25, STORE_INVALID,
	     "code: 1 to 32 of the characters a-z, 0-9, '_', '.' and '-'"},
	    {"space in code", "a b", "x", UNIT_MONTH, 1, 25, STORE_INVALID,
	     "code: 1 to 32 of the characters a-z, 0-9, '_', '.' and '-'"},
	    {"no name", "noname", "", UNIT_MONTH, 1, 25, STORE_INVALID, "name: required"},
	    {"name of two lines", "twolines", "a\nb", UNIT_MONTH, 1, 25, STORE_INVALID,
	     "name: one line of text of at most 200 bytes, no control characters"},
	    {"bad unit", "badunit", "x", 7, 1, 25, STORE_INVALID,
	     "unit: not month, day, hour or piece"},
	    {"negative price", "neg", "x", UNIT_PIECE, -1, 25, STORE_INVALID,
	     "price: not 0 to 100,000,000.00"},
	    {"price too high", "high", "x", UNIT_PIECE, BILL_PRICE_MAX + 1, 25, STORE_INVALID,
	     "price: not 0 to 100,000,000.00"},
	    {"highest price", "highest", "x", UNIT_PIECE, BILL_PRICE_MAX, 0, STORE_OK, ""},
	    {"bad vat", "vat", "x", UNIT_HOUR, 100, 22, STORE_INVALID,
	     "vat: not a VAT rate (25, 13, 5 or 0)"},
	};
	struct bill_service s, got;
	struct bill_service_list l;
	size_t i;

	for (i = 0; i < COUNT(cases); i++) {
		memset(&s, 0, sizeof(s));
		strcpy(s.code, cases[i].code);
		strcpy(s.name, cases[i].text);
		s.unit = (enum bill_unit)cases[i].unit;
		s.price = cases[i].price;
		s.vat = cases[i].vat;
		s.active = 1;
		if (store_service_add(fx->st, &s) != cases[i].rc ||
		    strcmp(store_errmsg(fx->st), cases[i].msg))
			fail_msg("%s: %s", cases[i].name, store_errmsg(fx->st));
	}
	assert_int_equal(store_service_by_code(fx->st, "backup.daily-1", &got), STORE_OK);
	assert_string_equal(got.name, "Sigurnosna kopija");
	assert_int_equal(got.unit, UNIT_MONTH);
	assert_int_equal(got.price, 4000);
	assert_int_equal(got.active, 1);

	/* update: every field, and the code of another is refused */
	got.price = 4200;
	got.vat = 13;
	got.unit = UNIT_DAY;
	strcpy(got.code, "backup");
	assert_int_equal(store_service_update(fx->st, &got), STORE_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_service_get(fx->st, got.id, &s), STORE_OK);
	assert_string_equal(s.code, "backup");
	assert_int_equal(s.price, 4200);
	assert_int_equal(s.vat, 13);
	assert_int_equal(s.unit, UNIT_DAY);
	strcpy(s.code, "server");
	assert_int_equal(store_service_update(fx->st, &s), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "code: a service with the code 'server' exists");
	s.id = 999;
	strcpy(s.code, "nobody");
	assert_int_equal(store_service_update(fx->st, &s), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "service 999 not found");
	assert_int_equal(store_service_get(fx->st, 999, &s), STORE_NOT_FOUND);
	assert_int_equal(store_service_by_code(fx->st, "nobody", &s), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "service 'nobody' not found");

	/* deactivated: listed with all only; by code */
	assert_int_equal(store_service_get(fx->st, fx->server, &s), STORE_OK);
	s.active = 0;
	assert_int_equal(store_service_update(fx->st, &s), STORE_OK);
	assert_int_equal(store_service_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.items[0].code, "backup");
	assert_string_equal(l.items[1].code, "highest");
	assert_string_equal(l.items[2].code, "licence");
	assert_string_equal(l.items[3].code, "printer");
	bill_service_list_free(&l);
	assert_int_equal(store_service_list(fx->st, 1, &l), STORE_OK);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.items[4].code, "server");
	assert_int_equal(l.items[4].active, 0);
	bill_service_list_free(&l);
}

static void test_rates_and_overrides(void **state)
{
	struct fx *fx = *state;
	static const struct ln lines[] = {{0, 1000, -1}};
	struct bill_rate r;
	struct bill_rate_list rl;
	struct bill_override_list ol;
	struct ln ls[1];
	int64_t contract, other;

	memset(&r, 0, sizeof(r));
	strcpy(r.code, "remote");
	strcpy(r.name, "Opet");
	r.hourly = 1;
	r.vat = 25;
	assert_int_equal(store_rate_add(fx->st, &r), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "code: a rate with the code 'remote' exists");
	strcpy(r.code, "night");
	r.hourly = BILL_PRICE_MAX + 1;
	assert_int_equal(store_rate_add(fx->st, &r), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "hourly: not 0 to 100,000,000.00");
	r.hourly = 9000;
	r.vat = 5;
	r.active = 0;
	assert_int_equal(store_rate_add(fx->st, &r), STORE_OK);
	assert_int_equal(store_rate_list(fx->st, 0, &rl), STORE_OK);
	assert_int_equal(rl.n, 2);
	assert_string_equal(rl.items[0].code, "on_site");
	assert_string_equal(rl.items[1].code, "remote");
	assert_int_equal(rl.items[1].hourly, 4500);
	bill_rate_list_free(&rl);
	assert_int_equal(store_rate_list(fx->st, 1, &rl), STORE_OK);
	assert_int_equal(rl.n, 3);
	assert_string_equal(rl.items[0].code, "night");
	bill_rate_list_free(&rl);
	r.hourly = 9500;
	r.active = 1;
	assert_int_equal(store_rate_update(fx->st, &r), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_rate_by_code(fx->st, "night", &r), STORE_OK);
	assert_int_equal(r.hourly, 9500);
	assert_int_equal(r.vat, 5);
	assert_int_equal(r.active, 1);
	assert_int_equal(store_rate_get(fx->st, 12345, &r), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "rate 12345 not found");

	memcpy(ls, lines, sizeof(ls));
	ls[0].service = fx->printer;
	contract = add_contract(fx, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, ls,
				1, NULL);
	other = add_contract(fx, fx->beta, "UG-2", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, ls, 1,
			     NULL);
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, fx->alfa, 0, 4000), STORE_OK);
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, contract, 3800), STORE_OK);
	assert_int_equal(store_rate_override_set(fx->st, fx->on_site, 0, other, 5000), STORE_OK);
	/* set again: the price changes, no second override */
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, fx->alfa, 0, 4100), STORE_OK);
	assert_int_equal(store_rate_override_list(fx->st, fx->alfa, &ol), STORE_OK);
	assert_int_equal(ol.n, 2);
	assert_int_equal(ol.items[0].client_id, 0);
	assert_int_equal(ol.items[0].contract_id, contract);
	assert_int_equal(ol.items[0].hourly, 3800);
	assert_int_equal(ol.items[1].client_id, fx->alfa);
	assert_int_equal(ol.items[1].contract_id, 0);
	assert_int_equal(ol.items[1].rate_id, fx->remote);
	assert_int_equal(ol.items[1].hourly, 4100);
	bill_override_list_free(&ol);
	assert_int_equal(store_rate_override_list(fx->st, 0, &ol), STORE_OK);
	assert_int_equal(ol.n, 3);
	bill_override_list_free(&ol);
	/* removed; removing what is not there is no error */
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, contract, -1), STORE_OK);
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, contract, -1), STORE_OK);
	assert_int_equal(store_rate_override_list(fx->st, fx->alfa, &ol), STORE_OK);
	assert_int_equal(ol.n, 1);
	assert_int_equal(ol.items[0].hourly, 4100);
	bill_override_list_free(&ol);

	assert_int_equal(store_rate_override_set(fx->st, fx->remote, fx->alfa, contract, 1),
			 STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "client_id, contract_id: exactly one of them is required");
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, 0, 1), STORE_INVALID);
	assert_int_equal(store_rate_override_set(fx->st, 999, fx->alfa, 0, 1), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "rate 999 not found");
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 999, 0, 1), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "client 999 not found");
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, 999, 1), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "contract 999 not found");
	assert_int_equal(store_rate_override_list(fx->st, 999, &ol), STORE_NOT_FOUND);
}

/* ---- contracts ---- */

static void test_contract_add_get_list(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line lines[3];
	struct bill_contract c, got;
	struct bill_contract_list l;
	struct ln ls[3] = {{0, 2000, -1}, {0, 1000, 20000}, {0, 500, -1}};

	ls[0].service = fx->printer;
	ls[1].service = fx->server;
	ls[2].service = fx->hours;
	contract_init(&c, fx->beta, "UG-2027-014", day_of(2027, 1, 10), day_of(2027, 12, 31), 1,
		      CYCLE_QUARTERLY, lines, ls, 3);
	strcpy(lines[1].description, "Održavanje: dva poslužitelja");
	lines[2].vat = 25;
	c.terms.included = 10 * HOUR;
	c.terms.overage_hourly = 5500;
	strcpy(c.notes, "Odziv unutar 4 sata.\nVikendom ne.");
	assert_int_equal(store_contract_add(fx->st, &c), STORE_OK);
	assert_true(c.id > 0);
	assert_ptr_equal(c.lines, lines);
	assert_int_equal(c.n_lines, 3);
	assert_string_equal(c.client_name, "Beta obrt");
	assert_true(c.created_at > 0 && c.updated_at == c.created_at);
	/* the blanks come from the services */
	assert_true(lines[0].id > 0 && lines[1].id > lines[0].id && lines[2].id > lines[1].id);
	assert_int_equal(lines[0].contract_id, c.id);
	assert_string_equal(lines[0].service_code, "printer");
	assert_string_equal(lines[0].description, "Najam pisača");
	assert_int_equal(lines[0].monthly_price, 3500);
	assert_int_equal(lines[0].vat, 25);
	assert_string_equal(lines[1].description, "Održavanje: dva poslužitelja");
	assert_int_equal(lines[1].monthly_price, 20000);
	assert_string_equal(lines[2].description, "Licenca programa");
	assert_int_equal(lines[2].vat, 25);

	memset(&got, 0, sizeof(got));
	assert_int_equal(store_contract_get(fx->st, c.id, &got), STORE_OK);
	assert_string_equal(got.number, "UG-2027-014");
	assert_int_equal(got.client_id, fx->beta);
	assert_int_equal(got.start_day, day_of(2027, 1, 10));
	assert_int_equal(got.end_day, day_of(2027, 12, 31));
	assert_int_equal(got.proration, PRORATE_DAILY);
	assert_int_equal(got.cycle, CYCLE_QUARTERLY);
	assert_int_equal(got.prepaid, 1);
	assert_int_equal(got.terms.increment, 15 * MIN);
	assert_int_equal(got.terms.mode, ROUND_UP);
	assert_int_equal(got.terms.per, ROUND_PER_ENTRY);
	assert_int_equal(got.terms.included, 10 * HOUR);
	assert_int_equal(got.terms.overage_hourly, 5500);
	assert_string_equal(got.notes, "Odziv unutar 4 sata.\nVikendom ne.");
	assert_string_equal(got.client_name, "Beta obrt");
	assert_int_equal(got.n_lines, 3);
	assert_int_equal(got.lines[2].quantity, 500);
	assert_string_equal(got.lines[2].service_code, "licence");
	bill_contract_clear(&got);

	/* open-ended, no lines, another client: listed by client name then number */
	ls[0].service = fx->printer;
	add_contract(fx, fx->alfa, "B-2", day_of(2027, 2, 1), -1, 0, CYCLE_MONTHLY, ls, 1, NULL);
	add_contract(fx, fx->alfa, "A-1", day_of(2027, 2, 1), -1, 0, CYCLE_MONTHLY, NULL, 0, NULL);
	assert_int_equal(store_contract_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].number, "A-1");
	assert_int_equal(l.items[0].n_lines, 0);
	assert_int_equal(l.items[0].end_day, -1);
	assert_string_equal(l.items[1].number, "B-2");
	assert_int_equal(l.items[1].n_lines, 1);
	assert_string_equal(l.items[2].number, "UG-2027-014");
	assert_int_equal(l.items[2].n_lines, 3);
	bill_contract_list_free(&l);
	assert_int_equal(store_contract_list(fx->st, fx->beta, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	bill_contract_list_free(&l);
	assert_int_equal(store_contract_list(fx->st, fx->gama, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	bill_contract_list_free(&l);
	assert_int_equal(store_contract_list(fx->st, 999, &l), STORE_NOT_FOUND);
	assert_int_equal(store_contract_get(fx->st, 999, &got), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "contract 999 not found");
}

static void test_contract_refused(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line lines[2];
	struct bill_contract c;
	struct bill_service s;
	struct ln ls[2] = {{0, 1000, -1}, {0, 1000, -1}};

	ls[0].service = fx->printer;
	ls[1].service = fx->server;
	add_contract(fx, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, ls, 1, NULL);

	contract_init(&c, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "number: a contract numbered 'UG-1' exists");
	assert_int_equal(c.id, 0);
	assert_int_equal(lines[0].id, 0); /* nothing written on failure */
	assert_string_equal(lines[0].description, "");

	contract_init(&c, 999, "UG-9", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "client 999 not found");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	lines[1].service_id = 999;
	assert_int_equal(store_contract_add(fx->st, &c), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "lines[1].service_id: service 999 not found");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), day_of(2027, 2, 28), 0,
		      CYCLE_MONTHLY, lines, ls, 2);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "end_day: before start_day");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	lines[1].vat = 22;
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "lines[1].vat: not a VAT rate (25, 13, 5 or 0)");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	lines[0].quantity = 0;
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "lines[0].quantity: not above 0 and at most 1,000,000");

	contract_init(&c, fx->alfa, "", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "number: empty");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	c.terms.increment = 86401;
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "terms.increment: not 0 to 86400 seconds");

	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	c.n_lines = BILL_LINES_MAX + 1;
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "lines: more than 100");

	/* an inactive service takes no new line */
	assert_int_equal(store_service_get(fx->st, fx->server, &s), STORE_OK);
	s.active = 0;
	assert_int_equal(store_service_update(fx->st, &s), STORE_OK);
	contract_init(&c, fx->alfa, "UG-9", day_of(2027, 3, 1), -1, 0, CYCLE_MONTHLY, lines, ls, 2);
	assert_int_equal(store_contract_add(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "lines[1].service_id: service 'server' is not active");

	assert_int_equal(raw_int(fx, "SELECT count(*) FROM contracts"), 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM contract_lines"), 1);
}

static void test_contract_update_end(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line stored[2], lines[3];
	struct bill_contract c, got;
	struct bill_service s;
	struct ln ls[2] = {{0, 1000, -1}, {0, 2000, -1}};
	int64_t id;

	ls[0].service = fx->printer;
	ls[1].service = fx->server;
	id = add_contract(fx, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, ls, 2,
			  stored);
	/* the service of a line that stays may be deactivated meanwhile */
	assert_int_equal(store_service_get(fx->st, fx->printer, &s), STORE_OK);
	s.active = 0;
	assert_int_equal(store_service_update(fx->st, &s), STORE_OK);

	/* change the second line, keep the first, add a third, given in another order */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_contract_get(fx->st, id, &got), STORE_OK);
	c = got;
	lines[0] = got.lines[1];
	lines[0].quantity = 3000;
	lines[1] = got.lines[0];
	memset(&lines[2], 0, sizeof(lines[2]));
	lines[2].service_id = fx->hours;
	lines[2].quantity = 1000;
	lines[2].monthly_price = -1;
	lines[2].vat = -1;
	c.lines = lines;
	c.n_lines = 3;
	strcpy(c.number, "UG-1a");
	c.cycle = CYCLE_YEARLY;
	c.client_id = 0; /* 0: the one it has */
	assert_int_equal(store_contract_update(fx->st, &c), STORE_OK);
	bill_contract_clear(&got);
	assert_ptr_equal(c.lines, lines);
	assert_int_equal(c.client_id, fx->alfa);
	assert_int_equal(lines[0].id, stored[1].id);
	assert_int_equal(lines[0].quantity, 3000);
	assert_int_equal(lines[1].id, stored[0].id);
	assert_true(lines[2].id > stored[1].id);
	assert_string_equal(lines[2].description, "Licenca programa");
	assert_int_equal(lines[2].vat, 13);
	assert_int_equal(store_contract_get(fx->st, id, &got), STORE_OK);
	assert_string_equal(got.number, "UG-1a");
	assert_int_equal(got.cycle, CYCLE_YEARLY);
	assert_int_equal(got.n_lines, 3);
	assert_int_equal(got.lines[1].quantity, 3000);
	bill_contract_clear(&got);

	/* leave one out: removed */
	c.n_lines = 2;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_OK);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM contract_lines WHERE contract_id = %lld",
				 (long long)id),
			 2);

	/* refused */
	lines[0].id = 999;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "lines[0].id: line 999 is not one of this contract's");
	lines[0].id = lines[1].id;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "lines[1].id: given twice");
	lines[0].id = stored[1].id;
	c.client_id = fx->beta;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "client_id: a contract cannot move to another client; end it and "
			    "add one for the other client");
	c.client_id = fx->alfa;
	c.id = 999;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_NOT_FOUND);

	/* end */
	assert_int_equal(store_contract_end(fx->st, id, day_of(2026, 12, 31)), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "end_day: before the contract's start (2027-01-01)");
	assert_int_equal(store_contract_end(fx->st, id, day_of(2027, 6, 15)), STORE_OK);
	assert_int_equal(store_contract_get(fx->st, id, &got), STORE_OK);
	assert_int_equal(got.end_day, day_of(2027, 6, 15));
	bill_contract_clear(&got);
	assert_int_equal(store_contract_end(fx->st, 999, day_of(2027, 6, 15)), STORE_NOT_FOUND);
}

/* A prepayment of contract id for month..last with every line at amount each month. */
static void prepay_init(struct bill_prepay *p, struct bill_prepay_line *pl, int64_t *amounts,
			int64_t contract_id, int32_t first, int32_t last,
			const struct bill_contract_line *lines, size_t n, int64_t amount)
{
	size_t i;
	int32_t m;

	memset(p, 0, sizeof(*p));
	p->contract_id = contract_id;
	p->first = first;
	p->last = last;
	for (i = 0; i < n; i++) {
		memset(&pl[i], 0, sizeof(pl[i]));
		pl[i].line_id = lines[i].id;
		pl[i].vat = lines[i].vat;
		pl[i].quantity = lines[i].quantity;
		pl[i].monthly_price = lines[i].monthly_price;
		pl[i].month_amounts = amounts + i * 12;
		for (m = first; m <= last; m++) {
			pl[i].month_amounts[m - first] = amount;
			pl[i].amount += amount;
		}
	}
	p->lines = pl;
	p->n_lines = n;
}

static void test_prepaid_lines_stay(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line stored[2], lines[3];
	struct bill_prepay_line pl[2];
	int64_t amounts[24];
	struct bill_prepay p;
	struct bill_contract c;
	struct ln ls[2] = {{0, 1000, -1}, {0, 2000, -1}};
	int64_t id;

	ls[0].service = fx->printer;
	ls[1].service = fx->server;
	id = add_contract(fx, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 1, CYCLE_QUARTERLY, ls, 2,
			  stored);
	prepay_init(&p, pl, amounts, id, JAN, MAR, stored, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, JAN, &p, NOW, NULL), STORE_OK);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_contract_get(fx->st, id, &c), STORE_OK);
	memcpy(lines, c.lines, 2 * sizeof(lines[0]));
	bill_contract_clear(&c);
	c.lines = lines;
	c.n_lines = 2;

	/* the prepaid line (the first) can neither change nor go */
	lines[0].quantity = 2000;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_CONFLICT);
	assert_true(strstr(store_errmsg(fx->st), "was prepaid and cannot change") != NULL);
	lines[0].quantity = 1000;
	strcpy(lines[0].description, "Drugi opis");
	assert_int_equal(store_contract_update(fx->st, &c), STORE_CONFLICT);
	strcpy(lines[0].description, stored[0].description);
	lines[0] = lines[1];
	c.n_lines = 1;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_CONFLICT);
	assert_true(strstr(store_errmsg(fx->st), "was prepaid and cannot be removed; end the "
						 "contract or add a new line instead") != NULL);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM contract_lines"), 2);
	/* the unprepaid one may change; a line may be added; the contract may be ended */
	lines[0] = stored[0];
	lines[1] = stored[1];
	lines[1].quantity = 5000;
	memset(&lines[2], 0, sizeof(lines[2]));
	lines[2].service_id = fx->hours;
	lines[2].quantity = 1000;
	lines[2].monthly_price = -1;
	lines[2].vat = -1;
	c.n_lines = 3;
	assert_int_equal(store_contract_update(fx->st, &c), STORE_OK);
	assert_int_equal(store_contract_end(fx->st, id, day_of(2027, 2, 15)), STORE_OK);
}

/* ---- the kind of work of an entry ---- */

static void test_time_rate(void **state)
{
	struct fx *fx = *state;
	struct event_list ev;
	int64_t t = add_ticket(fx, fx->alfa, "Pisač ne ispisuje", BILLING_BILLABLE);
	int64_t e = add_entry(fx, t, fx->ana, FEB_10_9H, HOUR, 1);
	size_t n;

	assert_int_equal(entry_rate(fx, e), 0);
	assert_int_equal(
	    store_time_set_rate(fx->st, e, fx->on_site, "Rad u uredu klijenta", fx->bruno, NOW + 5),
	    STORE_OK);
	assert_int_equal(entry_rate(fx, e), fx->on_site);
	assert_int_equal(store_ticket_events(fx->st, t, &ev), STORE_OK);
	n = ev.n;
	assert_int_equal(ev.items[n - 1].kind, EVENT_TIME_CORRECTION);
	assert_string_equal(ev.items[n - 1].field, "rate");
	assert_string_equal(ev.items[n - 1].old_value, "default");
	assert_string_equal(ev.items[n - 1].new_value, "on_site");
	assert_string_equal(ev.items[n - 1].body, "Rad u uredu klijenta");
	assert_int_equal(ev.items[n - 1].time_entry_id, e);
	assert_int_equal(ev.items[n - 1].author_user_id, fx->bruno);
	event_list_free(&ev);
	assert_int_equal(
	    raw_int(fx, "SELECT updated_at FROM tickets WHERE id = %lld", (long long)t), NOW + 5);
	/* the same rate again changes nothing */
	assert_int_equal(store_time_set_rate(fx->st, e, fx->on_site, "opet", fx->bruno, NOW + 6),
			 STORE_OK);
	assert_int_equal(store_ticket_events(fx->st, t, &ev), STORE_OK);
	assert_int_equal(ev.n, n);
	event_list_free(&ev);
	/* back to the default */
	assert_int_equal(store_time_set_rate(fx->st, e, 0, "Ipak na daljinu", fx->bruno, NOW + 7),
			 STORE_OK);
	assert_int_equal(
	    raw_int(fx, "SELECT rate_id IS NULL FROM time_entries WHERE id = %lld", (long long)e),
	    1);
	assert_int_equal(store_ticket_events(fx->st, t, &ev), STORE_OK);
	assert_string_equal(ev.items[ev.n - 1].old_value, "on_site");
	assert_string_equal(ev.items[ev.n - 1].new_value, "default");
	event_list_free(&ev);

	assert_int_equal(store_time_set_rate(fx->st, e, fx->on_site, "", fx->bruno, NOW),
			 STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "reason: required; say why the time changes");
	assert_int_equal(store_time_set_rate(fx->st, e, 999, "x", fx->bruno, NOW), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "rate 999 not found");
	assert_int_equal(store_time_set_rate(fx->st, 999, fx->on_site, "x", fx->bruno, NOW),
			 STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "time entry 999 not found");
}

/* ---- extras ---- */

static void test_extras(void **state)
{
	struct fx *fx = *state;
	int64_t t = add_ticket(fx, fx->alfa, "Novi toner", BILLING_WARRANTY);
	int64_t u = add_ticket(fx, fx->beta, "Kabel", BILLING_BILLABLE);
	static const struct {
		const char *name, *text;
		int64_t quantity, price;
		int vat;
		int32_t day;
		int rc;
		const char *msg;
	} bad[] = {
	    {"no description", "", 1000, 100, 25, 20500, STORE_INVALID, "description: required"},
	    {"no quantity", "x", 0, 100, 25, 20500, STORE_INVALID,
	     "quantity: not above 0 and at most 1,000,000"},
	    {"too many", "x", BILL_QTY_MAX + 1, 100, 25, 20500, STORE_INVALID,
	     "quantity: not above 0 and at most 1,000,000"},
	    {"negative price", "x", 1000, -5, 25, 20500, STORE_INVALID,
	     "unit_price: not 0 to 100,000,000.00"},
	    {"bad vat", "x", 1000, 5, 10, 20500, STORE_INVALID,
	     "vat: not a VAT rate (25, 13, 5 or 0)"},
	    {"day before 1900", "x", 1000, 5, 25, -30000, STORE_INVALID,
	     "day: not a date of the years 1900..9999"},
	};
	struct bill_extra x, y, z;
	struct bill_extra_list l;
	struct event_list ev;
	size_t i;

	for (i = 0; i < COUNT(bad); i++) {
		memset(&x, 0, sizeof(x));
		x.ticket_id = t;
		strcpy(x.description, bad[i].text);
		x.quantity = bad[i].quantity;
		x.unit_price = bad[i].price;
		x.vat = bad[i].vat;
		x.day = bad[i].day;
		if (store_extra_add(fx->st, &x, fx->ana, NOW) != bad[i].rc ||
		    strcmp(store_errmsg(fx->st), bad[i].msg))
			fail_msg("%s: %s", bad[i].name, store_errmsg(fx->st));
	}
	memset(&x, 0, sizeof(x));
	x.ticket_id = 999;
	strcpy(x.description, "Toner");
	x.quantity = 2000;
	x.unit_price = 4500;
	x.vat = 25;
	x.day = day_of(2027, 2, 10);
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "ticket 999 not found");

	x.ticket_id = t;
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW + 1), STORE_OK);
	assert_true(x.id > 0);
	assert_int_equal(x.ticket_billing, BILLING_WARRANTY);
	assert_true(strlen(x.ticket_number) == TICKET_NUMBER_LEN);
	y = x;
	strcpy(y.description, "Kabel UTP 5 m");
	y.quantity = 1500;
	y.unit_price = 250;
	y.vat = 13;
	y.day = day_of(2027, 2, 3);
	assert_int_equal(store_extra_add(fx->st, &y, fx->ana, NOW + 2), STORE_OK);
	z = x;
	z.ticket_id = u;
	z.day = day_of(2027, 1, 20);
	assert_int_equal(store_extra_add(fx->st, &z, 0, NOW + 3), STORE_OK);
	assert_int_equal(z.ticket_billing, BILLING_BILLABLE);

	/* the history says what was added, and the ticket was touched */
	assert_int_equal(store_ticket_events(fx->st, t, &ev), STORE_OK);
	assert_int_equal(ev.items[ev.n - 1].kind, EVENT_FIELD_CHANGE);
	assert_string_equal(ev.items[ev.n - 1].field, "extra");
	assert_string_equal(ev.items[ev.n - 1].old_value, "");
	assert_string_equal(ev.items[ev.n - 1].new_value,
			    "Kabel UTP 5 m: 1.5 x 2.50 EUR, VAT 13 %");
	assert_string_equal(ev.items[ev.n - 2].new_value, "Toner: 2 x 45.00 EUR, VAT 25 %");
	event_list_free(&ev);
	assert_int_equal(
	    raw_int(fx, "SELECT updated_at FROM tickets WHERE id = %lld", (long long)t), NOW + 2);

	/* by day then id; a ticket's or all */
	assert_int_equal(store_extra_list(fx->st, t, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].id, y.id);
	assert_int_equal(l.items[0].quantity, 1500);
	assert_int_equal(l.items[0].unit_price, 250);
	assert_int_equal(l.items[0].vat, 13);
	assert_int_equal(l.items[0].day, day_of(2027, 2, 3));
	assert_string_equal(l.items[0].description, "Kabel UTP 5 m");
	assert_int_equal(l.items[1].id, x.id);
	bill_extra_list_free(&l);
	assert_int_equal(store_extra_list(fx->st, 0, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.items[0].id, z.id);
	bill_extra_list_free(&l);
	assert_int_equal(store_extra_list(fx->st, 999, &l), STORE_NOT_FOUND);

	assert_int_equal(store_extra_remove(fx->st, x.id, fx->bruno, NOW + 9), STORE_OK);
	assert_int_equal(store_ticket_events(fx->st, t, &ev), STORE_OK);
	assert_string_equal(ev.items[ev.n - 1].field, "extra");
	assert_string_equal(ev.items[ev.n - 1].old_value, "Toner: 2 x 45.00 EUR, VAT 25 %");
	assert_string_equal(ev.items[ev.n - 1].new_value, "");
	assert_int_equal(ev.items[ev.n - 1].author_user_id, fx->bruno);
	event_list_free(&ev);
	assert_int_equal(store_extra_list(fx->st, t, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	bill_extra_list_free(&l);
	assert_int_equal(store_extra_remove(fx->st, 999, fx->bruno, NOW), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "extra item 999 not found");
}

/* ---- prepayments ---- */

static void test_prepay(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line stored[2], other[1], after[1];
	struct bill_prepay_line pl[2];
	struct bill_prepay_list l;
	struct bill_prepay p;
	char msg[128];
	int64_t amounts[24], k, o, a, pid = 0, pid2 = 0;
	struct ln ls[2] = {{0, 1000, -1}, {0, 2000, 10000}};

	ls[0].service = fx->printer;
	ls[1].service = fx->hours;
	k = add_contract(fx, fx->beta, "UG-7", day_of(2027, 1, 1), -1, 1, CYCLE_QUARTERLY, ls, 2,
			 stored);
	o = add_contract(fx, fx->alfa, "UG-8", day_of(2027, 1, 1), -1, 1, CYCLE_QUARTERLY, ls, 1,
			 other);

	/* line 1 (25 %): 35.00 a month; line 2 (13 %): 200.00, the last month cut to 100.00 */
	prepay_init(&p, pl, amounts, k, JAN, MAR, stored, 2, 3500);
	pl[1].month_amounts[0] = 20000;
	pl[1].month_amounts[1] = 20000;
	pl[1].month_amounts[2] = 10000;
	pl[1].amount = 50000;
	assert_int_equal(store_prepay_record(fx->st, JAN, &p, NOW, &pid), STORE_OK);
	assert_true(pid > 0);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM prepayment_items"), 6);
	prepay_init(&p, pl, amounts, o, JAN, JAN, other, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, JAN, &p, NOW + 60, &pid2), STORE_OK);

	/* listed by client name: alfa's, then Beta's */
	assert_int_equal(store_prepay_list(fx->st, JAN, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ids[0], pid2);
	assert_int_equal(l.issued_at[0], NOW + 60);
	assert_int_equal(l.items[0].contract_id, o);
	assert_string_equal(l.items[0].client_name, "alfa d.o.o.");
	assert_int_equal(l.items[0].first, JAN);
	assert_int_equal(l.items[0].last, JAN);
	assert_int_equal(l.items[0].n_lines, 1);
	assert_int_equal(l.items[0].net, 3500);
	assert_int_equal(l.ids[1], pid);
	assert_int_equal(l.issued_at[1], NOW);
	assert_string_equal(l.items[1].contract_number, "UG-7");
	assert_int_equal(l.items[1].client_id, fx->beta);
	assert_int_equal(l.items[1].first, JAN);
	assert_int_equal(l.items[1].last, MAR);
	assert_int_equal(l.items[1].n_lines, 2);
	assert_int_equal(l.items[1].lines[0].line_id, stored[0].id);
	assert_string_equal(l.items[1].lines[0].code, "printer");
	assert_string_equal(l.items[1].lines[0].description, "Najam pisača");
	assert_int_equal(l.items[1].lines[0].amount, 10500);
	assert_int_equal(l.items[1].lines[0].month_amounts[2], 3500);
	assert_int_equal(l.items[1].lines[1].quantity, 2000);
	assert_int_equal(l.items[1].lines[1].monthly_price, 10000);
	assert_int_equal(l.items[1].lines[1].vat, 13);
	assert_int_equal(l.items[1].lines[1].amount, 50000);
	assert_int_equal(l.items[1].lines[1].month_amounts[0], 20000);
	assert_int_equal(l.items[1].lines[1].month_amounts[2], 10000);
	/* VAT per rate: 105.00 x 25 % = 26.25; 500.00 x 13 % = 65.00 */
	assert_int_equal(l.items[1].vat[0].vat, 25);
	assert_int_equal(l.items[1].vat[0].net, 10500);
	assert_int_equal(l.items[1].vat[0].tax, 2625);
	assert_int_equal(l.items[1].vat[1].vat, 13);
	assert_int_equal(l.items[1].vat[1].tax, 6500);
	assert_int_equal(l.items[1].net, 60500);
	assert_int_equal(l.items[1].tax, 9125);
	assert_int_equal(l.items[1].gross, 69625);
	bill_prepay_list_free(&l);
	assert_int_equal(store_prepay_list(fx->st, FEB, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	bill_prepay_list_free(&l);

	/* refused */
	prepay_init(&p, pl, amounts, k, MAR, MAR + 2, stored, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, MAR, &p, NOW, NULL), STORE_CONFLICT);
	snprintf(msg, sizeof(msg), "contract %lld is already prepaid for 2027-01..2027-03",
		 (long long)k);
	assert_string_equal(store_errmsg(fx->st), msg);
	prepay_init(&p, pl, amounts, k, APR, APR + 2, stored, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, MAR, &p, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "first: the period must start in the month it is issued in (2027-03)");
	prepay_init(&p, pl, amounts, k, APR, APR + 12, stored, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "last: the period is 1 to 12 months from its first");
	prepay_init(&p, pl, amounts, k, APR, APR + 2, stored, 1, 3500);
	pl[0].amount++;
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "lines[0].amount: not the sum of its months");
	prepay_init(&p, pl, amounts, k, APR, APR + 2, other, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_INVALID);
	snprintf(msg, sizeof(msg), "lines[0].line_id: not a line of contract %lld", (long long)k);
	assert_string_equal(store_errmsg(fx->st), msg);
	prepay_init(&p, pl, amounts, 999, APR, APR + 2, other, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_NOT_FOUND);
	/* a contract paid after each month has nothing to prepay */
	a = add_contract(fx, fx->alfa, "UG-9", day_of(2027, 1, 1), -1, 0, CYCLE_MONTHLY, ls, 1,
			 after);
	prepay_init(&p, pl, amounts, a, APR, APR, after, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_INVALID);
	snprintf(msg, sizeof(msg),
		 "contract %lld is paid after each month, not in advance: its months are charged "
		 "by the month-end run",
		 (long long)a);
	assert_string_equal(store_errmsg(fx->st), msg);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM prepayments"), 2);
	/* the next quarter is fine */
	prepay_init(&p, pl, amounts, k, APR, APR + 2, stored, 2, 100);
	assert_int_equal(store_prepay_record(fx->st, APR, &p, NOW, NULL), STORE_OK);
}

/* ---- closing months, their specifications, adjustments ---- */

static void test_month_close_in_order(void **state)
{
	struct fx *fx = *state;
	int32_t months[4];
	size_t n = 99;
	int closed = -1;

	assert_int_equal(store_month_closed(fx->st, JAN, &closed), STORE_OK);
	assert_int_equal(closed, 0);
	assert_int_equal(store_month_closed_list(fx->st, months, 4, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* the first month closed may be any; after that, in order */
	assert_int_equal(close_month(fx, FEB), STORE_OK);
	assert_int_equal(close_month(fx, FEB), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), "month 2027-02 is already closed");
	assert_int_equal(close_month(fx, APR), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st),
			    "month 2027-03 is still open; months close in order");
	assert_int_equal(close_month(fx, JAN), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st),
			    "month 2026-12 is still open; months close in order");
	assert_int_equal(close_month(fx, MAR), STORE_OK);
	assert_int_equal(close_month(fx, APR), STORE_OK);
	assert_int_equal(store_month_closed(fx->st, MAR, &closed), STORE_OK);
	assert_int_equal(closed, 1);
	assert_int_equal(store_month_closed_list(fx->st, months, 2, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(months[0], APR);
	assert_int_equal(months[1], MAR);
	assert_int_equal(store_month_closed_list(fx->st, months, 4, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(months[2], FEB);
	/* the range recorded is the month's in the business zone */
	assert_int_equal(raw_int(fx, "SELECT from_ts FROM billing_months WHERE month = %d", MAR),
			 FEB_28_2350 + 10 * MIN);
	assert_int_equal(raw_int(fx, "SELECT to_ts FROM billing_months WHERE month = %d", MAR),
			 MAR_31_2350 + 10 * MIN);
	assert_int_equal(
	    raw_int(fx, "SELECT to_day - from_day FROM billing_months WHERE month = %d", MAR), 30);
	assert_int_equal(raw_int(fx, "SELECT closed_by FROM billing_months WHERE month = %d", MAR),
			 fx->ana);
	/* a closed month stays closed */
	assert_int_equal(testdb_raw_exec(fx->path, "DELETE FROM billing_months"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(testdb_raw_exec(fx->path, "UPDATE billing_specs SET json = ''"),
			 SQLITE_OK);
	assert_int_equal(store_month_closed(fx->st, 1, &closed), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "month: not a month of the years 1900..9999");
}

/*
 * Closing a month in a batch: the month is read and its specifications are
 * stored under one write lock, one client at a time, and nothing of it stays
 * when the batch is undone.  A month closes only after it has ended.
 */
static void test_month_close_in_batch(void **state)
{
	struct fx *fx = *state;
	struct bill_client_input in;
	struct bill_context ctx;
	struct bill_reader *r = NULL;
	struct store *other = NULL;
	struct time_entry e;
	int64_t t = add_ticket(fx, fx->alfa, "Pisač", BILLING_BILLABLE);
	char want[128];
	int closed = -1;

	add_entry(fx, t, fx->ana, JAN_10_9H, HOUR, 1);
	/* a specification is stored only by the batch that closes its month */
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->alfa, "{}"), STORE_ERROR);
	assert_string_equal(store_errmsg(fx->st),
			    "a month's specification is stored only in the batch that closes it");
	/* not before the month is over: 2027-01-31 23:50 is still January */
	assert_int_equal(store_month_close(fx->st, JAN, "{}", fx->ana, JAN_31_2350),
			 STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st),
			    "month 2027-01 has not ended yet: it can be closed from 2027-02-01 on");

	/* undone: nothing stays */
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->alfa, "{\"a\":1}"), STORE_OK);
	assert_int_equal(store_batch_end(fx->st, 0), STORE_OK);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM billing_specs"), 0);

	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	/* the month is read in the batch's own snapshot */
	assert_int_equal(store_bill_begin(fx->st, JAN, 0, "remote", &ctx, &r), STORE_OK);
	assert_int_equal(store_bill_next(r, &in), 1);
	assert_int_equal(in.client_id, fx->alfa);
	assert_int_equal(in.n_work, 1);
	store_bill_end(r);
	/* meanwhile no other connection can change the month */
	assert_int_equal(testdb_open(fx->path, &other, 0), 0);
	assert_int_equal(store_set_busy_timeout(other, 0), STORE_OK);
	memset(&e, 0, sizeof(e));
	e.ticket_id = t;
	e.user_id = fx->bruno;
	e.started_at = JAN_10_9H + 2 * HOUR;
	e.ended_at = e.started_at + HOUR;
	e.billable = 1;
	assert_int_equal(store_time_add(other, &e, fx->bruno, NOW), STORE_BUSY);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->alfa, "{\"a\":1}"), STORE_OK);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->alfa, "{\"a\":2}"),
			 STORE_CONFLICT);
	snprintf(want, sizeof(want), "client %" PRId64 " has a specification of 2027-01 already",
		 fx->alfa);
	assert_string_equal(store_errmsg(fx->st), want);
	assert_int_equal(store_month_close(fx->st, JAN, "{}", fx->ana, NOW), STORE_OK);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);
	assert_int_equal(store_month_closed(fx->st, JAN, &closed), STORE_OK);
	assert_int_equal(closed, 1);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM billing_specs WHERE json = '{\"a\":1}'"),
			 1);
	/* and once it is closed the other connection is refused, not kept waiting */
	assert_int_equal(store_time_add(other, &e, fx->bruno, NOW), STORE_CONFLICT);
	store_close(other);
}

static void test_month_specs(void **state)
{
	struct fx *fx = *state;
	/* UTF-8, a newline, quotes, a NUL-free text of any shape: stored as it is */
	static const char json_beta[] = "{\"client\":\"Beta obrt\",\"lines\":[{\"d\":\"Održavanje "
					"\\\"poslužitelja\\\"\"}],\n \"gross\":\"1.234,56\"}\n";
	static const char json_alfa[] = "{\"client\":\"alfa d.o.o.\",\"gross\":\"0,00\"}";
	static const char summary[] = "{\"month\":\"2027-01\",\"clients\":2}";
	struct bill_stored_spec *out = NULL;
	char *sum = NULL;
	size_t n = 0;

	assert_int_equal(store_month_specs(fx->st, JAN, 0, &out, &n, &sum), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "month 2027-01 is not closed");
	/* refusals change nothing, and an undone batch leaves nothing behind */
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->beta, NULL), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "json: required");
	assert_int_equal(store_month_close_spec(fx->st, JAN, 999, json_alfa), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "client_id: client 999 not found");
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->beta, json_beta), STORE_OK);
	assert_int_equal(store_month_close(fx->st, JAN, NULL, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "summary_json: required");
	assert_int_equal(store_batch_end(fx->st, 0), STORE_OK);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM billing_specs"), 0);
	assert_int_equal(store_batch_begin(fx->st), STORE_OK);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->beta, json_beta), STORE_OK);
	assert_int_equal(store_month_close_spec(fx->st, JAN, fx->alfa, json_alfa), STORE_OK);
	assert_int_equal(store_month_close(fx->st, JAN, summary, fx->ana, NOW), STORE_OK);
	assert_int_equal(store_batch_end(fx->st, 1), STORE_OK);

	assert_int_equal(store_month_specs(fx->st, JAN, 0, &out, &n, &sum), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].client_id, fx->alfa);
	assert_string_equal(out[0].json, json_alfa);
	assert_int_equal(out[1].client_id, fx->beta);
	assert_memory_equal(out[1].json, json_beta, sizeof(json_beta));
	assert_string_equal(sum, summary);
	free((char *)out[0].json);
	free((char *)out[1].json);
	free(out);
	free(sum);
	assert_int_equal(store_month_specs(fx->st, JAN, fx->beta, &out, &n, NULL), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].json, json_beta);
	free((char *)out[0].json);
	free(out);
	assert_int_equal(store_month_specs(fx->st, JAN, fx->gama, &out, &n, NULL), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st),
			    "client 3 has no stored specification of 2027-01");
	/* specifications are stored with their month only */
	assert_int_equal(
	    testdb_raw_exec(fx->path, "INSERT INTO billing_specs VALUES (24324, 3, '{}')"),
	    SQLITE_CONSTRAINT);
	assert_int_equal(testdb_raw_exec(fx->path, "UPDATE billing_specs SET json = '{}'"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(testdb_raw_exec(fx->path, "DELETE FROM billing_specs"), SQLITE_CONSTRAINT);
}

static void test_adjustments(void **state)
{
	struct fx *fx = *state;
	int64_t t = add_ticket(fx, fx->alfa, "Krivo obračunato", BILLING_BILLABLE);
	int64_t u = add_ticket(fx, fx->beta, "Drugi klijent", BILLING_BILLABLE);
	struct bill_adjustment_list l;
	struct bill_adjustment a, b;

	memset(&a, 0, sizeof(a));
	a.corrects_month = JAN;
	strcpy(a.description, "Ispravak: dvostruko obračunat sat");
	a.amount = -4500;
	a.vat = 25;
	a.ticket_id = t;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &a, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "corrects_month: 2027-01 is not closed; change the month itself");
	assert_int_equal(close_month(fx, JAN), STORE_OK);
	assert_int_equal(close_month(fx, FEB), STORE_OK);
	/* month 0: the first open month after the corrected one */
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &a, fx->ana, NOW), STORE_OK);
	assert_true(a.id > 0);
	assert_int_equal(a.month, MAR);
	assert_string_equal(a.ticket_number, "2027-000001");
	b = a;
	b.month = FEB;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "month: 2027-02 is closed; charge the correction in an open month");
	b.month = JAN;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "month: must come after corrects_month");
	b.month = APR;
	b.ticket_id = u;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st),
			    "ticket_id: ticket 2027-000002 is not the client's");
	b.ticket_id = 999;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	b.ticket_id = 0;
	b.vat = 7;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	assert_string_equal(store_errmsg(fx->st), "vat: not a VAT rate (25, 13, 5 or 0)");
	b.vat = 5;
	b.amount = BILL_PRICE_MAX + 1;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &b, fx->ana, NOW), STORE_INVALID);
	b.amount = 1999;
	strcpy(b.description, "Zaboravljeni kabel");
	assert_int_equal(store_adjustment_add(fx->st, fx->beta, &b, fx->ana, NOW), STORE_OK);
	assert_int_equal(b.month, APR);
	assert_int_equal(store_adjustment_add(fx->st, 999, &b, fx->ana, NOW), STORE_NOT_FOUND);

	assert_int_equal(store_adjustment_list(fx->st, MAR, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.client_ids[0], fx->alfa);
	assert_int_equal(l.items[0].id, a.id);
	assert_int_equal(l.items[0].month, MAR);
	assert_int_equal(l.items[0].corrects_month, JAN);
	assert_int_equal(l.items[0].amount, -4500);
	assert_int_equal(l.items[0].ticket_id, t);
	assert_string_equal(l.items[0].ticket_number, "2027-000001");
	assert_string_equal(l.items[0].description, "Ispravak: dvostruko obračunat sat");
	bill_adjustment_list_free(&l);
	assert_int_equal(store_adjustment_list(fx->st, APR, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.client_ids[0], fx->beta);
	assert_int_equal(l.items[0].vat, 5);
	bill_adjustment_list_free(&l);
	/* once March closes, its adjustments stay */
	assert_int_equal(close_month(fx, MAR), STORE_OK);
	assert_int_equal(testdb_raw_exec(fx->path, "DELETE FROM adjustments"), SQLITE_CONSTRAINT);
}

/* ---- a closed month refuses changes, through every path ---- */

static void test_closed_refusals(void **state)
{
	struct fx *fx = *state;
	struct bill_contract_line lines[1];
	struct bill_prepay_line pl[1];
	struct bill_prepay p;
	struct bill_extra x;
	struct time_entry e, got;
	struct timer_running run;
	struct ln ls[1] = {{0, 1000, -1}};
	int64_t amounts[12];
	int64_t t = add_ticket(fx, fx->alfa, "Pisač", BILLING_BILLABLE);
	int64_t jan = add_entry(fx, t, fx->ana, JAN_10_9H, HOUR, 1);
	int64_t jan_last = add_entry(fx, t, fx->ana, JAN_31_2350, 20 * MIN, 1);
	int64_t feb = add_entry(fx, t, fx->ana, FEB_10_9H, HOUR, 1);
	int64_t k, extra_jan;

	ls[0].service = fx->printer;
	k = add_contract(fx, fx->alfa, "UG-1", day_of(2027, 1, 1), -1, 1, CYCLE_MONTHLY, ls, 1,
			 lines);
	memset(&x, 0, sizeof(x));
	x.ticket_id = t;
	strcpy(x.description, "Toner");
	x.quantity = 1000;
	x.unit_price = 4500;
	x.vat = 25;
	x.day = day_of(2027, 1, 31);
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_OK);
	extra_jan = x.id;
	/* a stopwatch started in January and still running keeps January open */
	assert_int_equal(store_timer_start(fx->st, fx->bruno, t, JAN_31_2350 - HOUR, &run, NULL),
			 STORE_OK);
	assert_int_equal(close_month(fx, JAN), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st),
			    "the stopwatch of Bruno Babić on 2027-000001 started in 2027-01 and "
			    "still runs; stop it before the month closes");
	assert_int_equal(store_timer_stop(fx->st, fx->bruno, t, JAN_31_2350 - HOUR / 2, &got),
			 STORE_OK);
	assert_int_equal(close_month(fx, JAN), STORE_OK);
	/* one started in January after January closed (closed before its end) */
	assert_int_equal(store_timer_start(fx->st, fx->bruno, t, JAN_31_2350, &run, NULL),
			 STORE_OK);

	/* time entries: add, correct (either end in January), stop the stopwatch */
	memset(&e, 0, sizeof(e));
	e.ticket_id = t;
	e.user_id = fx->ana;
	e.started_at = JAN_31_2350 + 5 * MIN;
	e.ended_at = FEB_01_0010 + HOUR;
	e.billable = 1;
	assert_int_equal(store_time_add(fx->st, &e, fx->ana, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	e.started_at = FEB_01_0010;
	assert_int_equal(store_time_add(fx->st, &e, fx->ana, NOW), STORE_OK);
	assert_int_equal(store_time_get(fx->st, jan, &got), STORE_OK);
	got.ended_at += MIN;
	assert_int_equal(store_time_update(fx->st, &got, "krivo", fx->ana, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	assert_int_equal(store_time_get(fx->st, feb, &got), STORE_OK);
	got.started_at = JAN_31_2350;
	got.ended_at = JAN_31_2350 + HOUR;
	assert_int_equal(store_time_update(fx->st, &got, "krivo", fx->ana, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	assert_int_equal(store_time_get(fx->st, feb, &got), STORE_OK);
	got.ended_at += MIN;
	assert_int_equal(store_time_update(fx->st, &got, "dulje", fx->ana, NOW), STORE_OK);
	assert_int_equal(store_timer_stop(fx->st, fx->bruno, t, FEB_01_0010, &got), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	assert_int_equal(store_timer_get(fx->st, fx->bruno, &run), STORE_OK); /* still runs */
	assert_int_equal(
	    store_time_set_rate(fx->st, jan_last, fx->on_site, "na terenu", fx->ana, NOW),
	    STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	assert_int_equal(store_time_set_rate(fx->st, feb, fx->on_site, "na terenu", fx->ana, NOW),
			 STORE_OK);

	/* extras of January's days */
	x.id = 0;
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	assert_int_equal(store_extra_remove(fx->st, extra_jan, fx->ana, NOW), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	x.day = day_of(2027, 2, 1);
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_OK);

	/* a prepayment issued in January */
	prepay_init(&p, pl, amounts, k, JAN, JAN, lines, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, JAN, &p, NOW, NULL), STORE_CONFLICT);
	assert_string_equal(store_errmsg(fx->st), CLOSED_JAN);
	prepay_init(&p, pl, amounts, k, FEB, FEB, lines, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, FEB, &p, NOW, NULL), STORE_OK);

	/* nothing of the refused calls stayed, and the database refuses anyone else too */
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM time_entries"), 5);
	assert_int_equal(raw_int(fx, "SELECT count(*) FROM extras"), 2);
	assert_int_equal(
	    raw_int(fx, "SELECT seconds FROM time_entries WHERE id = %lld", (long long)jan), HOUR);
	assert_int_equal(testdb_raw_exec(fx->path, "DELETE FROM time_entries WHERE started_at < "
						   "1801436400"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(testdb_raw_exec(fx->path, "UPDATE extras SET quantity = 5"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(testdb_raw_exec(fx->path, "DELETE FROM time_entries WHERE started_at >= "
						   "1801436400 AND id NOT IN (SELECT time_entry_id "
						   "FROM events WHERE time_entry_id IS NOT NULL)"),
			 SQLITE_OK);
	/* the history stays append-only */
	assert_int_equal(testdb_raw_exec(fx->path, "UPDATE events SET body = 'x'"),
			 SQLITE_CONSTRAINT);
}

/* ---- the month's reader ---- */

static const struct bill_work *find_work(const struct bill_client_input *in, int64_t entry)
{
	size_t i;

	for (i = 0; i < in->n_work; i++)
		if (in->work[i].entry_id == entry)
			return &in->work[i];
	return NULL;
}

static void test_reader_march(void **state)
{
	struct fx *fx = *state;
	/* Gama: entries at both edges of March, over the short night, a rate, an override */
	int64_t g1 = add_ticket(fx, fx->gama, "Mreža ne radi", BILLING_BILLABLE);
	int64_t g2 = add_ticket(fx, fx->gama, "Jamstvo: monitor", BILLING_WARRANTY);
	int64_t e_feb_last = add_entry(fx, g1, fx->ana, FEB_28_2350, 5 * MIN, 1);
	int64_t e_mar_first = add_entry(fx, g1, fx->ana, MAR_01_0010, 5 * MIN, 1);
	int64_t e_dst = add_entry(fx, g1, fx->bruno, MAR_28_0100, MAR_28_0400 - MAR_28_0100, 0);
	int64_t e_mar_last = add_entry(fx, g2, fx->bruno, MAR_31_2350, 15 * MIN, 1);
	int64_t e_apr_first = add_entry(fx, g2, fx->bruno, APR_01_0010, 5 * MIN, 1);
	int64_t nobody = add_ticket(fx, 0, "Bez klijenta", BILLING_BILLABLE);
	struct bill_contract_line lines[2];
	struct bill_prepay_line pl[1];
	struct bill_prepay p;
	int64_t amounts[12];
	struct bill_client_input got[4];
	struct bill_context ctx;
	struct bill_reader *r = NULL;
	struct bill_adjustment a;
	struct bill_extra x;
	struct ln ls[2] = {{0, 1000, -1}, {0, 1000, -1}};
	struct bill_client_input *in;
	const struct bill_work *w;
	int64_t k_beta, k_old, dg;
	size_t n = 0;
	int rc;

	add_entry(fx, nobody, fx->ana, MAR_10_9H, HOUR, 1);
	assert_int_equal(
	    store_time_set_rate(fx->st, e_mar_first, fx->on_site, "teren", fx->ana, NOW), STORE_OK);
	assert_int_equal(store_rate_override_set(fx->st, fx->on_site, fx->gama, 0, 5800), STORE_OK);
	/* Beta: only a contract covering March (and an old one that does not) */
	ls[0].service = fx->printer;
	ls[1].service = fx->server;
	k_beta = add_contract(fx, fx->beta, "UG-B", day_of(2027, 3, 10), -1, 1, CYCLE_MONTHLY, ls,
			      2, lines);
	k_old = add_contract(fx, fx->beta, "UG-A", day_of(2026, 1, 1), day_of(2027, 2, 28), 0,
			     CYCLE_MONTHLY, ls, 1, NULL);
	assert_int_equal(store_rate_override_set(fx->st, fx->remote, 0, k_beta, 3900), STORE_OK);
	prepay_init(&p, pl, amounts, k_beta, MAR, MAR, lines, 1, 3500);
	assert_int_equal(store_prepay_record(fx->st, MAR, &p, NOW, NULL), STORE_OK);
	/* alfa: only an extra of March 31 on a ticket of its, and an adjustment of March */
	memset(&x, 0, sizeof(x));
	x.ticket_id = add_ticket(fx, fx->alfa, "Toner", BILLING_FREE);
	strcpy(x.description, "Toner");
	x.quantity = 1000;
	x.unit_price = 4500;
	x.vat = 25;
	x.day = day_of(2027, 3, 31);
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_OK);
	x.day = day_of(2027, 4, 1);
	assert_int_equal(store_extra_add(fx->st, &x, fx->ana, NOW), STORE_OK);
	assert_int_equal(close_month(fx, FEB), STORE_OK);
	memset(&a, 0, sizeof(a));
	a.corrects_month = FEB;
	strcpy(a.description, "Ispravak veljače");
	a.amount = -1000;
	a.vat = 25;
	assert_int_equal(store_adjustment_add(fx->st, fx->alfa, &a, fx->ana, NOW), STORE_OK);
	/* a fourth client with nothing in March */
	dg = add_client(fx, "Delta d.d.", "");
	add_entry(fx, add_ticket(fx, dg, "Travanj", BILLING_BILLABLE), fx->ana, APR_10_9H, HOUR, 1);

	memset(&ctx, 0, sizeof(ctx));
	ctx.default_terms.increment = 900;
	assert_int_equal(store_bill_begin(fx->st, MAR, 0, "remote", &ctx, &r), STORE_OK);
	assert_int_equal(ctx.month, MAR);
	assert_int_equal(ctx.n_rates, 2);
	assert_int_equal(ctx.default_rate_id, fx->remote);
	assert_int_equal(ctx.default_terms.increment, 900); /* left as the caller set it */
	/* each input is valid until the next call: looked at as it comes */
	while ((rc = store_bill_next(r, &got[n])) == 1) {
		in = &got[n];
		assert_true(n < COUNT(got) - 1);
		n++;
		if (in->client_id == fx->alfa) {
			assert_string_equal(in->client_name, "alfa d.o.o.");
			assert_string_equal(in->client_address, "Ulica alfa d.o.o. 1, Zagreb");
			assert_int_equal(in->n_work, 0);
			assert_int_equal(in->n_contracts, 0);
			assert_int_equal(in->n_extras, 1);
			assert_int_equal(in->extras[0].day, day_of(2027, 3, 31));
			assert_int_equal(in->extras[0].ticket_billing, BILLING_FREE);
			assert_int_equal(in->n_adjustments, 1);
			assert_int_equal(in->adjustments[0].amount, -1000);
			assert_int_equal(in->adjustments[0].corrects_month, FEB);
			assert_int_equal(in->n_prepaid, 0);
		} else if (in->client_id == fx->beta) {
			assert_int_equal(in->n_work, 0);
			assert_int_equal(in->n_extras, 0);
			assert_int_equal(in->n_contracts, 2); /* every contract of the client */
			assert_string_equal(in->contracts[0].number, "UG-A");
			assert_int_equal(in->contracts[0].id, k_old);
			assert_int_equal(in->contracts[0].n_lines, 1);
			assert_int_equal(in->contracts[1].id, k_beta);
			assert_int_equal(in->contracts[1].start_day, day_of(2027, 3, 10));
			assert_int_equal(in->contracts[1].n_lines, 2);
			assert_int_equal(in->contracts[1].lines[1].id, lines[1].id);
			assert_string_equal(in->contracts[1].lines[1].service_code, "server");
			assert_string_equal(in->contracts[1].client_name, "Beta obrt");
			assert_int_equal(in->n_overrides, 1);
			assert_int_equal(in->overrides[0].contract_id, k_beta);
			assert_int_equal(in->overrides[0].hourly, 3900);
			assert_int_equal(in->n_prepaid, 1);
			assert_int_equal(in->prepaid[0].line_id, lines[0].id);
			assert_int_equal(in->prepaid[0].month, MAR);
			assert_int_equal(in->prepaid[0].amount, 3500);
		} else if (in->client_id == fx->gama) {
			assert_int_equal(in->n_work, 3);
			assert_int_equal(in->n_contracts, 0);
			assert_null(find_work(in, e_feb_last));	 /* Feb 28, 23:50 */
			assert_null(find_work(in, e_apr_first)); /* Apr 1, 00:10 */
			w = find_work(in, e_mar_first);		 /* Mar 1, 00:10 */
			assert_non_null(w);
			assert_int_equal(w->day, day_of(2027, 3, 1));
			assert_int_equal(w->ticket_id, g1);
			assert_string_equal(w->ticket_subject, "Mreža ne radi");
			assert_string_equal(w->ticket_number, "2027-000001");
			assert_int_equal(w->ticket_billing, BILLING_BILLABLE);
			assert_int_equal(w->user_id, fx->ana);
			assert_string_equal(w->user_name, "Ana Anić");
			assert_int_equal(w->rate_id, fx->on_site);
			assert_int_equal(w->started_at, MAR_01_0010);
			assert_int_equal(w->seconds, 5 * MIN);
			assert_int_equal(w->billable, 1);
			w = find_work(in, e_dst); /* the night of 23 hours: two real hours */
			assert_non_null(w);
			assert_int_equal(w->day, day_of(2027, 3, 28));
			assert_int_equal(w->seconds, 2 * HOUR);
			assert_int_equal(w->billable, 0);
			assert_int_equal(w->rate_id, 0);
			assert_int_equal(w->user_id, fx->bruno);
			assert_string_equal(w->user_name, "Bruno Babić");
			w = find_work(in, e_mar_last); /* Mar 31, 23:50 */
			assert_non_null(w);
			assert_int_equal(w->day, day_of(2027, 3, 31));
			assert_int_equal(w->ticket_billing, BILLING_WARRANTY);
			assert_string_equal(w->ticket_subject, "Jamstvo: monitor");
			assert_int_equal(in->n_overrides, 1);
			assert_int_equal(in->overrides[0].client_id, fx->gama);
			assert_int_equal(in->overrides[0].rate_id, fx->on_site);
		} else {
			fail_msg("client %lld is not one of March's", (long long)in->client_id);
		}
	}
	assert_int_equal(rc, 0);
	/* by name, case aside: alfa, Beta, Gama; not Delta, not the ticket of nobody */
	assert_int_equal(n, 3);
	assert_int_equal(got[0].client_id, fx->alfa);
	assert_int_equal(got[1].client_id, fx->beta);
	assert_int_equal(got[2].client_id, fx->gama);
	store_bill_end(r);

	/* one client: only that one; the others' rows stay out */
	assert_int_equal(store_bill_begin(fx->st, MAR, fx->alfa, "remote", &ctx, &r), STORE_OK);
	assert_int_equal(store_bill_next(r, &got[0]), 1);
	assert_int_equal(got[0].client_id, fx->alfa);
	assert_int_equal(got[0].n_adjustments, 1);
	assert_int_equal(got[0].n_extras, 1);
	assert_int_equal(store_bill_next(r, &got[0]), 0);
	store_bill_end(r);
	assert_int_equal(store_bill_begin(fx->st, MAR, fx->gama, "remote", &ctx, &r), STORE_OK);
	assert_int_equal(store_bill_next(r, &got[0]), 1);
	assert_int_equal(got[0].n_work, 3);
	assert_int_equal(store_bill_next(r, &got[0]), 0);
	store_bill_end(r);
	assert_int_equal(store_bill_begin(fx->st, MAR, dg, "remote", &ctx, &r), STORE_OK);
	assert_int_equal(store_bill_next(r, &got[0]), 0);
	store_bill_end(r);
	assert_int_equal(store_bill_begin(fx->st, MAR, 999, "remote", &ctx, &r), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st), "client 999 not found");

	/* work without a rate needs the default rate */
	assert_int_equal(store_bill_begin(fx->st, MAR, 0, "nocturnal", &ctx, &r), STORE_NOT_FOUND);
	assert_string_equal(store_errmsg(fx->st),
			    "no rate has the code 'nocturnal', the default rate of work without "
			    "one; add it or name another");
	/* a month with no work is fine, with the default rate 0; one with nothing is empty */
	assert_int_equal(store_bill_begin(fx->st, 2025 * 12 + 5, 0, "nocturnal", &ctx, &r),
			 STORE_OK);
	assert_int_equal(ctx.default_rate_id, 0);
	assert_int_equal(store_bill_next(r, &got[0]), 0);
	store_bill_end(r);
	/* the snapshot was given back every time: a write goes through */
	assert_int_equal(close_month(fx, MAR), STORE_OK);
}

/* The reader against SQL's own sums on a bigger month (the counting sort, the ticket runs). */
static void test_reader_many(void **state)
{
	struct fx *fx = *state;
	struct bill_context ctx;
	struct bill_client_input in;
	struct bill_reader *r = NULL;
	sqlite3 *db = testdb_raw(fx->path);
	sqlite3_stmt *s = NULL;
	char sql[512], prev[NAME_MAX_LEN + 1] = "";
	int64_t want_seconds[64] = {0}, want_entries[64] = {0}, ticket_client[40000] = {0};
	int64_t clients = 0, want_clients = 0;
	struct bill_hours_list hc, hu;
	size_t j;
	int i, k, rc;

	/* 40 more clients, 400 tickets (some far apart in id), 6000 entries */
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 40; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO clients (name, created_at, updated_at) "
			 "VALUES ('Klijent %02d', 0, 0)",
			 39 - i);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	/* the clients made here have the ids 4..43; every 41st ticket has none */
	for (i = 0; i < 400; i++) {
		char client[16] = "NULL";

		if (i % 41 != 40)
			snprintf(client, sizeof(client), "%d", 4 + (i * 7) % 40);
		snprintf(sql, sizeof(sql),
			 "INSERT INTO tickets (id, number, subject, channel, "
			 "client_id, created_at, updated_at) VALUES (%d, "
			 "'2027-%06d', 'Zahtjev %d', 'phone', %s, 0, 0)",
			 i < 300 ? i + 1 : 1000 + i * 97, i + 1, i, client);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	/* from Feb 27 to Apr 4, every 500 s, over the tickets in turn */
	assert_int_equal(sqlite3_exec(db,
				      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL "
				      "SELECT i + 1 FROM n WHERE i < 5999), "
				      "t(rn, id) AS (SELECT row_number() OVER (ORDER BY id) - 1, "
				      "id FROM tickets) "
				      "INSERT INTO time_entries (ticket_id, user_id, started_at, "
				      "ended_at, seconds, created_at, updated_at) "
				      "SELECT t.id, 1 + i % 2, 1803700000 + i * 500, "
				      "1803700000 + i * 500 + 60 + i % 3600, 60 + i % 3600, 0, 0 "
				      "FROM n JOIN t ON t.rn = n.i % 400",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* what SQL says: each client's seconds and entries of March, and each ticket's client */
	db = testdb_raw(fx->path);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT t.client_id, sum(x.seconds), count(*) "
					    "FROM time_entries x JOIN tickets t ON t.id = "
					    "x.ticket_id WHERE x.started_at >= ?1 AND "
					    "x.started_at < ?2 AND t.client_id IS NOT NULL "
					    "GROUP BY t.client_id",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, FEB_28_2350 + 10 * MIN);
	sqlite3_bind_int64(s, 2, MAR_31_2350 + 10 * MIN);
	while (sqlite3_step(s) == SQLITE_ROW) {
		k = sqlite3_column_int(s, 0);
		assert_true(k > 0 && k < (int)COUNT(want_seconds));
		want_seconds[k] = sqlite3_column_int64(s, 1);
		want_entries[k] = sqlite3_column_int64(s, 2);
		want_clients++;
	}
	sqlite3_finalize(s);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT id, coalesce(client_id, 0) FROM tickets", -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		i = sqlite3_column_int(s, 0);
		assert_true(i > 0 && i < (int)COUNT(ticket_client));
		ticket_client[i] = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_true(want_clients == 40);

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_bill_begin(fx->st, MAR, 0, "remote", &ctx, &r), STORE_OK);
	while ((rc = store_bill_next(r, &in)) == 1) {
		int64_t sum = 0;

		/* in name order, case aside */
		assert_true(sqlite3_stricmp(prev, in.client_name) < 0);
		snprintf(prev, sizeof(prev), "%s", in.client_name);
		assert_true(in.client_id > 0 && in.client_id < (int64_t)COUNT(want_seconds));
		for (j = 0; j < in.n_work; j++) {
			assert_true(in.work[j].started_at >= FEB_28_2350 + 10 * MIN);
			assert_true(in.work[j].started_at < MAR_31_2350 + 10 * MIN);
			assert_true(in.work[j].day >= day_of(2027, 3, 1) &&
				    in.work[j].day <= day_of(2027, 3, 31));
			assert_int_equal(clock_local_day(in.work[j].started_at), in.work[j].day);
			assert_int_equal(ticket_client[in.work[j].ticket_id], in.client_id);
			assert_string_equal(in.work[j].user_name, in.work[j].user_id == fx->ana
								      ? "Ana Anić"
								      : "Bruno Babić");
			sum += in.work[j].seconds;
		}
		assert_int_equal(sum, want_seconds[in.client_id]);
		assert_int_equal(in.n_work, want_entries[in.client_id]);
		clients++;
	}
	assert_int_equal(rc, 0);
	store_bill_end(r);
	assert_int_equal(clients, want_clients);

	/* the chart's hours from the same scan: every client's sum, most first */
	assert_int_equal(store_month_hours(fx->st, MAR, &hc, &hu), STORE_OK);
	assert_int_equal(hc.n, want_clients);
	for (j = 0; j < hc.n; j++) {
		assert_int_equal(hc.items[j].seconds, want_seconds[hc.items[j].id]);
		if (j)
			assert_true(hc.items[j - 1].seconds >= hc.items[j].seconds);
	}
	assert_int_equal(hu.n, 2);
	assert_int_equal(hu.items[0].seconds + hu.items[1].seconds,
			 raw_int(fx,
				 "SELECT sum(seconds) FROM time_entries WHERE started_at >= %lld "
				 "AND started_at < %lld",
				 (long long)(FEB_28_2350 + 10 * MIN),
				 (long long)(MAR_31_2350 + 10 * MIN)));
	bill_hours_list_free(&hc);
	bill_hours_list_free(&hu);
}

/* ---- the chart ---- */

static void test_month_hours(void **state)
{
	struct fx *fx = *state;
	struct bill_hours_list c, u;
	int64_t a = add_ticket(fx, fx->alfa, "A", BILLING_BILLABLE);
	int64_t b = add_ticket(fx, fx->beta, "B", BILLING_FREE);

	add_entry(fx, a, fx->ana, MAR_10_9H, HOUR, 1);
	add_entry(fx, a, fx->bruno, MAR_10_9H + 2 * HOUR, 2 * HOUR, 1);
	add_entry(fx, b, fx->bruno, MAR_31_2350, 4 * HOUR, 0);
	add_entry(fx, b, fx->bruno, APR_01_0010, 9 * HOUR, 1);
	add_entry(fx, add_ticket(fx, 0, "Nitko", BILLING_BILLABLE), fx->ana, MAR_10_9H, 5 * HOUR,
		  1);
	assert_int_equal(store_month_hours(fx->st, MAR, &c, &u), STORE_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.items[0].id, fx->beta);
	assert_string_equal(c.items[0].name, "Beta obrt");
	assert_int_equal(c.items[0].seconds, 4 * HOUR);
	assert_int_equal(c.items[1].id, fx->alfa);
	assert_int_equal(c.items[1].seconds, 3 * HOUR);
	/* Ana: 1 h + 5 h on no client's ticket; Bruno 2 h + 4 h: a tie, by name */
	assert_int_equal(u.n, 2);
	assert_int_equal(u.items[0].id, fx->ana);
	assert_string_equal(u.items[0].name, "Ana Anić");
	assert_int_equal(u.items[0].seconds, 6 * HOUR);
	assert_int_equal(u.items[1].id, fx->bruno);
	assert_int_equal(u.items[1].seconds, 6 * HOUR);
	bill_hours_list_free(&c);
	bill_hours_list_free(&u);
	assert_int_equal(store_month_hours(fx->st, JAN, &c, &u), STORE_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(u.n, 0);
	bill_hours_list_free(&c);
	bill_hours_list_free(&u);
}

/* ---- the migration ---- */

/* A database of schema 5 with a time entry becomes 6: the entry keeps everything, rate NULL. */
static void test_migrate_from_5(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	char sql[256];
	sqlite3 *db;
	size_t i;
	int v = 0, applied = 0;

	*state = fx;
	assert_int_equal(testdb_make(fx->dir, fx->path, "store-billing-mig"), 0);
	db = testdb_raw(fx->path);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE schema_version (version INTEGER PRIMARY "
				      "KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (i = 0; i < store_migrations_count && store_migrations[i].version <= 5; i++) {
		assert_int_equal(sqlite3_exec(db, store_migrations[i].sql, NULL, NULL, NULL),
				 SQLITE_OK);
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d, '%s', 0)",
			 store_migrations[i].version, store_migrations[i].name);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO users (id, email, name, role, created_at) "
				      "VALUES (1, 'a@evid.test', 'A', 'admin', 0);"
				      "INSERT INTO tickets (id, number, subject, channel, "
				      "created_at, updated_at) VALUES (7, '2027-000007', 'T', "
				      "'phone', 0, 0);"
				      "INSERT INTO time_entries (id, ticket_id, user_id, "
				      "started_at, ended_at, seconds, created_at, updated_at) "
				      "VALUES (3, 7, 1, 1803856200, 1803859800, 3600, 0, 0);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(testdb_open(fx->path, &fx->st, 0), 0);
	assert_int_equal(store_schema_version(fx->st, &v), STORE_OK);
	assert_int_equal(v, 5);
	assert_int_equal(store_migrate(fx->st, &applied), STORE_OK);
	assert_int_equal(applied, store_schema_latest() - 5);
	assert_int_equal(store_check_schema(fx->st), STORE_OK);
	assert_int_equal(entry_rate(fx, 3), 0);
	assert_int_equal(raw_int(fx, "SELECT seconds FROM time_entries WHERE id = 3"), 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_services, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_rates_and_overrides, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_contract_add_get_list, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_contract_refused, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_contract_update_end, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_prepaid_lines_stay, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_time_rate, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_extras, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_prepay, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_month_close_in_order, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_month_close_in_batch, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_month_specs, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_adjustments, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_closed_refusals, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reader_march, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_reader_many, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_month_hours, fx_setup, fx_teardown),
	    cmocka_unit_test_teardown(test_migrate_from_5, fx_teardown),
	};

	if (clock_set_zone("Europe/Zagreb") != 0) {
		fprintf(stderr, "test_store_billing: no Europe/Zagreb in the tz database\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
