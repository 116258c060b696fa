"""Self-tests of the mail server harness (mailservers.py): a message through
a private Postfix to a pipe command, EX_TEMPFAIL deferral and retry, Dovecot
over STARTTLS and IMAPS with passwords and OAuth2 tokens (imaplib and curl),
and the SMTP sink with and without TLS and AUTH, down and up, 4xx and 5xx."""
import fcntl
import glob
import os
import smtplib
import subprocess
import time

import pytest

from mailservers import (IMAP_PASSWORD, IMAP_TOKEN, IMAP_USER, IS_ROOT, SMTP_PASSWORD,
                         SMTP_TOKEN, SMTP_USER, SUPPORT_ADDRESS, MailServerError, as_account,
                         hand_over, mail_account, make_workdir, remove_workdir)

MESSAGE = (b"From: Klijent <client@example.com>\r\n"
           b"To: support@support.test\r\n"
           b"Subject: Printer ne radi\r\n"
           b"Message-ID: <harness-1@example.com>\r\n"
           b"\r\n"
           b"Dobar dan,\r\nprinter ne radi.\r\n")

# Writes each message it gets to DIR/<n>.eml and its sender, recipient and
# EVID_TEST_MARK to DIR/<n>.env; exits 75 while DIR/tempfail exists.
CAPTURE = """#!/bin/sh
dir=$1
if [ -e "$dir/tempfail" ]; then
	cat >/dev/null
	echo "tempfail requested"
	exit 75
fi
n=$(date +%s%N)
cat >"$dir/$n.tmp" || exit 75
printf '%s\\n%s\\n%s\\n' "$2" "$3" "$EVID_TEST_MARK" >"$dir/$n.env"
mv "$dir/$n.tmp" "$dir/$n.eml"
"""


@pytest.fixture
def capture_script():
    """The CAPTURE script, in a folder the mail account can reach."""
    d = make_workdir("capture")
    script = os.path.join(d, "capture.sh")
    with open(script, "w") as f:
        f.write(CAPTURE)
    os.chmod(script, 0o755)
    yield script
    remove_workdir(d)


@pytest.fixture
def capture(make_postfix, capture_script):
    """A Postfix whose pipe runs the CAPTURE script into pf.pipe_dir."""
    return make_postfix([capture_script, "{pipe_dir}", "${sender}", "${recipient}"],
                        env={"EVID_TEST_MARK": "mark-42"})


def captured(pf):
    return sorted(n for n in os.listdir(pf.pipe_dir) if n.endswith(".eml"))


def read(pf, name):
    with open(os.path.join(pf.pipe_dir, name), "rb") as f:
        return f.read()


def curl(*args, input=None):
    p = subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True,
                       input=input, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


# --- Postfix ----------------------------------------------------------------

def test_postfix_delivers_to_the_pipe_command(capture):
    pf = capture
    assert pf.check() == []
    qid = pf.submit(MESSAGE)
    assert qid
    names = pf.wait_until_delivered(lambda: captured(pf))
    assert len(names) == 1
    raw = read(pf, names[0])
    assert raw.startswith(b"Return-Path: <client@example.com>\nDelivered-To: "
                          b"support@support.test\nReceived: from ")
    assert b"\nSubject: Printer ne radi\n" in raw
    assert raw.endswith(b"\n\nDobar dan,\nprinter ne radi.\n")
    assert b"\r" not in raw
    env = read(pf, names[0][:-4] + ".env").decode().split("\n")
    assert env[:3] == ["client@example.com", SUPPORT_ADDRESS, "mark-42"]
    st = os.stat(os.path.join(pf.pipe_dir, names[0]))
    assert st.st_uid == mail_account().uid
    sent = pf.wait_for_status("sent", qid)
    assert sent[0]["relay"] == "evidpipe" and sent[0]["to"] == SUPPORT_ADDRESS
    pf.wait_queue_empty()
    assert pf.problems() == []


def test_postfix_refuses_unknown_recipients(capture):
    pf = capture
    with pytest.raises(smtplib.SMTPResponseException) as e:
        pf.submit(MESSAGE, rcpts=["nobody@support.test"])
    assert e.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPResponseException) as e:
        pf.submit(MESSAGE, rcpts=["someone@example.org"])
    assert e.value.smtp_code == 550 and b"no outgoing mail" in e.value.smtp_error
    assert pf.queue_is_empty()


def test_postfix_defers_on_exit_75_and_delivers_on_flush(capture):
    pf = capture
    flag = os.path.join(pf.pipe_dir, "tempfail")
    open(flag, "w").close()
    qid = pf.submit(MESSAGE)
    pf.wait_for_status("deferred", qid)
    q = pf.queue()
    assert [m["queue_id"] for m in q] == [qid]
    assert q[0]["recipients"][0]["address"] == SUPPORT_ADDRESS
    assert "tempfail requested" in q[0]["recipients"][0]["delay_reason"]
    # no retry of its own (retry_seconds=None), only on flush
    pf.flush()
    pf.wait_for_status("deferred", qid, count=2)
    time.sleep(0.3)
    assert len(pf.wait_for_status("deferred", qid)) == 2
    assert captured(pf) == []
    os.unlink(flag)
    pf.flush()
    names = pf.wait_until_delivered(lambda: captured(pf))
    pf.wait_queue_empty()
    assert len(names) == 1 and b"Subject: Printer ne radi" in read(pf, names[0])
    assert [d["status"] for d in pf.deliveries()] == ["deferred", "deferred", "sent"]


def test_postfix_retries_by_itself_with_retry_seconds(make_postfix, capture_script):
    pf = make_postfix([capture_script, "{pipe_dir}", "${sender}", "${recipient}"],
                      retry_seconds=1)
    open(os.path.join(pf.pipe_dir, "tempfail"), "w").close()
    qid = pf.submit(MESSAGE)
    pf.wait_for_status("deferred", qid)
    os.unlink(os.path.join(pf.pipe_dir, "tempfail"))
    pf.wait_until_delivered(lambda: captured(pf), timeout=15)
    pf.wait_queue_empty()


def test_postfix_message_set_aside_by_a_race_is_still_delivered(capture):
    # a queue scan that finds the message still locked (as by a delivery
    # agent that has not let go of it yet) sets it aside for 60 s; the
    # harness's waits make it due again
    pf = capture
    flag = os.path.join(pf.pipe_dir, "tempfail")
    open(flag, "w").close()
    qid = pf.submit(MESSAGE)
    pf.wait_for_status("deferred", qid)
    os.unlink(flag)
    (path,) = glob.glob(os.path.join(pf.queue_dir, "deferred", "*", qid))
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        pf.flush()
        pf.wait_until_delivered(lambda: "skipped, still being delivered" in pf.log())
    finally:
        os.close(fd)
    assert [m["queue_name"] for m in pf.queue()] == ["incoming"]
    pf.wait_until_delivered(lambda: captured(pf), timeout=5)
    pf.wait_queue_empty()


def test_postfix_pipe_command_may_write_what_the_test_made(capture):
    # a file made by the test (as root: a database, say) is handed over
    pf = capture
    path = os.path.join(pf.pipe_dir, "made-by-test")
    with open(path, "w") as f:
        f.write("x")
    pf.hand_over()
    assert os.stat(path).st_uid == pf.account.uid
    p = subprocess.run(as_account(pf.account, ["sh", "-c", "echo y >> " + path]))
    assert p.returncode == 0
    with open(path) as f:
        assert f.read() == "xy\n"


def test_postfix_refuses_a_command_the_mail_user_cannot_run(make_postfix, tmp_path):
    if not IS_ROOT:
        pytest.skip("Postfix needs root")
    assert os.stat(tmp_path.parent.parent).st_mode & 0o077 == 0
    script = tmp_path / "hidden.sh"       # pytest's tmp_path is mode 0700
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    with pytest.raises(MailServerError, match="cannot run"):
        make_postfix([str(script)])


# --- Dovecot ----------------------------------------------------------------

def test_dovecot_append_and_fetch_over_starttls_and_imaps(dovecot):
    assert dovecot.messages() == []
    uid1 = dovecot.append(MESSAGE, flags=("\\Seen",))
    uid2 = dovecot.append(MESSAGE.replace(b"harness-1", b"harness-2"))
    assert (uid1, uid2) == (1, 2)
    for security in ("starttls", "imaps"):
        m = dovecot.open(security, cafile=dovecot.cert)     # certificate verified
        assert m.login(IMAP_USER, IMAP_PASSWORD)[0] == "OK"
        typ, data = m.select("INBOX", readonly=True)
        assert (typ, data) == ("OK", [b"2"])
        typ, data = m.uid("FETCH", "2", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK" and b"<harness-2@example.com>" in data[0][1]
        m.logout()
    msgs = dovecot.messages()
    assert [(x.uid, x.flags) for x in msgs] == [(1, ("\\Seen",)), (2, ())]
    assert msgs[0].raw == MESSAGE
    st = dovecot.status()
    assert st["MESSAGES"] == 2 and st["UIDNEXT"] == 3 and st["UNSEEN"] == 1
    assert st["UIDVALIDITY"] == dovecot.uidvalidity() > 0
    assert dovecot.problems() == []


def test_dovecot_flags_move_expunge_and_uidvalidity(dovecot):
    for i in range(3):
        dovecot.append(MESSAGE.replace(b"harness-1", b"m%d" % i))
    dovecot.create_mailbox("Processed")
    assert dovecot.mailboxes() == ["INBOX", "Processed"]
    dovecot.set_flags(1, ("\\Flagged", "$Imported"), how="+FLAGS")
    dovecot.move(2, "Processed")
    dovecot.expunge(3)
    assert [(x.uid, x.flags) for x in dovecot.messages()] == [(1, ("$Imported", "\\Flagged"))]
    moved = dovecot.messages("Processed")
    assert len(moved) == 1 and b"<m1@example.com>" in moved[0].raw
    old = dovecot.uidvalidity()
    dovecot.set_uidvalidity(old + 1000)
    assert dovecot.uidvalidity() == old + 1000
    assert dovecot.append(MESSAGE) == 4


def test_dovecot_refuses_wrong_password_at_once(dovecot):
    m = dovecot.open("imaps")
    t = time.monotonic()
    with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
        m.login(IMAP_USER, "wrong")
    assert time.monotonic() - t < 1.0     # auth_failure_delay = 0 (+ Dovecot's 0.5 s tick)
    m.logout()
    assert dovecot.connect().logout()[0] == "BYE"


def test_dovecot_ssl_required_refuses_login_before_starttls(make_dovecot):
    d = make_dovecot(ssl_required=True)
    m = d.open("plain")
    assert "LOGINDISABLED" in m.capabilities
    with pytest.raises(Exception):
        m.login(IMAP_USER, IMAP_PASSWORD)
    m.logout()
    m = d.connect(security="starttls")
    assert m.select("INBOX")[0] == "OK"
    m.logout()


def test_dovecot_oauth2_tokens(dovecot):
    m = dovecot.connect_oauth(IMAP_TOKEN, mechanism="XOAUTH2")
    assert m.select("INBOX")[0] == "OK"
    m.logout()
    m = dovecot.connect_oauth(IMAP_TOKEN, mechanism="OAUTHBEARER", security="starttls")
    m.logout()
    with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
        dovecot.connect_oauth("not-a-token")
    dovecot.revoke_token(IMAP_TOKEN)
    with pytest.raises(Exception, match="AUTHENTICATIONFAILED"):
        dovecot.connect_oauth(IMAP_TOKEN)
    assert dovecot.token_endpoint.requests == [IMAP_TOKEN, IMAP_TOKEN, "not-a-token",
                                               IMAP_TOKEN]
    log = dovecot.log()
    assert "method=XOAUTH2" in log and "method=OAUTHBEARER" in log
    assert dovecot.problems() == []


def test_dovecot_with_curl(make_dovecot):
    d = make_dovecot(mechanisms=("plain", "login", "xoauth2"))
    d.append(MESSAGE)
    d.append(MESSAGE, flags=("\\Seen",))
    up = "%s:%s" % (IMAP_USER, IMAP_PASSWORD)
    rc, out, err = curl("-k", "--url", d.url("imaps"), "-u", up, "-X", "UID SEARCH ALL")
    assert (rc, out.strip()) == (0, "* SEARCH 1 2"), err
    rc, out, err = curl("--ssl-reqd", "--cacert", d.cert, "--url", d.url("starttls"),
                        "-u", up, "-X", "UID SEARCH UNSEEN")
    assert (rc, out.strip()) == (0, "* SEARCH 1"), err
    rc, out, err = curl("--cacert", d.cert, "--url", d.url("imaps") + ";UID=2", "-u", up)
    assert rc == 0 and out.encode() == MESSAGE, err
    rc, out, err = curl("-k", "--url", d.url("imaps"), "-u", IMAP_USER + ":",
                        "--oauth2-bearer", IMAP_TOKEN, "-X", "UID SEARCH ALL")
    assert (rc, out.strip()) == (0, "* SEARCH 1 2"), err
    assert "method=XOAUTH2" in d.log()
    rc, out, err = curl("-k", "--url", d.url("imaps"), "-u", IMAP_USER + ":wrong",
                        "-X", "UID SEARCH ALL")
    assert rc == 67, (rc, out, err)       # CURLE_LOGIN_DENIED


def test_dovecot_fill_many(dovecot):
    t = time.monotonic()
    n = dovecot.fill(MESSAGE.replace(b"harness-1", b"bulk-%d" % i) for i in range(2000))
    assert n == 2000
    assert dovecot.status()["MESSAGES"] == 2000
    assert time.monotonic() - t < 10
    assert dovecot.problems() == []


def test_handed_over_folder_is_writable_by_the_mail_account():
    d = make_workdir("handover")
    try:
        sub = os.path.join(d, "db")
        os.mkdir(sub, 0o700)
        hand_over(mail_account(), sub)
        assert os.stat(sub).st_uid == mail_account().uid
    finally:
        remove_workdir(d)


# --- SMTP sink --------------------------------------------------------------

def test_sink_receives_plain_smtp(smtp_sink):
    assert smtp_sink.send(MESSAGE, rcpts=("a@example.com", "b@example.com")) == {}
    (m,) = smtp_sink.wait_for(1)
    assert m.mail_from == "evid@support.test"
    assert m.rcpts == ["a@example.com", "b@example.com"]
    assert m.data == MESSAGE and m.login is None and m.tls is False


def test_sink_starttls_with_auth(make_smtp_sink, tmp_path):
    s = make_smtp_sink(tls="starttls", auth=True, folder=str(tmp_path))
    with pytest.raises(smtplib.SMTPSenderRefused) as e:     # no STARTTLS
        s.send(MESSAGE)
    assert e.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPSenderRefused) as e:     # TLS, no AUTH
        s.send(MESSAGE, security="starttls", cafile=s.cert)
    assert e.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPAuthenticationError):
        s.send(MESSAGE, security="starttls", login=SMTP_USER, password="wrong")
    s.send(MESSAGE, security="starttls", cafile=s.cert, login=SMTP_USER,
           password=SMTP_PASSWORD)
    (m,) = s.wait_for(1)
    assert (m.login, m.tls, m.data) == (SMTP_USER, True, MESSAGE)
    assert sorted(os.listdir(tmp_path)) == ["0001.eml", "0001.json"]
    assert (tmp_path / "0001.eml").read_bytes() == MESSAGE
    # libcurl, as evid's outbox will use it
    rc, out, err = curl("--url", "smtp://127.0.0.1:%d" % s.port, "--ssl-reqd", "--cacert",
                        s.cert, "-u", "%s:%s" % (SMTP_USER, SMTP_PASSWORD), "--mail-from",
                        "evid@support.test", "--mail-rcpt", "client@example.com", "-T", "-",
                        input=MESSAGE)
    assert rc == 0, err
    m = s.wait_for(2)[1]
    assert (m.login, m.tls, m.rcpts) == (SMTP_USER, True, ["client@example.com"])
    assert m.data == MESSAGE


def test_sink_smtps_with_password_and_xoauth2(make_smtp_sink):
    s = make_smtp_sink(tls="smtps", auth=True)
    s.send(MESSAGE, security="smtps", cafile=s.cert, login=SMTP_USER, password=SMTP_PASSWORD)
    rc, out, err = curl("--url", "smtps://127.0.0.1:%d" % s.port, "--cacert", s.cert,
                        "-u", SMTP_USER + ":", "--oauth2-bearer", SMTP_TOKEN,
                        "--mail-from", "evid@support.test", "--mail-rcpt", "c@example.com",
                        "-T", "-", input=MESSAGE)
    assert rc == 0, err
    rc, out, err = curl("--url", "smtps://127.0.0.1:%d" % s.port, "-k",
                        "-u", SMTP_USER + ":", "--oauth2-bearer", "bad-token",
                        "--mail-from", "evid@support.test", "--mail-rcpt", "c@example.com",
                        "-T", "-", input=MESSAGE)
    assert rc == 67, (rc, err)
    msgs = s.wait_for(2)
    assert [(m.login, m.tls) for m in msgs] == [(SMTP_USER, True), (SMTP_USER, True)]
    assert len(s.messages) == 2


def test_sink_down_then_up_on_the_same_port(smtp_sink):
    smtp_sink.send(MESSAGE)
    port = smtp_sink.port
    smtp_sink.stop()
    assert not smtp_sink.running
    with pytest.raises(ConnectionRefusedError):
        smtp_sink.send(MESSAGE)
    smtp_sink.start()
    assert smtp_sink.port == port
    smtp_sink.send(MESSAGE.replace(b"harness-1", b"harness-2"))
    msgs = smtp_sink.wait_for(2)
    assert len(msgs) == 2 and b"harness-2" in msgs[1].data


def test_sink_answers_4xx_and_5xx_on_demand(smtp_sink):
    smtp_sink.fail("RCPT", "451 4.3.0 try again later", times=1)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
        smtp_sink.send(MESSAGE)
    assert e.value.recipients["client@example.com"][0] == 451
    smtp_sink.send(MESSAGE)                    # the rule was for one time
    smtp_sink.fail("DATA", "554 5.6.0 message refused")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as e:
            smtp_sink.send(MESSAGE)
        assert e.value.smtp_code == 554
    smtp_sink.fail("MAIL", "421 4.3.2 shutting down", times=1)
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)):
        smtp_sink.send(MESSAGE)
    smtp_sink.accept()
    smtp_sink.send(MESSAGE)
    assert len(smtp_sink.wait_for(2)) == 2
    assert [c for c in smtp_sink.commands if c[1] != "250"] == [
        ("RCPT", "451 4.3.0 try again later"), ("DATA", "554 5.6.0 message refused"),
        ("DATA", "554 5.6.0 message refused"), ("MAIL", "421 4.3.2 shutting down")]
    with pytest.raises(ValueError):
        smtp_sink.fail("DATA", "250 fine")


def test_sink_delays_data_on_demand(smtp_sink):
    smtp_sink.delay = 0.5
    t = time.monotonic()
    smtp_sink.send(MESSAGE)
    assert time.monotonic() - t >= 0.5
    assert len(smtp_sink.messages) == 1
