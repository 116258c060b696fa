/*
 * json_billing: the records of contracts and billing (core/billing.h) as
 * the API's JSON, both ways: the catalogue, contracts, extras and
 * adjustments as objects and the parse of their request bodies; a client's
 * specification, the run's summary and the prepayments as documents, and
 * the specification and summary read back from the text stored when a month
 * was closed (so that a closed month's outputs reproduce byte-for-byte:
 * parse then write gives the very bytes that were stored).
 *
 * Spelling, everywhere: money as integer cents under its name and as a
 * decimal string of EUR under name_eur ("amount": 12345, "amount_eur":
 * "123.45"); quantities as integer thousandths under quantity and as a
 * decimal string under quantity_units ("quantity": 1500, "quantity_units":
 * "1.500"); seconds as integers; days "YYYY-MM-DD"; months "YYYY-MM"; keys
 * in the order written here (jansson keeps insertion order).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/money.h"
#include "core/timefmt.h"
#include "core/validate.h"
#include "util/xalloc.h"
#include "web/billing_run.h"
#include "web/json.h"
#include "web/json_doc.h"

/* Two-space indent and a final newline: the layout of every json_doc text. */
#define DOC_FLAGS JSON_INDENT(2)

static void oom(void)
{
	fputs("evid: out of memory while writing json\n", stderr);
	abort();
}

static void put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v) < 0)
		oom();
}

static void push(json_t *a, json_t *v)
{
	if (!a || !v || json_array_append_new(a, v) < 0)
		oom();
}

static json_t *jstr(const char *s)
{
	json_t *j = json_text(s);

	if (!j)
		oom();
	return j;
}

/* key: cents, key_eur: "123.45". */
static void put_money(json_t *o, const char *key, int64_t cents)
{
	char k[64], m[MONEY_STR_MAX];

	(void)money_format(cents, '.', 0, m, sizeof(m));
	snprintf(k, sizeof(k), "%s_eur", key);
	put(o, key, json_integer(cents));
	put(o, k, json_string(m));
}

/* quantity: thousandths, quantity_units: "1.500". */
static void put_qty(json_t *o, int64_t q)
{
	char s[48];
	int64_t mag = q < 0 ? -q : q;

	snprintf(s, sizeof(s), "%s%lld.%03lld", q < 0 ? "-" : "", (long long)(mag / 1000),
		 (long long)(mag % 1000));
	put(o, "quantity", json_integer(q));
	put(o, "quantity_units", json_string(s));
}

/* "YYYY-MM-DD", or null for a day < 0 (the model's "none"). */
static json_t *jday(int32_t day)
{
	char d[16];

	if (day < 0)
		return json_null();
	return json_string(cal_date_format(day, d));
}

static json_t *jmonth(int32_t month)
{
	char m[16];

	return json_string(cal_month_format(month, m));
}

static json_t *jvat(const struct bill_vat_total *v)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < BILL_VAT_RATES; i++) {
		json_t *o = json_object();

		put(o, "vat", json_integer(v[i].vat));
		put_money(o, "net", v[i].net);
		put_money(o, "tax", v[i].tax);
		put_money(o, "gross", v[i].gross);
		push(a, o);
	}
	return a;
}

static void put_totals(json_t *o, const struct bill_vat_total *vat, int64_t net, int64_t tax,
		       int64_t gross)
{
	put(o, "vat", jvat(vat));
	put_money(o, "net", net);
	put_money(o, "tax", tax);
	put_money(o, "gross", gross);
}

/* Take o and return it as the documents' text, in memory from xmalloc. */
static char *doc_text(json_t *o)
{
	size_t n = o ? json_dumpb(o, NULL, 0, DOC_FLAGS) : 0;
	char *s;

	if (n == 0)
		oom();
	s = xmalloc(n + 2);
	if (json_dumpb(o, s, n, DOC_FLAGS) != n)
		oom();
	s[n] = '\n';
	s[n + 1] = '\0';
	json_decref(o);
	return s;
}

static char *doc_one(const char *key, json_t *v)
{
	json_t *o = json_object();

	put(o, key, v);
	return doc_text(o);
}

static char *doc_list(const char *key, json_t *items, size_t total)
{
	json_t *o = json_object();

	put(o, key, items);
	put(o, "total", json_integer((json_int_t)total));
	return doc_text(o);
}

/* ---- the catalogue, contracts, extras, adjustments ---- */

json_t *json_service(const struct bill_service *s)
{
	json_t *o = json_object();

	put(o, "id", json_integer(s->id));
	put(o, "code", jstr(s->code));
	put(o, "name", jstr(s->name));
	put(o, "unit", json_string(bill_unit_name(s->unit)));
	put_money(o, "price", s->price);
	put(o, "vat", json_integer(s->vat));
	put(o, "active", json_boolean(s->active));
	return o;
}

json_t *json_rate(const struct bill_rate *r)
{
	json_t *o = json_object();

	put(o, "id", json_integer(r->id));
	put(o, "code", jstr(r->code));
	put(o, "name", jstr(r->name));
	put_money(o, "hourly", r->hourly);
	put(o, "vat", json_integer(r->vat));
	put(o, "active", json_boolean(r->active));
	return o;
}

json_t *json_rate_override(const struct bill_rate_override *v)
{
	json_t *o = json_object();

	put(o, "id", json_integer(v->id));
	put(o, "rate_id", json_integer(v->rate_id));
	put(o, "client_id", json_ref(v->client_id));
	put(o, "contract_id", json_ref(v->contract_id));
	put_money(o, "hourly", v->hourly);
	return o;
}

json_t *json_contract_line(const struct bill_contract_line *l)
{
	json_t *o = json_object();

	put(o, "id", json_integer(l->id));
	put(o, "service_id", json_integer(l->service_id));
	put(o, "service_code", jstr(l->service_code));
	put(o, "description", jstr(l->description));
	put_qty(o, l->quantity);
	put_money(o, "monthly_price", l->monthly_price);
	put(o, "vat", json_integer(l->vat));
	return o;
}

json_t *json_contract(const struct bill_contract *c)
{
	json_t *o = json_object(), *lines = json_array();
	size_t i;

	put(o, "id", json_integer(c->id));
	put(o, "client_id", json_integer(c->client_id));
	put(o, "client_name", jstr(c->client_name));
	put(o, "number", jstr(c->number));
	put(o, "start_date", jday(c->start_day));
	put(o, "end_date", c->end_day == -1 ? json_null() : jday(c->end_day));
	put(o, "proration", json_string(bill_proration_name(c->proration)));
	put(o, "cycle", json_string(bill_cycle_name(c->cycle)));
	put(o, "prepaid", json_boolean(c->prepaid));
	put(o, "increment", json_integer(c->terms.increment));
	put(o, "rounding", json_string(bill_round_mode_name(c->terms.mode)));
	put(o, "round_per", json_string(bill_round_per_name(c->terms.per)));
	put(o, "minimum", json_integer(c->terms.minimum));
	put(o, "included", json_integer(c->terms.included));
	put_money(o, "overage_hourly", c->terms.overage_hourly);
	put(o, "notes", jstr(c->notes));
	put(o, "created_at", json_time_or_null(c->created_at));
	put(o, "updated_at", json_time_or_null(c->updated_at));
	for (i = 0; i < c->n_lines; i++)
		push(lines, json_contract_line(&c->lines[i]));
	put(o, "lines", lines);
	return o;
}

json_t *json_extra(const struct bill_extra *x)
{
	json_t *o = json_object();
	int64_t amount = 0;

	put(o, "id", json_integer(x->id));
	put(o, "ticket_id", json_ref(x->ticket_id));
	put(o, "ticket_number", jstr(x->ticket_number));
	put(o, "ticket_billing", json_string(billing_name(x->ticket_billing)));
	put(o, "date", jday(x->day));
	put(o, "description", jstr(x->description));
	put_qty(o, x->quantity);
	put_money(o, "unit_price", x->unit_price);
	put(o, "vat", json_integer(x->vat));
	/* What it adds to the month: quantity x price, rounded once (nothing when free). */
	if (money_muldiv(x->unit_price, x->quantity, BILL_QTY_ONE, &amount) < 0)
		amount = 0;
	if (x->ticket_billing != BILLING_BILLABLE)
		amount = 0;
	put_money(o, "amount", amount);
	return o;
}

json_t *json_adjustment(const struct bill_adjustment *a)
{
	json_t *o = json_object();

	put(o, "id", json_integer(a->id));
	put(o, "month", jmonth(a->month));
	put(o, "corrects_month", jmonth(a->corrects_month));
	put(o, "description", jstr(a->description));
	put_money(o, "amount", a->amount);
	put(o, "vat", json_integer(a->vat));
	put(o, "ticket_id", json_ref(a->ticket_id));
	put(o, "ticket_number", jstr(a->ticket_number));
	return o;
}

/* ---- the specification, the summary, prepayments ---- */

static int is_contract_kind(enum bill_line_kind k)
{
	return k == LINE_CONTRACT || k == LINE_PREPAID || k == LINE_PREPAID_DIFF;
}

/*
 * A specification's objects are filled value by value in the order of
 * their keys, by one description of them (fill_line, spec_fill) used two
 * ways: the first time an object is made key by key; after that (a month-end
 * run writes hundreds of thousands of lines) the same object is filled again
 * for the next line, each value changed in place where it stands: numbers
 * without allocating, texts only when they differ, no key hashed.  A value
 * whose type changes (an id that is null for none, a day) is replaced
 * through the iterator kept for its place.
 */
struct jfill {
	json_t *o;
	json_t **v;	  /* the values by place (the object holds them) */
	void **it;	  /* the object's iterators, by place */
	size_t n, cap, i; /* places made; the next place to fill */
	int build;	  /* 1 while the object is being made */
};

static void fill_init(struct jfill *f)
{
	memset(f, 0, sizeof(*f));
	f->o = json_object();
	if (!f->o)
		oom();
	f->build = 1;
}

/* Start filling f again (its places are made). */
static void fill_again(struct jfill *f)
{
	f->build = 0;
	f->i = 0;
}

static void fill_clear(struct jfill *f)
{
	json_decref(f->o);
	free(f->v);
	free(f->it);
	memset(f, 0, sizeof(*f));
}

/* The next place: made with v (taken), or its value replaced by v (taken). */
static void fill_put(struct jfill *f, const char *key, json_t *v)
{
	if (!v)
		oom();
	if (f->build) {
		if (f->n == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 32;
			f->v = xrealloc(f->v, f->cap * sizeof(*f->v));
			f->it = xrealloc(f->it, f->cap * sizeof(*f->it));
		}
		if (json_object_set_new(f->o, key, v) < 0)
			oom();
		f->it[f->n] = json_object_iter_at(f->o, key);
		f->v[f->n++] = v;
		return;
	}
	if (json_object_iter_set_new(f->o, f->it[f->i], v) < 0)
		oom();
	f->v[f->i++] = v;
}

static void fill_int(struct jfill *f, const char *key, json_int_t x)
{
	json_t *v = f->build ? NULL : f->v[f->i];

	if (v && json_is_integer(v)) {
		json_integer_set(v, x);
		f->i++;
		return;
	}
	fill_put(f, key, json_integer(x));
}

/* A shared value (null, true, false). */
static void fill_const(struct jfill *f, const char *key, json_t *c)
{
	if (!f->build && f->v[f->i] == c) {
		f->i++;
		return;
	}
	fill_put(f, key, c);
}

/*
 * A string: text is what a person wrote (json_text: invalid UTF-8 is
 * written as ""), else one of ours (ASCII: a name, a day).
 */
static void fill_string(struct jfill *f, const char *key, const char *s, int text)
{
	json_t *v = f->build ? NULL : f->v[f->i];
	size_t n;

	if (!s)
		s = "";
	n = strlen(s);
	if (v && json_is_string(v)) {
		if (json_string_length(v) != n || memcmp(json_string_value(v), s, n) != 0) {
			if (json_string_setn(v, s, n) < 0 &&
			    (!text || json_string_setn(v, "", 0) < 0))
				oom();
		}
		f->i++;
		return;
	}
	fill_put(f, key, text ? jstr(s) : json_string(s));
}

static void fill_text(struct jfill *f, const char *key, const char *s)
{
	fill_string(f, key, s, 1);
}

static void fill_str(struct jfill *f, const char *key, const char *s)
{
	fill_string(f, key, s, 0);
}

/* json_ref: the id, or null for none (0). */
static void fill_ref(struct jfill *f, const char *key, int64_t id)
{
	if (id)
		fill_int(f, key, id);
	else
		fill_const(f, key, json_null());
}

/* jday: "YYYY-MM-DD", or null for a day < 0. */
static void fill_day(struct jfill *f, const char *key, int32_t day)
{
	char d[16];

	if (day < 0)
		fill_const(f, key, json_null());
	else
		fill_str(f, key, cal_date_format(day, d));
}

static void fill_month(struct jfill *f, const char *key, int32_t month)
{
	char m[16];

	fill_str(f, key, cal_month_format(month, m));
}

/* put_money: key: cents, key_eur: "123.45". */
static void fill_money(struct jfill *f, const char *key, int64_t cents)
{
	char k[64], m[MONEY_STR_MAX];

	(void)money_format(cents, '.', 0, m, sizeof(m));
	fill_int(f, key, cents);
	if (f->build)
		snprintf(k, sizeof(k), "%s_eur", key);
	fill_str(f, f->build ? k : NULL, m);
}

/* put_qty: quantity: thousandths, quantity_units: "1.500". */
static void fill_qty(struct jfill *f, int64_t q)
{
	char s[48], *p = s + sizeof(s);
	uint64_t mag = q < 0 ? 0 - (uint64_t)q : (uint64_t)q, whole = mag / 1000;
	int k;

	/* "%s%lld.%03lld" of sign, whole and thousandths, written backwards */
	*--p = '\0';
	for (k = 0; k < 3; k++, mag /= 10)
		*--p = (char)('0' + mag % 10);
	*--p = '.';
	do {
		*--p = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	if (q < 0)
		*--p = '-';
	fill_int(f, "quantity", q);
	fill_str(f, "quantity_units", p);
}

/* A child made once (an array of the spec's): its place is kept as it is. */
static void fill_child(struct jfill *f, const char *key, json_t *child)
{
	if (f->build)
		fill_put(f, key, json_incref(child));
	else
		f->i++;
}

/*
 * The keys of a line depend on its kind's group: contract lines (contract,
 * prepaid, prepaid_diff), work, extras, the rest (adjustments).
 */
enum { SHAPE_CONTRACT, SHAPE_WORK, SHAPE_EXTRA, SHAPE_OTHER, SHAPES };

static int line_shape(enum bill_line_kind k)
{
	if (is_contract_kind(k))
		return SHAPE_CONTRACT;
	return k == LINE_WORK ? SHAPE_WORK : k == LINE_EXTRA ? SHAPE_EXTRA : SHAPE_OTHER;
}

static void fill_line(struct jfill *f, const struct bill_line *l)
{
	fill_str(f, "kind", bill_line_kind_name(l->kind));
	fill_ref(f, "contract_id", l->contract_id);
	fill_text(f, "contract_number", l->contract_number);
	fill_ref(f, "source_id", l->source_id);
	fill_text(f, "code", l->code);
	fill_text(f, "description", l->description);
	fill_day(f, "from", l->from_day);
	fill_day(f, "to", l->to_day);
	switch (line_shape(l->kind)) {
	case SHAPE_CONTRACT:
		fill_int(f, "active_days", l->active_days);
		fill_int(f, "month_days", l->month_days);
		fill_qty(f, l->quantity);
		fill_money(f, "unit_price", l->unit_price);
		break;
	case SHAPE_WORK:
		fill_ref(f, "ticket_id", l->ticket_id);
		fill_text(f, "ticket_number", l->ticket_number);
		fill_str(f, "ticket_billing", billing_name(l->ticket_billing));
		fill_text(f, "technicians", l->technicians);
		fill_int(f, "seconds", l->seconds);
		fill_int(f, "rounded", l->rounded);
		fill_int(f, "included", l->included);
		fill_int(f, "billed", l->billed);
		fill_money(f, "hourly", l->hourly);
		fill_money(f, "overage_hourly", l->overage_hourly);
		break;
	case SHAPE_EXTRA:
		fill_ref(f, "ticket_id", l->ticket_id);
		fill_text(f, "ticket_number", l->ticket_number);
		fill_str(f, "ticket_billing", billing_name(l->ticket_billing));
		fill_qty(f, l->quantity);
		fill_money(f, "unit_price", l->unit_price);
		break;
	default:
		fill_month(f, "corrects_month", l->corrects_month);
		fill_ref(f, "ticket_id", l->ticket_id);
		fill_text(f, "ticket_number", l->ticket_number);
		break;
	}
	fill_int(f, "vat", l->vat);
	fill_money(f, "amount", l->amount);
	fill_const(f, "charged", json_boolean(l->charged));
}

static void fill_support(struct jfill *f, const struct bill_support *p)
{
	fill_int(f, "contract_id", p->contract_id);
	fill_text(f, "contract_number", p->contract_number);
	fill_int(f, "included", p->included);
	fill_int(f, "used", p->used);
	fill_int(f, "overage", p->overage);
}

/* jvat's objects. */
static void fill_vat(struct jfill *f, const struct bill_vat_total *v)
{
	fill_int(f, "vat", v->vat);
	fill_money(f, "net", v->net);
	fill_money(f, "tax", v->tax);
	fill_money(f, "gross", v->gross);
}

/* Objects made once and filled again, one per use in a document. */
struct jpool {
	struct jfill *items;
	size_t n, cap, used;
};

/* The next object of the pool, to be filled (made when the pool has none left). */
static struct jfill *pool_take(struct jpool *p)
{
	struct jfill *f;

	if (p->used == p->n) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 16;
			p->items = xrealloc(p->items, p->cap * sizeof(*p->items));
		}
		fill_init(&p->items[p->n++]);
	}
	f = &p->items[p->used++];
	if (f->n)
		fill_again(f);
	return f;
}

static void pool_free(struct jpool *p)
{
	for (size_t i = 0; i < p->n; i++)
		fill_clear(&p->items[i]);
	free(p->items);
	memset(p, 0, sizeof(*p));
}

#define SPEC_NEST_MAX 8 /* levels of 2 spaces: json_spec_write's pad up to 16 */

struct json_spec_writer {
	struct jfill spec;
	json_t *lines, *support, *vat; /* the spec's arrays (it holds them) */
	struct jfill vats[BILL_VAT_RATES];
	struct jpool shapes[SHAPES]; /* line objects by the keys they have */
	struct jpool supports;
	int made;
	/*
	 * The spec one level deeper per array around it (nest[k]: k + 1
	 * arrays), so that jansson indents it as a part of a bigger document
	 * would be; the arrays' own text is cut off after the dump.
	 */
	json_t *nest[SPEC_NEST_MAX];
	char *text; /* what json_dumpb wrote */
	size_t text_cap;
};

struct json_spec_writer *json_spec_writer_new(void)
{
	struct json_spec_writer *w = xcalloc(1, sizeof(*w));

	fill_init(&w->spec);
	w->lines = json_array();
	w->support = json_array();
	w->vat = json_array();
	if (!w->lines || !w->support || !w->vat)
		oom();
	for (int i = 0; i < BILL_VAT_RATES; i++) {
		fill_init(&w->vats[i]);
		push(w->vat, json_incref(w->vats[i].o));
	}
	return w;
}

void json_spec_writer_free(struct json_spec_writer *w)
{
	if (!w)
		return;
	fill_clear(&w->spec);
	json_decref(w->lines);
	json_decref(w->support);
	json_decref(w->vat);
	for (int i = 0; i < BILL_VAT_RATES; i++)
		fill_clear(&w->vats[i]);
	for (int i = 0; i < SHAPES; i++)
		pool_free(&w->shapes[i]);
	pool_free(&w->supports);
	for (int i = 0; i < SPEC_NEST_MAX; i++)
		json_decref(w->nest[i]);
	free(w->text);
	free(w);
}

/* The writer's tree filled with s: the objects json_bill_spec makes, in its order. */
static json_t *spec_fill(struct json_spec_writer *w, const struct bill_spec *s)
{
	struct jfill *f = &w->spec;
	size_t i;

	if (w->made) {
		fill_again(f);
		for (i = 0; i < BILL_VAT_RATES; i++)
			fill_again(&w->vats[i]);
	}
	for (i = 0; i < SHAPES; i++)
		w->shapes[i].used = 0;
	w->supports.used = 0;
	if (json_array_clear(w->lines) < 0 || json_array_clear(w->support) < 0)
		oom();
	fill_month(f, "month", s->month);
	fill_int(f, "client_id", s->client_id);
	fill_text(f, "client_name", s->client_name);
	fill_text(f, "client_oib", s->client_oib);
	fill_text(f, "client_address", s->client_address);
	for (i = 0; i < s->n_lines; i++) {
		struct jfill *lf = pool_take(&w->shapes[line_shape(s->lines[i].kind)]);

		fill_line(lf, &s->lines[i]);
		assert(lf->build || lf->i == lf->n); /* filled again: every place, in order */
		if (json_array_append(w->lines, lf->o) < 0)
			oom();
	}
	fill_child(f, "lines", w->lines);
	for (i = 0; i < s->n_support; i++) {
		struct jfill *sf = pool_take(&w->supports);

		fill_support(sf, &s->support[i]);
		if (json_array_append(w->support, sf->o) < 0)
			oom();
	}
	fill_child(f, "support", w->support);
	fill_int(f, "work_seconds", s->work_seconds);
	fill_int(f, "work_rounded", s->work_rounded);
	for (i = 0; i < BILL_VAT_RATES; i++)
		fill_vat(&w->vats[i], &s->vat[i]);
	fill_child(f, "vat", w->vat);
	fill_money(f, "net", s->net);
	fill_money(f, "tax", s->tax);
	fill_money(f, "gross", s->gross);
	assert(f->build || f->i == f->n);
	w->made = 1;
	return f->o;
}

json_t *json_bill_spec(const struct bill_spec *s)
{
	struct json_spec_writer *w = json_spec_writer_new();
	json_t *o = json_incref(spec_fill(w, s));

	json_spec_writer_free(w);
	return o;
}

/*
 * The spec's tree and what to write of it: for pad 0 the spec itself, else
 * the spec inside pad / 2 arrays, whose text before and after the spec is
 * *head and *tail bytes: "[\n  [\n    " and "\n  ]\n]" for two.
 */
static json_t *spec_nested(struct json_spec_writer *w, int levels, size_t *head, size_t *tail)
{
	*head = *tail = 0;
	if (levels == 0)
		return w->spec.o;
	for (int i = 0; i < levels; i++) {
		if (!w->nest[i]) {
			w->nest[i] = json_array();
			push(w->nest[i], json_incref(i == 0 ? w->spec.o : w->nest[i - 1]));
		}
		/* level i (from the inside): "[" "\n" and its indent; "\n", the indent, "]" */
		*head += 2 + 2 * (size_t)(levels - i);
		*tail += 2 + 2 * (size_t)(levels - 1 - i);
	}
	return w->nest[levels - 1];
}

int json_spec_write(struct json_spec_writer *w, const struct bill_spec *s, int pad, struct buf *out)
{
	size_t n, head, tail;
	json_t *o;

	if (pad < 0 || pad > 2 * SPEC_NEST_MAX || pad % 2)
		return -1;
	spec_fill(w, s);
	o = spec_nested(w, pad / 2, &head, &tail);
	/* into the writer's own text (jansson's dump to a buffer), grown when too small */
	for (;;) {
		n = json_dumpb(o, w->text, w->text_cap, DOC_FLAGS);
		if (n == 0)
			oom();
		if (n <= w->text_cap)
			break;
		w->text_cap = n + n / 2;
		free(w->text);
		w->text = xmalloc(w->text_cap);
	}
	assert(n >= head + tail + 2 && w->text[head] == '{' && w->text[n - tail - 1] == '}');
	return buf_add(out, w->text + head, n - head - tail);
}

json_t *json_bill_summary(const struct bill_summary *s)
{
	json_t *o = json_object();

	put(o, "month", jmonth(s->month));
	put(o, "clients", json_integer((json_int_t)s->clients));
	put(o, "work_seconds", json_integer(s->work_seconds));
	put(o, "work_rounded", json_integer(s->work_rounded));
	put_totals(o, s->vat, s->net, s->tax, s->gross);
	return o;
}

json_t *json_bill_prepay(const struct bill_prepay *p)
{
	json_t *o = json_object(), *lines = json_array();
	size_t i;
	int32_t k;

	put(o, "contract_id", json_integer(p->contract_id));
	put(o, "contract_number", jstr(p->contract_number));
	put(o, "client_id", json_integer(p->client_id));
	put(o, "client_name", jstr(p->client_name));
	put(o, "client_oib", jstr(p->client_oib));
	put(o, "first", jmonth(p->first));
	put(o, "last", jmonth(p->last));
	for (i = 0; i < p->n_lines; i++) {
		const struct bill_prepay_line *l = &p->lines[i];
		json_t *lo = json_object(), *months = json_array();

		put(lo, "line_id", json_integer(l->line_id));
		put(lo, "code", jstr(l->code));
		put(lo, "description", jstr(l->description));
		put_qty(lo, l->quantity);
		put_money(lo, "monthly_price", l->monthly_price);
		put(lo, "vat", json_integer(l->vat));
		put_money(lo, "amount", l->amount);
		for (k = 0; l->month_amounts && k <= p->last - p->first; k++) {
			json_t *mo = json_object();

			put(mo, "month", jmonth(p->first + k));
			put_money(mo, "amount", l->month_amounts[k]);
			push(months, mo);
		}
		put(lo, "months", months);
		push(lines, lo);
	}
	put(o, "lines", lines);
	put_totals(o, p->vat, p->net, p->tax, p->gross);
	return o;
}

/* ---- documents for the CLI (json_doc.h) ---- */

char *json_doc_service(const struct bill_service *s)
{
	return doc_one("service", json_service(s));
}

char *json_doc_services(const struct bill_service_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_service(&l->items[i]));
	return doc_list("services", a, l->n);
}

char *json_doc_rate(const struct bill_rate *r)
{
	return doc_one("rate", json_rate(r));
}

char *json_doc_rates(const struct bill_rate_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_rate(&l->items[i]));
	return doc_list("rates", a, l->n);
}

char *json_doc_overrides(const struct bill_override_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_rate_override(&l->items[i]));
	return doc_list("overrides", a, l->n);
}

char *json_doc_contract(const struct bill_contract *c)
{
	return doc_one("contract", json_contract(c));
}

char *json_doc_contracts(const struct bill_contract_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_contract(&l->items[i]));
	return doc_list("contracts", a, l->n);
}

char *json_doc_extra(const struct bill_extra *x)
{
	return doc_one("extra", json_extra(x));
}

char *json_doc_extras(const struct bill_extra_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_extra(&l->items[i]));
	return doc_list("extras", a, l->n);
}

char *json_doc_adjustment(const struct bill_adjustment *a)
{
	return doc_one("adjustment", json_adjustment(a));
}

char *json_doc_adjustments(const struct bill_adjustment_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		push(a, json_adjustment(&l->items[i]));
	return doc_list("adjustments", a, l->n);
}

char *json_doc_spec(const struct bill_spec *s)
{
	struct json_spec_writer *w = json_spec_writer_new();
	struct buf b = BUF_INIT(SIZE_MAX / 2);

	/* dumped once, straight into its text (doc_text measures it first) */
	if (json_spec_write(w, s, 0, &b) < 0 || buf_putc(&b, '\n') < 0)
		oom();
	json_spec_writer_free(w);
	return buf_detach(&b);
}

char *json_doc_summary(const struct bill_summary *s)
{
	return doc_text(json_bill_summary(s));
}

char *json_doc_prepays(const struct bill_prepay *p, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		push(a, json_bill_prepay(&p[i]));
	return doc_list("prepayments", a, n);
}

char *json_doc_prepay_list(const struct billing_prepay_list *l)
{
	json_t *o = json_object(), *items = json_array(), *clients = json_array(), *tot;
	size_t i;

	put(o, "month", jmonth(l->month));
	for (i = 0; i < l->n; i++) {
		const struct billing_prepay_item *it = &l->items[i];
		json_t *p = json_bill_prepay(&it->p);

		put(p, "issued", json_boolean(it->issued));
		put(p, "issued_at", it->issued ? json_time_or_null(it->issued_at) : json_null());
		put(p, "prepayment_id", it->issued ? json_ref(it->prepayment_id) : json_null());
		push(items, p);
	}
	put(o, "prepayments", items);
	for (i = 0; i < l->n_clients; i++) {
		const struct billing_prepay_client *c = &l->clients[i];
		json_t *co = json_object();

		put(co, "client_id", json_integer(c->client_id));
		put(co, "client_name", jstr(c->client_name));
		put(co, "client_oib", jstr(c->client_oib));
		put(co, "contracts", json_integer((json_int_t)c->n));
		put_totals(co, c->vat, c->net, c->tax, c->gross);
		push(clients, co);
	}
	put(o, "clients", clients);
	tot = json_object();
	put_totals(tot, l->vat, l->net, l->tax, l->gross);
	put(o, "totals", tot);
	put(o, "issued_now", json_integer((json_int_t)l->issued_now));
	return doc_text(o);
}

/* ---- reading our own documents back ---- */

/* Where a reader is ("lines[3].amount") and where its message goes. */
struct rd {
	char *err;
	size_t errsz;
	char at[48]; /* the object's path, "" at the top */
};

static int rd_fail(struct rd *r, const char *key, const char *what)
{
	if (r->err && r->errsz)
		snprintf(r->err, r->errsz, "%s%s%s: %s", r->at, r->at[0] ? "." : "", key, what);
	return -1;
}

static json_t *rd_get(struct rd *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		rd_fail(r, key, "missing");
	return v;
}

static int rd_int(struct rd *r, json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return rd_fail(r, key, "not an integer in range");
	*out = json_integer_value(v);
	return 0;
}

static int rd_i32(struct rd *r, json_t *o, const char *key, int64_t min, int64_t max, int *out)
{
	int64_t v;

	if (rd_int(r, o, key, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* An id or null (0). */
static int rd_ref(struct rd *r, json_t *o, const char *key, int64_t *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (json_is_null(v)) {
		*out = 0;
		return 0;
	}
	return rd_int(r, o, key, 1, INT64_MAX, out);
}

static int rd_str(struct rd *r, json_t *o, const char *key, char *dst, size_t dstsz)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (!json_is_string(v))
		return rd_fail(r, key, "not a string");
	if (json_string_length(v) >= dstsz || strlen(json_string_value(v)) != json_string_length(v))
		return rd_fail(r, key, "too long");
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int rd_bool(struct rd *r, json_t *o, const char *key, int *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (!json_is_boolean(v))
		return rd_fail(r, key, "not true or false");
	*out = json_is_true(v);
	return 0;
}

/* A day, or null for -1. */
static int rd_day(struct rd *r, json_t *o, const char *key, int32_t *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (json_is_null(v)) {
		*out = -1;
		return 0;
	}
	if (!json_is_string(v) || cal_date_parse(json_string_value(v), out) < 0)
		return rd_fail(r, key, "not a date YYYY-MM-DD");
	return 0;
}

static int rd_month(struct rd *r, json_t *o, const char *key, int32_t *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (!json_is_string(v) || cal_month_parse(json_string_value(v), out) < 0)
		return rd_fail(r, key, "not a month YYYY-MM");
	return 0;
}

static int rd_billing(struct rd *r, json_t *o, const char *key, enum billing_kind *out)
{
	json_t *v = rd_get(r, o, key);

	if (!v)
		return -1;
	if (!json_is_string(v) || billing_parse(json_string_value(v), out) < 0)
		return rd_fail(r, key, "not billable, free or warranty");
	return 0;
}

static int kind_parse(const char *s, enum bill_line_kind *out)
{
	int k;

	for (k = LINE_CONTRACT; k <= LINE_ADJUSTMENT; k++)
		if (strcmp(s, bill_line_kind_name((enum bill_line_kind)k)) == 0) {
			*out = (enum bill_line_kind)k;
			return 0;
		}
	return -1;
}

#define AMOUNT_LIMIT (INT64_MAX / 4) /* any stored amount is far below */

static int rd_vat_totals(struct rd *r, json_t *o, struct bill_vat_total *vat, int64_t *net,
			 int64_t *tax, int64_t *gross)
{
	json_t *a = rd_get(r, o, "vat"), *v;
	char at[sizeof(r->at)];
	size_t i;

	if (!a)
		return -1;
	if (!json_is_array(a) || json_array_size(a) != BILL_VAT_RATES)
		return rd_fail(r, "vat", "not a list of the four rates");
	memcpy(at, r->at, sizeof(at));
	json_array_foreach(a, i, v)
	{
		/* Paths are short ("vat[2]"); a longer one would only be cut in a message. */
		if (snprintf(r->at, sizeof(r->at), "%s%svat[%zu]", at, at[0] ? "." : "", i) >=
		    (int)sizeof(r->at))
			r->at[sizeof(r->at) - 1] = '\0';
		if (!json_is_object(v))
			return rd_fail(r, "vat", "not an object");
		if (rd_i32(r, v, "vat", 0, 100, &vat[i].vat) < 0 ||
		    rd_int(r, v, "net", -AMOUNT_LIMIT, AMOUNT_LIMIT, &vat[i].net) < 0 ||
		    rd_int(r, v, "tax", -AMOUNT_LIMIT, AMOUNT_LIMIT, &vat[i].tax) < 0 ||
		    rd_int(r, v, "gross", -AMOUNT_LIMIT, AMOUNT_LIMIT, &vat[i].gross) < 0)
			return -1;
	}
	memcpy(r->at, at, sizeof(at));
	if (rd_int(r, o, "net", -AMOUNT_LIMIT, AMOUNT_LIMIT, net) < 0 ||
	    rd_int(r, o, "tax", -AMOUNT_LIMIT, AMOUNT_LIMIT, tax) < 0 ||
	    rd_int(r, o, "gross", -AMOUNT_LIMIT, AMOUNT_LIMIT, gross) < 0)
		return -1;
	return 0;
}

static int rd_line(struct rd *r, json_t *o, struct bill_line *l)
{
	json_t *kv = rd_get(r, o, "kind");
	int64_t v;

	if (!kv)
		return -1;
	if (!json_is_string(kv) || kind_parse(json_string_value(kv), &l->kind) < 0)
		return rd_fail(r, "kind", "not a kind of line");
	if (rd_ref(r, o, "contract_id", &l->contract_id) < 0 ||
	    rd_str(r, o, "contract_number", l->contract_number, sizeof(l->contract_number)) < 0 ||
	    rd_ref(r, o, "source_id", &l->source_id) < 0 ||
	    rd_str(r, o, "code", l->code, sizeof(l->code)) < 0 ||
	    rd_str(r, o, "description", l->description, sizeof(l->description)) < 0 ||
	    rd_day(r, o, "from", &l->from_day) < 0 || rd_day(r, o, "to", &l->to_day) < 0)
		return -1;
	if (is_contract_kind(l->kind)) {
		if (rd_i32(r, o, "active_days", 0, 31, &l->active_days) < 0 ||
		    rd_i32(r, o, "month_days", 0, 31, &l->month_days) < 0 ||
		    rd_int(r, o, "quantity", -AMOUNT_LIMIT, AMOUNT_LIMIT, &l->quantity) < 0 ||
		    rd_int(r, o, "unit_price", -AMOUNT_LIMIT, AMOUNT_LIMIT, &l->unit_price) < 0)
			return -1;
	} else if (l->kind == LINE_WORK) {
		if (rd_ref(r, o, "ticket_id", &l->ticket_id) < 0 ||
		    rd_str(r, o, "ticket_number", l->ticket_number, sizeof(l->ticket_number)) < 0 ||
		    rd_billing(r, o, "ticket_billing", &l->ticket_billing) < 0 ||
		    rd_str(r, o, "technicians", l->technicians, sizeof(l->technicians)) < 0 ||
		    rd_int(r, o, "seconds", 0, AMOUNT_LIMIT, &l->seconds) < 0 ||
		    rd_int(r, o, "rounded", 0, AMOUNT_LIMIT, &l->rounded) < 0 ||
		    rd_int(r, o, "included", 0, AMOUNT_LIMIT, &l->included) < 0 ||
		    rd_int(r, o, "billed", 0, AMOUNT_LIMIT, &l->billed) < 0 ||
		    rd_int(r, o, "hourly", -AMOUNT_LIMIT, AMOUNT_LIMIT, &l->hourly) < 0 ||
		    rd_int(r, o, "overage_hourly", -AMOUNT_LIMIT, AMOUNT_LIMIT,
			   &l->overage_hourly) < 0)
			return -1;
	} else if (l->kind == LINE_EXTRA) {
		if (rd_ref(r, o, "ticket_id", &l->ticket_id) < 0 ||
		    rd_str(r, o, "ticket_number", l->ticket_number, sizeof(l->ticket_number)) < 0 ||
		    rd_billing(r, o, "ticket_billing", &l->ticket_billing) < 0 ||
		    rd_int(r, o, "quantity", -AMOUNT_LIMIT, AMOUNT_LIMIT, &l->quantity) < 0 ||
		    rd_int(r, o, "unit_price", -AMOUNT_LIMIT, AMOUNT_LIMIT, &l->unit_price) < 0)
			return -1;
	} else {
		if (rd_month(r, o, "corrects_month", &l->corrects_month) < 0 ||
		    rd_ref(r, o, "ticket_id", &l->ticket_id) < 0 ||
		    rd_str(r, o, "ticket_number", l->ticket_number, sizeof(l->ticket_number)) < 0)
			return -1;
	}
	if (rd_i32(r, o, "vat", 0, 100, &l->vat) < 0 ||
	    rd_int(r, o, "amount", -AMOUNT_LIMIT, AMOUNT_LIMIT, &v) < 0 ||
	    rd_bool(r, o, "charged", &l->charged) < 0)
		return -1;
	l->amount = v;
	return 0;
}

static int rd_support(struct rd *r, json_t *o, struct bill_support *p)
{
	return rd_int(r, o, "contract_id", 0, INT64_MAX, &p->contract_id) < 0 ||
		       rd_str(r, o, "contract_number", p->contract_number,
			      sizeof(p->contract_number)) < 0 ||
		       rd_int(r, o, "included", 0, AMOUNT_LIMIT, &p->included) < 0 ||
		       rd_int(r, o, "used", 0, AMOUNT_LIMIT, &p->used) < 0 ||
		       rd_int(r, o, "overage", 0, AMOUNT_LIMIT, &p->overage) < 0
		   ? -1
		   : 0;
}

/* The array under key, each element an object. */
static json_t *rd_objects(struct rd *r, json_t *o, const char *key)
{
	json_t *a = rd_get(r, o, key), *v;
	size_t i;

	if (!a)
		return NULL;
	if (!json_is_array(a)) {
		rd_fail(r, key, "not a list");
		return NULL;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_object(v)) {
			rd_fail(r, key, "not a list of objects");
			return NULL;
		}
	}
	return a;
}

int json_bill_spec_parse(json_t *o, struct bill_spec *out, char *err, size_t errsz)
{
	struct rd r = {err, errsz, ""};
	json_t *lines, *support, *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o)) {
		snprintf(err, errsz, "not a json object");
		return -1;
	}
	if (rd_month(&r, o, "month", &out->month) < 0 ||
	    rd_int(&r, o, "client_id", 0, INT64_MAX, &out->client_id) < 0 ||
	    rd_str(&r, o, "client_name", out->client_name, sizeof(out->client_name)) < 0 ||
	    rd_str(&r, o, "client_oib", out->client_oib, sizeof(out->client_oib)) < 0 ||
	    rd_str(&r, o, "client_address", out->client_address, sizeof(out->client_address)) < 0)
		goto fail;
	if (!(lines = rd_objects(&r, o, "lines")) || !(support = rd_objects(&r, o, "support")))
		goto fail;
	out->lines =
	    xcalloc(json_array_size(lines) ? json_array_size(lines) : 1, sizeof(*out->lines));
	json_array_foreach(lines, i, v)
	{
		snprintf(r.at, sizeof(r.at), "lines[%zu]", i);
		if (rd_line(&r, v, &out->lines[i]) < 0)
			goto fail;
		out->n_lines++;
	}
	out->support =
	    xcalloc(json_array_size(support) ? json_array_size(support) : 1, sizeof(*out->support));
	json_array_foreach(support, i, v)
	{
		snprintf(r.at, sizeof(r.at), "support[%zu]", i);
		if (rd_support(&r, v, &out->support[i]) < 0)
			goto fail;
		out->n_support++;
	}
	r.at[0] = '\0';
	if (rd_int(&r, o, "work_seconds", 0, AMOUNT_LIMIT, &out->work_seconds) < 0 ||
	    rd_int(&r, o, "work_rounded", 0, AMOUNT_LIMIT, &out->work_rounded) < 0 ||
	    rd_vat_totals(&r, o, out->vat, &out->net, &out->tax, &out->gross) < 0)
		goto fail;
	return 0;
fail:
	bill_spec_clear(out);
	return -1;
}

int json_bill_summary_parse(json_t *o, struct bill_summary *out, char *err, size_t errsz)
{
	struct rd r = {err, errsz, ""};
	int64_t clients;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o)) {
		snprintf(err, errsz, "not a json object");
		return -1;
	}
	if (rd_month(&r, o, "month", &out->month) < 0 ||
	    rd_int(&r, o, "clients", 0, INT64_MAX, &clients) < 0 ||
	    rd_int(&r, o, "work_seconds", 0, AMOUNT_LIMIT, &out->work_seconds) < 0 ||
	    rd_int(&r, o, "work_rounded", 0, AMOUNT_LIMIT, &out->work_rounded) < 0 ||
	    rd_vat_totals(&r, o, out->vat, &out->net, &out->tax, &out->gross) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->clients = (size_t)clients;
	return 0;
}

/* Parse text as one JSON object; NULL with a message in err. */
static json_t *load_object(const char *text, char *err, size_t errsz)
{
	json_error_t je;
	json_t *o;

	if (!text) {
		snprintf(err, errsz, "no json text");
		return NULL;
	}
	o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(err, errsz, "malformed json at line %d, column %d: %s", je.line, je.column,
			 je.text);
		return NULL;
	}
	return o;
}

int json_doc_spec_parse(const char *text, struct bill_spec *out, char *err, size_t errsz)
{
	json_t *o = load_object(text, err, errsz);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	rc = json_bill_spec_parse(o, out, err, errsz);
	json_decref(o);
	return rc;
}

int json_doc_summary_parse(const char *text, struct bill_summary *out, char *err, size_t errsz)
{
	json_t *o = load_object(text, err, errsz);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	rc = json_bill_summary_parse(o, out, err, errsz);
	json_decref(o);
	return rc;
}

/* ---- request bodies ---- */

/*
 * A body's reader: like rd, but every key is optional unless the caller
 * asks, present keys must be known, and messages speak to the API's user.
 */
struct bd {
	json_t *o;
	enum fields_mode mode;
	char *err;
	size_t errsz;
	char at[48];
};

static int bd_fail(struct bd *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bd_fail(struct bd *b, const char *key, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (b->err && b->errsz)
		snprintf(b->err, b->errsz, "%s%s: %s", b->at, key, what);
	return -1;
}

/* Refuse keys not in known (NULL-terminated). */
static int bd_known(struct bd *b, const char *const *known)
{
	const char *key;
	json_t *v;
	size_t i;
	char list[400];
	size_t n = 0;

	json_object_foreach(b->o, key, v)
	{
		(void)v;
		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i])
			continue;
		list[0] = '\0';
		for (i = 0; known[i] && n + strlen(known[i]) + 3 < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
					      known[i]);
		if (b->err && b->errsz)
			snprintf(b->err, b->errsz, "%sunknown field '%.40s'; known fields: %s",
				 b->at, valid_text(key, 40, 0) ? key : "?", list);
		return -1;
	}
	return 0;
}

/* The value of key, NULL when absent ("required" when creating and req). */
static json_t *bd_get(struct bd *b, const char *key, int req, int *failed)
{
	json_t *v = json_object_get(b->o, key);

	*failed = 0;
	if (!v && req && b->mode == FIELDS_CREATE) {
		bd_fail(b, key, "required");
		*failed = 1;
	}
	return v;
}

/* One line of text of at most max bytes into dst; nonempty: not just spaces. */
static int bd_text(struct bd *b, const char *key, int req, int nonempty, int multiline, size_t max,
		   char *dst, size_t dstsz)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);
	const char *s;
	size_t i;

	if (!v)
		return failed ? -1 : 0;
	if (json_is_null(v) && !nonempty) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return bd_fail(b, key, "must be a string");
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || strlen(s) > max || strlen(s) >= dstsz)
		return bd_fail(b, key, "too long, at most %zu bytes",
			       max < dstsz ? max : dstsz - 1);
	if (!valid_text(s, max, multiline))
		return bd_fail(b, key, "must be %s without control characters",
			       multiline ? "text" : "one line of text");
	if (nonempty) {
		for (i = 0; s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'; i++)
			;
		if (!s[i])
			return bd_fail(b, key, "must not be empty");
	}
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int valid_code(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > BILL_CODE_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

static int bd_code(struct bd *b, const char *key, int req, char *dst, size_t dstsz)
{
	char tmp[BILL_CODE_MAX_LEN + 1];
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (!json_is_string(v) || !valid_code(json_string_value(v)) ||
	    json_string_length(v) >= sizeof(tmp))
		return bd_fail(b, key, "must be 1 to %d of a-z, 0-9, '_', '.', '-'",
			       BILL_CODE_MAX_LEN);
	snprintf(tmp, sizeof(tmp), "%s", json_string_value(v));
	snprintf(dst, dstsz, "%s", tmp);
	return 0;
}

/* An integer min..max. */
static int bd_int(struct bd *b, const char *key, int req, int64_t min, int64_t max, int64_t *out)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bd_fail(b, key, "must be a whole number from %lld to %lld", (long long)min,
			       (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* An id (a positive integer); nullable: null reads as 0. */
static int bd_id(struct bd *b, const char *key, int req, int nullable, int64_t *out)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (json_is_null(v) && nullable) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return bd_fail(b, key, "must be a positive integer id%s",
			       nullable ? " or null" : "");
	*out = json_integer_value(v);
	return 0;
}

static int bd_bool(struct bd *b, const char *key, int *out)
{
	int failed;
	json_t *v = bd_get(b, key, 0, &failed);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bd_fail(b, key, "must be true or false");
	*out = json_is_true(v);
	return 0;
}

static int bd_vat(struct bd *b, const char *key, int req, int *out)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (!json_is_integer(v) || json_integer_value(v) > 100 ||
	    !bill_vat_valid((int)json_integer_value(v)))
		return bd_fail(b, key, "must be a VAT rate: 25, 13, 5 or 0");
	*out = (int)json_integer_value(v);
	return 0;
}

/*
 * Money under key (integer cents) or key_eur (a decimal string, "123.45"
 * or "123,45"), not both, min..max cents.  nullable: null reads as *out =
 * null_value.
 */
static int bd_money(struct bd *b, const char *key, int req, int64_t min, int64_t max, int nullable,
		    int64_t null_value, int64_t *out)
{
	char ek[64], lo[MONEY_STR_MAX], hi[MONEY_STR_MAX];
	json_t *c = json_object_get(b->o, key), *e;
	int64_t v;

	snprintf(ek, sizeof(ek), "%s_eur", key);
	e = json_object_get(b->o, ek);
	if (c && e)
		return bd_fail(b, key, "give %s or %s, not both", key, ek);
	if (!c && !e) {
		if (req && b->mode == FIELDS_CREATE)
			return bd_fail(b, key, "required (cents, or %s in EUR)", ek);
		return 0;
	}
	if (json_is_null(c ? c : e) && nullable) {
		*out = null_value;
		return 0;
	}
	(void)money_format(min, '.', 0, lo, sizeof(lo));
	(void)money_format(max, '.', 0, hi, sizeof(hi));
	if (c) {
		if (!json_is_integer(c) || json_integer_value(c) < min ||
		    json_integer_value(c) > max)
			return bd_fail(b, key, "must be whole cents from %lld to %lld",
				       (long long)min, (long long)max);
		*out = json_integer_value(c);
		return 0;
	}
	if (!json_is_string(e) || money_parse(json_string_value(e), &v) < 0 || v < min || v > max)
		return bd_fail(b, ek, "must be an amount in EUR from %s to %s, such as \"12.50\"",
			       lo, hi);
	*out = v;
	return 0;
}

/* "1.5" or "2" (at most three decimals, "." or ",") into thousandths; -1 when malformed. */
static int units_parse(const char *s, int64_t *out)
{
	int64_t whole = 0;
	int frac = 0, nfrac = 0, ndig = 0;

	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		if (whole > BILL_QTY_MAX / 1000)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.' || *s == ',') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac == 3)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nfrac == 0)
			return -1;
	}
	if (*s || ndig == 0)
		return -1;
	while (nfrac++ < 3)
		frac *= 10;
	*out = whole * 1000 + frac;
	return 0;
}

/* A quantity: "quantity" in thousandths or "quantity_units" as a decimal. */
static int bd_qty(struct bd *b, int req, int64_t *out)
{
	json_t *c = json_object_get(b->o, "quantity"), *u = json_object_get(b->o, "quantity_units");
	int64_t v;

	if (c && u)
		return bd_fail(b, "quantity", "give quantity or quantity_units, not both");
	if (!c && !u) {
		if (req && b->mode == FIELDS_CREATE)
			return bd_fail(b, "quantity",
				       "required (thousandths, or quantity_units such as \"1.5\")");
		return 0;
	}
	if (c) {
		if (!json_is_integer(c) || json_integer_value(c) < 1 ||
		    json_integer_value(c) > BILL_QTY_MAX)
			return bd_fail(
			    b, "quantity",
			    "must be thousandths of a unit from 1 to %lld (1000 = one unit)",
			    (long long)BILL_QTY_MAX);
		*out = json_integer_value(c);
		return 0;
	}
	if (!json_is_string(u) || units_parse(json_string_value(u), &v) < 0 || v < 1 ||
	    v > BILL_QTY_MAX)
		return bd_fail(b, "quantity_units",
			       "must be a number of units above 0 with at most three decimals, "
			       "such as \"1.5\"");
	*out = v;
	return 0;
}

/* A day "YYYY-MM-DD"; nullable: null reads as -1. */
static int bd_day(struct bd *b, const char *key, int req, int nullable, int32_t *out)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (json_is_null(v) && nullable) {
		*out = -1;
		return 0;
	}
	if (!json_is_string(v) || cal_date_parse(json_string_value(v), out) < 0)
		return bd_fail(b, key, "must be a date YYYY-MM-DD%s", nullable ? " or null" : "");
	return 0;
}

static int bd_month(struct bd *b, const char *key, int req, int nullable, int32_t *out)
{
	int failed;
	json_t *v = bd_get(b, key, req, &failed);

	if (!v)
		return failed ? -1 : 0;
	if (json_is_null(v) && nullable) {
		*out = 0;
		return 0;
	}
	if (!json_is_string(v) || cal_month_parse(json_string_value(v), out) < 0)
		return bd_fail(b, key, "must be a month YYYY-MM%s", nullable ? " or null" : "");
	return 0;
}

/* An enum by name: parse(s, &value) as core/billing.h's *_parse; names for the message. */
#define BD_ENUM(fn, type, parse, names)                                                            \
	static int fn(struct bd *b, const char *key, type *out)                                    \
	{                                                                                          \
		int failed;                                                                        \
		json_t *v = bd_get(b, key, 0, &failed);                                            \
		type t;                                                                            \
                                                                                                   \
		if (!v)                                                                            \
			return 0;                                                                  \
		if (!json_is_string(v) || parse(json_string_value(v), &t) < 0)                     \
			return bd_fail(b, key, "must be one of %s", names);                        \
		*out = t;                                                                          \
		return 0;                                                                          \
	}
BD_ENUM(bd_unit, enum bill_unit, bill_unit_parse, "month, day, hour, piece")
BD_ENUM(bd_proration, enum bill_proration, bill_proration_parse, "monthly, daily")
BD_ENUM(bd_cycle, enum bill_cycle, bill_cycle_parse, "monthly, quarterly, half_yearly, yearly")
BD_ENUM(bd_round_mode, enum bill_round_mode, bill_round_mode_parse, "up, nearest")
BD_ENUM(bd_round_per, enum bill_round_per, bill_round_per_parse, "entry, ticket")

static int bd_begin(struct bd *b, json_t *obj, enum fields_mode mode, char *err, size_t errsz,
		    const char *const *known)
{
	memset(b, 0, sizeof(*b));
	b->o = obj;
	b->mode = mode;
	b->err = err;
	b->errsz = errsz;
	if (!json_is_object(obj)) {
		if (err && errsz)
			snprintf(err, errsz, "the body must be a json object");
		return -1;
	}
	return bd_known(b, known);
}

int json_service_parse(json_t *obj, enum fields_mode mode, struct bill_service *out, char *err,
		       size_t errsz)
{
	static const char *const known[] = {"code",	 "name", "unit",   "price",
					    "price_eur", "vat",	 "active", NULL};
	struct bill_service s = *out;
	struct bd b;

	if (bd_begin(&b, obj, mode, err, errsz, known) < 0 ||
	    bd_code(&b, "code", 1, s.code, sizeof(s.code)) < 0 ||
	    bd_text(&b, "name", 1, 1, 0, BILL_TEXT_MAX_LEN, s.name, sizeof(s.name)) < 0 ||
	    bd_unit(&b, "unit", &s.unit) < 0 ||
	    bd_money(&b, "price", 1, 0, BILL_PRICE_MAX, 0, 0, &s.price) < 0 ||
	    bd_vat(&b, "vat", 0, &s.vat) < 0 || bd_bool(&b, "active", &s.active) < 0)
		return -1;
	*out = s;
	return 0;
}

int json_rate_parse(json_t *obj, enum fields_mode mode, struct bill_rate *out, char *err,
		    size_t errsz)
{
	static const char *const known[] = {"code", "name",   "hourly", "hourly_eur",
					    "vat",  "active", NULL};
	struct bill_rate r = *out;
	struct bd b;

	if (bd_begin(&b, obj, mode, err, errsz, known) < 0 ||
	    bd_code(&b, "code", 1, r.code, sizeof(r.code)) < 0 ||
	    bd_text(&b, "name", 1, 1, 0, BILL_TEXT_MAX_LEN, r.name, sizeof(r.name)) < 0 ||
	    bd_money(&b, "hourly", 1, 0, BILL_PRICE_MAX, 0, 0, &r.hourly) < 0 ||
	    bd_vat(&b, "vat", 0, &r.vat) < 0 || bd_bool(&b, "active", &r.active) < 0)
		return -1;
	*out = r;
	return 0;
}

int json_override_parse(json_t *obj, struct bill_rate_override *out, char *err, size_t errsz)
{
	static const char *const known[] = {"client_id", "contract_id", "hourly", "hourly_eur",
					    NULL};
	struct bill_rate_override v = *out;
	struct bd b;

	v.client_id = v.contract_id = 0;
	if (bd_begin(&b, obj, FIELDS_CREATE, err, errsz, known) < 0 ||
	    bd_id(&b, "client_id", 0, 1, &v.client_id) < 0 ||
	    bd_id(&b, "contract_id", 0, 1, &v.contract_id) < 0 ||
	    bd_money(&b, "hourly", 1, 0, BILL_PRICE_MAX, 1, -1, &v.hourly) < 0)
		return -1;
	if ((v.client_id != 0) == (v.contract_id != 0))
		return bd_fail(&b, "client_id", "give either client_id or contract_id");
	*out = v;
	return 0;
}

/* One line of a contract body into l (which holds its current values, or the defaults). */
static int contract_line_parse(struct bd *parent, json_t *o, size_t i,
			       const struct bill_contract *old, struct bill_contract_line *l)
{
	static const char *const known[] = {"id",
					    "service_id",
					    "service_code",
					    "description",
					    "quantity",
					    "quantity_units",
					    "monthly_price",
					    "monthly_price_eur",
					    "vat",
					    NULL};
	struct bd b = *parent;
	int64_t id = 0, service_id = 0;
	char code[BILL_CODE_MAX_LEN + 1] = "";
	size_t k;
	int found = 0;

	b.o = o;
	b.mode = FIELDS_CREATE;
	snprintf(b.at, sizeof(b.at), "lines[%zu].", i);
	if (!json_is_object(o))
		return bd_fail(parent, "lines", "must be a list of objects");
	if (bd_known(&b, known) < 0 || bd_id(&b, "id", 0, 1, &id) < 0)
		return -1;
	/* A line with an id is a line of this contract, changed where the body says. */
	memset(l, 0, sizeof(*l));
	l->quantity = BILL_QTY_ONE;
	l->monthly_price = -1; /* the service's: see store_contract_add */
	l->vat = -1;
	if (id) {
		for (k = 0; old && k < old->n_lines; k++)
			if (old->lines[k].id == id) {
				*l = old->lines[k];
				found = 1;
			}
		if (!found)
			return bd_fail(&b, "id", "not a line of this contract");
		b.mode = FIELDS_PATCH;
	}
	if (bd_id(&b, "service_id", 0, 0, &service_id) < 0 ||
	    bd_code(&b, "service_code", 0, code, sizeof(code)) < 0)
		return -1;
	if (service_id && code[0])
		return bd_fail(&b, "service_id", "give service_id or service_code, not both");
	if (service_id) {
		l->service_id = service_id;
		l->service_code[0] = '\0';
	} else if (code[0]) {
		l->service_id = 0; /* the caller looks the code up */
		snprintf(l->service_code, sizeof(l->service_code), "%s", code);
	} else if (!id) {
		return bd_fail(&b, "service_id", "required (or service_code)");
	}
	if (bd_text(&b, "description", 0, 0, 0, BILL_TEXT_MAX_LEN, l->description,
		    sizeof(l->description)) < 0 ||
	    bd_qty(&b, 0, &l->quantity) < 0 ||
	    bd_money(&b, "monthly_price", 0, 0, BILL_PRICE_MAX, 1, -1, &l->monthly_price) < 0 ||
	    bd_vat(&b, "vat", 0, &l->vat) < 0)
		return -1;
	return 0;
}

int json_contract_parse(json_t *obj, enum fields_mode mode, struct bill_contract *out, char *err,
			size_t errsz)
{
	static const char *const known[] = {
	    "client_id", "number",   "start_date",     "end_date",	     "proration",
	    "cycle",	 "prepaid",  "increment",      "rounding",	     "round_per",
	    "minimum",	 "included", "overage_hourly", "overage_hourly_eur", "notes",
	    "lines",	 NULL};
	struct bill_contract c = *out;
	struct bill_contract_line *lines = NULL;
	int64_t client_id = c.client_id;
	json_t *la, *v;
	struct bd b;
	size_t i;

	c.lines = NULL;
	c.n_lines = 0;
	if (bd_begin(&b, obj, mode, err, errsz, known) < 0 ||
	    bd_id(&b, "client_id", 1, 0, &client_id) < 0)
		return -1;
	if (mode == FIELDS_PATCH && out->client_id && client_id != out->client_id)
		return bd_fail(&b, "client_id",
			       "a contract stays with its client; end it and make a new one");
	c.client_id = client_id;
	if (bd_text(&b, "number", 1, 1, 0, BILL_NUMBER_MAX_LEN, c.number, sizeof(c.number)) < 0 ||
	    bd_day(&b, "start_date", 1, 0, &c.start_day) < 0 ||
	    bd_day(&b, "end_date", 0, 1, &c.end_day) < 0 ||
	    bd_proration(&b, "proration", &c.proration) < 0 ||
	    bd_cycle(&b, "cycle", &c.cycle) < 0 || bd_bool(&b, "prepaid", &c.prepaid) < 0 ||
	    bd_int(&b, "increment", 0, 0, BILL_INCREMENT_MAX, &c.terms.increment) < 0 ||
	    bd_round_mode(&b, "rounding", &c.terms.mode) < 0 ||
	    bd_round_per(&b, "round_per", &c.terms.per) < 0 ||
	    bd_int(&b, "minimum", 0, 0, BILL_INCREMENT_MAX, &c.terms.minimum) < 0 ||
	    bd_int(&b, "included", 0, 0, BILL_INCLUDED_MAX, &c.terms.included) < 0 ||
	    bd_money(&b, "overage_hourly", 0, 0, BILL_PRICE_MAX, 0, 0, &c.terms.overage_hourly) <
		0 ||
	    bd_text(&b, "notes", 0, 0, 1, NOTES_MAX_LEN, c.notes, sizeof(c.notes)) < 0)
		return -1;
	if (c.end_day != -1 && c.end_day < c.start_day)
		return bd_fail(&b, "end_date", "before start_date");
	la = json_object_get(obj, "lines");
	if (la) {
		if (!json_is_array(la))
			return bd_fail(&b, "lines", "must be a list of objects");
		if (json_array_size(la) > BILL_LINES_MAX)
			return bd_fail(&b, "lines", "at most %d lines", BILL_LINES_MAX);
		lines = xcalloc(json_array_size(la) ? json_array_size(la) : 1, sizeof(*lines));
		json_array_foreach(la, i, v)
		{
			if (contract_line_parse(&b, v, i, mode == FIELDS_PATCH ? out : NULL,
						&lines[i]) < 0) {
				free(lines);
				return -1;
			}
			lines[i].contract_id = c.id;
		}
		c.lines = lines;
		c.n_lines = json_array_size(la);
	} else if (mode == FIELDS_PATCH) {
		/* No "lines": the contract keeps its own, as a copy the caller owns. */
		if (out->n_lines) {
			lines = xcalloc(out->n_lines, sizeof(*lines));
			memcpy(lines, out->lines, out->n_lines * sizeof(*lines));
		}
		c.lines = lines;
		c.n_lines = out->n_lines;
	}
	bill_contract_clear(out);
	*out = c;
	return 0;
}

int json_extra_parse(json_t *obj, enum fields_mode mode, struct bill_extra *out, char *err,
		     size_t errsz)
{
	static const char *const known[] = {
	    "ticket_id",  "date",	    "description", "quantity", "quantity_units",
	    "unit_price", "unit_price_eur", "vat",	   NULL};
	struct bill_extra x = *out;
	struct bd b;

	if (bd_begin(&b, obj, mode, err, errsz, known) < 0 ||
	    bd_id(&b, "ticket_id", 1, 0, &x.ticket_id) < 0 ||
	    bd_day(&b, "date", 0, 0, &x.day) < 0 ||
	    bd_text(&b, "description", 1, 1, 0, BILL_TEXT_MAX_LEN, x.description,
		    sizeof(x.description)) < 0 ||
	    bd_qty(&b, 0, &x.quantity) < 0 ||
	    bd_money(&b, "unit_price", 1, 0, BILL_PRICE_MAX, 0, 0, &x.unit_price) < 0 ||
	    bd_vat(&b, "vat", 0, &x.vat) < 0)
		return -1;
	*out = x;
	return 0;
}

int json_adjustment_parse(json_t *obj, struct bill_adjustment *out, int64_t *client_id, char *err,
			  size_t errsz)
{
	static const char *const known[] = {"client_id",   "corrects_month", "month",
					    "description", "amount",	     "amount_eur",
					    "vat",	   "ticket_id",	     NULL};
	struct bill_adjustment a = *out;
	int64_t cid = 0;
	struct bd b;

	if (bd_begin(&b, obj, FIELDS_CREATE, err, errsz, known) < 0 ||
	    bd_id(&b, "client_id", 1, 0, &cid) < 0 ||
	    bd_month(&b, "corrects_month", 1, 0, &a.corrects_month) < 0 ||
	    bd_month(&b, "month", 0, 1, &a.month) < 0 ||
	    bd_text(&b, "description", 1, 1, 0, BILL_TEXT_MAX_LEN, a.description,
		    sizeof(a.description)) < 0 ||
	    bd_money(&b, "amount", 1, -BILL_PRICE_MAX, BILL_PRICE_MAX, 0, 0, &a.amount) < 0 ||
	    bd_vat(&b, "vat", 1, &a.vat) < 0 || bd_id(&b, "ticket_id", 0, 1, &a.ticket_id) < 0)
		return -1;
	if (a.amount == 0)
		return bd_fail(&b, "amount", "must not be 0");
	*out = a;
	*client_id = cid;
	return 0;
}
