-- carbon_fixture.sql: three days of facts and an intensity series with
-- every kind of carbon source, for sql/reports/carbon_coverage.sql and
-- sql/reports/intensity_gaps.sql (tests/reports/t_reports_carbon).
--
-- Facts, hourly, 2024-06-10 .. 2024-06-12 (UTC):
--   ada: busy 3,600 s and idle 3,600 s every hour: 0.013 kWh, energy derived
--   project 'physics': busy 1,000 s x (hour + 1), idle 20,000 s
--   project 'archive': gives its own kWh (0.5) and g (50) on 2024-06-10
-- Intensity, region GB:
--   2024-06-10: 48 actual half-hours, 100 + 10 x (n mod 7) g/kWh
--   2024-06-11: forecast half-hours 00:00-18:00 and 21:00-24:00 (140), actual
--               over 00:00-06:00 (120), a default 22:00-23:00 under the
--               forecast; no intensity 18:00-21:00
--   2024-06-12: one default period 00:00-12:00 (200), a forecast half-hour
--               12:00-12:30 (150), then nothing
SELECT usage_init();
WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 71)
INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2024-06-10', '+' || i || ' hours'), 'ada', NULL, 3600, 3600 FROM h
UNION ALL
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2024-06-10', '+' || i || ' hours'), 'project', 'physics',
       1000 * (i % 24 + 1), 20000 FROM h;
WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 23)
INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total,
                         busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2024-06-10', '+' || i || ' hours'), 'project', 'archive',
       0, 3600, 0, 0.5, 0, 50 FROM h;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 47)
INSERT INTO usage_intensity
SELECT 'GB', strftime('%Y-%m-%dT%H:%MZ', '2024-06-10', '+' || (30 * i) || ' minutes'),
       strftime('%Y-%m-%dT%H:%MZ', '2024-06-10', '+' || (30 * i + 30) || ' minutes'),
       100 + 10 * (i % 7), 'actual', 'fixture' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 47)
INSERT INTO usage_intensity
SELECT 'GB', strftime('%Y-%m-%dT%H:%MZ', '2024-06-11', '+' || (30 * i) || ' minutes'),
       strftime('%Y-%m-%dT%H:%MZ', '2024-06-11', '+' || (30 * i + 30) || ' minutes'),
       140, 'forecast', 'fixture' FROM n WHERE i < 36 OR i >= 42;
INSERT INTO usage_intensity VALUES
  ('GB', '2024-06-11T00:00Z', '2024-06-11T06:00Z', 120, 'actual', 'fixture'),
  ('GB', '2024-06-11T22:00Z', '2024-06-11T23:00Z', 250, 'default', 'fixture'),
  ('GB', '2024-06-12T00:00Z', '2024-06-12T12:00Z', 200, 'default', 'fixture'),
  ('GB', '2024-06-12T12:00Z', '2024-06-12T12:30Z', 150, 'forecast', 'fixture'),
  ('elsewhere', '2024-06-11T00:00Z', '2024-06-11T01:00Z', 999, 'actual', 'fixture');
