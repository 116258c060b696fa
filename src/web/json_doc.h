/*
 * json_doc: the JSON API's response bodies as text, for code outside
 * src/web (the CLI's --json) that may not include <jansson.h>.  Each is
 * built with the record encoders of web/json.h, so a record is spelt one
 * way wherever it is printed.
 */
#ifndef EVID_WEB_JSON_DOC_H
#define EVID_WEB_JSON_DOC_H

#include <stdint.h>

#include "core/model.h"

/*
 * Every function returns a new NUL-terminated text that the caller frees
 * with free(): one JSON object, indented by two spaces, keys in the order
 * the encoders write them, ending in a newline.  Never NULL: running out of
 * memory aborts, as xmalloc does.  The records are only read.
 *
 * Lists carry the API's list object without its paging keys (the CLI does
 * not page): {"tickets": [...], "total": N}, where total counts every
 * matching record, also those left out of the array.
 */

/* POST /api/v1/users: {"user": ...}, plus "password" when password is not NULL. */
char *json_doc_user(const struct user *u, const char *password);

/* GET /api/v1/users: {"users": [...], "total": l->n}. */
char *json_doc_users(const struct user_list *l);

/* {"client": ...}, as POST and GET /api/v1/clients[/{id}] answer. */
char *json_doc_client(const struct client *c);

/* GET /api/v1/clients without paging: {"clients": [...], "total": total}. */
char *json_doc_clients(const struct client_list *l, int64_t total);

/* {"contact": ...}, as POST and GET /api/v1/contacts[/{id}] answer. */
char *json_doc_contact(const struct contact *c);

/* GET /api/v1/contacts without paging: {"contacts": [...], "total": total}. */
char *json_doc_contacts(const struct contact_list *l, int64_t total);

/* {"ticket": ...} without its history, as POST /api/v1/tickets answers. */
char *json_doc_ticket(const struct ticket *t);

/* GET /api/v1/tickets without paging: {"tickets": [...], "total": total}. */
char *json_doc_tickets(const struct ticket_list *l, int64_t total);

/*
 * A ticket whole: the body of GET /api/v1/tickets/{id} ({"ticket": {...,
 * "events": [...], "attachments": [...]}}) merged with the body of GET
 * /api/v1/tickets/{id}/time ("time_entries": [...], "total_seconds": N).
 */
char *json_doc_ticket_full(const struct ticket *t, const struct event_list *events,
			   const struct attachment_list *attachments,
			   const struct time_entry_list *entries);

/* GET /api/v1/timer: {"timer": ...} as of now, or {"timer": null} when t is NULL. */
char *json_doc_timer(const struct timer_running *t, int64_t now);

/*
 * POST /api/v1/tickets/{id}/timer/start: {"timer": ..., "stopped": the
 * time entry of the stopwatch this start stopped, or null when stopped is NULL}.
 */
char *json_doc_timer_started(const struct timer_running *t, const struct time_entry *stopped,
			     int64_t now);

/* {"time_entry": ...}, as POST /api/v1/tickets/{id}/timer/stop answers. */
char *json_doc_time_entry(const struct time_entry *e);

#endif
