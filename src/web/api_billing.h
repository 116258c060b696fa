/*
 * api_billing: the JSON API of contracts and billing (issue 5,
 * docs/api.md "Billing"): the catalogue of services and hourly rates with
 * their overrides, contracts, extra items on tickets, a time entry's kind of
 * work, prepayments, the month-end run, closing a month and adjustments.
 * The handlers below are routed in router.c; reading the catalogue and
 * extras and adding extras is for any staff user, the rest for admins.
 */
#ifndef EVID_WEB_API_BILLING_H
#define EVID_WEB_API_BILLING_H

#include "web/request.h"

void api_services_list(struct web_req *r);
void api_services_create(struct web_req *r);
void api_services_get(struct web_req *r);
void api_services_patch(struct web_req *r);

void api_rates_list(struct web_req *r);
void api_rates_create(struct web_req *r);
void api_rates_get(struct web_req *r);
void api_rates_patch(struct web_req *r);
void api_rates_override(struct web_req *r);

void api_contracts_list(struct web_req *r);
void api_contracts_create(struct web_req *r);
void api_contracts_get(struct web_req *r);
void api_contracts_patch(struct web_req *r);
void api_contracts_end(struct web_req *r);

void api_extras_list(struct web_req *r);
void api_extras_create(struct web_req *r);
void api_extras_delete(struct web_req *r);

void api_time_rate(struct web_req *r);

/* The billing routes carry the month as {month} (YYYY-MM): r->ids[0] is its index. */
void api_prepay_get(struct web_req *r);
void api_prepay_issue(struct web_req *r);
void api_billing_months(struct web_req *r);
void api_billing_run(struct web_req *r);
void api_billing_close(struct web_req *r);
void api_adjustments_list(struct web_req *r);
void api_adjustments_create(struct web_req *r);

#endif
