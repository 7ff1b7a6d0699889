package require sqlite3
sqlite3 db usage.db
db enable_load_extension 1
db eval {SELECT load_extension('/usr/local/lib/sqlite3/usage')}
db enable_load_extension 0
db eval {SELECT usage_init()}
db transaction {
  foreach {ts kwh g} {2024-03-01T10:00:00Z 1.5 300 2024-03-01T11:00:00Z 2.25 450} {
    db eval {INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)
             VALUES ($ts, 'project', 'physics', $kwh, $g)}
  }
  db eval {SELECT usage_refresh()} ;# the rollups, in the same transaction
}
db eval {SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')} {
  puts "$bucket_start|$key|$busy_kwh|$samples"
}
