"""The staff pages of contracts and billing (docs/web.md, "Contracts and
billing"): services, hourly rates and their prices for clients and
contracts, a client's contracts and a contract's page, the prepayments of a
month, the month-end run with its specifications, downloads and closing, the
chart of hours, and the ticket page's extra items and kinds of work.  Driven
as a browser would (test_web_admin's Browser: the pages' own forms with their
csrf field); the numbers on the pages are checked against amounts worked out
by hand from the rules in docs/billing.md."""
import html
import json
import re
import shutil
import subprocess
import zipfile
import io

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from test_web_admin import TECH_EMAIL, TECH_PASSWORD, Browser, api, login, no_script, rows

SCRIPT_NAME = "<script>alert(1)</script> Pekara & Sin d.o.o."


# ---- setting up, through the pages where the pages are what is tested ----

def add_service(b, code, name, price, vat="25", unit="month"):
    p = b.get("/billing/services").page
    a = b.submit(p, "new-service", code=code, name=name, unit=unit, price=price, vat=vat)
    assert a.location == "/billing/services?n=7", a
    sid = rows(b.srv.evid.db, "SELECT id FROM services WHERE code = ?", code)
    return sid[0][0]


def add_rate(b, code, name, hourly, vat="25"):
    p = b.get("/billing/rates").page
    a = b.submit(p, "new-rate", code=code, name=name, hourly=hourly, vat=vat)
    assert a.location == "/billing/rates?n=7", a
    return rows(b.srv.evid.db, "SELECT id FROM rates WHERE code = ?", code)[0][0]


def new_client(server, name):
    return api(server, "POST", "/api/v1/clients", {"name": name}, 201)["client"]


def new_ticket(server, client_id, subject="Pisač ne ispisuje", token=None, **kw):
    r = server.request("POST", "/api/v1/tickets",
                       dict(subject=subject, client_id=client_id, **kw),
                       token=token or server.admin_token)
    assert r.status == 201, r
    return r.json["ticket"]


def add_time(server, ticket_id, started_at, seconds, token=None):
    r = server.request("POST", "/api/v1/tickets/%d/time" % ticket_id,
                       {"started_at": started_at, "seconds": seconds},
                       token=token or server.admin_token)
    assert r.status == 201, r
    return r.json["time_entry"]


def new_contract(b, client_id, lines, **terms):
    """Make a contract through form #new-contract; lines: [(service_id,
    quantity, price or "", description or "")]; returns its id."""
    p = b.get("/clients/%d/contracts" % client_id).page
    fields = dict(terms)
    for i, (sid, qty, price, desc) in enumerate(lines, 1):
        fields.update({"service_%d" % i: str(sid), "quantity_%d" % i: qty,
                       "price_%d" % i: price, "description_%d" % i: desc})
    a = b.submit(p, "new-contract", **fields)
    m = re.match(r"^/contracts/(\d+)\?n=7$", a.location)
    assert m, a
    return int(m.group(1))


def td(text, cls):
    """The texts of <td class="... cls ...">."""
    return re.findall(r'<td class="[^"]*\b%s\b[^"]*">([^<]*)</td>' % cls, text)


def section(text, start, end="</section>"):
    i = text.index(start)
    return text[i:text.index(end, i)]


def march(server):
    """Admin browser and a month of one client (2026-03, Europe/Zagreb, UTC+1
    until the 29th), with the numbers worked out by hand:

    - contract UG-1, daily proration, from 2026-03-10: 2 x 35,00 printer
      rental covers the 10th..31st = 22 of 31 days: 7000 x 22 / 31 = 4967.74
      -> 49,68 (one rounding of the whole product, half away from zero);
      rounding to 15 minutes up, per entry, no minimum, no included hours;
    - ticket work, rate "remote" (the default, 45,00/h): 50 min on the 15th
      -> rounded up to 60 min -> 45,00;
    - the same ticket, 20 min on the 16th set to "on_site" (60,00/h) through
      the ticket page -> 30 min -> 30,00;
    - an extra item on the 20th: 2 x 12,50 toner -> 25,00.
    Net 49,68 + 45,00 + 30,00 + 25,00 = 149,68 (all at 25 %); VAT 149,68 x
    0,25 = 37,42; gross 187,10.
    """
    b = login(server)
    printer = add_service(b, "printer_rental", "Najam pisača", "35,00")
    add_rate(b, "remote", "Rad na daljinu", "45,00")
    on_site = add_rate(b, "on_site", "Rad na terenu", "60,00")
    c = new_client(server, "Pekara Klas d.o.o.")
    cid = new_contract(b, c["id"], [(printer, "2", "", "")], number="UG-1",
                       start="2026-03-10", proration="daily", cycle="monthly",
                       increment_minutes="15", rounding="up", round_per="entry",
                       minimum_minutes="0")
    t = new_ticket(server, c["id"])
    e1 = add_time(server, t["id"], "2026-03-15T09:00:00Z", 50 * 60)
    e2 = add_time(server, t["id"], "2026-03-16T09:00:00Z", 20 * 60)
    p = b.get("/tickets/%d" % t["id"]).page
    a = b.submit(p, "time-rate-%d" % e2["id"], rate_id=str(on_site), reason="na terenu")
    assert a.location == "/tickets/%d?n=1#time-%d" % (t["id"], e2["id"])
    a = b.submit(b.get("/tickets/%d" % t["id"]).page, "extra-add", description="Toner HP 305A",
                 quantity="2", unit_price="12,50", vat="25", day="2026-03-20")
    assert a.location == "/tickets/%d?n=7#extras" % t["id"]
    return b, dict(client=c, contract=cid, ticket=t, entries=(e1, e2), printer=printer,
                   on_site=on_site)


# ---- services and rates ----

def test_services_add_edit_deactivate_and_refusals(server):
    b = login(server)
    p = b.get("/billing/services").page
    assert p.h1 == "Usluge" and p.title == "Usluge - Evidencija"
    assert 'href="/billing"' in b.get("/tickets").text  # the admin's navigation
    sid = add_service(b, "printer_rental", "Najam pisača", "1.234,50")
    assert rows(server.evid.db, "SELECT code, name, unit, price, vat, active FROM services") == \
        [("printer_rental", "Najam pisača", "month", 123450, 25, 1)]
    listing = b.get("/billing/services")
    assert listing.page.notices == [] and 'data-service="printer_rental"' in listing.text
    assert "1.234,50" in listing.text

    before = rows(server.evid.db, "SELECT * FROM services ORDER BY id")
    for changes, status, words, field in (
            ({"code": "Bad code!", "name": "X", "price": "1"}, 400, "Šifra", "code"),
            ({"code": "x", "name": "  ", "price": "1"}, 400, "Upišite naziv", "name"),
            ({"code": "x", "name": "X", "price": "1,2,3"}, 400, "Cijena", "price"),
            ({"code": "x", "name": "X", "price": "abc"}, 400, "Cijena", "price"),
            ({"code": "x", "name": "X", "price": "-5"}, 400, "Cijena", "price"),
            ({"code": "x", "name": "X", "price": "1", "vat": "20"}, 400, "PDV", "vat"),
            ({"code": "x", "name": "X", "price": "1", "unit": "week"}, 400, "jedinicu", "unit"),
            ({"code": "printer_rental", "name": "X", "price": "1"}, 409, "", None)):
        a = b.submit(p, "new-service", status=status, **changes)
        assert a.page.errors and words in a.page.errors[0], (changes, a.page.errors)
        if field:
            assert re.search(r'name="%s"[^>]* aria-invalid=true' % field, a.text), field
        if "name" in changes and changes["name"].strip():
            assert a.page.values("new-service")["name"] == changes["name"]
    assert rows(server.evid.db, "SELECT * FROM services ORDER BY id") == before

    # edit: another price and unit; then deactivated (the checkbox unticked)
    p = b.get("/billing/services/%d" % sid).page
    assert p.values("service")["price"] == "1234,50" and p.values("service")["active"] == "1"
    a = b.submit(p, "service", price="40", unit="piece")
    assert a.location == "/billing/services/%d?n=1" % sid
    a = b.submit(b.follow(a).page, "service", active=None)
    assert rows(server.evid.db, "SELECT price, unit, active FROM services") == \
        [(4000, "piece", 0)]
    assert "neaktivna" in b.get("/billing/services").text
    b.get("/billing/services/999", status=404)


def test_rates_and_their_prices_for_clients_and_contracts(server):
    b = login(server)
    rid = add_rate(b, "remote", "Rad na daljinu", "45")
    other = add_rate(b, "on_site", "Rad na terenu", "60,00")
    page = b.get("/billing/rates")
    assert "(zadana)" in page.text  # "remote" is [billing] default_rate
    c = new_client(server, "Klijent s popustom d.o.o.")

    # the client's price, from the rate's page
    p = b.get("/billing/rates/%d" % rid).page
    a = b.submit(p, "new-override", client_id=str(c["id"]), hourly="40,00")
    assert a.location == "/billing/rates/%d?n=1#rate-overrides" % rid
    assert rows(server.evid.db, "SELECT rate_id, client_id, contract_id, hourly "
                "FROM rate_overrides") == [(rid, c["id"], None, 4000)]
    t = b.get("/billing/rates/%d" % rid).text
    assert 'data-client="%d"' % c["id"] in t and "40,00" in t
    a = b.submit(b.get("/billing/rates/%d" % rid).page, "new-override", status=400,
                 client_id=str(c["id"]), hourly="četrdeset")
    assert "Po satu" in a.page.errors[0]

    # the client's page of contracts sets one for another rate, and removes
    p = b.get("/clients/%d/contracts" % c["id"]).page
    a = b.submit(p, "client-price", rate_id=str(other), hourly="55")
    assert a.location == "/clients/%d/contracts?n=1#prices" % c["id"]
    assert sorted(rows(server.evid.db, "SELECT rate_id, hourly FROM rate_overrides")) == \
        sorted([(rid, 4000), (other, 5500)])
    page = b.get("/clients/%d/contracts" % c["id"])
    removes = [f for f in page.page.forms.get("_anonymous", [])
               if f["action"] == "/clients/%d/rates" % c["id"]]
    assert len(removes) == 2
    a = b.post(removes[0]["action"], dict(removes[0]["fields"]))
    assert a.status == 303
    assert len(rows(server.evid.db, "SELECT * FROM rate_overrides")) == 1

    # a rate deactivated keeps its row
    p = b.get("/billing/rates/%d" % other).page
    b.submit(p, "rate", active=None, hourly="65")
    assert rows(server.evid.db, "SELECT hourly, active FROM rates WHERE id = ?", other) == \
        [(6500, 0)]


# ---- contracts ----

def test_contract_create_change_lines_and_end(server):
    b = login(server)
    printer = add_service(b, "printer_rental", "Najam pisača", "35,00")
    backup = add_service(b, "backup", "Sigurnosna kopija", "20,00", vat="13")
    add_rate(b, "remote", "Rad na daljinu", "45")
    c = new_client(server, "Tiskara Slovo d.o.o.")
    p = b.get("/clients/%d/contracts" % c["id"]).page
    assert p.h1 == "Ugovori: Tiskara Slovo d.o.o."
    v = p.values("new-contract")
    # the new form starts from the [billing] defaults
    assert (v["increment_minutes"], v["rounding"], v["round_per"], v["minimum_minutes"]) == \
        ("15", "up", "entry", "0")

    # refusals change nothing and keep what was typed
    before = rows(server.evid.db, "SELECT * FROM contracts")
    for changes, words in (
            ({"number": "", "start": "2026-01-01"}, "Upišite broj ugovora."),
            ({"number": "UG-9", "start": "1.1.2026"}, "Prvi dan"),
            ({"number": "UG-9", "start": "2026-02-01", "end": "2026-01-31"}, "prije prvoga"),
            ({"number": "UG-9", "start": "2026-01-01", "increment_minutes": "x"}, "Zaokruži na"),
            ({"number": "UG-9", "start": "2026-01-01", "included_hours": "1000"}, "744"),
            ({"number": "UG-9", "start": "2026-01-01", "service_1": str(printer),
              "quantity_1": "0"}, "Stavka 1")):
        a = b.submit(p, "new-contract", status=400, **changes)
        assert a.page.errors and words in a.page.errors[0], (changes, a.page.errors)
        assert a.page.values("new-contract")["number"] == changes["number"]
    assert rows(server.evid.db, "SELECT * FROM contracts") == before

    cid = new_contract(b, c["id"], [(printer, "2", "", ""), (backup, "1,5", "18,40", "Backup NAS")],
                       number="UG-2026-001", start="2026-01-01", proration="monthly",
                       cycle="quarterly", prepaid="1", included_hours="2,5",
                       overage_hourly="50")
    got = api(server, "GET", "/api/v1/contracts/%d" % cid)["contract"]
    assert got["number"] == "UG-2026-001" and got["prepaid"] is True
    page = b.get("/contracts/%d?n=7" % cid)
    assert page.page.notices == ["Stvoreno."]
    # a whole month: 2 x 35,00 + 1,5 x 18,40 = 70,00 + 27,60 = 97,60
    assert re.search(r'id="contract-month">97,60<', page.text), page.text
    db = rows(server.evid.db, "SELECT service_id, quantity, monthly_price, vat, description "
              "FROM contract_lines WHERE contract_id = ? ORDER BY id", cid)
    assert db == [(printer, 2000, 3500, 25, "Najam pisača"), (backup, 1500, 1840, 13, "Backup NAS")]
    v = page.page.values("contract")
    assert (v["cycle"], v["prepaid"], v["included_hours"], v["overage_hourly"]) == \
        ("quarterly", "1", "2,50", "50,00")

    # the terms: monthly after the month, no included hours
    a = b.submit(page.page, "contract", cycle="monthly", prepaid=None, included_hours="",
                 overage_hourly="", notes="<b>pazi</b>")
    assert a.location == "/contracts/%d?n=1#terms" % cid
    got = api(server, "GET", "/api/v1/contracts/%d" % cid)["contract"]
    assert got["prepaid"] is False and got["cycle"] == "monthly"
    assert len(got["lines"]) == 2  # the lines stay as they were
    assert "&lt;b&gt;pazi&lt;/b&gt;" in b.get("/contracts/%d" % cid).text

    # a new line, a changed line, a removed line
    page = b.get("/contracts/%d" % cid)
    a = b.submit(page.page, "new-line", service_id=str(printer), quantity="1",
                 monthly_price="", description="Drugi pisač")
    assert a.location == "/contracts/%d?n=7#lines" % cid
    lines = rows(server.evid.db, "SELECT id, quantity, monthly_price FROM contract_lines "
                 "WHERE contract_id = ? ORDER BY id", cid)
    assert len(lines) == 3 and lines[2][1:] == (1000, 3500)
    page = b.get("/contracts/%d" % cid)
    forms = page.page.forms["_anonymous"]
    change = [f for f in forms if f["action"] == "/contracts/%d/lines/%d" % (cid, lines[0][0])][0]
    fields = dict(change["fields"])
    assert fields["quantity"] == "2" and fields["monthly_price"] == "35,00"
    fields["quantity"] = "3"
    assert b.post(change["action"], fields).status == 303
    bad = dict(fields, quantity="-1")
    a = b.post(change["action"], bad)
    assert a.status == 400 and "Količina" in a.page.errors[0]
    remove = [f for f in forms
              if f["action"] == "/contracts/%d/lines/%d/remove" % (cid, lines[1][0])][0]
    assert b.post(remove["action"], dict(remove["fields"])).status == 303
    assert rows(server.evid.db, "SELECT id, quantity FROM contract_lines WHERE contract_id = ? "
                "ORDER BY id", cid) == [(lines[0][0], 3000), (lines[2][0], 1000)]
    # 3 x 35,00 + 1 x 35,00 = 140,00
    assert re.search(r'id="contract-month">140,00<', b.get("/contracts/%d" % cid).text)

    # ending it
    page = b.get("/contracts/%d" % cid)
    a = b.submit(page.page, "contract-end", status=400, end="2025-12-31")
    assert a.page.errors
    a = b.submit(page.page, "contract-end", end="2026-06-30")
    assert rows(server.evid.db, "SELECT end_day FROM contracts WHERE id = ?", cid)[0][0] is not None
    got = api(server, "GET", "/api/v1/contracts/%d" % cid)["contract"]
    assert got["end_date"] == "2026-06-30", got

    # every contract, and the form that leads to a client's page
    listing = b.get("/billing/contracts")
    assert 'data-contract="UG-2026-001"' in listing.text
    a = b.get("/billing/contracts?client_id=%d" % c["id"], status=303)
    assert a.location == "/clients/%d/contracts#new-contract" % c["id"]
    b.get("/contracts/999", status=404)
    b.get("/clients/999/contracts", status=404)


def test_a_prepaid_line_cannot_change(server):
    b = login(server)
    printer = add_service(b, "printer_rental", "Najam pisača", "35,00")
    c = new_client(server, "Prepaid d.o.o.")
    cid = new_contract(b, c["id"], [(printer, "1", "", "")], number="UG-P", start="2026-04-01",
                       proration="monthly", cycle="quarterly", prepaid="1")
    a = b.submit(b.get("/billing/prepay?month=2026-04").page, "prepay-issue")
    assert a.location == "/billing/prepay?month=2026-04&n=1"
    page = b.get("/contracts/%d" % cid)
    line = rows(server.evid.db, "SELECT id FROM contract_lines WHERE contract_id = ?", cid)[0][0]
    remove = [f for f in page.page.forms["_anonymous"]
              if f["action"] == "/contracts/%d/lines/%d/remove" % (cid, line)][0]
    a = b.post(remove["action"], dict(remove["fields"]))
    assert a.status == 409 and a.page.errors, a
    assert len(rows(server.evid.db, "SELECT * FROM contract_lines WHERE contract_id = ?",
                    cid)) == 1


# ---- prepayments ----

def test_prepayments_listed_issued_once_and_shown_as_prepaid(server):
    """A quarterly prepaid contract from 2026-04-01, whole months, 1 x 100,00
    at 25 %: due in April for April..June: 3 x 100,00 = 300,00 net, 75,00 VAT,
    375,00 gross; nothing due in May."""
    b = login(server)
    svc = add_service(b, "maintenance", "Održavanje poslužitelja", "100,00")
    c = new_client(server, "Kvartalna d.o.o.")
    new_contract(b, c["id"], [(svc, "1", "", "")], number="UG-Q", start="2026-04-01",
                 proration="monthly", cycle="quarterly", prepaid="1")
    page = b.get("/billing/prepay?month=2026-04")
    assert page.page.h1 == "Predujmovi: travanj 2026."
    assert 'data-contract="UG-Q" data-issued="0"' in page.text
    totals = section(page.text, 'id="prepay-totals"')
    assert td(totals, "net") == ["300,00"] and td(totals, "gross") == ["375,00"]
    assert "travanj 2026. – lipanj 2026." in page.text
    assert "prepay-issue" in page.page.forms
    assert rows(server.evid.db, "SELECT * FROM prepayments") == []

    a = b.submit(page.page, "prepay-issue")
    page = b.follow(a)
    assert page.page.notices == ["Spremljeno."]
    assert 'data-contract="UG-Q" data-issued="1"' in page.text
    assert "prepay-issue" not in page.page.forms and 'id="prepay-all-issued"' in page.text
    assert len(rows(server.evid.db, "SELECT * FROM prepayments")) == 1
    # a second POST records nothing more
    assert b.post("/billing/prepay", {"month": "2026-04",
                                      "csrf": page.page.values("logout")["csrf"]}).status == 303
    assert len(rows(server.evid.db, "SELECT * FROM prepayments")) == 1
    assert 'id="prepay-none"' in b.get("/billing/prepay?month=2026-05").text

    # the month-end of May shows the line as prepaid, not charged: nothing to pay
    run = b.get("/billing?month=2026-05").text
    spec = section(run, 'id="client-%d"' % c["id"])
    assert 'data-kind="prepaid"' in spec and "(100,00)" in spec
    assert td(section(spec, 'class="spec-totals"', "</table>"), "gross") == ["0,00"]
    b.get("/billing/prepay?month=2026-13", status=400)


# ---- the month-end run ----

def test_month_run_shows_specifications_totals_chart_and_downloads(server):
    b, m = march(server)
    page = b.get("/billing?month=2026-03")
    t = page.text
    assert page.page.h1 == "Obračun mjeseca: ožujak 2026."
    assert 'data-state="open"' in t and "close-month-start" in page.page.forms
    summary = section(t, 'id="summary"')
    assert td(summary, "net") == ["149,68"] and td(summary, "tax") == ["37,42"]
    assert td(summary, "gross") == ["187,10"]
    assert re.search(r'id="summary-clients">1<', summary)
    spec = section(t, 'id="client-%d"' % m["client"]["id"])
    kinds = re.findall(r'data-kind="([a-z_]+)"', spec)
    assert kinds == ["contract", "work", "work", "extra"], kinds
    amounts = re.findall(r'<td class="num amount">([^<]*)</td>', spec)
    # work by ticket, then rate code: on_site before remote
    assert amounts == ["49,68", "30,00", "45,00", "25,00"], amounts
    assert "22/31" in spec  # the daily proration's days
    assert 'data-ticket="%s"' % m["ticket"]["number"] in spec
    assert td(section(spec, 'class="spec-totals"', "</table>"), "gross") == ["187,10"]
    row = section(t, 'id="billing-clients"', "</table>")
    assert 'data-client="%d"' % m["client"]["id"] in row and "187,10" in row

    # the chart: an inline SVG with a fixed viewBox, no script, no style attribute
    chart = section(t, 'id="chart-clients"', "</figure>")
    assert re.search(r'<svg class="bars"[^>]* viewBox="0 0 520 28"', chart), chart
    assert "Pekara Klas d.o.o." in chart and ">1:10<" in chart  # 50 + 20 real minutes
    assert "style=" not in section(t, 'id="hours"') and no_script(t)
    techs = section(t, 'id="chart-technicians"', "</figure>")
    assert "Ana Admin" in techs

    # downloads
    base = "/billing/download?month=2026-03&client=%d&format=" % m["client"]["id"]
    pdf = b.get(base + "pdf")
    assert pdf.raw.startswith(b"%PDF-") and pdf.headers["Content-Type"] == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert "specifikacija-2026-03-%d.pdf" % m["client"]["id"] in \
        pdf.headers["Content-Disposition"]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.raw,
                              capture_output=True, check=True).stdout.decode()
        assert "187,10" in text and "Pekara Klas" in text
    xlsx = b.get(base + "xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx.raw)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode() if \
            "xl/sharedStrings.xml" in z.namelist() else ""
    assert "187.1" in sheet and "Pekara Klas" in strings + sheet
    one = json.loads(b.get(base + "json").text)
    everyone = json.loads(b.get("/billing/download?month=2026-03&format=json").text)
    assert everyone["month"] == "2026-03" and everyone["closed"] is False
    assert len(everyone["clients"]) == 1
    assert json.dumps(one, sort_keys=True).count("18710") >= 1
    csv_all = b.get("/billing/download?month=2026-03&format=csv").text
    assert "49.68" in csv_all and "45.00" in csv_all and "25.00" in csv_all
    assert b.get(base + "csv").text == csv_all  # one client: the same rows

    # refused: a bad format, pdf for everyone, a bad month
    b.get("/billing/download?month=2026-03&format=doc", status=400)
    b.get("/billing/download?month=2026-03&format=pdf", status=400)
    b.get("/billing?month=2026-3", status=400)
    # a month with nothing
    assert "Nitko nema ništa u ovom mjesecu." in b.get("/billing?month=2025-01").text


def test_closing_a_month_confirms_stores_and_refuses_changes(server):
    b, m = march(server)
    tid, (e1, _) = m["ticket"]["id"], m["entries"]
    before = b.get("/billing?month=2026-03").text
    # the button leads to the confirmation page; a POST without it only shows that page
    start = b.get("/billing?month=2026-03").page.form("close-month-start")
    assert (start["method"], start["action"]) == ("get", "/billing/close")
    a = b.get("/billing/close?" + "&".join("%s=%s" % kv for kv in start["fields"]))
    assert "close-month" in a.page.forms and "187,10" in a.text
    csrf = a.page.values("close-month")["csrf"]
    c = b.post("/billing/close", {"month": "2026-03", "csrf": csrf})
    assert c.status == 200 and "close-month" in c.page.forms
    assert rows(server.evid.db, "SELECT * FROM billing_months") == []
    a = b.submit(a.page, "close-month")
    assert a.location == "/billing?month=2026-03&n=1"
    page = b.follow(a)
    assert 'data-state="closed"' in page.text and "close-month-start" not in page.page.forms
    # the stored specifications: the same numbers
    assert td(section(page.text, 'id="summary"'), "gross") == ["187,10"]
    assert re.findall(r'<td class="num amount">([^<]*)</td>', page.text) == \
        re.findall(r'<td class="num amount">([^<]*)</td>', before)

    # closing again is refused with the store's message
    a = b.post("/billing/close", {"month": "2026-03", "confirm": "1", "csrf": csrf})
    assert a.status == 409 and a.page.errors
    assert "Mjesec je već zaključen." in b.get("/billing/close?month=2026-03").text
    # months close in order: May with April open
    a = b.post("/billing/close", {"month": "2026-05", "confirm": "1", "csrf": csrf})
    assert a.status == 409 and a.page.errors

    # the ticket page: no forms for the closed month's entries and items
    t = b.get("/tickets/%d" % tid)
    assert "time-rate-%d" % e1["id"] not in t.page.forms
    assert "Njegov je mjesec zaključen" in t.text
    assert 'action="/extras/' not in t.text
    # forms that reach the month anyway: 409 with the store's message as the page's error
    entries = rows(server.evid.db, "SELECT * FROM time_entries ORDER BY id")
    extras = rows(server.evid.db, "SELECT * FROM extras ORDER BY id")
    closed = "month 2026-03 is closed; record a correction as an adjustment in an open month"
    a = b.submit(t.page, "time-add", status=409, started="2026-03-17T10:00", minutes="30")
    assert a.page.errors == [closed], a.page.errors
    a = b.submit(t.page, "extra-add", status=409, description="Kabel", quantity="1",
                 unit_price="5", day="2026-03-31")
    assert a.page.errors == [closed]
    # the values typed come back
    assert a.page.values("extra-add")["description"] == "Kabel"
    a = b.post("/time/%d/rate" % e1["id"], {"rate_id": str(m["on_site"]), "reason": "x",
                                              "csrf": csrf})
    assert a.status == 409 and a.page.errors == [closed]
    xid = rows(server.evid.db, "SELECT id FROM extras")[0][0]
    a = b.post("/extras/%d/remove" % xid, {"ticket_id": str(tid), "csrf": csrf})
    assert a.status == 409 and a.page.errors == [closed]
    assert rows(server.evid.db, "SELECT * FROM time_entries ORDER BY id") == entries
    assert rows(server.evid.db, "SELECT * FROM extras ORDER BY id") == extras
    # April is open: an item there is taken
    t = b.get("/tickets/%d" % tid)
    b.submit(t.page, "extra-add", description="Kabel", quantity="1", unit_price="5",
             day="2026-04-01")


# ---- the ticket page ----

def test_ticket_extras_and_kind_of_work(server):
    b = login(server)
    add_rate(b, "remote", "Rad na daljinu", "45")
    on_site = add_rate(b, "on_site", "Rad na terenu", "60")
    server.evid.add_user(TECH_EMAIL, "Tomo Tehničar", "technician", TECH_PASSWORD)
    tech = login(server, TECH_EMAIL, TECH_PASSWORD)
    tech_token = server.evid.token(TECH_EMAIL)
    c = new_client(server, "Ured d.o.o.")
    t = new_ticket(server, c["id"])
    mine = add_time(server, t["id"], "2026-11-02T09:00:00Z", 1800, token=tech_token)
    admins = add_time(server, t["id"], "2026-11-02T11:00:00Z", 600)

    page = tech.get("/tickets/%d" % t["id"])
    assert 'data-rate="remote"' in page.text and "(zadana)" in page.text
    assert "time-rate-%d" % mine["id"] in page.page.forms
    assert "time-rate-%d" % admins["id"] not in page.page.forms  # another's entry
    assert "Nema dodatnih stavki." in page.text

    # a technician adds an item; refusals keep what was typed
    before = rows(server.evid.db, "SELECT * FROM extras")
    for changes, words in (({"description": " "}, "Opišite stavku"),
                           ({"quantity": "0"}, "Količina"),
                           ({"quantity": "1,2345"}, "Količina"),
                           ({"unit_price": "12,345,6"}, "Jedinična cijena"),
                           ({"vat": "7"}, "PDV"),
                           ({"day": "2026-02-30"}, "Dan")):
        fields = dict(description="Kabel UTP 5 m", quantity="3", unit_price="4,20", vat="25",
                      day="2026-11-02")
        fields.update(changes)
        a = tech.submit(page.page, "extra-add", status=400, **fields)
        assert a.page.errors and words in a.page.errors[0], (changes, a.page.errors)
        assert a.page.values("extra-add")["quantity"] == fields["quantity"]
    assert rows(server.evid.db, "SELECT * FROM extras") == before
    a = tech.submit(page.page, "extra-add", description="<b>Kabel</b> UTP 5 m", quantity="3",
                    unit_price="4,20", vat="13", day="2026-11-02")
    page = tech.follow(a)
    assert page.page.notices == ["Stvoreno."]
    # 3 x 4,20 = 12,60
    assert re.search(r'id="extras-total">12,60<', page.text)
    assert "&lt;b&gt;Kabel&lt;/b&gt;" in page.text and no_script(page.text)
    assert rows(server.evid.db, "SELECT description, quantity, unit_price, vat FROM extras") == \
        [("<b>Kabel</b> UTP 5 m", 3000, 420, 13)]
    # only an admin removes it
    assert 'action="/extras/' not in page.text
    xid = rows(server.evid.db, "SELECT id FROM extras")[0][0]
    csrf = page.page.values("extra-add")["csrf"]
    assert tech.post("/extras/%d/remove" % xid, {"ticket_id": str(t["id"]),
                                                  "csrf": csrf}).status == 403
    admin_page = b.get("/tickets/%d" % t["id"])
    assert 'action="/extras/%d/remove"' % xid in admin_page.text
    a = b.post("/extras/%d/remove" % xid, {"ticket_id": str(t["id"]) + "9",
                                            "csrf": admin_page.page.values("extra-add")["csrf"]})
    assert a.status == 404  # not that ticket's
    remove = [f for f in admin_page.page.forms["_anonymous"]
              if f["action"] == "/extras/%d/remove" % xid][0]
    assert b.post(remove["action"], dict(remove["fields"])).status == 303
    assert rows(server.evid.db, "SELECT * FROM extras") == []

    # the kind of work of the technician's own entry, with the reason the history keeps
    a = tech.submit(page.page, "time-rate-%d" % mine["id"], status=400, rate_id=str(on_site),
                    reason=" ")
    assert a.page.errors == ["Navedite razlog promjene vrste rada."]
    assert a.page.values("time-rate-%d" % mine["id"])["rate_id"] == str(on_site)
    a = tech.submit(page.page, "time-rate-%d" % mine["id"], rate_id=str(on_site),
                    reason="bio sam kod klijenta")
    assert a.location == "/tickets/%d?n=1#time-%d" % (t["id"], mine["id"])
    page = tech.follow(a)
    assert 'data-rate="on_site"' in page.text
    assert rows(server.evid.db, "SELECT rate_id FROM time_entries WHERE id = ?", mine["id"]) == \
        [(on_site,)]
    assert "bio sam kod klijenta" in page.text  # in the history
    # back to the default
    tech.submit(page.page, "time-rate-%d" % mine["id"], rate_id="0", reason="ipak daljinski")
    assert rows(server.evid.db, "SELECT rate_id FROM time_entries WHERE id = ?", mine["id"]) == \
        [(None,)]
    # not another's entry, not an unknown rate
    assert tech.post("/time/%d/rate" % admins["id"], {"rate_id": str(on_site), "reason": "x",
                                                       "csrf": csrf}).status == 403
    a = tech.post("/time/%d/rate" % mine["id"], {"rate_id": "999", "reason": "x",
                                                  "csrf": csrf})
    assert a.status == 400 and a.page.errors


# ---- who may, and forms without their token ----

ADMIN_PAGES = ("/billing", "/billing?month=2026-03", "/billing/prepay", "/billing/services",
               "/billing/services/1", "/billing/rates", "/billing/rates/1", "/billing/contracts",
               "/clients/1/contracts", "/contracts/1", "/billing/close?month=2026-03",
               "/billing/download?month=2026-03&format=csv")


def test_technicians_are_refused_the_billing_pages(server):
    b = login(server)
    svc = add_service(b, "printer_rental", "Najam pisača", "35,00")
    rid = add_rate(b, "remote", "Rad na daljinu", "45")
    c = new_client(server, "Prvi d.o.o.")
    new_contract(b, c["id"], [(svc, "1", "", "")], number="UG-1", start="2026-01-01",
                 proration="monthly", cycle="monthly")
    server.evid.add_user(TECH_EMAIL, "Tomo", "technician", TECH_PASSWORD)
    t = login(server, TECH_EMAIL, TECH_PASSWORD)
    for path in ADMIN_PAGES:
        a = t.get(path, status=403)
        assert "Ovu stranicu može otvoriti samo administrator." in a.page.errors[0], path
    page = t.get("/tickets")
    assert 'href="/billing"' not in page.text
    csrf = page.page.values("logout")["csrf"]
    tables = ("services", "rates", "rate_overrides", "contracts", "contract_lines",
              "prepayments", "billing_months")
    before = {x: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % x) for x in tables}
    for path, form in (("/billing/services", {"code": "x", "name": "X", "price": "1",
                                               "vat": "25", "unit": "month"}),
                       ("/billing/services/%d" % svc, {"code": "x", "name": "X", "price": "1",
                                                       "vat": "25", "unit": "month"}),
                       ("/billing/rates", {"code": "x", "name": "X", "hourly": "1", "vat": "25"}),
                       ("/billing/rates/%d/overrides" % rid, {"client_id": str(c["id"]),
                                                              "hourly": "1"}),
                       ("/clients/%d/contracts" % c["id"], {"number": "UG-2",
                                                             "start": "2026-01-01"}),
                       ("/contracts/1", {"number": "UG-X", "start": "2026-01-01"}),
                       ("/contracts/1/end", {"end": "2026-01-31"}),
                       ("/billing/prepay", {"month": "2026-01"}),
                       ("/billing/close", {"month": "2026-01", "confirm": "1"})):
        form["csrf"] = csrf
        assert t.post(path, form).status == 403, path
    assert {x: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % x) for x in tables} == before
    anon = Browser(server)
    assert anon.get("/billing", status=303).location == "/login?next=%2Fbilling"


def test_billing_forms_without_csrf_are_refused(server):
    b = login(server)
    svc = add_service(b, "printer_rental", "Najam pisača", "35,00")
    rid = add_rate(b, "remote", "Rad na daljinu", "45")
    c = new_client(server, "Drugi d.o.o.")
    cid = new_contract(b, c["id"], [(svc, "1", "", "")], number="UG-1", start="2026-01-01",
                       proration="monthly", cycle="monthly")
    line = rows(server.evid.db, "SELECT id FROM contract_lines")[0][0]
    t = new_ticket(server, c["id"])
    e = add_time(server, t["id"], "2026-01-05T09:00:00Z", 600)
    tables = ("services", "rates", "rate_overrides", "contracts", "contract_lines",
              "prepayments", "billing_months", "extras", "time_entries")
    before = {x: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % x) for x in tables}
    for path, form in (
            ("/billing/services", {"code": "x", "name": "X", "price": "1", "vat": "25",
                                   "unit": "month"}),
            ("/billing/services/%d" % svc, {"code": "y", "name": "Y", "price": "2", "vat": "25",
                                            "unit": "month", "active": "1"}),
            ("/billing/rates", {"code": "x", "name": "X", "hourly": "1", "vat": "25"}),
            ("/billing/rates/%d" % rid, {"code": "x", "name": "X", "hourly": "1", "vat": "25"}),
            ("/billing/rates/%d/overrides" % rid, {"client_id": str(c["id"]), "hourly": "1"}),
            ("/clients/%d/contracts" % c["id"], {"number": "UG-2", "start": "2026-01-01",
                                                  "proration": "monthly", "cycle": "monthly",
                                                  "increment_minutes": "0", "rounding": "up",
                                                  "round_per": "entry",
                                                  "minimum_minutes": "0"}),
            ("/clients/%d/rates" % c["id"], {"rate_id": str(rid), "hourly": "1"}),
            ("/contracts/%d" % cid, {"number": "UG-X", "start": "2026-01-01"}),
            ("/contracts/%d/end" % cid, {"end": "2026-01-31"}),
            ("/contracts/%d/lines" % cid, {"service_id": str(svc), "quantity": "1"}),
            ("/contracts/%d/lines/%d" % (cid, line), {"quantity": "5", "monthly_price": "1"}),
            ("/contracts/%d/lines/%d/remove" % (cid, line), {}),
            ("/contracts/%d/rates" % cid, {"rate_id": str(rid), "hourly": "1"}),
            ("/billing/prepay", {"month": "2026-01"}),
            ("/billing/close", {"month": "2026-01", "confirm": "1"}),
            ("/tickets/%d/extras" % t["id"], {"description": "X", "quantity": "1",
                                              "unit_price": "1", "vat": "25",
                                              "day": "2026-01-05"}),
            ("/time/%d/rate" % e["id"], {"rate_id": str(rid)})):
        for token in (None, "0" * 64):
            f = dict(form)
            if token:
                f["csrf"] = token
            a = b.post(path, f)
            assert a.status == 403, (path, a)
            assert "Obrazac je istekao" in a.page.errors[0]
    assert {x: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % x) for x in tables} == before


def test_names_are_escaped_everywhere(server):
    b = login(server)
    svc = add_service(b, "printer_rental", "<i>Najam</i> pisača", "35,00")
    add_rate(b, "remote", "<b>Daljinski</b>", "45")
    c = new_client(server, SCRIPT_NAME)
    cid = new_contract(b, c["id"], [(svc, "1", "", "<script>x</script>")], number="UG-<1>",
                       start="2026-02-01", proration="monthly", cycle="monthly")
    t = new_ticket(server, c["id"], subject="<script>alert(2)</script> pisač")
    add_time(server, t["id"], "2026-02-03T09:00:00Z", 3600)
    escaped = html.escape(SCRIPT_NAME, quote=False)
    for path in ("/clients/%d/contracts" % c["id"], "/contracts/%d" % cid, "/billing/contracts",
                 "/billing/services", "/billing/rates", "/billing?month=2026-02",
                 "/billing/close?month=2026-02", "/tickets/%d" % t["id"]):
        page = b.get(path)
        assert "<script>" not in page.text and "<b>Daljinski" not in page.text, path
        assert "<i>Najam" not in page.text, path
        if path.startswith("/billing?"):
            assert escaped in page.text
            chart = section(page.text, 'id="chart-clients"', "</figure>")
            # the label is cut to 26 bytes, escaped, inside the SVG
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart
            assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.text
            assert "UG-&lt;1&gt;" in page.text
