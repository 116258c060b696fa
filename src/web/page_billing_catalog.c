/*
 * page_billing_catalog: what the company sells and what its work costs,
 * for administrators: the services (/billing/services: code, name, unit,
 * price, VAT; added, changed, deactivated) and the hourly rates of ticket
 * work by kind (/billing/rates), each rate with its prices for particular
 * clients and contracts (the overrides, also set from a client's contracts
 * page and a contract's page: page_billing_contracts.c).  Nothing is
 * deleted: a service or rate is deactivated and stays on old contracts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "store/store_billing.h"
#include "web/page_billing.h"

#define CLIENT_CHOICES_MAX 1000 /* clients offered in a select without the script */
#define OVERRIDES_SHOWN_MAX 500

/* A service's or a rate's fields as a form shows them: from the record, or as sent. */
struct item_vals {
	char code[BILL_CODE_MAX_LEN * 4 + 1];
	char name[BILL_TEXT_MAX_LEN * 4 + 1];
	char unit[16];
	char price[48];
	int vat;
	int active;
};

static void vals_copy(char *out, size_t outsz, const char *s)
{
	snprintf(out, outsz, "%s", s ? s : "");
}

static void vals_from_form(const struct form *f, struct item_vals *v, const char *price_field)
{
	int64_t vat;

	vals_copy(v->code, sizeof(v->code), bill_val(f, "code"));
	vals_copy(v->name, sizeof(v->name), bill_val(f, "name"));
	vals_copy(v->unit, sizeof(v->unit), bill_val(f, "unit"));
	vals_copy(v->price, sizeof(v->price), bill_val(f, price_field));
	v->vat = bill_parse_int(bill_val(f, "vat"), 0, 100, &vat) == 0 ? (int)vat : 25;
	v->active = form_checked(f, "active");
}

/*
 * The code, name, price and VAT of a submitted service or rate into its
 * record's fields; 0, or -1 with e saying why.
 */
static int item_check(const char *lang, const struct form *f, const char *price_field, char *code,
		      size_t codesz, char *name, size_t namesz, int64_t *price, int *vat,
		      struct bill_form_err *e)
{
	int64_t v;

	if (bill_take(lang, f, "code", L(lang, "Code", "Šifra"), code, codesz, 0, e) < 0)
		return -1;
	ascii_lower(code);
	if (!code[0] || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(code))
		return bill_err(e, 400, "code",
				L(lang,
				  "Code: 1 to 32 of the characters a-z, 0-9, '_', '.' and '-', "
				  "such as printer_rental.",
				  "Šifra: od 1 do 32 znaka a-z, 0-9, '_', '.' i '-', npr. "
				  "najam_pisaca."));
	if (bill_take(lang, f, "name", L(lang, "Name", "Naziv"), name, namesz, 0, e) < 0)
		return -1;
	if (!name[0])
		return bill_err(e, 400, "name", L(lang, "Enter the name.", "Upišite naziv."));
	if (bill_parse_money(bill_val(f, price_field), 0, price) < 0)
		return bill_err(e, 400, price_field,
				L(lang,
				  "Price: an amount in EUR with at most two decimals, such as "
				  "35,00.",
				  "Cijena: iznos u eurima s najviše dvije decimale, npr. 35,00."));
	if (bill_parse_int(bill_val(f, "vat"), 0, 100, &v) < 0 || !bill_vat_valid((int)v))
		return bill_err(
		    e, 400, "vat",
		    L(lang, "VAT: choose 25, 13, 5 or 0 %.", "PDV: odaberite 25, 13, 5 ili 0 %."));
	*vat = (int)v;
	return 0;
}

/* The fields shared by services and rates; unit only for services. */
static void item_fields(struct html *h, const char *lang, const struct item_vals *v, int service,
			int with_active, const struct bill_form_err *e)
{
	int i;

	html_printf(
	    h,
	    "<label>%s <input name=\"code\" value=\"%s\" required maxlength=\"%d\" "
	    "pattern=\"[a-z0-9_.\\-]+\" autocomplete=\"off\"%s></label>"
	    "<label>%s <input name=\"name\" value=\"%s\" required maxlength=\"%d\"%s></label>",
	    L(lang, "Code", "Šifra"), v->code, BILL_CODE_MAX_LEN, bill_invalid(e, "code"),
	    L(lang, "Name", "Naziv"), v->name, BILL_TEXT_MAX_LEN, bill_invalid(e, "name"));
	if (service) {
		html_printf(h, "<label>%s <select name=\"unit\"%s>", L(lang, "Unit", "Jedinica"),
			    bill_invalid(e, "unit"));
		for (i = 0; i < BILL_UNIT_COUNT; i++)
			html_printf(h, "<option value=\"%s\"%s>%s</option>",
				    bill_unit_name((enum bill_unit)i),
				    strcmp(v->unit, bill_unit_name((enum bill_unit)i)) == 0
					? " selected"
					: "",
				    bill_unit_label(lang, (enum bill_unit)i));
		html_printf(h, "</select></label>");
	}
	html_printf(h,
		    "<label>%s <input name=\"%s\" value=\"%s\" required inputmode=\"decimal\" "
		    "maxlength=\"20\"%s></label><label>%s <select name=\"vat\"%s>",
		    service ? L(lang, "Price per unit (EUR)", "Cijena po jedinici (EUR)")
			    : L(lang, "Price per hour (EUR)", "Cijena po satu (EUR)"),
		    service ? "price" : "hourly", v->price,
		    bill_invalid(e, service ? "price" : "hourly"), L(lang, "VAT", "PDV"),
		    bill_invalid(e, "vat"));
	bill_vat_options(h, v->vat);
	html_printf(h, "</select></label>");
	if (with_active)
		html_printf(
		    h, "<label><input type=\"checkbox\" name=\"active\" value=\"1\"%s> %s</label>",
		    v->active ? " checked" : "",
		    L(lang, "Active (offered for new contracts and work)",
		      "Aktivno (nudi se za nove ugovore i rad)"));
}

/* ---- services ---- */

static void service_vals_of(const char *lang, const struct bill_service *s, struct item_vals *v)
{
	vals_copy(v->code, sizeof(v->code), s->code);
	vals_copy(v->name, sizeof(v->name), s->name);
	vals_copy(v->unit, sizeof(v->unit), bill_unit_name(s->unit));
	bill_money_input(lang, s->price, v->price, sizeof(v->price));
	v->vat = s->vat;
	v->active = s->active;
}

/* The submitted service into s (id and active left to the caller); 0, or -1 with e. */
static int service_check(const char *lang, const struct form *f, struct bill_service *s,
			 struct bill_form_err *e)
{
	if (item_check(lang, f, "price", s->code, sizeof(s->code), s->name, sizeof(s->name),
		       &s->price, &s->vat, e) < 0)
		return -1;
	if (bill_unit_parse(bill_val(f, "unit"), &s->unit) < 0)
		return bill_err(
		    e, 400, "unit",
		    L(lang, "Choose a unit from the list.", "Odaberite jedinicu s popisa."));
	return 0;
}

static void services_page(struct web_req *r, int status, const struct item_vals *nv,
			  const struct bill_form_err *e)
{
	const char *lang = page_lang(r);
	struct bill_service_list l = {0};
	struct item_vals empty;
	char price[48];
	struct html h;
	size_t i;
	int rc;

	rc = store_service_list(r->st, 1, &l);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!nv) {
		memset(&empty, 0, sizeof(empty));
		vals_copy(empty.unit, sizeof(empty.unit), "month");
		empty.vat = 25;
		empty.active = 1;
		nv = &empty;
	}
	if (page_begin(r, &h, L(lang, "Services", "Usluge"), NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/services");
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "Services", "Usluge"));
	if (!l.n) {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "No services yet.", "Još nema usluga."));
	} else {
		html_printf(&h,
			    "<div class=\"table-wrap\"><table id=\"services\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%s</th>"
			    "<th class=\"num\">%s</th><th>%s</th></tr></thead><tbody>\n",
			    L(lang, "Code", "Šifra"), L(lang, "Name", "Naziv"),
			    L(lang, "Unit", "Jedinica"), L(lang, "Price (EUR)", "Cijena (EUR)"),
			    L(lang, "VAT", "PDV"), L(lang, "Status", "Stanje"));
		for (i = 0; i < l.n; i++) {
			const struct bill_service *s = &l.items[i];

			bill_money(lang, s->price, price, sizeof(price));
			html_printf(
			    &h,
			    "<tr data-service=\"%s\"%s><td><a href=\"/billing/services/%j\">"
			    "%s</a></td><td>%s</td><td>%s</td><td class=\"num\">%s</td>"
			    "<td class=\"num\">%d %%</td><td>%s</td></tr>\n",
			    s->code, s->active ? "" : " class=\"inactive\"", s->id, s->code,
			    s->name, bill_unit_label(lang, s->unit), price, s->vat,
			    s->active ? L(lang, "active", "aktivna")
				      : L(lang, "inactive", "neaktivna"));
		}
		html_printf(&h, "</tbody></table></div>\n");
	}
	html_printf(&h, "<h2>%s</h2>\n", L(lang, "New service", "Nova usluga"));
	bill_error_para(&h, e);
	html_printf(&h, "<form id=\"new-service\" class=\"card\" method=\"post\" "
			"action=\"/billing/services\">");
	page_csrf_field(r, &h);
	item_fields(&h, lang, nv, 1, 0, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form>\n",
		    L(lang, "Add service", "Dodaj uslugu"));
	page_end_status(r, &h, status);
out:
	bill_service_list_free(&l);
}

void page_services(struct web_req *r)
{
	services_page(r, 200, NULL, NULL);
}

void page_service_new_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_form_err e;
	struct bill_service s;
	struct item_vals v;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	vals_from_form(&f, &v, "price");
	memset(&s, 0, sizeof(s));
	s.active = 1;
	if (service_check(lang, &f, &s, &e) < 0) {
		services_page(r, e.status, &v, &e);
		goto out;
	}
	rc = store_service_add(r->st, &s);
	if (rc != STORE_OK) {
		if (bill_rc_is_form(rc)) {
			bill_err_store(r, rc, &e);
			services_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	page_redirect(r, "/billing/services", NOTICE_CREATED);
out:
	form_free(&f);
}

static void service_page(struct web_req *r, int status, const struct item_vals *v,
			 const struct bill_form_err *e)
{
	const char *lang = page_lang(r);
	struct bill_service s;
	struct item_vals mine;
	struct html h;
	int rc;

	rc = store_service_get(r->st, r->ids[0], &s);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!v) {
		service_vals_of(lang, &s, &mine);
		v = &mine;
	}
	if (page_begin(r, &h, s.name, NAV_NONE) < 0)
		return;
	bill_subnav(&h, lang, "/billing/services");
	html_printf(&h, "<p><a href=\"/billing/services\">%s</a></p>\n<h1>%s%s</h1>\n",
		    L(lang, "All services", "Sve usluge"), s.name,
		    s.active ? "" : L(lang, " (inactive)", " (neaktivna)"));
	bill_error_para(&h, e);
	html_printf(&h,
		    "<form id=\"service\" class=\"card\" method=\"post\" "
		    "action=\"/billing/services/%j\">",
		    s.id);
	page_csrf_field(r, &h);
	item_fields(&h, lang, v, 1, 1, e);
	html_printf(&h, "<p class=\"hint\">%s</p><button type=\"submit\">%s</button></form>\n",
		    L(lang,
		      "A new price applies to contract lines added from now on; existing lines "
		      "keep their own price.",
		      "Nova cijena vrijedi za stavke ugovora dodane od sada; postojeće stavke "
		      "zadržavaju svoju cijenu."),
		    L(lang, "Save", "Spremi"));
	page_end_status(r, &h, status);
}

void page_service(struct web_req *r)
{
	service_page(r, 200, NULL, NULL);
}

void page_service_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_form_err e;
	struct bill_service s;
	struct item_vals v;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_service_get(r->st, r->ids[0], &s);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	vals_from_form(&f, &v, "price");
	if (service_check(lang, &f, &s, &e) < 0) {
		service_page(r, e.status, &v, &e);
		goto out;
	}
	s.active = form_checked(&f, "active");
	rc = store_service_update(r->st, &s);
	if (rc != STORE_OK) {
		if (bill_rc_is_form(rc)) {
			bill_err_store(r, rc, &e);
			service_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/billing/services/%lld", (long long)s.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- rates ---- */

static void rate_vals_of(const char *lang, const struct bill_rate *t, struct item_vals *v)
{
	memset(v, 0, sizeof(*v));
	vals_copy(v->code, sizeof(v->code), t->code);
	vals_copy(v->name, sizeof(v->name), t->name);
	bill_money_input(lang, t->hourly, v->price, sizeof(v->price));
	v->vat = t->vat;
	v->active = t->active;
}

static int rate_check(const char *lang, const struct form *f, struct bill_rate *t,
		      struct bill_form_err *e)
{
	return item_check(lang, f, "hourly", t->code, sizeof(t->code), t->name, sizeof(t->name),
			  &t->hourly, &t->vat, e);
}

static void rates_page(struct web_req *r, int status, const struct item_vals *nv,
		       const struct bill_form_err *e)
{
	const char *lang = page_lang(r), *dflt = bill_default_rate_code(r);
	struct bill_rate_list l = {0};
	struct item_vals empty;
	char price[48];
	struct html h;
	size_t i;
	int rc;

	rc = store_rate_list(r->st, 1, &l);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!nv) {
		memset(&empty, 0, sizeof(empty));
		empty.vat = 25;
		empty.active = 1;
		nv = &empty;
	}
	if (page_begin(r, &h, L(lang, "Hourly rates", "Satnice"), NAV_NONE) < 0)
		goto out;
	bill_subnav(&h, lang, "/billing/rates");
	html_printf(&h, "<h1>%s</h1>\n<p class=\"hint\">%s <code>%s</code>.</p>\n",
		    L(lang, "Hourly rates", "Satnice"),
		    L(lang,
		      "Ticket work is priced by its kind of work; work with none set is at the "
		      "default rate,",
		      "Rad na zahtjevima naplaćuje se po vrsti rada; rad bez odabrane vrste po "
		      "zadanoj satnici,"),
		    dflt);
	if (!l.n) {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "No rates yet.", "Još nema satnica."));
	} else {
		html_printf(&h,
			    "<div class=\"table-wrap\"><table id=\"rates\"><thead><tr>"
			    "<th>%s</th><th>%s</th><th class=\"num\">%s</th>"
			    "<th class=\"num\">%s</th><th>%s</th></tr></thead><tbody>\n",
			    L(lang, "Code", "Šifra"), L(lang, "Name", "Naziv"),
			    L(lang, "Per hour (EUR)", "Po satu (EUR)"), L(lang, "VAT", "PDV"),
			    L(lang, "Status", "Stanje"));
		for (i = 0; i < l.n; i++) {
			const struct bill_rate *t = &l.items[i];

			bill_money(lang, t->hourly, price, sizeof(price));
			html_printf(
			    &h,
			    "<tr data-rate=\"%s\"%s><td><a href=\"/billing/rates/%j\">%s</a>"
			    "%s</td><td>%s</td><td class=\"num\">%s</td>"
			    "<td class=\"num\">%d %%</td><td>%s</td></tr>\n",
			    t->code, t->active ? "" : " class=\"inactive\"", t->id, t->code,
			    strcmp(t->code, dflt) == 0 ? L(lang, " (default)", " (zadana)") : "",
			    t->name, price, t->vat,
			    t->active ? L(lang, "active", "aktivna")
				      : L(lang, "inactive", "neaktivna"));
		}
		html_printf(&h, "</tbody></table></div>\n");
	}
	html_printf(&h, "<h2>%s</h2>\n", L(lang, "New rate", "Nova satnica"));
	bill_error_para(&h, e);
	html_printf(&h, "<form id=\"new-rate\" class=\"card\" method=\"post\" "
			"action=\"/billing/rates\">");
	page_csrf_field(r, &h);
	item_fields(&h, lang, nv, 0, 0, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form>\n",
		    L(lang, "Add rate", "Dodaj satnicu"));
	page_end_status(r, &h, status);
out:
	bill_rate_list_free(&l);
}

void page_rates(struct web_req *r)
{
	rates_page(r, 200, NULL, NULL);
}

void page_rate_new_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_form_err e;
	struct bill_rate t;
	struct item_vals v;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	vals_from_form(&f, &v, "hourly");
	memset(&t, 0, sizeof(t));
	t.active = 1;
	if (rate_check(lang, &f, &t, &e) < 0) {
		rates_page(r, e.status, &v, &e);
		goto out;
	}
	rc = store_rate_add(r->st, &t);
	if (rc != STORE_OK) {
		if (bill_rc_is_form(rc)) {
			bill_err_store(r, rc, &e);
			rates_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	page_redirect(r, "/billing/rates", NOTICE_CREATED);
out:
	form_free(&f);
}

/* The <select> of clients for a client's price: the active ones (the script finds others). */
static int client_select(struct web_req *r, struct html *h, int64_t current,
			 const struct bill_form_err *e)
{
	const char *lang = page_lang(r);
	struct client_filter f;
	struct client_list l = {0};
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.active_only = 1;
	f.limit = CLIENT_CHOICES_MAX;
	rc = store_client_list(r->st, &f, &l, NULL);
	if (rc != STORE_OK)
		return rc;
	html_printf(h,
		    "<label>%s <select name=\"client_id\" id=\"override-client\" required "
		    "data-find=\"/api/v1/clients?active_only=true&amp;\" data-find-label=\"%s\"%s>",
		    L(lang, "Client", "Klijent"), L(lang, "Find a client", "Nađi klijenta"),
		    bill_invalid(e, "client_id"));
	for (i = 0; i < l.n; i++)
		html_printf(h, "<option value=\"%j\"%s>%s</option>", l.items[i].id,
			    l.items[i].id == current ? " selected" : "", l.items[i].name);
	html_printf(h, "</select></label>");
	client_list_free(&l);
	return STORE_OK;
}

/*
 * The rate's prices for particular clients and contracts, each with a form
 * that removes it.  A store rc.
 */
static int overrides_section(struct web_req *r, struct html *h, const struct bill_rate *t)
{
	const char *lang = page_lang(r);
	struct bill_override_list l = {0};
	struct bill_contract c;
	struct client cl;
	char price[48];
	size_t i, shown = 0;
	int rc;

	rc = store_rate_override_list(r->st, 0, &l);
	if (rc != STORE_OK)
		return rc;
	html_printf(h,
		    "<div class=\"table-wrap\"><table id=\"overrides\"><thead><tr><th>%s</th>"
		    "<th class=\"num\">%s</th><th></th></tr></thead><tbody>\n",
		    L(lang, "For", "Za"), L(lang, "Per hour (EUR)", "Po satu (EUR)"));
	for (i = 0; i < l.n && shown < OVERRIDES_SHOWN_MAX; i++) {
		const struct bill_rate_override *o = &l.items[i];

		if (o->rate_id != t->id)
			continue;
		shown++;
		bill_money(lang, o->hourly, price, sizeof(price));
		if (o->contract_id) {
			rc = store_contract_get(r->st, o->contract_id, &c);
			if (rc != STORE_OK)
				goto out;
			html_printf(
			    h,
			    "<tr data-contract=\"%j\"><td>%s <a href=\"/contracts/%j\">%s</a>"
			    " (%s)</td>",
			    c.id, L(lang, "contract", "ugovor"), c.id, c.number, c.client_name);
			bill_contract_clear(&c);
		} else {
			rc = store_client_get(r->st, o->client_id, &cl);
			if (rc != STORE_OK)
				goto out;
			html_printf(
			    h,
			    "<tr data-client=\"%j\"><td>%s <a href=\"/clients/%j/contracts\">"
			    "%s</a></td>",
			    cl.id, L(lang, "client", "klijent"), cl.id, cl.name);
		}
		html_printf(h,
			    "<td class=\"num\">%s</td><td><form class=\"override-remove\" "
			    "method=\"post\" action=\"/billing/rates/%j/overrides\">",
			    price, t->id);
		page_csrf_field(r, h);
		if (o->contract_id)
			html_printf(h, "<input type=\"hidden\" name=\"contract_id\" value=\"%j\">",
				    o->contract_id);
		else
			html_printf(h, "<input type=\"hidden\" name=\"client_id\" value=\"%j\">",
				    o->client_id);
		html_printf(
		    h,
		    "<input type=\"hidden\" name=\"hourly\" value=\"\">"
		    "<button type=\"submit\" class=\"secondary\">%s</button></form></td></tr>\n",
		    L(lang, "Remove", "Ukloni"));
	}
	if (!shown)
		html_printf(h, "<tr><td colspan=\"3\" class=\"hint\">%s</td></tr>\n",
			    L(lang, "None: everyone pays the rate's own price.",
			      "Nema: svi plaćaju osnovnu cijenu satnice."));
	html_printf(h, "</tbody></table></div>\n");
	rc = STORE_OK;
out:
	bill_override_list_free(&l);
	return rc;
}

static void rate_page(struct web_req *r, int status, const struct item_vals *v,
		      const struct bill_form_err *e, const struct form *of,
		      const struct bill_form_err *oe)
{
	const char *lang = page_lang(r);
	struct bill_rate t;
	struct item_vals mine;
	struct html h;
	int rc;

	rc = store_rate_get(r->st, r->ids[0], &t);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!v) {
		rate_vals_of(lang, &t, &mine);
		v = &mine;
	}
	if (page_begin(r, &h, t.name, NAV_NONE) < 0)
		return;
	bill_subnav(&h, lang, "/billing/rates");
	html_printf(&h, "<p><a href=\"/billing/rates\">%s</a></p>\n<h1>%s%s</h1>\n",
		    L(lang, "All rates", "Sve satnice"), t.name,
		    t.active ? "" : L(lang, " (inactive)", " (neaktivna)"));
	bill_error_para(&h, e);
	html_printf(
	    &h, "<form id=\"rate\" class=\"card\" method=\"post\" action=\"/billing/rates/%j\">",
	    t.id);
	page_csrf_field(r, &h);
	item_fields(&h, lang, v, 0, 1, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form>\n", L(lang, "Save", "Spremi"));

	html_printf(&h, "<section id=\"rate-overrides\"><h2>%s</h2><p class=\"hint\">%s</p>\n",
		    L(lang, "Prices for particular clients and contracts",
		      "Cijene za pojedine klijente i ugovore"),
		    L(lang,
		      "A contract's price wins over its client's, which wins over the rate's own. "
		      "A contract's price is set on the contract's page.",
		      "Cijena ugovora ima prednost pred cijenom klijenta, a ta pred osnovnom "
		      "cijenom satnice. Cijena za ugovor postavlja se na stranici ugovora."));
	rc = overrides_section(r, &h, &t);
	if (rc == STORE_OK) {
		html_printf(&h, "<h3>%s</h3>\n",
			    L(lang, "Price for a client", "Cijena za klijenta"));
		bill_error_para(&h, oe);
		html_printf(&h,
			    "<form id=\"new-override\" class=\"card\" method=\"post\" "
			    "action=\"/billing/rates/%j/overrides\">",
			    t.id);
		page_csrf_field(r, &h);
		rc = client_select(r, &h, of ? form_id(of, "client_id") : 0, oe);
	}
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		return;
	}
	html_printf(
	    &h,
	    "<label>%s <input name=\"hourly\" value=\"%s\" inputmode=\"decimal\" "
	    "maxlength=\"20\"%s></label><p class=\"hint\">%s</p>"
	    "<button type=\"submit\">%s</button></form></section>\n",
	    L(lang, "Per hour (EUR)", "Po satu (EUR)"), bill_val(of, "hourly"),
	    bill_invalid(oe, "hourly"),
	    L(lang, "Empty removes the client's price.", "Prazno uklanja cijenu za klijenta."),
	    L(lang, "Set price", "Postavi cijenu"));
	page_end_status(r, &h, status);
}

void page_rate(struct web_req *r)
{
	rate_page(r, 200, NULL, NULL, NULL, NULL);
}

void page_rate_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_form_err e;
	struct bill_rate t;
	struct item_vals v;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_rate_get(r->st, r->ids[0], &t);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	vals_from_form(&f, &v, "hourly");
	if (rate_check(lang, &f, &t, &e) < 0) {
		rate_page(r, e.status, &v, &e, NULL, NULL);
		goto out;
	}
	t.active = form_checked(&f, "active");
	rc = store_rate_update(r->st, &t);
	if (rc != STORE_OK) {
		if (bill_rc_is_form(rc)) {
			bill_err_store(r, rc, &e);
			rate_page(r, e.status, &v, &e, NULL, NULL);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	snprintf(loc, sizeof(loc), "/billing/rates/%lld", (long long)t.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/*
 * Set (or, with an empty hourly, remove) rate_id's price for one client or
 * one contract from a form's "hourly".  0, or -1 with e saying why (the
 * store's other failures: e->status 0 and *rc set).
 */
int page_billing_override_apply(struct web_req *r, const struct form *f, int64_t rate_id,
				int64_t client_id, int64_t contract_id, struct bill_form_err *e,
				int *rc)
{
	const char *lang = page_lang(r), *s = bill_val(f, "hourly");
	int64_t hourly = -1;

	*rc = STORE_OK;
	if (strspn(s, " \t") != strlen(s) && bill_parse_money(s, 0, &hourly) < 0)
		return bill_err(e, 400, "hourly",
				L(lang,
				  "Per hour: an amount in EUR with at most two decimals, such as "
				  "50,00; empty to remove.",
				  "Po satu: iznos u eurima s najviše dvije decimale, npr. 50,00; "
				  "prazno za uklanjanje."));
	*rc = store_rate_override_set(r->st, rate_id, client_id, contract_id, hourly);
	if (*rc == STORE_OK)
		return 0;
	if (bill_rc_is_form(*rc))
		bill_err_store(r, *rc, e);
	else
		e->status = 0;
	return -1;
}

void page_rate_override_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	int64_t client_id, contract_id;
	struct bill_form_err e;
	struct bill_rate t;
	struct form f;
	char loc[80];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_rate_get(r->st, r->ids[0], &t);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	client_id = form_id(&f, "client_id");
	contract_id = form_id(&f, "contract_id");
	if (client_id < 0 || contract_id < 0 || (client_id > 0) == (contract_id > 0)) {
		bill_err(
		    &e, 400, "client_id",
		    L(lang, "Choose the client from the list.", "Odaberite klijenta s popisa."));
		rate_page(r, e.status, NULL, NULL, &f, &e);
		goto out;
	}
	if (page_billing_override_apply(r, &f, t.id, client_id, contract_id, &e, &rc) < 0) {
		if (e.status)
			rate_page(r, e.status, NULL, NULL, &f, &e);
		else
			page_store_error(r, rc);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/billing/rates/%lld#rate-overrides", (long long)t.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}
