/*
 * store_sqlite_billing: the SQLite backend of store_billing.h (issue 5,
 * 0006_billing.sql): the catalogue of services and rates, contracts with
 * their lines, the kind of work of a time entry, extra items, prepayments,
 * adjustments, closed months with their stored specifications, and the
 * reader that hands a month's inputs to core/billing one client at a time.
 * Its statements live in their own table below, prepared lazily and cached
 * per connection (sqlite_internal.h); every call is one transaction.
 *
 * The reader is built for a big month (10,000 clients, 1,000,000 time
 * entries): store_bill_begin reads the month's entries once, in the order
 * of the covering index time_entries_started (no join, no sort in SQL),
 * their tickets in runs of ids, the smaller kinds in one query each, and
 * orders everything by client in memory (a counting sort); store_bill_next
 * then reads one client's contracts and hands out arrays that point into
 * what begin read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sqlite3.h>

#include "core/billing.h"
#include "core/calendar.h"
#include "core/model.h"
#include "core/money.h"
#include "core/validate.h"
#include "store/sqlite_internal.h"
#include "store/store_billing.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The store's own clock for the catalogue's and the contracts' times (the calls have no now). */
#define SQL_NOW "CAST(strftime('%s', 'now') AS INTEGER)"
/* The month indexes of calendar.h's years, as 0006_billing.sql bounds them. */
#define MONTH_MIN (CAL_YEAR_MIN * 12)
#define MONTH_MAX (CAL_YEAR_MAX * 12 + 11)
/* Tickets are read in runs of ids no further apart than this (see rd_tickets). */
#define TICKET_RUN_GAP 64

/* ---- the statements ---- */

#define SERVICE_SELECT                                                                    \
	"SELECT s.id, s.code, s.name, s.unit, s.price, s.vat, s.active FROM services s "
#define RATE_SELECT "SELECT r.id, r.code, r.name, r.hourly, r.vat, r.active FROM rates r "
/* A contract with its client's name and one of its lines per row (none: zeros). */
#define CONTRACT_SELECT                                                                   \
	"SELECT k.id, k.client_id, k.number, k.start_day, coalesce(k.end_day, -1), "        \
	"k.proration, k.cycle, k.prepaid, k.increment, k.round_mode, k.round_per, "        \
	"k.minimum, k.included, k.overage_hourly, k.notes, k.created_at, k.updated_at, "    \
	"c.name, coalesce(l.id, 0), coalesce(l.service_id, 0), coalesce(s.code, ''), "     \
	"coalesce(l.description, ''), coalesce(l.quantity, 0), "                           \
	"coalesce(l.monthly_price, 0), coalesce(l.vat, 0) "                                \
	"FROM contracts k JOIN clients c ON c.id = k.client_id "                           \
	"LEFT JOIN contract_lines l ON l.contract_id = k.id "                              \
	"LEFT JOIN services s ON s.id = l.service_id "
#define OVERRIDE_SELECT                                                                   \
	"SELECT o.id, o.rate_id, coalesce(o.client_id, 0), coalesce(o.contract_id, 0), "    \
	"o.hourly, coalesce(o.client_id, k.client_id) "                                    \
	"FROM rate_overrides o LEFT JOIN contracts k ON k.id = o.contract_id "
#define EXTRA_SELECT                                                                      \
	"SELECT e.id, e.ticket_id, t.number, t.billing, e.description, e.quantity, "        \
	"e.unit_price, e.vat, e.day, coalesce(t.client_id, 0) "                            \
	"FROM extras e JOIN tickets t ON t.id = e.ticket_id "
#define ADJUSTMENT_SELECT                                                                 \
	"SELECT a.id, a.month, a.corrects_month, a.description, a.amount, a.vat, "         \
	"coalesce(a.ticket_id, 0), coalesce(t.number, ''), a.client_id "                   \
	"FROM adjustments a LEFT JOIN tickets t ON t.id = a.ticket_id "
#define ENTRY_COLS                                                                        \
	"SELECT x.ticket_id, x.id, x.user_id, x.rate_id, x.started_at, "                    \
	"x.seconds, x.billable "
/* What a closed month's refusal says, the month filled in by printf(). */
#define CLOSED_EXPLAIN                                                                    \
	"SELECT printf('month %04d-%02d is closed; record a correction as an adjustment "   \
	"in an open month', month / 12, month % 12 + 1) FROM billing_months "

enum bill_stmt {
	B_SERVICE_INSERT = SQ_BILL_FIRST,
	B_SERVICE_UPDATE,
	B_SERVICE_GET,
	B_SERVICE_BY_CODE,
	B_SERVICE_LIST,
	B_SERVICE_CODE_TAKEN,
	B_RATE_INSERT,
	B_RATE_UPDATE,
	B_RATE_GET,
	B_RATE_BY_CODE,
	B_RATE_LIST,
	B_RATE_CODE_TAKEN,
	B_CLIENT_EXISTS,
	B_CLIENT_ROW,
	B_CLIENTS_BY_NAME,
	B_CONTRACT_EXISTS,
	B_CONTRACT_PREPAID,
	B_OVERRIDE_DELETE,
	B_OVERRIDE_INSERT,
	B_OVERRIDE_LIST,
	B_OVERRIDE_ALL,
	B_CONTRACT_NUMBER_TAKEN,
	B_CONTRACT_INSERT,
	B_CONTRACT_UPDATE,
	B_CONTRACT_END,
	B_CONTRACT_GET,
	B_CONTRACT_LIST,
	B_CONTRACT_OF_CLIENT,
	B_CONTRACT_COVERING,
	B_LINE_INSERT,
	B_LINE_UPDATE,
	B_LINE_DELETE,
	B_LINE_PREPAID,
	B_LINE_OF_CONTRACT,
	B_TIME_RATE_GET,
	B_TIME_RATE_SET,
	B_TICKET_INFO,
	B_EXTRA_INSERT,
	B_EXTRA_GET,
	B_EXTRA_DELETE,
	B_EXTRA_LIST_TICKET,
	B_EXTRA_LIST_ALL,
	B_EXTRAS_DAYS,
	B_PREPAY_OVERLAP,
	B_PREPAY_INSERT,
	B_PREPAY_ITEM_INSERT,
	B_PREPAY_LIST,
	B_PREPAID_MONTH,
	B_ADJUSTMENT_INSERT,
	B_ADJUSTMENT_LIST,
	B_MONTH_CLOSED,
	B_MONTH_LAST,
	B_MONTH_INSERT,
	B_MONTH_TIMER,
	B_SPEC_INSERT,
	B_MONTH_SUMMARY,
	B_SPECS_ALL,
	B_SPECS_CLIENT,
	B_MONTHS_CLOSED,
	B_CLOSED_AT,
	B_CLOSED_DAY,
	B_CLOSED_MONTH,
	B_USERS,
	B_RATES_ALL,
	B_ENTRIES_MONTH,
	B_ENTRIES_CLIENT,
	B_TICKETS_RANGE,
	B__END
};

#define B(id) [(id) - SQ_BILL_FIRST]

const char *const sq_bill_sql[B__END - SQ_BILL_FIRST] = {
	B(B_SERVICE_INSERT) = "INSERT INTO services (code, name, unit, price, vat, active, "
			      "created_at, updated_at) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, " SQL_NOW ", " SQL_NOW ")",
	B(B_SERVICE_UPDATE) = "UPDATE services SET code = ?2, name = ?3, unit = ?4, price = ?5, "
			      "vat = ?6, active = ?7, updated_at = " SQL_NOW " WHERE id = ?1",
	B(B_SERVICE_GET) = SERVICE_SELECT "WHERE s.id = ?1",
	B(B_SERVICE_BY_CODE) = SERVICE_SELECT "WHERE s.code = ?1",
	B(B_SERVICE_LIST) = SERVICE_SELECT "WHERE ?1 = 1 OR s.active = 1 ORDER BY s.code",
	B(B_SERVICE_CODE_TAKEN) = "SELECT 1 FROM services WHERE code = ?1 AND id <> ?2",
	B(B_RATE_INSERT) = "INSERT INTO rates (code, name, hourly, vat, active, created_at, "
			   "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, " SQL_NOW ", " SQL_NOW ")",
	B(B_RATE_UPDATE) = "UPDATE rates SET code = ?2, name = ?3, hourly = ?4, vat = ?5, "
			   "active = ?6, updated_at = " SQL_NOW " WHERE id = ?1",
	B(B_RATE_GET) = RATE_SELECT "WHERE r.id = ?1",
	B(B_RATE_BY_CODE) = RATE_SELECT "WHERE r.code = ?1",
	B(B_RATE_LIST) = RATE_SELECT "WHERE ?1 = 1 OR r.active = 1 ORDER BY r.code",
	B(B_RATE_CODE_TAKEN) = "SELECT 1 FROM rates WHERE code = ?1 AND id <> ?2",

	B(B_CLIENT_EXISTS) = "SELECT 1 FROM clients WHERE id = ?1",
	B(B_CLIENT_ROW) = "SELECT c.id, c.name, c.oib, c.address FROM clients c WHERE c.id = ?1",
	/* the UNIQUE NOCASE index on name gives this order without a sort */
	B(B_CLIENTS_BY_NAME) = "SELECT c.id, c.name, c.oib, c.address FROM clients c "
			       "ORDER BY c.name COLLATE NOCASE, c.id",
	B(B_CONTRACT_EXISTS) = "SELECT client_id FROM contracts WHERE id = ?1",
	B(B_CONTRACT_PREPAID) = "SELECT prepaid FROM contracts WHERE id = ?1",

	/* ?2 client, ?3 contract: exactly one of them NULL */
	B(B_OVERRIDE_DELETE) = "DELETE FROM rate_overrides WHERE rate_id = ?1 "
			       "AND client_id IS ?2 AND contract_id IS ?3",
	B(B_OVERRIDE_INSERT) = "INSERT INTO rate_overrides (rate_id, client_id, contract_id, "
			       "hourly) VALUES (?1, ?2, ?3, ?4)",
	B(B_OVERRIDE_LIST) = OVERRIDE_SELECT "WHERE o.client_id = ?1 OR k.client_id = ?1 "
					     "ORDER BY o.id",
	B(B_OVERRIDE_ALL) = OVERRIDE_SELECT "ORDER BY o.id",

	B(B_CONTRACT_NUMBER_TAKEN) = "SELECT 1 FROM contracts WHERE number = ?1 AND id <> ?2",
	B(B_CONTRACT_INSERT) = "INSERT INTO contracts (client_id, number, start_day, end_day, "
			       "proration, cycle, prepaid, increment, round_mode, round_per, "
			       "minimum, included, overage_hourly, notes, created_at, updated_at) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
			       "?14, " SQL_NOW ", " SQL_NOW ")",
	B(B_CONTRACT_UPDATE) = "UPDATE contracts SET number = ?2, start_day = ?3, end_day = ?4, "
			       "proration = ?5, cycle = ?6, prepaid = ?7, increment = ?8, "
			       "round_mode = ?9, round_per = ?10, minimum = ?11, included = ?12, "
			       "overage_hourly = ?13, notes = ?14, updated_at = " SQL_NOW
			       " WHERE id = ?1",
	B(B_CONTRACT_END) = "UPDATE contracts SET end_day = ?2, updated_at = " SQL_NOW
			    " WHERE id = ?1",
	B(B_CONTRACT_GET) = CONTRACT_SELECT "WHERE k.id = ?1 ORDER BY l.id",
	B(B_CONTRACT_LIST) = CONTRACT_SELECT "WHERE ?1 = 0 OR k.client_id = ?1 "
					     "ORDER BY c.name COLLATE NOCASE, c.id, k.number, "
					     "k.id, l.id",
	B(B_CONTRACT_OF_CLIENT) = CONTRACT_SELECT "WHERE k.client_id = ?1 "
						  "ORDER BY k.number, k.id, l.id",
	/* the clients of the contracts covering days ?1..?2 (?3: only that client, 0 all) */
	B(B_CONTRACT_COVERING) = "SELECT DISTINCT client_id FROM contracts WHERE start_day <= ?2 "
				 "AND (end_day IS NULL OR end_day >= ?1) "
				 "AND (?3 = 0 OR client_id = ?3)",
	B(B_LINE_INSERT) = "INSERT INTO contract_lines (contract_id, service_id, description, "
			   "quantity, monthly_price, vat) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	B(B_LINE_UPDATE) = "UPDATE contract_lines SET service_id = ?2, description = ?3, "
			   "quantity = ?4, monthly_price = ?5, vat = ?6 WHERE id = ?1",
	B(B_LINE_DELETE) = "DELETE FROM contract_lines WHERE id = ?1",
	B(B_LINE_PREPAID) = "SELECT 1 FROM prepayment_items WHERE line_id = ?1 LIMIT 1",
	B(B_LINE_OF_CONTRACT) = "SELECT 1 FROM contract_lines WHERE id = ?1 AND contract_id = ?2",

	B(B_TIME_RATE_GET) = "SELECT x.ticket_id, coalesce(x.rate_id, 0), coalesce(r.code, ''), "
			     "x.started_at "
			     "FROM time_entries x LEFT JOIN rates r ON r.id = x.rate_id "
			     "WHERE x.id = ?1",
	B(B_TIME_RATE_SET) = "UPDATE time_entries SET rate_id = ?2, updated_at = ?3 WHERE id = ?1",

	B(B_TICKET_INFO) = "SELECT t.number, t.billing, coalesce(t.client_id, 0) FROM tickets t "
			   "WHERE t.id = ?1",
	B(B_EXTRA_INSERT) = "INSERT INTO extras (ticket_id, day, description, quantity, "
			    "unit_price, vat, created_by, created_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	B(B_EXTRA_GET) = EXTRA_SELECT "WHERE e.id = ?1",
	B(B_EXTRA_DELETE) = "DELETE FROM extras WHERE id = ?1",
	B(B_EXTRA_LIST_TICKET) = EXTRA_SELECT "WHERE e.ticket_id = ?1 ORDER BY e.day, e.id",
	B(B_EXTRA_LIST_ALL) = EXTRA_SELECT "ORDER BY e.day, e.id",
	/* the extras of days ?1..?2 (?3: only that client's, 0 all), their tickets read apart */
	B(B_EXTRAS_DAYS) = "SELECT e.id, e.ticket_id, e.description, e.quantity, e.unit_price, "
			   "e.vat, e.day FROM extras e WHERE e.day BETWEEN ?1 AND ?2 "
			   "AND (?3 = 0 OR e.ticket_id IN "
			   "(SELECT t.id FROM tickets t WHERE t.client_id = ?3)) "
			   "ORDER BY e.day, e.id",

	B(B_PREPAY_OVERLAP) = "SELECT first_month, last_month FROM prepayments "
			      "WHERE contract_id = ?1 AND first_month <= ?3 AND last_month >= ?2 "
			      "ORDER BY first_month LIMIT 1",
	B(B_PREPAY_INSERT) = "INSERT INTO prepayments (contract_id, month, first_month, "
			     "last_month, issued_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	B(B_PREPAY_ITEM_INSERT) = "INSERT INTO prepayment_items (prepayment_id, line_id, month, "
				  "amount) VALUES (?1, ?2, ?3, ?4)",
	/* one row per item (a prepayment without lines: one row of NULLs) */
	B(B_PREPAY_LIST) = "SELECT p.id, p.contract_id, k.number, k.client_id, c.name, c.oib, "
			   "p.first_month, p.last_month, p.issued_at, coalesce(i.line_id, 0), "
			   "coalesce(s.code, ''), coalesce(l.description, ''), "
			   "coalesce(l.quantity, 0), coalesce(l.monthly_price, 0), "
			   "coalesce(l.vat, 0), coalesce(i.month, 0), coalesce(i.amount, 0) "
			   "FROM prepayments p JOIN contracts k ON k.id = p.contract_id "
			   "JOIN clients c ON c.id = k.client_id "
			   "LEFT JOIN prepayment_items i ON i.prepayment_id = p.id "
			   "LEFT JOIN contract_lines l ON l.id = i.line_id "
			   "LEFT JOIN services s ON s.id = l.service_id "
			   "WHERE p.month = ?1 "
			   "ORDER BY c.name COLLATE NOCASE, c.id, k.number, p.id, i.line_id, "
			   "i.month",
	/* what prepayments invoiced for month ?1 (?2: only that client's, 0 all) */
	B(B_PREPAID_MONTH) = "SELECT i.prepayment_id, p.contract_id, i.line_id, i.month, "
			     "i.amount, k.client_id FROM prepayment_items i "
			     "JOIN prepayments p ON p.id = i.prepayment_id "
			     "JOIN contracts k ON k.id = p.contract_id "
			     "WHERE i.month = ?1 AND (?2 = 0 OR k.client_id = ?2) "
			     "ORDER BY i.line_id",

	B(B_ADJUSTMENT_INSERT) = "INSERT INTO adjustments (client_id, month, corrects_month, "
				 "description, amount, vat, ticket_id, created_by, created_at) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	B(B_ADJUSTMENT_LIST) = ADJUSTMENT_SELECT "WHERE a.month = ?1 ORDER BY a.id",

	B(B_MONTH_CLOSED) = "SELECT 1 FROM billing_months WHERE month = ?1",
	B(B_MONTH_LAST) = "SELECT count(*), coalesce(max(month), 0) FROM billing_months",
	B(B_MONTH_INSERT) = "INSERT INTO billing_months (month, from_ts, to_ts, from_day, to_day, "
			    "closed_at, closed_by, summary_json) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* a stopwatch that started in [?1, ?2) and still runs */
	B(B_MONTH_TIMER) = "SELECT u.name, t.number FROM timers r JOIN users u ON u.id = r.user_id "
			   "JOIN tickets t ON t.id = r.ticket_id "
			   "WHERE r.started_at >= ?1 AND r.started_at < ?2 ORDER BY r.user_id LIMIT 1",
	B(B_SPEC_INSERT) = "INSERT INTO billing_specs (month, client_id, json) VALUES (?1, ?2, ?3)",
	B(B_MONTH_SUMMARY) = "SELECT summary_json FROM billing_months WHERE month = ?1",
	B(B_SPECS_ALL) = "SELECT s.client_id, s.json FROM billing_specs s "
			 "JOIN clients c ON c.id = s.client_id WHERE s.month = ?1 "
			 "ORDER BY c.name COLLATE NOCASE, c.id",
	B(B_SPECS_CLIENT) = "SELECT s.client_id, s.json FROM billing_specs s "
			    "WHERE s.month = ?1 AND s.client_id = ?2",
	B(B_MONTHS_CLOSED) = "SELECT month FROM billing_months ORDER BY month DESC LIMIT ?1",
	/* the closed month ?1 or ?2 falls in, by what they are */
	B(B_CLOSED_AT) = CLOSED_EXPLAIN "WHERE (from_ts <= ?1 AND to_ts > ?1) "
					"OR (from_ts <= ?2 AND to_ts > ?2) ORDER BY month LIMIT 1",
	B(B_CLOSED_DAY) = CLOSED_EXPLAIN "WHERE ?1 BETWEEN from_day AND to_day "
					 "OR ?2 BETWEEN from_day AND to_day ORDER BY month LIMIT 1",
	B(B_CLOSED_MONTH) = CLOSED_EXPLAIN "WHERE month IN (?1, ?2) ORDER BY month LIMIT 1",

	B(B_USERS) = "SELECT id, name FROM users ORDER BY id",
	B(B_RATES_ALL) = RATE_SELECT "ORDER BY r.id",
	/* the month's entries [?1, ?2) in the covering index's order: no row, no sort */
	B(B_ENTRIES_MONTH) = ENTRY_COLS "FROM time_entries x INDEXED BY time_entries_started "
					"WHERE x.started_at >= ?1 AND x.started_at < ?2",
	/* one client's: through its tickets */
	B(B_ENTRIES_CLIENT) = ENTRY_COLS "FROM tickets t JOIN time_entries x ON x.ticket_id = t.id "
					 "WHERE t.client_id = ?3 AND x.started_at >= ?1 "
					 "AND x.started_at < ?2",
	B(B_TICKETS_RANGE) = "SELECT t.id, coalesce(t.client_id, 0), t.number, t.subject, "
			     "t.billing FROM tickets t WHERE t.id BETWEEN ?1 AND ?2",
	/* sums first, names after: the names are joined to a few rows, not to every entry */
};

const size_t sq_bill_count = B__END - SQ_BILL_FIRST;

/* ---- small helpers ---- */

SQ_COL_ENUM(col_unit, enum bill_unit, bill_unit_parse)
SQ_COL_ENUM(col_proration, enum bill_proration, bill_proration_parse)
SQ_COL_ENUM(col_cycle, enum bill_cycle, bill_cycle_parse)
SQ_COL_ENUM(col_round_mode, enum bill_round_mode, bill_round_mode_parse)
SQ_COL_ENUM(col_round_per, enum bill_round_per, bill_round_per_parse)
SQ_COL_ENUM(col_billing, enum billing_kind, billing_parse)

/* A prepared statement's first column of its first row as an int64; *found 0 when none. */
static int query_int(struct store *st, int id, int64_t a, int64_t b, int64_t *out, int *found)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sq_bind_int(st, s, 2, b);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	*found = rc == 1;
	if (rc == 1 && out)
		*out = sqlite3_column_int64(s, 0);
	rc = STORE_OK;
out:
	sq_done(s);
	return rc;
}

/* Whether the row statement id finds for (a, b) exists: STORE_OK with *found. */
static int exists(struct store *st, int id, int64_t a, int64_t b, int *found)
{
	return query_int(st, id, a, b, NULL, found);
}

static int month_check(struct store *st, const char *field, int32_t month)
{
	if (month < MONTH_MIN || month > MONTH_MAX)
		return store_fail(st, STORE_INVALID, "%s: not a month of the years %d..%d", field,
				  CAL_YEAR_MIN, CAL_YEAR_MAX);
	return STORE_OK;
}

static int day_valid(int32_t day)
{
	return day >= cal_day(CAL_YEAR_MIN, 1, 1) && day <= cal_day(CAL_YEAR_MAX, 12, 31);
}

/* A code: 1 to BILL_CODE_MAX_LEN of [a-z0-9_.-]. */
static int code_check(struct store *st, const char *code)
{
	size_t n = strnlen(code, BILL_CODE_MAX_LEN + 1), i;

	for (i = 0; i < n; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
		      code[i] == '_' || code[i] == '.' || code[i] == '-'))
			break;
	if (n == 0 || n > BILL_CODE_MAX_LEN || i < n)
		return store_fail(st, STORE_INVALID,
				  "code: 1 to %d of the characters a-z, 0-9, '_', '.' and '-'",
				  BILL_CODE_MAX_LEN);
	return STORE_OK;
}

/* One line of text, at most max bytes, and not empty. */
static int text_check(struct store *st, const char *field, const char *s, size_t max)
{
	if (!s || !s[0])
		return store_fail(st, STORE_INVALID, "%s: required", field);
	if (!valid_text(s, max, 0))
		return store_fail(st, STORE_INVALID,
				  "%s: one line of text of at most %zu bytes, no control "
				  "characters",
				  field, max);
	return STORE_OK;
}

static int price_check(struct store *st, const char *field, int64_t price)
{
	if (price < 0 || price > BILL_PRICE_MAX)
		return store_fail(st, STORE_INVALID, "%s: not 0 to 100,000,000.00", field);
	return STORE_OK;
}

static int vat_check(struct store *st, const char *field, int vat)
{
	if (!bill_vat_valid(vat))
		return store_fail(st, STORE_INVALID, "%s: not a VAT rate (25, 13, 5 or 0)", field);
	return STORE_OK;
}

/* "YYYY-MM" of month, for messages. */
static const char *month_text(int32_t month, char out[8])
{
	return cal_month_format(month, out);
}

int sq_closed_month_explain(struct store *st, int rc, enum sq_closed_by by, int64_t a, int64_t b)
{
	static const int ids[] = { B_CLOSED_AT, B_CLOSED_DAY, B_CLOSED_MONTH };
	char msg[sizeof(st->errmsg)];
	sqlite3_stmt *s = NULL;
	int found = 0;

	if (rc != STORE_CONFLICT || strcmp(st->errmsg, SQ_CLOSED_MONTH) != 0)
		return rc;
	if (sq_prepare(st, ids[by], &s) == STORE_OK) {
		sq_bind_int(st, s, 1, a);
		sq_bind_int(st, s, 2, b);
		if (sq_step(st, s) == 1) {
			sq_col_text(s, 0, msg, sizeof(msg));
			found = 1;
		}
	}
	sq_done(s);
	/* the trigger's words when the month cannot be read */
	(void)xstrlcpy(st->errmsg, found ? msg : SQ_CLOSED_MONTH, sizeof(st->errmsg));
	return rc;
}

/* ---- services ---- */

static int read_service(struct store *st, sqlite3_stmt *s, void *item)
{
	struct bill_service *v = item;

	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, v->code, sizeof(v->code));
	sq_col_text(s, 2, v->name, sizeof(v->name));
	col_unit(st, s, 3, &v->unit);
	v->price = sqlite3_column_int64(s, 4);
	v->vat = sqlite3_column_int(s, 5);
	v->active = sqlite3_column_int(s, 6);
	return sq_row_check(st, "service");
}

static int service_check(struct store *st, const void *item)
{
	const struct bill_service *v = item;
	int rc;

	if ((rc = code_check(st, v->code)) != STORE_OK)
		return rc;
	if ((rc = text_check(st, "name", v->name, BILL_TEXT_MAX_LEN)) != STORE_OK)
		return rc;
	if ((int)v->unit < 0 || (int)v->unit >= BILL_UNIT_COUNT)
		return store_fail(st, STORE_INVALID, "unit: not month, day, hour or piece");
	if ((rc = price_check(st, "price", v->price)) != STORE_OK)
		return rc;
	return vat_check(st, "vat", v->vat);
}

/* A service's columns from parameter at on: code, name, unit, price, vat, active. */
static void service_bind(struct store *st, sqlite3_stmt *s, int at, const void *item)
{
	const struct bill_service *v = item;

	sq_bind_text(st, s, at, v->code);
	sq_bind_text(st, s, at + 1, v->name);
	sq_bind_text(st, s, at + 2, bill_unit_name(v->unit));
	sq_bind_int(st, s, at + 3, v->price);
	sq_bind_int(st, s, at + 4, v->vat);
	sq_bind_int(st, s, at + 5, v->active ? 1 : 0);
}

static int read_rate(struct store *st, sqlite3_stmt *s, void *item)
{
	struct bill_rate *v = item;

	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, 0);
	sq_col_text(s, 1, v->code, sizeof(v->code));
	sq_col_text(s, 2, v->name, sizeof(v->name));
	v->hourly = sqlite3_column_int64(s, 3);
	v->vat = sqlite3_column_int(s, 4);
	v->active = sqlite3_column_int(s, 5);
	return sq_row_check(st, "rate");
}

static int rate_check(struct store *st, const void *item)
{
	const struct bill_rate *v = item;
	int rc;

	if ((rc = code_check(st, v->code)) != STORE_OK)
		return rc;
	if ((rc = text_check(st, "name", v->name, BILL_TEXT_MAX_LEN)) != STORE_OK)
		return rc;
	if ((rc = price_check(st, "hourly", v->hourly)) != STORE_OK)
		return rc;
	return vat_check(st, "vat", v->vat);
}

/* A rate's columns from parameter at on: code, name, hourly, vat, active. */
static void rate_bind(struct store *st, sqlite3_stmt *s, int at, const void *item)
{
	const struct bill_rate *v = item;

	sq_bind_text(st, s, at, v->code);
	sq_bind_text(st, s, at + 1, v->name);
	sq_bind_int(st, s, at + 2, v->hourly);
	sq_bind_int(st, s, at + 3, v->vat);
	sq_bind_int(st, s, at + 4, v->active ? 1 : 0);
}

/* ---- the catalogue: services and rates, the same calls on two tables ---- */

/* Offsets from a kind's first statement; both kinds list theirs in this order. */
enum { CAT_INSERT, CAT_UPDATE, CAT_GET, CAT_BY_CODE, CAT_LIST, CAT_CODE_TAKEN };

struct catalog_kind {
	const char *what;  /* "service", "rate": in messages */
	int first;         /* statement id of its CAT_INSERT */
	sq_row_reader read;
	int (*check)(struct store *st, const void *item);
	/* the columns from parameter at on (INSERT: 1; UPDATE: 2, after the id) */
	void (*bind)(struct store *st, sqlite3_stmt *s, int at, const void *item);
};

static const struct catalog_kind cat_services = {
	"service", B_SERVICE_INSERT, read_service, service_check, service_bind,
};
static const struct catalog_kind cat_rates = {
	"rate", B_RATE_INSERT, read_rate, rate_check, rate_bind,
};

static int cat_read(struct store *st, const struct catalog_kind *k, int64_t id, void *out)
{
	int rc = sq_row_get(st, k->first + CAT_GET, sq_bind_key_int, &id, k->read, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "%s %" PRId64 " not found", k->what, id);
	return rc;
}

static int service_read(struct store *st, int64_t id, struct bill_service *out)
{
	return cat_read(st, &cat_services, id, out);
}

static int rate_read(struct store *st, int64_t id, struct bill_rate *out)
{
	return cat_read(st, &cat_rates, id, out);
}

/* CONFLICT when another row of table (statement id) has code. */
static int code_free(struct store *st, int id, const char *what, const char *code, int64_t self)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, code);
	sq_bind_int(st, s, 2, self);
	rc = sq_step(st, s);
	sq_done(s);
	if (rc == 1)
		return store_fail(st, STORE_CONFLICT, "code: a %s with the code '%s' exists", what,
				  code);
	return rc;
}

/*
 * Insert item (its code is code) or, with id, replace row id with it; on
 * adding, *new_id is the row's id.
 */
static int cat_write(struct store *st, const struct catalog_kind *k, const void *item,
		     const char *code, int64_t id, int64_t *new_id, void *old)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = k->check(st, item)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if (id && (rc = cat_read(st, k, id, old)) != STORE_OK)
		goto out;
	if ((rc = code_free(st, k->first + CAT_CODE_TAKEN, k->what, code, id)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, k->first + (id ? CAT_UPDATE : CAT_INSERT), &s)) != STORE_OK)
		goto out;
	if (id)
		sq_bind_int(st, s, 1, id);
	k->bind(st, s, id ? 2 : 1, item);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (!id)
		*new_id = sqlite3_last_insert_rowid(sq_of(st)->db);
	return rc;
}

static int cat_by_code(struct store *st, const struct catalog_kind *k, const char *code,
		       void *out)
{
	const char *key = code ? code : "";
	int rc = sq_row_get(st, k->first + CAT_BY_CODE, sq_bind_key_text, key, k->read, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "%s '%.40s' not found", k->what, key);
	return rc;
}

/* The kind's rows by code, the inactive too when all, into *r (of size bytes each). */
static int cat_list(struct store *st, const struct catalog_kind *k, int all, size_t size,
		    struct sq_rows *r)
{
	const struct sq_list_query q = {
		.rows = k->first + CAT_LIST, .bind = sq_bind_key_int, .read = k->read,
		.size = size,
	};
	int64_t key = all ? 1 : 0;

	return sq_list_read(st, &q, &key, 0, 0, r, NULL);
}

int sq_service_add(struct store *st, struct bill_service *v)
{
	int rc = cat_write(st, &cat_services, v, v->code, 0, &v->id, NULL);

	if (rc == STORE_OK)
		v->active = v->active ? 1 : 0;
	return rc;
}

int sq_service_update(struct store *st, const struct bill_service *v)
{
	struct bill_service old;

	return cat_write(st, &cat_services, v, v->code, v->id, NULL, &old);
}

int sq_service_get(struct store *st, int64_t id, struct bill_service *out)
{
	struct bill_service v;
	int rc = service_read(st, id, &v);

	if (rc == STORE_OK)
		*out = v;
	return rc;
}

int sq_service_by_code(struct store *st, const char *code, struct bill_service *out)
{
	struct bill_service v;
	int rc = cat_by_code(st, &cat_services, code, &v);

	if (rc == STORE_OK)
		*out = v;
	return rc;
}

int sq_service_list(struct store *st, int all, struct bill_service_list *out)
{
	struct sq_rows r;
	int rc = cat_list(st, &cat_services, all, sizeof(struct bill_service), &r);
	struct bill_service_list l = { r.items, r.n };

	if (rc != STORE_OK)
		bill_service_list_free(&l);
	else
		*out = l;
	return rc;
}

/* ---- rates ---- */

int sq_rate_add(struct store *st, struct bill_rate *v)
{
	int rc = cat_write(st, &cat_rates, v, v->code, 0, &v->id, NULL);

	if (rc == STORE_OK)
		v->active = v->active ? 1 : 0;
	return rc;
}

int sq_rate_update(struct store *st, const struct bill_rate *v)
{
	struct bill_rate old;

	return cat_write(st, &cat_rates, v, v->code, v->id, NULL, &old);
}

int sq_rate_get(struct store *st, int64_t id, struct bill_rate *out)
{
	struct bill_rate v;
	int rc = rate_read(st, id, &v);

	if (rc == STORE_OK)
		*out = v;
	return rc;
}

int sq_rate_by_code(struct store *st, const char *code, struct bill_rate *out)
{
	struct bill_rate v;
	int rc = cat_by_code(st, &cat_rates, code, &v);

	if (rc == STORE_OK)
		*out = v;
	return rc;
}

int sq_rate_list(struct store *st, int all, struct bill_rate_list *out)
{
	struct sq_rows r;
	int rc = cat_list(st, &cat_rates, all, sizeof(struct bill_rate), &r);
	struct bill_rate_list l = { r.items, r.n };

	if (rc != STORE_OK)
		bill_rate_list_free(&l);
	else
		*out = l;
	return rc;
}

/* ---- rate overrides ---- */

/* An override and, in column 5, the client it is for (its contract's, for a contract's). */
struct override_row {
	struct bill_rate_override o;
	int64_t client_id;
	uint32_t slot; /* the reader's */
};

static int read_override(struct store *st, sqlite3_stmt *s, void *item)
{
	struct override_row *v = item;

	(void)st;
	memset(v, 0, sizeof(*v));
	v->o.id = sqlite3_column_int64(s, 0);
	v->o.rate_id = sqlite3_column_int64(s, 1);
	v->o.client_id = sqlite3_column_int64(s, 2);
	v->o.contract_id = sqlite3_column_int64(s, 3);
	v->o.hourly = sqlite3_column_int64(s, 4);
	v->client_id = sqlite3_column_int64(s, 5);
	return STORE_OK;
}

static int client_exists(struct store *st, int64_t id)
{
	int found = 0, rc = exists(st, B_CLIENT_EXISTS, id, 0, &found);

	if (rc == STORE_OK && !found)
		return store_fail(st, STORE_NOT_FOUND, "client %" PRId64 " not found", id);
	return rc;
}

/* *client_id (may be NULL) the contract's client; NOT_FOUND when there is no contract id. */
static int contract_exists(struct store *st, int64_t id, int64_t *client_id)
{
	int found = 0, rc = query_int(st, B_CONTRACT_EXISTS, id, 0, client_id, &found);

	if (rc == STORE_OK && !found)
		return store_fail(st, STORE_NOT_FOUND, "contract %" PRId64 " not found", id);
	return rc;
}

int sq_rate_override_set(struct store *st, int64_t rate_id, int64_t client_id,
			 int64_t contract_id, int64_t hourly)
{
	struct bill_rate r;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((client_id != 0) == (contract_id != 0))
		return store_fail(st, STORE_INVALID,
				  "client_id, contract_id: exactly one of them is required");
	if (hourly > BILL_PRICE_MAX)
		return price_check(st, "hourly", hourly);
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = rate_read(st, rate_id, &r)) != STORE_OK)
		goto out;
	rc = client_id ? client_exists(st, client_id) : contract_exists(st, contract_id, NULL);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_OVERRIDE_DELETE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, rate_id);
	sq_bind_id(st, s, 2, client_id);
	sq_bind_id(st, s, 3, contract_id);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	if (hourly >= 0) {
		if ((rc = sq_prepare(st, B_OVERRIDE_INSERT, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, rate_id);
		sq_bind_id(st, s, 2, client_id);
		sq_bind_id(st, s, 3, contract_id);
		sq_bind_int(st, s, 4, hourly);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			goto out;
	}
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int override_check(struct store *st, const void *arg)
{
	int64_t id = *(const int64_t *)arg;

	return id ? client_exists(st, id) : STORE_OK;
}

int sq_rate_override_list(struct store *st, int64_t client_id, struct bill_override_list *out)
{
	static const struct sq_list_query by_client = {
		.check = override_check, .rows = B_OVERRIDE_LIST, .bind = sq_bind_key_int,
		.read = read_override, .size = sizeof(struct override_row),
	};
	static const struct sq_list_query all = {
		.rows = B_OVERRIDE_ALL, .read = read_override,
		.size = sizeof(struct override_row),
	};
	struct sq_rows r;
	struct override_row *rows;
	struct bill_override_list l = { NULL, 0 };
	size_t i;
	int rc = sq_list_read(st, client_id ? &by_client : &all, &client_id, 0, 0, &r, NULL);

	rows = r.items;
	if (rc == STORE_OK && r.n) {
		l.items = xcalloc(r.n, sizeof(*l.items));
		for (i = 0; i < r.n; i++)
			l.items[i] = rows[i].o;
		l.n = r.n;
	}
	free(rows);
	if (rc == STORE_OK)
		*out = l;
	return rc;
}

/* ---- contracts ---- */

/* Room for one more line of c, zeroed (lines grow 4, 8, 16...). */
static struct bill_contract_line *line_append(struct bill_contract *c)
{
	size_t n = c->n_lines;

	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0))
		c->lines = xrealloc(c->lines, (n ? 2 * n : 4) * sizeof(*c->lines));
	memset(&c->lines[n], 0, sizeof(c->lines[n]));
	c->n_lines++;
	return &c->lines[n];
}

/* The contract of a CONTRACT_SELECT row (without its line). */
static int read_contract(struct store *st, sqlite3_stmt *s, struct bill_contract *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->client_id = sqlite3_column_int64(s, 1);
	sq_col_text(s, 2, c->number, sizeof(c->number));
	c->start_day = sqlite3_column_int(s, 3);
	c->end_day = sqlite3_column_int(s, 4);
	col_proration(st, s, 5, &c->proration);
	col_cycle(st, s, 6, &c->cycle);
	c->prepaid = sqlite3_column_int(s, 7);
	c->terms.increment = sqlite3_column_int64(s, 8);
	col_round_mode(st, s, 9, &c->terms.mode);
	col_round_per(st, s, 10, &c->terms.per);
	c->terms.minimum = sqlite3_column_int64(s, 11);
	c->terms.included = sqlite3_column_int64(s, 12);
	c->terms.overage_hourly = sqlite3_column_int64(s, 13);
	sq_col_text(s, 14, c->notes, sizeof(c->notes));
	c->created_at = sqlite3_column_int64(s, 15);
	c->updated_at = sqlite3_column_int64(s, 16);
	sq_col_text(s, 17, c->client_name, sizeof(c->client_name));
	return sq_row_check(st, "contract");
}

static void read_line(sqlite3_stmt *s, struct bill_contract_line *l, int64_t contract_id)
{
	l->id = sqlite3_column_int64(s, 18);
	l->contract_id = contract_id;
	l->service_id = sqlite3_column_int64(s, 19);
	sq_col_text(s, 20, l->service_code, sizeof(l->service_code));
	sq_col_text(s, 21, l->description, sizeof(l->description));
	l->quantity = sqlite3_column_int64(s, 22);
	l->monthly_price = sqlite3_column_int64(s, 23);
	l->vat = sqlite3_column_int(s, 24);
}

/*
 * Append the contracts of CONTRACT_SELECT rows (each contract's rows in a
 * run, its lines in order) to out, an array of struct bill_contract.  On
 * failure out holds what was read, for the caller to clear.
 */
static int contracts_collect(struct store *st, sqlite3_stmt *s, struct sq_rows *out)
{
	struct bill_contract *c = NULL;
	int rc;

	while ((rc = sq_step(st, s)) == 1) {
		int64_t id = sqlite3_column_int64(s, 0);

		if (!c || c->id != id) {
			out->items = sq_list_grow(out->items, out->n, &out->cap, sizeof(*c));
			c = (struct bill_contract *)out->items + out->n++;
			if ((rc = read_contract(st, s, c)) != STORE_OK)
				return rc;
		}
		if (sqlite3_column_int64(s, 18))
			read_line(s, line_append(c), id);
	}
	return rc;
}

static void contracts_clear(struct sq_rows *r)
{
	struct bill_contract *c = r->items;
	size_t i;

	for (i = 0; i < r->n; i++)
		bill_contract_clear(&c[i]);
	r->n = 0;
}

/* Contract id with its lines into *out (the caller clears it), in the open transaction. */
static int contract_read(struct store *st, int64_t id, struct bill_contract *out)
{
	struct sq_rows r = { NULL, 0, 0 };
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_query_prepare(st, B_CONTRACT_GET, sq_bind_key_int, &id, &s)) != STORE_OK)
		goto out;
	if ((rc = contracts_collect(st, s, &r)) != STORE_OK)
		goto out;
	if (r.n == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "contract %" PRId64 " not found", id);
		goto out;
	}
	*out = *(struct bill_contract *)r.items;
	r.n = 0;
out:
	sq_done(s);
	contracts_clear(&r);
	free(r.items);
	return rc;
}

/* The old line of id in old (NULL when none). */
static const struct bill_contract_line *line_find(const struct bill_contract *old, int64_t id)
{
	size_t i;

	for (i = 0; old && i < old->n_lines; i++)
		if (old->lines[i].id == id)
			return &old->lines[i];
	return NULL;
}

static int line_same(const struct bill_contract_line *a, const struct bill_contract_line *b)
{
	return a->service_id == b->service_id && !strcmp(a->description, b->description) &&
	       a->quantity == b->quantity && a->monthly_price == b->monthly_price &&
	       a->vat == b->vat;
}

/*
 * Make c ready to store: each line's blanks taken from its service (which
 * must exist, and be active for a line that is new or changes service; old
 * is the stored contract, NULL for a new one), the texts checked, and the
 * whole checked by bill_contract_check.
 */
static int contract_prepare(struct store *st, struct bill_contract *c,
			    const struct bill_contract *old)
{
	struct bill_service sv;
	const char *why = NULL;
	char field[48];
	size_t i;
	int rc;

	if (!valid_text(c->number, BILL_NUMBER_MAX_LEN, 0))
		return store_fail(st, STORE_INVALID, "number: one line of text of at most %d bytes",
				  BILL_NUMBER_MAX_LEN);
	if (!valid_text(c->notes, NOTES_MAX_LEN, 1))
		return store_fail(st, STORE_INVALID, "notes: text of at most %d bytes",
				  NOTES_MAX_LEN);
	if (c->n_lines > BILL_LINES_MAX)
		return store_fail(st, STORE_INVALID, "lines: more than %d", BILL_LINES_MAX);
	for (i = 0; i < c->n_lines; i++) {
		struct bill_contract_line *l = &c->lines[i];
		const struct bill_contract_line *was = l->id ? line_find(old, l->id) : NULL;

		rc = service_read(st, l->service_id, &sv);
		if (rc == STORE_NOT_FOUND)
			return store_fail(st, STORE_NOT_FOUND,
					  "lines[%zu].service_id: service %" PRId64 " not found", i,
					  l->service_id);
		if (rc != STORE_OK)
			return rc;
		if (!sv.active && !(was && was->service_id == l->service_id))
			return store_fail(st, STORE_INVALID,
					  "lines[%zu].service_id: service '%s' is not active", i,
					  sv.code);
		(void)xstrlcpy(l->service_code, sv.code, sizeof(l->service_code));
		if (!l->description[0])
			(void)xstrlcpy(l->description, sv.name, sizeof(l->description));
		if (l->monthly_price < 0)
			l->monthly_price = sv.price;
		if (l->vat < 0)
			l->vat = sv.vat;
		snprintf(field, sizeof(field), "lines[%zu].description", i);
		if ((rc = text_check(st, field, l->description, BILL_TEXT_MAX_LEN)) != STORE_OK)
			return rc;
		l->contract_id = c->id;
	}
	if (bill_contract_check(c, &why) < 0)
		return store_fail(st, STORE_INVALID, "%s", why ? why : "contract: not valid");
	return STORE_OK;
}

static int number_free(struct store *st, const char *number, int64_t self)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, B_CONTRACT_NUMBER_TAKEN, &s)) != STORE_OK)
		return rc;
	sq_bind_text(st, s, 1, number);
	sq_bind_int(st, s, 2, self);
	rc = sq_step(st, s);
	sq_done(s);
	if (rc == 1)
		return store_fail(st, STORE_CONFLICT, "number: a contract numbered '%s' exists",
				  number);
	return rc;
}

/* The contract's own fields as ?2.. of B_CONTRACT_INSERT (?1 client) and _UPDATE (?1 id). */
static void bind_contract(struct store *st, sqlite3_stmt *s, const struct bill_contract *c)
{
	sq_bind_text(st, s, 2, c->number);
	sq_bind_int(st, s, 3, c->start_day);
	if (c->end_day == -1)
		sq_bind_text(st, s, 4, NULL);
	else
		sq_bind_int(st, s, 4, c->end_day);
	sq_bind_text(st, s, 5, bill_proration_name(c->proration));
	sq_bind_text(st, s, 6, bill_cycle_name(c->cycle));
	sq_bind_int(st, s, 7, c->prepaid);
	sq_bind_int(st, s, 8, c->terms.increment);
	sq_bind_text(st, s, 9, bill_round_mode_name(c->terms.mode));
	sq_bind_text(st, s, 10, bill_round_per_name(c->terms.per));
	sq_bind_int(st, s, 11, c->terms.minimum);
	sq_bind_int(st, s, 12, c->terms.included);
	sq_bind_int(st, s, 13, c->terms.overage_hourly);
	sq_bind_text(st, s, 14, c->notes);
}

static int line_write(struct store *st, int id, const struct bill_contract_line *l, int64_t key,
		      int64_t *new_id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, key);
	sq_bind_int(st, s, 2, l->service_id);
	sq_bind_text(st, s, 3, l->description);
	sq_bind_int(st, s, 4, l->quantity);
	sq_bind_int(st, s, 5, l->monthly_price);
	sq_bind_int(st, s, 6, l->vat);
	if ((rc = sq_run_done(st, s)) == STORE_OK && new_id)
		*new_id = sqlite3_last_insert_rowid(sq_of(st)->db);
	return rc;
}

/*
 * A deep copy of c whose lines the store may fill in (lines NULL when c has
 * none, too many or a NULL array: the caller refuses the last two).
 */
static struct bill_contract contract_copy(const struct bill_contract *c)
{
	struct bill_contract v = *c;

	v.lines = NULL;
	if (c->n_lines && c->n_lines <= BILL_LINES_MAX && c->lines) {
		v.lines = xmalloc(c->n_lines * sizeof(*v.lines));
		memcpy(v.lines, c->lines, c->n_lines * sizeof(*v.lines));
	}
	return v;
}

/* INVALID for a contract whose lines contract_copy could not copy. */
static int lines_given(struct store *st, const struct bill_contract *v)
{
	if (v->n_lines > BILL_LINES_MAX)
		return store_fail(st, STORE_INVALID, "lines: more than %d", BILL_LINES_MAX);
	if (v->n_lines && !v->lines)
		return store_fail(st, STORE_INVALID, "lines: missing");
	return STORE_OK;
}

/*
 * The stored contract (read back, lines in id order: the order they were
 * given in, new ones last) into c, keeping c's array of lines.
 */
static void contract_give(struct bill_contract *c, struct bill_contract *stored)
{
	struct bill_contract_line *lines = c->lines;

	if (stored->n_lines)
		memcpy(lines, stored->lines, stored->n_lines * sizeof(*lines));
	bill_contract_clear(stored);
	stored->lines = lines;
	stored->n_lines = c->n_lines;
	*c = *stored;
}

int sq_contract_add(struct store *st, struct bill_contract *c)
{
	struct bill_contract v = contract_copy(c), stored;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	memset(&stored, 0, sizeof(stored));
	v.id = 0;
	if ((rc = lines_given(st, &v)) != STORE_OK)
		goto done;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		goto done;
	if ((rc = client_exists(st, v.client_id)) != STORE_OK)
		goto out;
	if ((rc = contract_prepare(st, &v, NULL)) != STORE_OK)
		goto out;
	if ((rc = number_free(st, v.number, 0)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_CONTRACT_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.client_id);
	bind_contract(st, s, &v);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	for (i = 0; i < v.n_lines; i++)
		if ((rc = line_write(st, B_LINE_INSERT, &v.lines[i], v.id, &v.lines[i].id)) !=
		    STORE_OK)
			goto out;
	if ((rc = contract_read(st, v.id, &stored)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
done:
	free(v.lines);
	if (rc == STORE_OK)
		contract_give(c, &stored);
	else
		bill_contract_clear(&stored);
	return rc;
}

/* CONFLICT when line id was prepaid: it can then neither change nor go. */
static int line_unprepaid(struct store *st, int64_t id, const char *what)
{
	int found = 0, rc = exists(st, B_LINE_PREPAID, id, 0, &found);

	if (rc == STORE_OK && found)
		return store_fail(st, STORE_CONFLICT,
				  "line %" PRId64 " was prepaid and cannot %s; end the contract or "
				  "add a new line instead",
				  id, what);
	return rc;
}

int sq_contract_update(struct store *st, struct bill_contract *c)
{
	struct bill_contract v = contract_copy(c), old, stored;
	sqlite3_stmt *s = NULL;
	size_t i, k;
	int rc;

	memset(&old, 0, sizeof(old));
	memset(&stored, 0, sizeof(stored));
	if ((rc = lines_given(st, &v)) != STORE_OK)
		goto done;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		goto done;
	if ((rc = contract_read(st, v.id, &old)) != STORE_OK)
		goto out;
	if (v.client_id == 0)
		v.client_id = old.client_id;
	if (v.client_id != old.client_id) {
		rc = store_fail(st, STORE_INVALID,
				"client_id: a contract cannot move to another client; end it and "
				"add one for the other client");
		goto out;
	}
	for (i = 0; i < v.n_lines; i++) {
		if (!v.lines[i].id)
			continue;
		if (!line_find(&old, v.lines[i].id)) {
			rc = store_fail(st, STORE_INVALID,
					"lines[%zu].id: line %" PRId64
					" is not one of this contract's",
					i, v.lines[i].id);
			goto out;
		}
		for (k = 0; k < i; k++)
			if (v.lines[k].id == v.lines[i].id) {
				rc = store_fail(st, STORE_INVALID, "lines[%zu].id: given twice", i);
				goto out;
			}
	}
	if ((rc = contract_prepare(st, &v, &old)) != STORE_OK)
		goto out;
	/* what was prepaid stays as it was invoiced */
	for (i = 0; i < old.n_lines; i++) {
		const struct bill_contract_line *now = NULL;

		for (k = 0; k < v.n_lines && !now; k++)
			if (v.lines[k].id == old.lines[i].id)
				now = &v.lines[k];
		if (now && line_same(now, &old.lines[i]))
			continue;
		if ((rc = line_unprepaid(st, old.lines[i].id, now ? "change" : "be removed")) !=
		    STORE_OK)
			goto out;
	}
	if ((rc = number_free(st, v.number, v.id)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_CONTRACT_UPDATE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.id);
	bind_contract(st, s, &v);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	for (i = 0; i < old.n_lines; i++) {
		for (k = 0; k < v.n_lines; k++)
			if (v.lines[k].id == old.lines[i].id)
				break;
		if (k < v.n_lines)
			continue;
		if ((rc = sq_prepare(st, B_LINE_DELETE, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, old.lines[i].id);
		if ((rc = sq_run_done(st, s)) != STORE_OK)
			goto out;
	}
	for (i = 0; i < v.n_lines; i++) {
		const struct bill_contract_line *was =
			v.lines[i].id ? line_find(&old, v.lines[i].id) : NULL;

		if (was && line_same(was, &v.lines[i]))
			continue;
		if (was)
			rc = line_write(st, B_LINE_UPDATE, &v.lines[i], v.lines[i].id, NULL);
		else
			rc = line_write(st, B_LINE_INSERT, &v.lines[i], v.id, &v.lines[i].id);
		if (rc != STORE_OK)
			goto out;
	}
	if ((rc = contract_read(st, v.id, &stored)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
done:
	bill_contract_clear(&old);
	if (rc == STORE_OK && stored.n_lines == v.n_lines) {
		/* stored is in id order; give the lines back in c's order, with their ids */
		for (i = 0; i < v.n_lines; i++)
			for (k = 0; k < stored.n_lines; k++)
				if (stored.lines[k].id == v.lines[i].id)
					v.lines[i] = stored.lines[k];
		if (v.n_lines)
			memcpy(stored.lines, v.lines, v.n_lines * sizeof(*v.lines));
		contract_give(c, &stored);
	} else {
		bill_contract_clear(&stored);
	}
	free(v.lines);
	return rc;
}

int sq_contract_end(struct store *st, int64_t id, int32_t end_day)
{
	struct bill_contract old;
	sqlite3_stmt *s = NULL;
	char day[16];
	int rc;

	memset(&old, 0, sizeof(old));
	if (!day_valid(end_day))
		return store_fail(st, STORE_INVALID, "end_day: not a date of the years %d..%d",
				  CAL_YEAR_MIN, CAL_YEAR_MAX);
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = contract_read(st, id, &old)) != STORE_OK)
		goto out;
	if (end_day < old.start_day) {
		rc = store_fail(st, STORE_INVALID, "end_day: before the contract's start (%s)",
				cal_date_format(old.start_day, day));
		goto out;
	}
	if ((rc = sq_prepare(st, B_CONTRACT_END, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, id);
	sq_bind_int(st, s, 2, end_day);
	if ((rc = sq_run_done(st, s)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	bill_contract_clear(&old);
	return rc;
}

int sq_contract_get(struct store *st, int64_t id, struct bill_contract *out)
{
	struct bill_contract c;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = contract_read(st, id, &c)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		bill_contract_clear(&c);
		return rc;
	}
	*out = c;
	return rc;
}

int sq_contract_list(struct store *st, int64_t client_id, struct bill_contract_list *out)
{
	struct sq_rows r = { NULL, 0, 0 };
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if (client_id && (rc = client_exists(st, client_id)) != STORE_OK)
		goto out;
	if ((rc = sq_query_prepare(st, B_CONTRACT_LIST, sq_bind_key_int, &client_id, &s)) !=
	    STORE_OK)
		goto out;
	if ((rc = contracts_collect(st, s, &r)) != STORE_OK)
		goto out;
	sq_done(s);
	s = NULL;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		contracts_clear(&r);
		free(r.items);
		return rc;
	}
	out->items = r.items;
	out->n = r.n;
	return rc;
}

/* ---- the kind of work of a time entry ---- */

int sq_time_set_rate(struct store *st, int64_t entry_id, int64_t rate_id, const char *reason,
		     int64_t actor_user_id, int64_t now)
{
	char old_code[BILL_CODE_MAX_LEN + 1];
	int64_t ticket_id = 0, old_rate = 0, started_at = 0;
	struct bill_rate r;
	sqlite3_stmt *s = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	if (!reason || !reason[0])
		return store_fail(st, STORE_INVALID, "reason: required; say why the time changes");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, B_TIME_RATE_GET, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, entry_id);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "time entry %" PRId64 " not found", entry_id);
		goto out;
	}
	ticket_id = sqlite3_column_int64(s, 0);
	old_rate = sqlite3_column_int64(s, 1);
	sq_col_text(s, 2, old_code, sizeof(old_code));
	started_at = sqlite3_column_int64(s, 3);
	sq_done(s);
	s = NULL;
	if (rate_id && (rc = rate_read(st, rate_id, &r)) != STORE_OK)
		goto out;
	if (rate_id == old_rate) {
		rc = sq_tx_commit(st);
		goto out;
	}
	if ((rc = sq_prepare(st, B_TIME_RATE_SET, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, entry_id);
	sq_bind_id(st, s, 2, rate_id);
	sq_bind_int(st, s, 3, now);
	rc = sq_run_done(st, s);
	if ((rc = sq_closed_month_explain(st, rc, SQ_CLOSED_AT, started_at, started_at)) !=
	    STORE_OK)
		goto out;
	rc = sq_event_change(st, ticket_id, EVENT_TIME_CORRECTION, actor_user_id, "rate",
			     old_rate ? old_code : "default", rate_id ? r.code : "default", reason,
			     entry_id, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, ticket_id, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

/* ---- extra items ---- */

/* An extra and the client of its ticket (0: none). */
struct extra_row {
	struct bill_extra x;
	int64_t client_id;
};

static int read_extra(struct store *st, sqlite3_stmt *s, void *item)
{
	struct extra_row *v = item;

	memset(v, 0, sizeof(*v));
	v->x.id = sqlite3_column_int64(s, 0);
	v->x.ticket_id = sqlite3_column_int64(s, 1);
	sq_col_text(s, 2, v->x.ticket_number, sizeof(v->x.ticket_number));
	col_billing(st, s, 3, &v->x.ticket_billing);
	sq_col_text(s, 4, v->x.description, sizeof(v->x.description));
	v->x.quantity = sqlite3_column_int64(s, 5);
	v->x.unit_price = sqlite3_column_int64(s, 6);
	v->x.vat = sqlite3_column_int(s, 7);
	v->x.day = sqlite3_column_int(s, 8);
	v->client_id = sqlite3_column_int64(s, 9);
	return sq_row_check(st, "extra item");
}

static int extra_check(struct store *st, const struct bill_extra *x)
{
	int rc;

	if ((rc = text_check(st, "description", x->description, BILL_TEXT_MAX_LEN)) != STORE_OK)
		return rc;
	if (x->quantity <= 0 || x->quantity > BILL_QTY_MAX)
		return store_fail(st, STORE_INVALID, "quantity: not above 0 and at most 1,000,000");
	if ((rc = price_check(st, "unit_price", x->unit_price)) != STORE_OK)
		return rc;
	if ((rc = vat_check(st, "vat", x->vat)) != STORE_OK)
		return rc;
	if (!day_valid(x->day))
		return store_fail(st, STORE_INVALID, "day: not a date of the years %d..%d",
				  CAL_YEAR_MIN, CAL_YEAR_MAX);
	return STORE_OK;
}

/* A quantity in thousandths as "2", "1.5", "0.125". */
static void qty_format(int64_t q, char *out, size_t n)
{
	int64_t frac = q % BILL_QTY_ONE;
	int len;

	if (!frac) {
		snprintf(out, n, "%" PRId64, q / BILL_QTY_ONE);
		return;
	}
	len = snprintf(out, n, "%" PRId64 ".%03" PRId64, q / BILL_QTY_ONE, frac);
	while (len > 0 && (size_t)len < n && out[len - 1] == '0')
		out[--len] = '\0';
}

/* An extra in a few words for the history: "Toner: 2 x 45.00 EUR, VAT 25 %". */
static void extra_summary(const struct bill_extra *x, char *out, size_t n)
{
	char qty[32], price[MONEY_STR_MAX];

	qty_format(x->quantity, qty, sizeof(qty));
	if (money_format(x->unit_price, '.', 0, price, sizeof(price)) < 0)
		price[0] = '\0';
	if (snprintf(out, n, "%s: %s x %s EUR, VAT %d %%", x->description, qty, price, x->vat) >=
	    (int)n)
		sq_utf8_trim(out);
}

/* The number and billing of ticket id, and its client: NOT_FOUND when there is none. */
static int ticket_info(struct store *st, int64_t id, char number[TICKET_NUMBER_LEN + 1],
		       enum billing_kind *billing, int64_t *client_id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, B_TICKET_INFO, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, id);
	if ((rc = sq_step(st, s)) == 1) {
		sq_col_text(s, 0, number, TICKET_NUMBER_LEN + 1);
		col_billing(st, s, 1, billing);
		*client_id = sqlite3_column_int64(s, 2);
		rc = sq_row_check(st, "ticket");
	} else if (rc == 0) {
		rc = store_fail(st, STORE_NOT_FOUND, "ticket %" PRId64 " not found", id);
	}
	sq_done(s);
	return rc;
}

int sq_extra_add(struct store *st, struct bill_extra *x, int64_t actor_user_id, int64_t now)
{
	char summary[FIELD_VALUE_MAX_LEN + 1];
	struct bill_extra v = *x;
	int64_t client_id = 0;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = extra_check(st, &v)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	rc = ticket_info(st, v.ticket_id, v.ticket_number, &v.ticket_billing, &client_id);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_EXTRA_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, v.ticket_id);
	sq_bind_int(st, s, 2, v.day);
	sq_bind_text(st, s, 3, v.description);
	sq_bind_int(st, s, 4, v.quantity);
	sq_bind_int(st, s, 5, v.unit_price);
	sq_bind_int(st, s, 6, v.vat);
	sq_bind_id(st, s, 7, actor_user_id);
	sq_bind_int(st, s, 8, now);
	rc = sq_run_done(st, s);
	if ((rc = sq_closed_month_explain(st, rc, SQ_CLOSED_DAY, v.day, v.day)) != STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	extra_summary(&v, summary, sizeof(summary));
	rc = sq_event_change(st, v.ticket_id, EVENT_FIELD_CHANGE, actor_user_id, "extra", "",
			     summary, NULL, 0, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, v.ticket_id, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	*x = v;
	return rc;
}

static int extra_read(struct store *st, int64_t id, struct extra_row *out)
{
	int rc = sq_row_get(st, B_EXTRA_GET, sq_bind_key_int, &id, read_extra, out);

	if (rc == STORE_NOT_FOUND)
		return store_fail(st, STORE_NOT_FOUND, "extra item %" PRId64 " not found", id);
	return rc;
}

int sq_extra_remove(struct store *st, int64_t id, int64_t actor_user_id, int64_t now)
{
	char summary[FIELD_VALUE_MAX_LEN + 1];
	struct extra_row old;
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = extra_read(st, id, &old)) != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_EXTRA_DELETE, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, id);
	rc = sq_run_done(st, s);
	if ((rc = sq_closed_month_explain(st, rc, SQ_CLOSED_DAY, old.x.day, old.x.day)) !=
	    STORE_OK)
		goto out;
	extra_summary(&old.x, summary, sizeof(summary));
	rc = sq_event_change(st, old.x.ticket_id, EVENT_FIELD_CHANGE, actor_user_id, "extra",
			     summary, "", NULL, 0, now);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_ticket_touch(st, old.x.ticket_id, now)) != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

static int extra_ticket_check(struct store *st, const void *arg)
{
	return sq_ticket_exists(st, *(const int64_t *)arg);
}

int sq_extra_list(struct store *st, int64_t ticket_id, struct bill_extra_list *out)
{
	static const struct sq_list_query by_ticket = {
		.check = extra_ticket_check, .rows = B_EXTRA_LIST_TICKET, .bind = sq_bind_key_int,
		.read = read_extra, .size = sizeof(struct extra_row), .keep = 1,
	};
	static const struct sq_list_query all = {
		.rows = B_EXTRA_LIST_ALL, .read = read_extra, .size = sizeof(struct extra_row),
	};
	struct bill_extra_list l = { NULL, 0 };
	struct extra_row *rows;
	struct sq_rows r;
	size_t i;
	int rc = sq_list_read(st, ticket_id ? &by_ticket : &all, &ticket_id, 0, 0, &r, NULL);

	rows = r.items;
	if (rc == STORE_OK && r.n) {
		l.items = xcalloc(r.n, sizeof(*l.items));
		for (i = 0; i < r.n; i++)
			l.items[i] = rows[i].x;
		l.n = r.n;
	}
	free(rows);
	if (rc == STORE_OK)
		*out = l;
	return rc;
}

/* ---- prepayments ---- */

/* p's lines as store_prepay_record wants them: INVALID naming what is wrong. */
static int prepay_check(struct store *st, int32_t month, const struct bill_prepay *p)
{
	char m[8];
	size_t i, k, months;
	int64_t sum;
	int rc;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if (!p)
		return store_fail(st, STORE_INVALID, "prepayment: missing");
	if (p->first != month)
		return store_fail(st, STORE_INVALID,
				  "first: the period must start in the month it is issued in (%s)",
				  month_text(month, m));
	if (p->last < p->first || p->last > p->first + 11)
		return store_fail(st, STORE_INVALID,
				  "last: the period is 1 to 12 months from its first");
	if (p->n_lines > BILL_LINES_MAX || (p->n_lines && !p->lines))
		return store_fail(st, STORE_INVALID, "lines: missing or more than %d",
				  BILL_LINES_MAX);
	months = (size_t)(p->last - p->first + 1);
	for (i = 0; i < p->n_lines; i++) {
		const struct bill_prepay_line *l = &p->lines[i];

		if (!l->month_amounts)
			return store_fail(st, STORE_INVALID, "lines[%zu].month_amounts: missing",
					  i);
		for (k = 0; k < i; k++)
			if (p->lines[k].line_id == l->line_id)
				return store_fail(st, STORE_INVALID,
						  "lines[%zu].line_id: given twice", i);
		sum = 0;
		for (k = 0; k < months; k++)
			if (l->month_amounts[k] < 0 || l->month_amounts[k] > INT64_MAX / 16 ||
			    __builtin_add_overflow(sum, l->month_amounts[k], &sum))
				return store_fail(st, STORE_INVALID,
						  "lines[%zu].month_amounts: not amounts of 0 or "
						  "more",
						  i);
		if (sum != l->amount)
			return store_fail(st, STORE_INVALID,
					  "lines[%zu].amount: not the sum of its months", i);
	}
	return STORE_OK;
}

int sq_prepay_record(struct store *st, int32_t month, const struct bill_prepay *p, int64_t now,
		     int64_t *id)
{
	char a[8], b[8];
	int64_t pid = 0, client_id = 0, prepaid = 0;
	sqlite3_stmt *s = NULL;
	size_t i;
	int32_t m;
	int rc, found = 0;

	if ((rc = prepay_check(st, month, p)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = contract_exists(st, p->contract_id, &client_id)) != STORE_OK)
		goto out;
	if ((rc = query_int(st, B_CONTRACT_PREPAID, p->contract_id, 0, &prepaid, &found)) !=
	    STORE_OK)
		goto out;
	if (!prepaid) {
		rc = store_fail(st, STORE_INVALID,
				"contract %" PRId64 " is paid after each month, not in advance: "
				"its months are charged by the month-end run",
				p->contract_id);
		goto out;
	}
	if ((rc = sq_prepare(st, B_PREPAY_OVERLAP, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, p->contract_id);
	sq_bind_int(st, s, 2, p->first);
	sq_bind_int(st, s, 3, p->last);
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 1) {
		rc = store_fail(st, STORE_CONFLICT,
				"contract %" PRId64 " is already prepaid for %s..%s",
				p->contract_id, month_text(sqlite3_column_int(s, 0), a),
				month_text(sqlite3_column_int(s, 1), b));
		goto out;
	}
	sq_done(s);
	s = NULL;
	for (i = 0; i < p->n_lines; i++) {
		rc = exists(st, B_LINE_OF_CONTRACT, p->lines[i].line_id, p->contract_id, &found);
		if (rc != STORE_OK)
			goto out;
		if (!found) {
			rc = store_fail(st, STORE_INVALID,
					"lines[%zu].line_id: not a line of contract %" PRId64, i,
					p->contract_id);
			goto out;
		}
	}
	if ((rc = sq_prepare(st, B_PREPAY_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, p->contract_id);
	sq_bind_int(st, s, 2, month);
	sq_bind_int(st, s, 3, p->first);
	sq_bind_int(st, s, 4, p->last);
	sq_bind_int(st, s, 5, now);
	rc = sq_run_done(st, s);
	s = NULL;
	if ((rc = sq_closed_month_explain(st, rc, SQ_CLOSED_MONTH_OF, month, month)) != STORE_OK)
		goto out;
	pid = sqlite3_last_insert_rowid(sq_of(st)->db);
	for (i = 0; i < p->n_lines; i++)
		for (m = p->first; m <= p->last; m++) {
			if ((rc = sq_prepare(st, B_PREPAY_ITEM_INSERT, &s)) != STORE_OK)
				goto out;
			sq_bind_int(st, s, 1, pid);
			sq_bind_int(st, s, 2, p->lines[i].line_id);
			sq_bind_int(st, s, 3, m);
			sq_bind_int(st, s, 4, p->lines[i].month_amounts[m - p->first]);
			rc = sq_run_done(st, s);
			s = NULL;
			if (rc != STORE_OK)
				goto out;
		}
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	if (id)
		*id = pid;
	return rc;
}

/* The VAT totals of a prepayment from its lines. */
static int prepay_totals(struct bill_prepay *p)
{
	int vat[BILL_LINES_MAX];
	int64_t net[BILL_LINES_MAX];
	size_t i, n = p->n_lines < BILL_LINES_MAX ? p->n_lines : BILL_LINES_MAX;

	for (i = 0; i < n; i++) {
		vat[i] = p->lines[i].vat;
		net[i] = p->lines[i].amount;
	}
	return bill_vat_totals(vat, net, n, p->vat, &p->net, &p->tax, &p->gross);
}

int sq_prepay_list(struct store *st, int32_t month, struct bill_prepay_list *out)
{
	struct bill_prepay_list l = { NULL, 0, NULL, NULL };
	struct bill_prepay *p = NULL;
	struct bill_prepay_line *line = NULL;
	sqlite3_stmt *s = NULL;
	size_t cap = 0, i;
	int64_t pid = 0;
	int32_t m;
	int rc;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = sq_prepare(st, B_PREPAY_LIST, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, month);
	while ((rc = sq_step(st, s)) == 1) {
		int64_t line_id = sqlite3_column_int64(s, 9);

		if (!p || sqlite3_column_int64(s, 0) != pid) {
			if (l.n == cap) {
				cap = cap ? 2 * cap : 8;
				l.items = xrealloc(l.items, cap * sizeof(*l.items));
				l.ids = xrealloc(l.ids, cap * sizeof(*l.ids));
				l.issued_at = xrealloc(l.issued_at, cap * sizeof(*l.issued_at));
			}
			p = &l.items[l.n];
			memset(p, 0, sizeof(*p));
			pid = l.ids[l.n] = sqlite3_column_int64(s, 0);
			l.issued_at[l.n] = sqlite3_column_int64(s, 8);
			l.n++;
			p->contract_id = sqlite3_column_int64(s, 1);
			sq_col_text(s, 2, p->contract_number, sizeof(p->contract_number));
			p->client_id = sqlite3_column_int64(s, 3);
			sq_col_text(s, 4, p->client_name, sizeof(p->client_name));
			sq_col_text(s, 5, p->client_oib, sizeof(p->client_oib));
			p->first = sqlite3_column_int(s, 6);
			p->last = sqlite3_column_int(s, 7);
			line = NULL;
			if (p->last < p->first || p->last > p->first + 11) {
				rc = store_fail(st, STORE_ERROR, "prepayment %" PRId64
						" has a period this evid does not understand", pid);
				goto out;
			}
		}
		if (!line_id)
			continue;
		if (!line || line->line_id != line_id) {
			p->lines = xrealloc(p->lines, (p->n_lines + 1) * sizeof(*p->lines));
			line = &p->lines[p->n_lines++];
			memset(line, 0, sizeof(*line));
			line->line_id = line_id;
			sq_col_text(s, 10, line->code, sizeof(line->code));
			sq_col_text(s, 11, line->description, sizeof(line->description));
			line->quantity = sqlite3_column_int64(s, 12);
			line->monthly_price = sqlite3_column_int64(s, 13);
			line->vat = sqlite3_column_int(s, 14);
			line->month_amounts = xcalloc((size_t)(p->last - p->first + 1),
						      sizeof(*line->month_amounts));
		}
		m = sqlite3_column_int(s, 15);
		if (m >= p->first && m <= p->last) {
			line->month_amounts[m - p->first] = sqlite3_column_int64(s, 16);
			line->amount += sqlite3_column_int64(s, 16);
		}
	}
	if (rc < 0)
		goto out;
	sq_done(s);
	s = NULL;
	for (i = 0; i < l.n; i++)
		if (prepay_totals(&l.items[i]) < 0) {
			rc = store_fail(st, STORE_ERROR, "prepayment %" PRId64 " does not add up",
					l.ids[i]);
			goto out;
		}
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		bill_prepay_list_free(&l);
		return rc;
	}
	*out = l;
	return rc;
}

/* ---- adjustments ---- */

/* An adjustment and its client. */
struct adjustment_row {
	struct bill_adjustment a;
	int64_t client_id;
	uint32_t slot, seq; /* the reader's */
};

static int read_adjustment(struct store *st, sqlite3_stmt *s, void *item)
{
	struct adjustment_row *v = item;

	(void)st;
	memset(v, 0, sizeof(*v));
	v->a.id = sqlite3_column_int64(s, 0);
	v->a.month = sqlite3_column_int(s, 1);
	v->a.corrects_month = sqlite3_column_int(s, 2);
	sq_col_text(s, 3, v->a.description, sizeof(v->a.description));
	v->a.amount = sqlite3_column_int64(s, 4);
	v->a.vat = sqlite3_column_int(s, 5);
	v->a.ticket_id = sqlite3_column_int64(s, 6);
	sq_col_text(s, 7, v->a.ticket_number, sizeof(v->a.ticket_number));
	v->client_id = sqlite3_column_int64(s, 8);
	return STORE_OK;
}

static int month_is_closed(struct store *st, int32_t month, int *closed)
{
	return exists(st, B_MONTH_CLOSED, month, 0, closed);
}

int sq_adjustment_add(struct store *st, int64_t client_id, struct bill_adjustment *a,
		      int64_t actor_user_id, int64_t now)
{
	struct bill_adjustment v = *a;
	char m[8], number[TICKET_NUMBER_LEN + 1] = "";
	enum billing_kind billing;
	int64_t ticket_client = 0;
	sqlite3_stmt *s = NULL;
	int rc, closed = 0;

	if ((rc = text_check(st, "description", v.description, BILL_TEXT_MAX_LEN)) != STORE_OK)
		return rc;
	if ((rc = vat_check(st, "vat", v.vat)) != STORE_OK)
		return rc;
	if (v.amount < -BILL_PRICE_MAX || v.amount > BILL_PRICE_MAX)
		return store_fail(st, STORE_INVALID,
				  "amount: not -100,000,000.00 to 100,000,000.00");
	if ((rc = month_check(st, "corrects_month", v.corrects_month)) != STORE_OK)
		return rc;
	if (v.month && (rc = month_check(st, "month", v.month)) != STORE_OK)
		return rc;
	if (v.month && v.month <= v.corrects_month)
		return store_fail(st, STORE_INVALID, "month: must come after corrects_month");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = client_exists(st, client_id)) != STORE_OK)
		goto out;
	if ((rc = month_is_closed(st, v.corrects_month, &closed)) != STORE_OK)
		goto out;
	if (!closed) {
		rc = store_fail(st, STORE_INVALID,
				"corrects_month: %s is not closed; change the month itself",
				month_text(v.corrects_month, m));
		goto out;
	}
	if (!v.month) {
		/* the first open month after the corrected one (months close in order) */
		v.month = v.corrects_month;
		do {
			if (++v.month > MONTH_MAX) {
				rc = month_check(st, "month", v.month);
				goto out;
			}
			if ((rc = month_is_closed(st, v.month, &closed)) != STORE_OK)
				goto out;
		} while (closed);
	} else {
		if ((rc = month_is_closed(st, v.month, &closed)) != STORE_OK)
			goto out;
		if (closed) {
			rc = store_fail(st, STORE_INVALID,
					"month: %s is closed; charge the correction in an open "
					"month",
					month_text(v.month, m));
			goto out;
		}
	}
	if (v.ticket_id) {
		rc = ticket_info(st, v.ticket_id, number, &billing, &ticket_client);
		if ((rc = sq_ref_invalid(st, rc, "ticket_id", "ticket")) != STORE_OK)
			goto out;
		if (ticket_client != client_id) {
			rc = store_fail(st, STORE_INVALID,
					"ticket_id: ticket %s is not the client's", number);
			goto out;
		}
	}
	if ((rc = sq_prepare(st, B_ADJUSTMENT_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, client_id);
	sq_bind_int(st, s, 2, v.month);
	sq_bind_int(st, s, 3, v.corrects_month);
	sq_bind_text(st, s, 4, v.description);
	sq_bind_int(st, s, 5, v.amount);
	sq_bind_int(st, s, 6, v.vat);
	sq_bind_id(st, s, 7, v.ticket_id);
	sq_bind_id(st, s, 8, actor_user_id);
	sq_bind_int(st, s, 9, now);
	rc = sq_run_done(st, s);
	if ((rc = sq_closed_month_explain(st, rc, SQ_CLOSED_MONTH_OF, v.month, v.month)) !=
	    STORE_OK)
		goto out;
	v.id = sqlite3_last_insert_rowid(sq_of(st)->db);
	(void)xstrlcpy(v.ticket_number, number, sizeof(v.ticket_number));
	rc = sq_tx_commit(st);
out:
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		return rc;
	}
	*a = v;
	return rc;
}

int sq_adjustment_list(struct store *st, int32_t month, struct bill_adjustment_list *out)
{
	static const struct sq_list_query q = {
		.rows = B_ADJUSTMENT_LIST, .bind = sq_bind_key_int, .read = read_adjustment,
		.size = sizeof(struct adjustment_row),
	};
	struct bill_adjustment_list l = { NULL, 0, NULL };
	struct adjustment_row *rows;
	int64_t key = month;
	struct sq_rows r;
	size_t i;
	int rc;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	rc = sq_list_read(st, &q, &key, 0, 0, &r, NULL);
	rows = r.items;
	if (rc == STORE_OK && r.n) {
		l.items = xcalloc(r.n, sizeof(*l.items));
		l.client_ids = xcalloc(r.n, sizeof(*l.client_ids));
		for (i = 0; i < r.n; i++) {
			l.items[i] = rows[i].a;
			l.client_ids[i] = rows[i].client_id;
		}
		l.n = r.n;
	}
	free(rows);
	if (rc == STORE_OK)
		*out = l;
	return rc;
}

/* ---- closed months ---- */

int sq_month_closed(struct store *st, int32_t month, int *closed)
{
	int rc, c = 0;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if ((rc = month_is_closed(st, month, &c)) == STORE_OK)
		*closed = c;
	return rc;
}

int sq_month_close(struct store *st, int32_t month, const char *summary_json,
		   int64_t actor_user_id, int64_t now)
{
	int32_t from_day, to_day;
	char m[8], prev[8];
	sqlite3_stmt *s = NULL;
	int rc, closed = 0;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if (!summary_json)
		return store_fail(st, STORE_INVALID, "summary_json: required");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = month_is_closed(st, month, &closed)) != STORE_OK)
		goto out;
	if (closed) {
		rc = store_fail(st, STORE_CONFLICT, "month %s is already closed",
				month_text(month, m));
		goto out;
	}
	if ((rc = sq_prepare(st, B_MONTH_LAST, &s)) != STORE_OK)
		goto out;
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 1 && sqlite3_column_int64(s, 0) > 0) {
		if ((rc = month_is_closed(st, month - 1, &closed)) != STORE_OK)
			goto out;
		if (!closed) {
			rc = store_fail(st, STORE_CONFLICT,
					"month %s is still open; months close in order",
					month_text(month - 1, prev));
			goto out;
		}
	}
	sq_done(s);
	s = NULL;
	from_day = cal_month_first_day(month);
	to_day = cal_month_last_day(month);
	/* work done later in the month could not be recorded any more */
	if (now < clock_day_start(to_day + 1)) {
		char end[11];

		rc = store_fail(st, STORE_CONFLICT,
				"month %s has not ended yet: it can be closed from %s on",
				month_text(month, m), cal_date_format(to_day + 1, end));
		goto out;
	}
	/* its entry could never be written: the stopwatch could not be stopped */
	if ((rc = sq_prepare(st, B_MONTH_TIMER, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, clock_day_start(from_day));
	sq_bind_int(st, s, 2, clock_day_start(to_day + 1));
	if ((rc = sq_step(st, s)) < 0)
		goto out;
	if (rc == 1) {
		rc = store_fail(st, STORE_CONFLICT,
				"the stopwatch of %s on %s started in %s and still runs; stop it "
				"before the month closes",
				(const char *)sqlite3_column_text(s, 0),
				(const char *)sqlite3_column_text(s, 1), month_text(month, m));
		goto out;
	}
	sq_done(s);
	s = NULL;
	if ((rc = sq_prepare(st, B_MONTH_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, month);
	sq_bind_int(st, s, 2, clock_day_start(from_day));
	sq_bind_int(st, s, 3, clock_day_start(to_day + 1));
	sq_bind_int(st, s, 4, from_day);
	sq_bind_int(st, s, 5, to_day);
	sq_bind_int(st, s, 6, now);
	sq_bind_id(st, s, 7, actor_user_id);
	sq_bind_text(st, s, 8, summary_json);
	rc = sq_run_done(st, s);
	s = NULL;
	if (rc != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

int sq_month_close_spec(struct store *st, int32_t month, int64_t client_id, const char *json)
{
	sqlite3_stmt *s = NULL;
	char m[8];
	int rc, closed = 0;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if (!json)
		return store_fail(st, STORE_INVALID, "json: required");
	if (!sq_of(st)->batch)
		return store_fail(st, STORE_ERROR,
				  "a month's specification is stored only in the batch that closes it");
	if ((rc = sq_tx_begin(st)) != STORE_OK)
		return rc;
	if ((rc = month_is_closed(st, month, &closed)) != STORE_OK)
		goto out;
	if (closed) {
		rc = store_fail(st, STORE_CONFLICT, "month %s is already closed",
				month_text(month, m));
		goto out;
	}
	rc = client_exists(st, client_id);
	if (rc == STORE_NOT_FOUND)
		rc = store_fail(st, STORE_INVALID, "client_id: client %" PRId64 " not found",
				client_id);
	if (rc != STORE_OK)
		goto out;
	if ((rc = sq_prepare(st, B_SPEC_INSERT, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, month);
	sq_bind_int(st, s, 2, client_id);
	sq_bind_text(st, s, 3, json);
	rc = sq_run_done(st, s);
	s = NULL;
	if (rc == STORE_CONFLICT)
		rc = store_fail(st, STORE_CONFLICT, "client %" PRId64 " has a specification of %s already",
				client_id, month_text(month, m));
	if (rc != STORE_OK)
		goto out;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
	return rc;
}

int sq_month_specs(struct store *st, int32_t month, int64_t client_id,
		   struct bill_stored_spec **out, size_t *n, char **summary_json)
{
	struct bill_stored_spec *specs = NULL;
	sqlite3_stmt *s = NULL;
	char *summary = NULL, m[8];
	size_t count = 0, cap = 0, i;
	int rc, closed = 0;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		return rc;
	if ((rc = month_is_closed(st, month, &closed)) != STORE_OK)
		goto out;
	if (!closed) {
		rc = store_fail(st, STORE_NOT_FOUND, "month %s is not closed",
				month_text(month, m));
		goto out;
	}
	if (summary_json) {
		if ((rc = sq_prepare(st, B_MONTH_SUMMARY, &s)) != STORE_OK)
			goto out;
		sq_bind_int(st, s, 1, month);
		if ((rc = sq_step(st, s)) < 0)
			goto out;
		summary = xstrdup(rc == 1 && sqlite3_column_text(s, 0)
					  ? (const char *)sqlite3_column_text(s, 0)
					  : "");
		sq_done(s);
		s = NULL;
	}
	if ((rc = sq_prepare(st, client_id ? B_SPECS_CLIENT : B_SPECS_ALL, &s)) != STORE_OK)
		goto out;
	sq_bind_int(st, s, 1, month);
	if (client_id)
		sq_bind_int(st, s, 2, client_id);
	while ((rc = sq_step(st, s)) == 1) {
		const unsigned char *json = sqlite3_column_text(s, 1);

		specs = sq_list_grow(specs, count, &cap, sizeof(*specs));
		specs[count].client_id = sqlite3_column_int64(s, 0);
		specs[count].json = xstrdup(json ? (const char *)json : "");
		count++;
	}
	if (rc < 0)
		goto out;
	if (client_id && count == 0) {
		rc = store_fail(st, STORE_NOT_FOUND,
				"client %" PRId64 " has no stored specification of %s", client_id,
				month_text(month, m));
		goto out;
	}
	sq_done(s);
	s = NULL;
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK) {
		sq_tx_rollback(st);
		for (i = 0; i < count; i++)
			free((char *)specs[i].json);
		free(specs);
		free(summary);
		return rc;
	}
	*out = specs;
	*n = count;
	if (summary_json)
		*summary_json = summary;
	return rc;
}

int sq_month_closed_list(struct store *st, int32_t *months, size_t max, size_t *n)
{
	sqlite3_stmt *s = NULL;
	size_t count = 0;
	int rc;

	if ((rc = sq_prepare(st, B_MONTHS_CLOSED, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, max > INT32_MAX ? INT32_MAX : (int64_t)max);
	while ((rc = sq_step(st, s)) == 1 && count < max)
		months[count++] = sqlite3_column_int(s, 0);
	sq_done(s);
	if (rc < 0)
		return rc;
	*n = count;
	return STORE_OK;
}

/* ---- the month's reader ---- */

#define NONE UINT32_MAX      /* idmap: no such key */
#define PENDING (NONE - 1)   /* a client of the month whose place is not known yet */
#define BILLABLE_BIT 0x80000000u

/* Ids to small numbers: open addressing, linear probing, INT64_MIN marks a free slot. */
struct idmap {
	int64_t *keys;
	uint32_t *vals;
	size_t cap, n; /* cap a power of two, at most half full */
};

static size_t idmap_slot(const struct idmap *m, int64_t k)
{
	uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 29)) & (m->cap - 1);
}

static void idmap_put(struct idmap *m, int64_t k, uint32_t v);

static void idmap_grow(struct idmap *m)
{
	struct idmap old = *m;
	size_t i;

	m->cap = old.cap ? 2 * old.cap : 64;
	m->n = 0;
	m->keys = xmalloc(m->cap * sizeof(*m->keys));
	m->vals = xmalloc(m->cap * sizeof(*m->vals));
	for (i = 0; i < m->cap; i++)
		m->keys[i] = INT64_MIN;
	for (i = 0; i < old.cap; i++)
		if (old.keys[i] != INT64_MIN)
			idmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* Set k to v (added, or changed when k is there). */
static void idmap_put(struct idmap *m, int64_t k, uint32_t v)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap)
		idmap_grow(m);
	for (i = idmap_slot(m, k); m->keys[i] != INT64_MIN; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k) {
			m->vals[i] = v;
			return;
		}
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
}

static uint32_t idmap_get(const struct idmap *m, int64_t k)
{
	size_t i;

	if (!m->cap)
		return NONE;
	for (i = idmap_slot(m, k); m->keys[i] != INT64_MIN; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return NONE;
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/*
 * The reader's memory: its big arrays and its strings, all freed at once
 * when it ends.  A big month touches some 60 MB here, and a page touched
 * for the first time costs a fault (~10 us on a virtual machine, more than
 * reading the row that fills it), so every block is aligned to a huge page
 * and advised to be backed by them: a few dozen faults instead of fifteen
 * thousand.  Where the kernel gives no huge pages the advice is ignored.
 * Strings are copied one after another into blocks of ARENA_BLOCK and never
 * move, so records hold plain pointers to them.
 */
#define ARENA_BLOCK ((size_t)2 << 20) /* a huge page of x86-64 and arm64 */

struct arena {
	void **blocks;
	size_t n, cap;
	char *at; /* the free part of the current string block */
	size_t left;
};

/* Keep p to be freed with the arena. */
static void *arena_keep(struct arena *a, void *p)
{
	a->blocks = sq_list_grow(a->blocks, a->n, &a->cap, sizeof(*a->blocks));
	a->blocks[a->n++] = p;
	return p;
}

/*
 * size bytes (not zeroed) for free(), aligned to ARENA_BLOCK and in huge
 * pages where the kernel has them.
 */
static void *big_alloc(size_t size)
{
	void *p = NULL;

	if (size == 0)
		size = 1;
	if (posix_memalign(&p, ARENA_BLOCK, size) != 0)
		return xmalloc(size); /* aborts when there is no memory at all */
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE); /* advice only: failing changes nothing */
#endif
	return p;
}

/* big_alloc's, freed with the arena. */
static void *arena_big(struct arena *a, size_t size)
{
	return arena_keep(a, big_alloc(size));
}

/* A copy of the n bytes at s (NULL: ""), NUL-terminated. */
static const char *arena_text(struct arena *a, const unsigned char *s, int n)
{
	size_t len = s && n > 0 ? (size_t)n : 0;
	char *p;

	if (len + 1 > a->left) {
		if (len + 1 > ARENA_BLOCK / 16) {
			p = arena_keep(a, xmalloc(len + 1));
			memcpy(p, s, len);
			p[len] = '\0';
			return p;
		}
		a->at = arena_big(a, ARENA_BLOCK);
		a->left = ARENA_BLOCK;
	}
	p = a->at;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	a->at += len + 1;
	a->left -= len + 1;
	return p;
}

/* Column i of the row as text kept in the arena. */
static const char *arena_col(struct arena *a, sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);

	return arena_text(a, v, v ? sqlite3_column_bytes(s, i) : 0);
}

static void arena_free(struct arena *a)
{
	while (a->n)
		free(a->blocks[--a->n]);
	free(a->blocks);
	memset(a, 0, sizeof(*a));
}

/*
 * A time entry as begin keeps it: 32 bytes of the million, written once in
 * the order of the scan.
 */
struct rd_entry {
	int64_t id;
	union {
		int64_t id;     /* as read */
		uint32_t index; /* into tickets, once rd_tickets knows them */
	} ticket;
	int32_t start;          /* seconds after the month's start */
	int32_t seconds;        /* at most INT32_MAX (the rules refuse far less) */
	uint32_t rate;          /* index into rates + 1, 0: none (the default) */
	uint32_t user;          /* index into users, | BILLABLE_BIT */
};

/* Entries are kept in chunks of this many (one huge page), so that a million never move. */
#define ENTRY_CHUNK_BITS 16
#define ENTRY_CHUNK (1u << ENTRY_CHUNK_BITS)
_Static_assert(ENTRY_CHUNK * sizeof(struct rd_entry) == ARENA_BLOCK, "a chunk is a huge page");

/* A ticket of the month's entries or extras; the reader's tickets are in id order. */
struct rd_ticket {
	int64_t id, client_id;
	const char *subject;
	uint32_t slot; /* its client's place in the order, NONE: no client of the month */
	char number[TICKET_NUMBER_LEN + 1];
	unsigned char billing;
	unsigned char found; /* its row was read */
};

struct rd_user {
	int64_t id;
	const char *name;
};

struct rd_client {
	int64_t id;
	const char *name, *oib, *address;
};

/* An extra item of the month as read, its ticket's details left to its ticket. */
struct rd_extra {
	int64_t id, ticket_id;
	int64_t quantity, unit_price;
	const char *description;
	int32_t day;
	int vat;
	uint32_t ticket;    /* index into tickets */
	uint32_t slot, seq; /* its client's place; its place in the month's order */
};

/* A prepaid item and its client. */
struct prepaid_row {
	struct bill_prepaid p;
	int64_t client_id;
	uint32_t slot, seq;
};

struct reader {
	int32_t month, first_day;
	int ndays;
	int64_t day_start[32];    /* clock_day_start(first_day + k), k = 0..ndays */
	struct arena mem;
	struct bill_rate *rates;
	size_t n_rates;
	struct idmap rate_ix;     /* rate id -> index into rates */
	struct idmap user_ix;     /* user id -> index into users */
	struct rd_user *users;
	size_t n_users, users_cap;
	struct rd_entry **chunks;
	size_t n_entries, n_chunks;
	int64_t ticket_min, ticket_max; /* of the entries' and extras' tickets */
	struct rd_ticket *tickets;	/* by id */
	size_t n_tickets;
	struct idmap client_ix;   /* client id -> slot (PENDING until placed) */
	struct rd_client *clients; /* in the order they are read out: by name */
	size_t n_clients;
	uint32_t *entry_order;    /* entries by slot: entry_start[k]..entry_start[k + 1] */
	uint32_t *entry_start;
	struct rd_extra *xrows; /* the month's extras: by day and id, then by slot */
	size_t n_xrows, xrows_cap;
	/* the smaller kinds: rows as read, then the records by slot and a cursor each */
	struct sq_rows adj_rows, prepaid_rows, override_rows;
	struct bill_adjustment *adjs;
	struct bill_prepaid *prepaid;
	struct bill_rate_override *overrides;
	uint32_t *adj_slot, *prepaid_slot, *override_slot;
	size_t extra_at, adj_at, prepaid_at, override_at;
	int work_without_rate;
	int own_snapshot; /* began its own read snapshot (not inside a batch) */
	/* the client being handed out */
	size_t next;
	struct bill_work *work;
	size_t work_cap;
	struct bill_extra *extras;
	size_t extras_cap;
	struct sq_rows contracts;
};

/* A reader of month (a valid one) with its days' starts, nothing read yet. */
static struct reader *reader_new(int32_t month)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	int k;

	r->month = month;
	r->first_day = cal_month_first_day(month);
	r->ndays = cal_month_days(month);
	for (k = 0; k <= r->ndays; k++)
		r->day_start[k] = clock_day_start(r->first_day + k);
	r->ticket_min = INT64_MAX;
	r->ticket_max = INT64_MIN;
	return r;
}

static void reader_free(struct reader *r)
{
	if (!r)
		return;
	arena_free(&r->mem);
	free(r->rates);
	idmap_free(&r->rate_ix);
	idmap_free(&r->user_ix);
	free(r->users);
	free(r->chunks);
	idmap_free(&r->client_ix);
	free(r->clients);
	free(r->entry_start);
	free(r->xrows);
	free(r->adj_rows.items);
	free(r->prepaid_rows.items);
	free(r->override_rows.items);
	free(r->adjs);
	free(r->prepaid);
	free(r->overrides);
	free(r->adj_slot);
	free(r->prepaid_slot);
	free(r->override_slot);
	free(r->work);
	free(r->extras);
	contracts_clear(&r->contracts);
	free(r->contracts.items);
	free(r);
}

/* Every rate, by id (ctx->rates), and every user's name. */
static int rd_rates_users(struct store *st, struct reader *r)
{
	struct sq_rows rows = { NULL, 0, 0 };
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	if ((rc = sq_prepare(st, B_RATES_ALL, &s)) != STORE_OK)
		goto out;
	rc = sq_rows_collect(st, s, read_rate, sizeof(struct bill_rate), &rows);
	r->rates = rows.items;
	r->n_rates = rows.n;
	if (rc != STORE_OK)
		goto out;
	for (i = 0; i < r->n_rates; i++)
		idmap_put(&r->rate_ix, r->rates[i].id, (uint32_t)i);
	if ((rc = sq_prepare(st, B_USERS, &s)) != STORE_OK)
		goto out;
	while ((rc = sq_step(st, s)) == 1) {
		struct rd_user *u;

		r->users = sq_list_grow(r->users, r->n_users, &r->users_cap, sizeof(*r->users));
		u = &r->users[r->n_users];
		u->id = sqlite3_column_int64(s, 0);
		u->name = arena_col(&r->mem, s, 1);
		idmap_put(&r->user_ix, u->id, (uint32_t)r->n_users);
		r->n_users++;
	}
out:
	sq_done(s);
	return rc;
}

static struct rd_entry *rd_entry_at(const struct reader *r, size_t i)
{
	return &r->chunks[i >> ENTRY_CHUNK_BITS][i & (ENTRY_CHUNK - 1)];
}

/* Widen the range of ticket ids seen to hold id. */
static void rd_ticket_seen(struct reader *r, int64_t id)
{
	if (id < r->ticket_min)
		r->ticket_min = id;
	if (id > r->ticket_max)
		r->ticket_max = id;
}

/*
 * The month's entries (client_id 0: everyone's), in the order of the index
 * time_entries_started: nothing but the scan and the columns per row.
 */
static int rd_entries(struct store *st, struct reader *r, int64_t client_id)
{
	size_t chunks_cap = 0;
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sq_prepare(st, client_id ? B_ENTRIES_CLIENT : B_ENTRIES_MONTH, &s);
	if (rc != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, r->day_start[0]);
	sq_bind_int(st, s, 2, r->day_start[r->ndays]);
	if (client_id)
		sq_bind_int(st, s, 3, client_id);
	while ((rc = sq_step(st, s)) == 1) {
		int64_t rate, seconds;
		struct rd_entry *e;
		uint32_t u;

		if ((r->n_entries & (ENTRY_CHUNK - 1)) == 0) {
			if (r->n_entries >= (size_t)PENDING - ENTRY_CHUNK) {
				rc = store_fail(st, STORE_ERROR,
						"too many time entries in one month");
				break;
			}
			r->chunks = sq_list_grow(r->chunks, r->n_chunks, &chunks_cap,
						 sizeof(*r->chunks));
			r->chunks[r->n_chunks++] = arena_big(&r->mem, ARENA_BLOCK);
		}
		e = rd_entry_at(r, r->n_entries++);
		e->ticket.id = sqlite3_column_int64(s, 0);
		e->id = sqlite3_column_int64(s, 1);
		u = idmap_get(&r->user_ix, sqlite3_column_int64(s, 2));
		e->user = (u == NONE ? (uint32_t)r->n_users : u) |
			  (sqlite3_column_int(s, 6) ? BILLABLE_BIT : 0);
		rate = sqlite3_column_int64(s, 3);
		e->rate = rate ? idmap_get(&r->rate_ix, rate) + 1 : 0;
		if (rate && e->rate == 0) {
			/* a foreign key makes this impossible */
			rc = store_fail(st, STORE_ERROR,
					"time entry %" PRId64 " has no rate %" PRId64, e->id, rate);
			break;
		}
		e->start = (int32_t)(sqlite3_column_int64(s, 4) - r->day_start[0]);
		seconds = sqlite3_column_int64(s, 5);
		e->seconds = seconds > INT32_MAX ? INT32_MAX : (int32_t)seconds;
		rd_ticket_seen(r, e->ticket.id);
	}
	sq_done(s);
	return rc;
}

/*
 * The month's extra items (client_id 0: everyone's), by day then id, with
 * their tickets' ids: what the tickets are is read with the entries'.
 */
static int rd_extras(struct store *st, struct reader *r, int64_t client_id)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, B_EXTRAS_DAYS, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, r->first_day);
	sq_bind_int(st, s, 2, r->first_day + r->ndays - 1);
	sq_bind_int(st, s, 3, client_id);
	while ((rc = sq_step(st, s)) == 1) {
		struct rd_extra *x;

		if (r->n_xrows >= (size_t)PENDING) {
			rc = store_fail(st, STORE_ERROR, "too many extra items in one month");
			break;
		}
		r->xrows = sq_list_grow(r->xrows, r->n_xrows, &r->xrows_cap, sizeof(*r->xrows));
		x = &r->xrows[r->n_xrows];
		memset(x, 0, sizeof(*x));
		x->id = sqlite3_column_int64(s, 0);
		x->ticket_id = sqlite3_column_int64(s, 1);
		x->description = arena_col(&r->mem, s, 2);
		x->quantity = sqlite3_column_int64(s, 3);
		x->unit_price = sqlite3_column_int64(s, 4);
		x->vat = sqlite3_column_int(s, 5);
		x->day = sqlite3_column_int(s, 6);
		x->seq = (uint32_t)r->n_xrows++;
		rd_ticket_seen(r, x->ticket_id);
	}
	sq_done(s);
	return rc;
}

/* Ticket ids to the reader's ticket indexes: a table over their range, or a map. */
struct ticket_index {
	int64_t base;
	uint32_t *dense;     /* index of ticket base + k, or NONE; NULL: map */
	struct idmap map;
};

static uint32_t tix_get(const struct ticket_index *x, int64_t id)
{
	return x->dense ? x->dense[id - x->base] : idmap_get(&x->map, id);
}

static void tix_put(struct ticket_index *x, int64_t id, uint32_t v)
{
	if (x->dense)
		x->dense[id - x->base] = v;
	else
		idmap_put(&x->map, id, v);
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Number the tickets of the entries and extras by id (r->tickets, their
 * details still unread) and give each entry and extra its ticket's index.
 * The ids go through a table over their range when it is dense enough (the
 * usual case: a month's tickets are mostly recent ones), else a hash map.
 */
static void rd_ticket_numbering(struct reader *r, struct ticket_index *x)
{
	int64_t span = r->ticket_max - r->ticket_min; /* both come from the rows: no overflow */
	int64_t *ids = NULL;
	size_t i, n = 0;

	if (span >= 0 && (uint64_t)span < 4 * (uint64_t)(r->n_entries + r->n_xrows) + 4096) {
		x->base = r->ticket_min;
		x->dense = big_alloc(((size_t)span + 1) * sizeof(*x->dense));
		memset(x->dense, 0xff, ((size_t)span + 1) * sizeof(*x->dense));
	}
	/* mark (PENDING), then number in id order */
	for (i = 0; i < r->n_entries; i++)
		tix_put(x, rd_entry_at(r, i)->ticket.id, PENDING);
	for (i = 0; i < r->n_xrows; i++)
		tix_put(x, r->xrows[i].ticket_id, PENDING);
	if (x->dense) {
		for (i = 0; i <= (size_t)span; i++)
			if (x->dense[i] != NONE)
				n++;
		r->tickets = arena_big(&r->mem, n * sizeof(*r->tickets));
		for (i = 0, n = 0; i <= (size_t)span; i++)
			if (x->dense[i] != NONE) {
				x->dense[i] = (uint32_t)n;
				r->tickets[n++].id = x->base + (int64_t)i;
			}
	} else {
		n = x->map.n;
		ids = xmalloc((n + 1) * sizeof(*ids));
		for (i = 0, n = 0; i < x->map.cap; i++)
			if (x->map.keys[i] != INT64_MIN)
				ids[n++] = x->map.keys[i];
		qsort(ids, n, sizeof(*ids), cmp_int64);
		r->tickets = arena_big(&r->mem, n * sizeof(*r->tickets));
		for (i = 0; i < n; i++) {
			idmap_put(&x->map, ids[i], (uint32_t)i);
			r->tickets[i].id = ids[i];
		}
		free(ids);
	}
	r->n_tickets = n;
	for (i = 0; i < n; i++) {
		struct rd_ticket *t = &r->tickets[i];

		t->client_id = 0;
		t->subject = "";
		t->slot = NONE;
		t->number[0] = '\0';
		t->billing = (unsigned char)BILLING_BILLABLE;
		t->found = 0;
	}
	for (i = 0; i < r->n_entries; i++) {
		struct rd_entry *e = rd_entry_at(r, i);

		e->ticket.index = tix_get(x, e->ticket.id);
	}
	for (i = 0; i < r->n_xrows; i++)
		r->xrows[i].ticket = tix_get(x, r->xrows[i].ticket_id);
}

/*
 * What the tickets of the entries and extras are (client, number, subject,
 * billing), read in id order, one query per run of ids at most
 * TICKET_RUN_GAP apart, so that they are read straight through rather than
 * looked up one by one.
 */
static int rd_tickets(struct store *st, struct reader *r)
{
	struct ticket_index x;
	sqlite3_stmt *s = NULL;
	size_t i, j;
	int rc = STORE_OK;

	memset(&x, 0, sizeof(x));
	if (!r->n_entries && !r->n_xrows)
		return STORE_OK;
	rd_ticket_numbering(r, &x);
	for (i = 0; i < r->n_tickets; i = j) {
		int64_t lo = r->tickets[i].id, hi;

		for (j = i + 1;
		     j < r->n_tickets && r->tickets[j].id - r->tickets[j - 1].id <= TICKET_RUN_GAP;
		     j++)
			;
		hi = r->tickets[j - 1].id;
		if ((rc = sq_prepare(st, B_TICKETS_RANGE, &s)) != STORE_OK)
			break;
		sq_bind_int(st, s, 1, lo);
		sq_bind_int(st, s, 2, hi);
		while ((rc = sq_step(st, s)) == 1) {
			int64_t id = sqlite3_column_int64(s, 0);
			enum billing_kind b = BILLING_BILLABLE;
			struct rd_ticket *k;
			uint32_t t;

			if (id < lo || id > hi || (t = tix_get(&x, id)) == NONE)
				continue;
			k = &r->tickets[t];
			k->client_id = sqlite3_column_int64(s, 1);
			sq_col_text(s, 2, k->number, sizeof(k->number));
			col_billing(st, s, 4, &b);
			k->billing = (unsigned char)b;
			k->subject = arena_col(&r->mem, s, 3);
			k->found = 1;
		}
		sq_done(s);
		s = NULL;
		if (rc < 0)
			break;
		if ((rc = sq_row_check(st, "ticket")) != STORE_OK)
			break;
	}
	free(x.dense);
	idmap_free(&x.map);
	return rc;
}

/* Rows of statement id bound to (a, b, c) into out, read by read. */
static int rd_rows(struct store *st, int id, int64_t a, int64_t b, int64_t c, int nparams,
		   sq_row_reader read, size_t size, struct sq_rows *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sq_prepare(st, id, &s)) != STORE_OK)
		return rc;
	if (nparams >= 1)
		sq_bind_int(st, s, 1, a);
	if (nparams >= 2)
		sq_bind_int(st, s, 2, b);
	if (nparams >= 3)
		sq_bind_int(st, s, 3, c);
	rc = sq_rows_collect(st, s, read, size, out);
	sq_done(s);
	return rc;
}

static int read_prepaid(struct store *st, sqlite3_stmt *s, void *item)
{
	struct prepaid_row *v = item;

	(void)st;
	memset(v, 0, sizeof(*v));
	v->p.prepayment_id = sqlite3_column_int64(s, 0);
	v->p.contract_id = sqlite3_column_int64(s, 1);
	v->p.line_id = sqlite3_column_int64(s, 2);
	v->p.month = sqlite3_column_int(s, 3);
	v->p.amount = sqlite3_column_int64(s, 4);
	v->client_id = sqlite3_column_int64(s, 5);
	return STORE_OK;
}

/* Mark client id as one of the month's (0: nobody's, ignored). */
static void rd_involve(struct reader *r, int64_t id)
{
	if (id && idmap_get(&r->client_ix, id) == NONE)
		idmap_put(&r->client_ix, id, PENDING);
}

/*
 * The clients that have anything in the month: the tickets' (of the
 * entries and of the extras), the adjustments', the prepayments' and the
 * contracts' that cover a day of it.
 */
static int rd_involved(struct store *st, struct reader *r, int64_t client_id)
{
	const struct adjustment_row *a = r->adj_rows.items;
	const struct prepaid_row *p = r->prepaid_rows.items;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc;

	for (i = 0; i < r->n_tickets; i++)
		rd_involve(r, r->tickets[i].client_id);
	for (i = 0; i < r->adj_rows.n; i++)
		rd_involve(r, a[i].client_id);
	for (i = 0; i < r->prepaid_rows.n; i++)
		rd_involve(r, p[i].client_id);
	if ((rc = sq_prepare(st, B_CONTRACT_COVERING, &s)) != STORE_OK)
		return rc;
	sq_bind_int(st, s, 1, r->first_day);
	sq_bind_int(st, s, 2, r->first_day + r->ndays - 1);
	sq_bind_int(st, s, 3, client_id);
	while ((rc = sq_step(st, s)) == 1)
		rd_involve(r, sqlite3_column_int64(s, 0));
	sq_done(s);
	return rc;
}

/* The month's clients in name order: each one's slot is its place in it. */
static int rd_clients(struct store *st, struct reader *r, int64_t client_id)
{
	sqlite3_stmt *s = NULL;
	size_t cap = 0;
	int rc;

	if (r->client_ix.n == 0)
		return STORE_OK;
	if ((rc = sq_prepare(st, client_id ? B_CLIENT_ROW : B_CLIENTS_BY_NAME, &s)) != STORE_OK)
		return rc;
	if (client_id)
		sq_bind_int(st, s, 1, client_id);
	while ((rc = sq_step(st, s)) == 1) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct rd_client *c;

		if (idmap_get(&r->client_ix, id) != PENDING)
			continue;
		r->clients = sq_list_grow(r->clients, r->n_clients, &cap, sizeof(*r->clients));
		c = &r->clients[r->n_clients];
		c->id = id;
		c->name = arena_col(&r->mem, s, 1);
		c->oib = arena_col(&r->mem, s, 2);
		c->address = arena_col(&r->mem, s, 3);
		idmap_put(&r->client_ix, id, (uint32_t)r->n_clients);
		r->n_clients++;
	}
	sq_done(s);
	return rc;
}

/* The slot of client id; NONE when it is not one of the month's. */
static uint32_t rd_slot(const struct reader *r, int64_t id)
{
	uint32_t v = id ? idmap_get(&r->client_ix, id) : NONE;

	return v < PENDING ? v : NONE;
}

/* The entries in the order of their clients (a counting sort; entries of no client left out). */
static void rd_group_entries(struct reader *r)
{
	uint32_t *at, *slots;
	size_t i, k;

	/* each ticket's slot, in an array of its own: 4 bytes a ticket, read once per entry */
	slots = xmalloc((r->n_tickets + 1) * sizeof(*slots));
	for (i = 0; i < r->n_tickets; i++) {
		r->tickets[i].slot = rd_slot(r, r->tickets[i].client_id);
		slots[i] = r->tickets[i].slot;
	}
	r->entry_start = xcalloc(r->n_clients + 1, sizeof(*r->entry_start));
	for (i = 0; i < r->n_entries; i++) {
		uint32_t slot = slots[rd_entry_at(r, i)->ticket.index];

		if (slot != NONE)
			r->entry_start[slot + 1]++;
	}
	for (k = 0; k < r->n_clients; k++)
		r->entry_start[k + 1] += r->entry_start[k];
	r->entry_order =
	    arena_big(&r->mem, (r->entry_start[r->n_clients] + 1) * sizeof(*r->entry_order));
	at = xmalloc((r->n_clients + 1) * sizeof(*at));
	memcpy(at, r->entry_start, (r->n_clients + 1) * sizeof(*at));
	for (i = 0; i < r->n_entries; i++) {
		const struct rd_entry *e = rd_entry_at(r, i);
		uint32_t slot = slots[e->ticket.index];

		if (slot == NONE)
			continue;
		r->entry_order[at[slot]++] = (uint32_t)i;
		if (!e->rate)
			r->work_without_rate = 1;
	}
	free(at);
	free(slots);
}

/* Sorting a kind's rows by slot, keeping their order within a client. */
struct slotted {
	uint32_t slot, seq;
};

static int cmp_slotted(const struct slotted *a, const struct slotted *b)
{
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_rd_extra(const void *a, const void *b)
{
	const struct rd_extra *x = a, *y = b;
	struct slotted p = { x->slot, x->seq }, q = { y->slot, y->seq };

	return cmp_slotted(&p, &q);
}

static int cmp_adj_row(const void *a, const void *b)
{
	const struct adjustment_row *x = a, *y = b;
	struct slotted p = { x->slot, x->seq }, q = { y->slot, y->seq };

	return cmp_slotted(&p, &q);
}

static int cmp_prepaid_row(const void *a, const void *b)
{
	const struct prepaid_row *x = a, *y = b;
	struct slotted p = { x->slot, x->seq }, q = { y->slot, y->seq };

	return cmp_slotted(&p, &q);
}

static int cmp_override_row(const void *a, const void *b)
{
	const struct override_row *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (x->o.id > y->o.id) - (x->o.id < y->o.id);
}

/*
 * Each smaller kind sorted by slot (rows of no client of the month left
 * out): the extras in place, the others into their arrays of records with
 * the slots beside them.
 */
static void rd_group_small(struct reader *r)
{
	struct adjustment_row *a = r->adj_rows.items;
	struct prepaid_row *p = r->prepaid_rows.items;
	struct override_row *o = r->override_rows.items;
	size_t i, n;

	for (i = n = 0; i < r->n_xrows; i++) {
		struct rd_extra *x = &r->xrows[i];
		const struct rd_ticket *t = &r->tickets[x->ticket];

		/* an extra whose ticket is gone has no client (the foreign key keeps it) */
		x->slot = t->found ? t->slot : NONE;
		if (x->slot != NONE)
			r->xrows[n++] = *x;
	}
	r->n_xrows = n;
	if (r->n_xrows > 1) /* qsort wants an array, even of none */
		qsort(r->xrows, r->n_xrows, sizeof(*r->xrows), cmp_rd_extra);

	for (i = 0; i < r->adj_rows.n; i++) {
		a[i].slot = rd_slot(r, a[i].client_id);
		a[i].seq = (uint32_t)i;
	}
	if (r->adj_rows.n > 1) /* qsort wants an array, even of none */
		qsort(a, r->adj_rows.n, sizeof(*a), cmp_adj_row);
	r->adjs = xmalloc((r->adj_rows.n + 1) * sizeof(*r->adjs));
	r->adj_slot = xmalloc((r->adj_rows.n + 1) * sizeof(*r->adj_slot));
	for (i = n = 0; i < r->adj_rows.n; i++)
		if (a[i].slot != NONE) {
			r->adjs[n] = a[i].a;
			r->adj_slot[n++] = a[i].slot;
		}
	r->adj_rows.n = n;

	for (i = 0; i < r->prepaid_rows.n; i++) {
		p[i].slot = rd_slot(r, p[i].client_id);
		p[i].seq = (uint32_t)i;
	}
	if (r->prepaid_rows.n > 1) /* qsort wants an array, even of none */
		qsort(p, r->prepaid_rows.n, sizeof(*p), cmp_prepaid_row);
	r->prepaid = xmalloc((r->prepaid_rows.n + 1) * sizeof(*r->prepaid));
	r->prepaid_slot = xmalloc((r->prepaid_rows.n + 1) * sizeof(*r->prepaid_slot));
	for (i = n = 0; i < r->prepaid_rows.n; i++)
		if (p[i].slot != NONE) {
			r->prepaid[n] = p[i].p;
			r->prepaid_slot[n++] = p[i].slot;
		}
	r->prepaid_rows.n = n;

	for (i = 0; i < r->override_rows.n; i++)
		o[i].slot = rd_slot(r, o[i].client_id);
	if (r->override_rows.n > 1) /* qsort wants an array, even of none */
		qsort(o, r->override_rows.n, sizeof(*o), cmp_override_row);
	r->overrides = xmalloc((r->override_rows.n + 1) * sizeof(*r->overrides));
	r->override_slot = xmalloc((r->override_rows.n + 1) * sizeof(*r->override_slot));
	for (i = n = 0; i < r->override_rows.n; i++)
		if (o[i].slot != NONE) {
			r->overrides[n] = o[i].o;
			r->override_slot[n++] = o[i].slot;
		}
	r->override_rows.n = n;
}

/* The local day of instant t, which lies in the month. */
static int32_t rd_day(const struct reader *r, int64_t t)
{
	int64_t k = (t - r->day_start[0]) / 86400;

	if (k < 0)
		k = 0;
	if (k > r->ndays - 1)
		k = r->ndays - 1;
	while (k > 0 && t < r->day_start[k])
		k--;
	while (k + 1 < r->ndays && t >= r->day_start[k + 1])
		k++;
	return r->first_day + (int32_t)k;
}

/* Keep the failure's message across ending the snapshot. */
static void rd_abandon(struct store *st, struct reader *r)
{
	char msg[sizeof(st->errmsg)];

	memcpy(msg, st->errmsg, sizeof(msg));
	if (r->own_snapshot)
		(void)store_read_end(st);
	memcpy(st->errmsg, msg, sizeof(msg));
	reader_free(r);
}

int sq_bill_begin(struct store *st, int32_t month, int64_t client_id,
		  const char *default_rate_code, struct bill_context *ctx, void **out)
{
	struct reader *r;
	int64_t default_rate = 0;
	size_t i;
	int rc;

	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	r = reader_new(month);
	/* Inside a batch (closing a month reads under the write lock) its snapshot is the batch's. */
	r->own_snapshot = !sq_of(st)->batch;
	if (r->own_snapshot && (rc = store_read_begin(st)) != STORE_OK) {
		reader_free(r);
		return rc;
	}
	if (client_id && (rc = client_exists(st, client_id)) != STORE_OK)
		goto fail;
	if ((rc = rd_rates_users(st, r)) != STORE_OK)
		goto fail;
	if ((rc = rd_entries(st, r, client_id)) != STORE_OK)
		goto fail;
	if ((rc = rd_extras(st, r, client_id)) != STORE_OK)
		goto fail;
	if ((rc = rd_tickets(st, r)) != STORE_OK)
		goto fail;
	rc = rd_rows(st, B_ADJUSTMENT_LIST, month, 0, 0, 1, read_adjustment,
		     sizeof(struct adjustment_row), &r->adj_rows);
	if (rc != STORE_OK)
		goto fail;
	rc = rd_rows(st, B_PREPAID_MONTH, month, client_id, 0, 2, read_prepaid,
		     sizeof(struct prepaid_row), &r->prepaid_rows);
	if (rc != STORE_OK)
		goto fail;
	rc = rd_rows(st, B_OVERRIDE_ALL, 0, 0, 0, 0, read_override, sizeof(struct override_row),
		     &r->override_rows);
	if (rc != STORE_OK)
		goto fail;
	if (client_id) {
		/* only the client asked for: the others' rows go unplaced */
		struct adjustment_row *a = r->adj_rows.items;

		for (i = 0; i < r->adj_rows.n; i++)
			if (a[i].client_id != client_id)
				a[i].client_id = 0;
	}
	if ((rc = rd_involved(st, r, client_id)) != STORE_OK)
		goto fail;
	if ((rc = rd_clients(st, r, client_id)) != STORE_OK)
		goto fail;
	rd_group_entries(r);
	rd_group_small(r);
	for (i = 0; default_rate_code && i < r->n_rates; i++)
		if (!strcmp(r->rates[i].code, default_rate_code))
			default_rate = r->rates[i].id;
	if (!default_rate && r->work_without_rate) {
		rc = store_fail(st, STORE_NOT_FOUND,
				"no rate has the code '%.40s', the default rate of work without "
				"one; add it or name another",
				default_rate_code ? default_rate_code : "");
		goto fail;
	}
	ctx->month = month;
	ctx->rates = r->rates;
	ctx->n_rates = r->n_rates;
	ctx->default_rate_id = default_rate;
	*out = r;
	return STORE_OK;
fail:
	rd_abandon(st, r);
	return rc;
}

/* The records of a kind sorted by slot that belong to slot, from cursor *at on. */
static size_t rd_take(const uint32_t *slots, size_t n, size_t *at, uint32_t slot)
{
	size_t from = *at;

	while (*at < n && slots[*at] == slot)
		(*at)++;
	return *at - from;
}

/* The extras of slot, from the cursor on, as the rules take them (with their tickets'). */
static void rd_take_extras(struct reader *r, uint32_t slot, struct bill_client_input *in)
{
	size_t from = r->extra_at, n, k;

	while (r->extra_at < r->n_xrows && r->xrows[r->extra_at].slot == slot)
		r->extra_at++;
	n = r->extra_at - from;
	if (n > r->extras_cap) {
		r->extras_cap = n;
		free(r->extras);
		r->extras = xmalloc(n * sizeof(*r->extras));
	}
	for (k = 0; k < n; k++) {
		const struct rd_extra *x = &r->xrows[from + k];
		const struct rd_ticket *t = &r->tickets[x->ticket];
		struct bill_extra *b = &r->extras[k];

		b->id = x->id;
		b->ticket_id = x->ticket_id;
		memcpy(b->ticket_number, t->number, sizeof(b->ticket_number));
		b->ticket_billing = (enum billing_kind)t->billing;
		if (xstrlcpy(b->description, x->description, sizeof(b->description)) < 0)
			sq_utf8_trim(b->description);
		b->quantity = x->quantity;
		b->unit_price = x->unit_price;
		b->vat = x->vat;
		b->day = x->day;
	}
	in->extras = n ? r->extras : NULL;
	in->n_extras = n;
}

int sq_bill_next(struct store *st, void *reader, struct bill_client_input *in)
{
	struct reader *r = reader;
	const struct rd_client *c;
	sqlite3_stmt *s = NULL;
	uint32_t slot, from, to, j;
	size_t n, at;
	int rc;

	if (r->next >= r->n_clients)
		return 0;
	slot = (uint32_t)r->next;
	c = &r->clients[slot];
	memset(in, 0, sizeof(*in));
	in->client_id = c->id;
	(void)xstrlcpy(in->client_name, c->name, sizeof(in->client_name));
	(void)xstrlcpy(in->client_oib, c->oib, sizeof(in->client_oib));
	(void)xstrlcpy(in->client_address, c->address, sizeof(in->client_address));

	contracts_clear(&r->contracts);
	rc = sq_query_prepare(st, B_CONTRACT_OF_CLIENT, sq_bind_key_int, &c->id, &s);
	if (rc == STORE_OK)
		rc = contracts_collect(st, s, &r->contracts);
	sq_done(s);
	if (rc != STORE_OK)
		return rc;
	in->contracts = r->contracts.items;
	in->n_contracts = r->contracts.n;

	at = r->override_at;
	in->n_overrides = rd_take(r->override_slot, r->override_rows.n, &r->override_at, slot);
	in->overrides = in->n_overrides ? &r->overrides[at] : NULL;
	rd_take_extras(r, slot, in);
	at = r->adj_at;
	in->n_adjustments = rd_take(r->adj_slot, r->adj_rows.n, &r->adj_at, slot);
	in->adjustments = in->n_adjustments ? &r->adjs[at] : NULL;
	at = r->prepaid_at;
	in->n_prepaid = rd_take(r->prepaid_slot, r->prepaid_rows.n, &r->prepaid_at, slot);
	in->prepaid = in->n_prepaid ? &r->prepaid[at] : NULL;

	from = r->entry_start[slot];
	to = r->entry_start[slot + 1];
	n = to - from;
	if (n > r->work_cap) {
		r->work_cap = n;
		free(r->work);
		r->work = xmalloc(n * sizeof(*r->work));
	}
	for (j = from; j < to; j++) {
		const struct rd_entry *e = rd_entry_at(r, r->entry_order[j]);
		const struct rd_ticket *t = &r->tickets[e->ticket.index];
		struct bill_work *w = &r->work[j - from];
		uint32_t u = e->user & ~BILLABLE_BIT;

		/*
		 * A client's entries lie all over the month's: the ones a few
		 * places ahead are fetched now, and their tickets a little later.
		 */
		if (j + 16 < to)
			__builtin_prefetch(rd_entry_at(r, r->entry_order[j + 16]));
		if (j + 8 < to)
			__builtin_prefetch(
				&r->tickets[rd_entry_at(r, r->entry_order[j + 8])->ticket.index]);

		w->entry_id = e->id;
		w->ticket_id = t->id;
		memcpy(w->ticket_number, t->number, sizeof(w->ticket_number));
		w->ticket_subject = t->subject;
		w->ticket_billing = (enum billing_kind)t->billing;
		w->billable = (e->user & BILLABLE_BIT) != 0;
		w->user_id = u < r->n_users ? r->users[u].id : 0;
		w->user_name = u < r->n_users ? r->users[u].name : "";
		w->rate_id = e->rate ? r->rates[e->rate - 1].id : 0;
		w->started_at = r->day_start[0] + e->start;
		w->day = rd_day(r, w->started_at);
		w->seconds = e->seconds;
	}
	in->work = n ? r->work : NULL;
	in->n_work = n;
	r->next++;
	return 1;
}

void sq_bill_end(struct store *st, void *reader)
{
	struct reader *r = reader;

	if (r->own_snapshot)
		(void)store_read_end(st);
	reader_free(r);
}

/* ---- the chart ---- */

/* One bar: whose, how long, and where its name sorts (clients: by NOCASE name). */
struct hours_row {
	struct bill_hours h;
	uint32_t rank;
};

static int cmp_hours(const void *a, const void *b)
{
	const struct hours_row *x = a, *y = b;
	int c;

	if (x->h.seconds != y->h.seconds)
		return x->h.seconds > y->h.seconds ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->h.name, y->h.name)) != 0)
		return c;
	return (x->h.id > y->h.id) - (x->h.id < y->h.id);
}

/* rows sorted into a list (rows is freed). */
static void hours_list(struct hours_row *rows, size_t n, struct bill_hours_list *out)
{
	size_t i;

	if (n > 1)
		qsort(rows, n, sizeof(*rows), cmp_hours);
	out->items = xmalloc((n + 1) * sizeof(*out->items));
	for (i = 0; i < n; i++)
		out->items[i] = rows[i].h;
	out->n = n;
	free(rows);
}

/*
 * The month's entries read as the month-end reads them (the covering index,
 * the tickets in runs), summed per technician and, through the tickets, per
 * client: a GROUP BY in SQL would sort the million rows.
 */
int sq_month_hours(struct store *st, int32_t month, struct bill_hours_list *clients,
		   struct bill_hours_list *users)
{
	struct hours_row *crow = NULL, *urow = NULL;
	struct bill_hours_list c = { NULL, 0 }, u = { NULL, 0 };
	int64_t *user_secs = NULL, *ticket_secs = NULL;
	struct idmap client_ix;
	struct reader *r;
	sqlite3_stmt *s = NULL;
	size_t i, nc = 0, nu = 0, cap = 0, rank = 0;
	int rc;

	memset(&client_ix, 0, sizeof(client_ix));
	if ((rc = month_check(st, "month", month)) != STORE_OK)
		return rc;
	r = reader_new(month);
	if ((rc = sq_tx_begin_read(st)) != STORE_OK)
		goto done;
	if ((rc = rd_rates_users(st, r)) != STORE_OK)
		goto out;
	if ((rc = rd_entries(st, r, 0)) != STORE_OK)
		goto out;
	if ((rc = rd_tickets(st, r)) != STORE_OK)
		goto out;
	user_secs = xcalloc(r->n_users + 1, sizeof(*user_secs));
	ticket_secs = xcalloc(r->n_tickets + 1, sizeof(*ticket_secs));
	for (i = 0; i < r->n_entries; i++) {
		const struct rd_entry *e = rd_entry_at(r, i);

		user_secs[e->user & ~BILLABLE_BIT] += e->seconds;
		ticket_secs[e->ticket.index] += e->seconds;
	}
	for (i = 0; i < r->n_users; i++) {
		if (!user_secs[i])
			continue;
		urow = sq_list_grow(urow, nu, &cap, sizeof(*urow));
		memset(&urow[nu], 0, sizeof(urow[nu]));
		urow[nu].h.id = r->users[i].id;
		(void)xstrlcpy(urow[nu].h.name, r->users[i].name, sizeof(urow[nu].h.name));
		urow[nu++].h.seconds = user_secs[i];
	}
	/* each client's sum, then its name and place from the clients in name order */
	cap = 0;
	for (i = 0; i < r->n_tickets; i++) {
		uint32_t k;

		if (!r->tickets[i].client_id || !ticket_secs[i])
			continue;
		if ((k = idmap_get(&client_ix, r->tickets[i].client_id)) == NONE) {
			crow = sq_list_grow(crow, nc, &cap, sizeof(*crow));
			memset(&crow[nc], 0, sizeof(crow[nc]));
			crow[nc].h.id = r->tickets[i].client_id;
			k = (uint32_t)nc++;
			idmap_put(&client_ix, r->tickets[i].client_id, k);
		}
		crow[k].h.seconds += ticket_secs[i];
	}
	if (nc) {
		if ((rc = sq_prepare(st, B_CLIENTS_BY_NAME, &s)) != STORE_OK)
			goto out;
		while ((rc = sq_step(st, s)) == 1) {
			uint32_t k = idmap_get(&client_ix, sqlite3_column_int64(s, 0));

			rank++;
			if (k == NONE)
				continue;
			sq_col_text(s, 1, crow[k].h.name, sizeof(crow[k].h.name));
			crow[k].rank = (uint32_t)rank;
		}
		sq_done(s);
		s = NULL;
		if (rc < 0)
			goto out;
	}
	rc = sq_tx_commit(st);
out:
	sq_done(s);
	if (rc != STORE_OK)
		sq_tx_rollback(st);
done:
	free(user_secs);
	free(ticket_secs);
	idmap_free(&client_ix);
	reader_free(r);
	if (rc != STORE_OK) {
		free(crow);
		free(urow);
		return rc;
	}
	hours_list(crow, nc, &c);
	hours_list(urow, nu, &u);
	*clients = c;
	*users = u;
	return rc;
}
