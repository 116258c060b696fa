/*
 * report_api: fills the cairo/pango and libxlsxwriter tables by dlopen, once
 * per process; see report_api.h for why.  Each member is checked at compile
 * time against the library header's declaration, so a table entry cannot
 * drift from the real function's type.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "report/report_api.h"

const struct report_pdf_api *report_pdf_api_table;
const struct report_xlsx_api *report_xlsx_api_table;

/* A library, the Debian package that has it, and its handle once loaded. */
struct lib {
	const char *soname;
	const char *package;
	void *handle;
};

/* One member: where it goes, its symbol, the library (index into the lib array) it is in. */
struct sym {
	void **slot;
	const char *name;
	int lib;
};

#define SAME_TYPE(member, fn)                                                                      \
	_Static_assert(__builtin_types_compatible_p(                                               \
			   __typeof__(((struct report_pdf_api *)0)->member), __typeof__(&fn)),     \
		       #fn)
#define SAME_TYPE_X(member, fn)                                                                    \
	_Static_assert(__builtin_types_compatible_p(                                               \
			   __typeof__(((struct report_xlsx_api *)0)->member), __typeof__(&fn)),    \
		       #fn)

/* ---- cairo and pango ---- */

enum { L_CAIRO, L_GOBJECT, L_PANGO, L_PANGOCAIRO };
static struct lib pdf_libs[] = {
    [L_CAIRO] = {"libcairo.so.2", "libcairo2", NULL},
    [L_GOBJECT] = {"libgobject-2.0.so.0", "libglib2.0-0", NULL},
    [L_PANGO] = {"libpango-1.0.so.0", "libpango-1.0-0", NULL},
    [L_PANGOCAIRO] = {"libpangocairo-1.0.so.0", "libpangocairo-1.0-0", NULL},
};

static struct report_pdf_api pdf;

#define P(member, lib)                                                                             \
	{                                                                                          \
		(void **)&pdf.member, #member, lib                                                 \
	}
static const struct sym pdf_syms[] = {
    P(cairo_pdf_surface_create_for_stream, L_CAIRO),
    P(cairo_pdf_surface_set_metadata, L_CAIRO),
    P(cairo_surface_status, L_CAIRO),
    P(cairo_surface_finish, L_CAIRO),
    P(cairo_surface_destroy, L_CAIRO),
    P(cairo_create, L_CAIRO),
    P(cairo_status, L_CAIRO),
    P(cairo_status_to_string, L_CAIRO),
    P(cairo_destroy, L_CAIRO),
    P(cairo_show_page, L_CAIRO),
    P(cairo_set_source_rgb, L_CAIRO),
    P(cairo_set_line_width, L_CAIRO),
    P(cairo_move_to, L_CAIRO),
    P(cairo_line_to, L_CAIRO),
    P(cairo_rectangle, L_CAIRO),
    P(cairo_fill, L_CAIRO),
    P(cairo_stroke, L_CAIRO),
    P(pango_font_description_from_string, L_PANGO),
    P(pango_font_description_free, L_PANGO),
    P(pango_layout_set_font_description, L_PANGO),
    P(pango_layout_set_text, L_PANGO),
    P(pango_layout_set_width, L_PANGO),
    P(pango_layout_set_wrap, L_PANGO),
    P(pango_layout_set_alignment, L_PANGO),
    P(pango_layout_get_size, L_PANGO),
    P(pango_font_map_create_context, L_PANGO),
    P(pango_layout_new, L_PANGO),
    P(pango_cairo_font_map_new, L_PANGOCAIRO),
    P(pango_cairo_update_context, L_PANGOCAIRO),
    P(pango_cairo_show_layout, L_PANGOCAIRO),
    P(g_object_unref, L_GOBJECT),
};

SAME_TYPE(cairo_pdf_surface_create_for_stream, cairo_pdf_surface_create_for_stream);
SAME_TYPE(cairo_pdf_surface_set_metadata, cairo_pdf_surface_set_metadata);
SAME_TYPE(cairo_surface_status, cairo_surface_status);
SAME_TYPE(cairo_surface_finish, cairo_surface_finish);
SAME_TYPE(cairo_surface_destroy, cairo_surface_destroy);
SAME_TYPE(cairo_create, cairo_create);
SAME_TYPE(cairo_status, cairo_status);
SAME_TYPE(cairo_status_to_string, cairo_status_to_string);
SAME_TYPE(cairo_destroy, cairo_destroy);
SAME_TYPE(cairo_show_page, cairo_show_page);
SAME_TYPE(cairo_set_source_rgb, cairo_set_source_rgb);
SAME_TYPE(cairo_set_line_width, cairo_set_line_width);
SAME_TYPE(cairo_move_to, cairo_move_to);
SAME_TYPE(cairo_line_to, cairo_line_to);
SAME_TYPE(cairo_rectangle, cairo_rectangle);
SAME_TYPE(cairo_fill, cairo_fill);
SAME_TYPE(cairo_stroke, cairo_stroke);
SAME_TYPE(pango_font_description_from_string, pango_font_description_from_string);
SAME_TYPE(pango_font_description_free, pango_font_description_free);
SAME_TYPE(pango_layout_set_font_description, pango_layout_set_font_description);
SAME_TYPE(pango_layout_set_text, pango_layout_set_text);
SAME_TYPE(pango_layout_set_width, pango_layout_set_width);
SAME_TYPE(pango_layout_set_wrap, pango_layout_set_wrap);
SAME_TYPE(pango_layout_set_alignment, pango_layout_set_alignment);
SAME_TYPE(pango_layout_get_size, pango_layout_get_size);
SAME_TYPE(pango_font_map_create_context, pango_font_map_create_context);
SAME_TYPE(pango_layout_new, pango_layout_new);
SAME_TYPE(pango_cairo_font_map_new, pango_cairo_font_map_new);
SAME_TYPE(pango_cairo_update_context, pango_cairo_update_context);
SAME_TYPE(pango_cairo_show_layout, pango_cairo_show_layout);
SAME_TYPE(g_object_unref, g_object_unref);

/* ---- libxlsxwriter ---- */

static struct lib xlsx_libs[] = {{"libxlsxwriter.so.4", "libxlsxwriter4", NULL}};

static struct report_xlsx_api xlsx;

#define X(member)                                                                                  \
	{                                                                                          \
		(void **)&xlsx.member, #member, 0                                                  \
	}
static const struct sym xlsx_syms[] = {
    X(workbook_new_opt),       X(workbook_add_worksheet),
    X(workbook_add_format),    X(workbook_set_properties),
    X(workbook_close),	       X(format_set_bold),
    X(format_set_font_size),   X(format_set_num_format),
    X(format_set_text_wrap),   X(format_set_align),
    X(format_set_bottom),      X(format_set_top),
    X(format_set_font_color),  X(worksheet_write_string),
    X(worksheet_write_number), X(worksheet_set_column),
    X(worksheet_set_paper),    X(worksheet_set_landscape),
    X(worksheet_fit_to_pages), X(worksheet_repeat_rows),
    X(worksheet_freeze_panes), X(lxw_strerror),
};

SAME_TYPE_X(workbook_new_opt, workbook_new_opt);
SAME_TYPE_X(workbook_add_worksheet, workbook_add_worksheet);
SAME_TYPE_X(workbook_add_format, workbook_add_format);
SAME_TYPE_X(workbook_set_properties, workbook_set_properties);
SAME_TYPE_X(workbook_close, workbook_close);
SAME_TYPE_X(format_set_bold, format_set_bold);
SAME_TYPE_X(format_set_font_size, format_set_font_size);
SAME_TYPE_X(format_set_num_format, format_set_num_format);
SAME_TYPE_X(format_set_text_wrap, format_set_text_wrap);
SAME_TYPE_X(format_set_align, format_set_align);
SAME_TYPE_X(format_set_bottom, format_set_bottom);
SAME_TYPE_X(format_set_top, format_set_top);
SAME_TYPE_X(format_set_font_color, format_set_font_color);
SAME_TYPE_X(worksheet_write_string, worksheet_write_string);
SAME_TYPE_X(worksheet_write_number, worksheet_write_number);
SAME_TYPE_X(worksheet_set_column, worksheet_set_column);
SAME_TYPE_X(worksheet_set_paper, worksheet_set_paper);
SAME_TYPE_X(worksheet_set_landscape, worksheet_set_landscape);
SAME_TYPE_X(worksheet_fit_to_pages, worksheet_fit_to_pages);
SAME_TYPE_X(worksheet_repeat_rows, worksheet_repeat_rows);
SAME_TYPE_X(worksheet_freeze_panes, worksheet_freeze_panes);
SAME_TYPE_X(lxw_strerror, lxw_strerror);

/*
 * Under AddressSanitizer: fontconfig (loaded by pango) leaks a few hundred
 * bytes once per process while it parses its configuration
 * (FcInitLoadConfigAndFonts, from pango's font thread); nothing evid can
 * free.  LeakSanitizer reads this hook when the process ends: only leaks
 * whose stack passes through libfontconfig are suppressed.
 */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void) __attribute__((used));
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

/* ---- loading ---- */

/* Open libs and resolve syms; 0, or -1 with the reason in msg. */
static int load_all(struct lib *libs, size_t nlibs, const struct sym *syms, size_t nsyms, char *msg,
		    size_t msgsz)
{
	size_t i;

	for (i = 0; i < nlibs; i++) {
		libs[i].handle = dlopen(libs[i].soname, RTLD_NOW | RTLD_LOCAL);
		if (!libs[i].handle) {
			snprintf(msg, msgsz, "cannot load %s: %s; install %s", libs[i].soname,
				 dlerror(), libs[i].package);
			return -1;
		}
	}
	for (i = 0; i < nsyms; i++) {
		*syms[i].slot = dlsym(libs[syms[i].lib].handle, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(msg, msgsz, "%s has no %s; install a newer %s",
				 libs[syms[i].lib].soname, syms[i].name, libs[syms[i].lib].package);
			return -1;
		}
	}
	return 0;
}

static pthread_once_t pdf_once = PTHREAD_ONCE_INIT, xlsx_once = PTHREAD_ONCE_INIT;
static char pdf_error[512], xlsx_error[512];

static void pdf_load(void)
{
	if (load_all(pdf_libs, sizeof(pdf_libs) / sizeof(pdf_libs[0]), pdf_syms,
		     sizeof(pdf_syms) / sizeof(pdf_syms[0]), pdf_error, sizeof(pdf_error)) == 0)
		report_pdf_api_table = &pdf;
}

static void xlsx_load(void)
{
	if (load_all(xlsx_libs, 1, xlsx_syms, sizeof(xlsx_syms) / sizeof(xlsx_syms[0]), xlsx_error,
		     sizeof(xlsx_error)) == 0)
		report_xlsx_api_table = &xlsx;
}

int report_pdf_api_load(char *err, size_t errsz)
{
	pthread_once(&pdf_once, pdf_load);
	if (report_pdf_api_table)
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "%s", pdf_error);
	return -1;
}

int report_xlsx_api_load(char *err, size_t errsz)
{
	pthread_once(&xlsx_once, xlsx_load);
	if (report_xlsx_api_table)
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "%s", xlsx_error);
	return -1;
}
