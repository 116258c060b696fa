/*
 * api_triage: the step that takes a ticket out of triage: POST
 * /api/v1/tickets/{id}/contact makes the sender of the email that opened
 * it a contact of a client and the ticket theirs, in one transaction
 * (store_mail_adopt_contact).
 */
#include <string.h>

#include "web/json.h"
#include "web/request.h"

void api_tickets_contact(struct web_req *r)
{
	static const struct field_spec spec[] = {
	    {"client_id", FIELD_ID, 0, FIELD_REQUIRED},
	    {"name", FIELD_LINE, NAME_MAX_LEN, FIELD_NULLABLE},
	};
	struct field_val v[2];
	struct mail_addr origin;
	struct contact c;
	struct ticket t;
	json_t *body, *o;
	int rc;

	body = web_body_json(r, 0);
	if (!body || web_fields_read(r, body, spec, 2, FIELDS_CREATE, v) < 0)
		goto out;
	rc = store_mail_adopt_contact(r->st, r->ids[0], v[0].i, v[1].present ? v[1].s : NULL,
				      r->user.id, r->now, &c, &t);
	if (rc == STORE_OK)
		rc = store_mail_origin(r->st, t.id, &origin);
	if (rc != STORE_OK) {
		web_reply_store(r, rc);
		goto out;
	}
	o = json_ticket(&t);
	json_ticket_origin(o, &origin);
	web_reply_json(r, 201, json_pack("{s:o, s:o}", "ticket", o, "contact", json_contact(&c)));
out:
	json_decref(body);
}
