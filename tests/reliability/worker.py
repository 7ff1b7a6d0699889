"""worker: the child processes of the crash and concurrency suites.

    /usr/bin/python3 tests/reliability/worker.py write DB SECONDS [MAXBATCH]
    /usr/bin/python3 tests/reliability/worker.py read DB SECONDS
    /usr/bin/python3 tests/reliability/worker.py init DB

write: ingests batches into a WAL database, each in one transaction,
       starting after the last batch stored, until SECONDS have passed or
       MAXBATCH batches are stored. Prints "begin B" before and
       "committed B" after each batch, flushed, so a parent that kills it
       knows what it had committed. Then prints "done N".
read:  until SECONDS have passed, reads in one snapshot the raw totals, the
       views and usage_buckets; checks that the snapshot holds only whole
       batches, that all of them agree, and that totals never shrink. Prints
       one JSON line: iterations, largest row count seen, problems.
init:  prints "go", then runs SELECT usage_init(), then prints "done".

Batch B is batch_rows(B): ingest rows whose busy_cpu_seconds_total is B
(the batch marker), in a ts range of its own, plus a user, a mapping and a
workspace named after B. Amounts are multiples of 1/4, so sums are exact.
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relib  # noqa: E402

T0 = 1704067200  # 2024-01-01T00:00:00Z


def batch_size(b):
    """Rows of usage_ingest in batch b: 1000 to 4999, varied."""
    return 1000 + (b * 7919) % 4000


def batch_rows(b):
    """The usage_ingest rows of batch b: (ts, scope, project, machine,
    user, busy_cpu, busy_kwh)."""
    rows = []
    base = T0 + b * 5000 * 60
    for i in range(batch_size(b)):
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i * 60))
        kind = i % 4
        kwh = 0.25 * (1 + i % 8)
        if kind == 0:
            rows.append((ts, "ada", None, None, None, b, kwh))
        elif kind == 1:
            rows.append((ts, "project", "p-%d" % b, None, None, b, kwh))
        elif kind == 2:
            rows.append((ts, "machine", None, "m-%d" % (i % 7), None, b, kwh))
        else:
            rows.append((ts, "user", None, None, "u-%d-%d" % (b, i % 5), b,
                         kwh))
    return rows


def batch_kwh(b):
    """Total busy_kwh of batch b, per scope."""
    out = {"ada": 0.0, "project": 0.0, "machine": 0.0, "user": 0.0}
    for r in batch_rows(b):
        out[r[1]] += r[6]
    return out


def open_db(path):
    """A connection as an application would keep one: WAL, busy_timeout."""
    db = relib.connect(path, timeout=30.0)
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def write_batch(db, b):
    """Batch b in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
                   "machine_name, user_id, busy_cpu_seconds_total, busy_kwh) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", batch_rows(b))
    db.execute("INSERT INTO usage_users VALUES (?, ?, ?)",
               ("u-%d-0" % b, "User %d" % b, "g-%d" % b))
    db.execute("INSERT INTO usage_user_projects VALUES (?, ?)",
               ("u-%d-0" % b, "p-%d" % b))
    db.execute("INSERT INTO usage_workspaces VALUES (?, 8888, 'batch', "
               "'m-0', ?, ?, '2024-01-01')",
               ("h-%d" % b, "u-%d-0" % b, "p-%d" % b))
    db.execute("COMMIT")


def do_write(path, seconds, max_batch):
    """Write batches until time or count runs out."""
    db = open_db(path)
    db.execute("SELECT usage_init()")
    row = db.execute("SELECT max(busy_cpu_seconds_total) FROM "
                     "fact_usage").fetchone()
    b = 0 if row[0] is None else int(row[0]) + 1
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end and b < max_batch:
        print("begin %d" % b, flush=True)
        write_batch(db, b)
        print("committed %d" % b, flush=True)
        b += 1
        n += 1
    db.close()
    print("done %d" % n, flush=True)


# One snapshot's view of the data, each a list of (batch or scope, value).
SNAPSHOT = [
    ("batches", "SELECT busy_cpu_seconds_total, count(*) FROM fact_usage "
                "GROUP BY 1 ORDER BY 1"),
    ("raw", "SELECT scope, total(busy_kwh) FROM fact_usage GROUP BY 1 "
            "ORDER BY 1"),
    ("views", "SELECT 'ada', total(busy_kwh) FROM v_ada_timeseries "
              "UNION ALL SELECT 'machine', total(busy_kwh) FROM "
              "v_machine_totals UNION ALL SELECT 'project', total(busy_kwh) "
              "FROM v_project_totals UNION ALL SELECT 'user', "
              "total(busy_kwh) FROM v_user_totals"),
    ("buckets", "SELECT s.value, (SELECT total(busy_kwh) FROM "
                "usage_buckets(s.value, '1 day', '2000-01-01', '2100-01-01'))"
                " FROM json_each('[\"ada\",\"machine\",\"project\","
                "\"user\"]') s"),
    ("workspaces", "SELECT count(*), count(DISTINCT host) FROM "
                   "usage_workspaces"),
]


def read_snapshot(db):
    """Every SNAPSHOT query inside one read transaction."""
    db.execute("BEGIN")
    try:
        return {k: db.execute(q).fetchall() for k, q in SNAPSHOT}
    finally:
        db.execute("COMMIT")


def snapshot_problems(s):
    """What is wrong with one snapshot: half batches, disagreeing totals."""
    out = []
    batches = [int(b) for b, _ in s["batches"]]
    if batches != list(range(len(batches))):
        out.append("batches are not 0..N-1: %s" % batches[:20])
    for b, n in s["batches"]:
        if n != batch_size(int(b)):
            out.append("batch %d has %d of %d rows" % (b, n,
                                                        batch_size(int(b))))
    want = {"ada": 0.0, "project": 0.0, "machine": 0.0, "user": 0.0}
    for b in batches:
        for k, v in batch_kwh(b).items():
            want[k] += v
    for name in ("raw", "views", "buckets"):
        got = dict(s[name])
        for k, v in want.items():
            if abs(got.get(k, 0.0) - v) > 1e-6:
                out.append("%s total of %s is %r, batches say %r"
                           % (name, k, got.get(k), v))
    if s["workspaces"] != [(len(batches), len(batches))]:
        out.append("workspaces %s for %d batches" % (s["workspaces"],
                                                     len(batches)))
    return out


def do_read(path, seconds):
    """Read snapshots until time runs out; print a JSON summary."""
    db = open_db(path)
    end = time.monotonic() + seconds
    n, last, problems = 0, 0, []
    while time.monotonic() < end and len(problems) < 10:
        try:
            s = read_snapshot(db)
        except sqlite3.Error as e:
            problems.append("error: %s" % e)
            continue
        rows = sum(c for _, c in s["batches"])
        problems += snapshot_problems(s)
        if rows < last:
            problems.append("row count went down from %d to %d"
                            % (last, rows))
        last = rows
        n += 1
    db.close()
    print(json.dumps({"iterations": n, "rows": last, "problems": problems}),
          flush=True)


def do_init(path):
    """usage_init() on a database; "go" marks its start."""
    db = relib.connect(path, timeout=30.0)
    print("go", flush=True)
    v = db.execute("SELECT usage_init()").fetchone()[0]
    print("done %d" % v, flush=True)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        do_write(path, float(sys.argv[3]),
                 int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 30)
    elif mode == "read":
        do_read(path, float(sys.argv[3]))
    elif mode == "init":
        do_init(path)
    else:
        sys.exit("worker: unknown mode %s" % mode)


if __name__ == "__main__":
    main()
