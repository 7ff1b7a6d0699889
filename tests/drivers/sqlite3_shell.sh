#!/bin/bash
# sqlite3_shell.sh: the usage extension in the sqlite3 command-line shell
# (Debian's sqlite3). Proves the shell recipe: ".load" with the path
# without ".so", usage_init(), ".import --csv" of rows.csv into
# usage_ingest, one usage_buckets result and one seed view, the -cmd
# one-liner, load_extension() and a start-up file with a .load line; and
# that a database made this way can be read without the extension, except
# for what the extension provides.
#
#   tests/drivers/sqlite3_shell.sh EXT TMPDIR     (EXT: path without .so)
set -euo pipefail
ext=$1
tmp=$2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
check() {
  if [ "$2" = "$3" ]; then ok "$1"; else
    not_ok "$1"; echo "#   expected: $3"; echo "#   actual:   $2"
  fi
}

buckets_sql="SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) FROM usage_buckets('project', 'day') ORDER BY bucket_start"
buckets_expected=$'2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2\n2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1'
view_sql="SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) FROM v_project_totals"
view_expected='physics|12600.0|600.0|7.75|0.75|1550.0|150.0'

version=$(sqlite3 :memory: 'SELECT sqlite_version()')
IFS=. read -r major minor _ <<< "$version"
if [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 35 ]; }; then
  ok "the sqlite3 shell runs SQLite $version, 3.35.0 or later as the extension needs"
else
  not_ok "the sqlite3 shell runs SQLite $version, 3.35.0 or later as the extension needs"
fi

# The recipe: .load, usage_init(), .import, query.
db="$tmp/shell.db"
out=$(sqlite3 -bail "$db" <<EOF
.load $ext
SELECT usage_init();
.import --csv --skip 1 $here/rows.csv usage_ingest
SELECT count(*) FROM fact_usage;
EOF
)
migrations=$(find "$here/../../sql/migrations" -name '[0-9]*.sql' | wc -l)
check ".load EXT (no .so), usage_init() returns the schema version, .import --csv loads the 3 rows" \
  "$out" "$migrations"$'\n'"3"
check "usage_buckets('project', 'day') gives the hand-computed daily totals" \
  "$(sqlite3 -bail -cmd ".load $ext" "$db" "$buckets_sql")" "$buckets_expected"
check "v_project_totals gives the hand-computed totals" \
  "$(sqlite3 -bail -cmd ".load $ext" "$db" "$view_sql")" "$view_expected"

# INSERT INTO usage_ingest works as plain SQL too, and upserts by scope, ts and key.
sqlite3 -bail -cmd ".load $ext" "$db" \
  "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, busy_kwh, busy_gCo2eq) VALUES ('2024-03-02 10:00+01:00', 'project', 'physics', 7200, 4.0, 800)"
check "INSERT of the same scope, ts (written another way) and key replaces the fact: still 3 rows" \
  "$(sqlite3 "$db" 'SELECT count(*) FROM fact_usage')" "3"

# load_extension() is the same as .load: the shell enables loading for both.
check "SELECT load_extension('EXT') works in the shell as .load does" \
  "$(sqlite3 -bail "$db" "SELECT load_extension('$ext')" "SELECT usage_version() IS NOT NULL")" $'\n1'

# A start-up file with a .load line loads it for every session, scripts
# included: ~/.sqliterc, or the file named by -init (used here, so the test
# stays out of the home folder; the shell finds the home folder through the
# password database, not $HOME).
echo ".load $ext" > "$tmp/sqliterc"
check "a start-up file (~/.sqliterc, or -init FILE) with a .load line loads the extension" \
  "$(sqlite3 -bail -init "$tmp/sqliterc" "$db" "$buckets_sql" 2>/dev/null)" "$buckets_expected"

# Without the extension: the tables and seed views read as plain SQL ...
check "without .load, the seed views still read (plain SQL over plain tables)" \
  "$(sqlite3 -bail "$db" "$view_sql")" "$view_expected"
# ... but what the extension provides is not there.
if out=$(sqlite3 "$db" "$buckets_sql" 2>&1); then
  not_ok "without .load, usage_buckets is unknown"
else
  ok "without .load, usage_buckets is unknown: $out"
fi

exit "$failed"
