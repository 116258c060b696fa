"""`evid user` and `evid token`: generated and given passwords (stored only as
argon2id hashes, and working at login), refused input that changes nothing,
disabling users, and API tokens stored as SHA-256 that work as Bearer."""
import hashlib
import json
import os
import re
import sqlite3

from conftest import start_server, stop_server


def db_rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_user_add_generates_a_password_that_works(evid, tmp_path):
    p = evid.run("user", "add", "--email", "Ana.Admin@Firma.HR", "--name", "Ana Anić",
                 "--role", "admin")
    m = re.search(r"^password: (\S+)$", p.stdout, re.M)
    assert m, p.stdout
    password = m.group(1)
    assert len(password) == 20
    (email, pwhash, role, lang), = db_rows(evid.db, "SELECT email, pwhash, role, lang FROM users")
    assert email == "ana.admin@firma.hr"
    assert role == "admin" and lang == "hr"
    assert pwhash.startswith("$argon2id$")
    assert password not in pwhash

    srv = start_server(evid, tmp_path)
    try:
        srv.login("ana.admin@firma.hr", password)
        r = srv.request("POST", "/api/v1/login",
                        {"email": "ana.admin@firma.hr", "password": password + "x"})
        assert r.status == 401
    finally:
        assert stop_server(srv) == 0


def test_user_add_password_stdin_and_json(evid):
    p = evid.run("user", "add", "--email", "ivo@firma.hr", "--name", "Ivo Ivić", "--role",
                 "technician", "--lang", "en", "--password-stdin", "--json",
                 input="correct horse battery\n")
    out = json.loads(p.stdout)
    assert out["user"]["email"] == "ivo@firma.hr"
    assert out["user"]["role"] == "technician"
    assert out["user"]["lang"] == "en"
    assert "password" not in out  # given, not generated: never echoed
    users = evid.json("user", "list")
    assert users["total"] == 1
    assert [(u["email"], u["name"], u["active"]) for u in users["users"]] == [
        ("ivo@firma.hr", "Ivo Ivić", True)]
    assert users["users"][0] == out["user"]


def test_refused_user_input_changes_nothing(evid):
    evid.add_user("ana@firma.hr", "Ana", "admin", "password-123")
    before = db_rows(evid.db, "SELECT id, email, pwhash FROM users")

    p = evid.run("user", "add", "--email", "ANA@firma.hr", "--name", "Druga Ana", "--role",
                 "technician", "--password-stdin", input="another-password\n", check=False)
    assert p.returncode == 1
    assert "already" in p.stderr
    p = evid.run("user", "add", "--email", "not-an-email", "--name", "X", "--role", "admin",
                 check=False)
    assert p.returncode == 1
    assert "not a valid email" in p.stderr
    p = evid.run("user", "add", "--email", "x@firma.hr", "--name", "X", "--role", "boss",
                 check=False)
    assert p.returncode == 1
    assert "unknown role 'boss'" in p.stderr
    p = evid.run("user", "add", "--email", "x@firma.hr", "--name", "X", "--role", "admin",
                 "--password-stdin", input="short\n", check=False)
    assert p.returncode == 1
    assert "too short" in p.stderr
    p = evid.run("user", "add", "--email", "x@firma.hr", "--name", "X", "--role", "admin",
                 "--lang", "de", check=False)
    assert p.returncode == 1
    p = evid.run("user", "add", "--email", "x@firma.hr", "--name", "X", check=False)
    assert p.returncode == 2
    assert "--role" in p.stderr

    assert db_rows(evid.db, "SELECT id, email, pwhash FROM users") == before


def test_set_password_and_disable(evid, tmp_path):
    evid.add_user("tech@firma.hr", "Tehničar", "technician", "first-password")
    (old_hash,), = db_rows(evid.db, "SELECT pwhash FROM users")
    evid.run("user", "set-password", "tech@firma.hr", "--password-stdin",
             input="second-password\n")
    (new_hash,), = db_rows(evid.db, "SELECT pwhash FROM users")
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")

    p = evid.run("user", "set-password", "tech@firma.hr")
    generated = re.search(r"^password: (\S+)$", p.stdout, re.M).group(1)

    srv = start_server(evid, tmp_path)
    try:
        srv.login("tech@firma.hr", generated)
        r = srv.request("POST", "/api/v1/login",
                        {"email": "tech@firma.hr", "password": "second-password"})
        assert r.status == 401
        token = evid.token("tech@firma.hr")
        assert srv.request("GET", "/api/v1/tickets", token=token).status == 200

        p = evid.run("user", "disable", "tech@firma.hr")
        assert "disabled tech@firma.hr" in p.stdout
        assert evid.json("user", "list")["users"][0]["active"] is False
        assert srv.request("GET", "/api/v1/tickets", token=token).status == 401
        r = srv.request("POST", "/api/v1/login",
                        {"email": "tech@firma.hr", "password": generated})
        assert r.status == 401
    finally:
        assert stop_server(srv) == 0

    p = evid.run("token", "create", "tech@firma.hr", check=False)
    assert p.returncode == 1
    assert "disabled" in p.stderr
    p = evid.run("user", "disable", "tech@firma.hr")
    assert "already disabled" in p.stdout
    evid.run("user", "enable", "tech@firma.hr")
    assert evid.json("user", "list")["users"][0]["active"] is True
    p = evid.run("user", "disable", "nobody@firma.hr", check=False)
    assert p.returncode == 1
    assert "no user with email 'nobody@firma.hr'" in p.stderr


def test_token_create_prints_only_the_token_and_stores_its_hash(evid, tmp_path):
    evid.add_user("ana@firma.hr", "Ana", "admin", "password-123")
    p = evid.run("token", "create", "ana@firma.hr", "--name", "backup script")
    assert re.fullmatch(r"evid_[A-Za-z0-9_-]{43}\n", p.stdout), p.stdout
    token = p.stdout.strip()
    rows = db_rows(evid.db, "SELECT hash, name, user_id FROM api_tokens")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "backup script", 1)]
    for path in (evid.db, evid.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                assert token.encode() not in f.read()

    second = evid.token("ana@firma.hr")
    assert second != token

    srv = start_server(evid, tmp_path)
    try:
        assert srv.request("GET", "/api/v1/tickets", token=token).status == 200
        assert srv.request("GET", "/api/v1/tickets", token=token + "x").status == 401
    finally:
        assert stop_server(srv) == 0

    p = evid.run("token", "create", "nobody@firma.hr", check=False)
    assert p.returncode == 1
    assert p.stdout == ""
    p = evid.run("token", "create", check=False)
    assert p.returncode == 2
