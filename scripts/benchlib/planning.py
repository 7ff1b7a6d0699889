"""planning: usage_budget_status() for 100 budgets and usage_best_window
over 48 hours of half-hour forecasts, on the data with rollups built.

    figures, note = bench_planning(args, ds)
"""

from .common import Figure, fmt_time, remove_db, size_label
from .rollups import copy_refreshed
from .targets import T_BEST_WINDOW_MS, T_BUDGETS_MS
from .timing import median, query, rounds

# The keys budgets are set on: the platform, then up to 12 of each scope's.
KEYS = (("project", "SELECT cloud_project_name FROM dim_project ORDER BY 1"),
        ("machine", "SELECT machine_name FROM dim_machine ORDER BY 1"),
        ("user", "SELECT user_id FROM dim_user ORDER BY 1"),
        ("group", "SELECT group_name FROM dim_group ORDER BY 1"))
# 96 half-hour forecasts for a region of their own, so no fact is re-derived.
FORECASTS = ("WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 95) "
             "INSERT INTO usage_intensity SELECT 'BENCH', datetime(unixepoch(?1) + 1800 * i, "
             "'unixepoch'), datetime(unixepoch(?1) + 1800 * (i + 1), 'unixepoch'), "
             "100 + (i * 37) % 90, 'forecast', 'bench' FROM h")
BUDGETS = "SELECT * FROM usage_budget_status()"
BEST = ("SELECT * FROM usage_best_window('3 hours', ?1, datetime(unixepoch(?1) + 45 * 3600, "
        "'unixepoch'), 'BENCH')")


def add_budgets(conn):
    """100 budgets: the platform, projects, machines, users and groups, each
    by month, quarter and year."""
    keys = [("ada", None)]
    for scope, sql in KEYS:
        keys += [(scope, k) for (k,) in conn.execute(sql).fetchall()[:12]]
    budgets = [(s, k, p, 1e6) for s, k in keys for p in ("month", "quarter", "year")][:100]
    conn.executemany("INSERT INTO usage_budgets VALUES (?, ?, ?, ?, NULL, NULL)", budgets)
    return len(budgets)


def bench_planning(args, ds):
    label = size_label(ds)
    path, conn = copy_refreshed(args, ds, "planning")
    conn.execute("BEGIN")
    nbudgets = add_budgets(conn)
    start = conn.execute("SELECT max(ts) FROM fact_usage WHERE scope = 'ada'").fetchone()[0]
    conn.execute(FORECASTS, (start,))
    conn.execute("COMMIT")
    times, warm = rounds([("budgets", query(conn, BUDGETS)),
                          ("best", query(conn, BEST, (start,)))], args.runs, args.budget)
    conn.close()
    remove_db(path)
    b, w = median(times["budgets"]), median(times["best"])
    nb, nw = len(warm["budgets"]), len(warm["best"])
    figures = [
        Figure(("planning", "budgets"), f"Planning, ms: usage_budget_status(), {nb} budgets "
               f"with rollups built, every row fetched, {label}", fmt_time(b),
               target=f"< {T_BUDGETS_MS} ms", ok=b * 1000 < T_BUDGETS_MS, value=b),
        Figure(("planning", "best"), f"Planning, ms: usage_best_window('3 hours') over 48 "
               f"hours of half-hour forecasts, {nw} windows fetched, {label}", fmt_time(w),
               target=f"< {T_BEST_WINDOW_MS} ms", ok=w * 1000 < T_BEST_WINDOW_MS, value=w)]
    figures[0].rows = nb  # the page's summary says how many budgets
    return figures, (f"Planning: {nbudgets} budgets (the platform and up to 12 each of projects, machines, "
        "users and groups, by month, quarter and year) on a copy of the data with its rollups "
        "built, and 96 half-hour forecasts for a region of their own; "
        f"{len(times['budgets'])} timed runs each, through Python's sqlite3 module.")
