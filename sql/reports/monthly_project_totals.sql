-- monthly_project_totals.sql: usage, energy and carbon per project and
-- calendar month (UTC), with the energy-weighted carbon intensity.
--
-- Run, with the extension loaded (sqlite3 -cmd adds the .load):
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/monthly_project_totals.sql
--
-- Parameters (optional; set them with the shell's .parameter before the
-- file is read, e.g. with .read, see below):
--   @start  first instant counted (inclusive)   default: the first row
--   @end    first instant not counted           default: after the last row
-- Timestamps are text in any form usage_ts() reads. Write them so the
-- shell keeps them as text: 2024-03-01T00:00:00Z as it is, or "'2024-03-01'"
-- with both quotes (a bare 2024-03-01 is the number 2020, and is refused).
--   sqlite3 usage.db <<'EOF'
--   .load /usr/local/lib/sqlite3/usage
--   .parameter set @start "'2024-03-01'"
--   .parameter set @end "'2024-07-01'"
--   .read sql/reports/monthly_project_totals.sql
--   EOF
--
-- Output: CSV with a header line, one row per (month, project) that has
-- project-scope rows, ordered by month then project. Columns:
--   month                   YYYY-MM
--   cloud_project_name
--   samples                 number of fact rows
--   busy_cpu_seconds_total  idle_cpu_seconds_total
--   busy_kwh  idle_kwh  kwh (busy + idle)
--   busy_gCo2eq  idle_gCo2eq  gCo2eq (busy + idle)
--   intensity_gCo2eq_kwh    energy-weighted mean of the rows' intensities:
--                           sum(intensity_i * kwh_i) / sum(kwh_i), where a
--                           row's intensity is its stored
--                           intensity_gCo2eq_kwh, or gCo2eq/kwh when that is
--                           NULL (as v_project_timeseries has it); empty
--                           when the month has no energy
--   carbon_coverage         the share of the kWh whose carbon is known,
--                           0 to 1; empty when the month has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH params AS (
  SELECT
    CASE WHEN @start IS NULL THEN '0000-01-01T00:00:00Z'
         ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
           ELSE '@start must be text, like 2024-03-01T00:00:00Z'
         END)
    END AS start_ts,
    CASE WHEN @end IS NULL THEN '9999-12-31T23:59:60Z'  -- after every canonical ts
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2024-07-01T00:00:00Z'
         END)
    END AS end_ts
),
rows AS (
  SELECT substr(f.ts, 1, 7) AS month,
         p.cloud_project_name,
         f.busy_cpu_seconds_total, f.idle_cpu_seconds_total,
         f.busy_kwh, f.idle_kwh, f.busy_gCo2eq, f.idle_gCo2eq,
         f.busy_kwh + f.idle_kwh AS kwh, f.covered_kwh,
         -- the kWh whose carbon is known: all of a fact's when covered
         CASE WHEN f.covered_kwh >= f.busy_kwh + f.idle_kwh THEN f.busy_kwh + f.idle_kwh
              ELSE f.covered_kwh END AS carbon_kwh,
         CASE WHEN f.busy_kwh + f.idle_kwh > 0 AND f.covered_kwh > 0
              THEN COALESCE(f.intensity_gCo2eq_kwh * (f.busy_kwh + f.idle_kwh),
                            f.busy_gCo2eq + f.idle_gCo2eq)
         END AS weighted_g
  FROM params, fact_usage AS f
  JOIN dim_project AS p ON p.project_id = f.project_id
  WHERE f.scope = 'project' AND f.ts >= params.start_ts AND f.ts < params.end_ts
)
SELECT month,
       cloud_project_name,
       count(*) AS samples,
       printf('%.6f', sum(busy_cpu_seconds_total)) AS busy_cpu_seconds_total,
       printf('%.6f', sum(idle_cpu_seconds_total)) AS idle_cpu_seconds_total,
       printf('%.6f', sum(busy_kwh)) AS busy_kwh,
       printf('%.6f', sum(idle_kwh)) AS idle_kwh,
       printf('%.6f', sum(kwh)) AS kwh,
       -- unknown, not 0, when none of the energy has known carbon
       CASE WHEN sum(carbon_kwh) > 0 OR sum(kwh) = 0
            THEN printf('%.6f', sum(busy_gCo2eq)) END AS busy_gCo2eq,
       CASE WHEN sum(carbon_kwh) > 0 OR sum(kwh) = 0
            THEN printf('%.6f', sum(idle_gCo2eq)) END AS idle_gCo2eq,
       CASE WHEN sum(carbon_kwh) > 0 OR sum(kwh) = 0
            THEN printf('%.6f', sum(busy_gCo2eq) + sum(idle_gCo2eq)) END AS gCo2eq,
       CASE WHEN sum(carbon_kwh) > 0
            THEN printf('%.6f', total(weighted_g) / sum(carbon_kwh))
       END AS intensity_gCo2eq_kwh,
       -- the share of the kWh whose carbon is known; unknown without energy
       CASE WHEN sum(kwh) > 0
            THEN printf('%.6f', min(1.0, sum(covered_kwh) / sum(kwh)))
       END AS carbon_coverage
FROM rows
GROUP BY month, cloud_project_name
ORDER BY month, cloud_project_name;
