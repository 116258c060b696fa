"""Real mail servers from Debian for the integration tests: a private Postfix
that delivers to a pipe command, a private Dovecot (IMAP with STARTTLS, IMAPS,
PLAIN/LOGIN and XOAUTH2/OAUTHBEARER against a local token introspection
endpoint) and an SMTP sink (python3-aiosmtpd) that keeps what evid sends.

Each server runs from its own temporary folder on free 127.0.0.1 ports as a
process (or thread) of the test run, and is stopped when its test ends.  No
system instance or systemd unit is used, nothing under /etc is changed (Postfix
only reads its package's postfix-files and dynamicmaps.cf there).  When the
tests run as root, mail is delivered and stored as 'nobody' (Postfix's pipe(8)
and Dovecot refuse root); as a normal user Dovecot and the sink run as that
user and Postfix is skipped (the postfix command is reserved for root).
Fixtures are registered in conftest.py; docs/testing.md describes them."""
import asyncio
import base64
import grp
import http.server
import imaplib
import itertools
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import warnings

import pytest

IS_ROOT = os.geteuid() == 0
DOMAIN = "support.test"
SUPPORT_ADDRESS = "support@" + DOMAIN
IMAP_USER = "support@" + DOMAIN
IMAP_PASSWORD = "imap-password-1"
IMAP_TOKEN = "imap-oauth-token-1"
SMTP_USER = "evid@" + DOMAIN
SMTP_PASSWORD = "smtp-password-1"
SMTP_TOKEN = "smtp-oauth-token-1"
# EVID_KEEP_MAILSERVERS=1 keeps each server's folder (configuration, logs,
# queue, mailboxes) after the test for a post-mortem; the path is printed.
KEEP = os.environ.get("EVID_KEEP_MAILSERVERS") == "1"

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
DOVECOT_DH = "/usr/share/dovecot/dh.pem"


class MailServerError(AssertionError):
    """A server of this harness could not be set up, started or stopped."""


def require(path, package):
    """Fails the test (not skips: CI must notice) when a program is missing."""
    if not os.access(path, os.X_OK):
        raise MailServerError("%s not found: install the Debian package %s "
                              "(make deps-test)" % (path, package))


# --- accounts, folders, ports, certificates ---------------------------------

class Account:
    """A system account that server processes run as; files the servers must
    write (a database for `evid mail-in`, maildirs) are handed to it."""

    def __init__(self, name, uid, gid):
        self.name = name
        self.uid = uid
        self.gid = gid

    def __repr__(self):
        return "<Account %s %d:%d>" % (self.name, self.uid, self.gid)


def mail_account():
    """The account mail is delivered and stored as: 'nobody' when the tests
    run as root (pipe(8) and Dovecot refuse to run mail processes as root),
    else the test's own user."""
    if IS_ROOT:
        pw = pwd.getpwnam("nobody")
        return Account(pw.pw_name, pw.pw_uid, pw.pw_gid)
    uid = os.getuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        raise MailServerError("uid %d has no name in /etc/passwd; Dovecot needs one" % uid)
    return Account(name, uid, os.getgid())


def group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        raise MailServerError("gid %d has no name in /etc/group; Dovecot needs one" % gid)


def hand_over(account, *paths):
    """Gives each path (folders recursively) to account when running as root,
    so a server process running as that account can write there.  A no-op
    for a normal user, who already owns the files."""
    if not IS_ROOT:
        return
    for top in paths:
        os.chown(top, account.uid, account.gid)
        if os.path.isdir(top) and not os.path.islink(top):
            for base, dirs, files in os.walk(top):
                for n in dirs + files:
                    os.lchown(os.path.join(base, n), account.uid, account.gid)


def as_account(account, argv):
    """argv to run as account (through setpriv(1) when root): for running
    `evid` on a database that the mail account's processes also write, so
    that SQLite's -wal and -shm files get the right owner."""
    if not IS_ROOT or account.uid == 0:
        return list(argv)
    return ["setpriv", "--reuid=%d" % account.uid, "--regid=%d" % account.gid,
            "--clear-groups", *argv]


def can_use(account, path, test="-x"):
    """True when account may use path (`test -x` by default): checked by
    running test(1) as that account, since root's os.access() says yes to all."""
    if not IS_ROOT:
        return os.access(path, {"-x": os.X_OK, "-r": os.R_OK, "-w": os.W_OK}[test])
    p = subprocess.run(["setpriv", "--reuid=%d" % account.uid, "--regid=%d" % account.gid,
                        "--clear-groups", "test", test, path], timeout=10)
    return p.returncode == 0


def make_workdir(kind):
    """A fresh private folder for one server, outside pytest's tmp_path
    (that is mode 0700, and the servers' own users must traverse it)."""
    d = tempfile.mkdtemp(prefix="evid-%s-" % kind)
    os.chmod(d, 0o711)
    return d


def remove_workdir(path):
    if KEEP:
        print("kept mail server folder %s" % path)
        return
    shutil.rmtree(path, ignore_errors=True)


_ports_given = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now and that this
    module has not handed out before in this run."""
    for _ in range(100):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _ports_given:
            _ports_given.add(port)
            return port
    raise MailServerError("no free port on 127.0.0.1")


def wait_port(port, timeout=15, alive=None, host="127.0.0.1"):
    """Waits until something accepts connections on host:port; alive()
    returning False (the server died) stops the wait early."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            if alive is not None and not alive():
                return False
            time.sleep(0.02)
    return False


def make_certificate(directory, name="localhost"):
    """Writes a self-signed certificate for localhost, 127.0.0.1 and 127.0.0.2
    (EC P-256,
    valid 30 days) and its key into directory with openssl(1); returns
    (cert_path, key_path).  The certificate is its own CA: clients can verify
    against it (cafile=cert_path, curl --cacert) or skip verification."""
    require("/usr/bin/openssl", "openssl")
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=" + name,
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise MailServerError("openssl req failed: " + p.stderr)
    return cert, key


def client_tls_context(cafile=None):
    """A client TLS context: verifying against cafile (the test certificate,
    for 'localhost', 127.0.0.1 and 127.0.0.2) when given, else nothing."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)     # no system CAs: quick
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


# --- processes --------------------------------------------------------------

def _stat(pid):
    """(state, ppid, session) of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[3])


def session_of(pid):
    st = _stat(pid)
    return st[2] if st else None


def live_session_processes(sid):
    """The pids of running (not zombie) processes in session sid."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st and st[2] == sid and st[0] != "Z":
                out.append(int(name))
    return out


def end_session(sid, grace=5):
    """Waits up to grace seconds until no process of session sid runs, then
    sends SIGTERM to what is left and, 3 s later, SIGKILL; returns the pids
    that had to be signalled ([] when everything ended by itself)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not live_session_processes(sid):
            return []
        time.sleep(0.02)
    left = live_session_processes(sid)
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 1)):
        for pid in live_session_processes(sid):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and live_session_processes(sid):
            time.sleep(0.02)
    return left


# --- Postfix ----------------------------------------------------------------

_NAME = re.compile(r"^[A-Za-z0-9._+-]+$")


class Postfix:
    """A private Postfix: smtpd on 127.0.0.1:port accepts mail for `domain`,
    and each recipient in `recipients` (local parts) is delivered by pipe(8)
    to `command` (a list, or a string like "|/path/evid --db X mail-in"; the
    program by its absolute path), run as `account` with the message on
    standard input.  pipe(8) flags DRX
    add Return-Path and Delivered-To; line ends arrive as LF.  Exit 0 is
    delivered, 75 (EX_TEMPFAIL) is deferred and retried by flush() (or after
    retry_seconds), other codes bounce.  The command's words may use pipe(8)
    macros such as ${sender} and ${recipient}; they may not contain blanks or
    braces.  pipe_dir is a folder owned by the mail account where the
    command may write (put its database there); "{pipe_dir}" in a word of
    the command is replaced by that path.  env: variables exported to the
    command (values without blanks).
    Needs root: the postfix command is reserved for the superuser."""

    def __init__(self, command, domain=DOMAIN, recipients=("support",), flags="DRX",
                 env=None, retry_seconds=None, message_size_limit=10240000, account=None,
                 main_cf=None):
        if not IS_ROOT:
            raise MailServerError("Postfix needs root: the postfix command is "
                                  "reserved for the superuser")
        require(POSTFIX, "postfix")
        if isinstance(command, str):
            command = shlex.split(command.strip().lstrip("|"))
        for a in command:
            if not a or re.search(r"[\s{}]", re.sub(r"\$\{\w+\}|\{pipe_dir\}", "", a)):
                raise ValueError("pipe(8) argument %r: no blanks or braces" % a)
        for r in recipients:
            if not _NAME.match(r):
                raise ValueError("recipient local part %r" % r)
        self.domain = domain
        self.recipients = list(recipients)
        self.address = "%s@%s" % (recipients[0], domain)
        self.flags = flags
        self.env = dict(env or {})
        for k, v in self.env.items():
            if not re.match(r"^[A-Za-z_]\w*$", k) or re.search(r"[\s{}]", v):
                raise ValueError("pipe environment %s=%r" % (k, v))
        self.retry_seconds = retry_seconds
        self.message_size_limit = message_size_limit
        self.account = account or mail_account()
        self.main_cf = dict(main_cf or {})
        self.dir = make_workdir("postfix")
        self.config_dir = os.path.join(self.dir, "etc")
        self.queue_dir = os.path.join(self.dir, "spool")
        self.data_dir = os.path.join(self.dir, "data")
        self.pipe_dir = os.path.join(self.dir, "pipe")
        self.maillog = os.path.join(self.dir, "maillog")
        self.command = [a.replace("{pipe_dir}", self.pipe_dir) for a in command]
        self.port = free_port()
        self.master_pid = None
        self.session = None
        os.mkdir(self.config_dir, 0o755)
        os.mkdir(self.queue_dir, 0o755)
        os.mkdir(self.data_dir, 0o700)
        pw = pwd.getpwnam("postfix")
        os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        # the queue as post-install(1) would make it (see postfix-files), and
        # quick-start so that `postfix start` skips its 2 s of checks
        # (check() runs them on demand)
        postdrop = grp.getgrnam("postdrop").gr_gid
        for name in ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold",
                     "incoming", "private", "saved", "trace", "maildrop", "public", "pid"):
            path = os.path.join(self.queue_dir, name)
            mode, owner, group = {"maildrop": (0o730, pw.pw_uid, postdrop),
                                  "public": (0o710, pw.pw_uid, postdrop),
                                  "pid": (0o755, 0, 0)}.get(name, (0o700, pw.pw_uid, 0))
            os.mkdir(path)
            os.chown(path, owner, group)
            os.chmod(path, mode)
        open(os.path.join(self.queue_dir, "quick-start"), "w").close()
        os.mkdir(self.pipe_dir, 0o755)
        hand_over(self.account, self.pipe_dir)
        self._write_config()

    def _write_config(self):
        retry = "%ds" % self.retry_seconds if self.retry_seconds else "3600s"
        users = ", ".join("%s=ok" % r for r in self.recipients)
        routes = ", ".join("%s@%s=evidpipe:" % (r, self.domain) for r in self.recipients)
        imported = ("MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE "
                    "POSTLOG_HOSTNAME")
        exported = "TZ MAIL_CONFIG LANG"
        for k, v in sorted(self.env.items()):
            imported += " %s=%s" % (k, v)
            exported += " " + k
        main = [
            ("compatibility_level", "3.6"),
            ("queue_directory", self.queue_dir),
            ("data_directory", self.data_dir),
            ("meta_directory", "/etc/postfix"),
            ("mail_owner", "postfix"),
            ("setgid_group", "postdrop"),
            ("myhostname", "mail." + self.domain),
            ("mydomain", self.domain),
            ("myorigin", "$mydomain"),
            ("mydestination", self.domain),
            ("inet_interfaces", "127.0.0.1"),
            ("inet_protocols", "ipv4"),
            ("mynetworks", "127.0.0.0/8"),
            ("relay_domains", ""),
            ("alias_maps", ""),
            ("alias_database", ""),
            # smtpd refuses unknown recipients at RCPT time
            ("local_recipient_maps", "inline:{ %s }" % users),
            ("transport_maps", "inline:{ %s }" % routes),
            # anything else local (postmaster's double bounces) is dropped,
            # nothing ever leaves this instance
            ("local_transport", "discard"),
            ("default_transport", "error:5.7.1 no outgoing mail from the test instance"),
            ("relay_transport", "error:5.7.1 no outgoing mail from the test instance"),
            ("evidpipe_destination_recipient_limit", "1"),
            ("evidpipe_time_limit", "120s"),
            ("import_environment", imported),
            ("export_environment", exported),
            ("queue_run_delay", retry),
            ("minimal_backoff_time", retry),
            ("maximal_backoff_time", retry),
            ("message_size_limit", str(self.message_size_limit)),
            ("mailbox_size_limit", "0"),
            ("notify_classes", ""),
            ("smtpd_peername_lookup", "no"),
            ("biff", "no"),
            ("maillog_file", self.maillog),
            ("maillog_file_prefixes", self.dir),
        ] + sorted(self.main_cf.items())
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            for k, v in main:
                f.write("%s = %s\n" % (k, v))
        services = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
# woken every second: it then takes up due messages left in incoming at once
qmgr      unix  n       -       n       1       1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
evidpipe  unix  -       n       n       -       -       pipe
  flags={flags} user={user} argv={argv}
""".format(port=self.port, flags=self.flags, user=self.account.name,
           argv=" ".join(self.command))
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write(services)
        # Postfix rereads a file changed in the current second until it is
        # one second old (300 ms naps): date the files back to start at once
        old = time.time() - 60
        for name in ("main.cf", "master.cf"):
            os.utime(os.path.join(self.config_dir, name), (old, old))

    def _postfix(self, *args, timeout=60):
        """Runs `postfix -c DIR args` with its output in a file (a daemon it
        starts must not hold a pipe of ours open); returns (rc, output)."""
        out = os.path.join(self.dir, "postfix-command.out")
        with open(out, "w") as f:
            rc = subprocess.run([POSTFIX, "-c", self.config_dir, *args], stdout=f,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                timeout=timeout).returncode
        with open(out) as f:
            return rc, f.read()

    def hand_over(self):
        """Gives everything in pipe_dir to the mail account again: call it
        after creating files there as root (the database, say)."""
        hand_over(self.account, self.pipe_dir)

    def check(self):
        """Runs `postfix check`; returns its warnings (lines of its output and
        of the mail log that say warning/fatal), [] when all is well."""
        start = os.path.getsize(self.maillog) if os.path.exists(self.maillog) else 0
        rc, out = self._postfix("check")
        text = out
        if os.path.exists(self.maillog):
            with open(self.maillog, errors="replace") as f:
                f.seek(start)
                text += f.read()
        bad = [ln for ln in text.splitlines() if "warning:" in ln or "fatal:" in ln]
        if rc != 0 and not bad:
            bad = ["postfix check exited %d: %s" % (rc, out)]
        return bad

    def start(self):
        """Starts the instance (postfix start) and waits for its smtpd port.
        The pipe command must be executable by the mail account."""
        if not can_use(self.account, self.command[0]):
            raise MailServerError("%s cannot run %s: every folder above it must be "
                                  "searchable (o+x)" % (self.account.name, self.command[0]))
        rc, out = self._postfix("start")
        if rc != 0:
            raise MailServerError("postfix start failed (%d): %s\n%s" % (rc, out,
                                                                        tail(self.maillog)))
        with open(os.path.join(self.queue_dir, "pid", "master.pid")) as f:
            self.master_pid = int(f.read().split()[0])
        # the master makes its own session; never wait for (or signal) ours
        self.session = session_of(self.master_pid)
        if self.session == os.getsid(0):
            self.session = None
        if not wait_port(self.port, alive=lambda: _stat(self.master_pid) is not None):
            raise MailServerError("postfix smtpd not listening on %d:\n%s" % (
                self.port, tail(self.maillog)))
        return self

    def stop(self):
        """Stops the instance (postfix stop), waits until all its processes
        are gone (any still running 5 s later, such as a hung pipe command,
        are killed and reported as an error) and removes its folder.  Safe
        to call twice."""
        if self.master_pid is None:
            remove_workdir(self.dir)
            return
        errors = []
        if _stat(self.master_pid) is not None:
            rc, out = self._postfix("stop")
            if rc != 0:
                errors.append("postfix stop exited %d: %s" % (rc, out))
        if self.session is not None:
            left = end_session(self.session)
            if left:
                errors.append("postfix processes still running 5 s after postfix stop, "
                              "killed: %s" % left)
        self.master_pid = None
        log = tail(self.maillog)
        remove_workdir(self.dir)
        if errors:
            raise MailServerError("; ".join(errors) + "\n" + log)

    def submit(self, raw, mail_from="client@example.com", rcpts=None):
        """Sends one message over SMTP to the instance (to the support
        address unless rcpts is given); returns Postfix's queue id.  Raises
        smtplib.SMTPResponseException when Postfix refuses it."""
        if isinstance(raw, str):
            raw = raw.encode()
        with smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.test",
                          timeout=30) as s:
            s.ehlo()
            code, resp = s.mail(mail_from)
            if code != 250:
                raise smtplib.SMTPResponseException(code, resp)
            for r in rcpts or [self.address]:
                code, resp = s.rcpt(r)
                if code not in (250, 251):
                    raise smtplib.SMTPResponseException(code, resp)
            code, resp = s.data(raw)
            if code != 250:
                raise smtplib.SMTPResponseException(code, resp)
        m = re.search(rb"queued as ([0-9A-Za-z]+)", resp)
        return m.group(1).decode() if m else None

    def _postqueue(self, *args):
        p = subprocess.run([POSTQUEUE, "-c", self.config_dir, *args], capture_output=True,
                           text=True, timeout=30)
        if p.returncode != 0:
            raise MailServerError("postqueue %s failed (%d): %s" % (
                " ".join(args), p.returncode, p.stderr))
        return p.stdout

    def queue(self):
        """The messages in the queue (postqueue -j): a list of dicts with
        queue_id, queue_name ('deferred', 'active', ...), sender and
        recipients (address, delay_reason)."""
        return [json.loads(ln) for ln in self._postqueue("-j").splitlines() if ln.strip()]

    def queue_is_empty(self):
        return not self.queue()

    def flush(self):
        """Asks Postfix to retry every deferred message now (postqueue -f),
        once no delivery is under way."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not any(m["queue_name"] == "active" for m in self.queue()):
                break
            time.sleep(0.02)
        # a delivery agent lets go of a deferred message a moment after the
        # queue shows it deferred; a scan that meets it still held sets it
        # aside for 60 s (see _kick_stuck)
        time.sleep(0.1)
        self._postqueue("-f")

    def _kick_stuck(self, seen):
        """A queue scan that meets a message its delivery agent has not yet
        let go of ("skipped, still being delivered") puts it in the incoming
        queue, due only 60 s later.  Postfix would deliver it then; make it
        due now (postqueue -i) once it has sat there 0.3 s, so that a test
        does not wait a minute for a race inside Postfix."""
        now = time.monotonic()
        for m in self.queue():
            if m["queue_name"] != "incoming" or not any(
                    r.get("delay_reason") for r in m.get("recipients", [])):
                continue
            first = seen.setdefault(m["queue_id"], now)
            if now - first >= 0.3:
                self._postqueue("-i", m["queue_id"])
                seen[m["queue_id"]] = now + 1

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def problems(self):
        """The mail log lines that report a warning, an error or worse."""
        return [ln for ln in self.log().splitlines()
                if re.search(r"\]: (warning|error|fatal|panic): ", ln)]

    def deliveries(self):
        """The delivery attempts in the mail log, oldest first: dicts with
        queue_id, to, relay, dsn, status ('sent', 'deferred', 'bounced') and
        reason (pipe(8) includes the command's output there)."""
        out = []
        pat = re.compile(r"postfix/\w+\[\d+\]: ([0-9A-F]+): to=<([^>]*)>.*?"
                         r"relay=([^,]*),.*?dsn=([^,]*), status=(\w+) \((.*)\)$")
        for ln in self.log().splitlines():
            m = pat.search(ln)
            if m:
                out.append(dict(zip(("queue_id", "to", "relay", "dsn", "status", "reason"),
                                    m.groups())))
        return out

    def _diagnosis(self):
        try:
            q = self.queue()
        except MailServerError as e:
            q = str(e)
        return "queue: %s\nmail log:\n%s" % (q, tail(self.maillog))

    def wait_until_delivered(self, predicate, timeout=10):
        """Polls predicate() until it returns something true and returns
        that; fails with the queue and the mail log after timeout seconds.
        Meanwhile a message Postfix set aside by a race is made due again
        (see _kick_stuck)."""
        deadline = time.monotonic() + timeout
        seen = {}
        next_kick = time.monotonic() + 0.2
        while True:
            v = predicate()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError("not delivered within %ss\n%s" % (timeout,
                                                                      self._diagnosis()))
            if time.monotonic() > next_kick:
                self._kick_stuck(seen)
                next_kick = time.monotonic() + 0.2
            time.sleep(0.02)

    def wait_for_status(self, status, queue_id=None, count=1, timeout=10):
        """Waits until the mail log shows count delivery attempts with status
        ('sent', 'deferred', 'bounced'), of queue_id if given; returns them."""
        def found():
            d = [x for x in self.deliveries() if x["status"] == status and
                 (queue_id is None or x["queue_id"] == queue_id)]
            return d if len(d) >= count else None
        return self.wait_until_delivered(found, timeout)

    def wait_queue_empty(self, timeout=10):
        self.wait_until_delivered(self.queue_is_empty, timeout)


# --- Dovecot ----------------------------------------------------------------

class ImapMessage:
    def __init__(self, uid, flags, raw):
        self.uid = uid
        self.flags = flags
        self.raw = raw

    def __repr__(self):
        return "<ImapMessage uid=%d flags=%s %d bytes>" % (self.uid, self.flags, len(self.raw))


def _imap_quote(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def _imap_ok(typ, data, what):
    if typ != "OK":
        raise MailServerError("IMAP %s failed: %s %r" % (what, typ, data))
    return data


def xoauth2_string(user, token):
    """The XOAUTH2 initial response (before base64): user, bearer token."""
    return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)


def oauthbearer_string(user, token):
    """The OAUTHBEARER (RFC 7628) initial response (before base64)."""
    return "n,a=%s,\x01auth=Bearer %s\x01\x01" % (user, token)


class TokenEndpoint:
    """A token introspection endpoint (RFC 7662 style) on 127.0.0.1 in a
    thread: POST token=X answers {"active": true, "username": U} for a known
    token, {"active": false} otherwise.  tokens maps token -> user name;
    requests lists the tokens asked about."""

    def __init__(self, tokens=None):
        self.tokens = dict(tokens or {})
        self.requests = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(n).decode())
                token = form.get("token", [""])[0]
                endpoint.requests.append(token)
                user = endpoint.tokens.get(token)
                body = json.dumps({"active": True, "username": user} if user
                                  else {"active": False}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/introspect" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class Dovecot:
    """A private Dovecot: IMAP with STARTTLS on port, IMAPS on imaps_port,
    both on host, with a fresh self-signed certificate (cert, key).
    users maps login -> password (passwd-file); tokens maps OAuth2 bearer
    token -> login, checked by Dovecot's oauth2 passdb against a local
    introspection endpoint (XOAUTH2 and OAUTHBEARER).  Mail is stored as
    maildir under DIR/mail/<login>, owned by the mail account.  ssl_required
    makes Dovecot refuse any login before TLS.  Dovecot counts a client
    whose address equals the server's as secure and lets it log in without
    TLS, so with ssl_required the server listens on host 127.0.0.2 (clients
    connect from 127.0.0.1); else on 127.0.0.1.  mechanisms: the SASL
    mechanisms offered (libcurl prefers OAUTHBEARER to XOAUTH2 when both
    are offered)."""

    def __init__(self, users=None, tokens=None, ssl_required=False,
                 mechanisms=("plain", "login", "xoauth2", "oauthbearer"), account=None,
                 host=None):
        require(DOVECOT, "dovecot-imapd")
        self.users = dict(users or {IMAP_USER: IMAP_PASSWORD})
        for u, p in self.users.items():
            if ":" in u + p or "\n" in u + p:
                raise ValueError("passwd-file user or password with ':' or newline")
        self.user = next(iter(self.users))
        self.password = self.users[self.user]
        self.token_endpoint = None
        self.tokens = dict(tokens if tokens is not None else {IMAP_TOKEN: self.user})
        self.ssl_required = ssl_required
        self.host = host or ("127.0.0.2" if ssl_required else "127.0.0.1")
        self.mechanisms = list(mechanisms)
        self.account = account or mail_account()
        self.dir = make_workdir("dovecot")
        self.config = os.path.join(self.dir, "dovecot.conf")
        self.logfile = os.path.join(self.dir, "dovecot.log")
        self.mail_dir = os.path.join(self.dir, "mail")
        self.port = free_port()
        self.imaps_port = free_port()
        self.proc = None
        try:
            self.cert, self.key = make_certificate(self.dir)
        except BaseException:
            remove_workdir(self.dir)
            raise

    def _write_config(self):
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            for u, p in self.users.items():
                f.write("%s:{PLAIN}%s::::::\n" % (u, p))
        with open(os.path.join(self.dir, "oauth2.conf.ext"), "w") as f:
            f.write("introspection_mode = post\nintrospection_url = %s\n"
                    "username_attribute = username\nactive_attribute = active\n"
                    "active_value = true\nforce_introspection = yes\n"
                    "timeout_msecs = 5000\n" % self.token_endpoint.url)
        d = self.dir
        a = self.account
        rootless = ""
        if not IS_ROOT:
            # every service as the test's user, no chroot
            rootless = """
default_internal_user = {u}
default_internal_group = {g}
default_login_user = {u}
service auth-worker {{
  user = $default_internal_user
}}
""".format(u=a.name, g=group_name(a.gid))
        oauth_mechs = " ".join(m for m in self.mechanisms if m in ("xoauth2", "oauthbearer"))
        oauth_passdb = ""
        if oauth_mechs:
            oauth_passdb = """
passdb {
  driver = oauth2
  mechanisms = %s
  args = %s/oauth2.conf.ext
}""" % (oauth_mechs, d)
        conf = """\
# a private instance for one test, written by tests/integration/mailservers.py
base_dir = {d}/run
state_dir = {d}/state
instance_name = evid-dovecot-{port}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = {host}
ssl = {ssl}
ssl_cert = <{cert}
ssl_key = <{key}
{dh}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = {mechs}
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}{oauth}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
# one login process, started ahead, serving every client: greeting at once
service imap-login {{
  service_count = 0
  process_min_avail = 1{chroot}
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps}
    ssl = yes
  }}
}}
# no growing delays after failed logins from 127.0.0.1
service anvil {{{chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{rootless}""".format(d=d, host=self.host, port=self.port, imaps=self.imaps_port,
                     ssl="required" if self.ssl_required else "yes", cert=self.cert, key=self.key,
                     dh="ssl_dh = <%s" % DOVECOT_DH if os.path.exists(DOVECOT_DH) else "",
                     mechs=" ".join(self.mechanisms), uid=a.uid, gid=a.gid, oauth=oauth_passdb,
                     rootless=rootless, chroot="" if IS_ROOT else "\n  chroot =")
        with open(self.config, "w") as f:
            f.write(conf)

    def start(self):
        """Starts `dovecot -c FILE -F` in its own session and waits until
        both ports answer."""
        self.token_endpoint = TokenEndpoint(self.tokens)
        self.tokens = self.token_endpoint.tokens
        self._write_config()
        os.mkdir(self.mail_dir, 0o700)
        hand_over(self.account, self.mail_dir)
        out = open(os.path.join(self.dir, "dovecot.out"), "w")
        self.proc = subprocess.Popen([DOVECOT, "-c", self.config, "-F"], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        out.close()
        alive = lambda: self.proc.poll() is None  # noqa: E731
        if not (wait_port(self.port, alive=alive, host=self.host) and
                wait_port(self.imaps_port, alive=alive, host=self.host) and
                self._greeting()):
            self.stop(check=False)
            raise MailServerError("dovecot did not start:\n%s%s" % (
                tail(os.path.join(self.dir, "dovecot.out")), tail(self.logfile)))
        return self

    def _greeting(self, timeout=15):
        """Waits for the IMAP greeting: the login process and auth are up.
        (A SIGTERM before that makes the master linger for 6 s.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as c:
                    if c.recv(200).startswith(b"* OK"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def stop(self, check=True):
        """Stops Dovecot (SIGTERM to all its processes; any still running 5 s
        later are killed and reported as an error) and removes its folder."""
        errors = []
        if self.proc is not None:
            # SIGTERM to every Dovecot process at once: the master alone
            # would wait seconds for login processes that still have clients
            sid = self.proc.pid
            try:
                os.killpg(sid, signal.SIGTERM)
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                errors.append("dovecot did not stop on SIGTERM")
            left = end_session(sid)
            if left:
                errors.append("dovecot processes still running 5 s after SIGTERM, "
                              "killed: %s" % left)
            self.proc = None
        if self.token_endpoint is not None:
            self.token_endpoint.stop()
            self.token_endpoint = None
        log = tail(self.logfile)
        remove_workdir(self.dir)
        if errors and check:
            raise MailServerError("; ".join(errors) + "\n" + log)

    def log(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()

    def problems(self):
        """The log lines that report a warning, an error or worse ([] when
        all is well; stopping adds warnings of its own)."""
        return [ln for ln in self.log().splitlines()
                if re.search(r": (Warning|Error|Fatal|Panic): ", ln)]

    def url(self, security="imaps", mailbox="INBOX"):
        """imaps://HOST:PORT/INBOX, or imap://... for STARTTLS."""
        if security == "imaps":
            return "imaps://%s:%d/%s" % (self.host, self.imaps_port, mailbox)
        return "imap://%s:%d/%s" % (self.host, self.port, mailbox)

    def add_token(self, token, user=None):
        self.tokens[token] = user or self.user

    def revoke_token(self, token):
        self.tokens.pop(token, None)

    def open(self, security="imaps", cafile=None):
        """An IMAP connection not yet logged in: 'imaps', 'starttls' (TLS
        started) or 'plain' (no TLS); verifying the certificate with cafile."""
        ctx = client_tls_context(cafile)
        if security == "imaps":
            return imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=ctx, timeout=30)
        m = imaplib.IMAP4(self.host, self.port, timeout=30)
        if security == "starttls":
            m.starttls(ctx)
        elif security != "plain":
            raise ValueError(security)
        return m

    def connect(self, user=None, password=None, security="imaps"):
        """A logged-in IMAP connection (LOGIN with user and password,
        default the first user)."""
        m = self.open(security)
        user = user or self.user
        m.login(user, password if password is not None else self.users[user])
        return m

    def connect_oauth(self, token, user=None, mechanism="XOAUTH2", security="imaps"):
        """A connection logged in with AUTHENTICATE XOAUTH2 or OAUTHBEARER."""
        m = self.open(security)
        user = user or self.user
        s = (xoauth2_string if mechanism == "XOAUTH2" else oauthbearer_string)(user, token)
        m.authenticate(mechanism, lambda _: s.encode())
        return m

    def _session(self, user):
        return self.connect(user or self.user)

    def append(self, raw, flags=(), mailbox="INBOX", user=None, date=None):
        """APPENDs one message (bytes) with flags (e.g. ('\\\\Seen',)) and an
        optional INTERNALDATE (a time.time() value); returns its UID."""
        if isinstance(raw, str):
            raw = raw.encode()
        m = self._session(user)
        try:
            fl = "(%s)" % " ".join(flags) if flags else None
            dt = imaplib.Time2Internaldate(date) if date is not None else None
            data = _imap_ok(*m.append(_imap_quote(mailbox), fl, dt, raw), what="APPEND")
        finally:
            m.logout()
        mm = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        if not mm:
            raise MailServerError("APPEND without APPENDUID: %r" % data)
        return int(mm.group(1))

    def messages(self, mailbox="INBOX", user=None):
        """Every message of mailbox in UID order as ImapMessage(uid, flags
        (a sorted tuple of str, without \\Recent), raw bytes), read without
        setting \\Seen."""
        m = self._session(user)
        try:
            _imap_ok(*m.select(_imap_quote(mailbox), readonly=True), what="EXAMINE")
            typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
            _imap_ok(typ, data, "FETCH")
        finally:
            m.logout()
        out = []
        meta = b""
        raw = None
        for item in data + [None]:
            # each message: (b'N (UID u FLAGS (..) BODY[] {n}', body), then b')'
            # or b' FLAGS (..))' when the server sends FLAGS after the body
            if isinstance(item, tuple):
                if raw is not None:
                    out.append(self._message(meta, raw))
                meta, raw = item[0], item[1]
            elif isinstance(item, bytes) and raw is not None:
                meta += item
            elif item is None and raw is not None:
                out.append(self._message(meta, raw))
        return sorted(out, key=lambda x: x.uid)

    @staticmethod
    def _message(meta, raw):
        uid = int(re.search(rb"UID (\d+)", meta).group(1))
        fl = re.search(rb"FLAGS \(([^)]*)\)", meta)
        # \Recent belongs to the session, not to the message
        flags = tuple(sorted(f for f in (fl.group(1).decode().split() if fl else ())
                             if f != "\\Recent"))
        return ImapMessage(uid, flags, raw)

    def status(self, mailbox="INBOX", user=None):
        """STATUS of mailbox: dict with MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN."""
        m = self._session(user)
        try:
            data = _imap_ok(*m.status(_imap_quote(mailbox),
                                      "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"), what="STATUS")
        finally:
            m.logout()
        return {k.decode(): int(v) for k, v in re.findall(rb"([A-Z]+) (\d+)", data[0])}

    def uidvalidity(self, mailbox="INBOX", user=None):
        return self.status(mailbox, user)["UIDVALIDITY"]

    def create_mailbox(self, name, user=None):
        m = self._session(user)
        try:
            _imap_ok(*m.create(_imap_quote(name)), what="CREATE")
        finally:
            m.logout()

    def mailboxes(self, user=None):
        m = self._session(user)
        try:
            data = _imap_ok(*m.list(), what="LIST")
        finally:
            m.logout()
        names = []
        for ln in data:
            # (\HasNoChildren) "." INBOX  or  ... "Sent Items"
            m = re.match(rb'^\([^)]*\) (?:"[^"]*"|NIL) (.*)$', ln or b"")
            if m:
                names.append(m.group(1).strip(b'"').decode())
        return sorted(names)

    def _uid_command(self, mailbox, user, *cmd):
        m = self._session(user)
        try:
            _imap_ok(*m.select(_imap_quote(mailbox)), what="SELECT")
            return _imap_ok(*m.uid(*cmd), what=" ".join(cmd))
        finally:
            m.logout()

    def set_flags(self, uid, flags, mailbox="INBOX", user=None, how="FLAGS"):
        """UID STORE: how is 'FLAGS' (replace), '+FLAGS' or '-FLAGS'."""
        self._uid_command(mailbox, user, "STORE", str(uid), how, "(%s)" % " ".join(flags))

    def move(self, uid, to, mailbox="INBOX", user=None):
        """UID MOVE (RFC 6851) of one message to mailbox `to`."""
        self._uid_command(mailbox, user, "MOVE", str(uid), _imap_quote(to))

    def expunge(self, uid, mailbox="INBOX", user=None):
        """Deletes one message for good (\\Deleted, then UID EXPUNGE)."""
        m = self._session(user)
        try:
            _imap_ok(*m.select(_imap_quote(mailbox)), what="SELECT")
            _imap_ok(*m.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)"), what="STORE")
            _imap_ok(*m.uid("EXPUNGE", str(uid)), what="UID EXPUNGE")
        finally:
            m.logout()

    def doveadm(self, *args):
        """Runs doveadm against this instance; returns its output."""
        p = subprocess.run([DOVEADM, "-c", self.config, *args], capture_output=True,
                           text=True, timeout=30)
        if p.returncode != 0:
            raise MailServerError("doveadm %s failed (%d): %s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p.stdout

    def set_uidvalidity(self, value, mailbox="INBOX", user=None):
        """Gives mailbox a new UIDVALIDITY, as when a server rebuilds it."""
        self.doveadm("mailbox", "update", "-u", user or self.user, "--uid-validity",
                     str(value), mailbox)

    def fill(self, raws, user=None):
        """Puts many messages straight into the user's INBOX maildir (new/),
        much faster than APPEND (for large mailboxes); Dovecot gives them
        UIDs when a client next looks.  Returns how many were written."""
        home = os.path.join(self.mail_dir, user or self.user)
        md = os.path.join(home, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub), exist_ok=True)
        stamp = int(time.time())
        n = 0
        for raw in raws:
            if isinstance(raw, str):
                raw = raw.encode()
            name = "%d.M%dP%d.evidtest" % (stamp, next(_maildir_names), os.getpid())
            tmp = os.path.join(md, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(raw)
            os.rename(tmp, os.path.join(md, "new", name))
            n += 1
        hand_over(self.account, home)
        return n


_maildir_names = itertools.count()


# --- SMTP sink --------------------------------------------------------------

class SinkMessage:
    def __init__(self, mail_from, rcpts, data, login, tls):
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.data = data
        self.login = login
        self.tls = tls
        self.received = time.time()

    def __repr__(self):
        return "<SinkMessage from=%s to=%s %d bytes>" % (self.mail_from, self.rcpts,
                                                         len(self.data))


class SmtpSink:
    """An SMTP server (aiosmtpd, in a thread of the test process) on
    127.0.0.1:port that keeps each message it accepts in `messages`
    (SinkMessage: mail_from, rcpts, data bytes as received, login, tls) and,
    with folder, also as NNNN.eml + NNNN.json files.
    tls: None, 'starttls' (offered; required before MAIL when
    require_tls) or 'smtps' (implicit TLS), with a fresh self-signed
    certificate (cert).  auth: require AUTH (PLAIN, LOGIN over TLS; XOAUTH2
    with a token from tokens) with users (login -> password).
    fail(stage, reply) answers MAIL, RCPT or DATA with a 4xx/5xx reply;
    stop() and start() again keep the same port ("SMTP down, then up")."""

    def __init__(self, tls=None, auth=False, users=None, tokens=None, require_tls=True,
                 folder=None, data_size_limit=33554432):
        if tls not in (None, "starttls", "smtps"):
            raise ValueError(tls)
        self.tls = tls
        self.auth = auth
        self.users = dict(users or {SMTP_USER: SMTP_PASSWORD})
        self.tokens = dict(tokens if tokens is not None else {SMTP_TOKEN: next(iter(self.users))})
        self.require_tls = require_tls
        self.folder = folder
        self.data_size_limit = data_size_limit
        self.port = free_port()
        self.messages = []
        self.commands = []        # (stage, reply) of every MAIL, RCPT and DATA
        self.delay = 0            # seconds to wait before answering DATA
        self._rules = []          # [stage, reply, times left or None]
        self._lock = threading.Lock()
        self._controller = None
        self.dir = None
        self.cert = self.key = None
        if tls:
            self.dir = make_workdir("smtp")
            self.cert, self.key = make_certificate(self.dir)

    @property
    def running(self):
        return self._controller is not None

    def fail(self, stage, reply, times=None):
        """Answers the next `times` (None: every) MAIL, RCPT or DATA command
        with reply, e.g. '451 4.3.0 try again later' or '550 5.1.1 no'."""
        stage = stage.upper()
        if stage not in ("MAIL", "RCPT", "DATA"):
            raise ValueError(stage)
        if not re.match(r"^[45]\d\d ", reply):
            raise ValueError("reply must be a 4xx or 5xx line: %r" % reply)
        with self._lock:
            self._rules.append([stage, reply, times])

    def accept(self):
        """Forgets every fail() rule: accept mail again."""
        with self._lock:
            self._rules = []

    def _reply_for(self, stage):
        with self._lock:
            for rule in self._rules:
                if rule[0] == stage and (rule[2] is None or rule[2] > 0):
                    if rule[2] is not None:
                        rule[2] -= 1
                    self.commands.append((stage, rule[1]))
                    return rule[1]
            self.commands.append((stage, "250"))
        return None

    def _store(self, msg):
        with self._lock:
            self.messages.append(msg)
            n = len(self.messages)
        if self.folder:
            base = os.path.join(self.folder, "%04d" % n)
            with open(base + ".eml", "wb") as f:
                f.write(msg.data)
            with open(base + ".json", "w") as f:
                json.dump({"mail_from": msg.mail_from, "rcpts": msg.rcpts,
                           "login": msg.login, "tls": msg.tls}, f)
        return n

    def _authenticate(self, server, session, envelope, mechanism, data):
        from aiosmtpd.smtp import AuthResult
        login = data.login.decode(errors="replace")
        secret = data.password.decode(errors="replace")
        if mechanism == "XOAUTH2":
            ok = self.tokens.get(secret) == login
        else:
            ok = login in self.users and self.users[login] == secret
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def start(self):
        """Starts listening (again, on the same port after stop())."""
        if self.running:
            return self
        try:
            from aiosmtpd.controller import Controller
            from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, MISSING
        except ImportError:
            raise MailServerError("aiosmtpd not found: install the Debian package "
                                  "python3-aiosmtpd (make deps-test)")

        sink = self

        class Handler:
            async def handle_MAIL(self, server, session, envelope, address, options):
                r = sink._reply_for("MAIL")
                if r:
                    return r
                envelope.mail_from = address
                envelope.mail_options.extend(options)
                return "250 OK"

            async def handle_RCPT(self, server, session, envelope, address, options):
                r = sink._reply_for("RCPT")
                if r:
                    return r
                envelope.rcpt_tos.append(address)
                envelope.rcpt_options.extend(options)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                r = sink._reply_for("DATA")
                if r:
                    return r
                if sink.delay:
                    await asyncio.sleep(sink.delay)
                tls = sink.tls == "smtps" or session.ssl is not None
                n = sink._store(SinkMessage(envelope.mail_from, list(envelope.rcpt_tos),
                                            envelope.original_content, session.auth_data,
                                            tls))
                return "250 2.0.0 OK: queued as %d" % n

        class Server(SMTP):
            async def auth_XOAUTH2(self, _, args):
                if len(args) == 1:
                    blob = await self.challenge_auth("")
                    if blob is MISSING:
                        return AuthResult(success=False)
                else:
                    try:
                        blob = base64.b64decode(args[1], validate=True)
                    except ValueError:
                        await self.push("501 5.5.2 Can't decode base64")
                        return AuthResult(success=False, handled=True)
                parts = dict(p.split(b"=", 1) for p in blob.split(b"\x01") if b"=" in p)
                token = parts.get(b"auth", b"")
                if not token.startswith(b"Bearer "):
                    return AuthResult(success=False)
                return self._authenticate("XOAUTH2",
                                          LoginPassword(parts.get(b"user", b""), token[7:]))

        kw = dict(hostname="127.0.0.1", port=self.port, server_hostname="smtp.test",
                  ident="evid test sink", data_size_limit=self.data_size_limit,
                  enable_SMTPUTF8=True, authenticator=self._authenticate,
                  auth_required=self.auth, auth_require_tls=True)
        if self.tls == "starttls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.cert, self.key)
            kw.update(tls_context=ctx, require_starttls=self.require_tls)
        elif self.tls == "smtps":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.cert, self.key)
            # aiosmtpd only counts STARTTLS as TLS; implicit TLS is TLS too
            kw.update(ssl_context=ctx, auth_require_tls=False)
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        class SinkController(Controller):
            def factory(self):
                return Server(self.handler, **self.SMTP_kwargs)

        c = SinkController(Handler(), **kw)
        c.start()
        self._controller = c
        return self

    def stop(self):
        """Stops listening; connections are dropped.  Safe to call twice."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def close(self):
        self.stop()
        if self.dir:
            remove_workdir(self.dir)

    def wait_for(self, count=1, timeout=10):
        """Waits until at least count messages arrived; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError("%d of %d messages arrived at the SMTP sink within %ss; "
                             "commands seen: %s" % (len(self.messages), count, timeout,
                                                    self.commands))

    def send(self, raw, mail_from="evid@support.test", rcpts=("client@example.com",),
             login=None, password=None, security=None, cafile=None):
        """Sends one message to the sink with smtplib, as a client would
        (security None, 'starttls' or 'smtps'); for the harness's own tests."""
        ctx = client_tls_context(cafile)
        if security == "smtps":
            s = smtplib.SMTP_SSL("127.0.0.1", self.port, local_hostname="client.test",
                                 context=ctx, timeout=30)
        else:
            s = smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.test", timeout=30)
        try:
            if security == "starttls":
                s.starttls(context=ctx)
            if login:
                s.login(login, password)
            return s.sendmail(mail_from, list(rcpts), raw)
        finally:
            try:
                s.quit()
            except smtplib.SMTPException:
                s.close()


# --- fixtures (registered in conftest.py) -----------------------------------

def _stop_all(servers, stop):
    errors = []
    for s in reversed(servers):
        try:
            stop(s)
        except Exception as e:  # every server is stopped even if one fails
            errors.append("%s: %s" % (type(s).__name__, e))
    if errors:
        raise MailServerError("\n".join(errors))


@pytest.fixture
def make_postfix():
    """make_postfix(command, **options) -> a started Postfix (see Postfix);
    every instance is stopped after the test.  Skips when not root."""
    made = []

    def make(command, **kw):
        if not IS_ROOT:
            pytest.skip("Postfix needs root (the postfix command is reserved for root)")
        pf = Postfix(command, **kw)
        made.append(pf)
        return pf.start()

    yield make
    _stop_all(made, lambda pf: pf.stop())


@pytest.fixture
def make_dovecot():
    """make_dovecot(**options) -> a started Dovecot (see Dovecot); every
    instance is stopped after the test."""
    made = []

    def make(**kw):
        d = Dovecot(**kw)
        made.append(d)
        return d.start()

    yield make
    _stop_all(made, lambda d: d.stop())


@pytest.fixture
def dovecot(make_dovecot):
    """A started Dovecot with user IMAP_USER / IMAP_PASSWORD, bearer token
    IMAP_TOKEN, IMAP+STARTTLS on .port and IMAPS on .imaps_port."""
    return make_dovecot()


@pytest.fixture
def make_smtp_sink():
    """make_smtp_sink(**options) -> a started SmtpSink; all are closed after
    the test."""
    made = []

    def make(**kw):
        s = SmtpSink(**kw)
        made.append(s)
        return s.start()

    yield make
    _stop_all(made, lambda s: s.close())


@pytest.fixture
def smtp_sink(make_smtp_sink):
    """A started SmtpSink without TLS or AUTH."""
    return make_smtp_sink()
