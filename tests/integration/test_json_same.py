"""The CLI's --json prints what the JSON API answers for the same records:
both come from the encoders in src/web/json.c.  Each check compares the
parsed documents and their key order; lists differ from the API only by the
paging keys, and `ticket show` is GET /tickets/{id} merged with GET
/tickets/{id}/time (see docs/cli.md)."""
import json
from urllib.parse import quote

from conftest import ADMIN_EMAIL

TECH = "ivo@servis.hr"


def same(cli, api):
    """Equal values, and the same keys in the same order at every level."""
    assert cli == api
    assert json.dumps(cli, ensure_ascii=False) == json.dumps(api, ensure_ascii=False)


def unpaged(body):
    """An API list answer without its paging keys, as the CLI prints lists."""
    assert body["page"] == 1 and body["per_page"] == 200, body
    return {k: v for k, v in body.items() if k not in ("page", "per_page")}


def cli_json(server, *args, input=None):
    """Run a CLI command with --json; check the text is the documented layout
    (two-space indent, a newline at the end) and return it parsed."""
    p = server.evid.run(*args, "--json", input=input)
    doc = json.loads(p.stdout)
    assert p.stdout == json.dumps(doc, indent=2, ensure_ascii=False) + "\n", p.stdout
    return doc


def api(server, method, path, body=None, status=200, **kw):
    r = server.request(method, path, body, token=server.admin_token, **kw)
    assert r.status == status, r
    return r.json


def test_users_clients_contacts(server):
    added = cli_json(server, "user", "add", "--email", TECH, "--name", "Ivo Tehničar",
                     "--role", "technician", "--lang", "en")
    # A generated password rides along, as in POST /api/v1/users.
    assert list(added) == ["user", "password"] and len(added["password"]) >= 16
    posted = api(server, "POST", "/api/v1/users",
                 {"email": "eva@servis.hr", "name": "Eva", "role": "technician"}, 201)
    assert list(posted) == list(added)
    same({"user": added["user"]},
         api(server, "GET", "/api/v1/users/%d" % added["user"]["id"]))
    same(cli_json(server, "user", "list"), api(server, "GET", "/api/v1/users"))

    client = cli_json(server, "client", "add", "--name", "Servis \"Horvat\" d.o.o.", "--oib",
                      "69435151530", "--vat-id", "HR69435151530", "--address",
                      "Ilica 1, Zagreb", "--domains", "servis-horvat.hr", "--billing-email",
                      "racuni@servis-horvat.hr", "--notes", "Dva reda:\n\tdrugi.")
    cid = client["client"]["id"]
    same(client, api(server, "GET", "/api/v1/clients/%d" % cid))
    other = cli_json(server, "client", "add", "--name", "Beta")["client"]
    api(server, "PATCH", "/api/v1/clients/%d" % other["id"], {"active": False})
    active = cli_json(server, "client", "list")
    assert [c["id"] for c in active["clients"]] == [cid]
    same(active, unpaged(api(server, "GET", "/api/v1/clients?active_only=true&per_page=200")))
    every = cli_json(server, "client", "list", "--all")
    assert every["total"] == 2
    same(every, unpaged(api(server, "GET", "/api/v1/clients?per_page=200")))

    contact = cli_json(server, "contact", "add", "--client", str(cid), "--name",
                       "Marija Marić", "--email", "Marija@Servis-Horvat.hr", "--phone",
                       "+385 1 234 5678", "--sees-all")
    same(contact, api(server, "GET", "/api/v1/contacts/%d" % contact["contact"]["id"]))
    api(server, "POST", "/api/v1/contacts",
        {"client_id": other["id"], "name": "Pero", "email": "pero@beta.hr"}, 201)
    same(cli_json(server, "contact", "list", "--all"),
         unpaged(api(server, "GET", "/api/v1/contacts?per_page=200")))
    same(cli_json(server, "contact", "list", "--client", str(cid)),
         unpaged(api(server, "GET",
                     "/api/v1/contacts?client_id=%d&active_only=true&per_page=200" % cid)))


def test_tickets_and_the_stopwatch(server):
    server.evid.add_user(TECH, "Ivo Tehničar", "technician", "password-123")
    client = cli_json(server, "client", "add", "--name", "Alfa d.o.o.")["client"]
    contact = cli_json(server, "contact", "add", "--client", str(client["id"]), "--name",
                       "Ana Anić", "--email", "ana@alfa.hr")["contact"]
    new = cli_json(server, "ticket", "new", "--subject", "Pisač ne radi", "--contact",
                   str(contact["id"]), "--assignee", TECH, "--priority", "high",
                   "--description", "Ne ispisuje.\nLampica treperi.", "--as", ADMIN_EMAIL)
    tid = new["ticket"]["id"]
    got = api(server, "GET", "/api/v1/tickets/%d" % tid)
    # `ticket new` prints the ticket without its history, as POST /api/v1/tickets does.
    same(new, {"ticket": {k: v for k, v in got["ticket"].items()
                          if k not in ("events", "attachments", "mail", "from_email",
                                       "from_name")}})
    posted = api(server, "POST", "/api/v1/tickets", {"subject": "Drugi"}, 201)
    assert list(posted) == ["ticket"] and list(posted["ticket"]) == list(new["ticket"])
    second = posted["ticket"]["id"]

    # History of every kind the ticket can show: a note, an attachment, time entries.
    api(server, "POST", "/api/v1/tickets/%d/notes" % tid, {"body": "Zvati sutra."}, 201)
    api(server, "POST", "/api/v1/tickets/%d/attachments?filename=%s" % (tid, quote("račun.txt")),
        raw=b"hello", headers={"Content-Type": "text/plain"}, status=201)
    started = cli_json(server, "timer", "start", str(tid), "--as", ADMIN_EMAIL)
    assert started["stopped"] is None
    timer = api(server, "GET", "/api/v1/timer")
    assert abs(timer["timer"]["elapsed_seconds"] - started["timer"]["elapsed_seconds"]) <= 2
    timer["timer"]["elapsed_seconds"] = started["timer"]["elapsed_seconds"]
    same({"timer": started["timer"]}, timer)
    status = cli_json(server, "timer", "status", "--as", ADMIN_EMAIL)
    status["timer"]["elapsed_seconds"] = started["timer"]["elapsed_seconds"]
    same(status, timer)

    # Starting on another ticket stops the first: both answers carry that entry.
    switched = cli_json(server, "timer", "start", str(second), "--as", ADMIN_EMAIL)
    back = api(server, "POST", "/api/v1/tickets/%d/timer/start" % tid, {})
    assert list(back) == list(switched) == ["timer", "stopped"]
    stopped = cli_json(server, "timer", "stop", str(tid), "--as", ADMIN_EMAIL)
    assert list(stopped) == ["time_entry"]
    same(cli_json(server, "timer", "status", "--as", ADMIN_EMAIL),
         api(server, "GET", "/api/v1/timer"))
    assert api(server, "GET", "/api/v1/timer") == {"timer": None}

    shown = cli_json(server, "ticket", "show", new["ticket"]["number"])
    whole = api(server, "GET", "/api/v1/tickets/%d" % tid)
    whole.update(api(server, "GET", "/api/v1/tickets/%d/time" % tid))
    same(shown, whole)
    assert {e["kind"] for e in shown["ticket"]["events"]} >= {"message_in", "note",
                                                             "time_entry"}
    assert [a["filename"] for a in shown["ticket"]["attachments"]] == ["račun.txt"]
    entries = {e["id"]: e for e in shown["time_entries"]}
    assert sorted(entries) == sorted([switched["stopped"]["id"], stopped["time_entry"]["id"]])
    same(switched["stopped"], entries[switched["stopped"]["id"]])
    same(stopped["time_entry"], entries[stopped["time_entry"]["id"]])

    shown = cli_json(server, "ticket", "show", str(second))
    whole = api(server, "GET", "/api/v1/tickets/%d" % second)
    whole.update(api(server, "GET", "/api/v1/tickets/%d/time" % second))
    same(shown, whole)
    assert [e["id"] for e in shown["time_entries"]] == [back["stopped"]["id"]]
    same(back["stopped"], shown["time_entries"][0])

    listed = cli_json(server, "ticket", "list")
    assert listed["total"] == 2
    same(listed, unpaged(api(server, "GET", "/api/v1/tickets?sort=updated&per_page=200")))
    listed = cli_json(server, "ticket", "list", "--client", str(client["id"]))
    assert [t["id"] for t in listed["tickets"]] == [tid]
    same(listed, unpaged(api(server, "GET", "/api/v1/tickets?client_id=%d&per_page=200"
                             % client["id"])))
