"""`evid fetch` and the poller of `evid serve` against a real Dovecot
(mailservers.py): messages are imported by UID whether read or not, flagged
or moved only after they are committed, exactly once across crashes and
UIDVALIDITY changes; IMAPS, STARTTLS, passwords and XOAUTH2; the exit codes
a script acts on."""
import base64
import json
import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import EVID, start_server, stop_server
from mailservers import IMAP_PASSWORD, IMAP_TOKEN, IMAP_USER, free_port


def message(n, subject=None, msgid=None, body=None, extra=b""):
    """A small RFC 5322 message from client n."""
    subject = subject or "Pisač br. %d ne radi" % n
    msgid = msgid or "imap-test-%d@client.example" % n
    body = body or ("Dobar dan,\r\npisač %d opet ne radi.\r\n" % n).encode()
    return (("From: Klijent %d <klijent%d@client.example>\r\n"
             "To: support@support.test\r\n"
             "Subject: %s\r\n"
             "Message-ID: <%s>\r\n"
             "Date: Tue, 3 Mar 2026 10:%02d:00 +0100\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n" % (n, n, subject, msgid, n % 60)).encode()
            + extra + b"\r\n" + body)


def write_config(path, d, security="imaps", **imap):
    """An evid.conf for Dovecot d: [mail] address and [imap] (url for
    security 'imaps' or 'starttls', the fixture's login, verify_tls = no
    unless given); imap overrides or adds keys (None leaves one out)."""
    keys = {"url": d.url(security), "username": IMAP_USER, "password": IMAP_PASSWORD,
            "verify_tls": "no"}
    if security == "starttls":
        keys["starttls"] = "required"
    keys.update(imap)
    with open(path, "w") as f:
        f.write("[mail]\naddress = support@support.test\n\n[imap]\n")
        for k, v in keys.items():
            if v is not None:
                f.write("%s = %s\n" % (k, v))
    return str(path)


def fetch(evid, conf, *args, check=False):
    return evid.run("--config", conf, "fetch", *args, check=check)


def fetch_json(evid, conf):
    p = fetch(evid, conf, "--json")
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout)["fetch"], p.stderr


def db_rows(evid, sql, *params):
    db = sqlite3.connect(evid.db)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def subjects(evid):
    return sorted(r[0] for r in db_rows(evid, "SELECT subject FROM tickets"))


def incoming_ids(evid):
    return sorted(r[0] for r in db_rows(
        evid, "SELECT message_id FROM mail_messages WHERE direction = 'in'"))


def test_fetch_imports_read_and_unread_flags_them_and_second_fetch_adds_nothing(
        evid, dovecot, tmp_path):
    dovecot.append(message(1))
    dovecot.append(message(2), flags=("\\Seen",))      # someone read it in a mail client
    dovecot.append(message(3, subject="Račun za veljaču"), flags=("\\Flagged",))
    conf = write_config(tmp_path / "evid.conf", dovecot)

    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert (s["ok"], s["found"], s["imported"], s["new_tickets"], s["flagged"]) == \
        (True, 3, 3, 3, 3)
    assert s["last_uid"] == 3 and s["uidvalidity"] == dovecot.uidvalidity()
    assert s["mailbox"] == "%s@127.0.0.1:%d/INBOX" % (IMAP_USER, dovecot.imaps_port)
    assert subjects(evid) == ["Pisač br. 1 ne radi", "Pisač br. 2 ne radi",
                              "Račun za veljaču"]
    assert incoming_ids(evid) == ["imap-test-%d@client.example" % i for i in (1, 2, 3)]
    assert [(m.uid, m.flags) for m in dovecot.messages()] == \
        [(1, ("\\Seen",)), (2, ("\\Seen",)), (3, ("\\Flagged", "\\Seen"))]
    assert db_rows(evid, "SELECT uidvalidity, last_uid FROM imap_state") == \
        [(dovecot.uidvalidity(), 3)]

    # nothing new: nothing imported, nothing changed
    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert (s["found"], s["imported"], s["flagged"], s["last_uid"]) == (0, 0, 0, 3)
    assert len(subjects(evid)) == 3

    # a new message, and one unflagged again by someone: only the new one comes
    dovecot.set_flags(1, ("\\Seen",), how="-FLAGS")
    dovecot.append(message(4))
    p = fetch(evid, conf, "--verbose")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("fetched 1 new message from %s@127.0.0.1:%d/INBOX: "
                               "1 new ticket; 1 flagged seen; last uid 4 in "
                               % (IMAP_USER, dovecot.imaps_port)), p.stdout
    assert len(subjects(evid)) == 4
    assert [(m.uid, m.flags) for m in dovecot.messages()][0] == (1, ())
    assert dovecot.problems() == []


def test_after_import_move_and_none(evid, dovecot, tmp_path):
    # a folder name beyond ASCII: evid writes it in modified UTF-7 (RFC 3501 5.1.3),
    # the fixture's imaplib needs it so already
    dovecot.create_mailbox("Obra&ARE-eno")
    for i in range(1, 4):
        dovecot.append(message(i), flags=("\\Seen",) if i == 2 else ())
    conf = write_config(tmp_path / "evid.conf", dovecot, after_import="move",
                        move_to="Obrađeno")
    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert (s["imported"], s["moved"], s["flagged"]) == (3, 3, 0)
    assert dovecot.messages() == []
    moved = dovecot.messages("Obra&ARE-eno")
    assert sorted(m.raw.split(b"Message-ID: <")[1].split(b">")[0] for m in moved) == \
        [b"imap-test-%d@client.example" % i for i in (1, 2, 3)]
    assert len(subjects(evid)) == 3

    # after_import = none: imported, the mailbox left exactly as it was
    conf = write_config(tmp_path / "none.conf", dovecot, after_import="none")
    dovecot.append(message(4))
    dovecot.append(message(5), flags=("\\Seen",))
    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert (s["found"], s["imported"], s["flagged"], s["moved"]) == (2, 2, 0, 0)
    assert [m.flags for m in dovecot.messages()] == [(), ("\\Seen",)]
    assert len(subjects(evid)) == 5


def test_move_to_a_missing_folder_is_a_configuration_error(evid, dovecot, tmp_path):
    dovecot.append(message(1))
    conf = write_config(tmp_path / "evid.conf", dovecot, after_import="move",
                        move_to="Processed")
    p = fetch(evid, conf)
    assert p.returncode == 1
    assert "no mailbox 'Processed' to move messages to" in p.stderr
    assert subjects(evid) == []
    assert [m.flags for m in dovecot.messages()] == [()]


def test_uidvalidity_change_starts_over_without_duplicates(evid, dovecot, tmp_path):
    for i in range(1, 4):
        dovecot.append(message(i))
    conf = write_config(tmp_path / "evid.conf", dovecot)
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"], s["uidvalidity_changed"]) == (0, 3, False), err
    old = dovecot.uidvalidity()

    # the server rebuilds the mailbox: same messages, UIDs mean something else now
    dovecot.set_uidvalidity(old + 7)
    dovecot.set_flags(2, ("\\Seen",), how="-FLAGS")
    dovecot.append(message(4))
    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert s["uidvalidity_changed"] is True and s["uidvalidity"] == old + 7
    assert (s["found"], s["imported"], s["duplicates"], s["new_tickets"]) == (4, 4, 3, 1)
    assert s["last_uid"] == 4
    assert incoming_ids(evid) == ["imap-test-%d@client.example" % i for i in range(1, 5)]
    assert len(subjects(evid)) == 4
    assert all(m.flags == ("\\Seen",) for m in dovecot.messages())
    assert db_rows(evid, "SELECT uidvalidity, last_uid FROM imap_state") == [(old + 7, 4)]


@pytest.mark.parametrize("security", ["imaps", "starttls"])
def test_imaps_and_starttls(evid, make_dovecot, tmp_path, security):
    # ssl_required: Dovecot refuses any login before TLS
    d = make_dovecot(ssl_required=True)
    d.append(message(1))
    conf = write_config(tmp_path / "evid.conf", d, security)
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"], s["flagged"]) == (0, 1, 1), err

    # the certificate checked against its CA file
    d.append(message(2))
    conf = write_config(tmp_path / "verify.conf", d, security, verify_tls="yes",
                        ca_file=d.cert)
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"]) == (0, 1), err

    # and refused without it
    conf = write_config(tmp_path / "untrusted.conf", d, security, verify_tls="yes")
    p = fetch(evid, conf)
    assert p.returncode == 1
    assert "cannot trust the server's certificate" in p.stderr

    # STARTTLS off: the server refuses the login in clear text
    if security == "starttls":
        conf = write_config(tmp_path / "clear.conf", d, security, starttls="off")
        p = fetch(evid, conf)
        assert p.returncode == 1, p.stderr
        assert "refused the login" in p.stderr
    assert len(subjects(evid)) == 2


def test_wrong_password_exits_1_and_never_shows_the_password(evid, dovecot, tmp_path):
    dovecot.append(message(1))
    conf = write_config(tmp_path / "evid.conf", dovecot, password="not-the-password-42")
    p = fetch(evid, conf, "--verbose")
    assert p.returncode == 1
    assert p.stderr == ("evid: fetch: imaps://127.0.0.1:%d/INBOX: the server refused the "
                        "login of '%s': check [imap] username and password\n"
                        % (dovecot.imaps_port, IMAP_USER))
    assert "not-the-password-42" not in p.stdout + p.stderr
    rc, s, err = fetch_json(evid, conf)
    assert rc == 1 and s["ok"] is False and "refused the login" in s["error"]
    assert subjects(evid) == []


def test_server_down_exits_75(evid, tmp_path, dovecot):
    port = free_port()                             # nothing listens there
    conf = write_config(tmp_path / "evid.conf", dovecot,
                        url="imaps://127.0.0.1:%d/INBOX" % port)
    p = fetch(evid, conf)
    assert p.returncode == 75
    assert "cannot connect" in p.stderr and "try again later" in p.stderr

    # a server that stops in the middle: also 75, and what was done stays done
    dovecot.append(message(1))
    conf = write_config(tmp_path / "ok.conf", dovecot)
    assert fetch(evid, conf).returncode == 0
    dovecot.stop()
    assert fetch(evid, conf).returncode == 75
    assert len(subjects(evid)) == 1


def test_unconfigured_or_wrong_mailbox_exits_1(evid, dovecot, tmp_path):
    p = evid.run("fetch", check=False)
    assert p.returncode == 1
    assert "[imap] url is not set" in p.stderr
    conf = write_config(tmp_path / "evid.conf", dovecot, url=dovecot.url(mailbox="Nema"))
    p = fetch(evid, conf)
    assert p.returncode == 1
    assert "cannot open mailbox 'Nema'" in p.stderr


def test_database_busy_exits_75_and_leaves_the_messages_unflagged(evid, dovecot, tmp_path):
    for i in range(1, 3):
        dovecot.append(message(i))
    conf = write_config(tmp_path / "evid.conf", dovecot)
    with open(conf, "a") as f:
        f.write("\n[database]\nbusy_timeout_ms = 200\n")
    db = sqlite3.connect(evid.db, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")                   # another writer holds the lock
    try:
        p = fetch(evid, conf)
    finally:
        db.execute("ROLLBACK")
        db.close()
    assert p.returncode == 75, p.stderr
    assert [m.flags for m in dovecot.messages()] == [(), ()]
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"], s["flagged"]) == (0, 2, 2), err


def test_any_bytes_come_through_literals(evid, dovecot, tmp_path):
    # lines that look like IMAP responses, a 200 KB line without a break, 8-bit text
    tricky = (b"E5 OK done\r\n* 1 FETCH (UID 99 BODY[] {3}\r\nabc)\r\nA004 OK LOGOUT\r\n"
              + b"x" * 200000 + b"\r\n\xc5\xa1kolj\xc3\xa2\r\n")
    dovecot.append(message(1, body=tricky))
    dovecot.append(message(2))
    conf = write_config(tmp_path / "evid.conf", dovecot)
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"]) == (0, 2), err
    body = db_rows(evid, "SELECT e.body FROM events e JOIN mail_messages m "
                         "ON m.event_id = e.id WHERE m.message_id = ?",
                   "imap-test-1@client.example")[0][0]
    assert "E5 OK done\n* 1 FETCH (UID 99 BODY[] {3}\nabc)\nA004 OK LOGOUT\n" in body
    assert "x" * 200000 in body and "školjâ" in body
    assert s["bytes"] == sum(len(m.raw) for m in dovecot.messages())


def test_message_over_the_fetch_limit_keeps_its_start_in_quarantine(evid, dovecot, tmp_path):
    # [mail] max_message_mb = 1: the fetch limit is 16 MB (4 x, at least 16)
    big = message(1, body=b"A" * (17 << 20))
    dovecot.fill([big])
    dovecot.append(message(2))
    conf = write_config(tmp_path / "evid.conf", dovecot)
    with open(conf) as f:
        text = f.read().replace("[mail]\n", "[mail]\nmax_message_mb = 1\n")
    with open(conf, "w") as f:
        f.write(text)
    rc, s, err = fetch_json(evid, conf)
    assert rc == 0, err
    assert (s["found"], s["too_big"], s["imported"], s["flagged"]) == (2, 1, 1, 1)
    rows = db_rows(evid, "SELECT q.reason, r.size, q.status FROM quarantine q "
                         "JOIN mail_raw r ON r.id = q.raw_id")
    assert len(rows) == 1
    reason, size, status = rows[0]
    assert status == "held" and size == 256 * 1024
    assert "larger than the fetch limit of 16 MB" in reason
    assert "stays in the mailbox as UID 1" in reason
    # left on the server, unflagged; not looked at again
    assert [m.flags for m in dovecot.messages()] == [(), ("\\Seen",)]
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["found"], s["too_big"]) == (0, 0, 0), err


def attachment_message(n):
    """A message of about 170 KB: text and a binary attachment."""
    rnd = random.Random(n)
    data = rnd.randbytes(128 * 1024)
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    body = (b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPrilog %d.\r\n"
            b"--b\r\nContent-Type: application/octet-stream; name=\"scan%d.bin\"\r\n"
            b"Content-Disposition: attachment; filename=\"scan%d.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" % (n, n, n)) + b64 + b"--b--\r\n"
    raw = message(n, body=body)
    return raw.replace(b"Content-Type: text/plain; charset=utf-8\r\n"
                       b"Content-Transfer-Encoding: 8bit\r\n",
                       b"Content-Type: multipart/mixed; boundary=\"b\"\r\n", 1)


def db_locked(path):
    """Whether a writer holds the database (evid inside a batch's transaction)."""
    c = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        c.execute("BEGIN IMMEDIATE")
        c.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        c.close()


def test_killed_mid_import_then_run_again_imports_every_message_exactly_once(
        evid, dovecot, tmp_path):
    # 200 messages of 170 KB: two batches (a batch is at most 32 MB)
    n = 200
    dovecot.fill([attachment_message(i) for i in range(1, n + 1)])
    conf = write_config(tmp_path / "evid.conf", dovecot)
    env = dict(os.environ)
    env.pop("EVID_CONFIG", None)

    def run(kill_when):
        """evid fetch, killed with SIGKILL as soon as kill_when() holds; True if it was."""
        proc = subprocess.Popen([EVID, "--db", evid.db, "--config", conf, "fetch"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            if kill_when():
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.002)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        return False

    def flagged():
        return sum("\\Seen" in m.flags for m in dovecot.messages())

    # killed inside the first batch's transaction: none of it is kept or flagged
    assert run(lambda: db_locked(evid.db)), "the import ended before it could be killed"
    assert (len(incoming_ids(evid)), flagged()) == (0, 0)
    # killed once the first batch is committed (while it is flagged, or the next is read)
    killed = run(lambda: len(incoming_ids(evid)) > 0)
    half = (len(incoming_ids(evid)), flagged())
    if killed:
        assert 0 < half[0] < n and half[1] < n, half
    # run again until done
    run(lambda: False)
    ids = incoming_ids(evid)
    assert ids == sorted("imap-test-%d@client.example" % i for i in range(1, n + 1))
    assert len(subjects(evid)) == n
    assert db_rows(evid, "SELECT count(*) FROM quarantine") == [(0,)]
    assert db_rows(evid, "SELECT count(*) FROM attachments") == [(n,)]
    assert all(m.flags == ("\\Seen",) for m in dovecot.messages())
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["found"], s["imported"]) == (0, 0, 0), err
    print("second kill: %s, (imported, flagged) then: %s" % (killed, half))


@pytest.mark.parametrize("mechanisms", [("plain", "login", "xoauth2"),
                                        ("plain", "login", "xoauth2", "oauthbearer")])
def test_oauth2_bearer_token(evid, make_dovecot, tmp_path, mechanisms):
    # with only XOAUTH2 offered libcurl must use it; with both it takes OAUTHBEARER
    d = make_dovecot(mechanisms=mechanisms)
    d.append(message(1))
    conf = write_config(tmp_path / "evid.conf", d, password=None, oauth2_token=IMAP_TOKEN)
    rc, s, err = fetch_json(evid, conf)
    assert (rc, s["imported"]) == (0, 1), err
    assert IMAP_TOKEN in d.token_endpoint.requests
    d.revoke_token(IMAP_TOKEN)
    p = fetch(evid, conf)
    assert p.returncode == 1
    assert "check [imap] username and oauth2_token" in p.stderr
    assert IMAP_TOKEN not in p.stderr


def test_serve_polls_every_interval(evid, dovecot, tmp_path):
    write_config(tmp_path / "evid.conf", dovecot, interval_seconds="10")
    srv = start_server(evid, tmp_path)        # reads evid.conf in its working folder
    try:
        time.sleep(0.5)                       # the first poll, at start, finds nothing
        dovecot.append(message(1, subject="Poslano nakon pokretanja"))
        deadline = time.time() + 20
        while time.time() < deadline and not subjects(evid):
            time.sleep(0.2)
        assert subjects(evid) == ["Poslano nakon pokretanja"], srv.stderr()
        deadline = time.time() + 5
        while time.time() < deadline and dovecot.messages()[0].flags != ("\\Seen",):
            time.sleep(0.1)
        assert dovecot.messages()[0].flags == ("\\Seen",)
    finally:
        rc = stop_server(srv)
    log = srv.stderr()
    assert rc == 0, log
    assert "imap polling started interval=10s" in log
    assert "imap fetch mailbox=%s@127.0.0.1:%d/INBOX found=1 imported=1 new=1" % (
        IMAP_USER, dovecot.imaps_port) in log
    assert "imap polling stopped" in log
    assert IMAP_PASSWORD not in log
    # one line per poll that did something: the empty first poll wrote none
    assert log.count("imap fetch mailbox=") == 1
