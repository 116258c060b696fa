/*
 * router: every endpoint of the API in one table, matched segment by
 * segment; "{id}" stands for a positive decimal id, "{month}" for a month
 * "YYYY-MM" (its index, core/calendar.h, goes where an id would).
 */
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "web/api_billing.h"
#include "web/page.h"
#include "web/page_billing.h"
#include "web/router.h"

#define J WEB_JSON_MAX
#define F (256 * 1024)	      /* a page's form */
#define U (26 * 1024 * 1024) /* a form with files (a reply with attachments) */

static const struct route routes[] = {
    {"GET", "/healthz", api_healthz, ACCESS_NONE, J},
    {"POST", "/api/v1/login", api_login, ACCESS_NONE, J},
    {"POST", "/api/v1/logout", api_logout, ACCESS_USER, J},
    {"GET", "/api/v1/me", api_me_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/me", api_me_patch, ACCESS_USER, J},

    {"GET", "/api/v1/users", api_users_list, ACCESS_USER, J},
    {"POST", "/api/v1/users", api_users_create, ACCESS_ADMIN, J},
    {"GET", "/api/v1/users/{id}", api_users_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/users/{id}", api_users_patch, ACCESS_ADMIN, J},

    {"GET", "/api/v1/clients", api_clients_list, ACCESS_USER, J},
    {"POST", "/api/v1/clients", api_clients_create, ACCESS_USER, J},
    {"GET", "/api/v1/clients/{id}", api_clients_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/clients/{id}", api_clients_patch, ACCESS_USER, J},
    {"GET", "/api/v1/contacts", api_contacts_list, ACCESS_USER, J},
    {"POST", "/api/v1/contacts", api_contacts_create, ACCESS_USER, J},
    {"GET", "/api/v1/contacts/{id}", api_contacts_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/contacts/{id}", api_contacts_patch, ACCESS_USER, J},

    {"GET", "/api/v1/tickets", api_tickets_list, ACCESS_USER, J},
    {"POST", "/api/v1/tickets", api_tickets_create, ACCESS_USER, J},
    {"GET", "/api/v1/tickets/{id}", api_tickets_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/tickets/{id}", api_tickets_patch, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/notes", api_tickets_note, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/replies", api_replies_create, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/contact", api_tickets_contact, ACCESS_USER, J},
    {"GET", "/api/v1/tickets/{id}/attachments", api_attachments_list, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/attachments", api_attachments_upload, ACCESS_USER,
     WEB_UPLOAD_MAX},
    {"GET", "/api/v1/attachments/{id}", api_attachments_get, ACCESS_USER, J},

    {"GET", "/api/v1/timer", api_timer_get, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/timer/start", api_timer_start, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/timer/stop", api_timer_stop, ACCESS_USER, J},
    {"GET", "/api/v1/tickets/{id}/time", api_time_list, ACCESS_USER, J},
    {"POST", "/api/v1/tickets/{id}/time", api_time_add, ACCESS_USER, J},
    {"PATCH", "/api/v1/time/{id}", api_time_patch, ACCESS_USER, J},

    {"POST", "/api/v1/time/{id}/rate", api_time_rate, ACCESS_USER, J},

    /* billing (api_billing.c) */
    {"GET", "/api/v1/services", api_services_list, ACCESS_USER, J},
    {"POST", "/api/v1/services", api_services_create, ACCESS_ADMIN, J},
    {"GET", "/api/v1/services/{id}", api_services_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/services/{id}", api_services_patch, ACCESS_ADMIN, J},
    {"GET", "/api/v1/rates", api_rates_list, ACCESS_USER, J},
    {"POST", "/api/v1/rates", api_rates_create, ACCESS_ADMIN, J},
    {"GET", "/api/v1/rates/{id}", api_rates_get, ACCESS_USER, J},
    {"PATCH", "/api/v1/rates/{id}", api_rates_patch, ACCESS_ADMIN, J},
    {"POST", "/api/v1/rates/{id}/overrides", api_rates_override, ACCESS_ADMIN, J},
    {"GET", "/api/v1/contracts", api_contracts_list, ACCESS_ADMIN, J},
    {"POST", "/api/v1/contracts", api_contracts_create, ACCESS_ADMIN, J},
    {"GET", "/api/v1/contracts/{id}", api_contracts_get, ACCESS_ADMIN, J},
    {"PATCH", "/api/v1/contracts/{id}", api_contracts_patch, ACCESS_ADMIN, J},
    {"POST", "/api/v1/contracts/{id}/end", api_contracts_end, ACCESS_ADMIN, J},
    {"GET", "/api/v1/extras", api_extras_list, ACCESS_USER, J},
    {"POST", "/api/v1/extras", api_extras_create, ACCESS_USER, J},
    {"DELETE", "/api/v1/extras/{id}", api_extras_delete, ACCESS_ADMIN, J},
    {"GET", "/api/v1/billing/months", api_billing_months, ACCESS_ADMIN, J},
    {"GET", "/api/v1/billing/prepay/{month}", api_prepay_get, ACCESS_ADMIN, J},
    {"POST", "/api/v1/billing/prepay/{month}", api_prepay_issue, ACCESS_ADMIN, J},
    {"GET", "/api/v1/billing/adjustments", api_adjustments_list, ACCESS_ADMIN, J},
    {"POST", "/api/v1/billing/adjustments", api_adjustments_create, ACCESS_ADMIN, J},
    {"GET", "/api/v1/billing/{month}", api_billing_run, ACCESS_ADMIN, J},
    {"POST", "/api/v1/billing/{month}/close", api_billing_close, ACCESS_ADMIN, J},

    {"GET", "/api/v1/outbox", api_outbox_list, ACCESS_ADMIN, J},

    {"GET", "/api/v1/quarantine", api_quarantine_list, ACCESS_ADMIN, J},
    {"GET", "/api/v1/quarantine/{id}/raw", api_quarantine_raw, ACCESS_ADMIN, J},
    {"POST", "/api/v1/quarantine/{id}/reprocess", api_quarantine_reprocess, ACCESS_ADMIN, J},

    /* the staff pages (docs/web.md) */
    {"GET", "/", page_root, ACCESS_PAGE_OPEN, F},
    {"GET", "/login", page_login_get, ACCESS_PAGE_OPEN, F},
    {"POST", "/login", page_login_post, ACCESS_PAGE_OPEN, F},
    {"POST", "/logout", page_logout_post, ACCESS_PAGE, F},
    {"GET", "/settings", page_settings_get, ACCESS_PAGE, F},
    {"POST", "/settings", page_settings_post, ACCESS_PAGE, F},
    {"POST", "/settings/password", page_password_post, ACCESS_PAGE, F},
    {"GET", "/static/app.css", page_static, ACCESS_NONE, F},
    {"GET", "/static/app.js", page_static, ACCESS_NONE, F},

    {"GET", "/tickets", page_queue, ACCESS_PAGE, F, 1},
    {"GET", "/tickets/new", page_ticket_new_get, ACCESS_PAGE, F},
    {"POST", "/tickets/new", page_ticket_new_post, ACCESS_PAGE, F},
    {"GET", "/tickets/{id}", page_ticket, ACCESS_PAGE, F, 1},
    {"POST", "/tickets/{id}/fields", page_ticket_fields_post, ACCESS_PAGE, F},
    {"POST", "/tickets/{id}/reply", page_ticket_reply_post, ACCESS_PAGE, U},
    {"POST", "/tickets/{id}/note", page_ticket_note_post, ACCESS_PAGE, F},
    {"POST", "/tickets/{id}/merge", page_ticket_merge_post, ACCESS_PAGE, F},
    {"POST", "/tickets/{id}/timer/start", page_timer_start_post, ACCESS_PAGE, F},
    {"POST", "/tickets/{id}/timer/stop", page_timer_stop_post, ACCESS_PAGE, F},
    {"POST", "/tickets/{id}/time", page_time_add_post, ACCESS_PAGE, F},
    {"POST", "/time/{id}", page_time_edit_post, ACCESS_PAGE, F},
    {"GET", "/attachments/{id}", page_attachment_get, ACCESS_PAGE, F},

    {"GET", "/clients", page_clients, ACCESS_PAGE, F},
    {"GET", "/clients/new", page_client_new_get, ACCESS_PAGE, F},
    {"POST", "/clients/new", page_client_new_post, ACCESS_PAGE, F},
    {"GET", "/clients/{id}", page_client, ACCESS_PAGE, F},
    {"POST", "/clients/{id}", page_client_post, ACCESS_PAGE, F},
    {"POST", "/clients/{id}/contacts", page_contact_new_post, ACCESS_PAGE, F},
    {"GET", "/contacts/{id}", page_contact, ACCESS_PAGE, F},
    {"POST", "/contacts/{id}", page_contact_post, ACCESS_PAGE, F},

    {"GET", "/users", page_users, ACCESS_PAGE_ADMIN, F},
    {"POST", "/users", page_user_new_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/users/{id}", page_user, ACCESS_PAGE_ADMIN, F},
    {"POST", "/users/{id}", page_user_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/admin/quarantine", page_quarantine, ACCESS_PAGE_ADMIN, F},
    {"POST", "/admin/quarantine/{id}/reprocess", page_quarantine_reprocess_post,
     ACCESS_PAGE_ADMIN, F},
    {"GET", "/admin/outbox", page_outbox, ACCESS_PAGE_ADMIN, F},

    /* billing pages (page_billing*.c): administrators; the ticket page's parts: everyone */
    {"POST", "/tickets/{id}/extras", page_extra_add_post, ACCESS_PAGE, F},
    {"POST", "/extras/{id}/remove", page_extra_remove_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/time/{id}/rate", page_time_rate_post, ACCESS_PAGE, F},
    {"GET", "/billing", page_billing, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/download", page_billing_download, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/close", page_billing_close_get, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/close", page_billing_close_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/prepay", page_prepay, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/prepay", page_prepay_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/services", page_services, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/services", page_service_new_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/services/{id}", page_service, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/services/{id}", page_service_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/rates", page_rates, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/rates", page_rate_new_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/rates/{id}", page_rate, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/rates/{id}", page_rate_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/billing/rates/{id}/overrides", page_rate_override_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/billing/contracts", page_contracts, ACCESS_PAGE_ADMIN, F},
    {"GET", "/clients/{id}/contracts", page_client_contracts, ACCESS_PAGE_ADMIN, F},
    {"POST", "/clients/{id}/contracts", page_client_contract_new_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/clients/{id}/rates", page_client_rate_post, ACCESS_PAGE_ADMIN, F},
    {"GET", "/contracts/{id}", page_contract, ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}", page_contract_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}/end", page_contract_end_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}/lines", page_contract_line_new_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}/lines/{id}", page_contract_line_post, ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}/lines/{id}/remove", page_contract_line_remove_post,
     ACCESS_PAGE_ADMIN, F},
    {"POST", "/contracts/{id}/rates", page_contract_rate_post, ACCESS_PAGE_ADMIN, F},
};

/* Whether path matches pattern; fills ids with the {id} and {month} segments. */
static int pattern_match(const char *pattern, const char *path, int64_t ids[WEB_MAX_IDS])
{
	const char *p = pattern, *s = path;
	char seg[24];
	int n = 0;
	size_t len;

	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		len = strcspn(s, "/");
		if (strncmp(p, "{id}", 4) == 0 && (p[4] == '/' || p[4] == '\0')) {
			if (len >= sizeof(seg) || n >= WEB_MAX_IDS)
				return 0;
			memcpy(seg, s, len);
			seg[len] = '\0';
			if (web_parse_id(seg, &ids[n]) < 0)
				return 0;
			n++;
			p += 4;
		} else if (strncmp(p, "{month}", 7) == 0 && (p[7] == '/' || p[7] == '\0')) {
			int32_t month;

			if (len >= sizeof(seg) || n >= WEB_MAX_IDS)
				return 0;
			memcpy(seg, s, len);
			seg[len] = '\0';
			if (cal_month_parse(seg, &month) < 0)
				return 0;
			ids[n++] = month;
			p += 7;
		} else {
			if (strncmp(p, s, len) != 0 || (p[len] != '/' && p[len] != '\0'))
				return 0;
			p += len;
		}
		s += len;
	}
	return *p == '\0' && *s == '\0';
}

const struct route *router_match(const char *method, const char *path, int64_t ids[WEB_MAX_IDS],
				 int *path_known, char *allow, size_t allowsz)
{
	int64_t scratch[WEB_MAX_IDS];
	size_t i, used = 0;

	*path_known = 0;
	if (allowsz)
		allow[0] = '\0';
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!pattern_match(routes[i].pattern, path, scratch))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			memcpy(ids, scratch, sizeof(scratch));
			return &routes[i];
		}
		*path_known = 1;
		if (used < allowsz) {
			int w = snprintf(allow + used, allowsz - used, "%s%s", used ? ", " : "",
					 routes[i].method);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	return NULL;
}
