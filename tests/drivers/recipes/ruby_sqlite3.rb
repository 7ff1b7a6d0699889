require "sqlite3"

db = SQLite3::Database.new("usage.db")
db.enable_load_extension(true)
db.load_extension("/usr/local/lib/sqlite3/usage")
db.enable_load_extension(false)
db.execute("SELECT usage_init()")
db.transaction do
  [["2024-03-01T10:00:00Z", 1.5, 300.0], ["2024-03-01T11:00:00Z", 2.25, 450.0]].each do |ts, kwh, g|
    db.execute("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq) " \
               "VALUES (?, 'project', 'physics', ?, ?)", [ts, kwh, g])
  end
  db.execute("SELECT usage_refresh()") # the rollups, in the same transaction
end
db.execute("SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')") do |row|
  puts row.join("|")
end
