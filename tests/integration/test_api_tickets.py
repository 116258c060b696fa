"""Tickets through the JSON API: create, get with history, list with every
filter and paging, patch with events, notes, attachments, refusals that
change nothing, and numbering under concurrent requests."""
import hashlib
import re
import sqlite3
import threading

TECH_EMAIL = "tina@example.hr"


def oib_with_check(first10):
    """Complete 10 digits with the ISO 7064 MOD 11,10 check digit."""
    a = 10
    for ch in first10:
        a = (a + int(ch)) % 10
        if a == 0:
            a = 10
        a = (a * 2) % 11
    return first10 + str((11 - a) % 10)


def post(server, path, body, status=201):
    r = server.request("POST", path, body, token=server.admin_token)
    assert r.status == status, r
    return r.json


def setup_people(server):
    """A client with a contact, a second client with a contact, and a technician."""
    c1 = post(server, "/api/v1/clients", {"name": "Alfa d.o.o."})["client"]
    c2 = post(server, "/api/v1/clients", {"name": "Beta j.d.o.o."})["client"]
    k1 = post(server, "/api/v1/contacts",
              {"client_id": c1["id"], "name": "Ivo Ivić", "email": "ivo@alfa.hr"})["contact"]
    k2 = post(server, "/api/v1/contacts",
              {"client_id": c2["id"], "name": "Ana Anić", "email": "ana@beta.hr"})["contact"]
    server.evid.add_user(TECH_EMAIL, "Tina Tehničarka", "technician", "tina-password-1")
    users = server.request("GET", "/api/v1/users", token=server.admin_token).json["users"]
    tech = next(u for u in users if u["email"] == TECH_EMAIL)
    return c1, c2, k1, k2, tech


def db_rows(server, sql, *args):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_create_minimal_ticket_has_defaults_and_number(server):
    r = server.request("POST", "/api/v1/tickets", {"subject": "Printer jams"},
                       token=server.admin_token)
    assert r.status == 201
    t = r.json["ticket"]
    assert isinstance(t["id"], int)
    assert re.fullmatch(r"\d{4}-000001", t["number"])
    assert t["number"][:4] == t["created_at"][:4] or t["created_at"][5:10] in ("12-31", "01-01")
    assert t["subject"] == "Printer jams"
    assert t["status"] == "new"
    assert t["priority"] == "normal"
    assert t["channel"] == "api"
    assert t["billing"] == "billable"
    assert t["client_id"] is None and t["contact_id"] is None and t["assignee_id"] is None
    assert t["client_name"] is None and t["assignee_name"] is None
    assert t["closed_at"] is None
    assert t["time_seconds"] == 0
    assert t["created_by_id"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t["created_at"])


def test_create_full_ticket_and_get_it_with_events(server):
    c1, _, k1, _, tech = setup_people(server)
    t = post(server, "/api/v1/tickets", {
        "subject": "Mail ne radi", "description": "Od jutros ne prima poštu.\nHitno.",
        "client_id": c1["id"], "contact_id": k1["id"], "assignee_id": tech["id"],
        "priority": "high", "channel": "phone", "billing": "warranty"})["ticket"]
    assert t["client_name"] == "Alfa d.o.o."
    assert t["contact_name"] == "Ivo Ivić"
    assert t["assignee_name"] == "Tina Tehničarka"
    assert (t["priority"], t["channel"], t["billing"]) == ("high", "phone", "warranty")

    r = server.request("GET", "/api/v1/tickets/%d" % t["id"], token=server.admin_token)
    assert r.status == 200
    g = r.json["ticket"]
    assert g["number"] == t["number"]
    assert g["time_seconds"] == 0
    assert g["attachments"] == []
    assert len(g["events"]) == 1
    e = g["events"][0]
    assert e["kind"] == "message_in"
    assert e["body"] == "Od jutros ne prima poštu.\nHitno."
    assert e["author_user_id"] == 1
    assert e["author_name"] == "Ana Admin"
    assert e["time_entry_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["created_at"])


def test_contact_alone_brings_its_client(server):
    _, c2, _, k2, _ = setup_people(server)
    t = post(server, "/api/v1/tickets", {"subject": "x", "contact_id": k2["id"]})["ticket"]
    assert t["client_id"] == c2["id"]
    assert t["contact_id"] == k2["id"]


def test_contact_of_another_client_is_refused(server):
    c1, _, _, k2, _ = setup_people(server)
    r = server.request("POST", "/api/v1/tickets",
                       {"subject": "x", "client_id": c1["id"], "contact_id": k2["id"]},
                       token=server.admin_token)
    assert r.status == 400
    assert "contact_id" in r.json["error"]["message"]
    assert db_rows(server, "SELECT count(*) FROM tickets")[0][0] == 0


def test_unknown_ticket_is_404(server):
    for method, path, body in (("GET", "/api/v1/tickets/999", None),
                               ("PATCH", "/api/v1/tickets/999", {"status": "open"}),
                               ("POST", "/api/v1/tickets/999/notes", {"body": "x"}),
                               ("GET", "/api/v1/tickets/999/attachments", None)):
        r = server.request(method, path, body, token=server.admin_token)
        assert r.status == 404, (method, path, r)
        assert r.json["error"]["code"] == "not_found"


def test_list_filters_and_paging(server):
    c1, c2, k1, k2, tech = setup_people(server)
    tok = server.admin_token
    specs = [
        {"subject": "a1", "client_id": c1["id"], "assignee_id": tech["id"], "channel": "email"},
        {"subject": "a2", "client_id": c1["id"], "channel": "phone", "billing": "free"},
        {"subject": "b1", "client_id": c2["id"], "contact_id": k2["id"], "assignee_id": 1},
        {"subject": "b2", "client_id": c2["id"], "assignee_id": tech["id"], "billing": "warranty"},
        {"subject": "n1"},
        {"subject": "n2", "channel": "walk_in"},
        {"subject": "n3", "contact_id": k1["id"]},
    ]
    ids = {}
    for s in specs:
        ids[s["subject"]] = post(server, "/api/v1/tickets", s)["ticket"]["id"]
    r = server.request("PATCH", "/api/v1/tickets/%d" % ids["a2"], {"status": "open"}, token=tok)
    assert r.status == 200

    def subjects(query):
        r = server.request("GET", "/api/v1/tickets" + query, token=tok)
        assert r.status == 200, (query, r)
        return sorted(t["subject"] for t in r.json["tickets"]), r.json

    assert subjects("")[0] == sorted(ids)
    assert subjects("?status=open")[0] == ["a2"]
    assert subjects("?status=new")[0] == sorted(set(ids) - {"a2"})
    assert subjects("?assignee_id=%d" % tech["id"])[0] == ["a1", "b2"]
    assert subjects("?assignee_id=me")[0] == ["b1"]
    assert subjects("?assignee_id=none")[0] == ["a2", "n1", "n2", "n3"]
    assert subjects("?client_id=%d" % c1["id"])[0] == ["a1", "a2", "n3"]
    assert subjects("?client_id=%d" % c2["id"])[0] == ["b1", "b2"]
    assert subjects("?contact_id=%d" % k2["id"])[0] == ["b1"]
    assert subjects("?channel=walk_in")[0] == ["n2"]
    assert subjects("?channel=email")[0] == ["a1"]
    assert subjects("?channel=api")[0] == ["b1", "b2", "n1", "n3"]
    assert subjects("?billing=free")[0] == ["a2"]
    assert subjects("?billing=warranty")[0] == ["b2"]
    assert subjects("?client_id=%d&assignee_id=%d" % (c2["id"], tech["id"]))[0] == ["b2"]
    assert subjects("?client_id=999")[0] == []

    # Paging: 7 tickets, 3 a page.
    seen = []
    for page, n in ((1, 3), (2, 3), (3, 1), (4, 0)):
        got, body = subjects("?per_page=3&page=%d" % page)
        assert len(got) == n
        assert body["page"] == page and body["per_page"] == 3 and body["total"] == 7
        seen += got
    assert sorted(seen) == sorted(ids)
    _, body = subjects("")
    assert body["per_page"] == 50 and body["page"] == 1
    _, body = subjects("?status=new&per_page=2")
    assert body["total"] == 6 and len(body["tickets"]) == 2

    for bad, field in (("?per_page=201", "per_page"), ("?per_page=0", "per_page"),
                       ("?page=0", "page"), ("?page=x", "page"), ("?status=opened", "status"),
                       ("?channel=pigeon", "channel"), ("?assignee_id=someone", "assignee_id"),
                       ("?client_id=-1", "client_id"), ("?assignee=1", "assignee")):
        r = server.request("GET", "/api/v1/tickets" + bad, token=tok)
        assert r.status == 400, bad
        assert field in r.json["error"]["message"], (bad, r.json)


def test_patch_records_events(server):
    _, _, _, _, tech = setup_people(server)
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "Old subject"})["ticket"]
    path = "/api/v1/tickets/%d" % t["id"]
    r = server.request("PATCH", path, {"status": "open", "priority": "urgent",
                                       "assignee_id": tech["id"], "subject": "New subject"},
                       token=tok)
    assert r.status == 200, r
    p = r.json["ticket"]
    assert p["status"] == "open" and p["priority"] == "urgent"
    assert p["assignee_id"] == tech["id"] and p["assignee_name"] == "Tina Tehničarka"
    assert p["subject"] == "New subject"

    events = server.request("GET", path, token=tok).json["ticket"]["events"]
    by_kind = {}
    for e in events:
        by_kind.setdefault(e["kind"], []).append(e)
    st = by_kind["status_change"][0]
    assert (st["field"], st["old_value"], st["new_value"]) == ("status", "new", "open")
    assert st["author_user_id"] == 1
    assert len(by_kind["assignment"]) == 1
    changes = {(e["field"], e["old_value"], e["new_value"]) for e in by_kind["field_change"]}
    assert ("priority", "normal", "urgent") in changes
    assert ("subject", "Old subject", "New subject") in changes

    # Unassign with null, and a no-op patch records nothing new.
    r = server.request("PATCH", path, {"assignee_id": None}, token=tok)
    assert r.status == 200 and r.json["ticket"]["assignee_id"] is None
    n = len(server.request("GET", path, token=tok).json["ticket"]["events"])
    r = server.request("PATCH", path, {"priority": "urgent"}, token=tok)
    assert r.status == 200
    assert len(server.request("GET", path, token=tok).json["ticket"]["events"]) == n


def test_disallowed_transition_is_409_and_changes_nothing(server):
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "x"})["ticket"]
    path = "/api/v1/tickets/%d" % t["id"]
    assert server.request("PATCH", path, {"status": "open"}, token=tok).status == 200
    n = len(server.request("GET", path, token=tok).json["ticket"]["events"])
    r = server.request("PATCH", path, {"status": "new", "priority": "low"}, token=tok)
    assert r.status == 409
    assert r.json["error"]["code"] == "conflict"
    g = server.request("GET", path, token=tok).json["ticket"]
    assert g["status"] == "open" and g["priority"] == "normal"
    assert len(g["events"]) == n


def test_close_and_reopen(server):
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "x"})["ticket"]
    path = "/api/v1/tickets/%d" % t["id"]
    r = server.request("PATCH", path, {"status": "closed", "reason": "fixed on site"}, token=tok)
    assert r.status == 200
    assert r.json["ticket"]["status"] == "closed"
    assert r.json["ticket"]["closed_at"] is not None
    ev = [e for e in server.request("GET", path, token=tok).json["ticket"]["events"]
          if e["kind"] == "status_change"]
    assert ev[-1]["body"] == "fixed on site"
    r = server.request("PATCH", path, {"status": "open"}, token=tok)
    assert r.status == 200 and r.json["ticket"]["closed_at"] is None
    r = server.request("PATCH", path, {"reason": "why"}, token=tok)
    assert r.status == 400 and "reason" in r.json["error"]["message"]


def test_notes(server):
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "x"})["ticket"]
    path = "/api/v1/tickets/%d/notes" % t["id"]
    r = server.request("POST", path, {"body": "Called the client.\n\tWaiting."}, token=tok)
    assert r.status == 201
    e = r.json["event"]
    assert e["kind"] == "note" and e["body"] == "Called the client.\n\tWaiting."
    assert e["author_name"] == "Ana Admin" and e["ticket_id"] == t["id"]
    for bad, field in (({}, "body"), ({"body": "   "}, "body"), ({"body": 5}, "body"),
                       ({"body": "x", "kind": "reply"}, "kind")):
        r = server.request("POST", path, bad, token=tok)
        assert r.status == 400 and field in r.json["error"]["message"], (bad, r)
    events = server.request("GET", "/api/v1/tickets/%d" % t["id"], token=tok).json["ticket"]["events"]
    assert [e["kind"] for e in events] == ["note"]


def test_refused_requests_change_nothing(server):
    c1, _, _, _, _ = setup_people(server)
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "Keep me", "client_id": c1["id"]})["ticket"]
    path = "/api/v1/tickets/%d" % t["id"]
    before = server.request("GET", path, token=tok).json["ticket"]
    json_h = {"Content-Type": "application/json"}
    cases = [
        # (method, path, request kwargs, status, words the message must contain)
        ("POST", "/api/v1/tickets", {"raw": b'{"subject": "x",', "headers": json_h}, 400, "malformed"),
        ("POST", "/api/v1/tickets", {"raw": b'["subject"]', "headers": json_h}, 400, "object"),
        ("POST", "/api/v1/tickets", {"raw": b'{"subject": "a", "subject": "b"}', "headers": json_h}, 400, "duplicate"),
        ("POST", "/api/v1/tickets", {"raw": b'{"subject": "caf\xe9"}', "headers": json_h}, 400, "utf-8"),
        ("POST", "/api/v1/tickets", {"raw": b'{"subject": "x"}', "headers": {"Content-Type": "text/plain"}}, 415, "json"),
        ("POST", "/api/v1/tickets", {"body": {"subject": 42}}, 400, "subject"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "priority": "asap"}}, 400, "priority"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "client_id": "1"}}, 400, "client_id"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "client_id": 1.5}}, 400, "client_id"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "client_id": 999}}, 400, "client_id"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "assignee_id": 999}}, 400, "assignee_id"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x", "colour": "red", "size": 1}}, 400, "'colour'"),
        ("POST", "/api/v1/tickets", {"body": {"subject": ""}}, 400, "subject"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "a\u0007b"}}, 400, "subject"),
        ("POST", "/api/v1/tickets", {"body": {"subject": "x" * 301}}, 400, "subject"),
        ("POST", "/api/v1/tickets", {"body": {}}, 400, "subject"),
        ("POST", "/api/v1/tickets", {}, 400, "body"),
        ("PATCH", path, {"raw": b'{"status": "open"', "headers": json_h}, 400, "malformed"),
        ("PATCH", path, {"raw": b'{"subject": "\xff\xfe"}', "headers": json_h}, 400, "utf-8"),
        ("PATCH", path, {"body": {"status": 1}}, 400, "status"),
        ("PATCH", path, {"body": {"status": "open", "owner": 2}}, 400, "'owner'"),
        ("PATCH", path, {"body": {"status": "open", "client_id": 999}}, 400, "client_id"),
        ("PATCH", path, {"body": {"status": "open", "assignee_id": 999}}, 400, "assignee_id"),
        ("PATCH", path, {"body": {"status": "open", "contact_id": 999}}, 400, "contact_id"),
        ("PATCH", path, {"body": {"subject": None}}, 400, "subject"),
        ("PATCH", path, {"body": {}}, 400, "nothing to change"),
    ]
    for method, p, kw, status, words in cases:
        r = server.request(method, p, token=tok, **kw)
        assert r.status == status, (kw, r)
        assert r.json["error"]["code"] in ("bad_request", "unsupported_media_type")
        assert words.lower() in r.json["error"]["message"].lower(), (kw, r.json)
    after = server.request("GET", path, token=tok).json["ticket"]
    assert after == before
    assert db_rows(server, "SELECT count(*) FROM tickets")[0][0] == 1


def test_concurrent_creations_get_distinct_consecutive_numbers(server):
    results, errors = [], []
    lock = threading.Lock()

    def worker(n):
        for i in range(25):
            r = server.request("POST", "/api/v1/tickets", {"subject": "t%d-%d" % (n, i)},
                               token=server.admin_token)
            with lock:
                if r.status == 201:
                    results.append(r.json["ticket"]["number"])
                else:
                    errors.append(r)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 200
    assert len(set(results)) == 200
    years = {n[:4] for n in results}
    assert len(years) == 1
    assert sorted(int(n[5:]) for n in results) == list(range(1, 201))
    r = server.request("GET", "/api/v1/tickets?per_page=1", token=server.admin_token)
    assert r.json["total"] == 200


def test_attachments_upload_list_download(server):
    tok = server.admin_token
    t = post(server, "/api/v1/tickets", {"subject": "with files"})["ticket"]
    data = bytes(range(256)) * 4000 + b"\x00end"  # ~1 MiB of binary, NULs included
    name = "Račun \"broj\" 1.pdf"
    from urllib.parse import quote
    r = server.request("POST", "/api/v1/tickets/%d/attachments?filename=%s" % (t["id"], quote(name)),
                       raw=data, token=tok, headers={"Content-Type": "Application/PDF; x=y"})
    assert r.status == 201, r
    a = r.json["attachment"]
    assert a["filename"] == name
    assert a["media_type"] == "application/pdf"
    assert a["size"] == len(data)
    assert a["sha256"] == hashlib.sha256(data).hexdigest()

    lst = server.request("GET", "/api/v1/tickets/%d/attachments" % t["id"], token=tok)
    assert [x["id"] for x in lst.json["attachments"]] == [a["id"]]
    g = server.request("GET", "/api/v1/tickets/%d" % t["id"], token=tok).json["ticket"]
    assert g["attachments"][0]["sha256"] == a["sha256"]

    import urllib.request
    req = urllib.request.Request(server.url + "/api/v1/attachments/%d" % a["id"],
                                 headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(req) as resp:
        body = resp.read()
        assert resp.headers["Content-Type"] == "application/pdf"
        disp = resp.headers["Content-Disposition"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert body == data
    assert disp.startswith('attachment; filename="Ra__un _broj_ 1.pdf"')
    assert "filename*=UTF-8''Ra%C4%8Dun%20%22broj%22%201.pdf" in disp

    for q, status, word in (("", 400, "filename"), ("?filename=a/b", 400, "filename"),
                            ("?filename=x&y=1", 400, "'y'")):
        r = server.request("POST", "/api/v1/tickets/%d/attachments%s" % (t["id"], q),
                           raw=b"abc", token=tok, headers={"Content-Type": "text/plain"})
        assert r.status == status and word in r.json["error"]["message"], (q, r)
    r = server.request("POST", "/api/v1/tickets/999/attachments?filename=x.txt", raw=b"abc",
                       token=tok, headers={"Content-Type": "text/plain"})
    assert r.status == 404
    r = server.request("POST", "/api/v1/tickets/%d/attachments?filename=x.txt" % t["id"],
                       raw=b"abc", token=tok, headers={"Content-Type": "not a type"})
    assert r.status == 415
    assert server.request("GET", "/api/v1/attachments/999", token=tok).status == 404
    assert db_rows(server, "SELECT count(*) FROM attachments")[0][0] == 1
