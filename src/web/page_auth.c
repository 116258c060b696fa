/*
 * page_auth: signing in and out of the staff application, and the user's
 * own settings (language, password).
 */
#include <stdio.h>
#include <string.h>

#include "core/validate.h"
#include "util/crypto.h"
#include "util/log.h"
#include "web/page.h"

#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 1024

void page_root(struct web_req *r)
{
	page_redirect(r, r->user.id ? "/tickets" : "/login", NOTICE_NONE);
}

/* Where to go after signing in: a local path only, else the queue. */
static const char *next_path(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strncmp(next, "/login", 6) == 0 || strlen(next) > WEB_PATH_MAX)
		return "/tickets";
	return next;
}

static void login_form(struct web_req *r, int status, const char *email, const char *next,
		       const char *error)
{
	const char *lang = page_lang(r);
	struct html h;

	if (page_begin(r, &h, L(lang, "Log in", "Prijava"), NAV_NONE) < 0)
		return;
	html_printf(&h, "<section class=\"login\"><h1>%s</h1>\n", L(lang, "Log in", "Prijava"));
	if (error)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", error);
	html_printf(&h, "<form id=\"login\" method=\"post\" action=\"/login\">");
	page_csrf_field(r, &h);
	html_printf(&h,
		    "<input type=\"hidden\" name=\"next\" value=\"%s\">"
		    "<label>%s <input type=\"email\" name=\"email\" value=\"%s\" required "
		    "autocomplete=\"username\" maxlength=\"254\"%s></label>"
		    "<label>%s <input type=\"password\" name=\"password\" required "
		    "autocomplete=\"current-password\" maxlength=\"1024\"%s></label>"
		    "<button type=\"submit\">%s</button></form></section>\n",
		    next_path(next), L(lang, "Email", "E-pošta"), email ? email : "",
		    email && *email ? "" : " autofocus", L(lang, "Password", "Lozinka"),
		    email && *email ? " autofocus" : "", L(lang, "Log in", "Prijavi se"));
	page_end_status(r, &h, status);
}

void page_login_get(struct web_req *r)
{
	if (r->user.id) {
		page_redirect(r, next_path(page_query(r, "next")), NOTICE_NONE);
		return;
	}
	login_form(r, 200, "", page_query(r, "next"), NULL);
}

void page_login_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	char email[EMAIL_MAX_LEN + 1], msg[200], wait[32];
	const char *password, *next;
	struct form f;
	struct user u;
	int64_t retry;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	form_get_trim(&f, "email", email, sizeof(email));
	ascii_lower(email);
	password = form_get(&f, "password");
	next = form_get(&f, "next");
	if (!email[0] || !password || !*password || strlen(password) > PASSWORD_MAX_LEN) {
		login_form(r, 400, email, next,
			   L(lang, "Enter your email and password.", "Upišite e-poštu i lozinku."));
		goto out;
	}
	switch (web_login_check(r, email, password, &u, &retry, &rc)) {
	case WEB_LOGIN_OK:
		break;
	case WEB_LOGIN_WRONG:
		login_form(r, 401, email, next,
			   L(lang, "Wrong email or password.", "Pogrešna e-pošta ili lozinka."));
		goto out;
	case WEB_LOGIN_INACTIVE:
		login_form(r, 401, email, next,
			   L(lang, "This account is deactivated; ask an administrator.",
			     "Ovaj račun je isključen; obratite se administratoru."));
		goto out;
	case WEB_LOGIN_LIMITED:
		snprintf(msg, sizeof(msg), "%s %lld min.",
			 L(lang, "Too many failed attempts; try again in",
			   "Previše neuspjelih pokušaja; pokušajte ponovno za"),
			 (long long)((retry + 59) / 60));
		login_form(r, 429, email, next, msg);
		snprintf(wait, sizeof(wait), "%lld", (long long)retry);
		web_header_add(r, "Retry-After", wait);
		goto out;
	case WEB_LOGIN_STORE:
		page_store_error(r, rc);
		goto out;
	}
	rc = web_session_start(r, &u);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	log_info("login user=%lld", (long long)u.id);
	page_redirect(r, next_path(next), NOTICE_NONE);
out:
	form_free(&f);
}

void page_logout_post(struct web_req *r)
{
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	form_free(&f);
	rc = web_session_end(r);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	page_redirect(r, "/login", NOTICE_NONE);
}

/* ---- settings ---- */

static void settings_page(struct web_req *r, int status, const char *error)
{
	const char *lang = page_lang(r);
	struct html h;

	if (page_begin(r, &h, L(lang, "Settings", "Postavke"), NAV_SETTINGS) < 0)
		return;
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "Settings", "Postavke"));
	if (error)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", error);
	html_printf(&h, "<section><h2>%s</h2><p>%s &lt;%s&gt;</p>\n",
		    L(lang, "Language", "Jezik"), r->user.name, r->user.email);
	html_printf(&h, "<form id=\"settings\" method=\"post\" action=\"/settings\">");
	page_csrf_field(r, &h);
	html_printf(&h,
		    "<label>%s <select name=\"lang\">"
		    "<option value=\"hr\"%s>Hrvatski</option>"
		    "<option value=\"en\"%s>English</option></select></label>"
		    "<button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Language", "Jezik"), strcmp(lang, "hr") == 0 ? " selected" : "",
		    strcmp(lang, "en") == 0 ? " selected" : "", L(lang, "Save", "Spremi"));
	html_printf(&h, "<section><h2>%s</h2>\n<form id=\"password\" method=\"post\" "
		       "action=\"/settings/password\">",
		    L(lang, "Password", "Lozinka"));
	page_csrf_field(r, &h);
	html_printf(&h,
		    "<label>%s <input type=\"password\" name=\"current\" required "
		    "autocomplete=\"current-password\"></label>"
		    "<label>%s <input type=\"password\" name=\"password\" required minlength=\"8\" "
		    "autocomplete=\"new-password\"></label>"
		    "<label>%s <input type=\"password\" name=\"password2\" required minlength=\"8\" "
		    "autocomplete=\"new-password\"></label>"
		    "<button type=\"submit\">%s</button></form>"
		    "<p class=\"hint\">%s</p></section>\n",
		    L(lang, "Current password", "Trenutna lozinka"),
		    L(lang, "New password", "Nova lozinka"),
		    L(lang, "New password again", "Nova lozinka ponovno"),
		    L(lang, "Change password", "Promijeni lozinku"),
		    L(lang, "Changing the password ends your other sessions.",
		      "Promjena lozinke završava vaše ostale sesije."));
	page_end_status(r, &h, status);
}

void page_settings_get(struct web_req *r)
{
	settings_page(r, 200, NULL);
}

void page_settings_post(struct web_req *r)
{
	struct user u = r->user;
	const char *lang;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	lang = form_get(&f, "lang");
	if (!i18n_lang_ok(lang)) {
		settings_page(r, 400, L(page_lang(r), "Choose Croatian or English.",
					"Odaberite hrvatski ili engleski."));
		goto out;
	}
	snprintf(u.lang, sizeof(u.lang), "%s", lang);
	rc = store_user_update(r->st, &u, NULL);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	page_redirect(r, "/settings", NOTICE_SAVED);
out:
	form_free(&f);
}

void page_password_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	char pwhash[CRYPTO_PWHASH_MAX], newhash[CRYPTO_PWHASH_MAX];
	const char *cur, *pw, *pw2;
	struct user stored;
	struct form f;
	size_t n;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	cur = form_get(&f, "current");
	pw = form_get(&f, "password");
	pw2 = form_get(&f, "password2");
	n = pw ? strlen(pw) : 0;
	if (!cur || !pw || !pw2 || strcmp(pw, pw2) != 0) {
		settings_page(r, 400, L(lang, "The two new passwords differ.",
					"Dvije nove lozinke se razlikuju."));
		goto out;
	}
	if (n < PASSWORD_MIN_LEN || n > PASSWORD_MAX_LEN) {
		settings_page(r, 400, L(lang, "The new password needs at least 8 characters.",
					"Nova lozinka treba imati barem 8 znakova."));
		goto out;
	}
	memset(pwhash, 0, sizeof(pwhash));
	rc = store_user_get_by_email(r->st, r->user.email, &stored, pwhash);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (!pwhash[0] || !crypto_password_verify(pwhash, cur)) {
		settings_page(r, 400, L(lang, "The current password is wrong.",
					"Trenutna lozinka nije ispravna."));
		goto out;
	}
	if (crypto_password_hash(pw, newhash) < 0) {
		page_error(r, 500, "cannot hash the password");
		goto out;
	}
	/* Other sessions end first; this one stays (see api_me_patch). */
	rc = store_session_delete_user(r->st, r->user.id, r->cred_hash);
	if (rc == STORE_OK)
		rc = store_user_update(r->st, &r->user, newhash);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	page_redirect(r, "/settings", NOTICE_PASSWORD);
out:
	memset(pwhash, 0, sizeof(pwhash));
	form_free(&f);
}
