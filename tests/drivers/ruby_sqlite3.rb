# ruby_sqlite3.rb: the usage extension through Ruby's sqlite3 gem (Debian's
# ruby-sqlite3). Proves the Ruby recipe: SQL's load_extension() is refused
# until db.enable_load_extension(true), then db.load_extension(EXT) (path
# without ".so"), usage_init(), the rows of rows.csv ingested with bound
# parameters in a transaction, one usage_buckets result and one seed view.
#
#   ruby tests/drivers/ruby_sqlite3.rb EXT TMPDIR
require "csv"
require "sqlite3"

ext, tmp = ARGV
here = File.dirname(File.expand_path(__FILE__))
$failed = false

def check(name, got, want)
  if got == want
    puts "ok - #{name}"
  else
    $failed = true
    puts "not ok - #{name}"
    puts "#   want: #{want.inspect}"
    puts "#   got:  #{got.inspect}"
  end
end

BUCKETS_SQL = "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, " \
              "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) " \
              "FROM usage_buckets('project', 'day') ORDER BY bucket_start"
BUCKETS_EXPECTED = ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                    "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"]
VIEW_SQL = "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, " \
           "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, " \
           "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals"
VIEW_EXPECTED = ["physics|12600.0|600.0|7.75|0.75|1550.0|150.0"]

db = SQLite3::Database.new(File.join(tmp, "ruby.db"))
version = db.get_first_value("SELECT sqlite_version()")
check("Ruby #{RUBY_VERSION} sqlite3 gem #{SQLite3::VERSION} runs SQLite #{version}, " \
      "3.35.0 or later as the extension needs",
      (version.split(".").map(&:to_i) <=> [3, 35, 0]) >= 0, true)

begin
  db.execute("SELECT load_extension(?)", [ext])
  check("SQL load_extension() before enable_load_extension(true) is refused", "loaded", "refused")
rescue SQLite3::Exception => e
  check("SQL load_extension() before enable_load_extension(true) is refused: #{e.message}",
        e.message, "not authorized")
end

db.enable_load_extension(true)
db.load_extension(ext)
db.enable_load_extension(false)
usage_version = db.get_first_value("SELECT usage_version()")
check("enable_load_extension(true) + load_extension(EXT) loads usage #{usage_version}",
      usage_version.to_s.empty?, false)
schema_version = db.get_first_value("SELECT usage_init()")
check("usage_init() returns the schema version (an integer >= 1)",
      schema_version.is_a?(Integer) && schema_version >= 1, true)

rows = CSV.read(File.join(here, "rows.csv"), headers: true)
db.transaction do
  rows.each do |r|
    db.execute("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, " \
               "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) " \
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [r["ts"], r["scope"], r["cloud_project_name"], r["busy_cpu_seconds_total"].to_f,
                r["idle_cpu_seconds_total"].to_f, r["busy_kwh"].to_f, r["idle_kwh"].to_f,
                r["busy_gCo2eq"].to_f, r["idle_gCo2eq"].to_f])
  end
end
check("INSERTs with bound parameters in db.transaction ingest the 3 rows",
      db.get_first_value("SELECT count(*) FROM fact_usage"), 3)
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      db.execute(BUCKETS_SQL).map(&:first), BUCKETS_EXPECTED)
check("v_project_totals gives the hand-computed totals",
      db.execute(VIEW_SQL).map(&:first), VIEW_EXPECTED)
db.close
exit($failed ? 1 : 0)
