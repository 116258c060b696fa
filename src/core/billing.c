/*
 * billing: the rules that turn contracts, time entries, extra items,
 * prepayments and corrections into a month's specification per client, and
 * contracts into prepayments (see billing.h; docs/billing.md states each
 * rule with a worked example).  Pure arithmetic on int64 cents: every
 * proportion goes through money_muldiv once, every sum is checked for
 * overflow.  One client's work is grouped through a hash table and only
 * its groups are sorted, never scanned pairwise, so a month of a million
 * entries costs O(n) plus the sort of its lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/billing.h"
#include "core/calendar.h"
#include "core/money.h"
#include "core/utf8.h"
#include "util/xalloc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names ---- */

static const char *const unit_names[] = { "month", "day", "hour", "piece" };
static const char *const proration_names[] = { "monthly", "daily" };
static const char *const round_mode_names[] = { "up", "nearest" };
static const char *const round_per_names[] = { "entry", "ticket" };
static const char *const line_kind_names[] = { "contract", "prepaid", "prepaid_diff",
					       "work",     "extra",   "adjustment" };

/* An out-of-range value is a bug: it reads "unknown" rather than crashing. */
static const char *table_name(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return "unknown";
	return names[v];
}

static int table_find(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *bill_unit_name(enum bill_unit u)
{
	return table_name(unit_names, COUNT(unit_names), (int)u);
}

int bill_unit_parse(const char *s, enum bill_unit *out)
{
	int i = table_find(unit_names, COUNT(unit_names), s);

	if (i < 0)
		return -1;
	*out = (enum bill_unit)i;
	return 0;
}

const char *bill_proration_name(enum bill_proration p)
{
	return table_name(proration_names, COUNT(proration_names), (int)p);
}

int bill_proration_parse(const char *s, enum bill_proration *out)
{
	int i = table_find(proration_names, COUNT(proration_names), s);

	if (i < 0)
		return -1;
	*out = (enum bill_proration)i;
	return 0;
}

static const struct {
	enum bill_cycle cycle;
	const char *name;
} cycle_names[] = {
	{ CYCLE_MONTHLY, "monthly" },
	{ CYCLE_QUARTERLY, "quarterly" },
	{ CYCLE_HALF_YEARLY, "half_yearly" },
	{ CYCLE_YEARLY, "yearly" },
};

const char *bill_cycle_name(enum bill_cycle c)
{
	for (size_t i = 0; i < COUNT(cycle_names); i++)
		if (cycle_names[i].cycle == c)
			return cycle_names[i].name;
	return "unknown";
}

int bill_cycle_parse(const char *s, enum bill_cycle *out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < COUNT(cycle_names); i++)
		if (strcmp(cycle_names[i].name, s) == 0) {
			*out = cycle_names[i].cycle;
			return 0;
		}
	return -1;
}

static int cycle_valid(enum bill_cycle c)
{
	return c == CYCLE_MONTHLY || c == CYCLE_QUARTERLY || c == CYCLE_HALF_YEARLY ||
	       c == CYCLE_YEARLY;
}

const char *bill_round_mode_name(enum bill_round_mode m)
{
	return table_name(round_mode_names, COUNT(round_mode_names), (int)m);
}

int bill_round_mode_parse(const char *s, enum bill_round_mode *out)
{
	int i = table_find(round_mode_names, COUNT(round_mode_names), s);

	if (i < 0)
		return -1;
	*out = (enum bill_round_mode)i;
	return 0;
}

const char *bill_round_per_name(enum bill_round_per p)
{
	return table_name(round_per_names, COUNT(round_per_names), (int)p);
}

int bill_round_per_parse(const char *s, enum bill_round_per *out)
{
	int i = table_find(round_per_names, COUNT(round_per_names), s);

	if (i < 0)
		return -1;
	*out = (enum bill_round_per)i;
	return 0;
}

const char *bill_line_kind_name(enum bill_line_kind k)
{
	return table_name(line_kind_names, COUNT(line_kind_names), (int)k);
}

/* The four rates in the order of bill_spec.vat[]. */
static const int vat_rates[BILL_VAT_RATES] = { 25, 13, 5, 0 };

static int vat_index(int pct)
{
	for (int i = 0; i < BILL_VAT_RATES; i++)
		if (vat_rates[i] == pct)
			return i;
	return -1;
}

int bill_vat_valid(int pct)
{
	return vat_index(pct) >= 0;
}

/* ---- messages ---- */

/*
 * Messages that name an index or a contract are formatted here: one buffer
 * per thread, valid until that thread's next call that fails.
 */
static _Thread_local char why_buf[BILL_NUMBER_MAX_LEN + 160];

__attribute__((format(printf, 1, 2))) static const char *why_fmt(const char *fmt, ...)
{
	char tmp[sizeof(why_buf)];
	va_list ap;

	/* Through a copy: an argument may be an earlier message in why_buf. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(why_buf, tmp, sizeof(why_buf));
	return why_buf;
}

/* ---- contracts ---- */

void bill_contract_clear(struct bill_contract *c)
{
	if (!c)
		return;
	free(c->lines);
	c->lines = NULL;
	c->n_lines = 0;
}

/* The first and last day any parser accepts. */
static int32_t day_min(void)
{
	return cal_day(CAL_YEAR_MIN, 1, 1);
}

static int32_t day_max(void)
{
	return cal_day(CAL_YEAR_MAX, 12, 31);
}

/* NULL when t is within bounds, else the message naming the field. */
static const char *terms_problem(const struct bill_terms *t)
{
	if (t->increment < 0 || t->increment > BILL_INCREMENT_MAX)
		return "terms.increment: not 0 to 86400 seconds";
	if (t->mode != ROUND_UP && t->mode != ROUND_NEAREST)
		return "terms.mode: not up or nearest";
	if (t->per != ROUND_PER_ENTRY && t->per != ROUND_PER_TICKET)
		return "terms.per: not entry or ticket";
	if (t->minimum < 0 || t->minimum > BILL_INCREMENT_MAX)
		return "terms.minimum: not 0 to 86400 seconds";
	if (t->included < 0 || t->included > BILL_INCLUDED_MAX)
		return "terms.included: not 0 to 744 hours";
	if (t->overage_hourly < 0 || t->overage_hourly > BILL_PRICE_MAX)
		return "terms.overage_hourly: not 0 to 100,000,000.00";
	return NULL;
}

int bill_contract_check(const struct bill_contract *c, const char **why)
{
	const char *w = NULL;

	if (c->number[0] == '\0')
		w = "number: empty";
	else if (c->start_day < day_min() || c->start_day > day_max())
		w = "start_day: not a date in 1900..9999";
	else if (c->end_day != -1 && (c->end_day < day_min() || c->end_day > day_max()))
		w = "end_day: not a date in 1900..9999";
	else if (c->end_day != -1 && c->end_day < c->start_day)
		w = "end_day: before start_day";
	else if (c->proration != PRORATE_MONTHLY && c->proration != PRORATE_DAILY)
		w = "proration: not monthly or daily";
	else if (!cycle_valid(c->cycle))
		w = "cycle: not monthly, quarterly, half_yearly or yearly";
	else if (c->prepaid != 0 && c->prepaid != 1)
		w = "prepaid: not 0 or 1";
	else if ((w = terms_problem(&c->terms)) != NULL)
		;
	else if (c->n_lines > BILL_LINES_MAX)
		w = "lines: more than 100";
	else if (c->n_lines && !c->lines)
		w = "lines: missing";
	if (!w)
		for (size_t i = 0; i < c->n_lines; i++) {
			const struct bill_contract_line *l = &c->lines[i];

			if (l->quantity <= 0 || l->quantity > BILL_QTY_MAX)
				w = why_fmt("lines[%zu].quantity: not above 0 and at most 1,000,000", i);
			else if (l->monthly_price < 0 || l->monthly_price > BILL_PRICE_MAX)
				w = why_fmt("lines[%zu].monthly_price: not 0 to 100,000,000.00", i);
			else if (!bill_vat_valid(l->vat))
				w = why_fmt("lines[%zu].vat: not a VAT rate (25, 13, 5 or 0)", i);
			if (w)
				break;
		}
	if (w) {
		if (why)
			*why = w;
		return -1;
	}
	return 0;
}

/* The first and the last month contract c covers (last INT32_MAX: open-ended). */
static void contract_months(const struct bill_contract *c, int32_t *first, int32_t *last)
{
	*first = cal_month_of_day(c->start_day);
	*last = c->end_day == -1 ? INT32_MAX : cal_month_of_day(c->end_day);
}

/* The days of [from, to] that contract c covers: 0 when none. */
static int covered(const struct bill_contract *c, int32_t from, int32_t to, int32_t *a, int32_t *b)
{
	*a = c->start_day > from ? c->start_day : from;
	*b = c->end_day != -1 && c->end_day < to ? c->end_day : to;
	return *a <= *b;
}

int bill_line_month_amount(const struct bill_contract *c, const struct bill_contract_line *l,
			   int32_t month, int32_t *from, int32_t *to, int *active, int64_t *amount)
{
	int32_t first = cal_month_first_day(month), last = cal_month_last_day(month), a, b;
	int64_t v = 0, qdays;
	int n = 0;

	if (covered(c, first, last, &a, &b)) {
		n = (int)(b - a + 1);
		if (c->proration == PRORATE_DAILY) {
			/* One rounding: price x quantity x days / (1000 x month's days). */
			if (__builtin_mul_overflow(l->quantity, (int64_t)n, &qdays) ||
			    money_muldiv(l->monthly_price, qdays,
					 (int64_t)BILL_QTY_ONE * (last - first + 1), &v) != 0)
				return -1;
		} else if (money_muldiv(l->monthly_price, l->quantity, BILL_QTY_ONE, &v) != 0) {
			return -1;
		}
	} else {
		a = b = -1;
	}
	if (from)
		*from = a;
	if (to)
		*to = b;
	if (active)
		*active = n;
	*amount = v;
	return 0;
}

int64_t bill_round_seconds(const struct bill_terms *t, int64_t seconds)
{
	int64_t r;

	if (seconds <= 0)
		return 0;
	if (t->increment <= 0)
		return seconds;
	r = seconds % t->increment;
	if (r == 0)
		return seconds;
	/* Nearest: below half goes down, a half or more goes up. */
	if (t->mode == ROUND_NEAREST && 2 * r < t->increment)
		return seconds - r;
	if (seconds > INT64_MAX - (t->increment - r))
		return seconds - r;
	return seconds + (t->increment - r);
}

int bill_period(const struct bill_contract *c, int32_t month, int32_t *first, int32_t *last)
{
	int32_t cfirst, clast, pfirst, plast, a, b;

	if (!cycle_valid(c->cycle) || month < 0 ||
	    !covered(c, cal_month_first_day(month), cal_month_last_day(month), &a, &b))
		return -1;
	/* Month indexes count from January of year 0, so a period's first month
	 * is a multiple of its length (12 is a multiple of every cycle). */
	pfirst = month - month % (int32_t)c->cycle;
	plast = pfirst + (int32_t)c->cycle - 1;
	contract_months(c, &cfirst, &clast);
	*first = pfirst > cfirst ? pfirst : cfirst;
	*last = plast < clast ? plast : clast;
	return 0;
}

/* ---- VAT totals ---- */

/* Adds net cents of rate vat into net[]; -1 for an unknown rate or overflow. */
static int vat_add(int64_t net[BILL_VAT_RATES], int vat, int64_t amount)
{
	int i = vat_index(vat);

	if (i < 0 || __builtin_add_overflow(net[i], amount, &net[i]))
		return -1;
	return 0;
}

/* The totals of per-rate nets: tax per rate on its net, then the sums. */
static int vat_finish(const int64_t net[BILL_VAT_RATES], struct bill_vat_total out[BILL_VAT_RATES],
		      int64_t *net_total, int64_t *tax_total, int64_t *gross_total)
{
	struct bill_vat_total t[BILL_VAT_RATES];
	int64_t n = 0, x = 0, g = 0;

	for (int i = 0; i < BILL_VAT_RATES; i++) {
		t[i].vat = vat_rates[i];
		t[i].net = net[i];
		if (money_muldiv(net[i], vat_rates[i], 100, &t[i].tax) != 0 ||
		    __builtin_add_overflow(t[i].net, t[i].tax, &t[i].gross) ||
		    __builtin_add_overflow(n, t[i].net, &n) ||
		    __builtin_add_overflow(x, t[i].tax, &x) ||
		    __builtin_add_overflow(g, t[i].gross, &g))
			return -1;
	}
	memcpy(out, t, sizeof(t));
	*net_total = n;
	*tax_total = x;
	*gross_total = g;
	return 0;
}

int bill_vat_totals(const int *vat, const int64_t *net, size_t n,
		    struct bill_vat_total out[BILL_VAT_RATES], int64_t *net_total,
		    int64_t *tax_total, int64_t *gross_total)
{
	int64_t sums[BILL_VAT_RATES] = { 0 };

	for (size_t i = 0; i < n; i++)
		if (vat_add(sums, vat[i], net[i]) != 0)
			goto fail;
	if (vat_finish(sums, out, net_total, tax_total, gross_total) != 0)
		goto fail;
	return 0;
fail:
	memset(out, 0, sizeof(*out) * BILL_VAT_RATES);
	for (int i = 0; i < BILL_VAT_RATES; i++)
		out[i].vat = vat_rates[i];
	*net_total = *tax_total = *gross_total = 0;
	return -1;
}

/* ---- the specification ---- */

void bill_spec_clear(struct bill_spec *s)
{
	if (!s)
		return;
	free(s->lines);
	free(s->support);
	memset(s, 0, sizeof(*s));
}

/* The length of s (n bytes) cut at a UTF-8 boundary to at most max bytes. */
static size_t text_fit(const char *s, size_t n, size_t max)
{
	/* what fits whole is not walked: utf8_cut would give n */
	return n <= max ? n : utf8_cut(s, n, max);
}

/* A copy of s cut at a UTF-8 boundary to fit dst (dstsz bytes). */
static void text_copy(char *dst, size_t dstsz, const char *s)
{
	size_t n;

	if (!s)
		s = "";
	n = text_fit(s, strlen(s), dstsz - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * One time entry with what grouping needs, resolved once and held in the
 * key itself, so that sorting a million of them never chases a pointer.
 */
struct wkey {
	uint64_t num_hi, num_lo; /* the ticket number's bytes, big-endian: strcmp order */
	int64_t ticket_id;
	int64_t rate_id;         /* resolved: never 0 */
	int64_t seconds;
	const struct bill_work *w;
	int32_t day;
	int32_t contract;        /* index into in->contracts, -1 = none */
	int32_t free;            /* 1 = listed at zero */
};

_Static_assert(TICKET_NUMBER_LEN <= 16, "a ticket number's key holds 16 bytes");

/* A ticket number (at most 16 bytes) as two integers that compare as strcmp does. */
static void number_key(const char *s, uint64_t *hi, uint64_t *lo)
{
	uint64_t k[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < 16 && s[i]; i++)
		k[i / 8] |= (uint64_t)(unsigned char)s[i] << (56 - 8 * (i % 8));
	*hi = k[0];
	*lo = k[1];
}

/*
 * One line of work before it is written: its entries are wk[order[first]]
 * .. wk[order[first + n - 1]], wk[key] the first of them in the input.
 */
struct group {
	size_t first, n;
	size_t key;
	int32_t contract;
	int32_t free;
	const struct bill_rate *rate;
	int64_t hourly;     /* the rate's price for this client and contract */
	int64_t seconds, rounded;
	int32_t from_day, to_day;
};

static const char *contract_number(const struct bill_client_input *in, int32_t ci)
{
	return ci < 0 ? "" : in->contracts[ci].number;
}

/* The grouping key: ticket, rate, contract, listed at zero or not. */
static int cmp_group_key(const struct wkey *a, const struct wkey *b)
{
	if (a->num_hi != b->num_hi)
		return a->num_hi < b->num_hi ? -1 : 1;
	if (a->num_lo != b->num_lo)
		return a->num_lo < b->num_lo ? -1 : 1;
	if (a->ticket_id != b->ticket_id)
		return a->ticket_id < b->ticket_id ? -1 : 1;
	if (a->rate_id != b->rate_id)
		return a->rate_id < b->rate_id ? -1 : 1;
	if (a->contract != b->contract)
		return a->contract < b->contract ? -1 : 1;
	return a->free - b->free;
}

/* The grouping key's hash. */
static uint64_t group_hash(const struct wkey *k)
{
	uint64_t h = k->num_hi;

	h = (h ^ k->num_lo) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (uint64_t)k->ticket_id) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (uint64_t)k->rate_id) * 0x9e3779b97f4a7c15ull;
	h = (h ^ ((uint64_t)(uint32_t)k->contract << 1 | (uint64_t)(k->free != 0))) *
	    0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

/* qsort has no context argument: the input the groups' contracts index. */
static _Thread_local const struct bill_client_input *sort_in;
static _Thread_local const struct wkey *sort_wk;

/* Groups in the order of their keys (ticket number, ticket, rate id, contract, listed at zero). */
static int cmp_group_by_key(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	return cmp_group_key(&sort_wk[a->key], &sort_wk[b->key]);
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;
	const struct bill_work *wa = sort_wk[a->key].w, *wb = sort_wk[b->key].w;
	int r = strcmp(wa->ticket_number, wb->ticket_number);

	if (r)
		return r;
	if (wa->ticket_id != wb->ticket_id)
		return wa->ticket_id < wb->ticket_id ? -1 : 1;
	if ((r = strcmp(a->rate->code, b->rate->code)) != 0)
		return r;
	if (a->rate->id != b->rate->id)
		return a->rate->id < b->rate->id ? -1 : 1;
	if ((r = strcmp(contract_number(sort_in, a->contract),
			contract_number(sort_in, b->contract))) != 0)
		return r;
	if (a->contract != b->contract)
		return a->contract < b->contract ? -1 : 1;
	return a->free - b->free;
}

static int cmp_str(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int cmp_rate_ptr(const void *pa, const void *pb)
{
	const struct bill_rate *a = *(const struct bill_rate *const *)pa;
	const struct bill_rate *b = *(const struct bill_rate *const *)pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_override_ptr(const void *pa, const void *pb)
{
	const struct bill_rate_override *a = *(const struct bill_rate_override *const *)pa;
	const struct bill_rate_override *b = *(const struct bill_rate_override *const *)pb;

	return a->rate_id < b->rate_id ? -1 : a->rate_id > b->rate_id;
}

static int cmp_prepaid_ptr(const void *pa, const void *pb)
{
	const struct bill_prepaid *a = *(const struct bill_prepaid *const *)pa;
	const struct bill_prepaid *b = *(const struct bill_prepaid *const *)pb;

	if (a->contract_id != b->contract_id)
		return a->contract_id < b->contract_id ? -1 : 1;
	return a->line_id < b->line_id ? -1 : a->line_id > b->line_id;
}

static int cmp_contract_idx(const void *pa, const void *pb)
{
	const struct bill_contract *a = &sort_in->contracts[*(const int32_t *)pa];
	const struct bill_contract *b = &sort_in->contracts[*(const int32_t *)pb];
	int r = strcmp(a->number, b->number);

	if (r)
		return r;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_line_ptr(const void *pa, const void *pb)
{
	const struct bill_contract_line *a = *(const struct bill_contract_line *const *)pa;
	const struct bill_contract_line *b = *(const struct bill_contract_line *const *)pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_extra_ptr(const void *pa, const void *pb)
{
	const struct bill_extra *a = *(const struct bill_extra *const *)pa;
	const struct bill_extra *b = *(const struct bill_extra *const *)pb;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_adjustment_ptr(const void *pa, const void *pb)
{
	const struct bill_adjustment *a = *(const struct bill_adjustment *const *)pa;
	const struct bill_adjustment *b = *(const struct bill_adjustment *const *)pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static const struct bill_rate *rate_find(const struct bill_rate *const *rates, size_t n, int64_t id)
{
	struct bill_rate key;
	const struct bill_rate *kp = &key, *const *hit;

	key.id = id;
	hit = n ? bsearch(&kp, rates, n, sizeof(*rates), cmp_rate_ptr) : NULL;
	return hit ? *hit : NULL;
}

/*
 * The price of rate r for this client under contract ci: the contract's
 * override, else the client's, else the rate's own.  ovr is sorted by rate.
 */
static int64_t rate_price(const struct bill_client_input *in,
			  const struct bill_rate_override *const *ovr, size_t n,
			  const struct bill_rate *r, int32_t ci)
{
	struct bill_rate_override key;
	const struct bill_rate_override *kp = &key, *const *hit;
	int64_t client_price = -1;
	size_t lo;

	key.rate_id = r->id;
	hit = n ? bsearch(&kp, ovr, n, sizeof(*ovr), cmp_override_ptr) : NULL;
	if (!hit)
		return r->hourly;
	for (lo = (size_t)(hit - ovr); lo > 0 && ovr[lo - 1]->rate_id == r->id; lo--)
		;
	for (size_t i = lo; i < n && ovr[i]->rate_id == r->id; i++) {
		if (ci >= 0 && ovr[i]->contract_id == in->contracts[ci].id && ovr[i]->client_id == 0)
			return ovr[i]->hourly;
		if (ovr[i]->contract_id == 0 && ovr[i]->client_id == in->client_id)
			client_price = ovr[i]->hourly;
	}
	return client_price >= 0 ? client_price : r->hourly;
}

/* Sort a few names by their bytes: insertion, as a group has a handful. */
static void names_sort(const char **names, size_t n)
{
	if (n > 16) {
		qsort(names, n, sizeof(*names), cmp_str);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		const char *v = names[i];
		size_t j = i;

		for (; j > 0 && strcmp(names[j - 1], v) > 0; j--)
			names[j] = names[j - 1];
		names[j] = v;
	}
}

/*
 * The distinct names of a group's entries (wk[order[0..n)]), sorted, joined
 * by ", ", cut to fit.
 */
static void technicians(const struct wkey *wk, const uint32_t *order, size_t n, const char **names,
			char *dst, size_t dstsz)
{
	size_t k = 0, pos = 0;

	for (size_t i = 0; i < n; i++) {
		const char *u = wk[order[i]].w->user_name;

		names[i] = u ? u : "";
	}
	names_sort(names, n);
	dst[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len, room, cut;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (names[i][0] == '\0')
			continue;
		if (k++ > 0) {
			if (dstsz - 1 - pos < 3)
				break; /* no room for ", " and a letter */
			memcpy(dst + pos, ", ", 2);
			pos += 2;
		}
		len = strlen(names[i]);
		room = dstsz - 1 - pos;
		cut = text_fit(names[i], len, room);
		memcpy(dst + pos, names[i], cut);
		pos += cut;
		if (cut < len)
			break;
	}
	dst[pos] = '\0';
}

/* Rounds bytes up so the next array in one block is aligned for any type. */
static size_t align_up(size_t n)
{
	size_t a = _Alignof(max_align_t);

	return (n + a - 1) / a * a;
}

/* One client's run: the inputs, sorted views of them, and the scratch state. */
struct run {
	const struct bill_context *ctx;
	const struct bill_client_input *in;
	int32_t mfirst, mlast;
	int mdays;
	struct wkey *wk;                        /* n_work */
	struct group *gr;                       /* n_work at most */
	size_t ngroups;
	uint32_t *order; /* n_work: the entries by group */
	uint32_t *gof;	 /* n_work: each entry's group */
	uint32_t *table; /* the groups by key's hash: tsize */
	size_t tsize;
	const char **names;                     /* n_work */
	const struct bill_rate **rates;         /* by id */
	const struct bill_rate_override **ovr;  /* by rate id */
	const struct bill_prepaid **pre;        /* this month's, by contract then line */
	size_t npre, matched;
	const struct bill_extra **ex;           /* by day then id */
	const struct bill_adjustment **adj;     /* by id */
	const struct bill_contract_line **ls;   /* one contract's lines, by id */
	int32_t *corder;                        /* the contracts listed, by number */
	size_t ncorder;
	int64_t *left;                          /* per contract: included seconds left */
	int64_t *over;                          /* per contract: billable seconds beyond */
	uint8_t *has_support;                   /* per contract: covers the month, included > 0 */
	int32_t day_contract[31];               /* per day of the month: the terms' contract */
};

/* One allocation for every scratch array of the client. */
static char *run_scratch(struct run *r, size_t max_lines)
{
	const struct bill_client_input *in = r->in;
	size_t nc = in->n_contracts, sz = 0, o[16];
	char *p;

	/* the hash table of groups: a power of two at least twice the entries */
	for (r->tsize = 16; r->tsize < 2 * in->n_work; r->tsize *= 2)
		;
	o[0] = sz, sz = align_up(sz + in->n_work * sizeof(struct wkey));
	o[1] = sz, sz = align_up(sz + in->n_work * sizeof(struct group));
	o[2] = sz, sz = align_up(sz + in->n_work * sizeof(char *));
	o[3] = sz, sz = align_up(sz + r->ctx->n_rates * sizeof(void *));
	o[4] = sz, sz = align_up(sz + in->n_overrides * sizeof(void *));
	o[5] = sz, sz = align_up(sz + in->n_prepaid * sizeof(void *));
	o[6] = sz, sz = align_up(sz + in->n_extras * sizeof(void *));
	o[7] = sz, sz = align_up(sz + in->n_adjustments * sizeof(void *));
	o[8] = sz, sz = align_up(sz + max_lines * sizeof(void *));
	o[9] = sz, sz = align_up(sz + nc * sizeof(int32_t));
	o[10] = sz, sz = align_up(sz + nc * sizeof(int64_t));
	o[11] = sz, sz = align_up(sz + nc * sizeof(int64_t));
	o[12] = sz, sz = align_up(sz + nc);
	o[13] = sz, sz = align_up(sz + in->n_work * sizeof(uint32_t));
	o[14] = sz, sz = align_up(sz + in->n_work * sizeof(uint32_t));
	o[15] = sz, sz = align_up(sz + r->tsize * sizeof(uint32_t));
	p = xmalloc(sz ? sz : 1);
	r->wk = (struct wkey *)(void *)(p + o[0]);
	r->gr = (struct group *)(void *)(p + o[1]);
	r->names = (const char **)(void *)(p + o[2]);
	r->rates = (const struct bill_rate **)(void *)(p + o[3]);
	r->ovr = (const struct bill_rate_override **)(void *)(p + o[4]);
	r->pre = (const struct bill_prepaid **)(void *)(p + o[5]);
	r->ex = (const struct bill_extra **)(void *)(p + o[6]);
	r->adj = (const struct bill_adjustment **)(void *)(p + o[7]);
	r->ls = (const struct bill_contract_line **)(void *)(p + o[8]);
	r->corder = (int32_t *)(void *)(p + o[9]);
	r->left = (int64_t *)(void *)(p + o[10]);
	r->over = (int64_t *)(void *)(p + o[11]);
	r->has_support = (uint8_t *)(p + o[12]);
	r->order = (uint32_t *)(void *)(p + o[13]);
	r->gof = (uint32_t *)(void *)(p + o[14]);
	r->table = (uint32_t *)(void *)(p + o[15]);
	return p;
}

/* The sorted views of the rates, overrides and this month's prepayments. */
static int run_index(struct run *r, const char **why)
{
	const struct bill_client_input *in = r->in;

	for (size_t i = 0; i < r->ctx->n_rates; i++)
		r->rates[i] = &r->ctx->rates[i];
	qsort(r->rates, r->ctx->n_rates, sizeof(*r->rates), cmp_rate_ptr);
	for (size_t i = 0; i < in->n_overrides; i++)
		r->ovr[i] = &in->overrides[i];
	qsort(r->ovr, in->n_overrides, sizeof(*r->ovr), cmp_override_ptr);
	r->npre = 0;
	for (size_t i = 0; i < in->n_prepaid; i++)
		if (in->prepaid[i].month == r->ctx->month)
			r->pre[r->npre++] = &in->prepaid[i];
	qsort(r->pre, r->npre, sizeof(*r->pre), cmp_prepaid_ptr);
	for (size_t i = 1; i < r->npre; i++)
		if (cmp_prepaid_ptr(&r->pre[i - 1], &r->pre[i]) == 0) {
			*why = "prepaid: two prepayments of one line for the month";
			return -1;
		}
	/* The contract whose terms apply on each day: the earliest start, then the lowest id. */
	for (int d = 0; d < r->mdays; d++) {
		r->day_contract[d] = -1;
		for (size_t i = 0; i < in->n_contracts; i++) {
			const struct bill_contract *c = &in->contracts[i], *b;
			int32_t a, z;

			if (!covered(c, r->mfirst + d, r->mfirst + d, &a, &z))
				continue;
			b = r->day_contract[d] < 0 ? NULL : &in->contracts[r->day_contract[d]];
			if (!b || c->start_day < b->start_day ||
			    (c->start_day == b->start_day && c->id < b->id))
				r->day_contract[d] = (int32_t)i;
		}
	}
	return 0;
}

/*
 * Ticket work: each entry's contract and rate, grouped (a hash table of the
 * groups' keys: one pass, no sort of the entries), each group rounded; the
 * groups sorted into the order of the lines.
 */
static int run_groups(struct run *r, const char **why)
{
	const struct bill_client_input *in = r->in;
	const struct bill_context *ctx = r->ctx;
	struct wkey *wk = r->wk;
	size_t mask = r->tsize - 1;
	uint32_t *at;

	if (in->n_work >= UINT32_MAX) {
		/* the groups and their entries are numbered in 32 bits */
		*why = "work: more entries than one specification can hold";
		return -1;
	}
	for (size_t i = 0; i < in->n_work; i++) {
		const struct bill_work *x = &in->work[i];

		if (x->day < r->mfirst || x->day > r->mlast) {
			*why = "work: an entry that did not start in the month";
			return -1;
		}
		if (x->seconds < 0 || x->seconds > BILL_WORK_SECONDS_MAX) {
			*why = "work: an entry's seconds are negative or longer than a year";
			return -1;
		}
		wk[i].w = x;
		number_key(x->ticket_number, &wk[i].num_hi, &wk[i].num_lo);
		wk[i].ticket_id = x->ticket_id;
		wk[i].seconds = x->seconds;
		wk[i].day = x->day;
		wk[i].contract = r->day_contract[x->day - r->mfirst];
		wk[i].free = x->ticket_billing != BILLING_BILLABLE || !x->billable;
		wk[i].rate_id = x->rate_id ? x->rate_id : ctx->default_rate_id;
		if (wk[i].rate_id == 0) {
			*why = "work: no default rate (no rate has the code of [billing] default_rate)";
			return -1;
		}
	}
	/* Each entry into its group; sums and rounding per entry as they come (any order). */
	memset(r->table, 0xff, r->tsize * sizeof(*r->table));
	r->ngroups = 0;
	for (size_t i = 0; i < in->n_work; i++) {
		size_t h = (size_t)group_hash(&wk[i]) & mask;
		uint32_t gi;
		struct group *g;
		const struct bill_terms *t;

		while ((gi = r->table[h]) != UINT32_MAX &&
		       cmp_group_key(&wk[r->gr[gi].key], &wk[i]) != 0)
			h = (h + 1) & mask;
		if (gi == UINT32_MAX) {
			gi = (uint32_t)r->ngroups++;
			r->table[h] = gi;
			g = &r->gr[gi];
			memset(g, 0, sizeof(*g));
			g->key = i;
			g->contract = wk[i].contract;
			g->free = wk[i].free;
			g->from_day = g->to_day = wk[i].day;
		}
		g = &r->gr[gi];
		r->gof[i] = gi;
		g->n++;
		t = g->contract >= 0 ? &in->contracts[g->contract].terms : &ctx->default_terms;
		/* Each entry is at most a year, so no sum here can overflow. */
		g->seconds += wk[i].seconds;
		if (t->per == ROUND_PER_ENTRY)
			g->rounded += bill_round_seconds(t, wk[i].seconds);
		if (wk[i].day < g->from_day)
			g->from_day = wk[i].day;
		if (wk[i].day > g->to_day)
			g->to_day = wk[i].day;
	}
	/* The entries by group (a counting sort; its cursors use the table's room), for names. */
	at = r->table;
	for (size_t k = 0, first = 0; k < r->ngroups; k++) {
		r->gr[k].first = first;
		at[k] = (uint32_t)first;
		first += r->gr[k].n;
	}
	for (size_t i = 0; i < in->n_work; i++)
		r->order[at[r->gof[i]]++] = (uint32_t)i;
	/* Checked in the order of the keys: the first fault found is always the same one. */
	sort_wk = wk;
	qsort(r->gr, r->ngroups, sizeof(*r->gr), cmp_group_by_key);
	for (size_t k = 0; k < r->ngroups; k++) {
		struct group *g = &r->gr[k];
		const struct wkey *key = &wk[g->key];
		const struct bill_terms *t;

		g->rate = rate_find(r->rates, ctx->n_rates, key->rate_id);
		if (!g->rate) {
			*why = key->w->rate_id ? "work: an entry of an unknown rate"
					       : "work: the default rate is unknown";
			return -1;
		}
		if (!bill_vat_valid(g->rate->vat)) {
			*why = why_fmt("rate %s: not a VAT rate (25, 13, 5 or 0)", g->rate->code);
			return -1;
		}
		t = g->contract >= 0 ? &in->contracts[g->contract].terms : &ctx->default_terms;
		if (t->per == ROUND_PER_TICKET)
			g->rounded = bill_round_seconds(t, g->seconds);
		/* The minimum is a charge: billable work only, and only when there was some. */
		if (!g->free && g->seconds > 0 && g->rounded < t->minimum)
			g->rounded = t->minimum;
		g->hourly = rate_price(in, r->ovr, in->n_overrides, g->rate, g->contract);
	}
	sort_in = in;
	qsort(r->gr, r->ngroups, sizeof(*r->gr), cmp_group);
	return 0;
}

/* 1 when a prepayment of this month names contract id. */
static int prepaid_names_contract(const struct run *r, int64_t id)
{
	size_t lo = 0, hi = r->npre;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->pre[mid]->contract_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->npre && r->pre[lo]->contract_id == id;
}

/*
 * The contracts the specification lists, by number: those covering a day of
 * the month, and those ended before it whose prepayment covers it.
 */
static void run_contract_order(struct run *r)
{
	const struct bill_client_input *in = r->in;

	r->ncorder = 0;
	for (size_t i = 0; i < in->n_contracts; i++) {
		const struct bill_contract *c = &in->contracts[i];
		int32_t a, z;
		int cov = covered(c, r->mfirst, r->mlast, &a, &z);

		r->has_support[i] = (uint8_t)(cov && c->terms.included > 0);
		r->left[i] = r->has_support[i] ? c->terms.included : 0;
		r->over[i] = 0;
		if (cov || prepaid_names_contract(r, c->id))
			r->corder[r->ncorder++] = (int32_t)i;
	}
	sort_in = in;
	qsort(r->corder, r->ncorder, sizeof(*r->corder), cmp_contract_idx);
}

/* Appends one contract's lines for the month to out. */
static int run_contract_lines(struct run *r, int32_t ci, struct bill_spec *out, const char **why)
{
	const struct bill_contract *c = &r->in->contracts[ci];

	for (size_t i = 0; i < c->n_lines; i++)
		r->ls[i] = &c->lines[i];
	qsort(r->ls, c->n_lines, sizeof(*r->ls), cmp_line_ptr);
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct bill_contract_line *l = r->ls[i];
		const struct bill_prepaid *p = NULL, *const *hit;
		struct bill_prepaid key;
		const struct bill_prepaid *kp = &key;
		struct bill_line *bl;
		int32_t from, to;
		int active;
		int64_t amount, diff;

		key.contract_id = c->id;
		key.line_id = l->id;
		hit = r->npre ? bsearch(&kp, r->pre, r->npre, sizeof(*r->pre), cmp_prepaid_ptr)
			      : NULL;
		if (hit) {
			p = *hit;
			r->matched++;
		}
		if (bill_line_month_amount(c, l, r->ctx->month, &from, &to, &active, &amount) != 0) {
			*why = why_fmt("contract %s: a line's amount overflows", c->number);
			return -1;
		}
		if (active == 0 && !p)
			continue;
		bl = &out->lines[out->n_lines++];
		memset(bl, 0, sizeof(*bl));
		bl->kind = p ? LINE_PREPAID : LINE_CONTRACT;
		bl->contract_id = c->id;
		memcpy(bl->contract_number, c->number, sizeof(bl->contract_number));
		bl->source_id = l->id;
		memcpy(bl->code, l->service_code, sizeof(bl->code));
		memcpy(bl->description, l->description, sizeof(bl->description));
		bl->from_day = from;
		bl->to_day = to;
		bl->active_days = active;
		bl->month_days = r->mdays;
		bl->quantity = l->quantity;
		bl->unit_price = l->monthly_price;
		bl->amount = p ? p->amount : amount;
		bl->charged = p ? 0 : 1;
		bl->vat = l->vat;
		if (!p || p->amount == amount)
			continue;
		/* Changed since it was prepaid: the difference is charged (or credited). */
		if (__builtin_sub_overflow(amount, p->amount, &diff)) {
			*why = why_fmt("contract %s: a prepaid line's difference overflows", c->number);
			return -1;
		}
		out->lines[out->n_lines] = *bl;
		bl = &out->lines[out->n_lines++];
		bl->kind = LINE_PREPAID_DIFF;
		bl->amount = diff;
		bl->charged = 1;
	}
	return 0;
}

/* Appends the work lines, setting billable time against included hours in line order. */
static int run_work_lines(struct run *r, struct bill_spec *out, const char **why)
{
	const struct bill_client_input *in = r->in;

	for (size_t i = 0; i < r->ngroups; i++) {
		const struct group *g = &r->gr[i];
		const struct bill_work *w0 = r->wk[g->key].w;

		/* the subjects are the reader's, all over its memory: fetched a few lines ahead */
		if (i + 4 < r->ngroups)
			__builtin_prefetch(r->wk[r->gr[i + 4].key].w->ticket_subject);
		const struct bill_contract *c = g->contract >= 0 ? &in->contracts[g->contract] : NULL;
		struct bill_line *bl = &out->lines[out->n_lines++];
		int64_t inc = 0, billed = g->free ? 0 : g->rounded;

		memset(bl, 0, sizeof(*bl));
		bl->kind = LINE_WORK;
		if (c) {
			bl->contract_id = c->id;
			memcpy(bl->contract_number, c->number, sizeof(bl->contract_number));
		}
		memcpy(bl->code, g->rate->code, sizeof(bl->code));
		text_copy(bl->description, sizeof(bl->description), w0->ticket_subject);
		bl->from_day = g->from_day;
		bl->to_day = g->to_day;
		bl->ticket_id = w0->ticket_id;
		memcpy(bl->ticket_number, w0->ticket_number, sizeof(bl->ticket_number));
		bl->ticket_billing = w0->ticket_billing;
		technicians(r->wk, r->order + g->first, g->n, r->names, bl->technicians,
			    sizeof(bl->technicians));
		bl->seconds = g->seconds;
		bl->rounded = g->rounded;
		bl->hourly = g->hourly;
		if (!g->free && c && r->has_support[g->contract]) {
			int64_t *left = &r->left[g->contract];

			inc = billed < *left ? billed : *left;
			*left -= inc;
			billed -= inc;
			r->over[g->contract] += billed;
			if (billed > 0) {
				if (c->terms.overage_hourly > 0)
					bl->hourly = c->terms.overage_hourly;
				bl->overage_hourly = bl->hourly;
			}
		}
		bl->included = inc;
		bl->billed = billed;
		if (money_muldiv(bl->hourly, billed, 3600, &bl->amount) != 0) {
			*why = why_fmt("ticket %s: the amount of its work overflows", w0->ticket_number);
			return -1;
		}
		bl->charged = !g->free;
		bl->vat = g->rate->vat;
		if (__builtin_add_overflow(out->work_seconds, g->seconds, &out->work_seconds) ||
		    __builtin_add_overflow(out->work_rounded, g->rounded, &out->work_rounded)) {
			*why = "work: the month's seconds overflow";
			return -1;
		}
	}
	return 0;
}

/* Appends the extra items, by day then id. */
static int run_extras(struct run *r, struct bill_spec *out, const char **why)
{
	const struct bill_client_input *in = r->in;

	for (size_t i = 0; i < in->n_extras; i++) {
		const struct bill_extra *x = &in->extras[i];

		if (x->day < r->mfirst || x->day > r->mlast) {
			*why = "extras: an item of a day outside the month";
			return -1;
		}
		if (!bill_vat_valid(x->vat)) {
			*why = "extras: not a VAT rate (25, 13, 5 or 0)";
			return -1;
		}
		r->ex[i] = x;
	}
	qsort(r->ex, in->n_extras, sizeof(*r->ex), cmp_extra_ptr);
	for (size_t i = 0; i < in->n_extras; i++) {
		const struct bill_extra *x = r->ex[i];
		struct bill_line *bl = &out->lines[out->n_lines++];
		int free = x->ticket_billing != BILLING_BILLABLE;

		memset(bl, 0, sizeof(*bl));
		bl->kind = LINE_EXTRA;
		bl->source_id = x->id;
		memcpy(bl->description, x->description, sizeof(bl->description));
		bl->from_day = bl->to_day = x->day;
		bl->ticket_id = x->ticket_id;
		memcpy(bl->ticket_number, x->ticket_number, sizeof(bl->ticket_number));
		bl->ticket_billing = x->ticket_billing;
		bl->quantity = x->quantity;
		bl->unit_price = x->unit_price;
		if (!free && money_muldiv(x->unit_price, x->quantity, BILL_QTY_ONE, &bl->amount) != 0) {
			*why = "extras: an item's amount overflows";
			return -1;
		}
		bl->charged = !free;
		bl->vat = x->vat;
	}
	return 0;
}

/* Appends the corrections recorded in the month, by id. */
static int run_adjustments(struct run *r, struct bill_spec *out, const char **why)
{
	const struct bill_client_input *in = r->in;

	for (size_t i = 0; i < in->n_adjustments; i++) {
		const struct bill_adjustment *a = &in->adjustments[i];

		if (a->month != r->ctx->month) {
			*why = "adjustments: one recorded in another month";
			return -1;
		}
		if (!bill_vat_valid(a->vat)) {
			*why = "adjustments: not a VAT rate (25, 13, 5 or 0)";
			return -1;
		}
		r->adj[i] = a;
	}
	qsort(r->adj, in->n_adjustments, sizeof(*r->adj), cmp_adjustment_ptr);
	for (size_t i = 0; i < in->n_adjustments; i++) {
		const struct bill_adjustment *a = r->adj[i];
		struct bill_line *bl = &out->lines[out->n_lines++];

		memset(bl, 0, sizeof(*bl));
		bl->kind = LINE_ADJUSTMENT;
		bl->source_id = a->id;
		memcpy(bl->description, a->description, sizeof(bl->description));
		bl->from_day = bl->to_day = -1;
		bl->ticket_id = a->ticket_id;
		memcpy(bl->ticket_number, a->ticket_number, sizeof(bl->ticket_number));
		bl->corrects_month = a->corrects_month;
		bl->amount = a->amount;
		bl->charged = 1;
		bl->vat = a->vat;
	}
	return 0;
}

/* The included hours of each listed contract that has them, by number. */
static void run_support(struct run *r, struct bill_spec *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ncorder; i++)
		n += r->has_support[r->corder[i]];
	if (!n)
		return;
	out->support = xcalloc(n, sizeof(*out->support));
	for (size_t i = 0; i < r->ncorder; i++) {
		int32_t ci = r->corder[i];
		const struct bill_contract *c = &r->in->contracts[ci];
		struct bill_support *s;

		if (!r->has_support[ci])
			continue;
		s = &out->support[out->n_support++];
		s->contract_id = c->id;
		memcpy(s->contract_number, c->number, sizeof(s->contract_number));
		s->included = c->terms.included;
		s->used = c->terms.included - r->left[ci];
		s->overage = r->over[ci];
	}
}

/* Net per VAT rate of the charged lines, the VAT on each, the sums. */
static int spec_totals(struct bill_spec *out, const char **why)
{
	int64_t net[BILL_VAT_RATES] = { 0 };

	for (size_t i = 0; i < out->n_lines; i++)
		if (out->lines[i].charged && vat_add(net, out->lines[i].vat, out->lines[i].amount) != 0)
			goto overflow;
	if (vat_finish(net, out->vat, &out->net, &out->tax, &out->gross) != 0)
		goto overflow;
	return 0;
overflow:
	*why = "totals: an amount overflows";
	return -1;
}

int bill_client_spec(const struct bill_context *ctx, const struct bill_client_input *in,
		     struct bill_spec *out, const char **why)
{
	struct run r;
	const char *w = NULL;
	char *scratch = NULL;
	size_t max_lines = 0, nlines;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->month = ctx->month;
	out->client_id = in->client_id;
	memcpy(out->client_name, in->client_name, sizeof(out->client_name));
	memcpy(out->client_oib, in->client_oib, sizeof(out->client_oib));
	memcpy(out->client_address, in->client_address, sizeof(out->client_address));
	for (int i = 0; i < BILL_VAT_RATES; i++)
		out->vat[i].vat = vat_rates[i];

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.in = in;
	r.mfirst = cal_month_first_day(ctx->month);
	r.mlast = cal_month_last_day(ctx->month);
	r.mdays = (int)(r.mlast - r.mfirst + 1);
	if ((w = terms_problem(&ctx->default_terms)) != NULL) {
		w = why_fmt("default %s", w);
		goto out;
	}
	for (size_t i = 0; i < in->n_contracts; i++) {
		const char *cw;

		if (bill_contract_check(&in->contracts[i], &cw) != 0) {
			w = why_fmt("contract %s: %s", in->contracts[i].number, cw);
			goto out;
		}
		if (in->contracts[i].n_lines > max_lines)
			max_lines = in->contracts[i].n_lines;
	}
	scratch = run_scratch(&r, max_lines);
	if (run_index(&r, &w) != 0 || run_groups(&r, &w) != 0)
		goto out;
	run_contract_order(&r);

	/* Every line at most once, a contract line at most twice (prepaid and its difference). */
	nlines = r.ngroups + in->n_extras + in->n_adjustments;
	for (size_t i = 0; i < r.ncorder; i++)
		nlines += 2 * in->contracts[r.corder[i]].n_lines;
	out->lines = nlines ? xmalloc(nlines * sizeof(*out->lines)) : NULL;
	for (size_t i = 0; i < r.ncorder; i++)
		if (run_contract_lines(&r, r.corder[i], out, &w) != 0)
			goto out;
	if (r.matched != r.npre) {
		w = "prepaid: a prepayment of a line that is not in the client's contracts";
		goto out;
	}
	if (run_work_lines(&r, out, &w) != 0 || run_extras(&r, out, &w) != 0 ||
	    run_adjustments(&r, out, &w) != 0)
		goto out;
	run_support(&r, out);
	if (spec_totals(out, &w) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		if (why)
			*why = w;
		bill_spec_clear(out);
	}
	free(scratch);
	return rc;
}

/* ---- the summary ---- */

void bill_summary_init(struct bill_summary *s, int32_t month)
{
	memset(s, 0, sizeof(*s));
	s->month = month;
	for (int i = 0; i < BILL_VAT_RATES; i++)
		s->vat[i].vat = vat_rates[i];
}

int bill_summary_add(struct bill_summary *s, const struct bill_spec *spec)
{
	struct bill_summary t = *s;

	if (spec->n_lines == 0)
		return 0;
	t.clients++;
	if (__builtin_add_overflow(t.work_seconds, spec->work_seconds, &t.work_seconds) ||
	    __builtin_add_overflow(t.work_rounded, spec->work_rounded, &t.work_rounded) ||
	    __builtin_add_overflow(t.net, spec->net, &t.net) ||
	    __builtin_add_overflow(t.tax, spec->tax, &t.tax) ||
	    __builtin_add_overflow(t.gross, spec->gross, &t.gross))
		return -1;
	for (int i = 0; i < BILL_VAT_RATES; i++)
		if (__builtin_add_overflow(t.vat[i].net, spec->vat[i].net, &t.vat[i].net) ||
		    __builtin_add_overflow(t.vat[i].tax, spec->vat[i].tax, &t.vat[i].tax) ||
		    __builtin_add_overflow(t.vat[i].gross, spec->vat[i].gross, &t.vat[i].gross))
			return -1;
	*s = t;
	return 0;
}

/* ---- prepayment ---- */

void bill_prepay_clear(struct bill_prepay *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_lines; i++)
		free(p->lines[i].month_amounts);
	free(p->lines);
	memset(p, 0, sizeof(*p));
}

int bill_prepay_contract(const struct bill_contract *c, int32_t month, struct bill_prepay *out,
			 const char **why)
{
	const struct bill_contract_line **ls = NULL;
	int64_t net[BILL_VAT_RATES] = { 0 };
	int32_t first, last;
	const char *w = NULL;
	size_t nmonths;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < BILL_VAT_RATES; i++)
		out->vat[i].vat = vat_rates[i];
	if (bill_contract_check(c, &w) != 0) {
		w = why_fmt("contract %s: %s", c->number, w);
		goto out;
	}
	if (!c->prepaid || bill_period(c, month, &first, &last) != 0 || first != month)
		return 0;
	nmonths = (size_t)(last - first + 1);
	out->contract_id = c->id;
	memcpy(out->contract_number, c->number, sizeof(out->contract_number));
	out->client_id = c->client_id;
	memcpy(out->client_name, c->client_name, sizeof(out->client_name));
	out->first = first;
	out->last = last;
	if (c->n_lines) {
		ls = xmalloc(c->n_lines * sizeof(*ls));
		for (size_t i = 0; i < c->n_lines; i++)
			ls[i] = &c->lines[i];
		qsort(ls, c->n_lines, sizeof(*ls), cmp_line_ptr);
		out->lines = xcalloc(c->n_lines, sizeof(*out->lines));
	}
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct bill_contract_line *l = ls[i];
		struct bill_prepay_line *pl = &out->lines[out->n_lines++];

		pl->line_id = l->id;
		memcpy(pl->code, l->service_code, sizeof(pl->code));
		memcpy(pl->description, l->description, sizeof(pl->description));
		pl->quantity = l->quantity;
		pl->monthly_price = l->monthly_price;
		pl->vat = l->vat;
		pl->month_amounts = xcalloc(nmonths, sizeof(*pl->month_amounts));
		for (size_t k = 0; k < nmonths; k++) {
			if (bill_line_month_amount(c, l, first + (int32_t)k, NULL, NULL, NULL,
						   &pl->month_amounts[k]) != 0 ||
			    __builtin_add_overflow(pl->amount, pl->month_amounts[k], &pl->amount)) {
				w = why_fmt("contract %s: a line's amount overflows", c->number);
				goto out;
			}
		}
		if (vat_add(net, pl->vat, pl->amount) != 0) {
			w = why_fmt("contract %s: the amount overflows", c->number);
			goto out;
		}
	}
	if (vat_finish(net, out->vat, &out->net, &out->tax, &out->gross) != 0) {
		w = why_fmt("contract %s: the amount overflows", c->number);
		goto out;
	}
	rc = 1;
out:
	free(ls);
	if (rc < 0) {
		if (why)
			*why = w;
		bill_prepay_clear(out);
	}
	return rc;
}
