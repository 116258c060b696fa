"""Contracts, prepayments and the month-end of March 2026 through the JSON API,
end to end on a real `evid serve`: the data set below is made through the API,
the prepayments are issued in advance, the month is run (JSON and CSV compared
byte for byte with tests/data/billing/golden/, PDF read with pdftotext and XLSX
with openpyxl for the totals), closed, refused changes, run again to the same
bytes, and corrected by an adjustment charged in April.  Technicians get 403
on the admin endpoints.

test_billing_cli.py makes the same data set through the CLI and expects the
same golden files: the DATA SET and the HAND CHECK below serve both.

DATA SET (business zone Europe/Zagreb; March 2026 has 31 days and the summer
time change on Sunday 29th, 02:00 CET -> 03:00 CEST):
  config [billing]: 15 min, up, per entry, no minimum, default rate "remote".
  services: printer_rental 35.00/month 25 %, server_maint 120.00 25 %,
            backup 20.00 25 %, journal 12.00 5 %.
  rates: remote 45.00/h, on_site 60.00/h (both 25 %).
  clients: C1 Čakovečki mlinovi, C2 Đakovačka tekstilna, C3 Šibenska ljekarna.
  K1 UG-2026-001 (C1) from 2026-01-01, monthly proration, monthly, after the
     month, 2 h included, overage 50.00/h, 15 min up per entry;
     lines printer_rental x3, server_maint x1 (the services' prices).
  K2 UG-2026-002 (C1) from 2026-03-10, daily, after the month;
     lines backup x2, journal x1.
  K3 UG-2026-003 (C2) from 2026-01-01, daily, quarterly, PREPAID,
     30 min nearest per ticket, minimum 60 min; lines server_maint x1 at
     150.00, backup x1.  Issued in advance for 2026-01 (Jan..Mar), then
     ended on 2026-03-15.
  K4 UG-2026-004 (C3) from 2026-02-16, monthly proration, quarterly,
     PREPAID; line printer_rental x1.  Issued for 2026-02 (Feb..Mar).
  overrides of remote: client C2 40.00, contract K3 42.00.
  tickets: T1 C1 billable, T2 C1 billable, T3 C1 free, T4 C2 billable,
           T5 C2 warranty, T6 C3 billable.
  time entries (UTC; local in brackets):
     e1  T1 Ana 2026-02-28T22:50Z 20 min  (Feb 28 23:50 CET: February)
     e2  T1 Ana 2026-02-28T23:10Z 35 min  (Mar 1 00:10 CET: March)
     e3  T1 Ivo 2026-03-31T21:50Z 30 min  (Mar 31 23:50 CEST: March) on_site
     e4  T2 Ivo 2026-03-29T00:30Z 2 h real (01:30 CET .. 04:30 CEST: 3 h on
         the wall clock, 2 h elapsed)
     e5  T2 Ana 2026-03-10T08:00Z 50 min
     e6  T3 Ana 2026-03-05T09:00Z 40 min  (free ticket)
     e7  T4 Ana 2026-03-03T13:00Z 20 min
     e8  T4 Ana 2026-03-12T08:00Z 25 min
     e9  T4 Ana 2026-03-20T09:00Z 10 min  (after K3 ended: no contract)
     e10 T5 Ivo 2026-03-04T07:00Z 70 min  on_site (warranty ticket)
     e11 T6 Ivo 2026-03-29T08:00Z 65 min  on_site
     e12 T6 Ivo 2026-03-30T07:00Z 15 min  on_site, not billable
     e13 T1 Ana 2026-03-31T22:10Z 15 min  (Apr 1 00:10 CEST: April)
  extras: x1 T1 Toner 2 x 45.90 (Mar 2); x2 T3 (free) Kabel 1 x 5.00 (Mar 5);
          x3 T1 Papir 1 x 4.20 (Feb 27); x4 T5 (warranty) Disk 1 x 80.00
          (Mar 4); x5 T4 km 37.5 x 0.43 (Mar 12); x6 T6 Noćenje 1 x 55.00
          13 % (Mar 29).

HAND CHECK of March 2026 (cents; muldiv = a x b / c rounded half away from 0):
C1 Čakovečki mlinovi
  K1 printer_rental 3 x 3500, whole month            = 10500   25 %
  K1 server_maint   1 x 12000                          = 12000   25 %
  K2 backup 2 x 2000, daily Mar 10..31 = 22 of 31 days:
     muldiv(2000, 2000*22, 1000*31) = 88,000,000/31,000 = 2838.71 -> 2839
  K2 journal 1 x 1200, 22/31: 26,400,000/31,000 = 851.61 -> 852     5 %
  work under K1 (the contract covering each day; K1 starts first), 15 min up
  per entry; groups by ticket number, then rate code:
     T1 on_site: e3 1800 s -> 1800                       rounded 1800
     T1 remote:  e2 2100 s -> 2700                       rounded 2700
     T2 remote:  e4 7200 -> 7200, e5 3000 -> 3600        rounded 10800
     T3 remote:  e6 2400 -> 2700, free: listed at 0 (uses no included hours)
  included 7200 s in that order: T1 on_site 1800 (used 1800), T1 remote 2700
  (used 4500), T2 remote 2700 (used 7200), billed 10800 - 2700 = 8100 s at
  the overage rate 5000/h: muldiv(5000, 8100, 3600) = 11250.  T1's lines 0.
  support K1: included 7200, used 7200, overage 8100.
  extras: x1 2 x 4590 = 9180; x2 on a free ticket: 0; x3 is February's.
  25 %: 10500 + 12000 + 2839 + 11250 + 9180 = 45769, VAT 45769 x 0.25 =
        11442.25 -> 11442
  5 %:  852, VAT 42.6 -> 43
  net 46621, VAT 11485, gross 58106 (581.06 EUR).
  work: real 1800 + 2100 + 10200 + 2400 = 16500; rounded 1800 + 2700 +
        10800 + 2700 = 18000.
C2 Đakovačka tekstilna
  K3 prepaid in January for Jan..Mar at the full month: March 15000 and 2000
  (lines shown as prepaid, not charged).  Ended on Mar 15: now daily 15/31:
     server_maint muldiv(15000, 1000*15, 31000) = 7258.06 -> 7258,
        difference 7258 - 15000 = -7742 (charged)
     backup muldiv(2000, 15000, 31000) = 967.74 -> 968, difference -1032
  work: T4 remote under K3 (e7, e8 on days K3 covers): 1200 + 1500 = 2700 s,
     per ticket to 30 min nearest: 2700/1800 = 1.5, a half goes up -> 3600,
     minimum 3600 -> 3600, at K3's own price of remote (4200, beating the
     client's 4000): muldiv(4200, 3600, 3600) = 4200
     T4 remote under no contract (e9, Mar 20): [billing] 15 min up: 600 ->
     900 at the client's price 4000: muldiv(4000, 900, 3600) = 1000
     T5 on_site (warranty) under K3: 4200 s -> 4200/1800 = 2.33 -> 3600,
     minimum 3600: listed, 0
  extras: x4 warranty: 0; x5 muldiv(43, 37500, 1000) = 1612.5 -> 1613
  25 %: -7742 - 1032 + 4200 + 1000 + 1613 = -1961, VAT -490.25 -> -490
  net -1961, VAT -490, gross -2451 (a credit of 24.51 EUR).
  work: real 2700 + 600 + 4200 = 7500; rounded 3600 + 900 + 3600 = 8100.
C3 Šibenska ljekarna
  K4 prepaid in February for Feb..Mar (monthly proration: whole months):
     March 3500 shown as prepaid; now also 3500: no difference line.
  work under K4 ([billing] terms: 15 min up per entry):
     T6 on_site e11 3900 -> 4500 at 6000/h: muldiv(6000, 4500, 3600) = 7500
     T6 on_site e12 not billable: 900 -> 900 listed at 0
  extras: x6 1 x 5500 at 13 %
  25 %: 7500, VAT 1875; 13 %: 5500, VAT 715
  net 13000, VAT 2590, gross 15590 (155.90 EUR).
  work: real 3900 + 900 = 4800; rounded 4500 + 900 = 5400.
SUMMARY: 3 clients; net 25 % 45769 - 1961 + 7500 = 51308 (VAT 11442 - 490 +
  1875 = 12827), 13 % 5500 (715), 5 % 852 (43), 0 % 0; net 46621 - 1961 +
  13000 = 57660, VAT 11485 - 490 + 2590 = 13585, gross 71245; work real
  16500 + 7500 + 4800 = 28800, rounded 18000 + 8100 + 5400 = 31500.
PREPAYMENTS: 2026-01: K3 Jan..Mar: 3 x 15000 + 3 x 2000 = 51000, VAT 12750,
  gross 63750.  2026-02: K4 Feb..Mar: 2 x 3500 = 7000, VAT 1750, gross 8750
  (K3 has no period starting in February).  2026-04 (K3 ended): K4 Apr..Jun
  3 x 3500 = 10500, VAT 2625, gross 13125.
APRIL for C3 after the March adjustment of -10.00 at 25 %: K4's April line
  is not prepaid (April's prepayment not issued): 3500 charged; adjustment
  -1000: net 2500, VAT 625, gross 3125.
"""
import datetime
import io
import json
import os
import re
import subprocess
import zipfile

import pytest

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_server, stop_server

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "data", "billing", "golden")

CONFIG = """[company]
name = Informatički servis Horvat d.o.o.
oib = 69435151530
address = Ilica 1, 10000 Zagreb
timezone = Europe/Zagreb
language = hr

[billing]
increment_minutes = 15
rounding = up
round_per = entry
minimum_minutes = 0
default_rate = remote
"""

ANA = ("ana.horvat@servis.hr", "Ana Horvat", "ana-password-1")
IVO = ("ivo.kovac@servis.hr", "Ivo Kovač", "ivo-password-1")

CLIENTS = [
    dict(name="Čakovečki mlinovi d.d.", oib="12345678903", address="Mlinska 1, 40000 Čakovec"),
    dict(name="Đakovačka tekstilna j.d.o.o.", oib="98765432106",
         address="Ulica bana Jelačića 5, 31400 Đakovo"),
    dict(name="Šibenska ljekarna d.o.o.", oib="55555555551", address="Obala 3, 22000 Šibenik"),
]
SERVICES = [  # code, name, unit, cents, vat
    ("printer_rental", "Najam pisača", "month", 3500, 25),
    ("server_maint", "Održavanje poslužitelja", "month", 12000, 25),
    ("backup", "Sigurnosna kopija", "month", 2000, 25),
    ("journal", "Stručni časopis", "month", 1200, 5),
]
RATES = [("remote", "Rad na daljinu", 4500, 25), ("on_site", "Rad na terenu", 6000, 25)]
# client index, number, start, proration, cycle, prepaid, terms, lines
# (service, thousandths, cents or None for the service's price)
CONTRACTS = [
    (0, "UG-2026-001", "2026-01-01", "monthly", "monthly", False,
     dict(included=7200, overage_hourly=5000),
     [("printer_rental", 3000, None), ("server_maint", 1000, None)]),
    (0, "UG-2026-002", "2026-03-10", "daily", "monthly", False, {},
     [("backup", 2000, None), ("journal", 1000, None)]),
    (1, "UG-2026-003", "2026-01-01", "daily", "quarterly", True,
     dict(increment=1800, rounding="nearest", round_per="ticket", minimum=3600),
     [("server_maint", 1000, 15000), ("backup", 1000, None)]),
    (2, "UG-2026-004", "2026-02-16", "monthly", "quarterly", True, {},
     [("printer_rental", 1000, None)]),
]
# client index, subject, billing
TICKETS = [
    (0, "Pisač ne ispisuje", "billable"),
    (0, "Migracija poslužitelja", "billable"),
    (0, "Savjet oko licenci", "free"),
    (1, "VPN ne radi", "billable"),
    (1, "Zamjena diska pod jamstvom", "warranty"),
    (2, "Instalacija blagajne", "billable"),
]
# ticket index, who (0 Ana, 1 Ivo), started (UTC), seconds, rate code or None, billable
ENTRIES = [
    (0, 0, "2026-02-28T22:50:00Z", 1200, None, True),
    (0, 0, "2026-02-28T23:10:00Z", 2100, None, True),
    (0, 1, "2026-03-31T21:50:00Z", 1800, "on_site", True),
    (1, 1, "2026-03-29T00:30:00Z", 7200, None, True),
    (1, 0, "2026-03-10T08:00:00Z", 3000, None, True),
    (2, 0, "2026-03-05T09:00:00Z", 2400, None, False),
    (3, 0, "2026-03-03T13:00:00Z", 1200, None, True),
    (3, 0, "2026-03-12T08:00:00Z", 1500, None, True),
    (3, 0, "2026-03-20T09:00:00Z", 600, None, True),
    (4, 1, "2026-03-04T07:00:00Z", 4200, "on_site", False),
    (5, 1, "2026-03-29T08:00:00Z", 3900, "on_site", True),
    (5, 1, "2026-03-30T07:00:00Z", 900, "on_site", False),
    (0, 0, "2026-03-31T22:10:00Z", 900, None, True),
]
# ticket index, description, quantity units, unit price (EUR text), vat, day
EXTRAS = [
    (0, "Toner HP 305A", "2", "45.90", 25, "2026-03-02"),
    (2, "Kabel USB", "1", "5.00", 25, "2026-03-05"),
    (0, "Papir A4", "1", "4.20", 25, "2026-02-27"),
    (4, "Disk 1 TB", "1", "80.00", 25, "2026-03-04"),
    (3, "Putni trošak (km)", "37.5", "0.43", 25, "2026-03-12"),
    (5, "Noćenje tehničara", "1", "55.00", 13, "2026-03-29"),
]
MONTH = "2026-03"


def golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8", newline="") as f:
        return f.read()


def ticket_year_fixed(text):
    """Ticket numbers carry the year they were opened in (now); the golden
    files were made in 2026.  Everything else is compared as it is."""
    year = datetime.date.today().year
    return text.replace("%d-0000" % year, "2026-0000") if year != 2026 else text


def check_golden(text, name):
    if os.environ.get("EVID_GOLDEN_WRITE"):
        with open(os.path.join(GOLDEN, name), "w", encoding="utf-8", newline="") as f:
            f.write(ticket_year_fixed(text))
    assert ticket_year_fixed(text) == golden(name), name


def pdf_text(data, tmp_path, name="spec.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    p = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def xlsx_rows(data):
    """The workbook's rows (every sheet), each a list of its non-empty values."""
    import openpyxl  # python3-openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return [[v for v in row if v is not None] for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)]


# C1's totals (hand check above): net 466.21, VAT 114.85, gross 581.06 EUR.
C1_TOTALS = [("Ukupno bez PDV-a", "466,21", 466.21), ("PDV ukupno", "114,85", 114.85),
             ("Ukupno s PDV-om", "581,06", 581.06), ("Osnovica 25 %", "457,69", 457.69),
             ("PDV 25 %", "114,42", 114.42)]


def assert_pdf_totals(text, totals):
    """Each label of totals followed on its line by the amount (hr: 581,06 EUR)."""
    for label, hr, _ in totals:
        assert re.search(re.escape(label) + r"\s+" + re.escape(hr) + " EUR", text), (label, text)


def assert_xlsx_totals(data, totals):
    """Each label of totals in a row whose number is the amount in EUR."""
    rows = xlsx_rows(data)
    for label, _, value in totals:
        hit = [r for r in rows if r and r[0] == label]
        assert hit and any(isinstance(v, (int, float)) and abs(v - value) < 1e-9
                           for v in hit[0][1:]), (label, hit)


# ---- the data set through the API ----

class Api:
    def __init__(self, srv, token):
        self.srv = srv
        self.token = token

    def __call__(self, method, path, body=None, status=200, token=None):
        r = self.srv.request(method, path, body, token=token or self.token)
        assert r.status == status, (method, path, body, r)
        return r


def make_users(evid):
    for email, name, pw in (ANA, IVO):
        evid.add_user(email, name, "technician", pw)


def make_data_api(api):
    """The data set up to (not including) the prepayments; returns the ids."""
    ids = dict(clients=[], contracts=[], tickets=[], entries=[], users=[])
    me = api("GET", "/api/v1/users").json["users"]
    by_email = {u["email"]: u["id"] for u in me}
    ids["users"] = [by_email[ANA[0]], by_email[IVO[0]]]
    for c in CLIENTS:
        ids["clients"].append(api("POST", "/api/v1/clients", c, 201).json["client"]["id"])
    for code, name, unit, price, vat in SERVICES:
        s = api("POST", "/api/v1/services", dict(code=code, name=name, unit=unit, price=price,
                                                 vat=vat), 201).json["service"]
        assert s["price"] == price and s["code"] == code
    for code, name, hourly, vat in RATES:
        api("POST", "/api/v1/rates", dict(code=code, name=name, hourly=hourly, vat=vat), 201)
    for ci, number, start, prorate, cycle, prepaid, terms, lines in CONTRACTS:
        body = dict(client_id=ids["clients"][ci], number=number, start_date=start,
                    proration=prorate, cycle=cycle, prepaid=prepaid, **terms)
        body["lines"] = [dict(service_code=s, quantity=q, **({} if p is None else
                                                             dict(monthly_price=p)))
                         for s, q, p in lines]
        c = api("POST", "/api/v1/contracts", body, 201).json["contract"]
        assert c["number"] == number and len(c["lines"]) == len(lines)
        ids["contracts"].append(c["id"])
    rates = {r["code"]: r["id"] for r in api("GET", "/api/v1/rates").json["rates"]}
    api("POST", "/api/v1/rates/%d/overrides" % rates["remote"],
        dict(client_id=ids["clients"][1], hourly=4000))
    api("POST", "/api/v1/rates/%d/overrides" % rates["remote"],
        dict(contract_id=ids["contracts"][2], hourly=4200))
    for ci, subject, billing in TICKETS:
        t = api("POST", "/api/v1/tickets", dict(subject=subject, client_id=ids["clients"][ci],
                                                 billing=billing), 201).json["ticket"]
        ids["tickets"].append(t["id"])
    return ids


def add_entries_api(api, ids, set_rates=True):
    """The time entries (there is no CLI command that records one at a given
    time) and, with set_rates, their kinds of work through the API."""
    for ti, who, started, seconds, rate, billable in ENTRIES:
        e = api("POST", "/api/v1/tickets/%d/time" % ids["tickets"][ti],
                dict(started_at=started, seconds=seconds, user_id=ids["users"][who],
                     billable=billable), 201).json["time_entry"]
        assert e["seconds"] == seconds
        ids["entries"].append(e["id"])
        if rate and set_rates:
            r = api("POST", "/api/v1/time/%d/rate" % e["id"],
                    dict(rate=rate, reason="rad na terenu"))
            assert r.json["rate"] == rate


def add_extras_api(api, ids):
    for ti, desc, qty, price, vat, day in EXTRAS:
        x = api("POST", "/api/v1/extras", dict(ticket_id=ids["tickets"][ti], description=desc,
                                               quantity_units=qty, unit_price_eur=price,
                                               vat=vat, date=day), 201).json["extra"]
        assert x["description"] == desc


@pytest.fixture
def billing_server(evid, tmp_path):
    """evid serve with the company's details and [billing] (evid.conf in its
    folder), an admin and two technicians; .admin and .config set."""
    conf = tmp_path / "evid.conf"
    conf.write_text(CONFIG, encoding="utf-8")
    evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    make_users(evid)
    srv = start_server(evid, tmp_path)
    srv.config = str(conf)
    srv.admin = Api(srv, evid.token(ADMIN_EMAIL))
    yield srv
    assert stop_server(srv) == 0, srv.stderr()


def doc_without_closed(text):
    doc = json.loads(text)
    doc.pop("closed")
    return doc


def test_month_end_through_the_api(billing_server, tmp_path):
    api = billing_server.admin
    ids = make_data_api(api)
    add_entries_api(api, ids)
    add_extras_api(api, ids)

    # Prepayments: January lists K3's quarter (not issued yet), then issues it.
    r = api("GET", "/api/v1/billing/prepay/2026-01")
    check_golden(r.body, "prepay_2026-01.json")
    doc = r.json
    assert [p["contract_number"] for p in doc["prepayments"]] == ["UG-2026-003"]
    assert doc["prepayments"][0]["issued"] is False
    assert (doc["totals"]["net"], doc["totals"]["tax"], doc["totals"]["gross"]) == \
        (51000, 12750, 63750)
    r = api("GET", "/api/v1/billing/prepay/2026-01?format=csv")
    check_golden(r.body, "prepay_2026-01.csv")
    r = api("POST", "/api/v1/billing/prepay/2026-01")
    assert r.json["issued_now"] == 1 and r.json["prepayments"][0]["issued"] is True
    # Issuing again records nothing twice.
    r = api("POST", "/api/v1/billing/prepay/2026-01")
    assert r.json["issued_now"] == 0 and r.json["prepayments"][0]["issued"] is True
    r = api("POST", "/api/v1/billing/prepay/2026-02")
    assert [p["contract_number"] for p in r.json["prepayments"]] == ["UG-2026-004"]
    assert r.json["issued_now"] == 1
    assert (r.json["totals"]["net"], r.json["totals"]["gross"]) == (7000, 8750)
    # K3 ends mid-quarter, after its prepayment.
    api("POST", "/api/v1/contracts/%d/end" % ids["contracts"][2], dict(end_date="2026-03-15"))
    r = api("GET", "/api/v1/billing/prepay/2026-04")
    assert [p["contract_number"] for p in r.json["prepayments"]] == ["UG-2026-004"]
    assert (r.json["totals"]["net"], r.json["totals"]["tax"], r.json["totals"]["gross"]) == \
        (10500, 2625, 13125)

    # The month-end: JSON and CSV as the golden files (checked by hand above).
    run_json = api("GET", "/api/v1/billing/%s" % MONTH).body
    check_golden(run_json, "run_2026-03.json")
    doc = json.loads(run_json)
    assert doc["closed"] is False
    assert [(c["client_name"], c["net"], c["tax"], c["gross"]) for c in doc["clients"]] == [
        ("Čakovečki mlinovi d.d.", 46621, 11485, 58106),
        ("Đakovačka tekstilna j.d.o.o.", -1961, -490, -2451),
        ("Šibenska ljekarna d.o.o.", 13000, 2590, 15590),
    ]
    s = doc["summary"]
    assert (s["clients"], s["net"], s["tax"], s["gross"]) == (3, 57660, 13585, 71245)
    assert (s["work_seconds"], s["work_rounded"]) == (28800, 31500)
    run_csv = api("GET", "/api/v1/billing/%s?format=csv" % MONTH).body
    check_golden(run_csv, "run_2026-03.csv")
    r = api("GET", "/api/v1/billing/%s?format=text&lang=en" % MONTH)
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Čakovečki mlinovi d.d." in r.body and "581.06 EUR" in r.body
    assert re.search(r"Gross total\s+712\.45 EUR", r.body), r.body  # the summary
    # One client alone: the same specification as in the whole run.
    r = api("GET", "/api/v1/billing/%s?client_id=%d" % (MONTH, ids["clients"][0]))
    assert r.json["clients"] == doc["clients"][:1]

    # PDF and XLSX of C1, read back for the totals.
    c1 = ids["clients"][0]
    pdf = billing_server_raw(billing_server, "/api/v1/billing/%s?client_id=%d&format=pdf"
                             % (MONTH, c1), api.token, "application/pdf")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert "12345678903" in text and "Čakovečki mlinovi" in text
    assert_pdf_totals(text, C1_TOTALS)
    xlsx = billing_server_raw(billing_server, "/api/v1/billing/%s?client_id=%d&format=xlsx"
                              % (MONTH, c1), api.token)
    assert zipfile.is_zipfile(io.BytesIO(xlsx))
    assert_xlsx_totals(xlsx, C1_TOTALS)
    r = api("GET", "/api/v1/billing/%s?format=pdf" % MONTH, status=400)
    assert "client_id" in r.json["error"]["message"]

    # Close the month; the run answers the same specifications from then on.
    r = api("POST", "/api/v1/billing/%s/close" % MONTH)
    assert r.json["closed"] is True and r.json["summary"]["gross"] == 71245
    assert api("GET", "/api/v1/billing/months").json["closed_months"] == [MONTH]
    r = api("POST", "/api/v1/billing/%s/close" % MONTH, status=409)
    closed_json = api("GET", "/api/v1/billing/%s" % MONTH).body
    assert json.loads(closed_json)["closed"] is True
    assert doc_without_closed(closed_json) == doc_without_closed(run_json)
    assert closed_json == run_json.replace('"closed": false', '"closed": true', 1)
    assert api("GET", "/api/v1/billing/%s?format=csv" % MONTH).body == run_csv

    # Changes in the closed month are refused with the store's message.
    msg = "month 2026-03 is closed; record a correction as an adjustment in an open month"
    r = api("POST", "/api/v1/tickets/%d/time" % ids["tickets"][0],
            dict(started_at="2026-03-15T10:00:00Z", seconds=600), 409)
    assert r.json["error"]["message"] == msg
    r = api("PATCH", "/api/v1/time/%d" % ids["entries"][1], dict(seconds=60, reason="x"), 409)
    assert r.json["error"]["message"] == msg
    r = api("POST", "/api/v1/time/%d/rate" % ids["entries"][1],
            dict(rate="on_site", reason="x"), 409)
    assert r.json["error"]["message"] == msg
    r = api("POST", "/api/v1/extras", dict(ticket_id=ids["tickets"][0], description="Kasno",
                                           unit_price=100, date="2026-03-20"), 409)
    assert r.json["error"]["message"] == msg
    extras = api("GET", "/api/v1/extras?ticket_id=%d" % ids["tickets"][0]).json["extras"]
    toner = [x for x in extras if x["date"] == "2026-03-02"][0]
    r = api("DELETE", "/api/v1/extras/%d" % toner["id"], status=409)
    assert r.json["error"]["message"] == msg
    # An entry in April is still fine.
    api("POST", "/api/v1/tickets/%d/time" % ids["tickets"][0],
        dict(started_at="2026-04-02T10:00:00Z", seconds=600), 201)

    # A price changed after the close does not change the closed month.
    rates = {x["code"]: x["id"] for x in api("GET", "/api/v1/rates").json["rates"]}
    api("PATCH", "/api/v1/rates/%d" % rates["on_site"], dict(hourly=9900))
    assert api("GET", "/api/v1/billing/%s" % MONTH).body == closed_json
    assert api("GET", "/api/v1/billing/%s?format=csv" % MONTH).body == run_csv

    # A correction lands in the next open month as an adjustment line.
    c3 = ids["clients"][2]
    r = api("POST", "/api/v1/billing/adjustments",
            dict(client_id=c3, corrects_month=MONTH, amount=-1000, vat=25,
                 description="Popust na instalaciju"), 201)
    assert r.json["adjustment"]["month"] == "2026-04"
    assert r.json["adjustment"]["corrects_month"] == MONTH
    april = api("GET", "/api/v1/billing/2026-04?client_id=%d" % c3).json
    spec = april["clients"][0]
    adj = [l for l in spec["lines"] if l["kind"] == "adjustment"]
    assert len(adj) == 1 and adj[0]["amount"] == -1000 and adj[0]["charged"] is True
    assert adj[0]["corrects_month"] == MONTH
    # K4's April is not prepaid (not issued): charged 3500; net 2500, VAT 625.
    assert (spec["net"], spec["tax"], spec["gross"]) == (2500, 625, 3125)
    adjs = api("GET", "/api/v1/billing/adjustments?month=2026-04").json["adjustments"]
    assert [(a["client_id"], a["amount"]) for a in adjs] == [(c3, -1000)]
    # The closed month itself cannot take the adjustment.
    r = api("POST", "/api/v1/billing/adjustments",
            dict(client_id=c3, corrects_month=MONTH, month=MONTH, amount=-1000, vat=25,
                 description="x"), 400)


def billing_server_raw(srv, path, token, media_type=None):
    """GET path and return the body's bytes (PDF, XLSX)."""
    import urllib.request

    req = urllib.request.Request(srv.url + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200
        if media_type:
            assert r.headers["Content-Type"] == media_type
        assert r.headers["Content-Disposition"].startswith("attachment; filename=")
        return r.read()


def test_technicians_read_the_catalogue_and_add_extras_only(billing_server):
    api = billing_server.admin
    ids = make_data_api(api)
    tech = billing_server.evid.token(ANA[0])
    # Reading the catalogue and extras, adding extras: any staff user.
    assert api("GET", "/api/v1/services", token=tech).json["total"] == len(SERVICES)
    assert api("GET", "/api/v1/rates", token=tech).json["total"] == len(RATES)
    rid = api("GET", "/api/v1/rates").json["rates"][0]["id"]
    api("GET", "/api/v1/rates/%d" % rid, token=tech)
    x = api("POST", "/api/v1/extras", dict(ticket_id=ids["tickets"][0], description="Toner",
                                           unit_price_eur="45.90", quantity_units="1",
                                           vat=25, date="2026-03-02"), 201, token=tech)
    assert x.json["extra"]["unit_price"] == 4590
    assert api("GET", "/api/v1/extras?ticket_id=%d" % ids["tickets"][0],
               token=tech).json["total"] == 1
    # Everything else: admins only.
    forbidden = [
        ("POST", "/api/v1/services", dict(code="x", name="X", unit="piece", price=1, vat=25)),
        ("PATCH", "/api/v1/services/1", dict(price=1)),
        ("POST", "/api/v1/rates", dict(code="x", name="X", hourly=1, vat=25)),
        ("PATCH", "/api/v1/rates/%d" % rid, dict(hourly=1)),
        ("POST", "/api/v1/rates/%d/overrides" % rid, dict(client_id=ids["clients"][0],
                                                         hourly=1)),
        ("GET", "/api/v1/contracts", None),
        ("GET", "/api/v1/contracts/%d" % ids["contracts"][0], None),
        ("POST", "/api/v1/contracts", dict(client_id=1, number="X", start_date="2026-01-01")),
        ("PATCH", "/api/v1/contracts/%d" % ids["contracts"][0], dict(notes="x")),
        ("POST", "/api/v1/contracts/%d/end" % ids["contracts"][0], dict(end_date="2026-12-31")),
        ("DELETE", "/api/v1/extras/%d" % x.json["extra"]["id"], None),
        ("GET", "/api/v1/billing/prepay/2026-01", None),
        ("POST", "/api/v1/billing/prepay/2026-01", None),
        ("GET", "/api/v1/billing/2026-03", None),
        ("GET", "/api/v1/billing/2026-03?format=csv", None),
        ("POST", "/api/v1/billing/2026-03/close", None),
        ("GET", "/api/v1/billing/months", None),
        ("GET", "/api/v1/billing/adjustments?month=2026-04", None),
        ("POST", "/api/v1/billing/adjustments", dict(client_id=1, corrects_month="2026-03",
                                                     amount=1, vat=25, description="x")),
    ]
    for method, path, body in forbidden:
        r = billing_server.request(method, path, body, token=tech)
        assert r.status == 403, (method, path, r)
        assert r.json["error"]["message"] == "only an admin may do this"
    # Nothing of it happened.
    assert api("GET", "/api/v1/billing/months").json["closed_months"] == []
    assert api("GET", "/api/v1/services").json["total"] == len(SERVICES)
    assert api("GET", "/api/v1/billing/prepay/2026-01").json["prepayments"][0]["issued"] is False


def test_time_entry_rate_and_bad_requests(billing_server):
    api = billing_server.admin
    ids = make_data_api(api)
    srv = billing_server
    ana, ivo = srv.evid.token(ANA[0]), srv.evid.token(IVO[0])
    e = api("POST", "/api/v1/tickets/%d/time" % ids["tickets"][0],
            dict(started_at="2026-03-02T08:00:00Z", seconds=600, user_id=ids["users"][0]),
            201).json["time_entry"]
    # A technician sets the kind of work of their own entries only.
    r = api("POST", "/api/v1/time/%d/rate" % e["id"], dict(rate="on_site", reason="teren"),
            token=ana)
    assert r.json["rate"] == "on_site" and r.json["time_entry"]["id"] == e["id"]
    on_site = api("GET", "/api/v1/rates").json
    on_site = [x["id"] for x in on_site.get("rates", on_site) if x["code"] == "on_site"][0]
    listed = api("GET", "/api/v1/tickets/%d/time" % ids["tickets"][0]).json
    listed = listed.get("time_entries", listed)
    assert [x["rate_id"] for x in listed if x["id"] == e["id"]] == [on_site]
    r = api("POST", "/api/v1/time/%d/rate" % e["id"], dict(rate=None, reason="nije teren"),
            token=ana)
    assert r.json["rate"] is None
    listed = api("GET", "/api/v1/tickets/%d/time" % ids["tickets"][0]).json
    listed = listed.get("time_entries", listed)
    assert [x["rate_id"] for x in listed if x["id"] == e["id"]] == [None]
    r = api("POST", "/api/v1/time/%d/rate" % e["id"], dict(rate="on_site", reason="x"), 403,
            token=ivo)
    r = api("POST", "/api/v1/time/%d/rate" % e["id"], dict(rate="nope", reason="x"), 400)
    assert "rate" in r.json["error"]["message"]
    api("POST", "/api/v1/time/%d/rate" % e["id"], dict(rate="on_site"), 400)
    api("POST", "/api/v1/time/999999/rate", dict(rate="on_site", reason="x"), 404)

    # Bodies are checked field by field; nothing changes on a refusal.
    r = api("POST", "/api/v1/services", dict(code="Bad Code", name="X", unit="month",
                                             price=100, vat=25), 400)
    r = api("POST", "/api/v1/services", dict(code="ok", name="X", unit="month", price=100,
                                             vat=7), 400)
    assert "vat" in r.json["error"]["message"]
    r = api("POST", "/api/v1/services", dict(code="printer_rental", name="X", unit="month",
                                             price=100, vat=25), 409)
    r = api("POST", "/api/v1/contracts", dict(client_id=ids["clients"][0], number="UG-X",
                                              start_date="2026-13-01"), 400)
    assert "start_date" in r.json["error"]["message"]
    r = api("POST", "/api/v1/contracts", dict(client_id=ids["clients"][0], number="UG-X",
                                              start_date="2026-01-01",
                                              lines=[dict(service_code="nope")]), 400)
    assert "nope" in r.json["error"]["message"]
    r = api("POST", "/api/v1/contracts", dict(client_id=ids["clients"][0],
                                              number="UG-2026-001", start_date="2026-01-01"),
            409)
    assert api("GET", "/api/v1/contracts").json["total"] == len(CONTRACTS)
    r = api("POST", "/api/v1/contracts/%d/end" % ids["contracts"][0],
            dict(end_date="2025-12-31"), 400)
    # Months in paths and queries.
    assert srv.request("GET", "/api/v1/billing/2026-13", token=api.token).status == 404
    r = api("GET", "/api/v1/billing/2026-03?format=docx", status=400)
    r = api("GET", "/api/v1/billing/2026-03?client_id=0", status=400)
    r = api("GET", "/api/v1/billing/2026-03?client_id=999", status=404)
    assert r.json["error"]["message"] == "client 999 not found"
    r = api("GET", "/api/v1/billing/2026-03?lang=de", status=400)
    # A contract's line that was prepaid cannot be removed; ending is the way.
    api("POST", "/api/v1/billing/prepay/2026-01")
    k3 = api("GET", "/api/v1/contracts/%d" % ids["contracts"][2]).json["contract"]
    r = api("PATCH", "/api/v1/contracts/%d" % k3["id"],
            dict(lines=[dict(id=k3["lines"][0]["id"])]), 409)
    assert len(api("GET", "/api/v1/contracts/%d" % k3["id"]).json["contract"]["lines"]) == 2
    # Adjustments only correct closed months.
    r = api("POST", "/api/v1/billing/adjustments",
            dict(client_id=ids["clients"][0], corrects_month="2026-03", amount=-500, vat=25,
                 description="x"), 400)
