"""End to end with a real Postfix (mailservers.py): a message submitted over
SMTP is delivered by pipe(8) to `evid mail-in` and becomes a ticket; a
message over [mail] max_message_mb is delivered into the quarantine; and the
fault cases: while the database is locked (an exclusive lock held by another
process, [database] busy_timeout_ms small) or missing, mail-in exits 75,
Postfix defers the message, and after the cause is gone and `postqueue -f`
the ticket exists exactly once.  Needs root (Postfix); skipped otherwise."""
import json
import os
import subprocess
import time

from conftest import EVID
from mailservers import SUPPORT_ADDRESS, as_account

MESSAGE = (b"From: Ivana Klijent <ivana@klijent.hr>\r\n"
           b"To: support@support.test\r\n"
           b"Subject: =?utf-8?Q?Ra=C4=8Dunalo_ne_pali?=\r\n"
           b"Date: Mon, 26 Jan 2026 09:00:00 +0100\r\n"
           b"Message-ID: <postfix-e2e-%s@klijent.hr>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n"
           b"\r\n"
           b"Dobar dan,\r\nra\xc4\x8dunalo u uredu ne pali.\r\n")

# Holds an exclusive write lock on the database given as argv[1] until a
# line arrives on stdin; says "locked" once it holds it.
LOCKER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
c.close()
"""


class Setup:
    """A Postfix whose pipe runs `evid mail-in` on a database in its pipe
    folder, with a configuration file there."""

    def __init__(self, make_postfix, busy_timeout_ms=5000, max_message_mb=25, init=True):
        self.pf = make_postfix([EVID, "--db", "{pipe_dir}/evid.db", "--config",
                                "{pipe_dir}/evid.conf", "mail-in"])
        self.db = os.path.join(self.pf.pipe_dir, "evid.db")
        self.conf = os.path.join(self.pf.pipe_dir, "evid.conf")
        with open(self.conf, "w") as f:
            f.write("[database]\nbusy_timeout_ms = %d\n[mail]\naddress = %s\n"
                    "max_message_mb = %d\n" % (busy_timeout_ms, SUPPORT_ADDRESS,
                                               max_message_mb))
        self.pf.hand_over()
        if init:
            self.evid("init")

    def evid(self, *args, check=True):
        """evid on the pipe's database, as the mail account (so that SQLite's
        -wal and -shm files belong to it)."""
        env = dict(os.environ)
        env.pop("EVID_DB", None)
        env.pop("EVID_CONFIG", None)
        p = subprocess.run(as_account(self.pf.account, [EVID, "--db", self.db, "--config",
                                                        self.conf, *args]),
                           capture_output=True, text=True, env=env, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("evid %s: %d %s" % (" ".join(args), p.returncode, p.stderr))
        return p

    def tickets(self):
        if not os.path.exists(self.db):
            return []
        p = self.evid("ticket", "list", "--json", check=False)
        return json.loads(p.stdout)["tickets"] if p.returncode == 0 else []

    def ticket(self, ref):
        return json.loads(self.evid("ticket", "show", str(ref), "--json").stdout)["ticket"]


def test_postfix_pipe_makes_a_ticket(make_postfix):
    s = Setup(make_postfix)
    pf = s.pf
    qid = pf.submit(MESSAGE % b"1", mail_from="ivana@klijent.hr")
    tickets = pf.wait_until_delivered(s.tickets)
    assert len(tickets) == 1
    t = s.ticket(tickets[0]["id"])
    assert t["subject"] == "Računalo ne pali" and t["channel"] == "email"
    assert t["from_email"] == "ivana@klijent.hr" and t["from_name"] == "Ivana Klijent"
    assert t["client_id"] is None  # nobody knows klijent.hr here: triage
    body = [e["body"] for e in t["events"] if e["kind"] == "message_in"]
    assert body == ["Dobar dan,\nračunalo u uredu ne pali."]
    mail = [m for m in t["mail"] if m["direction"] == "in"]
    assert len(mail) == 1 and mail[0]["message_id"] == "postfix-e2e-1@klijent.hr"
    # acknowledged, to the sender
    acks = [o for o in json.loads(s.evid("outbox", "list", "--json").stdout)["outbox"]
            if o["kind"] == "ack"]
    assert [o["to"] for o in acks] == ["ivana@klijent.hr"]
    sent = pf.wait_for_status("sent", qid)
    assert sent[0]["relay"] == "evidpipe"
    pf.wait_queue_empty()
    assert pf.problems() == []
    # the mail server delivers it again (a lost acknowledgement on its side): still one
    qid2 = pf.submit(MESSAGE % b"1", mail_from="ivana@klijent.hr")
    pf.wait_for_status("sent", qid2)
    assert len(s.tickets()) == 1


def test_postfix_oversized_message_goes_to_quarantine(make_postfix):
    s = Setup(make_postfix, max_message_mb=1)
    pf = s.pf
    big = (MESSAGE % b"big") + b"x" * 76 + b"\r\n"
    big += (b"y" * 76 + b"\r\n") * 14000  # about 1.1 MB
    qid = pf.submit(big, mail_from="ivana@klijent.hr")
    pf.wait_for_status("sent", qid)
    pf.wait_queue_empty()
    assert s.tickets() == []
    held = json.loads(s.evid("quarantine", "list", "--json").stdout)["quarantine"]
    assert len(held) == 1 and held[0]["reason"] == "message is larger than 1 MB"
    assert held[0]["source"] == "pipe" and held[0]["size"] > 1 << 20
    raw = subprocess.run(as_account(pf.account, [EVID, "--db", s.db, "--config", s.conf,
                                                 "quarantine", "show",
                                                 str(held[0]["id"])]),
                         capture_output=True, timeout=60).stdout
    # kept as Postfix delivered it: its Return-Path and Delivered-To, then the message
    assert raw.startswith(b"Return-Path: <ivana@klijent.hr>\nDelivered-To: ")
    assert raw.endswith(b"y" * 76 + b"\n") and len(raw) == held[0]["size"]


def test_postfix_defers_while_the_database_is_locked(make_postfix):
    s = Setup(make_postfix, busy_timeout_ms=100)
    pf = s.pf
    locker = subprocess.Popen(as_account(pf.account, ["/usr/bin/python3", "-c", LOCKER, s.db]),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        qid = pf.submit(MESSAGE % b"locked", mail_from="ivana@klijent.hr")
        deferred = pf.wait_for_status("deferred", qid)
        assert "busy" in deferred[0]["reason"], deferred
        q = pf.queue()
        assert [m["queue_id"] for m in q] == [qid]
        assert "busy" in q[0]["recipients"][0]["delay_reason"]
        # retried while still locked: deferred again, nothing imported
        pf.flush()
        pf.wait_for_status("deferred", qid, count=2)
    finally:
        locker.stdin.write("\n")
        locker.stdin.flush()
        assert locker.wait(timeout=10) == 0
    assert s.tickets() == []
    pf.flush()
    tickets = pf.wait_until_delivered(s.tickets)
    pf.wait_queue_empty()
    assert [d["status"] for d in pf.deliveries() if d["queue_id"] == qid] == \
        ["deferred", "deferred", "sent"]
    # exactly once, and it stays so
    pf.flush()
    time.sleep(0.3)
    assert len(tickets) == 1 and len(s.tickets()) == 1
    t = s.ticket(tickets[0]["id"])
    assert len([e for e in t["events"] if e["kind"] == "message_in"]) == 1
    assert t["subject"] == "Računalo ne pali"
    assert pf.problems() == []


def test_postfix_defers_while_there_is_no_database(make_postfix):
    s = Setup(make_postfix, init=False)
    pf = s.pf
    qid = pf.submit(MESSAGE % b"nodb", mail_from="ivana@klijent.hr")
    deferred = pf.wait_for_status("deferred", qid)
    assert "does not exist" in deferred[0]["reason"], deferred
    s.evid("init")
    pf.flush()
    tickets = pf.wait_until_delivered(s.tickets)
    pf.wait_queue_empty()
    assert len(tickets) == 1 and tickets[0]["subject"] == "Računalo ne pali"
