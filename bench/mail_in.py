#!/usr/bin/python3
"""`evid mail-in` next to its floor: one process per message, each ending
in a durable commit (WAL, synchronous=FULL), against one `sqlite3` process
per message storing the same raw bytes durably in a WAL database with
synchronous=FULL.  Both, as the last connection, checkpoint the
WAL into the database at exit (SQLite's default).  Target (issue 3): mail-in within 1.5x of the floor.

    python3 bench/mail_in.py [EVID_BIN]        (make bench runs it)

BENCH_MAILIN_MESSAGES (default 300) messages are fed in turn, alternating
the two sides message by message so that a disk that slows down part-way
is felt by both.  The messages: plain Croatian text, windows-1250, HTML-only,
a 3 KB attachment, replies by In-Reply-To (bench/imap_import.py's mix).
Printed: median and mean milliseconds per message for each side and the
ratio of the means."""
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from imap_import import generate  # noqa: E402

N = int(os.environ.get("BENCH_MAILIN_MESSAGES", "300"))
TARGET = 1.5
EVID = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.environ.get("EVID_BIN") or os.path.join(ROOT, "build", "evid"))


def main():
    rnd = random.Random(3)
    tmp = tempfile.mkdtemp(prefix="evid-bench-mailin-")
    db = os.path.join(tmp, "evid.db")
    floor_db = os.path.join(tmp, "floor.db")
    env = dict(os.environ, EVID_DB=db)
    subprocess.run([EVID, "--db", db, "init"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["sqlite3", floor_db,
                    "PRAGMA journal_mode=WAL; CREATE TABLE message("
                    "id INTEGER PRIMARY KEY, received INTEGER NOT NULL, raw BLOB NOT NULL);"],
                   check=True, stdout=subprocess.DEVNULL)
    msgs = [generate(i, rnd) for i in range(N)]
    msg_path = os.path.join(tmp, "msg.eml")
    floor_sql = ("PRAGMA synchronous=FULL; INSERT INTO message(received, raw) "
                 "VALUES(strftime('%%s','now'), readfile('%s'));" % msg_path)
    evid_t, floor_t = [], []
    for raw in msgs:
        with open(msg_path, "wb") as f:
            f.write(raw)
        t0 = time.perf_counter()
        with open(msg_path, "rb") as f:
            r = subprocess.run([EVID, "--db", db, "mail-in"], stdin=f, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.perf_counter()
        if r.returncode != 0:
            sys.exit("evid mail-in exited %d" % r.returncode)
        subprocess.run(["sqlite3", floor_db, floor_sql], check=True,
                       stdout=subprocess.DEVNULL)
        t2 = time.perf_counter()
        evid_t.append(t1 - t0)
        floor_t.append(t2 - t1)
    count = subprocess.run(["sqlite3", db, "SELECT count(*) FROM mail_messages WHERE direction = 'in'"],
                           capture_output=True, text=True, check=True).stdout.strip()
    fcount = subprocess.run(["sqlite3", floor_db, "SELECT count(*) FROM message"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if int(count) != N or int(fcount) != N:
        sys.exit("stored %s messages by evid, %s by sqlite3; expected %d" % (count, fcount, N))
    ms = lambda xs: (1000 * statistics.median(xs), 1000 * statistics.mean(xs))  # noqa: E731
    em, ea = ms(evid_t)
    fm, fa = ms(floor_t)
    ratio = ea / fa
    print("mail-in: %d messages, one process each, durable commit" % N)
    print("  evid mail-in     median %.2f ms  mean %.2f ms" % (em, ea))
    print("  sqlite3 (floor)  median %.2f ms  mean %.2f ms" % (fm, fa))
    print("  ratio of means %.2fx (target <= %.1fx): %s"
          % (ratio, TARGET, "met" if ratio <= TARGET else "NOT met"))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
