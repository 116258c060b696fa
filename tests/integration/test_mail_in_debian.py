"""Mail nobody here wrote, through `evid mail-in`: every test message Debian
ships with enmime (golang-github-jhillyerd-enmime-dev, testdata/ *.raw and
*.golden), MIME::Explode (libmime-explode-perl, examples/testmsgs) and
Mailman 3 (copied out of its package into build/testdata/mailman3 by
scripts/mailman-testdata.sh), found as tests/unit/test_mail_debian.c finds
them, goes through `evid mail-in`: none crashes, none is refused (exit 0
each), each is imported or quarantined, and for enmime's .golden files
(whose inputs enmime's tests state) the ticket's subject, sender and
attachment names agree with what went in.  The sets reuse Message-IDs (one
of enmime's fourteen times), and an import is idempotent by Message-ID, so
the messages are spread over as few databases as keep every Message-ID once
per database: then each one is really imported, none is a duplicate."""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess

import pytest

from conftest import EVID, ROOT

ENMIME = os.environ.get("EVID_ENMIME_DATA") or \
    "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"
EXPLODE = os.environ.get("EVID_EXPLODE_DATA") or \
    "/usr/share/doc/libmime-explode-perl/examples/testmsgs"
MAILMAN = os.environ.get("EVID_MAILMAN_DATA") or os.path.join(ROOT, "build", "testdata",
                                                              "mailman3")

# The two inputs their own project refuses (test_mail_debian.c): enmime's
# tests require erroneous.raw to fail, part-empty.golden is zero bytes.
# They are not messages: they must be quarantined, not lost.
REFUSED = {"enmime/mail/erroneous.raw", "enmime/encode/part-empty.golden"}

# What enmime's encode_test.go and builder_test.go put into each golden file
# (test_mail_debian.c's table): subject, sender, file names.  "" = none.
GOLDEN = {
    "build-qp-addr-headers.golden": ("RFC 2047", "ojarnef@admin.kth.se", "Olle Järnefors", []),
    "part-default-headers.golden": ("", "", "", ["stuff.zip"]),
    "part-quoted-headers.golden": ("", "", "", ["árvíztűrő \"x\" tükörfúrógép.zip"]),
    "part-quoted-printable-headers.golden": ("", "", "", ["árvíztűrő \"x\" tükörfúrógép.zip"]),
    "part-bin-header.golden": ("¡Hola, señor!", "", "", []),
    "part-plain.golden": ("", "", "", []),
    "part-content-only.golden": ("", "", "", []),
    "part-content-only-qp.golden": ("", "", "", []),
    "part-quoted-content.golden": ("", "", "", []),
    "part-file-mod-date.golden": ("", "", "", []),
    "part-with-children.golden": ("", "", "", []),
    "nocontent-with-children.golden": ("", "", "", []),
    "part-bin-content.golden": ("", "", "", ["attachment-1.jpg"]),
    "part-header-only.golden": ("", "", "", []),
    "part-header-only-default-encoding.golden": ("", "", "", []),
    "part-quotable-content.golden": ("", "", "", []),
}


def collect(set_name, root, wanted):
    """(name, path) of the files of root and its subfolders one level down,
    as test_mail_debian.c's collect() walks them."""
    out = []
    if not os.path.isdir(root):
        return out
    for entry in sorted(os.listdir(root)):
        if entry.startswith("."):
            continue
        path = os.path.join(root, entry)
        if os.path.isdir(path):
            for sub in sorted(os.listdir(path)):
                p = os.path.join(path, sub)
                if not sub.startswith(".") and os.path.isfile(p) and wanted(sub):
                    out.append(("%s/%s/%s" % (set_name, entry, sub), p))
        elif os.path.isfile(path) and wanted(entry):
            out.append(("%s/%s" % (set_name, entry), path))
    return out


def all_files():
    enmime = collect("enmime", ENMIME, lambda n: n.endswith((".raw", ".golden")))
    explode = collect("mime-explode", EXPLODE, lambda n: True)
    mailman = collect("mailman3", MAILMAN, lambda n: n.endswith(".eml"))
    return enmime, explode, mailman


MSGID = re.compile(rb"^message-id:[ \t]*(<[^>]*>)", re.I | re.M)


def message_id(raw):
    """The Message-ID of raw's header block, or None."""
    head = re.split(rb"\r?\n\r?\n", raw, 1)[0]
    m = MSGID.search(head)
    return m.group(1).lower() if m else None


def spread(files):
    """files (name, path, raw) spread over as many groups as the most used
    Message-ID needs, evenly, each Message-ID at most once per group."""
    ids = [message_id(raw) for _, _, raw in files]
    n = max([ids.count(i) for i in set(ids) if i] + [1])
    groups, used = [[] for _ in range(n)], [set() for _ in range(n)]
    for item, mid in zip(files, ids):
        k = min((g for g in range(n) if mid is None or mid not in used[g]),
                key=lambda g: len(groups[g]))
        groups[k].append(item)
        used[k].add(mid)
    return groups


def test_debian_sets_through_mail_in(tmp_path):
    enmime, explode, mailman = all_files()
    # all three sets come with `make deps-test`; a missing one is a failure
    assert len(enmime) >= 90 and len(explode) >= 30 and len(mailman) >= 10, \
        "found %d enmime, %d MIME::Explode and %d Mailman messages: run make deps-test" % (
            len(enmime), len(explode), len(mailman))
    files = []
    for name, path in enmime + explode + mailman:
        with open(path, "rb") as f:
            files.append((name, path, f.read()))
    rounds = spread(files)
    conf = str(tmp_path / "evid.conf")
    with open(conf, "w") as f:
        f.write("[database]\nbusy_timeout_ms = 30000\n[mail]\naddress = podrska@firma.hr\n")
    env = dict(os.environ)
    env.pop("EVID_DB", None)
    env.pop("EVID_CONFIG", None)

    def evid(db, *args, input=None):
        return subprocess.run([EVID, "--db", db, "--config", conf, *args], input=input,
                              capture_output=True, env=env, timeout=120)

    dbs = [str(tmp_path / ("evid-%02d.db" % i)) for i in range(len(rounds))]

    def run_round(i):
        assert evid(dbs[i], "init").returncode == 0
        return [(name, dbs[i], raw, evid(dbs[i], "mail-in", "--json", input=raw))
                for name, _, raw in rounds[i]]

    # the databases side by side, each taking its messages one after another
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        done = [x for batch in pool.map(run_round, range(len(rounds))) for x in batch]
    assert len(done) == len(files)

    outcomes = {}
    for name, db, raw, p in done:
        assert p.returncode == 0, "%s: mail-in exited %d: %s" % (
            name, p.returncode, p.stderr.decode(errors="replace"))
        r = json.loads(p.stdout)["intake"]
        # a reply to another message of the set may thread onto its ticket
        assert r["result"] in ("new", "appended", "new_linked", "bounce", "reopened",
                               "quarantined"), (name, r)
        outcomes[name] = (db, raw, r)

    quarantined = {n for n, (_, _, r) in outcomes.items() if r["result"] == "quarantined"}
    assert quarantined == REFUSED, quarantined ^ REFUSED
    for n in REFUSED:
        db, raw, r = outcomes[n]
        held = json.loads(evid(db, "quarantine", "list", "--json").stdout)["quarantine"]
        q = [q for q in held if q["sha256"] == hashlib.sha256(raw).hexdigest()]
        assert len(q) == 1 and q[0]["id"] == r["quarantine_id"] and q[0]["size"] == len(raw)
        # kept as it came
        shown = evid(db, "quarantine", "show", str(q[0]["id"]))
        assert shown.returncode == 0 and shown.stdout == raw

    # every message that was imported is on a ticket that exists, one each
    for db in dbs:
        tickets = {t["id"] for t in json.loads(evid(db, "ticket", "list", "--limit", "100000",
                                                    "--json").stdout)["tickets"]}
        mine = [r for (d, _, r) in outcomes.values() if d == db and
                r["result"] != "quarantined"]
        assert {r["ticket_id"] for r in mine} <= tickets
        assert len(tickets) == len([r for r in mine if r["result"] in ("new", "new_linked")])

    # the golden files: what enmime's tests put in comes out on the ticket
    goldens = [(n, db, r) for n, (db, _, r) in outcomes.items() if n.endswith(".golden")
               and n not in REFUSED]
    assert len(goldens) >= len(GOLDEN) - 1
    for n, db, r in goldens:
        assert os.path.basename(n) in GOLDEN, \
            "%s: a golden file this test does not know: add what enmime's test put in" % n
        subject, sender, sender_name, names = GOLDEN[os.path.basename(n)]
        assert r["result"] == "new", (n, r)
        t = json.loads(evid(db, "ticket", "show", str(r["ticket_id"]), "--json").stdout)[
            "ticket"]
        assert t["subject"] == (subject or "(no subject)"), (n, t["subject"])
        assert t["from_email"] == (sender or None), (n, t["from_email"])
        assert t["from_name"] == (sender_name or None), (n, t["from_name"])
        got = [a["filename"] for a in t["attachments"] if a["event_id"] == r["event_id"]]
        assert got == names, (n, got)
        assert t["client_id"] is None  # nobody known: triage
