/*
 * report_fmt: what every billing document spells the same way -- the
 * labels in Croatian and English, amounts, hours, quantities, months, and
 * the detail text of each kind of line -- so that the text, the PDF and the
 * XLSX say the same thing.  Internal to src/report.
 */
#ifndef EVID_REPORT_REPORT_FMT_H
#define EVID_REPORT_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "core/billing.h"
#include "util/buf.h"

#define RFMT_MAX 64 /* room for any amount, hours, quantity or month written here */

/* Every label of the documents in one language. */
struct rlang {
	const char *code; /* "hr" or "en" */
	char dec, thou;	  /* decimal and thousands separators */
	const char *months[12];
	const char *spec_title;	   /* "Specifikacija usluga" */
	const char *summary_title; /* "Sažetak obračuna" */
	const char *prepay_title;  /* "Predujmovi" */
	const char *client, *oib, *address, *month;
	const char *sec_contracts, *sec_work, *sec_extras, *sec_adjust, *sec_support, *sec_totals;
	const char *col_desc, *col_qty, *col_price, *col_vat, *col_amount;
	const char *per_month;	  /* "mjesečno" */
	const char *days;	  /* "dani" */
	const char *of;		  /* "od" */
	const char *days_word;	  /* "dana" (after a count) */
	const char *prepaid;	  /* "plaćeno unaprijed, nije u zbroju" */
	const char *prepaid_diff; /* "razlika prema predujmu" */
	const char *contract;	  /* "ugovor" */
	const char *spent, *rounded, *included, *billed;
	const char *overage_rate; /* "cijena prekoračenja" */
	const char *free, *warranty, *not_billable, *no_charge;
	const char *ticket;	     /* "zahtjev" */
	const char *correction_of;   /* "ispravak za" */
	const char *used;	     /* "iskorišteno" */
	const char *overage;	     /* "prekoračenje" */
	const char *work_total;	     /* "Rad ukupno" */
	const char *net_at, *vat_at; /* "Osnovica", "PDV" (followed by the rate) */
	const char *net_total, *vat_total, *gross_total;
	const char *clients;	  /* "Klijenata" */
	const char *period;	  /* "razdoblje" */
	const char *client_total; /* "Ukupno za klijenta" */
	const char *all_total;	  /* "Ukupno" */
	const char *no_lines;	  /* "Nema stavki." */
	const char *no_prepay;	  /* "Nema predujmova za izdati." */
	const char *page;	  /* "Stranica" */
	const char *issuer;	  /* "Izdavatelj" */
	const char *hours_unit;	  /* "h" */
	/* the spreadsheet's columns and values */
	const char *col_kind, *col_detail, *col_spent, *col_rounded, *col_included, *col_billed;
	const char *col_charged, *yes, *no;
	const char *kinds[6]; /* by enum bill_line_kind: "ugovor", "predujam"... */
	const char *sheet;    /* the worksheet's name */
};

/* The labels of lang ("hr" or "en"), or NULL with a message in err. */
const struct rlang *rlang_get(const char *lang, char *err, size_t errsz);

/* "1.234,56 EUR" / "1,234.56 EUR"; with_eur 0 leaves off " EUR". */
void rfmt_money(const struct rlang *L, int64_t cents, int with_eur, char out[RFMT_MAX]);
/* "1:05" (hours:minutes, to the nearest minute, a half up). */
void rfmt_hours(int64_t seconds, char out[RFMT_MAX]);
/* A quantity in thousandths: "2", "1,5" / "1.5", "1.000" (hr thousands). */
void rfmt_qty(const struct rlang *L, int64_t thousandths, char out[RFMT_MAX]);
/* "siječanj 2027." / "January 2027". */
void rfmt_month(const struct rlang *L, int32_t month, char out[RFMT_MAX]);
/* A day: "12.01.2027." / "2027-01-12". */
void rfmt_date(const struct rlang *L, int32_t day, char out[RFMT_MAX]);
/* "25 %" / "25%". */
void rfmt_vat(const struct rlang *L, int vat, char out[RFMT_MAX]);

/* The machine forms of CSV and JSON: "-1234.56", hours "1.12", quantity "1.500". */
void rfmt_money_plain(int64_t cents, char out[RFMT_MAX]);
void rfmt_hours_plain(int64_t seconds, char out[RFMT_MAX]);
void rfmt_qty_plain(int64_t thousandths, char out[RFMT_MAX]);

/*
 * The line's headline as the documents show it: contract lines the
 * description and, in brackets, the contract number and service code; work
 * the ticket number and subject; extras the ticket number (if any) and the
 * description; adjustments the description.
 */
int rfmt_line_title(const struct rlang *L, const struct bill_line *l, struct buf *out);
/*
 * The second row of a line: the days and the prepaid marking of contract
 * lines, the rate, technicians and times of work, the correction's month;
 * with_qty 1 also the quantity and price (for layouts without their columns).
 * Appends nothing when there is nothing to add.
 */
int rfmt_line_detail(const struct rlang *L, const struct bill_line *l, int with_qty,
		     struct buf *out);
/* The quantity column: contract and extra lines the quantity, work the billed hours. */
void rfmt_line_qty(const struct rlang *L, const struct bill_line *l, char out[RFMT_MAX]);
/* The price column: unit or monthly price, or the hourly rate; "" for adjustments. */
void rfmt_line_price(const struct rlang *L, const struct bill_line *l, char out[RFMT_MAX]);
/* "UG-2027-014: iskorišteno 10:00 od 10:00, prekoračenje 2:30". */
int rfmt_support(const struct rlang *L, const struct bill_support *s, struct buf *out);

/* The section a line kind is listed under (0 contracts, 1 work, 2 extras, 3 adjustments). */
int rfmt_section(enum bill_line_kind k);
const char *rfmt_section_title(const struct rlang *L, int section);

/* 1 when a VAT total is worth a row: something was charged at that rate. */
int rfmt_vat_shown(const struct bill_vat_total *v);

/* The number of characters (code points) of UTF-8 text s. */
size_t rfmt_width(const char *s);

/* Copy a message into err (errsz may be 0). */
void rfmt_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
