"""common.py: what the Python driver programs share: tests/lib/check.py, the
arguments EXT and TMPDIR, the rows of rows.csv with the INSERT that ingests
them, and the checks of the two queries of tests/drivers/README against their
hand-computed results.

    from common import EXT, TMP, ROWS, INSERT_SQL, check, check_totals, done
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from check import check, done  # noqa: E402,F401

EXT, TMP = sys.argv[1], sys.argv[2]
BUCKETS_SQL = (
    "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, "
    "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) "
    "FROM usage_buckets('project', 'day') ORDER BY bucket_start")
BUCKETS_EXPECTED = ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                    "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"]
VIEW_SQL = (
    "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals")
VIEW_EXPECTED = ["physics|12600.0|600.0|7.75|0.75|1550.0|150.0"]
INSERT_SQL = (
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq) VALUES (:ts, :scope, :cloud_project_name, "
    ":busy_cpu_seconds_total, :idle_cpu_seconds_total, :busy_kwh, :idle_kwh, "
    ":busy_gCo2eq, :idle_gCo2eq)")
with open(os.path.join(HERE, "rows.csv"), newline="") as f:
    ROWS = list(csv.DictReader(f))  # text, as in the CSV: usage_ingest reads
                                    # numbers written as text too


def check_totals(column):
    """column(sql) gives the first column of a query: the 3 rows are in, and
    both queries give their hand-computed results."""
    check("executemany() with bound parameters ingests the 3 rows",
          column("SELECT count(*) FROM fact_usage"), [3])
    check("usage_buckets('project', 'day') gives the hand-computed daily totals",
          column(BUCKETS_SQL), BUCKETS_EXPECTED)
    check("v_project_totals gives the hand-computed totals",
          column(VIEW_SQL), VIEW_EXPECTED)
