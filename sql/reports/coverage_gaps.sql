-- coverage_gaps.sql: data coverage per scope and key, hour by hour: for
-- each key, the runs of hours in a range that have no fact row at all, so
-- missing data shows as a gap and is never read as zero usage.
--
-- A key is checked when it has at least one row of its scope anywhere in
-- the database: ada (the platform, key empty), each project, machine and
-- user. A key with no row in the whole range is one gap as long as the
-- range. An hour counts as covered when any row's ts falls in it, whatever
-- its amounts (a stored zero is data; a missing row is not).
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/coverage_gaps.sql
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @start  first hour checked (floored to the hour)
--                   default: 7 days before @end
--   @end    first hour not checked (rounded up to the hour)
--                   default: midnight (UTC) after the latest row
--   @scope  'ada', 'project', 'machine' or 'user'    default: all four
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--   sqlite3 usage.db <<'EOF'
--   .load /usr/local/lib/sqlite3/usage
--   .parameter set @start 2024-12-20T00:00:00Z
--   .parameter set @scope machine
--   .read sql/reports/coverage_gaps.sql
--   EOF
--
-- Output: CSV with a header line, ordered by scope, key and gap_start; one
-- row per gap, and one row with empty gap columns for a key with no gap.
-- Columns:
--   scope  key              key is the project, machine or user name;
--                           empty for ada
--   hours                   hours in the range
--   hours_with_rows         of those, hours that have a row for the key
--   gap_start  gap_end      a run of hours without rows, [start, end),
--                           canonical UTC
--   gap_hours               its length in hours (0 when the key has no gap)
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH RECURSIVE
latest AS (  -- one index probe per scope, not a scan of fact_usage
  SELECT max(m) AS ts FROM (
    SELECT max(ts) AS m FROM fact_usage WHERE scope = 'ada' UNION ALL
    SELECT max(ts) FROM fact_usage WHERE scope = 'project' UNION ALL
    SELECT max(ts) FROM fact_usage WHERE scope = 'machine' UNION ALL
    SELECT max(ts) FROM fact_usage WHERE scope = 'user')
),
given AS (
  SELECT
    CASE WHEN @end IS NULL
         THEN (SELECT strftime('%Y-%m-%dT00:00:00Z', ts, '+1 day') FROM latest)
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2025-01-01T00:00:00Z'
         END)
    END AS end_ts,
    CASE WHEN @start IS NULL THEN NULL
         ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
           ELSE '@start must be text, like 2024-12-01T00:00:00Z'
         END)
    END AS start_ts,
    -- an unknown @scope is an error that lists the scopes
    usage_scope_check(COALESCE(@scope, 'ada'),
                      CASE WHEN @scope = 'project' THEN 0 END,
                      CASE WHEN @scope = 'machine' THEN 0 END,
                      CASE WHEN @scope = 'user' THEN '' END) AS scope_ok
),
params AS (
  SELECT s0, e0, (e0 - s0) / 3600 AS n_hours,
         strftime('%Y-%m-%dT%H:%M:%SZ', s0, 'unixepoch') AS start_ts,
         strftime('%Y-%m-%dT%H:%M:%SZ', e0, 'unixepoch') AS end_ts
  FROM (
    SELECT CAST(strftime('%s', usage_bucket(COALESCE(start_ts,
                  strftime('%Y-%m-%dT%H:%M:%SZ', end_ts, '-7 days')), '1 hour'))
                AS INTEGER) AS s0,
           -- the end, rounded up to a whole hour
           CAST(strftime('%s', usage_bucket(
                  strftime('%Y-%m-%dT%H:%M:%SZ', end_ts, '+3599 seconds'), '1 hour'))
                AS INTEGER) AS e0
    FROM given
  )
),
scopes(scope) AS (
  SELECT s.column1 FROM (VALUES ('ada'), ('project'), ('machine'), ('user')) AS s, given
  WHERE given.scope_ok IS NOT NULL AND (@scope IS NULL OR s.column1 = @scope)
),
keys(scope, key) AS (
  SELECT 'ada', '' FROM scopes
  WHERE scope = 'ada' AND EXISTS (SELECT 1 FROM fact_usage WHERE scope = 'ada')
  UNION ALL
  SELECT 'project', p.cloud_project_name FROM scopes, dim_project AS p
  WHERE scope = 'project' AND EXISTS (
    SELECT 1 FROM fact_usage AS f WHERE f.project_id = p.project_id AND f.scope = 'project')
  UNION ALL
  SELECT 'machine', m.machine_name FROM scopes, dim_machine AS m
  WHERE scope = 'machine' AND EXISTS (
    SELECT 1 FROM fact_usage AS f WHERE f.machine_id = m.machine_id AND f.scope = 'machine')
  UNION ALL
  SELECT 'user', u.user_id FROM scopes, dim_user AS u
  WHERE scope = 'user' AND EXISTS (
    SELECT 1 FROM fact_usage AS f WHERE f.user_id = u.user_id AND f.scope = 'user')
),
hours(i) AS (
  SELECT 0 FROM params WHERE n_hours > 0
  UNION ALL
  SELECT i + 1 FROM hours, params WHERE i + 1 < n_hours
),
present AS (  -- (scope, key, hour number) of every row in the range
  SELECT DISTINCT f.scope,
         CASE f.scope WHEN 'project' THEN p.cloud_project_name
                      WHEN 'machine' THEN m.machine_name
                      WHEN 'user' THEN f.user_id
                      ELSE '' END AS key,
         (CAST(strftime('%s', f.ts) AS INTEGER) - params.s0) / 3600 AS i
  FROM params, fact_usage AS f
  LEFT JOIN dim_project AS p ON p.project_id = f.project_id
  LEFT JOIN dim_machine AS m ON m.machine_id = f.machine_id
  WHERE f.scope IN (SELECT scope FROM scopes)
    AND f.ts >= params.start_ts AND f.ts < params.end_ts
),
missing AS (
  SELECT k.scope, k.key, h.i FROM keys AS k, hours AS h
  EXCEPT
  SELECT scope, key, i FROM present
),
runs AS (  -- consecutive missing hours share i - row_number()
  SELECT scope, key, i, i - row_number() OVER (PARTITION BY scope, key ORDER BY i) AS run
  FROM missing
),
gaps AS (
  SELECT scope, key, min(i) AS first_i, max(i) + 1 AS end_i
  FROM runs
  GROUP BY scope, key, run
),
covered AS (
  SELECT k.scope, k.key, count(p.i) AS hours_with_rows
  FROM keys AS k
  LEFT JOIN present AS p ON p.scope = k.scope AND p.key = k.key
  GROUP BY k.scope, k.key
)
SELECT c.scope,
       nullif(c.key, '') AS key,
       params.n_hours AS hours,
       c.hours_with_rows,
       strftime('%Y-%m-%dT%H:%M:%SZ', params.s0 + 3600 * g.first_i, 'unixepoch') AS gap_start,
       strftime('%Y-%m-%dT%H:%M:%SZ', params.s0 + 3600 * g.end_i, 'unixepoch') AS gap_end,
       COALESCE(g.end_i - g.first_i, 0) AS gap_hours
FROM covered AS c
JOIN params
LEFT JOIN gaps AS g ON g.scope = c.scope AND g.key = c.key
ORDER BY c.scope, c.key, g.first_i;
