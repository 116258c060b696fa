/*
 * page_ticket_post: the forms of the ticket page (docs/web.md): the
 * ticket's fields, a reply to the client (queued in the durable outbox with
 * its files), an internal note, merging, the caller's own stopwatch, and
 * time entries added or corrected by hand.  Each checks what the JSON API
 * checks (api_tickets.c, api_mail.c, api_time.c) and makes the same store
 * calls; a refused form shows the ticket page again with the values sent
 * and what is wrong (page_ticket_show), changing nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/ticket.h"
#include "core/timer.h"
#include "core/validate.h"
#include "mail/intake.h"
#include "mail/mediatype.h"
#include "mail/outbox.h"
#include "store/store_billing.h"
#include "store/store_mail.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "web/page.h"
#include "web/page_billing.h"

/* ---- shared with page_ticket.c (defined there) ---- */

enum ticket_form {
	TF_NONE,
	TF_FIELDS,
	TF_REPLY,
	TF_NOTE,
	TF_TIME_ADD,
	TF_TIME_EDIT,
	TF_MERGE,
	TF_EXTRA_ADD,
	TF_TIME_RATE
};

struct ticket_refusal {
	enum ticket_form form;
	const struct form *f;
	int64_t time_id;
	const char *error;
};

void page_ticket_show(struct web_req *r, int64_t id, int status, const struct ticket_refusal *why);
int64_t page_ticket_entry_minutes(int64_t seconds);

/* ---- refusing ---- */

/* Show ticket_id again with the form's values and error, answering status. */
static void refuse(struct web_req *r, int64_t ticket_id, int status, enum ticket_form form,
		   const struct form *f, int64_t time_id, const char *error)
{
	struct ticket_refusal why = {form, f, time_id, error};

	page_ticket_show(r, ticket_id, status, &why);
}

/*
 * A store call that refused the form: INVALID and CONFLICT show the page
 * again with the store's reason; anything else is an error page.
 */
static void refuse_store(struct web_req *r, int64_t ticket_id, int rc, enum ticket_form form,
			 const struct form *f, int64_t time_id)
{
	char msg[512];

	if (rc != STORE_INVALID && rc != STORE_CONFLICT) {
		page_store_error(r, rc);
		return;
	}
	/* Copied: showing the page makes store calls that replace the message. */
	snprintf(msg, sizeof(msg), "%s", store_errmsg(r->st));
	refuse(r, ticket_id, rc == STORE_CONFLICT ? 409 : 400, form, f, time_id, msg);
}

/* Load ticket id; 0, or -1 after answering (404 for an unknown ticket). */
static int ticket_load(struct web_req *r, int64_t id, struct ticket *t)
{
	int rc = store_ticket_get(r->st, id, t);

	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return -1;
	}
	return 0;
}

/* Whether s holds more than white space. */
static int has_text(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 1;
	return 0;
}

/*
 * The form's "body": its text, or NULL after refusing the form with the
 * message for an empty one or one over BODY_MAX_LEN.
 */
static const char *body_read(struct web_req *r, int64_t ticket_id, enum ticket_form form,
			     const struct form *f, const char *empty, const char *too_long)
{
	const char *body = form_get(f, "body");

	if (!has_text(body)) {
		refuse(r, ticket_id, 400, form, f, 0, empty);
		return NULL;
	}
	if (strlen(body) > BODY_MAX_LEN) {
		refuse(r, ticket_id, 400, form, f, 0, too_long);
		return NULL;
	}
	return body;
}

/* A whole number lo..hi written in decimal digits only; 0, or -1. */
static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v = 0;
	size_t n = 0;

	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	for (; *s >= '0' && *s <= '9' && n < 10; s++, n++)
		v = v * 10 + (*s - '0');
	while (*s == ' ')
		s++;
	if (!n || *s || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- fields ---- */

void page_ticket_fields_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	int64_t id = r->ids[0], client_id, contact_id, assignee_id;
	char category[CATEGORY_MAX_LEN * 2 + 1], loc[64];
	struct ticket_patch p;
	struct contact c;
	struct ticket t;
	const char *v;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	memset(&p, 0, sizeof(p));
	client_id = form_id(&f, "client_id");
	contact_id = form_id(&f, "contact_id");
	assignee_id = form_id(&f, "assignee_id");
	if (client_id < 0 || contact_id < 0 || assignee_id < 0) {
		refuse(r, id, 400, TF_FIELDS, &f, 0,
		       L(lang, "Choose the client, contact and assignee from the lists.",
			 "Odaberite klijenta, kontakt i zaduženog s popisa."));
		goto out;
	}
	if ((v = form_get(&f, "priority")) && priority_parse(v, &p.priority) == 0)
		p.set |= PATCH_PRIORITY;
	else if (v) {
		refuse(
		    r, id, 400, TF_FIELDS, &f, 0,
		    L(lang, "Choose a priority from the list.", "Odaberite prioritet s popisa."));
		goto out;
	}
	if ((v = form_get(&f, "billing")) && billing_parse(v, &p.billing) == 0)
		p.set |= PATCH_BILLING;
	else if (v) {
		refuse(r, id, 400, TF_FIELDS, &f, 0,
		       L(lang, "Choose a kind of billing from the list.",
			 "Odaberite vrstu naplate s popisa."));
		goto out;
	}
	if ((v = form_get(&f, "status"))) {
		if (status_parse(v, &p.status) < 0) {
			refuse(r, id, 400, TF_FIELDS, &f, 0,
			       L(lang, "Choose a status from the list.",
				 "Odaberite status s popisa."));
			goto out;
		}
		if (!ticket_status_allowed(t.status, p.status)) {
			refuse(r, id, 409, TF_FIELDS, &f, 0,
			       L(lang, "The ticket cannot go to that status from where it is now.",
				 "Zahtjev ne može prijeći u taj status iz trenutnog."));
			goto out;
		}
		p.set |= PATCH_STATUS;
	}
	if (form_get(&f, "category")) {
		form_get_trim(&f, "category", category, sizeof(category));
		if (strlen(category) > CATEGORY_MAX_LEN ||
		    !valid_text(category, CATEGORY_MAX_LEN, 0)) {
			refuse(r, id, 400, TF_FIELDS, &f, 0,
			       L(lang, "The category is one line of at most 100 characters.",
				 "Kategorija je jedan redak od najviše 100 znakova."));
			goto out;
		}
		(void)xstrlcpy(p.category, category, sizeof(p.category)); /* length checked */
		p.set |= PATCH_CATEGORY;
	}
	if (form_get(&f, "assignee_id")) {
		p.set |= PATCH_ASSIGNEE;
		p.assignee_id = assignee_id;
	}
	if (form_get(&f, "client_id")) {
		p.set |= PATCH_CLIENT;
		p.client_id = client_id;
	} else {
		client_id = t.client_id;
	}
	if (form_get(&f, "contact_id")) {
		p.set |= PATCH_CONTACT;
		p.contact_id = contact_id;
	} else {
		contact_id = t.contact_id;
	}
	/*
	 * A contact chosen anew brings its client (as the API's patch does); a
	 * client changed alone drops the contact that was the old client's.
	 */
	if (contact_id && (contact_id != t.contact_id || client_id != t.client_id)) {
		rc = store_contact_get(r->st, contact_id, &c);
		if (rc == STORE_NOT_FOUND) {
			refuse(r, id, 400, TF_FIELDS, &f, 0,
			       L(lang, "That contact does not exist.", "Taj kontakt ne postoji."));
			goto out;
		}
		if (rc != STORE_OK) {
			page_store_error(r, rc);
			goto out;
		}
		if (c.client_id != client_id) {
			if (contact_id != t.contact_id && client_id == t.client_id) {
				p.set |= PATCH_CLIENT;
				p.client_id = c.client_id;
			} else if (contact_id == t.contact_id) {
				p.set |= PATCH_CONTACT;
				p.contact_id = 0;
			} else {
				refuse(r, id, 400, TF_FIELDS, &f, 0,
				       L(lang, "The contact is not one of the client's.",
					 "Kontakt ne pripada tom klijentu."));
				goto out;
			}
		}
	}
	rc = store_ticket_update(r->st, id, &p, r->user.id, r->now, NULL);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_FIELDS, &f, 0);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld", (long long)id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- reply ---- */

/*
 * The cc field "a@firma.hr, b@firma.hr" into out as the outbox keeps it
 * (lowercase, ", " between).  0, or -1 with the offending address in bad.
 */
static int cc_read(const char *s, char *out, size_t outsz, char *bad, size_t badsz)
{
	char one[EMAIL_MAX_LEN + 1];
	size_t used = 0;

	out[0] = bad[0] = '\0';
	while (s && *s) {
		size_t n = strcspn(s, ",");
		const char *p = s;

		s += n;
		if (*s == ',')
			s++;
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!n)
			continue;
		snprintf(bad, badsz, "%.*s", (int)n, p);
		if (n >= sizeof(one))
			return -1;
		memcpy(one, p, n);
		one[n] = '\0';
		ascii_lower(one);
		if (!valid_email(one))
			return -1;
		if (used + (used ? 2 : 0) + n >= outsz ||
		    used + (used ? 2 : 0) + n > MAIL_ADDRS_MAX_LEN) {
			snprintf(bad, badsz, "%s", "");
			return -1;
		}
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", one);
	}
	bad[0] = '\0';
	return 0;
}

/* Whom the reply goes to (as api_replies_create decides): 0, 1 when nobody, or a store rc. */
static int reply_recipient(struct web_req *r, const struct ticket *t, char *out, size_t outsz)
{
	struct mail_addr origin;
	struct contact c;
	int rc;

	if (t->contact_id) {
		rc = store_contact_get(r->st, t->contact_id, &c);
		if (rc != STORE_OK && rc != STORE_NOT_FOUND)
			return rc;
		if (rc == STORE_OK && c.active && c.email[0]) {
			snprintf(out, outsz, "%s", c.email);
			return 0;
		}
	}
	rc = store_mail_origin(r->st, t->id, &origin);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return rc;
	if (rc == STORE_OK && origin.addr[0]) {
		snprintf(out, outsz, "%s", origin.addr);
		return 0;
	}
	return 1;
}

/* A file's media type as sent ("Text/Plain; charset=x" -> "text/plain"), else by its name. */
static void file_type(const struct form_file *ff, char *out, size_t outsz)
{
	size_t n = strcspn(ff->type, "; \t"), i;

	if (n == 0 || n >= outsz || n > MEDIA_TYPE_MAX_LEN) {
		snprintf(out, outsz, "%s", mediatype_for_name(ff->filename));
		return;
	}
	for (i = 0; i < n; i++) {
		char ch = ff->type[i];

		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[n] = '\0';
	if (strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-/") != n ||
	    !strchr(out, '/') || out[0] == '/' || out[n - 1] == '/' ||
	    strchr(out, '/') != strrchr(out, '/') || strcmp(out, "application/octet-stream") == 0)
		snprintf(out, outsz, "%s", mediatype_for_name(ff->filename));
}

void page_ticket_reply_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	const struct config *conf = r->srv->conf;
	char cc[MAIL_ADDRS_MAX_LEN + 1], bad[EMAIL_MAX_LEN + 1], to[EMAIL_MAX_LEN + 1];
	char ours[sizeof(conf->mail_address) + sizeof(conf->mail_aliases) + 2];
	char domain[sizeof(conf->mail_address)], msg[600], loc[96];
	size_t max = (size_t)conf->mail_max_message_mb << 20, total = 0, nf = 0;
	struct mail_file *files = NULL;
	enum ticket_status next = STATUS_NEW;
	int64_t id = r->ids[0], eid = 0, oid = 0;
	struct mail_policy pol;
	struct ticket_patch p;
	const char *body, *status;
	struct ticket t;
	struct form f;
	int rc, i, set_status = 0;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	body = body_read(r, id, TF_REPLY, &f, L(lang, "Write the reply.", "Napišite odgovor."),
			 L(lang, "The reply is too long (at most 64 KB).",
			   "Odgovor je predug (najviše 64 KB)."));
	if (!body)
		goto out;
	if (cc_read(form_get(&f, "cc"), cc, sizeof(cc), bad, sizeof(bad)) < 0) {
		snprintf(msg, sizeof(msg), "%s%s%s",
			 bad[0] ? L(lang, "Cc: not an email address: ", "Cc: nije adresa e-pošte: ")
				: L(lang, "Cc: too many addresses.", "Cc: previše adresa."),
			 bad, bad[0] ? "." : "");
		refuse(r, id, 400, TF_REPLY, &f, 0, msg);
		goto out;
	}
	status = form_get(&f, "status");
	if (status && *status) {
		if (status_parse(status, &next) < 0) {
			refuse(r, id, 400, TF_REPLY, &f, 0,
			       L(lang, "Choose a status from the list.",
				 "Odaberite status s popisa."));
			goto out;
		}
		if (!ticket_status_allowed(t.status, next)) {
			refuse(r, id, 409, TF_REPLY, &f, 0,
			       L(lang, "The ticket cannot go to that status from where it is now.",
				 "Zahtjev ne može prijeći u taj status iz trenutnog."));
			goto out;
		}
		set_status = next != t.status;
	}
	if (!conf->mail_address[0]) {
		refuse(r, id, 409, TF_REPLY, &f, 0,
		       L(lang, "Mail is not set up: set [mail] address in the configuration.",
			 "E-pošta nije postavljena: postavite [mail] address u konfiguraciji."));
		goto out;
	}
	rc = reply_recipient(r, &t, to, sizeof(to));
	if (rc < 0) {
		page_store_error(r, rc);
		goto out;
	}
	if (rc == 1) {
		refuse(r, id, 409, TF_REPLY, &f, 0,
		       L(lang,
			 "The ticket has no contact with an email address and did not come "
			 "by mail: choose a contact first.",
			 "Zahtjev nema kontakt s adresom e-pošte i nije stigao e-poštom: najprije "
			 "odaberite kontakt."));
		goto out;
	}
	/* The files go with the message and stay on the reply's event. */
	files = xcalloc((size_t)f.n_files + 1, sizeof(*files));
	for (i = 0; i < f.n_files; i++) {
		const struct form_file *ff = &f.files[i];

		if (strcmp(ff->field, "files") != 0)
			continue;
		if (!valid_text(ff->filename, FILENAME_MAX_LEN, 0)) {
			refuse(r, id, 400, TF_REPLY, &f, 0,
			       L(lang,
				 "A file's name is too long or has characters that cannot be "
				 "used; rename it and attach the files again.",
				 "Naziv datoteke je predug ili ima nedopuštene znakove; "
				 "preimenujte je "
				 "i ponovno priložite datoteke."));
			goto out;
		}
		total += ff->size;
		if (total > max) {
			snprintf(msg, sizeof(msg), "%s %d MB.",
				 L(lang, "The files together are larger than the limit of",
				   "Datoteke su zajedno veće od ograničenja od"),
				 conf->mail_max_message_mb);
			refuse(r, id, 400, TF_REPLY, &f, 0, msg);
			goto out;
		}
		snprintf(files[nf].filename, sizeof(files[nf].filename), "%s", ff->filename);
		file_type(ff, files[nf].media_type, sizeof(files[nf].media_type));
		files[nf].data = (unsigned char *)ff->data;
		files[nf].size = ff->size;
		crypto_sha256_hex(ff->data, ff->size, files[nf].sha256);
		nf++;
	}
	mail_policy_from_config(conf, r->now, &pol, ours, sizeof(ours), domain, sizeof(domain));
	rc = store_reply_queue(r->st, t.id, r->user.id, body, to, cc, files, nf, &pol, r->now, &eid,
			       &oid);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_REPLY, &f, 0);
		goto out;
	}
	outbox_wake();
	log_info("reply queued ticket=%s event=%lld outbox=%lld files=%zu", t.number,
		 (long long)eid, (long long)oid, nf);
	if (set_status) {
		memset(&p, 0, sizeof(p));
		p.set = PATCH_STATUS;
		p.status = next;
		rc = store_ticket_update(r->st, t.id, &p, r->user.id, r->now, NULL);
		if (rc != STORE_OK) {
			/* The reply is on its way; say so rather than invite sending it twice. */
			snprintf(msg, sizeof(msg), "%s %s",
				 L(lang,
				   "The reply is queued for sending, but the status did not "
				   "change:",
				   "Odgovor je u redu za slanje, ali status nije promijenjen:"),
				 store_errmsg(r->st));
			page_error(r, rc == STORE_BUSY ? 503 : 409, msg);
			goto out;
		}
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#event-%lld", (long long)id, (long long)eid);
	page_redirect(r, loc, NOTICE_SENT);
out:
	free(files);
	form_free(&f);
}

/* ---- note ---- */

void page_ticket_note_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	int64_t id = r->ids[0];
	const char *body;
	struct ticket t;
	struct event e;
	struct form f;
	char loc[96];
	int rc;

	memset(&e, 0, sizeof(e));
	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	body = body_read(r, id, TF_NOTE, &f, L(lang, "Write the note.", "Napišite bilješku."),
			 L(lang, "The note is too long (at most 64 KB).",
			   "Bilješka je preduga (najviše 64 KB)."));
	if (!body)
		goto out;
	e.ticket_id = t.id;
	e.kind = EVENT_NOTE;
	e.author_user_id = r->user.id;
	e.body = xstrdup(body);
	rc = store_event_add(r->st, &e, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_NOTE, &f, 0);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#event-%lld", (long long)id, (long long)e.id);
	page_redirect(r, loc, NOTICE_NOTE_ADDED);
out:
	event_free(&e);
	form_free(&f);
}

/* ---- merge ---- */

void page_ticket_merge_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	char into[64], msg[200], loc[64];
	int64_t id = r->ids[0], seq;
	struct ticket t, other;
	const char *number;
	struct form f;
	int year, rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	form_get_trim(&f, "into", into, sizeof(into));
	number = into[0] == '#' ? into + 1 : into;
	if (ticket_number_parse(number, &year, &seq) < 0) {
		refuse(r, id, 400, TF_MERGE, &f, 0,
		       L(lang, "Give the other ticket's number, such as 2026-000123.",
			 "Upišite broj drugog zahtjeva, npr. 2026-000123."));
		goto out;
	}
	rc = store_ticket_get_by_number(r->st, number, &other);
	if (rc == STORE_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "%s %s.",
			 L(lang, "There is no ticket", "Ne postoji zahtjev"), number);
		refuse(r, id, 400, TF_MERGE, &f, 0, msg);
		goto out;
	}
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (other.id == t.id) {
		refuse(r, id, 400, TF_MERGE, &f, 0,
		       L(lang, "A ticket cannot be merged into itself.",
			 "Zahtjev se ne može spojiti sam u sebe."));
		goto out;
	}
	if (t.merged_into || other.merged_into) {
		snprintf(msg, sizeof(msg), "%s %s.",
			 L(lang,
			   "Already merged into another ticket:", "Već je spojen u drugi zahtjev:"),
			 t.merged_into ? t.number : other.number);
		refuse(r, id, 409, TF_MERGE, &f, 0, msg);
		goto out;
	}
	rc = store_ticket_merge(r->st, t.id, other.id, r->user.id, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_MERGE, &f, 0);
		goto out;
	}
	/* The other ticket now holds the conversation: that is where work goes on. */
	snprintf(loc, sizeof(loc), "/tickets/%lld", (long long)other.id);
	page_redirect(r, loc, NOTICE_MERGED);
out:
	form_free(&f);
}

/* ---- the stopwatch ---- */

void page_timer_start_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct timer_running running;
	struct time_entry stopped;
	int64_t id = r->ids[0];
	struct ticket t;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	memset(&stopped, 0, sizeof(stopped));
	rc = store_timer_start(r->st, r->user.id, t.id, r->now, &running, &stopped);
	if (rc == STORE_CONFLICT) {
		refuse(r, id, 409, TF_NONE, NULL, 0,
		       L(lang, "The ticket is closed; reopen it to work on it.",
			 "Zahtjev je zatvoren; otvorite ga ponovno za rad na njemu."));
		goto out;
	}
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#stopwatch", (long long)id);
	page_redirect(r, loc, NOTICE_TIMER_START);
out:
	form_free(&f);
}

/* A local path to go back to: one "/" first, printable ASCII, no spaces. */
static int back_ok(const char *s)
{
	size_t i;

	if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > WEB_PATH_MAX)
		return 0;
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '\\')
			return 0;
	return 1;
}

void page_timer_stop_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	int64_t id = r->ids[0];
	struct time_entry e;
	const char *back;
	struct ticket t;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	rc = store_timer_stop(r->st, r->user.id, t.id, r->now, &e);
	if (rc == STORE_NOT_FOUND) {
		/* The ticket exists (loaded above): it is the caller's stopwatch that does not. */
		refuse(r, id, 409, TF_NONE, NULL, 0,
		       L(lang, "No stopwatch of yours is running on this ticket.",
			 "Na ovom zahtjevu ne radi vaša štoperica."));
		goto out;
	}
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	back = form_get(&f, "back");
	snprintf(loc, sizeof(loc), "/tickets/%lld#time-%lld", (long long)id, (long long)e.id);
	page_redirect(r, back_ok(back) ? back : loc, NOTICE_TIMER_STOP);
out:
	form_free(&f);
}

/* ---- time entries ---- */

/*
 * The started, minutes, note and billable fields into e.  keep (may be
 * NULL) is the entry as it was: a start or length the form shows unchanged
 * keeps its exact seconds.  0, or -1 after refusing the form.
 */
static int entry_read(struct web_req *r, const struct form *f, enum ticket_form form,
		      int64_t ticket_id, const struct time_entry *keep, struct time_entry *e)
{
	const char *lang = page_lang(r), *why;
	char started[40], shown[40], note[TIME_NOTE_MAX_LEN * 2 + 1];
	int64_t id = keep ? keep->id : 0, at, minutes;

	form_get_trim(f, "started", started, sizeof(started));
	if (i18n_parse_datetime_input(started, &at) < 0) {
		refuse(r, ticket_id, 400, form, f, id,
		       L(lang, "Give the start as a date and time.",
			 "Upišite početak kao datum i vrijeme."));
		return -1;
	}
	if (parse_int(form_get(f, "minutes"), 1, 1440, &minutes) < 0) {
		refuse(r, ticket_id, 400, form, f, id,
		       L(lang, "Give the minutes as a whole number from 1 to 1440.",
			 "Upišite minute kao cijeli broj od 1 do 1440."));
		return -1;
	}
	form_get_trim(f, "note", note, sizeof(note));
	if (strlen(note) > TIME_NOTE_MAX_LEN || !valid_text(note, TIME_NOTE_MAX_LEN, 0)) {
		refuse(r, ticket_id, 400, form, f, id,
		       L(lang, "The note is one line of at most 500 characters.",
			 "Bilješka je jedan redak od najviše 500 znakova."));
		return -1;
	}
	if (keep) {
		i18n_datetime_input(keep->started_at, shown, sizeof(shown));
		if (strcmp(shown, started) == 0)
			at = keep->started_at;
	}
	e->started_at = at;
	if (keep && minutes == page_ticket_entry_minutes(keep->seconds))
		e->ended_at = at + keep->seconds;
	else
		e->ended_at = at + minutes * 60;
	(void)xstrlcpy(e->note, note, sizeof(e->note)); /* length checked */
	e->billable = form_checked(f, "billable");
	if (e->ended_at > r->now + 60) {
		refuse(r, ticket_id, 400, form, f, id,
		       L(lang, "The time cannot end in the future.",
			 "Vrijeme ne može završiti u budućnosti."));
		return -1;
	}
	if (time_entry_check(e, r->now, &why) < 0) {
		refuse(r, ticket_id, 400, form, f, id, why);
		return -1;
	}
	return 0;
}

void page_time_add_post(struct web_req *r)
{
	int64_t id = r->ids[0];
	struct time_entry e;
	struct ticket t;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	memset(&e, 0, sizeof(e));
	e.ticket_id = t.id;
	e.user_id = r->user.id; /* always the caller's own time */
	if (entry_read(r, &f, TF_TIME_ADD, id, NULL, &e) < 0)
		goto out;
	rc = store_time_add(r->st, &e, r->user.id, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_TIME_ADD, &f, 0);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#time-%lld", (long long)id, (long long)e.id);
	page_redirect(r, loc, NOTICE_TIME_ADDED);
out:
	form_free(&f);
}

void page_time_edit_post(struct web_req *r)
{
	const char *lang = page_lang(r), *reason;
	struct time_entry old, e;
	struct form f;
	char loc[64];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_time_get(r->st, r->ids[0], &old);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (old.user_id != r->user.id && r->user.role != ROLE_ADMIN) {
		page_error(r, 403,
			   L(lang, "A technician corrects only their own time entries.",
			     "Tehničar ispravlja samo svoje unose vremena."));
		goto out;
	}
	reason = form_get(&f, "reason");
	if (!has_text(reason)) {
		refuse(r, old.ticket_id, 400, TF_TIME_EDIT, &f, old.id,
		       L(lang, "Say why the time changes.", "Navedite razlog promjene vremena."));
		goto out;
	}
	if (strlen(reason) > NOTES_MAX_LEN) {
		refuse(r, old.ticket_id, 400, TF_TIME_EDIT, &f, old.id,
		       L(lang, "The reason is too long (at most 4000 characters).",
			 "Razlog je predug (najviše 4000 znakova)."));
		goto out;
	}
	e = old;
	if (entry_read(r, &f, TF_TIME_EDIT, old.ticket_id, &old, &e) < 0)
		goto out;
	rc = store_time_update(r->st, &e, reason, r->user.id, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, old.ticket_id, rc, TF_TIME_EDIT, &f, old.id);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#time-%lld", (long long)old.ticket_id,
		 (long long)old.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}

/* ---- billing: extra items and the kind of work ---- */

void page_extra_add_post(struct web_req *r)
{
	const char *lang = page_lang(r), *day;
	struct bill_form_err e;
	struct bill_extra x;
	int64_t id = r->ids[0], vat;
	struct ticket t;
	struct form f;
	char loc[80];
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	if (ticket_load(r, id, &t) < 0)
		goto out;
	memset(&x, 0, sizeof(x));
	x.ticket_id = t.id;
	if (bill_take(lang, &f, "description", L(lang, "Description", "Opis"), x.description,
		      sizeof(x.description), 0, &e) < 0) {
		refuse(r, id, e.status, TF_EXTRA_ADD, &f, 0, e.msg);
		goto out;
	}
	if (!x.description[0]) {
		refuse(r, id, 400, TF_EXTRA_ADD, &f, 0,
		       L(lang, "Describe the item, such as \"Toner HP 305A\".",
			 "Opišite stavku, npr. \"Toner HP 305A\"."));
		goto out;
	}
	if (bill_parse_qty(form_get(&f, "quantity"), &x.quantity) < 0) {
		refuse(r, id, 400, TF_EXTRA_ADD, &f, 0,
		       L(lang, "Quantity: a number above 0 with at most three decimals.",
			 "Količina: broj veći od 0 s najviše tri decimale."));
		goto out;
	}
	if (bill_parse_money(form_get(&f, "unit_price"), 0, &x.unit_price) < 0) {
		refuse(r, id, 400, TF_EXTRA_ADD, &f, 0,
		       L(lang,
			 "Unit price: an amount in EUR with at most two decimals, such as 45,00.",
			 "Jedinična cijena: iznos u eurima s najviše dvije decimale, npr. 45,00."));
		goto out;
	}
	if (bill_parse_int(form_get(&f, "vat"), 0, 100, &vat) < 0 || !bill_vat_valid((int)vat)) {
		refuse(
		    r, id, 400, TF_EXTRA_ADD, &f, 0,
		    L(lang, "VAT: choose 25, 13, 5 or 0 %.", "PDV: odaberite 25, 13, 5 ili 0 %."));
		goto out;
	}
	x.vat = (int)vat;
	day = form_get(&f, "day");
	if (!day || !*day)
		x.day = clock_local_day(r->now);
	else if (cal_date_parse(day, &x.day) < 0) {
		refuse(r, id, 400, TF_EXTRA_ADD, &f, 0,
		       L(lang, "Day: a date such as 2027-01-15.", "Dan: datum, npr. 2027-01-15."));
		goto out;
	}
	rc = store_extra_add(r->st, &x, r->user.id, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, id, rc, TF_EXTRA_ADD, &f, 0);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#extras", (long long)id);
	page_redirect(r, loc, NOTICE_CREATED);
out:
	form_free(&f);
}

void page_extra_remove_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct bill_extra_list l = {0};
	int64_t ticket_id;
	struct form f;
	char loc[80];
	size_t i;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	/* The store finds extras by ticket: the form says which, and it must hold this one. */
	ticket_id = form_id(&f, "ticket_id");
	rc = ticket_id > 0 ? store_extra_list(r->st, ticket_id, &l) : STORE_NOT_FOUND;
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		page_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < l.n && l.items[i].id != r->ids[0]; i++)
		;
	if (rc == STORE_NOT_FOUND || i == l.n) {
		page_error(r, 404,
			   L(lang, "The ticket has no such extra item.",
			     "Zahtjev nema te dodatne stavke."));
		goto out;
	}
	rc = store_extra_remove(r->st, r->ids[0], r->user.id, r->now);
	if (rc != STORE_OK) {
		refuse_store(r, ticket_id, rc, TF_NONE, NULL, 0);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#extras", (long long)ticket_id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	bill_extra_list_free(&l);
	form_free(&f);
}

void page_time_rate_post(struct web_req *r)
{
	const char *lang = page_lang(r);
	char reason[NOTES_MAX_LEN + 1], loc[64];
	struct bill_form_err e;
	struct time_entry old;
	int64_t rate_id;
	struct form f;
	int rc;

	if (page_form_read(r, &f) < 0)
		return;
	rc = store_time_get(r->st, r->ids[0], &old);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	if (old.user_id != r->user.id && r->user.role != ROLE_ADMIN) {
		page_error(r, 403,
			   L(lang, "A technician changes only their own time entries.",
			     "Tehničar mijenja samo svoje unose vremena."));
		goto out;
	}
	/* "0" (or nothing) is the default rate */
	rate_id = strcmp(bill_val(&f, "rate_id"), "0") == 0 ? 0 : form_id(&f, "rate_id");
	if (rate_id < 0) {
		refuse(r, old.ticket_id, 400, TF_TIME_RATE, &f, old.id,
		       L(lang, "Choose the kind of work from the list.",
			 "Odaberite vrstu rada s popisa."));
		goto out;
	}
	if (bill_take(lang, &f, "reason", L(lang, "Reason", "Razlog"), reason, sizeof(reason), 0,
		      &e) < 0) {
		refuse(r, old.ticket_id, e.status, TF_TIME_RATE, &f, old.id, e.msg);
		goto out;
	}
	if (!reason[0]) {
		refuse(r, old.ticket_id, 400, TF_TIME_RATE, &f, old.id,
		       L(lang, "Say why the kind of work changes.",
			 "Navedite razlog promjene vrste rada."));
		goto out;
	}
	rc = store_time_set_rate(r->st, old.id, rate_id, reason, r->user.id, r->now);
	if (rc == STORE_NOT_FOUND) {
		refuse(r, old.ticket_id, 400, TF_TIME_RATE, &f, old.id,
		       L(lang, "There is no such kind of work.", "Ne postoji ta vrsta rada."));
		goto out;
	}
	if (rc != STORE_OK) {
		refuse_store(r, old.ticket_id, rc, TF_TIME_RATE, &f, old.id);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/tickets/%lld#time-%lld", (long long)old.ticket_id,
		 (long long)old.id);
	page_redirect(r, loc, NOTICE_SAVED);
out:
	form_free(&f);
}
