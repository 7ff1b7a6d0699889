"""relib: what the reliability suites share (run with /usr/bin/python3).

    import relib
    from check import check           # tests/lib/check.py, on the path relib sets
    db = relib.connect(path)          # usage loaded, isolation_level=None
    before = relib.digest(db)         # sha256 over every usage table
    check("nothing changed", relib.digest(db), before)
    relib.main_guard(main)            # runs main(), then ends the suite

The extension comes from USAGE_EXT (path without suffix, default
build/usage), scratch files go under USAGE_TMP. Results are printed one
line per check, "ok - ..." or "not ok - ...", as tests/run expects.
"""
import hashlib
import os
import sqlite3
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# tests/lib, for the suites' "from check import check"; relib itself
# imports it only when a suite ends, so that worker.py starts quickly.
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))

# Every table the schema keeps data in, in a fixed order.
TABLES = ("usage_meta", "dim_group", "dim_user", "dim_project", "dim_machine",
          "map_user_project", "map_project_machine", "dim_instance",
          "fact_usage", "active_workspace")


def ext_path():
    """The extension to load, without its suffix."""
    return os.environ.get("USAGE_EXT", os.path.join(ROOT, "build", "usage"))


def tmp_dir():
    """The scratch folder of this suite."""
    d = os.environ.get("USAGE_TMP") or os.path.join(ROOT, "build", "tmp")
    os.makedirs(d, exist_ok=True)
    return d


def connect(path, timeout=10.0, load=True):
    """A connection with usage loaded and explicit transactions only."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                         check_same_thread=False)
    if load:
        db.enable_load_extension(True)
        db.load_extension(ext_path())
        db.enable_load_extension(False)
    return db


def remove_db(path):
    """Delete a database file and its journal, WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def table_digest(db, table):
    """sha256 of every row of one table in the order of its primary key (of
    all its columns when it has none). Each row is hashed as the repr() of
    its Python tuple, which keeps the type and the exact value of each
    column: 1 and 1.0 and '1' differ, and a float's repr round-trips."""
    info = db.execute("SELECT name, pk FROM pragma_table_info(?)",
                      (table,)).fetchall()
    cols = ['"%s"' % c.replace('"', '""') for c, _ in info]
    keys = ['"%s"' % c.replace('"', '""')
            for c, pk in sorted(info, key=lambda r: r[1]) if pk] or cols
    h = hashlib.sha256()
    for row in db.execute('SELECT %s FROM "%s" ORDER BY %s'
                          % (", ".join(cols), table, ", ".join(keys))):
        h.update(repr(row).encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()


def digest(db):
    """sha256 over the schema text and every row of every usage table."""
    h = hashlib.sha256()
    for (sql,) in db.execute("SELECT quote(sql) FROM sqlite_master "
                             "ORDER BY type, name"):
        h.update(sql.encode() + b"\n")
    for t in TABLES:
        h.update(t.encode() + b":" + table_digest(db, t).encode() + b"\n")
    return h.hexdigest()


def counts(db):
    """Row count and largest rowid of each usage table."""
    out = {}
    for t in TABLES:
        if t == "usage_meta":
            out[t] = db.execute("SELECT count(*) FROM usage_meta").fetchone()
        else:
            out[t] = db.execute('SELECT count(*), max(rowid) FROM "%s"'
                                % t).fetchone()
    return out


def main_guard(fn):
    """Run fn(), then end the suite; an unexpected exception is one more
    failed check."""
    from check import check, done
    try:
        fn()
    except Exception:  # a crash of the suite itself is a failure
        import traceback
        check("suite ran to its end", traceback.format_exc(), "")
    done()
