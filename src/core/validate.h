/*
 * validate: checks applied to every piece of text that comes from outside
 * before it reaches the store.  Each returns 1 when valid, 0 otherwise.
 */
#ifndef EVID_CORE_VALIDATE_H
#define EVID_CORE_VALIDATE_H

#include <stddef.h>

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
int valid_utf8(const char *s, size_t n);

/*
 * Text for a field: valid UTF-8, at most max bytes, no control characters
 * (newline, carriage return and tab allowed only when multiline is 1), no NUL.
 */
int valid_text(const char *s, size_t max, int multiline);

/* A plausible address "local@domain.tld", at most EMAIL_MAX_LEN bytes, no spaces. */
int valid_email(const char *s);

/* A Croatian OIB: 11 digits with a valid ISO 7064 MOD 11,10 check digit. */
int valid_oib(const char *s);

/* A comma-separated list of domain names ("firma.hr,firma.com"); empty is valid. */
int valid_domain_list(const char *s);

/* Lowercase ASCII letters in place (email addresses, domains). */
void ascii_lower(char *s);

#endif
