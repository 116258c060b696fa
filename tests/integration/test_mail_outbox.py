"""Outgoing mail end to end: a technician's reply through the API is queued in
the outbox, `evid serve` sends it to a real SMTP server (the aiosmtpd sink of
mailservers.py) and marks it sent; a message taken by `evid mail-in` is
acknowledged and notified; a server that is down is retried until it
is back (delivered once); a 5xx fails the message on its ticket; AUTH over
STARTTLS; `evid` killed while sending still delivers after a restart (at
least once, the same Message-ID); `evid outbox list|flush` and their exit
codes.  [smtp] retry_seconds = 1 keeps the retries quick."""
import email
import email.policy
import json
import signal
import time

import pytest

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_server, stop_server
from mailservers import SMTP_PASSWORD, SMTP_USER

SUPPORT = "podrska@support.test"
TECH_EMAIL = "tom@servis.hr"
TECH_PASSWORD = "tech-password-1"


def write_conf(tmp_path, sink=None, name="evid.conf", **smtp):
    """A configuration file in tmp_path (evid.conf: the one `evid serve`
    reads there): our address, and [smtp] towards sink (None: no mail
    server), plus smtp keys."""
    keys = {"starttls": "off", "retry_seconds": "1", "timeout_seconds": "5"}
    if sink is not None:
        keys["url"] = "smtp://127.0.0.1:%d" % sink.port
    keys.update(smtp)
    lines = ["[company]", "name = Servis Horvat d.o.o.", "language = hr", "",
             "[mail]", "address = " + SUPPORT, "from_name = Podrška Servis", "", "[smtp]"]
    lines += ["%s = %s" % kv for kv in sorted(keys.items())]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def cli(evid, conf, *args, check=True, input=None):
    return evid.run(*args, env={"EVID_CONFIG": conf}, check=check, input=input)


def wait_until(fn, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


class Desk:
    """A running `evid serve` with a client, its contact and a ticket."""

    def __init__(self, evid, tmp_path, conf):
        self.evid = evid
        self.conf = conf
        self.tmp_path = tmp_path
        evid.add_user(ADMIN_EMAIL, "Ana Admin", "admin", ADMIN_PASSWORD)
        evid.add_user(TECH_EMAIL, "Tom Tehničar", "technician", TECH_PASSWORD)
        self.srv = start_server(evid, tmp_path)
        self.admin = evid.token(ADMIN_EMAIL)
        self.tech = evid.token(TECH_EMAIL)
        client = self.call("POST", "/api/v1/clients", {"name": "Firma d.o.o."}, 201)
        self.contact = self.call("POST", "/api/v1/contacts",
                                 {"client_id": client["client"]["id"], "name": "Ivan Horvat",
                                  "email": "ivan@firma.hr"}, 201)["contact"]
        self.ticket = self.new_ticket()

    def new_ticket(self, subject="Pisač ne radi", contact=True):
        body = {"subject": subject}
        if contact:
            body["contact_id"] = self.contact["id"]
        return self.call("POST", "/api/v1/tickets", body, 201)["ticket"]

    def call(self, method, path, body=None, status=200, token=None):
        r = self.srv.request(method, path, body, token=token or self.admin)
        assert r.status == status, r
        return r.json

    def reply(self, body="Zamijenili smo toner.", ticket=None, status=201, **kw):
        t = ticket or self.ticket
        kw["body"] = body
        return self.call("POST", "/api/v1/tickets/%d/replies" % t["id"], kw, status,
                         token=self.tech)

    def mail(self, ticket=None):
        t = ticket or self.ticket
        return self.call("GET", "/api/v1/tickets/%d" % t["id"])["ticket"]["mail"]

    def outbox(self, status=None):
        q = "?status=" + status if status else ""
        return self.call("GET", "/api/v1/outbox" + q)["outbox"]

    def delivery(self, outbox_id):
        for m in self.mail():
            if m["outbox_id"] == outbox_id:
                return m
        raise AssertionError("outbox message %d not on the ticket" % outbox_id)

    def restart(self):
        self.srv = start_server(self.evid, self.tmp_path)

    def stop(self):
        if self.srv.proc.poll() is None:
            assert stop_server(self.srv) == 0, self.srv.stderr()


@pytest.fixture
def desk_for(evid, tmp_path):
    made = []

    def make(sink=None, **smtp):
        d = Desk(evid, tmp_path, write_conf(tmp_path, sink, **smtp))
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop()


def test_reply_is_sent_with_its_headers(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    d = desk_for(sink)
    r = d.reply("Poštovani,\n\nzamijenili smo toner.\n.\nFrom: ovo nije zaglavlje",
                cc=["Ana@Firma.hr"])
    ev, ob = r["event"], r["outbox"]
    assert ev["kind"] == "reply" and ev["author_name"] == "Tom Tehničar"
    assert ev["ticket_id"] == d.ticket["id"]
    assert ob["kind"] == "reply" and ob["to"] == "ivan@firma.hr" and ob["cc"] == "ana@firma.hr"
    assert ob["event_id"] == ev["id"] and ob["message_id"].endswith("@support.test")

    got = sink.wait_for(1, timeout=10)[0]
    assert got.mail_from == SUPPORT
    assert got.rcpts == ["ivan@firma.hr", "ana@firma.hr"]
    m = parse(got.data)
    number = d.ticket["number"]
    assert m["Subject"] == "Re: Pisač ne radi [#%s]" % number
    assert m["Message-ID"] == "<%s>" % ob["message_id"]
    assert m["X-Evid-Ticket"] == number
    assert m["Auto-Submitted"] is None
    assert str(m["From"]) == "Podrška Servis <%s>" % SUPPORT
    assert str(m["To"]) == "ivan@firma.hr" and str(m["Cc"]) == "ana@firma.hr"
    # Nothing in the text became a header; the lone dot came through.
    assert m["From"].addresses[0].addr_spec == SUPPORT
    text = m.get_body(preferencelist=("plain",)).get_content()
    assert "zamijenili smo toner.\n.\nFrom: ovo nije zaglavlje\n\n-- \nTom Tehničar\n" \
           "Servis Horvat d.o.o.\n" in text.replace("\r\n", "\n")

    # Recorded as sent: on the ticket and in the outbox.
    sent = wait_until(lambda: d.delivery(ob["id"])["delivery"] == "sent" and
                      d.delivery(ob["id"]), what="sent on the ticket")
    assert sent["direction"] == "out" and sent["kind"] == "reply"
    assert sent["event_id"] == ev["id"] and sent["attempts"] == 1
    assert sent["sent_at"] is not None and sent["last_error"] is None
    listed = d.outbox("sent")
    assert [o["id"] for o in listed] == [ob["id"]] and listed[0]["status"] == "sent"
    assert "level=info outbox id=%d ticket=%s kind=reply result=sent" % (ob["id"], number) \
        in d.srv.stderr()
    # `ticket show --json` carries the same mail as the API.
    shown = json.loads(cli(d.evid, d.conf, "ticket", "show", number, "--json").stdout)
    assert shown["ticket"]["mail"] == d.mail()
    time.sleep(1.5)
    assert len(sink.messages) == 1


def test_mail_in_is_acknowledged_and_notified(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    d = desk_for(sink)
    raw = ("From: Ivan Horvat <ivan@firma.hr>\r\nTo: %s\r\n"
           "Subject: =?UTF-8?Q?Mre=C5=BEa_ne_radi?=\r\nMessage-ID: <m1@firma.hr>\r\n"
           "Date: Fri, 27 Nov 2026 09:00:00 +0100\r\n\r\nNitko nema interneta.\r\n" % SUPPORT)
    cli(d.evid, d.conf, "mail-in", input=raw)
    # Picked up by the next run (mail-in is another process): the acknowledgement
    # to Ivan and a notification to each staff user.
    got = sink.wait_for(3, timeout=10)
    by_rcpt = {tuple(g.rcpts): parse(g.data) for g in got}
    assert sorted(by_rcpt) == [(ADMIN_EMAIL,), ("ivan@firma.hr",), (TECH_EMAIL,)]
    ack = by_rcpt[("ivan@firma.hr",)]
    number = ack["X-Evid-Ticket"]
    assert ack["Subject"] == "Re: Mreža ne radi [#%s]" % number
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@firma.hr>" and ack["References"] == "<m1@firma.hr>"
    assert "otvorili zahtjev broj %s" % number in ack.get_body().get_content()
    note = by_rcpt[(TECH_EMAIL,)]
    assert note["Auto-Submitted"] == "auto-generated"
    assert note["Subject"] == "Novi zahtjev: Mreža ne radi [#%s]" % number
    text = note.get_body().get_content()
    assert "Nitko nema interneta." in text and "Ivan Horvat <ivan@firma.hr>" in text
    assert "/api/v1/tickets/" in text
    # Ivan answers the acknowledgement: threaded back, nothing new opened.
    answer = ("From: ivan@firma.hr\r\nTo: %s\r\nSubject: Re: Mreza ne radi\r\n"
              "Message-ID: <m2@firma.hr>\r\nIn-Reply-To: %s\r\n\r\nSad radi.\r\n"
              % (SUPPORT, ack["Message-ID"]))
    cli(d.evid, d.conf, "mail-in", input=answer)
    tickets = d.call("GET", "/api/v1/tickets")["tickets"]
    assert len(tickets) == 2 and number in [t["number"] for t in tickets]


def test_reply_requests_refused(make_smtp_sink, desk_for):
    d = desk_for(make_smtp_sink())
    path = "/api/v1/tickets/%d/replies" % d.ticket["id"]
    for bad, word in (({}, "body"), ({"body": " "}, "body"), ({"body": "x", "cc": "nope"}, "cc"),
                      ({"body": "x", "to": [5]}, "to"), ({"body": "x", "bcc": "a@b.hr"}, "bcc"),
                      ({"body": "x", "attachment_ids": [999]}, "attachment_ids")):
        r = d.srv.request("POST", path, bad, token=d.tech)
        assert r.status == 400 and word in r.json["error"]["message"], (bad, r)
    r = d.srv.request("POST", "/api/v1/tickets/999/replies", {"body": "x"}, token=d.tech)
    assert r.status == 404
    # Nobody to write to: no contact, not from mail.
    lonely = d.new_ticket("Bez kontakta", contact=False)
    r = d.srv.request("POST", "/api/v1/tickets/%d/replies" % lonely["id"], {"body": "x"},
                      token=d.tech)
    assert r.status == 409 and "to" in r.json["error"]["message"]
    # ... unless the request says; then it goes there.
    ok = d.reply("Evo.", ticket=lonely, to="pero@drugi.hr")
    assert ok["outbox"]["to"] == "pero@drugi.hr"
    # The outbox is for admins.
    assert d.srv.request("GET", "/api/v1/outbox", token=d.tech).status == 403
    r = d.srv.request("GET", "/api/v1/outbox?status=lost", token=d.admin)
    assert r.status == 400
    assert d.outbox() and d.outbox()[0]["id"] == ok["outbox"]["id"]


def test_reply_with_files(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    d = desk_for(sink)
    up = d.srv.request("POST", "/api/v1/tickets/%d/attachments?filename=%s" %
                       (d.ticket["id"], "upute%20za%20pisa%C4%8D.pdf"), raw=b"%PDF-1\x00\xff",
                       token=d.tech, headers={"Content-Type": "application/pdf"})
    assert up.status == 201, up
    r = d.reply("U privitku su upute.", attachment_ids=[up.json["attachment"]["id"]])
    m = parse(sink.wait_for(1)[0].data)
    assert m.get_content_type() == "multipart/mixed"
    files = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in m.iter_attachments()]
    assert files == [("upute za pisač.pdf", "application/pdf", b"%PDF-1\x00\xff")]
    atts = d.call("GET", "/api/v1/tickets/%d" % d.ticket["id"])["ticket"]["attachments"]
    assert [a["event_id"] for a in atts if a["filename"] == "upute za pisač.pdf"] == \
        [None, r["event"]["id"]]


def test_server_down_then_up_delivers_once(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.stop()
    d = desk_for(sink)
    ob = d.reply()["outbox"]
    # Refused connections: retried with back-off, the error kept.
    m = wait_until(lambda: (lambda x: x["attempts"] and x["attempts"] >= 2 and x)(
        d.delivery(ob["id"])), what="two failed attempts")
    assert m["delivery"] == "queued" and m["last_error"]
    assert m["next_attempt_at"] is not None
    assert "result=retry" in d.srv.stderr()
    sink.start()
    got = sink.wait_for(1, timeout=15)
    assert parse(got[0].data)["Message-ID"] == "<%s>" % ob["message_id"]
    wait_until(lambda: d.delivery(ob["id"])["delivery"] == "sent", what="sent")
    time.sleep(2)
    assert len(sink.messages) == 1


def test_temporary_refusal_is_retried(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.fail("MAIL", "451 4.3.0 try again later", times=2)
    d = desk_for(sink)
    ob = d.reply()["outbox"]
    sink.wait_for(1, timeout=15)
    sent = wait_until(lambda: (lambda x: x["delivery"] == "sent" and x)(d.delivery(ob["id"])),
                      what="sent")
    assert sent["attempts"] == 3
    assert [c for c in sink.commands if c[0] == "MAIL"][:2] == \
        [("MAIL", "451 4.3.0 try again later")] * 2


def test_permanent_refusal_fails_on_the_ticket(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.fail("RCPT", "550 5.1.1 no such user")
    d = desk_for(sink)
    ob = d.reply()["outbox"]
    m = wait_until(lambda: (lambda x: x["delivery"] == "failed" and x)(d.delivery(ob["id"])),
                   what="failed")
    assert "550 5.1.1 no such user" in m["last_error"] and m["attempts"] == 1
    events = d.call("GET", "/api/v1/tickets/%d" % d.ticket["id"])["ticket"]["events"]
    failed = [e for e in events if e["field"] == "delivery"]
    assert len(failed) == 1
    assert (failed[0]["old_value"], failed[0]["new_value"]) == ("queued", "failed")
    assert "ivan@firma.hr" in failed[0]["body"] and "550" in failed[0]["body"]
    assert [o["id"] for o in d.outbox("failed")] == [ob["id"]]
    assert sink.messages == []


def test_one_refused_recipient_does_not_stop_the_others(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.fail("RCPT", "550 5.1.1 no such user", times=1)
    d = desk_for(sink)
    ob = d.reply(cc="ana@firma.hr")["outbox"]
    got = sink.wait_for(1)[0]
    assert got.rcpts == ["ana@firma.hr"]
    wait_until(lambda: d.delivery(ob["id"])["delivery"] == "sent", what="sent")
    events = d.call("GET", "/api/v1/tickets/%d" % d.ticket["id"])["ticket"]["events"]
    refused = [e for e in events if e["field"] == "delivery"]
    assert [(e["old_value"], e["new_value"]) for e in refused] == [("queued", "refused")]
    assert "ivan@firma.hr (550 5.1.1 no such user)" in refused[0]["body"]


def test_auth_over_starttls(make_smtp_sink, desk_for):
    sink = make_smtp_sink(tls="starttls", auth=True)
    d = desk_for(sink, starttls="required", verify_tls="no", username=SMTP_USER,
                 password=SMTP_PASSWORD)
    d.reply()
    got = sink.wait_for(1)[0]
    assert got.login == SMTP_USER and got.tls is True
    d.stop()
    assert SMTP_PASSWORD not in d.srv.stderr()


def test_implicit_tls(make_smtp_sink, desk_for, tmp_path):
    sink = make_smtp_sink(tls="smtps", auth=True)
    d = desk_for(None)
    d.reply()
    d.stop()
    conf = write_conf(tmp_path, None, "cli.conf", url="smtps://127.0.0.1:%d" % sink.port,
                      ca_file=sink.cert, username=SMTP_USER, password=SMTP_PASSWORD)
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 0, p
    got = sink.wait_for(1)[0]
    assert got.tls is True and got.login == SMTP_USER


def test_tls_certificate_checked(make_smtp_sink, desk_for, tmp_path):
    sink = make_smtp_sink(tls="starttls", auth=True)
    d = desk_for(None)
    ob = d.reply()["outbox"]
    d.stop()
    auth = {"starttls": "required", "username": SMTP_USER, "password": SMTP_PASSWORD}
    # The sink's certificate is self-signed: refused (a transient failure) ...
    conf = write_conf(tmp_path, sink, "cli.conf", **auth)
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 75, p
    queued = json.loads(cli(d.evid, conf, "outbox", "list", "--json").stdout)["outbox"]
    assert queued[0]["id"] == ob["id"] and queued[0]["status"] == "queued"
    assert "certificate" in queued[0]["last_error"].lower() or \
        "ssl" in queued[0]["last_error"].lower(), queued[0]
    assert sink.messages == []
    # ... until it is trusted through ca_file.
    conf = write_conf(tmp_path, sink, "cli.conf", ca_file=sink.cert, **auth)
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 0, p
    assert SMTP_PASSWORD not in p.stdout + p.stderr
    assert sink.wait_for(1)[0].login == SMTP_USER


def test_killed_while_sending_delivers_after_restart(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.delay = 3
    d = desk_for(sink)
    ob = d.reply()["outbox"]
    wait_until(lambda: any(c[0] == "DATA" for c in sink.commands), what="DATA")
    d.srv.proc.send_signal(signal.SIGKILL)
    d.srv.proc.wait(timeout=10)
    sink.delay = 0
    d.restart()
    wait_until(lambda: d.delivery(ob["id"])["delivery"] == "sent", timeout=20, what="sent")
    got = sink.wait_for(1)
    # At least once: every copy is the same message.
    assert len(got) in (1, 2)
    assert {parse(g.data)["Message-ID"] for g in got} == {"<%s>" % ob["message_id"]}
    assert len({g.data for g in got}) == 1


def test_stop_finishes_the_message_in_flight(make_smtp_sink, desk_for):
    sink = make_smtp_sink()
    sink.delay = 2
    d = desk_for(sink)
    ob = d.reply()["outbox"]
    wait_until(lambda: any(c[0] == "DATA" for c in sink.commands), what="DATA")
    d.stop()
    assert "outbox stopped" in d.srv.stderr()
    assert len(sink.messages) == 1
    outbox = json.loads(cli(d.evid, d.conf, "outbox", "list", "--json").stdout)["outbox"]
    assert [(o["id"], o["status"]) for o in outbox] == [(ob["id"], "sent")]


def test_outbox_cli(make_smtp_sink, desk_for, tmp_path):
    sink = make_smtp_sink()
    d = desk_for(None)
    first = d.reply("Prvi.")["outbox"]
    second = d.reply("Drugi.", cc="ana@firma.hr")["outbox"]
    time.sleep(0.3)
    d.stop()
    assert "[smtp] url is not set" in d.srv.stderr()
    no_smtp = d.conf

    # No mail server: nothing is tried, the messages wait, exit 1.
    p = cli(d.evid, no_smtp, "outbox", "flush", check=False)
    assert p.returncode == 1 and "[smtp] url is not set: 2 message(s) wait" in p.stderr, p
    listed = json.loads(cli(d.evid, no_smtp, "outbox", "list", "--json").stdout)
    assert [o["id"] for o in listed["outbox"]] == [second["id"], first["id"]]
    assert listed["has_more"] is False
    assert all(o["attempts"] == 0 and o["status"] == "queued" for o in listed["outbox"])
    one = json.loads(cli(d.evid, no_smtp, "outbox", "list", "--limit", "1", "--json").stdout)
    assert [o["id"] for o in one["outbox"]] == [second["id"]] and one["has_more"] is True

    # The server is down: retried later, exit 75.
    sink.stop()
    conf = write_conf(tmp_path, sink, "cli.conf")
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 75, p
    assert "sent 0, to retry 2, failed 0; 2 queued" in p.stdout
    table = cli(d.evid, conf, "outbox", "list", "--status", "queued").stdout
    assert d.ticket["number"] in table and "reply" in table and "ivan@firma.hr" in table

    # Up again: everything goes, exit 0.
    sink.start()
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 0, p
    assert "sent 2, to retry 0, failed 0; 0 queued" in p.stdout
    assert sorted(len(m.rcpts) for m in sink.wait_for(2)) == [1, 2]
    sent = json.loads(cli(d.evid, conf, "outbox", "list", "--status", "sent", "--json").stdout)
    assert {o["id"] for o in sent["outbox"]} == {first["id"], second["id"]}
    assert all(o["attempts"] == 2 and o["sent_at"] for o in sent["outbox"])
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 0 and "sent 0" in p.stdout

    # Refused for good: exit 1, listed as failed.  (The server still has no [smtp] url.)
    d.restart()
    third = d.reply("Treći.")["outbox"]
    d.stop()
    sink.fail("DATA", "554 5.7.1 message refused")
    p = cli(d.evid, conf, "outbox", "flush", check=False)
    assert p.returncode == 1 and "failed 1" in p.stdout, p
    failed = json.loads(cli(d.evid, conf, "outbox", "list", "--status", "failed",
                            "--json").stdout)["outbox"]
    assert [o["id"] for o in failed] == [third["id"]]
    assert "554 5.7.1 message refused" in failed[0]["last_error"]

    p = cli(d.evid, conf, "outbox", "list", "--status", "lost", check=False)
    assert p.returncode == 2
    p = cli(d.evid, conf, "outbox", check=False)
    assert p.returncode == 2
