"""python_apsw.py: the usage extension through APSW (Debian's python3-apsw,
run by /usr/bin/python3). Proves the APSW recipe: APSW links Debian's
libsqlite3 (not a SQLite of its own), SQL's load_extension() is refused
until enableloadextension(True), then loadextension(EXT) (path without
".so"; this APSW spells the methods without underscores), usage_init(),
executemany() of rows.csv into usage_ingest with bound parameters (APSW
runs each statement in autocommit: no commit needed), one usage_buckets
result and one seed view.

    /usr/bin/python3 tests/drivers/python_apsw.py EXT TMPDIR
"""
import csv
import os
import sys

import apsw

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
    return [row[0] for row in conn.cursor().execute(sql)]


lib = apsw.sqlitelibversion()
check("APSW %s runs SQLite %s, 3.35.0 or later as the extension needs"
      % (apsw.apswversion(), lib),
      tuple(int(x) for x in lib.split(".")[:3]) >= (3, 35, 0), True)
check("this APSW uses the system libsqlite3, not an amalgamation of its own",
      getattr(apsw, "using_amalgamation", False), False)

conn = apsw.Connection(os.path.join(TMP, "apsw.db"))
try:
    conn.cursor().execute("SELECT load_extension(?)", (EXT,))
    check("SQL load_extension() before enableloadextension(True) is refused",
          "loaded", "refused")
except apsw.Error as e:
    check("SQL load_extension() before enableloadextension(True) is refused: "
          + str(e), "not authorized" in str(e), True)

# Newer APSW also has enable_load_extension / load_extension; this one
# (Debian bookworm) has only the names without underscores.
enable = getattr(conn, "enable_load_extension", None) or conn.enableloadextension
load = getattr(conn, "load_extension", None) or conn.loadextension
enable(True)
load(EXT)
enable(False)
cur = conn.cursor()
version = cur.execute("SELECT usage_version()").fetchall()[0][0]
check("enableloadextension(True) + loadextension(EXT) loads usage " + version,
      bool(version), True)
schema_version = cur.execute("SELECT usage_init()").fetchall()[0][0]
check("usage_init() returns the schema version (an integer >= 1)",
      isinstance(schema_version, int) and schema_version >= 1, True)

with open(os.path.join(HERE, "rows.csv"), newline="") as f:
    rows = list(csv.DictReader(f))  # text, as in the CSV: usage_ingest reads
                                    # numbers written as text too
cur.executemany(
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq) VALUES (:ts, :scope, :cloud_project_name, "
    ":busy_cpu_seconds_total, :idle_cpu_seconds_total, :busy_kwh, :idle_kwh, "
    ":busy_gCo2eq, :idle_gCo2eq)",
    rows)
check("executemany() with bound parameters ingests the 3 rows",
      column(conn, "SELECT count(*) FROM fact_usage"), [3])
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      column(conn, BUCKETS_SQL), BUCKETS_EXPECTED)
check("v_project_totals gives the hand-computed totals",
      column(conn, VIEW_SQL), VIEW_EXPECTED)
conn.close()
sys.exit(1 if failed else 0)
