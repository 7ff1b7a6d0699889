sqlite3 usage.db <<'SQL'
.load /usr/local/lib/sqlite3/usage
SELECT usage_init();
INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq) VALUES
  ('2024-03-01T10:00:00Z', 'project', 'physics', 1.5, 300),
  ('2024-03-01T11:00:00Z', 'project', 'physics', 2.25, 450);
SELECT usage_refresh();
SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day');
SQL
