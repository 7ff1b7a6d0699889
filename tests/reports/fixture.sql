-- fixture.sql: the deterministic data set the report tests run on.
--
--   sqlite3 -cmd '.load build/usage' fixture.db < tests/reports/fixture.sql
--
-- Generated here, in SQL, from integer hashes of each row's number, so the
-- same rows come out on every run and every machine; all of it goes in
-- through usage_users and usage_ingest, as a user's data would. The year is
-- 2024 (a leap year: 366 days). What it holds, and why:
--   users     13, in groups astro (4), bio (3), climate (2) and none (4),
--             so the group report has a "no group" row and the top-10 list
--             must leave users out
--   ada       hourly all year, except 2024-02-10..12 and 2024-07-04 (whole
--             days: zeros in the heatmap), 2024-12-27 03:00-08:59, and
--             single hours where the hash says so (gaps for coverage)
--   project   physics all year, chemistry from 2024-03-01, genomics until
--             2024-10-15: every 6 hours, hourly in December; about half
--             the rows state their intensity, the others leave it NULL
--   machine   node-1, node-2, node-3 hourly 2024-12-17..31; node-2 is down
--             2024-12-25 00:00-11:59, node-3 misses single hours
--   user      hourly 2024-11-15..12-31 on the days each user is active;
--             olivia stops before December, frank starts 2024-12-20
-- Amounts are rounded to 4 decimals so the exported CSV stays readable.
SELECT usage_init();
BEGIN;
INSERT INTO usage_users(user_id, display_name, group_name) VALUES
  ('alice', 'Alice Archer', 'astro'), ('bob', 'Bob Brown', 'astro'),
  ('carol', 'Carol Chen', 'astro'), ('grace', 'Grace Gil', 'astro'),
  ('dave', 'Dave Dunn', 'bio'), ('heidi', 'Heidi Holt', 'bio'),
  ('ivan', 'Ivan Ito', 'bio'), ('judy', 'Judy Jones', 'climate'),
  ('mallory', 'Mallory Moss', 'climate'), ('erin', 'Erin Eze', NULL),
  ('frank', NULL, NULL), ('niaj', 'Niaj Nour', NULL),
  ('olivia', 'Olivia Ode', NULL);
INSERT INTO usage_user_projects VALUES
  ('alice', 'physics'), ('bob', 'physics'), ('dave', 'genomics'),
  ('judy', 'chemistry');
INSERT INTO usage_project_machines VALUES
  ('physics', 'node-1'), ('chemistry', 'node-2'), ('genomics', 'node-3');

-- ada: one row an hour; n is the hour of the year (0 = 2024-01-01 00:00).
WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < 8783),
r AS (
  SELECT n, 1704067200 + n * 3600 AS t,
         (n * 2654435761) % 1000003 AS a,
         (n * 40503 + 7) % 65521 AS b
  FROM h
),
v AS (
  SELECT n, t, a, b,
         round(2.0 + (a % 1000) / 250.0, 4) AS busy_kwh,
         round(0.5 + (b % 100) / 200.0, 4) AS idle_kwh,
         120 + (a + b) % 160 AS intensity
  FROM r
  WHERE date(t, 'unixepoch') NOT IN ('2024-02-10', '2024-02-11', '2024-02-12', '2024-07-04')
    AND NOT (t >= 1735268400 AND t < 1735290000)  -- 2024-12-27 03:00-08:59
    AND a % 97 <> 0
)
INSERT INTO usage_ingest(ts, scope, busy_cpu_seconds_total, idle_cpu_seconds_total,
                         busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq,
                         intensity_gCo2eq_kwh)
SELECT t, 'ada', 3600.0 * (20 + a % 40), 3600.0 * (4 + b % 12), busy_kwh, idle_kwh,
       round(busy_kwh * intensity, 4), round(idle_kwh * intensity, 4), intensity
FROM v;

-- project: k is the project's number; every 6 hours, hourly in December.
WITH RECURSIVE h(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM h WHERE n < 8783),
p(k, name, first_t, end_t) AS (VALUES
  (1, 'physics',   1704067200, 1735689600),
  (2, 'chemistry', 1709251200, 1735689600),  -- from 2024-03-01
  (3, 'genomics',  1704067200, 1729036800)   -- until 2024-10-15
),
r AS (
  SELECT p.k, p.name, h.n, 1704067200 + h.n * 3600 AS t,
         ((h.n + 9176 * p.k) * 2654435761) % 1000003 AS a
  FROM p, h
  WHERE 1704067200 + h.n * 3600 >= p.first_t AND 1704067200 + h.n * 3600 < p.end_t
    AND (h.n % 6 = 0 OR h.n >= 8040)          -- 8040 = 2024-12-01 00:00
),
v AS (
  SELECT k, name, n, t, a,
         round(0.2 * k + (a % 500) / 400.0, 4) AS busy_kwh,
         round(0.1 + (a % 37) / 100.0, 4) AS idle_kwh,
         100 + (a / 7) % 200 AS intensity
  FROM r
)
INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total,
                         idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq,
                         idle_gCo2eq, intensity_gCo2eq_kwh)
SELECT t, 'project', name, 360.0 * (a % 50), 60.0 * (a % 13), busy_kwh, idle_kwh,
       round(busy_kwh * intensity, 4), round(idle_kwh * intensity, 4),
       CASE WHEN a % 2 = 0 THEN intensity END
FROM v;

-- machine: hourly over the last 14 days of the year.
WITH RECURSIVE h(n) AS (SELECT 8424 UNION ALL SELECT n + 1 FROM h WHERE n < 8783),
m(k, name) AS (VALUES (1, 'node-1'), (2, 'node-2'), (3, 'node-3')),
r AS (
  SELECT m.k, m.name, h.n, 1704067200 + h.n * 3600 AS t,
         ((h.n + 31 * m.k) * 2654435761) % 1000003 AS a
  FROM m, h
)
INSERT INTO usage_ingest(ts, scope, machine_name, busy_cpu_seconds_total,
                         idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq,
                         idle_gCo2eq)
SELECT t, 'machine', name, 36.0 * (a % 100), 36.0 * (100 - a % 100),
       round((a % 300) / 1000.0, 4), round(0.05 + (a % 11) / 100.0, 4),
       round((a % 300) / 1000.0 * 180, 4), round((0.05 + (a % 11) / 100.0) * 180, 4)
FROM r
WHERE NOT (k = 2 AND t >= 1735084800 AND t < 1735128000)  -- node-2, 12-25 00:00-11:59
  AND NOT (k = 3 AND a % 23 = 0);

-- user: hourly 2024-11-15..12-31 (hours 7656..8783) on each user's active days.
WITH RECURSIVE h(n) AS (SELECT 7656 UNION ALL SELECT n + 1 FROM h WHERE n < 8783),
u(k, name) AS (VALUES
  (1, 'alice'), (2, 'bob'), (3, 'carol'), (4, 'grace'), (5, 'dave'), (6, 'heidi'),
  (7, 'ivan'), (8, 'judy'), (9, 'mallory'), (10, 'erin'), (11, 'frank'),
  (12, 'niaj'), (13, 'olivia')
),
r AS (
  SELECT u.k, u.name, h.n, 1704067200 + h.n * 3600 AS t,
         ((h.n + 1000 * u.k) * 2654435761) % 1000003 AS a,
         ((h.n / 24 + 77 * u.k) * 40503) % 65521 AS d
  FROM u, h
),
v AS (
  SELECT k, name, n, t, a,
         round(0.01 * k + (a % 400) / 1000.0, 4) AS busy_kwh,
         round(0.02 + (a % 9) / 100.0, 4) AS idle_kwh,
         120 + (a / 3) % 160 AS intensity
  FROM r
  WHERE d % 7 <> 0
    AND NOT (name = 'olivia' AND t >= 1733011200)  -- stops before 12-01
    AND NOT (name = 'frank' AND t < 1734652800)    -- starts 12-20
)
INSERT INTO usage_ingest(ts, scope, user_id, busy_cpu_seconds_total,
                         idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq,
                         idle_gCo2eq, intensity_gCo2eq_kwh)
SELECT t, 'user', name, 60.0 * (a % 60), 60.0 * (a % 7), busy_kwh, idle_kwh,
       round(busy_kwh * intensity, 4), round(idle_kwh * intensity, 4), intensity
FROM v;
COMMIT;
