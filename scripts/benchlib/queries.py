"""queries: bucketed totals on the raw path (no rollups built): usage_buckets
against the bare scan of the same rows (the floor) and the GROUP BY a SQL user
writes; local days against UTC days; a month at the large size against the
base size; and peak memory.

    res, problems = bench_queries(args, ds, month, machine)
"""
import json
import math
import subprocess
import sys

from .common import BENCH, MEASURES, BenchError, Figure, connect, fmt_time, log, size_label
from .targets import (T_LOCAL_UTC, T_MONTH_SHARE, T_RANGE_NOT_TABLE, T_RAW_SCAN,
                      T_RSS_MB)
from .timing import Ratio, median, query, rounds

SUMS = ", ".join(f"sum(f.{m})" for m in MEASURES)
INTENSITY = "sum(f.busy_gCo2eq + f.idle_gCo2eq) / sum(f.busy_kwh + f.idle_kwh)"
RANGE = " AND f.ts >= :start AND f.ts < :end"


def queries(month, machine):
    """The bucket queries: name -> (scope filter for the floor, usage SQL,
    floor SQL, plain SQL, params). Each has a full-range and a month form."""
    q = {}
    for rng, label in ((False, "full range"), (True, "one month")):
        where = RANGE if rng else ""
        bounds = ", :start, :end" if rng else ""
        params = {"start": month[0], "end": month[1]} if rng else {}
        q[("daily per-project", label)] = (
            f"SELECT * FROM usage_buckets('project', 'day'{bounds})",
            f"SELECT count(*), {SUMS} FROM fact_usage f WHERE f.scope = 'project'{where}",
            f"SELECT date(f.ts) AS day, p.cloud_project_name, {SUMS}, {INTENSITY}, count(*) "
            f"FROM fact_usage f JOIN dim_project p ON p.project_id = f.project_id "
            f"WHERE f.scope = 'project'{where} "
            f"GROUP BY date(f.ts), p.cloud_project_name ORDER BY 1, 2",
            params)
        q[("monthly per-group", label)] = (
            f"SELECT * FROM usage_buckets('group', 'month'{bounds})",
            f"SELECT count(*), {SUMS} FROM fact_usage f WHERE f.scope = 'user'{where}",
            f"SELECT strftime('%Y-%m', f.ts) AS month, g.group_name, {SUMS}, {INTENSITY}, "
            f"count(*) FROM fact_usage f JOIN dim_user u ON u.user_id = f.user_id "
            f"LEFT JOIN dim_group g ON g.group_id = u.group_id "
            f"WHERE f.scope = 'user'{where} "
            f"GROUP BY strftime('%Y-%m', f.ts), g.group_name ORDER BY 1, 2",
            params)
    params = {"start": month[0], "end": month[1], "machine": machine}
    q[("hourly one machine", "one month")] = (
        "SELECT * FROM usage_buckets('machine', 'hour', :start, :end) WHERE key = :machine",
        f"SELECT count(*), {SUMS} FROM fact_usage f WHERE f.scope = 'machine' AND f.machine_id = "
        f"(SELECT machine_id FROM dim_machine WHERE machine_name = :machine){RANGE}",
        f"SELECT strftime('%Y-%m-%dT%H:00:00Z', f.ts) AS hour, {SUMS}, {INTENSITY}, count(*) "
        f"FROM fact_usage f JOIN dim_machine m ON m.machine_id = f.machine_id "
        f"WHERE f.scope = 'machine' AND m.machine_name = :machine{RANGE} "
        f"GROUP BY 1 ORDER BY 1",
        params)
    return q


def check_result(name, usage_rows, floor_row, plain_rows):
    """Problems, if any: usage's totals must equal the floor's, and it must
    have as many rows as plain SQL."""
    problems = []
    if len(usage_rows) != len(plain_rows):
        problems.append(f"{len(usage_rows)} rows, plain SQL {len(plain_rows)}")
    got = [sum(r[10] for r in usage_rows)] + \
        [math.fsum(r[3 + k] for r in usage_rows) for k in range(6)]
    want = [floor_row[0] or 0] + [floor_row[1 + k] or 0.0 for k in range(6)]
    for g, w, label in zip(got, want, ("samples",) + MEASURES):
        if not math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-9):
            problems.append(f"{label} {g!r}, floor {w!r}")
    return f"{name}: " + "; ".join(problems[:3]) if problems else None


def bench_queries(args, ds, month, machine):
    """Each query's rounds at one size: {key: {"usage": [s], "floor": [s], "plain": [s]}}."""
    conn = connect(ds["query"], args.ext)
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    out, problems = {}, []
    for key, (usage_sql, floor_sql, plain_sql, params) in queries(month, machine).items():
        times, warm = rounds([("usage", query(conn, usage_sql, params)),
                              ("floor", query(conn, floor_sql, params)),
                              ("plain", query(conn, plain_sql, params))], args.runs, args.budget)
        p = check_result(f"{key[0]}, {key[1]}, {size_label(ds)}",
                         warm["usage"], warm["floor"][0], warm["plain"])
        if p:
            problems.append(p)
        out[key] = times
        log(f"{ds['size']}: {key[0]}, {key[1]}: usage {fmt_time(median(times['usage']))}, "
            f"floor {fmt_time(median(times['floor']))}, plain SQL "
            f"{fmt_time(median(times['plain']))} ({len(times['usage'])} runs)")
    conn.close()
    return out, problems


def bench_local(args, ds):
    """Daily per-project over the full range: local days in Europe/London
    against UTC days, on the raw path; both must hold every row."""
    conn = connect(ds["query"], args.ext)
    utc = "SELECT * FROM usage_buckets('project', 'day')"
    local = ("SELECT * FROM usage_buckets WHERE scope = 'project' AND width = 'day' "
             "AND tz = 'Europe/London'")
    times, warm = rounds([("local", query(conn, local)), ("utc", query(conn, utc))],
                         args.runs, args.budget)
    conn.close()
    n_local, n_utc = sum(r[10] for r in warm["local"]), sum(r[10] for r in warm["utc"])
    problem = None if n_local == n_utc else f"local days hold {n_local} rows, UTC days {n_utc}"
    t_local, t_utc = median(times["local"]), median(times["utc"])
    log(f"{ds['size']}: daily per-project, Europe/London: {fmt_time(t_local)}, "
        f"UTC {fmt_time(t_utc)}")
    r = Ratio.of(times["local"], times["utc"])
    return [Figure(("local", size_label(ds)), f"Daily per-project, full range, {size_label(ds)}: "
                   "local days (tz 'Europe/London') vs UTC days, usage_buckets",
                   fmt_time(t_local), fmt_time(t_utc), r, f"≤ {T_LOCAL_UTC:.2f}×",
                   r.median <= T_LOCAL_UTC, value=t_local)], problem


def query_rows(res, size, is_base):
    label = size_label(size)
    rows = []
    for (name, rng), t in res.items():
        daily_full = name == "daily per-project" and rng == "full range" and is_base
        u = median(t["usage"])
        r = Ratio.of(t["usage"], t["floor"])
        rows.append(Figure(("raw", name, rng, label), f"{name.capitalize()}, {rng}, {label}: "
                           "usage_buckets vs bare sum() scan (floor)", fmt_time(u),
                           fmt_time(median(t["floor"])), r,
                           f"≤ {T_RAW_SCAN:.2f}×" if daily_full else "—",
                           r.median <= T_RAW_SCAN if daily_full else None, value=u,
                           ref_value=median(t["floor"])))
        rows.append(Figure(("plain", name, rng, label), f"{name.capitalize()}, {rng}, {label}: "
                           "usage_buckets vs plain SQL GROUP BY", fmt_time(u),
                           fmt_time(median(t["plain"])), Ratio.of(t["usage"], t["plain"]),
                           value=median(t["plain"])))
    return rows


def scaling_rows(args, base, large, month, machine, res_base, res_large):
    """One month against the full range at each size (medians of their own
    rounds), and each query at the large size against the base size: the
    month queries timed on both databases in the same rounds."""
    rows = []
    for res, ds in ((res_base, base), (res_large, large)):
        if res is None:
            continue
        for name in ("daily per-project", "monthly per-group"):
            m = median(res[(name, "one month")]["usage"])
            f = median(res[(name, "full range")]["usage"])
            first = name == "daily per-project" and ds is base
            rows.append(Figure(("share", name, size_label(ds)), f"{name.capitalize()}, "
                               f"{size_label(ds)}: one month vs full range, usage_buckets",
                               fmt_time(m), fmt_time(f), Ratio([m / f]),
                               f"≤ {T_MONTH_SHARE:.2f}×" if first else "—",
                               m / f <= T_MONTH_SHARE if first else None))
    if large is None:
        return rows
    bl, ll = size_label(base), size_label(large)
    c_base, c_large = connect(base["query"], args.ext), connect(large["query"], args.ext)
    for key, (usage_sql, _f, _p, params) in queries(month, machine).items():
        if key[1] != "one month":
            a, b = median(res_large[key]["usage"]), median(res_base[key]["usage"])
            rows.append(Figure(("scale", key[0], key[1]), f"{key[0].capitalize()}, {key[1]}: "
                               f"usage_buckets at {ll} vs at {bl}", fmt_time(a), fmt_time(b),
                               Ratio([a / b]), "— (the range grows too)"))
            continue
        times, _ = rounds([("large", query(c_large, usage_sql, params)),
                           ("base", query(c_base, usage_sql, params))], args.runs, args.budget)
        r = Ratio.of(times["large"], times["base"])
        rows.append(Figure(("scale", key[0], key[1]), f"{key[0].capitalize()}, {key[1]}: "
                           f"usage_buckets at {ll} vs at {bl}", fmt_time(median(times["large"])),
                           fmt_time(median(times["base"])), r,
                           f"≤ {T_RANGE_NOT_TABLE:.2f}× (follows the range)",
                           r.median <= T_RANGE_NOT_TABLE))
    c_base.close()
    c_large.close()
    return rows


# ---- peak memory -------------------------------------------------------------------

def vm_kb(field):
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchError(f"no {field} in /proc/self/status")


def child_rss(spec):
    """In a fresh process: open, load, read the schema; then run the query,
    reading every row and keeping none. Prints VmHWM before and after (kB)."""
    db, ext, sql, params = json.loads(spec)
    conn = connect(db, ext)
    conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    before = vm_kb("VmHWM")
    n = 0
    for _ in conn.execute(sql, params):
        n += 1
    after = vm_kb("VmHWM")
    conn.close()
    print(json.dumps({"before_kb": before, "after_kb": after, "rows": n}))


def bench_rss(args, ds, month, machine):
    rows = []
    for key, (usage_sql, _floor_sql, plain_sql, params) in queries(month, machine).items():
        if key[1] != "full range" and key[0] != "hourly one machine":
            continue
        got = {}
        for name, sql in (("usage", usage_sql), ("plain", plain_sql)):
            spec = json.dumps([ds["query"], args.ext, sql, params])
            p = subprocess.run([sys.executable, BENCH, "--child-rss", spec],
                               capture_output=True, text=True, check=False)
            if p.returncode != 0:
                raise BenchError(f"memory of {key}: {p.stderr.strip()}")
            r = json.loads(p.stdout)
            got[name] = (r["after_kb"] - r["before_kb"]) / 1024, r["before_kb"] / 1024
        log(f"{ds['size']}: peak RSS, {key[0]}, {key[1]}: usage +{got['usage'][0]:.1f} MB, "
            f"plain SQL +{got['plain'][0]:.1f} MB")
        u, pl = got["usage"][0], got["plain"][0]
        rows.append(Figure(("rss", key[0], key[1], size_label(ds)), f"Peak RSS above baseline, {key[0]}, "
                           f"{key[1]}, {size_label(ds)}: usage_buckets vs plain SQL",
                           f"+{u:.1f} MB (baseline {got['usage'][1]:.0f} MB)", f"+{pl:.1f} MB",
                           Ratio([u / pl]) if pl >= 1 else None, f"≤ +{T_RSS_MB} MB",
                           u <= T_RSS_MB, value=u))
    return rows
