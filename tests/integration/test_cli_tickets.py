"""`evid ticket new|list|show|close`: numbering, defaults, the description
from stdin as the first history event, list filters, show with events and
time, closing with a reason, and refused input that creates nothing."""
import datetime
import json
import re
import sqlite3
import subprocess

from conftest import EVID


def count(db, table):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def seed(evid):
    evid.add_user("ana@servis.hr", "Ana Admin", "admin", "password-123")
    evid.add_user("ivo@servis.hr", "Ivo Tehničar", "technician", "password-123")
    client = evid.json("client", "add", "--name", "Alfa d.o.o.")["client"]
    other = evid.json("client", "add", "--name", "Beta d.o.o.")["client"]
    contact = evid.json("contact", "add", "--client", str(client["id"]), "--name",
                        "Marija Marić", "--email", "marija@alfa.hr")["contact"]
    return client, other, contact


def test_ticket_new_with_everything(evid):
    client, _, contact = seed(evid)
    t = evid.json("ticket", "new", "--subject", "Pisač ne radi", "--client", str(client["id"]),
                  "--contact", str(contact["id"]), "--assignee", "ivo@servis.hr",
                  "--priority", "high", "--channel", "walk-in", "--billing", "warranty",
                  "--description", "Ne ispisuje ništa.\nLampica treperi.", "--as",
                  "ana@servis.hr")["ticket"]
    year = datetime.datetime.now().year
    assert re.fullmatch(r"\d{4}-000001", t["number"]), t["number"]
    assert abs(int(t["number"][:4]) - year) <= 1
    assert t["subject"] == "Pisač ne radi"
    assert (t["status"], t["priority"], t["channel"], t["billing"]) == (
        "new", "high", "walk_in", "warranty")
    assert t["client_id"] == client["id"] and t["client_name"] == "Alfa d.o.o."
    assert t["contact_id"] == contact["id"] and t["contact_name"] == "Marija Marić"
    assert t["assignee_name"] == "Ivo Tehničar"
    assert t["created_by_id"] == 1
    assert t["closed_at"] is None and t["time_seconds"] == 0

    shown = evid.json("ticket", "show", t["number"])
    assert shown["ticket"]["id"] == t["id"]
    first = shown["ticket"]["events"][0]
    assert first["kind"] == "message_in"
    assert first["body"] == "Ne ispisuje ništa.\nLampica treperi."
    assert first["author_user_id"] == 1 and first["author_name"] == "Ana Admin"
    assert shown["ticket"]["attachments"] == []
    assert shown["time_entries"] == [] and shown["total_seconds"] == 0


def test_ticket_new_defaults_stdin_and_contact_client(evid):
    client, _, contact = seed(evid)
    p = evid.run("ticket", "new", "--subject", "Mail ne stiže", "--contact",
                 str(contact["id"]), "--description", "-", input="Od jutros ništa.\n")
    m = re.match(r"created ticket (\d{4}-\d{6}) \(id (\d+)\): Mail ne stiže$", p.stdout)
    assert m, p.stdout
    t = evid.json("ticket", "show", m.group(2))["ticket"]
    assert t["number"] == m.group(1)
    # Defaults: phone, normal, billable; a contact alone puts it on their client.
    assert (t["status"], t["priority"], t["channel"], t["billing"]) == (
        "new", "normal", "phone", "billable")
    assert t["client_id"] == client["id"]
    assert t["assignee_id"] is None and t["created_by_id"] is None
    assert t["events"][0]["body"] == "Od jutros ništa.\n"
    assert t["events"][0]["author_contact_id"] == contact["id"]

    second = evid.json("ticket", "new", "--subject", "Drugi")["ticket"]
    assert second["number"] == t["number"][:5] + "000002"
    assert second["client_id"] is None
    assert evid.json("ticket", "show", str(second["id"]))["ticket"]["events"] == []


def test_bad_ticket_input_creates_nothing(evid):
    client, other, contact = seed(evid)
    cases = [
        (["--subject", "X", "--priority", "asap"], "unknown priority 'asap'", 1),
        (["--subject", "X", "--channel", "pigeon"], "unknown channel 'pigeon'", 1),
        (["--subject", "X", "--billing", "gratis"], "unknown billing 'gratis'", 1),
        (["--subject", "X", "--client", "99"], "no such client", 1),
        (["--subject", "X", "--contact", "99"], "no contact with id 99", 1),
        # The contact belongs to another client.
        (["--subject", "X", "--client", str(other["id"]), "--contact", str(contact["id"])],
         "belongs to another client", 1),
        (["--subject", "X", "--assignee", "nobody@servis.hr"], "no user with email", 1),
        (["--subject", "X", "--as", "nobody@servis.hr"], "no user with email", 1),
        (["--subject", "   "], "subject", 1),
        (["--subject", "Line\nbreak"], "subject", 1),
        (["--subject", "X" * 301], "subject", 1),
        (["--priority", "high"], "needs --subject", 2),
    ]
    for args, message, rc in cases:
        p = evid.run("ticket", "new", *args, check=False)
        assert p.returncode == rc, (args, p.returncode, p.stderr)
        assert message in p.stderr, (args, p.stderr)
    p = subprocess.run([EVID, "--db", evid.db, "ticket", "new", "--subject", "X",
                        "--description", "-"], input=b"caf\xe9 au lait", capture_output=True,
                       timeout=60)
    assert p.returncode == 1
    assert b"UTF-8" in p.stderr
    assert count(evid.db, "tickets") == 0
    assert count(evid.db, "events") == 0


def test_ticket_list_filters(evid):
    client, other, _ = seed(evid)
    a = evid.json("ticket", "new", "--subject", "A", "--client", str(client["id"]),
                  "--assignee", "ivo@servis.hr", "--channel", "email")["ticket"]
    b = evid.json("ticket", "new", "--subject", "B", "--client", str(other["id"]),
                  "--channel", "phone")["ticket"]
    c = evid.json("ticket", "new", "--subject", "C", "--client", str(client["id"]),
                  "--assignee", "ana@servis.hr", "--channel", "email")["ticket"]
    evid.run("ticket", "close", str(c["id"]), "--as", "ana@servis.hr")

    def ids(*args):
        return sorted(t["id"] for t in evid.json("ticket", "list", *args)["tickets"])

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids("--status", "new") == [a["id"], b["id"]]
    assert ids("--status", "closed") == [c["id"]]
    assert ids("--assignee", "ivo@servis.hr") == [a["id"]]
    assert ids("--assignee", "2") == [a["id"]]
    assert ids("--assignee", "none") == [b["id"]]
    assert ids("--client", str(client["id"])) == [a["id"], c["id"]]
    assert ids("--channel", "email") == [a["id"], c["id"]]
    assert ids("--channel", "email", "--status", "new") == [a["id"]]
    limited = evid.run("ticket", "list", "--limit", "2", "--json")
    listed = json.loads(limited.stdout)
    # total counts every matching ticket, also those beyond --limit.
    assert (len(listed["tickets"]), listed["total"]) == (2, 3)
    assert "showing 2 of 3" in limited.stderr

    table = evid.run("ticket", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["ID", "NUMBER", "STATUS"]
    assert len(table) == 4

    for bad, message in ((["--status", "done"], "unknown status 'done'"),
                         (["--limit", "0"], "--limit"),
                         (["--assignee", "nobody@servis.hr"], "no user"),
                         (["--client", "x"], "not a client id")):
        p = evid.run("ticket", "list", *bad, check=False)
        assert p.returncode == 1, bad
        assert message in p.stderr, (bad, p.stderr)


def test_ticket_show_human_and_unknown(evid):
    seed(evid)
    t = evid.json("ticket", "new", "--subject", "Pisač", "--description", "Opis problema",
                  "--as", "ivo@servis.hr")["ticket"]
    out = evid.run("ticket", "show", str(t["id"])).stdout
    assert out.startswith("%s  Pisač\n" % t["number"])
    assert "status:    new" in out
    assert "message_in" in out and "Opis problema" in out
    for ref, message in (("999", "no ticket with id 999"),
                         ("2020-000001", "no ticket with number 2020-000001"),
                         ("abc", "not a ticket id or number")):
        p = evid.run("ticket", "show", ref, check=False)
        assert p.returncode == 1
        assert message in p.stderr


def test_ticket_close(evid):
    seed(evid)
    t = evid.json("ticket", "new", "--subject", "Zatvori me")["ticket"]
    p = evid.run("ticket", "close", t["number"], "--as", "ivo@servis.hr", "--reason",
                 "Riješeno telefonom.")
    assert p.stdout == "closed ticket %s: Zatvori me\n" % t["number"]
    shown = evid.json("ticket", "show", str(t["id"]))["ticket"]
    assert shown["status"] == "closed"
    assert shown["closed_at"] is not None
    change = shown["events"][-1]
    assert change["kind"] == "status_change"
    assert (change["field"], change["old_value"], change["new_value"]) == (
        "status", "new", "closed")
    assert change["body"] == "Riješeno telefonom."
    assert change["author_name"] == "Ivo Tehničar"

    events = len(shown["events"])
    p = evid.run("ticket", "close", str(t["id"]), "--as", "ivo@servis.hr")
    assert "already closed" in p.stdout
    assert len(evid.json("ticket", "show", str(t["id"]))["ticket"]["events"]) == events

    p = evid.run("ticket", "close", str(t["id"]), check=False)
    assert p.returncode == 2
    assert "--as" in p.stderr
    evid.run("user", "disable", "ana@servis.hr")
    other = evid.json("ticket", "new", "--subject", "Drugi")["ticket"]
    p = evid.run("ticket", "close", str(other["id"]), "--as", "ana@servis.hr", check=False)
    assert p.returncode == 1
    assert "disabled" in p.stderr
    assert evid.json("ticket", "show", str(other["id"]))["ticket"]["status"] == "new"
