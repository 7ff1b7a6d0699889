"""python_sqlite3.py: the usage extension through Python's standard sqlite3
module, run by Debian's /usr/bin/python3. Proves the Python recipe:
SQL's load_extension() is refused until enable_load_extension(True), then
load_extension(EXT) (path without ".so"), usage_init(), executemany() of
the rows of rows.csv into usage_ingest with bound parameters and a commit,
one usage_buckets result and one seed view.

    /usr/bin/python3 tests/drivers/python_sqlite3.py EXT TMPDIR
"""
import os
import sqlite3
import sys

from common import BUCKETS_SQL, EXT, INSERT_SQL, ROWS, TMP, VIEW_EXPECTED, VIEW_SQL, check, check_totals, done


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

conn.executemany(INSERT_SQL, ROWS)
conn.commit()  # the module opened a transaction for the INSERTs
check_totals(lambda sql: column(conn, sql))
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
done()
