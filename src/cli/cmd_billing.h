/*
 * cmd_billing: the billing commands (issue 5) -- `evid service` and
 * `evid rate` (cmd_service.c), `evid contract` (cmd_contract.c) and
 * `evid billing` (cmd_billing.c) -- and what they share: the parsers of
 * amounts, quantities, VAT rates, months and days as people type them, and
 * the lookups of services, rates and contracts by code, number or id.
 */
#ifndef EVID_CLI_CMD_BILLING_H
#define EVID_CLI_CMD_BILLING_H

#include <stdint.h>

#include "cli/cli.h"
#include "core/billing.h"
#include "store/store_billing.h"

int cmd_service(int argc, char **argv, struct cli_env *env);
int cmd_rate(int argc, char **argv, struct cli_env *env);
int cmd_contract(int argc, char **argv, struct cli_env *env);
int cmd_billing(int argc, char **argv, struct cli_env *env);
extern const char cmd_service_usage[], cmd_rate_usage[], cmd_contract_usage[], cmd_billing_usage[];

/*
 * Parsers: each returns 0, or -1 after printing "evid: WHAT: ..." (what
 * names the option, e.g. "--price") on stderr.
 */
/* EUR as "1234.56", "1234,56" or "35": 0..BILL_PRICE_MAX, or its negative when neg. */
int cli_bill_money(const char *what, const char *s, int neg, int64_t *cents);
/* A quantity "2", "0.5", "1,125" (at most three decimals) in thousandths, 0 < q <= BILL_QTY_MAX. */
int cli_bill_qty(const char *what, const char *s, int64_t *thousandths);
/* A VAT rate: 25, 13, 5 or 0. */
int cli_bill_vat(const char *what, const char *s, int *vat);
/* Whole minutes 0..1440 into seconds. */
int cli_bill_minutes(const char *what, const char *s, int64_t *seconds);
/* Hours with at most two decimals ("10", "1.5") 0..744 into seconds. */
int cli_bill_hours(const char *what, const char *s, int64_t *seconds);
/* "YYYY-MM" into a month index. */
int cli_bill_month(const char *what, const char *s, int32_t *month);
/* "YYYY-MM-DD" into a day number. */
int cli_bill_day(const char *what, const char *s, int32_t *day);
/* yes/no (also true/false, 1/0). */
int cli_bill_bool(const char *what, const char *s, int *out);

/* cents as "1234.56" (no grouping) into out. */
void cli_bill_money_str(int64_t cents, char out[32]);
/* thousandths as "2", "0.5", "1.125". */
void cli_bill_qty_str(int64_t q, char out[32]);
/* seconds as hours "1.50" (two decimals, rounded half up to the minute's hundredth). */
void cli_bill_hours_str(int64_t seconds, char out[32]);

/* Lookups: each returns 0, or an exit code after printing why. */
/* A service by id or code. */
int cli_find_service(struct store *st, const char *ref, struct bill_service *out);
/* A rate by id or code. */
int cli_find_rate(struct store *st, const char *ref, struct bill_rate *out);
/* A contract by id or number, with its lines (bill_contract_clear frees). */
int cli_find_contract(struct store *st, const char *ref, struct bill_contract *out);

#endif
