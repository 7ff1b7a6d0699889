"""reports: the reports a dashboard runs, on rollups, as a Node client
receives them: usage_buckets against the limit (the same rows read back from
a plain table) and against DuckDB, whole range, in UTC and London days.

    figures, problems = bench_reports(args, ds, client, "utc", "london")
"""
from .common import MEASURES, Figure, fmt_ratio, fmt_time, log, size_label
from .targets import T_DIRTY_LIMIT, T_LIMIT, T_LIMIT_EXTRA
from .timing import Ratio, median

ROLL_TZ = "Europe/London"
COLS = "bucket_start, key, " + ", ".join(MEASURES) + ", intensity_gCo2eq_kwh, samples"
DUCK_SUMS = ", ".join(f"sum({m}) AS {m}" for m in MEASURES) + \
    ", sum(busy_gCo2eq + idle_gCo2eq) / sum(busy_kwh + idle_kwh) AS intensity_gCo2eq_kwh, " \
    "count(*) AS samples"
DIRTY = "daily per project, 1 % of days dirty"
# A range without rows: the same report's cost before it reads any.
EMPTY = " AND start = '1900-01-01T00:00:00Z' AND \"end\" = '1900-02-01T00:00:00Z'"


def duck_start(unit, tz):
    """DuckDB's bucket start: in UTC, or of the local time in tz, back in UTC."""
    if tz is None:
        return f"time_bucket(INTERVAL 1 {unit}, ts)"
    local = f"timezone('{tz}', ts AT TIME ZONE 'UTC')"
    return f"timezone('UTC', timezone('{tz}', date_trunc('{unit}', {local})))"


def report(scope, width, tz=None):
    """(usage_buckets SQL, DuckDB SQL) of one report over the whole range."""
    usage = (f"SELECT {COLS} FROM usage_buckets WHERE scope = "
             f"'{'group' if scope == 'group' else scope}' AND width = '{width}'"
             + (f" AND tz = '{tz}'" if tz else ""))
    key = {"project": "cloud_project_name", "user": "user_id", "group": "u.group_name"}[scope]
    join = " LEFT JOIN u USING (user_id)" if scope == "group" else ""
    duck = (f"SELECT {duck_start(width, tz)} AS bucket_start, {key} AS key, {DUCK_SUMS} "
            f"FROM f{join} WHERE scope = '{'user' if scope == 'group' else scope}' "
            "GROUP BY ALL ORDER BY 1, 2")
    return usage, duck


# name -> (database, scope, width, tz)
REPORTS = {
    "daily per project": ("utc", "project", "day", None),
    "monthly per user": ("utc", "user", "month", None),
    "monthly per group": ("utc", "group", "month", None),
    "daily per project, local days": ("london", "project", "day", ROLL_TZ),
    "monthly per user, local months": ("london", "user", "month", ROLL_TZ),
    "monthly per group, local months": ("london", "group", "month", ROLL_TZ),
}

NOTE = ("Reports on rollups were timed as a client receives them: one Node 22 process "
        "holding node:sqlite with the extension loaded and DuckDB (@duckdb/node-api, its own "
        "in-memory table loaded from the same CSV, 2 threads), every row of every result "
        "turned into JavaScript values. The limit is the same rows read back from a plain "
        "SQLite table (`SELECT * FROM held`) in the same client: what any plan pays to hand "
        "them over.")


def read_rows(stats):
    """The stored rows a report read, from usage_buckets_stats(), as text."""
    parts = [(stats.get(k) or 0, what) for k, what in (
        ("month_rows", "month rollup"), ("day_rows", "day rollup"), ("raw_rows", "fact"))]
    return " and ".join(f"{v:,} {what} rows" for v, what in parts if v) or "no stored rows"


def limit_cause(u, lim, fixed, n, stats=None):
    """Why a report misses its line against the limit, from its own rounds."""
    over = u - lim
    if stats and sum(stats.get(k) or 0 for k in ("month_rows", "day_rows", "raw_rows")) > 2 * n:
        return (f"usage_buckets reads {read_rows(stats)} to hand over {n:,} rows, which the "
                f"plain table holds ready: {fmt_time(over)} more, about "
                f"{fmt_time(over / max(n, 1))} a row handed over.")
    if fixed >= over / 2:
        return (f"usage_buckets takes {fmt_time(over)} more than the plain table for the same "
                f"{n:,} rows, and {fmt_time(fixed)} of a query's time passes before any row is "
                "read (the same report over a range without rows).")
    return (f"usage_buckets takes {fmt_time(over)} more than the plain table for the same "
            f"{n:,} rows, about {fmt_time(over / max(n, 1))} a row, while a query without rows "
            f"costs {fmt_time(fixed)}.")


def figures_of(name, label, r, factor):
    """The two lines of one report: against the limit and against DuckDB."""
    t = r["times"]
    u, lim, d, fx = (median(t[k]) for k in ("usage", "limit", "duckdb", "fixed"))
    n = r["rows"]
    head = f"{name.capitalize()}, whole range, {label}, {n:,} rows to a Node client:"
    vs_limit = Ratio.of(t["usage"], t["limit"])
    ok = Ratio.against(t["usage"], t["limit"], factor, T_LIMIT_EXTRA).median <= 1
    lines = [Figure(("limit", name, label), f"{head} usage_buckets on rollups vs the same rows "
                    "from a plain table (the limit)", fmt_time(u), fmt_time(lim), vs_limit,
                    f"≤ {factor:g}× limit + {T_LIMIT_EXTRA * 1e3:g} ms", ok,
                    None if ok else limit_cause(u, lim, fx, n, r.get("stats")), value=u,
                    ref_value=lim)]
    vs_duck = Ratio.of(t["usage"], t["duckdb"])
    lines.append(Figure(("report", name, label), f"{head} usage_buckets on rollups vs DuckDB",
                        fmt_time(u), fmt_time(d), vs_duck, "< 1× (faster)", vs_duck.median < 1,
                        None if vs_duck.median < 1 else
                        f"DuckDB hands over the {n:,} rows in {fmt_time(d)}, usage_buckets in "
                        f"{fmt_time(u)}, of which the plain table's {fmt_time(lim)} is the least "
                        "any SQLite plan could take.", value=u, ref_value=d))
    log(f"{label}: {name}: usage_buckets {fmt_time(u)}, limit {fmt_time(lim)}, DuckDB "
        f"{fmt_time(d)}, no rows {fmt_time(fx)}; per round {fmt_ratio(vs_limit.median)} "
        f"the limit ({len(t['usage'])} rounds)")
    return lines


def bench_reports(args, ds, client):
    """The reports, then daily per project again with 1 % of its days dirty
    (a late update each, on both engines, not yet refreshed)."""
    label = size_label(ds)
    figures, problems = [], []
    for name, (db, scope, width, tz) in REPORTS.items():
        usage, duck = report(scope, width, tz)
        r = client.report(db, usage, duck, usage + EMPTY)
        if r["problem"]:
            problems.append(f"{name}: {r['problem']}")
        figures += figures_of(name, label, r, T_LIMIT)
    days = ds["manifest"]["hours"] // 24
    start = ds["manifest"]["start"][:10]
    # 1 % of the days, every hundredth at noon: the same late update on both
    # sides (a given fact: its covered_kwh follows its kWh).
    for i in range(0, days, 100)[:max(1, days // 100)]:
        client.sqlite("utc", "UPDATE fact_usage SET busy_kwh = busy_kwh + 0.5, covered_kwh = "
                      "covered_kwh + 0.5 WHERE scope = 'project' AND ts = "
                      f"strftime('%Y-%m-%dT12:00:00Z', '{start}', '+{i} days')")
        client.duckdb("UPDATE f SET busy_kwh = busy_kwh + 0.5 WHERE scope = 'project' AND ts = "
                      f"TIMESTAMP '{start} 12:00:00' + INTERVAL {i} DAY")
    usage, duck = report("project", "day")
    r = client.report("utc", usage, duck, usage + EMPTY)
    if r["problem"]:
        problems.append(f"{DIRTY}: {r['problem']}")
    figures += figures_of(DIRTY, label, r, T_DIRTY_LIMIT)
    return figures, problems
