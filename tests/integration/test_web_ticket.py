"""The ticket page (GET /tickets/{id}, docs/web.md) and its forms, driven as
a browser without JavaScript would: log in through the login form, read the
page, post its forms with their csrf field, follow nothing automatically.
Covers every section of a demo ticket's page, each form's happy path and
its event in the history, refused forms (shown again with an error,
nothing changed), forms without a csrf token (403, nothing changed), a
reply that reaches an SMTP sink with its Cc and files, the stopwatch seen
in the header of another page, who may correct which time entry, merging,
escaping of everything a client or technician wrote, and attachment
downloads."""
import email
import email.policy
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Evid, start_server, stop_server

SUPPORT = "podrska@servis.test"
TECH_EMAIL = "tom@servis.hr"
TECH_PASSWORD = "tech-password-1"
TECH2_EMAIL = "iva@servis.hr"
ZONE = ZoneInfo("Europe/Zagreb")

# ---- a tiny DOM, enough to find the page's elements ----

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = {k: "" if v is None else v for k, v in attrs}
        self.parent = parent
        self.children = []

    @property
    def id(self):
        return self.attrs.get("id")

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return re.sub(r"\s+", " ", "".join(
            c if isinstance(c, str) else c.text() for c in self.children)).strip()

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, id=None, cls=None, **attrs):
        out = []
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if id and n.id != id:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, id=None, cls=None, **attrs):
        got = self.find_all(tag, id, cls, **attrs)
        return got[0] if got else None

    def field(self, name):
        return self.find(name=name)

    def __repr__(self):
        return "<%s %r>" % (self.tag, self.attrs)


class Tree(HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def dom(body):
    return Tree(body).root


# ---- a browser without JavaScript ----

class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.body = raw.decode("utf-8", "replace")
        self._dom = None

    @property
    def dom(self):
        if self._dom is None:
            self._dom = dom(self.body)
        return self._dom

    @property
    def location(self):
        return self.headers.get("Location")

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.location or "", self.body[:400])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None


class Browser:
    def __init__(self, srv):
        self.srv = srv
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect)

    def request(self, method, path, data=None, headers=None):
        req = urllib.request.Request(self.srv.url + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return Resp(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Resp(e.code, e.headers, e.read())

    def get(self, path):
        return self.request("GET", path)

    def csrf(self, path="/settings"):
        r = self.get(path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', r.body)
        assert m, r
        return m.group(1)

    def post(self, path, fields, csrf=True):
        fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf is True:
            fields.append(("csrf", self.csrf()))
        elif csrf:
            fields.append(("csrf", csrf))
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path, fields, files=(), csrf=True):
        fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf is True:
            fields.append(("csrf", self.csrf()))
        boundary = "----evid" + uuid.uuid4().hex
        out = []
        for k, v in fields:
            out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                        % (boundary, k, v)).encode())
        for k, name, ctype, data in files:
            out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                        "Content-Type: %s\r\n\r\n" % (boundary, k, name, ctype)).encode() + data
                       + b"\r\n")
        out.append(("--%s--\r\n" % boundary).encode())
        return self.request("POST", path, b"".join(out),
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})

    def login(self, email_addr, password):
        r = self.get("/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', r.body).group(1)
        r = self.request("POST", "/login", urllib.parse.urlencode(
            {"email": email_addr, "password": password, "csrf": csrf, "next": "/tickets"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 303 and r.location == "/tickets", r
        return self


# ---- the desk: a server, its people, a client and a ticket ----

def write_conf(tmp_path, sink=None):
    lines = ["[company]", "name = Servis Test d.o.o.", "language = hr", "",
             "[mail]", "address = " + SUPPORT, "from_name = Podrška", ""]
    if sink is not None:
        lines += ["[smtp]", "url = smtp://127.0.0.1:%d" % sink.port, "starttls = off",
                  "retry_seconds = 1", "timeout_seconds = 5", ""]
    path = tmp_path / "evid.conf"
    path.write_text("\n".join(lines))
    return str(path)


class Desk:
    def __init__(self, evid, tmp_path, sink=None):
        self.evid = evid
        self.conf = write_conf(tmp_path, sink)
        evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
        evid.add_user(TECH_EMAIL, "Tom Tehničar", "technician", TECH_PASSWORD)
        evid.add_user(TECH2_EMAIL, "Iva Ivić", "technician", TECH_PASSWORD)
        self.srv = start_server(evid, tmp_path)
        self.admin = evid.token(ADMIN_EMAIL)
        self.client = self.api("POST", "/api/v1/clients", {"name": "Firma d.o.o."}, 201)["client"]
        self.client2 = self.api("POST", "/api/v1/clients", {"name": "Druga firma"}, 201)["client"]
        self.contact = self.api("POST", "/api/v1/contacts",
                                {"client_id": self.client["id"], "name": "Ivan Horvat",
                                 "email": "ivan@firma.hr"}, 201)["contact"]
        self.contact2 = self.api("POST", "/api/v1/contacts",
                                 {"client_id": self.client2["id"], "name": "Maja Druga",
                                  "email": "maja@druga.hr"}, 201)["contact"]
        self.users = {u["email"]: u for u in self.api("GET", "/api/v1/users")["users"]}
        self.ticket = self.new_ticket()

    def api(self, method, path, body=None, status=200, token=None, **kw):
        r = self.srv.request(method, path, body, token=token or self.admin, **kw)
        assert r.status == status, r
        return r.json

    def new_ticket(self, subject="Pisač ne radi", description="Ne ispisuje ništa.", **kw):
        body = {"subject": subject, "description": description,
                "contact_id": self.contact["id"]}
        body.update(kw)
        return self.api("POST", "/api/v1/tickets", body, 201)["ticket"]

    def full(self, ticket=None):
        t = ticket or self.ticket
        return self.api("GET", "/api/v1/tickets/%d" % t["id"])["ticket"]

    def events(self, ticket=None):
        return self.full(ticket)["events"]

    def times(self, ticket=None):
        t = ticket or self.ticket
        return self.api("GET", "/api/v1/tickets/%d/time" % t["id"])["time_entries"]

    def browser(self, who=TECH_EMAIL, password=TECH_PASSWORD):
        return Browser(self.srv).login(who, password)

    def page(self, b, ticket=None):
        t = ticket or self.ticket
        r = b.get("/tickets/%d" % t["id"])
        assert r.status == 200, r
        return r

    def stop(self):
        if self.srv.proc.poll() is None:
            assert stop_server(self.srv) == 0, self.srv.stderr()


@pytest.fixture
def desk_for(evid, tmp_path):
    made = []

    def make(sink=None):
        d = Desk(evid, tmp_path, sink)
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop()


@pytest.fixture
def desk(desk_for):
    return desk_for()


def timeline(page):
    """[(id, kind, text)] of the history, in order."""
    ol = page.dom.find("ol", id="timeline")
    assert ol is not None, page
    out = []
    for li in ol.children:
        if isinstance(li, Node) and li.tag == "li":
            kinds = [c[3:] for c in li.classes if c.startswith("ev-")]
            assert "event" in li.classes and len(kinds) == 1, li
            out.append((int(li.id[len("event-"):]), kinds[0], li.text()))
    return out


def refused(r, status):
    """A refused form: the page again, its alert, the given status."""
    assert r.status == status, r
    alert = r.dom.find("p", cls="error", role="alert")
    assert alert is not None and alert.text(), r
    return alert.text()


def local_input(t):
    return t.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def epoch(rfc3339):
    return int(datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=ZoneInfo("UTC")).timestamp())


# ---- the page ----

def test_demo_ticket_page_has_every_section(tmp_path):
    e = Evid(str(tmp_path / "demo.db"))
    e.run("init", "--demo")
    srv = start_server(e, tmp_path)
    try:
        b = Browser(srv).login("ivana.horvat@evidencija.test", "demo-technician")
        token = e.token("admin@evidencija.test")
        tickets = srv.request("GET", "/api/v1/tickets?status=closed&per_page=200",
                              token=token).json["tickets"]
        # A closed ticket with a client, contact and time: the demo's first one.
        t = next(x for x in sorted(tickets, key=lambda x: x["id"])
                 if x["client_id"] and x["contact_id"] and x["time_seconds"])
        full = srv.request("GET", "/api/v1/tickets/%d" % t["id"], token=token).json["ticket"]
        r = b.get("/tickets/%d" % t["id"])
        assert r.status == 200, r
        assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
        d = r.dom
        assert d.find("title").text() == "%s %s - Evidencija" % (t["number"], t["subject"])
        assert d.find("h1").text() == "%s %s" % (t["number"], t["subject"])
        layout = d.find("div", cls="ticket-layout")
        assert layout is not None

        # The history: every event, oldest first, each with its kind and meta.
        got = timeline(r)
        assert [(i, k) for i, k, _ in got] == [(ev["id"], ev["kind"]) for ev in full["events"]]
        for li in d.find("ol", id="timeline").find_all("li", cls="event"):
            assert li.find(cls="meta") is not None, li
        hr = {"new": "Novi", "open": "Otvoren", "waiting": "Čeka klijenta",
              "resolved": "Riješen", "closed": "Zatvoren"}
        texts = dict((i, text) for i, _, text in got)
        changes = [ev for ev in full["events"] if ev["kind"] == "status_change"]
        assert changes
        for ev in changes:
            assert "%s: status %s → %s" % (ev["author_name"], hr[ev["old_value"]],
                                           hr[ev["new_value"]]) in texts[ev["id"]], texts

        # The fields, each as docs/web.md names it; only the allowed statuses.
        f = d.find("form", id="fields")
        assert f.attrs["method"] == "post" and f.attrs["action"] == "/tickets/%d/fields" % t["id"]
        assert "data-autosubmit" in f.attrs and f.find("button", type="submit") is not None
        assert f.field("csrf") is not None
        for name in ("client_id", "contact_id", "assignee_id", "priority", "status", "billing",
                     "category"):
            assert f.field(name) is not None, name
        assert f.field("client_id").attrs["data-find"] == "/api/v1/clients?"
        assert f.field("client_id").find("option", selected="").attrs["value"] == \
            str(t["client_id"])
        assert f.field("contact_id").find("option", selected="").attrs["value"] == \
            str(t["contact_id"])
        assert [o.attrs["value"] for o in f.field("status").find_all("option")] == \
            ["open", "closed"]
        assert f.field("status").find("option", selected="").attrs["value"] == "closed"

        # A closed ticket: no stopwatch to start; the time, its shares, its entries.
        sw = d.find("section", id="stopwatch")
        assert sw is not None and d.find(id="timer-start") is None
        total = d.find(id="time-total").text()
        ts = t["time_seconds"]
        assert total == "%d:%02d:%02d" % (ts // 3600, ts % 3600 // 60, ts % 60)
        assert d.find(id="time-shares").find("li") is not None
        entries = srv.request("GET", "/api/v1/tickets/%d/time" % t["id"],
                              token=token).json["time_entries"]
        mine = [x for x in entries if x["user_name"] == "Ivana Horvat"]
        edits = d.find_all("form", cls="time-edit")
        assert sorted(x.attrs["action"] for x in edits) == \
            sorted("/time/%d" % x["id"] for x in mine)
        for x in edits:
            for name in ("started", "minutes", "note", "billable", "reason", "csrf"):
                assert x.field(name) is not None, name

        # The other forms.
        reply = d.find("form", id="reply")
        assert reply.attrs["enctype"] == "multipart/form-data"
        assert reply.attrs["action"] == "/tickets/%d/reply" % t["id"]
        for name in ("body", "cc", "files", "status", "csrf"):
            assert reply.field(name) is not None, name
        assert reply.field("files").attrs.get("multiple") == ""
        assert reply.find("textarea", name="body") is not None
        note = d.find("form", id="note")
        assert note.find("textarea", name="body") is not None and note.field("csrf")
        add = d.find("form", id="time-add")
        assert add.attrs["action"] == "/tickets/%d/time" % t["id"]
        for name in ("started", "minutes", "note", "billable", "csrf"):
            assert add.field(name) is not None, name
        merge = d.find("form", id="merge")
        assert merge.attrs["action"] == "/tickets/%d/merge" % t["id"] and merge.field("into")
        for form in d.find_all("form"):
            if form.id == "client-find":  # the search without the script, in <noscript>
                assert form.attrs["method"] == "get" and form.parent.tag == "noscript"
                continue
            assert form.attrs["method"] == "post" and form.field("csrf") is not None, form

        # Ivana's stopwatch runs on another demo ticket: started here it is the stop button.
        running = d.find("a", id="running-timer")
        assert running is not None
        other = b.get(running.attrs["href"])
        assert other.status == 200 and other.dom.find(id="timer-stop") is not None
        el = other.dom.find("section", id="stopwatch").find("span", cls="elapsed")
        assert int(el.attrs["data-started"]) > 0
    finally:
        assert stop_server(srv) == 0, srv.stderr()


def test_unknown_ticket_and_no_session(desk):
    b = desk.browser()
    r = b.get("/tickets/999999")
    assert r.status == 404 and r.dom.find("p", cls="error", role="alert") is not None
    r = b.get("/attachments/999999")
    assert r.status == 404
    anon = Browser(desk.srv)
    r = anon.get("/tickets/%d" % desk.ticket["id"])
    assert r.status == 303 and r.location == "/login?next=%%2Ftickets%%2F%d" % desk.ticket["id"]


def test_markup_from_clients_and_staff_is_shown_as_text(desk):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    t = desk.new_ticket(subject="Hitno " + evil,
                        description="Pogledajte http://primjer.hr/a?b=1&c=2 i javascript:alert(3)"
                                    "\n" + evil)
    b = desk.browser()
    r = b.post("/tickets/%d/note" % t["id"], {"body": "Bilješka " + evil})
    assert r.status == 303, r
    r = desk.page(b, t)
    assert "<script>alert" not in r.body and "<img src=x" not in r.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in r.body
    assert r.dom.find("h1").text() == "%s Hitno %s" % (t["number"], evil)
    assert evil in r.dom.find("title").text()
    bodies = [li.text() for li in r.dom.find("ol", id="timeline").find_all("li", cls="event")]
    assert any(evil in x and "Bilješka" in x for x in bodies), bodies
    # Only http(s) addresses become links, and they open nothing of ours.
    links = [a for a in r.dom.find("ol", id="timeline").find_all("a")]
    assert [a.attrs["href"] for a in links] == ["http://primjer.hr/a?b=1&c=2"]
    assert "noopener" in links[0].attrs["rel"]
    # The only scripts on the page are our own file.
    assert [s.attrs.get("src", "").split("?")[0] for s in r.dom.find_all("script")] == \
        ["/static/app.js"]


# ---- fields ----

def test_fields_form(desk):
    b = desk.browser()
    t = desk.ticket
    tech = desk.users[TECH_EMAIL]
    path = "/tickets/%d/fields" % t["id"]
    base = {"client_id": t["client_id"], "contact_id": t["contact_id"], "assignee_id": "",
            "priority": "normal", "status": "new", "billing": "billable", "category": ""}
    r = b.post(path, dict(base, priority="high", status="open", assignee_id=tech["id"],
                          category="Mreža"))
    assert r.status == 303 and r.location == "/tickets/%d?n=1" % t["id"], r
    now = desk.full()
    assert (now["priority"], now["status"], now["assignee_id"]) == ("high", "open", tech["id"])
    page = desk.page(b)
    assert page.dom.find("form", id="fields").field("category").attrs["value"] == "Mreža"
    lines = [text for _, kind, text in timeline(page)
             if kind in ("field_change", "status_change", "assignment")]
    assert any("Tom Tehničar: prioritet Normalan → Visok" in x for x in lines), lines
    assert any("Tom Tehničar: status Novi → Otvoren" in x for x in lines), lines
    assert any("zadužen — → Tom Tehničar" in x for x in lines), lines
    assert any("kategorija — → Mreža" in x for x in lines), lines

    # Back to "new" is not allowed: refused with the values kept, nothing changed.
    before = desk.events()
    r = b.post(path, dict(base, status="new", priority="low", assignee_id=tech["id"],
                          category="Mreža"))
    assert "status" in refused(r, 409)
    f = r.dom.find("form", id="fields")
    assert f.field("priority").find("option", selected="").attrs["value"] == "low"
    assert desk.events() == before and desk.full()["priority"] == "high"
    r = b.post(path, dict(base, status="open", priority="whenever"))
    refused(r, 400)
    r = b.post(path, dict(base, status="open", client_id="abc"))
    refused(r, 400)
    assert desk.events() == before

    # A contact of another client brings its client; a client alone drops the contact.
    r = b.post(path, dict(base, status="open", priority="high", assignee_id=tech["id"],
                          category="Mreža", contact_id=desk.contact2["id"]))
    assert r.status == 303, r
    now = desk.full()
    assert (now["client_id"], now["contact_id"]) == (desk.client2["id"], desk.contact2["id"])
    r = b.post(path, dict(base, status="open", priority="high", assignee_id=tech["id"],
                          category="Mreža", client_id=desk.client["id"],
                          contact_id=desk.contact2["id"]))
    assert r.status == 303, r
    now = desk.full()
    assert (now["client_id"], now["contact_id"]) == (desk.client["id"], None)
    # Nothing sent changes nothing and records nothing.
    n = len(desk.events())
    r = b.post(path, dict(base, status="open", priority="high", assignee_id=tech["id"],
                          category="Mreža", client_id=desk.client["id"], contact_id=""))
    assert r.status == 303 and len(desk.events()) == n


def test_client_search_without_script(desk):
    b = desk.browser()
    r = b.get("/tickets/%d?client_q=druga" % desk.ticket["id"])
    opts = r.dom.find("form", id="fields").field("client_id").find_all("option")
    assert [(o.attrs["value"], o.text()) for o in opts] == [
        ("", "(bez klijenta)"), (str(desk.client["id"]), "Firma d.o.o."),
        (str(desk.client2["id"]), "Druga firma")]
    assert r.dom.find("form", id="client-find") is not None


# ---- note ----

def test_note(desk):
    b = desk.browser()
    path = "/tickets/%d/note" % desk.ticket["id"]
    r = b.post(path, {"body": "Zvao sam, nitko se ne javlja.\nPokušati sutra."})
    assert r.status == 303, r
    m = re.fullmatch(r"/tickets/%d\?n=3#event-(\d+)" % desk.ticket["id"], r.location)
    assert m, r.location
    ev = desk.events()[-1]
    assert (ev["id"], ev["kind"], ev["author_name"]) == (int(m.group(1)), "note", "Tom Tehničar")
    page = b.get(r.location.split("#")[0])
    assert page.dom.find("p", cls="notice").text() == "Bilješka je dodana."
    li = page.dom.find("li", id="event-%s" % m.group(1))
    assert "ev-note" in li.classes and "Pokušati sutra." in li.text()
    assert li.find("div", cls="body").find("br") is not None
    # Empty: refused, nothing added.
    n = len(desk.events())
    assert refused(b.post(path, {"body": "  \n "}), 400) == "Napišite bilješku."
    assert len(desk.events()) == n


def test_forms_without_csrf_are_refused(desk):
    b = desk.browser()
    tid = desk.ticket["id"]
    before = desk.events()
    entries = desk.times()
    for path, fields in (("/tickets/%d/note" % tid, {"body": "x"}),
                         ("/tickets/%d/fields" % tid, {"priority": "urgent"}),
                         ("/tickets/%d/timer/start" % tid, {}),
                         ("/tickets/%d/time" % tid, {"started": local_input(datetime.now(ZONE)
                                                                           - timedelta(hours=2)),
                                                     "minutes": "10"}),
                         ("/tickets/%d/merge" % tid, {"into": desk.ticket["number"]})):
        assert b.post(path, fields, csrf=False).status == 403, path
        assert b.post(path, fields, csrf="0" * 64).status == 403, path
    r = b.post_multipart("/tickets/%d/reply" % tid, {"body": "x"}, csrf=False)
    assert r.status == 403
    assert desk.events() == before and desk.times() == entries
    assert desk.api("GET", "/api/v1/timer", token=desk.evid.token(TECH_EMAIL))["timer"] is None


# ---- reply ----

def test_reply_reaches_the_client_with_cc_and_files(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    desk = desk_for(sink)
    b = desk.browser()
    t = desk.ticket
    page = desk.page(b)
    assert "ivan@firma.hr" in page.dom.find("section", id="reply-section").text()
    r = b.post_multipart("/tickets/%d/reply" % t["id"],
                         {"body": "Poštovani,\n\nzamijenili smo toner.", "cc": "Ana@Firma.hr, "
                          "pero@drugi.hr", "status": "waiting"},
                         [("files", "račun.txt", "text/plain", "Račun 1\n".encode()),
                          ("files", "slika.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x01")])
    assert r.status == 303, r
    m = re.fullmatch(r"/tickets/%d\?n=2#event-(\d+)" % t["id"], r.location)
    assert m, r.location
    eid = int(m.group(1))

    got = sink.wait_for(1, timeout=15)[0]
    assert got.rcpts == ["ivan@firma.hr", "ana@firma.hr", "pero@drugi.hr"]
    msg = email.message_from_bytes(got.data, policy=email.policy.default)
    assert msg["Subject"] == "Re: Pisač ne radi [#%s]" % t["number"]
    assert str(msg["Cc"]) == "ana@firma.hr, pero@drugi.hr"
    assert "zamijenili smo toner." in msg.get_body(preferencelist=("plain",)).get_content()
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
             for p in msg.iter_attachments()]
    assert files == [("račun.txt", "text/plain", "Račun 1\n".encode()),
                     ("slika.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x01")]

    # On the ticket: the reply with its files, then the status; later "sent".
    full = desk.full()
    assert full["status"] == "waiting"
    kinds = [(ev["kind"], ev["id"]) for ev in full["events"]][-2:]
    assert kinds[0] == ("reply", eid) and kinds[1][0] == "status_change"
    deadline = time.monotonic() + 15
    while True:
        page = desk.page(b)
        li = page.dom.find("li", id="event-%d" % eid)
        if li.find(cls="delivery-sent") is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "ev-reply" in li.classes and li.find(cls="delivery-sent") is not None, li.text()
    assert "Cc: ana@firma.hr, pero@drugi.hr" in li.text()
    links = li.find("ul", cls="attachments").find_all("a")
    assert [a.text() for a in links] == ["račun.txt", "slika.png"]
    dl = b.get(links[0].attrs["href"])
    assert dl.status == 200 and dl.raw == "Račun 1\n".encode()
    assert timeline(page)[-1][1] == "status_change"
    assert "Čeka klijenta" in timeline(page)[-1][2]


def test_reply_refused(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    desk = desk_for(sink)
    b = desk.browser()
    path = "/tickets/%d/reply" % desk.ticket["id"]
    before = desk.events()
    r = b.post_multipart(path, {"body": "Evo odgovora.", "cc": "ana@firma.hr, nije-adresa"})
    assert "nije-adresa" in refused(r, 400)
    f = r.dom.find("form", id="reply")
    assert f.find("textarea", name="body").text() == "Evo odgovora."
    assert f.field("cc").attrs["value"] == "ana@firma.hr, nije-adresa"
    assert refused(b.post_multipart(path, {"body": " "}), 400) == "Napišite odgovor."
    desk.api("PATCH", "/api/v1/tickets/%d" % desk.ticket["id"], {"status": "open"})
    before = desk.events()
    r = b.post_multipart(path, {"body": "x", "status": "new"})
    refused(r, 409)
    # Nobody to write to.
    lonely = desk.api("POST", "/api/v1/tickets", {"subject": "Bez kontakta"}, 201)["ticket"]
    r = b.post_multipart("/tickets/%d/reply" % lonely["id"], {"body": "x"})
    refused(r, 409)
    assert desk.events() == before and desk.events(lonely) == []
    assert desk.api("GET", "/api/v1/outbox")["outbox"] == []
    time.sleep(0.5)
    assert sink.messages == []


def test_quoted_history_is_folded(make_smtp_sink, desk_for):
    desk = desk_for(make_smtp_sink())
    raw = ("From: Ivan Horvat <ivan@firma.hr>\r\nTo: %s\r\nSubject: Re: Pisač [#%s]\r\n"
           "Message-ID: <q1@firma.hr>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0100\r\n\r\n"
           "Sada radi, hvala!\r\n\r\nOn Thu, 26 Nov 2026, Podrska wrote:\r\n"
           "> Zamijenili smo toner.\r\n> <b>Lijep</b> pozdrav\r\n"
           % (SUPPORT, desk.ticket["number"]))
    desk.evid.run("mail-in", input=raw, env={"EVID_CONFIG": desk.conf})
    page = desk.page(desk.browser())
    li = [x for x in page.dom.find("ol", id="timeline").find_all("li", cls="ev-message_in")][-1]
    assert li.find("div", cls="body").text() == "Sada radi, hvala!"
    q = li.find("details", cls="quoted")
    assert q is not None and q.find("summary") is not None
    assert "> Zamijenili smo toner." in q.text() and "> <b>Lijep</b> pozdrav" in q.text()
    assert "&lt;b&gt;Lijep&lt;/b&gt;" in page.body
    assert "Ivan Horvat" in li.find(cls="meta").text()


# ---- the stopwatch ----

def test_stopwatch_start_header_stop(desk):
    b = desk.browser()
    tid = desk.ticket["id"]
    r = b.post("/tickets/%d/timer/start" % tid, {})
    assert r.status == 303 and r.location == "/tickets/%d?n=4#stopwatch" % tid, r
    page = desk.page(b)
    assert page.dom.find(id="timer-stop") is not None and page.dom.find(id="timer-start") is None
    el = page.dom.find("section", id="stopwatch").find("span", cls="elapsed")
    assert re.fullmatch(r"\d+:\d\d:\d\d", el.text()) and el.attrs["data-started"]
    # Another page shows it in the header, with a stop form that comes back there.
    other = b.get("/settings")
    a = other.dom.find("a", id="running-timer")
    assert a.attrs["href"] == "/tickets/%d" % tid and desk.ticket["number"] in a.text()
    stop = other.dom.find("form", id="header-timer-stop")
    assert stop.attrs["action"] == "/tickets/%d/timer/stop" % tid
    assert stop.field("back").attrs["value"] == "/settings"
    # Another technician's page knows nothing of it.
    assert desk.browser(TECH2_EMAIL).get("/settings").dom.find(id="running-timer") is None
    time.sleep(1.1)
    r = b.post(stop.attrs["action"], {"back": "/settings"})
    assert r.status == 303 and r.location == "/settings?n=5", r
    assert b.get("/settings").dom.find(id="running-timer") is None
    entries = desk.times()
    assert len(entries) == 1 and entries[0]["user_name"] == "Tom Tehničar"
    assert entries[0]["seconds"] >= 1
    page = desk.page(b)
    assert timeline(page)[-1][1] == "time_entry"
    assert page.dom.find("li", id="time-%d" % entries[0]["id"]) is not None
    assert page.dom.find(id="timer-start") is not None
    # Nothing runs now: stopping is refused; a foreign "back" is not followed.
    refused(b.post("/tickets/%d/timer/stop" % tid, {}), 409)
    b.post("/tickets/%d/timer/start" % tid, {})
    r = b.post("/tickets/%d/timer/stop" % tid, {"back": "//evil.example/x"})
    assert r.status == 303 and r.location.startswith("/tickets/%d?n=5#time-" % tid), r
    # A closed ticket cannot be timed.
    desk.api("PATCH", "/api/v1/tickets/%d" % tid, {"status": "closed"})
    refused(b.post("/tickets/%d/timer/start" % tid, {}), 409)


# ---- time entries ----

def test_time_add(desk):
    b = desk.browser()
    tid = desk.ticket["id"]
    start = (datetime.now(ZONE) - timedelta(hours=3)).replace(second=0, microsecond=0)
    r = b.post("/tickets/%d/time" % tid, {"started": local_input(start), "minutes": "45",
                                          "note": "Servis pisača", "billable": "1"})
    assert r.status == 303, r
    (e,) = desk.times()
    assert r.location == "/tickets/%d?n=6#time-%d" % (tid, e["id"])
    assert (epoch(e["started_at"]), e["seconds"], e["note"], e["billable"], e["user_name"]) == \
        (int(start.timestamp()), 2700, "Servis pisača", True, "Tom Tehničar")
    page = desk.page(b)
    last = timeline(page)[-1]
    assert last[1] == "time_entry" and "0:45:00" in last[2] and "Servis pisača" in last[2]
    assert page.dom.find(id="time-total").text() == "0:45:00"
    assert "Tom Tehničar" in page.dom.find(id="time-shares").text()
    # Refused: nothing added, the values kept.
    for fields, status in (({"started": local_input(start), "minutes": "0"}, 400),
                           ({"started": local_input(start), "minutes": "1441"}, 400),
                           ({"started": "jučer", "minutes": "10"}, 400),
                           ({"started": local_input(datetime.now(ZONE) + timedelta(hours=1)),
                             "minutes": "10"}, 400)):
        r = b.post("/tickets/%d/time" % tid, dict(fields, note="zadržano"))
        refused(r, status)
        assert r.dom.find("form", id="time-add").field("note").attrs["value"] == "zadržano"
    assert len(desk.times()) == 1


def test_time_edit(desk):
    b = desk.browser()
    tid = desk.ticket["id"]
    b.post("/tickets/%d/timer/start" % tid, {})
    time.sleep(1.1)
    b.post("/tickets/%d/timer/stop" % tid, {})
    (e,) = desk.times()
    page = desk.page(b)
    form = page.dom.find("form", action="/time/%d" % e["id"])
    assert "time-edit" in form.classes
    values = {name: form.field(name).attrs.get("value", "")
              for name in ("started", "minutes", "note")}
    values["billable"] = "1"

    # Without a reason: refused, unchanged.
    r = b.post("/time/%d" % e["id"], dict(values, note="Novo", reason=" "))
    assert refused(r, 400) == "Navedite razlog promjene vremena."
    assert r.dom.find("form", action="/time/%d" % e["id"]).field("note").attrs["value"] == "Novo"
    assert desk.times() == [e]

    # Only the note changes: the seconds the stopwatch measured stay exact.
    r = b.post("/time/%d" % e["id"], dict(values, note="Dijagnostika", reason="opis"))
    assert r.status == 303 and r.location == "/tickets/%d?n=1#time-%d" % (tid, e["id"]), r
    (now,) = desk.times()
    assert (now["seconds"], now["started_at"], now["note"]) == \
        (e["seconds"], e["started_at"], "Dijagnostika")
    # A new start and length (ending in the future is refused).
    refused(b.post("/time/%d" % e["id"], dict(values, minutes="30", reason="x")), 400)
    start = (datetime.now(ZONE) - timedelta(hours=2)).replace(second=0, microsecond=0)
    r = b.post("/time/%d" % e["id"], dict(values, started=local_input(start), minutes="30",
                                          note="Dijagnostika", reason="zaboravio upisati put"))
    assert r.status == 303, r
    (now,) = desk.times()
    assert now["seconds"] == 1800 and epoch(now["started_at"]) == int(start.timestamp())
    last = timeline(desk.page(b))[-1]
    assert last[1] == "time_correction" and "zaboravio upisati put" in last[2]
    assert "0:30:00" in last[2]


def test_time_edit_of_another_technician(desk):
    tid = desk.ticket["id"]
    iva = desk.browser(TECH2_EMAIL)
    start = (datetime.now(ZONE) - timedelta(hours=2)).replace(second=0, microsecond=0)
    assert iva.post("/tickets/%d/time" % tid, {"started": local_input(start),
                                               "minutes": "20"}).status == 303
    (e,) = desk.times()
    tom = desk.browser()
    # Tom sees Iva's entry but is offered no form for it, and a post is refused.
    page = desk.page(tom)
    assert page.dom.find("li", id="time-%d" % e["id"]) is not None
    assert page.dom.find("form", action="/time/%d" % e["id"]) is None
    r = tom.post("/time/%d" % e["id"], {"started": local_input(start), "minutes": "90",
                                        "note": "", "reason": "krivo"})
    assert r.status == 403
    assert desk.times() == [e]
    # An admin may.
    admin = desk.browser(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert desk.page(admin).dom.find("form", action="/time/%d" % e["id"]) is not None
    r = admin.post("/time/%d" % e["id"], {"started": local_input(start), "minutes": "25",
                                          "note": "", "billable": "1", "reason": "ispravak"})
    assert r.status == 303, r
    assert desk.times()[0]["seconds"] == 1500
    assert tom.post("/time/999999", {"reason": "x"}).status == 404


# ---- merge ----

def test_merge(desk):
    b = desk.browser()
    a = desk.ticket
    other = desk.new_ticket(subject="Pisač opet")
    path = "/tickets/%d/merge" % a["id"]
    before = desk.events()
    for into, status in (("nije-broj", 400), ("2020-999999", 400), (a["number"], 400)):
        r = b.post(path, {"into": into})
        refused(r, status)
        assert r.dom.find("form", id="merge").field("into").attrs["value"] == into
    assert desk.events() == before

    r = b.post(path, {"into": "#" + other["number"]})
    assert r.status == 303 and r.location == "/tickets/%d?n=8" % other["id"], r
    full = desk.full()
    assert full["status"] == "closed"
    page = desk.page(b)
    assert page.dom.find("form", id="merge") is None
    links = [x.attrs["href"] for x in page.dom.find("main").find_all("a")]
    assert "/tickets/%d" % other["id"] in links
    merges = [text for _, kind, text in timeline(page) if kind == "merge"]
    assert len(merges) == 1 and other["number"] in merges[0]
    there = desk.page(b, other)
    merge_li = [x for x in there.dom.find("ol", id="timeline").find_all("li", cls="ev-merge")]
    assert len(merge_li) == 1 and merge_li[0].find("a").attrs["href"] == "/tickets/%d" % a["id"]
    # Merged already: refused.
    third = desk.new_ticket(subject="Treći")
    refused(b.post(path, {"into": third["number"]}), 409)


# ---- attachments ----

def test_attachment_download(desk):
    tid = desk.ticket["id"]
    data = b"<html><script>alert(1)</script></html>"
    up = desk.srv.request("POST", "/api/v1/tickets/%d/attachments?filename=%s" %
                          (tid, "pono%C4%91a%20%22x%22.html"), raw=data, token=desk.admin,
                          headers={"Content-Type": "text/html"})
    assert up.status == 201, up
    aid = up.json["attachment"]["id"]
    b = desk.browser()
    page = desk.page(b)
    files = page.dom.find("section", id="ticket-files")
    assert files is not None and files.find("h2").text() == "Privici"
    a = files.find("a")
    assert a.attrs["href"] == "/attachments/%d" % aid and a.text() == 'ponođa "x".html'
    r = b.get("/attachments/%d" % aid)
    assert r.status == 200 and r.raw == data
    assert r.headers["Content-Disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''pono%C4%91a%20%22x%22.html" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert Browser(desk.srv).get("/attachments/%d" % aid).status == 303
