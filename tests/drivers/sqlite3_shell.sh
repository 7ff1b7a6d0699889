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
. "$(dirname "$0")/common.sh"

version=$(sqlite3 :memory: 'SELECT sqlite_version()')
IFS=. read -r major minor _ <<< "$version"
check "the sqlite3 shell runs SQLite $version, 3.35.0 or later as the extension needs" \
  "$(( major > 3 || (major == 3 && minor >= 35) ))" "1"

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
out=$(sqlite3 "$db" "$buckets_sql" 2>&1) || true
check_has "without .load, usage_buckets is unknown: $out" "$out" "no such table: usage_buckets"

checks_done
