"""The staff pages' frame: signing in and out through the login page, the
CSRF token of every form, the login rate limits, the security headers, the
built-in assets and the user's settings (language, password)."""
import re

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def test_pages_need_a_session(server):
    r = server.request("GET", "/tickets")
    assert r.status == 303
    assert r.headers["Location"] == "/login?next=%2Ftickets"
    r = server.request("GET", "/")
    assert r.status == 303 and r.headers["Location"] == "/login"
    # A POST without a session changes nothing and says why.
    r = server.form("POST", "/settings", {"lang": "en"})
    assert r.status == 403


def test_login_page_and_headers(server):
    r = server.request("GET", "/login")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Security-Policy"] == PAGE_CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert 'id="login"' in r.body
    assert "<title>Prijava - Evidencija</title>" in r.body
    pre = r.headers["Set-Cookie"]
    assert pre.startswith("evid_pre=") and "HttpOnly" in pre and "SameSite=Strict" in pre
    # No inline script or style anywhere.
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.body)
    assert "style=" not in r.body and "<style" not in r.body


def test_login_logout(server):
    s = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "HttpOnly" not in s.cookie  # the pair only
    page = s.get("/settings")
    assert page.status == 200 and "Ana Admin" in page.body and 'id="logout"' in page.body
    r = s.post("/logout", {})
    assert r.status == 303 and r.headers["Location"] == "/login"
    # The session is gone on the server: the old cookie opens nothing.
    assert s.get("/settings").status == 303
    assert server.request("GET", "/api/v1/me", cookie=s.cookie).status == 401


def test_login_goes_to_next_but_only_locally(server):
    r = server.request("GET", "/login?next=/settings")
    pre = r.headers["Set-Cookie"].split(";", 1)[0]
    assert 'name="next" value="/settings"' in r.body
    for nxt, want in (("/settings", "/settings"), ("//evil.test/x", "/tickets"),
                      ("https://evil.test/", "/tickets"), ("/login", "/tickets")):
        r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                           "next": nxt, "csrf": csrf_of(r.body)}, cookie=pre)
        assert r.status == 303, r
        assert r.headers["Location"] == want
        r = server.request("GET", "/login", cookie=pre)


def test_wrong_password_and_csrf_on_login(server):
    r = server.request("GET", "/login")
    pre = r.headers["Set-Cookie"].split(";", 1)[0]
    token = csrf_of(r.body)
    r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": "wrong-one",
                                       "csrf": token}, cookie=pre)
    assert r.status == 401
    assert '<p class="error" role="alert">Pogrešna e-pošta ili lozinka.</p>' in r.body
    assert 'value="%s"' % ADMIN_EMAIL in r.body
    assert "evid_session=" not in (r.headers.get("Set-Cookie") or "")
    # Without the pre-session cookie (a cross-site form cannot send it) or the token: refused.
    r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                       "csrf": token})
    assert r.status == 403
    r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                    cookie=pre)
    assert r.status == 403


def test_forms_need_the_session_token(server):
    s = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = s.post("/settings", {"lang": "en"}, csrf=False)
    assert r.status == 403
    assert "osvježite stranicu" in r.body
    r = s.post("/settings", {"lang": "en", "csrf": "0" * 64}, csrf=False)
    assert r.status == 403
    me = server.request("GET", "/api/v1/me", cookie=s.cookie)
    assert '"lang": "hr"' in me.body or '"lang":"hr"' in me.body
    # The token of another session does not do either.
    other = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = s.post("/settings", {"lang": "en", "csrf": other.csrf}, csrf=False)
    assert r.status == 403


def test_language_setting(server):
    s = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "<title>Postavke - Evidencija</title>" in s.get("/settings").body
    r = s.post("/settings", {"lang": "en"})
    assert r.status == 303 and r.headers["Location"] == "/settings?n=1"
    page = s.get("/settings?n=1")
    assert "<title>Settings - Evidencija</title>" in page.body
    assert '<p class="notice" role="status">Saved.</p>' in page.body
    r = s.post("/settings", {"lang": "de"})
    assert r.status == 400 and 'class="error"' in r.body


def test_password_change(server):
    s = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    other = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = s.post("/settings/password", {"current": "nope", "password": "new-password-2",
                                      "password2": "new-password-2"})
    assert r.status == 400 and "Trenutna lozinka nije ispravna." in r.body
    r = s.post("/settings/password", {"current": ADMIN_PASSWORD, "password": "short",
                                      "password2": "short"})
    assert r.status == 400
    r = s.post("/settings/password", {"current": ADMIN_PASSWORD, "password": "new-password-2",
                                      "password2": "new-password-3"})
    assert r.status == 400
    r = s.post("/settings/password", {"current": ADMIN_PASSWORD, "password": "new-password-2",
                                      "password2": "new-password-2"})
    assert r.status == 303
    # This session stays; the other one ended; the new password works.
    assert s.get("/settings").status == 200
    assert other.get("/settings").status == 303
    server.page_login(ADMIN_EMAIL, "new-password-2")


def test_login_rate_limited_per_account(server):
    r = server.request("GET", "/login")
    pre = r.headers["Set-Cookie"].split(";", 1)[0]
    token = csrf_of(r.body)
    for _ in range(10):
        r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": "bad-guess",
                                           "csrf": token}, cookie=pre)
        assert r.status == 401
    # Now even the right password is refused for a while, with a clear message.
    r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                       "csrf": token}, cookie=pre)
    assert r.status == 429
    assert "Previše neuspjelih pokušaja" in r.body
    assert int(r.headers["Retry-After"]) > 0
    r = server.request("POST", "/api/v1/login", {"email": ADMIN_EMAIL,
                                                  "password": ADMIN_PASSWORD})
    assert r.status == 429 and "too many failed attempts" in r.body


def test_login_rate_limited_per_address(server):
    r = server.request("GET", "/login")
    pre = r.headers["Set-Cookie"].split(";", 1)[0]
    token = csrf_of(r.body)
    for i in range(30):
        r = server.form("POST", "/login", {"email": "nobody%d@example.hr" % i,
                                           "password": "x", "csrf": token}, cookie=pre)
        assert r.status == 401
    r = server.form("POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD,
                                       "csrf": token}, cookie=pre)
    assert r.status == 429


def test_assets(server):
    s = server.page_login(ADMIN_EMAIL, ADMIN_PASSWORD)
    page = s.get("/settings").body
    for name, ctype in (("app.css", "text/css"), ("app.js", "text/javascript")):
        m = re.search(r'/static/%s\?v=([0-9a-f]{12})' % re.escape(name), page)
        assert m, name
        r = server.request("GET", "/static/%s?v=%s" % (name, m.group(1)))
        assert r.status == 200 and r.headers["Content-Type"].startswith(ctype)
        assert "immutable" in r.headers["Cache-Control"]
        assert len(r.body) > 500
        r = server.request("GET", "/static/%s" % name)
        assert r.headers["Cache-Control"] == "public, max-age=86400"
    assert server.request("GET", "/static/nope.js").status in (404, 405)
