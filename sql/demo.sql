-- demo.sql: a year of usage for a small platform, and the reports on it.
--
--   sqlite3 build/demo.db -cmd '.load build/usage' < sql/demo.sql
--
-- Each hour of 2024 (8784 hours) gets one platform (ada) row, and a row for
-- each of 3 projects, 2 machines and 4 users in 2 groups (dan has none).
-- Load follows the working day, is lower at weekends, in August and over
-- Christmas, and grows through the year. The rows give CPU seconds only:
-- usage_ingest derives their energy from the default power model (the
-- UsageDB rule kWh = (12 W busy + 1 W idle) / 3.6e6 per CPU second) and their
-- carbon from a half-hourly grid intensity series that swings by hour, and
-- their embodied carbon from the embodied models.
.bail on
.mode box
SELECT usage_init() AS schema_version;
.mode list
INSERT INTO usage_users VALUES
  ('ann', 'Ann', 'astro'), ('ben', 'Ben', 'astro'), ('cat', 'Cat', 'bio'), ('dan', 'Dan', NULL);
INSERT INTO usage_user_projects VALUES ('ann', 'galaxy-survey'), ('ben', 'galaxy-survey'), ('cat', 'protein-fold'), ('dan', 'teaching');
INSERT INTO usage_project_machines VALUES ('galaxy-survey', 'ada-node-1'), ('protein-fold', 'ada-node-2');

-- The grid's intensity, gCO2eq/kWh, per half-hour of 2024 as the GB Carbon
-- Intensity API publishes it: lower at night, higher at the evening peak.
WITH RECURSIVE half(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM half WHERE i < 17567)
INSERT INTO usage_intensity
SELECT 'GB', strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (30 * i) || ' minutes'),
       strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (30 * i + 30) || ' minutes'),
       120 + 80 * (CASE WHEN i / 2 % 24 BETWEEN 17 AND 20 THEN 1.5 WHEN i / 2 % 24 < 6 THEN 0.4 ELSE 1.0 END),
       'actual', 'demo'
FROM half;

-- Embodied carbon: the carbon of making the hardware, charged per core-hour
-- over its life (a year is 8,760 hours). The platform default is a 1 t,
-- 8-core server over 4 years (28.5 g per machine-hour); ada-node-1 is a
-- larger node of its own, 1.5 t over 5 years.
INSERT INTO usage_embodied_models VALUES
  (NULL, '2024-01-01', 1000, 4, 8, 'demo: a 1 t server over 4 years'),
  ('ada-node-1', '2024-01-01', 1500, 5, 8, 'demo: a 1.5 t node over 5 years');

WITH RECURSIVE hours(h) AS (SELECT 0 UNION ALL SELECT h + 1 FROM hours WHERE h < 8783),
keys(scope, p, m, u, load) AS (VALUES
  ('ada', NULL, NULL, NULL, 0.55),
  ('project', 'galaxy-survey', NULL, NULL, 0.8), ('project', 'protein-fold', NULL, NULL, 0.5),
  ('project', 'teaching', NULL, NULL, 0.1),
  ('machine', NULL, 'ada-node-1', NULL, 0.7), ('machine', NULL, 'ada-node-2', NULL, 0.4),
  ('user', NULL, NULL, 'ann', 0.6), ('user', NULL, NULL, 'ben', 0.3),
  ('user', NULL, NULL, 'cat', 0.5), ('user', NULL, NULL, 'dan', 0.05)),
clock(h, ts) AS (SELECT h, datetime('2024-01-01', '+' || h || ' hours') FROM hours),
-- the season: quieter at weekends, in August and in late December; 30 %
-- more work at the end of the year than at its start
season(h, ts, f) AS (
  SELECT h, ts,
         (CASE WHEN strftime('%w', ts) IN ('0', '6') THEN 0.4 ELSE 1.0 END)
         * (CASE WHEN substr(ts, 6, 2) = '08' THEN 0.5
                 WHEN substr(ts, 6, 5) >= '12-22' THEN 0.3 ELSE 1.0 END)
         * (0.85 + 0.3 * h / 8784.0)
  FROM clock),
rows AS (
  SELECT ts, scope, p, m, u,
         -- 8 cores: busy share by key, a little higher in working hours
         8 * 3600 * min(1.0, load * f * (CASE WHEN h % 24 BETWEEN 8 AND 18 THEN 1.3 ELSE 0.7 END)) AS busy_s
  FROM season, keys)
INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name, user_id,
                         busy_cpu_seconds_total, idle_cpu_seconds_total)
SELECT ts, scope, p, m, u, busy_s, 8 * 3600 - busy_s
FROM rows;

.mode box
SELECT 'facts stored' AS what, count(*) AS n FROM fact_usage;

-- Daily energy and carbon per project, with energy-weighted intensity.
SELECT substr(bucket_start, 1, 10) AS day, key AS project,
       printf('%.2f', busy_kwh + idle_kwh) AS kwh,
       printf('%.0f', busy_gCo2eq + idle_gCo2eq) AS gCO2eq,
       printf('%.1f', intensity_gCo2eq_kwh) AS g_per_kwh
FROM usage_buckets('project', 'day', '2024-03-04', '2024-03-07')
ORDER BY bucket_start, key;

-- The week per group; users with no group fall under (none).
SELECT coalesce(key, '(none)') AS "group", samples,
       printf('%.2f', busy_kwh + idle_kwh) AS kwh,
       printf('%.0f', busy_gCo2eq + idle_gCo2eq) AS gCO2eq
FROM usage_buckets('group', 'week', '2024-03-04', '2024-03-11')
ORDER BY key;

-- The seed's view of project totals, for comparison.
SELECT cloud_project_name, printf('%.2f', busy_kwh + idle_kwh) AS kwh,
       printf('%.0f', busy_gCo2eq + idle_gCo2eq) AS gCO2eq
FROM v_project_totals ORDER BY 1;

-- The whole footprint of each machine in March: operational carbon (O) and
-- embodied carbon (M) apart, and the SCI per busy core-hour, (O + M) / R.
SELECT key AS machine, printf('%.0f', busy_gCo2eq + idle_gCo2eq) AS O_gCO2eq,
       printf('%.0f', embodied_gCo2eq) AS M_gCO2eq,
       printf('%.0f', busy_cpu_seconds_total / 3600) AS busy_core_hours,
       printf('%.3f', (busy_gCo2eq + idle_gCo2eq + embodied_gCo2eq)
                      / (busy_cpu_seconds_total / 3600)) AS SCI_g_per_core_hour
FROM usage_buckets('machine', 'month', '2024-03-01', '2024-04-01')
ORDER BY key;
