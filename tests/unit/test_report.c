/*
 * Unit tests for src/report (the billing documents) and web/json_billing
 * (their JSON): a hand-built specification with every kind of line, the
 * Croatian letters and three VAT rates is written as text (hr, en) and CSV
 * and compared byte for byte with tests/data/billing/; its JSON is read back
 * and written again to the same bytes; the PDF is read back with pdftotext
 * and the XLSX with unzip and openpyxl, and both are written twice to the
 * same bytes.  The request-body parsers are checked for the fields they
 * name.  On a mismatch the text written is left in /tmp/evid-report-actual/
 * to diff against the expected file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/calendar.h"
#include "report/report.h"
#include "util/xalloc.h"
#include "web/json.h"
#include "web/json_doc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DOC_MAX (16u << 20)

static const char *data_dir(void)
{
	const char *d = getenv("EVID_BILLING_DATA");

	return d && *d ? d : "tests/data/billing";
}

/* Read a whole file; returns malloc'd bytes (NUL-terminated) or NULL. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, len = 0, got;

	if (!f)
		return NULL;
	do {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			b = xrealloc(b, cap);
		}
		got = fread(b + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	fclose(f);
	b[len] = '\0';
	if (n)
		*n = len;
	return b;
}

static void spill(const char *name, const char *text, size_t n)
{
	char path[512];
	FILE *f;

	mkdir("/tmp/evid-report-actual", 0755);
	snprintf(path, sizeof(path), "/tmp/evid-report-actual/%s", name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(text, 1, n, f);
		fclose(f);
		fprintf(stderr, "the output is in %s\n", path);
	}
}

/* got must equal tests/data/billing/name byte for byte. */
static void assert_file(const char *name, const struct buf *got)
{
	char path[512];
	size_t n = 0;
	char *want;

	snprintf(path, sizeof(path), "%s/%s", data_dir(), name);
	want = slurp(path, &n);
	if (!want || n != got->len || memcmp(want, got->s, n) != 0) {
		spill(name, got->s, got->len);
		free(want);
		fail_msg("%s: the output differs from the expected file%s", name,
			 want ? "" : " (which is missing)");
	}
	free(want);
}

/* Run cmd and return its standard output (malloc'd), failing the test on a non-zero exit. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	struct buf b = BUF_INIT(DOC_MAX);
	char chunk[4096];
	size_t got;
	int rc;

	if (!p)
		fail_msg("cannot run %s: %s", cmd, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(buf_add(&b, chunk, got), 0);
	rc = pclose(p);
	if (rc != 0)
		fail_msg("%s exited with %d", cmd, rc);
	return buf_detach(&b);
}

static void write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->s, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* ---- the specification every test uses ---- */

static struct bill_line line(enum bill_line_kind kind)
{
	struct bill_line l;

	memset(&l, 0, sizeof(l));
	l.kind = kind;
	l.from_day = l.to_day = -1;
	l.charged = 1;
	l.vat = 25;
	return l;
}

/*
 * January 2027 for "Čakovečki mlinovi d.d." -- every amount below is worked
 * out by hand as core/billing would, so the totals add up:
 *   server maintenance, daily, 10-31 Jan: 1200.00 x 1 x 22/31 = 851.6129 -> 851.61
 *   backup, prepaid 50.00 (not charged), and the price is now 60.00: +10.00
 *   work on 2027-000123: 1:07 real, 1:15 rounded, 0:45 included, 0:30 billed
 *     x 45.00/h = 22.50; 2027-000124 (warranty): 0:30.5 real, 0:30 rounded, 0
 *   extras: toner 2 x 22.50 = 45.00 (25 %), a manual 19.99 (5 %), fair
 *     tickets 4 x 23.99 = 95.96 (13 %); a correction of 2026-12: -45.00
 *   25 %: 851.61 + 10.00 + 22.50 + 45.00 - 45.00 = 884.11, VAT 221.0275 -> 221.03
 *   13 %: 95.96, VAT 12.4748 -> 12.47;  5 %: 19.99, VAT 0.9995 -> 1.00
 *   net 884.11 + 95.96 + 19.99 = 1000.06; VAT 221.03 + 12.47 + 1.00 = 234.50;
 *   gross 1234.56
 */
static void make_spec(struct bill_spec *s)
{
	struct bill_line ls[10];
	size_t n = 0;
	int32_t jan = cal_month(2027, 1);

	memset(s, 0, sizeof(*s));
	s->month = jan;
	s->client_id = 7;
	snprintf(s->client_name, sizeof(s->client_name), "Čakovečki mlinovi d.d.");
	snprintf(s->client_oib, sizeof(s->client_oib), "69435151530");
	snprintf(s->client_address, sizeof(s->client_address),
		 "Ulica Matije Gupca 5, 40000 Čakovec");

	ls[n] = line(LINE_CONTRACT);
	ls[n].contract_id = 14;
	snprintf(ls[n].contract_number, sizeof(ls[n].contract_number), "UG-2027-014");
	ls[n].source_id = 31;
	snprintf(ls[n].code, sizeof(ls[n].code), "server_maint");
	snprintf(ls[n].description, sizeof(ls[n].description), "Održavanje poslužitelja");
	ls[n].from_day = cal_day(2027, 1, 10);
	ls[n].to_day = cal_day(2027, 1, 31);
	ls[n].active_days = 22;
	ls[n].month_days = 31;
	ls[n].quantity = 1000;
	ls[n].unit_price = 120000;
	ls[n].amount = 85161;
	n++;

	ls[n] = line(LINE_PREPAID);
	ls[n].contract_id = 15;
	snprintf(ls[n].contract_number, sizeof(ls[n].contract_number), "UG-2027-015");
	ls[n].source_id = 32;
	snprintf(ls[n].code, sizeof(ls[n].code), "backup");
	snprintf(ls[n].description, sizeof(ls[n].description), "Sigurnosna kopija");
	ls[n].from_day = cal_day(2027, 1, 1);
	ls[n].to_day = cal_day(2027, 1, 31);
	ls[n].active_days = 31;
	ls[n].month_days = 31;
	ls[n].quantity = 1000;
	ls[n].unit_price = 5000;
	ls[n].amount = 5000;
	ls[n].charged = 0;
	n++;

	ls[n] = ls[n - 1];
	ls[n].kind = LINE_PREPAID_DIFF;
	ls[n].unit_price = 6000;
	ls[n].amount = 1000;
	ls[n].charged = 1;
	n++;

	ls[n] = line(LINE_WORK);
	ls[n].contract_id = 14;
	snprintf(ls[n].contract_number, sizeof(ls[n].contract_number), "UG-2027-014");
	snprintf(ls[n].code, sizeof(ls[n].code), "remote");
	snprintf(ls[n].description, sizeof(ls[n].description), "Ne radi pisač u računovodstvu");
	ls[n].from_day = cal_day(2027, 1, 12);
	ls[n].to_day = cal_day(2027, 1, 31);
	ls[n].ticket_id = 123;
	snprintf(ls[n].ticket_number, sizeof(ls[n].ticket_number), "2027-000123");
	snprintf(ls[n].technicians, sizeof(ls[n].technicians), "Ana Horvat, Ivo Kovač");
	ls[n].seconds = 4020;
	ls[n].rounded = 4500;
	ls[n].included = 2700;
	ls[n].billed = 1800;
	ls[n].hourly = 4500;
	ls[n].amount = 2250;
	n++;

	ls[n] = line(LINE_WORK);
	snprintf(ls[n].code, sizeof(ls[n].code), "on_site");
	snprintf(ls[n].description, sizeof(ls[n].description), "Jamstveni popravak pisača");
	ls[n].from_day = ls[n].to_day = cal_day(2027, 1, 20);
	ls[n].ticket_id = 124;
	snprintf(ls[n].ticket_number, sizeof(ls[n].ticket_number), "2027-000124");
	ls[n].ticket_billing = BILLING_WARRANTY;
	snprintf(ls[n].technicians, sizeof(ls[n].technicians), "Đuro Šimić");
	ls[n].seconds = 1830;
	ls[n].rounded = 1800;
	ls[n].hourly = 6000;
	ls[n].charged = 0;
	n++;

	ls[n] = line(LINE_EXTRA);
	ls[n].source_id = 5;
	snprintf(ls[n].description, sizeof(ls[n].description), "Toner HP 85A, \"original\"");
	ls[n].from_day = ls[n].to_day = cal_day(2027, 1, 12);
	ls[n].ticket_id = 123;
	snprintf(ls[n].ticket_number, sizeof(ls[n].ticket_number), "2027-000123");
	ls[n].quantity = 2000;
	ls[n].unit_price = 2250;
	ls[n].amount = 4500;
	n++;

	ls[n] = line(LINE_EXTRA);
	ls[n].source_id = 6;
	snprintf(ls[n].description, sizeof(ls[n].description), "Priručnik za korisnike");
	ls[n].from_day = ls[n].to_day = cal_day(2027, 1, 14);
	ls[n].quantity = 1000;
	ls[n].unit_price = 1999;
	ls[n].amount = 1999;
	ls[n].vat = 5;
	n++;

	ls[n] = line(LINE_EXTRA);
	ls[n].source_id = 7;
	snprintf(ls[n].description, sizeof(ls[n].description), "Ulaznice za sajam, Zagreb");
	ls[n].from_day = ls[n].to_day = cal_day(2027, 1, 25);
	ls[n].ticket_id = 125;
	snprintf(ls[n].ticket_number, sizeof(ls[n].ticket_number), "2027-000125");
	ls[n].quantity = 4000;
	ls[n].unit_price = 2399;
	ls[n].amount = 9596;
	ls[n].vat = 13;
	n++;

	ls[n] = line(LINE_ADJUSTMENT);
	ls[n].source_id = 3;
	snprintf(ls[n].description, sizeof(ls[n].description),
		 "Dvostruko obračunat sat u prosincu");
	ls[n].corrects_month = cal_month(2026, 12);
	ls[n].ticket_id = 99;
	snprintf(ls[n].ticket_number, sizeof(ls[n].ticket_number), "2026-000311");
	ls[n].amount = -4500;
	n++;

	s->lines = xcalloc(n, sizeof(*s->lines));
	memcpy(s->lines, ls, n * sizeof(*ls));
	s->n_lines = n;
	s->support = xcalloc(1, sizeof(*s->support));
	s->support[0].contract_id = 14;
	snprintf(s->support[0].contract_number, sizeof(s->support[0].contract_number),
		 "UG-2027-014");
	s->support[0].included = 2700;
	s->support[0].used = 2700;
	s->support[0].overage = 1800;
	s->n_support = 1;
	s->work_seconds = 4020 + 1830;
	s->work_rounded = 4500 + 1800;
	s->vat[0] = (struct bill_vat_total){25, 88411, 22103, 110514};
	s->vat[1] = (struct bill_vat_total){13, 9596, 1247, 10843};
	s->vat[2] = (struct bill_vat_total){5, 1999, 100, 2099};
	s->vat[3] = (struct bill_vat_total){0, 0, 0, 0};
	s->net = 100006;
	s->tax = 23450;
	s->gross = 123456;
}

static const struct report_company company = {"Informatika Međimurje d.o.o.", "12345678903",
					      "Trg republike 3, 40000 Čakovec"};

/* ---- text and CSV ---- */

static void test_spec_text(void **state)
{
	struct bill_spec s;
	struct buf hr = BUF_INIT(DOC_MAX), en = BUF_INIT(DOC_MAX);
	char err[200];

	(void)state;
	make_spec(&s);
	assert_int_equal(report_spec_text(&s, "hr", &hr, err, sizeof(err)), 0);
	assert_file("spec_hr.txt", &hr);
	assert_int_equal(report_spec_text(&s, "en", &en, err, sizeof(err)), 0);
	assert_file("spec_en.txt", &en);
	/* The languages differ in their separators as the readers expect. */
	assert_non_null(strstr(hr.s, "1.234,56 EUR"));
	assert_non_null(strstr(en.s, "1,234.56 EUR"));
	assert_non_null(strstr(hr.s, "siječanj 2027."));
	assert_non_null(strstr(en.s, "January 2027"));
	/* An unknown language is refused, and nothing is written. */
	buf_reset(&hr);
	assert_int_equal(report_spec_text(&s, "de", &hr, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown language 'de' (hr or en)");
	assert_int_equal(hr.len, 0);
	buf_free(&hr);
	buf_free(&en);
	bill_spec_clear(&s);
}

static void test_spec_text_cap(void **state)
{
	struct bill_spec s;
	struct buf small = BUF_INIT(300);
	char err[200];

	(void)state;
	make_spec(&s);
	/* Past the buffer's cap: -1, a message, and the buffer as it was. */
	assert_int_equal(buf_puts(&small, "before\n"), 0);
	assert_int_equal(report_spec_text(&s, "hr", &small, err, sizeof(err)), -1);
	assert_string_equal(err, "the document is larger than its limit");
	assert_string_equal(small.s, "before\n");
	buf_reset(&small);
	assert_int_equal(report_spec_csv(&s, 1, &small, err, sizeof(err)), -1);
	assert_int_equal(small.len, 0);
	buf_free(&small);
	bill_spec_clear(&s);
}

static void test_spec_empty(void **state)
{
	struct bill_spec s;
	struct buf b = BUF_INIT(DOC_MAX);
	char err[200];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.month = cal_month(2027, 2);
	s.client_id = 9;
	snprintf(s.client_name, sizeof(s.client_name), "Prazna tvrtka");
	s.vat[0].vat = 25;
	s.vat[1].vat = 13;
	s.vat[2].vat = 5;
	assert_int_equal(report_spec_text(&s, "hr", &b, err, sizeof(err)), 0);
	assert_string_equal(b.s, "Specifikacija usluga: veljača 2027.\n"
				 "Klijent: Prazna tvrtka\n"
				 "\n"
				 "Nema stavki.\n");
	buf_reset(&b);
	/* No lines: the header row alone, or nothing. */
	assert_int_equal(report_spec_csv(&s, 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* A prepaid line of a contract that ended before the month covers no day: no days shown. */
static void test_line_without_days(void **state)
{
	struct bill_spec s;
	struct buf t = BUF_INIT(DOC_MAX), c = BUF_INIT(DOC_MAX);
	char err[200];

	(void)state;
	make_spec(&s);
	s.lines[1].from_day = s.lines[1].to_day = -1;
	s.lines[1].active_days = 0;
	s.n_lines = 2;
	assert_int_equal(report_spec_text(&s, "en", &t, err, sizeof(err)), 0);
	assert_non_null(strstr(t.s,
			       "      1 × 50.00 EUR per month; contract UG-2027-015; prepaid, not "
			       "in the total\n"));
	assert_int_equal(report_spec_csv(&s, 0, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(c.s, ",Sigurnosna kopija,,,,,,0,31,1.000,50.00,"));
	buf_free(&t);
	buf_free(&c);
	bill_spec_clear(&s);
}

/* Code points of UTF-8 text s[0..n). */
static size_t width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* A title too long for its column wraps; the amount stays in its column, on the last line. */
static void test_long_title(void **state)
{
	struct bill_spec s;
	struct buf t = BUF_INIT(DOC_MAX);
	char err[200];
	const char *at, *bol, *eol;

	(void)state;
	make_spec(&s);
	snprintf(s.lines[0].description, sizeof(s.lines[0].description),
		 "Održavanje poslužitelja u sjedištu i u podružnicama u Čakovcu, Varaždinu i "
		 "Koprivnici, s noćnim dežurstvom i zamjenskim uređajem unutar četiri sata");
	s.n_lines = 1;
	assert_int_equal(report_spec_text(&s, "hr", &t, err, sizeof(err)), 0);
	assert_non_null(strstr(t.s, "\n  Održavanje poslužitelja u sjedištu i u podružnicama u\n"
				    "  Čakovcu, Varaždinu i Koprivnici, s noćnim dežurstvom i\n"
				    "  zamjenskim uređajem unutar četiri sata "));
	/* The amount ends where the others do: 64 + 16 characters from the line's start. */
	at = strstr(t.s, "851,61 EUR");
	assert_non_null(at);
	for (bol = at; bol > t.s && bol[-1] != '\n'; bol--)
		;
	eol = at + strlen("851,61 EUR");
	assert_int_equal(width(bol, (size_t)(eol - bol)), 80);
	at = strstr(t.s, "Ukupno s PDV-om");
	eol = strstr(at, " EUR\n") + 4;
	assert_int_equal(width(at - 2, (size_t)(eol - at + 2)), 80);
	buf_free(&t);
	bill_spec_clear(&s);
}

static void test_spec_csv(void **state)
{
	struct bill_spec s;
	struct buf b = BUF_INIT(DOC_MAX), rows = BUF_INIT(DOC_MAX);
	char err[200];
	const char *second;

	(void)state;
	make_spec(&s);
	assert_int_equal(report_spec_csv(&s, 1, &b, err, sizeof(err)), 0);
	assert_file("spec.csv", &b);
	/* RFC 4180: CRLF, and a field with a comma or quote quoted with the quotes doubled. */
	assert_int_equal(count(b.s, "\r\n"), (int)s.n_lines + 1);
	assert_non_null(strstr(b.s, ",\"Toner HP 85A, \"\"original\"\"\","));
	/* Without the header: the same rows, so many clients can share one file. */
	assert_int_equal(report_spec_csv(&s, 0, &rows, err, sizeof(err)), 0);
	second = strstr(b.s, "\r\n") + 2;
	assert_string_equal(rows.s, second);
	buf_free(&b);
	buf_free(&rows);
	bill_spec_clear(&s);
}

static void test_summary(void **state)
{
	struct bill_spec s;
	struct bill_summary sum;
	struct buf t = BUF_INIT(DOC_MAX), c = BUF_INIT(DOC_MAX);
	char err[200];
	struct bill_summary back;
	char *doc, *again;

	(void)state;
	make_spec(&s);
	memset(&sum, 0, sizeof(sum));
	sum.month = s.month;
	sum.clients = 1;
	sum.work_seconds = s.work_seconds;
	sum.work_rounded = s.work_rounded;
	memcpy(sum.vat, s.vat, sizeof(sum.vat));
	sum.net = s.net;
	sum.tax = s.tax;
	sum.gross = s.gross;
	assert_int_equal(report_summary_text(&sum, "hr", &t, err, sizeof(err)), 0);
	assert_file("summary_hr.txt", &t);
	assert_int_equal(report_summary_csv(&sum, 1, &c, err, sizeof(err)), 0);
	assert_string_equal(c.s, "month,clients,work_hours,work_rounded_hours,net_25,vat_25,net_13,"
				 "vat_13,net_5,vat_5,net_0,vat_0,net,vat,gross\r\n"
				 "2027-01,1,1.63,1.75,884.11,221.03,95.96,12.47,19.99,1.00,0.00,"
				 "0.00,1000.06,234.50,1234.56\r\n");
	/* The summary's JSON reads back to the same bytes. */
	doc = json_doc_summary(&sum);
	assert_int_equal(json_doc_summary_parse(doc, &back, err, sizeof(err)), 0);
	again = json_doc_summary(&back);
	assert_string_equal(doc, again);
	assert_memory_equal(&back.vat, &sum.vat, sizeof(sum.vat));
	assert_int_equal(back.clients, 1);
	free(doc);
	free(again);
	buf_free(&t);
	buf_free(&c);
	bill_spec_clear(&s);
}

/* ---- prepayments ---- */

static void prepay_line(struct bill_prepay_line *l, int64_t id, const char *code, const char *desc,
			int64_t qty, int64_t price, int vat, const int64_t *months, size_t n)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->line_id = id;
	snprintf(l->code, sizeof(l->code), "%s", code);
	snprintf(l->description, sizeof(l->description), "%s", desc);
	l->quantity = qty;
	l->monthly_price = price;
	l->vat = vat;
	l->month_amounts = xcalloc(n, sizeof(int64_t));
	for (i = 0; i < n; i++) {
		l->month_amounts[i] = months[i];
		l->amount += months[i];
	}
}

/*
 * Three prepayments due in January 2027 (worked by hand):
 *   UG-2027-015, quarterly 2027-01..03: backup 50.00 x 3 = 150.00 (25 %),
 *     monitoring 2 x 12.50 = 25.00 x 3 = 75.00 (13 %); VAT 37.50 + 9.75;
 *     net 225.00, VAT 47.25, gross 272.25
 *   UG-2027-020, half-yearly from 16 Jan, daily: firewall 40.00 x 16/31 =
 *     20.645 -> 20.65, then 40.00 x 5 = 200.00: 220.65, VAT 55.1625 -> 55.16,
 *     gross 275.81
 *   the client's total (VAT on the sum of its lines per rate): 25 % on
 *     150.00 + 220.65 = 370.65 -> 92.6625 -> 92.66; 13 % on 75.00 -> 9.75;
 *     net 445.65, VAT 102.41, gross 548.06
 *   UG-2027-003 of "Šibenska obala j.d.o.o.": 300.00 x 3 = 900.00, VAT 225.00,
 *     gross 1125.00
 *   all (the sum of the clients' totals): 25 % 1270.65 and 317.66, 13 % 75.00
 *     and 9.75; net 1345.65, VAT 327.41, gross 1673.06
 */
static size_t make_prepays(struct bill_prepay *p)
{
	static const int64_t backup[] = {5000, 5000, 5000}, mon[] = {2500, 2500, 2500};
	static const int64_t fw[] = {2065, 4000, 4000, 4000, 4000, 4000};
	static const int64_t sib[] = {30000, 30000, 30000};

	memset(p, 0, 3 * sizeof(*p));
	p[0].contract_id = 15;
	snprintf(p[0].contract_number, sizeof(p[0].contract_number), "UG-2027-015");
	p[0].client_id = 7;
	snprintf(p[0].client_name, sizeof(p[0].client_name), "Čakovečki mlinovi d.d.");
	snprintf(p[0].client_oib, sizeof(p[0].client_oib), "69435151530");
	p[0].first = cal_month(2027, 1);
	p[0].last = cal_month(2027, 3);
	p[0].lines = xcalloc(2, sizeof(*p[0].lines));
	p[0].n_lines = 2;
	prepay_line(&p[0].lines[0], 32, "backup", "Sigurnosna kopija", 1000, 5000, 25, backup, 3);
	prepay_line(&p[0].lines[1], 33, "monitoring", "Nadzor mreže", 2000, 1250, 13, mon, 3);
	p[0].vat[0] = (struct bill_vat_total){25, 15000, 3750, 18750};
	p[0].vat[1] = (struct bill_vat_total){13, 7500, 975, 8475};
	p[0].vat[2].vat = 5;
	p[0].net = 22500;
	p[0].tax = 4725;
	p[0].gross = 27225;

	p[1].contract_id = 20;
	snprintf(p[1].contract_number, sizeof(p[1].contract_number), "UG-2027-020");
	p[1].client_id = 7;
	snprintf(p[1].client_name, sizeof(p[1].client_name), "Čakovečki mlinovi d.d.");
	snprintf(p[1].client_oib, sizeof(p[1].client_oib), "69435151530");
	p[1].first = cal_month(2027, 1);
	p[1].last = cal_month(2027, 6);
	p[1].lines = xcalloc(1, sizeof(*p[1].lines));
	p[1].n_lines = 1;
	prepay_line(&p[1].lines[0], 40, "firewall", "Najam vatrozida", 1000, 4000, 25, fw, 6);
	p[1].vat[0] = (struct bill_vat_total){25, 22065, 5516, 27581};
	p[1].vat[1].vat = 13;
	p[1].vat[2].vat = 5;
	p[1].net = 22065;
	p[1].tax = 5516;
	p[1].gross = 27581;

	p[2].contract_id = 3;
	snprintf(p[2].contract_number, sizeof(p[2].contract_number), "UG-2027-003");
	p[2].client_id = 8;
	snprintf(p[2].client_name, sizeof(p[2].client_name), "Šibenska obala j.d.o.o.");
	p[2].first = cal_month(2027, 1);
	p[2].last = cal_month(2027, 3);
	p[2].lines = xcalloc(1, sizeof(*p[2].lines));
	p[2].n_lines = 1;
	prepay_line(&p[2].lines[0], 9, "support", "Paušalna podrška", 1000, 30000, 25, sib, 3);
	p[2].vat[0] = (struct bill_vat_total){25, 90000, 22500, 112500};
	p[2].vat[1].vat = 13;
	p[2].vat[2].vat = 5;
	p[2].net = 90000;
	p[2].tax = 22500;
	p[2].gross = 112500;
	return 3;
}

static void test_prepay(void **state)
{
	struct bill_prepay p[3];
	struct buf t = BUF_INIT(DOC_MAX), c = BUF_INIT(DOC_MAX);
	char err[200], *doc;
	size_t n, i;

	(void)state;
	n = make_prepays(p);
	assert_int_equal(report_prepay_text(p, n, "hr", &t, err, sizeof(err)), 0);
	assert_file("prepay.txt", &t);
	assert_int_equal(report_prepay_csv(p, n, &c, err, sizeof(err)), 0);
	assert_file("prepay.csv", &c);
	/* One CSV row per contract line, after the header. */
	assert_int_equal(count(c.s, "\r\n"), 1 + 2 + 1 + 1);
	/* The JSON: the period's months with each month's amount. */
	doc = json_doc_prepays(p, n);
	assert_non_null(strstr(doc, "\"first\": \"2027-01\",\n      \"last\": \"2027-06\""));
	assert_non_null(strstr(doc, "\"month\": \"2027-01\",\n              \"amount\": 2065,\n"
				    "              \"amount_eur\": \"20.65\""));
	assert_non_null(strstr(doc, "\"total\": 3\n}\n"));
	free(doc);
	/* Nothing due: a sentence, not an empty table. */
	buf_reset(&t);
	assert_int_equal(report_prepay_text(p, 0, "en", &t, err, sizeof(err)), 0);
	assert_string_equal(t.s, "Prepayments\nNo prepayments due.\n");
	for (i = 0; i < n; i++)
		bill_prepay_clear(&p[i]);
	buf_free(&t);
	buf_free(&c);
}

/* ---- JSON ---- */

static void test_spec_json_round_trip(void **state)
{
	struct bill_spec s, back;
	struct buf t1 = BUF_INIT(DOC_MAX), t2 = BUF_INIT(DOC_MAX);
	struct buf c1 = BUF_INIT(DOC_MAX), c2 = BUF_INIT(DOC_MAX);
	char err[200], *doc, *again;

	(void)state;
	make_spec(&s);
	doc = json_doc_spec(&s);
	assert_int_equal(json_doc_spec_parse(doc, &back, err, sizeof(err)), 0);
	again = json_doc_spec(&back);
	assert_string_equal(doc, again);
	/* What is read back renders as the original does (a closed month's outputs). */
	assert_int_equal(report_spec_text(&s, "hr", &t1, err, sizeof(err)), 0);
	assert_int_equal(report_spec_text(&back, "hr", &t2, err, sizeof(err)), 0);
	assert_string_equal(t1.s, t2.s);
	assert_int_equal(report_spec_csv(&s, 1, &c1, err, sizeof(err)), 0);
	assert_int_equal(report_spec_csv(&back, 1, &c2, err, sizeof(err)), 0);
	assert_string_equal(c1.s, c2.s);
	/* The spelling: cents and EUR, days, months, the kind's keys. */
	assert_non_null(strstr(doc, "\"gross\": 123456,\n  \"gross_eur\": \"1234.56\"\n}\n"));
	assert_non_null(strstr(doc, "\"month\": \"2027-01\""));
	assert_non_null(strstr(doc, "\"from\": \"2027-01-10\""));
	assert_non_null(strstr(doc, "\"corrects_month\": \"2026-12\""));
	assert_non_null(strstr(doc, "\"amount\": -4500,\n      \"amount_eur\": \"-45.00\""));
	assert_non_null(strstr(doc, "\"quantity\": 4000,\n      \"quantity_units\": \"4.000\""));
	assert_non_null(strstr(doc, "\"client_name\": \"Čakovečki mlinovi d.d.\""));
	assert_non_null(strstr(doc, "\"ticket_billing\": \"warranty\""));
	assert_int_equal(back.n_lines, s.n_lines);
	assert_int_equal(back.lines[3].billed, 1800);
	assert_int_equal(back.lines[1].charged, 0);
	free(doc);
	free(again);
	bill_spec_clear(&back);
	bill_spec_clear(&s);
	buf_free(&t1);
	buf_free(&t2);
	buf_free(&c1);
	buf_free(&c2);
}

static void test_spec_json_refused(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
	    {"\"gross\": 123456,", "", "gross: missing"},
	    {"\"kind\": \"extra\"", "\"kind\": \"bonus\"", "lines[5].kind: not a kind of line"},
	    {"\"seconds\": 4020", "\"seconds\": \"4020\"",
	     "lines[3].seconds: not an integer in range"},
	    {"\"from\": \"2027-01-10\"", "\"from\": \"2027-02-30\"",
	     "lines[0].from: not a date YYYY-MM-DD"},
	    {"\"month\": \"2027-01\"", "\"month\": \"2027-13\"", "month: not a month YYYY-MM"},
	    {"\"used\": 2700,", "", "support[0].used: missing"},
	};
	struct bill_spec s, back;
	char err[200], *doc;
	size_t i;

	(void)state;
	make_spec(&s);
	doc = json_doc_spec(&s);
	for (i = 0; i < N(cases); i++) {
		struct buf b = BUF_INIT(DOC_MAX);
		const char *at = strstr(doc, cases[i].from);

		assert_non_null(at);
		assert_int_equal(buf_add(&b, doc, (size_t)(at - doc)), 0);
		assert_int_equal(buf_puts(&b, cases[i].to), 0);
		assert_int_equal(buf_puts(&b, at + strlen(cases[i].from)), 0);
		err[0] = '\0';
		assert_int_equal(json_doc_spec_parse(b.s, &back, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].why);
		assert_null(back.lines);
		buf_free(&b);
	}
	assert_int_equal(json_doc_spec_parse("{\"month\": ", &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "malformed json"));
	free(doc);
	bill_spec_clear(&s);
}

static json_t *body(const char *text)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);

	if (!o)
		fail_msg("bad test json: %s", je.text);
	return o;
}

static void test_parse_service(void **state)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
	    {"{\"code\": \"x\", \"name\": \"X\"}", "price: required (cents, or price_eur in EUR)"},
	    {"{\"code\": \"Printer\", \"name\": \"X\", \"price\": 1}",
	     "code: must be 1 to 32 of a-z, 0-9, '_', '.', '-'"},
	    {"{\"code\": \"x\", \"name\": \"  \", \"price\": 1}", "name: must not be empty"},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price\": 1, \"price_eur\": \"1\"}",
	     "price: give price or price_eur, not both"},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price_eur\": \"1.234\"}",
	     "price_eur: must be an amount in EUR from 0.00 to 100000000.00, such as \"12.50\""},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price\": -1}",
	     "price: must be whole cents from 0 to 10000000000"},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price\": 1, \"vat\": 20}",
	     "vat: must be a VAT rate: 25, 13, 5 or 0"},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price\": 1, \"unit\": \"week\"}",
	     "unit: must be one of month, day, hour, piece"},
	    {"{\"code\": \"x\", \"name\": \"X\", \"price\": 1, \"colour\": 1}",
	     "unknown field 'colour'; known fields: code, name, unit, price, price_eur, vat, "
	     "active"},
	};
	struct bill_service s, keep;
	char err[300];
	json_t *o;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.vat = 25;
	s.active = 1;
	o = body("{\"code\": \"printer\", \"name\": \"Najam pisača\", \"unit\": \"month\", "
		 "\"price_eur\": \"35,50\"}");
	assert_int_equal(json_service_parse(o, FIELDS_CREATE, &s, err, sizeof(err)), 0);
	json_decref(o);
	assert_string_equal(s.code, "printer");
	assert_string_equal(s.name, "Najam pisača");
	assert_int_equal(s.price, 3550);
	assert_int_equal(s.vat, 25);
	assert_int_equal(s.unit, UNIT_MONTH);
	/* A patch changes what it names and keeps the rest. */
	o = body("{\"price\": 4000, \"active\": false}");
	assert_int_equal(json_service_parse(o, FIELDS_PATCH, &s, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(s.price, 4000);
	assert_int_equal(s.active, 0);
	assert_string_equal(s.name, "Najam pisača");
	for (i = 0; i < N(bad); i++) {
		keep = s;
		o = body(bad[i].body);
		err[0] = '\0';
		assert_int_equal(json_service_parse(o, FIELDS_CREATE, &s, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
		assert_memory_equal(&s, &keep, sizeof(s));
		json_decref(o);
	}
}

static void test_parse_contract(void **state)
{
	struct bill_contract c;
	char err[300];
	json_t *o;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.end_day = -1;
	c.cycle = CYCLE_MONTHLY;
	c.terms.increment = 900; /* the configuration's defaults, as the caller sets them */
	o = body("{\"client_id\": 7, \"number\": \"UG-2027-014\", \"start_date\": \"2027-01-10\", "
		 "\"proration\": \"daily\", \"cycle\": \"quarterly\", \"prepaid\": true, "
		 "\"included\": 36000, \"overage_hourly_eur\": \"60.00\", \"lines\": ["
		 "{\"service_code\": \"server_maint\", \"quantity_units\": \"1.5\", "
		 "\"monthly_price_eur\": \"1200\"}, {\"service_id\": 3}]}");
	assert_int_equal(json_contract_parse(o, FIELDS_CREATE, &c, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(c.client_id, 7);
	assert_string_equal(c.number, "UG-2027-014");
	assert_int_equal(c.start_day, cal_day(2027, 1, 10));
	assert_int_equal(c.end_day, -1);
	assert_int_equal(c.proration, PRORATE_DAILY);
	assert_int_equal(c.cycle, CYCLE_QUARTERLY);
	assert_int_equal(c.prepaid, 1);
	assert_int_equal(c.terms.increment, 900);
	assert_int_equal(c.terms.included, 36000);
	assert_int_equal(c.terms.overage_hourly, 6000);
	assert_int_equal(c.n_lines, 2);
	assert_string_equal(c.lines[0].service_code, "server_maint");
	assert_int_equal(c.lines[0].service_id, 0);
	assert_int_equal(c.lines[0].quantity, 1500);
	assert_int_equal(c.lines[0].monthly_price, 120000);
	assert_int_equal(c.lines[0].vat, -1);
	assert_int_equal(c.lines[1].service_id, 3);
	assert_int_equal(c.lines[1].quantity, 1000);
	assert_int_equal(c.lines[1].monthly_price, -1);
	/* A patch: a line of this contract by id changes, one with another id is refused. */
	c.lines[0].id = 51;
	c.lines[1].id = 52;
	o = body("{\"end_date\": \"2027-06-30\", \"lines\": [{\"id\": 52, \"quantity\": 3000}]}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(c.end_day, cal_day(2027, 6, 30));
	assert_int_equal(c.n_lines, 1);
	assert_int_equal(c.lines[0].id, 52);
	assert_int_equal(c.lines[0].service_id, 3);
	assert_int_equal(c.lines[0].quantity, 3000);
	o = body("{\"lines\": [{\"id\": 51}]}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "lines[0].id: not a line of this contract");
	json_decref(o);
	o = body("{\"lines\": [{\"id\": 52}, {\"description\": \"x\"}]}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "lines[1].service_id: required (or service_code)");
	json_decref(o);
	o = body("{\"end_date\": \"2026-12-31\"}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "end_date: before start_date");
	json_decref(o);
	o = body("{\"client_id\": 8}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "client_id: a contract stays with its client; end it and make a "
				 "new one");
	json_decref(o);
	/* Without "lines" a patch keeps them (a copy of its own). */
	o = body("{\"notes\": \"obnovljen\\nna godinu\"}");
	assert_int_equal(json_contract_parse(o, FIELDS_PATCH, &c, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(c.n_lines, 1);
	assert_int_equal(c.lines[0].quantity, 3000);
	assert_string_equal(c.notes, "obnovljen\nna godinu");
	bill_contract_clear(&c);
}

static void test_parse_others(void **state)
{
	struct bill_adjustment a;
	struct bill_rate_override v;
	struct bill_extra x;
	int64_t client = 0;
	char err[300];
	json_t *o;

	(void)state;
	memset(&a, 0, sizeof(a));
	o = body("{\"client_id\": 7, \"corrects_month\": \"2026-12\", \"description\": \"Povrat\", "
		 "\"amount_eur\": \"-45.00\", \"vat\": 25}");
	assert_int_equal(json_adjustment_parse(o, &a, &client, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(client, 7);
	assert_int_equal(a.corrects_month, cal_month(2026, 12));
	assert_int_equal(a.month, 0);
	assert_int_equal(a.amount, -4500);
	o = body("{\"client_id\": 7, \"corrects_month\": \"2026-12\", \"description\": \"x\", "
		 "\"amount\": 100}");
	assert_int_equal(json_adjustment_parse(o, &a, &client, err, sizeof(err)), -1);
	assert_string_equal(err, "vat: required");
	json_decref(o);

	memset(&v, 0, sizeof(v));
	v.rate_id = 2;
	o = body("{\"contract_id\": 14, \"hourly_eur\": \"50\"}");
	assert_int_equal(json_override_parse(o, &v, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(v.rate_id, 2);
	assert_int_equal(v.contract_id, 14);
	assert_int_equal(v.client_id, 0);
	assert_int_equal(v.hourly, 5000);
	o = body("{\"client_id\": 7, \"hourly\": null}");
	assert_int_equal(json_override_parse(o, &v, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(v.hourly, -1);
	o = body("{\"client_id\": 7, \"contract_id\": 14, \"hourly\": 1}");
	assert_int_equal(json_override_parse(o, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "client_id: give either client_id or contract_id");
	json_decref(o);

	memset(&x, 0, sizeof(x));
	x.quantity = 1000;
	x.vat = 25;
	x.day = cal_day(2027, 1, 5);
	o = body("{\"ticket_id\": 123, \"description\": \"Kabel\", \"unit_price\": 450, "
		 "\"quantity_units\": \"2,5\"}");
	assert_int_equal(json_extra_parse(o, FIELDS_CREATE, &x, err, sizeof(err)), 0);
	json_decref(o);
	assert_int_equal(x.quantity, 2500);
	assert_int_equal(x.day, cal_day(2027, 1, 5));
	o = body("{\"ticket_id\": 123, \"description\": \"Kabel\", \"unit_price\": 450, "
		 "\"quantity_units\": \"0.0001\"}");
	assert_int_equal(json_extra_parse(o, FIELDS_CREATE, &x, err, sizeof(err)), -1);
	assert_string_equal(err, "quantity_units: must be a number of units above 0 with at most "
				 "three decimals, such as \"1.5\"");
	json_decref(o);
}

/* ---- PDF and XLSX ---- */

static void test_pdf(void **state)
{
	struct bill_spec s;
	struct buf a = BUF_INIT(DOC_MAX), b = BUF_INIT(DOC_MAX);
	char err[300], path[] = "/tmp/evid-test-report-XXXXXX", cmd[600];
	char *txt;
	int fd;

	(void)state;
	make_spec(&s);
	assert_int_equal(report_spec_pdf(&s, &company, "hr", &a, err, sizeof(err)), 0);
	assert_true(a.len > 1000);
	assert_memory_equal(a.s, "%PDF-", 5);
	/* The same specification twice: the same bytes (no clock in the file). */
	assert_int_equal(report_spec_pdf(&s, &company, "hr", &b, err, sizeof(err)), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.s, b.s, a.len);
	/* The dates are the month's (cairo 1.16 writes them without the "D:"). */
	assert_true(memmem(a.s, a.len, "/CreationDate (D:20270101000000", 31) ||
		    memmem(a.s, a.len, "/CreationDate (20270101000000", 29));
	assert_true(memmem(a.s, a.len, "/ModDate (D:20270101000000", 26) ||
		    memmem(a.s, a.len, "/ModDate (20270101000000", 24));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, &a);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout -enc UTF-8 %s -", path);
	txt = run(cmd);
	assert_non_null(strstr(txt, "69435151530"));  /* the client's OIB */
	assert_non_null(strstr(txt, "12345678903"));  /* the company's */
	assert_non_null(strstr(txt, "1.234,56 EUR")); /* the gross total */
	assert_non_null(strstr(txt, "Čakovečki mlinovi d.d."));
	assert_non_null(strstr(txt, "Đuro Šimić"));
	assert_non_null(strstr(txt, "Ukupno s PDV-om"));
	assert_non_null(strstr(txt, "siječanj 2027."));
	assert_non_null(strstr(txt, "Stranica 1 od 1"));
	free(txt);
	unlink(path);
	buf_free(&a);
	buf_free(&b);
	bill_spec_clear(&s);
}

/* Many lines: the table breaks across pages, its header on each, every page numbered. */
static void test_pdf_pages(void **state)
{
	struct bill_spec s;
	struct buf a = BUF_INIT(DOC_MAX);
	char err[300], path[] = "/tmp/evid-test-report-XXXXXX", cmd[600];
	struct bill_line *ls;
	char *txt;
	size_t i, n = 150;
	int fd, pages;

	(void)state;
	make_spec(&s);
	ls = xcalloc(n, sizeof(*ls));
	for (i = 0; i < n; i++) {
		ls[i] = s.lines[3];
		snprintf(ls[i].ticket_number, sizeof(ls[i].ticket_number), "2027-%06zu", 1000 + i);
	}
	free(s.lines);
	s.lines = ls;
	s.n_lines = n;
	assert_int_equal(report_spec_pdf(&s, &company, "en", &a, err, sizeof(err)), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, &a);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout -enc UTF-8 %s -", path);
	txt = run(cmd);
	pages = count(txt, "\f");
	assert_true(pages >= 4);
	/* The header row on every page, the last page's number right. */
	assert_int_equal(count(txt, "Description"), pages);
	snprintf(cmd, sizeof(cmd), "Page %d of %d", pages, pages);
	assert_non_null(strstr(txt, cmd));
	assert_non_null(strstr(txt, "2027-001000"));
	assert_non_null(strstr(txt, "2027-001149"));
	free(txt);
	unlink(path);
	buf_free(&a);
	bill_spec_clear(&s);
}

static void test_xlsx(void **state)
{
	struct bill_spec s;
	char err[300], dir[] = "/tmp/evid-test-report-XXXXXX", p1[300], p2[300], cmd[1200];
	char *a, *b, *sheet, *strings, *py;
	size_t na, nb;

	(void)state;
	make_spec(&s);
	assert_non_null(mkdtemp(dir));
	snprintf(p1, sizeof(p1), "%s/one.xlsx", dir);
	snprintf(p2, sizeof(p2), "%s/two.xlsx", dir);
	assert_int_equal(report_spec_xlsx(&s, &company, "hr", p1, err, sizeof(err)), 0);
	assert_int_equal(report_spec_xlsx(&s, &company, "hr", p2, err, sizeof(err)), 0);
	/* The same specification twice: the same bytes. */
	a = slurp(p1, &na);
	b = slurp(p2, &nb);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	free(a);
	free(b);
	snprintf(cmd, sizeof(cmd), "unzip -p %s xl/worksheets/sheet1.xml", p1);
	sheet = run(cmd);
	snprintf(cmd, sizeof(cmd), "unzip -p %s xl/sharedStrings.xml", p1);
	strings = run(cmd);
	/* The totals as numbers: net, VAT, gross. */
	assert_non_null(strstr(sheet, "<v>1000.06</v>"));
	assert_non_null(strstr(sheet, "<v>234.5</v>"));
	assert_non_null(strstr(sheet, "<v>1234.56</v>"));
	assert_non_null(strstr(sheet, "<v>-45</v>"));
	assert_non_null(strstr(strings, "Ukupno s PDV-om"));
	assert_non_null(strstr(strings, "Čakovečki mlinovi d.d."));
	assert_non_null(strstr(strings, "69435151530"));
	snprintf(cmd, sizeof(cmd), "unzip -p %s docProps/core.xml", p1);
	a = run(cmd);
	assert_non_null(
	    strstr(a, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2027-01-01T00:00:00Z"));
	free(a);
	/* As a spreadsheet program reads it: the gross a number with the money format. */
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import sys, openpyxl\n"
		 "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
		 "for row in ws.iter_rows():\n"
		 "    for c in row:\n"
		 "        if c.value == \"Ukupno s PDV-om\":\n"
		 "            v = ws.cell(row=c.row, column=11)\n"
		 "            print(repr(v.value), v.number_format)\n"
		 "        if c.value == \"Jamstveni popravak pisača\" or "
		 "str(c.value).startswith(\"2027-000124\"):\n"
		 "            v = ws.cell(row=c.row, column=5)\n"
		 "            print(repr(v.value), v.number_format)\n' %s",
		 p1);
	py = run(cmd);
	assert_non_null(strstr(py, "1234.56 #,##0.00\n"));
	/* 1830 seconds as a fraction of a day, shown as hours. */
	assert_non_null(strstr(py, " [h]:mm\n"));
	free(py);
	free(sheet);
	free(strings);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
	/* A path that cannot be written: -1 and the reason. */
	assert_int_equal(
	    report_spec_xlsx(&s, &company, "hr", "/nonexistent/dir/x.xlsx", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot write '/nonexistent/dir/x.xlsx'"));
	bill_spec_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_text),
	    cmocka_unit_test(test_spec_text_cap),
	    cmocka_unit_test(test_spec_empty),
	    cmocka_unit_test(test_line_without_days),
	    cmocka_unit_test(test_long_title),
	    cmocka_unit_test(test_spec_csv),
	    cmocka_unit_test(test_summary),
	    cmocka_unit_test(test_prepay),
	    cmocka_unit_test(test_spec_json_round_trip),
	    cmocka_unit_test(test_spec_json_refused),
	    cmocka_unit_test(test_parse_service),
	    cmocka_unit_test(test_parse_contract),
	    cmocka_unit_test(test_parse_others),
	    cmocka_unit_test(test_pdf),
	    cmocka_unit_test(test_pdf_pages),
	    cmocka_unit_test(test_xlsx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
