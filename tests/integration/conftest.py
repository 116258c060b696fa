"""Shared fixtures for the integration tests: they run the real `evid`
binary (EVID_BIN, else build/evid) against a fresh database in a temporary
folder, and `server` starts `evid serve` on a free loopback port."""
import json
import os
import signal
import socket
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVID = os.path.abspath(os.environ.get("EVID_BIN") or os.path.join(ROOT, "build", "evid"))
ADMIN_EMAIL = "admin@example.hr"
ADMIN_PASSWORD = "admin-password-1"


class Evid:
    """Runs CLI commands against one database."""

    def __init__(self, db):
        self.db = db

    def run(self, *args, input=None, check=True, env=None):
        e = dict(os.environ)
        e.pop("EVID_DB", None)
        e.pop("EVID_CONFIG", None)
        if env:
            e.update(env)
        p = subprocess.run([EVID, "--db", self.db, *args], input=input,
                           capture_output=True, text=True, env=e, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("evid %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def json(self, *args):
        return json.loads(self.run(*args, "--json").stdout)

    def add_user(self, email, name, role, password):
        self.run("user", "add", "--email", email, "--name", name, "--role", role,
                 "--password-stdin", input=password + "\n")

    def token(self, email):
        return self.run("token", "create", email).stdout.strip()


@pytest.fixture
def evid(tmp_path):
    """A fresh, initialised database and a runner for CLI commands."""
    e = Evid(str(tmp_path / "evid.db"))
    e.run("init")
    return e


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to look at, not to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


NO_REDIRECT = urllib.request.build_opener(_NoRedirect)


class Server:
    def __init__(self, evid, port, proc, log):
        self.evid = evid
        self.port = port
        self.proc = proc
        self.log = log
        self.url = "http://127.0.0.1:%d" % port

    def request(self, method, path, body=None, token=None, cookie=None, raw=None,
                headers=None):
        """One HTTP request; body is sent as JSON, raw as bytes."""
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if raw is not None:
            data = raw
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with NO_REDIRECT.open(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read().decode("utf-8", "replace"))

    def login(self, email, password):
        r = self.request("POST", "/api/v1/login", {"email": email, "password": password})
        assert r.status == 200, r
        cookie = r.headers.get("Set-Cookie")
        return cookie.split(";", 1)[0]

    def stderr(self):
        with open(self.log) as f:
            return f.read()

    def page_login(self, email, password):
        """Sign in through the login page as a browser does; returns a
        PageSession holding the session cookie and the forms' csrf token."""
        r = self.request("GET", "/login")
        assert r.status == 200, r
        pre = r.headers.get("Set-Cookie").split(";", 1)[0]
        r = self.form("POST", "/login", {"email": email, "password": password,
                                         "csrf": csrf_of(r.body)}, cookie=pre)
        assert r.status == 303, r
        cookie = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("evid_session=")]
        s = PageSession(self, cookie[0].split(";", 1)[0])
        page = s.get("/settings")
        assert page.status == 200, page
        s.csrf = csrf_of(page.body)
        return s

    def form(self, method, path, fields, cookie=None):
        """POST an urlencoded form (fields: dict or list of pairs)."""
        data = urllib.parse.urlencode(fields).encode()
        return self.request(method, path, raw=data, cookie=cookie, headers={
            "Content-Type": "application/x-www-form-urlencoded"})


def csrf_of(html):
    """The csrf hidden field's value in a page."""
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m, "no csrf field in the page"
    return m.group(1)


class PageSession:
    """A signed-in browser, without the browser: cookie plus csrf token."""

    def __init__(self, srv, cookie):
        self.srv = srv
        self.cookie = cookie
        self.csrf = None

    def get(self, path):
        return self.srv.request("GET", path, cookie=self.cookie)

    def post(self, path, fields, csrf=True):
        f = dict(fields)
        if csrf:
            f["csrf"] = self.csrf
        return self.srv.form("POST", path, f, cookie=self.cookie)


def start_server(evid, tmp_path, extra=()):
    port = free_port()
    log = str(tmp_path / "serve.log")
    e = dict(os.environ)
    e.pop("EVID_CONFIG", None)
    with open(log, "w") as lf:
        proc = subprocess.Popen([EVID, "--db", evid.db, "serve", "--listen",
                                 "127.0.0.1:%d" % port, *extra],
                                stdout=lf, stderr=subprocess.STDOUT, env=e, cwd=str(tmp_path))
    srv = Server(evid, port, proc, log)
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("evid serve exited: " + srv.stderr())
        try:
            if srv.request("GET", "/healthz").status == 200:
                return srv
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("evid serve did not start: " + srv.stderr())


def stop_server(srv):
    if srv.proc.poll() is None:
        srv.proc.send_signal(signal.SIGTERM)
        try:
            srv.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait()
            raise AssertionError("evid serve did not stop on SIGTERM")
    return srv.proc.returncode


@pytest.fixture
def server(evid, tmp_path):
    """`evid serve` on a free port with an admin user (ADMIN_EMAIL) and its
    token in server.admin_token."""
    evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
    srv = start_server(evid, tmp_path)
    srv.admin_token = evid.token(ADMIN_EMAIL)
    yield srv
    rc = stop_server(srv)
    assert rc == 0, "evid serve exited %s: %s" % (rc, srv.stderr())


# Real mail servers from Debian (Postfix, Dovecot, an SMTP sink): mailservers.py
from mailservers import (dovecot, make_dovecot, make_postfix,  # noqa: E402,F401
                         make_smtp_sink, smtp_sink)
