"""rollups: the figures on rollups: building them, keeping them fresh, the
raw path beside them, and the reports a client receives (reports.py).

    figures, note = bench_rollups(args, ds, month, machine)
"""
import datetime as dt
import os
import shutil
import time

from .client import Client
from .common import MEASURES, Figure, connect, fmt_time, log, remove_db, size_label, work_path
from .data import gen_csv
from .reports import ROLL_TZ, bench_reports
from .targets import T_BUILD, T_REFRESH_HOUR, T_SUBDAY
from .timing import Ratio, median, query, rounds

# The one-row wrapper the build figures run their raw query through: every
# column of every row computed, none handed over.
WRAP = ("SELECT count(*), count(key), max(bucket_start), "
        + ", ".join(f"sum({m})" for m in MEASURES + ("intensity_gCo2eq_kwh", "samples"))
        + " FROM ({})")


def raw_of(conn, sql):
    """sql run on the raw path: the watermarks NULL in a transaction that
    is rolled back."""
    def fn():
        conn.execute("BEGIN")
        conn.execute("UPDATE usage_rollup_state SET watermark = NULL")
        t0 = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        secs = time.perf_counter() - t0
        conn.execute("ROLLBACK")
        return secs, rows
    return fn


def build_rows(args, conn, label):
    """Building each scope from scratch against one raw full-range query."""
    rows = []
    for scope in ("ada", "project", "machine", "user"):
        def build(scope=scope):
            conn.execute("BEGIN")
            conn.execute("UPDATE usage_rollup_state SET watermark = NULL WHERE scope = ?",
                         (scope,))
            t0 = time.perf_counter()
            n = conn.execute("SELECT usage_refresh(?)", (scope,)).fetchone()[0]
            secs = time.perf_counter() - t0
            conn.execute("ROLLBACK")
            return secs, n
        raw = raw_of(conn, WRAP.format(f"SELECT * FROM usage_buckets('{scope}', 'day')"))
        times, warm = rounds([("build", build), ("raw", raw)], args.runs)
        b, r = median(times["build"]), median(times["raw"])
        log(f"{label}: build {scope} {fmt_time(b)} ({warm['build']} days), raw query {fmt_time(r)}")
        ratio = Ratio.of(times["build"], times["raw"])
        rows.append(Figure(("build", scope, label), f"Rollups built from scratch, {scope} scope, "
                           f"{label}: usage_refresh('{scope}') vs one full-range raw "
                           "usage_buckets query (day)", fmt_time(b), fmt_time(r), ratio,
                           f"< {T_BUILD:.0f}×", ratio.median < T_BUILD, value=b))
    return rows


def refresh_hour_rows(args, conn, label):
    """usage_refresh() after one hour of new rows (one per key), at the
    last hour of a day (the day becomes complete and is built) and mid-day.
    The data ends with a whole day, so the day after it is the one filled."""
    top = conn.execute("SELECT max(ts) FROM fact_usage").fetchone()[0]
    t_top = dt.datetime.strptime(top, "%Y-%m-%dT%H:%M:%SZ")
    keys = conn.execute(
        "SELECT f.scope, p.cloud_project_name, m.machine_name, f.user_id FROM fact_usage f "
        "LEFT JOIN dim_project p USING (project_id) LEFT JOIN dim_machine m USING (machine_id) "
        "WHERE f.scope IN ('ada', 'project', 'machine', 'user') AND f.ts = ?", (top,)).fetchall()
    rows = []
    for what, hours in (("the hour that completes a day", 24), ("an hour in mid-day", 13)):
        ts = (t_top + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def refresh(ts=ts, hours=hours):
            conn.execute("BEGIN")
            if hours > 1:  # the hours before it, refreshed, as a running system has them
                for h in range(1, hours):
                    t = (t_top + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")
                    conn.executemany("INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
                                     "machine_name, user_id, busy_kwh) VALUES (?, ?, ?, ?, ?, 1)",
                                     [(t,) + k for k in keys])
                conn.execute("SELECT usage_refresh()").fetchone()
            conn.executemany("INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
                             "machine_name, user_id, busy_kwh) VALUES (?, ?, ?, ?, ?, 1)",
                             [(ts,) + k for k in keys])
            t0 = time.perf_counter()
            n = conn.execute("SELECT usage_refresh()").fetchone()[0]
            secs = time.perf_counter() - t0
            conn.execute("ROLLBACK")
            return secs, n
        times, warm = rounds([("refresh", refresh)], args.runs)
        m = median(times["refresh"])
        log(f"{label}: usage_refresh() after {what}: {fmt_time(m)} ({warm['refresh']} days)")
        rows.append(Figure(("refresh", hours, label), f"usage_refresh() after one hour of new "
                           f"data ({len(keys)} rows), {what} ({warm['refresh']} day rollups "
                           f"written), {label}", fmt_time(m), target=f"< {T_REFRESH_HOUR * 1e3:.0f} ms",
                           ok=m < T_REFRESH_HOUR, value=m))
    return rows


def copy_refreshed(args, ds, name, tz=None):
    """A copy of the data set's query.db, with rollup_tz set when tz is given,
    its rollups built: (path, connection)."""
    path = work_path(args, name)
    remove_db(path)
    shutil.copyfile(ds["query"], path)
    conn = connect(path, args.ext, wal=True)
    if tz:
        conn.execute("SELECT usage_config('rollup_tz', ?)", (tz,)).fetchone()
    t0 = time.perf_counter()
    n = conn.execute("SELECT usage_refresh()").fetchone()[0]
    log(f"{size_label(ds)}: {name}: usage_refresh() built {n} day rollups in "
        f"{fmt_time(time.perf_counter() - t0)}")
    return path, conn


def bench_rollups(args, ds, month, machine):
    """Rollup figures on refreshed copies of query.db (UTC days, and London
    days with rollup_tz), the reports timed in the Node client."""
    label = size_label(ds)
    path, conn = copy_refreshed(args, ds, "rollup")
    rows = build_rows(args, conn, label)
    tz_path, tz_conn = copy_refreshed(args, ds, "rollup-tz", ROLL_TZ)
    with Client(args, gen_csv(args, ds), os.path.join(ds["dir"], "roster.csv")) as client:
        client.open("utc", path)
        client.open("london", tz_path)
        figures, problems = bench_reports(args, ds, client)
    rows += figures
    dirty = conn.execute("SELECT dirty_days FROM usage_rollup_status WHERE scope = 'project'"
                         ).fetchone()[0]
    if not dirty:
        problems.append("no day of the project rollups was dirty after the late updates")
    conn.execute("SELECT usage_refresh()").fetchone()
    # Widths under a day take the raw path: routed against forced raw.
    sql = (f"SELECT * FROM usage_buckets('machine', 'hour', '{month[0]}', '{month[1]}') "
           f"WHERE key = '{machine}'")
    times, _ = rounds([("routed", query(conn, sql)), ("raw", raw_of(conn, sql))],
                      args.runs, args.budget)
    u, r = median(times["routed"]), median(times["raw"])
    ratio = Ratio.of(times["routed"], times["raw"])
    rows.append(Figure(("subday", label), f"Hourly one machine, one month, {label}: "
                       "usage_buckets with rollups built (routed raw) vs with none (watermarks "
                       "NULL)", fmt_time(u), fmt_time(r), ratio, f"≤ {T_SUBDAY:.2f}×",
                       ratio.median <= T_SUBDAY, value=u))
    rows += refresh_hour_rows(args, conn, label)
    rows += refresh_hour_rows(args, tz_conn, f"rollup_tz {ROLL_TZ}, {label}")
    for c, p in ((conn, path), (tz_conn, tz_path)):
        c.close()
        remove_db(p)
    note = (f"Reports on rollups, {label}: the dirty report ran with {dirty} of the project "
            f"scope's {ds['manifest']['hours'] // 24} days dirty. Each report's rows were "
            "compared once, outside the timing, with the held table's and DuckDB's"
            + (": they agree." if not problems else ". **They differ:** " + " / ".join(problems)))
    return rows, note


def bench_fleet(args, ds):
    """The reports alone, on the fleet-sized data: rollups built, then the
    Node client as in bench_rollups."""
    path, conn = copy_refreshed(args, ds, "fleet")
    tz_path, tz_conn = copy_refreshed(args, ds, "fleet-tz", ROLL_TZ)
    with Client(args, gen_csv(args, ds), os.path.join(ds["dir"], "roster.csv")) as client:
        client.open("utc", path)
        client.open("london", tz_path)
        figures, problems = bench_reports(args, ds, client)
    for c, p in ((conn, path), (tz_conn, tz_path)):
        c.close()
        remove_db(p)
    return figures, ("Each report's rows were compared once with the held table's and DuckDB's"
                     + (": they agree." if not problems else ". **They differ:** "
                        + " / ".join(problems)))
