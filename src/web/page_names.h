/*
 * page_names: the names of a ticket's status, priority, channel and billing
 * kind as the staff pages show them, in the user's language.  The API and
 * the database keep the English identifiers (core/model.h *_name); these
 * are for people only.
 */
#ifndef EVID_WEB_PAGE_NAMES_H
#define EVID_WEB_PAGE_NAMES_H

#include "core/model.h"

/*
 * Each returns a static string in lang ("hr", else English): "Novi" /
 * "New" for STATUS_NEW and so on.  A value outside its enum gives "?",
 * never NULL.
 */
const char *page_status_label(const char *lang, enum ticket_status s);
const char *page_priority_label(const char *lang, enum ticket_priority p);
const char *page_channel_label(const char *lang, enum ticket_channel c);
const char *page_billing_label(const char *lang, enum billing_kind b);

#endif
