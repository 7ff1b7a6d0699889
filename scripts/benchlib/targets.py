"""targets: the lines each figure is held to, on the reference machine.
A ratio is held to its line as the median of per-round ratios.

    from benchlib.targets import T_RAW_SCAN
    ok = ratio.median <= T_RAW_SCAN
"""

# Ingest, rows/s, all rows in one transaction.
T_INGEST_FLOOR = 0.75       # usage_ingest >= 0.75 x INSERT ... SELECT of resolved ids into
                            # today's fact_usage (its triggers on both sides)
T_INGEST_PYTHON = 2.0       # usage_ingest >= 2 x the seed-style Python writer
T_INGEST_RATE = 150000      # usage_ingest >= 150,000 rows/s
T_DERIVE_FLOOR = 0.6        # CPU-seconds-only ingest with derivation >= 0.6 x the floor
T_REDERIVE_MS = 50          # a day of actual intensity (48 periods) loads in < 50 ms

# Reports on rollups, every row delivered to a Node client; each is also
# faster than DuckDB.
T_LIMIT = 1.5               # <= 1.5 x the limit (the same rows from a plain table) ...
T_LIMIT_EXTRA = 0.0003      # ... + 0.3 ms
T_DIRTY_LIMIT = 2.0         # with 1 % of the days dirty: <= 2 x the limit + 0.3 ms

# The raw path and scale.
T_RAW_SCAN = 1.5            # daily per project on the raw path <= 1.5 x the bare scan
T_MONTH_SHARE = 0.15        # a one-month range <= 15 % of the full year
T_RANGE_NOT_TABLE = 1.5     # a month's report at 10 M <= 1.5 x the same at 1 M
T_LOCAL_UTC = 1.3           # local days (Europe/London) <= 1.3 x UTC days
T_SUBDAY = 1.10             # sub-day widths (raw path) within 10 % of the raw scan
T_RSS_MB = 50               # peak RSS at 10 M <= baseline + 50 MB

# Rollups kept fresh.
T_REFRESH_HOUR = 0.005      # usage_refresh() after one hour of new data < 5 ms
T_BUILD = 2.0               # building a scope from scratch < 2 x one full raw query

# Embodied carbon and planning.
T_EMBODIED = 0.95           # ingest with embodied models in force >= 0.95 x without
T_BUDGETS_MS = 10           # usage_budget_status() for 100 budgets, rollups built < 10 ms
T_BEST_WINDOW_MS = 1        # usage_best_window over 48 h of half-hour forecasts < 1 ms
