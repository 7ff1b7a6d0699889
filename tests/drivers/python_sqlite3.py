"""python_sqlite3.py: the usage extension through Python's standard sqlite3
module, run by Debian's /usr/bin/python3. Proves the Python recipe:
SQL's load_extension() is refused until enable_load_extension(True), then
load_extension(EXT) (path without ".so"), usage_init(), executemany() of
the rows of rows.csv into usage_ingest with bound parameters and a commit,
one usage_buckets result and one seed view.

    /usr/bin/python3 tests/drivers/python_sqlite3.py EXT TMPDIR
"""
import csv
import os
import sqlite3
import sys

EXT, TMP = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
BUCKETS_SQL = (
    "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, "
    "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) "
    "FROM usage_buckets('project', 'day') ORDER BY bucket_start")
BUCKETS_EXPECTED = ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                    "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"]
VIEW_SQL = (
    "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals")
VIEW_EXPECTED = ["physics|12600.0|600.0|7.75|0.75|1550.0|150.0"]
failed = False


def check(what, actual, expected):
    global failed
    if actual == expected:
        print("ok - " + what)
    else:
        failed = True
        print("not ok - " + what)
        print("#   expected: %r" % (expected,))
        print("#   actual:   %r" % (actual,))


def column(conn, sql):
    return [row[0] for row in conn.execute(sql)]


version = sqlite3.sqlite_version_info
check("Python %s's sqlite3 runs SQLite %s, 3.35.0 or later as the extension "
      "needs" % (sys.version.split()[0], sqlite3.sqlite_version),
      version >= (3, 35, 0), True)
check("this Python's sqlite3 has enable_load_extension (built with "
      "--enable-loadable-sqlite-extensions)",
      hasattr(sqlite3.Connection, "enable_load_extension"), True)

# Before enable_load_extension(True): SQL's load_extension() is refused.
# (Debian's libsqlite3 lets the C call behind Connection.load_extension()
# through even so; other builds refuse it too, so the recipe enables first.)
probe = sqlite3.connect(":memory:")
try:
    probe.execute("SELECT load_extension(?)", (EXT,))
    check("SQL load_extension() before enable_load_extension(True) is refused",
          "loaded", "refused")
except sqlite3.OperationalError as e:
    check("SQL load_extension() before enable_load_extension(True) is "
          "refused: " + str(e), str(e), "not authorized")
try:
    probe.load_extension(EXT)
    print("ok - (observed) Connection.load_extension() before "
          "enable_load_extension(True) loads with this libsqlite3")
except sqlite3.OperationalError as e:
    print("ok - (observed) Connection.load_extension() before "
          "enable_load_extension(True) is refused: " + str(e))
probe.close()

conn = sqlite3.connect(os.path.join(TMP, "python.db"))
conn.enable_load_extension(True)
conn.load_extension(EXT)
conn.enable_load_extension(False)  # loading stays off for SQL: no load_extension()
version_text = conn.execute("SELECT usage_version()").fetchone()[0]
check("enable_load_extension(True) + load_extension(EXT) loads usage "
      + version_text, bool(version_text), True)

schema_version = conn.execute("SELECT usage_init()").fetchone()[0]
check("usage_init() returns the schema version (an integer >= 1)",
      isinstance(schema_version, int) and schema_version >= 1, True)

with open(os.path.join(HERE, "rows.csv"), newline="") as f:
    rows = list(csv.DictReader(f))  # text, as in the CSV: usage_ingest reads
                                    # numbers written as text too
conn.executemany(
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq) VALUES (:ts, :scope, :cloud_project_name, "
    ":busy_cpu_seconds_total, :idle_cpu_seconds_total, :busy_kwh, :idle_kwh, "
    ":busy_gCo2eq, :idle_gCo2eq)",
    rows)
conn.commit()  # the module opened a transaction for the INSERTs
check("executemany() with bound parameters ingests the 3 rows",
      column(conn, "SELECT count(*) FROM fact_usage"), [3])
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      column(conn, BUCKETS_SQL), BUCKETS_EXPECTED)
check("v_project_totals gives the hand-computed totals",
      column(conn, VIEW_SQL), VIEW_EXPECTED)
conn.close()

# A second connection sees the committed rows; it must load the extension
# again for usage_buckets, as every connection must.
conn = sqlite3.connect(os.path.join(TMP, "python.db"))
check("a new connection reads the seed view without loading anything",
      column(conn, VIEW_SQL), VIEW_EXPECTED)
try:
    conn.execute(BUCKETS_SQL)
    check("a new connection needs to load the extension for usage_buckets",
          "found", "no such table")
except sqlite3.OperationalError as e:
    check("a new connection needs to load the extension for usage_buckets: "
          + str(e), True, True)
conn.close()
sys.exit(1 if failed else 0)
