"""targets: the lines each figure is held to, on the reference machine.

    from benchlib.targets import T_RAW_SCAN
    ok = ratio.median <= T_RAW_SCAN
"""

T_INGEST_FLOOR = 0.8        # usage_ingest rows/s >= 0.8 x the floor's
T_INGEST_RATE = 150000      # and >= 150,000 rows/s
T_INGEST_TRIGGERS = 0.75    # usage_ingest with rollup triggers >= 0.75 x migration 2's floor
T_DERIVE_FLOOR = 0.6        # CPU-seconds-only ingest with derivation >= 0.6 x the floor
T_REDERIVE_MS = 50          # a day of actual intensity (48 periods) loads in < 50 ms
T_RAW_SCAN = 1.5            # daily per-project on the raw path <= 1.5 x the bare scan
T_DAILY_PLAIN = 1 / 5       # and >= 5 x faster than plain SQL
T_MONTH_SHARE = 0.15        # a one-month range <= 15 % of the full year
T_RANGE_NOT_TABLE = 1.5     # the same month at 10 M <= 1.5 x at 1 M
T_RSS_MB = 50               # peak RSS at 10 M <= baseline + 50 MB
T_LOCAL_UTC = 1.3           # local days (Europe/London) <= 1.3 x UTC days
T_DUCK_DAILY = 10           # daily per project on rollups >= 10 x faster than DuckDB
T_DUCK_MONTHLY = 20         # monthly per user / per group >= 20 x faster
T_DUCK_DIRTY = 3            # daily per project with 1 % of days dirty >= 3 x faster
T_SUBDAY = 1.10             # sub-day widths (raw path) within 10 % of the raw scan
T_REFRESH_HOUR = 0.005      # usage_refresh() after one hour of new data < 5 ms
T_BUILD = 2.0               # building a scope from scratch < 2 x one full raw query
