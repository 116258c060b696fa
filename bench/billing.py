#!/usr/bin/python3
"""The month-end run at scale (issue 5): `evid billing run YYYY-MM` over
10,000 clients and 1,000,000 time entries in the month, timed, with the
process's memory peak, and at a quarter and a half of that size to show how
it grows.  Target: under one second at full size, growing linearly.

    python3 bench/billing.py [EVID_BIN]        (make bench runs it)

For each size it makes a database (`evid init`, two users by `evid user
add`, then one transaction straight into the real schema from Python, fixed
seed): 20 technicians; the clients, each with one contract in four (a
quarter of them prepaid quarterly and issued in advance, a third with 10
included hours, half of them split into days and starting inside the month)
of one to three lines from five services; two hourly rates; tickets of five
time entries on average (90 % billable, 5 % free, 5 % warranty), the entries
spread over the month in Europe/Zagreb, a tenth of them on site; an extra
item on one ticket in ten.  Then it runs, three times each, keeping the
fastest:

    evid billing run 2027-01 --format csv   > /dev/null   (every client's lines)
    evid billing run 2027-01 --format json  > /dev/null
    evid billing run 2027-01 --format text  > /dev/null   (the default)

and prints wall time, time per 1,000 entries and the peak resident memory of
evid itself, both as /usr/bin/time measures them (%e, %M): the run is
started by /usr/bin/time, not forked from this process, whose pages (the
generated rows) a fork would count in the child's peak.
BENCH_BILLING_CLIENTS and BENCH_BILLING_ENTRIES change the full size;
BENCH_BILLING_KEEP=1 keeps the databases (their folder is printed)."""
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from web import fts_triggers, SURNAMES, MEN, WOMEN, TRADES, TOWNS, FORMS  # noqa: E402

EVID = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.environ.get("EVID_BIN") or os.path.join(ROOT, "build", "evid"))
CLIENTS = int(os.environ.get("BENCH_BILLING_CLIENTS", "10000"))
ENTRIES = int(os.environ.get("BENCH_BILLING_ENTRIES", "1000000"))
TARGET_S = 1.0
FORMATS = ("csv", "json", "text")
TIME = "/usr/bin/time"          # Debian's package time (scripts/install-deps.sh --test)
MONTH = "2027-01"
ZONE = ZoneInfo("Europe/Zagreb")
T0 = int(datetime(2027, 1, 1, tzinfo=ZONE).timestamp())
T1 = int(datetime(2027, 2, 1, tzinfo=ZONE).timestamp())
DAY0 = T0 // 86400 + 1          # 2027-01-01 as a day number (local midnight is 23:00 UTC the day before)
assert datetime.fromtimestamp(DAY0 * 86400, timezone.utc).strftime("%Y-%m-%d") == "2027-01-01"
MONTH_INDEX = 2027 * 12 + 0
ADMIN = ("bench.admin@servis.hr", "Bench Admin", "bench-lozinka-1")


def evid(db, *args):
    return subprocess.run([EVID, "--db", db] + list(args), check=True, stdout=subprocess.DEVNULL)


def make_db(db, n_clients, n_entries, seed=5):
    rnd = random.Random(seed)
    evid(db, "init")
    subprocess.run([EVID, "--db", db, "user", "add", "--email", ADMIN[0], "--name", ADMIN[1],
                    "--role", "admin", "--password-stdin"], check=True, stdout=subprocess.DEVNULL,
                   input=(ADMIN[2] + "\n").encode())
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1000000")
    con.execute("BEGIN")
    fts = fts_triggers(con)
    for name, _, _ in fts:
        con.execute("DROP TRIGGER " + name)
    now = T1 + 86400
    # staff
    techs = []
    names = set()
    while len(techs) < 20:
        name = "%s %s" % (rnd.choice(MEN + WOMEN), rnd.choice(SURNAMES))
        if name in names:
            continue
        names.add(name)
        cur = con.execute("INSERT INTO users (email, name, role, pwhash, lang, created_at) "
                          "VALUES (?, ?, 'technician', 'x', 'hr', ?)",
                          ("tech%d@servis.hr" % len(techs), name, now - 400 * 86400))
        techs.append(cur.lastrowid)
    # catalogue
    services = []
    for code, name, unit, price, vat in [
            ("najam-pisaca", "Najam pisača", "month", 3500, 25),
            ("odrzavanje-posluzitelja", "Održavanje poslužitelja", "month", 25000, 25),
            ("sigurnosna-kopija", "Sigurnosna kopija u oblaku", "month", 4000, 25),
            ("licenca", "Licenca programa", "month", 1200, 13),
            ("najam-opreme", "Najam opreme", "month", 9900, 25)]:
        cur = con.execute("INSERT INTO services (code, name, unit, price, vat, created_at, "
                          "updated_at) VALUES (?,?,?,?,?,?,?)",
                          (code, name, unit, price, vat, now, now))
        services.append((cur.lastrowid, name, price, vat))
    rates = []
    for code, name, hourly in [("remote", "Rad na daljinu", 4500), ("on_site", "Rad na terenu", 6000)]:
        cur = con.execute("INSERT INTO rates (code, name, hourly, vat, created_at, updated_at) "
                          "VALUES (?,?,?,25,?,?)", (code, name, hourly, now, now))
        rates.append(cur.lastrowid)
    # clients with contracts
    clients, contracts, lines, prepay = [], [], [], []
    for cid in range(1, n_clients + 1):
        town, _ = rnd.choice(TOWNS)
        name = "%s %s %d %s" % (rnd.choice(TRADES), rnd.choice(SURNAMES), cid, rnd.choice(FORMS))
        clients.append((cid, name, "%011d" % (10000000000 + cid), "Ulica %d, %s" % (cid % 200, town),
                        now, now))
        if rnd.random() < 0.25:
            k = len(contracts) + 1
            daily = rnd.random() < 0.5
            start = DAY0 + (rnd.randrange(1, 20) if daily else -rnd.randrange(30, 400))
            prepaid = rnd.random() < 0.25
            included = 36000 if rnd.random() < 0.33 else 0
            contracts.append((k, cid, "UG-%06d" % k, start, "daily" if daily else "monthly",
                              "quarterly" if prepaid else "monthly", 1 if prepaid else 0,
                              900, "up", "entry", 0, included, 5500 if included else 0, now, now))
            for s in rnd.sample(services, rnd.randrange(1, 4)):
                lines.append((len(lines) + 1, k, s[0], s[1], 1000 * rnd.randrange(1, 6), s[2], s[3]))
            if prepaid and start <= DAY0:
                prepay.append(k)
    con.executemany("INSERT INTO clients (id, name, oib, address, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?)", clients)
    con.executemany("INSERT INTO contracts (id, client_id, number, start_day, proration, cycle, "
                    "prepaid, increment, round_mode, round_per, minimum, included, "
                    "overage_hourly, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", contracts)
    con.executemany("INSERT INTO contract_lines (id, contract_id, service_id, description, "
                    "quantity, monthly_price, vat) VALUES (?,?,?,?,?,?,?)", lines)
    # prepayments issued for the quarter 2027-01..03 of the prepaid contracts
    by_contract = {}
    for l in lines:
        by_contract.setdefault(l[1], []).append(l)
    pid = 0
    for k in prepay:
        pid += 1
        con.execute("INSERT INTO prepayments (id, contract_id, month, first_month, last_month, "
                    "issued_at) VALUES (?,?,?,?,?,?)",
                    (pid, k, MONTH_INDEX, MONTH_INDEX, MONTH_INDEX + 2, T0 + 3600))
        for l in by_contract.get(k, []):
            for m in range(3):
                con.execute("INSERT INTO prepayment_items (prepayment_id, line_id, month, amount) "
                            "VALUES (?,?,?,?)", (pid, l[0], MONTH_INDEX + m, l[4] * l[5] // 1000))
    # tickets and their time entries
    n_tickets = max(1, n_entries // 5)
    tickets, entries, extras = [], [], []
    eid = 0
    for tid in range(1, n_tickets + 1):
        cid = rnd.randrange(1, n_clients + 1)
        r = rnd.random()
        billing = "billable" if r < 0.9 else ("free" if r < 0.95 else "warranty")
        created = rnd.randrange(T0, T1 - 3600)
        tickets.append((tid, "2027-%06d" % tid, "Zahtjev %d: pisač ne ispisuje" % tid, "closed",
                        "normal", "phone", billing, cid, None, rnd.choice(techs), None, created,
                        created + 3600, created + 3600))
        if rnd.random() < 0.1:
            extras.append((tid, DAY0 + (created - T0) // 86400, "Toner", 1000, 4500, 25, now))
    for i in range(n_entries):
        eid += 1
        tid = rnd.randrange(1, n_tickets + 1)
        start = rnd.randrange(T0, T1 - 7200)
        secs = rnd.randrange(60, 7200)
        entries.append((eid, tid, rnd.choice(techs), start, start + secs, secs, "", 1, start + secs,
                        start + secs, rates[1] if rnd.random() < 0.1 else None))
    con.executemany("INSERT INTO tickets (id, number, subject, status, priority, channel, billing, "
                    "client_id, contact_id, assignee_id, created_by, created_at, updated_at, "
                    "closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tickets)
    con.execute("INSERT INTO ticket_seq (year, last) VALUES (2027, ?)", (n_tickets,))
    con.executemany("INSERT INTO time_entries (id, ticket_id, user_id, started_at, ended_at, "
                    "seconds, note, billable, created_at, updated_at, rate_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)", entries)
    con.executemany("INSERT INTO extras (ticket_id, day, description, quantity, unit_price, vat, "
                    "created_at) VALUES (?,?,?,?,?,?,?)", extras)
    for _, create, fill in fts:
        con.execute(fill)
        con.execute(create)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()


def timed(db, fmt):
    """Seconds and peak RSS (MB) of the fastest of three runs, as /usr/bin/time sees evid."""
    best = None
    with tempfile.NamedTemporaryFile(mode="r", prefix="evid-bench-time-") as out:
        for _ in range(3):
            p = subprocess.run([TIME, "-o", out.name, "-f", "%e %M", EVID, "--db", db,
                                "billing", "run", MONTH, "--format", fmt],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if p.returncode != 0:
                sys.exit("evid billing run %s --format %s failed: %s"
                         % (MONTH, fmt, p.stderr.decode(errors="replace").strip()))
            out.seek(0)
            secs, kb = out.read().split()[-2:]
            t, mb = float(secs), int(kb) / 1024.0
            if best is None or t < best[0]:
                best = (t, mb)
    return best


def main():
    if not os.access(TIME, os.X_OK):
        sys.exit("bench/billing.py needs %s (Debian package time: make deps-test)" % TIME)
    tmp = tempfile.mkdtemp(prefix="evid-bench-billing-")
    try:
        sizes = [(CLIENTS // 4, ENTRIES // 4), (CLIENTS // 2, ENTRIES // 2), (CLIENTS, ENTRIES)]
        print("billing run %s: the month-end over every client, fastest of 3 runs" % MONTH)
        per = {fmt: [] for fmt in FORMATS}
        full = {}
        for n_clients, n_entries in sizes:
            db = os.path.join(tmp, "b%d.db" % n_entries)
            t0 = time.monotonic()
            make_db(db, n_clients, n_entries)
            made = time.monotonic() - t0
            for fmt in FORMATS:
                t, mb = timed(db, fmt)
                per[fmt].append(t / n_entries * 1000)
                print("  %6d clients %9d entries  %-4s  %7.3f s  %6.3f ms per 1,000 entries  "
                      "peak %6.1f MB  (made in %.0f s)"
                      % (n_clients, n_entries, fmt, t, t / n_entries * 1e6, mb, made))
                if (n_clients, n_entries) == sizes[-1]:
                    full[fmt] = t
        for fmt in FORMATS:
            print("  %-4s: time per entry varies %.2fx across the sizes (linear: close to 1)"
                  % (fmt, max(per[fmt]) / min(per[fmt])))
        for fmt in FORMATS:
            print("  full size (%s): %.3f s (target < %.1f s): %s"
                  % (fmt, full[fmt], TARGET_S, "met" if full[fmt] < TARGET_S else "NOT met"))
    finally:
        if os.environ.get("BENCH_BILLING_KEEP") == "1":
            print("  databases kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
