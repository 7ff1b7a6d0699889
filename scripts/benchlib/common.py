"""common: what every part of the bench shares: the paths, the columns of
the generated data, errors, connections and the formats of the figures.

    from benchlib.common import connect, fmt_time
    conn = connect("build/bench/data/.../query.db", "build/usage")
"""
import os
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "scripts", "gen")
BENCH = os.path.join(ROOT, "scripts", "bench")  # the launcher, for child processes
MEASURES = ("busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh",
            "idle_kwh", "busy_gCo2eq", "idle_gCo2eq")
NAMES = ("ts", "scope", "cloud_project_name", "machine_name", "user_id")
INGEST_COLS = NAMES + MEASURES + ("intensity_gCo2eq_kwh",)
FACT_COLS = ("ts", "scope", "project_id", "machine_id", "user_id") + MEASURES + \
    ("intensity_gCo2eq_kwh",)
CPU_COLS = NAMES + ("busy_cpu_seconds_total", "idle_cpu_seconds_total")
SIZE_LABEL = {"1m": "1 M", "10m": "10 M", "tiny": "tiny", "tiny10": "tiny×10",
              "fleet": "fleet"}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def size_label(ds_or_size):
    size = ds_or_size["size"] if isinstance(ds_or_size, dict) else ds_or_size
    return SIZE_LABEL.get(size, size)


# ---- connections -------------------------------------------------------------

def connect(path, ext, wal=False):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.enable_load_extension(True)
    try:
        conn.load_extension(ext)
    except sqlite3.Error as e:
        raise BenchError(f"cannot load the extension {ext}: {e} (run make first)") from e
    conn.enable_load_extension(False)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def work_path(args, name):
    """A scratch database path under the cache's run folder, unique to this process."""
    work = os.path.join(args.cache, "run")
    os.makedirs(work, exist_ok=True)
    return os.path.join(work, f"{name}-{os.getpid()}.db")


def check_totals(conn, manifest, what):
    """Raise unless fact_usage holds exactly the rows and totals gen promised."""
    sums = ", ".join(f"sum({m})" for m in MEASURES)
    got = {r[0]: r[1:] for r in conn.execute(
        f"SELECT scope, count(*), {sums} FROM fact_usage GROUP BY scope")}
    for scope, want in manifest["scopes"].items():
        row = got.pop(scope, None)
        if want["rows"] == 0 and row is None:
            continue
        expect = (want["rows"],) + tuple(want[m] for m in MEASURES)
        if row != expect:
            raise BenchError(f"{what}: scope {scope} holds {row}, scripts/gen promised {expect}")
    if got:
        raise BenchError(f"{what}: unexpected scopes {sorted(got)}")


# ---- formats ------------------------------------------------------------------

def fmt_time(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 0.001:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_rate(r):
    return f"{r:,.0f}"


def fmt_ratio(r):
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.3f}×"


def met(ok):
    return "yes" if ok else "**no**"


class Figure:
    """One line of the targets table: what was timed, each side's median,
    the ratio (a timing.Ratio, or None) and the target it is held to.
    key names the figure for the page's summary, e.g. ("ingest", "1m")."""

    def __init__(self, key, label, usage, reference="—", ratio=None, target="—", ok=None,
                 cause=None, value=None, ref_value=None):
        self.key, self.label, self.usage, self.reference = key, label, usage, reference
        self.ratio, self.target, self.ok, self.cause = ratio, target, ok, cause
        # Each side's number (seconds, rows/s, MB), for the page's summary.
        self.value, self.ref_value = value, ref_value

    def cells(self):
        r = self.ratio
        return (self.label, self.usage, self.reference,
                fmt_ratio(r.median) if r else "—",
                f"{fmt_ratio(r.lo)}–{fmt_ratio(r.hi)}" if r and len(r.ratios) > 1 else "—",
                self.target, "—" if self.ok is None else met(self.ok))
