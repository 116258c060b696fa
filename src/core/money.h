/*
 * money: amounts are int64 cents of EUR, never floating point.
 */
#ifndef EVID_CORE_MONEY_H
#define EVID_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_STR_MAX 32

/*
 * Format cents with the given decimal and thousands separators
 * (',' '.' for Croatian "1.234,56"; '.' ',' for English "1,234.56";
 * thousands 0 for none).  Returns 0, or -1 when out is too small.
 */
int money_format(int64_t cents, char dec, char thousands, char *out, size_t outsz);

/*
 * Parse "1234.56", "1234,56", "-3", "0.5" (at most two decimals, either
 * separator, no thousands separators) into cents.  Returns 0, or -1 when
 * malformed or out of range.
 */
int money_parse(const char *s, int64_t *out);

/*
 * amount * num / den rounded half away from zero, without overflow for
 * realistic values.  Returns 0, or -1 when den <= 0 or on overflow.
 */
int money_muldiv(int64_t amount, int64_t num, int64_t den, int64_t *out);

#endif
