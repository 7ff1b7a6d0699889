import sqlite3

conn = sqlite3.connect("usage.db")
conn.enable_load_extension(True)
conn.load_extension("/usr/local/lib/sqlite3/usage")  # the path without .so
conn.enable_load_extension(False)
conn.execute("SELECT usage_init()")
with conn:  # commits the INSERTs
    conn.executemany(
        "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"
        " VALUES (?, 'project', ?, ?, ?)",
        [("2024-03-01T10:00:00Z", "physics", 1.5, 300.0),
         ("2024-03-01T11:00:00Z", "physics", 2.25, 450.0)])
    conn.execute("SELECT usage_refresh()")  # the rollups, in the same transaction
for row in conn.execute("SELECT bucket_start, key, busy_kwh, samples"
                        " FROM usage_buckets('project', 'day')"):
    print(*row, sep="|")
