/*
 * page: what every HTML page of the staff application shares: who may see
 * it (session cookie; otherwise a redirect to /login), the CSRF token every
 * form carries, reading a submitted form (urlencoded or multipart), the
 * layout around a page (header with navigation and the running stopwatch,
 * language, title), and the ways a page answers (HTML, a redirect after a
 * POST, an error page).  docs/web.md lists the pages and their forms.
 *
 * A page handler looks like:
 *
 *   void page_queue(struct web_req *r)
 *   {
 *       struct html h;
 *       if (page_begin(r, &h, L(page_lang(r), "Tickets", "Zahtjevi"), NAV_TICKETS) < 0)
 *           return;
 *       html_printf(&h, "<h1>%s</h1>", ...);
 *       page_end(r, &h);            // replies 200 (or 500 past the cap)
 *   }
 *
 *   void page_note_post(struct web_req *r)
 *   {
 *       struct form f;
 *       if (page_form_read(r, &f) < 0)   // replied 400/403 already
 *           return;
 *       ... form_get(&f, "body") ...
 *       page_redirect(r, "/tickets/12#event-40", NOTICE_SAVED);
 *       form_free(&f);
 *   }
 *
 * Route access (router.c) for pages is ACCESS_PAGE (any signed-in staff
 * user) or ACCESS_PAGE_ADMIN; the server then checks the session before the
 * handler runs and, for a POST, the form's CSRF token after it is read
 * (page_form_read).  Handlers still check what the user may do with the
 * records they touch.
 */
#ifndef EVID_WEB_PAGE_H
#define EVID_WEB_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "web/html.h"
#include "web/i18n.h"
#include "web/request.h"

#define FORM_FIELDS_MAX 64
#define FORM_FILES_MAX 10

/* The navigation entry a page belongs to (highlighted in the header). */
enum nav_item {
	NAV_NONE,
	NAV_TICKETS,
	NAV_NEW_TICKET,
	NAV_CLIENTS,
	NAV_USERS,
	NAV_QUARANTINE,
	NAV_OUTBOX,
	NAV_SETTINGS,
};

/* What page_redirect may announce on the page it leads to (?n=...). */
enum notice {
	NOTICE_NONE,
	NOTICE_SAVED,	     /* "Saved." */
	NOTICE_SENT,	     /* "The reply is queued for sending." */
	NOTICE_NOTE_ADDED,   /* "Note added." */
	NOTICE_TIMER_START,  /* "Stopwatch started." */
	NOTICE_TIMER_STOP,   /* "Stopwatch stopped; the time is recorded." */
	NOTICE_TIME_ADDED,   /* "Time entry added." */
	NOTICE_CREATED,	     /* "Created." */
	NOTICE_MERGED,	     /* "Merged." */
	NOTICE_REPROCESSED,  /* "Processed again." */
	NOTICE_PASSWORD,     /* "Password changed." */
	NOTICE_COUNT
};

struct form_field {
	char *name;  /* owned */
	char *value; /* owned, NUL-terminated (may contain no other NUL) */
	size_t len;
};

struct form_file {
	char *field;	/* owned: the form field's name */
	char *filename; /* owned: as sent, without any folder part */
	char *type;	/* owned: media type as sent, or "application/octet-stream" */
	char *data;	/* owned */
	size_t size;
};

struct form {
	struct form_field fields[FORM_FIELDS_MAX];
	int n;
	struct form_file files[FORM_FILES_MAX];
	int n_files;
};

/*
 * Run by the server before a page's handler: look up the session; without
 * one, a GET of ACCESS_PAGE(_ADMIN) is sent to /login?next=PATH and a POST
 * refused; a technician is refused an admin page.  Returns 0 to run the
 * handler, -1 after answering.
 */
int page_auth(struct web_req *r, enum web_access access);

/* The caller's language ("hr" / "en"): the user's, else the configured default. */
const char *page_lang(const struct web_req *r);

/*
 * Start a page: a writer with the document head (title "title - Evidencija"),
 * the header with the navigation (admin entries only for admins), the
 * running stopwatch with its stop button, and the notice named by ?n=.
 * Returns 0, or -1 after replying 500.
 */
int page_begin(struct web_req *r, struct html *h, const char *title, enum nav_item nav);

/* Close the page and answer 200 (status 0) or status with it; frees h. */
void page_end_status(struct web_req *r, struct html *h, int status);
#define page_end(r, h) page_end_status((r), (h), 0)

/*
 * Answer an error page: status with a heading and message (escaped) in the
 * layout (or bare when the caller is not signed in).
 */
void page_error(struct web_req *r, int status, const char *message);
/* Answer a failed store call as an error page (as web_reply_store does for JSON). */
void page_store_error(struct web_req *r, int rc);

/*
 * 303 See Other to a local path ("/tickets/12", may carry a query and a
 * #fragment), with ?n=<notice> (or &n=) added when notice is not NONE.
 * Anything but a path starting with one "/" goes to "/tickets".
 */
void page_redirect(struct web_req *r, const char *path, enum notice notice);

/* The hidden input carrying the session's CSRF token, for every form. */
void page_csrf_field(const struct web_req *r, struct html *h);
/* The token itself (hex), "" when there is no session. */
const char *page_csrf_token(const struct web_req *r);

/*
 * Read the submitted form (application/x-www-form-urlencoded or
 * multipart/form-data, within the route's body cap) and check its "csrf"
 * field against the session.  Returns 0, or -1 after answering (400 for a
 * malformed body, 403 for a missing or wrong token).  Release with form_free.
 */
int page_form_read(struct web_req *r, struct form *f);
void form_free(struct form *f);

/* A field's value, or NULL when the form has none ("" when sent empty). */
const char *form_get(const struct form *f, const char *name);
/* A field's value trimmed of surrounding white space into out; "" when absent. */
void form_get_trim(const struct form *f, const char *name, char *out, size_t outsz);
/* Whether a checkbox was ticked (present and not "0"). */
int form_checked(const struct form *f, const char *name);
/* Parse a positive id field; 0 when absent or empty; -1 when malformed. */
int64_t form_id(const struct form *f, const char *name);

/* The query parameter as in request.h, for pages. */
#define page_query(r, name) web_query_get((r), (name))

/* Answer bytes that are a stored file: attachment disposition, nosniff, sandbox CSP. */
void page_download(struct web_req *r, void *data, size_t n, const char *filename,
		   const char *media_type);

/* ---- the pages' handlers (page_*.c) ---- */

/* page_auth.c: login, logout, settings, static assets */
void page_root(struct web_req *r);
void page_login_get(struct web_req *r);
void page_login_post(struct web_req *r);
void page_logout_post(struct web_req *r);
void page_settings_get(struct web_req *r);
void page_settings_post(struct web_req *r);
void page_password_post(struct web_req *r);
void page_static(struct web_req *r);

/* page_queue.c */
void page_queue(struct web_req *r);

/* page_ticket.c */
void page_ticket(struct web_req *r);
void page_ticket_fields_post(struct web_req *r);
void page_ticket_reply_post(struct web_req *r);
void page_ticket_note_post(struct web_req *r);
void page_ticket_merge_post(struct web_req *r);
void page_timer_start_post(struct web_req *r);
void page_timer_stop_post(struct web_req *r);
void page_time_add_post(struct web_req *r);
void page_time_edit_post(struct web_req *r);
void page_attachment_get(struct web_req *r);
void page_ticket_new_get(struct web_req *r);
void page_ticket_new_post(struct web_req *r);

/* page_clients.c */
void page_clients(struct web_req *r);
void page_client_new_get(struct web_req *r);
void page_client_new_post(struct web_req *r);
void page_client(struct web_req *r);
void page_client_post(struct web_req *r);
void page_contact_new_post(struct web_req *r);
void page_contact(struct web_req *r);
void page_contact_post(struct web_req *r);

/* page_admin.c */
void page_users(struct web_req *r);
void page_user_new_post(struct web_req *r);
void page_user(struct web_req *r);
void page_user_post(struct web_req *r);
void page_quarantine(struct web_req *r);
void page_quarantine_reprocess_post(struct web_req *r);
void page_outbox(struct web_req *r);

#endif
