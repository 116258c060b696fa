/*
 * page: the frame of every staff page (see page.h): session checks and
 * redirects, the CSRF token, reading forms through libmicrohttpd's post
 * processor, the layout with the header and the running stopwatch, and the
 * ways a page answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/mhd_api.h"
#include "core/validate.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/page.h"

/* The policy of every page: nothing inline, nothing from elsewhere. */
static const char page_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
static const char download_csp[] = "sandbox; default-src 'none'";

#define PRE_COOKIE "evid_pre"


struct web_asset {
	const char *name;
	const char *type;
	const char *version;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

static const struct web_asset *asset_find(const char *name)
{
	size_t i;

	for (i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

const char *page_lang(const struct web_req *r)
{
	if (r->user.id && i18n_lang_ok(r->user.lang))
		return r->user.lang;
	if (r->srv && r->srv->conf && i18n_lang_ok(r->srv->conf->language))
		return r->srv->conf->language;
	return "hr";
}

const char *page_csrf_token(const struct web_req *r)
{
	return r->csrf;
}

void page_csrf_field(const struct web_req *r, struct html *h)
{
	html_printf(h, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->csrf);
}

/* ---- answers ---- */

static void reply_html(struct web_req *r, int status, struct html *h)
{
	size_t n = html_len(h);
	char *body = buf_detach(&h->b);

	web_reply_raw(r, status, body, n, "text/html; charset=utf-8");
	r->resp_csp = page_csp;
}

void page_redirect(struct web_req *r, const char *path, enum notice notice)
{
	char loc[WEB_PATH_MAX + 64], base[WEB_PATH_MAX + 1];
	const char *frag;
	size_t n;

	if (!path || path[0] != '/' || path[1] == '/' || path[1] == '\\' ||
	    strlen(path) > WEB_PATH_MAX)
		path = "/tickets";
	frag = strchr(path, '#');
	n = frag ? (size_t)(frag - path) : strlen(path);
	snprintf(base, sizeof(base), "%.*s", (int)n, path);
	if (notice != NOTICE_NONE && notice < NOTICE_COUNT)
		snprintf(loc, sizeof(loc), "%s%cn=%d%s", base, strchr(base, '?') ? '&' : '?',
			 (int)notice, frag ? frag : "");
	else
		snprintf(loc, sizeof(loc), "%s%s", base, frag ? frag : "");
	web_reply_raw(r, 303, NULL, 0, "text/html; charset=utf-8");
	r->resp_csp = page_csp;
	web_header_add(r, "Location", loc);
}

/* ---- who may see a page ---- */

static void login_redirect(struct web_req *r)
{
	struct html next;
	char loc[WEB_PATH_MAX * 3 + 32];

	html_init(&next, sizeof(loc) - 32);
	html_printf(&next, "%q", r->path);
	snprintf(loc, sizeof(loc), "/login?next=%s", html_failed(&next) ? "%2F" : html_data(&next));
	html_free(&next);
	web_reply_raw(r, 303, NULL, 0, "text/html; charset=utf-8");
	r->resp_csp = page_csp;
	web_header_add(r, "Location", loc);
}

/*
 * Without a session (the login page), forms are protected by a double
 * submit: a random cookie that a cross-site page cannot read, whose hash
 * the form must repeat.
 */
static void pre_session_token(struct web_req *r)
{
	const char *pre = MHD->lookup_connection_value(r->conn, MHD_COOKIE_KIND, PRE_COOKIE);
	char secret[CRYPTO_SECRET_MAX], tok[CRYPTO_SECRET_MAX + 8], cookie[CRYPTO_SECRET_MAX + 96];
	size_t n = pre ? strnlen(pre, CRYPTO_SECRET_MAX) : 0;

	if (n >= 20 && n < CRYPTO_SECRET_MAX && strspn(pre, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
							  "KLMNOPQRSTUVWXYZ0123456789_-") == n) {
		snprintf(secret, sizeof(secret), "%s", pre);
	} else {
		crypto_random_secret("p_", secret);
		snprintf(cookie, sizeof(cookie),
			 PRE_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s", secret,
			 r->srv->secure_cookie ? "; Secure" : "");
		web_header_add(r, "Set-Cookie", cookie);
	}
	snprintf(tok, sizeof(tok), "pre:%s", secret);
	crypto_sha256_hex(tok, strlen(tok), r->csrf);
	memset(secret, 0, sizeof(secret));
}

int page_auth(struct web_req *r, enum web_access access)
{
	int rc = web_session_from_cookie(r);

	if (rc < 0)
		return -1;
	if (access == ACCESS_PAGE_OPEN) {
		if (rc == 0)
			pre_session_token(r);
		return 0;
	}
	if (rc == 0) {
		if (strcmp(r->method, "GET") == 0)
			login_redirect(r);
		else
			page_error(r, 403, L(page_lang(r), "Your session has ended; log in again.",
					     "Vaša sesija je istekla; prijavite se ponovno."));
		return -1;
	}
	if (access == ACCESS_PAGE_ADMIN && r->user.role != ROLE_ADMIN) {
		page_error(r, 403, L(page_lang(r), "Only an administrator may open this page.",
				     "Ovu stranicu može otvoriti samo administrator."));
		return -1;
	}
	return 0;
}

/* ---- the layout ---- */

static const char *notice_text(const char *lang, int n)
{
	switch (n) {
	case NOTICE_SAVED:
		return L(lang, "Saved.", "Spremljeno.");
	case NOTICE_SENT:
		return L(lang, "The reply is queued for sending.", "Odgovor je u redu za slanje.");
	case NOTICE_NOTE_ADDED:
		return L(lang, "Note added.", "Bilješka je dodana.");
	case NOTICE_TIMER_START:
		return L(lang, "Stopwatch started.", "Štoperica je pokrenuta.");
	case NOTICE_TIMER_STOP:
		return L(lang, "Stopwatch stopped; the time is recorded.",
			 "Štoperica je zaustavljena; vrijeme je zabilježeno.");
	case NOTICE_TIME_ADDED:
		return L(lang, "Time entry added.", "Unos vremena je dodan.");
	case NOTICE_CREATED:
		return L(lang, "Created.", "Stvoreno.");
	case NOTICE_MERGED:
		return L(lang, "Merged.", "Spojeno.");
	case NOTICE_REPROCESSED:
		return L(lang, "Processed again.", "Ponovno obrađeno.");
	case NOTICE_PASSWORD:
		return L(lang, "Password changed.", "Lozinka je promijenjena.");
	default:
		return NULL;
	}
}

static void nav_link(struct html *h, const char *href, const char *label, int current,
		     const char *key)
{
	html_printf(h, "<li><a href=\"%s\"", href);
	if (current)
		html_printf(h, " aria-current=\"page\"");
	if (key)
		html_printf(h, " data-key=\"%s\"", key);
	html_printf(h, ">%s</a></li>", label);
}

static void asset_link(struct html *h, const char *name, int script)
{
	const struct web_asset *a = asset_find(name);
	const char *v = a ? a->version : "0";

	if (script)
		html_printf(h, "<script src=\"/static/%s?v=%s\" defer></script>\n", name, v);
	else
		html_printf(h, "<link rel=\"stylesheet\" href=\"/static/%s?v=%s\">\n", name, v);
}

static void head(struct web_req *r, struct html *h, const char *title)
{
	html_printf(h,
		    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>%s - Evidencija</title>\n",
		    page_lang(r), title);
	asset_link(h, "app.css", 0);
	asset_link(h, "app.js", 1);
	html_printf(h, "</head>\n");
}

/* The header's running stopwatch, when the user has one. */
static void header_timer(struct web_req *r, struct html *h)
{
	const char *lang = page_lang(r);
	struct timer_running t;
	char el[32];

	if (store_timer_get(r->st, r->user.id, &t) != STORE_OK)
		return;
	i18n_hours(r->now - t.started_at, el, sizeof(el));
	html_printf(h,
		    "<div class=\"running\"><a id=\"running-timer\" href=\"/tickets/%j\" title=\"%s\">"
		    "<span class=\"dot\" aria-hidden=\"true\"></span>%s "
		    "<span class=\"elapsed\" data-started=\"%j\" data-now=\"%j\">%s</span></a>"
		    "<form id=\"header-timer-stop\" method=\"post\" action=\"/tickets/%j/timer/stop\">",
		    t.ticket_id, t.ticket_subject, t.ticket_number, t.started_at, r->now, el,
		    t.ticket_id);
	page_csrf_field(r, h);
	/* Back to this page afterwards; a page shown by a POST has no address to go back to. */
	if (strcmp(r->method, "GET") == 0)
		html_printf(h, "<input type=\"hidden\" name=\"back\" value=\"%s\">", r->path);
	html_printf(h, "<button type=\"submit\" class=\"stop\">%s</button></form></div>",
		    L(lang, "Stop", "Zaustavi"));
}

/* Whether path is one of the billing pages (page_billing*.c), for the navigation. */
static int billing_path(const char *path)
{
	const char *p;

	if (strcmp(path, "/billing") == 0 || strncmp(path, "/billing/", 9) == 0 ||
	    strncmp(path, "/contracts/", 11) == 0)
		return 1;
	/* /clients/{id}/contracts */
	if (strncmp(path, "/clients/", 9) != 0)
		return 0;
	p = path + 9 + strspn(path + 9, "0123456789");
	return p > path + 9 && strcmp(p, "/contracts") == 0;
}

int page_begin(struct web_req *r, struct html *h, const char *title, enum nav_item nav)
{
	const char *lang = page_lang(r), *n = page_query(r, "n"), *msg;

	html_init(h, HTML_PAGE_MAX);
	head(r, h, title);
	html_printf(h, "<body>\n<a class=\"skip\" href=\"#main\">%s</a>\n<header class=\"top\">"
		       "<a class=\"brand\" href=\"/tickets\">Evidencija</a>\n<nav><ul>",
		    L(lang, "Skip to content", "Preskoči na sadržaj"));
	if (r->user.id) {
		nav_link(h, "/tickets", L(lang, "Tickets", "Zahtjevi"), nav == NAV_TICKETS, "gq");
		nav_link(h, "/tickets/new", L(lang, "New ticket", "Novi zahtjev"),
			 nav == NAV_NEW_TICKET, "n");
		nav_link(h, "/clients", L(lang, "Clients", "Klijenti"), nav == NAV_CLIENTS, NULL);
		if (r->user.role == ROLE_ADMIN) {
			nav_link(h, "/billing", L(lang, "Billing", "Obračun"),
				 billing_path(r->path), NULL);
			nav_link(h, "/users", L(lang, "Staff", "Djelatnici"), nav == NAV_USERS, NULL);
			nav_link(h, "/admin/quarantine", L(lang, "Quarantine", "Karantena"),
				 nav == NAV_QUARANTINE, NULL);
			nav_link(h, "/admin/outbox", L(lang, "Outbox", "Odlazna pošta"),
				 nav == NAV_OUTBOX, NULL);
		}
		nav_link(h, "/settings", L(lang, "Settings", "Postavke"), nav == NAV_SETTINGS,
			 NULL);
	}
	html_printf(h, "</ul></nav>\n");
	if (r->user.id) {
		header_timer(r, h);
		html_printf(h, "<form id=\"logout\" method=\"post\" action=\"/logout\">");
		page_csrf_field(r, h);
		html_printf(h, "<span class=\"who\">%s</span> <button type=\"submit\">%s</button>"
			       "</form>",
			    r->user.name, L(lang, "Log out", "Odjava"));
	}
	html_printf(h, "</header>\n<main id=\"main\">\n");
	msg = n ? notice_text(lang, atoi(n)) : NULL;
	if (msg)
		html_printf(h, "<p class=\"notice\" role=\"status\">%s</p>\n", msg);
	if (html_failed(h)) {
		html_free(h);
		page_error(r, 500, "the page is too large");
		return -1;
	}
	return 0;
}

void page_end_status(struct web_req *r, struct html *h, int status)
{
	html_printf(h, "</main>\n</body>\n</html>\n");
	if (html_failed(h)) {
		log_error("web: page %s passed its size cap", r->path);
		html_free(h);
		page_error(r, 500, "the page is too large to show");
		return;
	}
	reply_html(r, status ? status : 200, h);
	html_free(h);
}

void page_error(struct web_req *r, int status, const char *message)
{
	const char *lang = page_lang(r), *title;
	struct html h;

	switch (status) {
	case 403:
		title = L(lang, "Not allowed", "Nije dopušteno");
		break;
	case 404:
		title = L(lang, "Not found", "Nije pronađeno");
		break;
	case 409:
		title = L(lang, "Conflict", "Sukob");
		break;
	case 413:
		title = L(lang, "Too large", "Preveliko");
		break;
	case 503:
		title = L(lang, "Busy", "Zauzeto");
		break;
	default:
		title = status >= 500 ? L(lang, "Error", "Greška")
				      : L(lang, "Bad request", "Neispravan zahtjev");
		break;
	}
	html_init(&h, 64 * 1024);
	head(r, &h, title);
	html_printf(&h,
		    "<body>\n<header class=\"top\"><a class=\"brand\" href=\"/tickets\">Evidencija</a>"
		    "</header>\n<main id=\"main\"><h1>%s</h1>\n<p class=\"error\" role=\"alert\">%s</p>\n"
		    "<p><a href=\"/tickets\">%s</a></p></main>\n</body>\n</html>\n",
		    title, message, L(lang, "Back to the tickets", "Natrag na zahtjeve"));
	reply_html(r, status, &h);
	html_free(&h);
}

void page_store_error(struct web_req *r, int rc)
{
	const char *lang = page_lang(r);
	const char *msg = r->st ? store_errmsg(r->st) : "";

	switch (rc) {
	case STORE_NOT_FOUND:
		page_error(r, 404, msg && *msg ? msg : L(lang, "Not found.", "Nije pronađeno."));
		break;
	case STORE_INVALID:
		page_error(r, 400, msg);
		break;
	case STORE_CONFLICT:
		page_error(r, 409, msg);
		break;
	case STORE_BUSY:
		page_error(r, 503, L(lang, "The database is busy; try again in a moment.",
				     "Baza podataka je zauzeta; pokušajte ponovno za trenutak."));
		web_header_add(r, "Retry-After", "1");
		break;
	case STORE_FULL:
		log_error("store: %s", msg);
		page_error(r, 503, L(lang, "The server's disk is full; try again later.",
				     "Disk poslužitelja je pun; pokušajte kasnije."));
		break;
	default:
		log_error("store: %s", msg);
		page_error(r, 500, L(lang, "Internal error; the server log has the details.",
				     "Interna greška; detalji su u zapisniku poslužitelja."));
		break;
	}
}

void page_download(struct web_req *r, void *data, size_t n, const char *filename,
		   const char *media_type)
{
	char disp[FILENAME_MAX_LEN * 4 + 128], ascii[FILENAME_MAX_LEN + 1];
	static const char hex[] = "0123456789ABCDEF";
	size_t i, j = 0, k = 0;
	char enc[FILENAME_MAX_LEN * 3 + 1];

	/* An ASCII fallback without quotes or controls, and the exact name per RFC 5987. */
	for (i = 0; filename[i] && k + 1 < sizeof(ascii); i++) {
		unsigned char c = (unsigned char)filename[i];

		ascii[k++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';') ? (char)c
											    : '_';
	}
	ascii[k] = '\0';
	for (i = 0; filename[i] && j + 4 < sizeof(enc); i++) {
		unsigned char c = (unsigned char)filename[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_') {
			enc[j++] = (char)c;
		} else {
			enc[j++] = '%';
			enc[j++] = hex[c >> 4];
			enc[j++] = hex[c & 15];
		}
	}
	enc[j] = '\0';
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"; filename*=UTF-8''%s",
		 k ? ascii : "file", j ? enc : "file");
	web_reply_raw(r, 200, data, n,
		      media_type && *media_type ? media_type : "application/octet-stream");
	r->resp_csp = download_csp;
	web_header_add(r, "Content-Disposition", disp);
}

/* ---- forms ---- */

struct form_reader {
	struct form *f;
	int bad;	  /* malformed or over a limit */
	size_t bytes;	  /* all values together */
	size_t max_bytes; /* the route's cap */
};

static char *grow(char *p, size_t *len, const char *data, size_t n)
{
	p = xrealloc(p, *len + n + 1);
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = '\0';
	return p;
}

static enum MHD_Result form_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *filename, const char *content_type,
				 const char *transfer_encoding, const char *data, uint64_t off,
				 size_t size)
{
	struct form_reader *fr = cls;
	struct form *f = fr->f;

	(void)kind;
	(void)transfer_encoding;
	if (!key || fr->bad)
		return MHD_NO;
	fr->bytes += size;
	if (fr->bytes > fr->max_bytes) {
		fr->bad = 1;
		return MHD_NO;
	}
	if (filename) {
		struct form_file *ff = f->n_files ? &f->files[f->n_files - 1] : NULL;
		const char *base;

		if (!*filename && size == 0)
			return MHD_YES; /* an empty file input */
		if (off == 0 || !ff || strcmp(ff->field, key) != 0) {
			if (f->n_files >= FORM_FILES_MAX) {
				fr->bad = 1;
				return MHD_NO;
			}
			ff = &f->files[f->n_files++];
			memset(ff, 0, sizeof(*ff));
			ff->field = xstrdup(key);
			base = strrchr(filename, '/');
			base = base ? base + 1 : filename;
			if (strrchr(base, '\\'))
				base = strrchr(base, '\\') + 1;
			ff->filename = xstrdup(*base ? base : "file");
			ff->type = xstrdup(content_type && *content_type ? content_type
								  : "application/octet-stream");
		}
		ff->data = grow(ff->data, &ff->size, data, size);
		return MHD_YES;
	}
	if (off == 0 || !f->n || strcmp(f->fields[f->n - 1].name, key) != 0) {
		if (f->n >= FORM_FIELDS_MAX) {
			fr->bad = 1;
			return MHD_NO;
		}
		f->fields[f->n].name = xstrdup(key);
		f->fields[f->n].value = xstrdup("");
		f->fields[f->n].len = 0;
		f->n++;
	}
	if (memchr(data, '\0', size)) {
		fr->bad = 1;
		return MHD_NO;
	}
	f->fields[f->n - 1].value = grow(f->fields[f->n - 1].value, &f->fields[f->n - 1].len,
					 data, size);
	return MHD_YES;
}

void form_free(struct form *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	for (i = 0; i < f->n_files; i++) {
		free(f->files[i].field);
		free(f->files[i].filename);
		free(f->files[i].type);
		free(f->files[i].data);
	}
	memset(f, 0, sizeof(*f));
}

int page_form_read(struct web_req *r, struct form *f)
{
	const char *lang = page_lang(r);
	const char *type = web_header_get(r, "Content-Type");
	const char *token;
	struct form_reader fr = {f, 0, 0, r->body.max};
	struct MHD_PostProcessor *pp;
	int ok = 1, i;

	memset(f, 0, sizeof(*f));
	if (!type || (strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 &&
		      strncasecmp(type, "multipart/form-data", 19) != 0)) {
		page_error(r, 415, L(lang, "Send the form as a web form.",
				     "Pošaljite obrazac kao web obrazac."));
		return -1;
	}
	if (r->body.len) {
		pp = MHD->create_post_processor(r->conn, 16 * 1024, form_iter, &fr);
		if (!pp) {
			page_error(r, 400, L(lang, "The form cannot be read.",
					     "Obrazac se ne može pročitati."));
			return -1;
		}
		ok = MHD->post_process(pp, r->body.s, r->body.len) == MHD_YES;
		if (MHD->destroy_post_processor(pp) != MHD_YES)
			ok = 0;
	}
	if (!ok || fr.bad) {
		form_free(f);
		page_error(r, 400, L(lang, "The form is malformed or too large.",
				     "Obrazac je neispravan ili prevelik."));
		return -1;
	}
	for (i = 0; i < f->n; i++)
		if (!valid_text(f->fields[i].value, f->fields[i].len, 1)) {
			form_free(f);
			page_error(r, 400, L(lang, "The form contains text that is not valid UTF-8.",
					     "Obrazac sadrži tekst koji nije ispravan UTF-8."));
			return -1;
		}
	token = form_get(f, "csrf");
	if (!r->csrf[0] || !token || strcmp(token, r->csrf) != 0) {
		form_free(f);
		log_warn("web: form without a valid csrf token refused path=%s", r->path);
		page_error(r, 403, L(lang, "The form has expired or did not come from this site; "
					   "reload the page and try again.",
				     "Obrazac je istekao ili nije poslan s ove stranice; "
				     "osvježite stranicu i pokušajte ponovno."));
		return -1;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return f->fields[i].value;
	return NULL;
}

void form_get_trim(const struct form *f, const char *name, char *out, size_t outsz)
{
	const char *v = form_get(f, name);
	size_t n;

	if (!outsz)
		return;
	out[0] = '\0';
	if (!v)
		return;
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
			 v[n - 1] == '\n'))
		n--;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

int form_checked(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v && strcmp(v, "0") != 0;
}

int64_t form_id(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);
	int64_t id;

	if (!v || !*v)
		return 0;
	return web_parse_id(v, &id) == 0 ? id : -1;
}

/* ---- the built-in assets ---- */

void page_static(struct web_req *r)
{
	const char *name = strrchr(r->path, '/');
	const struct web_asset *a = name ? asset_find(name + 1) : NULL;
	const char *v = page_query(r, "v");
	char *copy;

	if (!a) {
		page_error(r, 404, "no such file");
		return;
	}
	copy = xmalloc(a->len ? a->len : 1);
	memcpy(copy, a->data, a->len);
	web_reply_raw(r, 200, copy, a->len, a->type);
	r->resp_csp = page_csp;
	/* A link with the current version may be kept for good; others for a while. */
	r->resp_cache = v && strcmp(v, a->version) == 0 ? "public, max-age=31536000, immutable"
						       : "public, max-age=86400";
}
