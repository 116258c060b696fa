"""`evid timer start|stop|status`: one running stopwatch per technician,
switching tickets stops the first and records its time, stop writes a time
entry with its history event, closing a ticket stops its stopwatches, and
the refusals (closed ticket, nothing running, another ticket)."""
import json
import re
import sqlite3
import time

TECH = "ivo@servis.hr"
OTHER = "eva@servis.hr"


def seed(evid):
    evid.add_user(TECH, "Ivo Tehničar", "technician", "password-123")
    evid.add_user(OTHER, "Eva Tehničarka", "technician", "password-123")
    a = evid.json("ticket", "new", "--subject", "Prvi", "--billing", "billable")["ticket"]
    b = evid.json("ticket", "new", "--subject", "Drugi", "--billing", "free")["ticket"]
    return a, b


def status(evid, who=TECH):
    """The running stopwatch of who, or None: `timer status --json` is {"timer": ...}."""
    out = evid.json("timer", "status", "--as", who)
    assert list(out) == ["timer"], out
    return out["timer"]


def test_start_switch_stop(evid):
    a, b = seed(evid)
    assert status(evid) is None
    p = evid.run("timer", "status", "--as", TECH)
    assert p.stdout == "no stopwatch running for %s\n" % TECH

    p = evid.run("timer", "start", a["number"], "--as", TECH)
    assert p.stdout == "started the stopwatch on %s: Prvi\n" % a["number"]
    st = status(evid)
    assert st["ticket_id"] == a["id"]
    assert st["ticket_number"] == a["number"]
    assert st["user_id"] == 1

    # Starting again on the same ticket leaves it running.
    p = evid.run("timer", "start", str(a["id"]), "--as", TECH)
    assert "already runs on %s" % a["number"] in p.stdout
    assert evid.json("ticket", "show", str(a["id"]))["time_entries"] == []

    # Another technician's stopwatch is their own.
    evid.run("timer", "start", str(b["id"]), "--as", OTHER)
    assert status(evid)["ticket_id"] == a["id"]

    time.sleep(1.1)
    out = json.loads(evid.run("timer", "start", str(b["id"]), "--as", TECH, "--json").stdout)
    assert out["timer"]["ticket_id"] == b["id"]
    stopped = out["stopped"]
    assert stopped["ticket_id"] == a["id"]
    assert stopped["seconds"] >= 1
    assert stopped["billable"] is True
    assert stopped["user_name"] == "Ivo Tehničar"
    assert status(evid)["ticket_id"] == b["id"]

    shown = evid.json("ticket", "show", str(a["id"]))
    assert shown["time_entries"] == [stopped]
    assert shown["ticket"]["time_seconds"] == stopped["seconds"] == shown["total_seconds"]
    assert shown["ticket"]["events"][-1]["kind"] == "time_entry"
    assert shown["ticket"]["events"][-1]["time_entry_id"] == stopped["id"]

    entry = evid.json("timer", "stop", "--as", TECH)["time_entry"]
    assert entry["ticket_id"] == b["id"]
    assert entry["user_name"] == "Ivo Tehničar"
    assert entry["billable"] is False  # a free ticket's time is not billed
    assert status(evid) is None
    assert status(evid, OTHER)["ticket_id"] == b["id"]

    p = evid.run("timer", "stop", "--as", TECH, check=False)
    assert p.returncode == 1
    assert "no stopwatch running" in p.stderr


def test_stop_names_the_ticket(evid):
    a, b = seed(evid)
    evid.run("timer", "start", str(a["id"]), "--as", TECH)
    p = evid.run("timer", "stop", str(b["id"]), "--as", TECH, check=False)
    assert p.returncode == 1
    assert "no stopwatch running" in p.stderr
    assert status(evid)["ticket_id"] == a["id"]
    p = evid.run("timer", "stop", a["number"], "--as", TECH)
    assert re.match(r"stopped the stopwatch on %s after \d+:\d\d:\d\d \(time entry \d+\)\n$"
                    % a["number"], p.stdout), p.stdout
    assert status(evid) is None


def test_closing_a_ticket_stops_its_stopwatches(evid):
    a, _ = seed(evid)
    evid.run("timer", "start", str(a["id"]), "--as", TECH)
    evid.run("timer", "start", str(a["id"]), "--as", OTHER)
    evid.run("ticket", "close", str(a["id"]), "--as", TECH)
    assert status(evid) is None
    assert status(evid, OTHER) is None
    entries = evid.json("ticket", "show", str(a["id"]))["time_entries"]
    assert sorted(e["user_name"] for e in entries) == ["Eva Tehničarka", "Ivo Tehničar"]

    p = evid.run("timer", "start", str(a["id"]), "--as", TECH, check=False)
    assert p.returncode == 1
    assert "closed" in p.stderr
    assert status(evid) is None


def test_timer_refusals(evid):
    a, _ = seed(evid)
    con = sqlite3.connect(evid.db)
    before = con.execute("SELECT count(*) FROM time_entries").fetchone()[0]
    con.close()
    for args, message, rc in (
            (["start", "999", "--as", TECH], "no ticket with id 999", 1),
            (["start", str(a["id"]), "--as", "nobody@servis.hr"], "no user with email", 1),
            (["start", str(a["id"])], "--as", 2),
            (["start", "--as", TECH], "TICKET", 2),
            (["status"], "--as", 2),
            (["pause", "--as", TECH], "unknown subcommand 'pause'", 2)):
        p = evid.run("timer", *args, check=False)
        assert p.returncode == rc, (args, p.returncode, p.stderr)
        assert message in p.stderr, (args, p.stderr)
    con = sqlite3.connect(evid.db)
    assert con.execute("SELECT count(*) FROM time_entries").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM timers").fetchone()[0] == 0
    con.close()
