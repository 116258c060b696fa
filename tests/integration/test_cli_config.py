"""`evid config check` and the configuration file as every command reads it:
a good file is "ok", each kind of bad line is named with file:line, and the
file is found through --config, EVID_CONFIG or ./evid.conf."""
import os
import subprocess

from conftest import EVID

GOOD = """; Evidencija settings
[server]
listen = 127.0.0.1:9090
base_url = https://evid.servis.hr/
threads = 8
session_hours = 24

[database]
path = var/evid.db
busy_timeout_ms = 2000

[company]
name = Servis Horvat d.o.o.
oib = 69435151530
address = Ilica 1, 10000 Zagreb
timezone = Europe/Zagreb
language = en
"""


def run(*args, cwd, env=None):
    e = dict(os.environ)
    e.pop("EVID_DB", None)
    e.pop("EVID_CONFIG", None)
    if env:
        e.update(env)
    return subprocess.run([os.path.abspath(EVID), *args], cwd=cwd, env=e, capture_output=True,
                          text=True, timeout=60)


def check(tmp_path, text, name="evid.conf"):
    (tmp_path / name).write_text(text)
    return run("config", "check", name, cwd=str(tmp_path))


def test_good_file(tmp_path):
    p = check(tmp_path, GOOD, "good.conf")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "ok: good.conf\n"


def test_the_shipped_example_is_good():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p = run("config", "check", os.path.join(root, "evid.conf.example"), cwd=root)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ok: ")


def test_bad_lines_are_named(tmp_path):
    cases = [
        ("[server]\nlisten = 127.0.0.1:8080\nlisen = 1\n", 3, "unknown key 'lisen' in [server]"),
        ("[company]\n\ntimezone = Europe/Zagrebb\n", 3, "timezone: 'Europe/Zagrebb'"),
        ("[company]\ntimezone = Europe\n", 2, "timezone: 'Europe'"),
        ("[company]\ntimezone = ../../etc/passwd\n", 2, "timezone"),
        ("[servr]\nlisten = 127.0.0.1:80\n", 2, "unknown section [servr]"),
        ("listen = 127.0.0.1:80\n", 1, "outside a section"),
        ("[server]\nlisten = localhost\n", 2, "listen: 'localhost' is not ADDR:PORT"),
        ("[server]\nlisten = 127.0.0.1:70000\n", 2, "listen"),
        ("[server]\nthreads = 0\n", 2, "threads: '0'"),
        ("[server]\nthreads = many\n", 2, "threads: 'many'"),
        ("[server]\nbase_url = ftp://x.hr\n", 2, "base_url"),
        ("[database]\nbusy_timeout_ms = -1\n", 2, "busy_timeout_ms"),
        ("[database]\npath =\n", 2, "path: a value is required"),
        ("[company]\noib = 69435151531\n", 2, "oib: '69435151531' is not a valid OIB"),
        ("[company]\nlanguage = de\n", 2, "language: 'de' is not hr or en"),
        ("[server]\nthreads = 4\nthreads = 5\n", 3, "'threads' is set twice"),
        ("[server]\nthreads = 4\n  listen = 127.0.0.1:80\n", 3, "indented line"),
        ("[server]\nthreads = 4\njust words\n", 3, "not a [section] or a 'key = value' line"),
        ("[server\nthreads = 4\n", 1, "not a [section]"),
        ("[company]\nname = " + "x" * 300 + "\n", 2, "line is longer than"),
    ]
    for text, line, message in cases:
        p = check(tmp_path, text)
        assert p.returncode == 1, (text, p.stdout)
        assert p.stdout == ""
        assert p.stderr.startswith("evid: evid.conf:%d: " % line), (text, p.stderr)
        assert message in p.stderr, (text, p.stderr)


def test_missing_file(tmp_path):
    p = run("config", "check", "nope.conf", cwd=str(tmp_path))
    assert p.returncode == 1
    assert "cannot read configuration 'nope.conf'" in p.stderr
    # Without a file argument and without ./evid.conf, the defaults apply.
    p = run("config", "check", cwd=str(tmp_path))
    assert p.returncode == 0
    assert "defaults" in p.stdout


def test_the_file_is_found_and_used_by_commands(tmp_path):
    cwd = str(tmp_path)
    (tmp_path / "evid.conf").write_text("[database]\npath = from-conf.db\n")
    (tmp_path / "other.conf").write_text("[database]\npath = from-other.db\n")
    (tmp_path / "broken.conf").write_text("[database]\npth = x.db\n")

    assert run("config", "check", cwd=cwd).stdout == "ok: evid.conf\n"
    assert run("config", "check", cwd=cwd, env={"EVID_CONFIG": "other.conf"}).stdout == \
        "ok: other.conf\n"
    assert run("--config", "broken.conf", "config", "check", cwd=cwd).returncode == 1

    assert run("init", cwd=cwd).returncode == 0
    assert (tmp_path / "from-conf.db").exists()
    assert run("init", cwd=cwd, env={"EVID_CONFIG": "other.conf"}).returncode == 0
    assert (tmp_path / "from-other.db").exists()

    # A bad file stops every command with its line, before anything is touched.
    p = run("--config", "broken.conf", "init", cwd=cwd)
    assert p.returncode == 1
    assert "broken.conf:2: unknown key 'pth' in [database]" in p.stderr
    assert not (tmp_path / "x.db").exists()
    p = run("init", cwd=cwd, env={"EVID_CONFIG": "missing.conf"})
    assert p.returncode == 1
    assert "cannot read configuration 'missing.conf'" in p.stderr
