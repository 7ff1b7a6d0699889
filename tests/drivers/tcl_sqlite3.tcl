# tcl_sqlite3.tcl: the usage extension through Tcl's sqlite3 package
# (Debian's libsqlite3-tcl, run by tclsh). Proves the Tcl recipe: SQL's
# load_extension() is refused until "db enable_load_extension 1", then
# "db eval {SELECT load_extension($ext)}" (path without ".so"; $ext inside
# braces is bound as a parameter, not pasted into the SQL), usage_init(),
# the rows of rows.csv ingested with bound parameters in one transaction,
# one usage_buckets result and one seed view.
#
#   tclsh tests/drivers/tcl_sqlite3.tcl EXT TMPDIR
package require sqlite3

lassign $argv ext tmp
set here [file dirname [file normalize [info script]]]
set failed 0
proc check {name got want} {
  global failed
  if {$got eq $want} {
    puts "ok - $name"
  } else {
    set failed 1
    puts "not ok - $name"
    puts "#   want: $want"
    puts "#   got:  $got"
  }
}

set bucketsSql {SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) FROM usage_buckets('project', 'day') ORDER BY bucket_start}
set bucketsExpected {2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2 2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1}
set viewSql {SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) FROM v_project_totals}
set viewExpected {physics|12600.0|600.0|7.75|0.75|1550.0|150.0}

sqlite3 db [file join $tmp tcl.db]
set version [db version]
check "Tcl [info patchlevel] sqlite3 package [package present sqlite3] runs SQLite $version, 3.35.0 or later as the extension needs" \
  [expr {[package vcompare $version 3.35.0] >= 0}] 1

set rc [catch {db eval {SELECT load_extension($ext)}} msg]
check "SQL load_extension() before \"db enable_load_extension 1\" is refused: $msg" "$rc $msg" "1 not authorized"

db enable_load_extension 1
db eval {SELECT load_extension($ext)}
db enable_load_extension 0
set usageVersion [db onecolumn {SELECT usage_version()}]
check "db enable_load_extension 1 + SELECT load_extension(\$ext) loads usage $usageVersion" \
  [expr {$usageVersion ne ""}] 1
set schemaVersion [db onecolumn {SELECT usage_init()}]
check "usage_init() returns the schema version (an integer >= 1)" \
  [expr {[string is integer -strict $schemaVersion] && $schemaVersion >= 1}] 1

# rows.csv has no quoted fields, so splitting on commas reads it.
set f [open [file join $here rows.csv]]
gets $f header
db transaction {
  while {[gets $f line] >= 0} {
    lassign [split $line ,] ts scope project machine user busyCpu idleCpu busyKwh idleKwh busyG idleG
    db eval {INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total,
               idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq)
             VALUES ($ts, $scope, $project, $busyCpu, $idleCpu, $busyKwh, $idleKwh, $busyG, $idleG)}
  }
}
close $f
check "INSERTs with bound \$variables in db transaction ingest the 3 rows" \
  [db onecolumn {SELECT count(*) FROM fact_usage}] 3
check "usage_buckets('project', 'day') gives the hand-computed daily totals" \
  [db eval $bucketsSql] $bucketsExpected
check "v_project_totals gives the hand-computed totals" [db eval $viewSql] $viewExpected
db close
exit $failed
