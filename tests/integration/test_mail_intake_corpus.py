"""The mail corpus through `evid mail-in`: for every tests/data/mail/NNN-name.eml
that has a NNN-name.intake beside it, a fresh copy of one shared fixture
database (clients with email domains, contacts, staff, six tickets opened by
mail, one of them closed) takes the message on standard input, and what it
became is checked through the CLI (`ticket show --json`, `outbox list
--json`, `quarantine list --json`) against the .intake keys (see
tests/data/mail/README.md, "Intake cases")."""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import EVID, ROOT

MAIL_DIR = os.path.join(ROOT, "tests", "data", "mail")
SUPPORT = "podrska@firma.hr"
ALIAS = "pomoc@firma.hr"

CONFIG = {
    "address": SUPPORT,
    "from_name": "Podrška",
    "aliases": ALIAS,
    "tag_prefix": "#",
    "reopen_days": "14",
    "autoreply_per_hour": "5",
    "max_message_mb": "25",
    "max_file_mb": "20",
    "max_files": "100",
}

CLIENTS = [  # name, domains
    ("Klijent d.o.o.", "klijent.hr"),
    ("Kunde GmbH", "kunde.de"),
    ("Drugi klijent d.o.o.", "drugi.hr"),
]
CONTACTS = [  # client, name, email
    ("Klijent d.o.o.", "Đurđica Šimić", "djurdjica.simic@klijent.hr"),
    ("Klijent d.o.o.", "Ivan Horvat", "ivan.horvat@klijent.hr"),
    ("Klijent d.o.o.", "Ana Kovač", "ana.kovac@gmail.com"),
    ("Klijent d.o.o.", "Robert Novak", "robert.novak@klijent.hr"),
    ("Klijent d.o.o.", "Sanja Barić", "sanja.baric@klijent.hr"),
    ("Klijent d.o.o.", "Marko Novak", "marko.novak@klijent.hr"),
    ("Klijent d.o.o.", "Luka Babić", "luka.babic@klijent.hr"),
    ("Drugi klijent d.o.o.", "Petar Petrović", "petar@drugi.hr"),
]
STAFF = [  # email, name, role
    ("admin@firma.hr", "Ana Admin", "admin"),
    ("tehnicar@firma.hr", "Tomo Tehničar", "technician"),
]


def fixture_message(sender, name, subject, msgid, body, cc=None):
    return ("From: %s <%s>\nTo: %s\n%sSubject: %s\nDate: Mon, 05 Jan 2026 09:00:00 +0100\n"
            "Message-ID: <%s>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n%s\n" % (
                name, sender, SUPPORT, "Cc: %s\n" % cc if cc else "", subject, msgid,
                body)).encode()


# The tickets every case starts with, opened by mail in this order (numbers
# YYYY-000001 to YYYY-000006), each acknowledged; "closed" is closed
# afterwards, "licence" had someone in Cc.
TICKETS = [
    ("printer", "ivan.horvat@klijent.hr", "Ivan Horvat", "Printer on 2nd floor",
     "Printer on the 2nd floor jams.", None),
    ("disk", "ana.kovac@gmail.com", "Ana Kovač", "Mrežni disk",
     "Mrežni disk se ne vidi.", None),
    ("licence", "robert.novak@klijent.hr", "Robert Novak", "Licence",
     "Trebamo još dvije licence.", "Kolega Partner <kolega@partner.hr>"),
    ("closed", "sanja.baric@klijent.hr", "Sanja Barić", "Ispis",
     "Ispis ne radi.", None),
    ("bounced", "marko.novak@klijent.hr", "Marko Novak", "Zaprimanje",
     "Molim potvrdu.", None),
    ("delayed", "luka.babic@klijent.hr", "Luka Babić", "Odgovor",
     "Čekam odgovor.", None),
]


def write_config(path, overrides=()):
    conf = dict(CONFIG)
    for k, v in overrides:
        conf[k] = v
    with open(path, "w") as f:
        f.write("[mail]\n")
        for k, v in conf.items():
            f.write("%s = %s\n" % (k, v))


class Db:
    """The CLI on one database with one configuration file."""

    def __init__(self, db, config):
        self.db = db
        self.config = config

    def run(self, *args, input=None, check=True):
        env = dict(os.environ)
        env.pop("EVID_DB", None)
        env.pop("EVID_CONFIG", None)
        p = subprocess.run([EVID, "--db", self.db, "--config", self.config, *args],
                           input=input, capture_output=True, env=env, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("evid %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout.decode(errors="replace"),
                p.stderr.decode(errors="replace")))
        return p

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def mail_in(self, raw):
        p = self.run("mail-in", "--json", input=raw, check=False)
        assert p.returncode == 0, "mail-in exited %d: %s" % (
            p.returncode, p.stderr.decode(errors="replace"))
        return json.loads(p.stdout)["intake"]

    def ticket(self, ref):
        return self.json("ticket", "show", str(ref))["ticket"]

    def tickets(self):
        return self.json("ticket", "list", "--limit", "100000")["tickets"]

    def outbox(self):
        return self.json("outbox", "list", "--limit", "0")["outbox"]

    def quarantine(self):
        return self.json("quarantine", "list", "--all")["quarantine"]

    def contacts(self):
        return {c["id"]: c["email"] for c in self.json("contact", "list", "--all")["contacts"]}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The shared fixture, built once through the CLI and `evid mail-in`:
    returns (folder with evid.db, {name: {"number", "id", "ack"}})."""
    d = tmp_path_factory.mktemp("intake-fixture")
    conf = str(d / "evid.conf")
    write_config(conf)
    db = Db(str(d / "evid.db"), conf)
    db.run("init")
    for email, name, role in STAFF:
        db.run("user", "add", "--email", email, "--name", name, "--role", role,
               "--password-stdin", input=b"fixture-password-1\n")
    clients = {}
    for name, domains in CLIENTS:
        clients[name] = db.json("client", "add", "--name", name, "--domains",
                                domains)["client"]["id"]
    for client, name, email in CONTACTS:
        db.run("contact", "add", "--client", str(clients[client]), "--name", name,
               "--email", email)
    tickets = {}
    for i, (key, sender, name, subject, body, cc) in enumerate(TICKETS, 1):
        r = db.mail_in(fixture_message(sender, name, subject,
                                       "fixture-%s@klijent.hr" % key, body, cc))
        assert r["result"] == "new" and r["number"].endswith("-%06d" % i), r
        t = db.ticket(r["number"])
        acks = [m["message_id"] for m in t["mail"] if m["kind"] == "ack"]
        assert len(acks) == 1, t["mail"]
        tickets[key] = {"number": t["number"], "id": t["id"], "ack": acks[0]}
    db.run("ticket", "close", tickets["closed"]["number"], "--as", "admin@firma.hr")
    assert db.ticket(tickets["closed"]["number"])["status"] == "closed"
    # what every copy starts with
    state = {"tickets": {t["id"]: t for t in db.tickets()},
             "acks": {o["id"] for o in db.outbox() if o["kind"] == "ack"}}
    assert len(state["tickets"]) == len(TICKETS) and len(state["acks"]) == len(TICKETS)
    return str(d), tickets, state


def read_intake(path):
    """The .intake file as a list of (key, value), in order."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if ":" not in line:
                raise AssertionError("%s:%d: not 'key: value'" % (path, n))
            k, v = line.split(":", 1)
            out.append((k.strip(), v.strip()))
    return out


KEYS = {"result", "ticket", "client", "contact", "answer", "subject", "files", "map",
        "config", "deliver", "linked", "status", "delivery", "reason"}
RESULTS = {"new", "appended", "reopened", "new_linked", "duplicate", "bounce", "own",
           "quarantined"}


def fixture_value(ref, tickets):
    """'fixture:NAME' -> its number; 'fixture:NAME:ack' -> its acknowledgement's
    Message-ID."""
    parts = ref.split(":")
    assert parts[0] == "fixture" and parts[1] in tickets and len(parts) in (2, 3), ref
    if len(parts) == 3:
        assert parts[2] == "ack", ref
        return tickets[parts[1]]["ack"]
    return tickets[parts[1]]["number"]


def same_number(want, got, year):
    """A number in a .intake file names its year as 2026; the test runs in any year."""
    m = re.match(r"^\d{4}-(\d{6})$", want)
    assert m, "bad ticket number %r" % want
    return got == "%s-%s" % (year, m.group(1))


CASES = sorted(glob.glob(os.path.join(MAIL_DIR, "*.intake")))


def test_enough_intake_cases():
    assert len(CASES) >= 40
    results = {dict(read_intake(c))["result"] for c in CASES}
    assert results == RESULTS, results


@pytest.mark.parametrize("case", CASES, ids=[os.path.basename(c)[:-7] for c in CASES])
def test_intake_case(case, template, tmp_path):
    folder, tickets, state = template
    spec = read_intake(case)
    keys = dict(spec)
    unknown = {k for k, _ in spec} - KEYS
    assert not unknown, "unknown keys %s" % unknown
    assert keys["result"] in RESULTS

    # a fresh copy of the fixture, the case's configuration
    shutil.copy(os.path.join(folder, "evid.db"), str(tmp_path / "evid.db"))
    conf = str(tmp_path / "evid.conf")
    write_config(conf, [tuple(s.strip() for s in v.split("=", 1))
                        for k, v in spec if k == "config"])
    db = Db(str(tmp_path / "evid.db"), conf)

    with open(case[:-len(".intake")] + ".eml", "rb") as f:
        raw = f.read()
    for k, v in spec:
        if k == "map":
            old, new = (s.strip() for s in v.split("=", 1))
            assert old.encode() in raw, "map: %r is not in the message" % old
            raw = raw.replace(old.encode(), fixture_value(new, tickets).encode())

    year = tickets["printer"]["number"][:4]
    before, acks_before = state["tickets"], state["acks"]
    deliveries = int(keys.get("deliver", "1"))
    assert 1 <= deliveries <= 3
    first = r = db.mail_in(raw)
    snapshot = db.ticket(first["ticket_id"]) if first.get("ticket_id") else None
    for _ in range(deliveries - 1):
        r = db.mail_in(raw)
        # the same bytes again change nothing at all
        assert db.ticket(first["ticket_id"]) == snapshot if snapshot else True
    after = {t["id"]: t for t in db.tickets()}
    new_acks = [o for o in db.outbox() if o["kind"] == "ack" and o["id"] not in acks_before]
    result = keys["result"]
    assert r["result"] == result, r

    if result == "quarantined":
        held = [q for q in db.quarantine() if q["sha256"] == hashlib.sha256(raw).hexdigest()]
        assert len(held) == 1 and held[0]["status"] == "held", db.quarantine()
        assert held[0]["id"] == r["quarantine_id"] and held[0]["size"] == len(raw)
        if "reason" in keys:
            assert keys["reason"] in held[0]["reason"], held[0]
        assert after.keys() == before.keys() and not new_acks
        assert keys.get("ticket", "none") == "none"
        return
    assert db.quarantine() == []

    if result == "own":
        assert r["ticket_id"] is None
        assert after == before and not new_acks, "an own message changed tickets"
        assert keys.get("ticket", "none") == "none"
        return

    # which ticket
    want = keys["ticket"]
    t = db.ticket(r["ticket_id"])
    if want.startswith("fixture:"):
        assert t["number"] == fixture_value(want, tickets)
    else:
        assert same_number(want, t["number"], year), (want, t["number"])
    opened = set(after) - set(before)
    if result in ("new", "new_linked") or (result == "duplicate" and
                                           first["result"] in ("new", "new_linked")):
        assert opened == {t["id"]}
        assert t["channel"] == "email" and t["status"] == "new"
        sender = expected_from(case)
        if sender is not None:
            assert t["from_email"] == (sender or None), t["from_email"]
    else:
        assert not opened, "a %s opened a ticket" % result
    if result == "duplicate":
        assert deliveries > 1 and first["result"] != "duplicate"
        assert first["ticket_id"] == r["ticket_id"] and first["event_id"] == r["event_id"]
        ev = [e for e in t["events"] if e["kind"] == "message_in"]
        assert len(ev) == (1 if first["result"] in ("new", "new_linked") else 2)
    if result == "new_linked":
        linked = fixture_value(keys["linked"], tickets)
        assert [e["new_value"] for e in t["events"]
                if e["field"] == "linked_ticket"] == [linked]
        old = db.ticket(linked)
        assert t["number"] in [e["new_value"] for e in old["events"]
                               if e["field"] == "linked_ticket"]
    if result == "reopened":
        assert before[t["id"]]["status"] in ("closed", "resolved")
        assert t["status"] == "open" and t["closed_at"] is None
        assert [e["new_value"] for e in t["events"] if e["kind"] == "status_change"][-1] == \
            "open"
    if result in ("appended", "reopened"):
        ev = [e for e in t["events"] if e["kind"] == "message_in"]
        assert len(ev) == 2 and ev[-1]["id"] == r["event_id"]
    if result == "bounce":
        ev = [e for e in t["events"] if e["id"] == r["event_id"]]
        assert len(ev) == 1 and ev[0]["field"] == "delivery", ev
        assert ev[0]["new_value"] == keys.get("delivery", "undelivered")
        ack = [m for m in t["mail"] if m["kind"] == "ack"][0]
        assert ack["delivery"] == "queued"  # never sent: a bounce does not change that
    if "status" in keys:
        assert t["status"] == keys["status"], t["status"]

    # client, contact, subject, files, answer
    if keys["client"] == "triage":
        assert t["client_id"] is None and r["triage"], t
    else:
        assert t["client_name"] == keys["client"], t
    if keys["contact"] == "none":
        assert t["contact_id"] is None, t
    else:
        assert db.contacts().get(t["contact_id"]) == keys["contact"], t
    assert t["subject"] == apply_maps(keys["subject"], spec, tickets)
    files = [a for a in t["attachments"] if a["event_id"] == r["event_id"]]
    assert len(files) == int(keys["files"]), [a["filename"] for a in files]
    answered = [o for o in new_acks if o["ticket_id"] == t["id"]]
    assert len(new_acks) == len(answered)
    assert ("yes" if answered else "no") == keys["answer"], new_acks
    if result != "duplicate":
        assert r["queued"] >= len(answered)


def apply_maps(text, spec, tickets):
    """text with the case's map: lines applied, as they were to the message."""
    for k, v in spec:
        if k == "map":
            old, new = (s.strip() for s in v.split("=", 1))
            text = text.replace(old, fixture_value(new, tickets))
    return text


def expected_from(case):
    """The sender the parser's .expect names for case ("" = none), or None
    when it says nothing about it."""
    path = case[:-len(".intake")] + ".expect"
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("from:"):
                    return line[5:].strip()
    return None
