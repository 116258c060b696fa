/*
 * report_pdf: one client's specification as an A4 PDF, drawn with cairo and
 * laid out with pango in "DejaVu Sans" (which has the Croatian letters).
 * Every page carries the company and the title; the first also the client;
 * the table of lines breaks across pages with its header repeated; the
 * included hours and the totals close it; each page's foot says "page N of
 * M".  The pages are laid out twice: once to count them, once to draw.
 *
 * Deterministic: the PDF's creation and modification dates are the month's
 * first day, never the clock, and nothing else in it depends on time, so
 * the same specification gives the same bytes.  cairo and pango are reached
 * through report_api (dlopen).
 */
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "report/report.h"
#include "report/report_api.h"
#include "report/report_fmt.h"

#define PAGE_W 595.276 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN_X 42.0
#define MARGIN_TOP 40.0
#define BOTTOM 790.0 /* where the body ends and the foot begins */
#define FOOT_Y 805.0
#define BODY_W (PAGE_W - 2 * MARGIN_X)
#define PAD 3.0

/* The table's columns: description, quantity, price, VAT, amount. */
static const double col_w[5] = {BODY_W - 250.0, 62.0, 68.0, 40.0, 80.0};

enum font { F_BODY, F_BOLD, F_SMALL, F_TITLE, F_COUNT };
static const char *const font_names[F_COUNT] = {
    "DejaVu Sans 8.5px",
    "DejaVu Sans Bold 8.5px",
    "DejaVu Sans 7px",
    "DejaVu Sans Bold 14px",
};

struct pdf {
	const struct report_pdf_api *api;
	const struct rlang *L;
	const struct bill_spec *s;
	const struct report_company *co;
	cairo_t *cr;
	PangoFontMap *fonts;
	PangoContext *ctx;
	PangoLayout *lay;
	PangoFontDescription *font[F_COUNT];
	int draw;  /* 0 while counting pages */
	int page;  /* the page being laid out, from 1 */
	int pages; /* known in the drawing pass */
	double y;
};

struct sink {
	struct buf *out;
	int full;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *k = closure;

	if (buf_add(k->out, data, len) < 0) {
		k->full = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/*
 * Lay out text in font at (x, y), width w (0: unbounded, one line), aligned
 * left or right; draws it in the drawing pass.  Returns its height.
 */
static double text(struct pdf *p, double x, double y, double w, enum font f, int right,
		   const char *t)
{
	const struct report_pdf_api *A = p->api;
	int pw, ph;

	A->pango_layout_set_font_description(p->lay, p->font[f]);
	A->pango_layout_set_width(p->lay, w > 0 ? (int)(w * PANGO_SCALE) : -1);
	A->pango_layout_set_alignment(p->lay, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	A->pango_layout_set_text(p->lay, t, -1);
	A->pango_layout_get_size(p->lay, &pw, &ph);
	if (p->draw) {
		A->cairo_move_to(p->cr, x, y);
		A->pango_cairo_show_layout(p->cr, p->lay);
	}
	return (double)ph / PANGO_SCALE;
}

static void rgb(struct pdf *p, double r, double g, double b)
{
	if (p->draw)
		p->api->cairo_set_source_rgb(p->cr, r, g, b);
}

static void hline(struct pdf *p, double y, double width)
{
	const struct report_pdf_api *A = p->api;

	if (!p->draw)
		return;
	A->cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	A->cairo_set_line_width(p->cr, width);
	A->cairo_move_to(p->cr, MARGIN_X, y);
	A->cairo_line_to(p->cr, MARGIN_X + BODY_W, y);
	A->cairo_stroke(p->cr);
	A->cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static double col_x(int c)
{
	double x = MARGIN_X;
	int i;

	for (i = 0; i < c; i++)
		x += col_w[i];
	return x;
}

/* The table's header row. */
static void table_header(struct pdf *p)
{
	const struct rlang *L = p->L;
	const char *names[5] = {L->col_desc, L->col_qty, L->col_price, L->col_vat, L->col_amount};
	double h = 0, t;
	int c;

	if (p->draw) {
		p->api->cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
		p->api->cairo_rectangle(p->cr, MARGIN_X, p->y, BODY_W, 14);
		p->api->cairo_fill(p->cr);
		p->api->cairo_set_source_rgb(p->cr, 0, 0, 0);
	}
	for (c = 0; c < 5; c++) {
		t = text(p, col_x(c) + PAD, p->y + 2, col_w[c] - 2 * PAD, F_BOLD, c > 0, names[c]);
		if (t > h)
			h = t;
	}
	p->y += h + 6;
}

/* The top of every page: the company on the left, the title and month on the right. */
static void page_head(struct pdf *p)
{
	const struct rlang *L = p->L;
	char m[RFMT_MAX], line[128];
	double y = MARGIN_TOP, ry = MARGIN_TOP;

	y += text(p, MARGIN_X, y, 280, F_BOLD, 0, nz(p->co->name));
	if (p->co->oib && p->co->oib[0]) {
		snprintf(line, sizeof(line), "%s: %s", L->oib, p->co->oib);
		y += text(p, MARGIN_X, y, 280, F_SMALL, 0, line);
	}
	if (p->co->address && p->co->address[0])
		y += text(p, MARGIN_X, y, 280, F_SMALL, 0, p->co->address);
	rfmt_month(L, p->s->month, m);
	ry += text(p, MARGIN_X + 280, ry, BODY_W - 280, F_TITLE, 1, L->spec_title);
	ry += text(p, MARGIN_X + 280, ry + 2, BODY_W - 280, F_BOLD, 1, m) + 2;
	p->y = (y > ry ? y : ry) + 8;
	hline(p, p->y, 0.8);
	p->y += 8;
}

/* The client's block, on the first page only. */
static void client_block(struct pdf *p)
{
	const struct rlang *L = p->L;
	char line[64];

	p->y += text(p, MARGIN_X, p->y, 120, F_SMALL, 0, L->client);
	p->y += text(p, MARGIN_X, p->y, BODY_W, F_BOLD, 0, p->s->client_name);
	if (p->s->client_oib[0]) {
		snprintf(line, sizeof(line), "%s: %s", L->oib, p->s->client_oib);
		p->y += text(p, MARGIN_X, p->y, BODY_W, F_BODY, 0, line);
	}
	if (p->s->client_address[0])
		p->y += text(p, MARGIN_X, p->y, BODY_W, F_BODY, 0, p->s->client_address);
	p->y += 12;
}

static void page_foot(struct pdf *p)
{
	char line[96];

	snprintf(line, sizeof(line), "%s %d %s %d", p->L->page, p->page, p->L->of, p->pages);
	rgb(p, 0.35, 0.35, 0.35);
	text(p, MARGIN_X, FOOT_Y, BODY_W / 2, F_SMALL, 0, p->s->client_name);
	text(p, MARGIN_X + BODY_W / 2, FOOT_Y, BODY_W / 2, F_SMALL, 1, line);
	rgb(p, 0, 0, 0);
}

static void new_page(struct pdf *p, int with_table_header)
{
	page_foot(p);
	if (p->draw)
		p->api->cairo_show_page(p->cr);
	p->page++;
	page_head(p);
	if (with_table_header)
		table_header(p);
}

/* Make room for h points, starting a new page when they do not fit. */
static void room(struct pdf *p, double h, int with_table_header)
{
	if (p->y + h > BOTTOM)
		new_page(p, with_table_header);
}

/* One line of the specification: its cells, measured first so a row never splits. */
static int table_row(struct pdf *p, const struct bill_line *l)
{
	const struct rlang *L = p->L;
	struct buf title = BUF_INIT(4096), detail = BUF_INIT(4096);
	char qty[RFMT_MAX], price[RFMT_MAX], vat[RFMT_MAX], amount[RFMT_MAX];
	double w = col_w[0] - 2 * PAD, h, hd = 0;
	int was_draw = p->draw, rc = -1;

	if (rfmt_line_title(L, l, &title) < 0 || rfmt_line_detail(L, l, 0, &detail) < 0)
		goto out;
	rfmt_line_qty(L, l, qty);
	rfmt_line_price(L, l, price);
	rfmt_vat(L, l->vat, vat);
	rfmt_money(L, l->amount, 0, amount);
	/* Measure. */
	p->draw = 0;
	h = text(p, 0, 0, w, F_BODY, 0, title.s);
	if (detail.len)
		hd = text(p, 0, 0, w, F_SMALL, 0, detail.s);
	p->draw = was_draw;
	room(p, h + hd + 2 * PAD, 1);
	text(p, col_x(0) + PAD, p->y + PAD, w, F_BODY, 0, title.s);
	if (detail.len) {
		rgb(p, 0.35, 0.35, 0.35);
		text(p, col_x(0) + PAD, p->y + PAD + h, w, F_SMALL, 0, detail.s);
		rgb(p, 0, 0, 0);
	}
	text(p, col_x(1) + PAD, p->y + PAD, col_w[1] - 2 * PAD, F_BODY, 1, qty);
	text(p, col_x(2) + PAD, p->y + PAD, col_w[2] - 2 * PAD, F_BODY, 1, price);
	text(p, col_x(3) + PAD, p->y + PAD, col_w[3] - 2 * PAD, F_BODY, 1, vat);
	if (!l->charged)
		rgb(p, 0.35, 0.35, 0.35);
	text(p, col_x(4) + PAD, p->y + PAD, col_w[4] - 2 * PAD, F_BODY, 1, amount);
	rgb(p, 0, 0, 0);
	p->y += h + hd + 2 * PAD;
	hline(p, p->y, 0.3);
	rc = 0;
out:
	buf_free(&title);
	buf_free(&detail);
	return rc;
}

/* A labelled amount at the right: "Osnovica 25 %     1.234,56 EUR". */
static void total_row(struct pdf *p, const char *label, int64_t cents, int bold)
{
	char amount[RFMT_MAX];
	double h;

	rfmt_money(p->L, cents, 1, amount);
	room(p, 14, 0);
	h = text(p, col_x(1), p->y, col_w[1] + col_w[2] + col_w[3] - PAD, bold ? F_BOLD : F_BODY, 1,
		 label);
	text(p, col_x(4) + PAD, p->y, col_w[4] - 2 * PAD, bold ? F_BOLD : F_BODY, 1, amount);
	p->y += h + 2;
}

static int layout(struct pdf *p)
{
	const struct rlang *L = p->L;
	const struct bill_spec *s = p->s;
	char label[160], pct[RFMT_MAX], sp[RFMT_MAX], ro[RFMT_MAX];
	struct buf b = BUF_INIT(4096);
	int section = -1, has_work = 0, i;
	size_t k;

	p->page = 1;
	page_head(p);
	client_block(p);
	if (s->n_lines == 0) {
		p->y += text(p, MARGIN_X, p->y, BODY_W, F_BODY, 0, L->no_lines);
	} else {
		table_header(p);
	}
	for (k = 0; k < s->n_lines; k++) {
		const struct bill_line *l = &s->lines[k];

		if (rfmt_section(l->kind) != section) {
			section = rfmt_section(l->kind);
			room(p, 40, 1);
			p->y += 4;
			p->y += text(p, MARGIN_X + PAD, p->y, BODY_W, F_BOLD, 0,
				     rfmt_section_title(L, section)) +
				2;
		}
		if (l->kind == LINE_WORK)
			has_work = 1;
		if (table_row(p, l) < 0)
			return -1;
	}
	if (s->n_support) {
		room(p, 30, 0);
		p->y += 8;
		p->y += text(p, MARGIN_X, p->y, BODY_W, F_BOLD, 0, L->sec_support) + 2;
		for (k = 0; k < s->n_support; k++) {
			buf_reset(&b);
			if (rfmt_support(L, &s->support[k], &b) < 0) {
				buf_free(&b);
				return -1;
			}
			room(p, 12, 0);
			p->y += text(p, MARGIN_X + PAD, p->y, BODY_W, F_BODY, 0, b.s);
		}
	}
	buf_free(&b);
	/* The totals stay together. */
	room(p, 40 + 14 * (2 * BILL_VAT_RATES + 3), 0);
	p->y += 10;
	if (has_work) {
		rfmt_hours(s->work_seconds, sp);
		rfmt_hours(s->work_rounded, ro);
		snprintf(label, sizeof(label), "%s: %s %s, %s %s", L->work_total, L->spent, sp,
			 L->rounded, ro);
		p->y += text(p, MARGIN_X, p->y, BODY_W, F_BODY, 0, label) + 6;
	}
	for (i = 0; i < BILL_VAT_RATES; i++) {
		if (!rfmt_vat_shown(&s->vat[i]))
			continue;
		rfmt_vat(L, s->vat[i].vat, pct);
		snprintf(label, sizeof(label), "%s %s", L->net_at, pct);
		total_row(p, label, s->vat[i].net, 0);
		snprintf(label, sizeof(label), "%s %s", L->vat_at, pct);
		total_row(p, label, s->vat[i].tax, 0);
	}
	p->y += 4;
	total_row(p, L->net_total, s->net, 0);
	total_row(p, L->vat_total, s->tax, 0);
	total_row(p, L->gross_total, s->gross, 1);
	page_foot(p);
	if (p->draw)
		p->api->cairo_show_page(p->cr);
	return 0;
}

static int cairo_failed(struct pdf *p, cairo_surface_t *surface, const struct sink *k, char *err,
			size_t errsz)
{
	cairo_status_t st = p->cr ? p->api->cairo_status(p->cr) : CAIRO_STATUS_SUCCESS;

	if (st == CAIRO_STATUS_SUCCESS && surface)
		st = p->api->cairo_surface_status(surface);
	if (st == CAIRO_STATUS_SUCCESS && !k->full)
		return 0;
	if (k->full)
		rfmt_err(err, errsz, "the pdf is larger than its limit");
	else
		rfmt_err(err, errsz, "cannot write the pdf: %s",
			 p->api->cairo_status_to_string(st));
	return -1;
}

int report_spec_pdf(const struct bill_spec *s, const struct report_company *co, const char *lang,
		    struct buf *out, char *err, size_t errsz)
{
	const struct rlang *L = rlang_get(lang, err, errsz);
	struct report_company none = {"", "", ""};
	struct pdf p;
	struct sink k = {out, 0};
	cairo_surface_t *surface = NULL;
	size_t start = out->len;
	char date[32], title[512], mon[8];
	int y, m, i, rc = -1;

	if (!L || report_pdf_api_load(err, errsz) < 0)
		return -1;
	memset(&p, 0, sizeof(p));
	p.api = RP;
	p.L = L;
	p.s = s;
	p.co = co ? co : &none;
	surface = RP->cairo_pdf_surface_create_for_stream(sink_write, &k, PAGE_W, PAGE_H);
	cal_month_ym(s->month, &y, &m);
	snprintf(date, sizeof(date), "%04d-%02d-01T00:00:00", y, m);
	RP->cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
	RP->cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
	snprintf(title, sizeof(title), "%s %s, %s", L->spec_title, cal_month_format(s->month, mon),
		 s->client_name);
	RP->cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
	RP->cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, nz(p.co->name));
	RP->cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "evid");
	p.cr = RP->cairo_create(surface);
	/*
	 * A font map of the document's own rather than pango's per-thread
	 * default: released with the document, so a server's threads keep no
	 * font caches between documents and nothing is left at exit.
	 */
	p.fonts = RP->pango_cairo_font_map_new();
	p.ctx = RP->pango_font_map_create_context(p.fonts);
	RP->pango_cairo_update_context(p.cr, p.ctx);
	p.lay = RP->pango_layout_new(p.ctx);
	RP->pango_layout_set_wrap(p.lay, PANGO_WRAP_WORD_CHAR);
	for (i = 0; i < F_COUNT; i++)
		p.font[i] = RP->pango_font_description_from_string(font_names[i]);
	if (cairo_failed(&p, surface, &k, err, errsz) < 0)
		goto out;
	/* Count the pages, then draw them. */
	p.draw = 0;
	if (layout(&p) < 0)
		goto too_big;
	p.pages = p.page;
	p.draw = 1;
	if (layout(&p) < 0)
		goto too_big;
	RP->cairo_surface_finish(surface);
	if (cairo_failed(&p, surface, &k, err, errsz) < 0)
		goto out;
	rc = 0;
	goto out;
too_big:
	rfmt_err(err, errsz, "a line of the specification is larger than its limit");
out:
	for (i = 0; i < F_COUNT; i++)
		if (p.font[i])
			RP->pango_font_description_free(p.font[i]);
	if (p.lay)
		RP->g_object_unref(p.lay);
	if (p.ctx)
		RP->g_object_unref(p.ctx);
	if (p.fonts)
		RP->g_object_unref(p.fonts);
	if (p.cr)
		RP->cairo_destroy(p.cr);
	if (surface)
		RP->cairo_surface_destroy(surface);
	if (rc < 0) {
		out->len = start;
		out->s[start] = '\0';
	}
	return rc;
}
