-- intensity_gaps.sql: the gaps in an intensity series over a range: the
-- stretches of time that no period of usage_intensity covers, of any kind.
-- A fact overlapping a gap has coverage below 1 (or carbon_source 'none'),
-- so this is the list of intensity to fetch before its carbon is complete.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/intensity_gaps.sql
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @region  the series                    default: usage_config('region')
--   @start   first instant checked          default: the first fact's ts
--   @end     first instant not checked      default: the last fact's ts +
--                                           usage_config('fact_interval')
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--
-- Output: CSV with a header line, one row per gap, in order; no rows when
-- the range is covered. Columns:
--   region                 the series
--   gap_start  gap_end     [start, end), canonical UTC
--   gap_minutes            its length
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH
bounds AS (  -- the facts' range, one index probe per scope
  SELECT min(lo) AS lo, max(hi) AS hi FROM (
    SELECT min(ts) AS lo, max(ts) AS hi FROM fact_usage WHERE scope = 'ada' UNION ALL
    SELECT min(ts), max(ts) FROM fact_usage WHERE scope = 'project' UNION ALL
    SELECT min(ts), max(ts) FROM fact_usage WHERE scope = 'machine' UNION ALL
    SELECT min(ts), max(ts) FROM fact_usage WHERE scope = 'user')
),
params AS (
  SELECT COALESCE(@region, usage_config('region')) AS region,
         CASE WHEN @start IS NULL THEN (SELECT lo FROM bounds)
              ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
                ELSE '@start must be text, like 2024-12-01T00:00:00Z' END)
         END AS start_ts,
         CASE WHEN @end IS NULL
              THEN strftime('%Y-%m-%dT%H:%M:%SZ', (SELECT hi FROM bounds),
                            '+' || usage_config('fact_interval'))
              ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
                ELSE '@end must be text, like 2025-01-01T00:00:00Z' END)
         END AS end_ts
),
periods AS (  -- the periods overlapping the range, each with the furthest
              -- end of the periods before it
  SELECT i.period_start AS s, i.period_end AS e,
         max(i.period_end) OVER (ORDER BY i.period_start, i.period_end
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
  FROM grid_intensity i, params p
  WHERE i.region = p.region AND i.period_start < p.end_ts AND i.period_end > p.start_ts
),
gaps AS (
  SELECT max(COALESCE(reach, p.start_ts), p.start_ts) AS gap_start, min(s, p.end_ts) AS gap_end
  FROM periods, params p
  UNION ALL  -- after the last period, or the whole range when there is none
  SELECT max(COALESCE((SELECT max(e) FROM periods), p.start_ts), p.start_ts), p.end_ts
  FROM params p
)
SELECT p.region, g.gap_start, g.gap_end,
       CAST((strftime('%s', g.gap_end) - strftime('%s', g.gap_start)) / 60 AS INTEGER) AS gap_minutes
FROM gaps g, params p
WHERE g.gap_start < g.gap_end
ORDER BY g.gap_start;
