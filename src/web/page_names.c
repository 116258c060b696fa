/*
 * page_names: a ticket's status, priority, channel and billing kind in
 * words for the staff pages (see page_names.h).
 */
#include "web/i18n.h"
#include "web/page_names.h"

const char *page_status_label(const char *lang, enum ticket_status s)
{
	switch (s) {
	case STATUS_NEW:
		return L(lang, "New", "Novi");
	case STATUS_OPEN:
		return L(lang, "Open", "Otvoren");
	case STATUS_WAITING:
		return L(lang, "Waiting on client", "Čeka klijenta");
	case STATUS_RESOLVED:
		return L(lang, "Resolved", "Riješen");
	case STATUS_CLOSED:
		return L(lang, "Closed", "Zatvoren");
	}
	return "?";
}

const char *page_priority_label(const char *lang, enum ticket_priority p)
{
	switch (p) {
	case PRIORITY_LOW:
		return L(lang, "Low", "Nizak");
	case PRIORITY_NORMAL:
		return L(lang, "Normal", "Normalan");
	case PRIORITY_HIGH:
		return L(lang, "High", "Visok");
	case PRIORITY_URGENT:
		return L(lang, "Urgent", "Hitan");
	}
	return "?";
}

const char *page_channel_label(const char *lang, enum ticket_channel c)
{
	switch (c) {
	case CHANNEL_EMAIL:
		return L(lang, "Email", "E-pošta");
	case CHANNEL_WEB:
		return "Web";
	case CHANNEL_PHONE:
		return L(lang, "Phone", "Telefon");
	case CHANNEL_FAX:
		return L(lang, "Fax", "Faks");
	case CHANNEL_SMS:
		return "SMS";
	case CHANNEL_WALK_IN:
		return L(lang, "In person", "Osobno");
	case CHANNEL_API:
		return "API";
	}
	return "?";
}

const char *page_billing_label(const char *lang, enum billing_kind b)
{
	switch (b) {
	case BILLING_BILLABLE:
		return L(lang, "Billable", "Naplativo");
	case BILLING_FREE:
		return L(lang, "Free", "Besplatno");
	case BILLING_WARRANTY:
		return L(lang, "Warranty", "Jamstvo");
	}
	return "?";
}
