/*
 * demo: the data set `evid init --demo` adds, through the store API only:
 * four Croatian client companies with contacts, an admin and three
 * technicians, and tickets over the last four weeks in every status,
 * priority, channel and billing kind, with their history, time entries and
 * one running stopwatch; for billing, a catalogue of services, the hourly
 * rates for remote and on-site work (some of the entries were on site),
 * three contracts of the kinds the month-end handles (included hours with
 * overage, quarterly in advance with its prepayments, split into days from
 * the 10th of last month) and two extra items.  The logins are the DEMO_*
 * constants of cli.h.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/billing.h"
#include "core/calendar.h"
#include "core/validate.h"
#include "store/store_billing.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/xalloc.h"

#define MIN 60
#define HOUR 3600
#define DAY 86400

/* ---- people ---- */

static const struct demo_user {
	const char *email, *name, *lang;
	enum user_role role;
	const char *password;
} demo_users[] = {
	{ DEMO_ADMIN_EMAIL, "Tomislav Novak", "hr", ROLE_ADMIN, DEMO_ADMIN_PASSWORD },
	{ DEMO_TECH_EMAIL, "Ivana Horvat", "hr", ROLE_TECHNICIAN, DEMO_TECH_PASSWORD },
	{ "marko.kovacevic@evidencija.test", "Marko Kovačević", "hr", ROLE_TECHNICIAN,
	  DEMO_TECH_PASSWORD },
	{ "petra.babic@evidencija.test", "Petra Babić", "en", ROLE_TECHNICIAN,
	  DEMO_TECH_PASSWORD },
};
#define DEMO_USERS 4
enum { ADMIN, IVANA, MARKO, PETRA, NOBODY = -1 };

struct demo_contact {
	const char *name, *email, *phone;
	int sees_all;
};

static const struct demo_client {
	const char *name;
	const char *oib10;      /* the first ten digits; the check digit is computed */
	int vat;                /* in the VAT system: vat_id is "HR" + OIB */
	const char *address, *domains, *billing_email, *notes;
	struct demo_contact contacts[3];
} demo_clients[] = {
	{ "Knjigovodstvo Perić d.o.o.", "4938571620", 1,
	  "Ulica grada Vukovara 271, 10000 Zagreb", "knjigovodstvo-peric.hr",
	  "racuni@knjigovodstvo-peric.hr",
	  "Ugovor o održavanju: 10 sati mjesečno, odziv unutar 4 sata.",
	  { { "Vesna Perić", "vesna.peric@knjigovodstvo-peric.hr", "+385 1 6170 234", 1 },
	    { "Damir Jurić", "damir.juric@knjigovodstvo-peric.hr", "+385 91 456 7812", 0 } } },
	{ "Apartmani Jadran d.o.o.", "7302518846", 1, "Put Firula 12, 21000 Split",
	  "apartmani-jadran.hr,jadran-split.com", "financije@apartmani-jadran.hr",
	  "Sezona od svibnja do listopada: tada prednost imaju rezervacije i Wi-Fi.",
	  { { "Ante Bilić", "ante.bilic@apartmani-jadran.hr", "+385 21 345 678", 1 },
	    { "Maja Radić", "maja.radic@apartmani-jadran.hr", "+385 98 123 4567", 0 },
	    { "Luka Matić", "luka.matic@jadran-split.com", "+385 95 220 1180", 0 } } },
	{ "Kvarner Logistika d.o.o.", "2165907433", 1, "Riva Boduli 3, 51000 Rijeka",
	  "kvarner-logistika.hr", "fakture@kvarner-logistika.hr",
	  "Skladište radi u dvije smjene; hitne pozive primati i od 6 sati.",
	  { { "Goran Šimić", "goran.simic@kvarner-logistika.hr", "+385 51 213 450", 1 },
	    { "Ivona Tomić", "ivona.tomic@kvarner-logistika.hr", "+385 95 876 5432", 0 } } },
	{ "Slavonska pekara j.d.o.o.", "5820394716", 0, "Županijska ulica 21, 31000 Osijek",
	  "slavonska-pekara.hr", "ured@slavonska-pekara.hr", "",
	  { { "Stjepan Kovač", "stjepan.kovac@slavonska-pekara.hr", "+385 31 205 118", 1 },
	    { "Ana Marković", "ana.markovic@slavonska-pekara.hr", "+385 99 321 7654", 0 } } },
};
#define DEMO_CLIENTS 4
#define CONTACTS_MAX 3

/* ---- tickets, each with a little story ---- */

enum step_kind {
	STEP_END,
	STEP_ASSIGN,  /* the admin assigns the ticket's technician */
	STEP_STATUS,  /* the technician moves it to .status, .text the reason */
	STEP_REPLY,   /* the technician writes to the client */
	STEP_MESSAGE, /* the contact writes */
	STEP_NOTE,    /* the technician notes something for colleagues */
	STEP_TIME,    /* .minutes of work by the technician, .text the note */
	STEP_TIMER,   /* the technician's stopwatch runs since .at minutes ago (of now) */
};

struct demo_step {
	enum step_kind kind;
	int at;                 /* minutes after the ticket was created */
	enum ticket_status status;
	int minutes;
	const char *text;
	int on_site;            /* STEP_TIME: done at the client's (the rate on_site) */
};

static const struct demo_ticket {
	int client;             /* index into demo_clients, -1 none */
	int contact;            /* index into its contacts, -1 none */
	int tech;               /* the technician who works on it, NOBODY */
	int age;                /* minutes before now it was created */
	enum ticket_priority priority;
	enum ticket_channel channel;
	enum billing_kind billing;
	const char *subject, *description;
	struct demo_step steps[10];
} demo_tickets[] = {
	{ 0, 0, IVANA, 28 * 24 * 60 + 300, PRIORITY_NORMAL, CHANNEL_PHONE, BILLING_BILLABLE,
	  "Ne radi ispis na mrežnom pisaču u računovodstvu",
	  "Gđa Perić javlja telefonom: nitko u računovodstvu ne može ispisivati, "
	  "pisač pokazuje da je spreman.",
	  { { STEP_ASSIGN, 10 },
	    { STEP_STATUS, 15, STATUS_OPEN },
	    { STEP_TIME, 20, 0, 45, "Dijagnostika na daljinu, ponovna instalacija upravljačkog "
				    "programa" },
	    { STEP_REPLY, 70, 0, 0, "Poštovana gospođo Perić,\n\nzamijenili smo upravljački "
				    "program i očistili red ispisa. Molimo potvrdite radi li "
				    "ispis.\n\nLijep pozdrav,\nIvana Horvat" },
	    { STEP_MESSAGE, 190, 0, 0, "Hvala, ispis opet radi na svim računalima." },
	    { STEP_STATUS, 200, STATUS_RESOLVED },
	    { STEP_STATUS, 2 * 24 * 60, STATUS_CLOSED, 0, "Klijentica potvrdila rješenje." } } },
	{ 1, 0, MARKO, 26 * 24 * 60 + 120, PRIORITY_HIGH, CHANNEL_EMAIL, BILLING_BILLABLE,
	  "Rezervacijski sustav javlja grešku pri sinkronizaciji s Bookingom",
	  "Od jutros kanal za Booking.com javlja \"sync failed (401)\" i nove rezervacije ne "
	  "dolaze u naš kalendar. Molim hitnu provjeru, vikend je pun gostiju.",
	  { { STEP_ASSIGN, 25 },
	    { STEP_STATUS, 30, STATUS_OPEN },
	    { STEP_NOTE, 40, 0, 0, "API ključ za Booking istekao je 1. u mjesecu; treba ga "
				   "obnoviti u ekstranetu." },
	    { STEP_TIME, 45, 0, 90, "Analiza zapisa sinkronizacije, obnova API ključa" },
	    { STEP_REPLY, 140, 0, 0, "Poštovani,\n\nobnovili smo pristupni ključ i "
				     "sinkronizacija ponovno radi. Propuštene rezervacije "
				     "ručno smo uvezli.\n\nMarko Kovačević" },
	    { STEP_TIME, 24 * 60, 0, 60, "Provjera uvezenih rezervacija s recepcijom", 1 },
	    { STEP_STATUS, 24 * 60 + 70, STATUS_RESOLVED },
	    { STEP_STATUS, 3 * 24 * 60, STATUS_CLOSED } } },
	{ 2, 0, PETRA, 24 * 24 * 60 + 200, PRIORITY_NORMAL, CHANNEL_WEB, BILLING_BILLABLE,
	  "Novi laptop za voditelja skladišta: priprema i prijenos podataka",
	  "Stigao je novi laptop (Lenovo T14). Treba ga pripremiti za g. Šimića i prenijeti "
	  "podatke sa starog računala.",
	  { { STEP_ASSIGN, 60 },
	    { STEP_STATUS, 90, STATUS_OPEN },
	    { STEP_TIME, 24 * 60, 0, 120, "Instalacija sustava, domena, šifriranje diska" },
	    { STEP_TIME, 2 * 24 * 60, 0, 75, "Prijenos podataka i pošte, predaja korisniku", 1 },
	    { STEP_REPLY, 2 * 24 * 60 + 80, 0, 0, "Laptop je predan, stari ćemo obrisati i "
						  "vratiti idući tjedan." },
	    { STEP_STATUS, 2 * 24 * 60 + 85, STATUS_RESOLVED } } },
	{ 3, 0, IVANA, 21 * 24 * 60 + 60, PRIORITY_URGENT, CHANNEL_PHONE, BILLING_BILLABLE,
	  "Blagajna ne šalje račune u Poreznu (fiskalizacija)",
	  "Blagajna u prodavaonici javlja grešku certifikata pri fiskalizaciji, računi se "
	  "izdaju bez JIR-a.",
	  { { STEP_ASSIGN, 5 },
	    { STEP_STATUS, 6, STATUS_OPEN },
	    { STEP_TIME, 10, 0, 50, "Uvoz obnovljenog FINA certifikata na blagajnu", 1 },
	    { STEP_NOTE, 65, 0, 0, "Certifikat istječe ponovno za 5 godina; dodan podsjetnik." },
	    { STEP_STATUS, 70, STATUS_RESOLVED },
	    { STEP_STATUS, 24 * 60, STATUS_CLOSED } } },
	{ 0, 1, MARKO, 19 * 24 * 60 + 500, PRIORITY_LOW, CHANNEL_SMS, BILLING_FREE,
	  "Zaboravljena lozinka za e-poštu",
	  "SMS: \"Zaboravio sam lozinku za mail, možete li je resetirati? Damir\"",
	  { { STEP_ASSIGN, 30 },
	    { STEP_STATUS, 31, STATUS_OPEN },
	    { STEP_TIME, 35, 0, 10, "Postavljena privremena lozinka, poslana SMS-om" },
	    { STEP_STATUS, 50, STATUS_CLOSED, 0, "Riješeno odmah; bez naplate." } } },
	{ 2, 1, PETRA, 17 * 24 * 60 + 240, PRIORITY_LOW, CHANNEL_WALK_IN, BILLING_WARRANTY,
	  "Monitor treperi nakon zamjene kabela",
	  "Gđa Tomić donijela je monitor u ured: slika treperi i s novim kabelom.",
	  { { STEP_ASSIGN, 5 },
	    { STEP_STATUS, 10, STATUS_OPEN },
	    { STEP_TIME, 15, 0, 20, "Ispitivanje monitora, prijava jamstvenom servisu" },
	    { STEP_NOTE, 40, 0, 0, "Serijski broj CN-0X7 u jamstvu do 2027." },
	    { STEP_STATUS, 5 * 24 * 60, STATUS_RESOLVED, 0, "Servis zamijenio panel." } } },
	{ 1, 1, IVANA, 14 * 24 * 60 + 180, PRIORITY_HIGH, CHANNEL_EMAIL, BILLING_BILLABLE,
	  "Wi-Fi u apartmanima prekida svakih nekoliko minuta",
	  "Gosti u apartmanima na drugom katu žale se da Wi-Fi stalno prekida. Molimo "
	  "pomoć.",
	  { { STEP_ASSIGN, 20 },
	    { STEP_STATUS, 25, STATUS_OPEN },
	    { STEP_TIME, 30, 0, 60, "Pregled pristupnih točaka na daljinu, promjena kanala" },
	    { STEP_REPLY, 95, 0, 0, "Poštovana gospođo Radić,\n\npromijenili smo kanale "
				    "pristupnih točaka. Možete li nam javiti brojeve soba u "
				    "kojima se prekidi i dalje javljaju?\n\nIvana Horvat" },
	    { STEP_STATUS, 96, STATUS_WAITING, 0, "Čekamo popis soba od klijenta." } } },
	{ 3, 1, MARKO, 12 * 24 * 60 + 90, PRIORITY_NORMAL, CHANNEL_FAX, BILLING_BILLABLE,
	  "Narudžbe s faksa ne stižu u e-poštu",
	  "Faks-poslužitelj ne prosljeđuje narudžbe trgovina u sandučić narudzbe@.",
	  { { STEP_ASSIGN, 45 },
	    { STEP_STATUS, 50, STATUS_OPEN },
	    { STEP_TIME, 24 * 60, 0, 30, "Provjera faks-poslužitelja i SMTP postavki" },
	    { STEP_REPLY, 24 * 60 + 35, 0, 0, "Trebamo novu lozinku za sandučić narudzbe@ "
					      "jer je stara promijenjena. Molimo pošaljite "
					      "je telefonom." },
	    { STEP_STATUS, 24 * 60 + 36, STATUS_WAITING } } },
	{ 0, 0, PETRA, 9 * 24 * 60 + 30, PRIORITY_NORMAL, CHANNEL_EMAIL, BILLING_BILLABLE,
	  "Ponuda za sigurnosnu kopiju poslužitelja",
	  "Molimo ponudu za automatsku sigurnosnu kopiju poslužitelja na udaljenu lokaciju.",
	  { { STEP_ASSIGN, 120 },
	    { STEP_STATUS, 125, STATUS_OPEN },
	    { STEP_TIME, 24 * 60, 0, 40, "Procjena količine podataka, izrada ponude" },
	    { STEP_REPLY, 24 * 60 + 45, 0, 0, "U privitku je ponuda za dnevnu kopiju na "
					      "NAS u našem podatkovnom centru." },
	    { STEP_MESSAGE, 3 * 24 * 60, 0, 0, "Hvala, javit ćemo se nakon sastanka uprave." } } },
	{ 2, -1, MARKO, 6 * 24 * 60 + 15, PRIORITY_HIGH, CHANNEL_API, BILLING_BILLABLE,
	  "Nadzor: disk na poslužitelju NAS01 popunjen 91 %",
	  "Automatska prijava iz sustava nadzora: volumen /srv/arhiva na NAS01 popunjen je "
	  "91 % (prag 90 %).",
	  { { STEP_ASSIGN, 60 },
	    { STEP_STATUS, 61, STATUS_OPEN },
	    { STEP_TIME, 24 * 60, 0, 25, "Čišćenje starih snimaka, prijedlog proširenja" },
	    { STEP_NOTE, 24 * 60 + 30, 0, 0, "Oslobođeno 8 %; treba naručiti dva diska." } } },
	{ 1, 2, IVANA, 4 * 24 * 60 + 200, PRIORITY_NORMAL, CHANNEL_WEB, BILLING_BILLABLE,
	  "Skener na recepciji ne sprema u mrežnu mapu",
	  "Multifunkcijski uređaj na recepciji javlja \"SMB error\" kad skeniramo u mapu.",
	  { { STEP_ASSIGN, 30 },
	    { STEP_STATUS, 35, STATUS_OPEN },
	    { STEP_TIME, 24 * 60, 0, 35, "Uključen SMBv2 na uređaju, test skeniranja" },
	    { STEP_MESSAGE, 2 * 24 * 60, 0, 0, "Skeniranje radi, ali samo za jednog "
					       "korisnika." } } },
	{ 3, 0, NOBODY, 2 * 24 * 60 + 100, PRIORITY_HIGH, CHANNEL_PHONE, BILLING_WARRANTY,
	  "Jamstveni servis: neispravan UPS u pekarnici",
	  "G. Kovač javlja da UPS u pekarnici pišti i ne drži napajanje. Kupljen kod nas prije "
	  "godinu dana.",
	  { { STEP_END } } },
	{ 2, 0, NOBODY, 20 * 60, PRIORITY_LOW, CHANNEL_EMAIL, BILLING_BILLABLE,
	  "Novi korisnički račun za sezonskog radnika",
	  "Od ponedjeljka počinje sezonski radnik Ivan Perković; trebamo račun za e-poštu i "
	  "skladišni program.",
	  { { STEP_END } } },
	{ 0, 1, IVANA, 3 * 60, PRIORITY_URGENT, CHANNEL_PHONE, BILLING_BILLABLE,
	  "Hitno: nitko u uredu nema pristup internetu",
	  "G. Jurić zove: od jutros nitko u uredu nema internet, telefoni rade.",
	  { { STEP_ASSIGN, 3 },
	    { STEP_STATUS, 4, STATUS_OPEN },
	    { STEP_NOTE, 10, 0, 0, "Usmjerivač se ne javlja na daljinu; idem na teren." },
	    { STEP_TIMER, 25 } } },
};
#define DEMO_TICKETS (sizeof(demo_tickets) / sizeof(demo_tickets[0]))

/* Complete ten digits with their ISO 7064 MOD 11,10 check digit. */
static void demo_oib(const char *ten, char out[OIB_LEN + 1])
{
	int a = 10, i;

	for (i = 0; i < OIB_LEN - 1; i++) {
		a = (a + (ten[i] - '0')) % 10;
		if (a == 0)
			a = 10;
		a = a * 2 % 11;
		out[i] = ten[i];
	}
	out[OIB_LEN - 1] = (char)('0' + (11 - a == 10 ? 0 : 11 - a));
	out[OIB_LEN] = '\0';
}

/* ---- billing ---- */

static const struct demo_service {
	const char *code, *name;
	enum bill_unit unit;
	int64_t price; /* cents */
	int vat;
} demo_services[] = {
	{ "najam-pisaca", "Najam multifunkcijskog pisača", UNIT_MONTH, 3500, 25 },
	{ "odrzavanje-posluzitelja", "Održavanje poslužitelja", UNIT_MONTH, 25000, 25 },
	{ "sigurnosna-kopija", "Sigurnosna kopija u oblaku (100 GB)", UNIT_MONTH, 4000, 25 },
	{ "antivirus", "Antivirusna zaštita po računalu", UNIT_MONTH, 350, 25 },
	{ "sat-na-terenu", "Sat rada na terenu", UNIT_HOUR, 6000, 25 },
};
enum { SVC_PRINTER, SVC_SERVER, SVC_BACKUP, SVC_ANTIVIRUS, SVC_ON_SITE, DEMO_SERVICES };

/* remote is the default rate of [billing] (docs/configuration.md) */
static const struct demo_rate {
	const char *code, *name;
	int64_t hourly;
} demo_rates[] = {
	{ "remote", "Rad na daljinu", 4500 },
	{ "on_site", "Rad na terenu", 6000 },
};
enum { RATE_REMOTE, RATE_ON_SITE, DEMO_RATES };

static const struct demo_contract {
	int client;               /* index into demo_clients */
	int months_back;          /* it starts this many months before the current one... */
	int quarter;              /* ...or, when 1, with the quarter before the current one */
	int mday;                 /* on this day of that month */
	enum bill_proration proration;
	enum bill_cycle cycle;
	int prepaid;
	struct bill_terms terms;
	const char *notes;
	struct {
		int service;
		int64_t quantity; /* thousandths */
	} lines[3];
} demo_contracts[] = {
	{ 0, 6, 0, 1, PRORATE_MONTHLY, CYCLE_MONTHLY, 0,
	  { 15 * MIN, ROUND_UP, ROUND_PER_ENTRY, 0, 10 * HOUR, 5500 },
	  "Održavanje s 10 sati podrške mjesečno; sati iznad toga po 55,00 EUR.",
	  { { SVC_SERVER, 1000 }, { SVC_BACKUP, 1000 }, { SVC_ANTIVIRUS, 6000 } } },
	{ 1, 0, 1, 1, PRORATE_MONTHLY, CYCLE_QUARTERLY, 1,
	  { 30 * MIN, ROUND_NEAREST, ROUND_PER_TICKET, 30 * MIN, 0, 0 },
	  "Najam pisača za recepciju i urede, plaća se tromjesečno unaprijed.",
	  { { SVC_PRINTER, 3000 }, { SVC_ANTIVIRUS, 12000 } } },
	{ 2, 1, 0, 10, PRORATE_DAILY, CYCLE_MONTHLY, 0,
	  { 15 * MIN, ROUND_UP, ROUND_PER_ENTRY, 0, 0, 0 },
	  "Poslužitelj u skladištu od 10. u mjesecu; prvi mjesec po danima.",
	  { { SVC_SERVER, 1000 }, { SVC_BACKUP, 2000 } } },
};
#define DEMO_CONTRACTS (sizeof(demo_contracts) / sizeof(demo_contracts[0]))
/* The contract of the warehouse has its own price of work on site. */
#define DEMO_ON_SITE_CONTRACT 2
#define DEMO_ON_SITE_HOURLY 5500

/* Material and travel on tickets (the ticket's index; days after it was opened). */
static const struct demo_extra {
	int ticket;
	int days;
	const char *description;
	int64_t quantity, unit_price;
	int vat;
} demo_extras[] = {
	{ 2, 2, "Torba za prijenosno računalo", 1000, 2990, 25 },
	{ 9, 1, "Tvrdi disk 4 TB za NAS01", 2000, 11900, 25 },
};

struct demo_ids {
	int64_t users[DEMO_USERS];
	int64_t clients[DEMO_CLIENTS];
	int64_t contacts[DEMO_CLIENTS][CONTACTS_MAX];
	int64_t services[DEMO_SERVICES];
	int64_t rates[DEMO_RATES];
	int64_t tickets[DEMO_TICKETS];
};

static int demo_fail(struct store *st, int rc, const char *what)
{
	fprintf(stderr, "evid: demo data: %s: %s\n", what, store_errmsg(st));
	return rc == STORE_BUSY || rc == STORE_FULL ? EXIT_TEMPFAIL : EXIT_FAIL;
}

static int demo_people(struct store *st, int64_t now, struct demo_ids *ids)
{
	char hash_admin[CRYPTO_PWHASH_MAX], hash_tech[CRYPTO_PWHASH_MAX];
	size_t i, k;
	int rc;

	/* Hash each demo password once: argon2id is slow on purpose. */
	if (crypto_password_hash(DEMO_ADMIN_PASSWORD, hash_admin) < 0 ||
	    crypto_password_hash(DEMO_TECH_PASSWORD, hash_tech) < 0)
		return cli_error("demo data: cannot hash the passwords: out of memory");
	for (i = 0; i < DEMO_USERS; i++) {
		const struct demo_user *d = &demo_users[i];
		struct user u;

		memset(&u, 0, sizeof(u));
		xstrlcpy(u.email, d->email, sizeof(u.email));
		xstrlcpy(u.name, d->name, sizeof(u.name));
		xstrlcpy(u.lang, d->lang, sizeof(u.lang));
		u.role = d->role;
		u.active = 1;
		rc = store_user_create(st, &u, d->role == ROLE_ADMIN ? hash_admin : hash_tech,
				       now - 35 * DAY);
		if (rc != STORE_OK)
			return demo_fail(st, rc, d->email);
		ids->users[i] = u.id;
	}
	for (i = 0; i < DEMO_CLIENTS; i++) {
		const struct demo_client *d = &demo_clients[i];
		struct client c;

		memset(&c, 0, sizeof(c));
		xstrlcpy(c.name, d->name, sizeof(c.name));
		demo_oib(d->oib10, c.oib);
		assert(valid_oib(c.oib));
		if (d->vat)
			snprintf(c.vat_id, sizeof(c.vat_id), "HR%s", c.oib);
		xstrlcpy(c.address, d->address, sizeof(c.address));
		xstrlcpy(c.email_domains, d->domains, sizeof(c.email_domains));
		xstrlcpy(c.billing_email, d->billing_email, sizeof(c.billing_email));
		xstrlcpy(c.notes, d->notes, sizeof(c.notes));
		c.active = 1;
		rc = store_client_create(st, &c, now - 34 * DAY + (int64_t)i * HOUR);
		if (rc != STORE_OK)
			return demo_fail(st, rc, d->name);
		ids->clients[i] = c.id;
		for (k = 0; k < CONTACTS_MAX && d->contacts[k].name; k++) {
			const struct demo_contact *dc = &d->contacts[k];
			struct contact p;

			memset(&p, 0, sizeof(p));
			p.client_id = c.id;
			xstrlcpy(p.name, dc->name, sizeof(p.name));
			xstrlcpy(p.email, dc->email, sizeof(p.email));
			xstrlcpy(p.phone, dc->phone, sizeof(p.phone));
			p.sees_all = dc->sees_all;
			p.active = 1;
			rc = store_contact_create(st, &p, now - 34 * DAY + (int64_t)i * HOUR + MIN);
			if (rc != STORE_OK)
				return demo_fail(st, rc, dc->email);
			ids->contacts[i][k] = p.id;
		}
	}
	return 0;
}

/* Add one event of kind by a user or a contact at time `at`. */
static int demo_event(struct store *st, int64_t ticket_id, enum event_kind kind, int64_t user_id,
		      int64_t contact_id, const char *body, int64_t at)
{
	struct event e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.ticket_id = ticket_id;
	e.kind = kind;
	e.author_user_id = user_id;
	e.author_contact_id = contact_id;
	e.body = (char *)body; /* borrowed for the call; the store copies it */
	rc = store_event_add(st, &e, at);
	return rc == STORE_OK ? 0 : demo_fail(st, rc, "event");
}

static int demo_step(struct store *st, const struct demo_ticket *d, const struct demo_step *s,
		     const struct ticket *t, const struct demo_ids *ids, int64_t created,
		     int64_t now)
{
	int64_t at = created + (int64_t)s->at * MIN;
	int64_t tech = d->tech == NOBODY ? ids->users[ADMIN] : ids->users[d->tech];
	struct ticket_patch p;
	struct time_entry e;
	struct timer_running run;
	int rc;

	if (s->kind != STEP_TIMER && at >= now)
		return cli_error("demo data: a step of '%s' lies in the future", d->subject);
	memset(&p, 0, sizeof(p));
	switch (s->kind) {
	case STEP_END:
		return 0;
	case STEP_ASSIGN:
		p.set = PATCH_ASSIGNEE;
		p.assignee_id = tech;
		rc = store_ticket_update(st, t->id, &p, ids->users[ADMIN], at, NULL);
		return rc == STORE_OK ? 0 : demo_fail(st, rc, "assignment");
	case STEP_STATUS:
		p.set = PATCH_STATUS;
		p.status = s->status;
		p.reason = s->text;
		rc = store_ticket_update(st, t->id, &p, tech, at, NULL);
		return rc == STORE_OK ? 0 : demo_fail(st, rc, "status change");
	case STEP_REPLY:
		return demo_event(st, t->id, EVENT_REPLY, tech, 0, s->text, at);
	case STEP_NOTE:
		return demo_event(st, t->id, EVENT_NOTE, tech, 0, s->text, at);
	case STEP_MESSAGE:
		return demo_event(st, t->id, EVENT_MESSAGE_IN, 0, t->contact_id, s->text, at);
	case STEP_TIME:
		memset(&e, 0, sizeof(e));
		e.ticket_id = t->id;
		e.user_id = tech;
		e.started_at = at;
		e.ended_at = at + (int64_t)s->minutes * MIN;
		e.billable = d->billing == BILLING_BILLABLE;
		xstrlcpy(e.note, s->text ? s->text : "", sizeof(e.note));
		if (e.ended_at >= now)
			return cli_error("demo data: time on '%s' ends in the future", d->subject);
		rc = store_time_add(st, &e, tech, e.ended_at);
		if (rc != STORE_OK)
			return demo_fail(st, rc, "time entry");
		if (s->on_site)
			rc = store_time_set_rate(st, e.id, ids->rates[RATE_ON_SITE],
						 "Rad kod klijenta", tech, e.ended_at + MIN);
		return rc == STORE_OK ? 0 : demo_fail(st, rc, "rate of a time entry");
	case STEP_TIMER:
		rc = store_timer_start(st, tech, t->id, now - (int64_t)s->at * MIN, &run, NULL);
		return rc == STORE_OK ? 0 : demo_fail(st, rc, "stopwatch");
	}
	return 0;
}

static int demo_tickets_add(struct store *st, int64_t now, struct demo_ids *ids)
{
	size_t i, k;
	int rc;

	for (i = 0; i < DEMO_TICKETS; i++) {
		const struct demo_ticket *d = &demo_tickets[i];
		int64_t created = now - (int64_t)d->age * MIN, author = 0;
		struct ticket t;

		memset(&t, 0, sizeof(t));
		xstrlcpy(t.subject, d->subject, sizeof(t.subject));
		t.status = STATUS_NEW;
		t.priority = d->priority;
		t.channel = d->channel;
		t.billing = d->billing;
		if (d->client >= 0)
			t.client_id = ids->clients[d->client];
		if (d->client >= 0 && d->contact >= 0)
			t.contact_id = ids->contacts[d->client][d->contact];
		/*
		 * Mail and web requests are the client's own words; the monitoring
		 * script posts with the admin's token; calls, texts, faxes and
		 * visits were taken down by the technician (or the admin).
		 */
		if (d->channel == CHANNEL_API)
			author = ids->users[ADMIN];
		else if (!(t.contact_id &&
			   (d->channel == CHANNEL_EMAIL || d->channel == CHANNEL_WEB)))
			author = d->tech == NOBODY ? ids->users[ADMIN] : ids->users[d->tech];
		t.created_by = author;
		rc = store_ticket_create(st, &t, clock_local_year(created), d->description, author,
					 created);
		if (rc != STORE_OK)
			return demo_fail(st, rc, d->subject);
		ids->tickets[i] = t.id;
		for (k = 0; k < sizeof(d->steps) / sizeof(d->steps[0]); k++) {
			if (d->steps[k].kind == STEP_END)
				break;
			rc = demo_step(st, d, &d->steps[k], &t, ids, created, now);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int demo_catalogue(struct store *st, struct demo_ids *ids)
{
	size_t i;
	int rc;

	for (i = 0; i < DEMO_SERVICES; i++) {
		struct bill_service s;

		memset(&s, 0, sizeof(s));
		xstrlcpy(s.code, demo_services[i].code, sizeof(s.code));
		xstrlcpy(s.name, demo_services[i].name, sizeof(s.name));
		s.unit = demo_services[i].unit;
		s.price = demo_services[i].price;
		s.vat = demo_services[i].vat;
		s.active = 1;
		if ((rc = store_service_add(st, &s)) != STORE_OK)
			return demo_fail(st, rc, demo_services[i].code);
		ids->services[i] = s.id;
	}
	for (i = 0; i < DEMO_RATES; i++) {
		struct bill_rate r;

		memset(&r, 0, sizeof(r));
		xstrlcpy(r.code, demo_rates[i].code, sizeof(r.code));
		xstrlcpy(r.name, demo_rates[i].name, sizeof(r.name));
		r.hourly = demo_rates[i].hourly;
		r.vat = 25;
		r.active = 1;
		if ((rc = store_rate_add(st, &r)) != STORE_OK)
			return demo_fail(st, rc, demo_rates[i].code);
		ids->rates[i] = r.id;
	}
	return 0;
}

/*
 * Record the prepayment of contract c due in month (it is: month starts one
 * of its quarters), issued on that month's first working morning or now.
 */
static int demo_prepay(struct store *st, const struct bill_contract *c, int32_t month,
		       int64_t now)
{
	int64_t issued = clock_day_start(cal_month_first_day(month)) + 9 * HOUR;
	struct bill_prepay p;
	const char *why = "";
	int rc;

	memset(&p, 0, sizeof(p));
	if (bill_prepay_contract(c, month, &p, &why) != 1)
		return cli_error("demo data: no prepayment of %s is due in its quarter: %s",
				 c->number, why);
	rc = store_prepay_record(st, month, &p, issued < now ? issued : now, NULL);
	bill_prepay_clear(&p);
	return rc == STORE_OK ? 0 : demo_fail(st, rc, "prepayment");
}

static int demo_contracts_add(struct store *st, int64_t now, const struct demo_ids *ids)
{
	int32_t month = cal_month_of_day(clock_local_day(now)), quarter = month - month % 3;
	size_t i, k;
	int rc;

	for (i = 0; i < DEMO_CONTRACTS; i++) {
		const struct demo_contract *d = &demo_contracts[i];
		struct bill_contract_line lines[3];
		int32_t first = d->quarter ? quarter - 3 : month - d->months_back;
		struct bill_contract c;
		int y;

		memset(&c, 0, sizeof(c));
		memset(lines, 0, sizeof(lines));
		c.client_id = ids->clients[d->client];
		cal_month_ym(first, &y, NULL);
		snprintf(c.number, sizeof(c.number), "UG-%d-%03zu", y, i + 1);
		c.start_day = cal_month_first_day(first) + d->mday - 1;
		c.end_day = -1;
		c.proration = d->proration;
		c.cycle = d->cycle;
		c.prepaid = d->prepaid;
		c.terms = d->terms;
		xstrlcpy(c.notes, d->notes, sizeof(c.notes));
		for (k = 0; k < 3 && d->lines[k].quantity; k++) {
			lines[k].service_id = ids->services[d->lines[k].service];
			lines[k].quantity = d->lines[k].quantity;
			lines[k].monthly_price = -1; /* the service's */
			lines[k].vat = -1;
		}
		c.lines = lines;
		c.n_lines = k;
		if ((rc = store_contract_add(st, &c)) != STORE_OK)
			return demo_fail(st, rc, c.number);
		if (i == DEMO_ON_SITE_CONTRACT) {
			rc = store_rate_override_set(st, ids->rates[RATE_ON_SITE], 0, c.id,
						     DEMO_ON_SITE_HOURLY);
			if (rc != STORE_OK)
				return demo_fail(st, rc, "price of work on site");
		}
		/* in advance: the quarter before and this one were invoiced when they began */
		if (d->prepaid && ((rc = demo_prepay(st, &c, quarter - 3, now)) != 0 ||
				   (rc = demo_prepay(st, &c, quarter, now)) != 0))
			return rc;
	}
	return 0;
}

static int demo_extras_add(struct store *st, int64_t now, const struct demo_ids *ids)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(demo_extras) / sizeof(demo_extras[0]); i++) {
		const struct demo_extra *d = &demo_extras[i];
		const struct demo_ticket *t = &demo_tickets[d->ticket];
		int64_t at = now - (int64_t)t->age * MIN + (int64_t)d->days * DAY;
		struct bill_extra x;

		memset(&x, 0, sizeof(x));
		x.ticket_id = ids->tickets[d->ticket];
		xstrlcpy(x.description, d->description, sizeof(x.description));
		x.quantity = d->quantity;
		x.unit_price = d->unit_price;
		x.vat = d->vat;
		x.day = clock_local_day(at < now ? at : now);
		rc = store_extra_add(st, &x, ids->users[t->tech == NOBODY ? ADMIN : t->tech],
				     at < now ? at : now);
		if (rc != STORE_OK)
			return demo_fail(st, rc, d->description);
	}
	return 0;
}

int demo_load(struct store *st, int64_t now)
{
	struct demo_ids ids;
	int rc;

	memset(&ids, 0, sizeof(ids));
	if ((rc = demo_people(st, now, &ids)) != 0)
		return rc;
	if ((rc = demo_catalogue(st, &ids)) != 0)
		return rc;
	if ((rc = demo_tickets_add(st, now, &ids)) != 0)
		return rc;
	if ((rc = demo_contracts_add(st, now, &ids)) != 0)
		return rc;
	return demo_extras_add(st, now, &ids);
}
