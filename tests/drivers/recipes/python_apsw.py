import apsw

conn = apsw.Connection("usage.db")
conn.enableloadextension(True)  # newer APSW also: enable_load_extension
conn.loadextension("/usr/local/lib/sqlite3/usage")
conn.enableloadextension(False)
cur = conn.cursor()
cur.execute("SELECT usage_init()")
with conn:  # one transaction; APSW has no implicit one
    cur.executemany(
        "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"
        " VALUES (?, 'project', ?, ?, ?)",
        [("2024-03-01T10:00:00Z", "physics", 1.5, 300.0),
         ("2024-03-01T11:00:00Z", "physics", 2.25, 450.0)])
    cur.execute("SELECT usage_refresh()")  # the rollups, in the same transaction
for row in cur.execute("SELECT bucket_start, key, busy_kwh, samples"
                       " FROM usage_buckets('project', 'day')"):
    print(*row, sep="|")
