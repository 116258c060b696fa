"""`evid mail-in` as a pipe sees it (silent on success, 75 on every failure),
the quarantine for admins (`evid quarantine list|show|reprocess` and
/api/v1/quarantine), and the triage step that makes the sender of a ticket
a contact (`evid ticket adopt-contact`, POST /api/v1/tickets/{id}/contact),
with the sender shown on the ticket (from_email, from_name)."""
import hashlib
import json
import os
import sqlite3

from conftest import ADMIN_EMAIL, start_server, stop_server

TECH = "tehnicar@firma.hr"

HELLO = ("From: =?utf-8?Q?Ana_Kova=C4=8D?= <Ana.Kovac@gmail.com>\r\n"
         "To: podrska@firma.hr\r\n"
         "Subject: Disk ne radi\r\n"
         "Message-ID: <hello-%s@gmail.com>\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "Mrežni disk se ne vidi.\r\n")

NOT_A_MESSAGE = "samo tekst\nbez ikakvog zaglavlja\n"


def big_message(n=1100000):
    head = HELLO % "big"
    return head + ("x" * 70 + "\r\n") * (n // 72)


def write_config(path, **mail):
    with open(path, "w") as f:
        f.write("[database]\nbusy_timeout_ms = 200\n[mail]\naddress = podrska@firma.hr\n")
        for k, v in mail.items():
            f.write("%s = %s\n" % (k, v))


def run(evid, conf, *args, check=True):
    # --config goes before the command: main() reads it
    return evid.run_global(["--config", conf], *args, check=check)


def patch_runner(evid):
    """Give the conftest runner a way to put options before the command."""
    import subprocess
    from conftest import EVID

    def run_global(pre, *args, input=None, check=True, binary=False):
        e = dict(os.environ)
        e.pop("EVID_DB", None)
        e.pop("EVID_CONFIG", None)
        if binary and isinstance(input, str):
            input = input.encode()
        p = subprocess.run([EVID, "--db", evid.db, *pre, *args], input=input,
                           capture_output=True, text=not binary, env=e, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("evid %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p
    evid.run_global = run_global
    evid.mail = lambda conf, raw, *a: run_global(["--config", conf], "mail-in", *a, input=raw,
                                                 check=False, binary=len(raw) > 100000)
    return evid


def test_mail_in_is_silent_and_exits_0_once_stored(evid, tmp_path):
    e = patch_runner(evid)
    conf = str(tmp_path / "evid.conf")
    write_config(conf)
    p = e.mail(conf, HELLO % "1")
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    p = e.mail(conf, HELLO % "2", "--verbose")
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout == "new: ticket %s (triage: no client), 1 message(s) queued\n" % (
        json.loads(run(e, conf, "ticket", "list", "--json").stdout)["tickets"][0]["number"])
    r = json.loads(e.mail(conf, HELLO % "2", "--json").stdout)["intake"]
    assert r["result"] == "duplicate" and r["number"].endswith("-000002")
    p = e.mail(conf, NOT_A_MESSAGE, "--verbose")
    assert p.returncode == 0
    assert p.stdout == "quarantined as 1: cannot read the message: no header block\n"


def test_mail_in_exits_75_on_every_failure(evid, tmp_path):
    e = patch_runner(evid)
    conf = str(tmp_path / "evid.conf")
    write_config(conf)
    # a bad option, a broken configuration, no database: the mail server keeps the message
    assert e.mail(conf, HELLO % "1", "--bogus").returncode == 75
    bad = str(tmp_path / "bad.conf")
    with open(bad, "w") as f:
        f.write("[mail]\nmax_message_mb = lots\n")
    assert e.mail(bad, HELLO % "1").returncode == 75
    p = e.run_global(["--db", str(tmp_path / "none.db"), "--config", conf], "mail-in",
                     input=HELLO % "1", check=False)
    assert p.returncode == 75 and "does not exist" in p.stderr
    # locked: another process holds the write lock past busy_timeout_ms
    lock = sqlite3.connect(e.db, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        p = e.mail(conf, HELLO % "1")
        assert p.returncode == 75, p
        assert "the message was not stored, the mail server will retry" in p.stderr
        assert "busy" in p.stderr
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert json.loads(run(e, conf, "ticket", "list", "--json").stdout)["tickets"] == []
    assert e.mail(conf, HELLO % "1").returncode == 0
    assert len(json.loads(run(e, conf, "ticket", "list", "--json").stdout)["tickets"]) == 1


def test_quarantine_cli(evid, tmp_path):
    e = patch_runner(evid)
    small = str(tmp_path / "small.conf")
    write_config(small, max_message_mb=1)
    assert run(e, small, "quarantine", "list").stdout == "no message is held\n"
    assert e.mail(small, NOT_A_MESSAGE).returncode == 0
    big = big_message()
    assert e.mail(small, big).returncode == 0
    held = json.loads(run(e, small, "quarantine", "list", "--json").stdout)
    assert held["total"] == 2
    newest, first = held["quarantine"]
    assert (first["id"], first["status"], first["source"], first["size"]) == \
        (1, "held", "pipe", len(NOT_A_MESSAGE))
    assert first["reason"] == "cannot read the message: no header block"
    assert (newest["id"], newest["reason"], newest["size"], newest["ticket_id"]) == \
        (2, "message is larger than 1 MB", len(big.encode()), None)
    table = run(e, small, "quarantine", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "RECEIVED", "SOURCE", "SIZE", "STATUS", "TICKET",
                                "REASON"]
    assert len(table) == 3 and table[1].split()[0] == "2"
    # the raw bytes, as they came (compared by hash: a megabyte does not diff well)
    assert run(e, small, "quarantine", "show", "1").stdout == NOT_A_MESSAGE
    shown = e.run_global(["--config", small], "quarantine", "show", "2", binary=True).stdout
    assert hashlib.sha256(shown).hexdigest() == hashlib.sha256(big.encode()).hexdigest()
    p = run(e, small, "quarantine", "show", "9", check=False)
    assert p.returncode == 1 and "quarantined message 9 not found" in p.stderr

    # still unreadable: held, one row
    assert run(e, small, "quarantine", "reprocess", "1").stdout == \
        "still held: cannot read the message: no header block\n"
    # still too large under this configuration
    r = json.loads(run(e, small, "quarantine", "reprocess", "2", "--json").stdout)["intake"]
    assert r == {"result": "quarantined", "quarantine_id": 2,
                 "reason": "message is larger than 1 MB"}
    # the limit raised: imported, marked so with its ticket
    large = str(tmp_path / "large.conf")
    write_config(large, max_message_mb=5)
    out = run(e, large, "quarantine", "reprocess", "2").stdout
    assert out.startswith("imported 2: new, ticket ")
    number = out.split()[-1]
    t = json.loads(run(e, large, "ticket", "show", number, "--json").stdout)["ticket"]
    assert t["subject"] == "Disk ne radi" and t["from_email"] == "ana.kovac@gmail.com"
    held = json.loads(run(e, large, "quarantine", "list", "--json").stdout)["quarantine"]
    assert [q["id"] for q in held] == [1]
    every = json.loads(run(e, large, "quarantine", "list", "--all", "--json").stdout)
    assert [(q["id"], q["status"], q["ticket_id"]) for q in every["quarantine"]] == \
        [(2, "imported", t["id"]), (1, "held", None)]
    # again: a duplicate, nothing new
    out = run(e, large, "quarantine", "reprocess", "2").stdout
    assert out == "imported 2: duplicate, ticket %s\n" % number
    assert len(json.loads(run(e, large, "ticket", "list", "--json").stdout)["tickets"]) == 1
    p = run(e, large, "quarantine", "reprocess", "x", check=False)
    assert p.returncode == 1 and "not a quarantine id" in p.stderr


def test_quarantine_api(evid, tmp_path):
    e = patch_runner(evid)
    small = str(tmp_path / "small.conf")
    write_config(small, max_message_mb=1)
    assert e.mail(small, NOT_A_MESSAGE).returncode == 0
    big = big_message()
    assert e.mail(small, big).returncode == 0
    # the server reads ./evid.conf in its folder: a larger limit
    write_config(str(tmp_path / "evid.conf"), max_message_mb=5)
    e.add_user(ADMIN_EMAIL, "Ana Admin", "admin", "admin-password-1")
    e.add_user(TECH, "Tomo", "technician", "tech-password-1")
    srv = start_server(e, tmp_path)
    try:
        admin, tech = e.token(ADMIN_EMAIL), e.token(TECH)
        for method, path in (("GET", "/api/v1/quarantine"),
                             ("GET", "/api/v1/quarantine/1/raw"),
                             ("POST", "/api/v1/quarantine/1/reprocess")):
            r = srv.request(method, path, token=tech)
            assert r.status == 403, (path, r)
            assert srv.request(method, path).status == 401
        r = srv.request("GET", "/api/v1/quarantine", token=admin)
        assert r.status == 200
        assert [q["id"] for q in r.json["quarantine"]] == [2, 1] and r.json["total"] == 2
        assert r.json["quarantine"][1] == json.loads(
            run(e, small, "quarantine", "list", "--json").stdout)["quarantine"][1]
        assert srv.request("GET", "/api/v1/quarantine?all=maybe", token=admin).status == 400
        assert srv.request("GET", "/api/v1/quarantine?x=1", token=admin).status == 400

        r = srv.request("GET", "/api/v1/quarantine/1/raw", token=admin)
        assert r.status == 200 and r.body == NOT_A_MESSAGE
        assert r.headers["Content-Type"] == "message/rfc822"
        assert r.headers["Content-Disposition"] == 'attachment; filename="quarantine-1.eml"'
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert srv.request("GET", "/api/v1/quarantine/9/raw", token=admin).status == 404

        r = srv.request("POST", "/api/v1/quarantine/1/reprocess", token=admin)
        assert r.status == 200 and r.json["intake"]["result"] == "quarantined"
        assert r.json["intake"]["quarantine_id"] == 1
        r = srv.request("POST", "/api/v1/quarantine/2/reprocess", token=admin)
        assert r.status == 200, r
        got = r.json["intake"]
        assert got["result"] == "new" and got["triage"] is True and got["queued"] == 3
        t = srv.request("GET", "/api/v1/tickets/%d" % got["ticket_id"], token=admin).json
        assert t["ticket"]["number"] == got["number"]
        assert t["ticket"]["from_email"] == "ana.kovac@gmail.com"
        all_ = srv.request("GET", "/api/v1/quarantine?all=true", token=admin).json
        assert [(q["id"], q["status"]) for q in all_["quarantine"]] == \
            [(2, "imported"), (1, "held")]
        held = srv.request("GET", "/api/v1/quarantine", token=admin).json
        assert [q["id"] for q in held["quarantine"]] == [1]
        assert srv.request("POST", "/api/v1/quarantine/9/reprocess",
                           token=admin).status == 404
    finally:
        assert stop_server(srv) == 0


def test_adopt_contact(server, tmp_path):
    e = patch_runner(server.evid)
    conf = str(tmp_path / "mail.conf")
    write_config(conf)
    numbers = []
    for i in range(3):
        r = json.loads(e.mail(conf, HELLO.replace("Ana.Kovac", "user%d" % i) % i,
                              "--json").stdout)["intake"]
        assert r["triage"] is True
        numbers.append(r["ticket_id"])
    client = json.loads(e.run("client", "add", "--name", "Klijent d.o.o.",
                              "--json").stdout)["client"]["id"]
    e.add_user(TECH, "Tomo", "technician", "tech-password-1")
    tech = e.token(TECH)
    admin = server.admin_token

    t = server.request("GET", "/api/v1/tickets/%d" % numbers[0], token=admin).json["ticket"]
    assert (t["from_email"], t["from_name"], t["client_id"], t["contact_id"]) == \
        ("user0@gmail.com", "Ana Kovač", None, None)

    # a technician takes it out of triage, with the name the email gave
    r = server.request("POST", "/api/v1/tickets/%d/contact" % numbers[0],
                       {"client_id": client}, token=tech)
    assert r.status == 201, r
    assert list(r.json) == ["ticket", "contact"]
    c = r.json["contact"]
    assert (c["email"], c["name"], c["client_id"], c["active"]) == \
        ("user0@gmail.com", "Ana Kovač", client, True)
    t = r.json["ticket"]
    assert (t["client_id"], t["contact_id"], t["contact_name"], t["from_email"]) == \
        (client, c["id"], "Ana Kovač", "user0@gmail.com")
    full = server.request("GET", "/api/v1/tickets/%d" % numbers[0], token=admin).json
    changes = [(ev["field"], ev["new_value"], ev["author_name"]) for ev in
               full["ticket"]["events"] if ev["kind"] == "field_change"]
    assert changes == [("client_id", "Klijent d.o.o.", "Tomo"), ("contact_id", "Ana Kovač",
                                                                 "Tomo")]
    # the CLI shows the same ticket the same way
    cli = json.loads(e.run("ticket", "show", str(numbers[0]), "--json").stdout)["ticket"]
    assert cli["from_email"] == "user0@gmail.com" and cli["contact_id"] == c["id"]
    assert list(cli)[:len(full["ticket"])] == list(full["ticket"])

    # refused: again (409), unknown client (400), no client_id (400), a phone ticket (409)
    r = server.request("POST", "/api/v1/tickets/%d/contact" % numbers[0],
                       {"client_id": client}, token=tech)
    assert r.status == 409 and "already has a contact" in r.json["error"]["message"]
    r = server.request("POST", "/api/v1/tickets/%d/contact" % numbers[1],
                       {"client_id": 999}, token=tech)
    assert r.status == 400 and r.json["error"]["message"] == "client_id: no such client"
    r = server.request("POST", "/api/v1/tickets/%d/contact" % numbers[1], {}, token=tech)
    assert r.status == 400
    phone = json.loads(e.run("ticket", "new", "--subject", "Telefonom", "--client",
                             str(client), "--json").stdout)["ticket"]["id"]
    r = server.request("POST", "/api/v1/tickets/%d/contact" % phone, {"client_id": client},
                       token=tech)
    assert r.status == 409 and "was not opened by an email" in r.json["error"]["message"]
    assert server.request("POST", "/api/v1/tickets/999/contact", {"client_id": client},
                          token=tech).status == 404

    # a name of our own choosing, through the API and through the CLI
    r = server.request("POST", "/api/v1/tickets/%d/contact" % numbers[1],
                       {"client_id": client, "name": "Ana K."}, token=admin)
    assert r.status == 201 and r.json["contact"]["name"] == "Ana K."
    out = e.run("ticket", "adopt-contact", str(numbers[2]), "--client", str(client),
                "--name", "Treći", "--as", ADMIN_EMAIL, "--json").stdout
    doc = json.loads(out)
    assert doc["contact"]["email"] == "user2@gmail.com" and doc["contact"]["name"] == "Treći"
    assert doc["ticket"]["contact_id"] == doc["contact"]["id"]
    p = e.run("ticket", "adopt-contact", str(numbers[2]), "--client", str(client),
              check=False)
    assert p.returncode == 1 and "already has a contact" in p.stderr
    p = e.run("ticket", "adopt-contact", str(numbers[2]), check=False)
    assert p.returncode == 2
