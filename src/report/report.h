/*
 * report: the billing documents (issue 5) written from core/billing.h's
 * structs: plain text and CSV by hand, PDF with cairo + pango, XLSX with
 * libxlsxwriter.  This layer is the only one that includes those libraries'
 * headers, and it loads them with dlopen on first use (report_api.c), so
 * that no other evid process pays for loading them.  The JSON of the same
 * structs is written by web/json (jansson's owner) and handed over as text
 * through web/json_doc.h.
 *
 * Every writer is deterministic: the same input gives the same bytes (the
 * PDF's dates are the month's, not the clock's), so a closed month's stored
 * specification reproduces byte-for-byte.  Every call returns 0, or -1 with
 * a message in err (errsz bytes): a library that cannot be loaded, a buffer
 * past its cap, a file that cannot be written.
 */
#ifndef EVID_REPORT_REPORT_H
#define EVID_REPORT_REPORT_H

#include <stddef.h>

#include "core/billing.h"
#include "util/buf.h"

/* Who issues the documents: [company] in the configuration. */
struct report_company {
	const char *name;
	const char *oib;
	const char *address;
};

/* lang: "hr" or "en".  Amounts as "1.234,56" or "1,234.56", hours as "1:30". */

/* One client's specification as text (also the screen's layout in a terminal). */
int report_spec_text(const struct bill_spec *s, const char *lang, struct buf *out, char *err,
		     size_t errsz);
/* The run's summary as text. */
int report_summary_text(const struct bill_summary *s, const char *lang, struct buf *out,
			char *err, size_t errsz);

/*
 * CSV (RFC 4180, UTF-8, comma-separated, "." decimals, amounts in EUR with
 * two decimals, hours with two decimals): one row per line, with the
 * client's id, name and OIB and the month on every row, so that many
 * clients' rows can go into one file.  header 1 writes the header row first.
 */
int report_spec_csv(const struct bill_spec *s, int header, struct buf *out, char *err,
		    size_t errsz);

/*
 * The run's summary as one CSV row (month, clients, hours, net and VAT per
 * rate, totals; the columns are listed in report_csv.c), after the header
 * row when header is 1.
 */
int report_summary_csv(const struct bill_summary *s, int header, struct buf *out, char *err,
		       size_t errsz);

/* One client's specification as a PDF (A4) into out. */
int report_spec_pdf(const struct bill_spec *s, const struct report_company *co, const char *lang,
		    struct buf *out, char *err, size_t errsz);

/* One client's specification as an XLSX workbook written to path. */
int report_spec_xlsx(const struct bill_spec *s, const struct report_company *co,
		     const char *lang, const char *path, char *err, size_t errsz);

/* The prepayments of a month (one per contract) as text and as CSV. */
int report_prepay_text(const struct bill_prepay *p, size_t n, const char *lang, struct buf *out,
		       char *err, size_t errsz);
int report_prepay_csv(const struct bill_prepay *p, size_t n, struct buf *out, char *err,
		      size_t errsz);

#endif
