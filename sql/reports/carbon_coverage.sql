-- carbon_coverage.sql: per day, where the carbon of the energy came from:
-- the kWh whose carbon was given, derived from actual, forecast or default
-- intensity (or a mix of kinds), or has none, and the share of the day's
-- kWh that has carbon. So a day shows "83% of kWh have intensity" instead
-- of a low total that reads as if it were real.
--
-- A fact's kWh counts under its carbon_source as a whole; covered_share is
-- sum(covered_kwh) / sum(kWh), where a fact partly covered by intensity
-- periods counts only its covered part (kWh x carbon_coverage). Days are
-- UTC; a day in the range without facts is a row of zeros.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/carbon_coverage.sql
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @start  first day (floored to midnight UTC)   default: the first fact's day
--   @end    first day not shown                   default: the day after the
--                                                 last fact
--   @scope  'ada', 'project', 'machine' or 'user'  default: 'ada'
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--
-- Output: CSV with a header line, one row per day, in order. Columns:
--   day                        YYYY-MM-DD
--   facts                      fact rows of the scope that day
--   kwh                        their kWh, busy + idle
--   kwh_given kwh_actual kwh_forecast kwh_default kwh_mixed kwh_none
--                              that kWh split by carbon_source
--   gco2eq                     their carbon, busy + idle; empty when none
--                              of the day's kWh has known carbon
--   covered_share              kWh with carbon / kWh, 0 to 1; empty when the
--                              day has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH RECURSIVE
given AS (
  SELECT
    usage_scope_check(COALESCE(@scope, 'ada'),
                      CASE WHEN @scope = 'project' THEN 0 END,
                      CASE WHEN @scope = 'machine' THEN 0 END,
                      CASE WHEN @scope = 'user' THEN '' END) AS scope,
    CASE WHEN @start IS NULL THEN NULL
         ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
           ELSE '@start must be text, like 2024-12-01T00:00:00Z' END)
    END AS start_ts,
    CASE WHEN @end IS NULL THEN NULL
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2025-01-01T00:00:00Z' END)
    END AS end_ts
),
params AS (
  SELECT scope,
         date(COALESCE(start_ts, (SELECT min(ts) FROM fact_usage f WHERE f.scope = given.scope))) AS first_day,
         COALESCE(date(end_ts, '-1 second'),
                  date((SELECT max(ts) FROM fact_usage f WHERE f.scope = given.scope))) AS last_day
  FROM given
),
days(day) AS (
  SELECT first_day FROM params WHERE first_day IS NOT NULL AND first_day <= last_day
  UNION ALL
  SELECT date(day, '+1 day') FROM days, params WHERE day < last_day
),
facts AS (
  SELECT substr(f.ts, 1, 10) AS day, f.busy_kwh + f.idle_kwh AS kwh, f.covered_kwh,
         f.busy_gCo2eq + f.idle_gCo2eq AS g, f.carbon_source AS source
  FROM fact_usage f, params
  WHERE f.scope = params.scope
    AND f.ts >= params.first_day AND f.ts < date(params.last_day, '+1 day')
),
per_day AS (
  SELECT day, count(*) AS n, sum(kwh) AS kwh, sum(covered_kwh) AS covered, sum(g) AS g,
         sum(CASE source WHEN 'given' THEN kwh ELSE 0 END) AS k_given,
         sum(CASE source WHEN 'actual' THEN kwh ELSE 0 END) AS k_actual,
         sum(CASE source WHEN 'forecast' THEN kwh ELSE 0 END) AS k_forecast,
         sum(CASE source WHEN 'default' THEN kwh ELSE 0 END) AS k_default,
         sum(CASE source WHEN 'mixed' THEN kwh ELSE 0 END) AS k_mixed,
         sum(CASE source WHEN 'none' THEN kwh ELSE 0 END) AS k_none
  FROM facts GROUP BY day
)
SELECT d.day,
       COALESCE(p.n, 0) AS facts,
       printf('%.6f', COALESCE(p.kwh, 0)) AS kwh,
       printf('%.6f', COALESCE(p.k_given, 0)) AS kwh_given,
       printf('%.6f', COALESCE(p.k_actual, 0)) AS kwh_actual,
       printf('%.6f', COALESCE(p.k_forecast, 0)) AS kwh_forecast,
       printf('%.6f', COALESCE(p.k_default, 0)) AS kwh_default,
       printf('%.6f', COALESCE(p.k_mixed, 0)) AS kwh_mixed,
       printf('%.6f', COALESCE(p.k_none, 0)) AS kwh_none,
       -- unknown, not 0, when none of the day's energy has known carbon
       CASE WHEN p.covered > 0 OR COALESCE(p.kwh, 0) = 0 THEN printf('%.6f', COALESCE(p.g, 0))
       END AS gco2eq,
       CASE WHEN p.kwh > 0 THEN printf('%.6f', p.covered / p.kwh) END AS covered_share
FROM days d LEFT JOIN per_day p ON p.day = d.day
ORDER BY d.day;
