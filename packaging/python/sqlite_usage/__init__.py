"""sqlite_usage: the usage SQLite extension (compute usage, energy and
carbon inside SQLite), packaged for Python.

    import sqlite3
    import sqlite_usage

    conn = sqlite3.connect("usage.db")
    sqlite_usage.load(conn)
    conn.execute("SELECT usage_init()")

load(conn) takes a sqlite3.Connection of a Python built with
--enable-loadable-sqlite-extensions (Debian's /usr/bin/python3 is), or an
APSW Connection. loadable_path() is the path of usage.so, for anything else.
"""
import os

__version__ = "@VERSION@"


def loadable_path():
    """The path of usage.so, without ".so", as SQLite's loaders take it."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "usage")


def load(conn):
    """Load the extension into conn; extension loading is off again after."""
    if hasattr(conn, "enable_load_extension"):  # sqlite3
        conn.enable_load_extension(True)
        try:
            conn.load_extension(loadable_path())
        finally:
            conn.enable_load_extension(False)
    elif hasattr(conn, "enableloadextension"):  # APSW
        conn.enableloadextension(True)
        try:
            conn.loadextension(loadable_path())
        finally:
            conn.enableloadextension(False)
    else:
        raise TypeError("sqlite_usage.load(conn): conn cannot load extensions (this "
                        "Python's sqlite3 was built without "
                        "--enable-loadable-sqlite-extensions?)")
