/*
 * page_admin: the administrator's pages: the staff accounts (/users: create,
 * change, deactivate, set a password), the quarantine of incoming mail that
 * could not be read (/admin/quarantine: list, download, re-process) and the
 * outbox of outgoing mail (/admin/outbox).  The router lets only admins in;
 * the rules are the API's (api_users.c, api_quarantine.c, api_mail.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "mail/intake.h"
#include "mail/outbox.h"
#include "util/crypto.h"
#include "util/log.h"
#include "web/page.h"

#define PASSWORD_MIN_LEN 8 /* as the API's FIELD_PASSWORD */
#define PASSWORD_MAX_LEN 1024
#define OUTBOX_PER_PAGE 50
#define OUTBOX_DEPTH_MAX 10000 /* the outbox is paged this far back, as in the API */

struct form_err {
	int status;
	const char *field; /* the field at fault, NULL: none in particular */
	char msg[512];
};

/* A staff user's fields as a form shows them: from the record, or as submitted. */
struct user_vals {
	const char *name, *email, *role, *lang;
	int active;
};

static int err_set(struct form_err *e, int status, const char *field, const char *msg)
{
	e->status = status;
	e->field = field;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -1;
}

static const char *invalid(const struct form_err *e, const char *field)
{
	return e && e->field && strcmp(e->field, field) == 0 ? " aria-invalid=true" : "";
}

static void error_para(struct html *h, const struct form_err *e)
{
	if (e)
		html_printf(h, "<p class=\"error\" role=\"alert\">%s</p>\n", e->msg);
}

static int blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * One line of text s, trimmed, into out (outsz bytes).  0, or -1 when it
 * does not fit or is not one line of text without control characters.
 */
static int take_line(const char *s, char *out, size_t outsz)
{
	size_t n;

	out[0] = '\0';
	if (!s)
		return 0;
	while (blank_char(*s))
		s++;
	n = strlen(s);
	while (n > 0 && blank_char(s[n - 1]))
		n--;
	if (n >= outsz)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return valid_text(out, outsz - 1, 0) ? 0 : -1;
}

static const char *val(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v ? v : "";
}

static const char *role_label(const char *lang, enum user_role role)
{
	return role == ROLE_ADMIN ? L(lang, "Administrator", "Administrator")
				  : L(lang, "Technician", "Tehničar");
}

/* ---- staff users ---- */

static void user_vals_of(const struct user *u, struct user_vals *v)
{
	v->name = u->name;
	v->email = u->email;
	v->role = role_name(u->role);
	v->lang = u->lang;
	v->active = u->active;
}

static void user_vals_from(const struct form *f, struct user_vals *v)
{
	v->name = val(f, "name");
	v->email = val(f, "email");
	v->role = val(f, "role");
	v->lang = val(f, "lang");
	v->active = form_checked(f, "active");
}

/*
 * Check the fields (as api_users.c does) into u, and the password when one
 * was typed (required: it must be); 0, or -1 with e saying why.
 */
static int user_check(const char *lang, const struct user_vals *v, const char *password,
		      int password_required, struct user *u, struct form_err *e)
{
	enum user_role role;
	size_t n = password ? strlen(password) : 0;

	if (take_line(v->name, u->name, sizeof(u->name)) < 0)
		return err_set(e, 400, "name",
			       L(lang, "Name: one line of at most 200 bytes.",
				 "Ime: jedan redak od najviše 200 bajtova."));
	if (!u->name[0])
		return err_set(e, 400, "name", L(lang, "Enter the name.", "Upišite ime."));
	if (take_line(v->email, u->email, sizeof(u->email)) < 0)
		u->email[0] = '\0'; /* refused below */
	ascii_lower(u->email);
	if (!valid_email(u->email))
		return err_set(e, 400, "email",
			       L(lang, "Email: enter a valid email address.",
				 "E-pošta: upišite ispravnu adresu e-pošte."));
	if (role_parse(v->role, &role) < 0)
		return err_set(e, 400, "role",
			       L(lang, "Choose the role: administrator or technician.",
				 "Odaberite ulogu: administrator ili tehničar."));
	u->role = role;
	if (!i18n_lang_ok(v->lang))
		return err_set(
		    e, 400, "lang",
		    L(lang, "Choose Croatian or English.", "Odaberite hrvatski ili engleski."));
	snprintf(u->lang, sizeof(u->lang), "%s", v->lang);
	u->active = v->active;
	if ((password_required || n > 0) && (n < PASSWORD_MIN_LEN || n > PASSWORD_MAX_LEN ||
					     !valid_text(password, PASSWORD_MAX_LEN, 0)))
		return err_set(e, 400, "password",
			       L(lang, "Password: 8 to 1024 characters without control characters.",
				 "Lozinka: od 8 do 1024 znaka bez kontrolnih znakova."));
	return 0;
}

static void store_err(struct web_req *r, int rc, struct form_err *e)
{
	const char *lang = page_lang(r), *msg = store_errmsg(r->st);

	e->status = rc == STORE_CONFLICT ? 409 : 400;
	e->field = NULL;
	if (msg && strcmp(msg, "email already used by another user") == 0) {
		e->field = "email";
		snprintf(e->msg, sizeof(e->msg), "%s",
			 L(lang, "Another user already has this email address.",
			   "Tu adresu e-pošte već ima drugi djelatnik."));
		return;
	}
	snprintf(e->msg, sizeof(e->msg), "%s", msg && *msg ? msg : "refused");
}

/* The fields of forms #new-user and #user (the password's label differs). */
static void user_fields(struct html *h, const char *lang, const struct user_vals *v, int editing,
			const struct form_err *e)
{
	int admin = strcmp(v->role, "admin") == 0, hr = strcmp(v->lang, "hr") == 0;

	html_printf(
	    h,
	    "<label>%s <input name=\"name\" value=\"%s\" required maxlength=\"200\"%s></label>"
	    "<label>%s <input type=\"email\" name=\"email\" value=\"%s\" required "
	    "maxlength=\"254\" autocomplete=\"off\"%s></label>",
	    L(lang, "Name", "Ime i prezime"), v->name, invalid(e, "name"),
	    L(lang, "Email", "E-pošta"), v->email, invalid(e, "email"));
	html_printf(h,
		    "<label>%s <select name=\"role\"%s><option value=\"technician\"%s>%s</option>"
		    "<option value=\"admin\"%s>%s</option></select></label>"
		    "<label>%s <select name=\"lang\"%s><option value=\"hr\"%s>Hrvatski</option>"
		    "<option value=\"en\"%s>English</option></select></label>",
		    L(lang, "Role", "Uloga"), invalid(e, "role"), admin ? "" : " selected",
		    role_label(lang, ROLE_TECHNICIAN), admin ? " selected" : "",
		    role_label(lang, ROLE_ADMIN), L(lang, "Language", "Jezik"), invalid(e, "lang"),
		    hr ? " selected" : "", hr ? "" : " selected");
	if (editing)
		html_printf(
		    h,
		    "<label><input type=\"checkbox\" name=\"active\" value=\"1\"%s> %s</label>"
		    "<label>%s <input type=\"password\" name=\"password\" minlength=\"8\" "
		    "maxlength=\"1024\" autocomplete=\"new-password\"%s></label>"
		    "<p class=\"hint\">%s</p>",
		    v->active ? " checked" : "", L(lang, "Active", "Aktivan"),
		    L(lang, "New password", "Nova lozinka"), invalid(e, "password"),
		    L(lang,
		      "Leave it empty to keep the password.  A new password, and "
		      "deactivation, end the user's sessions.",
		      "Ostavite prazno da lozinka ostane ista.  Nova lozinka i isključivanje "
		      "završavaju korisnikove sesije."));
	else
		html_printf(
		    h,
		    "<label>%s <input type=\"password\" name=\"password\" required "
		    "minlength=\"8\" maxlength=\"1024\" autocomplete=\"new-password\"%s></label>",
		    L(lang, "Password (at least 8 characters)", "Lozinka (barem 8 znakova)"),
		    invalid(e, "password"));
}

static void users_page(struct web_req *r, int status, const struct user_vals *nv,
		       const struct form_err *e)
{
	const char *lang = page_lang(r);
	const char *def_lang = i18n_lang_ok(r->srv->conf->language) ? r->srv->conf->language : "hr";
	struct user_vals empty = {"", "", "technician", def_lang, 1};
	struct user_list l = {0};
	struct html h;
	size_t i;
	int rc;

	rc = store_user_list(r->st, &l);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (page_begin(r, &h, L(lang, "Staff", "Djelatnici"), NAV_USERS) < 0)
		goto out;
	html_printf(&h,
		    "<h1>%s</h1>\n<div class=\"table-wrap\"><table id=\"users\"><thead><tr>"
		    "<th>%s</th><th class=\"hide-narrow\">%s</th><th>%s</th>"
		    "<th class=\"hide-narrow\">%s</th><th>%s</th></tr></thead><tbody>\n",
		    L(lang, "Staff", "Djelatnici"), L(lang, "Name", "Ime i prezime"),
		    L(lang, "Email", "E-pošta"), L(lang, "Role", "Uloga"),
		    L(lang, "Language", "Jezik"), L(lang, "Status", "Stanje"));
	for (i = 0; i < l.n; i++) {
		const struct user *u = &l.items[i];

		html_printf(
		    &h,
		    "<tr data-user=\"%j\"><td><a href=\"/users/%j\">%s</a></td>"
		    "<td class=\"hide-narrow\">%s</td><td>%s</td><td class=\"hide-narrow\">%s</td>"
		    "<td>%s</td></tr>\n",
		    u->id, u->id, u->name, u->email, role_label(lang, u->role),
		    strcmp(u->lang, "hr") == 0 ? "Hrvatski" : "English",
		    u->active ? L(lang, "active", "aktivan") : L(lang, "inactive", "neaktivan"));
	}
	html_printf(&h, "</tbody></table></div>\n<section><h2>%s</h2>\n",
		    L(lang, "New user", "Novi djelatnik"));
	error_para(&h, e);
	html_printf(&h, "<form id=\"new-user\" class=\"card\" method=\"post\" action=\"/users\">");
	page_csrf_field(r, &h);
	user_fields(&h, lang, nv ? nv : &empty, 0, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Create user", "Dodaj djelatnika"));
	page_end_status(r, &h, status);
out:
	user_list_free(&l);
}

void page_users(struct web_req *r)
{
	users_page(r, 200, NULL, NULL);
}

void page_user_new_post(struct web_req *r)
{
	char pwhash[CRYPTO_PWHASH_MAX];
	const char *password;
	struct user_vals v;
	struct form_err e;
	struct user u;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	user_vals_from(&f, &v);
	v.active = 1;
	password = val(&f, "password");
	memset(&u, 0, sizeof(u));
	if (user_check(page_lang(r), &v, password, 1, &u, &e) < 0) {
		users_page(r, e.status, &v, &e);
		goto out;
	}
	if (crypto_password_hash(password, pwhash) < 0) {
		page_error(r, 500, "cannot hash the password; the server may be out of memory");
		goto out;
	}
	rc = store_user_create(r->st, &u, pwhash, r->now);
	if (rc != STORE_OK) {
		if (rc == STORE_CONFLICT || rc == STORE_INVALID) {
			store_err(r, rc, &e);
			users_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	log_info("user created id=%lld by=%lld", (long long)u.id, (long long)r->user.id);
	page_redirect(r, "/users", NOTICE_CREATED);
out:
	form_free(&f);
}

static void user_page(struct web_req *r, int status, const struct user_vals *v,
		      const struct form_err *e)
{
	const char *lang = page_lang(r);
	struct user_vals mine;
	struct user u;
	struct html h;
	int rc;

	rc = store_user_get(r->st, r->ids[0], &u);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (!v) {
		user_vals_of(&u, &mine);
		v = &mine;
	}
	if (page_begin(r, &h, u.name, NAV_USERS) < 0)
		return;
	html_printf(&h, "<p><a href=\"/users\">%s</a></p>\n<h1>%s%s</h1>\n",
		    L(lang, "All staff", "Svi djelatnici"), u.name,
		    u.active ? "" : L(lang, " (inactive)", " (neaktivan)"));
	error_para(&h, e);
	if (u.id == r->user.id)
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang,
			      "This is you: you cannot take away your own administrator role "
			      "or deactivate yourself.",
			      "Ovo ste vi: ne možete sami sebi oduzeti ulogu administratora ni "
			      "isključiti se."));
	html_printf(&h, "<form id=\"user\" class=\"card\" method=\"post\" action=\"/users/%j\">",
		    u.id);
	page_csrf_field(r, &h);
	user_fields(&h, lang, v, 1, e);
	html_printf(&h, "<button type=\"submit\">%s</button></form>\n", L(lang, "Save", "Spremi"));
	page_end_status(r, &h, status);
}

void page_user(struct web_req *r)
{
	user_page(r, 200, NULL, NULL);
}

void page_user_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	char pwhash[CRYPTO_PWHASH_MAX], loc[64];
	const char *password;
	struct user_vals v;
	struct form_err e;
	struct user u;
	struct form f;
	int rc, new_password;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_user_get(r->st, r->ids[0], &u);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	user_vals_from(&f, &v);
	password = val(&f, "password");
	new_password = *password != '\0';
	if (user_check(lang, &v, password, 0, &u, &e) < 0) {
		user_page(r, e.status, &v, &e);
		goto out;
	}
	/* An admin locking themselves out would leave nobody to undo it. */
	if (u.id == r->user.id && (u.role != ROLE_ADMIN || !u.active)) {
		err_set(&e, 409, u.active ? "role" : NULL,
			L(lang,
			  "You cannot demote or deactivate yourself; ask another administrator.",
			  "Ne možete sami sebi oduzeti ulogu administratora ni isključiti se; "
			  "zamolite drugog administratora."));
		user_page(r, e.status, &v, &e);
		goto out;
	}
	if (new_password && crypto_password_hash(password, pwhash) < 0) {
		page_error(r, 500, "cannot hash the password; the server may be out of memory");
		goto out;
	}
	/* Deactivating ends every session of the user in the same transaction. */
	rc = store_user_update(r->st, &u, new_password ? pwhash : NULL);
	/*
	 * As api_users_patch: after the update, so that a refused one ends
	 * nothing.  An admin setting their own password here keeps this session.
	 */
	if (rc == STORE_OK && new_password)
		rc = store_session_delete_user(r->st, u.id,
					       u.id == r->user.id ? r->cred_hash : NULL);
	if (rc != STORE_OK) {
		if (rc == STORE_CONFLICT || rc == STORE_INVALID) {
			store_err(r, rc, &e);
			user_page(r, e.status, &v, &e);
		} else {
			page_store_error(r, rc);
		}
		goto out;
	}
	log_info("user changed id=%lld by=%lld%s", (long long)u.id, (long long)r->user.id,
		 new_password ? " (password)" : "");
	snprintf(loc, sizeof(loc), "/users/%lld", (long long)u.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- the quarantine ---- */

/* A size for people: "512 B", "12,5 KB", "1,05 MB". */
static void size_text(const char *lang, int64_t n, char *out, size_t outsz)
{
	char num[32];

	if (n >= 1024 * 1024) {
		i18n_cents(lang, n * 100 / (1024 * 1024), num, sizeof(num));
		snprintf(out, outsz, "%s MB", num);
	} else if (n >= 1024) {
		i18n_cents(lang, n * 100 / 1024, num, sizeof(num));
		snprintf(out, outsz, "%s KB", num);
	} else {
		i18n_int(lang, n, num, sizeof(num));
		snprintf(out, outsz, "%s B", num);
	}
}

static const char *source_label(const char *lang, enum mail_source s)
{
	switch (s) {
	case MAIL_SOURCE_PIPE:
		return L(lang, "mail server", "poslužitelj pošte");
	case MAIL_SOURCE_IMAP:
		return "IMAP";
	case MAIL_SOURCE_REPROCESS:
		return L(lang, "re-processing", "ponovna obrada");
	}
	return "?";
}

/* The ticket's number into out ("" when it has none or it is gone); a store rc. */
static int ticket_number(struct web_req *r, int64_t id, char *out, size_t outsz)
{
	struct ticket t;
	int rc;

	out[0] = '\0';
	if (!id)
		return STORE_OK;
	rc = store_ticket_get(r->st, id, &t);
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	if (rc == STORE_OK)
		snprintf(out, outsz, "%s", t.number);
	return rc;
}

/* What the last re-processing did (?done=ID&r=RESULT), from the item as it is now. */
static int reprocess_result(struct web_req *r, struct html *h)
{
	static const struct {
		const char *name, *en, *hr;
	} results[] = {
	    {"new", "It opened a new ticket", "Otvoren je novi zahtjev"},
	    {"new_linked", "It opened a new ticket linked to an earlier one",
	     "Otvoren je novi zahtjev povezan s ranijim"},
	    {"appended", "It was added to a ticket", "Dodana je postojećem zahtjevu"},
	    {"reopened", "It was added to a ticket, which was reopened",
	     "Dodana je zahtjevu, koji je ponovno otvoren"},
	    {"duplicate", "It had been imported before", "Već je bila uvezena"},
	    {"bounce", "It is a delivery failure report, put on its ticket",
	     "To je izvješće o neisporuci, pridruženo svom zahtjevu"},
	    {"own", "It is one of our own messages; nothing was imported",
	     "To je naša vlastita poruka; ništa nije uvezeno"},
	};
	const char *lang = page_lang(r), *done = page_query(r, "done"), *res = page_query(r, "r");
	const char *what = NULL;
	struct quarantine_item q;
	char number[TICKET_NUMBER_LEN + 1];
	int64_t id;
	size_t i;
	int rc;

	if (!done || web_parse_id(done, &id) < 0)
		return STORE_OK;
	rc = store_quarantine_get(r->st, id, &q, NULL, NULL);
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	html_printf(h, "<section id=\"reprocess-result\" class=\"card\" role=\"status\">");
	if (strcmp(q.status, "held") == 0) {
		html_printf(h, "<p>%s %j %s: %s</p></section>\n", L(lang, "Message", "Poruka"),
			    q.id, L(lang, "is still held", "je i dalje zadržana"), q.reason);
		return STORE_OK;
	}
	rc = ticket_number(r, q.ticket_id, number, sizeof(number));
	if (rc != STORE_OK)
		return rc;
	for (i = 0; res && i < sizeof(results) / sizeof(results[0]); i++)
		if (strcmp(res, results[i].name) == 0)
			what = L(lang, results[i].en, results[i].hr);
	html_printf(h, "<p>%s %j %s.", L(lang, "Message", "Poruka"), q.id,
		    L(lang, "was imported", "je uvezena"));
	if (what)
		html_printf(h, " %s.", what);
	if (number[0])
		html_printf(h, " %s: <a href=\"/tickets/%j\">%s</a>", L(lang, "Ticket", "Zahtjev"),
			    q.ticket_id, number);
	html_printf(h, "</p></section>\n");
	return STORE_OK;
}

/* ?raw=ID: the message's bytes as they came, as a download. */
static void quarantine_raw(struct web_req *r, const char *arg)
{
	struct quarantine_item q;
	char *raw = NULL, name[64];
	size_t n = 0;
	int64_t id;
	int rc;

	if (web_parse_id(arg, &id) < 0) {
		page_error(
		    r, 400,
		    L(page_lang(r), "Not a quarantine id.", "To nije broj poruke u karanteni."));
		return;
	}
	rc = store_quarantine_get(r->st, id, &q, &raw, &n);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	snprintf(name, sizeof(name), "quarantine-%lld.eml", (long long)q.id);
	/* A stranger's bytes: downloaded, never rendered or sniffed (page_download). */
	page_download(r, raw, n, name, "message/rfc822");
}

void page_quarantine(struct web_req *r)
{
	const char *lang = page_lang(r), *raw = page_query(r, "raw"), *all_q = page_query(r, "all");
	struct quarantine_list l = {0};
	char when[I18N_DATETIME_MAX], size[48], number[TICKET_NUMBER_LEN + 1];
	int all = all_q && *all_q && strcmp(all_q, "0") != 0 && strcmp(all_q, "false") != 0;
	struct html h;
	size_t i;
	int rc;

	if (raw) {
		quarantine_raw(r, raw);
		return;
	}
	rc = store_quarantine_list(r->st, !all, &l);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (page_begin(r, &h, L(lang, "Quarantine", "Karantena"), NAV_QUARANTINE) < 0)
		goto out;
	html_printf(&h, "<h1>%s</h1>\n<p class=\"hint\">%s</p>\n",
		    L(lang, "Quarantine", "Karantena"),
		    L(lang,
		      "Incoming messages that could not be read or were too large are kept here "
		      "as they came.  Process one again after the limits were raised.",
		      "Dolazne poruke koje se nisu mogle pročitati ili su bile prevelike čuvaju se "
		      "ovdje onakve kakve su stigle.  Obradite ih ponovno nakon što se ograničenja "
		      "povećaju."));
	rc = reprocess_result(r, &h);
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		goto out;
	}
	html_printf(&h, "<p>%s <a href=\"%s\">%s</a></p>\n",
		    all ? L(lang, "Showing every message.", "Prikazane su sve poruke.")
			: L(lang, "Showing the held messages.", "Prikazane su zadržane poruke."),
		    all ? "/admin/quarantine" : "/admin/quarantine?all=1",
		    all ? L(lang, "Show only the held ones", "Prikaži samo zadržane")
			: L(lang, "Show also the imported ones", "Prikaži i uvezene"));
	if (l.n == 0) {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    all ? L(lang, "The quarantine is empty.", "Karantena je prazna.")
				: L(lang, "No message is held.", "Nijedna poruka nije zadržana."));
		page_end(r, &h);
		goto out;
	}
	html_printf(
	    &h,
	    "<div class=\"table-wrap\"><table id=\"quarantine\"><thead><tr>"
	    "<th class=\"hide-narrow\">#</th><th>%s</th><th>%s</th><th class=\"num\">%s</th>"
	    "<th class=\"hide-narrow\">%s</th><th>%s</th><th>%s</th></tr></thead><tbody>\n",
	    L(lang, "Received", "Primljeno"), L(lang, "Reason", "Razlog"),
	    L(lang, "Size", "Veličina"), L(lang, "Source", "Izvor"), L(lang, "Status", "Stanje"),
	    L(lang, "Actions", "Radnje"));
	for (i = 0; i < l.n; i++) {
		const struct quarantine_item *q = &l.items[i];
		char exact[32];

		i18n_datetime(lang, q->received_at, when, sizeof(when));
		size_text(lang, q->size, size, sizeof(size));
		i18n_int(lang, q->size, exact, sizeof(exact));
		html_printf(
		    &h,
		    "<tr id=\"q-%j\" data-quarantine=\"%j\"><td class=\"hide-narrow\">%j</td>"
		    "<td>%s</td><td>%s</td><td class=\"num\" title=\"%s B\">%s</td>"
		    "<td class=\"hide-narrow\">%s</td>",
		    q->id, q->id, q->id, when, q->reason, exact, size,
		    source_label(lang, q->source));
		if (strcmp(q->status, "held") == 0) {
			html_printf(&h, "<td>%s</td>", L(lang, "held", "zadržana"));
		} else {
			rc = ticket_number(r, q->ticket_id, number, sizeof(number));
			if (rc != STORE_OK) {
				html_free(&h);
				page_store_error(r, rc);
				goto out;
			}
			html_printf(&h, "<td>%s", L(lang, "imported", "uvezena"));
			if (number[0])
				html_printf(&h, ": <a href=\"/tickets/%j\">%s</a>", q->ticket_id,
					    number);
			html_printf(&h, "</td>");
		}
		html_printf(&h,
			    "<td><a href=\"/admin/quarantine?raw=%j\" download>%s</a> "
			    "<form class=\"inline reprocess\" method=\"post\" "
			    "action=\"/admin/quarantine/%j/reprocess\">",
			    q->id, L(lang, "Download", "Preuzmi"), q->id);
		page_csrf_field(r, &h);
		html_printf(
		    &h,
		    "<button type=\"submit\" class=\"secondary\">%s</button></form></td></tr>\n",
		    L(lang, "Process again", "Obradi ponovno"));
	}
	html_printf(&h, "</tbody></table></div>\n");
	page_end(r, &h);
out:
	quarantine_list_free(&l);
}

void page_quarantine_reprocess_post(struct web_req *r)
{
	struct intake_result res;
	struct form f;
	char loc[128];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	form_free(&f);
	rc = mail_quarantine_reprocess(r->st, r->srv->conf, r->ids[0], r->now, &res);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	log_info("quarantine reprocessed id=%lld by=%lld result=%s", (long long)r->ids[0],
		 (long long)r->user.id,
		 res.quarantined ? "quarantined" : mail_result_name(res.outcome.result));
	snprintf(loc, sizeof(loc), "/admin/quarantine?all=1&done=%lld&r=%s#q-%lld",
		 (long long)r->ids[0],
		 res.quarantined ? "quarantined" : mail_result_name(res.outcome.result),
		 (long long)r->ids[0]);
	page_redirect(r, loc, NOTICE_REPROCESSED);
}

/* ---- the outbox ---- */

static const char *kind_label(const char *lang, enum outbox_kind k)
{
	switch (k) {
	case OUTBOX_ACK:
		return L(lang, "acknowledgement", "potvrda primitka");
	case OUTBOX_NOTIFY_NEW:
		return L(lang, "notice: new ticket", "obavijest: novi zahtjev");
	case OUTBOX_NOTIFY_REPLY:
		return L(lang, "notice: the client wrote", "obavijest: klijent je pisao");
	case OUTBOX_REPLY:
		return L(lang, "reply", "odgovor");
	}
	return "?";
}

static const char *state_label(const char *lang, enum outbox_status s)
{
	switch (s) {
	case OUTBOX_QUEUED:
		return L(lang, "queued", "čeka slanje");
	case OUTBOX_SENT:
		return L(lang, "sent", "poslano");
	case OUTBOX_FAILED:
		return L(lang, "failed", "neuspjelo");
	}
	return "?";
}

/* What the outbox page shows of a ticket: its number and the subjects of its mail. */
struct outbox_ticket {
	int64_t id;
	char number[TICKET_NUMBER_LEN + 1];
	struct mail_record_list mail;
};

/* The ticket of id among the n in t (looked up and added when new); NULL after a store error. */
static struct outbox_ticket *outbox_ticket(struct web_req *r, struct outbox_ticket *t, size_t *n,
					   int64_t id, int *rc)
{
	struct outbox_ticket *o;
	size_t i;

	for (i = 0; i < *n; i++)
		if (t[i].id == id)
			return &t[i];
	o = &t[(*n)++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	*rc = ticket_number(r, id, o->number, sizeof(o->number));
	if (*rc == STORE_OK && o->number[0])
		*rc = store_mail_messages(r->st, id, &o->mail);
	return *rc == STORE_OK ? o : NULL;
}

static const char *outbox_subject(const struct outbox_ticket *t, int64_t outbox_id)
{
	size_t i;

	for (i = 0; t && i < t->mail.n; i++)
		if (t->mail.items[i].outbox_id == outbox_id)
			return t->mail.items[i].subject;
	return "";
}

static void outbox_link(struct html *h, const char *state, int page, const char *rel,
			const char *label)
{
	if (state)
		html_printf(h, "<a rel=\"%s\" href=\"/admin/outbox?state=%q&amp;page=%d\">%s</a>",
			    rel, state, page, label);
	else
		html_printf(h, "<a rel=\"%s\" href=\"/admin/outbox?page=%d\">%s</a>", rel, page,
			    label);
}

static void outbox_row(struct html *h, const char *lang, const struct outbox_item *o,
		       const struct outbox_ticket *t)
{
	char created[I18N_DATETIME_MAX], next[I18N_DATETIME_MAX], sent[I18N_DATETIME_MAX];
	const char *state = outbox_status_name(o->status);

	i18n_datetime(lang, o->created_at, created, sizeof(created));
	next[0] = sent[0] = '\0';
	if (o->status == OUTBOX_QUEUED && o->next_attempt_at)
		i18n_datetime(lang, o->next_attempt_at, next, sizeof(next));
	if (o->sent_at)
		i18n_datetime(lang, o->sent_at, sent, sizeof(sent));
	html_printf(h,
		    "<tr data-outbox=\"%j\" data-state=\"%s\"><td class=\"hide-narrow\">%j</td>"
		    "<td><span class=\"delivery-%s\">%s</span></td>"
		    "<td class=\"hide-narrow\">%s</td><td class=\"hide-narrow\">%s</td><td>",
		    o->id, state, o->id, state, state_label(lang, o->status), created,
		    kind_label(lang, o->kind));
	if (t && t->number[0])
		html_printf(h, "<a href=\"/tickets/%j\">%s</a>", o->ticket_id, t->number);
	html_printf(h, "</td><td>%s", o->to);
	if (o->cc[0])
		html_printf(h, "<br><span class=\"muted\">cc: %s</span>", o->cc);
	html_printf(h,
		    "</td><td>%s</td><td class=\"num\">%d</td><td class=\"hide-narrow\">%s</td>"
		    "<td class=\"hide-narrow\">%s</td><td>%s</td></tr>\n",
		    outbox_subject(t, o->id), o->attempts, next, sent, o->last_error);
}

void page_outbox(struct web_req *r)
{
	static const char *const states[] = {"queued", "sent", "failed"};
	const char *lang = page_lang(r), *state = page_query(r, "state"),
		   *pg = page_query(r, "page");
	struct outbox_ticket tickets[OUTBOX_PER_PAGE];
	struct outbox_list l = {0};
	size_t n_tickets = 0, from, to, i;
	enum outbox_status s;
	int page = 1, st = -1, rc = STORE_OK;
	struct html h;
	char *end;
	long pn;

	if (state && !*state)
		state = NULL;
	if (state) {
		if (outbox_status_parse(state, &s) < 0) {
			page_error(r, 400,
				   L(lang, "The state is one of queued, sent, failed.",
				     "Stanje je jedno od: queued, sent, failed."));
			return;
		}
		st = (int)s;
	}
	if (pg && *pg) {
		pn = strtol(pg, &end, 10);
		if (*end || pn < 1 || pn * OUTBOX_PER_PAGE > OUTBOX_DEPTH_MAX) {
			page_error(r, 400,
				   L(lang,
				     "The page number is not valid; filter by state to go "
				     "further back.",
				     "Broj stranice nije ispravan; za starije poruke "
				     "odaberite stanje."));
			return;
		}
		page = (int)pn;
	}
	/* One more than the page tells whether another page follows. */
	rc = store_outbox_list(r->st, st, page * OUTBOX_PER_PAGE + 1, &l);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	if (page_begin(r, &h, L(lang, "Outbox", "Odlazna pošta"), NAV_OUTBOX) < 0)
		goto out;
	html_printf(&h,
		    "<h1>%s</h1>\n<form id=\"outbox-filter\" class=\"inline\" method=\"get\" "
		    "action=\"/admin/outbox\" data-autosubmit><label>%s <select name=\"state\">"
		    "<option value=\"\">%s</option>",
		    L(lang, "Outbox", "Odlazna pošta"), L(lang, "State", "Stanje"),
		    L(lang, "all", "sve"));
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		outbox_status_parse(states[i], &s);
		html_printf(&h, "<option value=\"%s\"%s>%s</option>", states[i],
			    st == (int)s ? " selected" : "", state_label(lang, s));
	}
	html_printf(&h, "</select></label><button type=\"submit\">%s</button></form>\n",
		    L(lang, "Show", "Prikaži"));
	from = (size_t)(page - 1) * OUTBOX_PER_PAGE;
	to = (size_t)page * OUTBOX_PER_PAGE;
	if (l.n <= from) {
		html_printf(&h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "No messages here.", "Ovdje nema poruka."));
	} else {
		html_printf(
		    &h,
		    "<div class=\"table-wrap\"><table id=\"outbox\"><thead><tr>"
		    "<th class=\"hide-narrow\">#</th><th>%s</th><th class=\"hide-narrow\">%s</th>"
		    "<th class=\"hide-narrow\">%s</th><th>%s</th><th>%s</th><th>%s</th>"
		    "<th class=\"num\">%s</th><th class=\"hide-narrow\">%s</th>"
		    "<th class=\"hide-narrow\">%s</th><th>%s</th></tr></thead><tbody>\n",
		    L(lang, "State", "Stanje"), L(lang, "Queued", "U redu od"),
		    L(lang, "Kind", "Vrsta"), L(lang, "Ticket", "Zahtjev"), L(lang, "To", "Prima"),
		    L(lang, "Subject", "Predmet"), L(lang, "Attempts", "Pokušaji"),
		    L(lang, "Next attempt", "Sljedeći pokušaj"), L(lang, "Sent", "Poslano"),
		    L(lang, "Last error", "Zadnja greška"));
		for (i = from; i < l.n && i < to; i++) {
			const struct outbox_ticket *t =
			    outbox_ticket(r, tickets, &n_tickets, l.items[i].ticket_id, &rc);

			if (!t)
				break;
			outbox_row(&h, lang, &l.items[i], t);
		}
		html_printf(&h, "</tbody></table></div>\n");
	}
	if (rc != STORE_OK) {
		html_free(&h);
		page_store_error(r, rc);
		goto out;
	}
	html_printf(&h, "<nav class=\"pager\">");
	if (page > 1)
		outbox_link(&h, state, page - 1, "prev", L(lang, "Previous", "Prethodna"));
	html_printf(&h, "<span>%s %d</span>", L(lang, "Page", "Stranica"), page);
	if (l.n > to)
		outbox_link(&h, state, page + 1, "next", L(lang, "Next", "Sljedeća"));
	html_printf(&h, "</nav>\n");
	page_end(r, &h);
out:
	for (i = 0; i < n_tickets; i++)
		mail_record_list_free(&tickets[i].mail);
	outbox_list_free(&l);
}
