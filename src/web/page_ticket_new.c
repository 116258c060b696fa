/*
 * page_ticket_new: a ticket taken down by staff (phone, fax, SMS, in
 * person): the form #new-ticket (GET /tickets/new) and its POST, which may
 * also make the client and the contact on the spot and start the user's
 * stopwatch.  Everything is checked before anything is written, and the
 * writes are one store batch: a refused or failed form leaves no record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "core/validate.h"
#include "util/clock.h"
#include "util/log.h"
#include "web/page.h"
#include "web/page_names.h"

#define NEW_CLIENTS_MAX 500   /* clients listed in the select without the script */
#define NEW_CONTACTS_MAX 2000 /* contacts listed, grouped by client */
#define NEW_MSG_MAX 800

/* The form's values, as sent (for showing it again) and as checked. */
struct new_ticket {
	enum ticket_channel channel;
	int64_t client_id; /* 0 = none chosen */
	char client_name[NAME_MAX_LEN + 1];
	int64_t contact_id; /* 0 = none chosen */
	char contact_name[NAME_MAX_LEN + 1];
	char contact_email[EMAIL_MAX_LEN + 1];
	char contact_phone[PHONE_MAX_LEN + 1];
	char subject[SUBJECT_MAX_LEN + 1];
	const char *description; /* borrowed from the form; never NULL */
	int64_t assignee_id;	 /* 0 = nobody */
	enum ticket_priority priority;
	enum billing_kind billing;
	int start_timer;
};

/* Why a form is refused: an HTTP status and a message, or a failed store call. */
struct refusal {
	int status;   /* 400, 409, 422; 0 = not refused */
	int store_rc; /* != STORE_OK: answer page_store_error instead */
	char msg[NEW_MSG_MAX];
};

static void new_ticket_defaults(struct web_req *r, struct new_ticket *nt)
{
	memset(nt, 0, sizeof(*nt));
	nt->channel = CHANNEL_PHONE;
	nt->description = "";
	nt->assignee_id = r->user.id;
	nt->priority = PRIORITY_NORMAL;
	nt->billing = BILLING_BILLABLE;
}

/*
 * A one-line field trimmed into out (outsz > max).  Returns 0, or -1 when it
 * is longer than max bytes or holds control characters (out then keeps what
 * fits, for showing the form again).
 */
static int line_field(const struct form *f, const char *name, char *out, size_t outsz, size_t max)
{
	const char *v = form_get(f, name);
	size_t n, cut;

	out[0] = '\0';
	if (!v)
		return 0;
	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	n = strlen(v);
	while (n > 0 &&
	       (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	cut = utf8_cut(v, n, max < outsz - 1 ? max : outsz - 1);
	memcpy(out, v, cut);
	out[cut] = '\0';
	if (cut < n)
		return -1;
	return valid_text(out, max, 0) ? 0 : -1;
}

static void refuse(struct refusal *x, int status, const char *msg)
{
	x->status = status;
	snprintf(x->msg, sizeof(x->msg), "%s", msg);
}

/* Whether an active or inactive client is named name (the names are unique, ASCII case aside). */
static int client_name_taken(struct web_req *r, const char *name, char *existing, size_t sz,
			     int *rc)
{
	struct client_filter cf;
	struct client_list l = {0};
	size_t i;
	int found = 0;

	memset(&cf, 0, sizeof(cf));
	cf.query = name;
	*rc = store_client_list(r->st, &cf, &l, NULL);
	if (*rc != STORE_OK)
		return 0;
	for (i = 0; i < l.n && !found; i++) {
		if (strcasecmp(l.items[i].name, name) == 0) {
			snprintf(existing, sz, "%s", l.items[i].name);
			found = 1;
		}
	}
	client_list_free(&l);
	return found;
}

/* ---- reading and checking the form ---- */

static void read_client(struct web_req *r, const struct form *f, struct new_ticket *nt,
			struct refusal *x)
{
	const char *lang = page_lang(r);
	char existing[NAME_MAX_LEN + 1];
	struct client cl;
	int rc;

	nt->client_id = form_id(f, "client_id");
	if (line_field(f, "client_name", nt->client_name, sizeof(nt->client_name), NAME_MAX_LEN) <
	    0) {
		refuse(x, 400,
		       L(lang, "The new client's name must be one line of at most 200 bytes.",
			 "Naziv novog klijenta mora biti jedan redak od najviše 200 bajtova."));
		return;
	}
	if (nt->client_id < 0) {
		nt->client_id = 0;
		refuse(x, 400,
		       L(lang, "Choose the client from the list.", "Odaberite klijenta s popisa."));
		return;
	}
	if (nt->client_id && nt->client_name[0]) {
		refuse(x, 400,
		       L(lang, "Choose an existing client or type a new client's name, not both.",
			 "Odaberite postojećeg klijenta ili upišite naziv novog, ne oboje."));
		return;
	}
	if (nt->client_id) {
		rc = store_client_get(r->st, nt->client_id, &cl);
		if (rc == STORE_NOT_FOUND)
			refuse(x, 422,
			       L(lang, "The chosen client does not exist.",
				 "Odabrani klijent ne postoji."));
		else if (rc != STORE_OK)
			x->store_rc = rc;
		return;
	}
	if (nt->client_name[0]) {
		if (client_name_taken(r, nt->client_name, existing, sizeof(existing), &rc)) {
			snprintf(x->msg, sizeof(x->msg), "%s \"%s\" %s",
				 L(lang, "A client named", "Klijent s nazivom"), existing,
				 L(lang, "exists already; choose it from the list.",
				   "već postoji; odaberite ga s popisa."));
			x->status = 409;
		} else if (rc != STORE_OK) {
			x->store_rc = rc;
		}
	}
}

static void read_contact(struct web_req *r, const struct form *f, struct new_ticket *nt,
			 struct refusal *x)
{
	const char *lang = page_lang(r);
	struct contact k;
	int rc, new_contact;

	nt->contact_id = form_id(f, "contact_id");
	if (line_field(f, "contact_name", nt->contact_name, sizeof(nt->contact_name),
		       NAME_MAX_LEN) < 0) {
		refuse(x, 400,
		       L(lang, "The new contact's name must be one line of at most 200 bytes.",
			 "Ime novog kontakta mora biti jedan redak od najviše 200 bajtova."));
		return;
	}
	if (line_field(f, "contact_email", nt->contact_email, sizeof(nt->contact_email),
		       EMAIL_MAX_LEN) < 0 ||
	    (nt->contact_email[0] && !valid_email(nt->contact_email))) {
		refuse(x, 400,
		       L(lang, "The new contact's email address is not valid.",
			 "Adresa e-pošte novog kontakta nije ispravna."));
		return;
	}
	ascii_lower(nt->contact_email);
	if (line_field(f, "contact_phone", nt->contact_phone, sizeof(nt->contact_phone),
		       PHONE_MAX_LEN) < 0) {
		refuse(x, 400,
		       L(lang,
			 "The new contact's phone number must be one line of at most "
			 "50 bytes.",
			 "Telefonski broj novog kontakta mora biti jedan redak od najviše "
			 "50 bajtova."));
		return;
	}
	if (nt->contact_id < 0) {
		nt->contact_id = 0;
		refuse(x, 400,
		       L(lang, "Choose the contact from the list.", "Odaberite kontakt s popisa."));
		return;
	}
	new_contact = nt->contact_name[0] || nt->contact_email[0] || nt->contact_phone[0];
	if (nt->contact_id && new_contact) {
		refuse(x, 400,
		       L(lang, "Choose an existing contact or enter a new one, not both.",
			 "Odaberite postojeći kontakt ili upišite novi, ne oboje."));
		return;
	}
	if (nt->contact_id) {
		rc = store_contact_get(r->st, nt->contact_id, &k);
		if (rc == STORE_NOT_FOUND) {
			refuse(x, 422,
			       L(lang, "The chosen contact does not exist.",
				 "Odabrani kontakt ne postoji."));
			return;
		}
		if (rc != STORE_OK) {
			x->store_rc = rc;
			return;
		}
		if (nt->client_name[0] || (nt->client_id && k.client_id != nt->client_id)) {
			snprintf(x->msg, sizeof(x->msg), "%s %s %s, %s.", k.name,
				 L(lang, "is a contact of", "je kontakt klijenta"), k.client_name,
				 L(lang, "not of the chosen client", "a ne odabranog klijenta"));
			x->status = 422;
			return;
		}
		/* A contact alone is enough: the client is the contact's (as in the API). */
		nt->client_id = k.client_id;
		return;
	}
	if (!new_contact)
		return;
	if (!nt->contact_name[0]) {
		refuse(x, 400, L(lang, "A new contact needs a name.", "Novi kontakt treba ime."));
		return;
	}
	if (!nt->contact_email[0] && !nt->contact_phone[0]) {
		refuse(x, 400,
		       L(lang, "A new contact needs an email address or a phone number.",
			 "Novi kontakt treba adresu e-pošte ili telefonski broj."));
		return;
	}
	if (!nt->client_id && !nt->client_name[0]) {
		refuse(x, 400,
		       L(lang, "Choose the new contact's client or type a new client's name.",
			 "Odaberite klijenta novog kontakta ili upišite naziv novog klijenta."));
		return;
	}
	if (nt->contact_email[0]) {
		rc = store_contact_get_by_email(r->st, nt->contact_email, &k);
		if (rc == STORE_OK) {
			snprintf(x->msg, sizeof(x->msg), "%s %s %s (%s); %s", nt->contact_email,
				 L(lang, "is already the address of", "već je adresa kontakta"),
				 k.name, k.client_name,
				 L(lang, "choose that contact from the list.",
				   "odaberite taj kontakt s popisa."));
			x->status = 409;
		} else if (rc != STORE_NOT_FOUND) {
			x->store_rc = rc;
		}
	}
}

static void read_rest(struct web_req *r, const struct form *f, struct new_ticket *nt,
		      struct refusal *x)
{
	const char *lang = page_lang(r);
	const char *v;
	struct user u;
	int rc;

	if ((v = form_get(f, "channel")) && *v &&
	    (channel_parse(v, &nt->channel) < 0 || nt->channel == CHANNEL_API)) {
		nt->channel = CHANNEL_PHONE;
		refuse(x, 400,
		       L(lang, "Choose how the request came in.",
			 "Odaberite kako je zahtjev stigao."));
		return;
	}
	if ((v = form_get(f, "priority")) && *v && priority_parse(v, &nt->priority) < 0) {
		nt->priority = PRIORITY_NORMAL;
		refuse(
		    x, 400,
		    L(lang, "Choose a priority from the list.", "Odaberite prioritet s popisa."));
		return;
	}
	if ((v = form_get(f, "billing")) && *v && billing_parse(v, &nt->billing) < 0) {
		nt->billing = BILLING_BILLABLE;
		refuse(x, 400,
		       L(lang, "Choose a billing kind from the list.",
			 "Odaberite vrstu naplate s popisa."));
		return;
	}
	/* Without the field the ticket is the user's; an empty choice is nobody's. */
	v = form_get(f, "assignee_id");
	nt->assignee_id = v ? form_id(f, "assignee_id") : r->user.id;
	if (nt->assignee_id < 0) {
		nt->assignee_id = r->user.id;
		refuse(x, 400,
		       L(lang, "Choose the assignee from the list.",
			 "Odaberite izvršitelja s popisa."));
		return;
	}
	if (nt->assignee_id) {
		rc = store_user_get(r->st, nt->assignee_id, &u);
		if (rc == STORE_NOT_FOUND || (rc == STORE_OK && !u.active)) {
			refuse(x, 422,
			       L(lang, "The chosen assignee does not exist or is deactivated.",
				 "Odabrani izvršitelj ne postoji ili je isključen."));
			return;
		}
		if (rc != STORE_OK)
			x->store_rc = rc;
	}
}

static void read_text(struct web_req *r, const struct form *f, struct new_ticket *nt,
		      struct refusal *x)
{
	const char *lang = page_lang(r);
	const char *d = form_get(f, "description");

	nt->description = d ? d : "";
	if (line_field(f, "subject", nt->subject, sizeof(nt->subject), SUBJECT_MAX_LEN) < 0)
		refuse(x, 400,
		       L(lang, "The subject must be one line of at most 300 bytes.",
			 "Predmet mora biti jedan redak od najviše 300 bajtova."));
	else if (!nt->subject[0])
		refuse(x, 400, L(lang, "Enter the subject.", "Upišite predmet."));
	else if (!valid_text(nt->description, BODY_MAX_LEN, 1))
		refuse(x, 400,
		       L(lang, "The description is too long (at most 64 KiB).",
			 "Opis je predug (najviše 64 KiB)."));
}

/*
 * Read and check everything into nt; x (OUT) tells the first refusal
 * (x->status) or failed store call (x->store_rc), else is all zero.  Every
 * part is read even after a refusal, so the form comes back as it was sent.
 */
static void new_ticket_read(struct web_req *r, const struct form *f, struct new_ticket *nt,
			    struct refusal *x)
{
	struct refusal parts[4];
	size_t i;

	new_ticket_defaults(r, nt);
	memset(x, 0, sizeof(*x));
	memset(parts, 0, sizeof(parts));
	nt->start_timer = form_checked(f, "start_timer");
	read_text(r, f, nt, &parts[0]);
	read_rest(r, f, nt, &parts[1]);
	read_client(r, f, nt, &parts[2]);
	read_contact(r, f, nt, &parts[3]);
	for (i = 0; i < 4; i++) {
		if (parts[i].status || parts[i].store_rc) {
			*x = parts[i];
			return;
		}
	}
}

/* ---- the form ---- */

static int cmp_contact(const void *a, const void *b)
{
	const struct contact *x = a, *y = b;
	int c = strcasecmp(x->client_name, y->client_name);

	if (c)
		return c;
	if (x->client_id != y->client_id)
		return x->client_id < y->client_id ? -1 : 1;
	c = strcasecmp(x->name, y->name);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void contact_option(struct html *h, const struct contact *k, int selected)
{
	html_printf(h, "<option value=\"%j\"%s>%s", k->id, selected ? " selected" : "", k->name);
	if (k->email[0])
		html_printf(h, " &lt;%s&gt;", k->email);
	else if (k->phone[0])
		html_printf(h, ", %s", k->phone);
	html_printf(h, "</option>");
}

static void client_select(struct web_req *r, struct html *h, const struct new_ticket *nt,
			  const struct client_list *clients)
{
	const char *lang = page_lang(r);
	struct client extra;
	size_t i;
	int listed = 0;

	html_printf(h,
		    "<label>%s <select name=\"client_id\" id=\"client_id\" "
		    "data-find=\"/api/v1/clients?\" data-find-label=\"%s\">"
		    "<option value=\"\">%s</option>",
		    L(lang, "Client", "Klijent"), L(lang, "Find a client", "Nađi klijenta"),
		    L(lang, "— none —", "— nijedan —"));
	for (i = 0; i < clients->n; i++) {
		const struct client *c = &clients->items[i];

		if (c->id == nt->client_id)
			listed = 1;
		html_printf(h, "<option value=\"%j\"%s>%s</option>", c->id,
			    c->id == nt->client_id ? " selected" : "", c->name);
	}
	/* The chosen client when it is not listed (inactive, or past the first 500). */
	if (nt->client_id && !listed && store_client_get(r->st, nt->client_id, &extra) == STORE_OK)
		html_printf(h, "<option value=\"%j\" selected>%s</option>", extra.id, extra.name);
	html_printf(h,
		    "</select></label>"
		    "<label>%s <input type=\"text\" name=\"client_name\" value=\"%s\" "
		    "maxlength=\"200\" autocomplete=\"off\"></label>",
		    L(lang, "or a new client: name", "ili novi klijent: naziv"), nt->client_name);
}

static void contact_select(struct web_req *r, struct html *h, const struct new_ticket *nt,
			   struct contact_list *contacts)
{
	const char *lang = page_lang(r);
	struct contact extra;
	int64_t group = 0;
	size_t i;
	int listed = 0;

	html_printf(h,
		    "<label>%s <select name=\"contact_id\" id=\"contact_id\" "
		    "data-find=\"/api/v1/contacts?\" data-find-client=\"#client_id\" "
		    "data-find-label=\"%s\"><option value=\"\">%s</option>",
		    L(lang, "Contact", "Kontakt"), L(lang, "Find a contact", "Nađi kontakt"),
		    L(lang, "— none —", "— nijedan —"));
	for (i = 0; i < contacts->n; i++)
		if (contacts->items[i].id == nt->contact_id)
			listed = 1;
	if (nt->contact_id && !listed &&
	    store_contact_get(r->st, nt->contact_id, &extra) == STORE_OK) {
		html_printf(h, "<optgroup label=\"%s\">", extra.client_name);
		contact_option(h, &extra, 1);
		html_printf(h, "</optgroup>");
	}
	if (contacts->n)
		qsort(contacts->items, contacts->n, sizeof(contacts->items[0]), cmp_contact);
	for (i = 0; i < contacts->n; i++) {
		const struct contact *k = &contacts->items[i];

		if (i == 0 || k->client_id != group) {
			if (i)
				html_printf(h, "</optgroup>");
			html_printf(h, "<optgroup label=\"%s\">", k->client_name);
			group = k->client_id;
		}
		contact_option(h, k, k->id == nt->contact_id);
	}
	if (contacts->n)
		html_printf(h, "</optgroup>");
	html_printf(h,
		    "</select></label>"
		    "<p class=\"hint\">%s</p>"
		    "<label>%s <input type=\"text\" name=\"contact_name\" value=\"%s\" "
		    "maxlength=\"200\" autocomplete=\"off\"></label>"
		    "<label>%s <input type=\"email\" name=\"contact_email\" value=\"%s\" "
		    "maxlength=\"254\" autocomplete=\"off\"></label>"
		    "<label>%s <input type=\"tel\" name=\"contact_phone\" value=\"%s\" "
		    "maxlength=\"50\" autocomplete=\"off\"></label>",
		    L(lang, "or a new contact of the client: a name and an email or phone",
		      "ili novi kontakt klijenta: ime te e-pošta ili telefon"),
		    L(lang, "Name", "Ime i prezime"), nt->contact_name, L(lang, "Email", "E-pošta"),
		    nt->contact_email, L(lang, "Phone", "Telefon"), nt->contact_phone);
}

static void new_ticket_form(struct web_req *r, int status, const struct new_ticket *nt,
			    const char *error)
{
	static const enum ticket_channel channels[] = {CHANNEL_PHONE,	CHANNEL_FAX,   CHANNEL_SMS,
						       CHANNEL_WALK_IN, CHANNEL_EMAIL, CHANNEL_WEB};
	const char *lang = page_lang(r);
	struct client_list clients = {0};
	struct contact_list contacts = {0};
	struct user_list users = {0};
	struct client_filter cf;
	struct contact_filter kf;
	struct html h;
	size_t i;
	int rc, s;

	memset(&cf, 0, sizeof(cf));
	cf.active_only = 1;
	cf.limit = NEW_CLIENTS_MAX;
	memset(&kf, 0, sizeof(kf));
	kf.active_only = 1;
	kf.limit = NEW_CONTACTS_MAX;
	rc = store_client_list(r->st, &cf, &clients, NULL);
	if (rc == STORE_OK)
		rc = store_contact_list(r->st, &kf, &contacts, NULL);
	if (rc == STORE_OK)
		rc = store_user_list(r->st, &users);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}

	if (page_begin(r, &h, L(lang, "New ticket", "Novi zahtjev"), NAV_NEW_TICKET) < 0)
		goto out;
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "New ticket", "Novi zahtjev"));
	if (error)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", error);
	html_printf(&h, "<form id=\"new-ticket\" method=\"post\" action=\"/tickets/new\" "
			"class=\"card\">");
	page_csrf_field(r, &h);

	html_printf(&h, "<label>%s <select name=\"channel\">", L(lang, "Channel", "Kanal"));
	for (i = 0; i < sizeof(channels) / sizeof(channels[0]); i++)
		html_printf(&h, "<option value=\"%s\"%s>%s</option>", channel_name(channels[i]),
			    nt->channel == channels[i] ? " selected" : "",
			    page_channel_label(lang, channels[i]));
	html_printf(&h, "</select></label>\n");

	html_printf(&h, "<fieldset><legend>%s</legend>", L(lang, "Client", "Klijent"));
	client_select(r, &h, nt, &clients);
	html_printf(&h, "</fieldset>\n<fieldset><legend>%s</legend>",
		    L(lang, "Contact person", "Kontakt osoba"));
	contact_select(r, &h, nt, &contacts);
	html_printf(&h, "</fieldset>\n");

	html_printf(&h,
		    "<label>%s <input type=\"text\" name=\"subject\" value=\"%s\" required "
		    "maxlength=\"300\" size=\"60\" autofocus></label>\n"
		    "<label>%s <textarea name=\"description\" rows=\"8\">\n%s</textarea></label>\n",
		    L(lang, "Subject", "Predmet"), nt->subject, L(lang, "Description", "Opis"),
		    nt->description);

	html_printf(&h, "<label>%s <select name=\"assignee_id\"><option value=\"\"%s>%s</option>",
		    L(lang, "Assignee", "Izvršitelj"), nt->assignee_id ? "" : " selected",
		    L(lang, "— nobody —", "— nitko —"));
	for (i = 0; i < users.n; i++) {
		const struct user *u = &users.items[i];

		if (u->active)
			html_printf(&h, "<option value=\"%j\"%s>%s</option>", u->id,
				    u->id == nt->assignee_id ? " selected" : "", u->name);
	}
	html_printf(&h, "</select></label>\n<label>%s <select name=\"priority\">",
		    L(lang, "Priority", "Prioritet"));
	for (s = 0; s < PRIORITY_COUNT; s++)
		html_printf(&h, "<option value=\"%s\"%s>%s</option>",
			    priority_name((enum ticket_priority)s),
			    (int)nt->priority == s ? " selected" : "",
			    page_priority_label(lang, (enum ticket_priority)s));
	html_printf(&h, "</select></label>\n<label>%s <select name=\"billing\">",
		    L(lang, "Billing", "Naplata"));
	for (s = 0; s < BILLING_COUNT; s++)
		html_printf(&h, "<option value=\"%s\"%s>%s</option>",
			    billing_name((enum billing_kind)s),
			    (int)nt->billing == s ? " selected" : "",
			    page_billing_label(lang, (enum billing_kind)s));
	html_printf(&h, "</select></label>\n");

	html_printf(
	    &h,
	    "<label><input type=\"checkbox\" name=\"start_timer\" value=\"1\"%s> %s</label>"
	    "<p class=\"hint\">%s</p>\n"
	    "<button type=\"submit\">%s</button></form>\n",
	    nt->start_timer ? " checked" : "",
	    L(lang, "Start my stopwatch on this ticket", "Pokreni moju štopericu na ovom zahtjevu"),
	    L(lang, "If your stopwatch runs on another ticket, it is stopped first.",
	      "Ako vam štoperica radi na drugom zahtjevu, najprije se zaustavlja."),
	    L(lang, "Create the ticket", "Otvori zahtjev"));
	page_end_status(r, &h, status);
out:
	client_list_free(&clients);
	contact_list_free(&contacts);
	user_list_free(&users);
}

void page_ticket_new_get(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct new_ticket nt;
	struct contact k;
	const char *v;

	new_ticket_defaults(r, &nt);
	/* ?client_id= and ?contact_id= choose them beforehand (from a client's page). */
	if ((v = page_query(r, "client_id")) && *v && web_parse_id(v, &nt.client_id) < 0) {
		page_error(r, 400,
			   L(lang, "client_id: must be a client's number.",
			     "client_id: mora biti broj klijenta."));
		return;
	}
	if ((v = page_query(r, "contact_id")) && *v) {
		if (web_parse_id(v, &nt.contact_id) < 0) {
			page_error(r, 400,
				   L(lang, "contact_id: must be a contact's number.",
				     "contact_id: mora biti broj kontakta."));
			return;
		}
		if (!nt.client_id && store_contact_get(r->st, nt.contact_id, &k) == STORE_OK)
			nt.client_id = k.client_id;
	}
	new_ticket_form(r, 200, &nt, NULL);
}

/* ---- creating ---- */

/*
 * Write the client and contact when new, the ticket, and the stopwatch, in
 * one batch.  Returns STORE_OK with t filled, or a store rc with its
 * message in msg; nothing is kept then.
 */
static int new_ticket_write(struct web_req *r, const struct new_ticket *nt, struct ticket *t,
			    char *msg, size_t msgsz)
{
	struct client c;
	struct contact k;
	struct timer_running running;
	struct time_entry stopped;
	int64_t client_id = nt->client_id, contact_id = nt->contact_id;
	const char *desc = nt->description;
	int rc;

	/* A description of only blanks is none. */
	if (desc[strspn(desc, " \t\r\n")] == '\0')
		desc = NULL;
	rc = store_batch_begin(r->st);
	if (rc != STORE_OK) {
		snprintf(msg, msgsz, "%s", store_errmsg(r->st));
		return rc;
	}
	if (nt->client_name[0]) {
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "%s", nt->client_name);
		c.active = 1;
		rc = store_client_create(r->st, &c, r->now);
		client_id = c.id;
	}
	if (rc == STORE_OK && nt->contact_name[0]) {
		memset(&k, 0, sizeof(k));
		k.client_id = client_id;
		snprintf(k.name, sizeof(k.name), "%s", nt->contact_name);
		snprintf(k.email, sizeof(k.email), "%s", nt->contact_email);
		snprintf(k.phone, sizeof(k.phone), "%s", nt->contact_phone);
		k.active = 1;
		rc = store_contact_create(r->st, &k, r->now);
		contact_id = k.id;
	}
	if (rc == STORE_OK) {
		memset(t, 0, sizeof(*t));
		snprintf(t->subject, sizeof(t->subject), "%s", nt->subject);
		t->status = STATUS_NEW;
		t->priority = nt->priority;
		t->channel = nt->channel;
		t->billing = nt->billing;
		t->client_id = client_id;
		t->contact_id = contact_id;
		t->assignee_id = nt->assignee_id;
		t->created_by = r->user.id;
		rc = store_ticket_create(r->st, t, clock_local_year(r->now), desc, r->user.id,
					 r->now);
	}
	if (rc == STORE_OK && nt->start_timer)
		rc = store_timer_start(r->st, r->user.id, t->id, r->now, &running, &stopped);
	if (rc != STORE_OK) {
		snprintf(msg, msgsz, "%s", store_errmsg(r->st));
		(void)store_batch_end(r->st, 0);
		return rc;
	}
	rc = store_batch_end(r->st, 1);
	if (rc != STORE_OK)
		snprintf(msg, msgsz, "%s", store_errmsg(r->st));
	return rc;
}

/* Browsers send a textarea's line breaks as CR LF; the history keeps LF. */
static void description_lf(struct form *f)
{
	char *s, *d;
	int i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->fields[i].name, "description") != 0)
			continue;
		for (s = d = f->fields[i].value; *s; s++)
			if (!(s[0] == '\r' && s[1] == '\n'))
				*d++ = *s;
		*d = '\0';
		f->fields[i].len = (size_t)(d - f->fields[i].value);
	}
}

void page_ticket_new_post(struct web_req *r)
{
	struct new_ticket nt;
	struct refusal x;
	struct ticket t;
	struct form f;
	char path[64], msg[NEW_MSG_MAX];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	description_lf(&f);
	new_ticket_read(r, &f, &nt, &x);
	if (x.store_rc != STORE_OK) {
		page_store_error(r, x.store_rc);
		goto out;
	}
	if (x.status) {
		new_ticket_form(r, x.status, &nt, x.msg);
		goto out;
	}
	rc = new_ticket_write(r, &nt, &t, msg, sizeof(msg));
	if (rc == STORE_INVALID || rc == STORE_CONFLICT) {
		/* Checked above already, so only a race with another user gets here. */
		new_ticket_form(r, rc == STORE_CONFLICT ? 409 : 400, &nt, msg);
		goto out;
	}
	if (rc != STORE_OK) {
		log_error("web: new ticket not created: %s", msg);
		page_store_error(r, rc);
		goto out;
	}
	log_info("ticket created number=%s user=%lld via=page", t.number, (long long)r->user.id);
	snprintf(path, sizeof(path), "/tickets/%lld", (long long)t.id);
	page_redirect(r, path, NOTICE_CREATED);
out:
	form_free(&f);
}
