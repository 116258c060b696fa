"""Contracts, prepayments and the month-end of March 2026 through the CLI:
the data set of test_billing_api.py (read its docstring for the data and the
hand check of every number) made with `evid service|rate|contract|ticket|
billing extra`, the time entries through the API (no command records one at a
given time), then `evid billing prepay|run|close|adjust` compared with the
same golden files, the files of --out, the PDF (pdftotext) and the XLSX
(openpyxl), the closed month's refusals and its byte-for-byte reruns."""
import datetime
import json
import os
import subprocess
import zoneinfo

import pytest

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_server, stop_server
from test_billing_api import (CLIENTS, CONFIG, CONTRACTS, ENTRIES, EXTRAS, MONTH, RATES,
                              SERVICES, TICKETS, C1_TOTALS, Api, add_entries_api,
                              assert_pdf_totals, assert_xlsx_totals, check_golden, make_users,
                              pdf_text)

CLOSED = "month 2026-03 is closed; record a correction as an adjustment in an open month"


class Cli:
    """`evid` with the test's configuration file."""

    def __init__(self, evid, config):
        self.evid = evid
        self.env = {"EVID_CONFIG": config}

    def __call__(self, *args, check=True, rc=None):
        p = self.evid.run(*args, check=check and rc is None, env=self.env)
        if rc is not None:
            assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
        return p

    def json(self, *args):
        p = self(*args)
        doc = json.loads(p.stdout)
        assert p.stdout == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        return doc

    def raw(self, *args):
        """stdout as bytes (PDF, XLSX)."""
        e = dict(os.environ)
        e.pop("EVID_DB", None)
        e.update(self.env)
        p = subprocess.run([self.evid_bin(), "--db", self.evid.db, *args], capture_output=True,
                           env=e, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    @staticmethod
    def evid_bin():
        from conftest import EVID
        return EVID


@pytest.fixture
def setup(evid, tmp_path):
    conf = tmp_path / "evid.conf"
    conf.write_text(CONFIG, encoding="utf-8")
    evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    make_users(evid)
    srv = start_server(evid, tmp_path)
    srv.admin = Api(srv, evid.token(ADMIN_EMAIL))
    yield Cli(evid, str(conf)), srv
    assert stop_server(srv) == 0, srv.stderr()


def eur(cents):
    return "%d.%02d" % (cents // 100, cents % 100)


def make_data_cli(cli):
    """The data set of test_billing_api.py, in the same order (so the same ids)."""
    for c in CLIENTS:
        cli("client", "add", "--name", c["name"], "--oib", c["oib"], "--address", c["address"])
    for code, name, unit, price, vat in SERVICES:
        p = cli("service", "add", "--code", code, "--name", name, "--unit", unit, "--price",
                eur(price), "--vat", str(vat))
        assert p.stdout.startswith("created service ")
    for code, name, hourly, vat in RATES:
        cli("rate", "add", "--code", code, "--name", name, "--hourly", eur(hourly), "--vat",
            str(vat))
    for ci, number, start, prorate, cycle, prepaid, terms, lines in CONTRACTS:
        args = ["contract", "add", "--client", str(ci + 1), "--number", number, "--start", start,
                "--proration", prorate, "--cycle", cycle, "--prepaid", "yes" if prepaid else "no"]
        if "included" in terms:
            args += ["--included-hours", "%g" % (terms["included"] / 3600)]
        if "overage_hourly" in terms:
            args += ["--overage", eur(terms["overage_hourly"])]
        if "increment" in terms:
            args += ["--increment", str(terms["increment"] // 60), "--rounding",
                     terms["rounding"], "--round-per", terms["round_per"], "--minimum",
                     str(terms["minimum"] // 60)]
        for s, q, p in lines:
            args += ["--line", "%s:%g%s" % (s, q / 1000, "" if p is None else ":" + eur(p))]
        assert cli(*args).stdout.startswith("created contract ")
    cli("rate", "override", "remote", "--client", "2", "--hourly", "40")
    cli("rate", "override", "remote", "--contract", "UG-2026-003", "--hourly", "42.00")
    for ci, subject, billing in TICKETS:
        cli("ticket", "new", "--subject", subject, "--client", str(ci + 1), "--billing", billing,
            "--as", ADMIN_EMAIL)


def test_month_end_through_the_cli(setup, tmp_path):
    cli, srv = setup
    make_data_cli(cli)
    assert [c["number"] for c in cli.json("contract", "list", "--json")["contracts"]] == \
        ["UG-2026-001", "UG-2026-002", "UG-2026-003", "UG-2026-004"]
    k1 = cli.json("contract", "show", "UG-2026-001", "--json")["contract"]
    assert (k1["included"], k1["overage_hourly"], k1["increment"]) == (7200, 5000, 900)
    k3 = cli.json("contract", "show", "3", "--json")["contract"]
    assert (k3["prepaid"], k3["cycle"], k3["increment"], k3["rounding"], k3["round_per"],
            k3["minimum"]) == (True, "quarterly", 1800, "nearest", "ticket", 3600)
    assert [(l["service_code"], l["monthly_price"]) for l in k3["lines"]] == \
        [("server_maint", 15000), ("backup", 2000)]
    overrides = cli.json("rate", "overrides", "--json")["overrides"]
    assert [(o["client_id"], o["contract_id"], o["hourly"]) for o in overrides] == \
        [(2, None, 4000), (None, 3, 4200)]

    ids = dict(tickets=list(range(1, 7)), users=[], entries=[])
    users = {u["email"]: u["id"] for u in srv.admin("GET", "/api/v1/users").json["users"]}
    ids["users"] = [users["ana.horvat@servis.hr"], users["ivo.kovac@servis.hr"]]
    add_entries_api(srv.admin, ids, set_rates=False)
    for (ti, who, started, seconds, rate, billable), eid in zip(ENTRIES, ids["entries"]):
        if rate:
            p = cli("rate", "entry", str(eid), rate, "--reason", "rad na terenu", "--as",
                    ADMIN_EMAIL)
            assert p.stdout == "time entry %d is now %s work\n" % (eid, rate)
    for ti, desc, qty, price, vat, day in EXTRAS:
        cli("billing", "extra", "add", str(ti + 1), "--description", desc, "--quantity", qty,
            "--price", price, "--vat", str(vat), "--day", day, "--as", ADMIN_EMAIL)
    assert len(cli.json("billing", "extra", "list", "1", "--json")["extras"]) == 2

    # Prepayments, as through the API: the same golden files.
    check_golden(cli("billing", "prepay", "2026-01", "--format", "json").stdout,
                 "prepay_2026-01.json")
    check_golden(cli.raw("billing", "prepay", "2026-01", "--format", "csv").decode(),
                 "prepay_2026-01.csv")
    p = cli("billing", "prepay", "2026-01", "--issue")
    assert p.stdout.endswith("\nissued 1 prepayment now\n"), p.stdout
    assert "UG-2026-003" in p.stdout and "637,50" in p.stdout  # gross 63750, hr
    p = cli("billing", "prepay", "2026-01", "--issue")
    assert p.stdout.endswith("\nissued 0 prepayments now\n")
    doc = json.loads(cli("billing", "prepay", "2026-02", "--issue", "--format", "json").stdout)
    assert doc["issued_now"] == 1 and doc["totals"]["gross"] == 8750
    p = cli("contract", "end", "UG-2026-003", "--on", "2026-03-15")
    assert p.stdout == "contract UG-2026-003 ends on 2026-03-15\n"

    # The run: the golden JSON and CSV (hand-checked in test_billing_api.py).
    run_json = cli("billing", "run", MONTH, "--format", "json").stdout
    check_golden(run_json, "run_2026-03.json")
    run_csv = cli.raw("billing", "run", MONTH, "--format", "csv").decode()
    check_golden(run_csv, "run_2026-03.csv")
    doc = json.loads(run_json)
    text = cli("billing", "run", MONTH).stdout
    assert "Čakovečki mlinovi d.d." in text and "581,06" in text  # C1 gross
    assert "712,45" in text  # the summary's gross
    text_en = cli("billing", "run", MONTH, "--lang", "en").stdout
    assert "712.45" in text_en and "March 2026" in text_en
    one = json.loads(cli("billing", "run", MONTH, "--client", "2", "--format", "json").stdout)
    assert one["clients"] == doc["clients"][1:2]
    assert (one["summary"]["net"], one["summary"]["gross"]) == (-1961, -2451)

    # --out: one file per client and the summary.
    out = tmp_path / "out"
    p = cli("billing", "run", MONTH, "--format", "json", "--out", str(out))
    assert p.stdout == "wrote 4 files to %s/2026-03/\n" % out
    folder = out / MONTH
    assert sorted(os.listdir(folder)) == ["1.json", "2.json", "3.json", "summary.json"]
    for c in doc["clients"]:
        t = (folder / ("%d.json" % c["client_id"])).read_text(encoding="utf-8")
        assert t == json.dumps(c, indent=2, ensure_ascii=False) + "\n"
    assert json.loads((folder / "summary.json").read_text()) == doc["summary"]
    before_close = {n: (folder / n).read_bytes() for n in os.listdir(folder)}
    cli("billing", "run", MONTH, "--format", "csv", "--out", str(out))
    rows = run_csv.split("\r\n")
    for cid in (1, 2, 3):
        with open(folder / ("%d.csv" % cid), encoding="utf-8", newline="") as f:
            t = f.read()
        mine = [r for r in rows[1:] if r.startswith("%d," % cid)]
        assert t == "\r\n".join([rows[0]] + mine) + "\r\n"
    with open(folder / "summary.csv", encoding="utf-8", newline="") as f:
        summary = f.read().split("\r\n")
    head, values = summary[0].split(","), summary[1].split(",")
    got = dict(zip(head, values))
    assert (got["month"], got["clients"], got["net"], got["vat"], got["gross"]) == \
        ("2026-03", "3", "576.60", "135.85", "712.45")
    assert (got["net_25"], got["vat_25"], got["net_13"], got["net_5"], got["vat_5"]) == \
        ("513.08", "128.27", "55.00", "8.52", "0.43")
    cli("billing", "run", MONTH, "--format", "pdf", "--out", str(out))
    assert (folder / "summary.txt").exists()
    pdf = (folder / "1.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    t = pdf_text(pdf, tmp_path)
    assert "12345678903" in t and "Informatički servis Horvat" in t and "69435151530" in t
    assert_pdf_totals(t, C1_TOTALS)
    # C2's credit (hand check): gross -24.51, net -19.61, VAT -4.90.
    c2_totals = [("Ukupno s PDV-om", "-24,51", -24.51), ("Ukupno bez PDV-a", "-19,61", -19.61),
                 ("PDV ukupno", "-4,90", -4.90)]
    assert_pdf_totals(pdf_text((folder / "2.pdf").read_bytes(), tmp_path, "2.pdf"), c2_totals)
    cli("billing", "run", MONTH, "--format", "xlsx", "--out", str(out))
    assert_xlsx_totals((folder / "1.xlsx").read_bytes(), C1_TOTALS)
    assert_xlsx_totals((folder / "2.xlsx").read_bytes(), c2_totals)
    # pdf and xlsx to stdout: one client.
    p = cli("billing", "run", MONTH, "--format", "pdf", rc=1)
    assert "--out" in p.stderr and p.stdout == ""
    assert cli.raw("billing", "run", MONTH, "--format", "pdf", "--client", "1") == pdf
    assert cli.raw("billing", "run", MONTH, "--format", "xlsx", "--client", "3")[:2] == b"PK"

    # Close; from then on the run prints what was stored, byte for byte.
    p = cli("billing", "close", MONTH, "--as", ADMIN_EMAIL)
    assert p.stdout == "closed 2026-03: 3 clients, net 576.60, VAT 135.85, gross 712.45 EUR\n"
    assert cli("billing", "months").stdout == "2026-03 closed\n"
    p = cli("billing", "close", MONTH, rc=1)
    assert p.stderr == "evid: month 2026-03 is closed already\n"
    srv.admin("PATCH", "/api/v1/rates/2", dict(hourly=9900))  # after the close: no effect
    closed_json = cli("billing", "run", MONTH, "--format", "json").stdout
    assert closed_json == run_json.replace('"closed": false', '"closed": true', 1)
    assert cli.raw("billing", "run", MONTH, "--format", "csv").decode() == run_csv
    assert cli("billing", "run", MONTH).stdout == text
    cli("billing", "run", MONTH, "--format", "json", "--out", str(out))
    for n in ("1.json", "2.json", "3.json", "summary.json"):
        assert (folder / n).read_bytes() == before_close[n], n
    assert cli.raw("billing", "run", MONTH, "--format", "pdf", "--client", "1") == pdf

    # Changes to the closed month are refused, and nothing changes.
    p = cli("rate", "entry", str(ids["entries"][1]), "on_site", "--reason", "x", "--as",
            ADMIN_EMAIL, rc=1)
    assert p.stderr == "evid: %s\n" % CLOSED
    p = cli("billing", "extra", "add", "1", "--description", "Kasno", "--quantity", "1",
            "--price", "1", "--vat", "25", "--day", "2026-03-31", "--as", ADMIN_EMAIL, rc=1)
    assert p.stderr == "evid: %s\n" % CLOSED
    p = cli("billing", "extra", "remove", "1", "--as", ADMIN_EMAIL, rc=1)
    assert p.stderr == "evid: %s\n" % CLOSED
    r = srv.request("POST", "/api/v1/tickets/1/time", dict(started_at="2026-03-15T10:00:00Z",
                                                           seconds=600), token=srv.admin.token)
    assert r.status == 409 and r.json["error"]["message"] == CLOSED
    assert cli.raw("billing", "run", MONTH, "--format", "csv").decode() == run_csv

    # A correction goes into April as an adjustment.
    p = cli("billing", "adjust", "--client", "3", "--corrects", MONTH, "--amount", "-10.00",
            "--vat", "25", "--description", "Popust na instalaciju", "--ticket", "6")
    assert p.stdout == ("adjustment 1: -10.00 EUR (VAT 25 %) for client 3, corrects 2026-03, "
                        "charged in 2026-04\n")
    april = json.loads(cli("billing", "run", "2026-04", "--client", "3", "--format",
                           "json").stdout)["clients"][0]
    adj = [l for l in april["lines"] if l["kind"] == "adjustment"]
    assert [(a["amount"], a["corrects_month"], a["charged"]) for a in adj] == \
        [(-1000, MONTH, True)]
    assert (april["net"], april["tax"], april["gross"]) == (2500, 625, 3125)
    adjs = cli.json("billing", "adjustments", "2026-04", "--json")["adjustments"]
    assert [(a["amount"], a["description"]) for a in adjs] == [(-1000, "Popust na instalaciju")]
    p = cli("billing", "adjust", "--client", "3", "--corrects", "2026-04", "--amount", "5",
            "--vat", "25", "--description", "x", rc=1)
    assert "2026-04" in p.stderr  # April is open: nothing to correct


def test_help_and_bad_input_change_nothing(evid, tmp_path):
    conf = tmp_path / "evid.conf"
    conf.write_text(CONFIG, encoding="utf-8")
    cli = Cli(evid, str(conf))
    top = cli("--help").stdout
    for name in ("service", "rate", "contract", "billing"):
        assert "\n  %-10s " % name in top, name
        p = cli(name, "--help")
        assert p.stdout.startswith("usage: evid %s " % name)
    cli("client", "add", "--name", "Čakovečki mlinovi d.d.", "--oib", "12345678903")
    cli("service", "add", "--code", "backup", "--name", "Sigurnosna kopija", "--unit", "month",
        "--price", "20", "--vat", "25")
    bad = [
        (("service", "add", "--code", "x", "--name", "X", "--unit", "month", "--price", "1",
          "--vat", "7"), 1, "evid: --vat: '7' is not a VAT rate: 25, 13, 5 or 0\n"),
        (("service", "add", "--code", "Bad", "--name", "X", "--unit", "month", "--price", "1",
          "--vat", "25"), 1, None),
        (("service", "add", "--code", "x", "--name", "X", "--unit", "week", "--price", "1",
          "--vat", "25"), 1, "evid: --unit: 'week' is not month, day, hour or piece\n"),
        (("service", "add", "--code", "x", "--name", "X", "--unit", "month", "--price",
          "1.234", "--vat", "25"), 1, None),
        (("service", "add", "--code", "x"), 2, None),
        (("service", "update", "nope", "--price", "1"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-02-30",
          "--line", "backup:1"), 1, "evid: --start: '2026-02-30' is not a date YYYY-MM-DD\n"),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01",
          "--line", "backup"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01",
          "--line", "nope:1"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01",
          "--line", "backup:0"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01",
          "--line", "backup:1", "--cycle", "weekly"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01",
          "--end", "2025-12-31", "--line", "backup:1"), 1, None),
        (("contract", "add", "--client", "1", "--number", "UG-1", "--start", "2026-01-01"), 2,
         None),
        (("billing", "run", "2026-13"), 1, "evid: month: '2026-13' is not a month YYYY-MM\n"),
        (("billing", "run", "2026-03", "--format", "docx"), 1, None),
        (("billing", "run", "2026-03", "--client", "99"), 1, "evid: client 99 not found\n"),
        (("billing", "run", "2026-03", "--format", "xlsx"), 1, None),
        (("billing", "prepay", "2026-03", "--format", "pdf"), 1, None),
        (("billing", "close"), 2, None),
        (("billing", "adjust", "--client", "1", "--corrects", "2026-03", "--amount", "-5",
          "--vat", "25", "--description", "x"), 1, None),
        (("billing", "nope"), 2, None),
    ]
    for args, code, err in bad:
        p = cli(*args, rc=code)
        if err:
            assert p.stderr == err, (args, p.stderr)
        else:
            assert p.stderr.startswith("evid: ") and "\n" in p.stderr, (args, p.stderr)
        assert p.stdout == "", (args, p.stdout)
    assert [s["code"] for s in cli.json("service", "list", "--all", "--json")["services"]] == \
        ["backup"]
    assert cli.json("contract", "list", "--json")["contracts"] == []
    assert cli("billing", "months").stdout == ""
    # An empty month runs to an empty document.
    doc = json.loads(cli("billing", "run", "2026-03", "--format", "json").stdout)
    assert doc["clients"] == [] and doc["summary"]["clients"] == 0 and doc["closed"] is False
    csv = cli.raw("billing", "run", "2026-03", "--format", "csv").decode()
    assert csv.startswith("client_id,client_name,") and csv.count("\r\n") == 1


def test_billing_configuration(evid, tmp_path):
    """[billing] is validated like the other sections, and its default rate
    must exist once there is work without a rate."""
    good = tmp_path / "good.conf"
    good.write_text(CONFIG, encoding="utf-8")
    assert evid.run("config", "check", str(good)).stdout == "ok: %s\n" % good
    cases = [
        ("increment_minutes = 1441", "increment_minutes: '1441' is not a whole number from 0 "
                                     "to 1440"),
        ("rounding = down", "rounding: 'down' is not one of up|nearest"),
        ("round_per = month", "round_per: 'month' is not one of entry|ticket"),
        ("minimum_minutes = -5", "minimum_minutes: '-5' is not a whole number from 0 to 1440"),
        ("default_rate = Na terenu", "default_rate: 'Na terenu' is not a rate code"),
        ("colour = blue", "unknown key 'colour' in [billing]"),
    ]
    for line, msg in cases:
        bad = tmp_path / "bad.conf"
        bad.write_text("[billing]\n" + line + "\n", encoding="utf-8")
        p = evid.run("config", "check", str(bad), check=False)
        assert p.returncode == 1 and p.stderr.startswith("evid: %s:2: %s" % (bad, msg)), \
            (line, p.stderr)
    # Work of no kind and a default rate nobody has: the run says what to do.
    evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    conf = tmp_path / "nope.conf"
    conf.write_text("[billing]\ndefault_rate = nope\n", encoding="utf-8")
    cli = Cli(evid, str(conf))
    cli("client", "add", "--name", "Klijent")
    cli("ticket", "new", "--subject", "x", "--client", "1", "--as", ADMIN_EMAIL)
    cli("timer", "start", "1", "--as", ADMIN_EMAIL)
    cli("timer", "stop", "--as", ADMIN_EMAIL)
    started = json.loads(cli("ticket", "show", "1", "--json").stdout)["time_entries"][0]
    started = datetime.datetime.strptime(started["started_at"], "%Y-%m-%dT%H:%M:%SZ")
    month = started.replace(tzinfo=datetime.timezone.utc).astimezone(
        zoneinfo.ZoneInfo("Europe/Zagreb")).strftime("%Y-%m")
    p = cli("billing", "run", month, rc=1)
    assert "no rate has the code 'nope'" in p.stderr and p.stdout == ""
