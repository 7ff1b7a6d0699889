"""ingest: the ingest figures: usage_ingest against the in-engine floor and
the seed-style Python writer, with derivation, with embodied models in
force, and re-derivation by actual intensity.

    figures, note = bench_ingest(args, ds)
"""
import datetime as dt
import gc
import sqlite3
import time

from .common import (CPU_COLS, FACT_COLS, INGEST_COLS, BenchError, Figure, check_totals,
                     fmt_rate, fmt_ratio, log, remove_db, size_label, work_path)
from .data import fresh_target, load_forecasts
from .embodied import add_models, check_embodied
from .targets import (T_DERIVE_FLOOR, T_EMBODIED, T_INGEST_FLOOR, T_INGEST_PYTHON,
                      T_INGEST_RATE, T_REDERIVE_MS)
from .timing import Ratio, median, rounds

USAGE_INGEST = (f"INSERT INTO usage_ingest({', '.join(INGEST_COLS)}) "
                f"SELECT {', '.join(INGEST_COLS)} FROM src.staging")
FLOOR_INGEST = (f"INSERT INTO fact_usage({', '.join(FACT_COLS)}) "
                f"SELECT {', '.join(FACT_COLS)} FROM src.staging_ids")
DERIVE_INGEST = (f"INSERT INTO usage_ingest({', '.join(CPU_COLS)}) "
                 f"SELECT {', '.join(CPU_COLS)} FROM src.staging")


class SeedStyleWriter:
    """The UsageDB class's ingest path: per row, its get-or-create helpers
    (INSERT OR IGNORE then SELECT the id; users by upsert), its scope check,
    and its fact upsert, each a prepared statement from Python's cache.
    Rows come back as tuples (the class uses a dict row factory, which is
    slower), so this is the path at its best."""

    FACT_UPSERT = f"""
        INSERT INTO fact_usage({', '.join(FACT_COLS)})
        VALUES ({', '.join('?' * len(FACT_COLS))})
        ON CONFLICT(scope, ts, COALESCE(project_id, -1), COALESCE(machine_id, -1), COALESCE(user_id, ''))
        DO UPDATE SET
          busy_cpu_seconds_total = excluded.busy_cpu_seconds_total,
          idle_cpu_seconds_total = excluded.idle_cpu_seconds_total,
          busy_kwh               = excluded.busy_kwh,
          idle_kwh               = excluded.idle_kwh,
          busy_gCo2eq            = excluded.busy_gCo2eq,
          idle_gCo2eq            = excluded.idle_gCo2eq,
          intensity_gCo2eq_kwh   = excluded.intensity_gCo2eq_kwh"""
    WANT = {"ada": (False, False, False), "project": (True, False, False),
            "machine": (False, True, False), "user": (False, False, True)}

    def __init__(self, conn):
        self.conn = conn

    def get_or_create_project(self, name):
        cur = self.conn.cursor()
        cur.execute("INSERT OR IGNORE INTO dim_project(cloud_project_name) VALUES (?)", (name,))
        cur.execute("SELECT project_id FROM dim_project WHERE cloud_project_name=?", (name,))
        return cur.fetchone()[0]

    def get_or_create_machine(self, name):
        cur = self.conn.cursor()
        cur.execute("INSERT OR IGNORE INTO dim_machine(machine_name) VALUES (?)", (name,))
        cur.execute("SELECT machine_id FROM dim_machine WHERE machine_name=?", (name,))
        return cur.fetchone()[0]

    def get_or_create_user(self, user_id):
        self.conn.execute("""
            INSERT INTO dim_user(user_id, display_name, group_id) VALUES (?, ?, ?)
            ON CONFLICT(user_id) DO UPDATE SET
              display_name=COALESCE(excluded.display_name, dim_user.display_name),
              group_id=COALESCE(excluded.group_id, dim_user.group_id)""", (user_id, None, None))
        return user_id

    def insert_fact_usage(self, row):
        ts, scope, pid, mid, uid = row[:5]
        want = self.WANT.get(scope)
        if want is None or want != (pid is not None, mid is not None, uid is not None):
            raise ValueError(f"bad scope row {row!r}")
        self.conn.execute(self.FACT_UPSERT, row)

    def ingest(self, rows):
        self.conn.execute("BEGIN")
        for ts, scope, proj, mach, user, *amounts in rows:
            pid = self.get_or_create_project(proj) if proj is not None else None
            mid = self.get_or_create_machine(mach) if mach is not None else None
            if user is not None:
                self.get_or_create_user(user)
            self.insert_fact_usage((ts, scope, pid, mid, user, *amounts))
        self.conn.execute("COMMIT")


def check_derived(conn, manifest, what):
    """Raise unless fact_usage holds gen's rows and CPU seconds, every fact with
    energy from the model and carbon from the forecasts."""
    got = {r[0]: r[1:] for r in conn.execute(
        "SELECT scope, count(*), sum(busy_cpu_seconds_total), sum(idle_cpu_seconds_total), "
        "sum(energy_source = 'model' AND carbon_source = 'forecast') FROM fact_usage GROUP BY scope")}
    for scope, want in manifest["scopes"].items():
        row = got.pop(scope, None)
        if want["rows"] == 0 and row is None:
            continue
        expect = (want["rows"], want["busy_cpu_seconds_total"], want["idle_cpu_seconds_total"],
                  want["rows"])
        if row != expect:
            raise BenchError(f"{what}: scope {scope} holds {row}, expected {expect}")
    if got:
        raise BenchError(f"{what}: unexpected scopes {sorted(got)}")


def in_transaction(sql):
    def body(conn):
        conn.execute("BEGIN")
        conn.execute(sql)
        conn.execute("COMMIT")
    return body


def bench_ingest(args, ds):
    manifest = ds["manifest"]
    nrows = manifest["rows"]
    target = work_path(args, "ingest")
    src = sqlite3.connect(ds["src"])
    py_rows = src.execute(f"SELECT {', '.join(INGEST_COLS)} FROM staging ORDER BY rowid").fetchall()
    src.close()
    gc.collect()
    gc.freeze()  # the staged rows are not garbage; keep the collector off them

    def timed(label, body, derive=False, embodied=False):
        def fn():
            conn = fresh_target(args, target, ds["src"])
            if derive:
                load_forecasts(conn, manifest)
            if embodied:
                add_models(conn)
            t0 = time.perf_counter()
            body(conn)
            secs = time.perf_counter() - t0
            if derive:
                check_derived(conn, manifest, f"ingest run ({label})")
            else:
                check_totals(conn, manifest, f"ingest run ({label})")
            if embodied:
                check_embodied(conn, manifest, f"ingest run ({label})")
            conn.close()
            remove_db(target)
            return secs, None
        return fn

    usage, floor = in_transaction(USAGE_INGEST), in_transaction(FLOOR_INGEST)
    derive = in_transaction(DERIVE_INGEST)

    def python(conn):
        SeedStyleWriter(conn).ingest(py_rows)

    paths = [("usage", timed("usage_ingest", usage)),
             ("floor", timed("floor", floor)),
             ("python", timed("Python per-row", python)),
             ("derive", timed("derivation", derive, derive=True)),
             ("embodied", timed("embodied models", usage, embodied=True))]
    log(f"ingest: {nrows:,} rows x ({args.runs} runs + warm-up) x {len(paths)} paths")
    times, _ = rounds(paths, args.runs)
    gc.unfreeze()
    py_rows.clear()
    rate = {k: nrows / median(v) for k, v in times.items()}
    label = size_label(ds)

    def vs(key, a, b, text, line=None):
        r = Ratio.rates(times[a], times[b])
        ok = None if line is None else r.median >= line
        cause = None if ok is not False else (
            f"It wrote {fmt_rate(rate[a])} rows/s, the reference {fmt_rate(rate[b])}; per "
            f"round {fmt_ratio(r.lo)} to {fmt_ratio(r.hi)} of the reference's rate.")
        return Figure(key, text + f", {label}", fmt_rate(rate[a]), fmt_rate(rate[b]), r,
                      "—" if line is None else f"≥ {line:.2f}×", ok, cause, value=rate[a],
                      ref_value=rate[b])

    ok_rate = rate["usage"] >= T_INGEST_RATE
    return [
        vs(("ingest", "floor"), "usage", "floor", "Ingest, rows/s: usage_ingest vs in-engine "
           "INSERT ... SELECT of resolved ids into today's fact_usage, its triggers on both "
           "sides (floor)", T_INGEST_FLOOR),
        vs(("ingest", "python"), "usage", "python", "Ingest, rows/s: usage_ingest vs the "
           "seed-style Python writer (per-row get-or-create + upsert)", T_INGEST_PYTHON),
        Figure(("ingest", "rate"), f"Ingest, rows/s: usage_ingest, absolute, {label}",
               fmt_rate(rate["usage"]), target=f"≥ {T_INGEST_RATE:,} rows/s", ok=ok_rate,
               cause=None if ok_rate else (
                   f"The in-engine floor itself writes {fmt_rate(rate['floor'])} rows/s into the "
                   "same schema on this machine." if rate["floor"] < T_INGEST_RATE else
                   f"usage_ingest writes {fmt_rate(rate['usage'])} rows/s, the in-engine floor "
                   f"{fmt_rate(rate['floor'])}."), value=rate["usage"]),
        vs(("ingest", "derive"), "derive", "floor", "Ingest with derivation, rows/s: "
           "CPU-seconds-only rows through usage_ingest, energy from the power model and carbon "
           "from a forecast series, vs the floor", T_DERIVE_FLOOR),
        vs(("ingest", "embodied"), "embodied", "usage", "Ingest with embodied carbon, rows/s: "
           "usage_ingest with a platform default and one embodied model per machine in force "
           "vs usage_ingest without", T_EMBODIED),
    ], (f"Ingest: every run of every path stored exactly the {nrows:,} rows and the per-scope "
        f"totals that scripts/gen promised (with derivation: its rows and CPU seconds, every "
        f"fact derived from the model and the forecasts; with embodied models: every fact "
        f"charged from a model); {len(times['usage'])} timed runs per path.")


def bench_rederive(args, ds):
    """Loading a day of actual intensity (48 half-hours, one INSERT, autocommit)
    into a database whose facts were derived from forecasts: the facts of that
    day move to 'actual' in the same statement. A different day each run."""
    manifest = ds["manifest"]
    target = work_path(args, "rederive")
    conn = fresh_target(args, target, ds["src"])
    load_forecasts(conn, manifest)
    in_transaction(DERIVE_INGEST)(conn)
    conn.execute("DETACH src")
    first = dt.date.fromisoformat(manifest["start"][:10])
    ndays = manifest["hours"] // 24
    load = ("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 47) "
            "INSERT INTO usage_intensity SELECT 'GB', "
            "strftime('%Y-%m-%dT%H:%MZ', ?1, '+' || (30 * i) || ' minutes'), "
            "strftime('%Y-%m-%dT%H:%MZ', ?1, '+' || (30 * i + 30) || ' minutes'), "
            "120 + (i % 7), 'actual', 'bench' FROM n")
    times, facts = [], []
    for i in range(args.runs + 1):
        day = (first + dt.timedelta(days=(7 + 11 * i) % max(ndays, 1))).isoformat()
        t0 = time.perf_counter()
        conn.execute(load, (day,))
        secs = time.perf_counter() - t0
        n = conn.execute("SELECT count(*) FROM fact_usage WHERE ts >= ?1 AND ts < date(?1, '+1 day') "
                         "AND carbon_source = 'actual'", (day,)).fetchone()[0]
        left = conn.execute("SELECT count(*) FROM fact_usage WHERE ts >= ?1 AND ts < date(?1, "
                            "'+1 day') AND carbon_source <> 'actual'", (day,)).fetchone()[0]
        if left:
            raise BenchError(f"rederive: {left} facts of {day} are not actual after the load")
        if i:  # the first run warms up
            times.append(secs)
            facts.append(n)
    conn.close()
    remove_db(target)
    ms = median(times) * 1000
    return [Figure(("rederive",), f"Intensity, ms: one day of actual intensity (48 periods) "
                   f"re-deriving the {int(median(facts)):,} facts of that day, {size_label(ds)}",
                   f"{ms:.1f} ms", target=f"< {T_REDERIVE_MS} ms", ok=ms < T_REDERIVE_MS,
                   value=ms / 1000)], \
        (f"Intensity: each run loaded one INSERT of 48 actual half-hours for another day, in "
         f"autocommit mode, and every fact of that day was then 'actual'; {len(times)} timed runs.")
