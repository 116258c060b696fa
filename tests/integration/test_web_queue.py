"""The staff pages' queue (GET /tickets) and new ticket form (GET/POST
/tickets/new), driven through the pages as a browser without JavaScript
would: signing in through the login form, reading the HTML, following
links and submitting forms with their csrf field.  Results are checked
against the JSON API and the database."""
import html.parser
import re
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Evid, start_server, stop_server

TECH_EMAIL = "tina@example.hr"
TECH_PASSWORD = "tina-password-1"
DEMO_ADMIN = ("admin@evidencija.test", "demo-admin")
DEMO_TECH = ("ivana.horvat@evidencija.test", "demo-technician")
NOTICE_CREATED = 7  # enum notice in src/web/page.h

STATUS_HR = {"new": "Novi", "open": "Otvoren", "waiting": "Čeka klijenta",
             "resolved": "Riješen", "closed": "Zatvoren"}
PRIORITY_HR = {"low": "Nizak", "normal": "Normalan", "high": "Visok", "urgent": "Hitan"}


# ---- a small DOM, enough to find elements by tag and attributes ----

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    def text(self):
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return "".join(out)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag=None, **attrs):
        found = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = k.rstrip("_").replace("_", "-")
                if v is True:
                    ok = ok and k in n.attrs
                elif k == "class":
                    ok = ok and v in (n.attrs.get("class") or "").split()
                else:
                    ok = ok and n.attrs.get(k) == v
            if ok:
                found.append(n)
        return found

    def find(self, tag=None, **attrs):
        f = self.find_all(tag, **attrs)
        return f[0] if f else None

    def one(self, tag=None, **attrs):
        f = self.find_all(tag, **attrs)
        assert len(f) == 1, "expected one <%s %r>, found %d" % (tag, attrs, len(f))
        return f[0]


class DomParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def dom(body):
    p = DomParser()
    p.feed(body)
    p.close()
    return p.root


# ---- a browser without JavaScript ----

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Page:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.doc = dom(body) if body else Node("#root", [], None)

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[-600:])


class Browser:
    def __init__(self, server):
        self.server = server
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def _take_cookies(self, headers):
        for v in headers.get_all("Set-Cookie") or []:
            name, value = v.split(";", 1)[0].split("=", 1)
            self.cookies[name.strip()] = value.strip()

    def request(self, method, path, fields=None, headers=None):
        h = dict(headers or {})
        data = None
        if fields is not None:
            data = urllib.parse.urlencode(fields).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        req = urllib.request.Request(self.server.url + path, data=data, method=method,
                                     headers=h)
        try:
            with self.opener.open(req, timeout=30) as r:
                status, hdrs, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as err:
            status, hdrs, body = err.code, err.headers, err.read()
        self._take_cookies(hdrs)
        return Page(status, hdrs, body.decode("utf-8", "replace"))

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, fields)

    def login(self, email, password):
        p = self.get("/login")
        assert p.status == 200, p
        form = p.doc.one("form", id="login")
        csrf = form.one("input", name="csrf").attrs["value"]
        r = self.post("/login", {"email": email, "password": password, "csrf": csrf,
                                 "next": "/tickets"})
        assert r.status == 303, r
        assert "evid_session" in self.cookies
        return self


def textarea_value(node):
    """A textarea's value as a browser takes it: without one leading newline."""
    t = node.text()
    return t[1:] if t.startswith("\n") else t


def csrf_of(page, form_id):
    return page.doc.one("form", id=form_id).one("input", name="csrf").attrs["value"]


# ---- fixtures and helpers ----

@pytest.fixture
def demo(tmp_path):
    """`evid serve` over a database made by `evid init --demo`."""
    e = Evid(str(tmp_path / "demo.db"))
    e.run("init", "--demo")
    srv = start_server(e, tmp_path)
    srv.admin_token = e.token(DEMO_ADMIN[0])
    yield srv
    assert stop_server(srv) == 0, srv.stderr()


def api(server, method, path, body=None, status=None, token=None):
    r = server.request(method, path, body, token=token or server.admin_token)
    if status is not None:
        assert r.status == status, r
    return r.json


def api_tickets(server, query, token=None):
    """Every ticket the API lists for query (all pages)."""
    out, page = [], 1
    while True:
        j = api(server, "GET", "/api/v1/tickets?%s&per_page=200&page=%d" % (query, page),
                status=200, token=token)
        out += j["tickets"]
        if len(out) >= j["total"] or not j["tickets"]:
            return out
        page += 1


def selected(select, value):
    """Whether the option of value is the selected one of select."""
    return "selected" in select.one("option", value=value).attrs


def rows(page):
    t = page.doc.one("table", id="queue")
    return t.find_all("tr", data_ticket=True)


def row_numbers(page):
    return [r.attrs["data-ticket"] for r in rows(page)]


def counts(page):
    nav = page.doc.one("nav", id="status-counts")
    return {s.attrs["data-status"]: int(s.text().replace(".", "").replace(",", ""))
            for s in nav.find_all("span", data_status=True)}


def count_link(page, status):
    nav = page.doc.one("nav", id="status-counts")
    for a in nav.find_all("a"):
        if a.find("span", data_status=status):
            return a
    raise AssertionError("no count link for " + status)


def query_of(href):
    u = urllib.parse.urlsplit(href)
    assert u.path == "/tickets", href
    return dict(urllib.parse.parse_qsl(u.query))


def db_count(server, table):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    finally:
        con.close()


def totals(server):
    return {t: db_count(server, t) for t in ("tickets", "clients", "contacts", "events",
                                             "timers")}


def add_tech(server):
    server.evid.add_user(TECH_EMAIL, "Tina Tehničarka", "technician", TECH_PASSWORD)
    users = api(server, "GET", "/api/v1/users", status=200)["users"]
    return next(u for u in users if u["email"] == TECH_EMAIL)


def me(server, browser):
    r = server.request("GET", "/api/v1/me",
                       cookie="evid_session=" + browser.cookies["evid_session"])
    assert r.status == 200, r
    return r.json["user"]


# ---- the queue ----

def test_queue_needs_a_session(server):
    b = Browser(server)
    p = b.get("/tickets?status=all")
    assert p.status == 303
    assert p.headers["Location"] == "/login?next=%2Ftickets"


def test_queue_with_demo_data_shows_active_tickets_and_counts(demo):
    b = Browser(demo).login(*DEMO_ADMIN)
    p = b.get("/tickets")
    assert p.status == 200, p
    assert p.headers["Content-Type"].startswith("text/html")
    assert p.doc.one("title").text() == "Zahtjevi - Evidencija"
    assert p.doc.one("h1").text() == "Zahtjevi"

    f = p.doc.one("form", id="filters")
    assert f.attrs["method"] == "get" and f.attrs["action"] == "/tickets"
    search = f.one("input", id="search")
    assert search.attrs["name"] == "q" and search.attrs["type"] == "search"
    for name in ("status", "assignee", "client", "channel", "billing", "sort", "dir"):
        assert f.one("select", name=name)
    assert f.one("select", name="client").attrs["data-find"] == "/api/v1/clients?"
    # The select holds only the chosen client (type-to-find fills it), not every client.
    opts = {o.attrs["value"]: o.text() for o in f.one("select", name="client").find_all("option")}
    assert opts == {"": "Svi klijenti"}
    client = api(demo, "GET", "/api/v1/clients?per_page=1", status=200)["clients"][0]
    p2 = b.get("/tickets?client=%d" % client["id"])
    sel = p2.doc.one("form", id="filters").one("select", name="client")
    chosen = [o for o in sel.find_all("option") if "selected" in o.attrs]
    assert [(o.attrs["value"], o.text()) for o in chosen] == [(str(client["id"]), client["name"])]

    # The rows are exactly the active tickets, last changed first.
    active = [t for t in api_tickets(demo, "open_only=true")]
    assert 0 < len(active) <= 50
    assert row_numbers(p) == [t["number"] for t in active]
    by_number = {t["number"]: t for t in active}
    for tr in rows(p):
        t = by_number[tr.attrs["data-ticket"]]
        cells = tr.find_all("td")
        assert len(cells) == 9
        assert cells[0].one("a").attrs["href"] == "/tickets/%d" % t["id"]
        assert cells[0].text() == t["number"]
        assert cells[1].one("a").attrs["href"] == "/tickets/%d" % t["id"]
        assert cells[1].text() == t["subject"]
        assert cells[2].text() == (t["client_name"] or "")
        assert cells[3].text() == (t["contact_name"] or "")
        badge = cells[4].one("span", class_="badge")
        assert "st-" + t["status"] in badge.attrs["class"].split()
        assert badge.text() == STATUS_HR[t["status"]]
        pr = cells[5].one("span", class_="badge")
        assert "pr-" + t["priority"] in pr.attrs["class"].split()
        assert pr.text() == PRIORITY_HR[t["priority"]]
        assert cells[6].text() == (t["assignee_name"] or "nitko")
        age = cells[7].one("span")
        assert re.fullmatch(r"\d+ (min|h|d)", age.text()), age.text()
        assert re.fullmatch(r"\d\d?\. \d\d?\. \d{4}\. \d\d:\d\d", age.attrs["title"])
        secs = t["time_seconds"]
        assert cells[8].text() == "%d:%02d" % (secs // 3600, secs // 60 % 60)
    assert any(t["time_seconds"] > 0 for t in active)

    # Counts of each status under the other filters (none), each a link.
    c = counts(p)
    for s in STATUS_HR:
        assert c[s] == len(api_tickets(demo, "status=" + s)), s
    assert c["active"] == len(active) == c["new"] + c["open"] + c["waiting"]
    assert c["all"] == sum(c[s] for s in STATUS_HR)
    assert count_link(p, "active").attrs.get("aria-current") == "true"
    assert "aria-current" not in count_link(p, "closed").attrs
    assert query_of(count_link(p, "closed").attrs["href"]) == {"status": "closed"}

    total = p.doc.one("span", id="queue-total").text()
    assert total == "%d zahtjeva" % len(active) or total == "%d zahtjev" % len(active)
    assert not p.doc.find("a", rel="prev") and not p.doc.find("a", rel="next")


def test_queue_filters_by_status_assignee_client_channel_billing(demo):
    b = Browser(demo).login(*DEMO_ADMIN)

    p = b.get("/tickets?status=closed")
    assert p.status == 200
    closed = api_tickets(demo, "status=closed")
    assert closed and row_numbers(p) == [t["number"] for t in closed]
    assert all(r.find("span", class_="st-closed") for r in rows(p))
    assert count_link(p, "closed").attrs.get("aria-current") == "true"
    f = p.doc.one("form", id="filters")
    assert selected(f.one("select", name="status"), "closed")

    p = b.get("/tickets?status=all")
    assert len(rows(p)) == len(api_tickets(demo, "page=1"))

    # assignee=me is the signed-in user's own tickets.
    tech = Browser(demo).login(*DEMO_TECH)
    ivana = me(demo, tech)
    p = tech.get("/tickets?assignee=me&status=all")
    mine = api_tickets(demo, "assignee_id=%d" % ivana["id"])
    assert mine and row_numbers(p) == [t["number"] for t in mine]
    assert all(r.find_all("td")[6].text() == ivana["name"] for r in rows(p))
    p = b.get("/tickets?assignee=none&status=all")
    nobody = api_tickets(demo, "assignee_id=none")
    assert nobody and row_numbers(p) == [t["number"] for t in nobody]
    p = b.get("/tickets?assignee=%d&status=all" % ivana["id"])
    assert row_numbers(p) == [t["number"] for t in mine]

    # A client; the counts follow it and their links keep it.
    client = api(demo, "GET", "/api/v1/clients?q=Jadran", status=200)["clients"][0]
    p = b.get("/tickets?client=%d&status=all" % client["id"])
    theirs = api_tickets(demo, "client_id=%d" % client["id"])
    assert theirs and row_numbers(p) == [t["number"] for t in theirs]
    assert all(r.find_all("td")[2].text() == client["name"] for r in rows(p))
    c = counts(p)
    assert c["all"] == len(theirs)
    for s in STATUS_HR:
        assert c[s] == len([t for t in theirs if t["status"] == s])
    assert query_of(count_link(p, "open").attrs["href"]) == {
        "status": "open", "client": str(client["id"])}
    assert query_of(count_link(p, "active").attrs["href"]) == {"client": str(client["id"])}
    sel = p.doc.one("form", id="filters").one("select", name="client")
    assert selected(sel, str(client["id"]))

    # Channel and billing, with the names translated in the selects.
    for ch in ("phone", "email"):
        p = b.get("/tickets?status=all&channel=" + ch)
        want = api_tickets(demo, "channel=" + ch)
        assert row_numbers(p) == [t["number"] for t in want]
    p = b.get("/tickets?status=all&billing=warranty")
    want = api_tickets(demo, "billing=warranty")
    assert want and row_numbers(p) == [t["number"] for t in want]
    f = p.doc.one("form", id="filters")
    assert f.one("select", name="billing").one("option", value="warranty").text() == "Jamstvo"
    assert f.one("select", name="channel").one("option", value="walk_in").text() == "Osobno"
    assert f.one("select", name="channel").one("option", value="email").text() == "E-pošta"

    # What the filter form sends with nothing chosen is the default queue.
    p2 = b.get("/tickets?status=active&assignee=&client=&channel=&billing=&q=&sort=updated"
               "&dir=desc")
    assert p2.status == 200
    assert row_numbers(p2) == row_numbers(b.get("/tickets"))


def test_queue_sorts_by_column_and_toggles(demo):
    b = Browser(demo).login(*DEMO_ADMIN)
    p = b.get("/tickets?status=all&sort=number&dir=asc")
    nums = row_numbers(p)
    assert nums == sorted(nums) and len(nums) > 5
    head = p.doc.one("table", id="queue").one("thead")
    th = [t for t in head.find_all("th") if t.attrs.get("aria-sort")]
    assert len(th) == 1 and th[0].attrs["aria-sort"] == "ascending"
    link = th[0].one("a").attrs["href"]
    assert query_of(link) == {"status": "all", "sort": "number", "dir": "asc"} or \
        query_of(link) == {"status": "all", "sort": "number"}
    p = b.get(link)
    assert row_numbers(p) == sorted(nums, reverse=True)

    # Oldest first is the greatest age first; the age heading turns it.
    p = b.get("/tickets?status=all&sort=age")
    tickets = api_tickets(demo, "sort=created_asc")
    assert row_numbers(p) == [t["number"] for t in tickets]
    age_th = [t for t in p.doc.one("thead").find_all("th") if t.attrs.get("aria-sort")][0]
    p = b.get(age_th.one("a").attrs["href"])
    assert row_numbers(p) == [t["number"] for t in reversed(tickets)]

    p = b.get("/tickets?status=all&sort=priority")
    order = ["urgent", "high", "normal", "low"]
    pri = [r.find_all("td")[5].one("span").attrs["class"].split()[1][3:] for r in rows(p)]
    assert pri == sorted(pri, key=order.index)


def test_queue_search(server):
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    t1 = api(server, "POST", "/api/v1/tickets",
             {"subject": "Račun za toner", "description": "Molimo ponudu."}, status=201)
    t2 = api(server, "POST", "/api/v1/tickets",
             {"subject": "Printer jams", "description": "Papir zapinje u ladici."}, status=201)
    t3 = api(server, "POST", "/api/v1/tickets", {"subject": "Nothing here"}, status=201)
    n1, n2 = t1["ticket"]["number"], t2["ticket"]["number"]
    assert t3

    assert set(row_numbers(b.get("/tickets?q=racun"))) == {n1}
    assert set(row_numbers(b.get("/tickets?q=toner"))) == {n1}
    assert set(row_numbers(b.get("/tickets?q=prin*"))) == {n2}
    assert set(row_numbers(b.get("/tickets?q=" + urllib.parse.quote("ladici")))) == {n2}
    assert row_numbers(b.get("/tickets?q=nowhere")) == []
    p = b.get("/tickets?q=%s&status=all" % urllib.parse.quote("Račun"))
    assert set(row_numbers(p)) == {n1}
    assert p.doc.one("input", id="search").attrs["value"] == "Račun"
    assert counts(p)["all"] == 1 and counts(p)["new"] == 1
    assert query_of(count_link(p, "new").attrs["href"]) == {"status": "new", "q": "Račun"}
    # Words that look like search syntax are plain words.
    p = b.get("/tickets?q=" + urllib.parse.quote('"toner" OR -x (y) NEAR'))
    assert p.status == 200 and row_numbers(p) == []


def test_queue_pages_by_fifty(server):
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    made = set()
    for i in range(120):
        t = api(server, "POST", "/api/v1/tickets", {"subject": "Paged ticket %d" % i},
                status=201)["ticket"]
        made.add(t["number"])
    lang = me(server, b)["lang"]
    word = "zahtjeva" if lang == "hr" else "tickets"

    p = b.get("/tickets")
    assert len(rows(p)) == 50
    assert p.doc.one("span", id="queue-total").text() == "120 " + word
    assert not p.doc.find("a", rel="prev")
    nxt = p.doc.one("a", rel="next").attrs["href"]
    assert query_of(nxt) == {"page": "2"}
    seen = row_numbers(p)

    p = b.get(nxt)
    assert len(rows(p)) == 50
    assert query_of(p.doc.one("a", rel="prev").attrs["href"]) == {}
    nxt = p.doc.one("a", rel="next").attrs["href"]
    seen += row_numbers(p)

    p = b.get(nxt)
    assert len(rows(p)) == 20
    assert not p.doc.find("a", rel="next")
    assert query_of(p.doc.one("a", rel="prev").attrs["href"]) == {"page": "2"}
    seen += row_numbers(p)
    assert len(seen) == 120 and set(seen) == made

    # Paging keeps the filters and the order.
    p = b.get("/tickets?sort=number&dir=asc&page=2")
    assert row_numbers(p) == sorted(made)[50:100]
    assert query_of(p.doc.one("a", rel="next").attrs["href"]) == {
        "sort": "number", "dir": "asc", "page": "3"}
    # Past the end: no rows, and the way back.
    p = b.get("/tickets?page=9")
    assert p.status == 200 and rows(p) == []
    assert query_of(p.doc.one("a", rel="prev").attrs["href"]) == {"page": "3"}


@pytest.mark.parametrize("query", [
    "status=bogus", "page=-1", "page=0", "page=abc", "page=99999999999999999999",
    "assignee=abc", "assignee=-3", "client=x", "client=0", "channel=pigeon",
    "billing=maybe", "sort=subject", "dir=up", "q=" + "a" * 501, "q=a%0Ab",
    "q=" + "+".join(["w%d" % i for i in range(17)]),
])
def test_queue_refuses_bad_parameters(server, query):
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    p = b.get("/tickets?" + query)
    assert p.status == 400, p
    assert p.doc.one("p", class_="error").attrs["role"] == "alert"
    assert b.get("/tickets").status == 200


# ---- the new ticket form ----

def setup_people(server):
    c1 = api(server, "POST", "/api/v1/clients", {"name": "Alfa d.o.o."}, status=201)["client"]
    c2 = api(server, "POST", "/api/v1/clients", {"name": "Beta j.d.o.o."}, status=201)["client"]
    k1 = api(server, "POST", "/api/v1/contacts",
             {"client_id": c1["id"], "name": "Ivo Ivić", "email": "ivo@alfa.hr"},
             status=201)["contact"]
    k2 = api(server, "POST", "/api/v1/contacts",
             {"client_id": c2["id"], "name": "Ana Anić", "phone": "+385 1 234 567"},
             status=201)["contact"]
    return c1, c2, k1, k2


def new_form(b):
    p = b.get("/tickets/new")
    assert p.status == 200, p
    return p, csrf_of(p, "new-ticket")


def created_id(resp):
    assert resp.status == 303, resp
    m = re.fullmatch(r"/tickets/(\d+)\?n=%d" % NOTICE_CREATED, resp.headers["Location"])
    assert m, resp.headers["Location"]
    return int(m.group(1))


def test_new_ticket_form(server):
    c1, c2, k1, k2 = setup_people(server)
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    user = me(server, b)
    p, _ = new_form(b)
    assert "Novi zahtjev" in p.doc.one("title").text() or \
        "New ticket" in p.doc.one("title").text()
    f = p.doc.one("form", id="new-ticket")
    assert f.attrs["method"] == "post" and f.attrs["action"] == "/tickets/new"
    ch = f.one("select", name="channel")
    assert [o.attrs["value"] for o in ch.find_all("option")] == [
        "phone", "fax", "sms", "walk_in", "email", "web"]
    assert selected(ch, "phone")

    cs = f.one("select", name="client_id")
    assert cs.attrs["id"] == "client_id" and cs.attrs["data-find"] == "/api/v1/clients?"
    assert [o.text() for o in cs.find_all("option") if o.attrs["value"]] == [
        "Alfa d.o.o.", "Beta j.d.o.o."]
    assert f.one("input", name="client_name").attrs["type"] == "text"

    ks = f.one("select", name="contact_id")
    assert ks.attrs["data-find"] == "/api/v1/contacts?"
    assert ks.attrs["data-find-client"] == "#client_id"
    groups = ks.find_all("optgroup")
    assert [g.attrs["label"] for g in groups] == ["Alfa d.o.o.", "Beta j.d.o.o."]
    assert groups[0].one("option").attrs["value"] == str(k1["id"])
    assert groups[0].one("option").text() == "Ivo Ivić <ivo@alfa.hr>"
    assert groups[1].one("option").attrs["value"] == str(k2["id"])
    for name in ("contact_name", "contact_email", "contact_phone", "subject"):
        assert f.one("input", name=name)
    assert "required" in f.one("input", name="subject").attrs
    assert f.one("textarea", name="description")

    asg = f.one("select", name="assignee_id")
    assert not selected(asg, "")
    assert selected(asg, str(user["id"]))
    assert selected(f.one("select", name="priority"), "normal")
    assert selected(f.one("select", name="billing"), "billable")
    box = f.one("input", name="start_timer")
    assert box.attrs["type"] == "checkbox" and "checked" not in box.attrs
    assert f.one("input", name="csrf").attrs["type"] == "hidden"

    # Chosen beforehand, as a client's page links it.
    p = b.get("/tickets/new?contact_id=%d" % k2["id"])
    f = p.doc.one("form", id="new-ticket")
    assert selected(f.one("select", name="client_id"), str(c2["id"]))
    assert selected(f.one("select", name="contact_id"), str(k2["id"]))
    assert b.get("/tickets/new?client_id=abc").status == 400
    assert c1


def test_new_ticket_for_existing_contact_starts_the_stopwatch(server):
    c1, _, k1, _ = setup_people(server)
    tech = add_tech(server)
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    admin = me(server, b)
    _, csrf = new_form(b)
    r = b.post("/tickets/new", {
        "csrf": csrf, "channel": "fax", "client_id": str(c1["id"]), "client_name": "",
        "contact_id": str(k1["id"]), "contact_name": "", "contact_email": "",
        "contact_phone": "", "subject": "  Pisač ne ispisuje  ",
        "description": "Zvao u 9:10.\r\nPisač u računovodstvu javlja grešku E-04.\r\n",
        "assignee_id": str(tech["id"]), "priority": "high", "billing": "warranty",
        "start_timer": "1"})
    tid = created_id(r)

    t = api(server, "GET", "/api/v1/tickets/%d" % tid, status=200)["ticket"]
    assert t["subject"] == "Pisač ne ispisuje"
    assert (t["channel"], t["priority"], t["billing"], t["status"]) == (
        "fax", "high", "warranty", "new")
    assert (t["client_id"], t["contact_id"], t["assignee_id"]) == (
        c1["id"], k1["id"], tech["id"])
    assert t["created_by_id"] == admin["id"]
    first = t["events"][0]
    assert first["kind"] == "message_in"
    assert first["body"] == "Zvao u 9:10.\nPisač u računovodstvu javlja grešku E-04.\n"
    assert first["author_user_id"] == admin["id"]

    # The stopwatch runs for the one who took the request, on the new ticket.
    timer = api(server, "GET", "/api/v1/timer", status=200)["timer"]
    assert timer["ticket_id"] == tid and timer["user_id"] == admin["id"]

    # The notice on the page it leads to, and the ticket in the queue.
    q = b.get("/tickets")
    assert t["number"] in row_numbers(q)


def test_new_ticket_with_new_client_and_contact(server):
    add_tech(server)
    b = Browser(server).login(TECH_EMAIL, TECH_PASSWORD)
    tina = me(server, b)
    before = totals(server)
    _, csrf = new_form(b)
    r = b.post("/tickets/new", {
        "csrf": csrf, "channel": "walk_in", "client_id": "", "client_name": "Gama obrt",
        "contact_id": "", "contact_name": "Marta Gamić", "contact_email": "Marta@Gama.HR",
        "contact_phone": "+385 98 111 222", "subject": "Novo računalo za ured",
        "description": "", "assignee_id": str(tina["id"]), "priority": "low",
        "billing": "billable"})
    tid = created_id(r)
    t = api(server, "GET", "/api/v1/tickets/%d" % tid, status=200)["ticket"]
    assert t["client_name"] == "Gama obrt" and t["contact_name"] == "Marta Gamić"
    assert t["channel"] == "walk_in" and t["priority"] == "low"
    assert t["assignee_id"] == tina["id"] and t["created_by_id"] == tina["id"]
    assert t["events"] == []  # no description, no first message
    k = api(server, "GET", "/api/v1/contacts/%d" % t["contact_id"], status=200)["contact"]
    assert k["client_id"] == t["client_id"]
    assert k["email"] == "marta@gama.hr" and k["phone"] == "+385 98 111 222"
    after = totals(server)
    assert after["clients"] == before["clients"] + 1
    assert after["contacts"] == before["contacts"] + 1
    assert after["tickets"] == before["tickets"] + 1
    assert after["timers"] == before["timers"]  # not ticked

    # A new contact with only a phone, at an existing client, nobody assigned.
    c = api(server, "GET", "/api/v1/clients/%d" % t["client_id"], status=200)["client"]
    _, csrf = new_form(b)
    r = b.post("/tickets/new", {
        "csrf": csrf, "channel": "phone", "client_id": str(c["id"]),
        "contact_name": "Petar Gamić", "contact_phone": "099 555 666",
        "subject": "Telefon", "assignee_id": ""})
    t2 = api(server, "GET", "/api/v1/tickets/%d" % created_id(r), status=200)["ticket"]
    assert t2["client_id"] == c["id"] and t2["contact_name"] == "Petar Gamić"
    assert t2["assignee_id"] is None

    # A contact alone brings its client; no assignee field means the user.
    _, csrf = new_form(b)
    r = b.post("/tickets/new", {"csrf": csrf, "contact_id": str(k["id"]),
                                "subject": "Samo kontakt"})
    t3 = api(server, "GET", "/api/v1/tickets/%d" % created_id(r), status=200)["ticket"]
    assert t3["client_id"] == c["id"] and t3["contact_id"] == k["id"]
    assert t3["assignee_id"] == tina["id"] and t3["channel"] == "phone"


def refused(b, fields, status):
    p, csrf = new_form(b)
    f = dict(fields)
    f["csrf"] = csrf
    r = b.post("/tickets/new", f)
    assert r.status == status, r
    assert r.doc.one("p", class_="error").attrs["role"] == "alert"
    form = r.doc.one("form", id="new-ticket")
    return r, form


def test_new_ticket_refused_forms_change_nothing(server):
    c1, c2, k1, k2 = setup_people(server)
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    before = totals(server)

    # No subject: shown again with what was typed.
    r, form = refused(b, {"client_name": "Delta d.o.o.", "contact_name": "Dora",
                          "contact_email": "dora@delta.hr", "subject": "   ",
                          "description": "Opis <ostaje>.", "priority": "urgent",
                          "start_timer": "1"}, 400)
    assert form.one("input", name="client_name").attrs["value"] == "Delta d.o.o."
    assert form.one("input", name="contact_email").attrs["value"] == "dora@delta.hr"
    assert textarea_value(form.one("textarea", name="description")) == "Opis <ostaje>."
    assert selected(form.one("select", name="priority"), "urgent")
    assert "checked" in form.one("input", name="start_timer").attrs

    # A contact of another client.
    r, form = refused(b, {"client_id": str(c1["id"]), "contact_id": str(k2["id"]),
                          "subject": "Krivi kontakt", "start_timer": "1"}, 422)
    assert "Ana Anić" in r.doc.one("p", class_="error").text()
    assert form.one("input", name="subject").attrs["value"] == "Krivi kontakt"
    # ... and an existing contact with a new client.
    refused(b, {"client_name": "Epsilon", "contact_id": str(k1["id"]), "subject": "x"}, 422)

    # A new contact without a name, or without email and phone, or with a bad email.
    refused(b, {"client_id": str(c1["id"]), "contact_email": "a@b.hr", "subject": "x"}, 400)
    refused(b, {"client_name": "Zeta", "contact_name": "Zoran", "subject": "x"}, 400)
    refused(b, {"client_id": str(c1["id"]), "contact_name": "Zoran",
                "contact_email": "not-an-email", "subject": "x"}, 400)
    # A new contact without any client.
    refused(b, {"contact_name": "Zoran", "contact_phone": "01 234", "subject": "x"}, 400)
    # A new client's name taken (in any case), a new contact's email taken.
    r, _ = refused(b, {"client_name": "ALFA D.O.O.", "subject": "x"}, 409)
    assert "Alfa d.o.o." in r.doc.one("p", class_="error").text()
    refused(b, {"client_name": "Theta", "contact_name": "Ivo Drugi",
                "contact_email": "IVO@alfa.hr", "subject": "x", "start_timer": "1"}, 409)
    # Both an existing and a new client; unknown or malformed references.
    refused(b, {"client_id": str(c1["id"]), "client_name": "Iota", "subject": "x"}, 400)
    refused(b, {"client_id": "999", "subject": "x"}, 422)
    refused(b, {"client_id": "abc", "subject": "x"}, 400)
    refused(b, {"contact_id": "999", "subject": "x"}, 422)
    refused(b, {"assignee_id": "999", "subject": "x"}, 422)
    # Values outside the lists, and text over the limits.
    refused(b, {"channel": "api", "subject": "x"}, 400)
    refused(b, {"channel": "pigeon", "subject": "x"}, 400)
    refused(b, {"priority": "extreme", "subject": "x"}, 400)
    refused(b, {"billing": "gratis", "subject": "x"}, 400)
    r, form = refused(b, {"subject": "Ž" * 151}, 400)
    assert form.one("input", name="subject").attrs["value"] == "Ž" * 150
    refused(b, {"subject": "x", "client_name": "n" * 201}, 400)
    refused(b, {"subject": "x", "description": "d" * 65537}, 400)

    assert totals(server) == before
    assert api(server, "GET", "/api/v1/timer", status=200)["timer"] is None


def test_new_ticket_refused_for_a_deactivated_assignee(server):
    tech = add_tech(server)
    api(server, "PATCH", "/api/v1/users/%d" % tech["id"], {"active": False}, status=200)
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    p, _ = new_form(b)
    asg = p.doc.one("form", id="new-ticket").one("select", name="assignee_id")
    assert not asg.find("option", value=str(tech["id"]))
    before = totals(server)
    refused(b, {"assignee_id": str(tech["id"]), "subject": "x"}, 422)
    assert totals(server) == before


def test_new_ticket_without_csrf_is_refused(server):
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    before = totals(server)
    fields = {"client_name": "Kappa", "contact_name": "K", "contact_phone": "1",
              "subject": "Bez tokena", "start_timer": "1"}
    r = b.post("/tickets/new", fields)
    assert r.status == 403, r
    r = b.post("/tickets/new", dict(fields, csrf="0" * 64))
    assert r.status == 403, r
    # Without the session cookie, even with the token.
    _, csrf = new_form(b)
    anon = Browser(server)
    r = anon.post("/tickets/new", dict(fields, csrf=csrf))
    assert r.status == 403, r
    assert totals(server) == before


def test_markup_in_a_new_ticket_is_shown_escaped(server):
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, csrf = new_form(b)
    subject = '<script>alert("x")</script> & <b>bold</b>'
    r = b.post("/tickets/new", {"csrf": csrf, "subject": subject,
                                "client_name": "<img src=x onerror=alert(1)> d.o.o.",
                                "contact_name": "<i>Ivo</i>", "contact_phone": "1"})
    created_id(r)
    p = b.get("/tickets")
    assert "<script>alert" not in p.body and "<b>bold" not in p.body
    assert "<img src=x" not in p.body and "<i>Ivo" not in p.body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" \
        in p.body
    row = rows(p)[0]
    cells = row.find_all("td")
    assert cells[1].text() == subject
    assert cells[2].text() == "<img src=x onerror=alert(1)> d.o.o."
    assert cells[3].text() == "<i>Ivo</i>"
    # The new ticket form lists them escaped too.
    p, _ = new_form(b)
    assert "<img src=x" not in p.body and "<i>Ivo" not in p.body
    opt = p.doc.one("select", name="client_id").find_all("option")[1]
    assert opt.text() == "<img src=x onerror=alert(1)> d.o.o."
    # A search for markup finds it and shows the search escaped.
    p = b.get("/tickets?q=" + urllib.parse.quote('"><script>'))
    assert p.status == 200 and '"><script>' not in p.body
    assert p.doc.one("input", id="search").attrs["value"] == '"><script>'


def test_new_ticket_losing_a_race_leaves_no_half_made_records(server):
    """Forms that pass the checks together and then collide (the same new
    contact email, each with its own new client) are written in one batch
    each: the loser's client is undone with the rest."""
    b = Browser(server).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, csrf = new_form(b)
    results = []

    def post(rnd, i):
        r = b.post("/tickets/new", {
            "csrf": csrf, "client_name": "Race %d-%d" % (rnd, i), "contact_name": "R",
            "contact_email": "same%d@race.hr" % rnd, "subject": "race"})
        results.append(r.status)

    for rnd in range(8):
        threads = [threading.Thread(target=post, args=(rnd, i)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(set(results)) == [303, 409]
    assert results.count(303) == 8
    t = totals(server)
    assert t["tickets"] == t["clients"] == t["contacts"] == 8
