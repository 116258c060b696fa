/*
 * page_clients: the client companies and the people at them, for every staff
 * user: the list with its search (/clients), a new client, a client's page
 * (its details, contacts and latest tickets) and a contact's page.  The rules
 * are the API's (api_clients.c): the same checks and the same store calls; a
 * page only reads a form instead of JSON and answers HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "web/page.h"
#include "web/page_names.h"

#define CLIENTS_PER_PAGE 50
#define CLIENTS_PAGE_MAX 100000 /* deeper pages are refused */
#define CLIENT_TICKETS 50	/* the latest tickets on a client's page */
#define CLIENT_CONTACTS_MAX 500 /* contacts listed on a client's page */
#define CLIENT_CHOICES_MAX 1000 /* clients offered when moving a contact */

/* Why a form was refused: the answer's status, the field at fault and the words. */
struct form_err {
	int status;
	const char *field; /* NULL: no single field */
	char msg[512];
};

/* A client's fields as a form shows them: from the record, or as submitted. */
struct client_vals {
	const char *name, *oib, *vat_id, *address, *email_domains, *billing_email, *notes;
	int active;
};

/* A contact's fields as a form shows them. */
struct contact_vals {
	const char *name, *email, *phone;
	int sees_all, active;
	int64_t client_id;
};

/* ---- checking what a form brought ---- */

enum take { TAKE_OK, TAKE_LONG, TAKE_BAD };

static int blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * s trimmed of surrounding white space into out (outsz bytes, so at most
 * outsz - 1 of text): OK; LONG when it does not fit; BAD when it is not one
 * line (multiline 0) or has control characters.
 */
static enum take take_text(const char *s, char *out, size_t outsz, int multiline)
{
	size_t n;

	out[0] = '\0';
	if (!s)
		return TAKE_OK;
	while (blank_char(*s))
		s++;
	n = strlen(s);
	while (n > 0 && blank_char(s[n - 1]))
		n--;
	if (n >= outsz)
		return TAKE_LONG;
	memcpy(out, s, n);
	out[n] = '\0';
	return valid_text(out, outsz - 1, multiline) ? TAKE_OK : TAKE_BAD;
}

static int err_set(struct form_err *e, int status, const char *field, const char *msg)
{
	e->status = status;
	e->field = field;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

/* Take field `field` (shown as label) into out; 0, or -1 with e saying why. */
static int take_field(const char *lang, const char *field, const char *label, const char *s,
		      char *out, size_t outsz, int multiline, struct form_err *e)
{
	switch (take_text(s, out, outsz, multiline)) {
	case TAKE_OK:
		return 0;
	case TAKE_LONG:
		e->status = 400;
		e->field = field;
		snprintf(e->msg, sizeof(e->msg), "%s: %s %d %s", label,
			 L(lang, "too long; at most", "predugo; najviše"), (int)(outsz - 1),
			 L(lang, "bytes.", "bajtova."));
		return -1;
	default:
		e->status = 400;
		e->field = field;
		snprintf(e->msg, sizeof(e->msg), "%s: %s", label,
			 multiline ? L(lang, "contains control characters.",
				       "sadrži nedopuštene kontrolne znakove.")
				   : L(lang, "must be one line of text without control characters.",
				       "mora biti jedan redak teksta bez kontrolnih znakova."));
		return -1;
	}
}

/* The store's words for a refused change, in the user's language when we know them. */
static void store_err(struct web_req *r, int rc, struct form_err *e)
{
	static const struct {
		const char *store, *en, *hr;
	} known[] = {
	    {"a client with this name already exists", "A client with this name already exists.",
	     "Klijent s tim nazivom već postoji."},
	    {"oib already used by another client", "Another client already has this OIB.",
	     "Taj OIB već ima drugi klijent."},
	    {"email already used by another contact",
	     "Another contact already has this email address.",
	     "Tu adresu e-pošte već ima drugi kontakt."},
	    {"client_id: no such client", "The chosen client does not exist.",
	     "Odabrani klijent ne postoji."},
	};
	const char *lang = page_lang(r), *msg = store_errmsg(r->st);
	size_t i;

	e->status = rc == STORE_CONFLICT ? 409 : 400;
	e->field = NULL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (msg && strcmp(msg, known[i].store) == 0) {
			snprintf(e->msg, sizeof(e->msg), "%s", L(lang, known[i].en, known[i].hr));
			if (strncmp(msg, "oib", 3) == 0)
				e->field = "oib";
			else if (strncmp(msg, "email", 5) == 0)
				e->field = "email";
			else if (strncmp(msg, "client_id", 9) == 0)
				e->field = "client_id";
			else
				e->field = "name";
			return;
		}
	snprintf(e->msg, sizeof(e->msg), "%s", msg && *msg ? msg : "refused");
}

/* Whether a store failure is one a form shows (the user can fix it). */
static int store_err_is_form(int rc)
{
	return rc == STORE_CONFLICT || rc == STORE_INVALID;
}

/* " aria-invalid=true" for the field at fault. */
static const char *invalid(const struct form_err *e, const char *field)
{
	return e && e->field && strcmp(e->field, field) == 0 ? " aria-invalid=true" : "";
}

static void error_para(struct html *h, const struct form_err *e)
{
	if (e)
		html_printf(h, "<p class=\"error\" role=\"alert\">%s</p>\n", e->msg);
}

/* ?page= as a number 1..CLIENTS_PAGE_MAX into *out; 0, or -1 after answering 400. */
static int page_number(struct web_req *r, int *out)
{
	const char *v = page_query(r, "page");
	char *end;
	long n;

	*out = 1;
	if (!v || !*v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < 1 || n > CLIENTS_PAGE_MAX) {
		page_error(r, 400,
			   L(page_lang(r), "The page number is not valid.",
			     "Broj stranice nije ispravan."));
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* ---- clients ---- */

static void client_vals_of(const struct client *c, struct client_vals *v)
{
	v->name = c->name;
	v->oib = c->oib;
	v->vat_id = c->vat_id;
	v->address = c->address;
	v->email_domains = c->email_domains;
	v->billing_email = c->billing_email;
	v->notes = c->notes;
	v->active = c->active;
}

static const char *val(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v ? v : "";
}

static void client_vals_from(const struct form *f, struct client_vals *v)
{
	v->name = val(f, "name");
	v->oib = val(f, "oib");
	v->vat_id = val(f, "vat_id");
	v->address = val(f, "address");
	v->email_domains = val(f, "email_domains");
	v->billing_email = val(f, "billing_email");
	v->notes = val(f, "notes");
	v->active = form_checked(f, "active");
}

/*
 * Check the submitted fields as api_clients.c does and write them into c
 * (emails and domains lowercased; blanks around the domains' commas
 * dropped).  0, or -1 with e saying why.
 */
static int client_check(const char *lang, const struct client_vals *v, struct client *c,
			struct form_err *e)
{
	char domains[DOMAINS_MAX_LEN * 2 + 1];
	size_t i, j;

	if (take_field(lang, "name", L(lang, "Name", "Naziv"), v->name, c->name, sizeof(c->name), 0,
		       e) < 0)
		return -1;
	if (!c->name[0])
		return err_set(e, 400, "name",
			       L(lang, "Enter the client's name.", "Upišite naziv klijenta."));
	if (take_field(lang, "oib", "OIB", v->oib, c->oib, sizeof(c->oib), 0, e) < 0 ||
	    (c->oib[0] && !valid_oib(c->oib)))
		return err_set(
		    e, 400, "oib",
		    L(lang,
		      "The OIB is not valid: it must be 11 digits with a correct check digit.",
		      "OIB nije ispravan: mora imati 11 znamenki s ispravnom kontrolnom "
		      "znamenkom."));
	if (take_field(lang, "vat_id", L(lang, "VAT ID", "PDV broj"), v->vat_id, c->vat_id,
		       sizeof(c->vat_id), 0, e) < 0 ||
	    take_field(lang, "address", L(lang, "Address", "Adresa"), v->address, c->address,
		       sizeof(c->address), 1, e) < 0)
		return -1;
	if (take_field(lang, "email_domains", L(lang, "Email domains", "Domene e-pošte"),
		       v->email_domains, domains, sizeof(domains), 0, e) < 0)
		return -1;
	/* "firma.hr, firma.com" as people write it is "firma.hr,firma.com". */
	for (i = j = 0; domains[i]; i++)
		if (domains[i] != ' ' && domains[i] != '\t')
			domains[j++] = domains[i];
	domains[j] = '\0';
	ascii_lower(domains);
	if (j > DOMAINS_MAX_LEN || !valid_domain_list(domains))
		return err_set(e, 400, "email_domains",
			       L(lang,
				 "Email domains: domain names separated by commas, such as "
				 "firma.hr, firma.com (at most 500 bytes).",
				 "Domene e-pošte: nazivi domena odvojeni zarezima, npr. firma.hr, "
				 "firma.com (najviše 500 bajtova)."));
	memcpy(c->email_domains, domains, j + 1);
	if (take_field(lang, "billing_email", L(lang, "Billing email", "E-pošta za račune"),
		       v->billing_email, c->billing_email, sizeof(c->billing_email), 0, e) < 0)
		return -1;
	ascii_lower(c->billing_email);
	if (c->billing_email[0] && !valid_email(c->billing_email))
		return err_set(e, 400, "billing_email",
			       L(lang, "Billing email: not a valid email address.",
				 "E-pošta za račune nije ispravna adresa."));
	if (take_field(lang, "notes", L(lang, "Notes", "Bilješke"), v->notes, c->notes,
		       sizeof(c->notes), 1, e) < 0)
		return -1;
	c->active = v->active;
	return 0;
}

/* The fields of forms #new-client and #client. */
static void client_fields(struct html *h, const char *lang, const struct client_vals *v,
			  int with_active, const struct form_err *e)
{
	html_printf(
	    h,
	    "<label>%s <input name=\"name\" value=\"%s\" required maxlength=\"200\"%s></label>"
	    "<label>OIB <input name=\"oib\" value=\"%s\" inputmode=\"numeric\" "
	    "maxlength=\"11\" autocomplete=\"off\"%s></label>"
	    "<label>%s <input name=\"vat_id\" value=\"%s\" maxlength=\"32\"%s></label>"
	    "<label>%s <textarea name=\"address\" rows=\"2\" maxlength=\"300\"%s>%s</textarea>"
	    "</label>",
	    L(lang, "Name", "Naziv"), v->name, invalid(e, "name"), v->oib, invalid(e, "oib"),
	    L(lang, "VAT ID", "PDV broj"), v->vat_id, invalid(e, "vat_id"),
	    L(lang, "Address", "Adresa"), invalid(e, "address"), v->address);
	html_printf(
	    h,
	    "<label>%s <input name=\"email_domains\" value=\"%s\" maxlength=\"500\" "
	    "aria-describedby=\"domains-hint\"%s></label>"
	    "<p class=\"hint\" id=\"domains-hint\">%s</p>"
	    "<label>%s <input type=\"email\" name=\"billing_email\" value=\"%s\" "
	    "maxlength=\"254\"%s></label>"
	    "<label>%s <textarea name=\"notes\" rows=\"4\" maxlength=\"4000\"%s>%s</textarea>"
	    "</label>",
	    L(lang, "Email domains", "Domene e-pošte"), v->email_domains,
	    invalid(e, "email_domains"),
	    L(lang, "Separated by commas: mail from these domains is filed under this client.",
	      "Odvojene zarezima: pošta s tih domena pripisuje se ovom klijentu."),
	    L(lang, "Billing email", "E-pošta za račune"), v->billing_email,
	    invalid(e, "billing_email"), L(lang, "Notes", "Bilješke"), invalid(e, "notes"),
	    v->notes);
	if (with_active)
		html_printf(
		    h, "<label><input type=\"checkbox\" name=\"active\" value=\"1\"%s> %s</label>",
		    v->active ? " checked" : "", L(lang, "Active", "Aktivan"));
}

/* ?q= checked as the API checks it; 0, or -1 after answering 400. */
static int search_text(struct web_req *r, const char **out)
{
	const char *q = page_query(r, "q");

	*out = NULL;
	if (q && !valid_text(q, NAME_MAX_LEN, 0)) {
		page_error(r, 400,
			   L(page_lang(r), "Search for one line of at most 200 bytes.",
			     "Tražite jedan redak od najviše 200 bajtova."));
		return -1;
	}
	if (q && *q)
		*out = q;
	return 0;
}

/* A paging link of the client list, keeping the search. */
static void clients_link(struct html *h, const char *q, int page, const char *rel,
			 const char *label)
{
	if (q)
		html_printf(h, "<a rel=\"%s\" href=\"/clients?q=%q&amp;page=%d\">%s</a>", rel, q,
			    page, label);
	else
		html_printf(h, "<a rel=\"%s\" href=\"/clients?page=%d\">%s</a>", rel, page, label);
}

void page_clients(struct web_req *r)
{
	const char *lang = page_lang(r), *q;
	struct client_filter f;
	struct client_list l = {0};
	char num[32];
	int64_t total = 0;
	struct html h;
	int page, rc;
	size_t i;

	if (search_text(r, &q) < 0 || page_number(r, &page) < 0)
		return;
	memset(&f, 0, sizeof(f));
	f.query = q;
	f.limit = CLIENTS_PER_PAGE;
	f.offset = (page - 1) * CLIENTS_PER_PAGE;
	rc = store_client_list(r->st, &f, &l, &total);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (page_begin(r, &h, L(lang, "Clients", "Klijenti"), NAV_CLIENTS) < 0)
		goto out;
	html_printf(&h, "<h1>%s</h1>\n<p><a class=\"button\" href=\"/clients/new\">%s</a></p>\n",
		    L(lang, "Clients", "Klijenti"), L(lang, "New client", "Novi klijent"));
	html_printf(
	    &h,
	    "<form id=\"client-search\" class=\"inline\" method=\"get\" action=\"/clients\" "
	    "role=\"search\"><label>%s <input type=\"search\" id=\"search\" name=\"q\" "
	    "value=\"%s\" maxlength=\"200\"></label><button type=\"submit\">%s</button></form>\n",
	    L(lang, "Name", "Naziv"), q ? q : "", L(lang, "Search", "Traži"));
	if (l.n == 0) {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    q ? L(lang, "No client's name contains this.",
				  "Nijedan naziv klijenta ne sadrži to.")
			      : L(lang, "No clients yet.", "Još nema klijenata."));
	} else {
		html_printf(&h,
			    "<div class=\"table-wrap\"><table id=\"clients\"><thead><tr>"
			    "<th>%s</th><th>OIB</th><th class=\"hide-narrow\">%s</th><th>%s</th>"
			    "</tr></thead><tbody>\n",
			    L(lang, "Name", "Naziv"), L(lang, "Email domains", "Domene e-pošte"),
			    L(lang, "Status", "Stanje"));
		for (i = 0; i < l.n; i++) {
			const struct client *c = &l.items[i];

			html_printf(
			    &h,
			    "<tr data-client=\"%j\"><td><a href=\"/clients/%j\">%s</a></td>"
			    "<td>%s</td><td class=\"hide-narrow\">%s</td><td>%s</td></tr>\n",
			    c->id, c->id, c->name, c->oib, c->email_domains,
			    c->active ? L(lang, "active", "aktivan")
				      : L(lang, "inactive", "neaktivan"));
		}
		html_printf(&h, "</tbody></table></div>\n");
	}
	i18n_int(lang, total, num, sizeof(num));
	html_printf(&h, "<nav class=\"pager\">");
	if (page > 1)
		clients_link(&h, q, page - 1, "prev", L(lang, "Previous", "Prethodna"));
	html_printf(&h, "<span>%s: %s</span>", L(lang, "Clients in all", "Ukupno klijenata"), num);
	if ((int64_t)page * CLIENTS_PER_PAGE < total)
		clients_link(&h, q, page + 1, "next", L(lang, "Next", "Sljedeća"));
	html_printf(&h, "</nav>\n");
	page_end(r, &h);
out:
	client_list_free(&l);
}

static void new_client_page(struct web_req *r, int status, const struct client_vals *v,
			    const struct form_err *e)
{
	const char *lang = page_lang(r);
	struct html h;

	if (page_begin(r, &h, L(lang, "New client", "Novi klijent"), NAV_CLIENTS) < 0)
		return;
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "New client", "Novi klijent"));
	error_para(&h, e);
	html_printf(
	    &h, "<form id=\"new-client\" class=\"card\" method=\"post\" action=\"/clients/new\">");
	page_csrf_field(r, &h);
	client_fields(&h, lang, v, 0, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form>\n",
		    L(lang, "Create client", "Stvori klijenta"));
	page_end_status(r, &h, status);
}

void page_client_new_get(struct web_req *r)
{
	static const struct client_vals empty = {"", "", "", "", "", "", "", 1};

	new_client_page(r, 200, &empty, NULL);
}

void page_client_new_post(struct web_req *r)
{
	struct client_vals v;
	struct form_err e;
	struct client c;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	client_vals_from(&f, &v);
	v.active = 1;
	memset(&c, 0, sizeof(c));
	if (client_check(page_lang(r), &v, &c, &e) < 0) {
		new_client_page(r, e.status, &v, &e);
		goto out;
	}
	rc = store_client_create(r->st, &c, r->now);
	if (rc != STORE_OK) {
		if (store_err_is_form(rc)) {
			store_err(r, rc, &e);
			new_client_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/clients/%lld", (long long)c.id);
	page_redirect(r, loc, NOTICE_CREATED);
out:
	form_free(&f);
}

/* ---- a client's page ---- */

static void contact_fields(struct html *h, const char *lang, const struct contact_vals *v,
			   int with_active, const struct form_err *e)
{
	html_printf(
	    h,
	    "<label>%s <input name=\"name\" value=\"%s\" required maxlength=\"200\"%s></label>"
	    "<label>%s <input type=\"email\" name=\"email\" value=\"%s\" maxlength=\"254\"%s>"
	    "</label><label>%s <input type=\"tel\" name=\"phone\" value=\"%s\" "
	    "maxlength=\"50\"%s></label>"
	    "<label><input type=\"checkbox\" name=\"sees_all\" value=\"1\"%s> %s</label>",
	    L(lang, "Name", "Ime i prezime"), v->name, invalid(e, "name"),
	    L(lang, "Email", "E-pošta"), v->email, invalid(e, "email"), L(lang, "Phone", "Telefon"),
	    v->phone, invalid(e, "phone"), v->sees_all ? " checked" : "",
	    L(lang, "Sees all of the client's tickets", "Vidi sve zahtjeve klijenta"));
	if (with_active)
		html_printf(
		    h, "<label><input type=\"checkbox\" name=\"active\" value=\"1\"%s> %s</label>",
		    v->active ? " checked" : "", L(lang, "Active", "Aktivan"));
}

static void contact_vals_of(const struct contact *c, struct contact_vals *v)
{
	v->name = c->name;
	v->email = c->email;
	v->phone = c->phone;
	v->sees_all = c->sees_all;
	v->active = c->active;
	v->client_id = c->client_id;
}

static void contact_vals_from(const struct form *f, struct contact_vals *v)
{
	v->name = val(f, "name");
	v->email = val(f, "email");
	v->phone = val(f, "phone");
	v->sees_all = form_checked(f, "sees_all");
	v->active = form_checked(f, "active");
	v->client_id = form_id(f, "client_id");
}

/* Check a contact's fields as api_clients.c does, into c; 0, or -1 with e. */
static int contact_check(const char *lang, const struct contact_vals *v, struct contact *c,
			 struct form_err *e)
{
	if (take_field(lang, "name", L(lang, "Name", "Ime i prezime"), v->name, c->name,
		       sizeof(c->name), 0, e) < 0)
		return -1;
	if (!c->name[0])
		return err_set(e, 400, "name",
			       L(lang, "Enter the contact's name.", "Upišite ime kontakta."));
	if (take_field(lang, "email", L(lang, "Email", "E-pošta"), v->email, c->email,
		       sizeof(c->email), 0, e) < 0)
		return -1;
	ascii_lower(c->email);
	if (c->email[0] && !valid_email(c->email))
		return err_set(
		    e, 400, "email",
		    L(lang, "Email: not a valid email address.", "E-pošta nije ispravna adresa."));
	if (take_field(lang, "phone", L(lang, "Phone", "Telefon"), v->phone, c->phone,
		       sizeof(c->phone), 0, e) < 0)
		return -1;
	if (v->client_id <= 0)
		return err_set(
		    e, 400, "client_id",
		    L(lang, "Choose the contact's client.", "Odaberite klijenta kontakta."));
	c->client_id = v->client_id;
	c->sees_all = v->sees_all;
	c->active = v->active;
	return 0;
}

/* The latest tickets (of a client or a contact), newest first, with a link to all of them. */
static int tickets_section(struct web_req *r, struct html *h, int64_t client_id, int64_t contact_id)
{
	const char *lang = page_lang(r);
	struct ticket_filter f;
	struct ticket_list l = {0};
	char when[I18N_DATETIME_MAX], num[32];
	int64_t total = 0;
	size_t i;
	int rc;

	store_ticket_filter_init(&f);
	f.client_id = client_id;
	f.contact_id = contact_id;
	f.sort = SORT_CREATED_DESC;
	f.limit = CLIENT_TICKETS;
	rc = store_ticket_list(r->st, &f, &l, &total);
	if (rc != STORE_OK)
		return rc;
	html_printf(h, "<section id=\"tickets\"><h2>%s</h2>\n", L(lang, "Tickets", "Zahtjevi"));
	if (l.n == 0) {
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "No tickets.", "Nema zahtjeva."));
	} else {
		html_printf(h,
			    "<div class=\"table-wrap\"><table><thead><tr><th>%s</th><th>%s</th>"
			    "<th>%s</th><th class=\"hide-narrow\">%s</th></tr></thead><tbody>\n",
			    L(lang, "Number", "Broj"), L(lang, "Subject", "Predmet"),
			    L(lang, "Status", "Stanje"), L(lang, "Opened", "Otvoren"));
		for (i = 0; i < l.n; i++) {
			const struct ticket *t = &l.items[i];

			i18n_datetime(lang, t->created_at, when, sizeof(when));
			html_printf(h,
				    "<tr data-ticket=\"%s\"><td><a href=\"/tickets/%j\">%s</a></td>"
				    "<td>%s</td><td><span class=\"badge st-%s\">%s</span></td>"
				    "<td class=\"hide-narrow\">%s</td></tr>\n",
				    t->number, t->id, t->number, t->subject, status_name(t->status),
				    page_status_label(lang, t->status), when);
		}
		html_printf(h, "</tbody></table></div>\n");
	}
	i18n_int(lang, total, num, sizeof(num));
	if (client_id)
		html_printf(h, "<p><a href=\"/tickets?client=%j&amp;status=all\">%s</a> (%s)</p>",
			    client_id,
			    L(lang, "All tickets of this client", "Svi zahtjevi klijenta"), num);
	else
		html_printf(h, "<p class=\"hint\">%s: %s</p>",
			    L(lang, "Tickets in all", "Ukupno zahtjeva"), num);
	html_printf(h, "</section>\n");
	ticket_list_free(&l);
	return STORE_OK;
}

/*
 * The client's page: form #client (edit values ev, or the record's), its
 * contacts with form #new-contact (values cv, or empty), its tickets.  An
 * error, if any, is shown above the form it belongs to.
 */
static void client_page(struct web_req *r, int status, const struct client_vals *ev,
			const struct form_err *edit_err, const struct contact_vals *cv,
			const struct form_err *contact_err)
{
	static const struct contact_vals empty_contact = {"", "", "", 0, 1, 0};
	const char *lang = page_lang(r);
	struct contact_list contacts = {0};
	struct contact_filter cf;
	struct client_vals mine;
	struct client c;
	char num[32];
	int64_t n_contacts = 0;
	struct html h;
	size_t i;
	int rc;

	rc = store_client_get(r->st, r->ids[0], &c);
	if (rc == STORE_OK) {
		memset(&cf, 0, sizeof(cf));
		cf.client_id = c.id;
		cf.limit = CLIENT_CONTACTS_MAX;
		rc = store_contact_list(r->st, &cf, &contacts, &n_contacts);
	}
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!ev) {
		client_vals_of(&c, &mine);
		ev = &mine;
	}
	if (!cv)
		cv = &empty_contact;
	if (page_begin(r, &h, c.name, NAV_CLIENTS) < 0)
		goto out;
	html_printf(&h, "<p><a href=\"/clients\">%s</a></p>\n<h1>%s%s</h1>\n",
		    L(lang, "All clients", "Svi klijenti"), c.name,
		    c.active ? "" : L(lang, " (inactive)", " (neaktivan)"));

	html_printf(&h, "<section id=\"client-details\"><h2>%s</h2>\n",
		    L(lang, "Details", "Podaci"));
	error_para(&h, edit_err);
	html_printf(
	    &h, "<form id=\"client\" class=\"card\" method=\"post\" action=\"/clients/%j\">", c.id);
	page_csrf_field(r, &h);
	client_fields(&h, lang, ev, 1, edit_err);
	html_printf(&h, "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Save", "Spremi"));

	i18n_int(lang, n_contacts, num, sizeof(num));
	html_printf(&h, "<section id=\"contacts\"><h2>%s (%s)</h2>\n",
		    L(lang, "Contacts", "Kontakti"), num);
	if (contacts.n) {
		html_printf(&h,
			    "<div class=\"table-wrap\"><table id=\"contact-list\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th><th class=\"hide-narrow\">%s</th>"
			    "<th>%s</th></tr></thead><tbody>\n",
			    L(lang, "Name", "Ime i prezime"), L(lang, "Email", "E-pošta"),
			    L(lang, "Phone", "Telefon"), L(lang, "Sees all", "Vidi sve"),
			    L(lang, "Status", "Stanje"));
		for (i = 0; i < contacts.n; i++) {
			const struct contact *k = &contacts.items[i];

			html_printf(
			    &h,
			    "<tr data-contact=\"%j\"><td><a href=\"/contacts/%j\">%s</a></td>"
			    "<td>%s</td><td>%s</td><td class=\"hide-narrow\">%s</td><td>%s</td>"
			    "</tr>\n",
			    k->id, k->id, k->name, k->email, k->phone,
			    k->sees_all ? L(lang, "yes", "da") : L(lang, "no", "ne"),
			    k->active ? L(lang, "active", "aktivan")
				      : L(lang, "inactive", "neaktivan"));
		}
		html_printf(&h, "</tbody></table></div>\n");
		if (n_contacts > (int64_t)contacts.n)
			html_printf(&h, "<p class=\"hint\">%s %d.</p>\n",
				    L(lang, "Only the first contacts are listed:",
				      "Prikazani su samo prvi kontakti:"),
				    (int)contacts.n);
	} else {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "No contacts yet.", "Još nema kontakata."));
	}
	html_printf(&h, "<h3>%s</h3>\n", L(lang, "New contact", "Novi kontakt"));
	error_para(&h, contact_err);
	html_printf(&h,
		    "<form id=\"new-contact\" class=\"card\" method=\"post\" "
		    "action=\"/clients/%j/contacts\">",
		    c.id);
	page_csrf_field(r, &h);
	contact_fields(&h, lang, cv, 0, contact_err);
	html_printf(&h, "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Add contact", "Dodaj kontakt"));

	rc = tickets_section(r, &h, c.id, 0);
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		goto out;
	}
	page_end_status(r, &h, status);
out:
	contact_list_free(&contacts);
}

void page_client(struct web_req *r)
{
	client_page(r, 200, NULL, NULL, NULL, NULL);
}

void page_client_post(struct web_req *r)
{
	struct client_vals v;
	struct form_err e;
	struct client c;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_client_get(r->st, r->ids[0], &c);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	client_vals_from(&f, &v);
	if (client_check(page_lang(r), &v, &c, &e) < 0) {
		client_page(r, e.status, &v, &e, NULL, NULL);
		goto out;
	}
	rc = store_client_update(r->st, &c, r->now);
	if (rc != STORE_OK) {
		if (store_err_is_form(rc)) {
			store_err(r, rc, &e);
			client_page(r, e.status, &v, &e, NULL, NULL);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/clients/%lld", (long long)c.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

void page_contact_new_post(struct web_req *r)
{
	struct contact_vals v;
	struct form_err e;
	struct contact k;
	struct client c;
	struct form f;
	char loc[80];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_client_get(r->st, r->ids[0], &c);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	contact_vals_from(&f, &v);
	v.client_id = c.id;
	v.active = 1;
	memset(&k, 0, sizeof(k));
	if (contact_check(page_lang(r), &v, &k, &e) < 0) {
		client_page(r, e.status, NULL, NULL, &v, &e);
		goto out;
	}
	rc = store_contact_create(r->st, &k, r->now);
	if (rc != STORE_OK) {
		if (store_err_is_form(rc)) {
			store_err(r, rc, &e);
			client_page(r, e.status, NULL, NULL, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/clients/%lld#contacts", (long long)c.id);
	page_redirect(r, loc, NOTICE_CREATED);
out:
	form_free(&f);
}

/* ---- a contact's page ---- */

/* The <select> of clients a contact may be moved to: the active ones and its own. */
static int client_select(struct web_req *r, struct html *h, int64_t current,
			 const struct form_err *e)
{
	const char *lang = page_lang(r);
	struct client_filter f;
	struct client_list l = {0};
	struct client own;
	size_t i;
	int rc, listed = 0;

	memset(&f, 0, sizeof(f));
	f.active_only = 1;
	f.limit = CLIENT_CHOICES_MAX;
	rc = store_client_list(r->st, &f, &l, NULL);
	if (rc != STORE_OK)
		return rc;
	html_printf(h,
		    "<label>%s <select name=\"client_id\" id=\"contact-client\" required "
		    "data-find=\"/api/v1/clients?active_only=true&amp;\" data-find-label=\"%s\"%s>",
		    L(lang, "Client", "Klijent"), L(lang, "Find a client", "Nađi klijenta"),
		    invalid(e, "client_id"));
	for (i = 0; i < l.n; i++)
		listed |= l.items[i].id == current;
	/* Its own client first when it is not among the active ones (inactive, or past the cap). */
	if (!listed && current > 0 && store_client_get(r->st, current, &own) == STORE_OK)
		html_printf(h, "<option value=\"%j\" selected>%s</option>", own.id, own.name);
	for (i = 0; i < l.n; i++)
		html_printf(h, "<option value=\"%j\"%s>%s</option>", l.items[i].id,
			    l.items[i].id == current ? " selected" : "", l.items[i].name);
	html_printf(h, "</select></label>");
	client_list_free(&l);
	return STORE_OK;
}

static void contact_page(struct web_req *r, int status, const struct contact_vals *v,
			 const struct form_err *e)
{
	const char *lang = page_lang(r);
	struct contact_vals mine;
	struct contact k;
	struct html h;
	int rc;

	rc = store_contact_get(r->st, r->ids[0], &k);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!v) {
		contact_vals_of(&k, &mine);
		v = &mine;
	}
	if (page_begin(r, &h, k.name, NAV_CLIENTS) < 0)
		return;
	html_printf(&h, "<p><a href=\"/clients/%j\">%s</a></p>\n<h1>%s%s</h1>\n", k.client_id,
		    k.client_name, k.name, k.active ? "" : L(lang, " (inactive)", " (neaktivan)"));
	error_para(&h, e);
	html_printf(&h,
		    "<form id=\"contact\" class=\"card\" method=\"post\" action=\"/contacts/%j\">",
		    k.id);
	page_csrf_field(r, &h);
	contact_fields(&h, lang, v, 1, e);
	rc = client_select(r, &h, v->client_id > 0 ? v->client_id : k.client_id, e);
	if (rc == STORE_OK) {
		html_printf(&h, "<button type=\"submit\">%s</button></form>\n",
			    L(lang, "Save", "Spremi"));
		rc = tickets_section(r, &h, 0, k.id);
	}
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		return;
	}
	page_end_status(r, &h, status);
}

void page_contact(struct web_req *r)
{
	contact_page(r, 200, NULL, NULL);
}

void page_contact_post(struct web_req *r)
{
	struct contact_vals v;
	struct form_err e;
	struct contact k;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_contact_get(r->st, r->ids[0], &k);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	contact_vals_from(&f, &v);
	if (v.client_id < 0)
		v.client_id = 0; /* malformed: refused as missing */
	if (contact_check(page_lang(r), &v, &k, &e) < 0) {
		contact_page(r, e.status, &v, &e);
		goto out;
	}
	rc = store_contact_update(r->st, &k, r->now);
	if (rc != STORE_OK) {
		if (store_err_is_form(rc)) {
			store_err(r, rc, &e);
			contact_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/contacts/%lld", (long long)k.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}
