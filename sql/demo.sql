-- demo.sql: a year of usage for a small platform, and the reports on it.
--
--   sqlite3 build/demo.db -cmd '.load build/usage' < sql/demo.sql
--
-- Each hour of 2024 (8784 hours) gets one platform (ada) row, and a row for
-- each of 3 machines, 3 projects and 4 users in 2 groups (dan has none).
-- The scopes add up: the platform is the sum of its machines, each project
-- runs on one machine, and a project's users share its seconds, so no scope
-- uses more than the platform (usage_check() finds nothing).
-- Load follows the working day, is lower at weekends, in August and over
-- Christmas, and grows through the year. The rows give CPU seconds only:
-- usage_ingest derives their energy from the default power model (the
-- UsageDB rule kWh = (12 W busy + 1 W idle) / 3.6e6 per CPU second) and their
-- carbon from a half-hourly grid intensity series that swings by hour.
.bail on
.mode box
SELECT usage_init() AS schema_version;
.mode list
INSERT INTO usage_users VALUES
  ('ann', 'Ann', 'astro'), ('ben', 'Ben', 'astro'), ('cat', 'Cat', 'bio'), ('dan', 'Dan', NULL);
INSERT INTO usage_user_projects VALUES ('ann', 'galaxy-survey'), ('ben', 'galaxy-survey'), ('cat', 'protein-fold'), ('dan', 'teaching');
INSERT INTO usage_project_machines VALUES ('galaxy-survey', 'ada-node-1'), ('protein-fold', 'ada-node-2'),
  ('teaching', 'ada-node-3');

-- The grid's intensity, gCO2eq/kWh, per half-hour of 2024 as the GB Carbon
-- Intensity API publishes it: lower at night, higher at the evening peak.
WITH RECURSIVE half(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM half WHERE i < 17567)
INSERT INTO usage_intensity
SELECT 'GB', strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (30 * i) || ' minutes'),
       strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (30 * i + 30) || ' minutes'),
       120 + 80 * (CASE WHEN i / 2 % 24 BETWEEN 17 AND 20 THEN 1.5 WHEN i / 2 % 24 < 6 THEN 0.4 ELSE 1.0 END),
       'actual', 'demo'
FROM half;

WITH RECURSIVE hours(h) AS (SELECT 0 UNION ALL SELECT h + 1 FROM hours WHERE h < 8783),
-- each machine has 8 cores and runs one project's work; a user has a share
-- of the project's busy and idle seconds (the shares of a project's users
-- add up to at most 1)
machines(m, p, load) AS (VALUES
  ('ada-node-1', 'galaxy-survey', 0.7), ('ada-node-2', 'protein-fold', 0.4),
  ('ada-node-3', 'teaching', 0.1)),
users(u, p, share) AS (VALUES
  ('ann', 'galaxy-survey', 0.6), ('ben', 'galaxy-survey', 0.3),
  ('cat', 'protein-fold', 0.8), ('dan', 'teaching', 0.5)),
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
per_machine AS (
  SELECT ts, m, p,
         -- busy share by machine, a little higher in working hours
         8 * 3600 * min(1.0, load * f * (CASE WHEN h % 24 BETWEEN 8 AND 18 THEN 1.3 ELSE 0.7 END)) AS busy_s
  FROM season, machines),
rows(ts, scope, p, m, u, busy_s, idle_s) AS (
  -- the platform is the sum of its machines
  SELECT ts, 'ada', NULL, NULL, NULL, sum(busy_s), sum(8 * 3600 - busy_s)
  FROM per_machine GROUP BY ts
  UNION ALL
  SELECT ts, 'machine', NULL, m, NULL, busy_s, 8 * 3600 - busy_s FROM per_machine
  UNION ALL
  -- a project is the machine it runs on
  SELECT ts, 'project', p, NULL, NULL, busy_s, 8 * 3600 - busy_s FROM per_machine
  UNION ALL
  SELECT pm.ts, 'user', NULL, NULL, us.u, us.share * pm.busy_s, us.share * (8 * 3600 - pm.busy_s)
  FROM per_machine AS pm JOIN users AS us ON us.p = pm.p)
INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name, user_id,
                         busy_cpu_seconds_total, idle_cpu_seconds_total)
SELECT ts, scope, p, m, u, busy_s, idle_s
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

-- The database is healthy: usage_check() finds nothing.
SELECT 'usage_check() rows' AS what, count(*) AS n FROM usage_check();
