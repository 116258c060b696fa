/*
 * page_queue: the ticket queue (GET /tickets): the filter form, the count of
 * each status under the other filters, the table of tickets with sortable
 * columns, and paging by 50.  docs/web.md names its parameters and ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "util/log.h"
#include "web/page.h"
#include "web/page_names.h"

#define QUEUE_PER_PAGE 50
#define QUEUE_PAGE_MAX 100000 /* beyond any real queue; keeps the offset in an int */
/*
 * The client filter's select holds only the chosen client; the script's
 * type-to-find fills it (a client's own page links to its queue, which is
 * the way without the script).  Listing the clients on every queue page cost
 * more than the queue itself (measured: a quarter of the page's time with
 * 2,000 clients).
 */

#define QUEUE_HREF_MAX 8192

/*
 * The queue's parameters as given, each checked and in its canonical form,
 * so that every link on the page can repeat them.  "" = the default.
 */
struct queue_args {
	const char *status;   /* "active" (default), "all" or a status name */
	const char *assignee; /* "", "me", "none" or a user id */
	int64_t client;	      /* 0 = any */
	const char *channel;  /* "" or a channel name */
	const char *billing;  /* "" or a billing name */
	const char *q;	      /* "" = no search */
	const char *sort;     /* "updated" (default), "created", "priority", "number", "age" */
	const char *dir;      /* "asc" or "desc" (the sort's default when not given) */
	int page;	      /* from 1 */
};

static const char *const sort_names[] = {"updated", "created", "priority", "number", "age"};
#define SORT_NAMES 5

/*
 * Every order starts descending: the last changed, the newest, the most
 * urgent, the highest number, the oldest (the greatest age) first.
 */
#define SORT_DEFAULT_DIR "desc"

static enum ticket_sort sort_of(const char *sort, const char *dir)
{
	int asc = strcmp(dir, "asc") == 0;

	if (strcmp(sort, "created") == 0)
		return asc ? SORT_CREATED_ASC : SORT_CREATED_DESC;
	if (strcmp(sort, "priority") == 0)
		return asc ? SORT_PRIORITY_ASC : SORT_PRIORITY_DESC;
	if (strcmp(sort, "number") == 0)
		return asc ? SORT_NUMBER_ASC : SORT_NUMBER_DESC;
	if (strcmp(sort, "age") == 0) /* the greatest age is the oldest creation */
		return asc ? SORT_CREATED_DESC : SORT_CREATED_ASC;
	return asc ? SORT_UPDATED_ASC : SORT_UPDATED_DESC;
}

/* A query parameter, NULL when absent or empty (an empty field of the filter form). */
static const char *param(struct web_req *r, const char *name)
{
	const char *v = page_query(r, name);

	return v && *v ? v : NULL;
}

/*
 * Read and check every parameter into a and the store's filter f.  Returns
 * 0, or -1 after answering 400 naming the parameter.
 */
static int queue_args_read(struct web_req *r, struct queue_args *a, struct ticket_filter *f)
{
	const char *lang = page_lang(r);
	const char *v;
	enum ticket_status st;
	enum ticket_channel ch;
	enum billing_kind bk;
	int64_t id;
	size_t i;

	memset(a, 0, sizeof(*a));
	store_ticket_filter_init(f);

	a->status = "active";
	f->open_only = 1;
	if ((v = param(r, "status"))) {
		if (strcmp(v, "all") == 0) {
			a->status = "all";
			f->open_only = 0;
		} else if (strcmp(v, "active") == 0) {
			/* the default */
		} else if (status_parse(v, &st) == 0) {
			a->status = status_name(st);
			f->open_only = 0;
			f->status = (int)st;
		} else {
			page_error(r, 400,
				   L(lang,
				     "status: must be new, open, waiting, resolved, "
				     "closed, active or all.",
				     "status: mora biti new, open, waiting, resolved, closed, "
				     "active ili all."));
			return -1;
		}
	}

	a->assignee = "";
	if ((v = param(r, "assignee"))) {
		if (strcmp(v, "me") == 0) {
			a->assignee = "me";
			f->assignee_id = r->user.id;
		} else if (strcmp(v, "none") == 0) {
			a->assignee = "none";
			f->assignee_id = -1;
		} else if (web_parse_id(v, &id) == 0) {
			a->assignee = v;
			f->assignee_id = id;
		} else {
			page_error(r, 400,
				   L(lang, "assignee: must be me, none or a user's number.",
				     "assignee: mora biti me, none ili broj korisnika."));
			return -1;
		}
	}

	if ((v = param(r, "client"))) {
		if (web_parse_id(v, &a->client) < 0) {
			page_error(r, 400,
				   L(lang, "client: must be a client's number.",
				     "client: mora biti broj klijenta."));
			return -1;
		}
		f->client_id = a->client;
	}

	a->channel = "";
	if ((v = param(r, "channel"))) {
		if (channel_parse(v, &ch) < 0) {
			page_error(r, 400,
				   L(lang,
				     "channel: must be email, web, phone, fax, sms, "
				     "walk_in or api.",
				     "channel: mora biti email, web, phone, fax, sms, walk_in "
				     "ili api."));
			return -1;
		}
		a->channel = channel_name(ch);
		f->channel = (int)ch;
	}

	a->billing = "";
	if ((v = param(r, "billing"))) {
		if (billing_parse(v, &bk) < 0) {
			page_error(r, 400,
				   L(lang, "billing: must be billable, free or warranty.",
				     "billing: mora biti billable, free ili warranty."));
			return -1;
		}
		a->billing = billing_name(bk);
		f->billing = (int)bk;
	}

	a->q = "";
	if ((v = param(r, "q"))) {
		if (!valid_text(v, TICKET_QUERY_MAX_LEN, 0)) {
			page_error(r, 400,
				   L(lang,
				     "q: the search must be one line of at most 500 "
				     "bytes.",
				     "q: pretraga mora biti jedan redak od najviše 500 "
				     "bajtova."));
			return -1;
		}
		a->q = v;
		f->query = v;
	}

	a->sort = "updated";
	if ((v = param(r, "sort"))) {
		for (i = 0; i < SORT_NAMES && strcmp(v, sort_names[i]) != 0; i++)
			;
		if (i == SORT_NAMES) {
			page_error(r, 400,
				   L(lang,
				     "sort: must be updated, created, priority, number "
				     "or age.",
				     "sort: mora biti updated, created, priority, number ili "
				     "age."));
			return -1;
		}
		a->sort = sort_names[i];
	}
	a->dir = SORT_DEFAULT_DIR;
	if ((v = param(r, "dir"))) {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0) {
			page_error(
			    r, 400,
			    L(lang, "dir: must be asc or desc.", "dir: mora biti asc ili desc."));
			return -1;
		}
		a->dir = strcmp(v, "asc") == 0 ? "asc" : "desc";
	}
	f->sort = sort_of(a->sort, a->dir);

	a->page = 1;
	if ((v = param(r, "page"))) {
		if (web_parse_id(v, &id) < 0 || id > QUEUE_PAGE_MAX) {
			page_error(r, 400,
				   L(lang, "page: must be a whole number from 1.",
				     "page: mora biti cijeli broj od 1 naviše."));
			return -1;
		}
		a->page = (int)id;
	}
	f->limit = QUEUE_PER_PAGE;
	f->offset = (a->page - 1) * QUEUE_PER_PAGE;
	return 0;
}

/* ---- links that keep the filters ---- */

static void href_param(struct html *h, int *first, const char *name, const char *value)
{
	if (*first)
		html_printf(h, "?");
	else
		html_printf(h, "&amp;");
	*first = 0;
	html_printf(h, "%s=%q", name, value);
}

/* Write into h (markup for an href) the queue's address for a. */
static void queue_href(struct html *h, const struct queue_args *a)
{
	char num[32];
	int first = 1;

	html_printf(h, "/tickets");
	if (strcmp(a->status, "active") != 0)
		href_param(h, &first, "status", a->status);
	if (*a->assignee)
		href_param(h, &first, "assignee", a->assignee);
	if (a->client) {
		snprintf(num, sizeof(num), "%lld", (long long)a->client);
		href_param(h, &first, "client", num);
	}
	if (*a->channel)
		href_param(h, &first, "channel", a->channel);
	if (*a->billing)
		href_param(h, &first, "billing", a->billing);
	if (*a->q)
		href_param(h, &first, "q", a->q);
	if (strcmp(a->sort, "updated") != 0)
		href_param(h, &first, "sort", a->sort);
	if (strcmp(a->dir, SORT_DEFAULT_DIR) != 0)
		href_param(h, &first, "dir", a->dir);
	if (a->page > 1) {
		snprintf(num, sizeof(num), "%d", a->page);
		href_param(h, &first, "page", num);
	}
}

/*
 * Append <a href="..."> for a to h, with rel (NULL = none) and
 * aria-current="true" when current; the caller writes the text and </a>.
 */
static void link_open(struct html *h, const struct queue_args *a, const char *rel, int current)
{
	struct html href;

	html_init(&href, QUEUE_HREF_MAX);
	queue_href(&href, a);
	html_printf(h, "<a href=\"%h\"", &href);
	if (rel)
		html_printf(h, " rel=\"%s\"", rel);
	if (current)
		html_printf(h, " aria-current=\"true\"");
	html_printf(h, ">");
	html_free(&href);
}

/* ---- the parts of the page ---- */

static void option(struct html *h, const char *value, const char *label, int selected)
{
	html_printf(h, "<option value=\"%s\"%s>%s</option>", value, selected ? " selected" : "",
		    label);
}

static void filter_form(struct web_req *r, struct html *h, const struct queue_args *a,
			const struct user_list *users, const struct client *chosen)
{
	const char *lang = page_lang(r);
	char id[32];
	size_t i;
	int s;

	html_printf(h, "<form id=\"filters\" method=\"get\" action=\"/tickets\" role=\"search\">");

	html_printf(h, "<label>%s <select name=\"status\">", L(lang, "Status", "Status"));
	option(h, "active", L(lang, "Active", "Aktivni"), strcmp(a->status, "active") == 0);
	option(h, "all", L(lang, "All", "Svi"), strcmp(a->status, "all") == 0);
	for (s = 0; s < STATUS_COUNT; s++)
		option(h, status_name((enum ticket_status)s),
		       page_status_label(lang, (enum ticket_status)s),
		       strcmp(a->status, status_name((enum ticket_status)s)) == 0);
	html_printf(h, "</select></label>");

	html_printf(h, "<label>%s <select name=\"assignee\">", L(lang, "Assignee", "Izvršitelj"));
	option(h, "", L(lang, "Anyone", "Bilo tko"), !*a->assignee);
	option(h, "me", L(lang, "Me", "Ja"), strcmp(a->assignee, "me") == 0);
	option(h, "none", L(lang, "Nobody", "Nitko"), strcmp(a->assignee, "none") == 0);
	for (i = 0; i < users->n; i++) {
		const struct user *u = &users->items[i];

		snprintf(id, sizeof(id), "%lld", (long long)u->id);
		if (!u->active && strcmp(a->assignee, id) != 0)
			continue;
		option(h, id, u->name, strcmp(a->assignee, id) == 0);
	}
	html_printf(h, "</select></label>");

	html_printf(h,
		    "<label>%s <select name=\"client\" id=\"filter-client\" "
		    "data-find=\"/api/v1/clients?\" data-find-label=\"%s\">",
		    L(lang, "Client", "Klijent"), L(lang, "Find a client", "Nađi klijenta"));
	option(h, "", L(lang, "Any client", "Svi klijenti"), a->client == 0);
	if (chosen) {
		snprintf(id, sizeof(id), "%lld", (long long)chosen->id);
		option(h, id, chosen->name, 1);
	}
	html_printf(h, "</select></label>");

	html_printf(h, "<label>%s <select name=\"channel\">", L(lang, "Channel", "Kanal"));
	option(h, "", L(lang, "Any", "Svi"), !*a->channel);
	for (s = 0; s < CHANNEL_COUNT; s++)
		option(h, channel_name((enum ticket_channel)s),
		       page_channel_label(lang, (enum ticket_channel)s),
		       strcmp(a->channel, channel_name((enum ticket_channel)s)) == 0);
	html_printf(h, "</select></label>");

	html_printf(h, "<label>%s <select name=\"billing\">", L(lang, "Billing", "Naplata"));
	option(h, "", L(lang, "Any", "Sve"), !*a->billing);
	for (s = 0; s < BILLING_COUNT; s++)
		option(h, billing_name((enum billing_kind)s),
		       page_billing_label(lang, (enum billing_kind)s),
		       strcmp(a->billing, billing_name((enum billing_kind)s)) == 0);
	html_printf(h, "</select></label>");

	html_printf(h,
		    "<label>%s <input type=\"search\" id=\"search\" name=\"q\" value=\"%s\" "
		    "maxlength=\"500\" placeholder=\"%s\"></label>",
		    L(lang, "Search", "Traži"), a->q,
		    L(lang, "words, or a prefix: ra*", "riječi ili početak: ra*"));

	html_printf(h, "<label>%s <select name=\"sort\">", L(lang, "Sort by", "Poredaj po"));
	option(h, "updated", L(lang, "Last change", "Zadnjoj promjeni"),
	       strcmp(a->sort, "updated") == 0);
	option(h, "created", L(lang, "Opened", "Otvaranju"), strcmp(a->sort, "created") == 0);
	option(h, "priority", L(lang, "Priority", "Prioritetu"), strcmp(a->sort, "priority") == 0);
	option(h, "number", L(lang, "Number", "Broju"), strcmp(a->sort, "number") == 0);
	option(h, "age", L(lang, "Age", "Starosti"), strcmp(a->sort, "age") == 0);
	html_printf(h, "</select></label>");
	html_printf(h, "<label>%s <select name=\"dir\">", L(lang, "Order", "Redoslijed"));
	option(h, "desc", L(lang, "Descending", "Silazno"), strcmp(a->dir, "desc") == 0);
	option(h, "asc", L(lang, "Ascending", "Uzlazno"), strcmp(a->dir, "asc") == 0);
	html_printf(h, "</select></label>");

	html_printf(h, "<button type=\"submit\">%s</button> <a href=\"/tickets\">%s</a></form>\n",
		    L(lang, "Show", "Prikaži"), L(lang, "Clear filters", "Poništi filtre"));
}

static void count_link(struct html *h, const struct queue_args *a, const char *status,
		       const char *label, int64_t n, const char *lang)
{
	struct queue_args b = *a;
	char num[32];

	b.status = status;
	b.page = 1;
	i18n_int(lang, n, num, sizeof(num));
	link_open(h, &b, NULL, strcmp(a->status, status) == 0);
	html_printf(h, "%s <span class=\"count\" data-status=\"%s\">%s</span></a>", label, status,
		    num);
}

static void status_counts(struct html *h, const struct queue_args *a,
			  const int64_t counts[STATUS_COUNT], const char *lang)
{
	int64_t all = 0;
	int s;

	for (s = 0; s < STATUS_COUNT; s++)
		all += counts[s];
	html_printf(h, "<nav id=\"status-counts\" aria-label=\"%s\">",
		    L(lang, "Tickets by status", "Zahtjevi po statusu"));
	count_link(h, a, "active", L(lang, "Active", "Aktivni"),
		   counts[STATUS_NEW] + counts[STATUS_OPEN] + counts[STATUS_WAITING], lang);
	for (s = 0; s < STATUS_COUNT; s++)
		count_link(h, a, status_name((enum ticket_status)s),
			   page_status_label(lang, (enum ticket_status)s), counts[s], lang);
	count_link(h, a, "all", L(lang, "All", "Svi"), all, lang);
	html_printf(h, "</nav>\n");
}

/* A column heading that sorts by key: the first click in its default order, then turns. */
static void sort_heading(struct html *h, const struct queue_args *a, const char *key,
			 const char *label, const char *cls)
{
	struct queue_args b = *a;
	int current = strcmp(a->sort, key) == 0;
	int asc = current && strcmp(a->dir, "asc") == 0;

	b.sort = key;
	b.page = 1;
	if (current)
		b.dir = asc ? "desc" : "asc";
	else
		b.dir = SORT_DEFAULT_DIR;
	html_printf(h, "<th scope=\"col\"");
	if (*cls)
		html_printf(h, " class=\"%s\"", cls);
	if (current && asc)
		html_printf(h, " aria-sort=\"ascending\"");
	else if (current)
		html_printf(h, " aria-sort=\"descending\"");
	html_printf(h, ">");
	link_open(h, &b, NULL, 0);
	html_printf(h, "%s%s</a></th>", label, !current ? "" : asc ? " ▲" : " ▼");
}

static void queue_table(struct web_req *r, struct html *h, const struct queue_args *a,
			const struct ticket_list *l)
{
	const char *lang = page_lang(r);
	char age[32], when[I18N_DATETIME_MAX], spent[32];
	size_t i;

	html_printf(h, "<div class=\"table-wrap\"><table id=\"queue\"><thead><tr>");
	sort_heading(h, a, "number", L(lang, "Number", "Broj"), "");
	html_printf(h,
		    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		    "<th scope=\"col\" class=\"hide-narrow\">%s</th><th scope=\"col\">%s</th>",
		    L(lang, "Subject", "Predmet"), L(lang, "Client", "Klijent"),
		    L(lang, "Contact", "Kontakt"), L(lang, "Status", "Status"));
	sort_heading(h, a, "priority", L(lang, "Priority", "Prioritet"), "");
	html_printf(h, "<th scope=\"col\" class=\"hide-narrow\">%s</th>",
		    L(lang, "Assignee", "Izvršitelj"));
	sort_heading(h, a, "age", L(lang, "Age", "Starost"), "num");
	html_printf(h, "<th scope=\"col\" class=\"num hide-narrow\">%s</th></tr></thead><tbody>\n",
		    L(lang, "Time spent", "Utrošeno"));

	for (i = 0; i < l->n; i++) {
		const struct ticket *t = &l->items[i];

		i18n_age(lang, r->now - t->created_at, age, sizeof(age));
		i18n_datetime(lang, t->created_at, when, sizeof(when));
		i18n_hours(t->time_seconds, spent, sizeof(spent));
		html_printf(h,
			    "<tr data-ticket=\"%s\"><td><a href=\"/tickets/%j\">%s</a></td>"
			    "<td><a href=\"/tickets/%j\">%s</a></td><td>%s</td>"
			    "<td class=\"hide-narrow\">%s</td>"
			    "<td><span class=\"badge st-%s\">%s</span></td>"
			    "<td><span class=\"badge pr-%s\">%s</span></td>",
			    t->number, t->id, t->number, t->id, t->subject, t->client_name,
			    t->contact_name, status_name(t->status),
			    page_status_label(lang, t->status), priority_name(t->priority),
			    page_priority_label(lang, t->priority));
		if (t->assignee_id)
			html_printf(h, "<td class=\"hide-narrow\">%s</td>", t->assignee_name);
		else
			html_printf(h, "<td class=\"hide-narrow muted\">%s</td>",
				    L(lang, "nobody", "nitko"));
		html_printf(h,
			    "<td class=\"num\"><span class=\"age\" title=\"%s\">%s</span></td>"
			    "<td class=\"num hide-narrow\">%s</td></tr>\n",
			    when, age, spent);
	}
	if (!l->n)
		html_printf(h, "<tr><td colspan=\"9\" class=\"muted\">%s</td></tr>\n",
			    L(lang, "No tickets match these filters.",
			      "Nijedan zahtjev ne odgovara ovim filtrima."));
	html_printf(h, "</tbody></table></div>\n");
}

/* "ticket(s)" after a number: Croatian says 1, 21, 31 zahtjev but 11 zahtjeva. */
static const char *tickets_word(const char *lang, int64_t n)
{
	if (strcmp(lang, "hr") == 0)
		return n % 10 == 1 && n % 100 != 11 ? "zahtjev" : "zahtjeva";
	return n == 1 ? "ticket" : "tickets";
}

static void pager(struct html *h, const struct queue_args *a, int64_t total, const char *lang)
{
	int64_t pages = (total + QUEUE_PER_PAGE - 1) / QUEUE_PER_PAGE;
	struct queue_args b = *a;
	char num[32];

	html_printf(h, "<nav class=\"pager\" aria-label=\"%s\">", L(lang, "Pages", "Stranice"));
	if (a->page > 1 && pages > 0) {
		b.page = a->page - 1 > pages ? (int)pages : a->page - 1;
		link_open(h, &b, "prev", 0);
		html_printf(h, "%s</a>", L(lang, "← Previous", "← Prethodna"));
	}
	i18n_int(lang, total, num, sizeof(num));
	html_printf(h, "<span id=\"queue-total\">%s %s</span>", num, tickets_word(lang, total));
	if (pages > 1)
		html_printf(h, "<span class=\"muted\">%s %d / %j</span>",
			    L(lang, "page", "stranica"), a->page, pages);
	if (a->page < pages) {
		b.page = a->page + 1;
		link_open(h, &b, "next", 0);
		html_printf(h, "%s</a>", L(lang, "Next →", "Sljedeća →"));
	}
	html_printf(h, "</nav>\n");
}

void page_queue(struct web_req *r)
{
	const char *lang = page_lang(r);
	struct queue_args a;
	struct ticket_filter f;
	struct ticket_list l = {0};
	struct user_list users = {0};
	struct client extra;
	int64_t counts[STATUS_COUNT] = {0}, total = 0;
	int have_extra = 0, rc, end;
	struct html h;

	if (queue_args_read(r, &a, &f) < 0)
		return;
	/* One snapshot: the rows, the counts and the total agree; one read lock. */
	if ((rc = store_read_begin(r->st)) != STORE_OK) {
		page_store_error(r, rc);
		return;
	}
	rc = store_ticket_list(r->st, &f, &l, &total);
	if (rc == STORE_OK)
		rc = store_ticket_status_counts(r->st, &f, counts);
	if (rc == STORE_OK)
		rc = store_user_list(r->st, &users);
	if (rc == STORE_OK && a.client && store_client_get(r->st, a.client, &extra) == STORE_OK)
		have_extra = 1;
	end = store_read_end(r->st);
	if (rc == STORE_OK)
		rc = end;
	if (rc != STORE_OK) {
		page_store_error(r, rc);
		goto out;
	}

	if (page_begin(r, &h, L(lang, "Tickets", "Zahtjevi"), NAV_TICKETS) < 0)
		goto out;
	html_printf(&h, "<h1>%s</h1>\n", L(lang, "Tickets", "Zahtjevi"));
	filter_form(r, &h, &a, &users, have_extra ? &extra : NULL);
	status_counts(&h, &a, counts, lang);
	queue_table(r, &h, &a, &l);
	pager(&h, &a, total, lang);
	page_end(r, &h);
out:
	ticket_list_free(&l);
	user_list_free(&users);
}
