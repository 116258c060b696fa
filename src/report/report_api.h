/*
 * report_api: cairo, pango and libxlsxwriter, loaded when the first PDF or
 * XLSX is written rather than when any `evid` process starts.
 *
 * cairo with pango brings 25 libraries that evid does not load otherwise
 * (fontconfig, freetype, harfbuzz, fribidi, pixman, libpng, the X
 * libraries...); libxlsxwriter brings minizip and libcrypto.  Only a
 * process that writes a PDF or an XLSX
 * needs them, so report_pdf.c and report_xlsx.c reach them through these
 * tables, filled by dlopen once per process (thread-safe); the libraries stay
 * loaded until the process ends.  Only their headers are compiled in.  The
 * members carry the libraries' own function names.
 */
#ifndef EVID_REPORT_REPORT_API_H
#define EVID_REPORT_REPORT_API_H

#include <stddef.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <xlsxwriter.h>

/* libcairo.so.2, libpango-1.0.so.0, libpangocairo-1.0.so.0, libgobject-2.0.so.0. */
struct report_pdf_api {
	cairo_surface_t *(*cairo_pdf_surface_create_for_stream)(cairo_write_func_t write,
								void *closure, double width,
								double height);
	void (*cairo_pdf_surface_set_metadata)(cairo_surface_t *s, cairo_pdf_metadata_t m,
					       const char *utf8);
	cairo_status_t (*cairo_surface_status)(cairo_surface_t *s);
	void (*cairo_surface_finish)(cairo_surface_t *s);
	void (*cairo_surface_destroy)(cairo_surface_t *s);
	cairo_t *(*cairo_create)(cairo_surface_t *s);
	cairo_status_t (*cairo_status)(cairo_t *cr);
	const char *(*cairo_status_to_string)(cairo_status_t st);
	void (*cairo_destroy)(cairo_t *cr);
	void (*cairo_show_page)(cairo_t *cr);
	void (*cairo_set_source_rgb)(cairo_t *cr, double r, double g, double b);
	void (*cairo_set_line_width)(cairo_t *cr, double w);
	void (*cairo_move_to)(cairo_t *cr, double x, double y);
	void (*cairo_line_to)(cairo_t *cr, double x, double y);
	void (*cairo_rectangle)(cairo_t *cr, double x, double y, double w, double h);
	void (*cairo_fill)(cairo_t *cr);
	void (*cairo_stroke)(cairo_t *cr);

	PangoFontDescription *(*pango_font_description_from_string)(const char *s);
	void (*pango_font_description_free)(PangoFontDescription *d);
	void (*pango_layout_set_font_description)(PangoLayout *l, const PangoFontDescription *d);
	void (*pango_layout_set_text)(PangoLayout *l, const char *text, int length);
	void (*pango_layout_set_width)(PangoLayout *l, int width);
	void (*pango_layout_set_wrap)(PangoLayout *l, PangoWrapMode wrap);
	void (*pango_layout_set_alignment)(PangoLayout *l, PangoAlignment a);
	void (*pango_layout_get_size)(PangoLayout *l, int *width, int *height);

	PangoContext *(*pango_font_map_create_context)(PangoFontMap *fm);
	PangoLayout *(*pango_layout_new)(PangoContext *ctx);

	PangoFontMap *(*pango_cairo_font_map_new)(void);
	void (*pango_cairo_update_context)(cairo_t *cr, PangoContext *ctx);
	void (*pango_cairo_show_layout)(cairo_t *cr, PangoLayout *l);

	void (*g_object_unref)(gpointer object);
};

/* libxlsxwriter.so.4. */
struct report_xlsx_api {
	lxw_workbook *(*workbook_new_opt)(const char *filename, lxw_workbook_options *options);
	lxw_worksheet *(*workbook_add_worksheet)(lxw_workbook *wb, const char *name);
	lxw_format *(*workbook_add_format)(lxw_workbook *wb);
	lxw_error (*workbook_set_properties)(lxw_workbook *wb, lxw_doc_properties *p);
	lxw_error (*workbook_close)(lxw_workbook *wb);
	void (*format_set_bold)(lxw_format *f);
	void (*format_set_font_size)(lxw_format *f, double size);
	void (*format_set_num_format)(lxw_format *f, const char *fmt);
	void (*format_set_text_wrap)(lxw_format *f);
	void (*format_set_align)(lxw_format *f, uint8_t alignment);
	void (*format_set_bottom)(lxw_format *f, uint8_t style);
	void (*format_set_top)(lxw_format *f, uint8_t style);
	void (*format_set_font_color)(lxw_format *f, lxw_color_t color);
	lxw_error (*worksheet_write_string)(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
					    const char *s, lxw_format *f);
	lxw_error (*worksheet_write_number)(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
					    double n, lxw_format *f);
	lxw_error (*worksheet_set_column)(lxw_worksheet *ws, lxw_col_t first, lxw_col_t last,
					  double width, lxw_format *f);
	void (*worksheet_set_paper)(lxw_worksheet *ws, uint8_t paper);
	void (*worksheet_set_landscape)(lxw_worksheet *ws);
	void (*worksheet_fit_to_pages)(lxw_worksheet *ws, uint16_t width, uint16_t height);
	lxw_error (*worksheet_repeat_rows)(lxw_worksheet *ws, lxw_row_t first, lxw_row_t last);
	void (*worksheet_freeze_panes)(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col);
	char *(*lxw_strerror)(lxw_error e);
};

/*
 * The loaded tables, after a successful load; NULL before.
 */
extern const struct report_pdf_api *report_pdf_api_table;
extern const struct report_xlsx_api *report_xlsx_api_table;
#define RP report_pdf_api_table
#define RX report_xlsx_api_table

/*
 * Load cairo and pango (report_pdf_api_load) or libxlsxwriter
 * (report_xlsx_api_load), once per process; later calls only report the
 * first outcome.  0 on success; -1 with the reason and the Debian package to
 * install in err ("cannot load libpangocairo-1.0.so.0: ...; install
 * libpangocairo-1.0-0") when a library or one of its functions is missing.
 */
int report_pdf_api_load(char *err, size_t errsz);
int report_xlsx_api_load(char *err, size_t errsz);

#endif
