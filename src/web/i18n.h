/*
 * i18n: the application's words in Croatian and English, and dates, times
 * and numbers written as the user's language writes them, in the business
 * time zone (clock_set_zone).
 *
 * Words are written in both languages where they are used:
 * L(lang, "Log out", "Odjava") is the Croatian for "hr" and the English
 * otherwise, so no text can lack its translation and no table is shared.
 */
#ifndef EVID_WEB_I18N_H
#define EVID_WEB_I18N_H

#include <stddef.h>
#include <stdint.h>

#define I18N_DATETIME_MAX 40

/* hr when lang is "hr", else en. */
const char *L(const char *lang, const char *en, const char *hr);

/* Whether lang is one we speak ("hr", "en"). */
int i18n_lang_ok(const char *lang);

/* "27. 11. 2026. 14:05" (hr) / "27 Nov 2026 14:05" (en), local time. */
void i18n_datetime(const char *lang, int64_t t, char *out, size_t outsz);
/* "27. 11. 2026." (hr) / "27 Nov 2026" (en). */
void i18n_date(const char *lang, int64_t t, char *out, size_t outsz);
/* "2026-11-27T14:05", local time, as <input type="datetime-local"> wants. */
void i18n_datetime_input(int64_t t, char *out, size_t outsz);
/*
 * Parse "2026-11-27T14:05" (or with ":SS") as local time in the business
 * zone.  Returns 0, or -1 for anything else.
 */
int i18n_parse_datetime_input(const char *s, int64_t *out);

/* 123456 cents as "1.234,56" (hr) / "1,234.56" (en). */
void i18n_cents(const char *lang, int64_t cents, char *out, size_t outsz);
/* An integer with thousands grouped: "12.345" (hr) / "12,345" (en). */
void i18n_int(const char *lang, int64_t n, char *out, size_t outsz);

/* A duration for people: "0:45", "3:05" (h:mm), as technicians write time. */
void i18n_hours(int64_t seconds, char *out, size_t outsz);
/* How long ago, shortly: "5 min", "3 h", "12 d" (the same in both languages). */
void i18n_age(const char *lang, int64_t seconds, char *out, size_t outsz);

#endif
