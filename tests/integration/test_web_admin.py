"""The staff pages for clients and contacts (/clients, /contacts) and the
administrator's pages (/users, /admin/quarantine, /admin/outbox), driven as a
browser would: log in through the /login form, read each page's forms and
submit them with their hidden csrf field.  Refused forms show the error and
change nothing; a POST without the csrf token is 403; a technician may not
open the admin pages; names typed by people are shown escaped."""
import html
import html.parser
import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_server, stop_server
from test_api_clients import BAD_OIB, OIB, oib_with_check
from test_mail_quarantine import (HELLO, NOT_A_MESSAGE, big_message, patch_runner,
                                  write_config)

TECH_EMAIL = "tehnicar@example.hr"
TECH_PASSWORD = "tech-password-1"


# ---- a small browser ----

class Page(html.parser.HTMLParser):
    """What the tests read of a page: its title, h1, error and notice
    paragraphs, and every form with the fields a browser would submit."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.title = self.h1 = ""
        self.errors, self.notices, self.forms = [], [], {}
        self._in = None      # "title", "h1", "error", "notice", "textarea", "option"
        self._form = None
        self._select = None  # [name, first value, selected value]
        self._field = None   # textarea name / option value
        self._buf = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag in ("title", "h1"):
            self._in, self._buf = tag, ""
        elif tag == "p" and "error" in cls:
            self._in, self._buf = "error", ""
        elif tag == "p" and "notice" in cls:
            self._in, self._buf = "notice", ""
        elif tag == "form":
            self._form = {"id": a.get("id"), "action": a.get("action"),
                          "method": (a.get("method") or "get").lower(), "fields": []}
            if a.get("id"):
                self.forms[a["id"]] = self._form
            else:
                self.forms.setdefault("_anonymous", []).append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            t = (a.get("type") or "text").lower()
            if t == "checkbox":
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value") or "on"))
            elif t not in ("submit", "button", "file"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "textarea":
            self._in, self._field, self._buf = "textarea", a.get("name"), ""
        elif self._form is not None and tag == "select":
            self._select = [a.get("name"), None, None]
        elif self._select is not None and tag == "option":
            v = a.get("value")
            if self._select[1] is None:
                self._select[1] = v
            if "selected" in a:
                self._select[2] = v

    def handle_endtag(self, tag):
        if tag == "title" and self._in == "title":
            self.title, self._in = self._buf, None
        elif tag == "h1" and self._in == "h1":
            self.h1, self._in = self._buf, None
        elif tag == "p" and self._in in ("error", "notice"):
            (self.errors if self._in == "error" else self.notices).append(self._buf)
            self._in = None
        elif tag == "textarea" and self._in == "textarea":
            self._form["fields"].append((self._field, self._buf))
            self._in = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            self._form["fields"].append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._in:
            self._buf += data

    def form(self, form_id):
        assert form_id in self.forms, "no form#%s in the page" % form_id
        return self.forms[form_id]

    def values(self, form_id):
        return dict(self.form(form_id)["fields"])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        self.text = body.decode("utf-8", "replace")
        self._page = None

    @property
    def page(self):
        if self._page is None:
            self._page = Page(self.text)
        return self._page

    @property
    def location(self):
        return self.headers.get("Location")

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.location or "", self.text[:400])


class Browser:
    """Cookies, no automatic redirects, forms submitted as urlencoded."""

    def __init__(self, srv):
        self.srv = srv
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, method, path, form=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.srv.url + path, data=data, method=method,
                                     headers=headers)
        try:
            with self.opener.open(req, timeout=60) as r:
                a = Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as err:
            a = Answer(err.code, err.headers, err.read())
        for c in a.headers.get_all("Set-Cookie") or []:
            name, _, rest = c.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in c:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return a

    def get(self, path, status=200):
        a = self.request("GET", path)
        assert a.status == status, (path, a)
        return a

    def post(self, path, form):
        return self.request("POST", path, form)

    def submit(self, page, form_id, status=303, **changes):
        """Submit form#form_id of page as shown, with fields changed (None
        removes one, as an unticked checkbox)."""
        f = page.form(form_id)
        fields = dict(f["fields"])
        for k, v in changes.items():
            if v is None:
                fields.pop(k, None)
            else:
                fields[k] = v
        a = self.post(f["action"], fields)
        assert a.status == status, (form_id, a)
        return a

    def follow(self, a):
        assert a.status == 303, a
        return self.get(a.location)

    def login(self, email, password):
        p = self.get("/login").page
        fields = p.values("login")
        fields.update(email=email, password=password)
        a = self.post("/login", fields)
        assert a.status == 303, a
        assert "evid_session" in self.cookies
        return a


def login(srv, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    b = Browser(srv)
    b.login(email, password)
    return b


def rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def api(srv, method, path, body=None, status=200):
    r = srv.request(method, path, body, token=srv.admin_token)
    assert r.status == status, (path, r)
    return r.json


def no_script(text):
    """The page holds no markup but ours: a typed <script> shows as text."""
    assert "<script>" not in text and "<b>" not in text
    return True


def check_frame(page, title_word):
    assert title_word in page.title and page.title.endswith(" - Evidencija"), page.title
    assert page.h1


# ---- clients and contacts ----

def test_client_pages_create_edit_and_escape(server):
    b = login(server)
    p = b.get("/clients").page
    check_frame(p, "Klijenti")
    assert p.h1 == "Klijenti" and "/clients/new" in b.get("/clients").text
    assert "Još nema klijenata." in b.get("/clients").text

    p = b.get("/clients/new").page
    check_frame(p, "Novi klijent")
    name = "<script>alert(1)</script> Firma & Sin d.o.o."
    a = b.submit(p, "new-client", name=name, oib=OIB, vat_id="HR" + OIB,
                 address="Ilica 1\r\n10000 Zagreb", email_domains="Firma.hr, firma.com",
                 billing_email="Racuni@Firma.hr", notes="<b>VIP</b>")
    m = re.match(r"^/clients/(\d+)\?n=\d+$", a.location)
    assert m, a.location
    cid = int(m.group(1))
    c = api(server, "GET", "/api/v1/clients/%d" % cid)["client"]
    assert (c["name"], c["oib"], c["vat_id"], c["email_domains"], c["billing_email"],
            c["notes"], c["active"]) == (name, OIB, "HR" + OIB, "firma.hr,firma.com",
                                         "racuni@firma.hr", "<b>VIP</b>", True)
    assert c["address"] == "Ilica 1\r\n10000 Zagreb"

    page = b.follow(a)
    assert page.page.notices == ["Stvoreno."]
    assert page.page.h1 == name
    assert no_script(page.text) and html.escape(name, quote=False) in page.text
    assert "&lt;b&gt;VIP&lt;/b&gt;" in page.text
    v = page.page.values("client")
    assert (v["name"], v["oib"], v["email_domains"], v["active"]) == \
        (name, OIB, "firma.hr,firma.com", "1")
    listing = b.get("/clients")
    assert no_script(listing.text)
    assert 'href="/clients/%d"' % cid in listing.text
    assert html.escape(name, quote=True).replace("&#x27;", "&#39;") in listing.text

    # edit: new notes, deactivated (the checkbox unticked)
    a = b.submit(page.page, "client", notes="Plaća na vrijeme.", active=None)
    assert a.location == "/clients/%d?n=1" % cid
    c = api(server, "GET", "/api/v1/clients/%d" % cid)["client"]
    assert (c["notes"], c["active"], c["name"]) == ("Plaća na vrijeme.", False, name)
    p = b.follow(a).page
    assert p.notices == ["Spremljeno."] and "active" not in p.values("client")


def test_client_refusals_show_the_error_and_change_nothing(server):
    b = login(server)
    first = api(server, "POST", "/api/v1/clients", {"name": "Prva d.o.o.", "oib": OIB}, 201)
    before = rows(server.evid.db, "SELECT * FROM clients ORDER BY id")
    p = b.get("/clients/new").page
    for changes, status, words, field in (
            ({"name": "Druga", "oib": BAD_OIB}, 400, "OIB nije ispravan", "oib"),
            ({"name": "Druga", "oib": "123"}, 400, "OIB nije ispravan", "oib"),
            ({"name": "   "}, 400, "Upišite naziv klijenta.", "name"),
            ({"name": "Druga", "email_domains": "firma hr,"}, 400, "Domene e-pošte", None),
            ({"name": "Druga", "billing_email": "nije adresa"}, 400, "E-pošta za račune", None),
            ({"name": "x" * 201}, 400, "Naziv: predugo; najviše 200 bajtova.", "name"),
            ({"name": "Dva\nretka"}, 400, "jedan redak", "name"),
            ({"name": "Druga", "oib": OIB}, 409, "Taj OIB već ima drugi klijent.", "oib"),
            ({"name": "prva d.o.o."}, 409, "Klijent s tim nazivom već postoji.", "name")):
        a = b.submit(p, "new-client", status=status, **changes)
        assert a.page.errors and words in a.page.errors[0], (changes, a.page.errors)
        # the form comes back with what was typed
        v = a.page.values("new-client")
        for k, val in changes.items():
            assert v[k] == val, (k, v[k], val)
        if field:
            assert re.search(r'name="%s"[^>]* aria-invalid=true' % field, a.text), field
    assert rows(server.evid.db, "SELECT * FROM clients ORDER BY id") == before
    # the same refusals when editing
    page = b.get("/clients/%d" % first["client"]["id"]).page
    a = b.submit(page, "client", status=400, oib=BAD_OIB)
    assert "OIB nije ispravan" in a.page.errors[0] and a.page.values("client")["oib"] == BAD_OIB
    second = api(server, "POST", "/api/v1/clients",
                 {"name": "Treća d.o.o.", "oib": oib_with_check("9876543210")}, 201)
    before = rows(server.evid.db, "SELECT * FROM clients ORDER BY id")
    page = b.get("/clients/%d" % second["client"]["id"]).page
    a = b.submit(page, "client", status=409, oib=OIB)
    assert a.page.errors == ["Taj OIB već ima drugi klijent."]
    assert rows(server.evid.db, "SELECT * FROM clients ORDER BY id") == before
    assert b.get("/clients/999", status=404)
    assert b.get("/clients?page=0", status=400)


def test_client_list_search_and_paging(server):
    for i in range(55):
        api(server, "POST", "/api/v1/clients", {"name": "Klijent %02d" % i}, 201)
    api(server, "POST", "/api/v1/clients", {"name": "Đuro Đaković"}, 201)
    b = login(server)
    a = b.get("/clients")
    ids = re.findall(r'<tr data-client="(\d+)">', a.text)
    assert len(ids) == 50
    assert 'rel="next" href="/clients?page=2"' in a.text and 'rel="prev"' not in a.text
    assert "Ukupno klijenata: 56" in a.text
    a = b.get("/clients?page=2")
    assert len(re.findall(r'<tr data-client=', a.text)) == 6
    assert 'rel="prev" href="/clients?page=1"' in a.text and 'rel="next"' not in a.text
    a = b.get("/clients?q=" + urllib.parse.quote("đuro"))
    assert len(re.findall(r'<tr data-client=', a.text)) == 1 and "Đuro Đaković" in a.text
    assert a.page.values("client-search")["q"] == "đuro"
    a = b.get("/clients?q=klijent+0")
    assert len(re.findall(r'<tr data-client=', a.text)) == 10
    a = b.get("/clients?q=nema")
    assert "<table" not in a.text and "Nijedan naziv klijenta" in a.text


def test_contacts_through_the_client_page(server):
    b = login(server)
    one = api(server, "POST", "/api/v1/clients", {"name": "Jedan d.o.o."}, 201)["client"]
    two = api(server, "POST", "/api/v1/clients", {"name": "Dva d.o.o."}, 201)["client"]
    page = b.get("/clients/%d" % one["id"]).page
    assert "Još nema kontakata." in b.get("/clients/%d" % one["id"]).text
    a = b.submit(page, "new-contact", name="Ivan <b>Horvat</b>", email="Ivan@Jedan.hr",
                 phone="+385 1 2345 678", sees_all="1")
    assert a.location == "/clients/%d?n=7#contacts" % one["id"]
    got = api(server, "GET", "/api/v1/contacts?client_id=%d" % one["id"])["contacts"]
    assert len(got) == 1
    k = got[0]
    assert (k["name"], k["email"], k["phone"], k["sees_all"], k["active"]) == \
        ("Ivan <b>Horvat</b>", "ivan@jedan.hr", "+385 1 2345 678", True, True)
    shown = b.follow(a)
    assert no_script(shown.text) and "Ivan &lt;b&gt;Horvat&lt;/b&gt;" in shown.text
    assert 'href="/contacts/%d"' % k["id"] in shown.text

    # a second contact with the same address: refused on the form, nothing changed
    before = rows(server.evid.db, "SELECT * FROM contacts ORDER BY id")
    page = shown.page
    a = b.submit(page, "new-contact", status=409, name="Drugi", email="IVAN@jedan.hr")
    assert a.page.errors == ["Tu adresu e-pošte već ima drugi kontakt."]
    assert a.page.values("new-contact")["name"] == "Drugi"
    a = b.submit(page, "new-contact", status=400, name="Treći", email="ne valja")
    assert "E-pošta nije ispravna adresa." in a.page.errors[0]
    a = b.submit(page, "new-contact", status=400, name="")
    assert a.page.errors == ["Upišite ime kontakta."]
    assert rows(server.evid.db, "SELECT * FROM contacts ORDER BY id") == before

    # the contact's page: edit it and move it to the other client
    p = b.get("/contacts/%d" % k["id"]).page
    check_frame(p, "Ivan <b>Horvat</b>")
    v = p.values("contact")
    assert (v["name"], v["email"], v["sees_all"], v["active"], v["client_id"]) == \
        ("Ivan <b>Horvat</b>", "ivan@jedan.hr", "1", "1", str(one["id"]))
    a = b.submit(p, "contact", name="Ivan Horvat", phone="091 111 2222", sees_all=None,
                 client_id=str(two["id"]))
    assert a.location == "/contacts/%d?n=1" % k["id"]
    k2 = api(server, "GET", "/api/v1/contacts/%d" % k["id"])["contact"]
    assert (k2["name"], k2["phone"], k2["sees_all"], k2["client_id"], k2["active"]) == \
        ("Ivan Horvat", "091 111 2222", False, two["id"], True)
    assert 'href="/contacts/%d"' % k["id"] in b.get("/clients/%d" % two["id"]).text

    # an edit to a used address, or to a client that does not exist: refused, unchanged
    other = api(server, "POST", "/api/v1/contacts",
                {"client_id": one["id"], "name": "Ana", "email": "ana@jedan.hr"}, 201)
    before = rows(server.evid.db, "SELECT * FROM contacts ORDER BY id")
    p = b.get("/contacts/%d" % other["contact"]["id"]).page
    a = b.submit(p, "contact", status=409, email="ivan@jedan.hr", name="Ana Novak")
    assert a.page.errors == ["Tu adresu e-pošte već ima drugi kontakt."]
    assert a.page.values("contact")["name"] == "Ana Novak"
    a = b.submit(p, "contact", status=400, client_id="999")
    assert a.page.errors == ["Odabrani klijent ne postoji."]
    a = b.submit(p, "contact", status=400, client_id="x")
    assert a.page.errors == ["Odaberite klijenta kontakta."]
    assert rows(server.evid.db, "SELECT * FROM contacts ORDER BY id") == before
    b.get("/contacts/999", status=404)


def test_client_page_lists_its_tickets(server):
    c = api(server, "POST", "/api/v1/clients", {"name": "Tiketi d.o.o."}, 201)["client"]
    made = [api(server, "POST", "/api/v1/tickets",
                {"subject": "Kvar <%d>" % i, "client_id": c["id"]}, 201)["ticket"]
            for i in range(3)]
    b = login(server)
    a = b.get("/clients/%d" % c["id"])
    numbers = re.findall(r'<tr data-ticket="([0-9-]+)">', a.text)
    assert numbers == [t["number"] for t in reversed(made)]
    assert "Kvar &lt;2&gt;" in a.text and 'class="badge st-new"' in a.text
    assert 'href="/tickets?client=%d&amp;status=all"' % c["id"] in a.text


def test_forms_without_csrf_are_refused(server):
    c = api(server, "POST", "/api/v1/clients", {"name": "Čuvana d.o.o."}, 201)["client"]
    k = api(server, "POST", "/api/v1/contacts",
            {"client_id": c["id"], "name": "Kontakt", "email": "k@cuvana.hr"}, 201)["contact"]
    b = login(server)
    tables = ("clients", "contacts", "users", "sessions", "quarantine")
    before = {t: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % t) for t in tables}
    for path, form in (
            ("/clients/new", {"name": "Nova"}),
            ("/clients/%d" % c["id"], {"name": "Promijenjena", "active": "1"}),
            ("/clients/%d/contacts" % c["id"], {"name": "Novi", "email": "n@cuvana.hr"}),
            ("/contacts/%d" % k["id"], {"name": "X", "client_id": str(c["id"])}),
            ("/users", {"name": "X", "email": "x@example.hr", "role": "admin", "lang": "hr",
                        "password": "password-123"}),
            ("/users/1", {"name": "X", "email": ADMIN_EMAIL, "role": "technician",
                          "lang": "hr"}),
            ("/admin/quarantine/1/reprocess", {})):
        for token in (None, "0" * 64):
            f = dict(form)
            if token:
                f["csrf"] = token
            a = b.post(path, f)
            assert a.status == 403, (path, a)
            assert "Obrazac je istekao" in a.page.errors[0]
    after = {t: rows(server.evid.db, "SELECT * FROM %s ORDER BY 1" % t) for t in tables}
    assert after == before


# ---- staff users ----

def test_admin_creates_a_technician_who_logs_in(server):
    b = login(server)
    p = b.get("/users").page
    check_frame(p, "Djelatnici")
    assert ADMIN_EMAIL in b.get("/users").text
    v = p.values("new-user")
    assert (v["role"], v["lang"]) == ("technician", "hr")
    a = b.submit(p, "new-user", name="Tomo <i>Tehničar</i>", email="Tehnicar@Example.hr",
                 password=TECH_PASSWORD, lang="en")
    assert a.location == "/users?n=7"
    shown = b.follow(a)
    assert "Tomo &lt;i&gt;Tehničar&lt;/i&gt;" in shown.text and "<i>" not in shown.text
    u = [x for x in api(server, "GET", "/api/v1/users")["users"] if x["email"] == TECH_EMAIL]
    assert len(u) == 1
    assert (u[0]["name"], u[0]["role"], u[0]["lang"], u[0]["active"]) == \
        ("Tomo <i>Tehničar</i>", "technician", "en", True)
    t = login(server, TECH_EMAIL, TECH_PASSWORD)
    # signed in, in English as chosen
    p = t.get("/clients").page
    assert p.h1 == "Clients" and p.title == "Clients - Evidencija"

    # refusals: a short password, a used address, a bad role; nothing created
    before = rows(server.evid.db, "SELECT * FROM users ORDER BY id")
    for changes, status, words in (
            ({"password": "kratka"}, 400, "Lozinka: od 8 do 1024 znaka"),
            ({"email": ADMIN_EMAIL.upper()}, 409, "Tu adresu e-pošte već ima drugi djelatnik."),
            ({"role": "boss"}, 400, "Odaberite ulogu"),
            ({"lang": "de"}, 400, "Odaberite hrvatski ili engleski."),
            ({"email": "nije-adresa"}, 400, "E-pošta: upišite ispravnu adresu"),
            ({"name": " "}, 400, "Upišite ime.")):
        f = {"name": "Novi", "email": "novi@example.hr", "role": "technician", "lang": "hr",
             "password": "dovoljno-duga"}
        f.update(changes)
        a = b.submit(b.get("/users").page, "new-user", status=status, **f)
        assert a.page.errors and words in a.page.errors[0], (changes, a.page.errors)
        assert a.page.values("new-user")["password"] == ""  # never sent back
    assert rows(server.evid.db, "SELECT * FROM users ORDER BY id") == before


def test_technician_is_refused_the_admin_pages(server):
    server.evid.add_user(TECH_EMAIL, "Tomo", "technician", TECH_PASSWORD)
    t = login(server, TECH_EMAIL, TECH_PASSWORD)
    for path in ("/users", "/users/1", "/admin/quarantine", "/admin/outbox",
                 "/admin/quarantine?raw=1"):
        a = t.get(path, status=403)
        assert "Ovu stranicu može otvoriti samo administrator." in a.page.errors[0]
    # the technician does see the clients, and no admin entries in the header
    a = t.get("/clients")
    assert 'href="/users"' not in a.text and 'href="/admin/outbox"' not in a.text
    # not even with a valid form token
    csrf = a.page.values("logout")["csrf"]
    before = rows(server.evid.db, "SELECT * FROM users ORDER BY id")
    for path, form in (("/users", {"name": "X", "email": "x@example.hr", "role": "admin",
                                   "lang": "hr", "password": "password-123"}),
                       ("/users/1", {"name": "X", "email": ADMIN_EMAIL, "role": "technician",
                                     "lang": "hr"}),
                       ("/admin/quarantine/1/reprocess", {})):
        form["csrf"] = csrf
        assert t.post(path, form).status == 403
    assert rows(server.evid.db, "SELECT * FROM users ORDER BY id") == before
    # without a session: to the login page
    anon = Browser(server)
    a = anon.get("/users", status=303)
    assert a.location == "/login?next=%2Fusers"


def test_admin_cannot_demote_or_deactivate_themself(server):
    b = login(server)
    me = [u for u in api(server, "GET", "/api/v1/users")["users"] if u["email"] == ADMIN_EMAIL][0]
    before = rows(server.evid.db, "SELECT * FROM users ORDER BY id")
    p = b.get("/users/%d" % me["id"]).page
    check_frame(p, "Ana Admin")
    for changes in ({"active": None}, {"role": "technician"}):
        a = b.submit(p, "user", status=409, **changes)
        assert a.page.errors == ["Ne možete sami sebi oduzeti ulogu administratora ni isključiti "
                                 "se; zamolite drugog administratora."]
    assert rows(server.evid.db, "SELECT * FROM users ORDER BY id") == before
    assert b.get("/users").status == 200  # still signed in, still an admin
    # a change that keeps them an admin is fine, and their own new password keeps this session
    a = b.submit(p, "user", name="Ana A.", password="nova-lozinka-1")
    assert a.location == "/users/%d?n=1" % me["id"]
    assert b.get("/users").status == 200
    assert login(server, ADMIN_EMAIL, "nova-lozinka-1")
    b.get("/users/999", status=404)


def test_admin_changes_a_technician_and_ends_their_sessions(server):
    server.evid.add_user(TECH_EMAIL, "Tomo", "technician", TECH_PASSWORD)
    tid = [u for u in api(server, "GET", "/api/v1/users")["users"]
           if u["email"] == TECH_EMAIL][0]["id"]
    b = login(server)
    t = login(server, TECH_EMAIL, TECH_PASSWORD)
    assert t.get("/clients").status == 200
    p = b.get("/users/%d" % tid).page
    assert p.values("user")["password"] == ""
    a = b.submit(p, "user", name="Tomo Tehničar", lang="en", password="nova-lozinka-2")
    assert a.location == "/users/%d?n=1" % tid
    u = api(server, "GET", "/api/v1/users/%d" % tid)["user"]
    assert (u["name"], u["lang"], u["role"], u["active"]) == \
        ("Tomo Tehničar", "en", "technician", True)
    # the old session is over; the new password works, the old one not
    assert t.get("/clients", status=303).location == "/login?next=%2Fclients"
    r = Browser(server)
    f = r.get("/login").page.values("login")
    f.update(email=TECH_EMAIL, password=TECH_PASSWORD)
    assert r.post("/login", f).status == 401
    t = login(server, TECH_EMAIL, "nova-lozinka-2")
    # a short new password is refused and changes nothing
    before = rows(server.evid.db, "SELECT * FROM users ORDER BY id")
    a = b.submit(b.get("/users/%d" % tid).page, "user", status=400, password="kratko")
    assert "Lozinka: od 8 do 1024 znaka" in a.page.errors[0]
    assert rows(server.evid.db, "SELECT * FROM users ORDER BY id") == before
    # promoted, then deactivated: the session ends and logging in is refused
    a = b.submit(b.get("/users/%d" % tid).page, "user", role="admin")
    assert api(server, "GET", "/api/v1/users/%d" % tid)["user"]["role"] == "admin"
    assert t.get("/users").status == 200
    a = b.submit(b.get("/users/%d" % tid).page, "user", active=None)
    assert api(server, "GET", "/api/v1/users/%d" % tid)["user"]["active"] is False
    assert t.get("/clients", status=303).location.startswith("/login")
    f = r.get("/login").page.values("login")
    f.update(email=TECH_EMAIL, password="nova-lozinka-2")
    a = r.post("/login", f)
    assert a.status == 401 and "isključen" in a.page.errors[0]
    assert "neaktivan" in b.get("/users").text


# ---- mail: quarantine and outbox ----

def mail_desk(evid, tmp_path, max_mb_now, max_mb_server):
    """Messages quarantined by `evid mail-in` under a small limit, and a
    server started with a larger one (./evid.conf in its folder)."""
    e = patch_runner(evid)
    small = str(tmp_path / "small.conf")
    write_config(small, max_message_mb=max_mb_now)
    assert e.mail(small, NOT_A_MESSAGE).returncode == 0
    big = big_message()
    assert e.mail(small, big).returncode == 0
    write_config(str(tmp_path / "evid.conf"), max_message_mb=max_mb_server)
    e.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    e.add_user(TECH_EMAIL, "Tomo", "technician", TECH_PASSWORD)
    srv = start_server(e, tmp_path)
    srv.admin_token = e.token(ADMIN_EMAIL)
    return srv, big


def test_quarantine_page_download_and_reprocess(evid, tmp_path):
    srv, big = mail_desk(evid, tmp_path, 1, 5)
    try:
        b = login(srv)
        a = b.get("/admin/quarantine")
        check_frame(a.page, "Karantena")
        held = re.findall(r'<tr id="q-(\d+)"', a.text)
        assert held == ["2", "1"]
        assert "message is larger than 1 MB" in a.text
        assert "cannot read the message: no header block" in a.text
        assert 'href="/admin/quarantine?raw=1"' in a.text
        assert a.page.forms["_anonymous"][-1]["action"] == "/admin/quarantine/1/reprocess"

        r = b.get("/admin/quarantine?raw=1")
        assert r.raw == NOT_A_MESSAGE.encode()
        assert r.headers["Content-Type"] == "message/rfc822"
        assert r.headers["Content-Disposition"].startswith(
            'attachment; filename="quarantine-1.eml"')
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r.headers["Content-Security-Policy"]
        r = b.get("/admin/quarantine?raw=2")
        assert r.raw == big.encode()
        b.get("/admin/quarantine?raw=9", status=404)
        b.get("/admin/quarantine?raw=x", status=400)

        # still unreadable: held, said so
        forms = {f["action"]: f for f in a.page.forms["_anonymous"]}
        f = dict(forms["/admin/quarantine/1/reprocess"]["fields"])
        r = b.post("/admin/quarantine/1/reprocess", f)
        assert r.status == 303 and r.location.startswith("/admin/quarantine?")
        p = b.follow(r)
        assert p.page.notices == ["Ponovno obrađeno."]
        assert "Poruka 1 je i dalje zadržana: cannot read the message: no header block" in \
            re.sub(r"<[^>]+>", "", p.text)
        # the limit is larger on the server: imported into a new ticket
        r = b.post("/admin/quarantine/2/reprocess", f)
        assert r.status == 303
        p = b.follow(r)
        tickets = api(srv, "GET", "/api/v1/tickets")["tickets"]
        assert len(tickets) == 1 and tickets[0]["subject"] == "Disk ne radi"
        text = re.sub(r"<[^>]+>", "", p.text)
        assert "Poruka 2 je uvezena. Otvoren je novi zahtjev. Zahtjev: %s" % \
            tickets[0]["number"] in text
        assert 'href="/tickets/%d"' % tickets[0]["id"] in p.text
        # held only by default; every one with all=1
        assert re.findall(r'<tr id="q-(\d+)"', b.get("/admin/quarantine").text) == ["1"]
        assert re.findall(r'<tr id="q-(\d+)"',
                          b.get("/admin/quarantine?all=1").text) == ["2", "1"]
        # again: a duplicate, no new ticket
        p = b.follow(b.post("/admin/quarantine/2/reprocess", f))
        assert "Već je bila uvezena" in p.text
        assert len(api(srv, "GET", "/api/v1/tickets")["tickets"]) == 1
        r = b.post("/admin/quarantine/9/reprocess", f)
        assert r.status == 404
    finally:
        assert stop_server(srv) == 0


def test_outbox_lists_queued_mail_with_filter_and_paging(evid, tmp_path):
    e = patch_runner(evid)
    conf = str(tmp_path / "evid.conf")
    write_config(conf)  # [mail] address, and no [smtp] url: nothing is sent
    e.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    e.add_user(TECH_EMAIL, "Tomo", "technician", TECH_PASSWORD)
    for i in range(20):
        msg = HELLO.replace("Ana.Kovac", "user%d" % i).replace(
            "Disk ne radi", "Disk <b>%d</b> ne radi" % i) % i
        r = json.loads(e.mail(conf, msg, "--json").stdout)["intake"]
        assert r["result"] == "new" and r["queued"] == 3, r
    srv = start_server(e, tmp_path)
    srv.admin_token = e.token(ADMIN_EMAIL)
    try:
        b = login(srv)
        a = b.get("/admin/outbox")
        check_frame(a.page, "Odlazna pošta")
        ids = re.findall(r'<tr data-outbox="(\d+)" data-state="queued">', a.text)
        assert len(ids) == 50 and ids == sorted(ids, key=int, reverse=True)
        assert 'rel="next" href="/admin/outbox?page=2"' in a.text
        assert no_script(a.text)
        last = api(srv, "GET", "/api/v1/tickets?per_page=50")["tickets"]
        newest = max(last, key=lambda t: t["id"])
        row = re.search(r'<tr data-outbox="%s".*?</tr>' % ids[0], a.text, re.S).group(0)
        assert 'href="/tickets/%d">%s</a>' % (newest["id"], newest["number"]) in row
        assert "čeka slanje" in row and "Disk &lt;b&gt;19&lt;/b&gt; ne radi" in row
        acks = [m.group(0) for m in re.finditer(r'<tr data-outbox=.*?</tr>', a.text, re.S)
                if "potvrda primitka" in m.group(0)]
        assert any("user19@gmail.com" in r for r in acks)
        a = b.get("/admin/outbox?page=2")
        assert len(re.findall(r'<tr data-outbox=', a.text)) == 10
        assert 'rel="prev" href="/admin/outbox?page=1"' in a.text and 'rel="next"' not in a.text
        a = b.get("/admin/outbox?state=queued&page=2")
        assert len(re.findall(r'<tr data-outbox=', a.text)) == 10
        assert 'rel="prev" href="/admin/outbox?state=queued&amp;page=1"' in a.text
        assert a.page.values("outbox-filter")["state"] == "queued"
        for state in ("sent", "failed"):
            a = b.get("/admin/outbox?state=" + state)
            assert "<tr data-outbox=" not in a.text and "Ovdje nema poruka." in a.text
        b.get("/admin/outbox?state=lost", status=400)
        b.get("/admin/outbox?page=0", status=400)
        b.get("/admin/outbox?page=201", status=400)
    finally:
        assert stop_server(srv) == 0
