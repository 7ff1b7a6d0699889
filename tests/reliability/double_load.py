"""double_load: usage loaded twice into one connection, and into several
connections of one process, keeps working and keeps them apart.

    USAGE_EXT=build/usage /usr/bin/python3 tests/reliability/double_load.py

Prints "ok - ..." / "not ok - ..." lines; exits 1 on a failure.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relib  # noqa: E402
from check import check  # noqa: E402


def load(db):
    """Load usage once more into db."""
    db.enable_load_extension(True)
    db.load_extension(relib.ext_path())
    db.enable_load_extension(False)


def registered(db):
    """The usage functions and tables registered on db."""
    f = db.execute("SELECT name, narg, flags FROM pragma_function_list WHERE "
                   "name LIKE 'usage%' ORDER BY 1, 2").fetchall()
    m = db.execute("SELECT name FROM pragma_module_list WHERE name LIKE "
                   "'usage%' ORDER BY 1").fetchall()
    return f, m


def use(db, tag):
    """Ingest and read back through every kind of object; the totals."""
    db.execute("SELECT usage_init()")
    db.execute("INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
               "busy_kwh) VALUES ('2024-03-01 10:00', 'project', ?, 2)",
               (tag,))
    db.execute("INSERT INTO usage_users VALUES (?, 'x', 'g')", (tag,))
    return (
        db.execute("SELECT total(busy_kwh) FROM usage_buckets('project', "
                   "'day', '2024-01-01', '2025-01-01')").fetchone()[0],
        db.execute("SELECT count(*) FROM usage_ingest").fetchone()[0],
        db.execute("SELECT group_concat(user_id) FROM usage_users")
        .fetchone()[0],
        db.execute("SELECT usage_ts('2024-03-01 01:30+02:00')").fetchone()[0],
    )


def main():
    a = relib.connect(":memory:")
    once = registered(a)
    first = use(a, "a")
    load(a)
    check("loading usage a second time registers the same functions and "
         "tables, no more",
          registered(a),
          once)
    load(a)
    second = use(a, "a2")
    check("after loading twice more, one connection's ingest, usage_buckets "
         "and functions still work on the same data",
          (first, second),
          ((2.0, 1, "a", "2024-02-29T23:30:00Z"), (4.0, 2, "a,a2", "2024-02-29T23:30:00Z")))
    b = relib.connect(":memory:")
    load(b)
    c = sqlite3.connect(":memory:", isolation_level=None)
    check("a second connection of the process loads usage and sees only "
         "its own data",
          (use(b, "b"), use(a, "a3")[1]), ((2.0, 1, "b", "2024-02-29T23:30:00Z"), 3))
    try:
        c.execute("SELECT usage_version()")
        leaked = True
    except sqlite3.OperationalError:
        leaked = False
    check("a connection that did not load usage has none of it",
          leaked, False)
    b.close()
    check("closing another connection leaves this one's usage working",
          use(a, "a4")[1],
          4)
    a.close()
    c.close()


if __name__ == "__main__":
    relib.main_guard(main)
