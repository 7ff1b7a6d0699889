-- daily_carbon_heatmap.sql: the platform's carbon per UTC day for one
-- calendar year, one row per day, shaped for a calendar heatmap (columns
-- by ISO week, rows by weekday).
--
-- "The platform" is the ada scope. The days come from a calendar, so every
-- day of the year has its row (365 or 366 rows) even when the year has no
-- data; the totals come from usage_buckets('ada', '1 day', ...). A day
-- without any ada row has samples 0 and zeros: read samples to tell a
-- quiet day from a missing one.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/daily_carbon_heatmap.sql
--
-- Parameter (optional; set with the shell's .parameter before the file):
--   @year   e.g. 2024                default: the year of the latest ada
--                                    row (the current year when there is none)
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' \
--           -cmd '.parameter set @year 2024' usage.db \
--     < sql/reports/daily_carbon_heatmap.sql
--
-- Output: CSV with a header line, one row per day in date order. Columns:
--   day             YYYY-MM-DD
--   weekday         ISO day of the week: 1 Monday .. 7 Sunday
--   weekday_name    Mon .. Sun
--   iso_year        the ISO 8601 week-numbering year (differs from the
--                   calendar year in the first and last days of some years)
--   iso_week        the ISO 8601 week, 1 .. 53 (weeks start on Monday)
--   samples         number of ada-scope fact rows that day
--   kwh             busy + idle energy
--   gCo2eq          busy + idle carbon; empty when none of the day's energy
--                   has known carbon (no intensity period covers it)
--   intensity_gCo2eq_kwh  gCo2eq / the kWh whose carbon is known; empty when
--                   there is none
--   carbon_coverage the share of the day's kWh whose carbon is known, 0 to
--                   1; empty when the day has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH RECURSIVE params AS (
  SELECT printf('%04d', CAST(COALESCE(@year,
           (SELECT substr(max(ts), 1, 4) FROM fact_usage WHERE scope = 'ada'),
           strftime('%Y', 'now')) AS INTEGER)) AS y
),
days(day) AS (
  SELECT y || '-01-01' FROM params
  UNION ALL
  SELECT date(day, '+1 day') FROM days, params
  WHERE date(day, '+1 day') < printf('%04d-01-01', y + 1)
),
cal AS (
  SELECT day,
         (CAST(strftime('%w', day) AS INTEGER) + 6) % 7 + 1 AS weekday,
         -- the Thursday of the day's ISO week gives its ISO year and week
         date(day, printf('-%d days', (CAST(strftime('%w', day) AS INTEGER) + 6) % 7),
              '+3 days') AS thursday
  FROM days
),
buckets AS (
  SELECT substr(b.bucket_start, 1, 10) AS day, b.samples,
         b.busy_kwh + b.idle_kwh AS kwh,
         b.busy_gCo2eq + b.idle_gCo2eq AS g, b.intensity_gCo2eq_kwh AS intensity,
         b.carbon_coverage AS coverage
  FROM params,
       usage_buckets('ada', '1 day', params.y || '-01-01',
                     printf('%04d-01-01', params.y + 1)) AS b
)
SELECT cal.day,
       cal.weekday,
       substr('MonTueWedThuFriSatSun', 3 * cal.weekday - 2, 3) AS weekday_name,
       CAST(strftime('%Y', cal.thursday) AS INTEGER) AS iso_year,
       (CAST(strftime('%j', cal.thursday) AS INTEGER) - 1) / 7 + 1 AS iso_week,
       COALESCE(b.samples, 0) AS samples,
       printf('%.6f', COALESCE(b.kwh, 0)) AS kwh,
       CASE WHEN b.day IS NULL OR b.g IS NOT NULL THEN printf('%.6f', COALESCE(b.g, 0))
       END AS gCo2eq,
       CASE WHEN b.intensity IS NOT NULL THEN printf('%.6f', b.intensity)
       END AS intensity_gCo2eq_kwh,
       CASE WHEN b.coverage IS NOT NULL THEN printf('%.6f', b.coverage)
       END AS carbon_coverage
FROM cal
LEFT JOIN buckets AS b ON b.day = cal.day
ORDER BY cal.day;
