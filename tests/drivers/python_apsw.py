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
import os

import apsw

from common import EXT, TMP, ROWS, INSERT_SQL, check, check_totals, done


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

cur.executemany(INSERT_SQL, ROWS)
check_totals(lambda sql: column(conn, sql))
conn.close()
done()
