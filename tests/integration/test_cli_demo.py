"""`evid init --demo`: the demo data set has what the issue promises (clients
with valid OIBs and contacts, an admin and three technicians, tickets in
every status, priority, channel and billing kind with history and time, one
running stopwatch), its printed logins work, and it refuses a database that
already holds data without changing it."""
import os
import re
import sqlite3
import subprocess
import time

from conftest import EVID, Evid, Server, free_port, start_server, stop_server

STATUSES = {"new", "open", "waiting", "resolved", "closed"}
PRIORITIES = {"low", "normal", "high", "urgent"}
CHANNELS = {"email", "web", "phone", "fax", "sms", "walk_in", "api"}
BILLINGS = {"billable", "free", "warranty"}


def oib_ok(oib):
    """ISO 7064 MOD 11,10, as the Croatian tax office computes it."""
    if len(oib) != 11 or not oib.isdigit():
        return False
    a = 10
    for d in oib[:10]:
        a = (a + int(d)) % 10 or 10
        a = a * 2 % 11
    return (11 - a) % 10 == int(oib[10])


def demo(tmp_path):
    e = Evid(str(tmp_path / "demo.db"))
    p = e.run("init", "--demo")
    return e, p


def counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                for t in ("users", "clients", "contacts", "tickets", "events", "time_entries")}
    finally:
        con.close()


def test_oib_checker_itself():
    assert oib_ok("69435151530")
    assert not oib_ok("69435151531")


def test_demo_contents(tmp_path):
    e, p = demo(tmp_path)
    assert "admin@evidencija.test" in p.stdout and "demo-admin" in p.stdout
    assert "ivana.horvat@evidencija.test" in p.stdout and "demo-technician" in p.stdout

    users = e.json("user", "list")["users"]
    roles = sorted(u["role"] for u in users)
    assert roles == ["admin", "technician", "technician", "technician"]
    assert all(u["active"] for u in users)

    clients = e.json("client", "list")["clients"]
    assert len(clients) == 4
    for c in clients:
        assert oib_ok(c["oib"]), c
        assert c["billing_email"].split("@")[1] in c["email_domains"].split(",")
    cities = " ".join(c["address"] for c in clients)
    for city in ("Zagreb", "Split", "Rijeka", "Osijek"):
        assert city in cities

    contacts = e.json("contact", "list")["contacts"]
    per_client = {}
    for c in contacts:
        per_client[c["client_id"]] = per_client.get(c["client_id"], 0) + 1
        owner = next(x for x in clients if x["id"] == c["client_id"])
        assert c["email"].split("@")[1] in owner["email_domains"].split(",")
    assert sorted(per_client) == sorted(c["id"] for c in clients)
    assert all(2 <= n <= 3 for n in per_client.values())

    tickets = e.json("ticket", "list")["tickets"]
    assert {t["status"] for t in tickets} == STATUSES
    assert {t["priority"] for t in tickets} == PRIORITIES
    assert {t["channel"] for t in tickets} == CHANNELS
    assert {t["billing"] for t in tickets} == BILLINGS
    # Time is spread over the last weeks: the oldest ticket is weeks old.
    created = sorted(t["created_at"] for t in tickets)
    assert created[0][:10] < created[-1][:10]
    assert sum(t["time_seconds"] for t in tickets) > 5 * 3600

    # A closed ticket carries its whole history.
    closed = next(t for t in tickets if t["status"] == "closed" and t["time_seconds"] > 0)
    shown = e.json("ticket", "show", str(closed["id"]))
    kinds = [ev["kind"] for ev in shown["ticket"]["events"]]
    for kind in ("message_in", "assignment", "status_change", "time_entry"):
        assert kind in kinds, kinds
    assert shown["time_entries"] and all(t["seconds"] > 0 for t in shown["time_entries"])
    assert sum(t["seconds"] for t in shown["time_entries"]) == closed["time_seconds"]
    assert shown["ticket"]["closed_at"] is not None
    # Replies and notes exist somewhere in the data set.
    all_kinds = set()
    for t in tickets:
        all_kinds |= {ev["kind"]
                      for ev in e.json("ticket", "show", t["number"])["ticket"]["events"]}
    assert {"reply", "note", "message_in"} <= all_kinds

    # Exactly one running stopwatch, on an open ticket.
    running = []
    for u in users:
        st = e.json("timer", "status", "--as", u["email"])
        if st["timer"] is not None:
            running.append(st["timer"])
    assert len(running) == 1
    assert running[0]["elapsed_seconds"] > 0
    ticket = next(t for t in tickets if t["id"] == running[0]["ticket_id"])
    assert ticket["status"] == "open"


def test_demo_twice_is_refused_and_changes_nothing(tmp_path):
    e, _ = demo(tmp_path)
    before = counts(e.db)
    p = e.run("init", "--demo", check=False)
    assert p.returncode == 1
    assert "already has data" in p.stderr
    assert counts(e.db) == before


def test_demo_refuses_a_database_with_a_user(evid):
    evid.add_user("someone@firma.hr", "Netko", "admin", "password-123")
    before = counts(evid.db)
    p = evid.run("init", "--demo", check=False)
    assert p.returncode == 1
    assert "already has data" in p.stderr
    assert counts(evid.db) == before


def test_demo_logins_work(tmp_path):
    e, _ = demo(tmp_path)
    srv = start_server(e, tmp_path)
    try:
        srv.login("admin@evidencija.test", "demo-admin")
        for tech in ("ivana.horvat@evidencija.test", "marko.kovacevic@evidencija.test",
                     "petra.babic@evidencija.test"):
            srv.login(tech, "demo-technician")
        r = srv.request("POST", "/api/v1/login",
                        {"email": "admin@evidencija.test", "password": "demo-technician"})
        assert r.status == 401
    finally:
        assert stop_server(srv) == 0


def start_run_script(tmp_path, env, name):
    """scripts/run.sh as `make run` calls it; returns the Server once it answers."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    log = tmp_path / name
    with open(log, "w") as lf:
        proc = subprocess.Popen(["sh", os.path.join(root, "scripts", "run.sh"),
                                 os.path.abspath(EVID)], stdout=lf, stderr=subprocess.STDOUT,
                                env=env, cwd=str(tmp_path))
    port = int(env["EVID_LISTEN"].rsplit(":", 1)[1])
    srv = Server(Evid(env["EVID_DB"]), port, proc, str(log))
    deadline = time.time() + 20
    while True:
        if proc.poll() is not None:
            raise AssertionError("run.sh exited: " + log.read_text())
        try:
            if srv.request("GET", "/healthz").status == 200:
                return srv
        except OSError:
            pass
        if time.time() > deadline:
            stop_server(srv)
            raise AssertionError("run.sh did not serve: " + log.read_text())
        time.sleep(0.05)


def test_run_script_creates_the_demo_once_and_serves(tmp_path):
    """scripts/run.sh (make run): demo database once, the logins it prints work."""
    env = dict(os.environ, EVID_DB=str(tmp_path / "run.db"),
               EVID_LISTEN="127.0.0.1:%d" % free_port())
    env.pop("EVID_CONFIG", None)
    srv = start_run_script(tmp_path, env, "first.log")
    try:
        out = srv.stderr()
        assert "http://%s/" % env["EVID_LISTEN"] in out
        logins = re.findall(r"^\s+(?:admin|technician)\s+(\S+@\S+)\s+password: (\S+)$", out,
                            re.M)
        assert [email for email, _ in logins] == ["admin@evidencija.test",
                                                  "ivana.horvat@evidencija.test"]
        for email, password in logins:
            srv.login(email, password)
    finally:
        assert stop_server(srv) == 0

    # A second run keeps the database and its data as they are.
    before = counts(env["EVID_DB"])
    env["EVID_LISTEN"] = "127.0.0.1:%d" % free_port()
    srv = start_run_script(tmp_path, env, "second.log")
    try:
        assert "creating" not in srv.stderr()
        assert counts(env["EVID_DB"]) == before
    finally:
        assert stop_server(srv) == 0
