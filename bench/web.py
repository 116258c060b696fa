#!/usr/bin/python3
"""Speed of the staff web application (issue 4): wrk against `evid serve`
with BENCH_WEB_TICKETS (default 100,000) generated tickets, and with
BENCH_WEB_MILLION=1 also 1,000,000, side by side with Debian's nginx
serving saved copies of the same pages.

    python3 bench/web.py [EVID_BIN]          (make bench runs it)
    python3 bench/web.py --make-db PATH [N]  only generate a database of N
                                             tickets (default 100,000) and
                                             print how to log in

Pages: the ticket page with exactly 30 events (/tickets/ID), the queue of
one technician's tickets in every status (/tickets?status=all&assignee=ID,
50 rows) and the queue as the search box gives it (/tickets?q=WORD: the
active tickets that hold WORD; BENCH_WEB_SEARCH, default "pisač").
Targets: the ticket page at least 5,000 requests/s with p99 under 10 ms;
each queue page's mean time per request within 3x of nginx's for the same
bytes.  A target not met is reported, not an error; a page that is not
there (not 200, or without its rows or events) stops the run.  evid serve
keeps the answers of the queue's and the ticket page's reads until the
database changes ([database] result_cache); wrk asks for the same page
again and again, so the pages are measured a second time with
result_cache = 0, where every request reads the database, and both are
printed.

The database is made by `evid init` and `evid user add`, then filled in one
transaction straight into the real schema with Python's sqlite3 (fixed
seed): 2,000 Croatian client companies with their contacts, 20 staff,
tickets over the last three years (mostly closed), each with its history
(the first message, assignment, status changes, time entries with their
events, replies sent by mail, the client's answers quoting them, notes)
and the mail records of email tickets.  The full-text index gets what the
schema's own triggers put in (see fts_triggers).  Raw mail copies and
attachments are left out (only the 30-event ticket has two attachments):
no page measured here reads them.  evid never runs ANALYZE, so neither
does this.

Settings (environment): BENCH_WEB_SECONDS (10) per wrk run,
BENCH_WEB_ROUNDS (3) runs of each page on each server, in turns (the
median is reported: one run is at the mercy of the machine's moment),
BENCH_WEB_CONNECTIONS (32), BENCH_WEB_WRK_THREADS (2), BENCH_WEB_THREADS
(evid's [server] threads, default the number of CPUs), BENCH_WEB_SEED (4).
"""
import hashlib
import heapq
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

N = int(os.environ.get("BENCH_WEB_TICKETS", "100000"))
MILLION = os.environ.get("BENCH_WEB_MILLION", "") == "1"
SECONDS = int(os.environ.get("BENCH_WEB_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_WEB_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_WEB_CONNECTIONS", "32"))
WRK_THREADS = int(os.environ.get("BENCH_WEB_WRK_THREADS", "2"))
EVID_THREADS = int(os.environ.get("BENCH_WEB_THREADS", str(os.cpu_count() or 2)))
SEED = int(os.environ.get("BENCH_WEB_SEED", "4"))
SEARCH = os.environ.get("BENCH_WEB_SEARCH", "pisač")

TICKET_RPS_TARGET = 5000
TICKET_P99_TARGET_MS = 10.0
QUEUE_RATIO_TARGET = 3.0
TICKET_EVENTS = 30
QUEUE_ROWS = 50

ADMIN = ("tomislav.novak@servis-horvat.hr", "Tomislav Novak", "admin")
TECH = ("ivana.horvat@servis-horvat.hr", "Ivana Horvat", "technician")
PASSWORD = "bench-lozinka-1"
SUPPORT = "podrska@servis-horvat.hr"
COMPANY = "Informatički servis Horvat d.o.o."
TZ = ZoneInfo("Europe/Zagreb")
MIN, HOUR, DAY = 60, 3600, 86400


def fail(msg):
    sys.exit("bench/web: " + msg)


# ---- the data: Croatian names, companies and help-desk text ----

MEN = ["Ivan", "Marko", "Luka", "Josip", "Tomislav", "Ante", "Petar", "Stjepan", "Nikola",
       "Damir", "Goran", "Krešimir", "Zoran", "Dario", "Mario", "Hrvoje", "Matej", "Filip",
       "Domagoj", "Davor", "Boris", "Željko", "Dražen", "Zvonimir", "Vedran"]
WOMEN = ["Ana", "Marija", "Ivana", "Petra", "Maja", "Vesna", "Jelena", "Katarina", "Sanja",
         "Martina", "Lucija", "Nikolina", "Ivona", "Mirjana", "Snježana", "Gordana", "Tea",
         "Dora", "Lana", "Željka", "Marina", "Branka", "Đurđica", "Tihana", "Ružica"]
SURNAMES = ["Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Kovačić", "Knežević",
            "Vuković", "Marković", "Petrović", "Matić", "Tomić", "Pavlović", "Kovač", "Božić",
            "Blažević", "Grgić", "Pavić", "Radić", "Perić", "Filipović", "Šarić", "Lovrić",
            "Vidović", "Perković", "Popović", "Bošnjak", "Jukić", "Barišić", "Šimić", "Mikulić",
            "Klarić", "Brkić", "Mandić", "Galić", "Čović", "Lukić", "Đurić", "Žagar", "Rukavina",
            "Bilić", "Vlahović", "Cindrić", "Crnković", "Šimunović", "Ćosić", "Dujmović",
            "Jakovljević", "Mlinarić"]
TRADES = ["Knjigovodstvo", "Odvjetnički ured", "Stomatološka ordinacija", "Autoservis",
          "Pekara", "Apartmani", "Ljekarna", "Građevinski obrt", "Arhitektonski studio",
          "Tiskara", "Vinarija", "Hotel", "Restoran", "Frizerski salon", "Prijevoz",
          "Veterinarska ambulanta", "Trgovina", "Agencija za nekretnine", "Turistička agencija",
          "Bravarija", "Stolarija", "Elektroinstalacije", "Projektni biro",
          "Računovodstveni servis",
          "Optika", "Poliklinika", "Kamp", "Mesnica", "Cvjećarnica", "Geodetski ured",
          "Javni bilježnik", "Autoškola", "Dječji vrtić", "Fitness centar", "Marina", "Uljara",
          "Pršutana", "Fotostudio", "Keramika", "Klimatizacija"]
TOWNS = [("Zagreb", "10000"), ("Split", "21000"), ("Rijeka", "51000"), ("Osijek", "31000"),
         ("Zadar", "23000"), ("Pula", "52100"), ("Slavonski Brod", "35000"),
         ("Karlovac", "47000"), ("Varaždin", "42000"), ("Šibenik", "22000"), ("Sisak", "44000"),
         ("Velika Gorica", "10410"), ("Dubrovnik", "20000"), ("Bjelovar", "43000"),
         ("Koprivnica", "48000"), ("Čakovec", "40000"), ("Vukovar", "32000"),
         ("Požega", "34000"), ("Samobor", "10430"), ("Makarska", "21300")]
STREETS = ["Ilica", "Vukovarska ulica", "Savska cesta", "Ulica kralja Zvonimira", "Put Firula",
           "Riva", "Korzo", "Frankopanska ulica", "Zagrebačka cesta", "Obala kneza Branimira",
           "Ulica Matije Gupca", "Radnička cesta", "Ulica Ante Starčevića", "Kolodvorska ulica",
           "Trg slobode", "Ulica Stjepana Radića", "Šetalište Petra Preradovića"]
FORMS = ["d.o.o."] * 6 + ["j.d.o.o."] * 2 + ["obrt", "d.d."]
PLACES = ["", "", "", " u računovodstvu", " na recepciji", " u skladištu", " kod direktora",
          " u uredu na prvom katu", " u prodavaonici", " u podružnici"]
ASCII = str.maketrans({"č": "c", "ć": "c", "ž": "z", "š": "s", "đ": "dj", "Č": "C", "Ć": "C",
                       "Ž": "Z", "Š": "S", "Đ": "Dj"})

# Each topic: weight, subjects, the client's first message, what the
# technician did, what the technician notes, what the stopwatch entries say.
TOPICS = [
    (14, ["Ne radi ispis na mrežnom pisaču", "Pisač izbacuje prazne stranice",
          "Pisač javlja zaglavljeni papir", "Skener na pisaču ne šalje na e-poštu"],
     ["pisač{p} od jutros ne ispisuje, na zaslonu piše da je spreman, ali se ništa ne događa. "
      "Probali smo ga ugasiti i upaliti.",
      "kad pošaljemo ispis, pisač uvuče papir i izbaci praznu stranicu. Toner je nov.",
      "skeniranje na pisaču javlja grešku pri slanju na e-poštu, a do prošlog tjedna je radilo."],
     ["zamijenili smo upravljački program i očistili red ispisa",
      "očistili smo valjke i zamijenili spremnik tonera",
      "ponovno smo postavili SMTP postavke za skeniranje na pisaču"],
     ["Pisač je izvan jamstva, ponuditi zamjenu.", "Toner naručen, stiže sutra."],
     ["Dijagnostika pisača na daljinu", "Zamjena tonera i čišćenje", "Podešavanje skeniranja"]),
    (12, ["Ne mogu primati e-poštu", "Outlook stalno traži lozinku",
          "Poruke se vraćaju s greškom", "Sandučić je pun"],
     ["od jutros ne primam poruke, a kolege primaju normalno.",
      "Outlook svakih nekoliko minuta traži lozinku i ne prihvaća je.",
      "sve poruke koje šaljem vraćaju se s porukom o grešci (550)."],
     ["obnovili smo profil u Outlooku i ponovno spojili sandučić",
      "povećali smo sandučić i arhivirali stare poruke",
      "ispravili smo SPF zapis domene, poruke sada odlaze"],
     ["Klijent koristi stari POP3 račun, predložiti prelazak na IMAP.",
      "Lozinka promijenjena na zahtjev direktora."],
     ["Podešavanje Outlooka", "Provjera poslužitelja e-pošte", "Arhiviranje sandučića"]),
    (10, ["Spor internet", "Wi-Fi prekida svakih nekoliko minuta", "Nema interneta u uredu",
          "VPN se ne spaja od kuće"],
     ["internet je jako spor cijeli dan, stranice se otvaraju po minutu.",
      "bežična mreža{p} stalno prekida, gosti se žale.",
      "VPN od kuće javlja da se ne može spojiti na poslužitelj."],
     ["promijenili smo kanale pristupnih točaka i ažurirali firmware usmjerivača",
      "prijavili smo smetnju davatelju usluge, linija je ponovno ispravna",
      "obnovili smo VPN certifikat i poslali novu konfiguraciju"],
     ["Usmjerivač je star 8 godina, ponuditi zamjenu.", "Davatelj usluge: broj prijave 4471223."],
     ["Mjerenje brzine i provjera mreže", "Podešavanje pristupnih točaka", "Podešavanje VPN-a"]),
    (5, ["Blagajna ne šalje račune u Poreznu (fiskalizacija)",
         "Istekao FINA certifikat za fiskalizaciju"],
     ["blagajna javlja grešku certifikata pri fiskalizaciji, računi se izdaju bez JIR-a.",
      "stigla je obavijest da certifikat za fiskalizaciju istječe za tjedan dana."],
     ["uvezli smo obnovljeni FINA certifikat na blagajnu",
      "provjerili smo vezu prema Poreznoj, računi se ponovno fiskaliziraju"],
     ["Certifikat istječe ponovno za 5 godina; dodan podsjetnik."],
     ["Uvoz certifikata na blagajnu", "Provjera fiskalizacije"]),
    (7, ["Sigurnosna kopija nije uspjela", "Disk na poslužitelju je gotovo pun",
         "Upozorenje: RAID javlja grešku diska", "Poslužitelj se ne odaziva"],
     ["stigla je poruka da noćna sigurnosna kopija nije uspjela.",
      "poslužitelj javlja da je disk gotovo pun.",
      "nitko ne može otvoriti mapu na poslužitelju, poslužitelj se ne odaziva."],
     ["zamijenili smo neispravan disk, RAID se obnavlja",
      "oslobodili smo prostor i premjestili stare kopije na NAS",
      "ponovno smo pokrenuli poslužitelj i provjerili zapise grešaka"],
     ["Disk naručen kod dobavljača, rok 3 dana.", "Kopija provjerena vraćanjem jedne mape."],
     ["Provjera sigurnosne kopije", "Zamjena diska u poslužitelju", "Nadzor poslužitelja"]),
    (8, ["Novo računalo za djelatnicu", "Priprema laptopa za novog zaposlenika",
         "Prijenos podataka na novo računalo"],
     ["stiglo je novo računalo, treba ga pripremiti i prenijeti podatke sa starog.",
      "od ponedjeljka počinje nova kolegica, treba joj laptop i korisnički račun."],
     ["pripremili smo računalo, instalirali programe i prenijeli podatke",
      "otvorili smo korisnički račun i predali laptop korisnici"],
     ["Staro računalo obrisati i vratiti klijentu.", "Licenca za Office prebačena."],
     ["Instalacija sustava i programa", "Prijenos podataka", "Predaja računala korisniku"]),
    (9, ["Zaboravljena lozinka", "Zaključan korisnički račun", "Ne mogu se prijaviti u računalo"],
     ["zaboravio sam lozinku za računalo, možete li je resetirati?",
      "korisnički račun je zaključan nakon nekoliko pogrešnih pokušaja."],
     ["postavili smo privremenu lozinku i otključali račun"],
     ["Identitet provjeren telefonom."],
     ["Reset lozinke"]),
    (10, ["Ažuriranje programa za knjigovodstvo", "Licenca za Office je istekla",
          "Windows ažuriranje ne prolazi", "Program za plaće javlja grešku baze"],
     ["program za knjigovodstvo traži ažuriranje, a ne možemo ga instalirati.",
      "Office javlja da je licenca istekla i ne da spremati dokumente.",
      "Windows ažuriranje stalno javlja grešku 0x80070002."],
     ["instalirali smo novu inačicu programa i provjerili bazu",
      "obnovili smo licencu i ponovno aktivirali Office",
      "očistili smo mapu ažuriranja i ponovno pokrenuli Windows ažuriranje"],
     ["Dobavljač programa traži da se ažuriranje radi izvan radnog vremena."],
     ["Ažuriranje programa", "Aktivacija licence", "Windows ažuriranja"]),
    (6, ["Sumnjiva poruka s privitkom", "Računalo je sporo, sumnja na virus",
         "Datoteke se ne otvaraju (kriptovirus?)"],
     ["kolegica je otvorila privitak iz sumnjive poruke, sad se računalo čudno ponaša.",
      "dio datoteka na zajedničkoj mapi ima čudan nastavak i ne otvara se."],
     ["pregledali smo računalo antivirusnim alatom i uklonili zlonamjerni program",
      "vratili smo datoteke iz sigurnosne kopije od prethodne noći"],
     ["Računalo odspojeno s mreže do provjere.", "Preporučiti edukaciju djelatnika."],
     ["Uklanjanje zlonamjernog programa", "Vraćanje iz kopije"]),
    (6, ["Monitor treperi", "Računalo se ne pali", "Bučan ventilator na računalu",
         "Tipkovnica i miš ne rade"],
     ["monitor{p} treperi i povremeno se ugasi.",
      "računalo se od jutros ne pali, samo zasvijetli lampica."],
     ["zamijenili smo napajanje računala", "zamijenili smo kabel i monitor je ispravan"],
     ["Serijski broj zapisan, uređaj je u jamstvu."],
     ["Dijagnostika uređaja", "Zamjena dijela i testiranje"]),
    (4, ["Istječe domena", "Web stranica ne radi", "Obnova SSL certifikata"],
     ["stigla nam je obavijest da domena istječe idući mjesec.",
      "naša web stranica javlja grešku 500 od jutros."],
     ["obnovili smo domenu na godinu dana", "obnovili smo certifikat i ponovno pokrenuli web"],
     ["Domena obnovljena do iduće godine."],
     ["Obnova domene", "Provjera web poslužitelja"]),
    (3, ["Nadzorne kamere ne snimaju", "Telefonska centrala ne prosljeđuje pozive",
         "POS terminal ne prihvaća kartice"],
     ["snimač nadzornih kamera ne snima od vikenda.",
      "pozivi se ne prosljeđuju na mobitel izvan radnog vremena."],
     ["zamijenili smo disk u snimaču i provjerili snimanje",
      "ispravili smo pravila prosljeđivanja na centrali"],
     ["Klijent želi ponudu za dodatnu kameru."],
     ["Izlazak na teren", "Podešavanje uređaja"]),
    (4, ["Ponuda za nova računala", "Ponuda za održavanje mreže",
         "e-Račun ne prolazi u FINA servis",
         "Nema pristupa zajedničkoj mapi"],
     ["molimo ponudu za pet novih računala za ured.",
      "kolege ne mogu otvoriti zajedničku mapu na mrežnom disku."],
     ["poslali smo ponudu u privitku", "ispravili smo dozvole na zajedničkoj mapi"],
     ["Ponuda vrijedi 30 dana."],
     ["Izrada ponude", "Podešavanje dozvola"]),
]
TOPIC_CUM = []
for _w in TOPICS:
    TOPIC_CUM.append((TOPIC_CUM[-1] if TOPIC_CUM else 0) + _w[0])
ASKS = ["Molimo potvrdite radi li sada sve kako treba.", "Javite nam ako se problem ponovi.",
        "Možete li nam javiti kada je zgodno da dođemo?",
        "Molimo ponovno pokrenite računalo i javite nam je li sve u redu."]
ANSWERS = ["Hvala, sada sve radi.", "Još uvijek ne radi, javlja se ista greška.",
           "Može sutra ujutro u 9 sati.", "Hvala na brzoj reakciji!",
           "Problem se opet pojavio nakon ponovnog pokretanja.",
           "Šaljem snimku zaslona s greškom u privitku."]
NOTES = ["Klijent ima ugovor o održavanju, dolazak se ne naplaćuje.",
         "Administratorska lozinka je u sefu, ne slati je e-poštom.",
         "Dogovoreno: dolazak u četvrtak u 10 sati.",
         "Provjereno na daljinu, potreban izlazak na teren.",
         "Isti problem bio je prije dva mjeseca, vidi raniji zahtjev."]
REASONS = ["Klijent potvrdio rješenje.", "Nema odgovora sedam dana, zatvaram.",
           "Riješeno telefonom.", None, None, None]


def oib(rnd, used):
    """A new OIB: ten random digits and the ISO 7064 MOD 11,10 check digit."""
    while True:
        d = "%010d" % rnd.randrange(10 ** 9, 10 ** 10)
        a = 10
        for ch in d:
            a = (a + int(ch)) % 10 or 10
            a = a * 2 % 11
        k = 11 - a
        o = d + str(0 if k == 10 else k)
        if o not in used:
            used.add(o)
            return o


def pick(rnd, cum, items):
    """One of items by the cumulative weights cum."""
    return items[bisect_right(cum, rnd.random() * cum[-1])]


def bisect_right(a, x):
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return min(lo, len(a) - 1)


def dur(seconds):
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def local_day(t):
    return datetime.fromtimestamp(t, TZ).strftime("%d. %m. %Y. u %H:%M")


# ---- the generator ----

class Gen:
    """Fills an initialised database; see the module's docstring."""

    def __init__(self, db, n, seed, now):
        self.db, self.n, self.now = db, n, now
        self.rnd = random.Random(seed)
        self.con = sqlite3.connect(db, isolation_level=None)
        self.heap = []
        self.seq = 0
        self.event_id = self.time_id = self.outbox_id = 0
        self.rows = {k: [] for k in ("tickets", "time_entries", "events", "outbox", "mail_in",
                                     "mail_out", "origin", "addresses", "attachments")}
        self.counts = {k: 0 for k in self.rows}
        self.special = None      # (ticket id, number) of the 30-event ticket

    SQL = {
        "tickets": "INSERT INTO tickets (id, number, subject, status, priority, channel, billing, "
                   "client_id, contact_id, assignee_id, created_by, created_at, updated_at, "
                   "closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "time_entries": "INSERT INTO time_entries (id, ticket_id, user_id, started_at, ended_at, "
                        "seconds, note, billable, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?)",
        "events": "INSERT INTO events (id, ticket_id, kind, author_user_id, author_contact_id, "
                  "created_at, field, old_value, new_value, time_entry_id, body) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        "outbox": "INSERT INTO outbox (id, ticket_id, event_id, kind, status, to_addrs, attempts, "
                  "next_attempt_at, created_at, sent_at) "
                  "VALUES (?,?,?,'reply','sent',?,1,?,?,?)",
        "mail_in": "INSERT INTO mail_messages (ticket_id, event_id, direction, message_id, "
                   "from_addr, from_name, to_addrs, subject, date, source, quote_at, created_at) "
                   "VALUES (?,?,'in',?,?,?,?,?,?,'imap',?,?)",
        "mail_out": "INSERT INTO mail_messages (ticket_id, event_id, direction, message_id, "
                    "from_addr, to_addrs, subject, outbox_id, sent_at, created_at) "
                    "VALUES (?,?,'out',?,?,?,?,?,?,?)",
        "origin": "INSERT INTO ticket_mail_origin (ticket_id, from_addr, from_name, created_at) "
                  "VALUES (?,?,?,?)",
        "addresses": "INSERT INTO ticket_addresses (ticket_id, addr, created_at) VALUES (?,?,?)",
        "attachments": "INSERT INTO attachments (ticket_id, event_id, filename, media_type, size, "
                       "sha256, data, created_at) VALUES (?,?,?,?,?,?,?,?)",
    }

    def run(self):
        con = self.con
        # A new database filled once: no rollback journal, no syncs, a big cache.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA temp_store = MEMORY")
        con.execute("PRAGMA cache_size = -%d" % min(4 << 20, 64 * 1024 + self.n * 4))
        con.execute("BEGIN")
        fts = fts_triggers(con)
        for name, _, _ in fts:
            con.execute("DROP TRIGGER " + name)
        self.staff()
        self.clients()
        self.tickets()
        t0 = time.monotonic()
        for _, create, fill in fts:
            con.execute(fill)
            con.execute(create)
        self.fts_s = time.monotonic() - t0
        con.execute("COMMIT")
        con.execute("PRAGMA journal_mode = WAL")
        con.close()

    # -- staff: the two made by `evid user add` and 18 more with the same password
    def staff(self):
        con, rnd = self.con, self.rnd
        pwhash = con.execute("SELECT pwhash FROM users WHERE email = ?", (TECH[0],)).fetchone()[0]
        self.tech_id = con.execute("SELECT id FROM users WHERE email = ?", (TECH[0],)).fetchone()[0]
        self.admin_id = con.execute("SELECT id FROM users WHERE email = ?",
                                    (ADMIN[0],)).fetchone()[0]
        names = {TECH[1], ADMIN[1]}
        t0 = self.now - 3 * 365 * DAY - 30 * DAY
        while len(names) < 20:
            first = rnd.choice(MEN + WOMEN)
            name = "%s %s" % (first, rnd.choice(SURNAMES))
            if name in names:
                continue
            names.add(name)
            email = (name.lower().replace(" ", ".") + "@servis-horvat.hr").translate(ASCII)
            con.execute("INSERT INTO users (email, name, role, pwhash, lang, created_at) "
                        "VALUES (?, ?, 'technician', ?, ?, ?)",
                        (email, name, pwhash, "en" if rnd.random() < 0.1 else "hr", t0))
        self.techs = con.execute("SELECT id, name FROM users WHERE role = 'technician' "
                                 "ORDER BY id").fetchall()
        self.user_name = dict(con.execute("SELECT id, name FROM users"))
        # a few technicians take most of the work
        self.tech_cum = []
        for i, _ in enumerate(self.techs):
            self.tech_cum.append((self.tech_cum[-1] if self.tech_cum else 0) + 1.0 / (1 + i * 0.15))

    # -- ~2,000 clients, each with 1 to 6 contacts
    def clients(self):
        con, rnd = self.con, self.rnd
        names, oibs, emails = set(), set(), set()
        clients, contacts = [], []
        self.client_contacts = []   # per client: [(contact id, name, first, email), ...]
        t0 = self.now - 4 * 365 * DAY
        cid = kid = 0
        while len(clients) < 2000:
            trade, surname = rnd.choice(TRADES), rnd.choice(SURNAMES)
            town, zipc = rnd.choice(TOWNS)
            base = "%s %s" % (trade, surname) if rnd.random() < 0.7 else "%s %s" % (trade, town)
            name = "%s %s" % (base, rnd.choice(FORMS))
            if name.lower() in names:
                continue
            names.add(name.lower())
            cid += 1
            domain = re.sub(r"[^a-z0-9]+", "-", base.lower().translate(ASCII)).strip("-") + ".hr"
            o = oib(rnd, oibs) if rnd.random() < 0.9 else ""
            created = t0 + rnd.randrange(365 * DAY)
            clients.append((cid, name, o, "HR" + o if o and rnd.random() < 0.7 else "",
                            "%s %d, %s %s" % (rnd.choice(STREETS), rnd.randrange(1, 200), zipc,
                                              town),
                            domain, "racuni@" + domain,
                            rnd.choice(["", "", "Ugovor o održavanju: 10 sati mjesečno.",
                                        "Naplata po satu, odziv unutar 4 sata.",
                                        "Ključ od serverske sobe kod recepcije."]),
                            0 if rnd.random() < 0.03 else 1, created, created))
            mine = []
            for j in range(rnd.choice([1, 1, 2, 2, 3, 3, 3, 4, 5, 6])):
                woman = rnd.random() < 0.5
                first = rnd.choice(WOMEN if woman else MEN)
                last = rnd.choice(SURNAMES)
                email = ("%s.%s@%s" % (first, last, domain)).lower().translate(ASCII)
                if email in emails or rnd.random() < 0.08:
                    email = None       # a contact reached only by phone
                else:
                    emails.add(email)
                kid += 1
                contacts.append((kid, cid, "%s %s" % (first, last), email,
                                 "+385 %d %03d %04d" % (rnd.choice([1, 21, 51, 91, 95, 98, 99]),
                                                        rnd.randrange(1000), rnd.randrange(10000)),
                                 1 if j == 0 else 0, 1, created + j * DAY, created + j * DAY))
                mine.append((kid, "%s %s" % (first, last), first, email, woman))
            self.client_contacts.append((cid, name, domain, mine))
        con.executemany("INSERT INTO clients (id, name, oib, vat_id, address, email_domains, "
                        "billing_email, notes, active, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?)", clients)
        con.executemany("INSERT INTO contacts (id, client_id, name, email, phone, sees_all, "
                        "active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", contacts)
        self.n_clients, self.n_contacts = len(clients), len(contacts)
        # a few clients bring most tickets
        order = list(range(len(clients)))
        rnd.shuffle(order)
        self.client_order = order
        self.client_cum = []
        for i in range(len(order)):
            self.client_cum.append((self.client_cum[-1] if self.client_cum else 0) + 1.0 / (i + 10))

    # -- tickets over three years, in the order they came
    def tickets(self):
        rnd, now = self.rnd, self.now
        start = now - 3 * 365 * DAY
        times = []
        while len(times) < self.n:
            t = start + int(rnd.random() * (now - start - HOUR))
            lt = time.localtime(t)
            # mostly on working days, mostly in working hours
            if lt.tm_wday >= 5 and rnd.random() < 0.85:
                continue
            if not 7 <= lt.tm_hour < 18 and rnd.random() < 0.8:
                continue
            times.append(t)
        times.sort()
        special_at = now - 12 * DAY
        self.year_starts = {}
        seqs = {}
        for i, created in enumerate(times):
            tid = i + 1
            year = self.year_of(created)
            seqs[year] = seqs.get(year, 0) + 1
            number = "%04d-%06d" % (year, seqs[year])
            while self.heap and self.heap[0][0] < created:
                self.emit(heapq.heappop(self.heap))
            if self.special is None and created >= special_at:
                self.special = (tid, number)
                self.ticket_special(tid, number, created)
            else:
                self.ticket(tid, number, created)
            if len(self.rows["events"]) >= 50000:
                self.flush()
        while self.heap:
            self.emit(heapq.heappop(self.heap))
        self.flush()
        self.con.executemany("INSERT INTO ticket_seq (year, last) VALUES (?, ?)",
                             sorted(seqs.items()))
        # the bench technician's stopwatch runs on the 30-event ticket
        self.con.execute("INSERT INTO timers (user_id, ticket_id, started_at) VALUES (?, ?, ?)",
                         (self.tech_id, self.special[0], now - 25 * MIN))

    def year_of(self, t):
        # ticket numbers take the year in the business time zone
        for y, (a, b) in self.year_starts.items():
            if a <= t < b:
                return y
        y = datetime.fromtimestamp(t, TZ).year
        a = int(datetime(y, 1, 1, tzinfo=TZ).timestamp())
        b = int(datetime(y + 1, 1, 1, tzinfo=TZ).timestamp())
        self.year_starts[y] = (a, b)
        return y

    def push(self, t, tid, kind, user, contact, field="", old="", new="", body=None, extra=None):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, tid, kind, user, contact, field, old, new, body,
                                   extra))

    def emit(self, e):
        """Write one event (in time order over all tickets) and what hangs on it."""
        t, _, tid, kind, user, contact, field, old, new, body, extra = e
        self.event_id += 1
        eid = self.event_id
        te = None
        r = self.rows
        if kind == "time_entry":
            secs, note, billable = extra
            self.time_id += 1
            te = self.time_id
            r["time_entries"].append((te, tid, user, t - secs, t, secs, note, billable, t, t))
        r["events"].append((eid, tid, kind, user, contact, t, field, old, new, te, body))
        if kind == "message_in" and extra:
            msgid, addr, name, subject, quote_at = extra[:5]
            r["mail_in"].append((tid, eid, msgid, addr, name, SUPPORT, subject, t - 40, quote_at,
                                 t))
            for fname, mtype, data in extra[5:]:
                r["attachments"].append((tid, eid, fname, mtype, len(data),
                                         hashlib.sha256(data).hexdigest(), data, t))
        elif kind == "reply" and extra:
            addr, subject = extra
            self.outbox_id += 1
            r["outbox"].append((self.outbox_id, tid, eid, addr, t, t, t + 4))
            r["mail_out"].append((tid, eid, "evid.%d.%d@servis-horvat.hr" % (tid, eid), SUPPORT,
                                  addr, subject, self.outbox_id, t + 4, t))

    def flush(self):
        for k in ("tickets", "time_entries", "events", "outbox", "mail_in", "mail_out",
                  "origin", "addresses", "attachments"):
            if self.rows[k]:
                self.con.executemany(self.SQL[k], self.rows[k])
                self.counts[k] += len(self.rows[k])
                self.rows[k] = []

    def party(self):
        """client, contact and channel of a new ticket."""
        rnd = self.rnd
        ci = self.client_order[bisect_right(self.client_cum, rnd.random() * self.client_cum[-1])]
        client = self.client_contacts[ci]
        contacts = client[3]
        contact = contacts[0] if rnd.random() < 0.5 else rnd.choice(contacts)
        if contact[3]:
            channel = pick(rnd, [55, 80, 88, 92, 95, 97, 100],
                           ["email", "phone", "web", "walk_in", "sms", "fax", "api"])
        else:
            channel = pick(rnd, [60, 80, 95, 100], ["phone", "walk_in", "sms", "fax"])
        return client, contact, channel

    def ticket(self, tid, number, created):
        rnd, now = self.rnd, self.now
        client, contact, channel = self.party()
        topic = TOPICS[bisect_right(TOPIC_CUM, rnd.random() * TOPIC_CUM[-1])]
        ti = rnd.randrange(len(topic[1]))
        subject = topic[1][ti] + (rnd.choice(PLACES) if rnd.random() < 0.3 else "")
        priority = pick(rnd, [12, 82, 96, 100], ["low", "normal", "high", "urgent"])
        billing = pick(rnd, [75, 90, 100], ["billable", "free", "warranty"])
        tech = self.techs[bisect_right(self.tech_cum, rnd.random() * self.tech_cum[-1])][0]
        age = now - created
        if age > 30 * DAY:
            status = pick(rnd, [93, 97, 99, 100], ["closed", "resolved", "waiting", "open"])
        elif age > 7 * DAY:
            status = pick(rnd, [60, 80, 90, 100], ["closed", "resolved", "waiting", "open"])
        else:
            status = pick(rnd, [20, 55, 70, 85, 100],
                          ["new", "open", "waiting", "resolved", "closed"])
        assignee = None if status == "new" and rnd.random() < 0.6 else tech
        steps = self.story(rnd, created, topic, client, contact, channel, subject, status,
                           assignee, billing, priority)
        self.place(tid, number, created, subject, status, priority, channel, billing, client,
                   contact, assignee, tech, steps)

    def place(self, tid, number, created, subject, status, priority, channel, billing, client,
              contact, assignee, creator, steps):
        """The ticket's row, its mail origin, and its events on the heap at their times."""
        span = max(1, steps[-1][0])
        room = self.now - created - MIN
        scale = min(1.0, room / span) if span > 0 else 1.0
        last = created
        closed_at = None
        for dt, kind, user, kcontact, field, old, new, body, extra in steps:
            t = created + int(dt * scale)
            t = max(t, last)
            last = t
            if kind == "status_change" and new == "closed":
                closed_at = t
            self.push(t, tid, kind, user, kcontact, field, old, new, body, extra)
        if status != "closed":
            closed_at = None
        self.rows["tickets"].append((tid, number, subject, status, priority, channel, billing,
                                     client[0], contact[0], assignee,
                                     None if channel in ("email", "web") else creator,
                                     created, last, closed_at))
        if channel == "email":
            self.rows["origin"].append((tid, contact[3], contact[1], created))
            self.rows["addresses"].append((tid, contact[3], created))

    def message(self, rnd, contact, text):
        return "%s,\n\n%s\n\nLijep pozdrav,\n%s" % (
            rnd.choice(["Poštovani", "Dobar dan", "Pozdrav"]), text[0].upper() + text[1:],
            contact[1])

    def reply_text(self, rnd, contact, tech, action):
        hello = "Poštovana gospođo" if contact[4] else "Poštovani gospodine"
        return "%s %s,\n\n%s. %s\n\nLijep pozdrav,\n%s\n%s" % (
            hello, contact[1].split(" ")[-1], action[0].upper() + action[1:], rnd.choice(ASKS),
            self.user_name[tech], COMPANY)

    def answer(self, rnd, contact, tech, quoted, when):
        """The client's answer quoting the reply; the quote's byte offset."""
        head = "%s\n\n%s" % (rnd.choice(ANSWERS), contact[1])
        quote = "\n\n%s, %s je napisao/la:\n%s" % (
            when, self.user_name[tech], "\n".join("> " + ln for ln in quoted.split("\n")))
        return head + quote, len(head.encode())

    def story(self, rnd, created, topic, client, contact, channel, subject, status, assignee,
              billing, priority):
        """The ticket's events: (seconds after creation, kind, user, contact, field, old,
        new, body, extra), in order."""
        steps = []
        tech = assignee or self.techs[0][0]
        email = contact[3]
        desc = topic[2][rnd.randrange(len(topic[2]))].replace("{p}", rnd.choice(PLACES))
        body = self.message(rnd, contact, desc)
        if channel == "email":
            extra = ("bench.%d.%d@%s" % (client[0], rnd.getrandbits(40), email.split("@")[1]),
                     email, contact[1], subject, None)
            steps.append((0, "message_in", None, contact[0], "", "", "", body, extra))
        elif channel == "web":
            steps.append((0, "message_in", None, contact[0], "", "", "", body, None))
        else:
            steps.append((0, "message_in", tech, None, "", "", "",
                          "%s javlja: %s" % (contact[1], desc), None))
        t = 0
        if assignee:
            t += rnd.randrange(2 * MIN, 90 * MIN)
            by = rnd.choice([self.admin_id, assignee])
            steps.append((t, "assignment", by, None, "assignee_id", "", self.user_name[assignee],
                          None, None))
        if status == "new":
            return steps
        t += rnd.randrange(MIN, 60 * MIN)
        steps.append((t, "status_change", tech, None, "status", "new", "open", None, None))
        cycles = 1 + (rnd.random() < 0.5) + (rnd.random() < 0.25) + (rnd.random() < 0.1)
        last_reply = None
        for c in range(cycles):
            t += rnd.randrange(5 * MIN, 6 * HOUR) if c == 0 else rnd.randrange(HOUR, 3 * DAY)
            secs = rnd.choice([10, 15, 20, 30, 45, 60, 90, 120]) * MIN + rnd.randrange(60)
            steps.append((t, "time_entry", tech, None, "duration", "", dur(secs), None,
                          (secs, rnd.choice(topic[5]), 1 if billing == "billable" else 0)))
            if rnd.random() < 0.15:
                t += rnd.randrange(MIN, HOUR)
                steps.append((t, "note", tech, None, "", "", "", rnd.choice(topic[4] + NOTES),
                              None))
            if email and rnd.random() < 0.7:
                t += rnd.randrange(MIN, 30 * MIN)
                text = self.reply_text(rnd, contact, tech, rnd.choice(topic[3]))
                steps.append((t, "reply", tech, None, "", "", "", text, (email, "Re: " + subject)))
                last_reply = (t, text)
                if rnd.random() < 0.45 and c < cycles - 1:
                    t += rnd.randrange(10 * MIN, DAY)
                    ans, qa = self.answer(rnd, contact, tech, text,
                                          local_day(created + last_reply[0]))
                    extra = None
                    if channel == "email":
                        extra = ("bench.a%d.%d@%s" % (client[0], rnd.getrandbits(40),
                                                      email.split("@")[1]),
                                 email, contact[1], "Re: " + subject, qa)
                    steps.append((t, "message_in", None, contact[0], "", "", "", ans, extra))
            if rnd.random() < 0.03:
                t += rnd.randrange(MIN, HOUR)
                new = "high" if priority != "high" else "urgent"
                steps.append((t, "field_change", tech, None, "priority", priority, new, None,
                              None))
        if status == "open":
            return steps
        if status == "waiting":
            t += rnd.randrange(MIN, 10 * MIN)
            steps.append((t, "status_change", tech, None, "status", "open", "waiting",
                          "Čekamo odgovor klijenta." if last_reply else None, None))
            return steps
        t += rnd.randrange(10 * MIN, DAY)
        if status == "closed" and rnd.random() < 0.2:
            steps.append((t, "status_change", tech, None, "status", "open", "closed",
                          rnd.choice(REASONS), None))
            return steps
        steps.append((t, "status_change", tech, None, "status", "open", "resolved", None, None))
        if status == "closed":
            t += rnd.randrange(DAY, 7 * DAY)
            steps.append((t, "status_change", tech, None, "status", "resolved", "closed",
                          rnd.choice(REASONS), None))
        return steps

    def ticket_special(self, tid, number, created):
        """The ticket the ticket page is measured on: by email, the bench technician's,
        open, with exactly TICKET_EVENTS events over eleven days and two attachments."""
        rnd = self.rnd
        while True:
            client, contact, channel = self.party()
            if contact[3]:
                break
        topic = TOPICS[0]
        subject = "Pisač u računovodstvu ne ispisuje, a skeniranje javlja grešku"
        tech, email = self.tech_id, contact[3]
        dom = email.split("@")[1]
        steps = []
        t = 0

        def at(minutes):
            nonlocal t
            t += minutes * MIN

        def inbox(text, qa=None, files=()):
            ex = ("bench.s%d.%d@%s" % (tid, len(steps), dom), email, contact[1],
                  "Re: " + subject if steps else subject, qa) + tuple(files)
            steps.append((t, "message_in", None, contact[0], "", "", "", text, ex))

        def reply(action):
            text = self.reply_text(rnd, contact, tech, action)
            steps.append((t, "reply", tech, None, "", "", "", text, (email, "Re: " + subject)))
            return text

        def work(minutes, note):
            secs = minutes * MIN
            steps.append((t, "time_entry", tech, None, "duration", "", dur(secs), None,
                          (secs, note, 1)))

        def note(text):
            steps.append((t, "note", tech, None, "", "", "", text, None))

        def status(old, new, why=None):
            steps.append((t, "status_change", tech, None, "status", old, new, why, None))

        png = bytes(rnd.getrandbits(8) for _ in range(40000))
        pdf = b"%PDF-1.4\n" + bytes(rnd.getrandbits(8) for _ in range(120000))
        inbox(self.message(rnd, contact, topic[2][0].replace("{p}", " u računovodstvu")
                           + " Također skeniranje na e-poštu javlja grešku."))
        at(20)
        steps.append((t, "assignment", self.admin_id, None, "assignee_id", "",
                      self.user_name[tech], None, None))
        status("new", "open")
        at(35)
        work(45, "Dijagnostika pisača na daljinu")
        at(5)
        r = reply(topic[3][0])
        a, q = self.answer(rnd, contact, tech, r, local_day(created + t))
        at(300)
        inbox(a, q, [("greska-pisac.png", "image/png", png)])
        at(30)
        note("Na snimci se vidi greška 49.4C02, vjerojatno firmware.")
        at(60)
        work(30, "Nadogradnja firmwarea pisača")
        at(5)
        r = reply("nadogradili smo firmware pisača, greška 49 se više ne bi smjela pojavljivati")
        a, q = self.answer(rnd, contact, tech, r, local_day(created + t))
        at(24 * 60)
        inbox(a, q)
        at(10)
        steps.append((t, "field_change", tech, None, "priority", "normal", "high", None, None))
        at(120)
        work(90, "Izlazak na teren, čišćenje valjaka")
        at(5)
        note("Valjci istrošeni; naručeni novi (rok 3 dana).")
        at(10)
        reply("naručili smo nove valjke za uvlačenje papira, javit ćemo se kad stignu")
        at(1)
        status("open", "waiting", "Čekamo dijelove od dobavljača.")
        at(2 * 24 * 60)
        inbox(self.message(rnd, contact, "ispis opet staje svakih nekoliko stranica, "
                                         "kada stižu dijelovi?"))
        at(30)
        status("waiting", "open")
        at(30)
        work(20, "Telefonska podrška")
        at(5)
        note("Dobavljač potvrdio isporuku za četvrtak.")
        at(10)
        reply("dijelovi stižu u četvrtak, dolazimo isti dan poslijepodne")
        at(24 * 60)
        inbox(self.message(rnd, contact, "u redu, netko će biti u uredu do 16 sati."),
              None, [("narudzbenica.pdf", "application/pdf", pdf)])
        at(2 * 24 * 60)
        work(120, "Zamjena valjaka i testiranje")
        at(10)
        r = reply(topic[3][2])
        at(1)
        status("open", "waiting", "Čekamo potvrdu klijenta.")
        a, q = self.answer(rnd, contact, tech, r, local_day(created + t))
        at(3 * 60)
        inbox(a, q)
        at(20)
        status("waiting", "open")
        at(24 * 60)
        work(40, "Provjera skeniranja na e-poštu")
        at(5)
        note("Skeniranje radi za sve osim za direktora: stari adresar.")
        at(10)
        reply("ispravili smo adresar za skeniranje, molimo još jednu provjeru")
        at(4 * 60)
        inbox(self.message(rnd, contact, "sada radi i kod direktora, hvala. Pratit ćemo "
                                         "još nekoliko dana."))
        assert len(steps) == TICKET_EVENTS, len(steps)
        assert steps[-1][0] < 12 * DAY
        self.place(tid, number, created, subject, "open", "high", "email", "billable", client,
                   contact, tech, tech, steps)


def fts_triggers(con):
    """The schema's AFTER INSERT triggers that fill a full-text index, each as
    (name, its CREATE statement, its INSERT run once over the whole table).

    The generator drops them, inserts, then runs each trigger's INSERT over
    all rows (the trigger's "new" becomes the table's alias, its WHEN a
    WHERE) in the order of the index's rowids, and creates the trigger
    again: the index gets exactly what the triggers would have put in, many
    times faster than row by row (FTS5 flushes its pending terms whenever a
    rowid is not above the last one, and the index's rowids follow tickets,
    not time).  A trigger of a shape not understood here stays in place."""
    out = []
    rows = con.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE '%fts%' ORDER BY name")
    for name, table, sql in rows.fetchall():
        m = re.match(r"CREATE TRIGGER \w+ AFTER INSERT ON (\w+)\s+(?:WHEN\s+(.*?)\s+)?BEGIN\s+"
                     r"INSERT INTO (\w+)\s*\(([^)]*)\)\s*(.*?);\s*END$", sql, re.S)
        if not m or m.group(1) != table or ";" in m.group(5):
            continue
        when, target, cols, rest = m.group(2), m.group(3), m.group(4), m.group(5)
        v = re.match(r"VALUES\s*\((.*)\)$", rest, re.S)
        q = re.match(r"SELECT\s+(.*?)\s+FROM\s+(.*?)(?:\s+WHERE\s+(.*))?$", rest, re.S)
        if v:
            select, sources, where = v.group(1), "", []
        elif q:
            select, sources, where = q.group(1), ", " + q.group(2), [q.group(3)]
        else:
            continue
        where = ["(%s)" % w for w in [when] + where if w]
        fill = "INSERT INTO %s (%s) SELECT %s FROM %s AS new%s%s ORDER BY 1" % (
            target, cols, select, table, sources,
            " WHERE " + " AND ".join(where) if where else "")
        out.append((name, sql, fill))
    return out


def make_db(evid, db, n, seed):
    """evid init, the two logins, then Gen; returns (seconds, Gen)."""
    env = dict(os.environ)
    env.pop("EVID_CONFIG", None)
    env.pop("EVID_DB", None)
    for args, inp in ((["init"], None),
                      (["user", "add", "--email", ADMIN[0], "--name", ADMIN[1], "--role",
                        ADMIN[2], "--password-stdin"], PASSWORD + "\n"),
                      (["user", "add", "--email", TECH[0], "--name", TECH[1], "--role",
                        TECH[2], "--password-stdin"], PASSWORD + "\n")):
        p = subprocess.run([evid, "--db", db] + args, input=inp, capture_output=True, text=True,
                           env=env)
        if p.returncode != 0:
            fail("evid %s failed (%d): %s" % (args[0], p.returncode, p.stderr.strip()))
    t0 = time.monotonic()
    g = Gen(db, n, seed, int(time.time()))
    g.run()
    return time.monotonic() - t0, g


# ---- servers and wrk ----

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, method="GET", body=None, headers=None):
    """(status, headers, bytes) of one request; no redirects followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Procs:
    """Every server this script starts, stopped on the way out."""

    def __init__(self):
        self.procs = []

    def start(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p)


def start_evid(procs, evid, db, work, result_cache=None):
    port = free_port()
    conf = os.path.join(work, "evid.conf")
    with open(conf, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:%d\nthreads = %d\n\n[database]\npath = %s\n"
                % (port, EVID_THREADS, db))
        if result_cache is not None:
            f.write("result_cache = %d\n" % result_cache)
    env = dict(os.environ)
    env.pop("EVID_DB", None)
    env.pop("EVID_CONFIG", None)
    check = subprocess.run([evid, "config", "check", conf], capture_output=True, text=True,
                           env=env)
    if check.returncode != 0:
        fail("evid config check: " + (check.stdout + check.stderr).strip())
    # one log line per request: to /dev/null, as nginx's access_log is off
    p = procs.start([evid, "--config", conf, "serve"], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, env=env, cwd=work)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 30
    while time.time() < deadline:
        if p.poll() is not None:
            fail("evid serve exited %d at start (try: %s --config %s serve)"
                 % (p.returncode, evid, conf))
        try:
            if http(url + "/healthz")[0] == 200:
                return p, url
        except OSError:
            pass
        time.sleep(0.05)
    fail("evid serve did not answer /healthz within 30 s")


def start_nginx(procs, work, www, headers):
    port = free_port()
    ndir = os.path.join(work, "nginx")
    os.makedirs(ndir, exist_ok=True)
    conf = os.path.join(ndir, "nginx.conf")
    add = "".join('            add_header %s "%s" always;\n' % (k, v) for k, v in headers
                  if '"' not in v and "$" not in v and "\\" not in v)
    temps = "".join("    %s_temp_path %s;\n" % (k, os.path.join(ndir, k))
                    for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    with open(conf, "w") as f:
        f.write("""# bench/web.py: saved pages of evid, served as they are
%(user)sworker_processes auto;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000000;
    server_tokens off;
    types {}
    default_type "text/html; charset=utf-8";
%(temps)s
    server {
        listen 127.0.0.1:%(port)d;
        root %(www)s;
        location / {
%(add)s        }
    }
}
""" % {"user": "user root root;\n" if os.geteuid() == 0 else "", "dir": ndir,
       "temps": temps, "port": port, "www": www, "add": add})
    p = procs.start(["nginx", "-p", ndir, "-c", conf, "-e", os.path.join(ndir, "error.log")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 10
    while time.time() < deadline:
        if p.poll() is not None:
            fail("nginx exited %d: %s" % (p.returncode, p.stderr.read().decode(errors="replace")))
        try:
            http(url + "/")
            return p, url
        except OSError:
            time.sleep(0.05)
    fail("nginx did not start within 10 s")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
SIZES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def settle(pids, limit=120.0):
    """Wait until the servers pids have used no CPU for half a second: the
    requests wrk left behind are done and do not weigh on the next run."""
    def ticks():
        n = 0
        for pid in pids:
            with open("/proc/%d/stat" % pid) as f:
                v = f.read().rsplit(")", 1)[1].split()
            n += int(v[11]) + int(v[12])
        return n
    last, still, end = ticks(), 0, time.time() + limit
    while still < 5 and time.time() < end:
        time.sleep(0.1)
        now = ticks()
        still = still + 1 if now == last else 0
        last = now


def wrk(url, cookie, seconds):
    """Run wrk against url; a dict of what it measured."""
    # --timeout: a slow answer is measured, not dropped as an error
    p = subprocess.run(["wrk", "-t%d" % WRK_THREADS, "-c%d" % CONNECTIONS, "-d%ds" % seconds,
                        "--timeout", "60s", "--latency", "-H", "Cookie: " + cookie, url],
                       capture_output=True, text=True)
    out = p.stdout
    if p.returncode != 0:
        fail("wrk %s failed (%d): %s%s" % (url, p.returncode, out, p.stderr))

    def ms(s):
        m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
        return float(m.group(1)) * UNITS[m.group(2)]
    r = {}
    m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    if not m or not re.search(r"Requests/sec:", out):
        fail("wrk %s: no measurement in its output:\n%s" % (url, out))
    r["avg_ms"], r["max_ms"] = ms(m.group(1)), ms(m.group(3))
    for q in ("50", "90", "99"):
        r["p" + q] = ms(re.search(r"\s%s%%\s+(\S+)" % q, out).group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+)(\w+) read", out)
    r["requests"] = int(m.group(1))
    r["bytes_per"] = float(m.group(3)) * SIZES[m.group(4)] / max(1, r["requests"])
    r["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["bad"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["errors"] = sum(map(int, m.groups())) if m else 0
    return r


# ---- one run: a database of n tickets, both servers, every page ----

def pages_of(g):
    q = urllib.parse.quote(SEARCH)
    return [
        ("ticket", "ticket page, %d events" % TICKET_EVENTS, "/tickets/%d" % g.special[0]),
        ("queue", "queue: status=all, one assignee", "/tickets?status=all&assignee=%d" % g.tech_id),
        ("search", "queue: q=%s" % SEARCH, "/tickets?q=" + q),
    ]


def check_page(key, path, status, body):
    """The page is there and shows what is measured; else stop with why."""
    if status != 200:
        fail("GET %s answered %d, not 200%s" % (path, status,
             " (the page is not there yet?)" if status in (404, 405, 501) else ""))
    text = body.decode("utf-8", "replace")
    if key == "ticket":
        n = len(re.findall(r'<li class="event ev-', text))
        if n != TICKET_EVENTS:
            fail("GET %s shows %d events (<li class=\"event ev-...\">), not %d"
                 % (path, n, TICKET_EVENTS))
        return "%d events" % n
    n = len(re.findall(r"<tr data-ticket=", text))
    if key == "queue" and n != QUEUE_ROWS:
        fail("GET %s shows %d rows (<tr data-ticket=...>), not %d" % (path, n, QUEUE_ROWS))
    if n == 0:
        fail("GET %s found no ticket for %r: nothing to measure" % (path, SEARCH))
    m = re.search(r'id="queue-total">([^<]*)<', text)
    return "%d rows of %s" % (n, m.group(1).strip() if m else "?")


def run(evid, n, procs, work):
    db = os.path.join(work, "evid-%d.db" % n)
    gen_s, g = make_db(evid, db, n, SEED)
    size_mb = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s)) / 1e6
    print("web: %s tickets, %s events, %s time entries, %s clients, %s contacts: generated in "
          "%.1f s, of which %.1f s filling the full-text index (database %.0f MB)"
          % (fmt(n), fmt(g.counts["events"]), fmt(g.counts["time_entries"]), fmt(g.n_clients),
             fmt(g.n_contacts), gen_s, g.fts_s, size_mb), flush=True)
    ev, evid_url = start_evid(procs, evid, db, work)
    st, hdrs, body = http(evid_url + "/api/v1/login", "POST",
                          json.dumps({"email": TECH[0], "password": PASSWORD}).encode(),
                          {"Content-Type": "application/json"})
    if st != 200:
        fail("POST /api/v1/login answered %d: %s" % (st, body[:200]))
    cookie = hdrs.get("Set-Cookie", "").split(";", 1)[0]
    if not cookie.startswith("evid_session="):
        fail("POST /api/v1/login set no evid_session cookie")
    www = os.path.join(work, "www-%d" % n)
    os.makedirs(www)
    pages, shown = [], {}
    headers = None
    for key, label, path in pages_of(g):
        st, h, body = http(evid_url + path, headers={"Cookie": cookie})
        shown[key] = check_page(key, path, st, body)
        with open(os.path.join(www, key), "wb") as f:
            f.write(body)
        if key == "ticket":
            skip = {"date", "content-length", "connection", "keep-alive", "transfer-encoding",
                    "content-type", "server"}
            headers = [(k, v) for k, v in h.items() if k.lower() not in skip]
        pages.append((key, label, path, len(body)))
    ng, nginx_url = start_nginx(procs, work, www, headers or [])
    for key, _, _, size in pages:
        st, _, body = http(nginx_url + "/" + key, headers={"Cookie": cookie})
        if st != 200 or len(body) != size:
            fail("nginx answered %d with %d bytes for %s, not the %d saved" % (st, len(body), key,
                                                                               size))
    load = busy()
    res = {}
    for key, label, path, size in pages:
        urls = (("evid", evid_url + path), ("nginx", nginx_url + "/" + key))
        runs = {"evid": [], "nginx": []}
        for side, url in urls:
            wrk(url, cookie, 2)            # warm up: caches, prepared statements, connections
        # ROUNDS runs of each, in turns, so that the machine's ups and downs fall on both
        for _ in range(ROUNDS):
            for side, url in urls:
                settle([ev.pid])
                r = wrk(url, cookie, SECONDS)
                if r["bad"]:
                    fail("%s %s: %d answers were not 2xx or 3xx" % (side, url, r["bad"]))
                # a redirect to the login page would count as a success in wrk: check the bytes
                if r["bytes_per"] < 0.97 * size:
                    fail("%s %s: %.0f bytes per answer read, the page has %d: not the page"
                         % (side, url, r["bytes_per"], size))
                runs[side].append(r)
        for side in runs:
            res[key, side] = median_run(runs[side])
    procs.stop(ev)
    if ev.returncode != 0:
        fail("evid serve exited %d on SIGTERM" % ev.returncode)
    # The pages again with no kept answers: every request reads them from
    # the database, as the first one after any change does.
    ev, evid_url = start_evid(procs, evid, db, work, result_cache=0)
    for key, label, path, size in pages:
        url = evid_url + path
        wrk(url, cookie, 2)
        settle([ev.pid])
        r = wrk(url, cookie, SECONDS)
        settle([ev.pid])
        if r["bad"] or r["bytes_per"] < 0.97 * size:
            fail("evid %s without kept answers: not the page (%d bad answers, %.0f bytes each)"
                 % (url, r["bad"], r["bytes_per"]))
        res[key, "uncached"] = r
    procs.stop(ng)
    procs.stop(ev)
    if ev.returncode != 0:
        fail("evid serve exited %d on SIGTERM" % ev.returncode)
    report(n, pages, res, shown, load)
    os.unlink(db)


def median_run(runs):
    """The run whose mean time is the median of runs'."""
    return sorted(runs, key=lambda r: r["avg_ms"])[len(runs) // 2]


def busy(seconds=1.0):
    """How busy the CPUs are (0-100) over a moment when none of ours runs."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]     # all, idle + iowait
    a = sample()
    time.sleep(seconds)
    b = sample()
    return 100.0 * (1 - (b[1] - a[1]) / max(1, b[0] - a[0]))


def fmt(x):
    return "{:,}".format(x)


def report(n, pages, res, shown, load):
    print("  evid serve threads=%d, wrk -t%d -c%d -d%ds --latency, nginx worker_processes auto "
          "(%d CPUs, %.0f%% busy with other work just before); each row the median of %d runs, "
          "evid's and nginx's in turns"
          % (EVID_THREADS, WRK_THREADS, CONNECTIONS, SECONDS, os.cpu_count(), load, ROUNDS))
    print("  %-36s %8s  %-7s %9s %8s %8s %8s  %s" % ("page", "bytes", "server", "req/s", "mean ms",
                                                     "p50 ms", "p99 ms", "evid/nginx time"))
    for key, label, path, size in pages:
        for side in ("evid", "nginx"):
            r = res[key, side]
            ratio = ""
            if side == "evid":
                ratio = "%.2fx" % (r["avg_ms"] / res[key, "nginx"]["avg_ms"])
            err = "  (%d socket errors)" % r["errors"] if r["errors"] else ""
            print("  %-36s %8s  %-7s %9s %8.2f %8.2f %8.2f  %s%s"
                  % (label if side == "evid" else "", fmt(size) if side == "evid" else "", side,
                     fmt(round(r["rps"])), r["avg_ms"], r["p50"], r["p99"], ratio, err))
        print("  %-36s GET %s: %s" % ("", path, shown[key]))
    print("  the same with [database] result_cache = 0, every request read from the database:")
    for key, label, path, size in pages:
        if (key, "uncached") not in res:
            continue
        r = res[key, "uncached"]
        print("  %-36s %8s  %-7s %9s %8.2f %8.2f %8.2f  %.2fx"
              % (label, fmt(size), "evid", fmt(round(r["rps"])), r["avg_ms"], r["p50"], r["p99"],
                 r["avg_ms"] / res[key, "nginx"]["avg_ms"]))
    t = res["ticket", "evid"]
    print("  target: ticket page >= %s req/s: %s req/s: %s"
          % (fmt(TICKET_RPS_TARGET), fmt(round(t["rps"])),
             "met" if t["rps"] >= TICKET_RPS_TARGET and not t["errors"] else "NOT met"))
    print("  target: ticket page p99 < %.0f ms: %.2f ms: %s"
          % (TICKET_P99_TARGET_MS, t["p99"],
             "met" if t["p99"] < TICKET_P99_TARGET_MS else "NOT met"))
    for key in ("queue", "search"):
        ratio = res[key, "evid"]["avg_ms"] / res[key, "nginx"]["avg_ms"]
        print("  target: %s mean time within %.0fx of nginx's: %.2fx: %s (requests/s: nginx's "
              "%.2fx evid's)"
              % ("queue" if key == "queue" else "queue with search", QUEUE_RATIO_TARGET, ratio,
                 "met" if ratio <= QUEUE_RATIO_TARGET else "NOT met",
                 res[key, "nginx"]["rps"] / res[key, "evid"]["rps"]))
    sys.stdout.flush()


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--make-db"]:
        if len(argv) < 2:
            fail("usage: bench/web.py --make-db PATH [TICKETS]")
        evid = os.path.abspath(os.environ.get("EVID_BIN") or os.path.join(ROOT, "build", "evid"))
        if os.path.exists(argv[1]):
            fail("%s exists: give a new path" % argv[1])
        n = int(argv[2]) if len(argv) > 2 else N
        secs, g = make_db(evid, os.path.abspath(argv[1]), n, SEED)
        print("%s: %s tickets, %s events in %.1f s; log in as %s / %s (admin %s); "
              "the %d-event ticket is %s (id %d)" % (argv[1], fmt(n), fmt(g.counts["events"]), secs,
                                                    TECH[0], PASSWORD, ADMIN[0], TICKET_EVENTS,
                                                    g.special[1], g.special[0]))
        return
    evid = os.path.abspath(argv[0] if argv else os.environ.get("EVID_BIN")
                           or os.path.join(ROOT, "build", "evid"))
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            fail("%s is not installed (make deps-test installs it)" % tool)
    if not os.access(evid, os.X_OK):
        fail("no evid binary at %s (make)" % evid)
    os.environ["PATH"] += ":/usr/sbin"
    sizes = [N] + ([1000000] if MILLION and N != 1000000 else [])
    procs = Procs()
    work = tempfile.mkdtemp(prefix="evid-bench-web-")
    # SIGTERM (make interrupted, a CI timeout) cleans up as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench/web: stopped by SIGTERM"))
    try:
        for n in sizes:
            run(evid, n, procs, work)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
