"""Staff accounts through the JSON API: an admin creates and changes them,
technicians may only read; nobody demotes or deactivates themselves."""
import sqlite3

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD


def count_users(server):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM users").fetchone()[0]
    finally:
        con.close()


def create(server, body, status=201, token=None):
    r = server.request("POST", "/api/v1/users", body, token=token or server.admin_token)
    assert r.status == status, r
    return r.json


def test_admin_creates_a_technician_who_can_log_in(server):
    j = create(server, {"email": "Tech@Example.hr", "name": "Tomo", "role": "technician",
                        "password": "tomo-password-1", "lang": "en"})
    u = j["user"]
    assert u["email"] == "tech@example.hr" and u["role"] == "technician"
    assert u["active"] is True and u["lang"] == "en"
    assert "password" not in j
    r = server.request("POST", "/api/v1/login", {"email": "tech@example.hr",
                                                 "password": "tomo-password-1"})
    assert r.status == 200 and r.json["user"]["id"] == u["id"]
    g = server.request("GET", "/api/v1/users/%d" % u["id"], token=server.admin_token)
    assert g.status == 200 and g.json["user"] == u


def test_generated_password_is_shown_once_and_works(server):
    j = create(server, {"email": "gen@example.hr", "name": "Gen", "role": "admin"})
    pw = j["password"]
    assert len(pw) >= 16
    assert j["user"]["lang"] == "hr"
    server.login("gen@example.hr", pw)
    g = server.request("GET", "/api/v1/users/%d" % j["user"]["id"], token=server.admin_token)
    assert "password" not in g.json


def test_user_refusals_change_nothing(server):
    n = count_users(server)
    for body, status, word in (
            ({"email": ADMIN_EMAIL.upper(), "name": "Dup", "role": "technician"}, 409, ""),
            ({"email": "x@example.hr", "name": "X", "role": "boss"}, 400, "role"),
            ({"email": "not-an-email", "name": "X", "role": "admin"}, 400, "email"),
            ({"email": "x@example.hr", "name": "X", "role": "admin", "password": "short"}, 400,
             "password"),
            ({"email": "x@example.hr", "name": "X", "role": "admin", "lang": "de"}, 400, "lang"),
            ({"email": "x@example.hr", "role": "admin"}, 400, "name"),
            ({"email": "x@example.hr", "name": "X", "role": "admin", "pwhash": "x"}, 400,
             "'pwhash'"),
            ({"email": "x@example.hr", "name": ["X"], "role": "admin"}, 400, "name")):
        r = server.request("POST", "/api/v1/users", body, token=server.admin_token)
        assert r.status == status, (body, r)
        assert word in r.json["error"]["message"], (body, r.json)
    assert count_users(server) == n


def test_technicians_read_but_do_not_write_users(server):
    server.evid.add_user("t@example.hr", "Tea", "technician", "tea-password-1")
    tok = server.evid.token("t@example.hr")
    r = server.request("GET", "/api/v1/users", token=tok)
    assert r.status == 200
    emails = sorted(u["email"] for u in r.json["users"])
    assert emails == sorted([ADMIN_EMAIL, "t@example.hr"]) and r.json["total"] == 2
    assert server.request("GET", "/api/v1/users/1", token=tok).json["user"]["email"] == ADMIN_EMAIL
    tea = next(u for u in r.json["users"] if u["email"] == "t@example.hr")
    r = server.request("PATCH", "/api/v1/users/%d" % tea["id"], {"role": "admin"}, token=tok)
    assert r.status == 403
    r = server.request("POST", "/api/v1/users",
                       {"email": "y@example.hr", "name": "Y", "role": "admin"}, token=tok)
    assert r.status == 403
    assert server.request("GET", "/api/v1/users/%d" % tea["id"],
                          token=tok).json["user"]["role"] == "technician"
    assert server.request("GET", "/api/v1/users/999", token=tok).status == 404


def test_admin_updates_users_but_not_own_role_or_active(server):
    tok = server.admin_token
    u = create(server, {"email": "u@example.hr", "name": "U", "role": "technician",
                        "password": "u-password-123"})["user"]
    path = "/api/v1/users/%d" % u["id"]
    r = server.request("PATCH", path, {"name": "Uršula", "role": "admin", "lang": "en",
                                       "email": "ursula@example.hr"}, token=tok)
    assert r.status == 200, r
    v = r.json["user"]
    assert (v["name"], v["role"], v["lang"], v["email"]) == ("Uršula", "admin", "en",
                                                              "ursula@example.hr")
    r = server.request("PATCH", path, {"password": "brand-new-pass-1"}, token=tok)
    assert r.status == 200
    assert server.request("POST", "/api/v1/login", {"email": "ursula@example.hr",
                                                    "password": "u-password-123"}).status == 401
    server.login("ursula@example.hr", "brand-new-pass-1")

    r = server.request("PATCH", path, {"email": ADMIN_EMAIL}, token=tok)
    assert r.status == 409
    assert server.request("GET", path, token=tok).json["user"]["email"] == "ursula@example.hr"

    me = "/api/v1/users/1"
    for body in ({"role": "technician"}, {"active": False}):
        r = server.request("PATCH", me, body, token=tok)
        assert r.status == 403, body
        assert r.json["error"]["code"] == "forbidden"
    g = server.request("GET", me, token=tok).json["user"]
    assert g["role"] == "admin" and g["active"] is True
    # Changing one's own name is fine, and so is re-stating one's role.
    r = server.request("PATCH", me, {"name": "Ana A.", "role": "admin"}, token=tok)
    assert r.status == 200 and r.json["user"]["name"] == "Ana A."
    server.login(ADMIN_EMAIL, ADMIN_PASSWORD)

    # Another admin may deactivate this one.
    r = server.request("PATCH", path, {"active": False}, token=tok)
    assert r.status == 200 and r.json["user"]["active"] is False
    assert server.request("POST", "/api/v1/login", {"email": "ursula@example.hr",
                                                    "password": "brand-new-pass-1"}).status == 401

    for body, word in (({}, "nothing"), ({"role": "root"}, "role"), ({"active": 0}, "active"),
                       ({"id": 5}, "'id'")):
        r = server.request("PATCH", path, body, token=tok)
        assert r.status == 400 and word in r.json["error"]["message"], (body, r.json)
    assert server.request("PATCH", "/api/v1/users/999", {"name": "x"}, token=tok).status == 404


def session_count(server, user_id):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM sessions WHERE user_id = ?",
                           (user_id,)).fetchone()[0]
    finally:
        con.close()


def test_admin_password_change_ends_every_session_of_that_user(server):
    u = create(server, {"email": "s@example.hr", "name": "S", "role": "technician",
                        "password": "s-password-123"})["user"]
    cookies = [server.login("s@example.hr", "s-password-123") for _ in range(2)]
    admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    path = "/api/v1/users/%d" % u["id"]
    # Changing anything but the password ends nothing.
    r = server.request("PATCH", path, {"name": "Sanja"}, token=server.admin_token)
    assert r.status == 200
    assert session_count(server, u["id"]) == 2
    # The admin's own cookie session asks for it: still every one of the user's.
    r = server.request("PATCH", path, {"password": "s-password-456"}, cookie=cookies[0],
                       headers={"X-Requested-With": "evid"})
    assert r.status == 403  # a technician may not
    r = server.request("PATCH", path, {"password": "s-password-456"}, cookie=admin,
                       headers={"X-Requested-With": "evid"})
    assert r.status == 200, r
    for c in cookies:
        assert server.request("GET", "/api/v1/me", cookie=c).status == 401
    assert session_count(server, u["id"]) == 0
    assert server.request("GET", "/api/v1/me", cookie=admin).status == 200
    server.login("s@example.hr", "s-password-456")


def test_admin_update_with_password_is_all_or_nothing(server):
    u = create(server, {"email": "n@example.hr", "name": "Nina", "role": "technician",
                        "password": "n-password-123"})["user"]
    path = "/api/v1/users/%d" % u["id"]
    cookie = server.login("n@example.hr", "n-password-123")

    # A taken email: neither the name nor the password changes, no session ends.
    r = server.request("PATCH", path, {"email": ADMIN_EMAIL, "name": "Nives",
                                       "password": "n-password-456"}, token=server.admin_token)
    assert r.status == 409, r
    assert server.request("GET", path, token=server.admin_token).json["user"]["name"] == "Nina"
    server.login("n@example.hr", "n-password-123")
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 200

    # The password write itself fails: the name written before it is undone too.
    con = sqlite3.connect(server.evid.db)
    try:
        con.execute("CREATE TRIGGER test_no_pw BEFORE UPDATE OF pwhash ON users "
                    "WHEN NEW.pwhash <> OLD.pwhash "
                    "BEGIN SELECT RAISE(ABORT, 'password refused'); END")
        con.commit()
    finally:
        con.close()
    r = server.request("PATCH", path, {"name": "Nives", "password": "n-password-456"},
                       token=server.admin_token)
    assert r.status == 409 and "password refused" in r.json["error"]["message"], r
    assert server.request("GET", path, token=server.admin_token).json["user"]["name"] == "Nina"
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 200
    server.login("n@example.hr", "n-password-123")
