-- group_totals.sql: usage, energy and carbon per user group, with a row for
-- the users who have no group and a row for all users, so the groups
-- reconcile with the user totals.
--
-- The seed view v_group_totals joins users to their group, so the usage of
-- users without a group is in v_user_totals but in no row of
-- v_group_totals. This report keeps it, in the row "(no group)"; the rows
-- above "(all users)" add up to it, and "(all users)" is summed straight
-- from the user-scope facts (with no range, it equals the sums over
-- v_user_totals).
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/group_totals.sql
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @start  first instant counted (inclusive)   default: the first row
--   @end    first instant not counted           default: after the last row
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--
-- Output: CSV with a header line. One row per group in dim_group, by name
-- (a group without usage shows zeros), then "(no group)" (always present),
-- then "(all users)". Columns:
--   group_name
--   users                   distinct users with rows
--   samples                 number of user-scope fact rows
--   busy_cpu_seconds_total  idle_cpu_seconds_total
--   busy_kwh  idle_kwh
--   busy_gCo2eq  idle_gCo2eq    empty when none of the energy has known carbon
--   carbon_coverage         the share of the kWh whose carbon is known,
--                           0 to 1; empty when the row has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH params AS (
  SELECT
    CASE WHEN @start IS NULL THEN '0000-01-01T00:00:00Z'
         ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
           ELSE '@start must be text, like 2024-12-01T00:00:00Z'
         END)
    END AS start_ts,
    CASE WHEN @end IS NULL THEN '9999-12-31T23:59:60Z'  -- after every canonical ts
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2025-01-01T00:00:00Z'
         END)
    END AS end_ts
),
facts AS (
  SELECT f.*
  FROM params, fact_usage AS f
  WHERE f.scope = 'user' AND f.ts >= params.start_ts AND f.ts < params.end_ts
),
per_user AS (
  SELECT user_id,
         count(*) AS samples,
         sum(busy_cpu_seconds_total) AS busy_cpu, sum(idle_cpu_seconds_total) AS idle_cpu,
         sum(busy_kwh) AS busy_kwh, sum(idle_kwh) AS idle_kwh,
         sum(busy_gCo2eq) AS busy_g, sum(idle_gCo2eq) AS idle_g,
         sum(covered_kwh) AS covered
  FROM facts
  GROUP BY user_id
),
with_group AS (
  SELECT pu.*, g.group_name
  FROM per_user AS pu
  LEFT JOIN dim_user AS u ON u.user_id = pu.user_id
  LEFT JOIN dim_group AS g ON g.group_id = u.group_id
),
groups AS (
  SELECT 0 AS part, g.group_name,
         count(w.user_id) AS users,
         total(w.samples) AS samples,
         total(w.busy_cpu) AS busy_cpu, total(w.idle_cpu) AS idle_cpu,
         total(w.busy_kwh) AS busy_kwh, total(w.idle_kwh) AS idle_kwh,
         total(w.busy_g) AS busy_g, total(w.idle_g) AS idle_g,
         total(w.covered) AS covered
  FROM dim_group AS g
  LEFT JOIN with_group AS w ON w.group_name = g.group_name
  GROUP BY g.group_name
  UNION ALL
  SELECT 1, '(no group)',  -- an aggregate without GROUP BY: always one row
         count(user_id), total(samples),
         total(busy_cpu), total(idle_cpu), total(busy_kwh), total(idle_kwh),
         total(busy_g), total(idle_g), total(covered)
  FROM with_group
  WHERE group_name IS NULL
),
everyone AS (
  SELECT 2 AS part, '(all users)' AS group_name,
         count(DISTINCT user_id) AS users,
         count(*) AS samples,
         total(busy_cpu_seconds_total) AS busy_cpu, total(idle_cpu_seconds_total) AS idle_cpu,
         total(busy_kwh) AS busy_kwh, total(idle_kwh) AS idle_kwh,
         total(busy_gCo2eq) AS busy_g, total(idle_gCo2eq) AS idle_g,
         total(covered_kwh) AS covered
  FROM facts
)
SELECT group_name,
       users,
       CAST(samples AS INTEGER) AS samples,
       printf('%.6f', busy_cpu) AS busy_cpu_seconds_total,
       printf('%.6f', idle_cpu) AS idle_cpu_seconds_total,
       printf('%.6f', busy_kwh) AS busy_kwh,
       printf('%.6f', idle_kwh) AS idle_kwh,
       -- unknown, not 0, when none of the energy has known carbon
       CASE WHEN covered > 0 OR busy_kwh + idle_kwh = 0 THEN printf('%.6f', busy_g)
       END AS busy_gCo2eq,
       CASE WHEN covered > 0 OR busy_kwh + idle_kwh = 0 THEN printf('%.6f', idle_g)
       END AS idle_gCo2eq,
       -- the share of the kWh whose carbon is known; unknown without energy
       CASE WHEN busy_kwh + idle_kwh > 0
            THEN printf('%.6f', min(1.0, covered / (busy_kwh + idle_kwh)))
       END AS carbon_coverage
FROM (SELECT * FROM groups UNION ALL SELECT * FROM everyone)
ORDER BY part, group_name;
