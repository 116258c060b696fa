"""The evid binary as a whole: the command table and its help, usage errors,
how the database is chosen (--db, EVID_DB, the configuration, the default),
`evid init` and the schema checks, `evid serve` refusing an empty database."""
import json
import os
import sqlite3
import subprocess
import time

from conftest import EVID, start_server, stop_server

COMMANDS = ["init", "serve", "user", "token", "client", "contact", "ticket", "timer",
            "config"]


def run(*args, cwd=None, env=None, input=None):
    """evid without the fixture's --db, with EVID_DB / EVID_CONFIG only as given."""
    e = dict(os.environ)
    e.pop("EVID_DB", None)
    e.pop("EVID_CONFIG", None)
    if env:
        e.update(env)
    return subprocess.run([os.path.abspath(EVID), *args], cwd=cwd, env=e, input=input, capture_output=True,
                          text=True, timeout=60)


def schema_rows(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    finally:
        con.close()


def test_help_lists_every_command():
    p = run("--help")
    assert p.returncode == 0
    assert p.stdout.startswith("usage: evid")
    for cmd in COMMANDS:
        assert "\n  %s " % cmd in p.stdout, cmd


def test_each_command_has_help(tmp_path):
    for cmd in COMMANDS:
        p = run(cmd, "--help", cwd=str(tmp_path))
        assert p.returncode == 0, (cmd, p.stderr)
        assert p.stdout.startswith("usage: evid %s" % cmd), (cmd, p.stdout)
    # Help for a subcommand needs no database and creates none.
    p = run("--db", str(tmp_path / "none.db"), "user", "add", "--help")
    assert p.returncode == 0
    assert "--password-stdin" in p.stdout
    assert not (tmp_path / "none.db").exists()


def test_version():
    p = run("--version")
    assert p.returncode == 0
    assert p.stdout.startswith("evid ")


def test_unknown_command_is_a_usage_error(tmp_path):
    p = run("frobnicate", cwd=str(tmp_path))
    assert p.returncode == 2
    assert "unknown command 'frobnicate'" in p.stderr
    assert "usage: evid" in p.stderr
    assert p.stdout == ""


def test_no_command_and_bad_global_option(tmp_path):
    p = run(cwd=str(tmp_path))
    assert p.returncode == 2
    assert "no command" in p.stderr
    p = run("--frob", "init", cwd=str(tmp_path))
    assert p.returncode == 2
    assert "unknown option '--frob'" in p.stderr
    p = run("--db", cwd=str(tmp_path))
    assert p.returncode == 2
    assert "needs a value" in p.stderr
    assert not (tmp_path / "var").exists()


def test_bad_command_options_are_usage_errors(evid):
    p = evid.run("user", "list", "--frob", check=False)
    assert p.returncode == 2
    assert "unknown option '--frob'" in p.stderr
    p = evid.run("user", "add", "--email", check=False)
    assert p.returncode == 2
    assert "--email needs a value" in p.stderr
    p = evid.run("client", "list", "--json", "--json", check=False)
    assert p.returncode == 2
    assert "given twice" in p.stderr
    p = evid.run("ticket", "frob", check=False)
    assert p.returncode == 2
    assert "unknown subcommand 'frob'" in p.stderr
    p = evid.run("ticket", "show", "1", "2", check=False)
    assert p.returncode == 2
    assert "unexpected argument '2'" in p.stderr


def test_init_is_idempotent(tmp_path):
    db = str(tmp_path / "a" / "b" / "evid.db")
    p = run("--db", db, "init")
    assert p.returncode == 0, p.stderr
    assert "created database" in p.stdout
    rows = schema_rows(db)
    assert len(rows) >= 1
    assert rows[0][0] == 1
    p = run("--db", db, "init")
    assert p.returncode == 0, p.stderr
    assert "up to date" in p.stdout
    assert schema_rows(db) == rows


def test_db_flag_beats_env_beats_config_beats_default(tmp_path):
    cwd = str(tmp_path)
    # Default: var/evid.db under the working folder, folder created.
    p = run("init", cwd=cwd)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "var" / "evid.db").exists()
    # The configuration's [database] path beats the default.
    (tmp_path / "evid.conf").write_text("[database]\npath = conf.db\n")
    assert run("init", cwd=cwd).returncode == 0
    assert (tmp_path / "conf.db").exists()
    # EVID_DB beats the configuration.
    assert run("init", cwd=cwd, env={"EVID_DB": "env.db"}).returncode == 0
    assert (tmp_path / "env.db").exists()
    # --db beats EVID_DB.
    p = run("--db", "flag.db", "init", cwd=cwd, env={"EVID_DB": "env2.db"})
    assert p.returncode == 0
    assert (tmp_path / "flag.db").exists()
    assert not (tmp_path / "env2.db").exists()
    # And commands read the database chosen the same way.
    r = run("user", "add", "--email", "a@b.hr", "--name", "A", "--role", "admin",
            "--password-stdin", cwd=cwd, env={"EVID_DB": "env.db"}, input="0123456789\n")
    assert r.returncode == 0, r.stderr
    listed = run("user", "list", "--json", cwd=cwd, env={"EVID_DB": "env.db"})
    assert [u["email"] for u in json.loads(listed.stdout)["users"]] == ["a@b.hr"]
    other = run("--db", "flag.db", "user", "list", "--json", cwd=cwd,
                env={"EVID_DB": "env.db"})
    assert json.loads(other.stdout) == {"users": [], "total": 0}


def test_missing_database_is_not_created(tmp_path):
    db = tmp_path / "missing.db"
    p = run("--db", str(db), "user", "list")
    assert p.returncode == 1
    assert "does not exist: run 'evid init'" in p.stderr
    assert not db.exists()


def test_uninitialised_database_refused(tmp_path):
    db = tmp_path / "empty.db"
    db.write_bytes(b"")  # SQLite opens an empty file as an empty database
    p = run("--db", str(db), "ticket", "list")
    assert p.returncode == 1
    assert "not initialised: run 'evid init'" in p.stderr
    p = run("--db", str(db), "serve", "--listen", "127.0.0.1:1")
    assert p.returncode == 1
    assert "not initialised: run 'evid init'" in p.stderr


def test_newer_schema_refused(evid):
    con = sqlite3.connect(evid.db)
    latest = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    con.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, 0)",
                (latest + 1, "9999_from_the_future"))
    con.commit()
    users_before = con.execute("SELECT count(*) FROM users").fetchone()[0]
    con.close()

    p = evid.run("user", "list", check=False)
    assert p.returncode == 1
    assert "newer than this evid" in p.stderr
    p = evid.run("user", "add", "--email", "x@y.hr", "--name", "X", "--role", "admin",
                 "--password-stdin", input="0123456789\n", check=False)
    assert p.returncode == 1
    assert "newer than this evid" in p.stderr
    p = evid.run("init", check=False)
    assert p.returncode == 1
    assert "newer" in p.stderr

    con = sqlite3.connect(evid.db)
    assert con.execute("SELECT count(*) FROM users").fetchone()[0] == users_before
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == latest + 1
    con.close()


def test_serve_stops_cleanly_on_sigterm(evid, tmp_path):
    srv = start_server(evid, tmp_path)
    assert srv.request("GET", "/healthz").status == 200
    assert stop_server(srv) == 0


def test_serve_refuses_a_bad_listen_address(evid):
    p = evid.run("serve", "--listen", "nowhere", check=False)
    assert p.returncode == 2
    assert "listen" in p.stderr
    p = evid.run("serve", "--threads", "0", check=False)
    assert p.returncode == 2
    assert "threads" in p.stderr


def test_locked_database_exits_75_and_changes_nothing(evid, tmp_path):
    conf = tmp_path / "busy.conf"
    conf.write_text("[database]\nbusy_timeout_ms = 300\n")
    holder = sqlite3.connect(evid.db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        p = evid.run("--config", str(conf), "user", "add", "--email", "a@b.hr", "--name", "A",
                     "--role", "admin", "--password-stdin", input="0123456789\n", check=False)
        waited = time.monotonic() - started
        assert p.returncode == 75, p.stderr
        assert "busy" in p.stderr
        assert waited < 4  # the configured 300 ms, not the default 5 s
        # Reading still works while another connection writes (WAL).
        listed = evid.run("--config", str(conf), "user", "list", "--json").stdout
        assert json.loads(listed) == {"users": [], "total": 0}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert evid.json("user", "list") == {"users": [], "total": 0}
