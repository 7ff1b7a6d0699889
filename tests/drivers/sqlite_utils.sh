#!/bin/bash
# sqlite_utils.sh: the usage extension through the sqlite-utils command
# (Debian's sqlite-utils, a /usr/bin/python3 program). Proves the recipe:
# "sqlite-utils query DB SQL --load-extension EXT" (path without ".so") for
# usage_init(), for INSERT INTO usage_ingest with -p parameters, and for
# usage_buckets; the seed views read without the option; "EXT:ENTRYPOINT"
# names the entry point. And proves the trap: "sqlite-utils insert DB
# usage_ingest FILE" does not ingest; it creates a plain table of that name,
# which hides the extension's usage_ingest in that database until dropped.
#
#   tests/drivers/sqlite_utils.sh EXT TMPDIR
set -euo pipefail
. "$(dirname "$0")/common.sh"
# su ARGS...: sqlite-utils with the extension loaded.
su() { sqlite-utils "$@" --load-extension "$ext"; }
# val DB SQL [OPTION...]: the values of a query, one row a line (the CSV
# sqlite-utils writes ends lines with \r\n).
val() { local db=$1 sql=$2; shift 2; sqlite-utils query "$db" "$sql" --csv --no-headers "$@" | tr -d '\r'; }


interp=$(head -n 1 "$(command -v sqlite-utils)")
check "$(sqlite-utils --version) runs on Debian's Python ($interp), whose sqlite3 can load extensions" \
  "$interp" "#!/usr/bin/python3"

db="$tmp/sqlite-utils.db"
check "sqlite-utils query DB 'SELECT usage_init()' --load-extension EXT creates the schema" \
  "$(val "$db" "SELECT usage_init() >= 1 AS ok" --load-extension "$ext")" "1"

# Each row of rows.csv through bound parameters (-p NAME VALUE).
while IFS=, read -r ts scope project _ _ busy_cpu idle_cpu busy_kwh idle_kwh busy_g idle_g _; do
  su query "$db" "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) VALUES (:ts, :scope, :project, :busy_cpu, :idle_cpu, :busy_kwh, :idle_kwh, :busy_g, :idle_g)" \
    -p ts "$ts" -p scope "$scope" -p project "$project" -p busy_cpu "$busy_cpu" \
    -p idle_cpu "$idle_cpu" -p busy_kwh "$busy_kwh" -p idle_kwh "$idle_kwh" \
    -p busy_g "$busy_g" -p idle_g "$idle_g" >/dev/null
done < <(tail -n +2 "$here/rows.csv")
check "sqlite-utils query with INSERT INTO usage_ingest and -p parameters ingests the 3 rows (and commits)" \
  "$(val "$db" "SELECT count(*) FROM fact_usage")" "3"
check "usage_buckets('project', 'day') gives the hand-computed daily totals" \
  "$(val "$db" "$buckets_sql" --load-extension "$ext")" "$buckets_expected"
check "v_project_totals gives the hand-computed totals, read without --load-extension" \
  "$(val "$db" "$view_sql")" "$view_expected"
check "--load-extension EXT:sqlite3_usage_init names the entry point explicitly" \
  "$(val "$db" "SELECT count(*) FROM usage_buckets('project', 'day')" \
       --load-extension "$ext.so:sqlite3_usage_init")" "2"

# The trap, on a copy: "sqlite-utils insert" looks for usage_ingest in
# sqlite_master, does not find the virtual table there, and creates a
# plain table usage_ingest, which from then on hides the virtual one.
cp "$db" "$tmp/trap.db"
printf 'ts,scope,cloud_project_name,busy_kwh\n2024-03-03T09:00:00Z,project,physics,1.0\n' > "$tmp/one.csv"
su insert "$tmp/trap.db" usage_ingest "$tmp/one.csv" --csv >/dev/null
check "trap: sqlite-utils insert DB usage_ingest FILE --csv exits 0 but ingests nothing (still 3 facts)" \
  "$(val "$tmp/trap.db" "SELECT count(*) FROM fact_usage")" "3"
check "trap: ... it created a plain table usage_ingest, which now hides the extension's" \
  "$(sqlite3 "$tmp/trap.db" "SELECT type || ' ' || name FROM sqlite_master WHERE name = 'usage_ingest'")" \
  "table usage_ingest"
check "trap: DROP TABLE usage_ingest brings the extension's usage_ingest back" \
  "$(sqlite-utils query "$tmp/trap.db" "DROP TABLE usage_ingest" >/dev/null
     val "$tmp/trap.db" "SELECT count(*) FROM usage_ingest" --load-extension "$ext")" "3"

checks_done
