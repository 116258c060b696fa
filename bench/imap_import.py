#!/usr/bin/python3
"""IMAP import speed: a private Dovecot (tests/integration/mailservers.py)
with a mailbox of BENCH_IMAP_MESSAGES (default 10,000) generated messages,
imported by one `evid fetch` into a fresh database; prints messages per
second.  Target (issue 3): at least 2,000 messages/s.

    python3 bench/imap_import.py [EVID_BIN]     (make bench runs it)

The messages are what a help desk gets: short Croatian text in UTF-8,
windows-1250 or ISO-8859-2, some HTML-only, one in ten with a small
attachment, one in ten a reply by In-Reply-To; under 1 KB on average."""
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import mailservers  # noqa: E402

N = int(os.environ.get("BENCH_IMAP_MESSAGES", "10000"))
TARGET = 2000
EVID = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.environ.get("EVID_BIN") or os.path.join(ROOT, "build", "evid"))

TEXTS = ["Poštovani, pisač u računovodstvu ne ispisuje. Molim pomoć.",
         "Dobar dan, ne mogu se prijaviti u e-poštu od jutros.",
         "Lijep pozdrav, server je spor, možete li pogledati?",
         "Hello, the VPN drops every few minutes since the update."]


def generate(i, rnd):
    text = rnd.choice(TEXTS) + "\n\nHvala,\nKlijent %d\n" % (i % 300)
    kind = i % 10
    head = ("From: Klijent %d <klijent%d@firma%d.hr>\r\nTo: podrska@support.test\r\n"
            "Message-ID: <bench.%d@firma.hr>\r\n"
            "Date: Tue, 3 Mar 2026 %02d:%02d:00 +0100\r\nMIME-Version: 1.0\r\n"
            % (i % 300, i % 300, i % 40, i, 8 + i % 10, i % 60))
    subject = "Subject: Kvar br. %d - %s\r\n" % (i, text.split(",")[0])
    if kind == 1:
        body = text.encode("cp1250")
        return (head + subject.encode("cp1250").decode("latin-1")
                + "Content-Type: text/plain; charset=windows-1250\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode("latin-1") + body
    if kind == 2:
        return (head + subject + "Content-Type: text/html; charset=utf-8\r\n\r\n"
                "<html><body><p>%s</p></body></html>\r\n"
                % text.replace("\n", "<br>")).encode()
    if kind == 3:
        data = base64.encodebytes(rnd.randbytes(3000)).decode().replace("\n", "\r\n")
        return (head + subject + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
                "--b\r\nContent-Type: application/pdf; name=\"racun.pdf\"\r\n"
                "Content-Disposition: attachment; filename=\"racun.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n"
                % (text, data)).encode()
    if kind == 5 and i > 10:
        # a reply to the message five before it (a plain one): threads by In-Reply-To
        return (head + "Subject: Re: Kvar br. %d\r\nIn-Reply-To: <bench.%d@firma.hr>\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                "Još uvijek ne radi.\r\n\r\n> %s\r\n" % (i - 5, i - 5, text)).encode()
    if kind == 4:
        body = text.encode("iso-8859-2")
        return (head + "Subject: =?iso-8859-2?Q?Kvar_br=2E_%d?=\r\n" % i
                + "Content-Type: text/plain; charset=iso-8859-2\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body
    return (head + subject + "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + text).encode()


def main():
    rnd = random.Random(3)
    raws = [generate(i, rnd) for i in range(1, N + 1)]
    d = mailservers.Dovecot()
    d.start()
    work = tempfile.mkdtemp(prefix="evid-bench-imap-")
    try:
        d.fill(raws)
        d.status()  # Dovecot gives the UIDs now, not inside the timing
        db = os.path.join(work, "evid.db")
        conf = os.path.join(work, "evid.conf")
        with open(conf, "w") as f:
            f.write("[mail]\naddress = podrska@support.test\n\n[imap]\nurl = %s\n"
                    "username = %s\npassword = %s\nverify_tls = no\n"
                    % (d.url("imaps"), d.user, d.password))
        env = dict(os.environ)
        env.pop("EVID_CONFIG", None)
        subprocess.run([EVID, "--db", db, "init"], check=True, capture_output=True, env=env)
        t0 = time.monotonic()
        p = subprocess.run([EVID, "--db", db, "--config", conf, "fetch", "--json"],
                           capture_output=True, text=True, env=env)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("bench/imap_import: evid fetch failed (%d): %s" % (p.returncode, p.stderr))
        s = json.loads(p.stdout)["fetch"]
        if s["imported"] != N or s["flagged"] != N:
            sys.exit("bench/imap_import: imported %d, flagged %d of %d"
                     % (s["imported"], s["flagged"], N))
        rate = N / wall
        print("imap import: %d messages (%.1f MB) from a local Dovecot (IMAPS) in %.2f s: "
              "%.0f messages/s (target >= %d)%s"
              % (N, sum(map(len, raws)) / 1e6, wall, rate, TARGET,
                 "" if rate >= TARGET else "  BELOW TARGET"))
        print("  inside evid fetch: %.2f s, %.0f messages/s; %d new tickets, %d replies, "
              "%d duplicates" % (s["ms"] / 1000.0, N / (s["ms"] / 1000.0), s["new_tickets"],
                                 s["replies"], s["duplicates"]))
    finally:
        d.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
