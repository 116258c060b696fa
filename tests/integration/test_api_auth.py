"""The JSON API's front door: login and sessions, API tokens, CSRF for
cookie requests, healthz, routing errors, response headers, the request
log, body limits and the clean stop on SIGTERM."""
import http.client
import json
import signal
import socket
import sqlite3
import time

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_server, stop_server

TECH_EMAIL = "tina@example.hr"
TECH_PASSWORD = "tina-password-1"


def add_tech(server, email=TECH_EMAIL, password=TECH_PASSWORD, name="Tina Tehničarka"):
    server.evid.add_user(email, name, "technician", password)
    users = server.request("GET", "/api/v1/users", token=server.admin_token).json["users"]
    return next(u for u in users if u["email"] == email)


def session_count(server, user_id):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM sessions WHERE user_id = ?",
                           (user_id,)).fetchone()[0]
    finally:
        con.close()


def ticket_count(server):
    con = sqlite3.connect(server.evid.db)
    try:
        return con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        con.close()


def test_healthz_needs_no_login_and_sets_api_headers(server):
    r = server.request("GET", "/healthz")
    assert r.status == 200
    assert r.json == {"status": "ok"}
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_login_sets_session_cookie_that_works(server):
    r = server.request("POST", "/api/v1/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status == 200, r
    assert r.json["user"]["email"] == ADMIN_EMAIL
    assert r.json["user"]["role"] == "admin"
    assert "password" not in json.dumps(r.json)
    cookie = r.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    name, secret = parts[0].split("=", 1)
    assert name == "evid_session"
    assert secret.startswith("s_") and len(secret) > 40
    assert "HttpOnly" in parts
    assert "SameSite=Lax" in parts
    assert "Path=/" in parts
    assert "Max-Age=43200" in parts  # session_hours defaults to 12
    assert "Secure" not in parts     # base_url is plain http by default

    me = server.request("GET", "/api/v1/me", cookie=parts[0])
    assert me.status == 200
    assert me.json["user"]["email"] == ADMIN_EMAIL


def test_login_email_is_case_insensitive(server):
    r = server.request("POST", "/api/v1/login",
                       {"email": ADMIN_EMAIL.upper(), "password": ADMIN_PASSWORD})
    assert r.status == 200
    assert r.json["user"]["email"] == ADMIN_EMAIL


def test_wrong_password_and_unknown_user_look_the_same(server):
    wrong = server.request("POST", "/api/v1/login",
                           {"email": ADMIN_EMAIL, "password": "not-the-password"})
    unknown = server.request("POST", "/api/v1/login",
                             {"email": "nobody@example.hr", "password": "whatever-pass"})
    for r in (wrong, unknown):
        assert r.status == 401
        assert r.json["error"]["code"] == "unauthorized"
        assert r.headers.get("Set-Cookie") is None
    assert wrong.json["error"]["message"] == unknown.json["error"]["message"]


def test_login_refuses_bad_bodies(server):
    r = server.request("POST", "/api/v1/login", {"email": ADMIN_EMAIL})
    assert r.status == 400 and "password" in r.json["error"]["message"]
    r = server.request("POST", "/api/v1/login", {"email": ADMIN_EMAIL, "password": 12345678})
    assert r.status == 400 and "password" in r.json["error"]["message"]
    r = server.request("POST", "/api/v1/login", raw=b"{", headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json["error"]["code"] == "bad_request"


def test_inactive_user_cannot_log_in_nor_use_a_token(server):
    tech = add_tech(server)
    token = server.evid.token(TECH_EMAIL)
    assert server.request("GET", "/api/v1/me", token=token).status == 200
    r = server.request("PATCH", "/api/v1/users/%d" % tech["id"], {"active": False},
                       token=server.admin_token)
    assert r.status == 200 and r.json["user"]["active"] is False
    r = server.request("POST", "/api/v1/login", {"email": TECH_EMAIL, "password": TECH_PASSWORD})
    assert r.status == 401
    assert r.headers.get("Set-Cookie") is None
    assert server.request("GET", "/api/v1/me", token=token).status == 401


def test_deactivating_a_user_ends_their_session(server):
    tech = add_tech(server)
    cookie = server.login(TECH_EMAIL, TECH_PASSWORD)
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 200
    server.request("PATCH", "/api/v1/users/%d" % tech["id"], {"active": False},
                   token=server.admin_token)
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 401


def test_deactivated_sessions_stay_ended_after_reactivation(server):
    tech = add_tech(server)
    path = "/api/v1/users/%d" % tech["id"]
    cookie = server.login(TECH_EMAIL, TECH_PASSWORD)
    r = server.request("PATCH", path, {"active": False}, token=server.admin_token)
    assert r.status == 200
    assert session_count(server, tech["id"]) == 0
    r = server.request("PATCH", path, {"active": True}, token=server.admin_token)
    assert r.status == 200 and r.json["user"]["active"] is True
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 401
    # The same through the command line.
    cookie = server.login(TECH_EMAIL, TECH_PASSWORD)
    server.evid.run("user", "disable", TECH_EMAIL)
    assert session_count(server, tech["id"]) == 0
    server.evid.run("user", "enable", TECH_EMAIL)
    assert server.request("GET", "/api/v1/me", cookie=cookie).status == 401
    assert server.request("GET", "/api/v1/me",
                          cookie=server.login(TECH_EMAIL, TECH_PASSWORD)).status == 200


def test_logout_invalidates_the_session(server):
    cookie = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = server.request("POST", "/api/v1/logout", cookie=cookie,
                       headers={"X-Requested-With": "evid"})
    assert r.status == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    r = server.request("GET", "/api/v1/me", cookie=cookie)
    assert r.status == 401
    assert r.json["error"]["code"] == "unauthorized"
    # Another session of the same user is not affected.
    other = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert server.request("GET", "/api/v1/me", cookie=other).status == 200


def test_missing_or_invalid_credentials_are_401(server):
    for kw in ({}, {"token": "evid_not-a-real-token"},
               {"headers": {"Authorization": "Basic YWRtaW46YWRtaW4="}},
               {"cookie": "evid_session=s_forged"}):
        r = server.request("GET", "/api/v1/tickets", **kw)
        assert r.status == 401, kw
        assert r.json["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = server.request("POST", "/api/v1/tickets", {"subject": "x"})
    assert r.status == 401
    assert ticket_count(server) == 0


def test_token_works_for_every_method(server):
    r = server.request("GET", "/api/v1/me", token=server.admin_token)
    assert r.status == 200 and r.json["user"]["email"] == ADMIN_EMAIL
    # Bearer requests need no CSRF header.
    r = server.request("POST", "/api/v1/tickets", {"subject": "by token"}, token=server.admin_token)
    assert r.status == 201


def test_cookie_post_without_csrf_header_is_refused(server):
    cookie = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = server.request("POST", "/api/v1/tickets", {"subject": "csrf"}, cookie=cookie)
    assert r.status == 403
    assert r.json["error"]["code"] == "forbidden"
    assert "X-Requested-With" in r.json["error"]["message"]
    r = server.request("POST", "/api/v1/tickets", {"subject": "csrf"}, cookie=cookie,
                       headers={"Origin": "https://evil.example"})
    assert r.status == 403
    assert ticket_count(server) == 0
    # Reading needs no header; writing with the header or a same-origin Origin works.
    assert server.request("GET", "/api/v1/tickets", cookie=cookie).status == 200
    r = server.request("POST", "/api/v1/tickets", {"subject": "xrw"}, cookie=cookie,
                       headers={"X-Requested-With": "evid"})
    assert r.status == 201
    r = server.request("POST", "/api/v1/tickets", {"subject": "origin"}, cookie=cookie,
                       headers={"Origin": server.url})
    assert r.status == 201
    assert ticket_count(server) == 2


def test_admin_only_routes_refuse_technicians(server):
    add_tech(server)
    token = server.evid.token(TECH_EMAIL)
    r = server.request("POST", "/api/v1/users",
                       {"email": "x@example.hr", "name": "X", "role": "admin"}, token=token)
    assert r.status == 403
    assert r.json["error"]["code"] == "forbidden"


def test_unknown_path_is_404_and_wrong_method_is_405(server):
    t = server.admin_token
    r = server.request("GET", "/api/v1/nothing-here", token=t)
    assert r.status == 404 and r.json["error"]["code"] == "not_found"
    r = server.request("GET", "/api/v1/tickets/abc", token=t)
    assert r.status == 404
    r = server.request("DELETE", "/api/v1/tickets", token=t)
    assert r.status == 405
    assert r.json["error"]["code"] == "method_not_allowed"
    assert r.headers["Allow"] == "GET, POST"
    r = server.request("PUT", "/api/v1/tickets/1", token=t)
    assert r.status == 405
    assert r.headers["Allow"] == "GET, PATCH"


def test_me_patch_changes_own_password_with_the_current_one(server):
    add_tech(server)
    token = server.evid.token(TECH_EMAIL)
    r = server.request("PATCH", "/api/v1/me", {"password": "new-password-2"}, token=token)
    assert r.status == 400 and "current_password" in r.json["error"]["message"]
    r = server.request("PATCH", "/api/v1/me",
                       {"password": "new-password-2", "current_password": "wrong-one"},
                       token=token)
    assert r.status == 400 and "current_password" in r.json["error"]["message"]
    r = server.request("PATCH", "/api/v1/me", {"role": "admin"}, token=token)
    assert r.status == 400 and "role" in r.json["error"]["message"]
    r = server.request("PATCH", "/api/v1/me",
                       {"password": "new-password-2", "current_password": TECH_PASSWORD,
                        "name": "Tina T."}, token=token)
    assert r.status == 200
    assert r.json["user"]["name"] == "Tina T."
    assert r.json["user"]["role"] == "technician"
    r = server.request("POST", "/api/v1/login", {"email": TECH_EMAIL, "password": TECH_PASSWORD})
    assert r.status == 401
    server.login(TECH_EMAIL, "new-password-2")


def test_me_password_change_ends_the_other_sessions_only(server):
    tech = add_tech(server)
    here = server.login(TECH_EMAIL, TECH_PASSWORD)
    other = server.login(TECH_EMAIL, TECH_PASSWORD)
    admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    r = server.request("PATCH", "/api/v1/me",
                       {"password": "new-password-2", "current_password": TECH_PASSWORD},
                       cookie=here, headers={"X-Requested-With": "evid"})
    assert r.status == 200, r
    assert server.request("GET", "/api/v1/me", cookie=here).status == 200
    assert server.request("GET", "/api/v1/me", cookie=other).status == 401
    assert session_count(server, tech["id"]) == 1
    # Another user's session is not touched.
    assert server.request("GET", "/api/v1/me", cookie=admin).status == 200

    # Changed with a token there is no session in use: every one ends.
    token = server.evid.token(TECH_EMAIL)
    r = server.request("PATCH", "/api/v1/me",
                       {"password": "new-password-3", "current_password": "new-password-2"},
                       token=token)
    assert r.status == 200, r
    assert server.request("GET", "/api/v1/me", cookie=here).status == 401
    assert session_count(server, tech["id"]) == 0
    assert server.request("GET", "/api/v1/me", token=token).status == 200

    # A change of name alone ends nothing.
    here = server.login(TECH_EMAIL, "new-password-3")
    other = server.login(TECH_EMAIL, "new-password-3")
    r = server.request("PATCH", "/api/v1/me", {"name": "Tina T."}, cookie=here,
                       headers={"X-Requested-With": "evid"})
    assert r.status == 200 and r.json["user"]["name"] == "Tina T."
    assert server.request("GET", "/api/v1/me", cookie=other).status == 200


def test_cli_set_password_ends_every_session(server):
    tech = add_tech(server)
    cookies = [server.login(TECH_EMAIL, TECH_PASSWORD) for _ in range(2)]
    admin = server.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    p = server.evid.run("user", "set-password", TECH_EMAIL, "--password-stdin",
                        input="cli-password-9\n")
    assert p.stdout.startswith("set a new password for " + TECH_EMAIL)
    for c in cookies:
        assert server.request("GET", "/api/v1/me", cookie=c).status == 401
    assert session_count(server, tech["id"]) == 0
    assert server.request("GET", "/api/v1/me", cookie=admin).status == 200
    server.login(TECH_EMAIL, "cli-password-9")


def test_server_applies_the_configured_busy_timeout(evid, tmp_path):
    # start_server runs in tmp_path, where ./evid.conf is read.
    (tmp_path / "evid.conf").write_text("[database]\nbusy_timeout_ms = 300\n")
    evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    srv = start_server(evid, tmp_path)
    try:
        token = evid.token(ADMIN_EMAIL)
        # Used once now, so the lookup below need not record the use (a write).
        assert srv.request("GET", "/api/v1/me", token=token).status == 200
        holder = sqlite3.connect(evid.db, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            started = time.monotonic()
            r = srv.request("POST", "/api/v1/clients", {"name": "Busy d.o.o."}, token=token)
            waited = time.monotonic() - started
            assert r.status == 503, r
            assert r.headers["Retry-After"]
            assert 0.25 <= waited < 3, waited  # the configured 300 ms, not the default 5 s
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        r = srv.request("POST", "/api/v1/clients", {"name": "Busy d.o.o."}, token=token)
        assert r.status == 201, r
    finally:
        assert stop_server(srv) == 0


def test_log_has_one_line_per_request_and_no_secrets(server):
    r = server.request("POST", "/api/v1/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    secret = r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    server.request("GET", "/api/v1/tickets?status=new", token=server.admin_token)
    server.request("GET", "/api/v1/me", cookie="evid_session=" + secret)
    # A line is written when its answer has been sent: allow the worker a moment.
    deadline = time.time() + 5
    while time.time() < deadline and server.stderr().count("method=") < 4:
        time.sleep(0.05)
    log = server.stderr()
    assert ADMIN_PASSWORD not in log
    assert server.admin_token not in log
    assert secret not in log
    lines = [l for l in log.splitlines() if "method=" in l]
    assert any("method=POST path=/api/v1/login status=200" in l for l in lines), log
    tickets = [l for l in lines if "path=/api/v1/tickets " in l]
    assert len(tickets) == 1, log
    assert "status=200" in tickets[0] and "user=1" in tickets[0]
    assert "?status" not in tickets[0]  # no query string
    assert "ms=" in tickets[0] and "bytes=" in tickets[0]


def raw_exchange(server, head, body_parts=(), pause=0.0):
    """Send head and body parts over one socket and return (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    try:
        s.sendall(head)
        for part in body_parts:
            if pause:
                time.sleep(pause)
            s.sendall(part)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                hdr, _, rest = data.partition(b"\r\n\r\n")
                length = [l for l in hdr.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(rest) >= int(length[0].split(b":")[1]):
                    break
        hdr, _, rest = data.partition(b"\r\n\r\n")
        status = int(hdr.split(b" ")[1])
        return status, hdr.decode(), rest
    finally:
        s.close()


def test_declared_oversized_body_is_refused_before_it_is_read(server):
    head = ("POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (server.admin_token, 2 * 1024 * 1024)).encode()
    status, _, body = raw_exchange(server, head)  # the body is never sent
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert ticket_count(server) == 0


def test_chunked_oversized_body_is_refused(server):
    big = json.dumps({"subject": "x", "description": "a" * (1024 * 1024 + 10)}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        def chunks():
            for i in range(0, len(big), 65536):
                yield big[i:i + 65536]
        conn.request("POST", "/api/v1/tickets", body=chunks(), encode_chunked=True,
                     headers={"Authorization": "Bearer " + server.admin_token,
                              "Content-Type": "application/json",
                              "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        assert r.status == 413
        assert json.loads(r.read())["error"]["code"] == "payload_too_large"
    finally:
        conn.close()
    assert ticket_count(server) == 0
    # The server is fine afterwards.
    assert server.request("GET", "/healthz").status == 200


def test_sigterm_finishes_the_request_in_flight(server):
    body = json.dumps({"subject": "in flight at shutdown"}).encode()
    head = ("POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (server.admin_token, len(body))).encode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    try:
        s.sendall(head + body[:5])
        time.sleep(0.3)  # the server has the headers: the request is in flight
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None, "stopped before the request finished"
        s.sendall(body[5:])
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 201"), data
    assert json.loads(data.partition(b"\r\n\r\n")[2])["ticket"]["subject"] == "in flight at shutdown"
    assert server.proc.wait(timeout=20) == 0
    log = server.stderr()
    assert "http stopping signal=SIGTERM" in log
    assert "http stopped" in log
    assert ticket_count(server) == 1
