"""check.py: the one check helper of the Python suites.

    import sys, os; sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
    from check import check, check_has, check_close, connect, done
    db = connect(":memory:")
    check("one project row", db.execute("SELECT count(*) FROM dim_project").fetchone()[0], 1)
    done()

Every check takes (name, got, want), in that order, and prints one line
"ok - name" or "not ok - name" with what was expected and what came. The
suites run under Debian's /usr/bin/python3, whose sqlite3 module can load
extensions. USAGE_EXT and USAGE_TMP are read from the environment, with the
same defaults as tests/lib/check.sh.
"""
import math
import os
import sqlite3
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXT = os.environ.get("USAGE_EXT", os.path.join(ROOT, "build", "usage"))
TMP = os.environ.get("USAGE_TMP") or tempfile.mkdtemp()
_failed = [0]


def _report(name, ok, detail):
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        _failed[0] += 1
        for line in detail.splitlines():
            print("#   " + line)
    sys.stdout.flush()
    return ok


def check(name, got, want):
    """got must equal want."""
    return _report(name, got == want, "want: %r\ngot:  %r" % (want, got))


def check_has(name, got, want):
    """The text got must contain want."""
    return _report(name, want in str(got), "want it to contain: %r\ngot: %r" % (want, got))


def check_close(name, got, want, rel=1e-12):
    """Numbers within rel of each other; sequences (rows of a query, say)
    item by item, numbers within rel and any other item exactly."""
    def close(a, b):
        if isinstance(b, (list, tuple)):
            return isinstance(a, (list, tuple)) and len(a) == len(b) and all(map(close, a, b))
        if isinstance(b, (int, float)) and isinstance(a, (int, float)):
            return math.isclose(a, b, rel_tol=rel, abs_tol=rel)
        return a == b
    return _report(name, close(got, want), "want (within %g): %r\ngot: %r" % (rel, want, got))


def check_error(name, fn, want):
    """fn() must raise an sqlite3.Error whose message contains want."""
    try:
        fn()
    except sqlite3.Error as e:
        return _report(name, want in str(e), "want an error containing: %r\ngot: %r" % (want, str(e)))
    return _report(name, False, "want an error containing: %r\ngot no error" % want)


def connect(path, **kw):
    """A connection to path with the extension loaded."""
    db = sqlite3.connect(path, **kw)
    db.enable_load_extension(True)
    db.load_extension(EXT)
    db.enable_load_extension(False)
    return db


def done():
    """End the suite; its status says whether every check passed."""
    sys.exit(1 if _failed[0] else 0)
