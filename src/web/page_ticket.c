/*
 * page_ticket: the ticket page (GET /tickets/{id}, docs/web.md): the
 * history with the messages, replies, notes and every change, the reply and
 * note forms, the ticket's fields, the caller's stopwatch, the time spent
 * with its entries, and merging.  The forms' handlers are in
 * page_ticket_post.c; a refused form comes back here (page_ticket_show)
 * with the values the user sent.  The whole page is read in a fixed number
 * of store calls, whatever the length of the history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/money.h"
#include "core/ticket.h"
#include "core/timefmt.h"
#include "store/store_billing.h"
#include "store/store_mail.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "web/page.h"
#include "web/page_billing.h"
#include "web/page_names.h"

#define PICK_MAX 200	      /* contacts offered in the select (the rest: typeahead) */
#define FIND_MAX 50	      /* clients offered for a search without the script (?client_q=) */
#define MERGE_LINKS_MAX 10    /* "merged from" events whose ticket is looked up for a link */
#define CLOSED_MONTHS_MAX 240 /* closed months looked at: twenty years */

/* ---- shared with page_ticket_post.c ---- */

/* Which form a page shown again after a refusal answers for. */
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
	const struct form *f; /* the values the user sent */
	int64_t time_id;      /* TF_TIME_EDIT, TF_TIME_RATE: the entry */
	const char *error;    /* what is wrong, for people */
};

void page_ticket_show(struct web_req *r, int64_t id, int status, const struct ticket_refusal *why);
int64_t page_ticket_entry_minutes(int64_t seconds);

/* ---- what the page shows, read once ---- */

struct ticket_view {
	struct ticket t;
	struct event_list ev;
	struct ticket_mail_list mail;
	struct attachment_list at;
	struct time_entry_list times;
	struct time_share_list shares;
	struct user_list users;
	struct client_list clients;
	struct contact_list contacts;
	struct timer_running timer; /* the caller's, when has_timer */
	int has_timer;
	char reply_to[EMAIL_MAX_LEN + 1]; /* whom a reply goes to by default, "" = nobody */
	/* lookups for the history, sorted (see the *_cmp functions) */
	const struct ticket_mail **mail_by_event;
	const struct attachment **at_by_event;
	const struct time_entry **time_by_id;
	/* billing: extra items, the kinds of work, each entry's, the closed months */
	struct bill_extra_list extras;
	struct bill_rate_list rates;
	int32_t closed[CLOSED_MONTHS_MAX];
	size_t n_closed;
};

static void view_free(struct ticket_view *v)
{
	event_list_free(&v->ev);
	ticket_mail_list_free(&v->mail);
	attachment_list_free(&v->at);
	time_entry_list_free(&v->times);
	time_share_list_free(&v->shares);
	user_list_free(&v->users);
	client_list_free(&v->clients);
	contact_list_free(&v->contacts);
	free(v->mail_by_event);
	free(v->at_by_event);
	free(v->time_by_id);
	bill_extra_list_free(&v->extras);
	bill_rate_list_free(&v->rates);
}

static int mail_cmp(const void *a, const void *b)
{
	const struct ticket_mail *x = *(const struct ticket_mail *const *)a;
	const struct ticket_mail *y = *(const struct ticket_mail *const *)b;

	return x->event_id < y->event_id ? -1 : x->event_id > y->event_id;
}

static int at_cmp(const void *a, const void *b)
{
	const struct attachment *x = *(const struct attachment *const *)a;
	const struct attachment *y = *(const struct attachment *const *)b;

	if (x->event_id != y->event_id)
		return x->event_id < y->event_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int time_cmp(const void *a, const void *b)
{
	const struct time_entry *x = *(const struct time_entry *const *)a;
	const struct time_entry *y = *(const struct time_entry *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Index the mail, attachments and time entries for the history's joins. */
static void view_index(struct ticket_view *v)
{
	size_t i;

	v->mail_by_event = xcalloc(v->mail.n + 1, sizeof(*v->mail_by_event));
	v->at_by_event = xcalloc(v->at.n + 1, sizeof(*v->at_by_event));
	v->time_by_id = xcalloc(v->times.n + 1, sizeof(*v->time_by_id));
	for (i = 0; i < v->mail.n; i++)
		v->mail_by_event[i] = &v->mail.items[i];
	for (i = 0; i < v->at.n; i++)
		v->at_by_event[i] = &v->at.items[i];
	for (i = 0; i < v->times.n; i++)
		v->time_by_id[i] = &v->times.items[i];
	qsort(v->mail_by_event, v->mail.n, sizeof(*v->mail_by_event), mail_cmp);
	qsort(v->at_by_event, v->at.n, sizeof(*v->at_by_event), at_cmp);
	qsort(v->time_by_id, v->times.n, sizeof(*v->time_by_id), time_cmp);
}

/* The mail message that is event_id, or NULL. */
static const struct ticket_mail *mail_of(const struct ticket_view *v, int64_t event_id)
{
	size_t lo = 0, hi = v->mail.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->mail_by_event[mid]->event_id < event_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->mail.n && v->mail_by_event[lo]->event_id == event_id ? v->mail_by_event[lo]
									    : NULL;
}

/* The first of event_id's attachments in at_by_event (index; == n when none). */
static size_t at_first(const struct ticket_view *v, int64_t event_id)
{
	size_t lo = 0, hi = v->at.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->at_by_event[mid]->event_id < event_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct time_entry *time_of(const struct ticket_view *v, int64_t id)
{
	size_t lo = 0, hi = v->times.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->time_by_id[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->times.n && v->time_by_id[lo]->id == id ? v->time_by_id[lo] : NULL;
}

/* Whom a reply goes to when it does not say (as api_replies_create decides). */
static int view_reply_to(struct web_req *r, struct ticket_view *v)
{
	struct mail_addr origin;
	struct contact c;
	size_t i;
	int rc;

	if (v->t.contact_id) {
		for (i = 0; i < v->contacts.n; i++) {
			if (v->contacts.items[i].id == v->t.contact_id) {
				c = v->contacts.items[i];
				break;
			}
		}
		if (i == v->contacts.n) {
			rc = store_contact_get(r->st, v->t.contact_id, &c);
			if (rc != STORE_OK && rc != STORE_NOT_FOUND)
				return rc;
			if (rc == STORE_NOT_FOUND)
				c.active = 0;
		}
		if (c.active && c.email[0]) {
			snprintf(v->reply_to, sizeof(v->reply_to), "%s", c.email);
			return STORE_OK;
		}
	}
	rc = store_mail_origin(r->st, v->t.id, &origin);
	if (rc == STORE_OK)
		snprintf(v->reply_to, sizeof(v->reply_to), "%s", origin.addr);
	return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

static int share_cmp(const void *a, const void *b)
{
	const struct time_share *x = a, *y = b;

	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return strcmp(x->user_name, y->user_name);
}

/*
 * Each technician's share of the time, most first, ties by name: what
 * store_ticket_time_shares answers, made from the entries the page reads
 * anyway, which saves a query on every view.
 */
static void view_shares(struct ticket_view *v)
{
	size_t i, k;

	v->shares.items = xcalloc(v->times.n + 1, sizeof(*v->shares.items));
	for (i = 0; i < v->times.n; i++) {
		const struct time_entry *e = &v->times.items[i];

		for (k = 0; k < v->shares.n && v->shares.items[k].user_id != e->user_id; k++)
			;
		if (k == v->shares.n) {
			v->shares.items[k].user_id = e->user_id;
			snprintf(v->shares.items[k].user_name, sizeof(v->shares.items[k].user_name),
				 "%s", e->user_name);
			v->shares.n++;
		}
		v->shares.items[k].seconds += e->seconds;
		v->shares.items[k].entries++;
	}
	qsort(v->shares.items, v->shares.n, sizeof(*v->shares.items), share_cmp);
}

/* The extra items, the kinds of work, and the closed months.  A store rc. */
static int view_billing(struct web_req *r, struct ticket_view *v)
{
	int rc;

	rc = store_extra_list(r->st, v->t.id, &v->extras);
	if (rc == STORE_OK)
		rc = store_rate_list(r->st, 1, &v->rates);
	if (rc == STORE_OK)
		rc = store_month_closed_list(r->st, v->closed, CLOSED_MONTHS_MAX, &v->n_closed);
	return rc;
}

/* Whether month is closed. */
static int month_closed(const struct ticket_view *v, int32_t month)
{
	size_t i;

	for (i = 0; i < v->n_closed; i++)
		if (v->closed[i] == month)
			return 1;
	return 0;
}

/*
 * Read everything the page shows.  The client select holds the ticket's
 * client (the script finds others through the API); only a search sent
 * without the script (?client_q=) lists clients here.  A store rc.
 */
static int view_load(struct web_req *r, int64_t id, struct ticket_view *v)
{
	const char *q = page_query(r, "client_q");
	struct client_filter cf = {q, 1, FIND_MAX, 0};
	struct contact_filter kf = {0, NULL, 1, PICK_MAX, 0};
	int rc, end;

	memset(v, 0, sizeof(*v));
	/* One snapshot for all of it: the same state everywhere on the page, one read lock. */
	if ((rc = store_read_begin(r->st)) != STORE_OK)
		return rc;
	rc = store_ticket_get(r->st, id, &v->t);
	if (rc == STORE_OK)
		rc = store_ticket_events(r->st, id, &v->ev);
	if (rc == STORE_OK)
		rc = store_ticket_mail_list(r->st, id, &v->mail);
	if (rc == STORE_OK)
		rc = store_attachment_list(r->st, id, &v->at);
	if (rc == STORE_OK)
		rc = store_time_list(r->st, id, &v->times);
	if (rc == STORE_OK)
		rc = store_user_list(r->st, &v->users);
	if (rc == STORE_OK && q && *q && strlen(q) <= NAME_MAX_LEN)
		rc = store_client_list(r->st, &cf, &v->clients, NULL);
	if (rc == STORE_OK && v->t.client_id) {
		kf.client_id = v->t.client_id;
		rc = store_contact_list(r->st, &kf, &v->contacts, NULL);
	}
	if (rc == STORE_OK) {
		rc = store_timer_get(r->st, r->user.id, &v->timer);
		v->has_timer = rc == STORE_OK;
		if (rc == STORE_NOT_FOUND)
			rc = STORE_OK;
	}
	if (rc == STORE_OK)
		rc = view_reply_to(r, v);
	if (rc == STORE_OK)
		rc = view_billing(r, v);
	end = store_read_end(r->st);
	if (rc == STORE_OK)
		rc = end;
	if (rc == STORE_OK) {
		view_shares(v);
		view_index(v);
	}
	return rc;
}

/* ---- small pieces ---- */

/* The value the user sent in field name of the refused form `form`, else def. */
static const char *sent(const struct ticket_refusal *why, enum ticket_form form, const char *name,
			const char *def)
{
	const char *s;

	if (!why || why->form != form || !why->f)
		return def;
	s = form_get(why->f, name);
	return s ? s : "";
}

static const char *author(const char *lang, const struct event *e)
{
	return e->author_name[0] ? e->author_name : L(lang, "System", "Sustav");
}

/* "12 KB" / "1,25 MB". */
static void size_text(const char *lang, int64_t bytes, char *out, size_t outsz)
{
	char n[32];

	if (bytes < 1024) {
		i18n_int(lang, bytes, n, sizeof(n));
		snprintf(out, outsz, "%s B", n);
	} else if (bytes < 1024 * 1024) {
		i18n_int(lang, (bytes + 1023) / 1024, n, sizeof(n));
		snprintf(out, outsz, "%s KB", n);
	} else {
		i18n_cents(lang, bytes * 100 / (1024 * 1024), n, sizeof(n));
		snprintf(out, outsz, "%s MB", n);
	}
}

/* <time datetime="..."> with the date as the user's language writes it. */
static void when(struct html *h, const char *lang, int64_t t)
{
	char iso[RFC3339_LEN + 1], shown[I18N_DATETIME_MAX];

	timefmt_rfc3339(t, iso);
	i18n_datetime(lang, t, shown, sizeof(shown));
	html_printf(h, "<time datetime=\"%s\">%s</time>", iso, shown);
}

/* Whether s is a duration "H:MM:SS" as the store writes it. */
static int is_duration(const char *s, size_t n)
{
	size_t i;

	if (n < 7 || n > 20 || s[n - 3] != ':' || s[n - 6] != ':')
		return 0;
	for (i = 0; i < n; i++)
		if (i != n - 3 && i != n - 6 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/*
 * The duration in a correction's summary ("FROM/TO H:MM:SS, billable...",
 * as the store records it) into out; "" when it is not there.
 */
static void summary_duration(const char *summary, char *out, size_t outsz)
{
	const char *sp = strchr(summary, ' ');
	size_t n;

	out[0] = '\0';
	if (!sp)
		return;
	sp++;
	n = strcspn(sp, ",");
	if (is_duration(sp, n))
		snprintf(out, outsz, "%.*s", (int)n, sp);
}

/* A field's name in a field change. */
static const char *field_label(const char *lang, const char *field)
{
	static const struct {
		const char *field, *en, *hr;
	} names[] = {
	    {"subject", "subject", "naslov"},
	    {"priority", "priority", "prioritet"},
	    {"channel", "channel", "kanal"},
	    {"billing", "billing", "naplata"},
	    {"category", "category", "kategorija"},
	    {"client_id", "client", "klijent"},
	    {"contact_id", "contact", "kontakt"},
	    {"assignee_id", "assignee", "zadužen"},
	    {"status", "status", "status"},
	    {"linked_ticket", "linked ticket", "povezani zahtjev"},
	    {"delivery", "delivery", "isporuka"},
	    {"extra", "extra item", "dodatna stavka"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(field, names[i].field) == 0)
			return L(lang, names[i].en, names[i].hr);
	return field;
}

/* A field change's value in words: the enums by their labels. */
static const char *field_value(const char *lang, const char *field, const char *value)
{
	enum ticket_status s;
	enum ticket_priority p;
	enum ticket_channel c;
	enum billing_kind b;

	if (!value[0])
		return "—";
	if (strcmp(field, "status") == 0 && status_parse(value, &s) == 0)
		return page_status_label(lang, s);
	if (strcmp(field, "priority") == 0 && priority_parse(value, &p) == 0)
		return page_priority_label(lang, p);
	if (strcmp(field, "channel") == 0 && channel_parse(value, &c) == 0)
		return page_channel_label(lang, c);
	if (strcmp(field, "billing") == 0 && billing_parse(value, &b) == 0)
		return page_billing_label(lang, b);
	if (strcmp(field, "delivery") == 0) {
		if (strcmp(value, "queued") == 0)
			return L(lang, "queued", "u redu za slanje");
		if (strcmp(value, "sent") == 0)
			return L(lang, "sent", "poslano");
		if (strcmp(value, "failed") == 0)
			return L(lang, "failed", "nije poslano");
		if (strcmp(value, "undelivered") == 0)
			return L(lang, "undelivered", "nije isporučeno");
	}
	return value;
}

/* A message's text; the quoted history from quote_at on folded away. */
static void message_body(struct html *h, const char *lang, const char *body, int64_t quote_at)
{
	size_t n = body ? strlen(body) : 0, q, m;
	struct html main, quoted;

	if (!n)
		return;
	if (quote_at < 0 || (uint64_t)quote_at >= n) {
		html_init(&main, HTML_PAGE_MAX);
		html_multiline(&main, body, n);
		html_printf(h, "<div class=\"body\">%h</div>", &main);
		html_free(&main);
		return;
	}
	q = (size_t)quote_at;
	while (q > 0 && ((unsigned char)body[q] & 0xc0) == 0x80)
		q--; /* never split a character */
	/* The blank lines between the two belong to neither. */
	for (m = q; m > 0 && strchr(" \t\r\n", body[m - 1]); m--)
		;
	while (q < n && (body[q] == '\r' || body[q] == '\n'))
		q++;
	html_init(&main, HTML_PAGE_MAX);
	html_init(&quoted, HTML_PAGE_MAX);
	html_multiline(&main, body, m);
	html_multiline(&quoted, body + q, n - q);
	if (m)
		html_printf(h, "<div class=\"body\">%h</div>", &main);
	html_printf(h,
		    "<details class=\"quoted\"><summary>%s</summary><div class=\"body\">%h</div>"
		    "</details>",
		    L(lang, "Quoted text", "Citirani tekst"), &quoted);
	html_free(&main);
	html_free(&quoted);
}

/* The files of event_id (0: the ticket's own) as download links. */
static void files_list(struct html *h, const struct ticket_view *v, const char *lang,
		       int64_t event_id)
{
	size_t i = at_first(v, event_id);
	char size[48];

	if (i >= v->at.n || v->at_by_event[i]->event_id != event_id)
		return;
	html_printf(h, "<ul class=\"attachments\">");
	for (; i < v->at.n && v->at_by_event[i]->event_id == event_id; i++) {
		const struct attachment *a = v->at_by_event[i];

		size_text(lang, a->size, size, sizeof(size));
		html_printf(h,
			    "<li><a href=\"/attachments/%j\" download>%s</a> "
			    "<span class=\"muted\">%s</span></li>",
			    a->id, a->filename, size);
	}
	html_printf(h, "</ul>");
}

/* Whether an outgoing message arrived, is waiting, or failed. */
static void delivery_state(struct html *h, const char *lang, const struct ticket_mail *m)
{
	char at[I18N_DATETIME_MAX];

	if (strcmp(m->delivery, "undelivered") == 0) {
		html_printf(h, "<p class=\"delivery delivery-failed\">%s%s%s</p>",
			    L(lang, "Not delivered", "Nije isporučeno"),
			    m->last_error[0] ? ": " : "", m->last_error);
	} else if (strcmp(m->outbox_status, "sent") == 0) {
		i18n_datetime(lang, m->sent_at, at, sizeof(at));
		html_printf(h, "<p class=\"delivery delivery-sent\">%s %s</p>",
			    L(lang, "Sent", "Poslano"), at);
	} else if (strcmp(m->outbox_status, "failed") == 0) {
		html_printf(h, "<p class=\"delivery delivery-failed\">%s%s%s</p>",
			    L(lang, "Not sent", "Nije poslano"), m->last_error[0] ? ": " : "",
			    m->last_error);
	} else if (strcmp(m->outbox_status, "queued") == 0) {
		html_printf(h, "<p class=\"delivery delivery-queued\">%s",
			    L(lang, "Queued for sending", "U redu za slanje"));
		if (m->attempts > 0 && m->last_error[0])
			html_printf(h, " (%s %d: %s)", L(lang, "attempts", "pokušaja"), m->attempts,
				    m->last_error);
		html_printf(h, "</p>");
	}
}

/* ---- the history ---- */

static void event_message(struct html *h, const struct ticket_view *v, const char *lang,
			  const struct event *e)
{
	const struct ticket_mail *m = mail_of(v, e->id);
	const char *kind = e->kind == EVENT_REPLY  ? L(lang, "reply", "odgovor")
			   : e->kind == EVENT_NOTE ? L(lang, "internal note", "interna bilješka")
						   : L(lang, "message", "poruka");

	html_printf(h, "<div class=\"meta\"><strong>%s</strong> · %s · ", author(lang, e), kind);
	when(h, lang, e->created_at);
	if (m && m->to_addrs[0])
		html_printf(h, "<br>%s %s", L(lang, "To:", "Za:"), m->to_addrs);
	if (m && m->cc_addrs[0])
		html_printf(h, "<br>Cc: %s", m->cc_addrs);
	html_printf(h, "</div>");
	message_body(h, lang, e->body, m ? m->quote_at : -1);
	if (m && m->text_from_html)
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "Text made from the message's HTML; the original is attached.",
			      "Tekst je izrađen iz HTML-a poruke; izvornik je u privitku."));
	files_list(h, v, lang, e->id);
	if (m && m->out)
		delivery_state(h, lang, m);
}

/* The ticket a "merged from" event names, for its link (0 when unknown). */
static int64_t merged_from_id(struct web_req *r, const char *number, int *lookups)
{
	struct ticket o;

	if (*lookups >= MERGE_LINKS_MAX)
		return 0;
	(*lookups)++;
	return store_ticket_get_by_number(r->st, number, &o) == STORE_OK ? o.id : 0;
}

/* A change in one line: "Ivana: status Novi → Otvoren". */
static void event_line(struct web_req *r, struct html *h, const struct ticket_view *v,
		       const char *lang, const struct event *e, int *lookups)
{
	const struct time_entry *te;
	char before[32], after[32];
	int64_t other;

	html_printf(h, "<span class=\"meta\">");
	when(h, lang, e->created_at);
	html_printf(h, "</span> <span class=\"line\">%s: ", author(lang, e));
	switch (e->kind) {
	case EVENT_STATUS_CHANGE:
	case EVENT_ASSIGNMENT:
	case EVENT_FIELD_CHANGE:
		html_printf(h, "%s %s → %s", field_label(lang, e->field),
			    field_value(lang, e->field, e->old_value),
			    field_value(lang, e->field, e->new_value));
		break;
	case EVENT_TIME_ENTRY:
		te = time_of(v, e->time_entry_id);
		html_printf(h, "%s <span class=\"duration\">%s</span>",
			    L(lang, "recorded time", "zabilježeno vrijeme"), e->new_value);
		if (te && te->note[0])
			html_printf(h, " (%s)", te->note);
		break;
	case EVENT_TIME_CORRECTION:
		if (strcmp(e->field, "rate") == 0) {
			html_printf(h, "%s %s → %s", L(lang, "kind of work", "vrsta rada"),
				    e->old_value, e->new_value);
			break;
		}
		summary_duration(e->old_value, before, sizeof(before));
		summary_duration(e->new_value, after, sizeof(after));
		html_printf(h, "%s", L(lang, "corrected a time entry", "ispravljen unos vremena"));
		if (before[0] && after[0])
			html_printf(h, " <span class=\"duration\">%s → %s</span>", before, after);
		break;
	case EVENT_MERGE:
		if (strcmp(e->field, "merged_from") == 0) {
			other = merged_from_id(r, e->new_value, lookups);
			html_printf(h, "%s ", L(lang, "merged ticket", "spojen zahtjev"));
			if (other)
				html_printf(h, "<a href=\"/tickets/%j\">%s</a>", other,
					    e->new_value);
			else
				html_printf(h, "%s", e->new_value);
			html_printf(h, " %s", L(lang, "into this one", "u ovaj"));
		} else {
			html_printf(h, "%s ",
				    L(lang, "merged this ticket into", "spojen ovaj zahtjev u"));
			if (v->t.merged_into)
				html_printf(h, "<a href=\"/tickets/%j\">%s</a>", v->t.merged_into,
					    e->new_value);
			else
				html_printf(h, "%s", e->new_value);
		}
		break;
	default:
		html_printf(h, "%s", event_kind_name(e->kind));
		break;
	}
	html_printf(h, "</span>");
	/* A reason given with a status change, a correction's reason, a bounce's text. */
	if (e->body && e->body[0]) {
		struct html b;

		html_init(&b, HTML_PAGE_MAX);
		html_multiline(&b, e->body, strlen(e->body));
		html_printf(h, "<div class=\"body\">%h</div>", &b);
		html_free(&b);
	}
	files_list(h, v, lang, e->id);
}

static void timeline(struct web_req *r, struct html *h, const struct ticket_view *v,
		     const char *lang)
{
	int lookups = 0;
	size_t i;

	html_printf(h, "<h2 id=\"history\">%s</h2>\n<ol id=\"timeline\">\n",
		    L(lang, "History", "Povijest"));
	for (i = 0; i < v->ev.n; i++) {
		const struct event *e = &v->ev.items[i];

		html_printf(h, "<li class=\"event ev-%s\" id=\"event-%j\">",
			    event_kind_name(e->kind), e->id);
		if (e->kind == EVENT_MESSAGE_IN || e->kind == EVENT_REPLY || e->kind == EVENT_NOTE)
			event_message(h, v, lang, e);
		else
			event_line(r, h, v, lang, e, &lookups);
		html_printf(h, "</li>\n");
	}
	html_printf(h, "</ol>\n");
	if (!v->ev.n)
		html_printf(h, "<p class=\"hint\">%s</p>\n",
			    L(lang, "Nothing has happened yet.", "Još se ništa nije dogodilo."));
	/* Files of the ticket itself, and any whose event is not in the history. */
	if (v->at.n && at_first(v, 0) < v->at.n && v->at_by_event[at_first(v, 0)]->event_id == 0) {
		html_printf(h, "<section id=\"ticket-files\"><h2>%s</h2>",
			    L(lang, "Attachments", "Privici"));
		files_list(h, v, lang, 0);
		html_printf(h, "</section>\n");
	}
}

/* ---- the forms of the main column ---- */

/* <option>s of the statuses the ticket may move to; `empty` adds "leave as is". */
static void status_options(struct html *h, const char *lang, enum ticket_status from,
			   const char *chosen, int empty)
{
	int s;

	if (empty)
		html_printf(h, "<option value=\"\">%s</option>",
			    L(lang, "(leave as is)", "(ne mijenjaj)"));
	for (s = 0; s < STATUS_COUNT; s++) {
		if (!ticket_status_allowed(from, (enum ticket_status)s) ||
		    (empty && (int)from == s))
			continue;
		html_printf(
		    h, "<option value=\"%s\"%s>%s</option>", status_name((enum ticket_status)s),
		    strcmp(chosen, status_name((enum ticket_status)s)) == 0 ? " selected" : "",
		    page_status_label(lang, (enum ticket_status)s));
	}
}

static void reply_form(struct web_req *r, struct html *h, const struct ticket_view *v,
		       const char *lang, const struct ticket_refusal *why)
{
	int64_t id = v->t.id;

	html_printf(h, "<section class=\"card\" id=\"reply-section\"><h2>%s</h2>",
		    L(lang, "Reply to the client", "Odgovor klijentu"));
	if (!r->srv->conf->mail_address[0])
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "Mail is not set up: replies cannot be sent.",
			      "E-pošta nije postavljena: odgovori se ne mogu slati."));
	else if (v->reply_to[0])
		html_printf(h, "<p class=\"hint\">%s %s</p>", L(lang, "To:", "Za:"), v->reply_to);
	else
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "The ticket has no contact with an email address.",
			      "Zahtjev nema kontakt s adresom e-pošte."));
	html_printf(h,
		    "<form id=\"reply\" method=\"post\" action=\"/tickets/%j/reply\" "
		    "enctype=\"multipart/form-data\">",
		    id);
	page_csrf_field(r, h);
	html_printf(h,
		    "<label>%s <textarea name=\"body\" rows=\"8\" required>%s</textarea></label>"
		    "<label>Cc <input type=\"text\" name=\"cc\" value=\"%s\" maxlength=\"1023\" "
		    "placeholder=\"%s\"></label>"
		    "<label>%s <input type=\"file\" name=\"files\" multiple></label>"
		    "<label>%s <select name=\"status\">",
		    L(lang, "Message", "Poruka"), sent(why, TF_REPLY, "body", ""),
		    sent(why, TF_REPLY, "cc", ""),
		    L(lang, "addresses, separated by commas", "adrese, odvojene zarezom"),
		    L(lang, "Files", "Datoteke"),
		    L(lang, "Then set the status", "Zatim postavi status"));
	status_options(h, lang, v->t.status, sent(why, TF_REPLY, "status", ""), 1);
	html_printf(h, "</select></label><button type=\"submit\">%s</button></form></section>\n",
		    L(lang, "Send", "Pošalji"));
}

static void note_form(struct web_req *r, struct html *h, const struct ticket_view *v,
		      const char *lang, const struct ticket_refusal *why)
{
	html_printf(h,
		    "<section class=\"card\" id=\"note-section\"><h2>%s</h2>"
		    "<form id=\"note\" method=\"post\" action=\"/tickets/%j/note\">",
		    L(lang, "Internal note", "Interna bilješka"), v->t.id);
	page_csrf_field(r, h);
	html_printf(
	    h,
	    "<label>%s <textarea name=\"body\" rows=\"4\" required>%s</textarea></label>"
	    "<p class=\"hint\">%s</p><button type=\"submit\" class=\"secondary\">%s</button>"
	    "</form></section>\n",
	    L(lang, "Note", "Bilješka"), sent(why, TF_NOTE, "body", ""),
	    L(lang, "Only staff see notes.", "Bilješke vide samo djelatnici."),
	    L(lang, "Add note", "Dodaj bilješku"));
}

/* ---- the side column ---- */

static void fields_form(struct web_req *r, struct html *h, const struct ticket_view *v,
			const char *lang, const struct ticket_refusal *why)
{
	const struct ticket *t = &v->t;
	char cur[32], def[32], dflt_contact[32], dflt_assignee[32];
	const char *client, *contact, *assignee, *prio, *status, *billing, *q;
	struct contact picked_contact;
	struct client picked;
	int64_t other;
	int found, sent_found, i;
	size_t k;

	snprintf(def, sizeof(def), "%lld", (long long)t->client_id);
	snprintf(dflt_contact, sizeof(dflt_contact), "%lld", (long long)t->contact_id);
	snprintf(dflt_assignee, sizeof(dflt_assignee), "%lld", (long long)t->assignee_id);
	client = sent(why, TF_FIELDS, "client_id", t->client_id ? def : "");
	contact = sent(why, TF_FIELDS, "contact_id", t->contact_id ? dflt_contact : "");
	assignee = sent(why, TF_FIELDS, "assignee_id", t->assignee_id ? dflt_assignee : "");
	prio = sent(why, TF_FIELDS, "priority", priority_name(t->priority));
	status = sent(why, TF_FIELDS, "status", status_name(t->status));
	billing = sent(why, TF_FIELDS, "billing", billing_name(t->billing));

	html_printf(h,
		    "<section class=\"card\" id=\"fields-section\"><h2>%s</h2>"
		    "<form id=\"fields\" method=\"post\" action=\"/tickets/%j/fields\" "
		    "data-autosubmit>",
		    L(lang, "Details", "Podaci"), t->id);
	page_csrf_field(r, h);

	html_printf(h,
		    "<label>%s <select name=\"client_id\" id=\"fields-client\" "
		    "data-find=\"/api/v1/clients?\" data-find-label=\"%s\">"
		    "<option value=\"\">%s</option>",
		    L(lang, "Client", "Klijent"), L(lang, "Find a client", "Nađi klijenta"),
		    L(lang, "(no client)", "(bez klijenta)"));
	if (t->client_id)
		html_printf(h, "<option value=\"%j\"%s>%s</option>", t->client_id,
			    strcmp(def, client) == 0 ? " selected" : "", t->client_name);
	found = !client[0] || strcmp(def, client) == 0;
	for (k = 0; k < v->clients.n; k++) {
		const struct client *c = &v->clients.items[k];

		if (c->id == t->client_id)
			continue;
		snprintf(cur, sizeof(cur), "%lld", (long long)c->id);
		found |= strcmp(cur, client) == 0;
		html_printf(h, "<option value=\"%j\"%s>%s</option>", c->id,
			    strcmp(cur, client) == 0 ? " selected" : "", c->name);
	}
	/* A refused form keeps the client chosen (by the typeahead, say). */
	if (!found && web_parse_id(client, &other) == 0 &&
	    store_client_get(r->st, other, &picked) == STORE_OK)
		html_printf(h, "<option value=\"%j\" selected>%s</option>", picked.id, picked.name);
	html_printf(h, "</select></label>");

	html_printf(h,
		    "<label>%s <select name=\"contact_id\" id=\"fields-contact\" "
		    "data-find=\"/api/v1/contacts?\" data-find-client=\"#fields-client\" "
		    "data-find-label=\"%s\"><option value=\"\">%s</option>",
		    L(lang, "Contact", "Kontakt"), L(lang, "Find a contact", "Nađi kontakt"),
		    L(lang, "(no contact)", "(bez kontakta)"));
	found = 0;
	sent_found = !contact[0];
	for (k = 0; k < v->contacts.n; k++) {
		const struct contact *c = &v->contacts.items[k];

		snprintf(cur, sizeof(cur), "%lld", (long long)c->id);
		found |= c->id == t->contact_id;
		sent_found |= strcmp(cur, contact) == 0;
		html_printf(h, "<option value=\"%j\"%s>%s%s%s%s</option>", c->id,
			    strcmp(cur, contact) == 0 ? " selected" : "", c->name,
			    c->email[0] ? " <" : "", c->email, c->email[0] ? ">" : "");
	}
	if (t->contact_id && !found) {
		sent_found |= strcmp(dflt_contact, contact) == 0;
		html_printf(h, "<option value=\"%j\"%s>%s</option>", t->contact_id,
			    strcmp(dflt_contact, contact) == 0 ? " selected" : "", t->contact_name);
	}
	if (!sent_found && web_parse_id(contact, &other) == 0 &&
	    store_contact_get(r->st, other, &picked_contact) == STORE_OK)
		html_printf(h, "<option value=\"%j\" selected>%s</option>", picked_contact.id,
			    picked_contact.name);
	html_printf(h, "</select></label>");

	html_printf(h, "<label>%s <select name=\"assignee_id\"><option value=\"\">%s</option>",
		    L(lang, "Assignee", "Zadužen"), L(lang, "(unassigned)", "(nitko)"));
	for (k = 0; k < v->users.n; k++) {
		const struct user *u = &v->users.items[k];

		if (!u->active && u->id != t->assignee_id)
			continue;
		snprintf(cur, sizeof(cur), "%lld", (long long)u->id);
		html_printf(h, "<option value=\"%j\"%s>%s</option>", u->id,
			    strcmp(cur, assignee) == 0 ? " selected" : "", u->name);
	}
	html_printf(h, "</select></label>");

	html_printf(h, "<label>%s <select name=\"priority\">", L(lang, "Priority", "Prioritet"));
	for (i = 0; i < PRIORITY_COUNT; i++)
		html_printf(
		    h, "<option value=\"%s\"%s>%s</option>", priority_name((enum ticket_priority)i),
		    strcmp(prio, priority_name((enum ticket_priority)i)) == 0 ? " selected" : "",
		    page_priority_label(lang, (enum ticket_priority)i));
	html_printf(h, "</select></label><label>%s <select name=\"status\">",
		    L(lang, "Status", "Status"));
	status_options(h, lang, t->status, status, 0);
	html_printf(h, "</select></label><label>%s <select name=\"billing\">",
		    L(lang, "Billing", "Naplata"));
	for (i = 0; i < BILLING_COUNT; i++)
		html_printf(
		    h, "<option value=\"%s\"%s>%s</option>", billing_name((enum billing_kind)i),
		    strcmp(billing, billing_name((enum billing_kind)i)) == 0 ? " selected" : "",
		    page_billing_label(lang, (enum billing_kind)i));
	html_printf(h,
		    "</select></label><label>%s <input type=\"text\" name=\"category\" "
		    "value=\"%s\" maxlength=\"%d\"></label>"
		    "<button type=\"submit\" class=\"secondary\">%s</button></form>",
		    L(lang, "Category", "Kategorija"),
		    sent(why, TF_FIELDS, "category", t->category), CATEGORY_MAX_LEN,
		    L(lang, "Save", "Spremi"));
	/* Without the script, clients are found by a search that fills the select. */
	q = page_query(r, "client_q");
	html_printf(
	    h,
	    "<noscript><form id=\"client-find\" method=\"get\" action=\"/tickets/%j\">"
	    "<label>%s <input type=\"search\" name=\"client_q\" value=\"%s\" "
	    "maxlength=\"%d\"></label><button type=\"submit\" class=\"secondary\">%s</button>"
	    "</form>",
	    t->id, L(lang, "Find another client", "Nađi drugog klijenta"), q ? q : "", NAME_MAX_LEN,
	    L(lang, "Find", "Traži"));
	if (q && *q && !v->clients.n)
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "No client found.", "Nije pronađen nijedan klijent."));
	html_printf(h, "</noscript></section>\n");
}

static void stopwatch(struct web_req *r, struct html *h, const struct ticket_view *v,
		      const char *lang)
{
	char el[32];

	html_printf(h, "<section class=\"card\" id=\"stopwatch\"><h2>%s</h2>",
		    L(lang, "Stopwatch", "Štoperica"));
	if (v->has_timer && v->timer.ticket_id == v->t.id) {
		timefmt_duration(r->now - v->timer.started_at, el, sizeof(el));
		html_printf(
		    h,
		    "<p><span class=\"elapsed\" data-started=\"%j\" data-now=\"%j\">%s</span>"
		    "</p><form method=\"post\" action=\"/tickets/%j/timer/stop\">",
		    v->timer.started_at, r->now, el, v->t.id);
		page_csrf_field(r, h);
		html_printf(h,
			    "<button type=\"submit\" id=\"timer-stop\" class=\"stop\">%s</button>"
			    "</form></section>\n",
			    L(lang, "Stop", "Zaustavi"));
		return;
	}
	if (!ticket_status_is_active(v->t.status)) {
		html_printf(h, "<p class=\"hint\">%s</p></section>\n",
			    L(lang, "The ticket is closed; reopen it to work on it.",
			      "Zahtjev je zatvoren; otvorite ga ponovno za rad na njemu."));
		return;
	}
	if (v->has_timer)
		html_printf(
		    h, "<p class=\"hint\">%s <a href=\"/tickets/%j\">%s</a>%s</p>",
		    L(lang, "Your stopwatch runs on", "Vaša štoperica radi na"), v->timer.ticket_id,
		    v->timer.ticket_number,
		    L(lang, "; starting here stops it.", "; pokretanje ovdje je zaustavlja."));
	html_printf(h, "<form method=\"post\" action=\"/tickets/%j/timer/start\">", v->t.id);
	page_csrf_field(r, h);
	html_printf(h, "<button type=\"submit\" id=\"timer-start\">%s</button></form></section>\n",
		    L(lang, "Start", "Pokreni"));
}

int64_t page_ticket_entry_minutes(int64_t seconds)
{
	int64_t m = (seconds + 30) / 60;

	return m < 1 ? 1 : m;
}

/* The rate of id (0: the default, by its configured code), or NULL when unknown. */
static const struct bill_rate *rate_of(struct web_req *r, const struct ticket_view *v, int64_t id)
{
	const char *dflt = bill_default_rate_code(r);
	size_t i;

	for (i = 0; i < v->rates.n; i++)
		if (id ? v->rates.items[i].id == id : strcmp(v->rates.items[i].code, dflt) == 0)
			return &v->rates.items[i];
	return NULL;
}

/*
 * An entry's kind of work, and for its owner or an admin the form that
 * changes it (#time-rate-ID) while its month is open.
 */
static void time_rate_form(struct web_req *r, struct html *h, const char *lang,
			   const struct ticket_view *v, const struct time_entry *e, int64_t rate_id,
			   int editable, const struct ticket_refusal *why)
{
	const struct ticket_refusal *w =
	    why && why->form == TF_TIME_RATE && why->time_id == e->id ? why : NULL;
	const struct bill_rate *cur = rate_of(r, v, rate_id), *dflt = rate_of(r, v, 0);
	int64_t sel = rate_id;
	size_t i;

	html_printf(h, "<p class=\"rate\" data-rate=\"%s\">%s: <strong>%s</strong>%s</p>",
		    cur ? cur->code : "", L(lang, "Kind of work", "Vrsta rada"),
		    cur ? cur->name : L(lang, "default", "zadana"),
		    rate_id ? "" : L(lang, " (default)", " (zadana)"));
	if (!editable || !v->rates.n)
		return;
	if (w && w->f)
		sel = form_id(w->f, "rate_id") > 0 ? form_id(w->f, "rate_id") : 0;
	html_printf(h,
		    "<details class=\"time-rate\"%s><summary>%s</summary><form id=\"time-rate-%j\" "
		    "class=\"time-rate-form\" method=\"post\" action=\"/time/%j/rate\">",
		    w ? " open" : "", L(lang, "Change the kind of work", "Promijeni vrstu rada"),
		    e->id, e->id);
	page_csrf_field(r, h);
	html_printf(h, "<label>%s <select name=\"rate_id\"><option value=\"0\"%s>%s%s%s</option>",
		    L(lang, "Kind of work", "Vrsta rada"), sel == 0 ? " selected" : "",
		    L(lang, "default", "zadana"), dflt ? ": " : "", dflt ? dflt->name : "");
	for (i = 0; i < v->rates.n; i++) {
		const struct bill_rate *t = &v->rates.items[i];

		if (!t->active && t->id != rate_id)
			continue;
		html_printf(h, "<option value=\"%j\"%s>%s</option>", t->id,
			    sel == t->id ? " selected" : "", t->name);
	}
	html_printf(h,
		    "</select></label><label>%s <input type=\"text\" name=\"reason\" value=\"%s\" "
		    "required maxlength=\"%d\"></label><button type=\"submit\" "
		    "class=\"secondary\">%s</button></form></details>",
		    L(lang, "Reason", "Razlog"), sent(w, TF_TIME_RATE, "reason", ""), NOTES_MAX_LEN,
		    L(lang, "Save", "Spremi"));
}

/* One time entry: what it is, and its correction form for its owner or an admin. */
static void time_entry_item(struct web_req *r, struct html *h, const char *lang,
			    const struct ticket_view *v, size_t idx,
			    const struct ticket_refusal *why)
{
	const struct time_entry *e = &v->times.items[idx];
	char at[I18N_DATETIME_MAX], dur[32], started[32], minutes[32];
	int mine = why && why->form == TF_TIME_EDIT && why->time_id == e->id;
	const struct ticket_refusal *w = mine ? why : NULL;
	int own = e->user_id == r->user.id || r->user.role == ROLE_ADMIN;
	int open = !month_closed(v, cal_month_of_day(clock_local_day(e->started_at)));

	i18n_datetime(lang, e->started_at, at, sizeof(at));
	timefmt_duration(e->seconds, dur, sizeof(dur));
	html_printf(
	    h, "<li id=\"time-%j\"><p><strong class=\"duration\">%s</strong> · %s · %s%s%s</p>",
	    e->id, dur, e->user_name, at, e->billable ? "" : " · ",
	    e->billable ? "" : L(lang, "not billable", "ne naplaćuje se"));
	if (e->note[0])
		html_printf(h, "<p class=\"muted\">%s</p>", e->note);
	time_rate_form(r, h, lang, v, e, e->rate_id, own && open, why);
	if (!own) {
		html_printf(h, "</li>");
		return;
	}
	if (!open) {
		html_printf(h, "<p class=\"hint closed-month\">%s</p></li>",
			    L(lang, "Its month is closed: it can no longer change.",
			      "Njegov je mjesec zaključen: više se ne može mijenjati."));
		return;
	}
	i18n_datetime_input(e->started_at, started, sizeof(started));
	snprintf(minutes, sizeof(minutes), "%lld",
		 (long long)page_ticket_entry_minutes(e->seconds));
	html_printf(h, "<form class=\"time-edit\" method=\"post\" action=\"/time/%j\">", e->id);
	page_csrf_field(r, h);
	html_printf(
	    h,
	    "<label>%s <input type=\"datetime-local\" name=\"started\" value=\"%s\" "
	    "required></label>"
	    "<label>%s <input type=\"number\" name=\"minutes\" value=\"%s\" min=\"1\" "
	    "max=\"1440\" required></label>"
	    "<label>%s <input type=\"text\" name=\"note\" value=\"%s\" maxlength=\"%d\"></label>"
	    "<label><input type=\"checkbox\" name=\"billable\" value=\"1\"%s> %s</label>"
	    "<label>%s <input type=\"text\" name=\"reason\" value=\"%s\" required "
	    "maxlength=\"%d\"></label>"
	    "<button type=\"submit\" class=\"secondary\">%s</button></form></li>",
	    L(lang, "Started", "Početak"), sent(w, TF_TIME_EDIT, "started", started),
	    L(lang, "Minutes", "Minuta"), sent(w, TF_TIME_EDIT, "minutes", minutes),
	    L(lang, "Note", "Bilješka"), sent(w, TF_TIME_EDIT, "note", e->note), TIME_NOTE_MAX_LEN,
	    (w ? form_checked(w->f, "billable") : e->billable) ? " checked" : "",
	    L(lang, "Billable", "Naplaćuje se"), L(lang, "Reason", "Razlog"),
	    sent(w, TF_TIME_EDIT, "reason", ""), NOTES_MAX_LEN,
	    L(lang, "Save correction", "Spremi ispravak"));
}

static void time_section(struct web_req *r, struct html *h, const struct ticket_view *v,
			 const char *lang, const struct ticket_refusal *why)
{
	char total[32], share[32], n[32], started[32];
	int64_t sum = 0;
	size_t i;
	int billable;

	for (i = 0; i < v->times.n; i++)
		sum += v->times.items[i].seconds;
	timefmt_duration(sum, total, sizeof(total));
	html_printf(h,
		    "<section class=\"card\" id=\"time\"><h2>%s</h2>"
		    "<p>%s <strong id=\"time-total\" class=\"duration\">%s</strong></p>"
		    "<ul id=\"time-shares\">",
		    L(lang, "Time", "Vrijeme"), L(lang, "Total:", "Ukupno:"), total);
	for (i = 0; i < v->shares.n; i++) {
		const struct time_share *s = &v->shares.items[i];

		timefmt_duration(s->seconds, share, sizeof(share));
		i18n_int(lang, s->entries, n, sizeof(n));
		html_printf(
		    h,
		    "<li data-user=\"%j\"><span class=\"who\">%s</span> "
		    "<span class=\"duration\">%s</span> <span class=\"muted\">(%s %s)</span></li>",
		    s->user_id, s->user_name, share, n,
		    L(lang, s->entries == 1 ? "entry" : "entries",
		      s->entries % 10 == 1 && s->entries % 100 != 11 ? "unos" : "unosa"));
	}
	html_printf(h, "</ul>");
	if (v->times.n) {
		html_printf(h, "<h3>%s</h3><ul id=\"time-entries\">", L(lang, "Entries", "Unosi"));
		for (i = 0; i < v->times.n; i++)
			time_entry_item(r, h, lang, v, i, why);
		html_printf(h, "</ul>");
	} else {
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "No time recorded yet.", "Još nema zabilježenog vremena."));
	}
	/* By default the last hour, ending now; whole minutes as the input takes them. */
	i18n_datetime_input(r->now - 3600, started, sizeof(started));
	billable = why && why->form == TF_TIME_ADD && why->f ? form_checked(why->f, "billable")
							     : v->t.billing == BILLING_BILLABLE;
	html_printf(h,
		    "<h3>%s</h3><form id=\"time-add\" method=\"post\" action=\"/tickets/%j/time\">",
		    L(lang, "Add time", "Dodaj vrijeme"), v->t.id);
	page_csrf_field(r, h);
	html_printf(
	    h,
	    "<label>%s <input type=\"datetime-local\" name=\"started\" value=\"%s\" "
	    "required></label>"
	    "<label>%s <input type=\"number\" name=\"minutes\" value=\"%s\" min=\"1\" "
	    "max=\"1440\" required></label>"
	    "<label>%s <input type=\"text\" name=\"note\" value=\"%s\" maxlength=\"%d\"></label>"
	    "<label><input type=\"checkbox\" name=\"billable\" value=\"1\"%s> %s</label>"
	    "<button type=\"submit\" class=\"secondary\">%s</button></form></section>\n",
	    L(lang, "Started", "Početak"), sent(why, TF_TIME_ADD, "started", started),
	    L(lang, "Minutes", "Minuta"), sent(why, TF_TIME_ADD, "minutes", ""),
	    L(lang, "Note", "Bilješka"), sent(why, TF_TIME_ADD, "note", ""), TIME_NOTE_MAX_LEN,
	    billable ? " checked" : "", L(lang, "Billable", "Naplaćuje se"),
	    L(lang, "Add", "Dodaj"));
}

/*
 * The ticket's extra items (material, travel), each removable by an admin
 * while its month is open, and the form #extra-add.
 */
static void extras_section(struct web_req *r, struct html *h, const struct ticket_view *v,
			   const char *lang, const struct ticket_refusal *why)
{
	const struct ticket_refusal *w = why && why->form == TF_EXTRA_ADD ? why : NULL;
	char qty[32], price[48], amount[48], day[40], today[16];
	int64_t sum = 0, a;
	int64_t vat_sel;
	size_t i;

	html_printf(h, "<section class=\"card\" id=\"extras\"><h2>%s</h2>",
		    L(lang, "Extra items", "Dodatne stavke"));
	if (v->t.billing != BILLING_BILLABLE)
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "The ticket is not billable: its items are listed at zero.",
			      "Zahtjev se ne naplaćuje: stavke se navode s iznosom nula."));
	if (v->extras.n) {
		html_printf(h, "<ul id=\"extra-list\">");
		for (i = 0; i < v->extras.n; i++) {
			const struct bill_extra *x = &v->extras.items[i];

			if (money_muldiv(x->unit_price, x->quantity, BILL_QTY_ONE, &a) < 0)
				a = 0;
			sum += a;
			bill_qty(lang, x->quantity, qty, sizeof(qty));
			bill_money(lang, x->unit_price, price, sizeof(price));
			bill_money(lang, a, amount, sizeof(amount));
			bill_day(lang, x->day, day, sizeof(day));
			html_printf(h,
				    "<li data-extra=\"%j\"><p><strong>%s</strong></p><p>%s × %s = "
				    "<span class=\"amount\">%s</span> EUR <span class=\"muted\">"
				    "(%s %d %%) · %s</span></p>",
				    x->id, x->description, qty, price, amount,
				    L(lang, "VAT", "PDV"), x->vat, day);
			if (month_closed(v, cal_month_of_day(x->day)))
				html_printf(
				    h, "<p class=\"hint closed-month\">%s</p>",
				    L(lang, "Its month is closed.", "Njegov je mjesec zaključen."));
			else if (r->user.role == ROLE_ADMIN) {
				html_printf(h,
					    "<form class=\"extra-remove\" method=\"post\" "
					    "action=\"/extras/%j/remove\">",
					    x->id);
				page_csrf_field(r, h);
				html_printf(
				    h,
				    "<input type=\"hidden\" name=\"ticket_id\" value=\"%j\">"
				    "<button type=\"submit\" class=\"secondary\">%s</button>"
				    "</form>",
				    v->t.id, L(lang, "Remove", "Ukloni"));
			}
			html_printf(h, "</li>");
		}
		bill_money(lang, sum, amount, sizeof(amount));
		html_printf(h, "</ul><p>%s <strong id=\"extras-total\">%s</strong> EUR</p>",
			    L(lang, "Net in all:", "Ukupno neto:"), amount);
	} else {
		html_printf(h, "<p class=\"hint\">%s</p>",
			    L(lang, "No extra items.", "Nema dodatnih stavki."));
	}
	cal_date_format(clock_local_day(r->now), today);
	if (bill_parse_int(sent(w, TF_EXTRA_ADD, "vat", "25"), 0, 100, &vat_sel) < 0)
		vat_sel = 25;
	html_printf(h,
		    "<h3>%s</h3><form id=\"extra-add\" method=\"post\" "
		    "action=\"/tickets/%j/extras\">",
		    L(lang, "Add an item", "Dodaj stavku"), v->t.id);
	page_csrf_field(r, h);
	html_printf(h,
		    "<label>%s <input type=\"text\" name=\"description\" value=\"%s\" required "
		    "maxlength=\"%d\"></label>"
		    "<label>%s <input type=\"text\" name=\"quantity\" value=\"%s\" required "
		    "inputmode=\"decimal\" size=\"6\"></label>"
		    "<label>%s <input type=\"text\" name=\"unit_price\" value=\"%s\" required "
		    "inputmode=\"decimal\" size=\"10\"></label><label>%s <select name=\"vat\">",
		    L(lang, "Description", "Opis"), sent(w, TF_EXTRA_ADD, "description", ""),
		    BILL_TEXT_MAX_LEN, L(lang, "Quantity", "Količina"),
		    sent(w, TF_EXTRA_ADD, "quantity", "1"),
		    L(lang, "Unit price (EUR)", "Jedinična cijena (EUR)"),
		    sent(w, TF_EXTRA_ADD, "unit_price", ""), L(lang, "VAT", "PDV"));
	bill_vat_options(h, (int)vat_sel);
	html_printf(h,
		    "</select></label><label>%s <input type=\"date\" name=\"day\" value=\"%s\" "
		    "required></label><button type=\"submit\" class=\"secondary\">%s</button>"
		    "</form></section>\n",
		    L(lang, "Day", "Dan"), sent(w, TF_EXTRA_ADD, "day", today),
		    L(lang, "Add", "Dodaj"));
}

/* The number of the ticket this one was merged into, from its history. */
static const char *merged_into_number(const struct ticket_view *v)
{
	size_t i;

	for (i = v->ev.n; i-- > 0;)
		if (v->ev.items[i].kind == EVENT_MERGE &&
		    strcmp(v->ev.items[i].field, "merged_into") == 0)
			return v->ev.items[i].new_value;
	return "";
}

static void merge_section(struct web_req *r, struct html *h, const struct ticket_view *v,
			  const char *lang, const struct ticket_refusal *why)
{
	html_printf(h, "<section class=\"card\" id=\"merge-section\"><h2>%s</h2>",
		    L(lang, "Merge", "Spajanje"));
	if (v->t.merged_into) {
		html_printf(h, "<p>%s <a href=\"/tickets/%j\" rel=\"next\">%s</a>.</p></section>\n",
			    L(lang, "This ticket was merged into", "Ovaj zahtjev je spojen u"),
			    v->t.merged_into, merged_into_number(v));
		return;
	}
	html_printf(h, "<form id=\"merge\" method=\"post\" action=\"/tickets/%j/merge\">", v->t.id);
	page_csrf_field(r, h);
	html_printf(h,
		    "<label>%s <input type=\"text\" name=\"into\" value=\"%s\" required "
		    "maxlength=\"40\" placeholder=\"2026-000123\"></label>"
		    "<p class=\"hint\">%s</p><button type=\"submit\" class=\"danger\">%s</button>"
		    "</form></section>\n",
		    L(lang, "Into ticket number", "U zahtjev broj"),
		    sent(why, TF_MERGE, "into", ""),
		    L(lang,
		      "This ticket is closed and points to the other; later mail to it goes "
		      "there.",
		      "Ovaj se zahtjev zatvara i upućuje na drugi; kasnija pošta ide tamo."),
		    L(lang, "Merge", "Spoji"));
}

/* ---- the page ---- */

static void heading(struct html *h, const struct ticket_view *v, const char *lang)
{
	const struct ticket *t = &v->t;
	char at[I18N_DATETIME_MAX];

	i18n_datetime(lang, t->created_at, at, sizeof(at));
	html_printf(h,
		    "<h1><span class=\"number\">%s</span> %s</h1>\n<p class=\"ticket-summary\">"
		    "<span class=\"badge st-%s\">%s</span> <span class=\"badge pr-%s\">%s</span> ",
		    t->number, t->subject, status_name(t->status),
		    page_status_label(lang, t->status), priority_name(t->priority),
		    page_priority_label(lang, t->priority));
	if (t->client_id)
		html_printf(h, "<a href=\"/clients/%j\">%s</a>", t->client_id, t->client_name);
	else
		html_printf(h, "<span class=\"muted\">%s</span>",
			    L(lang, "no client (triage)", "bez klijenta (trijaža)"));
	if (t->contact_id)
		html_printf(h, " · <a href=\"/contacts/%j\">%s</a>", t->contact_id,
			    t->contact_name);
	html_printf(h, " · %s · %s %s</p>\n", page_channel_label(lang, t->channel),
		    L(lang, "opened", "otvoren"), at);
	if (t->merged_into)
		html_printf(h, "<p class=\"notice\">%s <a href=\"/tickets/%j\">%s</a>.</p>\n",
			    L(lang, "This ticket was merged into", "Ovaj zahtjev je spojen u"),
			    t->merged_into, merged_into_number(v));
}

void page_ticket_show(struct web_req *r, int64_t id, int status, const struct ticket_refusal *why)
{
	const char *lang = page_lang(r);
	struct ticket_view v;
	char title[TICKET_NUMBER_LEN + SUBJECT_MAX_LEN + 2];
	struct html h;
	int rc;

	rc = view_load(r, id, &v);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}
	snprintf(title, sizeof(title), "%s %s", v.t.number, v.t.subject);
	if (page_begin(r, &h, title, NAV_TICKETS) < 0)
		goto out;
	heading(&h, &v, lang);
	if (why && why->error)
		html_printf(&h, "<p class=\"error\" role=\"alert\">%s</p>\n", why->error);
	html_printf(&h, "<div class=\"ticket-layout\">\n<div class=\"ticket-main\">\n");
	timeline(r, &h, &v, lang);
	reply_form(r, &h, &v, lang, why);
	note_form(r, &h, &v, lang, why);
	html_printf(&h, "</div>\n<aside class=\"ticket-side\">\n");
	fields_form(r, &h, &v, lang, why);
	stopwatch(r, &h, &v, lang);
	time_section(r, &h, &v, lang, why);
	extras_section(r, &h, &v, lang, why);
	merge_section(r, &h, &v, lang, why);
	html_printf(&h, "</aside>\n</div>\n");
	page_end_status(r, &h, status);
out:
	view_free(&v);
}

void page_ticket(struct web_req *r)
{
	page_ticket_show(r, r->ids[0], 200, NULL);
}

/* Whether s is a bare media type "type/subtype" of token characters. */
static int media_type_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = strlen(s);

	return n > 2 && n <= MEDIA_TYPE_MAX_LEN && slash && slash != s && slash[1] &&
	       !strchr(slash + 1, '/') &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			 "!#$&^_.+-/") == n;
}

/*
 * GET /attachments/{id}: the stored bytes as a download, never shown in
 * the browser (page_download sets the disposition, nosniff and a sandbox).
 */
void page_attachment_get(struct web_req *r)
{
	struct attachment a;
	void *data = NULL;
	int rc;

	rc = store_attachment_get(r->st, r->ids[0], &a, &data);
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	page_download(r, data, (size_t)a.size, a.filename,
		      media_type_ok(a.media_type) ? a.media_type : "application/octet-stream");
}
